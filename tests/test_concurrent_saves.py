"""Two web nodes on one store: a referent's step through node B lands while node A is saving
the tenth version of the same pathway, whose snapshot is due. B's save waits on A's, loses,
is tried again on the new version and saved — and node B's next writes succeed.

On PostgreSQL this once failed the retried save and every later one on that connection with
psycopg's `prepared statement "_pg3_…" does not exist` (bench/README.md, "threads"): B's
losing save was the sixth on its connection, the one on which psycopg prepares the log's
NOTIFY and INSERT; the snapshot's duplicate key aborted the save's pipeline before the
server ran those preparations, yet psycopg counted them as done. Node B keeps one
connection here so that its sixth save is the one that loses; any node, thread or process
with young connections and a concurrent writer of the same pathway could meet it."""

import threading
import time
from datetime import date

import pytest
from sqlalchemy import text

from casecommittee.application import CaseCommittee
from casecommittee.snapshot_recorders import SNAPSHOTS
from opened_texts import opened

ACTOR = {"user_id": "referent", "role": "referent", "structure_id": "s-ml"}
ON = date(2026, 6, 20)


def _identifies(app):
    return app.identify(actor=ACTOR, occurred_on=date(2026, 6, 1), group_id="g-jeunes",
                        channel="aller_vers", profile={"sex": "F", "flags": []},
                        consent={"committee_sharing": True})


def _logs(app, pathway_id, reason: str):
    return app.log_step(pathway_id, "committee_referral", actor=ACTOR, occurred_on=ON,
                        reason=reason)


def _someone_waits_for_a_lock(system) -> bool:
    if system.engine.dialect.name != "postgresql":
        time.sleep(0.5)  # SQLite: B's save waits on the database's write lock meanwhile
        return True
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with system.engine.connect() as conn:
            if conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
                return True
        time.sleep(0.02)
    return False


def test_a_step_that_loses_the_race_for_a_snapshot_is_saved_and_its_node_writes_on(system,
                                                                                    clock):
    env = {**system.settings.event_store_env(),
           "POSTGRES_POOL_SIZE": "1", "POSTGRES_MAX_OVERFLOW": "0"}
    node_b = CaseCommittee(env=env, clock=clock)
    try:
        morning = [_identifies(node_b).id for _ in range(5)]  # node B's first five saves
        pathway = _identifies(system.app)
        for number in range(8):
            _logs(system.app, pathway.id, f"A {number}")
        assert system.app.get_pathway(pathway.id).version == 9

        recorder = system.app.recorder
        inserts = recorder._insert_events
        snapshot_sent, go_on = threading.Event(), threading.Event()

        def slow_after_its_snapshot(cursor, stored_events, **kwargs):
            due = bool(kwargs.get(SNAPSHOTS))
            result = inserts(cursor, stored_events, **kwargs)
            if due:
                snapshot_sent.set()
                go_on.wait(timeout=20)
            return result

        recorder._insert_events = slow_after_its_snapshot
        saved_by_a: list = []
        node_a = threading.Thread(target=lambda: saved_by_a.append(
            _logs(system.app, pathway.id, "A 9").version))
        node_a.start()
        assert snapshot_sent.wait(timeout=20)
        time.sleep(0.2)  # A's snapshot row is written, uncommitted

        outcome: list = []

        def through_node_b():
            try:
                outcome.append(_logs(node_b, pathway.id, "B").version)
            except Exception as error:  # noqa: BLE001 - the assertion below shows it
                outcome.append(error)

        writer_b = threading.Thread(target=through_node_b)
        writer_b.start()
        waited = _someone_waits_for_a_lock(system)
        go_on.set()
        node_a.join(timeout=30)
        writer_b.join(timeout=30)
        recorder._insert_events = inserts

        assert waited and saved_by_a == [10]
        assert outcome == [11]  # B lost the tenth version to A, and was saved on the eleventh
        for number, pathway_id in enumerate(morning):
            assert _logs(node_b, pathway_id, f"B {number}").version == 2
        # (node A seals its texts with the person's key; node B, with no personal-data store,
        # keeps them as given: both read as written)
        assert [opened(system.personal_data, pathway.id, step.data)["reason"]
                for step in node_b.history(pathway.id)[-2:]] == ["A 9", "B"]
    finally:
        node_b.close()


@pytest.mark.postgres_only
def test_the_event_store_prepares_the_reads_the_library_asks_for_and_nothing_implicitly(
        system, clock):
    """The fix above keeps the library's prepared reads (an aggregate's snapshot and events,
    the log) and table lock; the statements it leaves to psycopg's implicit preparation (the
    NOTIFY, the INSERTs) are never prepared, however often they run."""
    env = {**system.settings.event_store_env(),
           "POSTGRES_POOL_SIZE": "1", "POSTGRES_MAX_OVERFLOW": "0"}
    node = CaseCommittee(env=env, clock=clock)
    try:
        pathway = _identifies(node)
        for number in range(12):  # past the snapshot of the tenth version
            _logs(node, pathway.id, f"{number}")
        node.recorder.select_notifications(start=1, limit=10)
        with node.recorder.datastore.get_connection() as conn:
            prepared = [row["statement"] for row in conn.execute(
                "SELECT statement FROM pg_prepared_statements").fetchall()]
        assert any(s.startswith("SELECT * FROM") and "_events" in s and "originator_id" in s
                   for s in prepared)
        assert any(s.startswith("SELECT * FROM") and "_snapshots" in s for s in prepared)
        assert any(s.startswith("LOCK TABLE") for s in prepared)
        assert not [s for s in prepared if s.lstrip().startswith(("INSERT", "NOTIFY"))]
    finally:
        node.close()
