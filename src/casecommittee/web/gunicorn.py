"""Runs the app under gunicorn, programmatically (`BaseApplication`)."""

from gunicorn.app.base import BaseApplication


class CaseCommitteeServer(BaseApplication):
    """gunicorn with the app factory: each worker builds its own system after the fork."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        """Applies the options given on the command line."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        """The WSGI app of one worker."""
        from . import create_app

        return create_app()


def serve(host: str, port: int, workers: int) -> None:
    """Serves until stopped (SIGTERM/SIGINT)."""
    CaseCommitteeServer({
        "bind": f"{host}:{port}", "workers": workers, "worker_class": "sync",
        "accesslog": "-", "timeout": 120, "graceful_timeout": 10,
    }).run()
