"""The replay check as an auditor runs it: the read models replayed from the log into a scratch
store of the same kind (a scratch schema on PostgreSQL, a scratch file on SQLite), compared
side by side in key order, and the scratch gone afterwards, even after a failure or a crash."""

import os
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update

from casecommittee.demo import generate
from casecommittee.projections import replay_check as replay_check_module
from casecommittee.projections.pathways import pathway_rows, pathway_versions
from casecommittee.projections.replay_check import drop_abandoned_scratch, replay_check
from casecommittee.projections.runner import ProjectionRunner
from casecommittee.projections.staging import lock_key


@pytest.fixture
def scratch_root(monkeypatch, tmp_path):
    """A temporary directory of this test's own, where SQLite checks put their scratch."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def _leftovers(system, root: Path) -> list[str]:
    """The scratch a check left: schemas on PostgreSQL, directories on SQLite."""
    if system.engine.dialect.name == "postgresql":
        with system.engine.connect() as conn:
            return conn.execute(text("SELECT nspname FROM pg_namespace "
                                     "WHERE starts_with(nspname, 'replay_check_')")).scalars().all()
    return [p.name for p in root.iterdir()]


@pytest.fixture
def territory_store(system, clock, scratch_root):
    """A territory of 12 people's pathways, committees and decisions, projected."""
    list(generate(system.app, system.reference, system.personal_data, people=12, seed=5,
                  today=clock.today()))
    system.projections.catch_up()
    return system


def test_a_clean_store_replays_without_a_difference(territory_store, scratch_root):
    report = replay_check(territory_store.app, territory_store.engine, batch=7)

    assert report["ok"] and report["difference_count"] == 0
    counts = ProjectionRunner(territory_store.app, territory_store.engine).counts()
    assert report["tables"] == counts
    assert counts["pathway_versions"] > 7  # read over several batches on each side
    assert _leftovers(territory_store, scratch_root) == []


def test_tampered_read_model_rows_are_each_reported(territory_store):
    """A changed stage, a version deleted and another invented: the auditor sees each, with
    its key, and nothing else."""
    engine = territory_store.engine
    with engine.begin() as conn:
        first, second = conn.execute(select(pathway_rows.c.pathway_id)
                                     .order_by(pathway_rows.c.pathway_id).limit(2)).scalars()
        stage = conn.execute(select(pathway_rows.c.stage)
                             .where(pathway_rows.c.pathway_id == first)).scalar()
        conn.execute(update(pathway_rows).where(pathway_rows.c.pathway_id == first)
                     .values(stage="identified" if stage == "exited" else "exited", version=99))
        version = conn.execute(select(pathway_versions.c.version)
                               .where(pathway_versions.c.pathway_id == second)
                               .order_by(pathway_versions.c.version).limit(1)).scalar()
        conn.execute(delete(pathway_versions).where(pathway_versions.c.pathway_id == second,
                                                    pathway_versions.c.version == version))
        invented = conn.execute(select(pathway_versions).where(
            pathway_versions.c.pathway_id == first).limit(1)).mappings().one()
        conn.execute(pathway_versions.insert().values(
            {**{k: v for k, v in invented.items() if k != "id"}, "version": 999}))

    report = replay_check(territory_store.app, engine, batch=5)

    assert not report["ok"] and report["difference_count"] == 3
    assert sorted((d["table"], d["key"], d["problem"], d["columns"])
                  for d in report["differences"]) == sorted([
        ("pathway_rows", [first], "differs", ["stage", "version"]),
        ("pathway_versions", [second, str(version)], "missing", []),
        ("pathway_versions", [first, "999"], "unexpected", []),
    ])


def test_the_report_lists_a_few_differences_and_counts_them_all(territory_store):
    with territory_store.engine.begin() as conn:
        conn.execute(update(pathway_rows).values(version=pathway_rows.c.version + 100))
    report = replay_check(territory_store.app, territory_store.engine, limit=2)
    assert len(report["differences"]) == 2
    assert report["difference_count"] == report["tables"]["pathway_rows"] == 12


def test_the_replay_goes_into_a_scratch_store_of_the_same_kind(territory_store, monkeypatch):
    """On PostgreSQL the replay is written in a scratch schema of the same database (the live
    tables untouched meanwhile), on SQLite in a scratch file."""
    seen = []
    rebuild = ProjectionRunner.rebuild

    def spy(runner, **options):
        with runner.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                seen.append(("postgresql", conn.exec_driver_sql("SELECT current_schema()").scalar(),
                             conn.exec_driver_sql("SELECT current_database()").scalar()))
            else:
                seen.append(("sqlite", Path(runner.engine.url.database).parent.name, None))
        return rebuild(runner, **options)

    monkeypatch.setattr(ProjectionRunner, "rebuild", spy)
    assert replay_check(territory_store.app, territory_store.engine)["ok"]

    [(kind, place, database)] = seen
    assert kind == territory_store.engine.dialect.name
    if kind == "postgresql":
        assert replay_check_module.SCRATCH_SCHEMA.fullmatch(place)
        assert database == territory_store.engine.url.database
    else:
        assert place.startswith(f"casecommittee-replay-check-{os.getpid()}-")


def test_a_check_that_fails_midway_leaves_no_scratch(territory_store, scratch_root, monkeypatch):
    def fails(_runner, **_options):
        raise RuntimeError("the replay stopped")

    monkeypatch.setattr(ProjectionRunner, "rebuild", fails)
    with pytest.raises(RuntimeError, match="stopped"):
        replay_check(territory_store.app, territory_store.engine)
    assert _leftovers(territory_store, scratch_root) == []


@pytest.mark.postgres_only
def test_the_next_check_drops_the_scratch_schema_of_a_crashed_one(territory_store):
    """A crashed check's connection ended, releasing its schema's advisory lock: the next
    check drops that schema, not the one another node's check still holds."""
    crashed, running = "replay_check_0123456789ab", "replay_check_ba9876543210"
    engine = territory_store.engine
    with engine.begin() as conn:
        for schema in (crashed, running):
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            conn.exec_driver_sql(f'CREATE TABLE "{schema}".pathway_rows (x INTEGER)')
    with engine.connect() as other_node:
        other_node.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock_key(running)})
        other_node.commit()

        assert replay_check(territory_store.app, engine)["ok"]

        assert _leftovers(territory_store, None) == [running]
        other_node.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(running)})
        other_node.commit()
    with engine.connect() as conn:
        assert drop_abandoned_scratch(conn) == [running]
    assert _leftovers(territory_store, None) == []


@pytest.mark.sqlite_only
def test_the_next_check_removes_the_scratch_file_of_a_crashed_one(territory_store, scratch_root):
    """A crashed check's process no longer runs: the next check removes its directory, not
    the one of a check still running in another process."""
    crashed = multiprocessing_pid_that_ended()
    for pid in (crashed, os.getppid()):
        directory = scratch_root / f"casecommittee-replay-check-{pid}-x1y2"
        directory.mkdir()
        (directory / "replay.sqlite").write_bytes(b"")

    assert replay_check(territory_store.app, territory_store.engine)["ok"]

    assert _leftovers(territory_store, scratch_root) == [f"casecommittee-replay-check-{os.getppid()}-x1y2"]


def multiprocessing_pid_that_ended() -> int:
    """The id of a child process that has ended and been reaped."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def test_a_territory_s_report_counts_the_other_differences_without_listing_them(territory_store):
    """The same drift read by the territory's evaluator and by another territory's: one lists
    (a few of) them, the other only counts them; each sees only its own rows."""
    from casecommittee.projections.replay_scope import OWNERS
    from casecommittee.projections.runner import VIEW_TABLES

    assert set(OWNERS) == {table.name for table in VIEW_TABLES}  # every table has an owner
    with territory_store.engine.connect() as conn:
        territory_id = conn.execute(select(pathway_rows.c.territory_id).limit(1)).scalar()
    with territory_store.engine.begin() as conn:
        conn.execute(update(pathway_rows).values(version=pathway_rows.c.version + 100))

    ours = replay_check(territory_store.app, territory_store.engine, limit=2, batch=5,
                        territory_id=territory_id)
    assert ours["territory_id"] == territory_id and not ours["ok"]
    assert len(ours["differences"]) == 2 and ours["difference_count"] == 12
    assert ours["differences_elsewhere"] == 0
    assert ours["tables"] == ProjectionRunner(territory_store.app, territory_store.engine).counts()

    theirs = replay_check(territory_store.app, territory_store.engine, batch=5,
                          territory_id="t-ailleurs")
    assert not theirs["ok"]  # the check is one: their figures rest on the same rebuild
    assert theirs["differences"] == [] and theirs["difference_count"] == 0
    assert theirs["differences_elsewhere"] == 12
    assert set(theirs["tables"].values()) == {0}
