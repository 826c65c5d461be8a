"""Staff publish resident notices to everyone or to chosen buildings."""

import datetime

from flask import Blueprint, abort, flash, url_for
from flask_login import current_user

from portal import clock
from portal.forms.accounts import ContinueForm
from portal.forms.notices import NoticeForm
from portal.i18n import gettext as _
from portal.models import Building, Notice, NoticeBuilding, Person, db
from portal.services import audit
from portal.services import notices as service
from portal.services.staff import served
from portal.web import render, see_other

bp = Blueprint("staff_notices", __name__, url_prefix="/staff/notices")


def _reaches_everyone() -> bool:
    """The As Oy team serves only its own buildings, so it cannot write to everyone."""
    return current_user.staff_role != Person.ASOY_CUSTOMER_SERVICE


def visible_notices():
    """Notices to everyone, and notices to a building the staff member serves."""
    targeted = NoticeBuilding.select(NoticeBuilding.notice).where(
        served(current_user, NoticeBuilding.building)
    )
    return Notice.select().where(Notice.everyone | Notice.id.in_(targeted))


def _form():
    buildings = list(
        Building.select().where(served(current_user, Building.id)).order_by(Building.street_address)
    )
    return NoticeForm(
        buildings=buildings, may_reach_everyone=_reaches_everyone(), today=clock.today()
    )


def _page(form, status=200):
    notices = list(
        visible_notices().order_by(Notice.publish_on.desc(), Notice.id.desc()).limit(100)
    )
    # A notice may reach buildings of other teams too: those are not named, and the notice
    # is not this staff member's to stop.
    targets: dict[int, list[str]] = {}
    shared = set()
    for row in (
        NoticeBuilding.select(
            NoticeBuilding, Building, served(current_user, Building.id).alias("ours")
        )
        .join(Building)
        .where(NoticeBuilding.notice.in_([n.id for n in notices]))
    ):
        if row.ours:
            targets.setdefault(row.notice_id, []).append(row.building.street_address)
        else:
            shared.add(row.notice_id)
    return render(
        "staff/notices.html",
        status=status,
        notices=notices,
        targets=targets,
        stoppable={
            n.id for n in notices if n.id not in shared and (_reaches_everyone() or not n.everyone)
        },
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
    with db.atomic():
        notice = Notice.create(
            title_fi=(form.title_fi.data or "").strip(),
            body_fi=(form.body_fi.data or "").strip(),
            title_sv=(form.title_sv.data or "").strip(),
            body_sv=(form.body_sv.data or "").strip(),
            title_en=(form.title_en.data or "").strip(),
            body_en=(form.body_en.data or "").strip(),
            everyone=form.audience.data == "everyone",
            publish_on=form.publish_on.data,
            expires_on=form.expires_on.data,
            send_email=form.send_email.data,
            created_by=current_user,
        )
        if not notice.everyone:
            for building_id in form.buildings.data:
                NoticeBuilding.create(notice=notice, building=int(building_id))
        audit.record("notice_published", actor=current_user, detail=str(notice.id))
    sent = service.send_due(clock.today()) if notice.send_email else 0
    flash(
        _("The notice was published.")
        if notice.publish_on <= clock.today()
        else _("The notice will be published on its day."),
        "success",
    )
    if sent:
        flash(_("It was emailed to %(count)s residents.", count=sent), "success")
    return see_other(url_for("staff_notices.index"))


@bp.post("/<int:notice_id>/end")
def end(notice_id):
    """Stop showing a notice from today on."""
    notice = visible_notices().where(Notice.id == notice_id).first() or abort(404)
    if notice.everyone and not _reaches_everyone():
        abort(404)
    elsewhere = NoticeBuilding.select().where(
        (NoticeBuilding.notice == notice.id) & ~served(current_user, NoticeBuilding.building)
    )
    if elsewhere.exists():
        abort(404)
    if not ContinueForm().validate_on_submit():
        abort(400)
    notice.expires_on = clock.today() - datetime.timedelta(days=1)
    notice.save(only=[Notice.expires_on])
    flash(_("The notice is no longer shown."), "success")
    return see_other(url_for("staff_notices.index"))
