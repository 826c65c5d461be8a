"""Links sent by email: random, stored only as a hash, single use and expiring."""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from portal.models import Person, Token, utcnow

VALID = "valid"
EXPIRED = "expired"
USED = "used"
INVALID = "invalid"


@dataclass(frozen=True)
class TokenCheck:
    status: str
    token: Token | None = None

    @property
    def is_valid(self) -> bool:
        return self.status == VALID


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(
    purpose: str,
    email: str,
    lifetime: datetime.timedelta,
    person: Person | None = None,
    now: datetime.datetime | None = None,
    payload: str = "",
) -> str:
    """Store a new token's hash and return the token itself, to be put in a link."""
    now = now or utcnow()
    raw = secrets.token_urlsafe(32)
    Token.create(
        purpose=purpose,
        token_hash=_digest(raw),
        email=email,
        person=person,
        created_at=now,
        expires_at=now + lifetime,
        payload=payload,
    )
    return raw


def check(purpose: str, raw: str, now: datetime.datetime | None = None) -> TokenCheck:
    """Tell whether a token from a link is valid, expired, already used or unknown."""
    now = now or utcnow()
    if not raw or len(raw) > 200:
        return TokenCheck(INVALID)
    token = Token.get_or_none((Token.token_hash == _digest(raw)) & (Token.purpose == purpose))
    if token is None:
        return TokenCheck(INVALID)
    if token.used_at is not None:
        return TokenCheck(USED, token)
    if now >= token.expires_at:
        return TokenCheck(EXPIRED, token)
    return TokenCheck(VALID, token)


def consume(token: Token, now: datetime.datetime | None = None) -> bool:
    """Mark a token used; return False when another request used it first."""
    now = now or utcnow()
    updated = (
        Token.update(used_at=now)
        .where((Token.id == token.id) & Token.used_at.is_null() & (Token.expires_at > now))
        .execute()
    )
    return updated == 1
