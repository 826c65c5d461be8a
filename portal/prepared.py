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

from peewee import (
    CharField,
    ColumnBase,
    Field,
    FieldAccessor,
    ForeignKeyAccessor,
    ForeignKeyField,
    IntegerField,
    ModelCursorWrapper,
    ModelDictCursorWrapper,
    ModelObjectCursorWrapper,
    SqliteDatabase,
    TextField,
)

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


_MARK = "\x00slot\x00"


def _sqlite_literal(value) -> str | None:
    """A value of the query's own (a status, a kind) written into its SQL, or None when it
    is not text or a whole number. SQLite plans a statement again at every run when a bound
    value is compared with a column that a partial index is limited by (a booking's status):
    it must check each time whether the index still serves. The planning took longer than
    the rest of the query: a household's sauna turns took 17 µs so, 4 µs with the status
    written in. A slot's value is always bound."""
    if type(value) is int:
        return str(value)
    if type(value) is str and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"
    return None


class _Variant:
    """One shape of a prepared query: the query, its SQL for one kind of database, and how
    its rows are turned into objects (learnt at the first run that returns a row)."""

    __slots__ = ("params", "query", "read", "sql")

    def __init__(self, query, database):
        self.query = query
        # Each parameter written as a mark no SQL contains, so that each can be told apart.
        pieces_sql, params = database.get_sql_context(param=_MARK).sql(query).query()
        pieces = pieces_sql.split(_MARK)
        if len(pieces) != len(params) + 1:
            raise ValueError(f"a prepared query's SQL holds {_MARK!r}")
        inline = isinstance(database, SqliteDatabase)
        sql = [pieces[0]]
        # Each parameter as (slot name, converter), or (None, the query's own value).
        kept = []
        for param, piece in zip(params, pieces[1:], strict=True):
            literal = None if isinstance(param, _Marker) or not inline else _sqlite_literal(param)
            if literal is None:
                kept.append(
                    (param.name, param.converter) if isinstance(param, _Marker) else (None, param)
                )
                sql.append(database.param)
            else:
                sql.append(literal)
            sql.append(piece)
        self.sql = "".join(sql)
        self.params = tuple(kept)
        self.read = None

    def rows(self, cursor) -> list:
        """The rows of a run, as the query would give them."""
        raw = cursor.fetchall()
        if self.read is None:
            if not raw:
                return []
            # Peewee works out anew at every run how each column is converted and which
            # object it goes to: for a join of five models that takes longer than SQLite
            # takes to answer. The first run's answer serves every later one.
            wrapper = self.query._get_cursor_wrapper(cursor)
            wrapper.initialize()
            self.read = _quick_reader(wrapper, raw[0]) or wrapper.process_row
        read = self.read
        return [read(row) for row in raw]


def _data_key(model, column: str) -> str | None:
    """The key under which a model keeps a column's value, when setting it is nothing more
    than storing it there (a plain field, or a foreign key's id); else None."""
    for klass in model.__mro__:
        if column in klass.__dict__:
            accessor = klass.__dict__[column]
            if type(accessor) in (FieldAccessor, ForeignKeyAccessor) and accessor.name == column:
                return column
            return None
    return None


def _unchanged_type(converter) -> type | None:
    """The type of value a column's converter gives back as it is (a whole number of an
    integer field or a foreign key to one, a text of a text field), or None. Peewee calls
    two or three functions per column of each row to learn that; the readers below call
    them only for a value of another type (None, or a number that SQLite gives as a float)."""
    field = getattr(converter, "__self__", None)
    if not isinstance(field, Field):
        return None
    if isinstance(field, ForeignKeyField):
        # A foreign key gives back the value its related field would.
        return _unchanged_type(field.rel_field.python_value)
    if getattr(converter, "__func__", None) is not Field.python_value:
        return None
    adapt = type(field).adapt
    if adapt is IntegerField.adapt:
        return int
    if adapt in (CharField.adapt, TextField.adapt):
        return str
    return None


def _blank(model):
    """A model object as peewee makes one for a row, before its values are set."""
    obj = model.__new__(model)
    obj.__data__ = {}
    obj._dirty = set()
    obj.__rel__ = {}
    return obj


def _single_reader(wrapper):
    """Rows of one model: each column stored straight into the object's data."""
    model = wrapper.constructor
    plan = tuple(
        (i, converter, _unchanged_type(converter), column, _data_key(model, column))
        for (i, column), converter in zip(
            enumerate(wrapper.unique_columns), wrapper.converters, strict=True
        )
    )

    def read(row):
        obj = _blank(model)
        data = obj.__data__
        for i, converter, unchanged, column, key in plan:
            value = row[i]
            if converter is not None and type(value) is not unchanged:
                value = converter(value)
            if key is not None:
                data[key] = value
            else:
                setattr(obj, column, value)
        obj._dirty.clear()
        return obj

    return read


def _dict_reader(wrapper):
    """Rows as dictionaries, or as objects made from one (a named tuple's fields): the
    columns in peewee's order, those it converts last."""
    columns = wrapper.unique_columns
    converters = wrapper.converters
    plan = tuple((i, None, None, columns[i]) for i in wrapper.no_convert) + tuple(
        (i, converters[i], _unchanged_type(converters[i]), columns[i]) for i in wrapper.convert
    )

    def values(row):
        result = {}
        for i, converter, unchanged, column in plan:
            value = row[i]
            if converter is not None and type(value) is not unchanged:
                value = converter(value)
            result[column] = value
        return result

    if type(wrapper) is ModelDictCursorWrapper:
        return values
    constructor = wrapper.constructor
    return lambda row: constructor(**values(row))


def _joined_reader(wrapper):
    """Rows of a join: peewee's own ``process_row``, less its per-column descriptor calls,
    with each object's columns stored together."""
    constructors = tuple(wrapper._constructor_list)
    made_keys = {key for key, _constructor, _is_model in constructors}
    root = wrapper.model
    # The columns of each key of the row, in the row's order of keys: a key that makes no
    # object of its own has its columns set on the root object, as peewee does.
    grouped: dict = {}
    for i, key, column, converter in wrapper._row_spec:
        data_key = None
        if key in made_keys and key in wrapper.key_to_constructor:
            model, is_model = wrapper.key_to_constructor[key]
            data_key = _data_key(model, column) if is_model else None
        grouped.setdefault(key, []).append(
            (i, column, converter, _unchanged_type(converter), data_key)
        )
    groups = tuple(
        (key, key if key in made_keys else root, tuple(columns)) for key, columns in grouped.items()
    )
    links = tuple(wrapper.src_to_dest)
    reachable = wrapper._dest_reachable

    def read(row):
        objects = {}
        made = []
        for key, constructor, is_model in constructors:
            if is_model:
                obj = objects[key] = _blank(constructor)
                made.append(obj)
            else:
                objects[key] = constructor()
        set_keys = set()
        for key, target, columns in groups:
            instance = objects[target]
            is_dict = isinstance(instance, dict)
            data = getattr(instance, "__data__", None)
            for i, column, converter, unchanged, data_key in columns:
                value = row[i]
                if value is not None:
                    set_keys.add(key)
                if converter is not None and type(value) is not unchanged:
                    value = converter(value)
                if is_dict:
                    instance[column] = value
                elif data_key is not None:
                    data[data_key] = value
                else:
                    setattr(instance, column, value)
        # Linking the objects: as peewee does it.
        for src, attr, dest, is_dict, is_outer, is_fk in links:
            instance = objects.get(src)
            joined = objects.get(dest)
            if joined is None and dest not in objects:
                continue
            assign = False
            if dest not in set_keys and dest in reachable:
                assign = bool(reachable[dest] & set_keys)
            if dest not in set_keys and not assign:
                if is_outer:
                    joined = None
                else:
                    continue
            if src not in set_keys and dest not in set_keys and is_outer:
                continue
            if is_dict:
                instance[attr] = joined
            elif is_fk and joined is None:
                instance.__rel__[attr] = None
            else:
                setattr(instance, attr, joined)
        for obj in made:
            obj._dirty.clear()
        return objects[root]

    return read


def _same(one, other) -> bool:
    """Whether two rows carry the same values in the same shape (objects compared by their
    data, the objects joined to them and any other attribute)."""
    if type(one) is not type(other):
        return False
    if not hasattr(one, "__data__"):
        return one == other
    if one.__data__ != other.__data__ or one._dirty != other._dirty:
        return False
    if one.__rel__.keys() != other.__rel__.keys():
        return False
    if not all(_same(one.__rel__[k], other.__rel__[k]) for k in one.__rel__):
        return False
    rest = {k: v for k, v in vars(one).items() if k not in ("__data__", "__rel__", "_dirty")}
    others = {k: v for k, v in vars(other).items() if k not in ("__data__", "__rel__", "_dirty")}
    return rest.keys() == others.keys() and all(_same(rest[k], others[k]) for k in rest)


def _quick_reader(wrapper, first_row):
    """A reader of model rows that stores each value straight into its object (peewee calls
    a descriptor per column), or None for other kinds of rows. It must read the first row
    exactly as peewee does, or it is not used: a peewee upgrade cannot make it read wrong."""
    if type(wrapper) is ModelObjectCursorWrapper and wrapper.is_model:
        read = _single_reader(wrapper)
    elif type(wrapper) in (ModelObjectCursorWrapper, ModelDictCursorWrapper):
        read = _dict_reader(wrapper)
    elif type(wrapper) is ModelCursorWrapper:
        read = _joined_reader(wrapper)
    else:
        return None
    try:
        quick = read(first_row)
    except Exception:
        return None
    return read if _same(quick, wrapper.process_row(first_row)) else None


class Prepared:
    """A select built by ``build(**slots, **shape)``; calling it runs the select with the
    values and returns its rows."""

    def __init__(self, build: Callable):
        self.build = build
        parameters = inspect.signature(build).parameters.values()
        self.slots = tuple(p.name for p in parameters if p.kind != p.KEYWORD_ONLY)
        self.shape = tuple(p.name for p in parameters if p.kind == p.KEYWORD_ONLY)
        self._slot_names = frozenset(self.slots)
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
        if values.keys() != self._slot_names:
            raise TypeError(f"{self.__name__} takes {self.slots + self.shape}, got {values}")
        database = db.obj
        variant = self._variant(database, shape)
        params = [
            value if name is None else value(values[name]) if value else values[name]
            for name, value in variant.params
        ]
        return variant.rows(database.execute_sql(variant.sql, params))


def prepared(build: Callable) -> Prepared:
    """Decorate a function that builds a select from slots (its parameters' names) and
    shape (its keyword-only parameters)."""
    return Prepared(build)
