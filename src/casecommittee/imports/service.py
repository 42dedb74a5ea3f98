"""An import from upload to report: read and keep the file (sealed), preview it (every row
checked, duplicates found through the blind index), map its columns, confirm it, run it as one
job, report.

Running is safe to repeat: row N of import I always identifies pathway uuid5(I, N), so a second
run (a retry after a crash, a second confirmation) finds the pathways it already created; a
re-upload of the same file finds every person already known (blind index) and skips or merges
them instead of creating them again.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.persistence import IntegrityError

from ..domain.errors import DomainError
from ..queries.identities import rows_of
from ..stores.access_log import AccessLog
from ..stores.auth import WRITING_ROLES, Principal, user_principal
from ..stores.identity_index import normalised_name
from ..stores.personal_data import PersonalDataErased, PersonalDataMissing
from ..stores.reference import groups, structures
from .columns import COLUMNS, check_mapping, guess_mapping, without_values
from .rows import CheckedRow, check_row
from .spreadsheet import NotASpreadsheet, read_sheet
from .vocabulary import DECISIONS

DECISION_LABELS = {"keep": "importer", "skip": "ignorer", "merge": "fusionner avec la personne connue"}
#: Progress is recorded every this many rows.
PROGRESS_EVERY = 25
#: The contacts a merge may update (names and birth date are what matched: they stay).
MERGED_FIELDS = ("phone", "email", "address")
_NAMESPACE = uuid5(NAMESPACE_URL, "casecommittee:imports")


class ImportRefused(Exception):
    """The import cannot go on: status, a French message, and errors by field."""

    def __init__(self, status: int, message: str, errors: dict | None = None,
                 type_: str = "validation"):
        super().__init__(message)
        self.status, self.message, self.errors, self.type = status, message, errors, type_


def row_pathway_id(import_id: str, line: int) -> UUID:
    """The pathway the row at `line` of import `import_id` identifies: the same on every run."""
    return uuid5(_NAMESPACE, f"{import_id}:{line}")


def _territory_structures(reference, territory_id: str | None) -> dict[str, str]:
    found = {}
    for row in reference.rows(structures):
        if territory_id is None or row["territory_id"] == territory_id:
            found[normalised_name(row["name"])] = row["id"]
            found[row["id"]] = row["id"]
    return found


def _writer_of_group(principal: Principal, group_id: str) -> None:
    if principal.role not in WRITING_ROLES or group_id not in principal.group_ids:
        raise ImportRefused(403, "seuls les référents et co-pilotes du groupe de travail importent "
                            "des personnes dans ce groupe", type_="forbidden")


def owner_of(record: dict) -> str:
    """Whose mapping an import saves and reuses: its structure's, else its group's."""
    return record["structure_id"] or record["group_id"]


def upload(system, principal: Principal, data: bytes, *, group_id: str,
           structure_id: str | None = None) -> str:
    """Reads and keeps an uploaded file (sealed) for preview; returns the import's id.
    ImportRefused (nothing kept) when the caller may not import into the group, the structure
    is unknown, or the file is not a spreadsheet within the limits."""
    group = system.reference.get(groups, group_id)
    if group is None:
        raise ImportRefused(422, "groupe de travail inconnu", {"group_id": ["groupe inconnu"]},
                            type_="invalid_value")
    _writer_of_group(principal, group_id)
    if structure_id is not None:
        found = system.reference.get(structures, structure_id)
        if found is None or found["territory_id"] != group["territory_id"]:
            raise ImportRefused(422, "structure inconnue sur votre territoire",
                                {"structure_id": [f"structure {structure_id} inconnue"]},
                                type_="invalid_value")
    settings = system.settings
    try:
        sheet = read_sheet(data, max_bytes=settings.import_max_bytes,
                           max_rows=settings.import_max_rows)
    except NotASpreadsheet as refused:
        raise ImportRefused(refused.status, str(refused), {"file": [str(refused)]},
                            type_="not_a_spreadsheet") from None
    owner = structure_id or group_id
    mapping = guess_mapping(sheet.headers, system.imports.saved_mapping(owner))
    return system.imports.create(
        group_id=group_id, structure_id=structure_id, created_by=principal.user_id,
        now=system.clock.now(), kind=sheet.kind, file_digest=hashlib.sha256(data).hexdigest(),
        sheet={"headers": sheet.headers, "rows": sheet.rows}, mapping=mapping,
    )


def visible_import(system, principal: Principal, import_id: str) -> dict:
    """The import's record when the caller may see it, else 404 (the same as for an import
    that does not exist). An import is its uploader's: its rows are identities that nobody
    else of the group has been shown yet, so neither a colleague nor the group's co-pilot reads
    its preview, maps, confirms or cancels it, nor reads the report it leaves. No role
    administers other people's imports. The uploader must still write in its group."""
    record = system.imports.get(import_id) if _is_uuid(import_id) else None
    if record is None or not _owns(principal, record):
        raise ImportRefused(404, "aucun import de ce nom parmi les vôtres", type_="not_found")
    return record


def _owns(principal: Principal, record: dict) -> bool:
    """Whether `principal` uploaded the import (or confirmed it, before only the uploader
    could) and still writes in its group."""
    return (principal.role in WRITING_ROLES and record["group_id"] in principal.group_ids
            and principal.user_id in (record["uploaded_by_id"], record["confirmed_by_id"]))


def _is_uuid(value: str) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True


class _ReadOnce:
    """The reference data as one analysis reads them: each row asked once (an import checks
    thousands of rows against the same group and structures)."""

    def __init__(self, reference):
        self._reference = reference
        self._got: dict = {}

    def get(self, table, id: str):
        """The row of `table` with this id (read once), or None."""
        key = (table.name, id)
        if key not in self._got:
            self._got[key] = self._reference.get(table, id)
        return self._got[key]

    def rows(self, table, **where):
        """The rows of `table` (not cached)."""
        return self._reference.rows(table, **where)


@dataclass
class Analysed:
    """A row checked, with its duplicates: of an earlier row of the file, of people known."""

    checked: CheckedRow
    pathway_id: str
    duplicate_of_row: int | None = None
    known: list[dict] | None = None  # [{pathway_id, mine (the caller sees it), readable}]
    default: str = "keep"
    choices: tuple[str, ...] = ("keep", "skip")


def analyse(system, principal: Principal, record: dict, sheet: dict) -> list[Analysed]:
    """Every row checked against the API's identification, with its duplicates and the
    decisions it allows (and the one taken when the user says nothing). People known are
    looked for in the group's territory only: another territory's are none of its business."""
    headers = {key: header for header, key in record["mapping"].items() if key}
    positions = {key: sheet["headers"].index(header) for key, header in headers.items()}
    group = system.reference.get(groups, record["group_id"])
    known_structures = _territory_structures(system.reference, group["territory_id"])
    today = system.clock.today()
    reference = _ReadOnce(system.reference)
    analysed = []
    for offset, values in enumerate(sheet["rows"]):
        line = offset + 2  # the header is line 1
        cells = {key: values[i] for key, i in positions.items()}
        checked = check_row(line, cells, group_id=record["group_id"], reference=reference,
                            principal=principal, structures=known_structures, today=today,
                            headers=headers)
        analysed.append(Analysed(checked, str(row_pathway_id(record["id"], line))))
    index = system.personal_data.index
    digests = {a.checked.line: index.digest_of(a.checked.command["person"])
               for a in analysed if a.checked.command}
    known = index.pathways_of(system.engine, [d for d in digests.values() if d])
    own = {a.pathway_id for a in analysed}
    where = rows_of(system.engine, {p for ids in known.values() for p in ids} - own)
    first_line: dict[str, int] = {}
    for row in analysed:
        digest = digests.get(row.checked.line)
        if digest is None:
            continue
        if digest in first_line:
            row.duplicate_of_row = first_line[digest]
            row.default, row.choices = "skip", ("skip", "keep")
            continue
        first_line[digest] = row.checked.line
        matches = [p for p in known.get(digest, []) if p not in own
                   and where.get(p, {}).get("territory_id") == group["territory_id"]]
        if not matches:
            continue
        row.known = [{"pathway_id": p, "mine": principal.sees(where.get(p, {})),
                      "readable": principal.reads_person(where.get(p, {}))} for p in matches]
        readable = [k for k in row.known if k["readable"]]
        row.choices = ("skip", "keep", "merge") if len(readable) == 1 else ("skip", "keep")
        row.default = "merge" if len(readable) == 1 else "skip"
    return analysed


def _reason(row: Analysed) -> str | None:
    if row.duplicate_of_row is not None:
        return f"même personne que la ligne {row.duplicate_of_row}"
    if row.known:
        mine = [k for k in row.known if k["mine"]]
        if mine:
            return "personne déjà connue dans ce groupe de travail"
        return "personne déjà connue dans un autre groupe de travail"
    return None


def preview(system, principal: Principal, import_id: str) -> dict:
    """What confirming would do, row by row: errors by row and column, duplicates, decisions."""
    record = visible_import(system, principal, import_id)
    sheet = system.imports.sheet(import_id)
    document = _summary(system, record)
    mapping_errors = check_mapping(record["mapping"])
    document["mapping_errors"] = mapping_errors
    if sheet is None or mapping_errors:
        document["rows"] = []
        return document
    rows = analyse(system, principal, record, sheet)
    document["rows"] = [{
        "row": r.checked.line,
        "cells": r.checked.cells,
        "status": "error" if r.checked.errors else ("duplicate" if _reason(r) else "ok"),
        "errors": r.checked.errors,
        "duplicate": _reason(r),
        "duplicate_of_row": r.duplicate_of_row,
        "known_pathway_ids": [k["pathway_id"] for k in r.known or () if k["mine"]],
        "decision": None if r.checked.errors else r.default,
        "choices": [] if r.checked.errors else list(r.choices),
    } for r in rows]
    counts = {"ok": 0, "error": 0, "duplicate": 0}
    for row in document["rows"]:
        counts[row["status"]] += 1
    document["counts"] = counts
    return document


def _summary(system, record: dict) -> dict:
    earlier = system.imports.earlier_import(record["group_id"], _digest(record), record["id"])
    return {
        "id": record["id"], "group_id": record["group_id"], "structure_id": record["structure_id"],
        "status": record["status"], "kind": record["kind"], "row_count": record["row_count"],
        "created_at": record["created_at"], "expires_at": record["expires_at"],
        "progress": record["progress"], "mapping": record["mapping"],
        "columns": [c.key for c in COLUMNS],
        "already_imported_on": earlier["created_at"] if earlier else None,
        "counts": {"ok": 0, "error": 0, "duplicate": 0},
    }


def _digest(record: dict) -> str:
    return record["file_digest"]


def set_mapping(system, principal: Principal, import_id: str, mapping: dict) -> dict:
    """Changes how some of the partner's columns map to ours (`None`: left out; the columns
    not named keep theirs); saved for the partner's next uploads."""
    record = visible_import(system, principal, import_id)
    if record["status"] != "previewed":
        raise ImportRefused(409, "cet import est déjà confirmé ou annulé", type_="import_closed")
    sheet = system.imports.sheet(import_id)
    unknown = [h for h in mapping if h not in sheet["headers"]]
    errors = {h: ["cette colonne n'est pas dans le fichier ; colonnes du fichier : "
                  + ", ".join(sheet["headers"])] for h in unknown}
    full = {header: record["mapping"].get(header) for header in sheet["headers"] if header}
    full.update({h: k for h, k in mapping.items() if h not in unknown})
    errors.update(check_mapping(full))
    if errors:
        raise ImportRefused(422, "la correspondance des colonnes est incomplète ou invalide",
                            errors, type_="validation")
    system.imports.set_mapping(import_id, full, owner_of(record), system.clock.now())
    return preview(system, principal, import_id)


def confirm(system, principal: Principal, import_id: str, decisions: dict[int, str]) -> dict:
    """Confirms an import (the job then runs it); a second confirmation changes nothing and
    answers the import as it stands."""
    record = visible_import(system, principal, import_id)
    if record["status"] in ("cancelled", "expired"):
        raise ImportRefused(409, "cet import est annulé ou expiré : envoyez le fichier à nouveau",
                            type_="import_closed")
    if record["status"] != "previewed":
        return record
    mapping_errors = check_mapping(record["mapping"])
    if mapping_errors:
        raise ImportRefused(422, "associez d'abord les colonnes obligatoires", mapping_errors,
                            type_="validation")
    lines = set(range(2, record["row_count"] + 2))
    wrong = {str(line): [f"la ligne {line} n'est pas dans le fichier"]
             for line in decisions if int(line) not in lines}
    wrong.update({str(line): ["décision inconnue ; décisions possibles : " + ", ".join(DECISIONS)]
                  for line, decision in decisions.items() if decision not in DECISIONS})
    if wrong:
        raise ImportRefused(422, "des décisions ne s'appliquent pas", {"decisions": wrong},
                            type_="validation")
    system.imports.queue(import_id, {str(k): v for k, v in decisions.items()},
                         principal.user_id, system.clock.now())
    return system.imports.get(import_id)


def cancel(system, principal: Principal, import_id: str) -> dict:
    """Cancels an import not confirmed yet: its rows and their key are destroyed."""
    record = visible_import(system, principal, import_id)
    if record["status"] in ("queued", "running", "done"):
        raise ImportRefused(409, "cet import est déjà confirmé : il ne peut plus être annulé",
                            type_="import_closed")
    system.imports.cancel(import_id, system.clock.now())
    return system.imports.get(import_id)


def run(system, import_id: str, on_progress: Callable[[int, int], None] | None = None) -> dict | None:
    """Runs a confirmed import (claimed first: one process runs it); returns its report, or
    None when another process has it or it is not confirmed."""
    store = system.imports
    if not store.claim(import_id, system.clock.now()):
        return None
    record = store.get(import_id)
    principal = user_principal(system.engine, record["confirmed_by_id"])
    sheet = store.sheet(import_id)
    report = {"total": record["row_count"], "created": 0, "updated": 0, "skipped": 0,
              "refused": 0, "rows": []}
    if principal is None or record["group_id"] not in principal.group_ids or sheet is None:
        for line in range(2, record["row_count"] + 2):
            _outcome(report, line, "refused",
                     "la personne qui a confirmé l'import n'est plus membre du groupe de travail")
        store.finish(import_id, report, system.clock.now())
        return report
    access_log = AccessLog(system.engine)
    rows = analyse(system, principal, record, sheet)
    for done, row in enumerate(rows, start=1):
        _run_row(system, principal, access_log, row, record["decisions"], report)
        if done % PROGRESS_EVERY == 0 or done == len(rows):
            store.record_progress(import_id, done, system.clock.now())
            if on_progress is not None:
                on_progress(done, len(rows))
    store.finish(import_id, report, system.clock.now())
    return report


def _outcome(report: dict, line: int, outcome: str, reason: str | None = None,
             pathway_id: str | None = None) -> None:
    report[outcome] += 1
    report["rows"].append({"row": line, "outcome": outcome, "reason": reason,
                           "pathway_id": pathway_id})


def _run_row(system, principal, access_log, row: Analysed, decisions: dict, report: dict) -> None:
    line, checked = row.checked.line, row.checked
    app = system.app
    pathway_id = UUID(row.pathway_id)
    if pathway_id in app.repository:  # created by an earlier run of this import
        _outcome(report, line, "created", None, row.pathway_id)
        return
    if checked.errors:
        _outcome(report, line, "refused", " ; ".join(  # kept after the rows: no cell's value
            f"{e['column']} : {without_values(e['message'])}" if e["column"]
            else without_values(e["message"]) for e in checked.errors))
        return
    decision = decisions.get(str(line), row.default)
    if decision not in row.choices:
        decision = row.default
    if decision == "skip":
        _outcome(report, line, "skipped", _reason(row) or "écartée à la confirmation")
        return
    if decision == "merge":
        target = next(k["pathway_id"] for k in row.known if k["readable"])
        _merge(system, principal, access_log, target, checked.command["person"], line, report)
        return
    try:
        app.identify(pathway_id=pathway_id, **checked.command)
    except IntegrityError:  # another run saved it meanwhile
        _outcome(report, line, "created", None, row.pathway_id)
        return
    except DomainError as broken:
        _outcome(report, line, "refused", without_values(broken.message))
        return
    access_log.record(principal, pathway_id, "identify", at=system.clock.now())
    _outcome(report, line, "created", None, row.pathway_id)


def _merge(system, principal, access_log, target: str, person: dict, line: int,
           report: dict) -> None:
    store = system.personal_data
    try:
        known = store.get(target)
    except (PersonalDataErased, PersonalDataMissing):
        _outcome(report, line, "skipped", "la personne connue a été effacée entre-temps")
        return
    changes = {f: person[f] for f in MERGED_FIELDS if person.get(f) and person[f] != known.get(f)}
    if not changes:
        access_log.record(principal, target, "read_person", at=system.clock.now())
        _outcome(report, line, "skipped", "personne déjà connue, rien à mettre à jour", target)
        return
    store.put(UUID(target), {**known, **changes})
    access_log.record(principal, target, "read_person", "update_person", at=system.clock.now())
    _outcome(report, line, "updated", "coordonnées mises à jour : " + ", ".join(
        {"phone": "téléphone", "email": "adresse électronique", "address": "adresse"}[f]
        for f in changes), target)


def run_waiting(system, today=None) -> int:
    """The job: expires imports left unconfirmed, then runs every confirmed import waiting
    (or abandoned by a worker that stopped). Returns how many rows it went through."""
    store = system.imports
    store.expire(system.clock.now())
    done = 0
    for import_id in store.waiting(system.clock.now()):
        report = run(system, import_id)
        done += report["total"] if report else 0
    return done
