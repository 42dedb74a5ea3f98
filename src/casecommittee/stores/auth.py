"""API tokens and what each role may see: who is calling, and which pathways are theirs.

A token is `secrets.token_urlsafe(32)`, shown once when issued and stored only as its SHA-256.
Scopes (docs/domain.md, "People and places"):

| role | pathways | personal data | writes |
|---|---|---|---|
| referent | of their groups | of their own caseload (referent_id = them) | steps in their groups |
| copilot | of their groups | of their groups | steps in their groups |
| auditor | of their territory, pseudonymised | never | nothing |
| admin | none (manages reference data) | never | reference data |

People sign in to the pages with a password (argon2id, `argon2-cffi`); after
`sign_in_max_failures` wrong passwords in a row the account is locked for `lockout_minutes`.
"""

import hashlib
import secrets
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table, select, update
from sqlalchemy.engine import Engine

from ..db import as_utc, metadata
from .reference import users

tokens = Table(
    "api_tokens", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

passwords = Table(
    "user_passwords", metadata,
    Column("user_id", String(36), ForeignKey("users.id"), primary_key=True),
    Column("login", String(200), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

#: Roles that may log steps (and identify people) in their groups.
WRITING_ROLES = ("referent", "copilot")
#: Roles that read pathways at all.
READING_ROLES = ("referent", "copilot", "auditor")


def hash_token(token: str) -> str:
    """The stored form of a token (hex SHA-256)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """The user behind a token, with what their role lets them do."""

    user_id: str
    name: str
    role: str
    territory_id: str | None = None
    group_ids: tuple[str, ...] = field(default_factory=tuple)
    structure_id: str | None = None

    @property
    def actor(self) -> dict:
        """The actor recorded on every event this user writes."""
        return {"user_id": self.user_id, "role": self.role, "structure_id": self.structure_id}

    @property
    def pseudonymised(self) -> bool:
        """Auditors see pseudonyms, never identities."""
        return self.role == "auditor"

    @property
    def writes_pathways(self) -> bool:
        """Referents and co-pilots log steps."""
        return self.role in WRITING_ROLES

    def sees(self, row: dict) -> bool:
        """Whether a pathway (its read-model row) is within this user's scope."""
        if self.role in WRITING_ROLES:
            return row.get("group_id") in self.group_ids
        if self.role == "auditor":
            return self.territory_id is not None and row.get("territory_id") == self.territory_id
        return False

    def reads_person(self, row: dict) -> bool:
        """Whether this user may read the person's identity on a pathway they see."""
        if not self.sees(row):
            return False
        if self.role == "copilot":
            return True
        return self.role == "referent" and row.get("referent_id") == self.user_id


class Tokens:
    """Issues, checks and revokes API tokens.

    With `cache_seconds`, a live token's user is kept that long in memory (each request
    otherwise reads the tokens and users tables): a revocation through this object, or any
    other `Tokens` of the process, takes effect at once; one made by another process (the
    CLI, another web worker), or a change to the user's groups, within `cache_seconds`.
    Unknown and revoked tokens are never kept.
    """

    #: Every `Tokens` of the process, so a revocation anywhere in it empties every cache.
    _instances: "weakref.WeakSet[Tokens]" = weakref.WeakSet()
    #: At most this many tokens kept; the cache is emptied when it is full.
    max_cached = 10_000

    def __init__(self, engine: Engine, cache_seconds: float = 0.0,
                 monotonic: Callable[[], float] = time.monotonic):
        self.engine = engine
        self.cache_seconds = cache_seconds
        self.monotonic = monotonic
        self._cache: dict[str, tuple[float, Principal]] = {}
        Tokens._instances.add(self)

    def issue(self, user_id: str) -> str:
        """A new token for an existing user; the clear token is returned once, never stored."""
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(tokens.insert().values(
                token_hash=hash_token(token), user_id=user_id, created_at=datetime.now(UTC),
            ))
        return token

    def revoke(self, user_id: str) -> int:
        """Revokes every live token of a user; returns how many."""
        with self.engine.begin() as conn:
            revoked = conn.execute(
                update(tokens).where(tokens.c.user_id == user_id, tokens.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            ).rowcount
        Tokens.forget_cached()
        return revoked

    @classmethod
    def forget_cached(cls) -> None:
        """Empties the token cache of every `Tokens` of the process (after a revocation)."""
        for instance in list(cls._instances):
            instance._cache.clear()

    def principal(self, token: str) -> Principal | None:
        """The user of a live token, or None for an unknown or revoked one."""
        token_hash = hash_token(token)
        if self.cache_seconds > 0:
            kept = self._cache.get(token_hash)
            if kept is not None and kept[0] > self.monotonic():
                return kept[1]
        principal = self._look_up(token_hash)
        if principal is not None and self.cache_seconds > 0:
            if len(self._cache) >= self.max_cached:
                self._cache.clear()
            self._cache[token_hash] = (self.monotonic() + self.cache_seconds, principal)
        return principal

    def _look_up(self, token_hash: str) -> Principal | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(users).join(tokens, tokens.c.user_id == users.c.id)
                .where(tokens.c.token_hash == token_hash, tokens.c.revoked_at.is_(None))
            ).first()
        return None if row is None else principal_of(row)


def principal_of(row) -> Principal:
    """The principal of a `users` row (from a token or a page session alike)."""
    return Principal(
        user_id=row.id, name=row.name, role=row.role, territory_id=row.territory_id,
        group_ids=tuple(row.group_ids or ()), structure_id=row.structure_id,
    )


def user_principal(engine: Engine, user_id: str) -> Principal | None:
    """The principal of a user id, or None when there is no such user."""
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return None if row is None else principal_of(row)


class SignInRefused(Exception):
    """A sign-in that did not succeed; the message is the same for a wrong name and a wrong
    password, and says when a locked account opens again."""


class Passwords:
    """Sets and checks page passwords (argon2id), locking an account after repeated failures."""

    hasher = PasswordHasher()

    def __init__(self, engine: Engine, *, max_failures: int = 5, lockout_minutes: int = 15):
        self.engine = engine
        self.max_failures = max_failures
        self.lockout = timedelta(minutes=lockout_minutes)

    def set(self, user_id: str, password: str, login: str | None = None,
            now: datetime | None = None) -> None:
        """Sets (or replaces) a user's password, and sign-in name when given; unlocks the account."""
        if len(password) < 12:
            raise ValueError("le mot de passe doit compter au moins 12 caractères")
        values = {"password_hash": self.hasher.hash(password), "failed_attempts": 0,
                  "locked_until": None, "changed_at": now or datetime.now(UTC),
                  **({"login": login.strip().lower()} if login else {})}
        with self.engine.begin() as conn:
            changed = conn.execute(update(passwords).where(passwords.c.user_id == user_id)
                                   .values(**values)).rowcount
            if not changed:
                if not login:
                    raise ValueError("un identifiant de connexion est nécessaire (--login)")
                conn.execute(passwords.insert().values(user_id=user_id, **values))

    def login_of(self, user_id: str) -> str | None:
        """The sign-in name of a user, or None when they have no password."""
        with self.engine.connect() as conn:
            return conn.execute(select(passwords.c.login)
                                .where(passwords.c.user_id == user_id)).scalar()

    def login_of_name(self, login: str) -> str | None:
        """The user id behind a sign-in name, or None."""
        with self.engine.connect() as conn:
            return conn.execute(select(passwords.c.user_id)
                                .where(passwords.c.login == login.strip().lower())).scalar()

    def remove(self, user_id: str) -> None:
        """Removes a user's password: they can no longer sign in to the pages."""
        with self.engine.begin() as conn:
            conn.execute(passwords.delete().where(passwords.c.user_id == user_id))

    def check(self, login: str, password: str, now: datetime) -> str:
        """The user id when the password is right; raises SignInRefused otherwise (counting it)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(passwords)
                               .where(passwords.c.login == login.strip().lower())).first()
        if row is None:
            raise SignInRefused("identifiant ou mot de passe incorrect")
        locked_until = as_utc(row.locked_until)
        if locked_until is not None and locked_until > now:
            raise SignInRefused(
                "compte verrouillé après plusieurs essais infructueux : réessayez après le "
                f"{locked_until:%d/%m/%Y à %H:%M} (UTC) ou demandez à la coordination")
        try:
            self.hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            failures = row.failed_attempts + 1
            locked = now + self.lockout if failures >= self.max_failures else None
            with self.engine.begin() as conn:
                conn.execute(update(passwords).where(passwords.c.user_id == row.user_id).values(
                    failed_attempts=0 if locked else failures, locked_until=locked))
            raise SignInRefused("identifiant ou mot de passe incorrect") from None
        with self.engine.begin() as conn:
            conn.execute(update(passwords).where(passwords.c.user_id == row.user_id)
                         .values(failed_attempts=0, locked_until=None))
        return row.user_id
