"""None is bound as NULL by the sqlite3 driver through the adapter `db` registers for it (the
driver's quick path, bench/README.md): what is stored is the same NULL as without it."""

import sqlite3

from casecommittee.db import _NONE_OF, make_engine


def test_a_rebuild_writing_none_stores_null(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'read_models.sqlite'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE versions (pathway_id TEXT, exited_on DATE, days INTEGER)")
        conn.exec_driver_sql("INSERT INTO versions VALUES (?, ?, ?)",
                             [("p1", None, 12), ("p2", "2026-03-01", None), (None, None, None)])
        stored = conn.exec_driver_sql(
            "SELECT typeof(pathway_id), typeof(exited_on), typeof(days) FROM versions ORDER BY rowid").all()
    engine.dispose()
    assert stored == [("text", "null", "integer"), ("text", "text", "null"), ("null", "null", "null")]


def test_the_driver_adapts_none_with_the_registered_function():
    assert sqlite3.adapters[(type(None), sqlite3.PrepareProtocol)] is _NONE_OF
    assert sqlite3.adapt(None) is None
