"""Files residents and staff attach (to requests, messages and mandates): photos re-encoded
as JPEG, PDF documents parsed and refused when they could run anything, all under random names
outside the static folder and served under names of our own."""

import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask_babel import ngettext

from portal.i18n import gettext as _
from portal.services import pdfs, photos

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


class AttachmentError(ValueError):
    """A file that cannot be taken; the reason is one of the class constants."""

    NOT_ACCEPTED = "not_accepted"
    TOO_LARGE = "too_large"
    TOO_MANY = "too_many"
    # A PDF that parses but is refused: the reasons of pdfs.PdfRefused.
    PDF_ACTIVE_CONTENT = pdfs.PdfRefused.ACTIVE_CONTENT
    PDF_EMBEDDED_FILES = pdfs.PdfRefused.EMBEDDED_FILES
    PDF_ENCRYPTED = pdfs.PdfRefused.ENCRYPTED
    PDF_TOO_MANY_PAGES = pdfs.PdfRefused.TOO_MANY_PAGES
    PDF_TOO_COMPLEX = pdfs.PdfRefused.TOO_COMPLEX


def pdf_message(reason: str) -> str | None:
    """What to tell the person whose PDF was refused for ``reason`` (None: not a PDF's)."""
    if reason == AttachmentError.PDF_ACTIVE_CONTENT:
        return _(
            "A PDF file contains scripts, automatic actions or a dynamic form, which we do not "
            "accept. Print it to a new PDF file and attach that."
        )
    if reason == AttachmentError.PDF_EMBEDDED_FILES:
        return _(
            "A PDF file has other files inside it, which we do not accept. Attach the files "
            "themselves, as PDF files or photos."
        )
    if reason == AttachmentError.PDF_ENCRYPTED:
        return _("A PDF file is password-protected or encrypted. Attach a copy without protection.")
    if reason == AttachmentError.PDF_TOO_MANY_PAGES:
        return _(
            "A PDF file has more than %(count)s pages. Attach only the pages needed.",
            count=pdfs.MAX_PAGES,
        )
    if reason == AttachmentError.PDF_TOO_COMPLEX:
        return _(
            "A PDF file is too complex for us to check. Print or scan it to a new PDF file and "
            "attach that."
        )
    return None


def attachment_message(reason: str, limit: int) -> str:
    """What to tell the person whose files were refused for ``reason``; ``limit`` is how many
    files the form takes."""
    if message := pdf_message(reason):
        return message
    if reason == AttachmentError.TOO_MANY:
        return ngettext(
            "You can attach at most %(num)s file.", "You can attach at most %(num)s files.", limit
        )
    if reason == AttachmentError.TOO_LARGE:
        return _(
            "A file was too large. Photos up to 15 MB and %(count)s megapixels, PDF files up "
            "to 10 MB.",
            count=photos.MAX_MEGAPIXELS,
        )
    return _("A file was not a photo or a PDF document we can read.")


def check_pdf(data: bytes) -> None:
    """Raise AttachmentError unless ``data`` is a plain PDF document of at most 10 MB."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise AttachmentError(AttachmentError.TOO_LARGE)
    try:
        pdfs.check(data)
    except pdfs.PdfRefused as error:
        reason = error.reason
        if reason == pdfs.PdfRefused.NOT_READABLE:
            reason = AttachmentError.NOT_ACCEPTED
        raise AttachmentError(reason) from None


def display_name(filename: str) -> str:
    """The uploader's name for a file, kept only to be shown as text: its last part (after
    a slash or, from Windows, a backslash), without control or formatting characters: a
    right-to-left override (U+202E) before "fdp.exe" shows the name as ending in "exe.pdf"."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf"))[:200]


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
            original = display_name(upload.filename)
            if upload.data.startswith(b"%PDF-"):
                check_pdf(upload.data)
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
