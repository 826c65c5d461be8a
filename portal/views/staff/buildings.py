"""Staff keep the building details residents read, and upload each building's rescue plan."""

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from portal import downloads
from portal.forms.accounts import ContinueForm
from portal.forms.buildings import DetailsForm
from portal.i18n import gettext as _
from portal.models import Building
from portal.services import buildings, teams
from portal.web import id_from, render, see_other

bp = Blueprint("staff_buildings", __name__, url_prefix="/staff/buildings")


def visible_building(building_id: int) -> Building:
    """Return a building the staff member serves; 404 for any other."""
    return buildings.building_for(current_user, building_id) or abort(404)


@bp.get("/")
def index():
    """The buildings the staff member serves."""
    return render(
        "staff/buildings.html", buildings=buildings.buildings_with_details_for(current_user)
    )


@bp.route("/<int:building_id>", methods=["GET", "POST"])
def edit(building_id):
    """The details residents see, and the rescue plan (a PDF)."""
    building = visible_building(building_id)
    details = buildings.details_of(building)
    form = DetailsForm(obj=details)
    status = 200
    if form.validate_on_submit():
        upload = request.files.get("rescue_plan")
        data = upload.read() if upload and upload.filename else b""
        refused = buildings.rescue_plan_refused(data) if data else None
        if refused:
            form.rescue_plan_errors = [refused]
            status = 422
        else:
            buildings.save_details(
                current_user,
                building,
                form.data,
                rescue_plan=data,
                directory=downloads.folder(downloads.BUILDINGS),
            )
            flash(_("The building's details were saved."), "success")
            return see_other(url_for("staff_buildings.edit", building_id=building.id))
    elif form.is_submitted():
        status = 422
    return render(
        "staff/building.html",
        status=status,
        building=building,
        details=details,
        form=form,
        rescue_plan_errors=getattr(form, "rescue_plan_errors", []),
        teams=teams.service_teams(),
    )


@bp.post("/<int:building_id>/team")
def team(building_id):
    """Administrators choose which service team answers a building's residents."""
    building = visible_building(building_id)
    team_id = id_from(request.form.get("team"))
    chosen = None
    if team_id is not None:
        chosen = teams.service_team(team_id)
    if not ContinueForm().validate_on_submit() or chosen is None:
        abort(400)
    buildings.change_team(current_user, building, chosen)
    flash(_("The building's service team was changed."), "success")
    return see_other(url_for("staff_buildings.edit", building_id=building.id))


@bp.get("/<int:building_id>/rescue-plan")
def rescue_plan(building_id):
    """Send the rescue plan of a building the staff member serves."""
    return downloads.rescue_plan(visible_building(building_id).id)
