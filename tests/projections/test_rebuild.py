"""Rebuilding the read models: in several processes, put in place in one transaction, and safe for
the other processes that keep catching up meanwhile."""

import multiprocessing
import os
from datetime import date, timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import inspect, select, text

from casecommittee.demo import generate
from casecommittee.projections import projector as projector_module
from casecommittee.projections import rebuild as rebuild_module
from casecommittee.projections import runner as runner_module
from casecommittee.projections import staging as staging_module
from casecommittee.projections.committees import committee_decisions, committee_sessions
from casecommittee.projections.pathways import pathway_rows, pathway_versions
from casecommittee.projections.rebuild import (
    ID_SPACE,
    partition_bounds,
    project_in_partitions,
    scratch_files,
)
from casecommittee.projections.replay_check import replay_check
from casecommittee.projections.runner import VIEW_TABLES, ProjectionRunner, positions
from casecommittee.projections.staging import Staging, lock_key


def _read_models(system) -> dict:
    """Every read model's rows, without the versions' surrogate ids."""
    with system.engine.connect() as conn:
        return {
            table.name: sorted(
                (tuple((c, v) for c, v in row._mapping.items() if c != "id")
                 for row in conn.execute(select(table))),
                key=repr,
            )
            for table in VIEW_TABLES
        }


def _a_committee_month(system) -> None:
    """Sessions and decisions: committee events are partitioned like pathway events."""
    copilot = {"user_id": "copilote", "role": "copilot"}
    with system.engine.connect() as conn:
        group_id, first = conn.execute(
            select(pathway_rows.c.group_id, pathway_rows.c.pathway_id)
            .where(pathway_rows.c.stage != "exited", pathway_rows.c.identified_on < date(2026, 6, 1))
        ).first()
        second = conn.execute(
            select(pathway_rows.c.pathway_id)
            .where(pathway_rows.c.group_id == group_id, pathway_rows.c.pathway_id != first)
        ).scalar()
    held = system.app.schedule_committee(group_id=group_id, kind="orientation",
                                         held_on=date(2026, 6, 26), actor=copilot)
    system.app.schedule_committee(group_id=group_id, kind="orientation",
                                  held_on=date(2026, 7, 24), actor=copilot)
    system.app.record_decision(held.id, pathway_id=first, decision="continue",
                               note="poursuite du parcours", actor=copilot)
    system.app.record_decision(held.id, pathway_id=second, decision="postpone", actor=copilot)
    system.app.close_committee(held.id, agenda=[], attendance=["copilote"], actor=copilot)


def test_a_rebuild_in_two_processes_gives_back_what_the_catch_up_built(system, clock):
    list(generate(system.app, system.reference, system.personal_data, people=150, seed=7,
                  today=clock.today()))
    _a_committee_month(system)
    built = _read_models(system)
    assert built[pathway_rows.name] and built[committee_decisions.name]
    assert len(built[committee_sessions.name]) == 2

    read = system.projections.rebuild(partitions=2)

    assert read == system.app.recorder.max_notification_id()
    assert system.projections.position() == read
    assert _read_models(system) == built
    assert replay_check(system.app, system.engine)["ok"]


def test_a_failing_partition_leaves_the_read_models_as_they_were(system, clock, monkeypatch):
    list(generate(system.app, system.reference, system.personal_data, people=40, seed=3,
                  today=clock.today()))
    built = _read_models(system)
    position = system.projections.position()
    monkeypatch.setattr(ProjectionRunner, "_fresh_app", lambda self: 1 / 0)

    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        system.projections.rebuild(partitions=2)
    assert _read_models(system) == built
    assert system.projections.position() == position


def test_a_worker_catching_up_after_a_rebuild_forgets_what_it_had_in_memory(
    system, territory, referent, monkeypatch
):
    """The rebuild replays the log up to where it was when it started; a worker that projected
    the next events meanwhile must not think the rebuilt rows already have them."""
    system.app.after_save = None  # a worker deployment
    pid = referent.identifies(date(2026, 3, 2))
    worker = ProjectionRunner(system.app, system.engine)
    worker.catch_up()
    rebuild_starts_at = system.app.recorder.max_notification_id()
    referent.orients(pid, date(2026, 3, 20))
    worker.catch_up()  # the worker now holds the oriented state in memory

    # another process rebuilds from the log as it was before the orientation
    monkeypatch.setattr(system.app.recorder, "max_notification_id", lambda: rebuild_starts_at)
    ProjectionRunner(system.app, system.engine).rebuild(partitions=1)
    monkeypatch.undo()
    with system.engine.connect() as conn:
        assert conn.execute(select(pathway_rows.c.stage)).scalar() == "identified"

    worker.catch_up()
    with system.engine.connect() as conn:
        assert conn.execute(select(pathway_rows.c.stage, pathway_rows.c.version)).one() == ("oriented", 2)
        # the identified summary, closed by the orientation (the oriented one is the row's)
        assert conn.execute(select(pathway_versions.c.version)).scalars().all() == [1]


def test_a_partition_process_that_dies_is_reported_not_waited_for(system, clock, monkeypatch):
    list(generate(system.app, system.reference, system.personal_data, people=20, seed=5,
                  today=clock.today()))
    built = _read_models(system)

    def dies(self):
        os._exit(3)  # killed: no traceback, no report

    monkeypatch.setattr(ProjectionRunner, "_fresh_app", dies)
    with pytest.raises(RuntimeError, match="ended with code 3"):
        system.projections.rebuild(partitions=2)
    assert _read_models(system) == built
    assert _staging_tables(system) == []  # the rebuild dropped its own


@pytest.mark.sqlite_only
def test_rows_copied_through_the_driver_are_those_attached_files_give(system, clock, tmp_path):
    """The copy's portable path (for servers that can't attach a file) copies the same rows.
    (On PostgreSQL it is the only path: every rebuild test of that pass takes it.)"""
    list(generate(system.app, system.reference, system.personal_data, people=30, seed=9,
                  today=clock.today()))
    runner = system.projections
    paths = list(project_in_partitions(
        system.app, runner._fresh_app, runner.projector.territory_of.every_group().get,
        VIEW_TABLES, tmp_path, 2, system.app.recorder.max_notification_id()))
    assert len(paths) > 2  # the second partition wrote its range in pieces
    attached = _read_models(system)
    with system.engine.connect() as conn:
        staging = Staging(VIEW_TABLES)
        staging.create(conn)
        with conn.begin():
            for path in paths:
                staging_module._copy_through(conn, VIEW_TABLES, staging.staged, path)
        staging.swap(conn, positions.update().values(position=positions.c.position))
    assert _read_models(system) == attached


@pytest.mark.postgres_only
def test_a_rebuild_on_postgresql_copies_its_rows_in_and_gives_what_the_catch_up_built(
        system, clock, monkeypatch):
    """On PostgreSQL the scratch files' rows go into the staging tables by `COPY … FROM STDIN`
    (every row of every piece but the statistics cells', added up), and the read models are those the catch-up built, JSON
    documents, dates and times included. (On SQLite, attached files are copied as they are:
    the test above.)"""
    list(generate(system.app, system.reference, system.personal_data, people=40, seed=11,
                  today=clock.today()))
    _a_committee_month(system)
    built = _read_models(system)
    copied = []
    copy_rows = staging_module.copy_rows
    monkeypatch.setattr(staging_module, "copy_rows", lambda conn, table, columns, rows: copied.append(
        (table.name, copy_rows(conn, table, columns, rows))))

    system.projections.rebuild(partitions=2)

    assert _read_models(system) == built
    by_table = {}
    for name, count in copied:
        table = name.split("_", 3)[3]
        by_table[table] = by_table.get(table, 0) + count
    # (the statistics cells, counters that the partitions add up, go in by upsert instead)
    assert by_table == {table.name: len(rows) for table, rows in
                        zip(VIEW_TABLES, built.values(), strict=True) if "additive" not in table.info}


def _staging_tables(system) -> list[str]:
    with system.engine.connect() as conn:
        return [name for name in inspect(conn).get_table_names() if name.startswith("rebuilding_")]


@pytest.mark.sqlite_only
def test_a_rebuild_drops_what_a_crashed_rebuild_left_not_what_a_running_one_fills(system, clock):
    """A rebuild killed mid-way leaves its staging tables behind: the next rebuild drops them
    (even before the killed process is reaped), and those an earlier rebuild of its own process
    could not drop, but not those of a rebuild whose process still runs. (PostgreSQL: the test
    after this one.)"""
    list(generate(system.app, system.reference, system.personal_data, people=10, seed=3,
                  today=clock.today()))
    context = multiprocessing.get_context("fork")
    reaped, killed = context.Process(target=int), context.Process(target=int)
    for ended in (reaped, killed):
        ended.start()
    reaped.join()
    with system.engine.begin() as conn:
        for pid in (reaped.pid, killed.pid, os.getpid(), os.getppid()):
            conn.exec_driver_sql(f"CREATE TABLE rebuilding_{pid}_0a1b2c_pathway_rows (x INTEGER)")
    os.waitid(os.P_PID, killed.pid, os.WEXITED | os.WNOWAIT)  # ended, not reaped: a zombie

    system.projections.rebuild(partitions=2)

    assert _staging_tables(system) == [f"rebuilding_{os.getppid()}_0a1b2c_pathway_rows"]
    killed.join()


@pytest.mark.postgres_only
def test_a_rebuild_drops_the_staging_tables_no_running_rebuild_holds(system, clock):
    """On PostgreSQL rebuilds run on any node: a running one holds its tables' advisory lock on
    its connection, a crashed one's connection ended and released it. The next rebuild drops
    the crashed one's tables, not those of the one still filling its own elsewhere."""
    list(generate(system.app, system.reference, system.personal_data, people=10, seed=3,
                  today=clock.today()))
    running, crashed = "rebuilding_4242_0a1b2c_", "rebuilding_4343_0d1e2f_"
    with system.engine.begin() as conn:
        for prefix in (running, crashed):
            conn.exec_driver_sql(f"CREATE TABLE {prefix}pathway_rows (x INTEGER)")
    with system.engine.connect() as other_node:
        other_node.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock_key(running)})
        other_node.commit()

        system.projections.rebuild(partitions=2)

        assert _staging_tables(system) == [f"{running}pathway_rows"]
        other_node.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(running)})
        other_node.commit()


@pytest.mark.postgres_only
def test_the_swapped_tables_carry_the_names_of_those_they_replace(system, clock):
    """PostgreSQL keeps constraint and sequence names through a table rename: the swap gives
    them back the live tables' names, so a second rebuild (and a reader of the catalogue) finds
    no trace of the staging tables."""
    list(generate(system.app, system.reference, system.personal_data, people=10, seed=2,
                  today=clock.today()))
    for _ in range(2):
        system.projections.rebuild(partitions=1)
    with system.engine.connect() as conn:
        names = conn.execute(text(
            "SELECT conname FROM pg_constraint UNION ALL SELECT relname FROM pg_class")).scalars().all()
    assert [name for name in names if name.startswith("rebuilding_")] == []
    assert {"pathway_rows_pkey", "pathway_versions_pkey", "pathway_versions_id_seq"} <= set(names)
    # the secondary indexes, built on the staging tables before the swap, renamed in it
    with system.engine.connect() as conn:
        indexes = set(conn.execute(text("SELECT tablename, indexname FROM pg_indexes")).all())
    assert {(t.name, i.name) for t in VIEW_TABLES for i in t.indexes} <= indexes
    system.projections.catch_up()


@pytest.mark.postgres_only
def test_a_rebuild_on_postgresql_keeps_an_index_s_options(system, clock, monkeypatch):
    """The staging tables' indexes are built before the swap from the live tables' own
    definitions, their PostgreSQL options included (a covering index's `INCLUDE`): a rebuild
    must not silently hand back a narrower index than the schema declares."""
    from casecommittee.projections.pathways import pathway_rows

    list(generate(system.app, system.reference, system.personal_data, people=10, seed=2,
                  today=clock.today()))
    index = next(i for i in pathway_rows.indexes if i.name == "ix_pathway_rows_group_stage")
    monkeypatch.setitem(index.dialect_options["postgresql"]._non_defaults, "include", ["referent_id"])

    system.projections.rebuild(partitions=1)

    with system.engine.connect() as conn:
        definition = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"),
                                  {"name": index.name}).scalar_one()
    assert "INCLUDE (referent_id)" in definition, definition


def test_a_swap_that_would_not_be_one_transaction_is_refused(system):
    """The SQLite driver runs a table change outside any transaction until a data change opens
    one: a swap must start with one (the position's), or a failure would leave half a swap."""
    with system.engine.connect() as conn:
        staging = Staging(VIEW_TABLES)
        staging.create(conn)
        with pytest.raises(ValueError, match="data change"):
            staging.swap(conn)
        staging.drop(conn)
    assert _staging_tables(system) == []


@given(st.integers(1, 16), st.booleans())
def test_the_scratch_files_cover_the_id_space_in_order(parts, pieced):
    """Each process's files are consecutive ranges of its partition, numbered in order, and
    together they cover every id once."""
    plan = scratch_files(parts, pieced)
    assert len(plan) == parts and len(plan[0]) == 1
    files = [file for process in plan for file in process]
    assert [number for number, _low, _high in files] == list(range(len(files)))
    assert files[0][1] == 0 and files[-1][2] == ID_SPACE
    assert all(low < high for _number, low, high in files)
    assert all(a[2] == b[1] for a, b in zip(files, files[1:], strict=False))
    for part, process in enumerate(plan):
        assert (process[0][1], process[-1][2]) == partition_bounds(parts)[part:part + 2]


def test_empty_read_models_facing_a_long_log_are_rebuilt_not_caught_up(system, clock, monkeypatch):
    """After an upgrade that changed the read models, `serve` replays the log the fast way."""
    list(generate(system.app, system.reference, system.personal_data, people=20, seed=4,
                  today=clock.today()))
    built = _read_models(system)
    system.projections.reset()
    monkeypatch.setattr(runner_module, "PARALLEL_FROM", 10)
    rebuilds = []
    original = ProjectionRunner.rebuild
    monkeypatch.setattr(ProjectionRunner, "rebuild",
                        lambda self, **kw: rebuilds.append(kw) or original(self, **kw))

    system.projections.bring_up_to_date()

    assert len(rebuilds) == 1 and _read_models(system) == built
    system.projections.bring_up_to_date()  # up to date: nothing more to do
    assert len(rebuilds) == 1


def _steps_that_interleave(referent) -> None:
    """Twelve people identified, then oriented, then some hired and validated, step by step:
    each pathway's events far apart in the log."""
    start = date(2025, 9, 1)
    pathways = [referent.identifies(start + timedelta(days=n)) for n in range(12)]
    for n, pid in enumerate(pathways):
        referent.orients(pid, start + timedelta(days=30 + n))
    for n, pid in enumerate(pathways[:8]):
        referent.hires(pid, start + timedelta(days=60 + n))
    for n, pid in enumerate(pathways[:5]):
        referent.validates_follow_up(pid, start + timedelta(days=60 + n))


def test_a_log_where_pathways_interleave_is_rebuilt_pathway_by_pathway(
    system, territory, referent, monkeypatch
):
    """In a real Cité the steps of hundreds of pathways interleave in the log, month after
    month: a rebuild reads each pathway's events together, so it never needs a state that left
    its cache, however small, and never reloads a pathway from the store (SQLite and
    PostgreSQL both read a range of the events' primary key)."""
    _steps_that_interleave(referent)
    built = _read_models(system)
    system.projections.projector.cache_size = 2
    reloads = []
    get_pathway = type(system.app).get_pathway
    monkeypatch.setattr(type(system.app), "get_pathway",
                        lambda app, *args: reloads.append(args) or get_pathway(app, *args))

    system.projections.rebuild(partitions=2)

    assert _read_models(system) == built
    assert reloads == []


def test_a_referent_logs_a_step_while_the_rebuild_copies_its_pieces(
    system, territory, referent, monkeypatch
):
    """Writers wait for one piece's copy at a time, not for the whole rebuild: a step logged
    between two pieces is saved and projected at once. The swap then puts in place the read
    models rebuilt up to where the rebuild started, and the next catch-up applies the step."""
    _steps_that_interleave(referent)
    pathway_id = referent.identifies(date(2025, 10, 1))
    copy, logged = Staging.copy, []

    def copy_then_log(staging, conn, path):
        copy(staging, conn, path)
        if not logged:  # the first piece is in: a referent orients someone meanwhile
            logged.append(referent.orients(pathway_id, date(2025, 10, 20)))
            with system.engine.connect() as other:
                assert other.execute(select(pathway_rows.c.stage).where(
                    pathway_rows.c.pathway_id == str(pathway_id))).scalar() == "oriented"

    monkeypatch.setattr(Staging, "copy", copy_then_log)
    stop = system.app.recorder.max_notification_id()
    assert system.projections.rebuild(partitions=2) == stop
    monkeypatch.undo()

    assert logged and system.projections.position() == stop
    system.projections.catch_up()
    caught_up = _read_models(system)
    system.projections.rebuild(partitions=1)
    assert caught_up == _read_models(system)
    assert ("stage", "oriented") in next(
        row for row in caught_up["pathway_rows"] if ("pathway_id", str(pathway_id)) in row)


@pytest.mark.sqlite_only
def test_the_swap_gives_its_connection_back_as_it_found_it(system, clock):
    """The swap lets SQLite free the old tables' pages without zeroing them; the pooled
    connection it used is handed back with the setting it had. (PostgreSQL has no such
    setting: its swap's own test is the one on constraint names.)"""
    list(generate(system.app, system.reference, system.personal_data, people=10, seed=2,
                  today=clock.today()))
    with system.engine.connect() as conn:
        before = conn.exec_driver_sql("PRAGMA secure_delete").scalar()
    system.projections.rebuild(partitions=1)
    with system.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == before


def test_a_store_read_in_the_log_order_gives_the_same_read_models(
    system, territory, referent, monkeypatch
):
    """Stores other than SQLite and PostgreSQL are replayed in the log's order, each partition keeping its own
    events from every notification: the same rows, committees included, even when pathways
    interleave and leave a small cache (they are then reloaded from the store)."""
    _steps_that_interleave(referent)
    _a_committee_month(system)
    built = _read_models(system)
    system.projections.projector.cache_size = 2
    monkeypatch.setattr(rebuild_module, "_reader_of", lambda app: rebuild_module._in_log_order)
    reads = []
    monkeypatch.setattr(rebuild_module, "_in_log_order",
                        lambda *args, _read=rebuild_module._in_log_order: reads.append(args) or _read(*args))

    system.projections.rebuild(partitions=2)

    assert reads and _read_models(system) == built


@given(st.integers(0, 2**128 - 1), st.integers(1, 16), st.booleans())
def test_each_aggregate_id_lies_in_the_id_range_of_one_scratch_file(number, parts, pieced):
    """The partitions read ranges of the ids as the store sorts them (as text on SQLite): each
    id lies in the range of exactly one scratch file, compared as numbers and as texts."""
    originator_id = UUID(int=number)
    files = [file for process in scratch_files(parts, pieced) for file in process]
    holding = [(low, high) for _number, low, high in files if low <= number < high]
    assert len(holding) == 1
    (low, high), = holding
    assert str(UUID(int=low)) <= str(originator_id)
    if high < ID_SPACE:
        assert str(originator_id) < str(UUID(int=high))


def test_cells_written_after_each_pathway_reloaded_from_the_store_add_up_to_the_same(
    system, territory, referent, monkeypatch
):
    """A store read in the log's order with a cache of 2 writes pathways again when they come
    back (their summary's figures taken off their cells, and the cells left at 0 deleted):
    with the changes written after every pathway, a rebuild's cells are still those kept step
    by step."""
    _steps_that_interleave(referent)
    built = _read_models(system)
    assert built["statistics_cells"]
    system.projections.projector.cache_size = 2
    monkeypatch.setattr(rebuild_module, "_reader_of", lambda app: rebuild_module._in_log_order)
    monkeypatch.setattr(projector_module, "CELL_DELTAS_HELD", 0)

    system.projections.rebuild(partitions=2)

    assert _read_models(system) == built
