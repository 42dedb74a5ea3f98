"""Read-your-writes across nodes: a write says where it is in the log, a read may wait for it.

With several nodes and one projection worker, a read served by another node right after a
write may find read models that have not applied it yet. So every successful write answers
with `Log-Position` (the log's end once its events were stored), and any request may send
`Wait-For-Position` with that number: it is served once the read models have applied the log
up to there, after waiting at most WAIT_SECONDS, or else answered 503 with `Retry-After`.
"""

import time

from flask import Flask, Response, request

from .context import web
from .problems import Problem

LOG_POSITION = "Log-Position"
WAIT_FOR_POSITION = "Wait-For-Position"
#: How long a read waits for the read models before answering 503.
WAIT_SECONDS = 5.0
#: How often it looks at their position meanwhile.
POLL_SECONDS = 0.05
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def wait_for_position() -> None:
    """Holds a request that sent Wait-For-Position until the read models reach it (503 after
    WAIT_SECONDS)."""
    web().system.app.take_saved_position()  # (this request's saves only)
    wanted = request.headers.get(WAIT_FOR_POSITION)
    if wanted is None:
        return
    try:
        position = int(wanted)
        if position < 0:
            raise ValueError
    except ValueError:
        raise Problem(400, f"{WAIT_FOR_POSITION} est un numéro d'événement (entier positif), "
                           f"pas {wanted[:40]!r}", type_="invalid_header") from None
    projections = web().system.projections
    deadline = time.monotonic() + WAIT_SECONDS
    while projections.position() < position:
        if time.monotonic() >= deadline:
            raise Problem(503, f"les tableaux n'ont pas encore pris en compte l'événement "
                               f"{position} : réessayez dans un instant",
                          type_="not_caught_up", headers={"Retry-After": "1"})
        time.sleep(POLL_SECONDS)


def tell_log_position(response: Response) -> Response:
    """Adds Log-Position to a successful write's response: where its last event is in the log
    (or the log's end, for a write that saved nothing, such as a replayed key)."""
    saved = web().system.app.take_saved_position()
    if request.method in WRITES and response.status_code < 400:
        position = saved or web().system.app.recorder.max_notification_id() or 0
        response.headers[LOG_POSITION] = str(position)
    return response


def register(app: Flask) -> None:
    """Installs both hooks on `app`."""
    app.before_request(wait_for_position)
    app.after_request(tell_log_position)
