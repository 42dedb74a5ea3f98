"""SQLAlchemy engine and metadata shared by the read models, personal data and reference data."""

from datetime import UTC, datetime

import orjson
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import URL, Engine, make_url

metadata = MetaData()


def json_text(value) -> str:
    """JSON columns are written with orjson: about ten times faster than `json.dumps` on the
    read models' small lists and documents (a rebuild writes hundreds of thousands of them)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


#: How every engine of the project reads and writes JSON columns.
JSON_OPTIONS = {"json_serializer": json_text, "json_deserializer": orjson.loads}


def make_engine(url: str | URL, **options) -> Engine:
    """An engine for `url`; SQLite files get WAL, a busy timeout and foreign keys; `options`
    (pool sizes, timeouts) go to SQLAlchemy for a server database."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30}, **JSON_OPTIONS)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **options, **JSON_OPTIONS)


def as_utc(value: datetime | None) -> datetime | None:
    """A stored time with its UTC offset (SQLite gives times back without one; they are UTC)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
