"""Passwords and signing in."""

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from portal.models import Person, utcnow

# How hard a password hash is to compute. "strong" is argon2-cffi's default (RFC 9106's
# low-memory choice: 64 MiB, three passes) and the only one production accepts. "fast" is
# the cheapest argon2 there is, for test suites that sign in thousands of times; hashes made
# with it are rehashed with the strong one at the next sign-in under "strong".
HASHING = {"strong": profiles.RFC_9106_LOW_MEMORY, "fast": profiles.CHEAPEST}

_hashing = "strong"
_hasher = PasswordHasher.from_parameters(HASHING[_hashing])
# Verifying against a hash of the same parameters when the email is unknown makes both
# answers take as long. Made at the first sign-in, not when a process starts.
_dummy_hashes: dict[str, str] = {}


def use_hashing(name: str) -> None:
    """Hash and verify passwords with the named parameters from now on (see HASHING)."""
    global _hashing, _hasher
    if name != _hashing:
        _hashing, _hasher = name, PasswordHasher.from_parameters(HASHING[name])


def _dummy_hash() -> str:
    if _hashing not in _dummy_hashes:
        _dummy_hashes[_hashing] = _hasher.hash("not-a-real-password-but-takes-as-long")
    return _dummy_hashes[_hashing]


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
        _hasher.verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if person is None or stored is None or not person.is_active:
        return None
    changes = {Person.last_login_at: utcnow()}
    if _hasher.check_needs_rehash(stored):
        changes[Person.password_hash] = _hasher.hash(password)
    Person.update(changes).where(Person.id == person.id).execute()
    return person
