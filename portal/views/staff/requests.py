"""One staff queue for every request type; handling with notes and status changes."""

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from portal import catalog, downloads
from portal.forms.accounts import ContinueForm
from portal.i18n import gettext as _
from portal.models import (
    Apartment,
    Building,
    Person,
    RequestAttachment,
    RequestConsent,
    ServiceRequest,
    ServiceTeam,
)
from portal.services import requests as service
from portal.services.staff import served, service_requests
from portal.web import contains_pattern, id_from, render, see_other

bp = Blueprint("staff_requests", __name__, url_prefix="/staff/requests")

PAGE_SIZE = 50
MAX_NOTE = 4000


def visible_requests():
    """Select the requests this staff member handles (see services.staff)."""
    return service_requests(current_user)


def staff_request(request_id: int) -> ServiceRequest:
    found = visible_requests().where(ServiceRequest.id == request_id).first()
    return found or abort(404)


def _filters() -> dict:
    """The queue's filters from the query string; unknown values are ignored."""
    args = request.args
    status = args.get("status", "open")
    chosen = {
        "type": args.get("type", "") if args.get("type", "") in catalog.CATALOG else "",
        "status": status if status in catalog.STATE_LABELS or status == "all" else "open",
        "building": args.get("building", "") if id_from(args.get("building")) else "",
        "team": args.get("team", "") if id_from(args.get("team")) else "",
        "q": (args.get("q") or "").strip()[:100],
    }
    chosen["page"] = max(1, min(args.get("page", 1, type=int) or 1, 10_000))
    return chosen


def _search(q: str):
    """A reference (P-000123) finds its request by number; other words are looked for in
    the address with the apartment and the submitter's name."""
    digits = q.upper().removeprefix("P-").lstrip("0")
    if digits.isascii() and digits.isdigit() and len(digits) < 10:
        return ServiceRequest.id == int(digits)
    like = contains_pattern(q)
    submitters = Person.select(Person.id).where(
        Person.first_name.concat(" ").concat(Person.last_name) ** like
    )
    return (Building.street_address.concat(" ").concat(Apartment.number) ** like) | (
        ServiceRequest.submitted_by.in_(submitters)
    )


@bp.get("/")
def queue():
    """Every request type in one queue, oldest open first, filtered and paged."""
    filters = _filters()
    query = visible_requests()
    if filters["type"]:
        query = query.where(ServiceRequest.type_key == filters["type"])
    if filters["status"] == "open":
        query = query.where(ServiceRequest.status.not_in(catalog.CLOSED_STATES))
    elif filters["status"] != "all":
        query = query.where(ServiceRequest.status == filters["status"])
    if filters["building"]:
        query = query.where(ServiceRequest.building == id_from(filters["building"]))
    if filters["team"]:
        query = query.where(ServiceRequest.team == id_from(filters["team"]))
    query = (
        # Only what a line shows: a page of fifty reads none of the answers.
        query.select(
            ServiceRequest.id,
            ServiceRequest.type_key,
            ServiceRequest.status,
            ServiceRequest.created_at,
            ServiceRequest.apartment,
            Apartment.id,
            Apartment.number,
            Apartment.building,
            Building.id,
            Building.street_address,
        )
        .join(Apartment, on=(ServiceRequest.apartment == Apartment.id))
        .join(Building, on=(Apartment.building == Building.id))
    )
    if filters["q"]:
        query = query.where(_search(filters["q"]))
    rows = list(
        query.order_by(ServiceRequest.created_at, ServiceRequest.id)
        .limit(PAGE_SIZE + 1)
        .offset((filters["page"] - 1) * PAGE_SIZE)
    )
    more = len(rows) > PAGE_SIZE
    buildings = list(
        Building.select(Building.id, Building.street_address)
        .where(served(current_user, Building.id))
        .order_by(Building.street_address)
    )
    teams = list(ServiceTeam.select().order_by(ServiceTeam.id))
    base = {k: v for k, v in filters.items() if v and k != "page"}
    return render(
        "staff/requests.html",
        partial="results",
        rows=rows[:PAGE_SIZE],
        filters=filters,
        types=catalog.CATALOG,
        # Translated once for the request, not once per line.
        titles={key: str(entry.title) for key, entry in catalog.CATALOG.items()},
        labels={key: str(label) for key, label in catalog.STATE_LABELS.items()},
        buildings=buildings,
        teams=teams,
        previous=url_for("staff_requests.queue", **base, page=filters["page"] - 1)
        if filters["page"] > 1
        else None,
        next=url_for("staff_requests.queue", **base, page=filters["page"] + 1) if more else None,
    )


@bp.get("/catalog")
def catalog_page():
    """What residents are asked in each request type, and who may ask."""
    return render(
        "staff/request_catalog.html",
        types=list(catalog.CATALOG.values()),
        labels=catalog.STATE_LABELS,
        scopes=catalog.MANDATE_SCOPES,
        handlers=catalog.HANDLERS,
    )


@bp.route("/<int:request_id>", methods=["GET", "POST"])
def show(request_id):
    """A request with everything about it; staff change its status or write a note."""
    found = staff_request(request_id)
    entry = service.entry_of(found)
    form = ContinueForm()
    error = None
    if form.validate_on_submit():
        status = request.form.get("status", "")
        note = (request.form.get("note") or "").strip()
        visible = request.form.get("visible") == "1"
        if len(note) > MAX_NOTE:
            error = _("Write a note of at most %(count)s characters.", count=MAX_NOTE)
        elif not note and (not status or status == found.status):
            error = _("Choose a new status or write a note.")
        else:
            try:
                service.change_status(
                    found, current_user, status=status or None, note=note, visible=visible
                )
            except service.RequestRefused as refused:
                if refused.reason == service.RequestRefused.CONSENT_MISSING:
                    error = _(
                        "Every other party to the lease must agree before the request can be "
                        "approved."
                    )
                else:
                    error = _("That status is not possible for this request.")
            else:
                flash(_("The request was updated."), "success")
                return see_other(url_for("staff_requests.show", request_id=found.id))
    elif form.is_submitted():
        abort(400)
    return render(
        "staff/request.html",
        status=422 if error else 200,
        item=found,
        entry=entry,
        error=error,
        answer_lines=service.display_answers(entry, service.answers_of(found)),
        events=service.timeline(found, for_staff=True),
        attachments=list(found.attachments.order_by(RequestAttachment.id)),
        consents=service.consents(found),
        labels=catalog.STATE_LABELS,
        states=entry.states if entry else (),
        home=Apartment.select(Apartment, Building)
        .join(Building)
        .where(Apartment.id == found.apartment_id)
        .get(),
        submitter=found.submitted_by,
        form=form,
    )


@bp.post("/<int:request_id>/consents/<int:consent_id>")
def paper_consent(request_id, consent_id):
    """Record a lease party's agreement that came on a signed paper form."""
    found = staff_request(request_id)
    consent = RequestConsent.get_or_none(
        (RequestConsent.id == consent_id) & (RequestConsent.request == found.id)
    ) or abort(404)
    if not ContinueForm().validate_on_submit():
        abort(400)
    try:
        service.give_consent(
            found, consent.residency, None, method="paper", recorded_by=current_user
        )
    except service.RequestRefused:
        flash(_("The request is closed."), "error")
    else:
        flash(_("The agreement was recorded."), "success")
    return see_other(url_for("staff_requests.show", request_id=found.id))


@bp.get("/<int:request_id>/files/<int:attachment_id>")
def attachment(request_id, attachment_id):
    return downloads.request_file(staff_request(request_id), attachment_id)
