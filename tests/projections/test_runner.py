"""The projection runner never applies an event twice nor skips one, whatever happens."""

from datetime import date

from cite import Referent
from click.testing import CliRunner
from sqlalchemy import func, select, update

from casecommittee.bootstrap import bootstrap
from casecommittee.cli import main
from casecommittee.config import Settings
from casecommittee.projections.pathways import pathway_rows, pathway_versions
from casecommittee.projections.projector import ProjectionSession
from casecommittee.projections.replay_check import replay_check
from casecommittee.projections.runner import ProjectionRunner


def _repository_loads(system, monkeypatch) -> list:
    """The aggregates loaded through the library's repository from now on (each call's args)."""
    loads = []
    get = system.app.repository.get
    monkeypatch.setattr(system.app.repository, "get",
                        lambda *args, **kwargs: loads.append(args) or get(*args, **kwargs))
    return loads


def _rows(system):
    with system.engine.connect() as conn:
        return {r.pathway_id: (r.version, r.stage) for r in conn.execute(select(pathway_rows))}


def test_a_referent_reads_their_own_write_at_once(system, territory, referent):
    pid = referent.identifies(date(2026, 3, 2))
    referent.orients(pid, date(2026, 3, 20))
    assert _rows(system)[str(pid)] == (2, "oriented")
    assert system.projections.behind() == 0


def test_a_crash_in_the_middle_of_a_batch_applies_nothing_and_loses_nothing(
    system, territory, referent, monkeypatch
):
    system.app.after_save = None  # a worker deployment: the web process does not project
    pid = referent.identifies(date(2026, 3, 2))
    referent.orients(pid, date(2026, 3, 20))
    runner = system.projections
    original = ProjectionSession.flush

    def crash(session):
        original(session)
        raise RuntimeError("power cut after the rows were written, before the commit")

    monkeypatch.setattr(ProjectionSession, "flush", crash)
    assert runner.catch_up() == 0  # stopped at the first event, and says so
    assert runner.position() == 0 and _rows(system) == {}
    assert runner.stall().reason == "RuntimeError: power cut after the rows were written, before the commit"

    monkeypatch.setattr(ProjectionSession, "flush", original)
    runner.catch_up()
    assert runner.stall() is None
    assert _rows(system)[str(pid)] == (2, "oriented")
    with system.engine.connect() as conn:
        # the identified summary, closed by the orientation; the oriented one is the row's
        assert conn.execute(select(func.count()).select_from(pathway_versions)).scalar() == 1


def test_two_workers_catching_up_together_apply_each_event_once(system, territory, referent):
    system.app.after_save = None
    pids = [referent.identifies(date(2026, 3, n)) for n in range(1, 6)]
    first = ProjectionRunner(system.app, system.engine, batch_size=2)
    second = ProjectionRunner(system.app, system.engine, batch_size=2)
    # the second worker catches up while the first has read the log but not yet claimed it
    read_log = system.app.recorder.select_notifications

    def interleaved(*args, **kwargs):
        notifications = read_log(*args, **kwargs)
        if not getattr(interleaved, "done", False):
            interleaved.done = True
            second.catch_up()
        return notifications

    system.app.recorder.select_notifications = interleaved
    first.catch_up()
    assert len(_rows(system)) == len(pids)
    with system.engine.connect() as conn:
        # each pathway once, with its first summary in its row: nothing closed, nothing twice
        assert conn.execute(select(func.count()).select_from(pathway_versions)).scalar() == 0
    assert first.position() == system.app.recorder.max_notification_id()


def test_rebuild_gives_back_the_same_read_models(system, territory, referent):
    pid = referent.identifies(date(2026, 3, 2))
    referent.orients(pid, date(2026, 3, 20))
    referent.hires(pid, date(2026, 4, 1))
    before = _rows(system)
    system.projections.rebuild()
    assert _rows(system) == before


def test_a_rebuild_with_a_tiny_cache_writes_evicted_pathways_and_stays_exact(
    system, territory, referent
):
    """Memory stays bounded: pathways leave the cache mid-rebuild and are reloaded when needed."""
    people = [referent.identifies(date(2026, 3, n)) for n in range(1, 9)]
    for n, pid in enumerate(people):
        referent.orients(pid, date(2026, 4, n + 1))
    for pid in people[:4]:
        referent.hires(pid, date(2026, 5, 4))
    before = _rows(system)
    runner = ProjectionRunner(system.app, system.engine)
    runner.projector.cache_size = 2
    runner.rebuild(batch_size=3)
    assert _rows(system) == before
    assert replay_check(system.app, system.engine)["ok"]


def test_replay_check_reports_a_tampered_read_model(system, store_env, territory, referent,
                                                    monkeypatch):
    pid = referent.identifies(date(2026, 3, 2))
    runner = CliRunner()
    for name, value in store_env.items():
        monkeypatch.setenv(name, value)
    assert runner.invoke(main, ["replay-check"]).exit_code == 0
    with system.engine.begin() as conn:
        conn.execute(update(pathway_rows).where(pathway_rows.c.pathway_id == str(pid))
                     .values(stage="exited"))
    result = runner.invoke(main, ["replay-check"])
    assert result.exit_code == 1
    assert '"stage"' in result.output and str(pid) in result.output


def test_a_write_loads_its_pathway_once_even_when_the_projector_forgot_it(
    system, territory, referent, monkeypatch
):
    """The inline projection folds the pathway the command has just saved (a store larger
    than the projector's cache, or another worker that projected its last event, costs no
    second load), and the rows are those a replay of the log makes."""
    pid = referent.identifies(date(2026, 3, 2))
    referent.orients(pid, date(2026, 3, 20))
    loads = _repository_loads(system, monkeypatch)
    for step in (lambda: referent.hires(pid, date(2026, 4, 2)),
                 lambda: referent.logs(pid, "corrected", date(2026, 4, 3), corrects_version=2,
                                       changes={"occurred_on": date(2026, 3, 21)},
                                       reason="date mal saisie")):
        system.projections.projector.forget()
        loads.clear()
        step()
        assert len(loads) == 1  # the command's own load
    written = _rows(system)
    assert written[str(pid)] == (4, "employed")
    monkeypatch.undo()
    assert replay_check(system.app, system.engine)["ok"]


def test_a_write_projects_its_own_events_and_catches_up_when_another_node_came_between(
    system, store_env, clock, territory, referent
):
    """Two nodes, inline projections. A write applies the events its save handed over, without
    reading the log back, when the read models stand just before them; when another node saved
    without projecting in between, it catches up from the log; when the other node projected
    a step of the same pathway in between, its own state of it is stale and is replaced. The
    position is always the log's end, and the rows are a replay's."""
    other = bootstrap(Settings.from_env(store_env), clock=clock)
    try:
        colleague = Referent(other, territory["group_id"])
        reads = []
        select_notifications = system.app.recorder.select_notifications
        system.app.recorder.select_notifications = (
            lambda *args, **kwargs: reads.append(args) or select_notifications(*args, **kwargs))

        pid = referent.identifies(date(2026, 3, 2))  # (the first write creates the position)
        reads.clear()
        referent.orients(pid, date(2026, 3, 20))
        assert reads == [] and system.projections.behind() == 0  # its own events, handed over

        other.app.after_save = None  # the other node saves, a worker would project
        theirs = colleague.identifies(date(2026, 3, 4))
        referent.logs(pid, "committee_referral", date(2026, 3, 25), reason="à étudier")
        assert reads  # it read the log: the other node's event, then its own
        assert _rows(system)[str(theirs)] == (1, "identified")

        other.app.after_save = other.projections.follow  # the other node projects a step of pid
        colleague.hires(pid, date(2026, 4, 2))
        reads.clear()
        referent.logs(pid, "rupture", date(2026, 4, 20), scope="pathway", kind="lost_contact",
                      initiated_by="beneficiary", reason="ne répond plus")
        assert reads == []  # the read models stood just before it: no log read
        assert _rows(system)[str(pid)][0] == 5
        assert system.projections.position() == system.app.recorder.max_notification_id()
        assert replay_check(system.app, system.engine)["ok"]
    finally:
        other.close()


def test_a_projection_worker_loads_the_pathways_of_its_batch_together(
    system, territory, referent, monkeypatch
):
    """The web nodes save, a worker projects (CASECOMMITTEE_PROJECTIONS=worker): its batch
    holds steps of pathways it has not in memory — one past its snapshot, one corrected in
    the batch, one followed by its correction, one identified in the batch. It reads them
    together (SQLite and PostgreSQL), never one by one through the repository, and the rows
    are those a replay of the log makes."""
    long_one = referent.identifies(date(2026, 1, 5))
    for day in range(11):  # (a snapshot at version 10)
        referent.logs(long_one, "committee_referral", date(2026, 1, 6 + day), reason="point d'étape")
    corrected = referent.identifies(date(2026, 3, 2))
    referent.orients(corrected, date(2026, 3, 20))
    plain = referent.identifies(date(2026, 3, 3))
    system.app.after_save = None  # from here on, only the worker projects
    referent.logs(long_one, "committee_referral", date(2026, 2, 1), reason="point d'étape")
    referent.orients(plain, date(2026, 3, 21))
    referent.logs(corrected, "corrected", date(2026, 3, 22), corrects_version=2,
                  changes={"occurred_on": date(2026, 3, 19)}, reason="date mal saisie")
    referent.hires(corrected, date(2026, 4, 2))
    new = referent.identifies(date(2026, 3, 25))
    referent.orients(new, date(2026, 3, 26))
    loads = _repository_loads(system, monkeypatch)
    system.projections.projector.forget()  # (a worker that has just started)
    assert system.projections.catch_up() == 6
    assert loads == []
    rows = _rows(system)
    assert rows[str(long_one)] == (13, "identified") and rows[str(corrected)] == (4, "employed")
    assert rows[str(plain)] == (2, "oriented") and rows[str(new)] == (2, "oriented")
    monkeypatch.undo()
    assert replay_check(system.app, system.engine)["ok"]
