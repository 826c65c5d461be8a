"""The audit log: who did what, to whom, when. Callers never pass secrets or identity codes."""

from flask import has_request_context, request

from portal.models import AuditEntry, Mandate, Person


def record(
    action: str,
    actor: Person | None = None,
    subject: Person | None = None,
    detail: str = "",
    mandate: Mandate | None = None,
) -> AuditEntry:
    """Write one audit entry (inside the caller's transaction); ``mandate`` is the power of
    attorney the actor used or changed, which puts the entry in that mandate's history."""
    # The client's address as the proxies the portal trusts report it (see portal.serving).
    address = (request.remote_addr or "")[:45] if has_request_context() else ""
    return AuditEntry.create(
        actor=actor,
        action=action[:60],
        subject=subject,
        detail=detail[:500],
        mandate=mandate,
        address=address,
    )
