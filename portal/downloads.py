"""Sending stored files (photos, attachments, scanned documents, rescue plans) to the people
who may see them, for the residents' pages and the back office alike.

Every sender takes a row its caller has already been allowed to see (a report of the
household, a request of a building the staff member serves...) and answers 404 unless the
file belongs to that row: an id typed into the address never reaches another home's file.
Nothing is kept in a cache, and a file is never sent under the name it was uploaded with."""

from pathlib import Path

from flask import abort, current_app, request, send_file

from portal.models import (
    Attachment,
    BuildingDetails,
    DefectReport,
    Mandate,
    MessageAttachment,
    MessageThread,
    RequestAttachment,
    ServiceRequest,
)

# The folders under UPLOAD_DIR, one per kind of file.
DEFECTS = "defects"
MESSAGES = "messages"
REQUESTS = "requests"
MANDATES = "mandates"
BUILDINGS = "buildings"


def folder(kind: str) -> Path:
    """Where the files of one kind are kept."""
    return Path(current_app.config["UPLOAD_DIR"]) / kind


def _wants_thumbnail() -> bool:
    return request.args.get("size") == "thumb"


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def send_stored(directory: Path, attachment, thumbnail: bool):
    """Answer with a stored attachment (its thumbnail if asked and there is one): photos
    inline, PDFs as downloads. ``attachment`` is any row with an ``id`` and the columns
    ``services.files.store`` fills in.

    The uploader's file name is never the download's: a name such as "lasku.hta" or
    "page.html" would have the browser or the desktop open the file with another program.
    The name is ours, its type the one the content was checked to be."""
    name = attachment.thumb_name if thumbnail and attachment.thumb_name else None
    path = directory / (name or attachment.stored_name)
    if not path.is_file():
        abort(404)
    is_pdf = name is None and attachment.content_type == "application/pdf"
    download_name = f"attachment-{attachment.id}.pdf" if is_pdf else f"photo-{attachment.id}.jpg"
    response = send_file(
        path,
        mimetype="application/pdf" if is_pdf else "image/jpeg",
        etag=False,
        conditional=False,
    )
    disposition = "attachment" if is_pdf else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{download_name}"'
    return _no_store(response)


def defect_photo(report: DefectReport, attachment_id: int):
    """A photo of a defect report (its thumbnail with ?size=thumb)."""
    attachment = Attachment.get_or_none(
        (Attachment.id == attachment_id) & (Attachment.report == report.id)
    ) or abort(404)
    name = attachment.thumb_name if _wants_thumbnail() else attachment.stored_name
    path = folder(DEFECTS) / name
    if not path.is_file():
        abort(404)
    return _no_store(send_file(path, mimetype="image/jpeg", etag=False, conditional=False))


def message_file(thread: MessageThread, attachment_id: int):
    """A file attached to a message of the thread."""
    attachment = (
        MessageAttachment.select(MessageAttachment)
        .join(MessageAttachment.message.rel_model)
        .where(
            (MessageAttachment.id == attachment_id)
            & (MessageAttachment.message.rel_model.thread == thread.id)
        )
        .first()
    ) or abort(404)
    return send_stored(folder(MESSAGES), attachment, _wants_thumbnail())


def request_file(found: ServiceRequest, attachment_id: int):
    """A file attached to the service request or to one of its messages."""
    attachment = RequestAttachment.get_or_none(
        (RequestAttachment.id == attachment_id) & (RequestAttachment.request == found.id)
    ) or abort(404)
    return send_stored(folder(REQUESTS), attachment, _wants_thumbnail())


class _MandateDocument:
    """A mandate's scanned paper form, in the shape ``send_stored`` reads."""

    def __init__(self, mandate: Mandate):
        self.id = mandate.id
        self.stored_name = mandate.document_name
        self.thumb_name = None
        self.content_type = mandate.document_type


def mandate_document(mandate: Mandate):
    """The scanned paper power of attorney, when there is one."""
    if not mandate.document_name:
        abort(404)
    return send_stored(folder(MANDATES), _MandateDocument(mandate), thumbnail=False)


def rescue_plan(building_id: int):
    """The building's rescue plan as a PDF download."""
    details = BuildingDetails.get_or_none(BuildingDetails.building == building_id)
    if details is None or not details.rescue_plan_name:
        abort(404)
    path = folder(BUILDINGS) / details.rescue_plan_name
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name="pelastussuunnitelma.pdf",
        etag=False,
        conditional=False,
    )
    return _no_store(response)
