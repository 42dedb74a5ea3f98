"""Rebuilding every read model from the whole log, in parallel partitions.

A pathway's read models depend on its own events only (a committee session's, on its own), so
the log splits cleanly by aggregate: partition k of n takes the aggregates whose ids lie in the
k-th of n ranges of the id space (about equal, see `partition_bounds`). Each partition runs in
its own process (one per core; the first in the calling process), reads its aggregates' events
up to the end the log had when the rebuild started, aggregate after aggregate (so a pathway's
state is needed only while its own events pass, however the log interleaves them), and writes
its read models into scratch SQLite files: the other processes write their range in pieces,
each smaller than the one before (`PIECES`), each in its own file. The calling process copies
its own file, then each piece as soon as it is complete, into staging tables (`staging`),
which it then swaps for the live read models: when the last process ends, only its last, small
piece is left to copy.
"""

import gc
import multiprocessing
import multiprocessing.connection
import os
import tempfile
import traceback
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from itertools import accumulate, pairwise
from pathlib import Path
from uuid import UUID

from eventsourcing.sqlite import SQLiteApplicationRecorder
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateTable

from ..db import JSON_OPTIONS
from .projector import PathwayProjector

#: How the other partitions cut their range, in shares of it, as they write it: while a piece
#: is written, the calling process copies the one before, so the last, smallest one is all that
#: is left to copy when the last process ends.
PIECES = (1 / 2, 1 / 4, 1 / 8, 1 / 16, 1 / 16)

#: Below this many notifications a rebuild runs in the calling process only (forking costs more).
PARALLEL_FROM = 20_000


def default_partitions(notifications: int) -> int:
    """How many processes a rebuild of `notifications` events uses: one per core, up to 4."""
    if notifications < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def scratch_engine(path: Path) -> Engine:
    """A throwaway SQLite file: no journal, no fsync (a crash only loses the scratch); its
    errors hide their values, as every engine's (`db.make_engine`)."""
    engine = create_engine(f"sqlite:///{path}", hide_parameters=True, **JSON_OPTIONS)

    @event.listens_for(engine, "connect")
    def _fast(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA journal_mode=OFF")
        dbapi_connection.execute("PRAGMA synchronous=OFF")

    return engine


#: What the mapper decodes an event from (the library's `StoredEvent`, without its frozen
#: dataclass's cost of building: a rebuild makes hundreds of thousands).
StoredEvent = namedtuple("StoredEvent", "originator_id originator_version topic state")

#: Aggregate ids are UUIDs, 128-bit numbers: the partitions cut their space into ranges.
ID_SPACE = 1 << 128
#: How much smaller than the others the first partition's range is: the calling process, which
#: runs it, then copies it and the others' pieces into the staging tables while they finish
#: (measured at 50,000 pathways on 2 cores: 0.05 to 0.08 give the same throughput).
FIRST_PARTITION_LIGHTER_BY = 0.05
#: Each scratch file numbers its version rows from `its number << ID_BITS_PER_FILE` on.
ID_BITS_PER_FILE = 40


@lru_cache(maxsize=16)
def partition_bounds(parts: int) -> tuple[int, ...]:
    """Where the id range of each of `parts` partitions starts, then the end of the id space:
    equal ranges, but for the first (`FIRST_PARTITION_LIGHTER_BY`)."""
    if parts == 1:
        return (0, ID_SPACE)
    first = int(ID_SPACE * (1 - FIRST_PARTITION_LIGHTER_BY)) // parts
    rest = ID_SPACE - first
    return (0, *(first + rest * k // (parts - 1) for k in range(parts - 1)), ID_SPACE)


def pieces_of(low: int, high: int, shares: Iterable[float]) -> list[tuple[int, int]]:
    """The id range [low, high) cut in consecutive pieces of about these `shares` of it (which
    add up to 1): their (low, high) bounds, the last ending at `high`."""
    bounds = [low, *(low + int((high - low) * min(done, 1.0)) for done in accumulate(shares))]
    bounds[-1] = high
    return [(a, b) for a, b in pairwise(bounds) if a < b]


def scratch_files(parts: int, pieced: bool) -> list[list[tuple[int, int, int]]]:
    """What each of `parts` processes writes: its scratch files, each as (number, low, high),
    numbered in the order they are copied. The first partition is one file; the others are
    cut in `PIECES` when `pieced`, else one file each."""
    bounds = partition_bounds(parts)
    shares = PIECES if pieced else (1.0,)
    plan, number = [[(0, bounds[0], bounds[1])]], 1
    for part in range(1, parts):
        files = []
        for low, high in pieces_of(bounds[part], bounds[part + 1], shares):
            files.append((number, low, high))
            number += 1
        plan.append(files)
    return plan


def _by_aggregate(recorder: SQLiteApplicationRecorder, low: int, high: int, stop: int,
                  batch_size: int) -> Iterator[tuple[list, int]]:
    """The stored events of the aggregates whose ids lie in [low, high), up to notification
    `stop`, aggregate after aggregate: a range of the events' primary key (aggregate id,
    version), read a batch at a time from where the last one ended. Yields each batch with the
    share of the log it stands for (the aggregates spread evenly over the id space).

    It reads the recorder's events table by name, with SQL of its own (the library offers no
    read by id range): what it buys (bench/README.md) is a partition of the 50,000-pathway
    rebuild in ~7.65 s instead of ~8.2 s, and no pathway reloaded from the store however the
    log interleaves them. Other stores take `_in_log_order` (tested to give the same rows)."""
    upper = str(UUID(int=high)) if high < ID_SPACE else None
    statement = (
        f"SELECT originator_id, originator_version, topic, state FROM {recorder.events_table_name} "
        "WHERE (originator_id, originator_version) > (?, ?) AND rowid <= ?"
        + (" AND originator_id < ?" if upper else "")
        + " ORDER BY originator_id, originator_version LIMIT ?")
    after, current, originator_id = (str(UUID(int=low)), 0), None, None  # (versions start at 1)
    while True:
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, (*after, stop, *((upper,) if upper else ()), batch_size))
            rows = cursor.fetchall()
        if not rows:
            return
        events = []
        for text_id, version, topic, state in rows:
            if text_id != current:  # one id object per aggregate, not one per event
                current, originator_id = text_id, recorder.convert_originator_id(text_id)
            events.append(StoredEvent(originator_id, version, topic, state))
        after = (text_id, version)
        yield events, len(events) * ID_SPACE // (high - low)


def _by_aggregate_on_postgres(recorder, low: int, high: int, stop: int,
                              batch_size: int) -> Iterator[tuple[list, int]]:
    """`_by_aggregate` on PostgreSQL: the same keyset read of the events' primary key (a uuid
    orders as its 128-bit number does), the notification id bounding the log."""
    from psycopg.rows import tuple_row
    from psycopg.sql import SQL, Identifier

    statement = SQL(
        "SELECT originator_id, originator_version, topic, state FROM {schema}.{table} "
        "WHERE (originator_id, originator_version) > (%s, %s) AND notification_id <= %s"
        + (" AND originator_id < %s" if high < ID_SPACE else "")
        + " ORDER BY originator_id, originator_version LIMIT %s"
    ).format(schema=Identifier(recorder.datastore.schema),
             table=Identifier(recorder.events_table_name))
    upper = (UUID(int=high),) if high < ID_SPACE else ()
    after = (UUID(int=low), 0)  # (versions start at 1)
    while True:
        with recorder.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(statement, (*after, stop, *upper, batch_size))
            rows = cursor.fetchall()
        if not rows:
            return
        events = [StoredEvent(*row) for row in rows]
        after = rows[-1][:2]
        yield events, len(events) * ID_SPACE // (high - low)


def _in_log_order(recorder, low: int, high: int, stop: int,
                  batch_size: int) -> Iterator[tuple[list, int]]:
    """The stored events of the aggregates whose ids lie in [low, high), up to notification
    `stop`, in the log's order: every notification is read, and the range's kept (for stores
    `_by_aggregate` cannot read)."""
    start = 0
    while start < stop:
        notifications = recorder.select_notifications(start=start + 1, limit=batch_size, stop=stop)
        if not notifications:
            return
        yield [n for n in notifications if low <= n.originator_id.int < high], len(notifications)
        start = notifications[-1].id


def _number_from(conn: Connection, tables, first: int) -> list[tuple[str, str, int]]:
    """Makes the tables with a surrogate key number their new rows from `first` on, so that
    the partitions' rows keep their numbers when copied. SQLite numbers a row one past the
    largest: a placeholder numbered `first - 1` goes in first. Returns the placeholders.

    What it buys (bench/README.md, commit be37ecc): with disjoint row numbers, copying a
    scratch file into the staging tables is SQLite's record-as-is transfer, ~0.55 s at 50,000
    pathways instead of ~1.2 s for a row-by-row merge. Without a placeholder (the first file)
    rows are numbered from 1 as usual."""
    placeholders = []
    for table in tables:
        key = table.autoincrement_column
        if key is None or first <= 1:
            continue
        required = [c.name for c in table.columns if not c.nullable and c is not key]
        blanks = "".join(", ''" for _ in required)
        conn.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join([key.name, *required])}) VALUES (?{blanks})",
            (first - 1,))
        placeholders.append((table.name, key.name, first - 1))
    return placeholders


@contextmanager
def fewer_collections(threshold: int = 100_000) -> Iterator[None]:
    """Runs the cyclic garbage collector less often, and never over what existed before.

    Replaying the log allocates millions of short-lived objects while a few thousand pathway
    states stay in memory: at the default thresholds the collector rescans those again and
    again (about a quarter of a rebuild's time). Reference counting still frees everything
    acyclic at once; the collector still runs, every `threshold` allocations.

    What it buys (bench/README.md, commit 0cae7f4): the rebuild went from 0.19x to 0.46x of
    the bare read with this, the partitions and the bulk writes together; a threshold of
    100,000 is 4 % faster than 20,000, and as fast as no collection at all.
    """
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(threshold, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


def reads_by_aggregate(app) -> bool:
    """Whether the store can be read aggregate after aggregate (SQLite and PostgreSQL)."""
    return _reader_of(app) is not _in_log_order


def _reader_of(app) -> Callable:
    """How a partition reads its range of the store: by aggregate where it can."""
    if isinstance(app.recorder, SQLiteApplicationRecorder):
        return _by_aggregate
    if any(cls.__module__ == "eventsourcing.postgres" for cls in type(app.recorder).__mro__):
        # (by module: eventsourcing.postgres imports psycopg, absent from a SQLite install;
        # through the MRO: the project's recorders subclass the library's)
        return _by_aggregate_on_postgres
    return _in_log_order


def project_range(app, territory_of: Callable, tables, path: Path, number: int, low: int,
                      high: int, stop: int, *, batch_size: int = 5000, cache_size: int = 2_000,
                      progress: Callable[[int], None] | None = None) -> int:
    """Projects the events of the aggregates whose ids lie in [low, high), up to notification
    `stop`, into a new scratch SQLite file at `path`, the `number`-th (the read models' tables,
    without their secondary indexes); returns how many events it applied."""
    scratch = scratch_engine(path)
    with scratch.begin() as conn:
        for table in tables:
            conn.execute(CreateTable(table))
        placeholders = _number_from(conn, tables, number << ID_BITS_PER_FILE)
    read = _reader_of(app)
    projector = PathwayProjector(app, territory_of, cache_size)
    applied = 0
    with fewer_collections(), scratch.begin() as conn:
        session = projector.session(conn)
        for events, share in read(app.recorder, low, high, stop, batch_size):
            applied += session.apply(events)
            if progress:
                progress(share)
        session.flush()
        for table, key, number_before in placeholders:
            conn.exec_driver_sql(f"DELETE FROM {table} WHERE {key} = ?", (number_before,))
    scratch.dispose()
    return applied


def _child(app_factory, territory_of, tables, files, stop, options, sender) -> None:
    """A partition's process: writes its files one after the other, and sends each one's number
    once it is complete (or what went wrong)."""
    try:
        app = app_factory()
        for number, low, high, path in files:
            project_range(app, territory_of, tables, path, number, low, high, stop, **options)
            sender.send(("done", number))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        sender.send(("failed", traceback.format_exc()))
    finally:
        sender.close()


def project_in_partitions(app, app_factory: Callable, territory_of: Callable, tables,
                          scratch_dir: Path, parts: int, stop: int, *,
                          progress: Callable[[int], None] | None = None,
                          **options) -> Iterator[Path]:
    """Projects the log up to `stop` in `parts` partitions (see the module docstring), and
    yields each scratch file once it is complete: the calling process's first, then the other
    processes' pieces, as they complete them (the caller copies each meanwhile).

    Partitions 1… run in forked processes, each with its own application (`app_factory`):
    database connections must not cross a fork. `options` go to `project_range`. If a
    process fails, this raises what went wrong there; if the caller stops early (it closes the
    generator), or anything fails, the other processes are stopped.
    """
    plan = scratch_files(parts, pieced=reads_by_aggregate(app))
    path_of = {number: scratch_dir / f"scratch-{number}.sqlite"
               for files in plan for number, _low, _high in files}
    context = multiprocessing.get_context("fork")
    children, receivers, ended = [], {}, False
    try:
        for part, files in enumerate(plan[1:], start=1):
            receiver, sender = context.Pipe(duplex=False)
            child = context.Process(
                target=_child, daemon=True,
                args=(app_factory, territory_of, tables,
                      [(number, low, high, path_of[number]) for number, low, high in files],
                      stop, options, sender))
            child.start()
            sender.close()  # (the child's copy is the only one: its end reads as end of file)
            children.append(child)
            receivers[receiver] = (part, child, len(files))
        (number, low, high), = plan[0]
        project_range(app, territory_of, tables, path_of[number], number, low, high, stop,
                          progress=progress, **options)
        yield path_of[number]
        while receivers:
            for receiver in multiprocessing.connection.wait(list(receivers)):
                yield from _completed(receiver, receivers, path_of)
        ended = True
    finally:
        for child in children:
            if not ended:  # the rebuild is lost anyway: don't wait for the others
                child.terminate()
            child.join()


def _completed(receiver, receivers: dict, path_of: dict) -> Iterator[Path]:
    """The file a partition's process reports complete, if it reports one; raises what went
    wrong there, if anything (a process that crashed reports nothing: its exit code says it)."""
    part, child, left = receivers[receiver]
    try:
        kind, value = receiver.recv()
    except EOFError:
        child.join()
        raise RuntimeError(f"the rebuild failed in a partition's process:\npartition {part}: "
                           f"the process ended with code {child.exitcode} and no report") from None
    if kind == "failed":
        raise RuntimeError(f"the rebuild failed in a partition's process:\npartition {part}:\n{value}")
    if left == 1:
        del receivers[receiver]
        receiver.close()
    else:
        receivers[receiver] = (part, child, left - 1)
    yield path_of[value]


def scratch_directory(near: str | None) -> tempfile.TemporaryDirectory:
    """A temporary directory for the partitions, beside the read models' file when there is one."""
    parent = str(Path(near).parent) if near else None
    return tempfile.TemporaryDirectory(prefix="rebuild-", dir=parent)
