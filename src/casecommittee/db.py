"""SQLAlchemy engine and metadata shared by the read models, personal data and reference data."""

import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import orjson
from sqlalchemy import MetaData, String, TypeDecorator, create_engine, event, text
from sqlalchemy.engine import URL, Engine, make_url

metadata = MetaData()

#: A function of one argument, in C, that returns None: what `bind_none_directly` adapts
#: None with (an empty dictionary's `get`, which nothing can fill: it is nowhere else).
_NONE_OF = {}.get


def bind_none_directly() -> None:
    """Makes the sqlite3 driver bind None as NULL through its registry of adapters, as it
    does anyway, in one look-up: without an adapter for None, it builds a key, misses in the
    registry and looks up two attributes (`__adapt__`, `__conform__`) before it binds NULL,
    ~0.24 µs a None against ~0.09 µs with one (and ~0.02 µs an integer). A rebuild binds
    ~2.7 million None at 50,000 pathways (a quarter of the read models' values): ~0.4 s.
    Nothing else changes: the adapter gives None, bound as NULL (tests/test_null_binding.py). The
    registry is the driver's, for the whole process: it is made once, when this module is
    imported."""
    sqlite3.register_adapter(type(None), _NONE_OF)


bind_none_directly()

#: The control characters a stored text never holds (tab, line feed and carriage return stay).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class CleanText(TypeDecorator):
    """Text stored without control characters: NUL above all, which PostgreSQL refuses (a read
    model that refused an event would stop), and the other C0 controls, which no name, code or
    note of the domain holds. The door refuses them first; the store does not depend on it."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """The value without its control characters."""
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            return CONTROL_CHARACTERS.sub("", value)
        return value


def json_text(value) -> str:
    """JSON columns are written with orjson: about ten times faster than `json.dumps` on the
    read models' small lists and documents (a rebuild writes hundreds of thousands of them)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


#: How every engine of the project reads and writes JSON columns.
JSON_OPTIONS = {"json_serializer": json_text, "json_deserializer": orjson.loads}


def make_engine(url: str | URL, *, personal: bool = False, **options) -> Engine:
    """An engine for `url`; SQLite files get WAL, a busy timeout and foreign keys; `options`
    (pool sizes, timeouts) go to SQLAlchemy for a server database.

    A `personal` engine (the personal-data store's) commits durably (`synchronous=FULL`: the
    WAL is synced at each commit, so an identity is on disk before its event is written) and
    overwrites what it deletes or replaces with zeros (`secure_delete`: no erased identity
    nor destroyed key lingers in a page's free space or on the free list).

    Every engine hides a statement's parameters in its errors (`hide_parameters`): a failed
    statement is logged (the 500 handler, a projection's stall) with its SQL, never with the
    values it carried (a name, a text written in clear by an older version).
    """
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True,
                               **JSON_OPTIONS)
        synchronous = "FULL" if personal else "NORMAL"

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA foreign_keys=ON")
            if personal:
                cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, **options, **JSON_OPTIONS)


def forget_old_versions(engine: Engine, table: str) -> bool:
    """Lets no copy of `table`'s replaced or deleted rows outlive their change on disk: on
    SQLite, the WAL (which keeps every page as it was) is checkpointed and truncated to zero
    bytes, with `secure_delete` having zeroed the freed space; on PostgreSQL, the dead row
    versions of `table` are vacuumed. True when done (False: SQLite readers kept it busy)."""
    if engine.dialect.name == "sqlite":
        for attempt in range(5):
            with engine.connect() as conn:
                busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()[0]
            if not busy:
                return True
            time.sleep(0.05 * (attempt + 1))
        return False
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"VACUUM {table}")
    return True


def as_utc(value: datetime | None) -> datetime | None:
    """A stored time with its UTC offset (SQLite gives times back without one; they are UTC)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


#: The advisory lock under which a process creates the stores' tables on PostgreSQL.
SCHEMA_LOCK = 0x6361_7365  # "case"


@contextmanager
def schema_lock(engine: Engine) -> Iterator[None]:
    """One process at a time creates or checks the stores' tables (PostgreSQL): the gunicorn
    workers of a node, or two nodes, starting together would otherwise collide in the catalogue
    ("tuple concurrently updated") on the event store's CREATE ... IF NOT EXISTS. SQLite needs
    no lock: its writers are serialised by the database file."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK})
            conn.commit()


def widen_text_columns(engine: Engine, tables) -> list[str]:
    """Widens, on PostgreSQL, the VARCHAR columns of existing tables that are narrower than
    their declaration (a vocabulary grew, e.g. the role `business_relations`); returns
    "table.column" of those widened. `create_all` makes missing tables only, and SQLite does
    not bound a VARCHAR: there, nothing to do."""
    if engine.dialect.name != "postgresql":
        return []
    from sqlalchemy import inspect

    widened = []
    inspector = inspect(engine)
    existing = set(inspector.get_table_names())
    with engine.begin() as conn:
        for table in tables:
            if table.name not in existing:
                continue
            stored = {c["name"]: c["type"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                declared = getattr(getattr(column.type, "impl", column.type), "length", None)
                current = getattr(stored.get(column.name), "length", None)
                if declared and current and current < declared:
                    conn.execute(text(f'ALTER TABLE "{table.name}" ALTER COLUMN "{column.name}" '
                                      f"TYPE VARCHAR({int(declared)})"))
                    widened.append(f"{table.name}.{column.name}")
    return widened
