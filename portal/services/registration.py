"""Registration, identification and passwords: the rules of the seed's account journey."""

import datetime

from peewee import fn

from portal.models import Apartment, Building, Person, Residency, ServiceTeam, Token, db, utcnow
from portal.services import audit, mail, mandates, tokens
from portal.services.accounts import hash_password
from portal.services.staff import register_lines


def start_registration(
    email: str, language: str, public_url: str, lifetime: datetime.timedelta
) -> None:
    """Email a confirmation link, or a note that the address already has a username.

    The caller shows the same page either way, so nobody learns whether an address is known.
    """
    with db.atomic():
        person = Person.get_or_none(Person.email == email)
        if person is not None and person.password_hash and person.is_active:
            mail.queue(
                email,
                "already_registered",
                person.language,
                sign_in_link=f"{public_url}/login",
                reset_link=f"{public_url}/password/forgot",
            )
            return
        raw = tokens.issue(Token.REGISTER, email, lifetime, person=person)
        mail.queue(
            email,
            "confirm_email",
            language,
            link=f"{public_url}/register/confirm?t={raw}",
            hours=int(lifetime.total_seconds() // 3600),
        )


def identify(
    email: str, identity_hash: str, language: str, names: tuple[str, str] = ("", "")
) -> Person | None:
    """Link the person with this email to their lines of the housing register after strong
    identification; return None when the identity matches nobody in the register.

    Someone named as the agent of a power of attorney may have no home of ours: they get
    a username under the names their bank gave, and use it only for acting.
    """
    with db.atomic():
        residencies = list(Residency.select().where(Residency.identity_hash == identity_hash))
        if residencies:
            # The register's names are the ones on the lease.
            first, last = residencies[0].first_name, residencies[0].last_name
        elif all(names) and mandates.has_pending_mandate(email):
            first, last = names
        else:
            return None
        person = Person.get_or_none(Person.email == email)
        now = utcnow()
        if person is None:
            person = Person.create(email=email, first_name=first, last_name=last, language=language)
        person.identification_method = Person.BANK
        person.identified_at = now
        person.identity_hash = identity_hash
        person.is_active = True
        person.save()
        # Someone whose email changed registers again: the old username is closed.
        for old in Person.select().where(
            (Person.identity_hash == identity_hash) & (Person.id != person.id) & Person.is_active
        ):
            old.is_active = False
            old.end_all_sessions()
            old.save(only=[Person.is_active])
            audit.record("account_replaced", actor=person, subject=old)
        Residency.update(person=person).where(Residency.identity_hash == identity_hash).execute()
        audit.record("identified", actor=person, subject=person, detail=Person.BANK)
    return person


def identified_at_office(email: str) -> Person | None:
    """Return the person staff have identified at the office under this email, if any."""
    return Person.get_or_none(
        (Person.email == email)
        & (Person.identification_method == Person.OFFICE)
        & Person.identified_at.is_null(False)
        & Person.is_active
    )


def residents_to_identify(staff: Person, words: str, limit: int) -> list[Residency]:
    """Find lines of the housing register whose name or address contains the words, in the
    buildings the staff member serves, by surname: at most ``limit`` of them."""
    pattern = f"%{words.lower()}%"
    name = fn.LOWER(Residency.first_name.concat(" ").concat(Residency.last_name))
    address = fn.LOWER(Building.street_address.concat(" ").concat(Apartment.number))
    return list(
        register_lines(staff)
        .where(name**pattern | address**pattern)
        .order_by(Residency.last_name, Residency.first_name)
        .limit(limit)
    )


def residency_to_identify(staff: Person, residency_id: int) -> Residency | None:
    """Return a line of the housing register the staff member may see, with its home and
    username; None for a line of a building they do not serve."""
    return register_lines(staff).where(Residency.id == residency_id).first()


def mark_identified_at_office(residency: Residency, email: str, staff: Person) -> Person:
    """Record that staff checked this resident's identity document, under the given email."""
    with db.atomic():
        person = Person.get_or_none(Person.email == email)
        if person is None:
            person = Person.create(
                email=email, first_name=residency.first_name, last_name=residency.last_name
            )
        person.identification_method = Person.OFFICE
        person.identified_at = utcnow()
        person.save()
        residency.person = person
        residency.save(only=[Residency.person])
        audit.record("identified", actor=staff, subject=person, detail=Person.OFFICE)
    return person


def set_password(person: Person, password: str, notice: dict | None = None) -> None:
    """Store a new password and end every other session of the person.

    With ``notice`` (the moment and the customer service phone), the person is also told by
    email: a changed password they did not expect is how they notice a break-in.
    """
    with db.atomic():
        person.password_hash = hash_password(password)
        person.save(only=[Person.password_hash])
        person.end_all_sessions()
        # Every other link that could set a password or a bank account stops working: one
        # left in a mailbox someone else reads must not outlive the new password.
        Token.update(used_at=utcnow()).where(
            ((Token.person == person) | (Token.email == person.email))
            & Token.used_at.is_null()
            & Token.purpose.in_([Token.RESET, Token.BANK_ACCOUNT])
        ).execute()
        audit.record("password_set", actor=person, subject=person)
        if notice:
            mail.queue(
                person.email,
                "password_changed",
                person.language,
                name=person.first_name,
                when=notice["when"],
                phone=notice["phone"],
            )


def reset_password(person: Person, password: str, when: str) -> None:
    """Store the password chosen from a reset link and tell the person by email when it
    changed (``when``, as the page shows times) and the customer service phone to call."""
    team = ServiceTeam.default()
    set_password(person, password, {"phone": team.phone if team else "", "when": when})


def start_password_reset(email: str, public_url: str, lifetime: datetime.timedelta) -> None:
    """Email a reset link when the address belongs to an active username; otherwise nothing.

    An unknown address goes through the same work (a token, the email written to the
    outbox) and then undoes it, so the answer takes as long either way: its timing does not
    tell whether someone has a username here.
    """
    with db.atomic() as transaction:
        person = Person.get_or_none((Person.email == email) & Person.is_active)
        known = person is not None and bool(person.password_hash)
        raw = tokens.issue(Token.RESET, email, lifetime, person=person if known else None)
        mail.queue(
            email,
            "reset_password",
            person.language if known else "fi",
            link=f"{public_url}/password/reset?t={raw}",
            hours=int(lifetime.total_seconds() // 3600),
        )
        if not known:
            transaction.rollback()
