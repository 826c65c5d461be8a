"""Customer service messages for residents: start a conversation, follow the replies."""

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_login import current_user

from portal.access import current_resident_status
from portal.forms.messages import NewThreadForm, ReplyForm
from portal.i18n import gettext as _
from portal.models import MessageAttachment, MessageThread
from portal.services import files, photos
from portal.services import messages as service
from portal.web import render, see_other

bp = Blueprint("messages", __name__, url_prefix="/messages")


def upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "messages"


def file_error(reason: str) -> str:
    if message := files.pdf_message(reason):
        return message
    if reason == files.AttachmentError.TOO_MANY:
        return _("You can attach at most %(count)s files.", count=service.MAX_ATTACHMENTS)
    if reason == files.AttachmentError.TOO_LARGE:
        return _(
            "A file was too large. Photos up to 15 MB and %(count)s megapixels, PDF files up "
            "to 10 MB.",
            count=photos.MAX_MEGAPIXELS,
        )
    return _("A file was not a photo or a PDF document we can read.")


def household_thread(thread_id: int) -> MessageThread:
    """Return one of the household's threads, or answer 404."""
    lease_id = current_resident_status().residency.lease_id
    thread = MessageThread.get_or_none(
        (MessageThread.id == thread_id) & (MessageThread.lease == lease_id)
    )
    return thread or abort(404)


@bp.get("/")
def index():
    """The household's conversations with customer service."""
    residency = current_resident_status().residency
    return render(
        "messages/index.html",
        threads=service.household_threads(residency.lease_id, current_user),
        topics=service.TOPICS,
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Start a conversation on a topic, with files if needed."""
    residency = current_resident_status().residency
    form = NewThreadForm(topic=request.args.get("topic") or None)
    status = 200
    if form.validate_on_submit():
        try:
            thread = service.start(
                residency.lease,
                current_user,
                topic=form.topic.data,
                subject=form.subject.data.strip(),
                body=form.body.data.strip(),
                uploads=files.uploads_from(request),
                upload_dir=upload_dir(),
            )
        except files.AttachmentError as error:
            form.attachments.errors = [file_error(error.args[0])]
        else:
            flash(_("Your message was sent. We answer on weekdays."), "success")
            return see_other(url_for("messages.show", thread_id=thread.id))
        status = 422
    elif form.is_submitted():
        status = 422
    team = residency.lease.apartment.building.team
    return render("messages/new.html", status=status, form=form, team=team)


@bp.route("/<int:thread_id>", methods=["GET", "POST"])
def show(thread_id):
    """A conversation: every message, and a reply form."""
    thread = household_thread(thread_id)
    form = ReplyForm()
    status = 200
    if form.validate_on_submit():
        try:
            service.reply(
                thread,
                current_user,
                body=form.body.data.strip(),
                from_staff=False,
                uploads=files.uploads_from(request),
                upload_dir=upload_dir(),
            )
        except files.AttachmentError as error:
            form.attachments.errors = [file_error(error.args[0])]
        else:
            flash(_("Your message was sent."), "success")
            return see_other(url_for("messages.show", thread_id=thread.id))
        status = 422
    elif form.is_submitted():
        status = 422
    service.mark_read(current_user, thread)
    return render(
        "messages/show.html",
        status=status,
        thread=thread,
        items=service.messages_of(thread),
        topics=service.TOPICS,
        form=form,
        file_endpoint="messages.attachment",
    )


def send_attachment(thread: MessageThread, attachment_id: int):
    """Send a file of a thread the caller may see; never cached, PDFs as downloads."""
    attachment = (
        MessageAttachment.select(MessageAttachment)
        .join(MessageAttachment.message.rel_model)
        .where(
            (MessageAttachment.id == attachment_id)
            & (MessageAttachment.message.rel_model.thread == thread.id)
        )
        .first()
    ) or abort(404)
    return files.send(upload_dir(), attachment, request.args.get("size") == "thumb")


@bp.get("/<int:thread_id>/files/<int:attachment_id>")
def attachment(thread_id, attachment_id):
    return send_attachment(household_thread(thread_id), attachment_id)
