"""Staff define parking areas and spaces, see the queues, offer spaces and end contracts."""

from flask import Blueprint, abort, current_app, flash, url_for
from flask_babel import format_date
from flask_login import current_user

from portal import clock
from portal.forms.parking import AreaForm, EndContractForm, SpaceForm
from portal.i18n import gettext as _
from portal.models import ParkingSpace
from portal.services import parking
from portal.services.staff import served_buildings
from portal.web import render, see_other

bp = Blueprint("staff_parking", __name__, url_prefix="/staff/parking")


def _forms(areas):
    return (
        AreaForm(buildings=served_buildings(current_user), prefix="area"),
        SpaceForm(areas=areas, prefix="space"),
    )


def _page(area_form, space_form, areas, status=200):
    """The areas' spaces, contracts, offers and queues."""
    overview = parking.parking_overview(current_user, areas)
    return render(
        "staff/parking.html",
        status=status,
        areas=areas,
        spaces=overview.spaces,
        contracts=overview.contracts,
        offers=overview.offers,
        held=overview.held,
        queues=overview.queues,
        waiting=overview.waiting,
        served=overview.served,
        area_form=area_form,
        space_form=space_form,
    )


def visible_space(space_id: int) -> ParkingSpace:
    """Return a space of an area the staff member's buildings use; 404 for any other."""
    return parking.space_for(current_user, space_id) or abort(404)


@bp.get("/")
def index():
    """The parking areas, spaces, queues and contracts of the buildings served."""
    areas = parking.parking_areas_for(current_user)
    return _page(*_forms(areas), areas)


@bp.post("/areas")
def add_area():
    """Add a parking area serving some buildings."""
    areas = parking.parking_areas_for(current_user)
    area_form, space_form = _forms(areas)
    if area_form.validate_on_submit():
        parking.add_area(
            area_form.name.data,
            area_form.description.data or "",
            [int(building_id) for building_id in area_form.buildings.data],
        )
        flash(_("The parking area was added."), "success")
        return see_other(url_for("staff_parking.index"))
    return _page(area_form, space_form, areas, 422)


@bp.post("/spaces")
def add_space():
    """Add a space to an area."""
    areas = parking.parking_areas_for(current_user)
    area_form, space_form = _forms(areas)
    if space_form.validate_on_submit():
        try:
            space = parking.add_space(
                int(space_form.area.data),
                number=space_form.number.data.strip(),
                kind=space_form.kind.data,
                monthly_fee=space_form.monthly_fee.data,
            )
        except parking.SpaceNumberTaken:
            space_form.number.errors = [_("That area already has a space with this number.")]
        else:
            flash(_("Space %(number)s was added.", number=space.number), "success")
            return see_other(url_for("staff_parking.index"))
    return _page(area_form, space_form, areas, 422)


@bp.post("/spaces/<int:space_id>/offer")
def offer(space_id):
    """Offer a free space to the first household in its queue."""
    space = visible_space(space_id)
    try:
        application = parking.offer(
            space.id,
            current_user,
            today=clock.today(),
            offer_days=current_app.config["PARKING_OFFER_DAYS"],
        )
    except parking.ParkingRefused as refused:
        if refused.reason == parking.ParkingRefused.NO_QUEUE:
            flash(_("Nobody is in the queue for this kind of space."), "error")
        else:
            flash(_("The space is not free: it has a contract or an open offer."), "error")
    else:
        flash(
            _(
                "Space %(number)s was offered to the first in the queue; they have until "
                "%(date)s to answer.",
                number=space.number,
                date=format_date(application.offer_deadline),
            ),
            "success",
        )
    return see_other(url_for("staff_parking.index"))


@bp.post("/spaces/<int:space_id>/toggle")
def toggle_space(space_id):
    """Take a space out of use, or back; a space with a contract or an offer stays in use."""
    space = visible_space(space_id)
    try:
        parking.switch_space_use(space)
    except parking.ParkingRefused:
        flash(_("The space has a contract or an open offer: it stays in use."), "error")
    else:
        flash(_("The space was updated."), "success")
    return see_other(url_for("staff_parking.index"))


@bp.route("/contracts/<int:contract_id>/end", methods=["GET", "POST"])
def end_contract(contract_id):
    """End a household's contract on a chosen day; the lease parties are told by email."""
    contract = parking.staff_contract(current_user, contract_id) or abort(404)
    form = EndContractForm()
    today = clock.today()
    status = 200
    if form.validate_on_submit():
        try:
            parking.end_contract(contract, current_user, end_date=form.end_date.data, today=today)
        except parking.ParkingRefused:
            form.end_date.errors = [_("The last day cannot be in the past.")]
            status = 422
        else:
            flash(
                _(
                    "The contract ends on %(date)s. The household was told by email.",
                    date=format_date(form.end_date.data),
                ),
                "success",
            )
            return see_other(url_for("staff_parking.index"))
    elif form.is_submitted():
        status = 422
    if not form.is_submitted():
        form.end_date.data = contract.end_date or today
    return render(
        "staff/end_parking_contract.html",
        status=status,
        contract=contract,
        space=contract.space,
        form=form,
    )
