"""The household's invoices, and everything needed to pay one from a Finnish bank."""

from flask import Blueprint, abort
from flask_babel import pgettext

from portal import clock
from portal.access import current_resident_status
from portal.i18n import gettext as _
from portal.models import Invoice
from portal.services import payments as service
from portal.web import render

bp = Blueprint("payments", __name__, url_prefix="/payments")


def kind_labels() -> dict:
    return {
        Invoice.RENT: _("Rent"),
        Invoice.SAUNA: _("Sauna turn"),
        Invoice.PARKING: _("Parking space"),
        Invoice.DOOR_OPENING: _("Door opening"),
        Invoice.OTHER: _("Other"),
    }


def status_labels() -> dict:
    return {
        Invoice.OPEN: pgettext("invoice", "Open"),
        Invoice.PARTLY_PAID: _("Partly paid"),
        Invoice.PAID: pgettext("invoice", "Paid"),
        service.OVERDUE: _("Overdue"),
    }


def household_invoice(invoice_id: int) -> Invoice:
    lease_id = current_resident_status().residency.lease_id
    invoice = Invoice.get_or_none((Invoice.id == invoice_id) & (Invoice.lease == lease_id))
    return invoice or abort(404)


@bp.get("/")
def index():
    """Open and overdue invoices first, then the paid ones of the last year and a half."""
    lease_id = current_resident_status().residency.lease_id
    today = clock.today()
    invoices = list(
        Invoice.select()
        .where(Invoice.lease == lease_id)
        .order_by(Invoice.due_date.desc(), Invoice.id.desc())
        .limit(60)
    )
    unpaid = [i for i in invoices if i.status != Invoice.PAID]
    unpaid.sort(key=lambda i: i.due_date)
    return render(
        "payments/index.html",
        unpaid=unpaid,
        paid=[i for i in invoices if i.status == Invoice.PAID],
        outstanding=sum((i.outstanding for i in unpaid), start=0),
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
        payments=list(invoice.payments.order_by(invoice.payments.model.booked_on)),
    )
