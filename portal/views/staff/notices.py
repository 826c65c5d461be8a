"""Staff publish resident notices to everyone or to chosen buildings."""

from flask import Blueprint, abort, flash, url_for
from flask_babel import ngettext
from flask_login import current_user

from portal import clock
from portal.forms.accounts import ContinueForm
from portal.forms.notices import NoticeForm
from portal.i18n import gettext as _
from portal.services import notices as service
from portal.services.staff import served_buildings
from portal.web import render, see_other

bp = Blueprint("staff_notices", __name__, url_prefix="/staff/notices")


def _form():
    return NoticeForm(
        buildings=served_buildings(current_user),
        may_reach_everyone=service.reaches_everyone(current_user),
        today=clock.today(),
    )


def _page(form, status=200):
    listed = service.notices_for_staff(current_user)
    return render(
        "staff/notices.html",
        status=status,
        notices=listed.notices,
        targets=listed.targets,
        stoppable=listed.stoppable,
        form=form,
        today=clock.today(),
        end_form=ContinueForm(),
    )


@bp.get("/")
def index():
    """The notices, and the form for a new one."""
    return _page(_form())


@bp.post("/")
def publish():
    """Publish a notice (or schedule it); email it when asked, once it is published."""
    form = _form()
    if not form.validate_on_submit():
        return _page(form, 422)
    notice = service.publish(
        current_user,
        {name: form[name].data for name in service.TEXTS},
        everyone=form.audience.data == "everyone",
        buildings=form.buildings.data,
        publish_on=form.publish_on.data,
        expires_on=form.expires_on.data,
        send_email=form.send_email.data,
    )
    sent = service.send_due(clock.today()) if notice.send_email else 0
    flash(
        _("The notice was published.")
        if notice.publish_on <= clock.today()
        else _("The notice will be published on its day."),
        "success",
    )
    if sent:
        flash(
            ngettext(
                "It was emailed to %(num)s resident.", "It was emailed to %(num)s residents.", sent
            ),
            "success",
        )
    return see_other(url_for("staff_notices.index"))


@bp.post("/<int:notice_id>/end")
def end(notice_id):
    """Stop showing a notice from today on."""
    notice = service.stoppable_notice(current_user, notice_id) or abort(404)
    if not ContinueForm().validate_on_submit():
        abort(400)
    service.stop(notice, clock.today())
    flash(_("The notice is no longer shown."), "success")
    return see_other(url_for("staff_notices.index"))
