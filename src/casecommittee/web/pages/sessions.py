"""Server-side sessions for the pages: the cookie holds a random id only, the data lives in the
`web_sessions` table (keyed by the id's SHA-256), and a session idle for longer than the
configured minutes is over.

Flask's `session` (and so Flask-WTF's CSRF token) works on top of it unchanged.
"""

import hashlib
import secrets
from datetime import timedelta

from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete, select, update
from werkzeug.datastructures import CallbackDict

from ...db import as_utc
from ...stores.page_sessions import page_sessions as web_sessions

COOKIE_NAME = "casecommittee_session"


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class ServerSession(CallbackDict, SessionMixin):
    """The data of one browser's session; `sid` is None until it is first stored."""

    def __init__(self, data=None, sid: str | None = None):
        def on_update(this):
            this.modified = True

        super().__init__(data or {}, on_update)
        self.sid = sid
        self.modified = False
        self.rotate = False


class ServerSessionInterface(SessionInterface):
    """Stores sessions in the database; `clock` gives the time, `idle` the idle timeout."""

    def __init__(self, engine, clock, idle: timedelta):
        self.engine, self.clock, self.idle = engine, clock, idle

    def open_session(self, app, request) -> ServerSession:
        """The session named by the cookie, if it exists and has not been idle too long."""
        sid = request.cookies.get(COOKIE_NAME)
        if not sid or request.path.startswith("/api/"):
            return ServerSession()
        now = self.clock.now()
        with self.engine.begin() as conn:
            row = conn.execute(select(web_sessions).where(web_sessions.c.id_hash == _hash(sid))).first()
            if row is None:
                return ServerSession()
            if as_utc(row.last_seen_at) + self.idle < now:
                conn.execute(delete(web_sessions).where(web_sessions.c.id_hash == row.id_hash))
                return ServerSession({"expired": True})
            conn.execute(update(web_sessions).where(web_sessions.c.id_hash == row.id_hash)
                         .values(last_seen_at=now))
        return ServerSession(dict(row.data), sid)

    def save_session(self, app, session: ServerSession, response) -> None:
        """Writes a changed session (a new id after sign-in), or clears an emptied one."""
        if not session.modified and not session.rotate:
            return
        cookie = {"httponly": True, "samesite": "Lax", "path": "/",
                  "secure": app.config.get("SESSION_COOKIE_SECURE", False)}
        if session.sid and (session.rotate or not session):
            with self.engine.begin() as conn:
                conn.execute(delete(web_sessions).where(web_sessions.c.id_hash == _hash(session.sid)))
            session.sid = None
        if not session:
            response.delete_cookie(COOKIE_NAME, path="/")
            return
        now = self.clock.now()
        data = dict(session)
        with self.engine.begin() as conn:
            if session.sid is None:
                session.sid = secrets.token_urlsafe(32)
                conn.execute(web_sessions.insert().values(
                    id_hash=_hash(session.sid), user_id=data.get("user_id"), data=data,
                    created_at=now, last_seen_at=now))
            else:
                conn.execute(update(web_sessions).where(web_sessions.c.id_hash == _hash(session.sid))
                             .values(data=data, user_id=data.get("user_id"), last_seen_at=now))
        response.set_cookie(COOKIE_NAME, session.sid, **cookie)

