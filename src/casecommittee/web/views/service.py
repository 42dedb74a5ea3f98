"""Service routes: who am I, is the service up."""

from ..context import web
from ..request_body import Blueprint
from ..schemas.service import Health, Me
from ..security import current_principal
from .common import document_errors

blp = Blueprint("service", __name__, description="Qui suis-je, état du service")


@blp.route("/me")
@blp.doc(operationId="get_me")
@document_errors(blp, 401)
@blp.response(200, Me)
def me():
    """The token's user: role, territory, groups, structure.

    Roles: every role.
    """
    p = current_principal()
    return {"user_id": p.user_id, "name": p.name, "role": p.role, "territory_id": p.territory_id,
            "group_ids": list(p.group_ids), "structure_id": p.structure_id}


@blp.route("/health")
@blp.doc(operationId="get_health")
@blp.doc(security=[])
@blp.response(200, Health)
@blp.alt_response(503, schema=Health, description="The read models stopped at an event they "
                  "cannot apply: `stall` says which projection and since when (where and why "
                  "are for the coordinators: their notification and administration page)")
def health():
    """Liveness: version, store kind, read models' lag behind the log; 503 while the read
    models are stopped at an event they cannot apply (`stall`).

    Public, so `stall` says only which projection stopped and since when: never the error,
    whose text may quote what the event holds, nor positions. The coordinators (admins) read
    where and why in their `projection_stalled` notification and on their administration page.

    Roles: none needed (no token).
    """
    from .. import VERSION

    system = web().system
    answer = {"status": "ok", "version": VERSION, "store": system.settings.store_kind,
              "projections_behind": system.projections.behind()}
    stall = system.projections.stall()
    if stall is None:
        return answer
    return {**answer, "status": "projections_stalled", "stall": stall.public()}, 503
