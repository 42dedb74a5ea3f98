"""The projection worker's loop: keeps the read models caught up with the log as it grows.

On PostgreSQL the event store NOTIFYs a channel with every save: the loop LISTENs on it and
catches up as soon as it is woken, and at the latest every `poll_seconds` (a missed wake-up
costs a delay, never an event). On SQLite, which has no such signal, it polls.
"""

import logging
from threading import Event

logger = logging.getLogger(__name__)


def follow(system, stop: Event, poll_seconds: float = 1.0) -> None:
    """Catches the read models up until `stop` is set (see the module docstring)."""
    recorder = system.app.recorder
    if system.settings.store_kind != "postgresql":
        while not stop.is_set():
            _catch_up(system)
            stop.wait(poll_seconds)
        return
    from psycopg.sql import SQL, Identifier

    with recorder.datastore.get_connection() as conn:  # (autocommit: LISTEN takes effect now)
        conn.execute(SQL("LISTEN {0}").format(Identifier(recorder.channel_name)))
        while not stop.is_set():
            _catch_up(system)
            # (wake-ups that came during the catch-up are queued: the next wait ends at once)
            for _woken in conn.notifies(timeout=poll_seconds, stop_after=1):
                pass


def _catch_up(system) -> None:
    try:
        system.projections.catch_up()
    except Exception:  # noqa: BLE001 - the store is unreachable or locked: tried again next time
        logger.exception("projections: catch-up failed; tried again on the next wake-up")
