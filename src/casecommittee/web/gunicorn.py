"""Runs the app under gunicorn, programmatically (`BaseApplication`).

gunicorn refuses a request line longer than `LIMIT_REQUEST_LINE` (414) and headers beyond
`LIMIT_REQUEST_FIELDS`/`LIMIT_REQUEST_FIELD_SIZE` (431) before the app sees the request: those
answers are gunicorn's own, in `text/html` (documented in the OpenAPI document).
"""

import gc

from gunicorn.app.base import BaseApplication


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


#: The longest request line (method, path and query) gunicorn reads; no route needs 1 kB.
LIMIT_REQUEST_LINE = 4094
LIMIT_REQUEST_FIELDS = 50
LIMIT_REQUEST_FIELD_SIZE = 8190


def serve(host: str, port: int, workers: int, jobs: bool = True) -> None:
    """Serves until stopped (SIGTERM/SIGINT), with the scheduled jobs unless `jobs` is False."""
    CaseCommitteeServer({
        "bind": f"{host}:{port}", "workers": workers, "worker_class": "sync",
        "accesslog": "-", "timeout": 120, "graceful_timeout": 10,
        "limit_request_line": LIMIT_REQUEST_LINE, "limit_request_fields": LIMIT_REQUEST_FIELDS,
        "limit_request_field_size": LIMIT_REQUEST_FIELD_SIZE,
    }, jobs=jobs).run()
