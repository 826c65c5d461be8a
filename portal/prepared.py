"""Prepared queries: SQL built once, run many times with new values.

Peewee turns a query into SQL anew on every run, and for a select that joins a few models
that takes longer than SQLite takes to answer it (0.5 ms for the five-model join behind every
resident's page). The queries every page runs are written once with named slots in place of
their values; the SQL is made the first time for each kind of database and later runs only
fill in the values, each converted by the field it is compared with, as peewee would.

A build function's ordinary parameters are its slots: each stands for one value, anywhere
peewee would write a parameter (a comparison, a LIMIT or an OFFSET). A query whose shape
depends on the arguments (an optional filter, a staff member's role) takes them as
keyword-only parameters: the function gets their real values, and one variant is built per
combination of them. Keep those few-valued (a flag, a role, a set of queues), never a value
typed by someone: each variant's SQL is kept for the life of the process. An IN list of
values has no slot; select the list with a subquery or a join instead.

    @prepared
    def _reports(lease, limit, *, open_only):
        query = DefectReport.select().where(DefectReport.lease == lease).limit(limit)
        return query.where(DefectReport.status == "received") if open_only else query

    _reports(lease=12, limit=5, open_only=True)  # the rows, as list(query) would give them
"""

import functools
import inspect
from collections.abc import Callable

from peewee import ColumnBase

from portal.models import db


class _Marker:
    """Where a slot's value goes in the parameter list, and how to convert it."""

    __slots__ = ("converter", "name")

    def __init__(self, name: str, converter: Callable | None):
        self.name = name
        self.converter = converter


class Slot(ColumnBase):
    """A named value of a prepared query, filled in at each run."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name

    def __sql__(self, ctx):
        # The converter is the one of the field on the other side of the comparison.
        ctx._values.append(_Marker(self.name, ctx.state.converter))
        return ctx.literal(ctx.state.param or "?")


# What a peewee cursor wrapper holds of one run; the rest it works out from the columns
# of the first row, which are the same at every run of one variant.
_PER_RUN = frozenset(("cursor", "count", "index", "initialized", "populated", "row_cache"))


class _Variant:
    """One shape of a prepared query: the query, its SQL for one kind of database, and how
    its rows are turned into objects (learnt at the first run that returns a row)."""

    __slots__ = ("params", "query", "reader", "sql")

    def __init__(self, query, database):
        self.query = query
        self.sql, self.params = database.get_sql_context().sql(query).query()
        self.reader = None

    def rows(self, cursor) -> list:
        """The rows of a run, as the query would give them."""
        wrapper = self.query._get_cursor_wrapper(cursor)
        if self.reader is not None:
            # Peewee works out anew at every run how each column is converted and which
            # object it goes to: for a join of five models that takes longer than SQLite
            # takes to answer. The first run's answer serves every later one.
            wrapper.__dict__.update(self.reader)
            wrapper.initialized = True
        rows = list(wrapper)
        if self.reader is None and wrapper.initialized:
            self.reader = {k: v for k, v in vars(wrapper).items() if k not in _PER_RUN}
        return rows


class Prepared:
    """A select built by ``build(**slots, **shape)``; calling it runs the select with the
    values and returns its rows."""

    def __init__(self, build: Callable):
        self.build = build
        parameters = inspect.signature(build).parameters.values()
        self.slots = tuple(p.name for p in parameters if p.kind != p.KEYWORD_ONLY)
        self.shape = tuple(p.name for p in parameters if p.kind == p.KEYWORD_ONLY)
        self.variants: dict[tuple, _Variant] = {}
        functools.update_wrapper(self, build)

    def _variant(self, database, shape: dict) -> _Variant:
        key = (type(database), *shape.values())
        variant = self.variants.get(key)
        if variant is None:
            query = self.build(**{name: Slot(name) for name in self.slots}, **shape)
            variant = self.variants[key] = _Variant(query, database)
        return variant

    def __call__(self, **values) -> list:
        """Run the select with these values and return its rows, as the query would."""
        shape = {name: values.pop(name) for name in self.shape}
        if values.keys() != set(self.slots):
            raise TypeError(f"{self.__name__} takes {self.slots + self.shape}, got {values}")
        database = db.obj
        variant = self._variant(database, shape)
        params = [
            (
                (p.converter(values[p.name]) if p.converter else values[p.name])
                if isinstance(p, _Marker)
                else p
            )
            for p in variant.params
        ]
        return variant.rows(database.execute_sql(variant.sql, params))


def prepared(build: Callable) -> Prepared:
    """Decorate a function that builds a select from slots (its parameters' names) and
    shape (its keyword-only parameters)."""
    return Prepared(build)
