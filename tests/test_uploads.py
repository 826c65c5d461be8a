"""Uploaded files: a PDF is taken only when it parses and can run nothing, every file is
downloaded under a name of the portal's own, and a file name with a control character is
refused before anything is stored."""

import io
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

from portal import clock
from portal.models import (
    Attachment,
    Building,
    BuildingDetails,
    DefectReport,
    Mandate,
    Message,
    MessageAttachment,
    MessageThread,
    PaymentImport,
    RequestAttachment,
    Residency,
    ServiceRequest,
)
from portal.services import files, pdfs
from tests.conftest import (
    ADMIN,
    CUSTOMER_SERVICE,
    RESIDENT,
    csrf_token,
    make_photo,
    sign_in,
    use_language,
)
from tests.test_requests import SAMPLES


def name(value: str) -> NameObject:
    return NameObject(value)


def action(kind: str, **entries) -> DictionaryObject:
    """An action dictionary such as /S /Launch /F (calc.exe)."""
    found = DictionaryObject({name("/Type"): name("/Action"), name("/S"): name(kind)})
    for key, value in entries.items():
        found[name(f"/{key}")] = TextStringObject(value)
    return found


def annotation(writer: PdfWriter, subtype: str, **entries) -> None:
    """Put an annotation of ``subtype`` (a link, a file attachment) on the first page."""
    page = writer.pages[0]
    found = DictionaryObject(
        {
            name("/Type"): name("/Annot"),
            name("/Subtype"): name(subtype),
            name("/Rect"): ArrayObject([FloatObject(10), FloatObject(10)] * 2),
            **{name(f"/{key}"): value for key, value in entries.items()},
        }
    )
    page[name("/Annots")] = ArrayObject([writer._add_object(found)])


def make_pdf(variant: str = "plain", pages: int = 1) -> bytes:
    """A PDF made here with pypdf: a plain one of blank pages, or one with what ``variant``
    names in it."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    root = writer._root_object
    if variant == "javascript":
        writer.add_open_action(JavaScript("app.alert('Hei');"))
    elif variant == "open_action":
        # No script: the viewer opens a web page as soon as the document is opened.
        root[name("/OpenAction")] = action("/URI", URI="https://phishing.example/")
    elif variant == "additional_actions":
        writer.pages[0][name("/AA")] = DictionaryObject(
            {name("/O"): action("/URI", URI="https://phishing.example/")}
        )
    elif variant == "launch":
        annotation(writer, "/Link", A=action("/Launch", F="cmd.exe"))
    elif variant == "embedded_file":
        writer.add_attachment("lasku.exe", b"MZ\x90\x00")
    elif variant == "file_attachment":
        spec = DictionaryObject(
            {name("/Type"): name("/Filespec"), name("/F"): TextStringObject("lasku.exe")}
        )
        annotation(writer, "/FileAttachment", FS=spec)
    elif variant == "xfa":
        root[name("/AcroForm")] = DictionaryObject(
            {name("/Fields"): ArrayObject(), name("/XFA"): TextStringObject("<xdp:xdp/>")}
        )
    elif variant == "encrypted":
        writer.encrypt("salasana")
    else:
        assert variant == "plain"
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


ACTIVE = "PDF-tiedostossa on skriptejä, automaattisia toimintoja tai dynaaminen lomake"
EMBEDDED = "PDF-tiedoston sisällä on muita tiedostoja"
ENCRYPTED = "PDF-tiedosto on suojattu salasanalla tai salattu"
NOT_READ = "Jokin tiedostoista ei ollut valokuva tai PDF-asiakirja"
# What a Finnish-speaking resident reads for each kind of refused PDF.
REFUSED = {
    "javascript": ACTIVE,
    "open_action": ACTIVE,
    "additional_actions": ACTIVE,
    "launch": ACTIVE,
    "xfa": ACTIVE,
    "embedded_file": EMBEDDED,
    "file_attachment": EMBEDDED,
    "encrypted": ENCRYPTED,
}
# A file that starts like a PDF and is a web page: a browser told to open it would run it.
HTML_AFTER_HEADER = b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>"


def upload_files(app) -> list[str]:
    """Every file under the upload folder, by its path there."""
    root = Path(app.config["UPLOAD_DIR"])
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def stored(app) -> tuple:
    """What an upload could have left: rows of every kind that has files, and the files."""
    return (
        Message.select().count(),
        MessageThread.select().count(),
        MessageAttachment.select().count(),
        ServiceRequest.select().count(),
        RequestAttachment.select().count(),
        DefectReport.select().count(),
        Attachment.select().count(),
        Mandate.select().count(),
        PaymentImport.select().count(),
        [d.rescue_plan_name for d in BuildingDetails.select().order_by(BuildingDetails.id)],
        upload_files(app),
    )


def start_thread(client, attachments, subject="Lasku kesäkuulta"):
    return client.post(
        "/messages/new",
        data={
            "topic": "rent_payment",
            "subject": subject,
            "body": "Liitteenä lasku.",
            "attachments": attachments,
            "csrf_token": csrf_token(client, "/messages/new"),
        },
        content_type="multipart/form-data",
    )


def staff_client(app, email=CUSTOMER_SERVICE, language="en"):
    client = app.test_client()
    assert sign_in(client, email).status_code == 303
    use_language(client, language)
    return client


def assert_pdf_download(response, attachment_id: int, data: bytes) -> None:
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="attachment-{attachment_id}.pdf"'
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data == data


def test_a_real_pdf_is_taken_and_staff_download_it_under_the_portals_name(app, login_as):
    resident = login_as(RESIDENT)
    document = make_pdf()
    response = start_thread(resident, [(io.BytesIO(document), "lasku<img src=x>.hta")])
    assert response.status_code == 303
    thread = MessageThread.select().order_by(MessageThread.id.desc()).get()
    attachment = MessageAttachment.select().join(Message).where(Message.thread == thread.id).get()
    assert attachment.content_type == "application/pdf"
    assert attachment.original_name == "lasku<img src=x>.hta"

    staff = staff_client(app)
    page = staff.get(f"/staff/messages/{thread.id}").text
    # The uploader's name is shown as text, never as markup.
    assert "lasku&lt;img src=x&gt;.hta" in page and "<img src=x>" not in page
    download = staff.get(f"/staff/messages/{thread.id}/files/{attachment.id}")
    assert_pdf_download(download, attachment.id, document)
    assert ".hta" not in download.headers["Content-Disposition"]
    own = resident.get(f"/messages/{thread.id}/files/{attachment.id}")
    assert_pdf_download(own, attachment.id, document)


def test_a_photo_is_shown_inline_under_the_portals_name(app, login_as):
    client = login_as(RESIDENT)
    assert start_thread(client, [(io.BytesIO(make_photo()), "kuva.html")]).status_code == 303
    thread = MessageThread.select().order_by(MessageThread.id.desc()).get()
    photo = MessageAttachment.select().join(Message).where(Message.thread == thread.id).get()
    for url in (
        f"/messages/{thread.id}/files/{photo.id}",
        f"/messages/{thread.id}/files/{photo.id}?size=thumb",
    ):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.headers["Content-Disposition"] == f'inline; filename="photo-{photo.id}.jpg"'
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_request_attachment_named_like_a_program_is_downloaded_as_a_pdf(app, login_as):
    client = login_as(RESIDENT)
    document = make_pdf(pages=2)
    url = "/requests/new/diy_renovation"
    response = client.post(
        url,
        data={
            **SAMPLES["diy_renovation"](),
            "attachments": [(io.BytesIO(document), "lasku.hta")],
            "csrf_token": csrf_token(client, url),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    found = ServiceRequest.select().order_by(ServiceRequest.id.desc()).get()
    attachment = RequestAttachment.get(RequestAttachment.request == found.id)
    assert "lasku.hta" in client.get(f"/requests/{found.id}").text
    assert_pdf_download(
        client.get(f"/requests/{found.id}/files/{attachment.id}"), attachment.id, document
    )
    staff = staff_client(app)
    assert_pdf_download(
        staff.get(f"/staff/requests/{found.id}/files/{attachment.id}"), attachment.id, document
    )


@pytest.mark.parametrize("variant", sorted(REFUSED))
def test_a_pdf_that_could_run_or_carry_anything_is_refused(app, login_as, variant):
    client = login_as(RESIDENT, "fi")
    before = stored(app)
    response = start_thread(client, [(io.BytesIO(make_pdf(variant)), "lasku.pdf")])
    assert response.status_code == 422
    assert REFUSED[variant] in response.text
    # The form comes back with what was typed.
    assert "Lasku kesäkuulta" in response.text
    assert stored(app) == before


def test_html_behind_a_pdf_header_is_refused(app, login_as):
    client = login_as(RESIDENT, "fi")
    before = stored(app)
    response = start_thread(client, [(io.BytesIO(HTML_AFTER_HEADER), "page.html")])
    assert response.status_code == 422
    assert NOT_READ in response.text
    # A real PDF with a web page after its end is refused as well.
    appended = make_pdf() + b"<html><script>alert(1)</script></html>\n"
    response = start_thread(client, [(io.BytesIO(appended), "lasku.pdf")])
    assert response.status_code == 422 and NOT_READ in response.text
    assert stored(app) == before


def test_a_pdf_of_too_many_pages_is_refused(app, login_as):
    client = login_as(RESIDENT, "fi")
    before = stored(app)
    long = make_pdf(pages=pdfs.MAX_PAGES + 1)
    response = start_thread(client, [(io.BytesIO(long), "kirja.pdf")])
    assert response.status_code == 422
    assert f"PDF-tiedostossa on yli {pdfs.MAX_PAGES} sivua" in response.text
    assert stored(app) == before


def test_the_rescue_plan_residents_download_is_checked_too(app):
    building = Building.get(Building.street_address == "Sturenkatu 21")
    plan_before = BuildingDetails.get(BuildingDetails.building == building.id).rescue_plan_name
    staff = staff_client(app, language="fi")
    url = f"/staff/buildings/{building.id}"
    refused = staff.post(
        url,
        data={
            "heating": "Maalämpö",
            "rescue_plan": (io.BytesIO(make_pdf("javascript")), "plan.pdf"),
            "csrf_token": csrf_token(staff, url),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and ACTIVE in refused.text
    details = BuildingDetails.get(BuildingDetails.building == building.id)
    assert details.rescue_plan_name == plan_before and details.heating != "Maalämpö"
    garbage = staff.post(
        url,
        data={
            "rescue_plan": (io.BytesIO(HTML_AFTER_HEADER), "plan.pdf"),
            "csrf_token": csrf_token(staff, url),
        },
        content_type="multipart/form-data",
    )
    assert garbage.status_code == 422
    assert "Pelastussuunnitelman pitää olla PDF-tiedosto" in garbage.text
    plan = make_pdf()
    accepted = staff.post(
        url,
        data={"rescue_plan": (io.BytesIO(plan), "plan.hta"), "csrf_token": csrf_token(staff, url)},
        content_type="multipart/form-data",
    )
    assert accepted.status_code == 303
    download = staff.get(f"{url}/rescue-plan")
    assert download.data == plan and download.mimetype == "application/pdf"
    assert "plan.hta" not in download.headers["Content-Disposition"]


def test_a_paper_mandates_document_is_checked_and_served_under_its_number(app):
    veikko = Residency.get(Residency.first_name == "Veikko")
    url = f"/staff/mandates/register?lease={veikko.lease.number}"
    staff = staff_client(app, language="fi")
    data = {
        "grantor": str(veikko.id),
        "agent_first_name": "Outi",
        "agent_last_name": "Ulkopuolinen",
        "agent_email": "outi.ulkopuolinen@example.fi",
        "kind": "specific",
        "scopes": ["keys", "information"],
        "valid_from": clock.today().isoformat(),
    }
    before = stored(app)
    refused = staff.post(
        url,
        data={
            **data,
            "document": (io.BytesIO(make_pdf("embedded_file")), "valtakirja.pdf"),
            "csrf_token": csrf_token(staff, url),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and EMBEDDED in refused.text
    assert stored(app) == before
    document = make_pdf()
    accepted = staff.post(
        url,
        data={
            **data,
            "document": (io.BytesIO(document), "valtakirja.html"),
            "csrf_token": csrf_token(staff, url),
        },
        content_type="multipart/form-data",
    )
    assert accepted.status_code == 303
    mandate = Mandate.get(Mandate.agent_email == "outi.ulkopuolinen@example.fi")
    assert_pdf_download(staff.get(f"/staff/mandates/{mandate.id}/document"), mandate.id, document)


def _thread_of(first_name: str) -> int:
    lease = Residency.get(Residency.first_name == first_name).lease_id
    return MessageThread.select().where(MessageThread.lease == lease).get().id


def _report_of(first_name: str) -> int:
    lease = Residency.get(Residency.first_name == first_name).lease_id
    return DefectReport.select().where(DefectReport.lease == lease).get().id


# Every form that takes a file: who sends it (None: a visitor), where, in which field, and the
# other fields sent with it.
UPLOADS = {
    "new message": (
        RESIDENT,
        lambda: "/messages/new",
        "attachments",
        {"topic": "rent_payment", "subject": "Lasku", "body": "Liitteenä lasku."},
    ),
    "reply": (
        RESIDENT,
        lambda: f"/messages/{_thread_of('Aino')}",
        "attachments",
        {"body": "Liitteenä lasku."},
    ),
    "staff reply": (
        CUSTOMER_SERVICE,
        lambda: f"/staff/messages/{_thread_of('Aino')}",
        "attachments",
        {"body": "Liitteenä lasku."},
    ),
    "service request": (
        RESIDENT,
        lambda: "/requests/new/diy_renovation",
        "attachments",
        SAMPLES["diy_renovation"](),
    ),
    "defect": (RESIDENT, lambda: "/defects/new", "photos", {}),
    "defect comment": (
        RESIDENT,
        lambda: f"/defects/{_report_of('Aino')}/comment",
        "photos",
        {"comment": "Kuva"},
    ),
    "defect without signing in": (None, lambda: "/defects/report", "photos", {}),
    "paper mandate": (
        CUSTOMER_SERVICE,
        lambda: (
            "/staff/mandates/register?lease="
            + Residency.get(Residency.first_name == "Veikko").lease.number
        ),
        "document",
        {},
    ),
    "rescue plan": (
        CUSTOMER_SERVICE,
        lambda: f"/staff/buildings/{Building.get(Building.street_address == 'Sturenkatu 21').id}",
        "rescue_plan",
        {"heating": "Maalämpö"},
    ),
    "bank payments": (CUSTOMER_SERVICE, lambda: "/staff/payments/import", "file", {}),
    "housing register": (ADMIN, lambda: "/staff/register/import", "leases", {}),
}


def multipart(fields: dict, file_field: str, disposition: str, content: bytes):
    """A form body as a browser sends it, with the file part's name written as given (the
    test client would encode it or drop the part)."""
    boundary = "----portal-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, values in fields.items()
        for value in (values if isinstance(values, list) else [values])
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '.encode()
        + disposition.encode()
        + b"\r\nContent-Type: application/pdf\r\n\r\n"
        + content
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


# A control character in the file name: as the raw byte, and percent-encoded in the
# extended form of the name (RFC 2231), which the server decodes.
CONTROL_NAMES = {
    "NUL": 'filename="lasku\x00.pdf"',
    "unit separator": 'filename="lasku\x1f.pdf"',
    "delete": 'filename="lasku\x7f.pdf"',
    "encoded NUL": "filename*=UTF-8''lasku%00.pdf",
    "encoded newline": "filename*=UTF-8''lasku%0A.pdf",
}


@pytest.mark.parametrize("character", sorted(CONTROL_NAMES))
@pytest.mark.parametrize("where", sorted(UPLOADS))
def test_a_file_name_with_a_control_character_is_refused(app, where, character):
    who, path, field, data = UPLOADS[where]
    client = app.test_client()
    if who:
        assert sign_in(client, who).status_code == 303
    url = path()
    before = stored(app)
    body, content_type = multipart(
        {**data, "csrf_token": csrf_token(client, "/")}, field, CONTROL_NAMES[character], make_pdf()
    )
    response = client.post(url, data=body, content_type=content_type)
    assert response.status_code == 400
    assert stored(app) == before


def test_the_same_forms_take_a_file_of_an_ordinary_name(app):
    """The refusal above is the name's: the same request with a plain name is answered."""
    for where, (who, path, field, data) in sorted(UPLOADS.items()):
        client = app.test_client()
        if who:
            assert sign_in(client, who).status_code == 303
        body, content_type = multipart(
            {**data, "csrf_token": csrf_token(client, "/")},
            field,
            'filename="lasku.pdf"',
            make_pdf(),
        )
        assert client.post(path(), data=body, content_type=content_type).status_code != 400, where


def test_a_name_is_shown_without_its_formatting_characters():
    # U+202E turns the text after it around: "lasku\u202efdp.exe" shows as "laskuexe.pdf".
    assert files.display_name("C:\\Lataukset\\lasku\u202efdp.exe") == "laskufdp.exe"
    assert files.display_name("kansio/lasku.pdf") == "lasku.pdf"


def test_a_nul_in_any_value_of_a_repeated_field_is_refused(app, login_as):
    client = login_as(RESIDENT)
    before = stored(app)
    response = client.post(
        "/messages/new",
        data={
            "topic": "rent_payment",
            "subject": ["Lasku", "Lasku\x00"],
            "body": "Liitteenä lasku.",
            "csrf_token": csrf_token(client, "/messages/new"),
        },
    )
    assert response.status_code == 400
    assert stored(app) == before
