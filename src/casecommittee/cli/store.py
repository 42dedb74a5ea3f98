"""Store commands: init, keygen, demo, history, export-person."""

import json
import os
import time
import uuid

import click
from eventsourcing.cryptography import AESCipher

from ..application import PathwayNotFound
from ..demo import DemoAlreadyLoaded, create_territory, generate
from ..demo_companies import DemoCompanies, generate_companies
from ..domain.pathway import STEP_LABELS
from ..domain.vocabulary import STAGES
from ..queries.caseload import CaseloadQuery, list_pathways
from . import bring_read_models_up_to_date, main, pass_context


@main.command()
@pass_context
def init(ctx):
    """Create the stores (tables, keys) if they do not exist yet."""
    system = ctx.system
    click.echo(f"store ready: {system.settings.store_kind} ({system.settings.shown_url})")


@main.command()
def keygen():
    """Print a new AES-256 key (base64) for CASECOMMITTEE_CIPHER_KEY, _PERSONAL_DATA_KEY or
    _IDENTITY_INDEX_KEY."""
    click.echo(AESCipher.create_key(32))


@main.command()
@click.option("--seed", default=2020, show_default=True, help="Random seed: same seed, same territory.")
@click.option("--people", type=click.IntRange(min=1), default=None,
              help="Number of pathways (default: about 65 a year over the years).")
@click.option("--years", type=click.IntRange(1, 10), default=2, show_default=True)
@click.option("--companies", "with_companies", is_flag=True,
              help="Also the territory's companies: hosts and employers of the pathways, their "
                   "needs, hosting offers, actions and contacts, and a business_relations user.")
@pass_context
def demo(ctx, seed, people, years, with_companies):
    """Fill the store with the demo territory: Belfort's three groups over two years."""
    system = ctx.system
    total = people if people is not None else 65 * years
    events = 0
    started = time.perf_counter()
    companies = None
    if with_companies:
        territory = create_territory(system.reference)
        companies = DemoCompanies(territory.territory_id, system.clock.today(), seed=seed, years=years)
        if companies.already_loaded(system.app):
            raise click.ClickException(
                "this store already holds the demo's companies: leave out --companies, or use a "
                "fresh CASECOMMITTEE_DATA_DIR")
    after_save, system.app.after_save = system.app.after_save, None  # project once, at the end
    try:
        with click.progressbar(length=total, label="demo pathways") as bar:
            for pathway in generate(system.app, system.reference, system.personal_data,
                                    people=people, seed=seed, years=years, progress=bar.update,
                                    companies=companies):
                events += pathway.version
        if companies is not None:
            saved = generate_companies(system.app, system.reference, system.personal_data,
                                       territory, companies, seed=seed)
            events += sum(company.version for company in saved)
    except DemoAlreadyLoaded as error:
        raise click.ClickException(str(error)) from None
    finally:
        system.app.after_save = after_save
    elapsed = time.perf_counter() - started
    shown = f"{total} pathways" + (f", {len(saved)} companies" if companies is not None else "")
    click.echo(f"{shown}, {events} events in {elapsed:.1f} s ({events / elapsed:.0f} events/s)")
    bring_read_models_up_to_date(system, "read models")


@main.command()
@click.argument("pathway_id", type=click.UUID)
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
@pass_context
def history(ctx, pathway_id: uuid.UUID, as_json: bool):
    """Show a pathway's events in order, with business date, recorded time and actor (the texts
    about the person opened with their key; the placeholder once they are erased)."""
    from ..stores.sealed_texts import TextReader, opened_fields

    try:
        steps = ctx.system.app.history(pathway_id)
    except PathwayNotFound as error:
        raise click.ClickException(f"{error} (list some with `casecommittee pathways`)") from None
    reader = TextReader(ctx.system.personal_data)
    for step in steps:
        data = opened_fields(reader, pathway_id, step.data)
        if as_json:
            click.echo(json.dumps({
                "version": step.version, "step": step.code, "occurred_on": step.occurred_on,
                "recorded_at": step.recorded_at, "actor": step.actor, "data": data,
            }, default=str, ensure_ascii=False))
            continue
        actor = step.actor or {}
        click.echo(
            f"v{step.version:<3} {step.occurred_on}  (saisi le {step.recorded_at:%Y-%m-%d %H:%M} UTC)"
            f"  {STEP_LABELS[step.code]:<32} par {actor.get('role', '?')} {actor.get('user_id', '?')}"
        )
        details = {k: v for k, v in data.items() if v not in (None, [], {})}
        if details:
            click.echo("       " + json.dumps(details, default=str, ensure_ascii=False))


@main.command(name="export-person")
@click.argument("pathway_id", type=click.UUID)
@click.option("--as", "user_id", required=True,
              help="The person's referent or a co-pilot of their group, in whose name the "
                   "export is made and logged (`casecommittee users list`).")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the document to this file (default: standard output).")
@pass_context
def export_person(ctx, pathway_id: uuid.UUID, user_id: str, output: str | None):
    """Export what is held about a pathway's person (right of access, RGPD article 15): the
    API's `GET /pathways/{id}/personal-data` document as JSON, with the same rules (the
    person's referent or a co-pilot of their group) and logged in the access log as theirs."""
    from ..queries.caseload import get_row
    from ..queries.personal_export import ExportRefused, export_for
    from ..stores.access_log import AccessLog
    from ..stores.auth import user_principal
    from ..stores.sealed_texts import TextReader
    from ..web.schemas.pathways import PersonalData

    system = ctx.system
    principal = user_principal(system.engine, user_id)
    if principal is None:
        raise click.ClickException(f"aucun utilisateur « {user_id} » : donnez à --as l'identifiant "
                                   "du référent de la personne ou d'un co-pilote de son groupe "
                                   "(`casecommittee users list`)")
    system.projections.catch_up()
    row = get_row(system.engine, str(pathway_id))
    if row is None or not principal.sees(row):
        raise click.ClickException(f"aucun parcours {pathway_id} dans le périmètre de {user_id} "
                                   "(list some with `casecommittee pathways`)")
    try:
        document = export_for(system, principal, pathway_id, row,
                              TextReader(system.personal_data), AccessLog(system.engine))
    except ExportRefused as refused:
        raise click.ClickException(str(refused)) from None
    text = json.dumps(PersonalData().dump(document), ensure_ascii=False, indent=2)
    if output is None:
        click.echo(text)
    else:
        # (personal data: readable by its owner only, like the data directory's files)
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)  # (a file that was there keeps no wider mode)
        with open(descriptor, "w", encoding="utf-8") as file:
            file.write(text + "\n")
        click.echo(f"written: {output} ({len(document['steps'])} steps, "
                   f"{len(document['decisions'])} committee decisions)")


@main.command()
@click.option("--group", "group_id", help="Only this working group.")
@click.option("--stage", type=click.Choice(STAGES))
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@pass_context
def pathways(ctx, group_id, stage, limit):
    """List pathways from the read model, most recently identified first."""
    system = ctx.system
    system.projections.catch_up()
    rows = list_pathways(system.engine, CaseloadQuery(group_id=group_id, stage=stage), limit=limit)
    for row in rows:
        click.echo(f"{row['pathway_id']}  {row['identified_on']}  {row['stage']:<20} "
                   f"dernière étape {row['last_event_on']}")
    if not rows:
        click.echo("no pathway: load the demo with `casecommittee demo`", err=True)


@main.command(name="reindex-identities")
@pass_context
def reindex_identities(ctx):
    """Fill the blind index of identities for people recorded before it existed (once, after
    an upgrade): each identity is decrypted in memory, one at a time, to compute its digest."""
    store = ctx.system.personal_data
    missing = len(store.unindexed())
    if not missing:
        click.echo("the identity index is complete: nothing to do")
        return
    with click.progressbar(length=missing, label="identities") as bar:
        written = store.reindex(progress=bar.update)
    click.echo(f"{written} index entries written ({missing - written} identities without both "
               "names and a birth date have none)")
