"""The service teams: who answers whom, and the contacts residents see for them."""

from portal.models import Person, ServiceTeam, db
from portal.prepared import prepared
from portal.services import audit, buildings

# The contacts an administrator keeps; the team's key stays as it was created.
CONTACT_FIELDS = (
    "name_fi",
    "name_sv",
    "name_en",
    "phone",
    "phone_hours",
    "email",
    "on_call_phone",
)


@prepared
def _service_teams():
    return ServiceTeam.select().order_by(ServiceTeam.id)


def service_teams() -> list[ServiceTeam]:
    """List every service team in the order they were created (the staff queues' filter:
    its SQL is built once)."""
    return _service_teams()


def service_team(team_id: int) -> ServiceTeam | None:
    """Return one service team, or None when there is no such team."""
    return ServiceTeam.get_or_none(ServiceTeam.id == team_id)


def change_contacts(team: ServiceTeam, contacts: dict[str, str], person: Person) -> None:
    """Save a team's contacts (the ``CONTACT_FIELDS``) and record who changed them."""
    changed = {name: contacts[name] for name in CONTACT_FIELDS}
    with db.atomic():
        ServiceTeam.update(**changed).where(ServiceTeam.id == team.id).execute()
        audit.record("team_changed", actor=person, detail=team.key)
    buildings.forget_teams()
