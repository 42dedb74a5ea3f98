"""What several views need: the visible pathway behind an id, error responses to document."""

import uuid
from http import HTTPStatus

from ...queries.caseload import get_row
from ..context import web
from ..problems import Problem
from ..security import current_principal

#: Error statuses every authenticated route may answer.
AUTH_ERRORS = (401, 403)


def not_found() -> Problem:
    """The 404 of a pathway that does not exist or is outside the caller's scope."""
    return Problem(404, "aucun parcours de ce numéro dans votre périmètre", type_="not_found")


def visible_pathway(reference: str) -> tuple[uuid.UUID, dict]:
    """(pathway id, read-model row) of a pathway the caller may see; 404 otherwise.

    Auditors name pathways by their pseudonym; everyone else by id.
    """
    principal = current_principal()
    if principal.pseudonymised:
        pathway_id = web().pseudonyms.pathway_id(reference)
    else:
        try:
            pathway_id = uuid.UUID(reference)
        except ValueError:
            pathway_id = None
    if pathway_id is None:
        raise not_found()
    row = get_row(web().system.engine, str(pathway_id))
    if row is None or not principal.sees(row):
        raise not_found()
    return pathway_id, row


def shown_id(pathway_id) -> str:
    """The id the caller sees: the pathway id, or its pseudonym for auditors."""
    if current_principal().pseudonymised:
        return web().pseudonyms.of(pathway_id)
    return str(pathway_id)


def document_errors(blp, *statuses):
    """Documents error responses (problem+json) on a view."""

    def decorator(view):
        for status in statuses:
            view = blp.alt_response(status, response=HTTPStatus(status).name)(view)
        return view

    return decorator

