"""One URL configures both stores: parsed by SQLAlchemy, so passwords are percent-encoded, a
Unix socket is a `host` option, and the other query options reach libpq for both stores."""

import json

from sqlalchemy import text

from casecommittee.bootstrap import bootstrap
from casecommittee.config import Settings

KEYS = {"CASECOMMITTEE_CIPHER_KEY": "k" * 44, "CASECOMMITTEE_PERSONAL_DATA_KEY": "k" * 44,
        "CASECOMMITTEE_IDENTITY_INDEX_KEY": "k" * 44}


def _settings(url: str, **env) -> Settings:
    return Settings.from_env({"CASECOMMITTEE_DATABASE_URL": url, **KEYS, **env})


def test_a_percent_encoded_password_and_query_options_reach_both_stores():
    settings = _settings("postgresql://cite:p%40ss%3Aw%2Fd@db.example:6432/belfort"
                         "?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem",
                         CASECOMMITTEE_DB_POOL_SIZE="3", CASECOMMITTEE_DB_MAX_OVERFLOW="2")
    url = settings.sqlalchemy_url
    assert (url.drivername, url.username, url.password, url.host, url.port, url.database) == (
        "postgresql+psycopg", "cite", "p@ss:w/d", "db.example", 6432, "belfort")
    assert url.query == {"sslmode": "verify-full", "sslrootcert": "/etc/ssl/ca.pem"}
    env = settings.event_store_env()
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"], env["POSTGRES_HOST"],
            env["POSTGRES_PORT"], env["POSTGRES_DBNAME"]) == ("cite", "p@ss:w/d", "db.example",
                                                              "6432", "belfort")
    assert json.loads(env["LIBPQ_OPTIONS"]) == {
        "connect_timeout": 10, "sslmode": "verify-full", "sslrootcert": "/etc/ssl/ca.pem"}
    assert (env["POSTGRES_POOL_SIZE"], env["POSTGRES_MAX_OVERFLOW"]) == ("3", "2")
    assert settings.engine_options()["pool_size"] == 3
    assert "p@ss" not in str(url), "a printed URL hides the password"


def test_a_unix_socket_is_a_host_option():
    settings = _settings("postgresql://cite@/belfort?host=/var/run/postgresql")
    env = settings.event_store_env()
    assert env["POSTGRES_HOST"] == "/var/run/postgresql" and env["POSTGRES_PORT"] == "5432"
    assert "host" not in json.loads(env["LIBPQ_OPTIONS"])
    assert settings.sqlalchemy_url.query["host"] == "/var/run/postgresql"


def test_the_url_options_are_used_by_both_stores(stores, tmp_path):
    env = stores.env(tmp_path / "var")
    if stores.kind == "postgresql":
        url = env["CASECOMMITTEE_DATABASE_URL"] + "?application_name=casecommittee-test"
        env["CASECOMMITTEE_DATABASE_URL"] = url
    else:
        env["CASECOMMITTEE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'elsewhere.sqlite'}"
    system = bootstrap(Settings.from_env(env))
    try:
        system.reference.add_territory("Belfort")
        assert system.app.recorder.max_notification_id() in (0, None)
        with system.engine.connect() as conn:
            if stores.kind == "postgresql":
                names = conn.execute(text(
                    "SELECT application_name FROM pg_stat_activity WHERE datname = current_database()"
                )).scalars().all()
                # the read models' connection and the event store's pool
                assert names.count("casecommittee-test") >= 2, names
            else:
                assert (tmp_path / "elsewhere.sqlite").exists()
    finally:
        system.close()
        stores.drop(env)
