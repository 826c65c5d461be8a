"""Staff answer the households' messages; each team sees the households it serves."""

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from portal import downloads
from portal.forms.messages import ReplyForm
from portal.i18n import gettext as _
from portal.models import MessageThread
from portal.services import files
from portal.services import messages as service
from portal.web import render, see_other

bp = Blueprint("staff_messages", __name__, url_prefix="/staff/messages")


def staff_thread(thread_id: int) -> MessageThread:
    """Return a thread this staff member answers, or answer 404."""
    return service.staff_thread(current_user, thread_id) or abort(404)


@bp.get("/")
def queue():
    """Threads waiting for an answer first (oldest first), or every thread."""
    show = request.args.get("show", "waiting")
    topic = request.args.get("topic", "")
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    if show != "all":
        show = "waiting"
    rows, more = service.threads_page(
        current_user, waiting_only=show == "waiting", topic=topic, page=page
    )
    return render(
        "staff/messages.html",
        rows=rows,
        more=more,
        page=page,
        show=show,
        topic=topic if topic in service.TOPICS else "",
        topics=service.topic_labels(),
    )


@bp.route("/<int:thread_id>", methods=["GET", "POST"])
def show(thread_id):
    """One conversation and the reply form."""
    thread = staff_thread(thread_id)
    form = ReplyForm()
    status = 200
    if form.validate_on_submit():
        try:
            service.reply(
                thread,
                current_user,
                body=form.body.data.strip(),
                from_staff=True,
                uploads=files.uploads_from(request),
                upload_dir=downloads.folder(downloads.MESSAGES),
            )
        except files.AttachmentError as error:
            form.attachments.errors = [
                files.attachment_message(error.args[0], service.MAX_ATTACHMENTS)
            ]
        else:
            flash(_("Your reply was sent; the household gets an email."), "success")
            return see_other(url_for("staff_messages.show", thread_id=thread.id))
        status = 422
    elif form.is_submitted():
        status = 422
    return render(
        "staff/message.html",
        status=status,
        thread=thread,
        home=service.home_of(thread),
        items=service.messages_of(thread),
        topics=service.TOPICS,
        form=form,
        file_endpoint="staff_messages.attachment",
    )


@bp.get("/<int:thread_id>/files/<int:attachment_id>")
def attachment(thread_id, attachment_id):
    """Send a file of a thread this staff member answers."""
    return downloads.message_file(staff_thread(thread_id), attachment_id)
