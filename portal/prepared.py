"""Prepared queries: SQL built once, run many times with new values.

Peewee turns a query into SQL anew on every run, and for a select that joins a few models
that takes longer than SQLite takes to answer it (0.5 ms for the five-model join behind every
resident's page). The queries every page runs are written once with named slots in place of
their values; the SQL is made the first time for each kind of database and later runs only
fill in the values, each converted by the field it is compared with, as peewee would.

A slot stands for one value: a query whose shape depends on its values (an IN list, an
optional filter) builds one variant per shape, named by the caller.
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


class Prepared:
    """A select built by ``build(**slots)``; calling it runs the select with the values."""

    def __init__(self, build: Callable):
        self.build = build
        self.names = tuple(inspect.signature(build).parameters)
        self.query = None
        self.compiled: dict[type, tuple[str, list]] = {}
        functools.update_wrapper(self, build)

    def _compile(self, database) -> tuple[str, list]:
        key = type(database)
        if key not in self.compiled:
            if self.query is None:
                self.query = self.build(**{name: Slot(name) for name in self.names})
            self.compiled[key] = database.get_sql_context().sql(self.query).query()
        return self.compiled[key]

    def __call__(self, **values) -> list:
        """Run the select with these values and return its rows, as the query would."""
        database = db.obj
        sql, template = self._compile(database)
        params = [
            (
                (p.converter(values[p.name]) if p.converter else values[p.name])
                if isinstance(p, _Marker)
                else p
            )
            for p in template
        ]
        cursor = database.execute_sql(sql, params)
        return list(self.query._get_cursor_wrapper(cursor))


def prepared(build: Callable) -> Prepared:
    """Decorate a function that builds a select from slots (its parameters' names)."""
    return Prepared(build)
