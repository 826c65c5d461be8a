"""The back office: the start page and identification at the office."""

import datetime
import functools
import operator

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_login import current_user
from peewee import JOIN, SQL, Value, fn

from portal import catalog, clock
from portal.access import may_open
from portal.forms.accounts import OfficeIdentificationForm
from portal.i18n import gettext as _
from portal.models import (
    Apartment,
    Appointment,
    Building,
    DefectReport,
    Lease,
    Mandate,
    MessageThread,
    OutboxEmail,
    ParkingApplication,
    Person,
    Residency,
    ServiceRequest,
)
from portal.services import mail, mandates, registration
from portal.services.staff import message_threads, scope_summary, served, service_requests
from portal.web import render, see_other

bp = Blueprint("staff", __name__, url_prefix="/staff")

SEARCH_LIMIT = 20
EMAIL_LIMIT = 50


def _count(key: str, query):
    return query.select(Value(key).alias("key"), fn.COUNT(SQL("*")).alias("n"))


def waiting_counts() -> dict[str, int]:
    """What waits for this staff member and their team, counted in one query: only the
    queues their role may open, and in them only the buildings they serve."""
    today = clock.today()
    defects = DefectReport.select().where(
        served(current_user, DefectReport.building) & (DefectReport.status == DefectReport.RECEIVED)
    )
    parts = []
    if may_open("staff_defects.queue"):
        parts += [
            _count("urgent_defects", defects.where(DefectReport.urgent)),
            _count("new_defects", defects.where(~DefectReport.urgent)),
        ]
    if may_open("staff_requests.queue"):
        parts.append(
            _count(
                "new_requests",
                service_requests(current_user).where(ServiceRequest.status == "received"),
            )
        )
    if may_open("staff_messages.queue"):
        parts.append(
            _count(
                "messages",
                message_threads(current_user).where(
                    MessageThread.last_staff_at.is_null()
                    | (MessageThread.last_resident_at > MessageThread.last_staff_at)
                ),
            )
        )
    if may_open("staff_mandates.index"):
        parts.append(
            _count(
                "mandates",
                Mandate.select().where(
                    (Mandate.status == Mandate.PENDING) & served(current_user, Mandate.grantor)
                ),
            )
        )
    if may_open("staff_appointments.index"):
        start = datetime.datetime.combine(today, datetime.time.min)
        parts.append(
            _count(
                "appointments",
                Appointment.select().where(
                    (Appointment.status == Appointment.BOOKED)
                    & Appointment.starts_at.between(start, start + datetime.timedelta(days=1))
                ),
            )
        )
    if may_open("staff_parking.index"):
        parts.append(
            _count(
                "offers",
                ParkingApplication.select().where(
                    (ParkingApplication.status == ParkingApplication.OFFERED)
                    & (ParkingApplication.offer_deadline <= today + datetime.timedelta(days=2))
                    & served(current_user, ParkingApplication.lease)
                ),
            )
        )
    if may_open("staff.email_problems"):
        parts.append(
            _count(
                "emails",
                OutboxEmail.select().where(
                    (OutboxEmail.status == OutboxEmail.FAILED)
                    | mail.waiting_since(current_app.config["READY_MAIL_MINUTES"])
                ),
            )
        )
    if not parts:
        return {}
    query = functools.reduce(operator.or_, parts[1:], parts[0])
    return {row["key"]: row["n"] for row in query.dicts()}


@bp.get("/")
def index():
    """The staff member's start page: what waits for them, and the register they look after."""
    return render("staff/index.html", summary=scope_summary(current_user), waiting=waiting_counts())


def _register_rows(staff: Person):
    """Select residencies with their home, limited to the buildings the staff member serves."""
    return (
        Residency.select(Residency, Lease, Apartment, Building, Person)
        .join(Lease)
        .join(Apartment)
        .join(Building)
        .switch(Residency)
        .join(Person, join_type=JOIN.LEFT_OUTER, on=(Residency.person == Person.id))
        .where(served(staff, Apartment.building))
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
    """List the email that has not gone out: failed for good, waiting for another try, or
    never tried at all for longer than a running mail worker would take."""
    stale_minutes = current_app.config["READY_MAIL_MINUTES"]
    never_tried = mail.waiting_since(stale_minutes)
    undelivered = (
        (OutboxEmail.status == OutboxEmail.FAILED)
        | ((OutboxEmail.status == OutboxEmail.QUEUED) & (OutboxEmail.attempts > 0))
        | never_tried
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
    return render(
        "staff/email.html",
        emails=emails,
        limit=EMAIL_LIMIT,
        never_tried=OutboxEmail.select().where(never_tried).count(),
        stale_minutes=stale_minutes,
    )


@bp.get("/people/<int:person_id>")
def person(person_id):
    """Everything about one resident in one place: homes, requests, defects, conversations,
    powers of attorney and identification. Only people of the buildings one serves, and of
    them only what happened in those buildings: a resident who moved from a rental home to
    an As Oy one, or acts for a neighbour, brings no other building's matters along."""
    lines = list(
        _register_rows(current_user)
        .where(Residency.person == person_id)
        .order_by(Lease.start_date.desc())
    )
    if not lines:
        abort(404)
    found = lines[0].person
    lease_ids = [line.lease_id for line in lines]
    line_ids = [line.id for line in lines]
    return render(
        "staff/person.html",
        found=found,
        lines=lines,
        requests=list(
            service_requests(current_user)
            .where(
                (ServiceRequest.submitted_by == person_id)
                | ServiceRequest.on_behalf_of.in_(line_ids)
            )
            .order_by(ServiceRequest.id.desc())
            .limit(20)
        ),
        defects=list(
            DefectReport.select()
            .where(
                served(current_user, DefectReport.building)
                & ((DefectReport.reporter == person_id) | DefectReport.lease.in_(lease_ids))
            )
            .order_by(DefectReport.id.desc())
            .limit(20)
        ),
        threads=list(
            message_threads(current_user)
            .where(MessageThread.lease.in_(lease_ids))
            .order_by(MessageThread.updated_at.desc())
            .limit(20)
        ),
        mandates=list(
            Mandate.select()
            .where(
                served(current_user, Mandate.grantor)
                & (Mandate.grantor.in_(line_ids) | (Mandate.agent_email == found.email))
            )
            .order_by(Mandate.id.desc())
        ),
        request_titles={key: entry.title for key, entry in catalog.CATALOG.items()},
        mandate_labels=mandates.STATE_LABELS,
    )
