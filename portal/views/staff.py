"""The back office: the start page and identification at the office."""

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import JOIN, fn

from portal.forms.accounts import OfficeIdentificationForm
from portal.models import Apartment, Building, Lease, OutboxEmail, Person, Residency
from portal.services import registration
from portal.services.staff import scope_summary, visible_buildings
from portal.web import render, see_other

bp = Blueprint("staff", __name__, url_prefix="/staff")

SEARCH_LIMIT = 20
EMAIL_LIMIT = 50


@bp.get("/")
def index():
    """Show the staff member's start page with the size of the register they look after."""
    return render("staff/index.html", summary=scope_summary(current_user))


def _register_rows(staff: Person):
    """Select residencies with their home, limited to the buildings the staff member serves."""
    return (
        Residency.select(Residency, Lease, Apartment, Building, Person)
        .join(Lease)
        .join(Apartment)
        .join(Building)
        .switch(Residency)
        .join(Person, join_type=JOIN.LEFT_OUTER, on=(Residency.person == Person.id))
        .where(Apartment.building.in_(visible_buildings(staff)))
    )


def get_residency_for_staff(residency_id: int, staff: Person) -> Residency:
    """Return a line of the register the staff member may see, or answer 404."""
    residency = _register_rows(staff).where(Residency.id == residency_id).first()
    if residency is None:
        abort(404)
    return residency


@bp.get("/identification")
def identification():
    """Find a resident in the housing register to record identification at the office."""
    query = " ".join(request.args.get("q", "").split())[:100]
    rows = []
    if len(query) >= 2:
        pattern = f"%{query.lower()}%"
        name = fn.LOWER(Residency.first_name.concat(" ").concat(Residency.last_name))
        address = fn.LOWER(Building.street_address.concat(" ").concat(Apartment.number))
        rows = list(
            _register_rows(current_user)
            .where(name**pattern | address**pattern)
            .order_by(Residency.last_name, Residency.first_name)
            .limit(SEARCH_LIMIT)
        )
    return render("staff/identification.html", partial="results", query=query, rows=rows)


@bp.route("/identification/<int:residency_id>", methods=["GET", "POST"])
def identify_resident(residency_id):
    """Record that a resident showed a valid identity document at the office."""
    residency = get_residency_for_staff(residency_id, current_user)
    form = OfficeIdentificationForm()
    if request.method == "GET" and residency.person_id:
        form.email.data = residency.person.email
    if form.validate_on_submit():
        registration.mark_identified_at_office(residency, form.email.data.lower(), current_user)
        flash(
            _(
                "%(name)s is now identified. They can create a username with %(email)s.",
                name=f"{residency.first_name} {residency.last_name}",
                email=form.email.data.lower(),
            ),
            "success",
        )
        return see_other(url_for("staff.identification"))
    status = 422 if form.is_submitted() else 200
    return render("staff/identify_resident.html", status=status, form=form, residency=residency)


@bp.get("/email")
def email_problems():
    """List the email that has not gone out: failed for good, or waiting for another try."""
    undelivered = (OutboxEmail.status == OutboxEmail.FAILED) | (
        (OutboxEmail.status == OutboxEmail.QUEUED) & (OutboxEmail.attempts > 0)
    )
    emails = list(
        OutboxEmail.select(
            OutboxEmail.id,
            OutboxEmail.to_address,
            OutboxEmail.subject,
            OutboxEmail.status,
            OutboxEmail.attempts,
            OutboxEmail.last_error,
            OutboxEmail.next_attempt_at,
            OutboxEmail.created_at,
        )
        .where(undelivered)
        .order_by(OutboxEmail.id.desc())
        .limit(EMAIL_LIMIT)
    )
    return render("staff/email.html", emails=emails, limit=EMAIL_LIMIT)
