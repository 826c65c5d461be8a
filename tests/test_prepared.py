"""Prepared queries give the rows peewee gives, run after run, for every shape and row kind."""

import collections
import datetime

import pytest
from peewee import JOIN, Value

from portal.models import (
    Apartment,
    Building,
    DefectReport,
    Lease,
    Person,
    Residency,
    Sauna,
    SaunaBooking,
    SaunaTurn,
)
from portal.prepared import prepared
from tests import postgres

Line = collections.namedtuple("Line", "id reference urgent created_at")


def _reports(lease, limit, offset, *, urgent_only):
    query = (
        DefectReport.select(
            DefectReport.id, DefectReport.reference, DefectReport.urgent, DefectReport.created_at
        )
        .where(DefectReport.lease == lease)
        .order_by(DefectReport.created_at.desc(), DefectReport.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return query.where(DefectReport.urgent) if urgent_only else query


def _same(rows, expected):
    """The rows carry the same values, of the same types, as peewee's own (a named tuple's
    class is made anew at each run)."""
    assert [type(row).__name__ for row in rows] == [type(row).__name__ for row in expected]
    if rows and hasattr(rows[0], "__data__"):
        rows, expected = [r.__data__ for r in rows], [r.__data__ for r in expected]
    assert rows == expected


@pytest.mark.parametrize("kind", ["models", "dicts", "tuples", "namedtuples", "line"])
def test_every_kind_of_row_is_the_one_peewee_gives_at_every_run(app, kind):
    def rows_of(query):
        if kind == "models":
            return query
        return query.objects(Line) if kind == "line" else getattr(query, kind)()

    query = prepared(
        lambda lease, limit, offset: rows_of(_reports(lease, limit, offset, urgent_only=False))
    )
    with app.app_context():
        aino = Residency.get(Residency.first_name == "Aino")
        for limit, offset in [(3, 0), (2, 1), (50, 0), (5, 10_000)]:
            expected = list(rows_of(_reports(aino.lease_id, limit, offset, urgent_only=False)))
            _same(query(lease=aino.lease_id, limit=limit, offset=offset), expected)
        first = query(lease=aino.lease_id, limit=1, offset=0)[0]
        created_at = (
            first["created_at"]
            if kind == "dicts"
            else (first[3] if kind == "tuples" else first.created_at)
        )
        assert isinstance(created_at, datetime.datetime)


def test_each_shape_is_built_once_and_fills_in_its_values(app):
    built = []

    @prepared
    def reports(lease, limit, offset, *, urgent_only):
        built.append(urgent_only)
        return _reports(lease, limit, offset, urgent_only=urgent_only)

    with app.app_context():
        aino = Residency.get(Residency.first_name == "Aino")
        one = DefectReport.select().where(DefectReport.lease == aino.lease_id).first()
        DefectReport.update(urgent=True).where(DefectReport.id == one.id).execute()
        for urgent_only in (False, True, False, True):
            expected = list(_reports(aino.lease_id, 10, 0, urgent_only=urgent_only))
            _same(
                reports(lease=aino.lease_id, limit=10, offset=0, urgent_only=urgent_only), expected
            )
        assert all(
            r.urgent for r in reports(lease=aino.lease_id, limit=10, offset=0, urgent_only=True)
        )
        # A lease of no household matches nothing, None included (no "IS NULL" here).
        assert reports(lease=None, limit=10, offset=0, urgent_only=False) == []
    assert built == [False, True]


def test_a_join_fills_in_related_objects_and_a_missing_one_stays_none(app):
    def bookings(lease):
        return (
            SaunaTurn.select(SaunaTurn, Sauna, SaunaBooking.lease)
            .join(Sauna)
            .switch(SaunaTurn)
            .join(
                SaunaBooking,
                JOIN.LEFT_OUTER,
                on=(SaunaBooking.turn == SaunaTurn.id) & (SaunaBooking.lease == lease),
                attr="holding",
            )
            .order_by(SaunaTurn.id)
        )

    query = prepared(bookings)
    with app.app_context():
        aino = Residency.get(Residency.first_name == "Aino")
        for lease in (aino.lease_id, aino.lease_id + 10_000, aino.lease_id):
            expected = list(bookings(lease))
            rows = query(lease=lease)
            assert [r.id for r in rows] == [r.id for r in expected]
            assert [r.sauna.name for r in rows] == [r.sauna.name for r in expected]
            assert [r.holding and r.holding.lease_id for r in rows] == [
                r.holding and r.holding.lease_id for r in expected
            ]
            assert any(r.holding is None for r in rows)


def test_dates_and_booleans_are_converted_as_peewee_converts_them(app):
    @prepared
    def homes(person, moved_in, active):
        return (
            Residency.select(Residency, Lease, Apartment, Building)
            .join(Lease)
            .join(Apartment)
            .join(Building)
            .switch(Residency)
            .join(Person, on=(Residency.person == Person.id))
            .where(
                (Residency.person == person)
                & (Residency.moved_in <= moved_in)
                & (Person.is_active == active)
            )
        )

    with app.app_context():
        aino = Person.get(Person.email == "aino.virtanen@example.fi")
        # A model instance goes through the foreign key's conversion, as in a built query.
        rows = homes(person=aino, moved_in=datetime.date(2100, 1, 1), active=True)
        assert rows and rows[0].lease.apartment.building.street_address
        assert homes(person=aino.id, moved_in=datetime.date(1900, 1, 1), active=True) == []
        assert homes(person=aino.id, moved_in=datetime.date(2100, 1, 1), active=False) == []


def test_a_value_left_out_or_unknown_is_refused(app):
    query = prepared(lambda lease, limit, offset: _reports(lease, limit, offset, urgent_only=False))
    with app.app_context(), pytest.raises(TypeError):
        query(lease=1, limit=1)
    with app.app_context(), pytest.raises(TypeError):
        query(lease=1, limit=1, offset=0, colour="red")


def test_joined_objects_are_complete_and_unchanged_as_peewee_gives_them(app):
    def of_person(person):
        return (
            Residency.select(Residency, Lease, Apartment, Building)
            .join(Lease)
            .join(Apartment)
            .join(Building)
            .where(Residency.person == person)
        )

    homes = prepared(of_person)

    def expected(person):
        return list(of_person(person))

    def described(row):
        return (
            row.__data__,
            row._dirty,
            row.lease.__data__,
            row.lease.apartment.__data__,
            row.lease.apartment.building.__data__,
            row.lease._dirty | row.lease.apartment._dirty,
        )

    with app.app_context():
        aino = Person.get(Person.email == "aino.virtanen@example.fi")
        for _run in range(3):
            rows = homes(person=aino.id)
            assert rows
            assert [described(r) for r in rows] == [described(r) for r in expected(aino.id)]
        # The objects change and save as peewee's would: only what was changed is marked.
        row = homes(person=aino.id)[0]
        assert row._dirty == set()
        row.first_name = "Aina"
        assert row._dirty == {"first_name"}
        row.save()
        assert Residency.get_by_id(row.id).first_name == "Aina"


def test_a_quick_reader_that_reads_a_row_otherwise_than_peewee_is_not_used(app, monkeypatch):
    from portal import prepared as module

    original = module._single_reader

    def wrong(wrapper):
        read = original(wrapper)

        def dropping(row):
            obj = read(row)
            obj.__data__.pop("reference", None)
            return obj

        return dropping

    monkeypatch.setattr(module, "_single_reader", wrong)
    query = prepared(lambda lease, limit, offset: _reports(lease, limit, offset, urgent_only=False))
    with app.app_context():
        aino = Residency.get(Residency.first_name == "Aino")
        for _run in range(2):
            rows = query(lease=aino.lease_id, limit=5, offset=0)
            assert rows and all(r.reference for r in rows)
            _same(rows, list(_reports(aino.lease_id, 5, 0, urgent_only=False)))


def test_the_querys_own_values_are_written_into_its_sql_and_its_slots_stay_bound(app):
    """On SQLite a bound value compared with a column that a partial index is limited by
    makes SQLite plan the statement anew at every run; the query's own values are written
    in, quoted, and only the slots are bound."""

    def bookings(lease):
        return SaunaBooking.select(SaunaBooking.id, Value("it's").alias("note")).where(
            (SaunaBooking.lease == lease) & (SaunaBooking.status == SaunaBooking.ACTIVE)
        )

    query = prepared(bookings)
    as_dicts = prepared(lambda lease: bookings(lease).dicts())
    with app.app_context():
        booking = SaunaBooking.get(SaunaBooking.status == SaunaBooking.ACTIVE)
        for lease in (booking.lease_id, booking.lease_id + 10_000):
            expected = list(bookings(lease).dicts())
            assert as_dicts(lease=lease) == expected
            assert [(r.id, r.note) for r in query(lease=lease)] == [
                (r["id"], r["note"]) for r in expected
            ]
        assert booking.id in [r.id for r in query(lease=booking.lease_id)]
        assert {r.note for r in query(lease=booking.lease_id)} == {"it's"}
    (variant,) = query.variants.values()
    if postgres.ENABLED:
        assert variant.sql.count("%s") == 3
        assert [name for name, _ in variant.params] == [None, "lease", None]
    else:
        assert variant.sql.count("?") == 1
        assert "'it''s'" in variant.sql and "'active'" in variant.sql
        assert [name for name, _ in variant.params] == ["lease"]


Held = collections.namedtuple("Held", "id building incident urgent reference")


@pytest.mark.parametrize("kind", ["models", "dicts", "held"])
def test_values_keep_peewees_types_whole_numbers_texts_nones_and_booleans(app, kind):
    def reports(lease):
        query = DefectReport.select(
            DefectReport.id,
            DefectReport.building,
            DefectReport.incident,
            DefectReport.urgent,
            DefectReport.reference,
        ).where(DefectReport.lease == lease)
        return (
            query
            if kind == "models"
            else query.dicts()
            if kind == "dicts"
            else (query.objects(Held))
        )

    def typed(row):
        values = row.__data__ if kind == "models" else row if kind == "dicts" else row._asdict()
        return [(key, value, type(value)) for key, value in values.items()]

    query = prepared(reports)
    with app.app_context():
        aino = Residency.get(Residency.first_name == "Aino")
        expected = [typed(row) for row in reports(aino.lease_id)]
        for _run in range(2):
            assert [typed(row) for row in query(lease=aino.lease_id)] == expected
    kinds = {(key, type_) for row in expected for key, _value, type_ in row}
    assert {("incident", type(None)), ("urgent", bool), ("building", int)} <= kinds
    assert ("reference", str) in kinds
