"""When a person last opened something that can have news: a request, a thread, a notice.

One upsert and one join serve every list with "new" marks.
"""

from peewee import JOIN

from portal.models import Person, ReadMark, utcnow


def mark(person: Person, subject: str, object_id: int) -> None:
    """Remember that the person has seen the object as it is now."""
    now = utcnow()
    ReadMark.insert(person=person, subject=subject, object_id=object_id, seen_at=now).on_conflict(
        conflict_target=[ReadMark.person, ReadMark.subject, ReadMark.object_id],
        update={ReadMark.seen_at: now},
    ).execute()


def with_seen_at(query, model, subject: str, person):
    """Add ``seen_at`` (None when never opened) to each row of a query on ``model``, for a
    person (given as a Person, an id or a prepared query's slot)."""
    seen = ReadMark.alias()
    return (
        query.select_extend(seen.seen_at.alias("seen_at"))
        .join(
            seen,
            JOIN.LEFT_OUTER,
            on=((seen.object_id == model.id) & (seen.subject == subject) & (seen.person == person)),
        )
        .objects()
    )
