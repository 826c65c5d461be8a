"""Staff accounts: administrators create them; the person chooses a password from a link."""

import datetime

from peewee import JOIN

from portal.i18n import lazy_gettext as _l
from portal.models import Person, ServiceTeam, Token, db, utcnow
from portal.services import audit, mail, tokens

ROLE_LABELS = {
    Person.CUSTOMER_SERVICE: _l("Customer service"),
    Person.MAINTENANCE: _l("Maintenance"),
    Person.ASOY_CUSTOMER_SERVICE: _l("As Oy customer service"),
    Person.ADMIN: _l("Administrator"),
}


class StaffAccountError(Exception):
    """The account cannot be created like this; ``reason`` says why."""

    EXISTS = "exists"
    ROLE = "role"
    TEAM = "team"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def staff_members() -> list[Person]:
    """List every staff account with its team, those still open first, by surname."""
    return list(
        Person.select(Person, ServiceTeam)
        .join(ServiceTeam, on=(Person.staff_team == ServiceTeam.id), join_type=JOIN.LEFT_OUTER)
        .where(Person.staff_role.is_null(False))
        .order_by(Person.is_active.desc(), Person.last_name, Person.first_name)
    )


def staff_member(person_id: int) -> Person | None:
    """Return a staff account by its id; None for a resident's account or no account."""
    return Person.get_or_none((Person.id == person_id) & Person.staff_role.is_null(False))


def create(
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    team_key: str | None,
    admin: Person | None,
    public_url: str,
    lifetime: datetime.timedelta,
    welcome: bool = True,
) -> tuple[Person, str]:
    """Create a staff member and email them a link to choose a password; return the person
    and the link (the command prints it for a first administrator without email). Without
    ``welcome`` (the password is set at once, at the terminal) there is no link and no email."""
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
        link = ""
        if welcome:
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
