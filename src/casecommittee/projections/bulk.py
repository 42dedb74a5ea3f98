"""Many read-model rows written through one compiled statement, straight to `executemany`.

SQLAlchemy's own `executemany` rebuilds a parameter dictionary per row, which costs more than
the database's work when a rebuild writes hundreds of thousands of read-model rows. Here the
statement is compiled once per dialect and the rows' tuples are assembled column by column in
C (`itemgetter`, `map`, `zip`); the values whose column type has a bind processor (dates, JSON,
where None is `null`…) go through that very processor, so the stored values are exactly what
SQLAlchemy itself would have written.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache, partial
from operator import attrgetter, itemgetter

from sqlalchemy import Date, DateTime
from sqlalchemy.dialects.sqlite.base import DATETIME as SQLITE_DATETIME
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ClauseElement

from ..db import CONTROL_CHARACTERS, CleanText

#: How SQLite's DATETIME stores a time by default: `datetime.isoformat(" ", "microseconds")`
#: without the offset of an aware time (SQLAlchemy writes its fields, whatever its zone).
_SQLITE_DATETIME_FORMAT = ("%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:"
                           "%(second)02d.%(microsecond)06d")


def bind_processor(column_type, dialect):
    """The bind processor of a column type; for dates, remembering recent values (a rebuild
    writes the same few hundred days); for times on SQLite, `_sqlite_time`."""
    impl = column_type.dialect_impl(dialect)
    process = impl.bind_processor(dialect)
    if process is None:
        return None
    if isinstance(impl, SQLITE_DATETIME) and impl._storage_format == _SQLITE_DATETIME_FORMAT:
        return _sqlite_times
    if isinstance(column_type, Date | DateTime):
        return lru_cache(maxsize=4096)(process)
    return process


def _sqlite_time(value):
    """What SQLAlchemy's SQLite DATETIME binds for `value` (`_SQLITE_DATETIME_FORMAT`): a
    datetime written by `isoformat` in C (its first 26 characters: date, time and
    microseconds, never the offset), anything else by SQLAlchemy's own processor."""
    if type(value) is datetime:
        return value.isoformat(" ", "microseconds")[:26]
    return _SQLITE_DATETIME_PROCESS(value)


_SQLITE_DATETIME_PROCESS = SQLITE_DATETIME().bind_processor(None)
_cached_sqlite_time = lru_cache(maxsize=8192)(_sqlite_time)


def _sqlite_times(value):
    """`_sqlite_time`, remembered for naive and UTC times, one cache for every time column: a
    recorded time is written twice, as a version's end and the next one's start (or the row's
    `summary_since`). SQLAlchemy's formatting through a dictionary costs ~1.7 µs a time,
    `isoformat` ~1.2 µs, a cached one ~0.2 µs (a rebuild at 50,000 pathways writes ~600,000
    times; bench/README.md). (Not other zones: equal instants of two zones are one key, but
    SQLite stores their own fields.)"""
    if type(value) is datetime and (value.tzinfo is UTC or value.tzinfo is None):
        return _cached_sqlite_time(value)
    return _sqlite_time(value)


#: (statement, kind of dialect, parameter style, JSON writer, tuples' columns) → its plan: one per kind of
#: database, not per engine (a rebuild opens a new engine per scratch file, and a plan holds
#: its caches of dates).
_plans: dict[tuple, tuple] = {}


def _plan(statement: ClauseElement, dialect, columns: tuple[str, ...] | None):
    key = (statement, type(dialect), dialect.paramstyle, getattr(dialect, "_json_serializer", None), columns)
    if key not in _plans:
        compiled = statement.compile(dialect=dialect)
        names = list(compiled.positiontup or compiled.binds)
        keys = [n if columns is None else columns.index(n) for n in names]
        processors = [_column_processor(compiled.binds[n].type, dialect) for n in names]
        _plans[key] = compiled, names, [
            (itemgetter(k), process) for k, process in zip(keys, processors, strict=True)
        ], _one_row_plan(keys, processors)
    return _plans[key]


def _one_row_plan(keys: list, processors: list) -> tuple:
    """How one row's values are made bindable in one go (a write's projection binds one row per
    statement, where the column by column way costs a `map` and a call per column: ~50 µs for a
    pathway's row, bench/README.md): all its values read by one `itemgetter`, the text columns
    (`CleanText`) checked by one search over their values joined, as `_cleaned` checks a
    column's, and only the other processed columns through their processor, value by value."""
    read = itemgetter(*keys)
    get = read if len(keys) > 1 else (lambda row: (read(row),))
    texts = tuple(i for i, process in enumerate(processors)
                  if isinstance(process, partial) and process.func is _cleaned)
    others = tuple((i, _value_processor(process)) for i, process in enumerate(processors)
                   if process is not None and i not in texts)
    if not texts:
        text_values = None
    elif len(texts) == 1:
        text_values = partial(_one_value, texts[0])
    else:
        text_values = itemgetter(*texts)
    return get, text_values, others


def _one_value(at: int, values: tuple) -> tuple:
    return (values[at],)


def _value_processor(process):
    """The function binding one value as the column processor `process` binds a column's."""
    if process is _sqlite_time_column:
        return _sqlite_times
    if isinstance(process, partial) and process.func is map:
        return process.args[0]
    raise AssertionError(f"a column processor without its value processor: {process!r}")


def _column_processor(column_type, dialect):
    """What makes a column's values bindable, all at once: None when they are as they are, else
    a function from the column's values to what is bound (the same values its bind processor
    returns one by one)."""
    process = bind_processor(column_type, dialect)
    if process is None:
        return None
    if process is _sqlite_times:
        return _sqlite_time_column
    if type(column_type) is CleanText and column_type.impl_instance.dialect_impl(dialect).bind_processor(dialect) is None:
        return partial(_cleaned, process)
    return partial(map, process)


#: The zones whose times `_cached_sqlite_time` may remember (see `_sqlite_times`).
_CACHEABLE_ZONES = frozenset({None, UTC})
_zone = attrgetter("tzinfo")


def _sqlite_time_column(values):
    """A time column's values as `_sqlite_times` binds them, all at once: when every time is
    naive or in UTC (checked in one pass in C), each through the cache straight from `map`,
    without a Python call a value (~0.3 µs each: ~0.2 s of a rebuild at 50,000 pathways)."""
    values = list(values)
    try:
        cacheable = set(map(_zone, filter(None, values))) <= _CACHEABLE_ZONES
    except AttributeError:  # (not only times: dates too)
        cacheable = False
    return map(_cached_sqlite_time if cacheable else _sqlite_time, values)


def _cleaned(process, values):
    """A text column's values without control characters (`CleanText`): one search over the
    column's texts joined by spaces, and each value through the processor only when that finds
    one (never, in practice) or a value is not a text. What it buys: a text value costs two
    Python calls through the processor, and a rebuild writes millions (~5 % of a rebuild,
    bench/README.md); the joined search costs half as much."""
    values = list(values)
    try:
        joined = " ".join(filter(None, values))
        # (printable: no control character, checked twice as fast as by the search)
        if joined.isprintable() or not CONTROL_CHARACTERS.search(joined):
            return values
    except TypeError:  # (not only texts and None)
        pass
    return map(process, values)


def _one_row(plan: tuple, row) -> list[tuple] | None:
    """One row's parameters by `_one_row_plan` (None when a text holds a control character or a
    text column something else than text: then the column by column way decides, as always)."""
    get, texts, others = plan
    values = get(row)
    if texts is not None:
        try:
            joined = " ".join(filter(None, texts(values)))
        except TypeError:
            return None
        if not joined.isprintable() and CONTROL_CHARACTERS.search(joined):
            return None
    if others:
        values = list(values)
        for at, process in others:
            values[at] = process(values[at])
    return [tuple(values)]


def execute_many(conn: Connection, statement: ClauseElement, rows: Sequence,
                 columns: tuple[str, ...] | None = None) -> None:
    """Runs `statement`, whose bind parameters are named like the rows' keys, once per row.
    The rows are dictionaries or, with `columns`, tuples of the values of these columns (a
    tuple is cheaper to make, to compare and to read than a dictionary)."""
    if not rows:
        return
    sql, params = _parameters(conn, statement, rows, columns)
    conn.exec_driver_sql(sql, params)


def execute_one(conn: Connection, statement: ClauseElement, row, columns: tuple[str, ...] | None = None):
    """Runs `statement` once, with one row (as `execute_many`'s): the statement compiled once
    per kind of database, not looked up in SQLAlchemy's cache by its key on every call (a
    write's projection runs a few such statements); returns the driver's result (its
    `rowcount`)."""
    sql, params = _parameters(conn, statement, (row,), columns)
    return conn.exec_driver_sql(sql, params[0])


def _parameters(conn: Connection, statement: ClauseElement, rows: Sequence,
                columns: tuple[str, ...] | None) -> tuple[str, list]:
    compiled, names, getters, one_row = _plan(statement, conn.dialect, columns)
    params = _one_row(one_row, rows[0]) if len(rows) == 1 else None
    if params is None:
        values = [map(get, rows) if process is None else process(map(get, rows))
                  for get, process in getters]
        params = list(zip(*values, strict=True))
    if not compiled.positional:  # named parameter styles (pyformat…) take dictionaries
        params = [dict(zip(names, row, strict=True)) for row in params]
    return compiled.string, params
