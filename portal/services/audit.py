"""The audit log: who did what, to whom, when. Callers never pass secrets or identity codes."""

from portal.models import AuditEntry, Person


def record(
    action: str, actor: Person | None = None, subject: Person | None = None, detail: str = ""
) -> AuditEntry:
    """Write one audit entry (inside the caller's transaction)."""
    return AuditEntry.create(actor=actor, action=action, subject=subject, detail=detail[:500])
