"""Staff import the bank's reference payments and settle the ones that found no invoice."""

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from portal.forms.accounts import ContinueForm
from portal.i18n import gettext as _
from portal.services import payments as service
from portal.web import render, see_other

bp = Blueprint("staff_payments", __name__, url_prefix="/staff/payments")


def _page(status=200, result=None):
    return render(
        "staff/payments.html",
        status=status,
        result=result,
        imports=service.recent_imports(),
        unmatched=service.unmatched_payments(),
        partly_paid=service.partly_paid_invoices(current_user),
        form=ContinueForm(),
    )


@bp.get("/")
def index():
    """The import form, recent imports and the payments waiting to be settled."""
    return _page()


@bp.post("/import")
def import_file():
    """Import a camt.054 file from the bank."""
    form = ContinueForm()
    if not form.validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    if not upload or not upload.filename:
        flash(_("Choose the bank's file (camt.054 XML)."), "error")
        return _page(422)
    try:
        result = service.import_camt054(upload.read(), upload.filename, current_user)
    except service.PaymentFileError:
        flash(_("The file is not a camt.054 reference payment file we can read."), "error")
        return _page(422)
    if result.already_imported:
        flash(_("This file was already imported; nothing changed."), "error")
    else:
        flash(
            _(
                "Imported %(entries)s payments: %(matched)s matched to invoices, %(unmatched)s "
                "to settle, %(skipped)s already known.",
                entries=result.entries,
                matched=result.matched,
                unmatched=len(result.unmatched),
                skipped=result.skipped,
            ),
            "success",
        )
    return see_other(url_for("staff_payments.index"))


@bp.post("/<int:payment_id>/resolve")
def resolve(payment_id):
    """Settle an unmatched payment: to the invoice of a reference, or with a note."""
    payment = service.unmatched_payment(payment_id) or abort(404)
    if not ContinueForm().validate_on_submit():
        abort(400)
    reference = (request.form.get("reference") or "").strip()[:40]
    note = (request.form.get("note") or "").strip()[:2000]
    if not reference and not note:
        flash(_("Give the invoice's reference number or a note on what was done."), "error")
        return see_other(url_for("staff_payments.index"))
    invoice = service.resolve(payment, current_user, reference=reference, note=note)
    if reference and invoice is None:
        flash(_("No invoice has that reference; the payment was settled with the note."), "error")
    else:
        flash(_("The payment was settled."), "success")
    return see_other(url_for("staff_payments.index"))
