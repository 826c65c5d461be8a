"""Service requests of every catalog type: one list, one form, one page for all of them."""

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from portal import catalog, clock, downloads, sessions
from portal.access import current_acting, current_resident_status, not_covered_page
from portal.extensions import htmx
from portal.forms.accounts import ContinueForm
from portal.forms.requests import build_form, shown_fields, typed_answers
from portal.i18n import gettext as _
from portal.models import ServiceRequest
from portal.services import files, mandates
from portal.services import requests as service
from portal.services.residents import household
from portal.sessions import confirm_password, recently_authenticated
from portal.web import render, see_other

bp = Blueprint("requests", __name__, url_prefix="/requests")

MAX_MESSAGE = 4000


def covered_types() -> list[str] | None:
    """The request types an acting agent's specific mandate covers; None: every type."""
    acting = current_acting()
    if acting is None or mandates.permits(acting, None):
        return None
    return [
        key
        for key, entry in catalog.CATALOG.items()
        if mandates.permits(acting, entry.mandate_scope)
    ]


def household_request(request_id: int) -> ServiceRequest:
    """Return one of the household's requests (for an agent, of the types their mandate
    covers), or answer 404."""
    lease_id = current_resident_status().residency.lease_id
    return service.household_request(lease_id, request_id, types=covered_types()) or abort(404)


def _entry(type_key: str) -> catalog.RequestType:
    return catalog.CATALOG.get(type_key) or abort(404)


def _form_for(entry, residency, **kwargs):
    residents = household(residency.lease_id)
    movers = [r for r in residents if not r.is_lease_party]
    return build_form(entry, residents, movers, **kwargs), residents


def _controllers(entry) -> set[str]:
    return {spec.show_if[0] for spec in entry.fields if spec.show_if}


@bp.get("/")
def index():
    """The household's requests and the kinds of request that can be made."""
    residency = current_resident_status().residency
    types = covered_types()
    return render(
        "requests/index.html",
        requests=service.household_requests(residency.lease_id, current_user, types=types),
        types=[e for e in catalog.CATALOG.values() if types is None or e.key in types],
        lease_party=residency.is_lease_party,
        labels=catalog.STATE_LABELS,
        catalog=catalog.CATALOG,
    )


@bp.route("/new/<type_key>", methods=["GET", "POST"])
def new(type_key):
    """The form of one request type, built from its catalog entry."""
    entry = _entry(type_key)
    residency = current_resident_status().residency
    acting = current_acting()
    if acting is not None and not mandates.permits(acting, entry.mandate_scope):
        return not_covered_page()
    if not catalog.may_submit(entry, is_lease_party=residency.is_lease_party):
        return render("requests/not_allowed.html", status=403, entry=entry)
    form, residents = _form_for(entry, residency)
    needs_password = entry.reauthenticate and not recently_authenticated()
    password_error = None
    status = 200
    if form.validate_on_submit():
        answers = typed_answers(form, entry)
        context = catalog.RuleContext(
            today=clock.today(),
            lease_parties=sum(1 for r in residents if r.is_lease_party),
        )
        errors = service.rule_errors(entry, answers, context)
        if needs_password and not confirm_password(request.form.get("password")):
            password_error = sessions.password_error()
        uploads = files.uploads_from(request)
        if uploads and not entry.attachments:
            uploads = []
        for name, message in errors.items():
            form[name].errors = [*form[name].errors, str(message)]
        if not errors and not password_error:
            try:
                created = service.submit(
                    entry,
                    answers,
                    lease=residency.lease,
                    person=current_user,
                    residency=residency,
                    mandate=acting,
                    residents=residents,
                    uploads=uploads,
                    upload_dir=downloads.folder(downloads.REQUESTS),
                )
            except files.AttachmentError as error:
                form.attachment_errors = [
                    files.attachment_message(error.args[0], entry.attachments)
                ]
            else:
                flash(
                    _("Your request was sent. Its number is %(ref)s.", ref=created.reference),
                    "success",
                )
                return see_other(url_for("requests.show", request_id=created.id))
        status = 422
    elif form.is_submitted():
        status = 422
    return render(
        "requests/new.html",
        status=status,
        entry=entry,
        form=form,
        shown=shown_fields(form, entry),
        controllers=_controllers(entry),
        attachment_errors=getattr(form, "attachment_errors", []),
        needs_password=needs_password and not recently_authenticated(),
        password_error=password_error,
    )


@bp.post("/new/<type_key>/fields")
def fields(type_key):
    """Show or hide the questions that depend on an answer (htmx: swapped in place)."""
    entry = _entry(type_key)
    residency = current_resident_status().residency
    if not htmx:
        return see_other(url_for("requests.new", type_key=type_key))
    form, _residents = _form_for(entry, residency)
    return render(
        "requests/_conditional.html",
        entry=entry,
        form=form,
        shown=shown_fields(form, entry),
        controllers=_controllers(entry),
    )


@bp.get("/<int:request_id>")
def show(request_id):
    """A request's answers, files, timeline and what can still be done with it."""
    residency = current_resident_status().residency
    found = household_request(request_id)
    entry = service.entry_of(found)
    consents = service.consents(found)
    waiting_for_me = any(c.residency_id == residency.id and not c.confirmed_at for c in consents)
    service.mark_read(current_user, found)
    return render(
        "requests/show.html",
        item=found,
        entry=entry,
        answer_lines=service.display_answers(entry, service.answers_of(found)),
        events=service.timeline(found, for_staff=False),
        attachments=service.files_of(found),
        consents=consents,
        waiting_for_me=waiting_for_me and residency.is_lease_party,
        labels=catalog.STATE_LABELS,
        form=ContinueForm(),
        closed=found.status in catalog.CLOSED_STATES,
        withdrawable=found.status in (catalog.RECEIVED, catalog.WAITING),
        max_message=MAX_MESSAGE,
    )


@bp.post("/<int:request_id>/message")
def message(request_id):
    """Add a message to an open request."""
    found = household_request(request_id)
    form = ContinueForm()
    text = (request.form.get("message") or "").strip()
    if not form.validate_on_submit():
        abort(400)
    if not text or len(text) > MAX_MESSAGE:
        flash(_("Write a message of at most %(count)s characters.", count=MAX_MESSAGE), "error")
        return see_other(url_for("requests.show", request_id=found.id))
    try:
        service.add_message(found, current_user, text)
    except service.RequestRefused:
        flash(
            _("The request is closed. If something is still open, please make a new request."),
            "error",
        )
    else:
        flash(_("Your message was added."), "success")
    return see_other(url_for("requests.show", request_id=found.id))


@bp.post("/<int:request_id>/withdraw")
def withdraw(request_id):
    """Withdraw a request that is not yet being handled."""
    found = household_request(request_id)
    if not ContinueForm().validate_on_submit():
        abort(400)
    try:
        service.withdraw(found, current_user)
    except service.RequestRefused:
        flash(_("The request is already being handled and can no longer be withdrawn."), "error")
    else:
        flash(_("The request was withdrawn."), "success")
    return see_other(url_for("requests.show", request_id=found.id))


@bp.post("/<int:request_id>/consent")
def consent(request_id):
    """A lease party agrees to a request another lease party made."""
    residency = current_resident_status().residency
    found = household_request(request_id)
    if not ContinueForm().validate_on_submit():
        abort(400)
    try:
        given = service.give_consent(found, residency, current_user)
    except service.RequestRefused:
        given = False
    if given:
        flash(_("Thank you: your agreement was recorded."), "success")
    else:
        flash(_("No agreement is asked of you on this request."), "error")
    return see_other(url_for("requests.show", request_id=found.id))


@bp.get("/<int:request_id>/files/<int:attachment_id>")
def attachment(request_id, attachment_id):
    return downloads.request_file(household_request(request_id), attachment_id)
