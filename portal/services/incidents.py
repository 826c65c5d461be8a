"""Incidents: scheduled and emergency works staff announce once for everyone they affect.

When the water is cut in a stairwell, thirty households would otherwise report the same
defect. Staff announce the incident for buildings or single stairwells; the residents there
see it on their pages and get an email in their own language; the defect forms say it is
already known; staff link the reports that came anyway, and resolving the incident closes
them and tells their reporters once each.

Moments are stored as naive UTC, like every moment the portal stores.
"""

import datetime
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from peewee import JOIN

from portal import clock, database
from portal.database import contains_pattern
from portal.i18n import lazy_gettext as _l
from portal.i18n import per_language
from portal.models import (
    Apartment,
    Building,
    DefectEvent,
    DefectReport,
    Incident,
    IncidentArea,
    Lease,
    Person,
    Residency,
    db,
    utcnow,
)
from portal.prepared import prepared
from portal.services import audit, defects, mail
from portal.services.staff import Scope, building_choices, served, shape_of

KIND_LABELS = {
    Incident.WATER: _l("Water"),
    Incident.HOT_WATER: _l("Hot water"),
    Incident.HEATING: _l("Heating"),
    Incident.ELECTRICITY: _l("Electricity"),
    Incident.LIFT: _l("Lift"),
    Incident.DOOR_LOCK: _l("Door or lock"),
    Incident.VENTILATION: _l("Ventilation"),
    Incident.OTHER: _l("Other"),
}
SCHEDULED_LABEL = _l("Scheduled work")
EMERGENCY_LABEL = _l("Emergency")

# Which incidents a defect of each category of the defect form may be part of: a resident
# whose tap gives no water reports "taps, pipes and water" during a water cut. "Something
# else" may be any of them, and so may a category missing here.
CATEGORY_KINDS = {
    "water_leak": (Incident.WATER, Incident.HOT_WATER),
    "drain": (Incident.WATER,),
    "plumbing": (Incident.WATER, Incident.HOT_WATER),
    "heating": (Incident.HEATING, Incident.HOT_WATER),
    "electrical": (Incident.ELECTRICITY,),
    "appliances": (Incident.ELECTRICITY,),
    "ventilation": (Incident.VENTILATION, Incident.ELECTRICITY),
    "windows_doors": (Incident.DOOR_LOCK,),
    "locks": (Incident.DOOR_LOCK,),
}

# A scheduled incident shows this long before it starts; an emergency from its announcement.
SHOWN_BEFORE = datetime.timedelta(days=3)
# Residents are emailed again when the expected end moves by more than this.
END_MOVED_NOTICE = datetime.timedelta(hours=1)
# The staff list: incidents still open, and those resolved or ended this recently.
RECENT = datetime.timedelta(days=30)
STAFF_LIST_LIMIT = 100
LOOKUP_LIMIT = 50

_STAIRWELL = re.compile(r"\s*([^\W\d_]+)")
STAIRWELL_LENGTH = IncidentArea.stairwell.max_length


@per_language
def kind_labels() -> dict[str, str]:
    """The kinds' labels in this request's language, translated once per language."""
    return {key: str(label) for key, label in KIND_LABELS.items()}


def stairwell_of(apartment_number: str) -> str:
    """The stairwell of an apartment: the letters its number starts with ("A 12" → "A");
    empty for a number without them."""
    match = _STAIRWELL.match(apartment_number or "")
    # As long as the column that keeps it: a longer run of letters is no stairwell's name.
    return match.group(1).upper()[:STAIRWELL_LENGTH] if match else ""


def _naive_utc(moment: datetime.datetime) -> datetime.datetime:
    """A moment as the database stores it: naive UTC (a naive moment is taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
    return moment


def shown_from(emergency: bool, starts_at: datetime.datetime, announced_at: datetime.datetime):
    """When residents start to see an incident: an emergency at once, scheduled work three
    days before it starts (or at once, when announced later than that)."""
    return announced_at if emergency else starts_at - SHOWN_BEFORE


# What a home sees


@prepared
def _visible(building, stairwell, now, *, whole):
    query = (
        Incident.select()
        .join(IncidentArea)
        .where(
            (IncidentArea.building == building)
            & (IncidentArea.shown_until > now)
            & (IncidentArea.shown_from <= now)
        )
        .order_by(Incident.starts_at, Incident.id)
    )
    if not whole:
        query = query.where((IncidentArea.stairwell == "") | (IncidentArea.stairwell == stairwell))
    return query


def visible_for(building_id: int, stairwell: str | None, now: datetime.datetime) -> list[Incident]:
    """The incidents a home in the building and stairwell sees at ``now``, soonest first: in
    force (started, not ended, not resolved), scheduled to start within three days, or an
    emergency since its announcement. ``stairwell`` None: those of every stairwell (a visitor
    who has not said where they live). One query, from the index of the building's areas."""
    rows = _visible(
        building=building_id,
        stairwell=(stairwell or "").upper(),
        now=_naive_utc(now),
        whole=stairwell is None,
    )
    # One incident may cover two stairwells of the building: list it once.
    return list(OrderedDict((incident.id, incident) for incident in rows).values())


# The banner of every resident page, and the start page's list. What is shown now (a
# handful of rows) is read in one query and kept per database; each page picks its
# building's from it, so a page pays no query. A change made here is seen at once; another
# server's within BANNER_KEEP_SECONDS.
BANNER_KEEP_SECONDS = 30
_BANNER_KEEP = datetime.timedelta(seconds=BANNER_KEEP_SECONDS)


@dataclass(frozen=True, slots=True)
class Shown:
    """An incident as the banner names it, in one area it is shown in."""

    incident_id: int
    building_id: int
    stairwell: str
    shown_from: datetime.datetime
    shown_until: datetime.datetime
    kind: str
    emergency: bool
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    text_fi: str
    text_sv: str
    text_en: str

    # The start page tells it as the incident itself would.
    text = Incident.text


@prepared
def _shown_between(now, until):
    return (
        IncidentArea.select(
            Incident.id,
            IncidentArea.building,
            IncidentArea.stairwell,
            IncidentArea.shown_from,
            IncidentArea.shown_until,
            Incident.kind,
            Incident.emergency,
            Incident.starts_at,
            Incident.ends_at,
            Incident.text_fi,
            Incident.text_sv,
            Incident.text_en,
        )
        .join(Incident)
        .where((IncidentArea.shown_until > now) & (IncidentArea.shown_from <= until))
        .order_by(Incident.starts_at, Incident.id)
        .tuples()
    )


# Per database: (when read, by the process's clock and by the portal's, and the rows by
# building). The portal's moment matters too: a test sets the clock back and forth.
_banner_kept: dict[str, tuple[float, datetime.datetime, dict[int, tuple[Shown, ...]]]] = {}
_banner_lock = threading.Lock()


def _shown_by_building(now: datetime.datetime) -> dict[int, tuple[Shown, ...]]:
    key = database.key()
    started = time.monotonic()
    kept = _banner_kept.get(key)
    if (
        kept is not None
        and 0 <= started - kept[0] < BANNER_KEEP_SECONDS
        and kept[1] <= now <= kept[1] + _BANNER_KEEP
    ):
        return kept[2]
    by_building: dict[int, list[Shown]] = {}
    # Also what starts to show while the rows are kept.
    for row in _shown_between(now=now, until=now + _BANNER_KEEP):
        shown = Shown(*row)
        by_building.setdefault(shown.building_id, []).append(shown)
    rows = {building: tuple(found) for building, found in by_building.items()}
    with _banner_lock:
        _banner_kept[key] = (started, now, rows)
    return rows


def forget_shown() -> None:
    """Read what is shown again at the next page (after a change made here)."""
    with _banner_lock:
        _banner_kept.pop(database.key(), None)


def shown_to_home(building_id: int, stairwell: str, now: datetime.datetime) -> tuple[Shown, ...]:
    """The incidents a home in the building and stairwell sees at ``now`` (as
    ``visible_for``), soonest first, for the banner and the start page: from the rows kept
    for every page."""
    now = _naive_utc(now)
    seen = set()
    found = []
    for shown in _shown_by_building(now).get(building_id, ()):
        if (
            shown.shown_from <= now < shown.shown_until
            and shown.stairwell in ("", stairwell)
            and shown.incident_id not in seen
        ):
            seen.add(shown.incident_id)
            found.append(shown)
    return tuple(found)


def known_for_category(incidents: list[Incident], category: str | None) -> list[Incident]:
    """Of a home's incidents, those a defect of the category may be part of (every one
    until a category is chosen)."""
    kinds = CATEGORY_KINDS.get(category or "")
    if kinds is None:
        return incidents
    return [incident for incident in incidents if incident.kind in kinds]


@dataclass(frozen=True)
class Found:
    """An incident found by address on the public page: the building's address only."""

    street_address: str
    postal_code: str
    city: str
    incident: Incident


@prepared
def _lookup(pattern, now, limit):
    return (
        IncidentArea.select(IncidentArea, Building, Incident)
        .join(Building)
        .switch(IncidentArea)
        .join(Incident)
        .where(
            (Building.street_address**pattern)
            & (IncidentArea.shown_until > now)
            & (IncidentArea.shown_from <= now)
        )
        .order_by(Building.street_address, Incident.starts_at, Incident.id)
        .limit(limit)
    )


def lookup(address: str, now: datetime.datetime) -> list[Found]:
    """The incidents residents see at ``now`` in the buildings whose street address
    contains the words typed: addresses and what the incident is, nobody's personal data."""
    words = " ".join(address.split())
    if not words:
        return []
    found: OrderedDict = OrderedDict()
    for area in _lookup(pattern=contains_pattern(words), now=_naive_utc(now), limit=LOOKUP_LIMIT):
        key = (area.building.id, area.incident.id)
        if key not in found:
            building = area.building
            found[key] = Found(
                building.street_address, building.postal_code, building.city, area.incident
            )
    return list(found.values())


# Who is told


def _current_residents(areas: list[tuple[int, str]], today: datetime.date) -> list[Person]:
    """The people with an account who live in the areas today and want email, each once."""
    buildings = {building for building, _stairwell in areas}
    wanted = {(building, stairwell) for building, stairwell in areas}
    rows = (
        Person.select(Person, Apartment.building, Apartment.number)
        .join(Residency)
        .join(Lease)
        .join(Apartment)
        .where(
            Person.is_active
            & Person.notify_by_email
            & Apartment.building.in_(list(buildings))
            & (Lease.start_date <= today)
            & (Lease.end_date.is_null() | (Lease.end_date >= today))
            & (Residency.moved_in <= today)
            & (Residency.moved_out.is_null() | (Residency.moved_out >= today))
        )
        .order_by(Person.id)
        .objects()
    )
    people: OrderedDict = OrderedDict()
    for row in rows:
        stairwell = stairwell_of(row.number)
        if (row.building, "") in wanted or (row.building, stairwell) in wanted:
            people.setdefault(row.id, row)
    return list(people.values())


def areas_of(incident: Incident) -> list[tuple[int, str]]:
    """The (building id, stairwell) pairs an incident covers."""
    return [
        (area.building_id, area.stairwell)
        for area in IncidentArea.select(IncidentArea.building, IncidentArea.stairwell).where(
            IncidentArea.incident == incident.id
        )
    ]


def _addresses(incident: Incident) -> list[str]:
    """The incident's buildings and stairwells as residents read them ("Sturenkatu 21 A")."""
    return [
        f"{area.building.street_address} {area.stairwell}".strip()
        for area in IncidentArea.select(IncidentArea, Building)
        .join(Building)
        .where(IncidentArea.incident == incident.id)
        .order_by(Building.street_address, IncidentArea.stairwell)
    ]


def _tell_residents(
    incident: Incident, template: str, public_url: str, told: set[str] = frozenset(), **context
) -> int:
    """Queue one email to each resident of the incident's areas, in their own language, but
    for those already told (addresses in lower case). Return how many residents were told,
    those included."""
    residents = _current_residents(areas_of(incident), clock.today())
    people = [person for person in residents if person.email.lower() not in told]
    addresses = ", ".join(_addresses(incident))
    for person in people:
        text, only_finnish = incident.text(person.language)
        mail.queue(
            person.email,
            template,
            person.language,
            incident=incident,
            kind=KIND_LABELS[incident.kind],
            text=text,
            only_finnish=only_finnish,
            addresses=addresses,
            link=f"{public_url}/",
            **context,
        )
    return len(residents)


# The back office


TEXTS = ("text_fi", "text_sv", "text_en")


def area_choices(person: Person) -> list[tuple[str, str]]:
    """What a staff member may announce an incident for: each building they serve (value
    its id), and each stairwell of a building with more than one ("<id>:<letters>")."""
    buildings = building_choices(person)
    stairwells: dict[int, set[str]] = {}
    for building, number in (
        Apartment.select(Apartment.building, Apartment.number)
        .where(served(person, Apartment.building))
        .tuples()
    ):
        if letters := stairwell_of(number):
            stairwells.setdefault(building, set()).add(letters)
    choices = []
    for building, street in buildings:
        choices.append((str(building), street))
        letters = sorted(stairwells.get(building, ()))
        if len(letters) > 1:
            choices += [(f"{building}:{letter}", f"{street} {letter}") for letter in letters]
    return choices


def read_areas(values: list[str]) -> list[tuple[int, str]]:
    """The (building id, stairwell) pairs of the form's chosen values; a whole building
    chosen makes its stairwells chosen too, so they are not kept separately."""
    pairs = []
    for value in values:
        building, _sep, stairwell = value.partition(":")
        pairs.append((int(building), stairwell))
    whole = {building for building, stairwell in pairs if not stairwell}
    return sorted({(b, s) for b, s in pairs if not s or b not in whole})


def seen_by_staff(person: Person):
    """Select the incidents with a building the staff member serves."""
    ours = IncidentArea.select(IncidentArea.incident).where(served(person, IncidentArea.building))
    return Incident.select().where(Incident.id.in_(ours))


def staff_incident(person: Person, incident_id: int) -> Incident | None:
    """Return an incident the staff member may see and change: every building it covers is
    one they serve (an As Oy team member cannot change the main team's). None otherwise."""
    incident = seen_by_staff(person).where(Incident.id == incident_id).first()
    if incident is None:
        return None
    elsewhere = IncidentArea.select().where(
        (IncidentArea.incident == incident.id) & ~served(person, IncidentArea.building)
    )
    return None if elsewhere.exists() else incident


@dataclass(frozen=True)
class StaffIncidents:
    incidents: list
    addresses: dict[int, list[str]]
    # Those that also cover buildings another team serves: shown, not theirs to change.
    shared: frozenset[int] = frozenset()


def incidents_for_staff(person: Person, now: datetime.datetime) -> StaffIncidents:
    """The incidents still open and those ended lately, newest start first, with the
    addresses of the buildings the staff member serves and which of them also cover
    another team's buildings: three queries."""
    since = _naive_utc(now) - RECENT
    incidents = list(
        seen_by_staff(person)
        .where(Incident.resolved_at.is_null() | (Incident.resolved_at >= since))
        .where(Incident.ends_at >= since)
        .order_by(Incident.starts_at.desc(), Incident.id.desc())
        .limit(STAFF_LIST_LIMIT)
    )
    ids = [incident.id for incident in incidents]
    shared = IncidentArea.select(IncidentArea.incident).where(
        IncidentArea.incident.in_(ids) & ~served(person, IncidentArea.building)
    )
    return StaffIncidents(
        incidents,
        _staff_addresses(person, ids),
        frozenset(row.incident_id for row in shared) if ids else frozenset(),
    )


def areas_text(person: Person, incident: Incident) -> list[str]:
    """The addresses of an incident's buildings and stairwells the staff member serves."""
    return _staff_addresses(person, [incident.id]).get(incident.id, [])


def _staff_addresses(person: Person, incident_ids: list[int]) -> dict[int, list[str]]:
    addresses: dict[int, list[str]] = {}
    if not incident_ids:
        return addresses
    for area in (
        IncidentArea.select(IncidentArea, Building)
        .join(Building)
        .where(IncidentArea.incident.in_(incident_ids) & served(person, IncidentArea.building))
        .order_by(Building.street_address, IncidentArea.stairwell)
    ):
        label = f"{area.building.street_address} {area.stairwell}".strip()
        addresses.setdefault(area.incident_id, []).append(label)
    return addresses


@prepared
def _linkable(team, limit, *, role, has_team):
    who = Scope.prepared(team, role, has_team)
    return (
        IncidentArea.select(
            Incident.id, Incident.kind, Building.street_address, IncidentArea.stairwell
        )
        .join(Building)
        .switch(IncidentArea)
        .join(Incident)
        .where(Incident.resolved_at.is_null() & served(who, IncidentArea.building))
        .order_by(Incident.starts_at.desc(), Incident.id.desc(), Building.street_address)
        .limit(limit)
        .tuples()
    )


def linkable_incidents(person: Person) -> list[tuple[int, str]]:
    """The open incidents a staff member may link reports to, as (id, label) choices: the
    kind's label and the addresses, in one query (every page of the defect queue runs it,
    so its SQL is built once)."""
    labels = kind_labels()
    choices: OrderedDict = OrderedDict()
    rows = _linkable(team=person.staff_team_id, limit=STAFF_LIST_LIMIT, **shape_of(person))
    for incident_id, kind, street_address, stairwell in rows:
        address = f"{street_address} {stairwell}".strip()
        if incident_id in choices:
            choices[incident_id] += f", {address}"
        else:
            choices[incident_id] = f"{labels[kind]}: {address}"
    return list(choices.items())


def linked_reports(person: Person, incident: Incident) -> list:
    """The reports linked to an incident from the buildings the staff member serves."""
    return list(
        DefectReport.select(
            DefectReport.id,
            DefectReport.reference,
            DefectReport.category,
            DefectReport.status,
            Building.street_address,
        )
        .join(Building)
        .where((DefectReport.incident == incident.id) & served(person, DefectReport.building))
        .order_by(DefectReport.created_at, DefectReport.id)
    )


def announce(
    person: Person,
    *,
    kind: str,
    emergency: bool,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    texts: dict[str, str | None],
    areas: list[tuple[int, str]],
    public_url: str,
) -> tuple[Incident, int]:
    """Store an incident for the areas (from ``read_areas``, within those the form offered),
    with its audit entry and an email to each resident there; return it and how many were
    emailed. All of it in one transaction."""
    now = utcnow()
    starts_at, ends_at = _naive_utc(starts_at), _naive_utc(ends_at)
    with db.atomic():
        incident = Incident.create(
            kind=kind,
            emergency=emergency,
            starts_at=starts_at,
            ends_at=ends_at,
            created_at=now,
            updated_at=now,
            **{name: (texts.get(name) or "").strip() for name in TEXTS},
        )
        first = shown_from(emergency, starts_at, now)
        for building, stairwell in areas:
            IncidentArea.create(
                incident=incident,
                building=building,
                stairwell=stairwell,
                shown_from=first,
                shown_until=ends_at,
            )
        audit.record("incident_announced", actor=person, detail=_detail(incident, areas))
        sent = _tell_residents(incident, "incident_announced", public_url)
    forget_shown()
    return incident, sent


def _detail(incident: Incident, areas=None) -> str:
    where = ""
    if areas:
        where = " " + ",".join(f"{b}{':' + s if s else ''}" for b, s in areas)
    return (
        f"{incident.id} {incident.kind} {incident.starts_at:%Y-%m-%d %H:%M}"
        f"–{incident.ends_at:%Y-%m-%d %H:%M} UTC{where}"
    )


class IncidentClosed(Exception):
    """The incident was resolved already: it cannot be changed any more."""


def update(
    person: Person,
    incident: Incident,
    *,
    ends_at: datetime.datetime,
    texts: dict[str, str | None],
    public_url: str,
) -> int:
    """Give an open incident a new expected end and text, audited; when the end moves by
    more than an hour, email the residents again. Return how many were emailed."""
    if incident.resolved_at is not None:
        raise IncidentClosed
    ends_at = _naive_utc(ends_at)
    with db.atomic():
        before = incident.ends_at
        incident.ends_at = ends_at
        for name in TEXTS:
            setattr(incident, name, (texts.get(name) or "").strip())
        incident.updated_at = utcnow()
        # Only while it is open: one resolved in the meantime stays as it was resolved.
        changed = (
            Incident.update(
                ends_at=ends_at,
                updated_at=incident.updated_at,
                **{name: getattr(incident, name) for name in TEXTS},
            )
            .where((Incident.id == incident.id) & Incident.resolved_at.is_null())
            .execute()
        )
        if not changed:
            raise IncidentClosed
        IncidentArea.update(shown_until=ends_at).where(
            IncidentArea.incident == incident.id
        ).execute()
        audit.record("incident_updated", actor=person, detail=_detail(incident))
        sent = 0
        if abs(ends_at - before) > END_MOVED_NOTICE:
            sent = _tell_residents(incident, "incident_changed", public_url, previous_end=before)
    forget_shown()
    return sent


def resolve(person: Person, incident: Incident, *, public_url: str) -> tuple[int, int]:
    """Mark an incident resolved: residents stop seeing it and are emailed; its open reports
    are done, each with a line in its timeline, and each reporter is emailed once for all
    of theirs. Return (residents emailed, reports closed)."""
    if incident.resolved_at is not None:
        raise IncidentClosed
    now = utcnow()
    with db.atomic():
        # Claimed by a conditional update: of two staff resolving at once, only one tells
        # the residents.
        claimed = (
            Incident.update(resolved_at=now, updated_at=now)
            .where((Incident.id == incident.id) & Incident.resolved_at.is_null())
            .execute()
        )
        if not claimed:
            raise IncidentClosed
        incident.resolved_at = incident.updated_at = now
        IncidentArea.update(shown_until=now).where(
            (IncidentArea.incident == incident.id) & (IncidentArea.shown_until > now)
        ).execute()
        audit.record("incident_resolved", actor=person, detail=str(incident.id))
        closed, told = _close_reports(person, incident, public_url, now)
        # A reporter who lives there too has just been told, in the email listing their
        # reports: one email each.
        sent = _tell_residents(incident, "incident_resolved", public_url, told=told)
    forget_shown()
    return sent, closed


def _close_reports(person, incident, public_url, now) -> tuple[int, set[str]]:
    """Mark the incident's open reports done and tell each reporter once, listing theirs.
    Return how many were closed and the addresses told (in lower case)."""
    reporter = Person.alias()
    reports = list(
        DefectReport.select(DefectReport, reporter)
        .join(reporter, on=(DefectReport.reporter == reporter.id), join_type=JOIN.LEFT_OUTER)
        .where((DefectReport.incident == incident.id) & DefectReport.open_queue())
        .order_by(DefectReport.id)
    )
    if not reports:
        return 0, set()
    # All of them in one statement each, however many households reported the water cut.
    ids = [report.id for report in reports]
    DefectReport.update(status=DefectReport.DONE, updated_at=now).where(
        DefectReport.id.in_(ids)
    ).execute()
    DefectEvent.insert_many(
        [
            {
                "report": report_id,
                "author": person.id,
                "status": DefectReport.DONE,
                "created_at": now,
            }
            for report_id in ids
        ]
    ).execute()
    by_reporter: OrderedDict = OrderedDict()
    for report in reports:
        email, language, link = defects.reporter_contact(report, public_url)
        if email:
            entry = by_reporter.setdefault(email.lower(), (email, language, []))
            entry[2].append((report.reference, link))
    for email, language, lines in by_reporter.values():
        text, only_finnish = incident.text(language)
        mail.queue(
            email,
            "incident_reports_done",
            language,
            incident=incident,
            kind=KIND_LABELS[incident.kind],
            text=text,
            only_finnish=only_finnish,
            reports=lines,
        )
    return len(reports), set(by_reporter)


class LinkRefused(Exception):
    """Some chosen report may not be linked: another team's, closed, or no such report."""


def link_reports(person: Person, incident: Incident, report_ids: list[int]) -> int:
    """Link open reports of the buildings the staff member serves to an open incident, all
    or none, audited. Raise LinkRefused when any chosen report is not such a report."""
    if incident.resolved_at is not None:
        raise IncidentClosed
    wanted = set(report_ids)
    if not wanted:
        raise LinkRefused
    with db.atomic():
        allowed = {
            row.id
            for row in DefectReport.select(DefectReport.id).where(
                DefectReport.id.in_(list(wanted))
                & served(person, DefectReport.building)
                & DefectReport.open_queue()
            )
        }
        if allowed != wanted:
            raise LinkRefused
        DefectReport.update(incident=incident.id, updated_at=utcnow()).where(
            DefectReport.id.in_(list(wanted))
        ).execute()
        audit.record(
            "incident_reports_linked",
            actor=person,
            detail=f"{incident.id}: " + ",".join(str(i) for i in sorted(wanted)),
        )
    return len(wanted)
