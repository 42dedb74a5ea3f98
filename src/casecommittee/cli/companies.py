"""Company commands (relation aux entreprises): list the directory, show a company, register one,
print the figures. Writes are made in the name of a chargé·e de relation entreprises (`--as`),
checked by the same schema and rules as the API."""

import json
from datetime import date

import click
from marshmallow import ValidationError

from ..application import CompanyAlreadyRegistered, CompanyNotFound
from ..domain.company import SIZE_LABELS
from ..domain.errors import DomainError
from ..queries.companies import DirectoryQuery, company_row_by_siret, list_companies
from ..queries.company_statistics import CompanyStatisticsQuery, company_statistics
from ..stores.auth import user_principal
from ..stores.reference import territories
from ..web.schemas.companies import CompanyIn
from . import main, pass_context


@main.group(name="companies")
def companies_group():
    """The employers the Cité mobilises: directory, registration, figures."""


def _territory(system, territory_id: str) -> str:
    if system.reference.get(territories, territory_id) is None:
        raise click.ClickException(
            f"territoire {territory_id} inconnu : `casecommittee` n'en connaît pas de ce numéro")
    return territory_id


@companies_group.command(name="list")
@click.option("--territory", "territory_id", required=True, help="Territory id.")
@click.option("--search", "q", default=None, help="Part of the name, or the start of the SIRET.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=200, show_default=True)
@pass_context
def list_(ctx, territory_id, q, limit):
    """List the territory's companies in name order."""
    system = ctx.system
    rows = list_companies(system.engine, DirectoryQuery(_territory(system, territory_id), q=q),
                          limit=limit)
    for row in rows:
        click.echo(f"{row['siret']}  {row['name']}  ({SIZE_LABELS[row['size_band']]}, "
                   f"{row['open_needs']} besoin(s) ouvert(s))")
    click.echo(f"{len(rows)} entreprise(s)")


@companies_group.command(name="show")
@click.argument("siret")
@click.option("--territory", "territory_id", required=True, help="Territory id.")
@pass_context
def show(ctx, siret, territory_id):
    """Print a company's history (one event a line) by its SIRET."""
    system = ctx.system
    row = company_row_by_siret(system.engine, _territory(system, territory_id), siret.replace(" ", ""))
    if row is None:
        raise click.ClickException(f"aucune entreprise de SIRET {siret} sur ce territoire : "
                                   "`casecommittee companies list --territory ID` les liste")
    try:
        company = system.app.get_company(row["company_id"])
    except CompanyNotFound as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{company.state.name} (SIRET {company.state.siret}), version {company.version}")
    for record in company.records:
        click.echo(f"{record.version:>3}  {record.occurred_on:%d/%m/%Y}  {record.code}  "
                   f"{json.dumps(record.data, default=str, ensure_ascii=False)}")


@companies_group.command(name="register")
@click.option("--as", "user_id", required=True, help="The chargé·e de relation entreprises (user id).")
@click.option("--siret", required=True)
@click.option("--name", required=True)
@click.option("--size-band", required=True, help="micro, small, medium, intermediate or large.")
@click.option("--qpv-location", required=True, help="in_qpv, near_qpv or elsewhere.")
@click.option("--naf-code", default=None, help="NAF (APE) code, e.g. 56.10A.")
@click.option("--town", default=None)
@click.option("--registered-on", default=None, help="YYYY-MM-DD (default: today).")
@pass_context
def register(ctx, user_id, siret, name, size_band, qpv_location, naf_code, town, registered_on):
    """Register a company in the territory of the user named by --as."""
    system = ctx.system
    principal = user_principal(system.engine, user_id)
    if principal is None or principal.role != "business_relations" or not principal.territory_id:
        raise click.ClickException(
            f"{user_id} n'est pas un·e chargé·e de relation entreprises d'un territoire : "
            "`casecommittee users add NOM --role business_relations --territory ID` en crée un·e")
    body = {"siret": siret, "name": name, "size_band": size_band, "qpv_location": qpv_location,
            "naf_code": naf_code, "town": town,
            "registered_on": registered_on or system.clock.today().isoformat()}
    try:
        data = CompanyIn().load({k: v for k, v in body.items() if v is not None})
        occurred_on: date = data.pop("registered_on")
        company = system.app.register_company(actor=principal.actor, occurred_on=occurred_on,
                                              territory_id=principal.territory_id, **data)
    except ValidationError as error:
        raise click.ClickException("; ".join(f"--{field.replace('_', '-')} : {' '.join(messages)}"
                                             for field, messages in error.messages.items())) from None
    except (DomainError, CompanyAlreadyRegistered) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"entreprise {company.id} enregistrée : {company.state.name}")


@companies_group.command(name="figures")
@click.option("--territory", "territory_id", required=True, help="Territory id.")
@click.option("--from", "period_from", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--to", "period_to", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="A business date.")
@pass_context
def figures(ctx, territory_id, period_from, period_to, as_of):
    """Print the figures of the relation with companies (JSON)."""
    system = ctx.system
    query = CompanyStatisticsQuery(
        territory_id=_territory(system, territory_id),
        period_from=period_from.date() if period_from else None,
        period_to=period_to.date() if period_to else None, as_of=as_of.date() if as_of else None)
    document = company_statistics(system.app, system.engine, query, system.clock.today())
    click.echo(json.dumps(document, default=str, ensure_ascii=False, indent=2))
