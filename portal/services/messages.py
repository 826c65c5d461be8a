"""Customer service messages: a household's threads with its service team.

A thread belongs to the household's lease and goes to the team of the building (the As Oy
team for As Oy apartments). Replies email the other side in their own language.
"""

from collections import namedtuple
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from peewee import JOIN

from portal.i18n import lazy_gettext as _l
from portal.i18n import per_language
from portal.models import (
    Apartment,
    Building,
    Lease,
    Message,
    MessageAttachment,
    MessageThread,
    Person,
    Residency,
    db,
    utcnow,
)
from portal.prepared import prepared
from portal.services import audit, files, mail, read_marks
from portal.services.staff import Scope, message_threads, shape_of

SUBJECT = "thread"
MAX_ATTACHMENTS = 3
MAX_BODY = 5000

TOPICS = {
    MessageThread.RENT_PAYMENT: _l("Rent payment"),
    MessageThread.TENANT_DEMOCRACY: _l("Tenant democracy"),
    MessageThread.OTHER: _l("Other matters"),
}


@dataclass(frozen=True)
class Listed:
    thread: MessageThread
    unread: bool


def _public_url() -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/")


def mark_read(person: Person, thread: MessageThread) -> None:
    read_marks.mark(person, SUBJECT, thread.id)


def household_thread(lease_id: int, thread_id: int) -> MessageThread | None:
    """Return one of the household's threads, None for any other thread."""
    return MessageThread.get_or_none(
        (MessageThread.id == thread_id) & (MessageThread.lease == lease_id)
    )


def household_threads(lease_id: int, person: Person, limit: int | None = None) -> list[Listed]:
    """The household's threads, latest activity first, unread when the team wrote since the
    person last opened the thread."""
    query = read_marks.with_seen_at(
        MessageThread.select()
        .where(MessageThread.lease == lease_id)
        .order_by(MessageThread.updated_at.desc(), MessageThread.id.desc()),
        MessageThread,
        SUBJECT,
        person,
    )
    if limit:
        query = query.limit(limit)
    return [
        Listed(
            row,
            row.last_staff_at is not None
            and (row.seen_at is None or row.seen_at < row.last_staff_at),
        )
        for row in query
    ]


def messages_of(thread: MessageThread) -> list[Message]:
    """The thread's messages with their authors and files, in two queries."""
    messages = list(
        Message.select(Message, Person)
        .join(Person, JOIN.LEFT_OUTER)
        .where(Message.thread == thread.id)
        .order_by(Message.created_at, Message.id)
    )
    attachments: dict[int, list[MessageAttachment]] = {}
    for item in MessageAttachment.select().where(
        MessageAttachment.message.in_([m.id for m in messages])
    ):
        attachments.setdefault(item.message_id, []).append(item)
    for message in messages:
        message.files = attachments.get(message.id, [])
    return messages


# The back office: every query starts from the threads the staff member answers.

STAFF_PAGE = 50


def staff_thread(person: Person, thread_id: int) -> MessageThread | None:
    """Return a thread of a building the staff member serves that is routed to their team
    (see ``services.staff``), None for any other."""
    return message_threads(person).where(MessageThread.id == thread_id).first()


# A line of the staff queue: what it shows, with the household's address.
ThreadLine = namedtuple(
    "ThreadLine", "id subject topic last_resident_at street_address apartment_number"
)


@prepared
def _threads_page(team, topic, limit, offset, *, role, has_team, waiting_only, by_topic):
    query = message_threads(Scope.prepared(team, role, has_team))
    if by_topic:
        query = query.where(MessageThread.topic == topic)
    if waiting_only:
        query = query.where(
            MessageThread.last_staff_at.is_null()
            | (MessageThread.last_resident_at > MessageThread.last_staff_at)
        )
        order = (MessageThread.last_resident_at, MessageThread.id)
    else:
        order = (MessageThread.updated_at.desc(), MessageThread.id.desc())
    return (
        # Only what a line shows: a page of fifty reads no lease or building details.
        query.select(
            MessageThread.id,
            MessageThread.subject,
            MessageThread.topic,
            MessageThread.last_resident_at,
            Building.street_address.alias("street_address"),
            Apartment.number.alias("apartment_number"),
        )
        .join(Lease)
        .join(Apartment)
        .join(Building)
        .order_by(*order)
        .limit(limit)
        .offset(offset)
        .objects(ThreadLine)
    )


def threads_page(
    person: Person, *, waiting_only: bool, topic: str, page: int
) -> tuple[list[ThreadLine], bool]:
    """Return one page of a staff member's threads with each household's home, and whether
    another page follows: those waiting for an answer, the longest waiting first, or every
    thread, the latest activity first. An unknown topic is no filter. The queue is opened
    all day, so its SQL is built once for each of its few shapes."""
    rows = _threads_page(
        team=person.staff_team_id,
        topic=topic if topic in TOPICS else "",
        limit=STAFF_PAGE + 1,
        offset=(page - 1) * STAFF_PAGE,
        waiting_only=waiting_only,
        by_topic=topic in TOPICS,
        **shape_of(person),
    )
    return rows[:STAFF_PAGE], len(rows) > STAFF_PAGE


@per_language
def topic_labels() -> dict[str, str]:
    """The topics' names in the request's language (a list names one on every line)."""
    return {key: str(label) for key, label in TOPICS.items()}


def home_of(thread: MessageThread) -> Apartment:
    """Return the household's apartment with its building."""
    return (
        Apartment.select(Apartment, Building)
        .join(Building)
        .join_from(Apartment, Lease)
        .where(Lease.id == thread.lease_id)
        .get()
    )


def _attach(message: Message, stored: list[dict]) -> None:
    for item in stored:
        MessageAttachment.create(message=message, **item)


def start(
    lease: Lease,
    person: Person,
    *,
    topic: str,
    subject: str,
    body: str,
    uploads: list[files.Upload],
    upload_dir: Path,
) -> MessageThread:
    """Start a thread with the household's service team."""
    if len(uploads) > MAX_ATTACHMENTS:
        raise files.AttachmentError(files.AttachmentError.TOO_MANY)
    stored = files.store(uploads, upload_dir)
    try:
        with db.atomic():
            building = lease.apartment.building
            now = utcnow()
            thread = MessageThread.create(
                lease=lease,
                building=building,
                team=building.team_id,
                topic=topic,
                subject=subject,
                started_by=person,
                created_at=now,
                last_resident_at=now,
                updated_at=now,
            )
            message = Message.create(thread=thread, author=person, body=body, created_at=now)
            _attach(message, stored)
            read_marks.mark(person, SUBJECT, thread.id)
            return thread
    except Exception:
        files.remove(upload_dir, stored)
        raise


def reply(
    thread: MessageThread,
    person: Person,
    *,
    body: str,
    from_staff: bool,
    uploads: list[files.Upload],
    upload_dir: Path,
) -> Message:
    """Add a message; a staff reply emails the household's lease parties and the person who
    started the thread (each in their language, if they want email)."""
    if len(uploads) > MAX_ATTACHMENTS:
        raise files.AttachmentError(files.AttachmentError.TOO_MANY)
    stored = files.store(uploads, upload_dir)
    try:
        with db.atomic():
            now = utcnow()
            message = Message.create(
                thread=thread, author=person, from_staff=from_staff, body=body, created_at=now
            )
            _attach(message, stored)
            field = MessageThread.last_staff_at if from_staff else MessageThread.last_resident_at
            MessageThread.update({field: now, MessageThread.updated_at: now}).where(
                MessageThread.id == thread.id
            ).execute()
            read_marks.mark(person, SUBJECT, thread.id)
            if from_staff:
                audit.record("message_reply", actor=person, detail=f"thread {thread.id}")
                for recipient in _household_recipients(thread):
                    mail.queue(
                        recipient.email,
                        "message_reply",
                        recipient.language,
                        thread=thread,
                        topic=TOPICS[thread.topic],
                        link=f"{_public_url()}/messages/{thread.id}",
                    )
            return message
    except Exception:
        files.remove(upload_dir, stored)
        raise


def _household_recipients(thread: MessageThread) -> list[Person]:
    """Who hears of a reply: the one who started the thread and, for rent matters, every
    lease party; only people with an account who want email."""
    people = {thread.started_by_id} if thread.started_by_id else set()
    if thread.topic == MessageThread.RENT_PAYMENT:
        people |= {
            r.person_id
            for r in Residency.select(Residency.person).where(
                (Residency.lease == thread.lease_id)
                & (Residency.role == Residency.LEASE_PARTY)
                & Residency.person.is_null(False)
            )
        }
    if not people:
        return []
    return list(
        Person.select().where(
            Person.id.in_(list(people)) & Person.is_active & Person.notify_by_email
        )
    )
