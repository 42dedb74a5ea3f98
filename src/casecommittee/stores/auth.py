"""API tokens and what each role may see: who is calling, and which pathways are theirs.

A token is `secrets.token_urlsafe(32)`, shown once when issued and stored only as its SHA-256.
Scopes (docs/domain.md, "People and places"):

| role | pathways | personal data | writes |
|---|---|---|---|
| referent | of their groups | of their own caseload (referent_id = them) | steps in their groups |
| copilot | of their groups | of their groups | steps in their groups |
| auditor | of their territory, pseudonymised | never | nothing |
| admin | none (manages reference data) | never | reference data |
"""

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, ForeignKey, String, Table, select, update
from sqlalchemy.engine import Engine

from ..db import metadata
from .reference import users

tokens = Table(
    "api_tokens", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
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
    """Issues, checks and revokes API tokens."""

    def __init__(self, engine: Engine):
        self.engine = engine

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
            return conn.execute(
                update(tokens).where(tokens.c.user_id == user_id, tokens.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            ).rowcount

    def principal(self, token: str) -> Principal | None:
        """The user of a live token, or None for an unknown or revoked one."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(users).join(tokens, tokens.c.user_id == users.c.id)
                .where(tokens.c.token_hash == hash_token(token), tokens.c.revoked_at.is_(None))
            ).first()
        if row is None:
            return None
        return Principal(
            user_id=row.id, name=row.name, role=row.role, territory_id=row.territory_id,
            group_ids=tuple(row.group_ids or ()), structure_id=row.structure_id,
        )
