"""Runs the app under gunicorn, programmatically (`BaseApplication`).

gunicorn refuses a request line longer than `LIMIT_REQUEST_LINE` (414) and headers beyond
`LIMIT_REQUEST_FIELDS`/`LIMIT_REQUEST_FIELD_SIZE` (431) before the app sees the request: those
answers are gunicorn's own, in `text/html` (documented in the OpenAPI document).
"""

import gc
import traceback

from gunicorn import glogging
from gunicorn.app.base import BaseApplication
from gunicorn.config import AccessLogFormat


class CaseCommitteeServer(BaseApplication):
    """gunicorn with the app factory: each worker builds its own system after the fork."""

    def __init__(self, options: dict, jobs: bool = True):
        self.options = options
        self.jobs = jobs
        super().__init__()

    def load_config(self):
        """Applies the options given on the command line."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        """The WSGI app of one worker."""
        from . import create_app

        app = create_app()
        if self.jobs:  # each worker schedules; `jobs.run_once` runs a day's job only once
            from ..scheduler import build_scheduler

            build_scheduler(app.extensions["casecommittee"].system).start()
        settle_heap()
        return app


def settle_heap() -> None:
    """Moves what the worker built at start (modules, the app, its schemas, the engines'
    caches) out of the cyclic garbage collector's sight (`gc.freeze`): those objects live as
    long as the worker, yet each full collection traversed them all again, about 0.3 ms of
    CPU a request under a steady write load (bench/README.md). Objects made afterwards are
    collected as before."""
    gc.collect()
    gc.freeze()


#: gunicorn's default access-log line (the combined log format), the one `serve` writes.
DEFAULT_ACCESS_FORMAT = AccessLogFormat.default


class AccessLogger(glogging.Logger):
    """gunicorn's logger, writing its default access-log line from the nine values that line
    shows. gunicorn's own gathers ~60 (every request and response header, every WSGI variable)
    and escapes each before formatting, for any format one may configure: ~0.1 ms of a
    request's CPU under a write load (bench/README.md). The line is the same, character for
    character (tests/api/test_access_line.py); another format goes through gunicorn's way.
    A request gunicorn cannot parse is logged without its text (`warning`)."""

    def access(self, resp, req, environ, request_time):
        """One line per request, as `glogging.Logger.access` writes it."""
        if not self.access_log_enabled:
            return
        if self.cfg.access_log_format != DEFAULT_ACCESS_FORMAT:
            super().access(resp, req, environ, request_time)
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        sent = getattr(resp, "sent", None)
        atoms = {
            "h": environ.get("REMOTE_ADDR", "-"), "l": "-", "u": self._get_user(environ) or "-",
            "t": self.now(),
            "r": f"{environ['REQUEST_METHOD']} {environ['RAW_URI']} {environ['SERVER_PROTOCOL']}",
            "s": status, "b": sent is not None and str(sent) or "-",
            "f": environ.get("HTTP_REFERER", "-"), "a": environ.get("HTTP_USER_AGENT", "-"),
        }
        for key, value in atoms.items():  # (as `glogging.SafeAtoms` escapes them)
            if isinstance(value, str) and '"' in value:
                atoms[key] = value.replace('"', '\\"')
        try:
            self.access_log.info(DEFAULT_ACCESS_FORMAT, atoms)
        except Exception:
            self.error(traceback.format_exc())

    def warning(self, msg, *args, **kwargs):
        """gunicorn's warnings, but a malformed request's own text left out: gunicorn logs
        "Invalid request from ip=…: Invalid HTTP request line: '…'" with whatever the client
        sent, which may name a person (a search typed into the address bar). The line keeps the
        address and what was wrong (the words before the first colon), not what was sent."""
        if isinstance(msg, str) and msg.startswith(INVALID_REQUEST):
            address, _, error = msg[len(INVALID_REQUEST):].partition(": ")
            what = error.split(":", 1)[0].strip() or "requête illisible"
            msg = f"{INVALID_REQUEST}{address}: {what} (texte de la requête non journalisé)"
        super().warning(msg, *args, **kwargs)


#: How gunicorn's workers begin the warning about a request they could not parse.
INVALID_REQUEST = "Invalid request from ip="


#: The longest request line (method, path and query) gunicorn reads; no route needs 1 kB.
LIMIT_REQUEST_LINE = 4094
LIMIT_REQUEST_FIELDS = 50
LIMIT_REQUEST_FIELD_SIZE = 8190


def serve(host: str, port: int, workers: int, jobs: bool = True) -> None:
    """Serves until stopped (SIGTERM/SIGINT), with the scheduled jobs unless `jobs` is False."""
    CaseCommitteeServer({
        "bind": f"{host}:{port}", "workers": workers, "worker_class": "sync",
        "accesslog": "-", "logger_class": AccessLogger, "timeout": 120, "graceful_timeout": 10,
        "limit_request_line": LIMIT_REQUEST_LINE, "limit_request_fields": LIMIT_REQUEST_FIELDS,
        "limit_request_field_size": LIMIT_REQUEST_FIELD_SIZE,
    }, jobs=jobs).run()
