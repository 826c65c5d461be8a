"""Files residents and staff attach (to requests and messages): photos re-encoded as JPEG,
PDF documents checked by their first bytes, all under random names outside the static folder."""

import secrets
from dataclasses import dataclass
from pathlib import Path

from portal.services import photos

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


class AttachmentError(ValueError):
    """A file that cannot be taken; the reason is one of the class constants."""

    NOT_ACCEPTED = "not_accepted"
    TOO_LARGE = "too_large"
    TOO_MANY = "too_many"


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def uploads_from(request, field_name: str = "attachments") -> list[Upload]:
    """The chosen files of a form (an empty file input sends one empty part: skipped)."""
    return [
        Upload(f.filename, f.read()) for f in request.files.getlist(field_name) if f and f.filename
    ]


def store(uploads: list[Upload], directory: Path) -> list[dict]:
    """Check and store photos and PDF documents; raise AttachmentError (storing nothing)."""
    stored = []
    try:
        for upload in uploads:
            original = Path(upload.filename).name[:200]
            if upload.data.startswith(b"%PDF-"):
                if len(upload.data) > MAX_DOCUMENT_BYTES:
                    raise AttachmentError(AttachmentError.TOO_LARGE)
                directory.mkdir(parents=True, exist_ok=True)
                name = f"{secrets.token_hex(16)}.pdf"
                (directory / name).write_bytes(upload.data)
                stored.append(
                    {
                        "stored_name": name,
                        "thumb_name": None,
                        "content_type": "application/pdf",
                        "size": len(upload.data),
                        "original_name": original,
                    }
                )
                continue
            try:
                photo = photos.process(upload.data, directory)
            except photos.PhotoError as error:
                reason = (
                    AttachmentError.TOO_LARGE
                    if error.args[0] == photos.PhotoError.TOO_LARGE
                    else AttachmentError.NOT_ACCEPTED
                )
                raise AttachmentError(reason) from None
            stored.append(
                {
                    "stored_name": photo.stored_name,
                    "thumb_name": photo.thumb_name,
                    "content_type": "image/jpeg",
                    "size": photo.size,
                    "original_name": original,
                }
            )
    except (AttachmentError, OSError):
        remove(directory, stored)
        raise
    return stored


def remove(directory: Path, stored: list[dict]) -> None:
    """Delete stored files (when the database write that needed them failed)."""
    for item in stored:
        photos.remove(directory, *(n for n in (item["stored_name"], item["thumb_name"]) if n))


def send(directory: Path, attachment, thumbnail: bool):
    """Answer with a stored attachment (its thumbnail if asked and there is one): photos
    inline, PDFs as downloads, never kept in a cache. ``attachment`` is any row with the
    columns ``store`` fills in."""
    from flask import abort, send_file

    name = attachment.thumb_name if thumbnail and attachment.thumb_name else None
    path = directory / (name or attachment.stored_name)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype="image/jpeg" if name else attachment.content_type,
        as_attachment=attachment.content_type == "application/pdf",
        download_name=attachment.original_name or path.name,
        etag=False,
        conditional=False,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
