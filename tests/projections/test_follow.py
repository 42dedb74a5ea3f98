"""The projection worker follows the log: a step saved by a web node (which does not project)
reaches the read models without anyone asking; on PostgreSQL it is woken by NOTIFY at once."""

import threading
import time
from datetime import date

import pytest
from sqlalchemy import select

from casecommittee.projections.follow import follow
from casecommittee.projections.pathways import pathway_rows


def _stage_within(system, pid, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with system.engine.connect() as conn:
            stage = conn.execute(select(pathway_rows.c.stage).where(
                pathway_rows.c.pathway_id == str(pid))).scalar()
        if stage is not None:
            return stage
        time.sleep(0.02)
    return None


def _following(system, poll_seconds):
    stop = threading.Event()
    thread = threading.Thread(target=follow, args=(system, stop, poll_seconds))
    thread.start()
    return stop, thread


def test_the_worker_applies_what_a_node_saved(system, territory, referent):
    system.app.after_save = None  # the web node saves, the worker projects
    stop, thread = _following(system, poll_seconds=0.1)
    try:
        pid = referent.identifies(date(2026, 3, 2))
        assert _stage_within(system, pid, 5) == "identified"
    finally:
        stop.set()
        thread.join()


@pytest.mark.postgres_only
def test_on_postgresql_the_worker_is_woken_by_the_save_not_by_its_clock(system, territory, referent):
    system.app.after_save = None
    stop, thread = _following(system, poll_seconds=60)  # only a NOTIFY can wake it in time
    try:
        time.sleep(0.3)  # (it has caught up once and waits)
        pid = referent.identifies(date(2026, 3, 2))
        assert _stage_within(system, pid, 5) == "identified"
    finally:
        stop.set()  # (the waiting loop ends on its next wake-up)
        with system.app.recorder.datastore.get_connection() as conn:
            conn.execute(f'NOTIFY "{system.app.recorder.channel_name}"')
        thread.join()
