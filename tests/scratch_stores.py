"""Scratch stores for tests: SQLite files, or fresh databases on the PostgreSQL server named by
CASECOMMITTEE_TEST_DATABASE_URL (`make test-pg` starts a throw-away one)."""

import os
import time
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

from eventsourcing.cryptography import AESCipher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from casecommittee.bootstrap import bootstrap
from casecommittee.config import Settings

#: The server of the PostgreSQL pass (its maintenance database), or None for SQLite.
TEST_DATABASE_URL = os.environ.get("CASECOMMITTEE_TEST_DATABASE_URL") or None


class ScratchStores:
    """Creates empty stores for tests, on SQLite files or in fresh PostgreSQL databases."""

    def __init__(self, server_url: str | None):
        self.server = make_url(server_url).set(drivername="postgresql+psycopg") if server_url else None
        self.keys = {"CASECOMMITTEE_CIPHER_KEY": AESCipher.create_key(32),
                     "CASECOMMITTEE_PERSONAL_DATA_KEY": AESCipher.create_key(32),
                     "CASECOMMITTEE_IDENTITY_INDEX_KEY": AESCipher.create_key(32)}
        self._admin = create_engine(self.server, isolation_level="AUTOCOMMIT") if self.server else None
        self._template: str | None = None

    @property
    def kind(self) -> str:
        """"postgresql" or "sqlite": the backend of this pass."""
        return "postgresql" if self.server else "sqlite"

    def env(self, data_dir: Path | str, **extra: str) -> dict[str, str]:
        """The CASECOMMITTEE_* variables of a new, empty store (for settings or a subprocess).

        On PostgreSQL, a copy of a template database whose tables a first bootstrap created:
        copying is several times faster than creating the tables for every test."""
        env = {"CASECOMMITTEE_DATA_DIR": str(data_dir)}
        if self.server:
            if self._template is None:
                self._template = f"template_{uuid4().hex[:12]}"
                self._create(self._template, data_dir)
                bootstrap(Settings.from_env(self._database_env(self._template, data_dir))).close()
            name = f"test_{uuid4().hex[:16]}"
            self._create(name, data_dir, template=self._template)
            env = self._database_env(name, data_dir)
        return {**env, **extra}

    def _create(self, name: str, data_dir, template: str | None = None) -> None:
        with self._admin.connect() as conn:
            if template:
                _connections_left(conn, template)  # (a copy needs its template alone)
            conn.execute(text(f'CREATE DATABASE "{name}"'
                              + (f' TEMPLATE "{template}"' if template else "")))

    def _database_env(self, name: str, data_dir) -> dict[str, str]:
        url = self.server.set(database=name, drivername="postgresql")
        return {"CASECOMMITTEE_DATA_DIR": str(data_dir), **self.keys,
                "CASECOMMITTEE_DB_POOL_SIZE": "1", "CASECOMMITTEE_DB_MAX_OVERFLOW": "4",
                "CASECOMMITTEE_DATABASE_URL": url.render_as_string(hide_password=False)}

    def settings(self, data_dir: Path | str, **extra: str) -> Settings:
        """Settings of a new, empty store."""
        return Settings.from_env(self.env(data_dir, **extra))

    def drop(self, env_or_settings) -> None:
        """Drops the store's database; fails if a connection to it was left open."""
        url = (env_or_settings.database_url if isinstance(env_or_settings, Settings)
               else env_or_settings.get("CASECOMMITTEE_DATABASE_URL"))
        if not (self.server and url):
            return
        name = make_url(url).database
        with self._admin.connect() as conn:
            left_open = _connections_left(conn, name)
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        assert not left_open, f"{left_open} connection(s) to the test's database left open"

    @contextmanager
    def system(self, data_dir: Path | str, clock=None, **extra: str):
        """A system on a new store, closed and dropped after the block."""
        settings = self.settings(data_dir, **extra)
        try:
            built = bootstrap(settings, clock=clock)
            try:
                yield built
            finally:
                built.close()
        finally:
            self.drop(settings)

    def close(self) -> None:
        """Drops the template database and releases the connection to the server."""
        if self._template is not None:
            self.drop({"CASECOMMITTEE_DATABASE_URL": str(self.server.set(database=self._template))})
        if self._admin is not None:
            self._admin.dispose()


def _connections_left(conn, name: str, seconds: float = 3) -> int:
    """How many connections to database `name` are still open after waiting up to `seconds`
    (a closed connection's server process ends just after)."""
    deadline = time.monotonic() + seconds
    while True:
        left_open = conn.execute(text("SELECT count(*) FROM pg_stat_activity "
                                      "WHERE datname = :name"), {"name": name}).scalar()
        if not left_open or time.monotonic() > deadline:
            return left_open
        time.sleep(0.02)
