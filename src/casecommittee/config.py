"""Every setting, read from the environment, with embedded defaults that need no server.

| variable | default | meaning |
|---|---|---|
| CASECOMMITTEE_DATA_DIR | ./var | where the embedded SQLite files and generated keys live |
| CASECOMMITTEE_DATABASE_URL | (SQLite in the data dir) | a `postgresql://user:pw@host:port/db` URL to scale out |
| CASECOMMITTEE_CIPHER_KEY | generated into DATA_DIR/keys | AES key (base64) for the event store |
| CASECOMMITTEE_PERSONAL_DATA_KEY | generated into DATA_DIR/keys | AES key (base64) wrapping each person's key |
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
"""

import os
import stat
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from eventsourcing.cryptography import AESCipher
from sqlalchemy.engine import make_url

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
    snapshot_interval: int = 10
    inline_projections: bool = True
    webhook_url: str | None = None
    webhook_secret: str | None = None
    jobs_hour: int = 6
    retention_days: int = 730
    session_idle_minutes: int = 30
    sign_in_max_failures: int = 5
    lockout_minutes: int = 15
    max_body_bytes: int = 65536
    idempotency_key_hours: int = 24

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
            snapshot_interval=interval,
            inline_projections=env.get("CASECOMMITTEE_PROJECTIONS", "inline") != "worker",
            webhook_url=env.get("CASECOMMITTEE_WEBHOOK_URL") or None,
            webhook_secret=env.get("CASECOMMITTEE_WEBHOOK_SECRET") or None,
            jobs_hour=_whole_number(env, "CASECOMMITTEE_JOBS_HOUR", 6),
            retention_days=_whole_number(env, "CASECOMMITTEE_RETENTION_DAYS", 730),
            session_idle_minutes=_whole_number(env, "CASECOMMITTEE_SESSION_IDLE_MINUTES", 30),
            sign_in_max_failures=_whole_number(env, "CASECOMMITTEE_SIGN_IN_MAX_FAILURES", 5),
            lockout_minutes=_whole_number(env, "CASECOMMITTEE_LOCKOUT_MINUTES", 15),
            max_body_bytes=_whole_number(env, "CASECOMMITTEE_MAX_BODY_BYTES", 65536),
            idempotency_key_hours=_whole_number(env, "CASECOMMITTEE_IDEMPOTENCY_KEY_HOURS", 24),
        )
        values.update(overrides)
        if values["webhook_url"] and not values["webhook_secret"]:
            raise ConfigurationError(
                "CASECOMMITTEE_WEBHOOK_URL is set without CASECOMMITTEE_WEBHOOK_SECRET: "
                "set a shared secret so the partner can check the signature"
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
    def store_kind(self) -> str:
        """"sqlite" (embedded) or "postgresql"."""
        if self.database_url and self.database_url.startswith(("postgresql", "postgres")):
            return "postgresql"
        if self.database_url and not self.database_url.startswith("sqlite"):
            raise ConfigurationError(
                f"CASECOMMITTEE_DATABASE_URL={self.database_url!r}: use postgresql://… or leave it unset"
            )
        return "sqlite"

    @property
    def sqlalchemy_url(self) -> str:
        """The SQLAlchemy URL of the read models, personal data and reference data."""
        if self.store_kind == "postgresql":
            parts = urlsplit(self.database_url)
            return f"postgresql+psycopg://{parts.netloc}{parts.path}"
        return self.database_url or f"sqlite:///{self.data_dir / SQLITE_FILES[0]}"

    @property
    def shown_url(self) -> str:
        """The store's URL as it may be printed or logged: never with its password."""
        return make_url(self.sqlalchemy_url).render_as_string(hide_password=True)

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
            parts = urlsplit(self.database_url)
            env.update(
                PERSISTENCE_MODULE="eventsourcing.postgres",
                POSTGRES_DBNAME=parts.path.lstrip("/"),
                POSTGRES_HOST=parts.hostname or "127.0.0.1",
                POSTGRES_PORT=str(parts.port or 5432),
                POSTGRES_USER=parts.username or "",
                POSTGRES_PASSWORD=parts.password or "",
            )
        else:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            env.update(
                PERSISTENCE_MODULE="eventsourcing.sqlite",
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
