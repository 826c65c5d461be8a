"""Defect notifications: what can be reported, the rules of the timeline, the emails it sends."""

import secrets
from collections import namedtuple
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from peewee import JOIN, IntegrityError, fn

from portal.database import contains_pattern
from portal.i18n import lazy_gettext as _l
from portal.i18n import per_language
from portal.models import (
    Apartment,
    Attachment,
    Building,
    DefectEvent,
    DefectReport,
    Lease,
    Person,
    db,
    utcnow,
)
from portal.prepared import prepared
from portal.services import mail, photos
from portal.services.staff import Scope, served, shape_of

LOCATIONS = {
    "apartment": _l("In my apartment"),
    "stairwell": _l("Stairwell or entrance"),
    "sauna": _l("Sauna"),
    "laundry": _l("Laundry or drying room"),
    "storage": _l("Storage room"),
    "yard": _l("Yard"),
    "parking": _l("Parking area or garage"),
    "other": _l("Other shared space"),
}
# (label, urgent by nature): urgent ones are not left waiting in a queue.
CATEGORIES = {
    "water_leak": (_l("Water leakage"), True),
    "drain": (_l("Blocked drain or toilet"), True),
    "electrical": (_l("Electrical defect"), True),
    "plumbing": (_l("Taps, pipes and water"), False),
    "heating": (_l("Heating"), False),
    "ventilation": (_l("Ventilation"), False),
    "windows_doors": (_l("Windows and doors"), False),
    "appliances": (_l("Kitchen appliances"), False),
    "locks": (_l("Locks and keys"), False),
    "other": (_l("Something else"), False),
}
# Timeline events that are not states of the report itself.
CONFIRMED = "confirmed"
REOPENED = "reopened"
STATUS_LABELS = {
    DefectReport.RECEIVED: _l("Received"),
    DefectReport.IN_PROGRESS: _l("In progress"),
    DefectReport.WAITING: _l("Waiting for parts or a contractor"),
    DefectReport.DONE: _l("Done"),
    DefectReport.REJECTED: _l("Cannot be repaired"),
}
EVENT_LABELS = {
    **STATUS_LABELS,
    CONFIRMED: _l("The resident confirmed the repair"),
    REOPENED: _l("Reopened: the defect is still there"),
}


@per_language
def list_labels() -> dict:
    """The labels every line of a list shows, translated once per language rather than
    once per line (a list of a hundred reports would translate them three hundred times)."""
    return {
        "labels": {key: str(label) for key, label in STATUS_LABELS.items()},
        "categories": {key: (str(label), urgent) for key, (label, urgent) in CATEGORIES.items()},
        "locations": {key: str(label) for key, label in LOCATIONS.items()},
    }


def is_urgent(category: str, answer_urgent: bool) -> bool:
    """An urgent category, or the reporter saying it cannot wait, makes a report urgent."""
    return answer_urgent or CATEGORIES.get(category, ("", False))[1]


def _new_reference() -> str:
    return f"{utcnow():%y}-{secrets.randbelow(10**6):06d}"


def _store_photos(uploads: Sequence[bytes], directory: Path) -> list[photos.StoredPhoto]:
    """Process every photo before anything is written; on a bad one, keep no files."""
    stored = []
    try:
        for data in uploads:
            stored.append(photos.process(data, directory))
    except (photos.PhotoError, OSError):
        for photo in stored:
            photos.remove(directory, photo.stored_name, photo.thumb_name)
        raise
    return stored


def _attach(report, event, stored):
    for photo in stored:
        Attachment.create(
            report=report,
            event=event,
            stored_name=photo.stored_name,
            thumb_name=photo.thumb_name,
            width=photo.width,
            height=photo.height,
            size=photo.size,
        )


def submit(
    *,
    building: Building,
    apartment: Apartment | None,
    lease: Lease | None,
    reporter: Person | None,
    contact: dict,
    language: str,
    location: str,
    category: str,
    description: str,
    urgent: bool,
    master_key_allowed: bool,
    pets: bool,
    uploads: Sequence[bytes],
    upload_dir: Path,
    public_url: str,
    caller: str,
) -> DefectReport:
    """Store a new defect report with its photos, and confirm it by email when there is one."""
    stored = _store_photos(uploads, upload_dir)
    try:
        for _attempt in range(5):
            try:
                with db.atomic():
                    report = DefectReport.create(
                        reference=_new_reference(),
                        building=building,
                        apartment=apartment,
                        lease=lease,
                        reporter=reporter,
                        reporter_name=contact.get("name", ""),
                        reporter_email=contact.get("email", ""),
                        reporter_phone=contact.get("phone", ""),
                        language=language,
                        location=location,
                        category=category,
                        description=description,
                        urgent=urgent,
                        master_key_allowed=master_key_allowed,
                        pets=pets,
                    )
                    event = DefectEvent.create(
                        report=report, author=reporter, status=DefectReport.RECEIVED
                    )
                    _attach(report, event, stored)
                    email = reporter.email if reporter else contact.get("email")
                    if email:
                        mail.queue(
                            email,
                            "defect_received",
                            language,
                            report=report,
                            link=f"{public_url}/defects/{report.id}" if reporter else "",
                            category=CATEGORIES[category][0],
                            caller=caller,
                            team=building.team,
                        )
                    return report
            except IntegrityError:
                # Two reports drew the same reference: draw again.
                continue
        raise RuntimeError("could not draw a free defect reference")
    except Exception:
        for photo in stored:
            photos.remove(upload_dir, photo.stored_name, photo.thumb_name)
        raise


def reporter_contact(report: DefectReport, public_url: str) -> tuple[str, str, str]:
    """Where news of a report goes: (email, language, link to the report). A resident's
    account, or the address a visitor gave (empty when none), who has no page to open."""
    if report.reporter_id:
        return report.reporter.email, report.reporter.language, f"{public_url}/defects/{report.id}"
    return report.reporter_email or "", report.language, ""


def _notify(report: DefectReport, public_url: str, note: str, caller: str) -> None:
    email, language, link = reporter_contact(report, public_url)
    if email:
        mail.queue(
            email,
            "defect_status",
            language,
            report=report,
            link=link,
            status=STATUS_LABELS[report.status],
            caller=caller,
            note=note,
        )


def change_status(
    report: DefectReport,
    *,
    staff: Person,
    status: str,
    note: str,
    visible: bool,
    assigned_to: Person | None,
    planned_visit_at,
    public_url: str,
    caller: str,
) -> DefectEvent:
    """Move a report on (or only add a note); tell the reporter when they can see the change."""
    with db.atomic():
        changed = status != report.status
        report.status = status
        report.assigned_to = assigned_to
        report.planned_visit_at = planned_visit_at
        report.updated_at = utcnow()
        report.save()
        event = DefectEvent.create(
            report=report,
            author=staff,
            status=status if changed else None,
            note=note,
            visible_to_resident=visible,
        )
        if visible and (changed or note):
            _notify(report, public_url, note, caller)
    return event


def add_comment(
    report: DefectReport, author: Person, note: str, uploads: Sequence[bytes], upload_dir: Path
) -> DefectEvent:
    """Add a resident's comment and photos to an open report."""
    stored = _store_photos(uploads, upload_dir)
    with db.atomic():
        event = DefectEvent.create(report=report, author=author, note=note)
        _attach(report, event, stored)
        report.updated_at = utcnow()
        report.save(only=[DefectReport.updated_at])
    return event


def resident_decision(report: DefectReport, person: Person, reopen: bool, note: str = ""):
    """Confirm a done repair, or reopen it because the defect is still there."""
    with db.atomic():
        if reopen:
            report.status = DefectReport.RECEIVED
            report.updated_at = utcnow()
            report.save(only=[DefectReport.status, DefectReport.updated_at])
        DefectEvent.create(
            report=report, author=person, status=REOPENED if reopen else CONFIRMED, note=note
        )


# The back office: every query is limited to the buildings the staff member serves.

STAFF_PAGE = 50


def staff_report(person: Person, report_id: int) -> DefectReport | None:
    """Return a report from a building the staff member serves, None for any other.

    The building, apartment and reporter come in the same query: the page shows them all.
    """
    reporter = Person.alias()
    return (
        DefectReport.select(DefectReport, Building, Apartment, reporter)
        .join(Building)
        .switch(DefectReport)
        .join(Apartment, JOIN.LEFT_OUTER, on=(DefectReport.apartment == Apartment.id))
        .switch(DefectReport)
        .join(reporter, JOIN.LEFT_OUTER, on=(DefectReport.reporter == reporter.id), attr="reporter")
        .where((DefectReport.id == report_id) & served(person, DefectReport.building))
        .first()
    )


# A line of the staff queue: what it shows, with the building's address and apartment.
QueueLine = namedtuple(
    "QueueLine",
    "id reference category location status urgent created_at street_address apartment_number "
    "incident_id",
)


@prepared
def _queue_page(
    team,
    status,
    building,
    category,
    reference,
    pattern,
    limit,
    offset,
    *,
    role,
    has_team,
    statuses,
    by_building,
    by_category,
    urgent_only,
    search,
):
    who = Scope.prepared(team, role, has_team)
    # The reports of the page, chosen in the queue's order: for conditions on the report
    # alone, from the index only, so that skipping the earlier pages' reports (OFFSET) reads
    # no report and joins no building (page 20 of the whole queue: 0.9 → 0.1 ms).
    chosen = DefectReport.select(DefectReport.id).where(served(who, DefectReport.building))
    if statuses == "open":
        chosen = chosen.where(DefectReport.open_queue())
    elif statuses == "one":
        chosen = chosen.where(DefectReport.status == status)
    if by_building:
        chosen = chosen.where(DefectReport.building == building)
    if by_category:
        chosen = chosen.where(DefectReport.category == category)
    if urgent_only:
        chosen = chosen.where(DefectReport.urgent)
    if search == "reference":
        chosen = chosen.where(DefectReport.reference == reference)
    elif search == "words":
        # In the address or the reporter's name, which each report keeps in one text (the
        # line break between them is not in any pattern: a match is within one of them).
        # The pattern joined to an empty text: a bare bound pattern makes SQLite plan the
        # statement anew at every run, to see whether an index could serve its start
        # (none can: it starts with %): 0.25 ms against 0.15 for a street of many reports.
        chosen = chosen.where(DefectReport.search_text ** pattern.concat(""))
    order = (DefectReport.urgent.desc(), DefectReport.created_at, DefectReport.id)
    page = chosen.order_by(*order).limit(limit).offset(offset)
    return (
        # Only what a line shows: a page of fifty reads no descriptions or building details.
        DefectReport.select(
            DefectReport.id,
            DefectReport.reference,
            DefectReport.category,
            DefectReport.location,
            DefectReport.status,
            DefectReport.urgent,
            DefectReport.created_at,
            Building.street_address.alias("street_address"),
            Apartment.number.alias("apartment_number"),
            DefectReport.incident.alias("incident_id"),
        )
        .join(Building)
        .switch(DefectReport)
        .join(Apartment, join_type=JOIN.LEFT_OUTER, on=(DefectReport.apartment == Apartment.id))
        .where(DefectReport.id.in_(page))
        .order_by(*order)
        .objects(QueueLine)
    )


@prepared
def _served_reference(team, reference, *, role, has_team):
    who = Scope.prepared(team, role, has_team)
    return DefectReport.select(DefectReport.id).where(
        (DefectReport.reference == reference) & served(who, DefectReport.building)
    )


def reports_page(
    person: Person,
    *,
    status: str,
    building_id: int | None,
    category: str,
    urgent_only: bool,
    q: str,
    page: int,
) -> tuple[list[QueueLine], bool]:
    """Return one page of the reports a staff member serves, urgent first and then oldest
    first, and whether another page follows.

    ``status`` is "open", one of the statuses or anything else for all of them; an unknown
    category is no filter. ``q`` is the search: a reference the staff member may see finds
    its report exactly (an index lookup); other words are looked for in the address with
    apartment and the reporter's name.
    """
    # The status condition: the open reports, those of one status, or none.
    statuses = "one" if status in DefectReport.STATUSES else "all"
    if status == "open":
        statuses = "open"
    reference = q.upper().replace(" ", "")
    shape = shape_of(person)
    search = None
    if q:
        # Only a report the staff member may see turns the search into a lookup; another
        # building's reference is searched as words, and finds nothing here either.
        found = _served_reference(team=person.staff_team_id, reference=reference, **shape)
        search = "reference" if found else "words"
    reports = _queue_page(
        team=person.staff_team_id,
        status=status,
        building=building_id,
        category=category,
        reference=reference,
        pattern=contains_pattern(q),
        limit=STAFF_PAGE + 1,
        offset=(page - 1) * STAFF_PAGE,
        statuses=statuses,
        by_building=building_id is not None,
        by_category=category in CATEGORIES,
        urgent_only=urgent_only,
        search=search,
        **shape,
    )
    return reports[:STAFF_PAGE], len(reports) > STAFF_PAGE


def assignable_staff() -> list[Person]:
    """List the active maintenance and customer service staff a report can be assigned to."""
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


@prepared
def _timeline(report, *, for_staff):
    # Of the author, only the name the timeline shows.
    query = (
        DefectEvent.select(DefectEvent, Person.id, Person.first_name, Person.last_name)
        .join(Person, join_type=JOIN.LEFT_OUTER, on=(DefectEvent.author == Person.id))
        .where(DefectEvent.report == report)
        .order_by(DefectEvent.created_at, DefectEvent.id)
    )
    return query if for_staff else query.where(DefectEvent.visible_to_resident)


def timeline(report: DefectReport, *, for_staff: bool) -> list[DefectEvent]:
    """List a report's events oldest first with their authors' names; residents see only
    the events marked visible to them."""
    return _timeline(report=report.id, for_staff=for_staff)


@prepared
def _photos(report):
    return Attachment.select().where(Attachment.report == report).order_by(Attachment.id)


def photos_of(report: DefectReport) -> list[Attachment]:
    """List a report's photos in the order they were sent."""
    return _photos(report=report.id)


# The household's side: every lookup is limited to the reports of one lease.

# A page of the household's open reports, and of its closed ones.
HOUSEHOLD_PAGE = 20
# What a line of the household's list shows: a long list reads no descriptions or contact
# details.
LIST_COLUMNS = (
    DefectReport.id,
    DefectReport.reference,
    DefectReport.category,
    DefectReport.location,
    DefectReport.status,
    DefectReport.urgent,
    DefectReport.created_at,
)
NEWEST_FIRST = (DefectReport.created_at.desc(), DefectReport.id.desc())
# A line of the list: a named tuple, read faster than a model object.
ReportLine = namedtuple("ReportLine", [column.name for column in LIST_COLUMNS])


def _of_household(lease):
    """The condition for the reports of one household, ``lease`` a prepared query's slot:
    compared with "=", a missing lease (None) matches nothing, not a visitor's report."""
    return DefectReport.lease == lease


@prepared
def _household_report(report, lease):
    return DefectReport.select().where((DefectReport.id == report) & _of_household(lease))


def household_report(lease_id: int, report_id: int) -> DefectReport | None:
    """Return a report of the household with this lease, None for any other report."""
    rows = _household_report(report=report_id, lease=lease_id)
    return rows[0] if rows else None


def _open_or_closed(lease, open_only: bool):
    """The condition for the household's open reports, or for its closed ones."""
    statuses = DefectReport.OPEN_STATUSES
    if open_only:
        return _of_household(lease) & DefectReport.status.in_(statuses)
    return _of_household(lease) & DefectReport.status.not_in(statuses)


@prepared
def _household_list(lease, limit, offset, *, open_only):
    return (
        DefectReport.select(*LIST_COLUMNS)
        .where(_open_or_closed(lease, open_only))
        .order_by(*NEWEST_FIRST)
        .limit(limit)
        .offset(offset)
        .objects(ReportLine)
    )


def newest_open_reports(lease_id: int, count: int) -> list[ReportLine]:
    """The household's ``count`` newest open reports (the start page shows a few)."""
    return _household_list(lease=lease_id, limit=count, offset=0, open_only=True)


@prepared
def _household_count(lease, *, open_only):
    return (
        DefectReport.select(fn.COUNT(DefectReport.id))
        .where(_open_or_closed(lease, open_only))
        .tuples()
    )


@dataclass(frozen=True)
class ReportsPage:
    """A page of the household's list: its lines, its number and whether another page
    follows."""

    reports: list[ReportLine]
    number: int
    more: bool


def household_reports_page(lease_id: int, page: int, *, open_only: bool) -> ReportsPage:
    """Return a page of the household's open or closed reports, newest first; for a page
    past the last, the last page (a household of many years keeps a short page on a
    phone, and an old link still shows the reports nearest to it)."""
    reports = _household_list(
        lease=lease_id,
        limit=HOUSEHOLD_PAGE + 1,
        offset=(page - 1) * HOUSEHOLD_PAGE,
        open_only=open_only,
    )
    if not reports and page > 1:
        [(count,)] = _household_count(lease=lease_id, open_only=open_only)
        last = max(1, -(-count // HOUSEHOLD_PAGE))
        return household_reports_page(lease_id, min(page - 1, last), open_only=open_only)
    return ReportsPage(reports[:HOUSEHOLD_PAGE], page, len(reports) > HOUSEHOLD_PAGE)
