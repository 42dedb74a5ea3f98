"""Every setting, read from the environment, with embedded defaults that need no server.

| variable | default | meaning |
|---|---|---|
| CASECOMMITTEE_DATA_DIR | ./var | where the embedded SQLite files and generated keys live |
| CASECOMMITTEE_DATABASE_URL | (SQLite in the data dir) | a `postgresql://user:pw@host:port/db` URL to scale out (see below) |
| CASECOMMITTEE_DB_POOL_SIZE | 2 | PostgreSQL connections each pool of a process keeps open |
| CASECOMMITTEE_DB_MAX_OVERFLOW | 3 | connections a pool may open beyond that under load |
| CASECOMMITTEE_DB_POOL_TIMEOUT | 30 | seconds a request waits for a free connection before failing |
| CASECOMMITTEE_DB_CONNECT_TIMEOUT | 10 | seconds to establish one connection |
| CASECOMMITTEE_CIPHER_KEY | generated into DATA_DIR/keys | AES key (base64) for the event store |
| CASECOMMITTEE_PERSONAL_DATA_KEY | generated into DATA_DIR/keys | AES key (base64) wrapping each person's key |
| CASECOMMITTEE_IDENTITY_INDEX_KEY | generated into DATA_DIR/keys | HMAC key (base64) of the blind index that finds a person already known |
| CASECOMMITTEE_IMPORT_MAX_BYTES | 5242880 | a spreadsheet to import longer than this is refused |
| CASECOMMITTEE_IMPORT_MAX_ROWS | 10000 | a spreadsheet to import with more rows than this is refused |
| CASECOMMITTEE_SNAPSHOT_INTERVAL | 10 | a pathway snapshot every N events |
| CASECOMMITTEE_WEBHOOK_URL | (none) | a partner tool that receives every notification, signed |
| CASECOMMITTEE_WEBHOOK_SECRET | (none) | the HMAC-SHA256 secret of those webhooks (required with the URL) |
| CASECOMMITTEE_JOBS_HOUR | 6 | the hour (UTC) of the daily jobs |
| CASECOMMITTEE_RETENTION_DAYS | 730 | identities are erased this long after a pathway's last step |
| CASECOMMITTEE_SESSION_IDLE_MINUTES | 30 | a signed-in page session ends after this long without a request |
| CASECOMMITTEE_SIGN_IN_MAX_FAILURES | 5 | wrong passwords in a row before the account is locked |
| CASECOMMITTEE_LOCKOUT_MINUTES | 15 | how long a locked account stays locked |
| CASECOMMITTEE_MAX_BODY_BYTES | 65536 | a request body longer than this is refused (413) before it is read |
| CASECOMMITTEE_PROJECTIONS | inline | `inline`: read models catch up after each save; `worker`: only `casecommittee project --follow` does |
| CASECOMMITTEE_IDEMPOTENCY_KEY_HOURS | 24 | an `Idempotency-Key`'s answer is replayed this long; then the key may serve again |
| CASECOMMITTEE_OIDC_ISSUER | (none) | an OpenID Connect provider (e.g. ProConnect) for "sign in with…" on the pages; its `/.well-known/openid-configuration` is read |
| CASECOMMITTEE_OIDC_CLIENT_ID | (none) | this service's client id at that provider (required with the issuer) |
| CASECOMMITTEE_OIDC_CLIENT_SECRET | (none) | its client secret (required with the issuer) |
| CASECOMMITTEE_OIDC_LABEL | ProConnect | the provider's name on the sign-in button |
| CASECOMMITTEE_TOKEN_CACHE_SECONDS | 5 | a web process keeps a token's user this long (0: read it on every request); a revocation by another process, or a user's new groups, apply within it |

One URL configures both the event store and the read models; it is parsed by SQLAlchemy's
`make_url`, so a password is percent-encoded (`p%40ss` for `p@ss`), a Unix socket is a `host`
query option (`postgresql://app@/cite?host=/var/run/postgresql`), and every other query option
(`sslmode=verify-full`, `sslrootcert=…`, `application_name=…`) goes to libpq for both stores.

Connection budget: each process opens three pools (event store, read models, personal data),
each of at most POOL_SIZE + MAX_OVERFLOW connections, and a worker one more to listen for new
events. So (processes × 3) × (POOL_SIZE + MAX_OVERFLOW) + workers must stay below the server's
`max_connections` (100 by default): two nodes of 2 gunicorn workers and one worker need at
most 5 × 3 × 5 + 1 = 76 with the defaults.
"""

import json
import os
import stat
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from eventsourcing.cryptography import AESCipher
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

#: The embedded store's files (the read models' and the event store's), under the data dir.
SQLITE_FILES = ("casecommittee.sqlite", "events.sqlite")


class ConfigurationError(Exception):
    """A setting is missing or wrong; the message names the variable to fix."""


def _whole_number(env, name: str, default: int) -> int:
    try:
        return int(env.get(name, default))
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, e.g. {default}") from None


@dataclass(frozen=True)
class Settings:
    """The resolved configuration of one process."""

    data_dir: Path
    database_url: str | None = None
    cipher_key: str | None = None
    personal_data_key: str | None = None
    identity_index_key: str | None = None
    import_max_bytes: int = 5 * 1024 * 1024
    import_max_rows: int = 10_000
    snapshot_interval: int = 10
    inline_projections: bool = True
    webhook_url: str | None = None
    webhook_secret: str | None = None
    jobs_hour: int = 6
    retention_days: int = 730
    pool_size: int = 2
    max_overflow: int = 3
    pool_timeout: int = 30
    connect_timeout: int = 10
    session_idle_minutes: int = 30
    sign_in_max_failures: int = 5
    lockout_minutes: int = 15
    max_body_bytes: int = 65536
    idempotency_key_hours: int = 24
    token_cache_seconds: int = 5
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_label: str = "ProConnect"

    @classmethod
    def from_env(cls, environ: dict | None = None, **overrides) -> "Settings":
        """Reads the CASECOMMITTEE_* variables (see the module docstring)."""
        env = os.environ if environ is None else environ
        interval = _whole_number(env, "CASECOMMITTEE_SNAPSHOT_INTERVAL", 10)
        values = dict(
            data_dir=Path(env.get("CASECOMMITTEE_DATA_DIR", "var")),
            database_url=env.get("CASECOMMITTEE_DATABASE_URL") or None,
            cipher_key=env.get("CASECOMMITTEE_CIPHER_KEY") or None,
            personal_data_key=env.get("CASECOMMITTEE_PERSONAL_DATA_KEY") or None,
            identity_index_key=env.get("CASECOMMITTEE_IDENTITY_INDEX_KEY") or None,
            import_max_bytes=_whole_number(env, "CASECOMMITTEE_IMPORT_MAX_BYTES", 5 * 1024 * 1024),
            import_max_rows=_whole_number(env, "CASECOMMITTEE_IMPORT_MAX_ROWS", 10_000),
            snapshot_interval=interval,
            inline_projections=env.get("CASECOMMITTEE_PROJECTIONS", "inline") != "worker",
            webhook_url=env.get("CASECOMMITTEE_WEBHOOK_URL") or None,
            webhook_secret=env.get("CASECOMMITTEE_WEBHOOK_SECRET") or None,
            jobs_hour=_whole_number(env, "CASECOMMITTEE_JOBS_HOUR", 6),
            retention_days=_whole_number(env, "CASECOMMITTEE_RETENTION_DAYS", 730),
            pool_size=_whole_number(env, "CASECOMMITTEE_DB_POOL_SIZE", 2),
            max_overflow=_whole_number(env, "CASECOMMITTEE_DB_MAX_OVERFLOW", 3),
            pool_timeout=_whole_number(env, "CASECOMMITTEE_DB_POOL_TIMEOUT", 30),
            connect_timeout=_whole_number(env, "CASECOMMITTEE_DB_CONNECT_TIMEOUT", 10),
            session_idle_minutes=_whole_number(env, "CASECOMMITTEE_SESSION_IDLE_MINUTES", 30),
            sign_in_max_failures=_whole_number(env, "CASECOMMITTEE_SIGN_IN_MAX_FAILURES", 5),
            lockout_minutes=_whole_number(env, "CASECOMMITTEE_LOCKOUT_MINUTES", 15),
            max_body_bytes=_whole_number(env, "CASECOMMITTEE_MAX_BODY_BYTES", 65536),
            idempotency_key_hours=_whole_number(env, "CASECOMMITTEE_IDEMPOTENCY_KEY_HOURS", 24),
            token_cache_seconds=_whole_number(env, "CASECOMMITTEE_TOKEN_CACHE_SECONDS", 5),
            oidc_issuer=(env.get("CASECOMMITTEE_OIDC_ISSUER") or "").rstrip("/") or None,
            oidc_client_id=env.get("CASECOMMITTEE_OIDC_CLIENT_ID") or None,
            oidc_client_secret=env.get("CASECOMMITTEE_OIDC_CLIENT_SECRET") or None,
            oidc_label=env.get("CASECOMMITTEE_OIDC_LABEL") or "ProConnect",
        )
        values.update(overrides)
        if values["webhook_url"] and not values["webhook_secret"]:
            raise ConfigurationError(
                "CASECOMMITTEE_WEBHOOK_URL is set without CASECOMMITTEE_WEBHOOK_SECRET: "
                "set a shared secret so the partner can check the signature"
            )
        if values["oidc_issuer"] and not (values["oidc_client_id"] and values["oidc_client_secret"]):
            raise ConfigurationError(
                "CASECOMMITTEE_OIDC_ISSUER is set without CASECOMMITTEE_OIDC_CLIENT_ID and "
                "CASECOMMITTEE_OIDC_CLIENT_SECRET: set the client registered at the provider"
            )
        if values["idempotency_key_hours"] < 1:
            raise ConfigurationError("CASECOMMITTEE_IDEMPOTENCY_KEY_HOURS must be at least 1, e.g. 24")
        return cls(**values)

    @property
    def idempotency_key_lifetime(self) -> timedelta:
        """How long an idempotency key's answer is replayed."""
        return timedelta(hours=self.idempotency_key_hours)

    # ---- stores -------------------------------------------------------------------------

    @property
    def parsed_url(self) -> URL | None:
        """CASECOMMITTEE_DATABASE_URL as SQLAlchemy reads it, or None for the embedded store."""
        if not self.database_url:
            return None
        try:
            return make_url(self.database_url)
        except ArgumentError:
            raise ConfigurationError(
                "CASECOMMITTEE_DATABASE_URL is not a URL: use postgresql://user:password@host/db"
            ) from None

    @property
    def store_kind(self) -> str:
        """"sqlite" (embedded) or "postgresql"."""
        url = self.parsed_url
        if url is None or url.get_backend_name() == "sqlite":
            return "sqlite"
        if url.drivername.split("+")[0] in ("postgresql", "postgres"):
            return "postgresql"
        raise ConfigurationError(
            f"CASECOMMITTEE_DATABASE_URL uses {url.drivername!r}: use postgresql://… or leave it unset"
        )

    @property
    def sqlalchemy_url(self) -> URL:
        """The SQLAlchemy URL of the read models, personal data and reference data."""
        if self.store_kind == "postgresql":
            return self.parsed_url.set(drivername="postgresql+psycopg")
        return self.parsed_url or make_url(f"sqlite:///{self.data_dir / SQLITE_FILES[0]}")

    def engine_options(self) -> dict:
        """The SQLAlchemy engine's pool settings (PostgreSQL; SQLite keeps its defaults)."""
        if self.store_kind != "postgresql":
            return {}
        return {"pool_size": self.pool_size, "max_overflow": self.max_overflow,
                "pool_timeout": self.pool_timeout,
                "connect_args": {"connect_timeout": self.connect_timeout}}

    @property
    def shown_url(self) -> str:
        """The store's URL as it may be printed or logged: never with its password."""
        return self.sqlalchemy_url.render_as_string(hide_password=True)

    def secure_data_dir(self) -> None:
        """The embedded store's directory, private to its owner (0700), and its SQLite files,
        created 0600 before SQLite opens them (SQLite gives `-wal` and `-shm` files the mode
        of their database), or brought back to 0600 (stores made by older versions)."""
        if self.store_kind != "sqlite":
            return
        self.data_dir.mkdir(mode=stat.S_IRWXU, parents=True, exist_ok=True)
        os.chmod(self.data_dir, stat.S_IRWXU)
        for name in SQLITE_FILES:
            os.close(os.open(self.data_dir / name, os.O_WRONLY | os.O_CREAT, 0o600))
        private = stat.S_IRUSR | stat.S_IWUSR
        for path in [*self.data_dir.glob("*.sqlite*"), *self.data_dir.glob("keys/*")]:
            os.chmod(path, private)
        if (self.data_dir / "keys").is_dir():
            os.chmod(self.data_dir / "keys", stat.S_IRWXU)

    def event_store_env(self) -> dict[str, str]:
        """The eventsourcing environment: persistence module, database, cipher, compressor."""
        env = {
            "CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher",
            "CIPHER_KEY": self.resolved_key("cipher_key", "events.key"),
            "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
        }
        if self.store_kind == "postgresql":
            url = self.parsed_url
            options = {key: value if isinstance(value, str) else value[-1]
                       for key, value in url.query.items()}
            host = options.pop("host", None) or url.host or "127.0.0.1"
            env.update(
                PERSISTENCE_MODULE="casecommittee.event_store:ConfiguredPostgresFactory",
                APPLICATION_RECORDER_TOPIC=(
                    "casecommittee.snapshot_recorders:PostgresRecorderWithSnapshots"),
                POSTGRES_DBNAME=url.database or "",
                POSTGRES_HOST=host,
                POSTGRES_PORT=str(url.port or options.pop("port", None) or 5432),
                POSTGRES_USER=url.username or "",
                POSTGRES_PASSWORD=url.password or "",
                POSTGRES_POOL_SIZE=str(self.pool_size),
                POSTGRES_MAX_OVERFLOW=str(self.max_overflow),
                POSTGRES_CONNECT_TIMEOUT=str(self.pool_timeout),
                POSTGRES_PRE_PING="y",
                LIBPQ_OPTIONS=json.dumps({"connect_timeout": self.connect_timeout, **options}),
            )
        else:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            env.update(
                PERSISTENCE_MODULE="eventsourcing.sqlite",
                APPLICATION_RECORDER_TOPIC=(
                    "casecommittee.snapshot_recorders:SQLiteRecorderWithSnapshots"),
                SQLITE_DBNAME=str(self.data_dir / SQLITE_FILES[1]),
                SQLITE_LOCK_TIMEOUT="10",
            )
        return env

    def resolved_key(self, attribute: str, filename: str) -> str:
        """A configured key, or for the embedded store one generated on first start (mode 0600)."""
        configured = getattr(self, attribute)
        if configured:
            return configured
        if self.store_kind == "postgresql":
            variable = "CASECOMMITTEE_" + attribute.upper()
            raise ConfigurationError(
                f"{variable} is required with PostgreSQL: generate one with "
                "`casecommittee keygen` and give it to every process"
            )
        path = self.data_dir / "keys" / filename
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(path.parent, stat.S_IRWXU)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(AESCipher.create_key(32))
        return path.read_text().strip()
