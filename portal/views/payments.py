"""The household's invoices, and everything needed to pay one from a Finnish bank."""

from flask import Blueprint, abort
from flask_babel import pgettext

from portal import clock
from portal.access import current_resident_status
from portal.i18n import gettext as _
from portal.i18n import per_language
from portal.models import Invoice
from portal.services import payments as service
from portal.web import render

bp = Blueprint("payments", __name__, url_prefix="/payments")


@per_language
def kind_labels() -> dict:
    """Invoice kinds in the request's language (made once per language)."""
    return {
        Invoice.RENT: _("Rent"),
        Invoice.SAUNA: _("Sauna turn"),
        Invoice.PARKING: _("Parking space"),
        Invoice.DOOR_OPENING: _("Door opening"),
        Invoice.OTHER: _("Other"),
    }


@per_language
def status_labels() -> dict:
    """Invoice states in the request's language (made once per language)."""
    return {
        Invoice.OPEN: pgettext("invoice", "Open"),
        Invoice.PARTLY_PAID: _("Partly paid"),
        Invoice.PAID: pgettext("invoice", "Paid"),
        service.OVERDUE: _("Overdue"),
    }


def household_invoice(invoice_id: int) -> Invoice:
    """Return one of the household's invoices, or answer 404."""
    lease_id = current_resident_status().residency.lease_id
    return service.household_invoice(lease_id, invoice_id) or abort(404)


@bp.get("/")
def index():
    """Open and overdue invoices first, then the paid ones of the last year and a half."""
    invoices = service.household_invoices(current_resident_status().residency.lease_id)
    today = clock.today()
    return render(
        "payments/index.html",
        unpaid=invoices.unpaid,
        paid=invoices.paid,
        outstanding=invoices.outstanding,
        status_of=lambda invoice: service.status_of(invoice, today),
        kinds=kind_labels(),
        statuses=status_labels(),
    )


@bp.get("/<int:invoice_id>")
def show(invoice_id):
    """One invoice with the payee's account, both references, the bar code and a QR code."""
    invoice = household_invoice(invoice_id)
    today = clock.today()
    payee = service.payee()
    due = invoice.outstanding
    payable = invoice.status != Invoice.PAID and due > 0
    return render(
        "payments/show.html",
        invoice=invoice,
        invoice_status=service.status_of(invoice, today),
        statuses=status_labels(),
        kinds=kind_labels(),
        payee=payee,
        iban=service.format_iban(payee.iban),
        reference=service.group_reference(invoice.reference),
        rf=service.group_rf(service.rf_reference(invoice.reference)),
        barcode=service.virtual_barcode(
            payee.iban,
            due,
            invoice.reference,
            invoice.due_date if invoice.due_date >= today else None,
        )
        if payable
        else None,
        qr=service.epc_svg(payee, due, invoice.reference, _("Payment QR code"))
        if payable
        else None,
        due=due,
        payments=service.payments_of(invoice),
    )
