"""Each row of an upload checked as the API checks an identification: the same marshmallow
schema (`IdentifyIn`), the same checks of ids and scope (`web.commands.identification`), the same
domain rules (`Pathway.identify`, run in memory: nothing is saved). Errors are named by the
row's line in the file and by the partner's column header, in French."""

from dataclasses import dataclass, field
from datetime import date

from marshmallow import ValidationError

from ..domain.errors import DomainError
from ..domain.pathway import Pathway
from ..stores.auth import Principal
from ..web import commands
from ..web.problems import Problem
from ..web.schemas.pathways import IdentifyIn
from .columns import BY_PATH, request_body

_SCHEMA = IdentifyIn()


@dataclass
class CheckedRow:
    """One data row: its line in the file, its cells (by our column), the identification
    command when it passes, else its errors ({column header, message})."""

    line: int
    cells: dict[str, str]
    command: dict | None = None
    errors: list[dict] = field(default_factory=list)


def _flat(messages, prefix: str = "") -> list[tuple[str, str]]:
    """(field path, message) of a marshmallow error dict (list indexes dropped)."""
    found = []
    if isinstance(messages, dict):
        for key, inner in messages.items():
            name = prefix if isinstance(key, int) else ".".join(p for p in (prefix, str(key)) if p)
            found += _flat(inner, name)
    elif isinstance(messages, list | tuple):
        for inner in messages:
            found += _flat(inner, prefix)
    else:
        found.append((prefix, str(messages)))
    return found


def _column_of(path: str) -> str | None:
    """Our column key for a request field path (the longest column path it starts with)."""
    while path:
        if path in BY_PATH:
            return BY_PATH[path].key
        path = path.rpartition(".")[0]
    return None


def check_row(line: int, cells: dict[str, str], *, group_id: str, reference, principal: Principal,
              structures: dict[str, str], today: date, headers: dict[str, str]) -> CheckedRow:
    """The row checked against the API's identification. `headers` maps our column keys to the
    partner's headers (errors are named after the partner's columns)."""
    checked = CheckedRow(line, cells)

    def error(key: str | None, message: str) -> None:
        column = headers.get(key, key) if key else None
        checked.errors.append({"row": line, "column": column, "message": message})

    body, cell_errors = request_body(cells, group_id, structures)
    for key, messages in cell_errors.items():
        for message in messages:
            error(key, message)
    if checked.errors:
        return checked
    try:
        data = _SCHEMA.load(body)
    except ValidationError as invalid:
        for path, message in _flat(invalid.messages):
            key = _column_of(path)
            if key is None and path in ("person", "profile", "consent"):
                key = {"person": "nom", "profile": "sexe", "consent": "consentement"}[path]
            error(key, message if key in headers else f"{message} (colonne {key} absente)")
        return checked
    try:
        command = commands.identification(reference, principal, data)
        with commands.request_fields(commands.IDENTIFICATION_FIELDS):
            Pathway.identify(**{k: v for k, v in command.items() if k != "person"}, today=today)
    except Problem as refused:
        error(None, refused.detail)
        return checked
    except DomainError as broken:
        error(_column_of(broken.field or ""), broken.message)
        return checked
    checked.command = command
    return checked
