"""SQLAlchemy engine and metadata shared by the read models, personal data and reference data."""

import re
from datetime import UTC, datetime

import orjson
from sqlalchemy import MetaData, String, TypeDecorator, create_engine, event
from sqlalchemy.engine import URL, Engine, make_url

metadata = MetaData()

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
