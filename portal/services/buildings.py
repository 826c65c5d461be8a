"""The buildings as the back office keeps them: which ones a staff member serves, the details
residents read about their building, its rescue plan and the service team that answers it."""

import secrets
from pathlib import Path

from peewee import JOIN, fn

from portal import database
from portal.i18n import gettext as _
from portal.models import Apartment, Building, BuildingDetails, Person, ServiceTeam, db, utcnow
from portal.prepared import prepared
from portal.services import audit, files, staff
from portal.services.staff import served

# The details staff write and residents read; the rescue plan's columns are kept apart,
# because only an uploaded file may change them.
DETAILS_FIELDS = (
    "heating",
    "sauna_and_laundry",
    "waste",
    "storage",
    "maintenance_company",
    "maintenance_phone",
    "maintenance_email",
)


def buildings_with_details_for(person: Person) -> list[Building]:
    """List the buildings a staff member serves with their details (None where none are
    written yet), by street address, in one query."""
    return list(
        Building.select(Building, BuildingDetails)
        .join(BuildingDetails, join_type=JOIN.LEFT_OUTER)
        .where(served(person, Building.id))
        .order_by(Building.street_address)
    )


def building_for(person: Person, building_id: int) -> Building | None:
    """Return a building the staff member serves, or None for any other building."""
    return Building.get_or_none((Building.id == building_id) & served(person, Building.id))


def buildings_by_address() -> list[Building]:
    """List every building by street address, each with the team that answers it: anyone
    may report a defect in any of them, and is told the number of its team."""
    return list(
        Building.select(Building, ServiceTeam).join(ServiceTeam).order_by(Building.street_address)
    )


@prepared
def _teams_with_buildings():
    answers = Building.select().where(Building.team == ServiceTeam.id)
    return ServiceTeam.select(ServiceTeam, fn.EXISTS(answers).alias("answers_buildings")).order_by(
        ServiceTeam.is_default.desc(), ServiceTeam.id
    )


# Every visitor's page and every staff page names teams from this list: a process keeps it
# for half a minute (as it keeps the company's settings), per database, and reads it afresh
# after a change made here. Its rows are shared: nothing may change them.
TEAMS_KEPT_SECONDS = 30
_kept_teams = database.Kept(TEAMS_KEPT_SECONDS)


def teams_for_visitors() -> list[ServiceTeam]:
    """List every service team, the default team first, each with ``answers_buildings``
    telling whether some building points to it, in one query: a visitor's pages show the
    default team's contacts, and for urgent defects each answering team's number under its
    name (the visitor has not said where they live). Read at most every
    ``TEAMS_KEPT_SECONDS``."""
    return _kept_teams.get(_teams_with_buildings)


def forget_teams() -> None:
    """Read the teams afresh on their next use (after a team or a building's team changed)."""
    _kept_teams.forget()
    staff.forget_building_choices()


def apartment_in(building: Building, number: str) -> Apartment | None:
    """Return the apartment of this number in the building, or None when it has none."""
    return Apartment.get_or_none((Apartment.building == building.id) & (Apartment.number == number))


def details_of(building: Building) -> BuildingDetails | None:
    """Return the details written for a building, or None when there are none yet."""
    return BuildingDetails.get_or_none(BuildingDetails.building == building.id)


def rescue_plan_refused(data: bytes) -> str | None:
    """Why an uploaded rescue plan cannot be taken (residents download it), or None."""
    try:
        files.check_pdf(data)
    except files.AttachmentError as error:
        return files.pdf_message(error.args[0]) or _(
            "The rescue plan must be a PDF file of at most 10 MB."
        )
    return None


def save_details(
    person: Person,
    building: Building,
    values: dict,
    *,
    rescue_plan: bytes,
    directory: Path,
) -> BuildingDetails:
    """Save a building's details (the ``DETAILS_FIELDS`` of ``values``) and, when
    ``rescue_plan`` holds a checked PDF, store it in ``directory`` in place of the old one.

    The new file is written before the row points to it, and the old one is removed only
    once the row no longer does, so residents never follow a link to a missing plan.
    """
    with db.atomic():
        details = details_of(building) or BuildingDetails(building=building)
        for name in DETAILS_FIELDS:
            setattr(details, name, values[name])
        old = details.rescue_plan_name
        if rescue_plan:
            name = f"{secrets.token_hex(16)}.pdf"
            directory.mkdir(parents=True, exist_ok=True)
            (directory / name).write_bytes(rescue_plan)
            details.rescue_plan_name = name
            details.rescue_plan_size = len(rescue_plan)
            details.rescue_plan_updated_at = utcnow()
        details.save()
        audit.record("building_details_changed", actor=person, detail=str(building.id))
    if rescue_plan and old:
        (directory / old).unlink(missing_ok=True)
    return details


def change_team(person: Person, building: Building, team: ServiceTeam) -> None:
    """Have another service team answer a building's residents, and record who chose it."""
    with db.atomic():
        Building.update(team=team).where(Building.id == building.id).execute()
        audit.record("building_team_changed", actor=person, detail=f"{building.id} {team.key}")
    forget_teams()
