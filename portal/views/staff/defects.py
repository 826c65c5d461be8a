"""The maintenance side of defect notifications: the queue and moving a report forward."""

import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_login import current_user
from peewee import JOIN, fn

from portal import downloads
from portal.forms.defects import StaffDefectForm
from portal.i18n import gettext as _
from portal.models import Apartment, Attachment, Building, DefectEvent, DefectReport, Person
from portal.services import defects
from portal.services.staff import served
from portal.web import contains_pattern, id_from, render, see_other

bp = Blueprint("staff_defects", __name__, url_prefix="/staff/defects")

PAGE_SIZE = 50
HELSINKI = ZoneInfo("Europe/Helsinki")


def staff_report(report_id: int) -> DefectReport:
    """Return a report from a building the staff member serves, or answer 404.

    The building, apartment and reporter come in the same query: the page shows them all.
    """
    reporter = Person.alias()
    report = (
        DefectReport.select(DefectReport, Building, Apartment, reporter)
        .join(Building)
        .switch(DefectReport)
        .join(Apartment, JOIN.LEFT_OUTER, on=(DefectReport.apartment == Apartment.id))
        .switch(DefectReport)
        .join(reporter, JOIN.LEFT_OUTER, on=(DefectReport.reporter == reporter.id), attr="reporter")
        .where((DefectReport.id == report_id) & served(current_user, DefectReport.building))
        .first()
    )
    if report is None:
        abort(404)
    return report


@bp.get("/")
def queue():
    """List reports, oldest first, filtered by building, status, category and urgency."""
    status = request.args.get("status", "open")
    building = request.args.get("building", "")
    category = request.args.get("category", "")
    urgent = request.args.get("urgent", "")
    q = (request.args.get("q") or "").strip()[:100]
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    query = (
        # Only what a line shows: a page of fifty reads no descriptions or building details.
        DefectReport.select(
            DefectReport.id,
            DefectReport.reference,
            DefectReport.category,
            DefectReport.location,
            DefectReport.status,
            DefectReport.urgent,
            DefectReport.created_at,
            DefectReport.apartment,
            Building.id,
            Building.street_address,
            Apartment.id,
            Apartment.number,
        )
        .join(Building)
        .switch(DefectReport)
        .join(Apartment, join_type=JOIN.LEFT_OUTER, on=(DefectReport.apartment == Apartment.id))
        .where(served(current_user, DefectReport.building))
    )
    if status == "open":
        query = query.where(DefectReport.open_queue())
    elif status in DefectReport.STATUSES:
        query = query.where(DefectReport.status == status)
    if (building_id := id_from(building)) is not None:
        query = query.where(DefectReport.building == building_id)
    if category in defects.CATEGORIES:
        query = query.where(DefectReport.category == category)
    if urgent == "1":
        query = query.where(DefectReport.urgent)
    if q:
        query = query.where(search_condition(q))
    reports = list(
        query.order_by(DefectReport.urgent.desc(), DefectReport.created_at, DefectReport.id)
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
    )
    buildings = list(
        Building.select(Building.id, Building.street_address)
        .where(served(current_user, Building.id))
        .order_by(Building.street_address)
    )
    return render(
        "staff/defects.html",
        partial="results",
        reports=reports[:PAGE_SIZE],
        more=len(reports) > PAGE_SIZE,
        page=page,
        buildings=buildings,
        filters={
            "status": status,
            "building": building,
            "category": category,
            "urgent": urgent,
            "q": q,
        },
        **defects.list_labels(),
    )


def search_condition(q: str):
    """A reference finds its report exactly (an index lookup); other words are looked for in
    the address with apartment and the reporter's name."""
    reference = q.upper().replace(" ", "")
    # Only a report the staff member may see turns the search into a lookup; another
    # building's reference is searched as words, and finds nothing here either.
    if (
        DefectReport.select()
        .where((DefectReport.reference == reference) & served(current_user, DefectReport.building))
        .exists()
    ):
        return DefectReport.reference == reference
    like = contains_pattern(q)
    address = Building.street_address.concat(" ").concat(fn.COALESCE(Apartment.number, ""))
    return (address**like) | (DefectReport.reporter_name**like)


def _assignable():
    return list(
        Person.select(Person.id, Person.first_name, Person.last_name)
        .where(
            Person.staff_role.in_(
                [Person.MAINTENANCE, Person.CUSTOMER_SERVICE, Person.ASOY_CUSTOMER_SERVICE]
            )
            & Person.is_active
        )
        .order_by(Person.first_name)
    )


@bp.route("/<int:report_id>", methods=["GET", "POST"])
def show(report_id):
    """Open a report: photos, timeline, reporter; change its status, assign, plan the visit."""
    report = staff_report(report_id)
    staff = _assignable()
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
            caller=current_app.config["MAINTENANCE_CALLER_PREFIX"],
        )
        flash(_("The defect notification was updated."), "success")
        return see_other(url_for("staff_defects.show", report_id=report.id))
    events = list(
        DefectEvent.select(DefectEvent, Person)
        .join(Person, join_type=JOIN.LEFT_OUTER, on=(DefectEvent.author == Person.id))
        .where(DefectEvent.report == report.id)
        .order_by(DefectEvent.created_at, DefectEvent.id)
    )
    attachments = list(
        Attachment.select().where(Attachment.report == report.id).order_by(Attachment.id)
    )
    return render(
        "staff/defect.html",
        status=422 if form.is_submitted() else 200,
        report=report,
        form=form,
        events=events,
        attachments=attachments,
        labels=defects.EVENT_LABELS,
        categories=defects.CATEGORIES,
        locations=defects.LOCATIONS,
    )


@bp.get("/<int:report_id>/photos/<int:attachment_id>")
def photo(report_id, attachment_id):
    """Send a photo of a report the staff member may see."""
    return downloads.defect_photo(staff_report(report_id), attachment_id)
