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


def person_labels() -> tuple:
    """A `labels_of` for the documents, and the pathways whose name it gave (the view logs them).

    `labels_of` labels (pathway id, consent) pairs, the names of all of them read together: a
    name (first name and initial) for consenting people and readers allowed names; else a
    pseudonym. Building the document writes nothing.
    """
    principal, named = current_principal(), []

    def labels_of(pairs: list[tuple[str, bool]]) -> list[str]:
        names = {} if principal.pseudonymised else short_names(
            pathway_id for pathway_id, consent in pairs if consent)
        labels = []
        for pathway_id, consent in pairs:
            name = names.get(str(pathway_id)) if consent else None
            if name is None:
                labels.append(web().pseudonyms.of(pathway_id))
            else:
                named.append(pathway_id)
                labels.append(name)
        return labels

    return labels_of, named


def short_names(pathway_ids) -> dict[str, str]:
    """pathway id → the first name and the last name's initial of its person, decrypted, for
    those of `pathway_ids` that have an identity (not erased), read together (one query per
    500); the caller logs the reading."""
    pathway_ids = [str(pathway_id) for pathway_id in pathway_ids]
    if not pathway_ids:
        return {}
    return {pathway_id: f"{person.get('first_name', '')} {person.get('last_name', '')[:1]}.".strip()
            for pathway_id, person in web().system.personal_data.people(pathway_ids).items()
            if person}
