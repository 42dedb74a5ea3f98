"""The projection runner: catches the read models up with the notification log.

Each batch updates the read models and the tracked position in one transaction, and the
position moves by compare-and-set, so two processes catching up at once never apply an event
twice and a crash never skips one. In the embedded mode the application calls `catch_up` right
after each save (a caller reads its own write); `casecommittee project --follow` runs it in a
worker process for deployments with several web processes.
"""

import hashlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from pathlib import Path

from sqlalchemy import Column, Integer, String, Table, bindparam, delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from ..db import metadata
from ..stores.reference import groups
from .bulk import execute_many, execute_one
from .cells import statistics_cells
from .committees import COMMITTEE_TABLES
from .companies import COMPANY_TABLES
from .pathways import pathway_rows, pathway_versions
from .placements import PLACEMENT_TABLES
from .projector import PathwayProjector
from .proposals import PROPOSAL_TABLES
from .rebuild import (
    PARALLEL_FROM,
    default_partitions,
    project_in_partitions,
    scratch_directory,
)
from .staging import Staging
from .stalls import clear_stall, current_stall, record_stall

positions = Table(
    "projection_positions", metadata,
    Column("name", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
)

#: Moves a projection's position from `start` to `end` if it still stands at `start` (the
#: compare-and-set that claims a batch); built once, executed on every write.
CLAIM = (update(positions)
         .where(positions.c.name == bindparam("claim_name"), positions.c.position == bindparam("claim_start"))
         .values(position=bindparam("claim_end")))

VIEW_TABLES = (pathway_rows, pathway_versions, statistics_cells, *COMMITTEE_TABLES,
               *COMPANY_TABLES, *PLACEMENT_TABLES, *PROPOSAL_TABLES)

read_model_schema = Table(
    "read_model_schema", metadata,
    Column("fingerprint", String(64), primary_key=True),
)


def schema_fingerprint() -> str:
    """A digest of the read models' tables: it changes whenever a column, an index (its name,
    columns, uniqueness or options), a table's options or what its rows hold
    (`info["contents"]`) do."""
    described = [
        (t.name, [(c.name, str(c.type), c.nullable) for c in t.columns],
         sorted((i.name, [c.name for c in i.columns], i.unique, sorted(i.dialect_kwargs.items()))
                for i in t.indexes),
         sorted(t.dialect_kwargs.items()), t.info.get("contents"))
        for t in VIEW_TABLES
    ]
    return hashlib.sha256(repr(described).encode()).hexdigest()


def ensure_read_model_schema(engine: Engine) -> bool:
    """Recreates the read models (empty, to be replayed) when their schema changed; True if so.

    Read models are disposable: after an upgrade that changes them, the next catch-up replays
    the whole log into the new tables.
    """
    fingerprint = schema_fingerprint()
    with engine.begin() as conn:
        stored = conn.execute(select(read_model_schema.c.fingerprint)).scalars().all()
        if stored == [fingerprint]:
            return False
        metadata.drop_all(conn, tables=list(VIEW_TABLES))
        metadata.create_all(conn, tables=list(VIEW_TABLES))
        conn.execute(delete(positions))
        conn.execute(delete(read_model_schema))
        conn.execute(read_model_schema.insert().values(fingerprint=fingerprint))
    return bool(stored)


class Along:
    """Rows to write in the transaction that projects a save (see `ProjectionRunner.along`)."""

    def __init__(self, statement, rows: list[dict]):
        self.statement, self.rows, self.written = statement, rows, False


class PositionMoved(Exception):
    """Another process moved the position first: this batch is rolled back and read again."""


class TerritoryOf:
    """group id → territory id, from the reference data, cached (groups never change territory)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._cache: dict[str, str | None] = {}

    def every_group(self) -> dict[str | None, str | None]:
        """Every group's territory at once, for processes that must not use this engine."""
        with self.engine.connect() as conn:
            self._cache.update(conn.execute(select(groups.c.id, groups.c.territory_id)).all())
        return dict(self._cache)

    def __call__(self, group_id: str | None) -> str | None:
        """The territory of a group, or None for an unknown group."""
        if group_id not in self._cache:
            with self.engine.connect() as conn:
                self._cache[group_id] = conn.execute(
                    select(groups.c.territory_id).where(groups.c.id == group_id)
                ).scalar()
        return self._cache[group_id]


class ProjectionRunner:
    """Feeds the read models of one engine from the application's notification log."""

    name = "read_models"
    #: How many times a catch-up may find the store locked before giving up.
    max_contention = 200

    def __init__(self, app, engine: Engine, *, batch_size: int = 1000,
                 territory_of: Callable | None = None):
        self.app = app
        self.engine = engine
        self.batch_size = batch_size
        self.projector = PathwayProjector(app, territory_of or TerritoryOf(engine))
        #: Rows this thread asked to write with the projection of its next save (`along`).
        self._along = threading.local()

    def position(self) -> int:
        """The id of the last notification applied to the read models."""
        with self.engine.connect() as conn:
            return self._position(conn)

    def _position(self, conn) -> int:
        found = conn.execute(select(positions.c.position).where(positions.c.name == self.name)).scalar()
        if found is None:
            try:
                conn.execute(positions.insert().values(name=self.name, position=0))
                conn.commit()
            except IntegrityError:  # another process created it first
                conn.rollback()
            return 0
        return found

    def behind(self) -> int:
        """How many notifications the read models have not applied yet."""
        return max(0, (self.app.recorder.max_notification_id() or 0) - self.position())

    def catch_up(self, *, stop: int | None = None, progress: Callable[[int], None] | None = None) -> int:
        """Applies every notification pending when it is called (up to `stop`); returns how many
        were read. (One saved afterwards is the next catch-up's: after each save in the embedded
        mode, or the worker's next poll.)

        A notification that cannot be applied stops the catch-up just before it: the stall is
        recorded (see `stalls`), and the next catch-up tries it again."""
        read, contended, limit, narrow_until = 0, 0, self.batch_size, 0
        while True:
            try:
                count = self._one_batch(stop, limit)
            except PositionMoved:
                continue  # another process applied this batch: read on from where it stopped
            except OperationalError:
                contended += 1  # the store is locked by another writer: wait a little
                if contended > self.max_contention:
                    raise
                time.sleep(0.005 * min(contended, 20))
                continue
            except Exception as error:  # noqa: BLE001 - recorded as a stall, retried next time
                position = self.position()
                if limit > 1:  # find the notification that fails: one at a time up to it
                    limit, narrow_until = 1, position + self.batch_size
                    continue
                record_stall(self.engine, self.name, position, error, self.app.clock)
                return read
            read += count
            if progress and count:
                progress(count)
            if limit == 1 and self.position() >= narrow_until:
                limit = self.batch_size  # past the batch that failed: whole batches again
                continue
            if count < limit:  # a short batch: the log's end was reached
                return read

    @contextmanager
    def along(self, statement, rows: list[dict]) -> Iterator["Along"]:
        """Within it, the projection of this thread's next save (when `follow` applies it
        itself) also executes `statement` (built once: `bulk.execute_many` compiles it once)
        with `rows`, in the same transaction: a write's
        access-log row costs no commit of its own. `written` tells the caller afterwards;
        when False (the read models were caught up from the log, or the projection failed),
        the caller writes the rows itself."""
        along = Along(statement, rows)
        self._along.pending = along
        try:
            yield along
        finally:
            self._along.pending = None

    def follow(self, recordings: Sequence = ()) -> int:
        """After a save in this process (`CaseCommittee.after_save`): when the read models
        stand just before the events it stored (`recordings`, consecutive in the log), applies
        those events as the save handed them over — the log is neither read back nor decoded,
        and the pathway comes from the aggregate just saved — moving the position over them by
        compare-and-set in the same transaction; otherwise (another process saved or projected
        in between, or the read models lag) catches up with the log. Returns the
        notifications applied or read."""
        ids = [recording.notification.id for recording in recordings]
        if ids and ids == list(range(ids[0], ids[0] + len(ids))):
            try:
                if self._apply_saved(ids[0] - 1, ids[-1], [r.domain_event for r in recordings]):
                    return len(ids)
            except Exception:  # noqa: BLE001 - the catch-up retries from the log, and records a stall
                pass
        return self.catch_up()

    def _apply_saved(self, start: int, end: int, events: list) -> bool:
        """Applies `events` (notifications start+1..end) if the position is still `start`."""
        along = getattr(self._along, "pending", None)
        if along is not None and along.written:
            along = None
        with self.engine.connect() as conn:
            try:
                with conn.begin():
                    claimed = execute_one(conn, CLAIM, {"claim_name": self.name, "claim_start": start,
                                                        "claim_end": end}).rowcount
                    if claimed != 1:
                        raise PositionMoved()
                    session = self.projector.session(conn)
                    session.apply_events(events)
                    session.flush()
                    clear_stall(conn, self.name, end)
                    if along is not None:
                        execute_many(conn, along.statement, along.rows)
            except PositionMoved:
                return False
            except Exception:
                self.projector.forget()  # the states in memory may be ahead of the rolled-back rows
                raise
        if along is not None:
            along.written = True
        return True

    def stall(self):
        """Where and why the read models stopped, or None while they follow the log."""
        return current_stall(self.engine, self.name)

    def bring_up_to_date(self, progress: Callable[[int], None] | None = None) -> int:
        """Catches up with the log; returns how many notifications were read.

        Read models that are still empty while the log is long (a new deployment, or an upgrade
        that changed them) are rebuilt instead, in partitions: the same rows, a few times faster.
        """
        pending = self.behind()
        if pending >= PARALLEL_FROM and self.position() == 0:
            return self.rebuild(progress=progress)
        return self.catch_up(progress=progress)

    def _one_batch(self, stop: int | None, limit: int) -> int:
        with self.engine.connect() as conn:
            start = self._position(conn)
            conn.rollback()
            if stop is not None and start >= stop:
                return 0
            notifications = self.app.recorder.select_notifications(
                start=start + 1, limit=limit, stop=stop
            )
            if not notifications:
                return 0
            try:
                with conn.begin():
                    # Claim the batch first: the compare-and-set takes the position's lock, so
                    # a second process waits here and then finds the position moved.
                    claimed = conn.execute(
                        update(positions)
                        .where(positions.c.name == self.name, positions.c.position == start)
                        .values(position=notifications[-1].id)
                    ).rowcount
                    if claimed != 1:
                        raise PositionMoved()
                    session = self.projector.session(conn)
                    session.apply_batch(notifications)
                    session.flush()
                    clear_stall(conn, self.name, notifications[-1].id)
            except Exception:
                self.projector.forget()  # the states in memory may be ahead of the rolled-back rows
                raise
            return len(notifications)

    def reset(self) -> None:
        """Empties every read model and moves the position back to the start of the log."""
        with self.engine.begin() as conn:
            self._reset(conn)

    def _reset(self, conn) -> None:
        for table in VIEW_TABLES:
            conn.execute(delete(table))
        conn.execute(delete(positions).where(positions.c.name == self.name))
        conn.execute(positions.insert().values(name=self.name, position=0))
        self.projector.forget()

    def rebuild(self, progress: Callable[[int], None] | None = None,
                partitions: int | None = None, batch_size: int = 5000, stop: int | None = None) -> int:
        """Drops and replays every read model from the log; returns the notifications read.

        The log, up to its end when the rebuild starts, is replayed in `partitions` processes
        (by default one per core for a large log) into scratch files, copied piece by piece
        into staging tables, which then take the place of the read models, with the position,
        in one transaction: readers keep the old read models until it commits, a failure
        leaves them as they were, writers wait for one piece's copy at a time, and events
        saved meanwhile are applied by the next catch-up. With `stop`, the log is replayed up
        to that notification only.
        """
        if stop is None:
            stop = self.app.recorder.max_notification_id() or 0
        parts = partitions or (default_partitions(stop) if self._can_fork() else 1)
        territory_of = self.projector.territory_of
        if isinstance(territory_of, TerritoryOf):
            territory_of = territory_of.every_group().get
        with scratch_directory(self.engine.url.database if self._is_file() else None) as scratch:
            paths = project_in_partitions(
                self.app, self._fresh_app, territory_of, VIEW_TABLES, Path(scratch), parts, stop,
                progress=progress, batch_size=batch_size, cache_size=self.projector.cache_size)
            with closing(paths), self.engine.connect() as conn:
                staging = Staging(VIEW_TABLES)
                try:
                    staging.create(conn)
                    for path in paths:  # each as soon as it is complete
                        staging.copy(conn, path)
                    staging.swap(conn, delete(positions).where(positions.c.name == self.name),
                                 positions.insert().values(name=self.name, position=stop))
                except BaseException:
                    with suppress(Exception):  # (what failed first matters; the next rebuild
                        staging.drop(conn)     # drops what is left)
                    raise
        self.projector.forget()
        return stop

    def _is_file(self) -> bool:
        database = self.engine.url.database
        return self.engine.dialect.name == "sqlite" and bool(database) and database != ":memory:"

    def _can_fork(self) -> bool:
        """Partitions run in forked processes, which open the event store anew: not in memory."""
        module = self.app.env.get("PERSISTENCE_MODULE", "")
        if module.endswith("postgres"):
            return True
        dbname = self.app.env.get("SQLITE_DBNAME", "")
        return module.endswith("sqlite") and dbname not in ("", ":memory:") and "mode=memory" not in dbname

    def _fresh_app(self):
        """The same application with its own connections (for a forked process)."""
        return type(self.app)(env=dict(self.app.env),
                              snapshot_interval=self.app.snapshot_interval)

    def counts(self) -> dict[str, int]:
        """How many rows each read model holds."""
        with self.engine.connect() as conn:
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in VIEW_TABLES}
