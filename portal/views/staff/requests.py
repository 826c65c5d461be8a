"""One staff queue for every request type; handling with notes and status changes."""

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from portal import catalog, downloads
from portal.forms.accounts import ContinueForm
from portal.i18n import gettext as _
from portal.models import ServiceRequest
from portal.services import requests as service
from portal.services import teams
from portal.services.staff import building_choices
from portal.web import id_from, render, see_other

bp = Blueprint("staff_requests", __name__, url_prefix="/staff/requests")

MAX_NOTE = 4000


def staff_request(request_id: int) -> ServiceRequest:
    """Return a request this staff member handles, or answer 404."""
    return service.staff_request(current_user, request_id) or abort(404)


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


@bp.get("/")
def queue():
    """Every request type in one queue, oldest open first, filtered and paged."""
    filters = _filters()
    rows, more = service.requests_page(
        current_user,
        type_key=filters["type"],
        status=filters["status"],
        building_id=id_from(filters["building"]),
        team_id=id_from(filters["team"]),
        q=filters["q"],
        page=filters["page"],
    )
    base = {k: v for k, v in filters.items() if v and k != "page"}
    return render(
        "staff/requests.html",
        partial="results",
        rows=rows,
        filters=filters,
        **service.labels(),
        buildings=building_choices(current_user),
        teams=teams.service_teams(),
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
        attachments=service.files_of(found),
        consents=service.consents(found),
        labels=catalog.STATE_LABELS,
        states=entry.states if entry else (),
        home=service.home_of(found),
        submitter=found.submitted_by,
        form=form,
    )


@bp.post("/<int:request_id>/consents/<int:consent_id>")
def paper_consent(request_id, consent_id):
    """Record a lease party's agreement that came on a signed paper form."""
    found = staff_request(request_id)
    consent = service.consent_of(found, consent_id) or abort(404)
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
    """Send a file of a request the staff member handles."""
    return downloads.request_file(staff_request(request_id), attachment_id)
