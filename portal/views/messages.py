"""Customer service messages for residents: start a conversation, follow the replies."""

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from portal import downloads
from portal.access import current_resident_status
from portal.forms.messages import NewThreadForm, ReplyForm
from portal.i18n import gettext as _
from portal.models import MessageThread
from portal.services import files
from portal.services import messages as service
from portal.web import render, see_other

bp = Blueprint("messages", __name__, url_prefix="/messages")


def household_thread(thread_id: int) -> MessageThread:
    """Return one of the household's threads, or answer 404."""
    lease_id = current_resident_status().residency.lease_id
    return service.household_thread(lease_id, thread_id) or abort(404)


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
                upload_dir=downloads.folder(downloads.MESSAGES),
            )
        except files.AttachmentError as error:
            form.attachments.errors = [
                files.attachment_message(error.args[0], service.MAX_ATTACHMENTS)
            ]
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
                upload_dir=downloads.folder(downloads.MESSAGES),
            )
        except files.AttachmentError as error:
            form.attachments.errors = [
                files.attachment_message(error.args[0], service.MAX_ATTACHMENTS)
            ]
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


@bp.get("/<int:thread_id>/files/<int:attachment_id>")
def attachment(thread_id, attachment_id):
    return downloads.message_file(household_thread(thread_id), attachment_id)
