"""Staff keep the building details residents read, and upload each building's rescue plan."""

import secrets

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from peewee import JOIN
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from portal import downloads
from portal.forms.accounts import ContinueForm
from portal.i18n import gettext as _
from portal.models import Building, BuildingDetails, ServiceTeam, db, utcnow
from portal.services import audit, files
from portal.services.staff import served
from portal.web import id_from, render, see_other

bp = Blueprint("staff_buildings", __name__, url_prefix="/staff/buildings")


class DetailsForm(FlaskForm):
    heating = StringField("heating", validators=[Length(max=200)])
    sauna_and_laundry = TextAreaField("sauna", validators=[Length(max=2000)])
    waste = TextAreaField("waste", validators=[Length(max=2000)])
    storage = TextAreaField("storage", validators=[Length(max=2000)])
    maintenance_company = StringField("company", validators=[Length(max=200)])
    maintenance_phone = StringField("phone", validators=[Length(max=40)])
    maintenance_email = StringField("email", validators=[Length(max=200)])


def rescue_plan_refused(data: bytes) -> str | None:
    """Why an uploaded rescue plan cannot be taken (residents download it), or None."""
    try:
        files.check_pdf(data)
    except files.AttachmentError as error:
        return files.pdf_message(error.args[0]) or _(
            "The rescue plan must be a PDF file of at most 10 MB."
        )
    return None


def visible_building(building_id: int) -> Building:
    building = Building.get_or_none(
        (Building.id == building_id) & served(current_user, Building.id)
    )
    return building or abort(404)


@bp.get("/")
def index():
    """The buildings the staff member serves."""
    buildings = list(
        Building.select(Building, BuildingDetails)
        .join(BuildingDetails, join_type=JOIN.LEFT_OUTER)
        .where(served(current_user, Building.id))
        .order_by(Building.street_address)
    )
    return render("staff/buildings.html", buildings=buildings)


@bp.route("/<int:building_id>", methods=["GET", "POST"])
def edit(building_id):
    """The details residents see, and the rescue plan (a PDF)."""
    building = visible_building(building_id)
    details = BuildingDetails.get_or_none(BuildingDetails.building == building.id)
    form = DetailsForm(obj=details)
    status = 200
    if form.validate_on_submit():
        upload = request.files.get("rescue_plan")
        data = upload.read() if upload and upload.filename else b""
        refused = rescue_plan_refused(data) if data else None
        if refused:
            form.rescue_plan_errors = [refused]
            status = 422
        else:
            with db.atomic():
                details = details or BuildingDetails(building=building)
                form.populate_obj(details)
                old = details.rescue_plan_name
                if data:
                    name = f"{secrets.token_hex(16)}.pdf"
                    downloads.folder(downloads.BUILDINGS).mkdir(parents=True, exist_ok=True)
                    (downloads.folder(downloads.BUILDINGS) / name).write_bytes(data)
                    details.rescue_plan_name = name
                    details.rescue_plan_size = len(data)
                    details.rescue_plan_updated_at = utcnow()
                details.save()
                audit.record(
                    "building_details_changed", actor=current_user, detail=str(building.id)
                )
            if data and old:
                (downloads.folder(downloads.BUILDINGS) / old).unlink(missing_ok=True)
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
        teams=list(ServiceTeam.select().order_by(ServiceTeam.id)),
    )


@bp.post("/<int:building_id>/team")
def team(building_id):
    """Administrators choose which service team answers a building's residents."""
    building = visible_building(building_id)
    team_id = id_from(request.form.get("team"))
    chosen = None
    if team_id is not None:
        chosen = ServiceTeam.get_or_none(ServiceTeam.id == team_id)
    if not ContinueForm().validate_on_submit() or chosen is None:
        abort(400)
    Building.update(team=chosen).where(Building.id == building.id).execute()
    audit.record("building_team_changed", actor=current_user, detail=f"{building.id} {chosen.key}")
    flash(_("The building's service team was changed."), "success")
    return see_other(url_for("staff_buildings.edit", building_id=building.id))


@bp.get("/<int:building_id>/rescue-plan")
def rescue_plan(building_id):
    return downloads.rescue_plan(visible_building(building_id).id)
