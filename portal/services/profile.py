"""The resident's own details: contact information, language and the bank account."""

import datetime

from portal.models import Person, Token, db
from portal.services import audit, mail, tokens


def masked(iban: str) -> str:
    """Only the country and the last four digits: enough to recognise, useless to copy."""
    return f"{iban[:2]} •••• {iban[-4:]}" if iban else ""


def save_contact(person: Person, phone: str, language: str, notify_by_email: bool) -> None:
    """Store the person's phone number, language and whether they want email notices."""
    Person.update(
        phone=(phone or "").strip(),
        language=language,
        notify_by_email=notify_by_email,
    ).where(Person.id == person.id).execute()


def choose_language(person: Person, language: str) -> None:
    """Keep the language the person chose in their profile (no write when it is already theirs)."""
    if person.language != language:
        Person.update(language=language).where(Person.id == person.id).execute()


def ask_to_change_bank_account(
    person: Person, iban: str, public_url: str, lifetime: datetime.timedelta
) -> None:
    """Email the person a link that sets the new account number: nothing changes until
    they open it."""
    with db.atomic():
        raw = tokens.issue(Token.BANK_ACCOUNT, person.email, lifetime, person=person, payload=iban)
        mail.queue(
            person.email,
            "confirm_bank_account",
            person.language,
            account=masked(iban),
            link=f"{public_url}/profile/bank-account/confirm?t={raw}",
            hours=int(lifetime.total_seconds() // 3600),
        )
        audit.record("bank_account_change_requested", actor=person)


def change_bank_account(person: Person, token: Token) -> bool:
    """Set the account number the person's own link carries and tell them by email; return
    False when the link is someone else's or another request used it up first."""
    with db.atomic():
        if token.person_id != person.id or not tokens.consume(token):
            return False
        Person.update(iban=token.payload).where(Person.id == person.id).execute()
        audit.record("bank_account_changed", actor=person)
        mail.queue(
            person.email,
            "bank_account_changed",
            person.language,
            account=masked(token.payload),
        )
    return True
