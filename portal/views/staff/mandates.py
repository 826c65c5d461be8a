"""Staff see, register, verify and end powers of attorney."""

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal import access, catalog, clock, downloads
from portal.forms.accounts import ContinueForm
from portal.forms.mandates import EndMandateForm, RegisterMandateForm
from portal.i18n import gettext as _
from portal.models import Mandate
from portal.services import accounts, files, mandates
from portal.web import render, see_other

bp = Blueprint("staff_mandates", __name__, url_prefix="/staff/mandates")


def _mandate(mandate_id: int) -> Mandate:
    """Return a mandate of a home this staff member serves, or answer 404."""
    return mandates.staff_mandate(current_user, mandate_id) or abort(404)


@bp.get("/")
def index():
    """Mandates to verify first, then the rest; searchable by name, email or lease."""
    shown = request.args.get("status", "pending")
    shown = shown if shown in mandates.STAFF_FILTERS else "pending"
    q = (request.args.get("q") or "").strip()[:100]
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    rows, more = mandates.mandates_page(current_user, shown=shown, search=q, page=page)
    today = clock.today()
    return render(
        "staff/mandates.html",
        rows=rows,
        more=more,
        page=page,
        shown=shown,
        q=q,
        state=lambda m: mandates.state(m, today),
        labels=mandates.STATE_LABELS,
        scope_labels=catalog.MANDATE_SCOPES,
    )


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Register a paper power of attorney: find the lease, choose the grantor, attach the
    scanned document. It waits for verifying before an agent can use it."""
    number = (request.values.get("lease") or "").strip()[:30]
    lease = mandates.staff_lease(current_user, number)
    if lease is None:
        return render(
            "staff/mandate_register.html",
            status=404 if number else 200,
            lease=None,
            number=number,
            form=None,
        )
    people = mandates.lease_register(lease)
    form = RegisterMandateForm()
    form.grantor.choices = [
        SelectChoice(str(r.id), f"{r.first_name} {r.last_name}") for r in people
    ]
    if not form.is_submitted():
        form.valid_from.data = clock.today()
    status = 200
    if form.validate_on_submit():
        uploads = files.uploads_from(request, "document")
        if not uploads:
            form.document.errors = [_("Attach the scanned power of attorney.")]
        else:
            residency = next(r for r in people if str(r.id) == form.grantor.data)
            residency.lease = lease
            try:
                mandate = mandates.register_paper(
                    residency,
                    current_user,
                    mandates.Agent(
                        accounts.normalise_email(form.agent_email.data),
                        form.agent_first_name.data,
                        form.agent_last_name.data,
                    ),
                    form.chosen_scopes(),
                    form.other_matters.data or "",
                    form.valid_from.data,
                    form.valid_until.data,
                    uploads[0],
                    downloads.folder(downloads.MANDATES),
                )
            except files.AttachmentError as error:
                form.document.errors = [
                    files.pdf_message(error.args[0])
                    or _("The file could not be read. Attach a PDF or a photo of the document.")
                ]
            else:
                flash(_("The power of attorney was registered. Verify it next."), "success")
                return see_other(url_for("staff_mandates.show", mandate_id=mandate.id))
        status = 422
    elif form.is_submitted():
        status = 422
    return render(
        "staff/mandate_register.html",
        status=status,
        lease=lease,
        number=lease.number,
        form=form,
    )


@bp.get("/<int:mandate_id>")
def show(mandate_id):
    """A mandate with its history, and the buttons to verify or end it."""
    mandate = _mandate(mandate_id)
    today = clock.today()
    return render(
        "staff/mandate.html",
        mandate=mandate,
        state=mandates.state(mandate, today),
        labels=mandates.STATE_LABELS,
        scope_labels=catalog.MANDATE_SCOPES,
        history=list(mandates.history(mandate)),
        history_label=mandates.history_label,
        history_link=access.acted_link,
        form=ContinueForm(),
        end_form=EndMandateForm(),
    )


@bp.post("/<int:mandate_id>/verify")
def verify(mandate_id):
    """The document was checked: the mandate comes into force and both are told."""
    mandate = _mandate(mandate_id)
    if not ContinueForm().validate_on_submit():
        abort(400)
    try:
        mandates.verify(mandate, current_user, current_app.config["PUBLIC_URL"].rstrip("/"))
    except mandates.MandateRefused:
        flash(_("Only a power of attorney waiting for verification can be verified."), "error")
    else:
        flash(_("The power of attorney is verified and in force."), "success")
    return see_other(url_for("staff_mandates.show", mandate_id=mandate.id))


@bp.post("/<int:mandate_id>/end")
def end(mandate_id):
    """End a mandate at once, with a reason both people are told."""
    mandate = _mandate(mandate_id)
    form = EndMandateForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        mandates.end(
            mandate,
            current_user,
            form.note.data or "",
            current_app.config["PUBLIC_URL"].rstrip("/"),
        )
    except mandates.MandateRefused:
        flash(_("This power of attorney is no longer in force."), "error")
    else:
        flash(_("The power of attorney was ended."), "success")
    return see_other(url_for("staff_mandates.show", mandate_id=mandate.id))


@bp.get("/<int:mandate_id>/document")
def document(mandate_id):
    """The scanned paper document, for staff only."""
    return downloads.mandate_document(_mandate(mandate_id))
