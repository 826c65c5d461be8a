"""Passwords and signing in."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from portal.models import Person, utcnow

_hasher = PasswordHasher()
# Verifying against this hash when the email is unknown makes both answers take as long.
_DUMMY_HASH = _hasher.hash("not-a-real-password-but-takes-as-long")


def normalise_email(email: str) -> str:
    """Return an email address in the one form it is stored in."""
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(email: str, password: str) -> Person | None:
    """Return the active person with this email and password, or None."""
    person = Person.get_or_none(Person.email == normalise_email(email))
    stored = person.password_hash if person is not None else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if person is None or stored is None or not person.is_active:
        return None
    changes = {Person.last_login_at: utcnow()}
    if _hasher.check_needs_rehash(stored):
        changes[Person.password_hash] = _hasher.hash(password)
    Person.update(changes).where(Person.id == person.id).execute()
    return person
