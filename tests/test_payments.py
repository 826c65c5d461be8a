"""Rent and payments: references, RF references and virtual bar codes against the published
examples of Finance Finland's bar code guide, a scannable EPC QR code, and the bank's camt.054
file imported once however many times it is sent."""

import datetime
import io
from decimal import Decimal

import cv2
import numpy
import pytest
import segno

from portal import clock
from portal.models import AuditEntry, Invoice, Payment, Person, Residency
from portal.services import payments
from portal.services.references import finnish_reference
from tests.conftest import (
    ASOY_STAFF,
    CUSTOMER_SERVICE,
    RESIDENT,
    SWEDISH_RESIDENT,
    csrf_token,
    sign_in,
    use_language,
)


@pytest.mark.parametrize(
    ("iban", "amount", "reference", "due", "expected"),
    [
        (
            "FI79 4405 2020 0360 82",
            "4883.15",
            "86851 62596 19897",
            datetime.date(2010, 6, 12),
            "479440520200360820048831500000000868516259619897100612",
        ),
        (
            "FI58 1017 1000 0001 22",
            "482.99",
            "55958 22432 94671",
            datetime.date(2012, 1, 31),
            "458101710000001220004829900000000559582243294671120131",
        ),
        (
            "FI02 5000 4640 0013 02",
            "693.80",
            "69 87567 20834 35364",
            datetime.date(2011, 7, 24),
            "402500046400013020006938000000069875672083435364110724",
        ),
        (
            "FI16 8000 1400 0502 67",
            "935.85",
            "78 77767 96566 28687",
            None,
            "416800014000502670009358500000078777679656628687000000",
        ),
        (
            "FI73 3131 3001 0000 58",
            "0.00",
            "8 68624",
            datetime.date(2013, 8, 9),
            "473313130010000580000000000000000000000000868624130809",
        ),
        (
            "FI79 4405 2020 0360 82",
            "4883.15",
            "RF09 8685 1625 9619 897",
            datetime.date(2010, 6, 12),
            "579440520200360820048831509000000868516259619897100612",
        ),
        (
            "FI39 3636 3002 0924 92",
            "1.03",
            "RF66 5907 3839 0",
            datetime.date(2023, 3, 11),
            "539363630020924920000010366000000000000590738390230311",
        ),
    ],
)
def test_virtual_bar_codes_match_the_published_examples(iban, amount, reference, due, expected):
    assert payments.virtual_barcode(iban, Decimal(amount), reference, due) == expected


def test_reference_numbers_and_rf_references():
    assert finnish_reference("86851625961989") == "868516259619897"
    assert finnish_reference("123") == "1232"
    assert payments.rf_reference("86851 62596 19897") == "RF09868516259619897"
    assert payments.rf_reference("590738390") == "RF66590738390"
    assert payments.national_from_rf("RF09 8685 1625 9619 897") == "868516259619897"
    assert payments.national_from_rf("RF19 8685 1625 9619 897") is None  # wrong check digits
    assert payments.group_reference("868516259619897") == "86851 62596 19897"


def test_the_epc_qr_code_scans_to_the_payment(app):
    payee = payments.Payee("Helsingin kaupungin asunnot Oy", "FI7944052020036082", "HELSFIHH")
    payload = payments.epc_payload(payee, Decimal("1043.60"), "868516259619897")
    assert payload.split("\n")[:10] == [
        "BCD",
        "002",
        "1",
        "SCT",
        "HELSFIHH",
        "Helsingin kaupungin asunnot Oy",
        "FI7944052020036082",
        "EUR1043.60",
        "",
        "RF09868516259619897",
    ]
    image = io.BytesIO()
    segno.make(payload, error="m").save(image, kind="png", scale=6, border=4)
    pixels = cv2.imdecode(numpy.frombuffer(image.getvalue(), numpy.uint8), cv2.IMREAD_GRAYSCALE)
    decoded, _points, _code = cv2.QRCodeDetector().detectAndDecode(pixels)
    assert decoded == payload
    svg = payments.epc_svg(payee, Decimal("1043.60"), "868516259619897", "QR")
    assert svg.startswith("<svg") and len(svg) < 12_000


def open_invoice(first_name, kind=Invoice.RENT):
    lease = Residency.get(Residency.first_name == first_name).lease
    return (
        Invoice.select()
        .where((Invoice.lease == lease) & (Invoice.kind == kind) & (Invoice.status != "paid"))
        .order_by(Invoice.due_date)
        .first()
    )


def camt054(entries, message_id="MSG-1"):
    """A camt.054.001.02 notification with the given (bank id, reference, amount) credits."""
    rows = "".join(
        f"""<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2026-11-27</Dt></BookgDt><AcctSvcrRef>E-{bank_id}</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><AcctSvcrRef>{bank_id}</AcctSvcrRef></Refs>
<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>
<RltdPties><Dbtr><Nm>Maksaja {bank_id}</Nm></Dbtr></RltdPties>
<RmtInf><Strd><CdtrRefInf><Ref>{reference}</Ref></CdtrRefInf></Strd></RmtInf>
</TxDtls></NtryDtls></Ntry>"""
        for bank_id, reference, amount in entries
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">
<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>{message_id}</MsgId>
<CreDtTm>2026-11-27T18:00:00</CreDtTm></GrpHdr>
<Ntfctn><Id>N1</Id><Acct><Id><IBAN>FI7944052020036082</IBAN></Id></Acct>{rows}</Ntfctn>
</BkToCstmrDbtCdtNtfctn></Document>""".encode()


def staff_client(app, email=CUSTOMER_SERVICE):
    client = app.test_client()
    sign_in(client, email)
    use_language(client, "en")
    return client


def upload(client, data, name="camt054.xml"):
    return client.post(
        "/staff/payments/import",
        data={
            "file": (io.BytesIO(data), name),
            "csrf_token": csrf_token(client, "/staff/payments/"),
        },
        content_type="multipart/form-data",
    )


def test_importing_the_bank_file_twice_gives_the_same_result(app):
    aino = open_invoice("Aino")
    sofia = open_invoice("Sofia")  # last month's, partly paid
    file = camt054(
        [
            ("BANK-1", aino.reference, aino.outstanding),
            ("BANK-2", payments.rf_reference(sofia.reference), "100.00"),
            ("BANK-3", "123453", "50.00"),
        ]
    )
    staff = staff_client(app)
    response = upload(staff, file)
    assert response.status_code == 303
    page = staff.get("/staff/payments/").text
    assert "Imported 3 payments: 2 matched to invoices, 1 to settle, 0 already known." in page
    state = lambda: sorted(  # noqa: E731
        (p.bank_id, str(p.amount), p.status, p.invoice_id) for p in Payment.select()
    )

    def invoices():
        return [
            (i.status, str(i.paid_amount))
            for i in (Invoice.get_by_id(aino.id), Invoice.get_by_id(sofia.id))
        ]

    after_first = (state(), invoices())
    assert invoices()[0] == ("paid", str(aino.amount))
    assert invoices()[1][0] == "partly_paid"
    assert Invoice.get_by_id(sofia.id).paid_amount == sofia.paid_amount + Decimal("100.00")
    # The same file again: nothing changes.
    upload(staff, file)
    assert "already imported" in staff.get("/staff/payments/").text
    assert (state(), invoices()) == after_first
    # The same bank entries in another file (another message id): counted once.
    upload(staff, camt054([("BANK-1", aino.reference, aino.outstanding)], "MSG-2"))
    assert (state(), invoices()) == after_first
    assert (
        "0 matched to invoices, 0 to settle, 1 already known" in staff.get("/staff/payments/").text
    )


def test_staff_settle_an_unmatched_payment_to_the_right_invoice(app):
    matti = open_invoice("Matti")
    staff = staff_client(app)
    upload(staff, camt054([("BANK-9", "999", matti.amount)]))
    payment = Payment.get(Payment.bank_id == "BANK-9")
    assert payment.status == "unmatched"
    staff.post(
        f"/staff/payments/{payment.id}/resolve",
        data={
            "reference": matti.reference,
            "note": "Typo in the reference",
            "csrf_token": csrf_token(staff, "/staff/payments/"),
        },
    )
    assert Payment.get_by_id(payment.id).status == "resolved"
    assert Invoice.get_by_id(matti.id).status == "paid"


@pytest.mark.parametrize(
    "data",
    [
        b"not xml at all",
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        b"<Document>&b;</Document>",
        b"<Document><Other/></Document>",
    ],
    ids=["garbage", "entities", "another-document"],
)
def test_a_file_that_is_not_camt054_is_refused(app, data):
    staff = staff_client(app)
    response = upload(staff, data)
    assert response.status_code == 422
    assert "not a camt.054 reference payment file" in response.text
    assert Payment.select().where(Payment.bank_id != "TEST-UNMATCHED-1").count() == 0


def test_only_customer_service_handles_the_bank_file(app):
    assert staff_client(app, ASOY_STAFF).get("/staff/payments/").status_code == 403


def test_the_payments_page_shows_what_to_pay(login_as):
    client = login_as(RESIDENT)
    page = client.get("/payments/").text
    assert "Outstanding in total" in page
    assert "Sauna turn" in page and "Parking space" in page
    invoice = open_invoice("Aino")
    response = client.get(f"/payments/{invoice.id}")
    # The invoice's state is shown, and is not taken for the HTTP status.
    assert response.status_code == 200
    page = response.text
    assert '<span class="badge open">Open</span>' in page or "badge rejected" in page
    assert "FI79 4405 2020 0360 82" in page
    assert payments.group_reference(invoice.reference) in page
    assert payments.group_rf(payments.rf_reference(invoice.reference)) in page
    assert "<svg" in page and "a few banking days" in page
    code = payments.virtual_barcode(
        "FI7944052020036082",
        invoice.outstanding,
        invoice.reference,
        invoice.due_date if invoice.due_date >= clock.today() else None,
    )
    assert f'value="{code}"' in page


def test_overdue_invoices_are_marked(login_as):
    # Sofia paid only part of last month's rent, and its due date has passed.
    assert "Overdue" in login_as(SWEDISH_RESIDENT).get("/payments/").text


def test_a_household_that_has_paid_has_nothing_overdue(login_as):
    page = login_as(RESIDENT).get("/payments/").text
    assert "Overdue" not in page
    assert "Open" in page  # next month's rent


def test_another_households_invoice_is_not_found(login_as):
    sofia = open_invoice("Sofia")
    assert login_as(RESIDENT).get(f"/payments/{sofia.id}").status_code == 404


def test_nothing_of_a_payment_goes_to_the_audit_log_but_the_fact(app):
    staff = staff_client(app)
    upload(staff, camt054([("BANK-7", "999", "12.00")]))
    details = " ".join(e.detail for e in AuditEntry.select())
    assert "FI79" not in details and "Maksaja" not in details


def test_paid_payments_show_no_bar_code(login_as):
    client = login_as(SWEDISH_RESIDENT)
    lease = Residency.get(Residency.first_name == "Sofia").lease
    paid = Invoice.get((Invoice.lease == lease) & (Invoice.status == "paid"))
    page = client.get(f"/payments/{paid.id}").text
    assert "Virtual bar code" not in page and "<svg" not in page
    assert Person.get(Person.email == SWEDISH_RESIDENT).iban == ""
