"""Resident notices: published by staff to everyone or to chosen buildings, shown in the
reader's language (Finnish when staff wrote none), marked unread until opened."""

import datetime
from dataclasses import dataclass

from flask import current_app

from portal.models import (
    Notice,
    NoticeBuilding,
    Person,
    Residency,
    db,
    utcnow,
)
from portal.services import mail, read_marks

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


def for_resident(building_id: int, person: Person, today: datetime.date, limit=None):
    """The current notices with unread marks, in one query."""
    query = read_marks.with_seen_at(
        current_for_building(building_id, today), Notice, SUBJECT, person
    )
    if limit:
        query = query.limit(limit)
    return [Listed(row, row.seen_at is None) for row in query]


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
