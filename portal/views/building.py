"""The resident's building: details, contacts and the rescue plan."""

from flask import Blueprint

from portal import downloads
from portal.access import current_resident_status
from portal.models import BuildingDetails, ParkingArea, ParkingAreaBuilding, Sauna
from portal.web import render

bp = Blueprint("building", __name__, url_prefix="/building")


@bp.get("")
def show():
    """Details of the own building, its maintenance and the rescue plan."""
    residency = current_resident_status().residency
    apartment = residency.lease.apartment
    building = apartment.building
    return render(
        "building/show.html",
        building=building,
        apartment=apartment,
        details=BuildingDetails.get_or_none(BuildingDetails.building == building.id),
        team=building.team,
        saunas=list(Sauna.select().where(Sauna.building == building.id)),
        parking_areas=list(
            ParkingArea.select()
            .join(ParkingAreaBuilding)
            .where(ParkingAreaBuilding.building == building.id)
        ),
    )


@bp.get("/rescue-plan")
def rescue_plan():
    """The rescue plan of the own building (residents of other buildings cannot reach it)."""
    residency = current_resident_status().residency
    return downloads.rescue_plan(residency.lease.apartment.building_id)
