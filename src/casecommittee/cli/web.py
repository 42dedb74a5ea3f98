"""`casecommittee serve`: the API under gunicorn, optionally on a freshly loaded demo territory."""

import click

from ..config import Settings
from . import bring_read_models_up_to_date, main


def load_demo(settings: Settings) -> dict[str, dict] | None:
    """Loads the demo territory if the store has none; returns, per demo role, an API token
    and a page sign-in (login, password) — or None when a territory is already there."""
    import secrets

    from ..bootstrap import bootstrap
    from ..demo import create_territory, generate
    from ..demo_companies import DemoCompanies, generate_companies, needs_on_coming_sessions
    from ..demo_sessions import CommitteeCalendar, generate_sessions
    from ..stores.auth import Passwords, Tokens
    from ..stores.reference import territories

    system = bootstrap(settings, inline_projections=False)
    try:
        existing = system.reference.rows(territories)
        if existing:
            return None
        today = system.clock.today()
        territory = create_territory(system.reference)
        calendar, companies = CommitteeCalendar(today), DemoCompanies(territory.territory_id, today)
        for _pathway in generate(system.app, system.reference, system.personal_data,
                                 committees=calendar, companies=companies):
            pass
        saved = generate_companies(system.app, system.reference, system.personal_data, territory,
                                   companies)
        system.projections.catch_up()
        generate_sessions(system, calendar=calendar)
        needs_on_coming_sessions(system.app, territory, calendar, saved)
        system.projections.catch_up()
        tokens = Tokens(system.engine)
        picks = {
            "admin": territory.users["admin"], "auditor": territory.users["auditor"],
            "copilot": territory.users["copilot:Jeunes décrocheurs:0"],
            "referent": territory.users["referent:Jeunes décrocheurs:0"],
            "business_relations": territory.users["business_relations"],
        }
        passwords = Passwords(system.engine)
        found = {}
        for role, user in picks.items():
            login, password = f"{role}.demo", secrets.token_urlsafe(12)
            passwords.set(user["id"], password, login=login)
            found[role] = {"token": tokens.issue(user["id"]), "login": login, "password": password}
        return found
    finally:
        system.close()


def _check_free(host: str, port: int) -> None:
    """Stops before anything is loaded when another program listens on the port (gunicorn
    would fail only after the demo is loaded), naming the fix."""
    import socket

    family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # (as gunicorn binds)
        try:
            probe.bind(address)
        except OSError as error:
            raise click.ClickException(
                f"le port {port} de {host} est déjà pris ({error.strerror}) : arrêtez le "
                f"programme qui l'occupe, ou choisissez-en un autre (`make run PORT={port + 1}`, "
                f"`casecommittee serve --port {port + 1}`)") from None


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--demo", is_flag=True, help="Load the demo territory on first start and print tokens.")
@click.option("--jobs/--no-jobs", default=True, show_default=True,
              help="Run the scheduled jobs in the web processes (else run `casecommittee worker`).")
def serve(host, port, workers, demo, jobs):
    """Serve the HTTP API with gunicorn on the store of CASECOMMITTEE_DATA_DIR."""
    from ..bootstrap import bootstrap
    from ..web.gunicorn import serve as run

    _check_free(host, port)
    settings = Settings.from_env()
    system = bootstrap(settings)  # creates the store (tables, keys) once, before the workers
    # e.g. after an upgrade that changed the read models: replay before serving
    bring_read_models_up_to_date(system, "read models catching up")
    system.close()
    if demo:
        demo_tokens = load_demo(settings)
        if demo_tokens is None:
            click.echo("demo: the store already holds a territory; tokens: `casecommittee users token ID`, "
                       "passwords: `casecommittee users set-password ID --password-stdin`")
        else:
            click.echo("demo territory loaded (Belfort). Demo sign-ins for the pages "
                       "(identifiant / mot de passe) and API tokens:")
            for role, demo_user in demo_tokens.items():
                click.echo(f"  {role:<18} {demo_user['login']:<24} {demo_user['password']}   "
                           f"token {demo_user['token']}")
    click.echo(f"serving the pages at http://{host}:{port}/ and the API at "
               f"http://{host}:{port}/api/v1 (docs: /api/v1/docs), {workers} worker(s)")
    run(host=host, port=port, workers=workers, jobs=jobs)
