"""Resident notices: published by staff to everyone or to chosen buildings, shown in the
reader's language (Finnish when staff wrote none), marked unread until opened."""

import datetime
from dataclasses import dataclass

from flask import current_app

from portal.models import (
    Building,
    Notice,
    NoticeBuilding,
    Person,
    Residency,
    db,
    utcnow,
)
from portal.prepared import prepared
from portal.services import audit, mail, read_marks
from portal.services.staff import served

SUBJECT = "notice"


@dataclass(frozen=True)
class Listed:
    notice: Notice
    unread: bool


def current_for_building(building_id: int, today: datetime.date):
    """Select the notices a resident of the building sees today, newest first."""
    targeted = NoticeBuilding.select(NoticeBuilding.notice).where(
        NoticeBuilding.building == building_id
    )
    return (
        Notice.select()
        .where(
            (Notice.everyone | Notice.id.in_(targeted))
            & (Notice.publish_on <= today)
            & (Notice.expires_on.is_null() | (Notice.expires_on >= today))
        )
        .order_by(Notice.publish_on.desc(), Notice.id.desc())
    )


def current_notice(building_id: int, notice_id: int, today: datetime.date) -> Notice | None:
    """Return a notice a resident of the building sees today, None for any other notice."""
    return current_for_building(building_id, today).where(Notice.id == notice_id).first()


@prepared
def _for_resident(building, person, today, limit, *, limited):
    query = read_marks.with_seen_at(current_for_building(building, today), Notice, SUBJECT, person)
    return query.limit(limit) if limited else query


def for_resident(building_id: int, person: Person, today: datetime.date, limit=None):
    """The current notices with unread marks, in one query."""
    rows = _for_resident(
        building=building_id, person=person.id, today=today, limit=limit, limited=bool(limit)
    )
    return [Listed(row, row.seen_at is None) for row in rows]


def mark_read(person: Person, notice: Notice) -> None:
    read_marks.mark(person, SUBJECT, notice.id)


def recipients(notice: Notice, today: datetime.date):
    """Residents with an account who live in a target building today and want email."""
    from portal.models import Apartment, Lease

    query = (
        Person.select(Person)
        .join(Residency)
        .join(Lease)
        .join(Apartment)
        .where(
            Person.is_active
            & Person.notify_by_email
            & (Lease.start_date <= today)
            & (Lease.end_date.is_null() | (Lease.end_date >= today))
            & (Residency.moved_in <= today)
            & (Residency.moved_out.is_null() | (Residency.moved_out >= today))
        )
        .distinct()
    )
    if not notice.everyone:
        query = query.where(
            Apartment.building.in_(
                NoticeBuilding.select(NoticeBuilding.building).where(
                    NoticeBuilding.notice == notice.id
                )
            )
        )
    return query


def send_due(today: datetime.date) -> int:
    """Email the notices that asked for it and are published by today; each only once."""
    public_url = current_app.config["PUBLIC_URL"].rstrip("/")
    sent = 0
    due = Notice.select().where(
        Notice.send_email
        & Notice.emailed_at.is_null()
        & (Notice.publish_on <= today)
        & (Notice.expires_on.is_null() | (Notice.expires_on >= today))
    )
    for notice in due:
        with db.atomic():
            claimed = (
                Notice.update(emailed_at=utcnow())
                .where((Notice.id == notice.id) & Notice.emailed_at.is_null())
                .execute()
            )
            if not claimed:
                continue
            for person in recipients(notice, today):
                title, body = notice.text(person.language)
                mail.queue(
                    person.email,
                    "notice",
                    person.language,
                    title=title,
                    body=body,
                    link=f"{public_url}/notices/{notice.id}",
                )
                sent += 1
    return sent


# The back office


# The texts of a notice in each language, as staff write them.
TEXTS = ("title_fi", "body_fi", "title_sv", "body_sv", "title_en", "body_en")
STAFF_LIST_LIMIT = 100


@dataclass(frozen=True)
class StaffNotices:
    """The notices a staff member sees, the buildings of theirs each is addressed to, and the
    ids of those they may stop."""

    notices: list
    targets: dict[int, list[str]]
    stoppable: set[int]


def reaches_everyone(person: Person) -> bool:
    """Whether a staff member may write to every resident: the As Oy team serves only its
    own buildings, so it cannot."""
    return person.staff_role != Person.ASOY_CUSTOMER_SERVICE


def seen_by_staff(person: Person):
    """Select the notices to everyone, and those to a building the staff member serves."""
    targeted = NoticeBuilding.select(NoticeBuilding.notice).where(
        served(person, NoticeBuilding.building)
    )
    return Notice.select().where(Notice.everyone | Notice.id.in_(targeted))


def notices_for_staff(person: Person) -> StaffNotices:
    """Return the newest notices a staff member sees with their buildings, in two queries."""
    notices = list(
        seen_by_staff(person)
        .order_by(Notice.publish_on.desc(), Notice.id.desc())
        .limit(STAFF_LIST_LIMIT)
    )
    # A notice may reach buildings of other teams too: those are not named, and the notice
    # is not this staff member's to stop.
    targets: dict[int, list[str]] = {}
    shared = set()
    for row in (
        NoticeBuilding.select(NoticeBuilding, Building, served(person, Building.id).alias("ours"))
        .join(Building)
        .where(NoticeBuilding.notice.in_([n.id for n in notices]))
    ):
        if row.ours:
            targets.setdefault(row.notice_id, []).append(row.building.street_address)
        else:
            shared.add(row.notice_id)
    everyone_too = reaches_everyone(person)
    return StaffNotices(
        notices=notices,
        targets=targets,
        stoppable={
            n.id for n in notices if n.id not in shared and (everyone_too or not n.everyone)
        },
    )


def publish(
    person: Person,
    texts: dict[str, str | None],
    *,
    everyone: bool,
    buildings: list[str],
    publish_on: datetime.date,
    expires_on: datetime.date | None,
    send_email: bool,
) -> Notice:
    """Store a notice, to everyone or to the ``buildings`` (ids), with its audit entry.

    ``texts`` holds the titles and bodies by the names in ``TEXTS``; the buildings are those
    the staff member's form offered, from ``staff.served_buildings``.
    """
    with db.atomic():
        notice = Notice.create(
            **{name: (texts.get(name) or "").strip() for name in TEXTS},
            everyone=everyone,
            publish_on=publish_on,
            expires_on=expires_on,
            send_email=send_email,
            created_by=person,
        )
        if not notice.everyone:
            for building_id in buildings:
                NoticeBuilding.create(notice=notice, building=int(building_id))
        audit.record("notice_published", actor=person, detail=str(notice.id))
    return notice


def stoppable_notice(person: Person, notice_id: int) -> Notice | None:
    """Return a notice the staff member may stop, or None: it must be one they see, not to
    everyone unless they may write to everyone, and to no building of another team."""
    notice = seen_by_staff(person).where(Notice.id == notice_id).first()
    if notice is None or (notice.everyone and not reaches_everyone(person)):
        return None
    elsewhere = NoticeBuilding.select().where(
        (NoticeBuilding.notice == notice.id) & ~served(person, NoticeBuilding.building)
    )
    if elsewhere.exists():
        return None
    return notice


def stop(notice: Notice, today: datetime.date) -> None:
    """Stop showing a notice from ``today`` on."""
    notice.expires_on = today - datetime.timedelta(days=1)
    notice.save(only=[Notice.expires_on])
