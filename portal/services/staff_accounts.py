"""Staff accounts: administrators create them; the person chooses a password from a link."""

import datetime

from portal.models import Person, ServiceTeam, Token, db, utcnow
from portal.services import audit, mail, tokens


class StaffAccountError(Exception):
    """The account cannot be created like this; ``reason`` says why."""

    EXISTS = "exists"
    ROLE = "role"
    TEAM = "team"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def create(
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    team_key: str | None,
    admin: Person | None,
    public_url: str,
    lifetime: datetime.timedelta,
) -> tuple[Person, str]:
    """Create a staff member and email them a link to choose a password; return the person
    and the link (the command prints it for a first administrator without email)."""
    if role not in Person.STAFF_ROLES:
        raise StaffAccountError(StaffAccountError.ROLE)
    team = None
    if team_key:
        team = ServiceTeam.get_or_none(ServiceTeam.key == team_key)
        if team is None:
            raise StaffAccountError(StaffAccountError.TEAM)
    with db.atomic():
        if Person.select().where(Person.email == email).exists():
            raise StaffAccountError(StaffAccountError.EXISTS)
        person = Person.create(
            email=email,
            first_name=first_name,
            last_name=last_name,
            staff_role=role,
            staff_team=team,
            # The employer has checked who they are.
            identification_method=Person.OFFICE,
            identified_at=utcnow(),
        )
        raw = tokens.issue(Token.RESET, email, lifetime, person=person)
        link = f"{public_url}/password/reset?t={raw}"
        mail.queue(
            email,
            "staff_welcome",
            person.language,
            name=first_name,
            link=link,
            hours=int(lifetime.total_seconds() // 3600),
        )
        audit.record("staff_created", actor=admin, subject=person, detail=role)
    return person, link


def end(person: Person, admin: Person) -> None:
    """Close a staff account at once: no sign-in, every session ended."""
    with db.atomic():
        Person.update(is_active=False).where(Person.id == person.id).execute()
        person.end_all_sessions()
        audit.record("staff_ended", actor=admin, subject=person)
