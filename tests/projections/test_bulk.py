"""The bulk writer stores exactly what SQLAlchemy itself would: a rebuild's rows and a catch-up's
must compare equal, value for value, whichever path wrote them."""

from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    create_engine,
    update,
)

from casecommittee.db import JSON_OPTIONS, CleanText
from casecommittee.projections.bulk import execute_many

metadata = MetaData()
sample = Table(
    "sample", metadata,
    Column("key", String(8), primary_key=True),
    Column("number", Integer),
    Column("day", Date),
    Column("moment", DateTime(timezone=True)),
    Column("document", JSON),
    Column("text", Text),
    Column("flag", Boolean),
    Column("clean", CleanText),  # stored without control characters
)
INSERT = sample.insert().values({c.name: bindparam(c.name) for c in sample.columns})
UPDATE = (update(sample).where(sample.c.key == bindparam("key"))
          .values({c.name: bindparam(c.name) for c in sample.columns if c.name != "key"}))

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
documents = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=8) | days,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
values = st.fixed_dictionaries({
    "number": st.none() | st.integers(-2**31, 2**31),
    "day": st.none() | days,
    "moment": st.none() | st.datetimes(min_value=datetime(1990, 1, 1), timezones=st.just(UTC)),
    "document": documents,
    "text": st.none() | st.text(max_size=20),
    "flag": st.none() | st.booleans(),
    # texts with and without control characters (a column is checked as a whole first)
    "clean": st.none() | st.sampled_from(["", "Élan\tvital", "ligne\nsuivante"])
    | st.text(st.characters(max_codepoint=0x9F), max_size=12),
})


def _stored(engine, statement, rows, *, bulk: bool) -> list:
    """The raw values the database holds after `statement` ran over `rows` (in bulk, or each
    row through SQLAlchemy's own statement)."""
    with engine.begin() as conn:
        if bulk:
            execute_many(conn, statement, rows)
        elif statement is INSERT:
            conn.execute(sample.insert(), rows)
        else:
            for row in rows:
                conn.execute(update(sample).where(sample.c.key == row["key"])
                             .values({k: v for k, v in row.items() if k != "key"}))
        return conn.exec_driver_sql("SELECT * FROM sample ORDER BY key").all()


@given(st.lists(values, min_size=1, max_size=6), st.lists(values, min_size=1, max_size=6))
def test_rows_written_in_bulk_are_those_sqlalchemy_writes(inserted, updated):
    rows = [{"key": f"k{n}", **row} for n, row in enumerate(inserted)]
    changes = [{"key": f"k{n}", **row} for n, row in enumerate(updated[:len(rows)])]
    stored = {}
    for bulk in (True, False):
        engine = create_engine("sqlite://", **JSON_OPTIONS)
        metadata.create_all(engine)
        stored[bulk] = (_stored(engine, INSERT, rows, bulk=bulk),
                        _stored(engine, UPDATE, changes, bulk=bulk))
        engine.dispose()
    assert stored[True] == stored[False]


@given(st.lists(values, min_size=1, max_size=6), st.permutations([c.name for c in sample.columns]))
def test_rows_given_as_tuples_are_stored_as_the_same_rows_given_as_dictionaries(inserted, order):
    """A rebuild hands its version rows over as tuples, in an order of its own."""
    rows = [{"key": f"k{n}", **row} for n, row in enumerate(inserted)]
    columns = tuple(order)
    stored = []
    for given_rows, given_columns in ((rows, None), ([tuple(r[c] for c in columns) for r in rows], columns)):
        engine = create_engine("sqlite://", **JSON_OPTIONS)
        metadata.create_all(engine)
        with engine.begin() as conn:
            execute_many(conn, INSERT, given_rows, given_columns)
            stored.append(conn.exec_driver_sql("SELECT * FROM sample ORDER BY key").all())
        engine.dispose()
    assert stored[0] == stored[1]


zones = st.sampled_from([None, UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5))])


@given(st.lists(st.datetimes(min_value=datetime(1, 1, 1), timezones=zones), min_size=1, max_size=8))
def test_times_of_any_zone_are_stored_as_sqlalchemy_stores_them(moments):
    """A rebuild writes its recorded times by `isoformat`, remembered: the same instant in two
    zones is written with each zone's own fields, as SQLAlchemy writes them."""
    moments += [m.astimezone(timezone(timedelta(hours=2))) for m in moments if m.tzinfo]
    rows = [{"key": f"k{n}", "moment": moment} for n, moment in enumerate(moments)]
    stored = {}
    for bulk in (True, False):
        engine = create_engine("sqlite://", **JSON_OPTIONS)
        metadata.create_all(engine)
        with engine.begin() as conn:
            statement = sample.insert().values(key=bindparam("key"), moment=bindparam("moment"))
            if bulk:
                execute_many(conn, statement, rows)
            else:
                conn.execute(sample.insert(), rows)
            stored[bulk] = conn.exec_driver_sql("SELECT key, moment FROM sample ORDER BY key").all()
        engine.dispose()
    assert stored[True] == stored[False]


#: Statements naming one text column, or one column in all (a row's values read another way).
ONE_TEXT = sample.insert().values(key=bindparam("key"), clean=bindparam("clean"), day=bindparam("day"))
KEY_ONLY = sample.insert().values(key=bindparam("key"))


@given(st.lists(values, min_size=1, max_size=6), st.lists(values, min_size=1, max_size=6))
def test_rows_written_one_at_a_time_are_those_sqlalchemy_writes(inserted, updated):
    """A write's projection runs each statement with one row: that row's values are made
    bindable in one go, and stored as SQLAlchemy stores them, control characters included."""
    rows = [{"key": f"k{n}", **row} for n, row in enumerate(inserted)]
    changes = [{"key": f"k{n}", **row} for n, row in enumerate(updated[:len(rows)])]
    shown = ("key", "clean", "day")
    stored = {}
    for bulk in (True, False):
        engine = create_engine("sqlite://", **JSON_OPTIONS)
        metadata.create_all(engine)
        with engine.begin() as conn:
            for row in rows:
                one = {c: row[c] for c in shown}
                if bulk:
                    execute_many(conn, INSERT, [row])
                    execute_many(conn, ONE_TEXT, [(f"t{row['key']}", row["clean"], row["day"])], shown)
                    execute_many(conn, KEY_ONLY, [(f"o{row['key']}",)], ("key",))
                else:
                    conn.execute(sample.insert(), [row])
                    conn.execute(sample.insert(), [{**one, "key": f"t{row['key']}"}])
                    conn.execute(sample.insert(), [{"key": f"o{row['key']}"}])
            for row in changes:
                if bulk:
                    execute_many(conn, UPDATE, [row])
                else:
                    conn.execute(update(sample).where(sample.c.key == row["key"])
                                 .values({k: v for k, v in row.items() if k != "key"}))
            stored[bulk] = conn.exec_driver_sql("SELECT * FROM sample ORDER BY key").all()
        engine.dispose()
    assert stored[True] == stored[False]
