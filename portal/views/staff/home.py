"""The back office: the start page and identification at the office."""

import re

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_login import current_user

from portal import catalog
from portal.access import may_open
from portal.forms.accounts import OfficeIdentificationForm
from portal.i18n import gettext as _
from portal.services import mail, mandates, registration
from portal.services.staff import resident_file, scope_summary, waiting_counts
from portal.web import render, see_other

bp = Blueprint("staff", __name__, url_prefix="/staff")

SEARCH_LIMIT = 20
EMAIL_LIMIT = 50

# Each queue on the start page is counted only for those who may open its page.
QUEUE_PAGES = {
    "defects": "staff_defects.queue",
    "incidents": "staff_incidents.index",
    "requests": "staff_requests.queue",
    "messages": "staff_messages.queue",
    "mandates": "staff_mandates.index",
    "appointments": "staff_appointments.index",
    "offers": "staff_parking.index",
    "emails": "staff.email_problems",
}


@bp.get("/")
def index():
    """The staff member's start page: what waits for them, and the register they look after."""
    queues = {queue for queue, endpoint in QUEUE_PAGES.items() if may_open(endpoint)}
    waiting = waiting_counts(current_user, queues, current_app.config["READY_MAIL_MINUTES"])
    return render("staff/index.html", summary=scope_summary(current_user), waiting=waiting)


@bp.get("/identification")
def identification():
    """Find a resident in the housing register to record identification at the office."""
    # A run of blank space counts as one, so a name pasted with a double space is found.
    query = re.sub(r"\s+", " ", request.args.get("q", "")).strip()[:100]
    rows = []
    if len(query) >= 2:
        rows = registration.residents_to_identify(current_user, query, SEARCH_LIMIT)
    return render("staff/identification.html", partial="results", query=query, rows=rows)


@bp.route("/identification/<int:residency_id>", methods=["GET", "POST"])
def identify_resident(residency_id):
    """Record that a resident showed a valid identity document at the office."""
    residency = registration.residency_to_identify(current_user, residency_id)
    if residency is None:
        abort(404)
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
    return render(
        "staff/email.html",
        emails=mail.undelivered(stale_minutes, EMAIL_LIMIT),
        limit=EMAIL_LIMIT,
        never_tried=mail.never_tried(stale_minutes),
        stale_minutes=stale_minutes,
    )


@bp.get("/people/<int:person_id>")
def person(person_id):
    """Everything about one resident in one place: homes, requests, defects, conversations,
    powers of attorney and identification, of the buildings one serves only."""
    record = resident_file(current_user, person_id)
    if record is None:
        abort(404)
    return render(
        "staff/person.html",
        found=record.resident,
        lines=record.lines,
        requests=record.requests,
        defects=record.defects,
        threads=record.threads,
        mandates=record.mandates,
        request_titles={key: entry.title for key, entry in catalog.CATALOG.items()},
        mandate_labels=mandates.STATE_LABELS,
    )
