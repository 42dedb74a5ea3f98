"""Rebuilding every read model from the whole log, in parallel partitions.

A pathway's read models depend on its own events only (a committee session's, on its own), so
the log splits cleanly by aggregate: partition k of n takes the aggregates whose ids lie in the
k-th of n ranges of the id space (about equal, see `partition_bounds`). Each partition runs in its own process (one per core;
the first in the calling process), reads its aggregates' events up to the end the log had when
the rebuild started, aggregate after aggregate (so a pathway's state is needed only while its
own events pass, however the log interleaves them), and writes its read models into a scratch
SQLite file. The partitions are then merged into the live read models in one short
transaction, with the position. Readers see the old read models until it commits, and writers
wait only for the merge, not for the whole replay.
"""

import gc
import multiprocessing
import os
import tempfile
import traceback
from bisect import bisect_right
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from uuid import UUID

from eventsourcing.sqlite import SQLiteApplicationRecorder
from sqlalchemy import create_engine, event, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateTable

from ..db import JSON_OPTIONS
from .projector import PathwayProjector

#: Below this many notifications a rebuild runs in the calling process only (forking costs more).
PARALLEL_FROM = 20_000


def default_partitions(notifications: int) -> int:
    """How many processes a rebuild of `notifications` events uses: one per core, up to 4."""
    if notifications < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def _scratch_engine(path: Path) -> Engine:
    """A throwaway SQLite file: no journal, no fsync (a crash only loses the scratch)."""
    engine = create_engine(f"sqlite:///{path}", **JSON_OPTIONS)

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
#: runs it, also empties the live read models and merges it while the others finish.
FIRST_PARTITION_LIGHTER_BY = 0.035
#: Each partition numbers its version rows from `part << ID_BITS_PER_PARTITION` on.
ID_BITS_PER_PARTITION = 40


@lru_cache(maxsize=16)
def partition_bounds(parts: int) -> tuple[int, ...]:
    """Where the id range of each of `parts` partitions starts, then the end of the id space:
    equal ranges, but for the first (`FIRST_PARTITION_LIGHTER_BY`)."""
    if parts == 1:
        return (0, ID_SPACE)
    first = int(ID_SPACE * (1 - FIRST_PARTITION_LIGHTER_BY)) // parts
    rest = ID_SPACE - first
    return (0, *(first + rest * k // (parts - 1) for k in range(parts - 1)), ID_SPACE)


def partition_of(originator_id: UUID, parts: int) -> int:
    """The partition (0 … parts-1) of an aggregate: the one whose id range holds its id."""
    return bisect_right(partition_bounds(parts), originator_id.int) - 1


def _by_aggregate(recorder: SQLiteApplicationRecorder, part: int, parts: int, stop: int,
                  batch_size: int) -> Iterator[tuple[list, int]]:
    """The partition's stored events, up to notification `stop`, aggregate after aggregate:
    a range of the events' primary key (aggregate id, version), read a batch at a time from
    where the last one ended. Yields each batch with the share of the log it stands for."""
    bounds = partition_bounds(parts)
    low = str(UUID(int=bounds[part]))
    high = str(UUID(int=bounds[part + 1])) if part + 1 < parts else None
    statement = (
        f"SELECT originator_id, originator_version, topic, state FROM {recorder.events_table_name} "
        "WHERE (originator_id, originator_version) > (?, ?) AND rowid <= ?"
        + (" AND originator_id < ?" if high else "")
        + " ORDER BY originator_id, originator_version LIMIT ?")
    after, current, originator_id = (low, 0), None, None  # (versions start at 1)
    while True:
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, (*after, stop, *((high,) if high else ()), batch_size))
            rows = cursor.fetchall()
        if not rows:
            return
        events = []
        for text_id, version, topic, state in rows:
            if text_id != current:  # one id object per aggregate, not one per event
                current, originator_id = text_id, recorder.convert_originator_id(text_id)
            events.append(StoredEvent(originator_id, version, topic, state))
        after = (text_id, version)
        yield events, len(events) * parts  # (the partitions are about the same size)


def _in_log_order(recorder, part: int, parts: int, stop: int,
                  batch_size: int) -> Iterator[tuple[list, int]]:
    """The partition's stored events, up to notification `stop`, in the log's order: every
    notification is read, and the partition's kept (for stores `_by_aggregate` cannot read)."""
    start = 0
    while start < stop:
        notifications = recorder.select_notifications(start=start + 1, limit=batch_size, stop=stop)
        if not notifications:
            return
        yield [n for n in notifications if partition_of(n.originator_id, parts) == part], len(notifications)
        start = notifications[-1].id


def _number_from(conn: Connection, tables, first: int) -> list[tuple[str, str, int]]:
    """Makes the tables with a surrogate key number their new rows from `first` on, so that
    the partitions' rows keep their numbers when merged. SQLite numbers a row one past the
    largest: a placeholder numbered `first - 1` goes in first. Returns the placeholders."""
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


def _create_indexes(conn: Connection, tables) -> None:
    """The tables' secondary indexes that are not there yet (built from the rows in one go,
    cheaper than keeping them up to date row by row; and the merge copies them as they are)."""
    for table in tables:
        for index in table.indexes:
            index.create(conn, checkfirst=True)


@contextmanager
def fewer_collections(threshold: int = 100_000) -> Iterator[None]:
    """Runs the cyclic garbage collector less often, and never over what existed before.

    Replaying the log allocates millions of short-lived objects while a few thousand pathway
    states stay in memory: at the default thresholds the collector rescans those again and
    again (about a quarter of a rebuild's time). Reference counting still frees everything
    acyclic at once; the collector still runs, every `threshold` allocations.
    """
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(threshold, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


def project_partition(app, territory_of: Callable, tables, path: Path, part: int, parts: int,
                      stop: int, *, batch_size: int = 5000, cache_size: int = 2_000,
                      progress: Callable[[int], None] | None = None) -> int:
    """Projects the events of partition `part` of `parts`, up to notification `stop`, into a
    new scratch SQLite file at `path` (the read models' tables, their indexes built at the
    end); returns how many events it applied."""
    scratch = _scratch_engine(path)
    with scratch.begin() as conn:
        for table in tables:
            conn.execute(CreateTable(table))
        placeholders = _number_from(conn, tables, part << ID_BITS_PER_PARTITION)
    read = _by_aggregate if isinstance(app.recorder, SQLiteApplicationRecorder) else _in_log_order
    projector = PathwayProjector(app, territory_of, cache_size)
    applied = 0
    with fewer_collections(), scratch.begin() as conn:
        session = projector.session(conn)
        for events, share in read(app.recorder, part, parts, stop, batch_size):
            applied += session.apply(events)
            if progress:
                progress(share)
        session.flush()
        for table, key, number in placeholders:
            conn.exec_driver_sql(f"DELETE FROM {table} WHERE {key} = ?", (number,))
        _create_indexes(conn, tables)
    scratch.dispose()
    return applied


def _child(app_factory, territory_of, tables, path, part, parts, stop, options, results) -> None:
    try:
        applied = project_partition(app_factory(), territory_of, tables, path, part, parts, stop,
                                    **options)
        results.put((part, applied, None))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        results.put((part, 0, traceback.format_exc()))


def project_in_partitions(app, app_factory: Callable, territory_of: Callable, tables,
                          scratch_dir: Path, parts: int, stop: int, *,
                          progress: Callable[[int], None] | None = None,
                          **options) -> Iterator[Path]:
    """Projects the log up to `stop` in `parts` scratch files (see the module docstring), and
    yields each file once it is complete: the calling process's first, while the others may
    still be running (the caller can start merging it), then theirs, once all have ended.

    Partitions 1… run in forked processes, each with its own application (`app_factory`):
    database connections must not cross a fork. `options` go to `project_partition`. If the
    caller stops early (it closes the generator), the other processes are stopped.
    """
    paths = [scratch_dir / f"partition-{part}.sqlite" for part in range(parts)]
    context = multiprocessing.get_context("fork")
    results = context.SimpleQueue()
    children = [
        context.Process(target=_child, daemon=True,
                        args=(app_factory, territory_of, tables, paths[part], part, parts, stop, options,
                              results))
        for part in range(1, parts)
    ]
    for child in children:
        child.start()
    ended = False
    try:
        project_partition(app, territory_of, tables, paths[0], 0, parts, stop, progress=progress,
                          **options)
        yield paths[0]
        for child in children:  # a result is a few bytes: a child never blocks writing it
            child.join()
        ended = True
        _raise_failures(children, results)
        yield from paths[1:]
    finally:
        if not ended:  # the rebuild is lost anyway: don't wait for the others
            for child in children:
                child.terminate()
                child.join()


def _raise_failures(children, results) -> None:
    """Raises what went wrong in the partitions' processes, if anything (a crashed process
    reports nothing: its exit code says it)."""
    reported = {}
    while not results.empty():
        part, _applied, failure = results.get()
        reported[part] = failure
    failures = [f"partition {part}:\n{reported[part]}" for part in sorted(reported) if reported[part]]
    failures += [f"partition {part}: the process ended with code {child.exitcode} and no report"
                 for part, child in enumerate(children, start=1) if part not in reported]
    if failures:
        raise RuntimeError("the rebuild failed in a partition's process:\n" + "\n".join(failures))


def merge_partitions(conn: Connection, tables, paths: Iterable[Path]) -> None:
    """Copies every row of the scratch files into the (emptied) read models, within the
    transaction of `conn`, each file as soon as `paths` gives it: on SQLite by
    `INSERT … SELECT *` from the attached files (the caller detaches them after committing,
    see `detach_partitions`), elsewhere through the driver.

    On SQLite, a scratch table has the live one's columns and indexes, and its numbered rows
    their own range of numbers, so that SQLite copies its records and index entries as they
    are (its "transfer optimisation") wherever the live table allows it.
    """
    for number, path in enumerate(paths):
        if conn.dialect.name != "sqlite":
            _copy_through(conn, tables, path)
            continue
        schema = f"partition_{number}"
        conn.exec_driver_sql(f"ATTACH DATABASE ? AS {schema}", (str(path),))
        for table in tables:
            conn.exec_driver_sql(f"INSERT INTO main.{table.name} SELECT * FROM {schema}.{table.name}")


@contextmanager
def freed_pages_not_zeroed(conn: Connection) -> Iterator[None]:
    """Lets SQLite free the emptied read models' pages without overwriting each with zeros
    (`secure_delete`, on in Debian's build; "FAST" still clears what it deletes within the
    pages it writes anyway): a merge writes the same rows back at once, and the read models
    hold no name (identities live encrypted in the personal-data store). Emptying the read
    models then takes 0.05 s instead of 0.15–1.3 s at 50,000 pathways."""
    if conn.dialect.name != "sqlite":
        yield
        return
    previous = conn.exec_driver_sql("PRAGMA secure_delete").scalar()
    conn.exec_driver_sql("PRAGMA secure_delete=FAST")
    conn.commit()  # (a pragma opens no transaction in SQLite, but one in SQLAlchemy)
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA secure_delete={int(previous)}")
        conn.commit()


def detach_partitions(conn: Connection) -> None:
    """Detaches the scratch files `merge_partitions` attached (SQLite: after the commit, or
    the rollback), whichever of them it had attached."""
    if conn.dialect.name == "sqlite":
        for _seq, schema, _file in conn.exec_driver_sql("PRAGMA database_list").all():
            if schema.startswith("partition_"):
                conn.exec_driver_sql(f"DETACH DATABASE {schema}")


def _copied_columns(table) -> list[str]:
    # surrogate keys are the live table's own
    return [c.name for c in table.columns if c is not table.autoincrement_column]


def _copy_through(conn: Connection, tables, path: Path, chunk: int = 5000) -> None:
    scratch = _scratch_engine(path)
    with scratch.connect() as source:
        for table in tables:
            columns = _copied_columns(table)
            rows = source.execute(select(*[table.c[c] for c in columns])).mappings()
            while batch := rows.fetchmany(chunk):
                conn.execute(insert(table), [dict(r) for r in batch])
    scratch.dispose()


def scratch_directory(near: str | None) -> tempfile.TemporaryDirectory:
    """A temporary directory for the partitions, beside the read models' file when there is one."""
    parent = str(Path(near).parent) if near else None
    return tempfile.TemporaryDirectory(prefix="rebuild-", dir=parent)
