"""Statistics route: the outcome figures of a territory or group, as of a date, as known at a time."""

from ...queries.statistics import StatisticsQuery
from ..context import web
from ..problems import Problem
from ..request_body import Blueprint
from ..schemas import statistics as s
from ..security import current_principal
from .common import document_errors

blp = Blueprint("statistics", __name__, description="Statistiques de parcours (bilan)")


@blp.route("/statistics")
@document_errors(blp, 401, 403)
@blp.arguments(s.StatisticsArgs, location="query")
@blp.response(200, s.Statistics)
def statistics(query):
    """Population, stages, funnel, rates, median delays, exits, breakdown and target.

    Counts of pathways only (no identity): every role reads them for its own territory.
    """
    principal = current_principal()
    territory_id = query["territory_id"]
    if principal.territory_id is not None:
        if territory_id not in (None, principal.territory_id):
            raise Problem(403, "statistiques réservées à votre territoire", type_="forbidden")
        territory_id = principal.territory_id
    system = web().system
    return web().statistics.get(
        system.engine, StatisticsQuery(**{**query, "territory_id": territory_id}),
        system.clock.today(), system.projections.position(),
    )
