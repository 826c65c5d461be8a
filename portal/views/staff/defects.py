"""The maintenance side of defect notifications: the queue and moving a report forward."""

import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_login import current_user

from portal import downloads
from portal.forms.defects import StaffDefectForm
from portal.i18n import gettext as _
from portal.models import DefectReport
from portal.services import company, defects, incidents
from portal.services.staff import building_choices
from portal.web import id_from, render, see_other

bp = Blueprint("staff_defects", __name__, url_prefix="/staff/defects")

HELSINKI = ZoneInfo("Europe/Helsinki")


def staff_report(report_id: int) -> DefectReport:
    """Return a report from a building the staff member serves, or answer 404."""
    return defects.staff_report(current_user, report_id) or abort(404)


@bp.get("/")
def queue():
    """List reports, oldest first, filtered by building, status, category and urgency."""
    status = request.args.get("status", "open")
    building = request.args.get("building", "")
    category = request.args.get("category", "")
    urgent = request.args.get("urgent", "")
    q = (request.args.get("q") or "").strip()[:100]
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    reports, more = defects.reports_page(
        current_user,
        status=status,
        building_id=id_from(building),
        category=category,
        urgent_only=urgent == "1",
        q=q,
        page=page,
    )
    return render(
        "staff/defects.html",
        partial="results",
        reports=reports,
        more=more,
        page=page,
        buildings=building_choices(current_user),
        filters={
            "status": status,
            "building": building,
            "category": category,
            "urgent": urgent,
            "q": q,
        },
        link_choices=incidents.linkable_incidents(current_user),
        open_statuses=DefectReport.OPEN_STATUSES,
        **defects.list_labels(),
    )


@bp.route("/<int:report_id>", methods=["GET", "POST"])
def show(report_id):
    """Open a report: photos, timeline, reporter; change its status, assign, plan the visit."""
    report = staff_report(report_id)
    staff = defects.assignable_staff()
    form = StaffDefectForm(staff=staff)
    if request.method == "GET":
        form.status.data = report.status
        form.assigned_to.data = str(report.assigned_to_id or "")
        if report.planned_visit_at:
            aware = report.planned_visit_at.replace(tzinfo=datetime.UTC).astimezone(HELSINKI)
            form.planned_visit_at.data = aware.replace(tzinfo=None)
    if form.validate_on_submit():
        assignee = next((p for p in staff if str(p.id) == form.assigned_to.data), None)
        visit = None
        if form.planned_visit_at.data:
            visit = (
                form.planned_visit_at.data.replace(tzinfo=HELSINKI)
                .astimezone(datetime.UTC)
                .replace(tzinfo=None)
            )
        defects.change_status(
            report,
            staff=current_user,
            status=form.status.data,
            note=form.note.data or "",
            visible=form.visible.data,
            assigned_to=assignee,
            planned_visit_at=visit,
            public_url=current_app.config["PUBLIC_URL"].rstrip("/"),
            caller=company.maintenance_caller(),
        )
        flash(_("The defect notification was updated."), "success")
        return see_other(url_for("staff_defects.show", report_id=report.id))
    return render(
        "staff/defect.html",
        status=422 if form.is_submitted() else 200,
        report=report,
        form=form,
        events=defects.timeline(report, for_staff=True),
        attachments=defects.photos_of(report),
        labels=defects.EVENT_LABELS,
        categories=defects.CATEGORIES,
        locations=defects.LOCATIONS,
    )


@bp.get("/<int:report_id>/photos/<int:attachment_id>")
def photo(report_id, attachment_id):
    """Send a photo of a report the staff member may see."""
    return downloads.defect_photo(staff_report(report_id), attachment_id)
