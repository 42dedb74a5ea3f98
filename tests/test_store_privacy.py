"""The store at rest: the database password is never printed, identities are written durably
(and their deleted versions zeroed), and an upgrade leaves nothing of the responses older
versions kept in clear."""

import json
import sqlite3
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

import casecommittee.cli as cli
from casecommittee.bootstrap import bootstrap
from casecommittee.config import Settings

PASSWORD = "s3cr3t-Mot2passe"
POSTGRES = f"postgresql://casecommittee:{PASSWORD}@db.example.org:5432/cite"


def test_init_never_prints_the_database_password(monkeypatch):
    settings = Settings.from_env({"CASECOMMITTEE_DATABASE_URL": POSTGRES,
                                  "CASECOMMITTEE_CIPHER_KEY": "x", "CASECOMMITTEE_PERSONAL_DATA_KEY": "y"})
    monkeypatch.setattr(cli, "bootstrap", lambda: SimpleNamespace(settings=settings, close=lambda: None))
    result = CliRunner().invoke(cli.main, ["init"])
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert "postgresql+psycopg://casecommittee:***@db.example.org:5432/cite" in result.output


@pytest.mark.sqlite_only
def test_identities_are_committed_durably_and_their_old_versions_zeroed(system):
    """(PostgreSQL commits durably by default, and vacuums the erased rows' old versions.)"""
    with system.personal_data.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL: synced at commit
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    with system.engine.connect() as conn:  # the read models keep their faster setting
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1


@pytest.mark.sqlite_only
def test_an_upgrade_leaves_nothing_of_the_responses_kept_in_clear(tmp_path):
    """(Older versions ran on SQLite only: no PostgreSQL store holds such responses.)"""
    data_dir = tmp_path / "var"
    bootstrap(Settings.from_env({"CASECOMMITTEE_DATA_DIR": str(data_dir)})).close()
    database = sqlite3.connect(data_dir / "casecommittee.sqlite")  # as an older version left it
    database.execute("CREATE TABLE idempotency_keys (key TEXT, user_id TEXT, request_hash TEXT, "
                     "status INTEGER, body JSON, headers JSON, created_at DATETIME)")
    for number in range(200):
        body = {"person": {"first_name": "Inès", "last_name": "Benali", "birth_date": "2007-04-02"},
                "padding": "x" * 500}
        database.execute("INSERT INTO idempotency_keys VALUES (?, 'referent', 'h', 201, ?, '{}', "
                         "'2026-06-01')", (f"k{number}", json.dumps(body, ensure_ascii=False)))
    database.commit()
    database.execute("DELETE FROM idempotency_keys WHERE key < 'k5'")  # free pages, in clear
    database.commit()
    database.close()
    assert any(b"Benali" in p.read_bytes() for p in data_dir.glob("*.sqlite*"))

    system = bootstrap(Settings.from_env({"CASECOMMITTEE_DATA_DIR": str(data_dir)}))
    try:
        with system.engine.connect() as conn:
            tables = conn.exec_driver_sql("SELECT name FROM sqlite_master").scalars().all()
        assert "idempotency_keys" not in tables
        assert [p.name for p in data_dir.rglob("*") if p.is_file() and b"Benali" in p.read_bytes()] == []
    finally:
        system.close()


def test_a_failed_statement_never_tells_the_values_it_carried(system, caplog):
    """A statement that fails (a duplicate, a lost connection) is logged with its traceback by
    the 500 handler and the projections' stall report: its SQL is told, never its values (an
    old event's text written in clear, a person's name typed by a professional)."""
    from sqlalchemy.exc import IntegrityError

    from casecommittee.stores.reference import users

    row = {"id": "u-ines", "name": "Inès Benali", "role": "referent", "territory_id": None,
           "group_ids": [], "structure_id": None}
    for engine in (system.engine, system.personal_data.engine):
        with pytest.raises(IntegrityError) as failed:
            with engine.begin() as conn:
                conn.execute(users.insert().values(**row))
                conn.execute(users.insert().values(**row))
        assert "Benali" not in str(failed.value) and "INSERT INTO users" in str(failed.value)
