"""Applies pathway events to the pathway read models, inside the caller's transaction.

The projector keeps the derived state of recently seen pathways in memory (a bounded LRU). When
a pathway is not there, or another process applied its intermediate events, its state before
the event is loaded from the event store (snapshots make that cheap). A `ProjectionSession`
buffers what a run of events changes and writes it in bulk: a catch-up writes at the end of
each batch; a rebuild writes each pathway's row once (when it leaves the cache, or at the end).
When an event changes a pathway's statistical summary, the summary it replaces is written as a
closed version, once and for all: versions are only ever inserted.
"""

from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from ..domain.pathway import SUMMARY_NEUTRAL_STEPS, StepEvent
from ..domain.state import PathwayState
from .bulk import execute_many
from .cells import add_change, add_known_change, recorded_day, write_deltas
from .committees import CommitteeProjector
from .companies import CompanyProjector
from .pathways import ROW_COLUMNS, pathway_rows, pathway_versions, row_of
from .placements import (
    PLACEMENT_STEPS,
    placements_of,
    replace_placements,
    stored_placements,
    stored_placements_of,
)
from .placements import (
    VERSION_COLUMNS as PLACEMENT_VERSION_COLUMNS,
)
from .placements import (
    VERSION_INSERT as PLACEMENT_VERSION_INSERT,
)
from .proposals import proposal_rows, replace_proposals
from .summary import SUMMARY_NAMES, Identification, Summary, identification_summary, summarize


def _every_column(table, *, but: str | None = None) -> dict:
    return {c.name: bindparam(c.name) for c in table.columns if c.name != but}


ROW_INSERT = pathway_rows.insert().values(_every_column(pathway_rows))
#: The summary's fields that `pathway_rows`' secondary indexes hold, by their place in it.
INDEXED_SUMMARY = tuple((SUMMARY_NAMES.index(c.name), c.name)
                        for c in sorted({c for i in pathway_rows.indexes for c in i.columns
                                         if c.name in SUMMARY_NAMES}, key=lambda c: c.name))


@lru_cache(maxsize=64)
def row_update(kept: frozenset = frozenset()):
    """The statement updating a pathway's row, but the indexed columns in `kept`, which hold
    their values already: SQLite rewrites an index's entry whenever the statement sets one of
    its columns, even to the same value (4 pages more in the log a write, bench/README.md)."""
    values = {c.name: bindparam(c.name) for c in pathway_rows.columns
              if c.name != "pathway_id" and c.name not in kept}
    return update(pathway_rows).where(pathway_rows.c.pathway_id == bindparam("pathway_id")).values(values)


#: How many cells' changes by day (`cells.add_change`) a session holds before writing them
#: (they are added up, so a rebuild writing them in several goes gives the same cells). A
#: catch-up writes them at the end of each batch anyway; a one-process rebuild at 50,000
#: pathways holds ~108,000 distinct days' cells (~125,000 cells of every grain): held whole,
#: they are written once (instead of 330,919 upserts in 17 goes at 20,000; bench/README.md),
#: for ~30 MB more (peak 112 → 140 MB in one process; 157 MB with the grains' cells derived
#: beside them when written).
CELL_DELTAS_HELD = 250_000
VERSION_INSERT = pathway_versions.insert().values(_every_column(pathway_versions, but="id"))
#: What a version row holds, in the order the projector writes it: the summary's tuple follows.
VERSION_COLUMNS = ("pathway_id", "version", "recorded_from", "recorded_to", *SUMMARY_NAMES)


class _Known:
    """A pathway's state as last applied, its summary (with the version and recorded time it
    holds from), and whether its row exists."""

    __slots__ = ("state", "summary", "summary_version", "summary_since", "stored", "recorded_at",
                 "identification", "identification_of", "stored_summary", "placements",
                 "placements_since", "stored_since")

    def __init__(self, state: PathwayState, stored: bool):
        self.state, self.stored = state, stored
        self.summary: Summary | None = None
        self.summary_version: int | None = None
        self.summary_since = None
        self.recorded_at = None
        # the identification part of the summary, and the state it was computed for (only
        # the identification sets it; a correction folds a new state)
        self.identification: Identification | None = None
        self.identification_of: PathwayState | None = None
        # the summary its stored row holds (and the statistics cells count), and the recorded
        # time that row holds it from
        self.stored_summary: Summary | None = None
        self.stored_since = None
        # the pathway's immersions and hires with companies, and the (version, recorded time)
        # they hold from
        # (None: not known yet in memory — read from the store when an event may change them)
        self.placements = None
        self.placements_since = None

    def summarize(self, territory_of: Callable[[str | None], str | None]) -> Summary:
        """The state's statistical summary (its identification part computed once per state)."""
        state = self.state
        if self.identification_of is not state:
            self.identification = identification_summary(state, territory_of(state.group_id))
            self.identification_of = state
        return summarize(state, None, self.identification)


class PathwayProjector:
    """Folds pathway events into `pathway_rows` and `pathway_versions`."""

    def __init__(self, app, territory_of: Callable[[str | None], str | None], cache_size: int = 2_000):
        self.app = app
        self.territory_of = territory_of
        self.cache_size = cache_size
        self._cache: OrderedDict[str, _Known] = OrderedDict()
        #: pathway id → the version and time its row holds its summary from, read by `prefetch`
        #: in the batch's transaction (each used once: the row changes when the batch writes it).
        self._held: dict[str, tuple] = {}
        #: pathway id → its stored placements (`stored_placements`), read by `prefetch` for the
        #: pathways a step of the batch may change them of (each used once, the same way).
        self._placements_held: dict[str, tuple] = {}
        self.committees = CommitteeProjector()
        self.companies = CompanyProjector(app)

    def forget(self) -> None:
        """Drops the in-memory states (after a reset, or a rolled-back transaction)."""
        self._cache.clear()
        self._held.clear()
        self._placements_held.clear()
        self.app.drop_prefetched()

    def prefetch(self, events: Sequence, conn: Connection) -> None:
        """Before a batch read from the log is applied in `conn`'s transaction: loads together
        what `known_before` would load one pathway at a time — from the event store, each
        pathway not held in memory at the version before its first event of the batch (at its
        last one in the batch when it is corrected there, for `state_at`); from the read
        models, the version and time its row holds its summary from."""
        first: dict = {}
        last: dict = {}
        corrected, placed = set(), set()
        for event in events:
            if isinstance(event, StepEvent):
                oid = event.originator_id
                first.setdefault(oid, event.originator_version)
                last[oid] = event.originator_version
                if event.code == "corrected":
                    corrected.add(oid)
                elif event.code in PLACEMENT_STEPS:
                    placed.add(str(oid))
        wanted, unknown = {}, []
        for oid, version in first.items():
            known = self._cache.get(str(oid))
            missing = version > 1 and (known is None or known.state.version != version - 1)
            if missing:
                unknown.append(str(oid))
            if oid in corrected:
                wanted[oid] = last[oid]
            elif missing:
                wanted[oid] = version - 1
        self.app.prefetch_pathways(wanted)
        for start in range(0, len(unknown), _HELD_PER_STATEMENT):
            self._held.update((pid, (held_version, since)) for pid, held_version, since in conn.execute(
                _SUMMARIES_HELD, {"summaries_of": unknown[start:start + _HELD_PER_STATEMENT]}))
        self._placements_held.update(stored_placements_of(conn, [pid for pid in unknown if pid in placed]))

    def prefetched(self) -> None:
        """Forgets what `prefetch` loaded and the batch did not use."""
        self._held.clear()
        self._placements_held.clear()
        self.app.drop_prefetched()

    def session(self, conn: Connection) -> "ProjectionSession":
        """A run of events applied within one transaction of `conn`."""
        return ProjectionSession(self, conn)

    def known_before(self, pid: str, event, conn: Connection) -> _Known:
        """Pathway `pid` as it stood just before `event` (from memory, or else from the event
        store, and from its row the version and time its summary holds from)."""
        known = self._cache.get(pid)
        if known is not None and known.state.version == event.originator_version - 1:
            self._cache.move_to_end(pid)
            return known
        if event.originator_version == 1:
            known = _Known(PathwayState(), False)
        else:  # its row holds this state's summary
            state = self.app.state_at(event.originator_id, event.originator_version - 1)
            known = _Known(state, True)
            known.summary = known.stored_summary = known.summarize(self.territory_of)
            held = self._held.pop(pid, None)
            known.summary_version, known.summary_since = held if held is not None else conn.execute(
                _SUMMARY_HELD, {"summary_of": pid}).one()
            placements = self._placements_held.pop(pid, None)
            if placements is not None:
                known.placements, known.placements_since = placements
            known.stored_since = known.summary_since
        self._cache[pid] = known
        return known


#: `summary_since`, indexed, in a row update's columns left as they are
_SINCE = frozenset({"summary_since"})
#: The version and time a pathway's row holds its summary from (built once: read on most writes).
_SUMMARY_HELD = (select(pathway_rows.c.summary_version, pathway_rows.c.summary_since)
                 .where(pathway_rows.c.pathway_id == bindparam("summary_of")))
#: The same for several pathways (`PathwayProjector.prefetch`), so many a statement.
_SUMMARIES_HELD = (select(pathway_rows.c.pathway_id, pathway_rows.c.summary_version,
                          pathway_rows.c.summary_since)
                   .where(pathway_rows.c.pathway_id.in_(bindparam("summaries_of", expanding=True))))
_HELD_PER_STATEMENT = 500


class ProjectionSession:
    """Applies events and writes what they change in bulk (see the module docstring)."""

    def __init__(self, projector: PathwayProjector, conn: Connection):
        self.projector = projector
        self.conn = conn
        self.dirty: dict[str, _Known] = {}
        self.versions: list[tuple] = []
        # what the rows written so far change in the statistics cells, and the summary
        # changes applied so far in the known cells, written at `flush`
        self.cell_deltas: Counter = Counter()
        self.known_deltas: Counter = Counter()
        self.placement_rows: dict[str, list[tuple]] = {}
        self.placement_versions: list[tuple] = []
        self.proposal_rows: dict[str, list[tuple]] = {}

    def apply(self, notifications: Sequence) -> int:
        """Applies the pathway events among `notifications`; returns how many it applied."""
        return self.apply_events(map(self.projector.app.mapper.to_domain_event, notifications))

    def apply_batch(self, notifications: Sequence) -> int:
        """`apply`, for a catch-up's batch read from the log (whose pathways the projector
        mostly does not hold): what it needs from the stores is loaded together first. (A
        rebuild's batches hold each pathway's events from its first, in memory already.)"""
        events = list(map(self.projector.app.mapper.to_domain_event, notifications))
        self.projector.prefetch(events, self.conn)
        try:
            return self.apply_events(events)
        finally:
            self.projector.prefetched()

    def apply_events(self, events: Iterable) -> int:
        """Applies the pathway events among domain `events` (decoded from the log, or those a
        save in this process has just stored); returns how many it applied."""
        projector, dirty, cache = self.projector, self.dirty, self.projector._cache
        keep_version = self._keep_version
        applied, originator_id, pid = 0, None, None
        for event in events:
            if not isinstance(event, StepEvent):
                applied += (projector.committees.apply(self.conn, event)
                            or projector.companies.apply(self.conn, event))
                continue
            # (a run of one pathway's events shares its id object: one id text per run)
            if event.originator_id is not originator_id:
                originator_id, pid = event.originator_id, str(event.originator_id)
            # (never twice: the runner's position claim gives each event to one session once)
            known = projector.known_before(pid, event, self.conn)
            code = event.code
            if code == "corrected":
                proposed = known.state.proposals
                known.state = projector.app.state_at(originator_id, event.originator_version)
                if known.state.proposals != proposed:
                    self._keep_proposals(pid, known)
            else:
                known.state.apply(event.as_step(), event.change)
                if code == "proposed_to_company":
                    self._keep_proposals(pid, known)
            applied += 1
            known.recorded_at = event.timestamp
            dirty[pid] = known
            if code not in SUMMARY_NEUTRAL_STEPS:
                keep_version(pid, known, event)
            if code in PLACEMENT_STEPS:
                self._keep_placements(pid, known, event)
            if len(cache) > projector.cache_size:
                self._evict()
        return applied

    def _keep_version(self, pid: str, known: _Known, event) -> None:
        """When `event` changed the pathway's summary, keeps the one it replaces as a version
        known until the event was recorded."""
        summary = known.summarize(self.projector.territory_of)
        if summary == known.summary:
            return
        if known.summary is not None:  # the replaced summary, as a version row
            self.versions.append((pid, known.summary_version, known.summary_since, event.timestamp,
                                  *known.summary))
        add_known_change(self.known_deltas, recorded_day(event.timestamp), known.summary, summary)
        known.summary = summary
        known.summary_version, known.summary_since = event.originator_version, event.timestamp

    def _keep_placements(self, pid: str, known: _Known, event) -> None:
        """When `event` changed the pathway's immersions or hires with companies, keeps the
        set it replaces as a version known until the event was recorded."""
        if known.placements is None:
            known.placements, known.placements_since = (
                stored_placements(self.conn, pid) if known.stored else ((), None))
        placements = placements_of(known.state)
        if placements == known.placements:
            return
        group_id = known.state.group_id
        territory_id = self.projector.territory_of(group_id)
        self.placement_versions += [(pid, group_id, territory_id, *p, *known.placements_since,
                                     event.timestamp) for p in known.placements]
        known.placements = placements
        known.placements_since = (event.originator_version, event.timestamp)
        self.placement_rows[pid] = [(pid, group_id, territory_id, *p, *known.placements_since)
                                    for p in placements]

    def _keep_proposals(self, pid: str, known: _Known) -> None:
        """The pathway's proposals to companies, to write in place of those it had."""
        self.proposal_rows[pid] = proposal_rows(
            pid, known.state, self.projector.territory_of(known.state.group_id))

    def _evict(self) -> None:
        cache = self.projector._cache
        leaving = {}
        while len(cache) > self.projector.cache_size * 0.9:
            pid, known = cache.popitem(last=False)
            if pid in self.dirty:
                leaving[pid] = self.dirty.pop(pid)
        self._write(leaving)

    def flush(self) -> None:
        """Writes every pending row, version and statistics cell (call before committing)."""
        self._write(self.dirty)
        self.dirty = {}
        write_deltas(self.conn, self.cell_deltas, self.known_deltas)
        self.cell_deltas, self.known_deltas = Counter(), Counter()

    def _write(self, pathways: dict[str, _Known]) -> None:
        conn = self.conn
        inserts, updates = [], {}
        deltas = self.cell_deltas
        for pid, known in pathways.items():
            stored, summary = known.stored_summary, known.summary
            add_change(deltas, stored, summary)
            since_kept = known.stored_since == known.summary_since
            known.stored_summary, known.stored_since = summary, known.summary_since
            row = row_of(pid, known.state, summary, known.recorded_at, known.summary_version,
                         known.summary_since)
            if known.stored:  # (the indexed columns its row holds already are left as they are)
                kept = frozenset() if stored is None or summary is None else frozenset(
                    name for at, name in INDEXED_SUMMARY if summary[at] == stored[at])
                if since_kept:
                    kept |= _SINCE
                updates.setdefault(kept, []).append(row)
            else:
                inserts.append(row)
            known.stored = True
        if len(deltas) + len(self.known_deltas) > CELL_DELTAS_HELD:  # (a rebuild's: written as
            write_deltas(conn, deltas, self.known_deltas)                 # it goes, memory bounded)
            self.cell_deltas, self.known_deltas = Counter(), Counter()
        execute_many(conn, VERSION_INSERT, self.versions, VERSION_COLUMNS)
        self.versions = []
        execute_many(conn, ROW_INSERT, inserts, ROW_COLUMNS)
        for kept, rows in updates.items():
            execute_many(conn, row_update(kept), rows, ROW_COLUMNS)
        updated = [row[0] for rows in updates.values() for row in rows]
        execute_many(conn, PLACEMENT_VERSION_INSERT, self.placement_versions, PLACEMENT_VERSION_COLUMNS)
        self.placement_versions = []
        replace_placements(conn, {pid: self.placement_rows.pop(pid)
                                  for pid in pathways if pid in self.placement_rows},
                           stored=updated)
        replace_proposals(conn, {pid: self.proposal_rows.pop(pid)
                                 for pid in pathways if pid in self.proposal_rows},
                          stored=updated)
