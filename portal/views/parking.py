"""The household's parking: contracts, applications and offers, free spaces, notice."""

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_babel import format_date
from flask_login import current_user

from portal import clock
from portal.access import current_resident_status
from portal.forms.accounts import ContinueForm
from portal.i18n import gettext as _
from portal.models import ParkingApplication, ParkingContract
from portal.services import parking
from portal.services.dates import notice_end
from portal.web import id_from, render, see_other

bp = Blueprint("parking", __name__, url_prefix="/bookings/parking")


def refusal(reason: str) -> str:
    """Say in words which rule stopped a parking request."""
    messages = {
        parking.ParkingRefused.NOT_LEASE_PARTY: _(
            "Only a party to the lease can apply for, accept or give notice on a parking space."
        ),
        parking.ParkingRefused.LIMIT: _(
            "Your household already has %(count)s parking spaces or applications, the most "
            "allowed. Cancel an application or give notice on a space first.",
            count=current_app.config["PARKING_PER_HOUSEHOLD"],
        ),
        parking.ParkingRefused.ALREADY_APPLIED: _(
            "Your household has already applied for this kind of space in this area."
        ),
        parking.ParkingRefused.TAKEN: _("Someone was quicker: that space was just taken."),
        parking.ParkingRefused.OFFER_CLOSED: _(
            "This application is no longer open: the offer may have expired or been answered."
        ),
    }
    return messages.get(reason, _("That space cannot be applied for."))


def _config(name: str) -> int:
    return current_app.config[name]


def household_application(application_id: int) -> ParkingApplication:
    """Return one of the household's applications, or answer 404."""
    lease_id = current_resident_status().residency.lease_id
    return parking.household_application(lease_id, application_id) or abort(404)


def household_contract(contract_id: int) -> ParkingContract:
    """Return one of the household's current contracts, or answer 404."""
    lease_id = current_resident_status().residency.lease_id
    return parking.household_contract(lease_id, contract_id) or abort(404)


@bp.get("")
def index():
    """The household's contracts and applications, and what can be applied for."""
    residency = current_resident_status().residency
    return render(
        "bookings/parking.html",
        residency=residency,
        contracts=list(parking.household_contracts(residency.lease_id)),
        applications=parking.household_applications(residency.lease_id),
        availability=parking.availability(residency.lease.apartment.building_id),
        form=ContinueForm(),
        today=clock.today(),
    )


@bp.post("/apply")
def apply():
    """Apply for a kind of space in an area: a free one is offered at once, else queued."""
    residency = current_resident_status().residency
    form = ContinueForm()
    area = id_from(request.form.get("area"))
    kind = request.form.get("kind", "")
    if not form.validate_on_submit() or area is None:
        flash(_("That space cannot be applied for."), "error")
        return see_other(url_for("parking.index"))
    try:
        application = parking.apply(
            residency.lease,
            current_user,
            area_id=area,
            kind=kind,
            is_lease_party=residency.is_lease_party,
            today=clock.today(),
            limit=_config("PARKING_PER_HOUSEHOLD"),
            offer_days=_config("PARKING_OFFER_DAYS"),
        )
    except parking.ParkingRefused as refused:
        flash(refusal(refused.reason), "error")
        return see_other(url_for("parking.index"))
    if application.status == ParkingApplication.OFFERED:
        flash(_("A space is free and is offered to you. Accept it below."), "success")
    else:
        flash(_("Your application is in the queue."), "success")
    return see_other(url_for("parking.application", application_id=application.id))


@bp.route("/applications/<int:application_id>", methods=["GET", "POST"])
def application(application_id):
    """One application: its place in the queue, or the offered space to accept or decline."""
    residency = current_resident_status().residency
    application = household_application(application_id)
    form = ContinueForm()
    if form.validate_on_submit():
        action = request.form.get("action")
        arguments = {
            "is_lease_party": residency.is_lease_party,
            "today": clock.today(),
            "offer_days": _config("PARKING_OFFER_DAYS"),
        }
        try:
            if action == "accept":
                contract = parking.accept(application.id, current_user, **arguments)
                flash(
                    _(
                        "The space is now your household's from %(date)s. The monthly fee is "
                        "added to the rent.",
                        date=format_date(contract.start_date),
                    ),
                    "success",
                )
                return see_other(url_for("parking.index"))
            if action in ("decline", "cancel"):
                parking.withdraw(application.id, current_user, **arguments)
                flash(
                    _("You declined the offer.")
                    if application.status == ParkingApplication.OFFERED
                    else _("The application was cancelled."),
                    "success",
                )
                return see_other(url_for("parking.index"))
            abort(400)
        except parking.ParkingRefused as refused:
            flash(refusal(refused.reason), "error")
            return see_other(url_for("parking.application", application_id=application.id))
    return render(
        "bookings/parking_application.html",
        application=application,
        position=parking.queue_position(application),
        space=application.space,
        lease_party=residency.is_lease_party,
        today=clock.today(),
        form=form,
    )


@bp.route("/contracts/<int:contract_id>/terminate", methods=["GET", "POST"])
def terminate(contract_id):
    """Show when the contract would end with a month's notice, and give notice on confirmation."""
    residency = current_resident_status().residency
    contract = household_contract(contract_id)
    months = _config("PARKING_NOTICE_MONTHS")
    today = clock.today()
    form = ContinueForm()
    if form.validate_on_submit():
        try:
            ends = parking.terminate(
                contract,
                current_user,
                is_lease_party=residency.is_lease_party,
                today=today,
                notice_months=months,
            )
        except parking.ParkingRefused as refused:
            flash(refusal(refused.reason), "error")
        else:
            flash(
                _(
                    "You gave notice on the space. It is yours until %(date)s.",
                    date=format_date(ends),
                ),
                "success",
            )
        return see_other(url_for("parking.index"))
    return render(
        "bookings/terminate_parking.html",
        contract=contract,
        last_day=notice_end(today, months),
        months=months,
        form=form,
    )
