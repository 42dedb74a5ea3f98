"""The `casecommittee` command line: one click group, one module per area of commands."""

import click

from ..bootstrap import bootstrap
from ..config import ConfigurationError


class Context:
    """Builds the system lazily, so `--help` never touches a store, and closes it (its
    connections) when the command ends."""

    def __init__(self):
        self._system = None

    @property
    def system(self):
        """The wired system for the configured store."""
        if self._system is None:
            try:
                self._system = bootstrap()
            except ConfigurationError as error:
                raise click.ClickException(str(error)) from None
            click.get_current_context().call_on_close(self._system.close)
        return self._system


pass_context = click.make_pass_decorator(Context, ensure=True)


def bring_read_models_up_to_date(system, label: str) -> None:
    """Catches the read models up with the event log, with a progress bar when there is work."""
    behind = system.projections.behind()
    if behind:
        with click.progressbar(length=behind, label=label) as bar:
            system.projections.bring_up_to_date(progress=bar.update)


@click.group()
@click.pass_context
def main(ctx):
    """casecommittee: pathways, committees and statistics of a Cité de l'emploi.

    The store is chosen by CASECOMMITTEE_DATA_DIR (embedded SQLite, default ./var) or
    CASECOMMITTEE_DATABASE_URL (PostgreSQL).
    """
    ctx.ensure_object(Context)


# Each module registers its commands on `main`.
from . import companies, imports, projections, store, worker  # noqa: E402,F401
from .users import users_group  # noqa: E402,F401
from .web import serve  # noqa: E402,F401
