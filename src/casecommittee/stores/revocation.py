"""Revoking a user's access: one function ends all of it at once, in one transaction — their
API tokens, their open page sessions and their page password — so the CLI, the admin page
and the API's revoke route cannot end one and forget another."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine

from .auth import Tokens, passwords, tokens
from .page_sessions import page_sessions


@dataclass(frozen=True)
class Revocation:
    """What a revocation ended: live tokens, open page sessions, and whether a password was removed."""

    tokens: int
    sessions: int
    password_removed: bool


def revoke_access(engine: Engine, user_id: str, now: datetime | None = None) -> Revocation:
    """Ends every way the user had in: live API tokens are revoked (their next call is 401),
    open page sessions are deleted (their next page sends them to sign in) and the page
    password is removed (they cannot sign in again until an admin sets a new one)."""
    with engine.begin() as conn:
        revoked = conn.execute(
            update(tokens).where(tokens.c.user_id == user_id, tokens.c.revoked_at.is_(None))
            .values(revoked_at=now or datetime.now(UTC))
        ).rowcount
        sessions = conn.execute(
            delete(page_sessions).where(page_sessions.c.user_id == user_id)).rowcount
        removed = conn.execute(delete(passwords).where(passwords.c.user_id == user_id)).rowcount
    Tokens.forget_cached()
    return Revocation(tokens=revoked, sessions=sessions, password_removed=bool(removed))
