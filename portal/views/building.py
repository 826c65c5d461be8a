"""The resident's building: details, contacts and the rescue plan."""

from pathlib import Path

from flask import Blueprint, abort, current_app, send_file

from portal.access import current_resident_status
from portal.models import BuildingDetails, ParkingArea, ParkingAreaBuilding, Sauna
from portal.web import render

bp = Blueprint("building", __name__, url_prefix="/building")


def rescue_plan_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "buildings"


def send_rescue_plan(building_id: int):
    """The building's rescue plan as a PDF download, never cached."""
    details = BuildingDetails.get_or_none(BuildingDetails.building == building_id)
    if details is None or not details.rescue_plan_name:
        abort(404)
    path = rescue_plan_dir() / details.rescue_plan_name
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name="pelastussuunnitelma.pdf",
        etag=False,
        conditional=False,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


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
    return send_rescue_plan(residency.lease.apartment.building_id)
