"""Invoices and the ways to pay them from a Finnish bank, and the bank's payment file.

Everything a bank needs is computed from the invoice: the Finnish reference number (with its
check digit), the same as an international RF creditor reference (ISO 11649), the 54-digit
virtual bar code (pankkiviivakoodi, version 4 or 5) and an EPC QR code (the European
Payments Council's SEPA credit transfer code) as a small SVG.
"""

import datetime
import hashlib
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import segno
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from peewee import JOIN
from stdnum import bic as bic_code
from stdnum import iban as iban_number

from portal.models import (
    Apartment,
    Building,
    Invoice,
    Lease,
    Payment,
    PaymentImport,
    Person,
    db,
)
from portal.prepared import prepared
from portal.services import audit, company
from portal.services.company import Payee
from portal.services.staff import served

OVERDUE = "overdue"
MAX_FILE_BYTES = 5 * 1024 * 1024


def payee() -> Payee:
    """Whom the residents pay their rent to: the company's account."""
    return company.payee()


def status_of(invoice: Invoice, today: datetime.date) -> str:
    """Open, partly paid, paid — or overdue when unpaid after the due date."""
    if invoice.status != Invoice.PAID and invoice.due_date < today:
        return OVERDUE
    return invoice.status


def _digits(reference: str) -> str:
    return "".join(reference.split())


def group_reference(reference: str) -> str:
    """A Finnish reference in groups of five from the right, as printed on bills."""
    digits = _digits(reference)
    groups = []
    while digits:
        groups.insert(0, digits[-5:])
        digits = digits[:-5]
    return " ".join(groups)


def _mod97(text: str) -> int:
    number = "".join(str(int(char, 36)) for char in text)
    return int(number) % 97


def rf_reference(reference: str) -> str:
    """The international creditor reference (RFxx…) of a Finnish reference number."""
    digits = _digits(reference)
    check = 98 - _mod97(digits + "RF00")
    return f"RF{check:02d}{digits}"


def group_rf(reference: str) -> str:
    return " ".join(reference[i : i + 4] for i in range(0, len(reference), 4))


def national_from_rf(reference: str) -> str | None:
    """The Finnish reference inside an RF reference whose check digits hold, else None."""
    text = _digits(reference).upper()
    if not text.startswith("RF") or len(text) < 5:
        return None
    if _mod97(text[4:] + text[:4]) != 1:
        return None
    return text[4:] if text[4:].isdigit() else None


def virtual_barcode(
    iban: str, amount: Decimal, reference: str, due_date: datetime.date | None
) -> str:
    """The 54-digit virtual bar code: version 4 for a Finnish reference, 5 for an RF one."""
    account = _digits(iban).upper()
    if not account.startswith("FI") or len(account) != 18:
        raise ValueError("the virtual bar code needs a Finnish IBAN")
    cents = int((amount * 100).to_integral_value())
    if not 0 <= cents <= 99_999_999:
        cents = 0  # an amount the code cannot carry is left for the payer to type
    euros, cents = divmod(cents, 100)
    due = due_date.strftime("%y%m%d") if due_date else "000000"
    reference = _digits(reference).upper()
    if reference.startswith("RF"):
        return f"5{account[2:]}{euros:06d}{cents:02d}{reference[2:4]}{reference[4:]:0>21}{due}"
    return f"4{account[2:]}{euros:06d}{cents:02d}000{reference:0>20}{due}"


def epc_payload(payee: Payee, amount: Decimal, reference: str) -> str:
    """The text of an EPC QR code (version 002) with a structured RF reference."""
    return "\n".join(
        [
            "BCD",
            "002",
            "1",
            "SCT",
            payee.bic,
            payee.name[:70],
            _digits(payee.iban).upper(),
            f"EUR{amount:.2f}",
            "",
            rf_reference(reference),
            "",
        ]
    )


def epc_svg(payee: Payee, amount: Decimal, reference: str, title: str) -> str:
    """The EPC QR code as a small inline SVG (a few kilobytes)."""
    code = segno.make(epc_payload(payee, amount, reference), error="m", micro=False)
    out = io.BytesIO()
    code.save(
        out,
        kind="svg",
        scale=4,
        border=4,
        xmldecl=False,
        svgns=True,
        title=title,
        svgclass="qr",
        lineclass=None,
        omitsize=False,
    )
    return out.getvalue().decode()


def valid_iban(text: str) -> str | None:
    """The IBAN in its compact form when it is valid, else None."""
    try:
        return iban_number.validate(text)
    except Exception:  # stdnum raises several kinds of ValidationError
        return None


def valid_bic(text: str) -> str | None:
    """The bank's BIC in its compact form when it is valid, else None."""
    try:
        return bic_code.validate(text)
    except Exception:  # stdnum raises several kinds of ValidationError
        return None


def format_iban(text: str) -> str:
    return iban_number.format(text)


# The bank's reference-payment file (ISO 20022 camt.054)


@dataclass
class ImportResult:
    already_imported: bool = False
    entries: int = 0
    matched: int = 0
    skipped: int = 0
    unmatched: list = field(default_factory=list)


class PaymentFileError(ValueError):
    pass


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(element, *path):
    """Find a descendant by local names, whatever the camt.054 version's namespace."""
    current = [element]
    for name in path:
        current = [child for parent in current for child in parent if _local(child.tag) == name]
        if not current:
            return None
    return current[0]


def _text(element, *path) -> str:
    found = _find(element, *path)
    return (found.text or "").strip() if found is not None else ""


def _entries(data: bytes):
    """Yield (bank id, reference, amount, booking day, payer) for each credit in the file."""
    try:
        # No entities, no external references, no DTD tricks: a bank file needs none.
        root = SafeET.fromstring(data, forbid_dtd=True)
    except (SafeET.ParseError, DefusedXmlException) as error:
        raise PaymentFileError("not XML") from error
    if _local(root.tag) != "Document" or _find(root, "BkToCstmrDbtCdtNtfctn") is None:
        raise PaymentFileError("not camt.054")
    for entry in root.iter():
        if _local(entry.tag) != "Ntry":
            continue
        if _text(entry, "CdtDbtInd") != "CRDT":
            continue
        booked = _text(entry, "BookgDt", "Dt") or _text(entry, "BookgDt", "DtTm")[:10]
        entry_ref = _text(entry, "AcctSvcrRef")
        details = [d for d in entry.iter() if _local(d.tag) == "TxDtls"]
        for index, tx in enumerate(details or [entry]):
            amount_text = _text(tx, "Amt") or _text(tx, "AmtDtls", "TxAmt", "Amt")
            if not amount_text:
                amount_text = _text(entry, "Amt")
            reference = _text(tx, "RmtInf", "Strd", "CdtrRefInf", "Ref")
            own_ref = _text(tx, "Refs", "AcctSvcrRef")
            if not own_ref and not entry_ref:
                # Without the bank's id a payment could not be told from a repeat of it.
                raise PaymentFileError("an entry without the bank's reference")
            bank_id = own_ref or f"{entry_ref}/{index}"
            payer = _text(tx, "RltdPties", "Dbtr", "Nm") or _text(
                tx, "RltdPties", "Dbtr", "Pty", "Nm"
            )
            try:
                amount = Decimal(amount_text)
                day = datetime.date.fromisoformat(booked)
            except (InvalidOperation, ValueError) as error:
                raise PaymentFileError("bad amount or date") from error
            yield bank_id, reference, amount, day, payer


def _invoice_for(reference: str) -> Invoice | None:
    national = national_from_rf(reference) if reference.upper().startswith("RF") else None
    digits = national or _digits(reference).lstrip("0")
    if not digits.isdigit():
        return None
    return Invoice.get_or_none(Invoice.reference == digits)


def _apply(invoice: Invoice, payment: Payment) -> None:
    invoice.paid_amount = invoice.paid_amount + payment.amount
    if invoice.paid_amount >= invoice.amount:
        invoice.status = Invoice.PAID
        invoice.paid_on = payment.booked_on
    elif invoice.paid_amount > 0:
        invoice.status = Invoice.PARTLY_PAID
    invoice.save(only=[Invoice.paid_amount, Invoice.status, Invoice.paid_on])
    if invoice.paid_amount > invoice.amount:
        payment.status = Payment.UNMATCHED
        payment.note = "overpaid"
        payment.save(only=[Payment.status, Payment.note])


def import_camt054(data: bytes, filename: str, staff: Person) -> ImportResult:
    """Import a camt.054 file: each credit with a known reference pays its invoice; others
    wait for staff. The same file, or the same bank entry in another file, counts once."""
    if len(data) > MAX_FILE_BYTES:
        raise PaymentFileError("too large")
    digest = hashlib.sha256(data).hexdigest()
    entries = list(_entries(data))
    result = ImportResult(entries=len(entries))
    with db.atomic():
        if PaymentImport.select().where(PaymentImport.sha256 == digest).exists():
            result.already_imported = True
            return result
        batch = PaymentImport.create(
            sha256=digest, filename=filename[:200], imported_by=staff, entries=len(entries)
        )
        for bank_id, reference, amount, day, payer in entries:
            if Payment.select().where(Payment.bank_id == bank_id).exists():
                result.skipped += 1
                continue
            invoice = _invoice_for(reference)
            payment = Payment.create(
                payment_import=batch,
                bank_id=bank_id,
                reference=reference[:35],
                amount=amount,
                booked_on=day,
                payer=payer[:140],
                invoice=invoice,
                status=Payment.MATCHED if invoice else Payment.UNMATCHED,
            )
            if invoice:
                _apply(invoice, payment)
                result.matched += 1
            else:
                result.unmatched.append(payment)
        batch.matched = result.matched
        batch.save(only=[PaymentImport.matched])
        audit.record("payments_imported", actor=staff, detail=f"import {batch.id}")
    return result


# The household's own invoices: every lookup is limited to the invoices of one lease.

# About a year and a half of monthly rent with the odd sauna or parking invoice.
HOUSEHOLD_INVOICES = 60


@dataclass(frozen=True)
class HouseholdInvoices:
    """The household's latest invoices: the unpaid ones, the earliest due first, and the
    paid ones, the latest due first."""

    unpaid: list[Invoice]
    paid: list[Invoice]

    @property
    def outstanding(self):
        """Return what is still to pay of the unpaid invoices together."""
        return sum((invoice.outstanding for invoice in self.unpaid), start=0)


@prepared
def _latest_invoices(lease):
    return (
        # Only what the list shows: no descriptions, references or times of creation.
        Invoice.select(
            Invoice.id,
            Invoice.kind,
            Invoice.period,
            Invoice.amount,
            Invoice.paid_amount,
            Invoice.due_date,
            Invoice.status,
            Invoice.paid_on,
        )
        .where(Invoice.lease == lease)
        .order_by(Invoice.due_date.desc(), Invoice.id.desc())
        .limit(HOUSEHOLD_INVOICES)
    )


def household_invoices(lease_id: int) -> HouseholdInvoices:
    """Return the household's latest invoices, unpaid and paid apart, in one query, with
    what their list shows."""
    invoices = _latest_invoices(lease=lease_id)
    unpaid = [invoice for invoice in invoices if invoice.status != Invoice.PAID]
    unpaid.sort(key=lambda invoice: invoice.due_date)
    return HouseholdInvoices(
        unpaid=unpaid,
        paid=[invoice for invoice in invoices if invoice.status == Invoice.PAID],
    )


def household_invoice(lease_id: int, invoice_id: int) -> Invoice | None:
    """Return one of the household's invoices, None for any other invoice."""
    return Invoice.get_or_none((Invoice.id == invoice_id) & (Invoice.lease == lease_id))


def payments_of(invoice: Invoice) -> list[Payment]:
    """List the payments booked to an invoice, the earliest booked first."""
    return list(invoice.payments.order_by(Payment.booked_on))


# What waits for staff after an import

RECENT_IMPORTS = 10
QUEUE_LIMIT = 200


def recent_imports() -> list[PaymentImport]:
    """Return the latest payment files imported, newest first."""
    return list(PaymentImport.select().order_by(PaymentImport.id.desc()).limit(RECENT_IMPORTS))


def unmatched_payments() -> list[Payment]:
    """Return the payments waiting to be settled, oldest first, with the invoice of those
    that overpaid one.

    A payment that found no invoice has no building to limit it by: like the bank's file it
    came in, the list is the whole company's.
    """
    return list(
        Payment.select(Payment, Invoice)
        .join(Invoice, on=(Payment.invoice == Invoice.id), join_type=JOIN.LEFT_OUTER)
        .where(Payment.status == Payment.UNMATCHED)
        .order_by(Payment.booked_on, Payment.id)
        .limit(QUEUE_LIMIT)
    )


def unmatched_payment(payment_id: int) -> Payment | None:
    """Return a payment still waiting to be settled, or None."""
    return Payment.get_or_none((Payment.id == payment_id) & (Payment.status == Payment.UNMATCHED))


def partly_paid_invoices(person: Person) -> list[Invoice]:
    """Return the partly paid invoices of the buildings a staff member serves, with their
    home, by due date."""
    return list(
        Invoice.select(Invoice, Lease, Apartment, Building)
        .join(Lease)
        .join(Apartment)
        .join(Building)
        .where((Invoice.status == Invoice.PARTLY_PAID) & served(person, Apartment.building))
        .order_by(Invoice.due_date, Invoice.id)
        .limit(QUEUE_LIMIT)
    )


def resolve(payment: Payment, staff: Person, *, reference: str, note: str) -> Invoice | None:
    """Staff settle a payment left unmatched: to the invoice of a reference, or with a note."""
    with db.atomic():
        invoice = _invoice_for(reference) if reference else None
        if invoice and payment.invoice_id is None:
            payment.invoice = invoice
            _apply(invoice, payment)
        payment.status = Payment.RESOLVED
        payment.note = note[:2000]
        payment.save(only=[Payment.status, Payment.note, Payment.invoice])
        audit.record("payment_resolved", actor=staff, detail=f"payment {payment.id}")
    return invoice
