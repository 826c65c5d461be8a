"""Staff define parking areas and spaces, see the queues, offer spaces and end contracts."""

from flask import Blueprint, abort, current_app, flash, url_for
from flask_babel import format_date
from flask_login import current_user
from peewee import IntegrityError

from portal import clock
from portal.forms.parking import AreaForm, EndContractForm, SpaceForm
from portal.i18n import gettext as _
from portal.models import (
    Apartment,
    Building,
    Lease,
    ParkingApplication,
    ParkingArea,
    ParkingAreaBuilding,
    ParkingContract,
    ParkingSpace,
    db,
)
from portal.services import parking
from portal.services.staff import served
from portal.web import render, see_other

bp = Blueprint("staff_parking", __name__, url_prefix="/staff/parking")


def _visible_areas():
    """Select the areas serving at least one building the staff member works with."""
    return (
        ParkingArea.select(ParkingArea.id)
        .join(ParkingAreaBuilding)
        .where(served(current_user, ParkingAreaBuilding.building))
    )


def _buildings():
    return list(
        Building.select().where(served(current_user, Building.id)).order_by(Building.street_address)
    )


def _areas():
    return list(
        ParkingArea.select().where(ParkingArea.id.in_(_visible_areas())).order_by(ParkingArea.name)
    )


def _forms(areas):
    return (
        AreaForm(buildings=_buildings(), prefix="area"),
        SpaceForm(areas=areas, prefix="space"),
    )


def _home_of(query):
    """Join a query on leases to the apartment and building, for showing whose row it is."""
    return query.join(Lease).join(Apartment).join(Building)


def _page(area_form, space_form, areas, status=200):
    """The areas' spaces, contracts, offers and queues.

    An area may serve buildings of other teams too. Their households' contracts, offers and
    places in the queue are read with the rest, because they decide which spaces are taken
    and where in the queue one's own households stand, but only marked, never shown.
    """
    area_ids = [area.id for area in areas]
    ours = served(current_user, Apartment.building).alias("ours")
    spaces = list(
        ParkingSpace.select()
        .where(ParkingSpace.area.in_(area_ids))
        .order_by(ParkingSpace.area, ParkingSpace.kind, ParkingSpace.number)
    )
    held = set()
    contracts = {}
    for contract in _home_of(
        ParkingContract.select(ParkingContract, Lease, Apartment, Building, ours)
    ).where(
        ParkingContract.space.in_([space.id for space in spaces])
        & (ParkingContract.status == ParkingContract.ACTIVE)
    ):
        held.add(contract.space_id)
        if contract.ours:
            contracts[contract.space_id] = contract
    applications = list(
        _home_of(ParkingApplication.select(ParkingApplication, Lease, Apartment, Building, ours))
        .where(
            ParkingApplication.area.in_(area_ids)
            & ParkingApplication.status.in_(ParkingApplication.OPEN_STATUSES)
        )
        .order_by(
            ParkingApplication.area,
            ParkingApplication.kind,
            ParkingApplication.applied_at,
            ParkingApplication.id,
        )
    )
    offers = {}
    for application in applications:
        if application.status == ParkingApplication.OFFERED:
            held.add(application.space_id)
            if application.ours:
                offers[application.space_id] = application
    # Each queue as (place, application) for one's own households; an offer goes to the
    # first in the whole queue, so whether anyone waits is kept apart.
    queues: dict[tuple[int, str], list[tuple[int, ParkingApplication]]] = {}
    waiting: dict[tuple[int, str], int] = {}
    for application in applications:
        if application.status == ParkingApplication.WAITING:
            key = (application.area_id, application.kind)
            waiting[key] = waiting.get(key, 0) + 1
            if application.ours:
                queues.setdefault(key, []).append((waiting[key], application))
    addresses = {}
    for row in (
        ParkingAreaBuilding.select(ParkingAreaBuilding, Building)
        .join(Building)
        .where(
            ParkingAreaBuilding.area.in_(area_ids)
            & served(current_user, ParkingAreaBuilding.building)
        )
        .order_by(Building.street_address)
    ):
        addresses.setdefault(row.area_id, []).append(row.building.street_address)
    return render(
        "staff/parking.html",
        status=status,
        areas=areas,
        spaces=spaces,
        contracts=contracts,
        offers=offers,
        held=held,
        queues=queues,
        waiting=waiting,
        served=addresses,
        area_form=area_form,
        space_form=space_form,
    )


def visible_space(space_id: int) -> ParkingSpace:
    space = ParkingSpace.get_or_none(
        (ParkingSpace.id == space_id) & ParkingSpace.area.in_(_visible_areas())
    )
    return space or abort(404)


@bp.get("/")
def index():
    """The parking areas, spaces, queues and contracts of the buildings served."""
    areas = _areas()
    return _page(*_forms(areas), areas)


@bp.post("/areas")
def add_area():
    """Add a parking area serving some buildings."""
    areas = _areas()
    area_form, space_form = _forms(areas)
    if area_form.validate_on_submit():
        with db.atomic():
            area = ParkingArea.create(
                name=area_form.name.data, description=area_form.description.data or ""
            )
            for building_id in area_form.buildings.data:
                ParkingAreaBuilding.create(area=area, building=int(building_id))
        flash(_("The parking area was added."), "success")
        return see_other(url_for("staff_parking.index"))
    return _page(area_form, space_form, areas, 422)


@bp.post("/spaces")
def add_space():
    """Add a space to an area."""
    areas = _areas()
    area_form, space_form = _forms(areas)
    if space_form.validate_on_submit():
        try:
            with db.atomic():
                space = ParkingSpace.create(
                    area=int(space_form.area.data),
                    number=space_form.number.data.strip(),
                    kind=space_form.kind.data,
                    monthly_fee=space_form.monthly_fee.data,
                )
        except IntegrityError:
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
    if space.active and parking.held_space_ids([space.id]):
        flash(_("The space has a contract or an open offer: it stays in use."), "error")
    else:
        space.active = not space.active
        space.save(only=[ParkingSpace.active])
        flash(_("The space was updated."), "success")
    return see_other(url_for("staff_parking.index"))


@bp.route("/contracts/<int:contract_id>/end", methods=["GET", "POST"])
def end_contract(contract_id):
    """End a household's contract on a chosen day; the lease parties are told by email."""
    contract = (
        _home_of(ParkingContract.select(ParkingContract, Lease, Apartment, Building))
        .where(
            (ParkingContract.id == contract_id)
            & (ParkingContract.status == ParkingContract.ACTIVE)
            & served(current_user, Apartment.building)
            & ParkingContract.space.in_(
                ParkingSpace.select(ParkingSpace.id).where(ParkingSpace.area.in_(_visible_areas()))
            )
        )
        .first()
    )
    if contract is None:
        abort(404)
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
        space=ParkingSpace.get_by_id(contract.space_id),
        form=form,
    )
