"""Many read-model rows written through one compiled statement, straight to `executemany`.

SQLAlchemy's own `executemany` rebuilds a parameter dictionary per row, which costs more than
the database's work when a rebuild writes hundreds of thousands of read-model rows. Here the
statement is compiled once per dialect and the rows' tuples are assembled column by column in
C (`itemgetter`, `map`, `zip`); the values whose column type has a bind processor (dates, JSON,
where None is `null`…) go through that very processor, so the stored values are exactly what
SQLAlchemy itself would have written.
"""

from collections.abc import Sequence
from functools import lru_cache, partial
from operator import itemgetter

from sqlalchemy import Date, DateTime
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ClauseElement

from ..db import CONTROL_CHARACTERS, CleanText


def bind_processor(column_type, dialect):
    """The bind processor of a column type; for dates and times, remembering recent values
    (a rebuild writes the same few hundred days, and each version closes at the time the next
    one opens)."""
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    if process is not None and isinstance(column_type, Date | DateTime):
        return lru_cache(maxsize=4096)(process)
    return process


#: (statement, kind of dialect, parameter style, JSON writer, tuples' columns) → its plan: one per kind of
#: database, not per engine (a rebuild opens a new engine per scratch file, and a plan holds
#: its caches of dates).
_plans: dict[tuple, tuple] = {}


def _plan(statement: ClauseElement, dialect, columns: tuple[str, ...] | None):
    key = (statement, type(dialect), dialect.paramstyle, getattr(dialect, "_json_serializer", None), columns)
    if key not in _plans:
        compiled = statement.compile(dialect=dialect)
        names = list(compiled.positiontup or compiled.binds)
        getters = [itemgetter(n if columns is None else columns.index(n)) for n in names]
        _plans[key] = compiled, names, [
            (get, _column_processor(compiled.binds[n].type, dialect))
            for get, n in zip(getters, names, strict=True)]
    return _plans[key]


def _column_processor(column_type, dialect):
    """What makes a column's values bindable, all at once: None when they are as they are, else
    a function from the column's values to what is bound (the same values its bind processor
    returns one by one)."""
    process = bind_processor(column_type, dialect)
    if process is None:
        return None
    if type(column_type) is CleanText and column_type.impl_instance.dialect_impl(dialect).bind_processor(dialect) is None:
        return partial(_cleaned, process)
    return partial(map, process)


def _cleaned(process, values):
    """A text column's values without control characters (`CleanText`): one search over the
    column's texts joined by spaces, and each value through the processor only when that finds
    one (never, in practice) or a value is not a text. What it buys: a text value costs two
    Python calls through the processor, and a rebuild writes millions (~5 % of a rebuild,
    bench/README.md); the joined search costs half as much."""
    values = list(values)
    try:
        if not CONTROL_CHARACTERS.search(" ".join(filter(None, values))):
            return values
    except TypeError:  # (not only texts and None)
        pass
    return map(process, values)


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
    compiled, names, getters = _plan(statement, conn.dialect, columns)
    values = [map(get, rows) if process is None else process(map(get, rows))
              for get, process in getters]
    params = list(zip(*values, strict=True))
    if not compiled.positional:  # named parameter styles (pyformat…) take dictionaries
        params = [dict(zip(names, row, strict=True)) for row in params]
    return compiled.string, params
