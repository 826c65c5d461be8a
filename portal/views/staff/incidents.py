"""Staff announce incidents (a water cut, a broken lift) once for everyone they affect,
update and resolve them, and link the defect reports that came anyway."""

from flask import Blueprint, abort, current_app, flash, url_for
from flask_babel import ngettext
from flask_login import current_user

from portal import clock
from portal.forms.accounts import ContinueForm
from portal.forms.incidents import (
    IncidentForm,
    IncidentUpdateForm,
    LinkReportsForm,
    as_stored,
    as_typed,
)
from portal.i18n import gettext as _
from portal.models import Incident
from portal.services import defects
from portal.services import incidents as service
from portal.web import id_from, render, see_other

bp = Blueprint("staff_incidents", __name__, url_prefix="/staff/incidents")


def _public_url() -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/")


def staff_incident(incident_id: int) -> Incident:
    """Return an incident the staff member may change, or answer 404."""
    return service.staff_incident(current_user, incident_id) or abort(404)


def _texts(form) -> dict:
    return {name: form[name].data for name in service.TEXTS}


def _emailed(count: int) -> None:
    if count:
        flash(
            ngettext(
                "An email went to %(num)s resident.", "An email went to %(num)s residents.", count
            ),
            "success",
        )


def _list_page(form, status=200):
    listed = service.incidents_for_staff(current_user, clock.now())
    return render(
        "staff/incidents.html",
        status=status,
        incidents=listed.incidents,
        addresses=listed.addresses,
        shared=listed.shared,
        kinds=service.kind_labels(),
        now=clock.utcnow(),
        form=form,
    )


@bp.get("/")
def index():
    """The current and recent incidents, and the form to announce one."""
    return _list_page(IncidentForm(areas=service.area_choices(current_user)))


@bp.post("/")
def announce():
    """Announce an incident and email the residents it affects."""
    form = IncidentForm(areas=service.area_choices(current_user))
    if not form.validate_on_submit():
        return _list_page(form, 422)
    incident, sent = service.announce(
        current_user,
        kind=form.kind.data,
        emergency=form.urgency.data == "emergency",
        starts_at=as_stored(form.starts_at.data),
        ends_at=as_stored(form.ends_at.data),
        texts=_texts(form),
        areas=service.read_areas(form.areas.data),
        public_url=_public_url(),
    )
    flash(_("The incident was announced."), "success")
    _emailed(sent)
    return see_other(url_for("staff_incidents.show", incident_id=incident.id))


def _show_page(incident, form, status=200):
    return render(
        "staff/incident.html",
        status=status,
        incident=incident,
        addresses=", ".join(service.areas_text(current_user, incident)),
        reports=service.linked_reports(current_user, incident),
        kinds=service.kind_labels(),
        categories=defects.list_labels()["categories"],
        labels=defects.list_labels()["labels"],
        form=form,
    )


@bp.get("/<int:incident_id>")
def show(incident_id):
    """An incident: its text and times, the form to update it, its linked reports."""
    incident = staff_incident(incident_id)
    form = IncidentUpdateForm(starts_at=incident.starts_at)
    form.ends_at.data = as_typed(incident.ends_at)
    for name in service.TEXTS:
        form[name].data = getattr(incident, name)
    return _show_page(incident, form)


@bp.post("/<int:incident_id>")
def update(incident_id):
    """Give the incident a new expected end or text; residents are emailed when the end
    moves by more than an hour."""
    incident = staff_incident(incident_id)
    if incident.resolved_at is not None:
        abort(409)
    form = IncidentUpdateForm(starts_at=incident.starts_at)
    if not form.validate_on_submit():
        return _show_page(incident, form, 422)
    try:
        sent = service.update(
            current_user,
            incident,
            ends_at=as_stored(form.ends_at.data),
            texts=_texts(form),
            public_url=_public_url(),
        )
    except service.IncidentClosed:
        abort(409)
    flash(_("The incident was updated."), "success")
    _emailed(sent)
    return see_other(url_for("staff_incidents.show", incident_id=incident.id))


@bp.post("/<int:incident_id>/resolve")
def resolve(incident_id):
    """Mark the incident resolved: residents are told, linked reports are done."""
    incident = staff_incident(incident_id)
    if not ContinueForm().validate_on_submit():
        abort(400)
    if incident.resolved_at is not None:
        abort(409)
    try:
        sent, closed = service.resolve(current_user, incident, public_url=_public_url())
    except service.IncidentClosed:
        abort(409)
    flash(_("The incident was marked resolved."), "success")
    _emailed(sent)
    if closed:
        flash(
            ngettext(
                "%(num)s linked defect notification was marked done.",
                "%(num)s linked defect notifications were marked done.",
                closed,
            ),
            "success",
        )
    return see_other(url_for("staff_incidents.show", incident_id=incident.id))


@bp.post("/link")
def link():
    """Link the defect reports chosen in the queue to an open incident: all or none."""
    form = LinkReportsForm()
    back = url_for("staff_defects.queue")
    if not form.validate_on_submit():
        return _link_refused(form.reports.errors or form.incident.errors, back, 422)
    incident = service.staff_incident(current_user, id_from(form.incident.data) or 0)
    ids = [id_from(value) for value in form.reports.data]
    if incident is None or incident.resolved_at is not None:
        return _link_refused([_("Choose an open incident of your buildings.")], back, 422)
    try:
        # A value that is no report's number stands for a report that does not exist.
        linked = service.link_reports(current_user, incident, [i or 0 for i in ids])
    except service.IncidentClosed:
        return _link_refused([_("Choose an open incident of your buildings.")], back, 422)
    except service.LinkRefused:
        return _link_refused(
            [
                _(
                    "Only open defect notifications of your buildings can be linked. "
                    "Nothing was linked."
                )
            ],
            back,
            409,
        )
    flash(
        ngettext(
            "%(num)s defect notification was linked to the incident.",
            "%(num)s defect notifications were linked to the incident.",
            linked,
        ),
        "success",
    )
    return see_other(back)


def _link_refused(messages, back, status):
    return render("staff/incident_link.html", status=status, messages=messages, back=back)
