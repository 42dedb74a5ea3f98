"""Reference data routes: territories, groups, structures (written by the admin)."""


from ...stores.reference import AlreadyRecorded, groups, structures, territories
from ..context import web
from ..pagination import decode_cursor, encode_cursor
from ..problems import Problem
from ..request_body import Blueprint
from ..schemas import examples
from ..schemas import reference as s
from ..security import current_principal, roles
from .common import document_errors

blp = Blueprint("reference", __name__, description="Données de référence (coordination)")


def territory_page(table, query: dict, by_territory: bool = True) -> dict:
    """A page of a reference table, within the caller's territory."""
    principal = current_principal()
    territory_id = query["territory_id"]
    if principal.territory_id is not None:
        if territory_id not in (None, principal.territory_id):
            return {"items": [], "next_cursor": None}
        territory_id = principal.territory_id
    where = {"territory_id" if by_territory else "id": territory_id}
    rows = web().system.reference.rows(table, **where)
    offset = decode_cursor(query["cursor"], int) or 0
    items = rows[offset:offset + query["limit"]]
    more = offset + query["limit"] < len(rows)
    return {"items": items, "next_cursor": encode_cursor(offset + query["limit"]) if more else None}


def known_territory(territory_id: str) -> None:
    principal = current_principal()
    if principal.territory_id not in (None, territory_id):
        raise Problem(403, "vous gérez un autre territoire", type_="forbidden")
    if web().system.reference.get(territories, territory_id) is None:
        raise Problem(422, "territoire inconnu", type_="invalid_value",
                      errors={"territory_id": ["territoire inconnu"]})


def insert_reference(add, **values) -> dict:
    try:
        return add(**values)
    except AlreadyRecorded:
        raise Problem(409, "cet enregistrement existe déjà (nom déjà utilisé)",
                      type_="duplicate") from None


@blp.route("/territories", methods=["GET"])
@blp.doc(operationId="list_territories")
@document_errors(blp, 400, 401)
@blp.arguments(s.ReferenceQuery, location="query")
@blp.response(200, s.TerritoryPage)
def list_territories(query):
    """The territories (Cités de l'emploi) the caller belongs to (all of them for a national admin).

    Roles: every role.
    """
    return territory_page(territories, query, by_territory=False)


@blp.route("/territories", methods=["POST"])
@blp.doc(operationId="create_territory")
@roles("admin")
@document_errors(blp, 401, 403, 409)
@blp.arguments(s.TerritoryIn, example=examples.TERRITORY)
@blp.response(201, s.Territory)
def create_territory(data):
    """Creates a territory (admin)."""
    return insert_reference(web().system.reference.add_territory, name=data["name"])


@blp.route("/groups", methods=["GET"])
@blp.doc(operationId="list_groups")
@document_errors(blp, 400, 401)
@blp.arguments(s.ReferenceQuery, location="query")
@blp.response(200, s.GroupPage)
def list_groups(query):
    """The working groups of the caller's territory.

    Roles: every role.
    """
    return territory_page(groups, query)


@blp.route("/groups", methods=["POST"])
@blp.doc(operationId="create_group")
@roles("admin")
@document_errors(blp, 401, 403, 409)
@blp.arguments(s.GroupIn, example=examples.GROUP)
@blp.response(201, s.Group)
def create_group(data):
    """Creates a working group with its yearly target (admin)."""
    known_territory(data["territory_id"])
    return insert_reference(web().system.reference.add_group, **data)


@blp.route("/structures", methods=["GET"])
@blp.doc(operationId="list_structures")
@document_errors(blp, 400, 401)
@blp.arguments(s.ReferenceQuery, location="query")
@blp.response(200, s.StructurePage)
def list_structures(query):
    """The partner structures of the caller's territory.

    Roles: every role.
    """
    return territory_page(structures, query)


@blp.route("/structures", methods=["POST"])
@blp.doc(operationId="create_structure")
@roles("admin")
@document_errors(blp, 401, 403, 409)
@blp.arguments(s.StructureIn, example=examples.STRUCTURE)
@blp.response(201, s.Structure)
def create_structure(data):
    """Creates a partner structure (admin)."""
    known_territory(data["territory_id"])
    return insert_reference(web().system.reference.add_structure, **data)
