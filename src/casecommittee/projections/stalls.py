"""A projection that cannot apply an event stops loudly, never silently.

When an event cannot be applied (a value the store refuses, a bug in a projector), the read
models stay at the event before it: the runner records the stall here (the position, the
notification that failed, why), logs it once, and tells the coordinators (admins) once; their
administration page shows it while it lasts. The public health check answers 503 while a stall
is recorded, naming the projection and since when only (an exception's text may hold data). Every later catch-up tries again; the one
that gets past the event removes the record, in the same transaction as the rows it writes.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Integer, String, Table, Text, bindparam, delete, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from ..db import as_utc, metadata
from ..stores.notifications import notify
from ..stores.reference import users
from .bulk import execute_one

logger = logging.getLogger(__name__)

projection_stalls = Table(
    "projection_stalls", metadata,
    Column("name", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("failed_notification", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("since", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class Stall:
    """Where a projection stopped, and why."""

    name: str
    position: int
    failed_notification: int
    reason: str
    since: datetime

    def public(self) -> dict:
        """The stall as the public health check shows it: which projection, since when. Never
        the reason, whose exception text may quote what the event holds (the coordinators read
        it in their notification and on their page), nor positions."""
        return {"projection": self.name, "since": self.since.isoformat()}


def reason_of(error: BaseException) -> str:
    """A one-line account of an error (its type and the first line of its message)."""
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {message}"[:1000]


def current_stall(engine: Engine, name: str) -> Stall | None:
    """The recorded stall of projection `name`, or None when it is running."""
    with engine.connect() as conn:
        row = conn.execute(select(projection_stalls).where(projection_stalls.c.name == name)).first()
    if row is None:
        return None
    return Stall(name, row.position, row.failed_notification, row.reason, as_utc(row.since))


def record_stall(engine: Engine, name: str, position: int, error: BaseException, clock=None) -> bool:
    """Records that `name` cannot apply the notification after `position`; logs it and notifies
    the admins only if this is news (another position or another reason). True if it was."""
    reason = reason_of(error)
    stall = current_stall(engine, name)
    if stall is not None and (stall.position, stall.reason) == (position, reason):
        return False
    now = clock.now() if clock is not None else datetime.now(UTC)
    try:
        with engine.begin() as conn:
            conn.execute(delete(projection_stalls).where(projection_stalls.c.name == name))
            conn.execute(projection_stalls.insert().values(
                name=name, position=position, failed_notification=position + 1, reason=reason,
                since=now))
    except IntegrityError:  # another process recorded it at the same moment
        return False
    logger.error("projection %s stopped at position %s: notification %s cannot be applied (%s); "
                 "it is retried on every catch-up", name, position, position + 1, reason,
                 exc_info=error)
    with engine.connect() as conn:
        admins = conn.execute(select(users.c.id).where(users.c.role == "admin")).scalars().all()
    for admin in admins:
        notify(engine, user_id=admin, kind="projection_stalled", now=now,
               dedupe_key=f"projection_stalled:{name}:{position}:{admin}",
               title="Tableaux de bord arrêtés",
               body=(f"Les listes et statistiques ne suivent plus : l'événement n° {position + 1} "
                     f"ne peut pas être appliqué ({reason}). Elles reprendront d'elles-mêmes "
                     "une fois la cause corrigée."))
    return True


def clear_stall(conn: Connection, name: str, position: int) -> bool:
    """Removes the stall of `name` once its position got past it (in the caller's
    transaction); True if there was one."""
    cleared = execute_one(conn, _CLEAR, {"stall_name": name, "past": position}).rowcount
    if cleared:
        logger.warning("projection %s resumed: now at position %s", name, position)
    return bool(cleared)


#: clear_stall's statement, built once (it runs with every write's projection).
_CLEAR = delete(projection_stalls).where(projection_stalls.c.name == bindparam("stall_name"),
                                         projection_stalls.c.position < bindparam("past"))
