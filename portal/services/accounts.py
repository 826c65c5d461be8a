"""Passwords and signing in."""

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from portal.models import Person, utcnow
from portal.services import audit

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


def person_with_email(email: str) -> Person | None:
    """Return the person with this (normalised) email address, open or closed, or None."""
    return Person.get_or_none(Person.email == email)


def person_with_open_account(person_id: int) -> Person | None:
    """Return the person with this id if their account is open, or None."""
    return Person.get_or_none((Person.id == person_id) & Person.is_active)


def person_on_journey(person_id: int) -> Person | None:
    """Return the person whose id a journey to an account keeps in the session, or None."""
    return Person.get_or_none(Person.id == person_id)


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


def accept_code(person: Person, secret: str, step: int) -> bool:
    """Store the time step of a right one-time code (and the secret being set up) unless
    another request stored it or a later one first, so that a code works once; return
    whether this request stored it."""
    return bool(
        Person.update(totp_secret=secret, totp_last_step=step)
        .where((Person.id == person.id) & (Person.totp_last_step < step))
        .execute()
    )


def sign_out_everywhere(person: Person) -> None:
    """End every session of the person, on every device, and record it."""
    person.end_all_sessions()
    audit.record("signed_out", actor=person, subject=person)
