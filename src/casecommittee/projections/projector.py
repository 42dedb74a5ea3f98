"""Applies pathway events to the pathway read models, inside the caller's transaction.

The projector keeps the derived state of recently seen pathways in memory (a bounded LRU). When
a pathway is not there, or another process applied its intermediate events, its state before
the event is loaded from the event store (snapshots make that cheap). A `ProjectionSession`
buffers what a run of events changes and writes it in bulk: a catch-up writes at the end of
each batch; a rebuild writes each pathway's row once (when it leaves the cache, or at the end)
and each version once it is closed, so it streams the log with bounded memory.
"""

from collections import OrderedDict
from collections.abc import Callable, Sequence

from sqlalchemy import bindparam, update
from sqlalchemy.engine import Connection

from ..domain.pathway import StepEvent
from ..domain.state import PathwayState
from .bulk import execute_many
from .committees import CommitteeProjector
from .pathways import identification_summary, pathway_rows, pathway_versions, row_of, summarize

#: Steps that never change a pathway's statistical summary (no new version is kept for them).
SUMMARY_NEUTRAL_STEPS = frozenset({"committee_referral", "follow_up_contact"})


def _every_column(table, *, but: str | None = None) -> dict:
    return {c.name: bindparam(c.name) for c in table.columns if c.name != but}


ROW_INSERT = pathway_rows.insert().values(_every_column(pathway_rows))
ROW_UPDATE = (update(pathway_rows).where(pathway_rows.c.pathway_id == bindparam("pathway_id"))
              .values(_every_column(pathway_rows, but="pathway_id")))
VERSION_INSERT = pathway_versions.insert().values(_every_column(pathway_versions, but="id"))
VERSION_CLOSE = (update(pathway_versions)
                 .where(pathway_versions.c.pathway_id == bindparam("pid"))
                 .where(pathway_versions.c.recorded_to.is_(None))
                 .values(recorded_to=bindparam("t")))


class _Known:
    """A pathway's state as last applied: its summary, open version, and whether its row exists."""

    __slots__ = ("state", "summary", "stored", "open_version", "version_stored", "recorded_at",
                 "identification", "identification_of")

    def __init__(self, state: PathwayState, summary: dict | None, stored: bool):
        self.state, self.summary, self.stored = state, summary, stored
        self.open_version: dict | None = None
        self.version_stored = stored
        self.recorded_at = None
        # the identification part of the summary, and the state it was computed for (only
        # the identification sets it; a correction folds a new state)
        self.identification: dict | None = None
        self.identification_of: PathwayState | None = None

    def summarize(self, territory_of: Callable[[str | None], str | None]) -> dict:
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
        self.committees = CommitteeProjector()

    def forget(self) -> None:
        """Drops the in-memory states (after a reset, or a rolled-back transaction)."""
        self._cache.clear()

    def session(self, conn: Connection) -> "ProjectionSession":
        """A run of events applied within one transaction of `conn`."""
        return ProjectionSession(self, conn)

    def known_before(self, event) -> _Known:
        """The pathway as it stood just before `event` (from memory, or from the event store)."""
        pid = str(event.originator_id)
        known = self._cache.get(pid)
        if known is not None and known.state.version == event.originator_version - 1:
            self._cache.move_to_end(pid)
            return known
        if event.originator_version == 1:
            known = _Known(PathwayState(), None, False)
        else:  # its row and open version hold this state's summary
            state = self.app.get_pathway(event.originator_id, event.originator_version - 1).state
            known = _Known(state, None, True)
            known.summary = known.summarize(self.territory_of)
        self._cache[pid] = known
        return known


class ProjectionSession:
    """Applies events and writes what they change in bulk (see the module docstring)."""

    def __init__(self, projector: PathwayProjector, conn: Connection):
        self.projector = projector
        self.conn = conn
        self.dirty: dict[str, _Known] = {}
        self.closed_versions: list[dict] = []
        self.closes: list[dict] = []

    def apply(self, notifications: Sequence) -> int:
        """Applies the pathway events among `notifications`; returns how many it applied."""
        projector = self.projector
        applied = 0
        for notification in notifications:
            event = projector.app.mapper.to_domain_event(notification)
            if not isinstance(event, StepEvent):
                applied += projector.committees.apply(self.conn, event)
                continue
            # (never twice: the runner's position claim gives each event to one session once)
            known = projector.known_before(event)
            if event.code == "corrected":
                known.state = projector.app.get_pathway(
                    event.originator_id, event.originator_version).state
            else:
                known.state.apply(event.as_step())
            applied += 1
            known.recorded_at = event.timestamp
            pid = str(event.originator_id)
            self.dirty[pid] = known
            if event.code not in SUMMARY_NEUTRAL_STEPS:
                self._keep_version(pid, known, event)
            if len(projector._cache) > projector.cache_size:
                self._evict()
        return applied

    def _keep_version(self, pid: str, known: _Known, event) -> None:
        summary = known.summarize(self.projector.territory_of)
        if summary == known.summary:
            return
        if known.open_version is not None:
            known.open_version["recorded_to"] = event.timestamp
            self.closed_versions.append(known.open_version)
        elif known.version_stored and known.summary is not None:
            self.closes.append({"pid": pid, "t": event.timestamp})
        known.open_version = {
            "pathway_id": pid, "version": event.originator_version,
            "recorded_from": event.timestamp, "recorded_to": None, **summary,
        }
        known.summary = summary

    def _evict(self) -> None:
        cache = self.projector._cache
        leaving = {}
        while len(cache) > self.projector.cache_size * 0.9:
            pid, known = cache.popitem(last=False)
            if pid in self.dirty:
                leaving[pid] = self.dirty.pop(pid)
        self._write(leaving)

    def flush(self) -> None:
        """Writes every pending row and version (call before committing)."""
        self._write(self.dirty)
        self.dirty = {}

    def _write(self, pathways: dict[str, _Known]) -> None:
        conn = self.conn
        inserts, updates, versions = [], [], self.closed_versions
        for pid, known in pathways.items():
            row = {"pathway_id": pid, **row_of(known.state, known.summary, known.recorded_at)}
            (updates if known.stored else inserts).append(row)
            known.stored = True
            if known.open_version is not None:
                versions.append(known.open_version)
                known.open_version = None
                known.version_stored = True
        execute_many(conn, VERSION_CLOSE, self.closes)
        self.closes = []
        execute_many(conn, VERSION_INSERT, versions)
        self.closed_versions = []
        execute_many(conn, ROW_INSERT, inserts)
        execute_many(conn, ROW_UPDATE, updates)
