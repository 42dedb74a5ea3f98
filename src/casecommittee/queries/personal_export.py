"""The right-of-access export (RGPD, article 15): what is held about one person.

One document for the API (`GET /api/v1/pathways/{id}/personal-data`), the printable page
(`/parcours/{id}/droit-d-acces`) and the command line (`casecommittee export-person`):

- `person`: the identity and contacts (the personal-data store), as before;
- `consent`: the consent to committee sharing as it stands (corrections applied);
- `kept_until`: the day the retention job erases the person unless a step comes first (the
  last step's day plus `retention_days`, two years by default);
- `steps`: every recorded step of the pathway in order, as the history shows them
  (`step_document`): the code and its French label, the business date, the recorded time,
  who recorded it (`recorded_by`), the facts, the texts written about the person opened with
  their key (a correction's reason and the texts it changes too);
- `decisions`: the committee decisions concerning them (the session's kind and date, the
  decision and its label, the note opened, the orientation decided).

What it leaves out, and why:

- the staff behind the texts: a step names the role and the structure that recorded it, never
  the user (a user id is an internal pseudonym; a name would identify the professional beyond
  what the person needs to know of the record). The referent designated for the person
  (`referent_id` of a referent's designation or an orientation, a correction's too) is named
  instead (`referent_name`): the person knows and meets them;
- other people's data: only this pathway's steps and the decisions taken on it (never another
  person's item of an agenda or of the minutes);
- the access log (who read the record): it is the organisation's own control record.

Who gets it (`export_for`, the one rule of the API, the page and the CLI): those who may read
the person (`Principal.reads_person`: their referent, a co-pilot of their group), else
`PersonNotReadable` (a 403, the CLI's refusal); nothing ever recorded for the pathway is
`NothingRecorded` (a 404); each export given is logged as theirs (`export_personal_data`).

Once the person is erased the document is the tombstone (when, why) with no consent, no step
and no decision: the key is gone, no text opens, and what remains of the pathway is the
pseudonymous history the statistics replay, which no longer leads back to anyone.
"""

from ..domain.committee import DECISION_LABELS, KIND_LABELS
from ..domain.pathway import STEP_LABELS
from ..stores.access_log import AccessLog
from ..stores.auth import Principal
from ..stores.personal_data import PersonalDataErased, PersonalDataMissing, PersonalDataStore
from ..stores.reference import structures
from ..stores.sealed_texts import TextReader
from .retention import erasure_day
from .sessions import decisions_about
from .step_documents import jsonable, step_document

#: Fields of a step that name a staff member by their user id: shown by name (`referent_name`).
STAFF_FIELDS = {"referent_id": "referent_name"}


class ExportRefused(Exception):
    """Why the right of access gives nothing (its message says it in French); nothing is
    logged."""


class PersonNotReadable(ExportRefused):
    """The caller is neither the person's referent nor a co-pilot of their group."""

    def __init__(self):
        super().__init__("seul le référent de la personne ou un co-pilote de son groupe "
                         "accède à ses données personnelles")


class NothingRecorded(ExportRefused):
    """No personal data were ever recorded for the pathway (an erased person's were)."""

    def __init__(self):
        super().__init__("aucune donnée personnelle enregistrée pour ce parcours")


def check_reads_person(principal: Principal, row: dict) -> None:
    """Raises `PersonNotReadable` unless the caller may read the person of the pathway's
    read-model row (`Principal.reads_person`)."""
    if not principal.reads_person(row):
        raise PersonNotReadable()


def check_recorded(store: PersonalDataStore, pathway_id) -> None:
    """Raises `NothingRecorded` when no personal data were ever recorded for the pathway (an
    erased person's were): what an erasure checks first."""
    if store.tombstone(pathway_id) is None:
        try:
            store.get(pathway_id)
        except PersonalDataMissing:
            raise NothingRecorded() from None


def export_for(system, principal: Principal, pathway_id, row: dict, reader: TextReader,
               access_log: AccessLog) -> dict:
    """The export (`export_document`) for a caller who may read the person (the pathway's
    read-model row says), logged in the access log as theirs (`export_personal_data`);
    `PersonNotReadable` or `NothingRecorded` otherwise, nothing logged."""
    check_reads_person(principal, row)
    document = export_document(system, pathway_id, reader)
    access_log.record(principal, pathway_id, "export_personal_data", at=system.clock.now())
    return document


def erased_document(pathway_id, tombstone: dict, now) -> dict:
    """The export once the person is erased: when and why, nothing else."""
    return {"pathway_id": str(pathway_id), "person": None, "erased_at": tombstone["erased_at"],
            "erasure_reason": tombstone["reason"], "exported_at": now, "consent": None,
            "kept_until": None, "steps": [], "decisions": []}


def export_document(system, pathway_id, reader: TextReader) -> dict:
    """What is held about the person of a pathway (see the module), or the tombstone once they
    are erased; raises `NothingRecorded` when no personal data were ever recorded. It
    writes nothing: the caller logs the export (`export_for` does)."""
    store, now = system.personal_data, system.clock.now()
    tombstone = store.tombstone(pathway_id)
    if tombstone is not None:
        return erased_document(pathway_id, tombstone, now)
    try:
        person = store.get(pathway_id)
    except PersonalDataErased:  # erased since the tombstone was read
        return erased_document(pathway_id, store.tombstone(pathway_id), now)
    except PersonalDataMissing:
        raise NothingRecorded() from None
    pathway = system.app.get_pathway(pathway_id)
    opened = reader.opener(pathway_id)
    names = _Names(system.reference)
    steps = [_step(step_document(st, opened=opened), names) for st in pathway.steps]
    system.projections.catch_up()  # (a decision just recorded is in the export)
    decisions = [{
        "session_id": row["session_id"], "committee_kind": row["kind"],
        "committee_kind_label": KIND_LABELS.get(row["kind"], row["kind"]),
        "held_on": row["held_on"], "decision": row["decision"],
        "decision_label": DECISION_LABELS.get(row["decision"], row["decision"]),
        "note": opened(row["note"]), "orientation": _facts(jsonable(row["orientation"]), names),
        "decided_at": row["decided_at"],
    } for row in decisions_about(system.engine, pathway_id)]
    last_step_on = pathway.state.last_event_on
    return {"pathway_id": str(pathway_id), "person": person, "erased_at": None,
            "erasure_reason": None, "exported_at": now,
            "consent": jsonable(dict(pathway.state.consent or {})),
            "kept_until": (None if last_step_on is None
                           else erasure_day(last_step_on, system.settings.retention_days)),
            "steps": steps, "decisions": decisions}


class _Names:
    """Structure and user names, each read once per export."""

    def __init__(self, reference):
        self.reference = reference
        self._structures: dict = {}

    def structure(self, structure_id):
        if not structure_id:
            return None
        if structure_id not in self._structures:
            self._structures[structure_id] = (self.reference.get(structures, structure_id)
                                              or {}).get("name")
        return self._structures[structure_id]

    def user(self, user_id):
        return self.reference.user_name(user_id) if user_id else None


def _facts(data, names: _Names):
    """A step's fields (or a decision's orientation) with the staff named, not identified."""
    if not isinstance(data, dict):
        return data
    shown = {}
    for key, value in data.items():
        if key in STAFF_FIELDS:
            shown[STAFF_FIELDS[key]] = names.user(value)
        elif key == "changes":
            shown[key] = _facts(value, names)
        else:
            shown[key] = value
    return shown


def _step(item: dict, names: _Names) -> dict:
    """A history item as the export shows it: its label, who recorded it (role, structure)."""
    actor = item["actor"] or {}
    structure_id = actor.get("structure_id")
    return {"version": item["version"], "step": item["step"],
            "step_label": STEP_LABELS.get(item["step"], item["step"]),
            "occurred_on": item["occurred_on"], "recorded_at": item["recorded_at"],
            "recorded_by": {"role": actor.get("role"), "structure_id": structure_id,
                            "structure_name": names.structure(structure_id)},
            "data": _facts(item["data"], names)}
