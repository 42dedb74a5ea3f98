"""The pathway documents the API answers, shown as the caller may see them.

One builder serves the read model (the current row) and the event store (`?version=`,
`?as_of=`, and the answer to a write), so both answers have one shape. Auditors get the
pseudonym for the id, no person, and every free text masked (a correction's own reason too:
auditors see pseudonyms only, and a text about a person is none).

Free text about the person is stored sealed (`stores/sealed_texts.py`): the builders take
`opened`, the request's opener of the pathway's texts (`web/texts.py`), and show what it gives
(the text, or the erasure's placeholder); masked texts are not opened. The history items are
`queries/step_documents.py`'s (the right-of-access export shows them too).
"""

from datetime import date

from ..domain.rules import follow_up_calendar
from ..domain.state import PathwayState
from ..queries.step_documents import MASK, as_stored, jsonable


def follow_up_checkpoints(hired_on: date | None, contact_dates: list[date], today: date) -> dict:
    """The 15-week follow-up's checkpoints still to do: due (not yet overdue) and overdue."""
    if hired_on is None:
        return {"hired_on": None, "due": [], "overdue": []}
    pending = [c for c in follow_up_calendar(hired_on, contact_dates, False) if not c.done]
    return {
        "hired_on": hired_on,
        "due": [c.as_dict() for c in pending if not c.is_overdue(today)],
        "overdue": [c.as_dict() for c in pending if c.is_overdue(today)],
    }


def follow_up_of(state: PathwayState, today: date) -> dict:
    """The follow-up of a state from the event store (only while employed, i.e. in follow-up)."""
    follow_up = state.follow_up if state.stage == "employed" else None
    if not follow_up:
        return follow_up_checkpoints(None, [], today)
    return follow_up_checkpoints(follow_up["hired_on"], [c["on"] for c in follow_up["contacts"]], today)


def follow_up_of_row(row: dict, today: date) -> dict:
    """The follow-up of a read-model row (its contact dates are kept in the row)."""
    contacts = [date.fromisoformat(d) for d in row.get("follow_up_contacts") or ()]
    return follow_up_checkpoints(row.get("follow_up_hired_on"), contacts, today)


def _referent(reference, referent_id, structure_id) -> dict | None:
    if not referent_id:
        return None
    return {"user_id": referent_id, "name": reference.user_name(referent_id),
            "structure_id": structure_id}


def fields_of_state(state: PathwayState) -> dict:
    """What a pathway document shows, from a derived state (event store)."""
    return {
        "group_id": state.group_id, "stage": state.stage, "stage_since": state.stage_since,
        "version": state.version, "identified_on": state.identified_on, "channel": state.channel,
        "profile": {**state.profile, "age_bracket": state.age_bracket},
        "consent": state.consent, "referent_id": state.referent_id,
        "referent_structure_id": state.referent_structure_id,
        "orientation": state.orientation, "immersion": state.immersion, "job": state.job,
        "referral": state.referral, "exit": state.exit, "last_event_on": state.last_event_on,
    }


def fields_of_row(row: dict) -> dict:
    """What a pathway document shows, from its `pathway_rows` row (read model)."""
    flags = [f for f in (row.get("flags") or "").split(",") if f]
    return {
        "group_id": row["group_id"], "stage": row["stage"], "stage_since": row["stage_since"],
        "version": row["version"], "identified_on": row["identified_on"], "channel": row["channel"],
        "profile": {"sex": row["sex"], "age_bracket": row["age_bracket"], "qpv_code": row["qpv_code"],
                    "qualification_level": row["qualification_level"], "flags": flags},
        "consent": {"committee_sharing": bool(row["consent_sharing"])},
        "referent_id": row["referent_id"], "referent_structure_id": row["referent_structure_id"],
        "orientation": row["orientation"], "immersion": row["immersion"], "job": row["job"],
        "referral": ({"on": row["referral_on"], "reason": row["referral_reason"]}
                     if row["referral_on"] else None),
        "exit": ({"on": row["exited_on"], "outcome": row["exit_outcome"]}
                 if row["exited_on"] else None),
        "last_event_on": row["last_event_on"],
    }


def pathway_document(fields: dict, *, shown_id: str, territory_id: str | None, follow_up: dict,
                     reference, person: dict | None = None, pseudonymised: bool = False,
                     opened=as_stored) -> dict:
    """The `GET /pathways/{id}` document (the referral's reason opened by `opened`)."""
    referral = dict(fields["referral"]) if fields["referral"] else None
    if referral and pseudonymised:
        referral["reason"] = MASK
    elif referral:
        referral["reason"] = opened(referral.get("reason"))
    document = {
        "id": shown_id, "group_id": fields["group_id"], "territory_id": territory_id,
        "stage": fields["stage"], "stage_since": fields["stage_since"],
        "version": fields["version"], "identified_on": fields["identified_on"],
        "channel": fields["channel"], "profile": jsonable(fields["profile"]),
        "consent": jsonable(fields["consent"]),
        "referent": _referent(reference, fields["referent_id"], fields["referent_structure_id"]),
        "current_orientation": jsonable(fields["orientation"]),
        "current_immersion": jsonable(fields["immersion"]),
        "current_job": jsonable(fields["job"]),
        "referral": jsonable(referral), "exit": jsonable(fields["exit"]),
        "follow_up": follow_up, "last_event_on": fields["last_event_on"],
    }
    if not pseudonymised:
        document["person"] = person
    return document
