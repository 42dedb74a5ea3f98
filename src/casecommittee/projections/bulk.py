"""Many read-model rows written through one compiled statement, straight to `executemany`.

SQLAlchemy's own `executemany` rebuilds a parameter dictionary per row, which costs more than
the database's work when a rebuild writes hundreds of thousands of read-model rows. Here the
statement is compiled once per dialect and each row becomes a tuple assembled in C
(`itemgetter`), except the values whose column type has a bind processor (dates, JSON, where
None is `null`…): those go through that very processor, so the stored values are exactly what
SQLAlchemy itself would have written.
"""

from collections.abc import Sequence
from functools import lru_cache
from operator import call, itemgetter

from sqlalchemy import Date, DateTime
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ClauseElement


def _getter(names: Sequence):
    """`row → tuple(row[name] for name in names)`, in C (itemgetter alone gives no 1-tuple)."""
    if len(names) == 1:
        name = names[0]
        return lambda row: (row[name],)
    return itemgetter(*names) if names else (lambda row: ())


def _processor(column_type, dialect):
    """The bind processor of a column type; for dates and times, remembering recent values
    (a rebuild writes the same few hundred days, and each version closes at the time the next
    one opens)."""
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    if process is not None and isinstance(column_type, Date | DateTime):
        return lru_cache(maxsize=4096)(process)
    return process


@lru_cache(maxsize=64)
def _plan(statement: ClauseElement, dialect):
    compiled = statement.compile(dialect=dialect)
    names = list(compiled.positiontup or compiled.binds)
    processors = {n: _processor(compiled.binds[n].type, dialect) for n in names}
    plain = [n for n in names if processors[n] is None]
    processed = [n for n in names if processors[n] is not None]
    # values are gathered plain first, then processed; `order` puts them back as the SQL wants
    gathered = plain + processed
    order = _getter([gathered.index(n) for n in names])
    return compiled, _getter(plain), _getter(processed), [processors[n] for n in processed], order


def execute_many(conn: Connection, statement: ClauseElement, rows: Sequence[dict]) -> None:
    """Runs `statement`, whose bind parameters are named like the rows' keys, once per row."""
    if not rows:
        return
    compiled, plain, processed, processors, order = _plan(statement, conn.dialect)
    params = [order(plain(row) + tuple(map(call, processors, processed(row)))) for row in rows]
    if not compiled.positional:
        names = list(compiled.binds)  # named parameter styles (pyformat…) take dictionaries
        params = [dict(zip(names, values, strict=True)) for values in params]
    conn.exec_driver_sql(compiled.string, params)
