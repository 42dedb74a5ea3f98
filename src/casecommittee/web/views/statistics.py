"""Statistics route: the outcome figures of a territory or group, as of a date, as known at a time."""

from ...queries.company_statistics import CompanyStatisticsQuery, company_statistics
from ...queries.statistics import StatisticsQuery
from ..context import web
from ..problems import Problem
from ..request_body import Blueprint
from ..schemas import statistics as s
from ..security import current_principal
from .common import document_errors

blp = Blueprint("statistics", __name__, description="Statistiques de parcours (bilan)")


@blp.route("/statistics")
@blp.doc(operationId="get_statistics")
@document_errors(blp, 401, 403)
@blp.arguments(s.StatisticsArgs, location="query")
@blp.response(200, s.Statistics)
def statistics(query):
    """Population, stages, funnel, rates, median delays, exits, breakdown and target.

    Counts of pathways only (no identity): every role reads them for its own territory.

    Roles: every role.
    """
    territory_id = _territory(query["territory_id"])
    system = web().system
    return web().statistics.get(
        system.engine, StatisticsQuery(**{**query, "territory_id": territory_id}),
        system.clock.today(), system.projections.position(),
    )


def _territory(asked: str | None) -> str | None:
    """The territory whose figures are read: the caller's own (403 for another one)."""
    principal = current_principal()
    if principal.territory_id is None:
        return asked
    if asked not in (None, principal.territory_id):
        raise Problem(403, "statistiques réservées à votre territoire", type_="forbidden")
    return principal.territory_id


@blp.route("/statistics/companies")
@blp.doc(operationId="get_company_statistics")
@document_errors(blp, 400, 401, 403)
@blp.arguments(s.CompanyStatisticsArgs, location="query")
@blp.response(200, s.CompanyStatistics)
def company_figures(query):
    """Companies mobilised (by size, sector and place; first-time or returning), needs posted
    and their outcome, the median delay to fill one, PMSMP places offered, participations and
    commitments, over a period, as of a business date and as known at a recorded time.

    Counts of companies only (no contact person): every role reads them for its territory.

    Roles: every role.
    """
    territory_id = _territory(None)
    if territory_id is None:
        raise Problem(403, "votre compte n'est rattaché à aucun territoire", type_="forbidden")
    system = web().system
    return company_statistics(system.app, system.engine, CompanyStatisticsQuery(
        territory_id=territory_id, **query), system.clock.today())
