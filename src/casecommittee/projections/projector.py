"""Applies a batch of pathway events to the pathway read models, inside the caller's transaction."""

from collections.abc import Callable, Sequence

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from ..domain.pathway import Pathway, StepEvent
from ..domain.state import PathwayState
from .pathways import SUMMARY_NAMES, pathway_rows, pathway_versions, row_of, summarize

_CHUNK = 500


class PathwayProjector:
    """Folds pathway events into `pathway_rows` and `pathway_versions`.

    A batch costs one SELECT of the rows it touches, one bulk UPDATE/INSERT of those rows and
    one bulk INSERT of new versions, whatever the number of events in it.
    """

    def __init__(self, app, territory_of: Callable[[str | None], str | None]):
        self.app = app
        self.territory_of = territory_of
        self.transcoder = app.mapper.transcoder

    def process(self, conn: Connection, notifications: Sequence) -> int:
        """Applies the pathway events among `notifications`; returns how many it applied."""
        events = [
            e for e in (self.app.mapper.to_domain_event(n) for n in notifications)
            if isinstance(e, StepEvent)
        ]
        if not events:
            return 0
        loaded = self._load(conn, {str(e.originator_id) for e in events})
        touched: dict[str, dict] = {}
        new_versions: list[dict] = []
        closes: list[dict] = []
        applied = 0
        for event in events:
            pid = str(event.originator_id)
            entry = touched.get(pid) or loaded.get(pid)
            if entry is None:
                entry = {"state": PathwayState(), "summary": None, "existing": False, "open": None}
            state: PathwayState = entry["state"]
            if event.originator_version <= state.version:
                continue  # already applied (a replayed notification): never twice
            if event.code == "corrected":
                state = self.app.get_pathway(event.originator_id, event.originator_version).state
            else:
                state.apply(event.as_step())
            applied += 1
            summary = summarize(state, self.territory_of(state.group_id))
            if summary != entry["summary"]:
                if entry["open"] is not None:
                    entry["open"]["recorded_to"] = event.timestamp
                elif entry["summary"] is not None:
                    closes.append({"pid": pid, "t": event.timestamp})
                version_row = {
                    "pathway_id": pid, "version": event.originator_version,
                    "recorded_from": event.timestamp, "recorded_to": None, **summary,
                }
                new_versions.append(version_row)
                entry = {**entry, "summary": summary, "open": version_row}
            touched[pid] = {**entry, "state": state, "recorded_at": event.timestamp}
        self._write(conn, touched, new_versions, closes)
        return applied

    def _load(self, conn: Connection, ids: set[str]) -> dict[str, dict]:
        loaded = {}
        ids = sorted(ids)
        for start in range(0, len(ids), _CHUNK):
            rows = conn.execute(
                select(pathway_rows.c.pathway_id, pathway_rows.c.state,
                       *[pathway_rows.c[n] for n in SUMMARY_NAMES])
                .where(pathway_rows.c.pathway_id.in_(ids[start:start + _CHUNK]))
            )
            for row in rows:
                mapping = row._mapping
                loaded[row.pathway_id] = {
                    "state": self.transcoder.decode(row.state),
                    "summary": {n: mapping[n] for n in SUMMARY_NAMES},
                    "existing": True, "open": None,
                }
        return loaded

    def _write(self, conn, touched, new_versions, closes) -> None:
        inserts, updates = [], []
        for pid, entry in touched.items():
            state = entry["state"]
            row = row_of(state, entry["summary"], self.transcoder.encode(state), entry["recorded_at"])
            (updates if entry["existing"] else inserts).append({"pathway_id": pid, **row})
        if inserts:
            conn.execute(pathway_rows.insert(), inserts)
        if updates:
            columns = [c for c in updates[0] if c != "pathway_id"]
            conn.execute(
                update(pathway_rows)
                .where(pathway_rows.c.pathway_id == bindparam("b_pid"))
                .values({c: bindparam("b_" + c) for c in columns}),
                [{"b_" + k: v for k, v in u.items()} | {"b_pid": u["pathway_id"]} for u in updates],
            )
        if closes:
            conn.execute(
                update(pathway_versions)
                .where(pathway_versions.c.pathway_id == bindparam("pid"))
                .where(pathway_versions.c.recorded_to.is_(None))
                .values(recorded_to=bindparam("t")),
                closes,
            )
        if new_versions:
            conn.execute(pathway_versions.insert(), new_versions)


PATHWAY_TOPIC_PREFIX = f"{Pathway.__module__}:Pathway."
