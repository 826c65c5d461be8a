"""The resident's building: details, contacts and the rescue plan."""

from flask import Blueprint

from portal import downloads
from portal.access import current_resident_status
from portal.services import buildings, parking, saunas
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
        details=buildings.details_of(building),
        team=building.team,
        saunas=saunas.saunas_of(building.id),
        parking_areas=list(parking.areas_for(building.id)),
    )


@bp.get("/rescue-plan")
def rescue_plan():
    """The rescue plan of the own building (residents of other buildings cannot reach it)."""
    residency = current_resident_status().residency
    return downloads.rescue_plan(residency.lease.apartment.building_id)
