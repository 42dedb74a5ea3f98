"""The committee's working documents: the agenda of a session and its minutes.

Built from the read models (never by replaying the log): the agenda inputs of the group as of
the session's date, since the group's previous session, each item with a short synthesis of the
pathway, and the decision taken on it. Labels are resolved by the caller (`label_of`), so the
web layer decides what a reader may see: a name for consenting people, a pseudonym otherwise.
"""

from collections.abc import Callable
from dataclasses import replace

from ..domain.committee import CommitteeSession
from ..domain.errors import InvalidValue
from ..domain.rules import DEFAULT_STALLED_AFTER_DAYS
from ..domain.vocabulary import STAGE_LABELS
from ..projections.pathways import pathway_rows
from ..stores.personal_data import names_the_person
from ..stores.reference import groups
from .agenda import REASON_LABELS, AgendaItem, agenda_inputs
from .caseload import get_row, rows_of
from .sessions import previous_session_on
from .shortlist import shortlist

LabelOf = Callable[[str, bool], str]


def synthesis(row: dict) -> list[dict]:
    """The milestones of a pathway with their dates, as the committee reads them."""
    milestones = [("repéré", row.get("identified_on"))]
    orientation = row.get("orientation") or {}
    if row.get("first_oriented_on"):
        milestones.append((f"orienté ({orientation.get('scheme') or 'dispositif'})", row["first_oriented_on"]))
    if row.get("first_immersion_on"):
        milestones.append(("première immersion", row["first_immersion_on"]))
    if row.get("first_hired_on"):
        milestones.append(("première embauche", row["first_hired_on"]))
    if row.get("last_rupture_on"):
        milestones.append(("dernière rupture", row["last_rupture_on"]))
    if row.get("follow_up_completed_on"):
        milestones.append(("suivi 15 semaines validé", row["follow_up_completed_on"]))
    return [{"label": label, "on": on} for label, on in milestones if on]


def reason_label(reason: str, last_event_on, on, details: dict | None = None) -> str:
    """A reason in words, with its figure where it has one ("aucune étape depuis 63 jours",
    "besoin de la Boulangerie des Résidences : vendeur·se")."""
    if reason == "stalled" and last_event_on is not None:
        return f"aucune étape depuis {(on - last_event_on).days} jours"
    if reason == "company_need_fits" and details:
        return "besoin d'entreprise : " + " ; ".join(
            f"{need['job_title']} ({need['company_name']})" for need in details[reason])
    return REASON_LABELS[reason]


#: How many of a need's shortlist join the agenda (the most suitable).
NEED_SHORTLIST_ON_AGENDA = 5


def needs_that_fit(system, session: CommitteeSession) -> dict[str, list[dict]]:
    """pathway id → the open needs on the session's agenda whose shortlist ranks it among the
    first `NEED_SHORTLIST_ON_AGENDA` (from the group's pathways as of the session's day)."""
    fits: dict[str, list[dict]] = {}
    for on_agenda in session.needs:
        company = system.app.get_company(on_agenda["company_id"]).state
        need = company.needs[on_agenda["need_id"]]
        if need["outcome"] is not None:  # filled or withdrawn since it was put on the agenda
            continue
        for candidate in shortlist(system.engine, [session.group_id], session.held_on,
                                   limit=NEED_SHORTLIST_ON_AGENDA):
            fits.setdefault(candidate.pathway_id, []).append(
                {**on_agenda, "company_name": company.name, "job_title": need["job_title"]})
    return fits


def live_agenda(system, session: CommitteeSession, label_of: LabelOf) -> list[dict]:
    """The agenda of an open session: every pathway of the group that needs the committee."""
    system.projections.catch_up()
    group = system.reference.get(groups, session.group_id) or {}
    since = previous_session_on(system.engine, session.group_id, session.held_on, session.kind)
    items = agenda_inputs(
        system.engine, session.group_id, session.held_on, since=since,
        stalled_after_days=group.get("stalled_after_days") or DEFAULT_STALLED_AFTER_DAYS,
    )
    fits = needs_that_fit(system, session)
    listed = {item.pathway_id for item in items}
    for pathway_id in fits:
        if pathway_id in listed:
            continue
        # a person only a need brings before the committee: after the others
        row = get_row(system.engine, pathway_id)
        since_stage = row["stage_since"]
        items.append(AgendaItem(
            pathway_id=pathway_id, stage=row["stage"], reasons=(), details={},
            days_in_stage=(session.held_on - since_stage).days if since_stage else None,
            last_event_on=row["last_event_on"], consent_sharing=bool(row["consent_sharing"]),
            referent_id=row["referent_id"], row=row))
    items = [replace(item, reasons=(*item.reasons, "company_need_fits"),
                     details={**item.details, "company_need_fits": fits[item.pathway_id]})
             if item.pathway_id in fits else item for item in items]
    return [{
        "pathway_id": item.pathway_id,
        "label": label_of(item.pathway_id, item.consent_sharing),
        "consent_sharing": item.consent_sharing,
        "stage": item.stage,
        "stage_label": STAGE_LABELS[item.stage],
        "reasons": list(item.reasons),
        "reason_labels": [reason_label(r, item.last_event_on, session.held_on, item.details)
                          for r in item.reasons],
        "details": item.details,
        "days_in_stage": item.days_in_stage,
        "last_event_on": item.last_event_on,
        "referent_id": item.referent_id,
        "synthesis": synthesis(item.row),
    } for item in items]


def frozen_item(item: dict) -> dict:
    """What the minutes keep of an agenda item: no label (names never enter the events)."""
    return {k: v for k, v in item.items() if k != "label"}


def agenda_document(system, session: CommitteeSession, label_of: LabelOf) -> dict:
    """The agenda of a session (frozen once closed), each item with the decision taken on it."""
    if session.is_closed:
        # a name is shown at each reading: only if the person consented at the session and has
        # not withdrawn that consent since
        now = rows_of(system.engine, [item["pathway_id"] for item in session.agenda],
                      (pathway_rows.c.consent_sharing,))
        items = [dict(item, label=label_of(item["pathway_id"], bool(
                     item.get("consent_sharing", False)
                     and (now.get(item["pathway_id"]) or {}).get("consent_sharing"))))
                 for item in session.agenda]
    else:
        items = live_agenda(system, session, label_of)
    listed = {item["pathway_id"] for item in items}
    for pathway_id in session.decisions:  # a decision on a pathway that left the agenda
        if pathway_id not in listed:
            consent = bool((get_row(system.engine, pathway_id) or {}).get("consent_sharing"))
            items.append({"pathway_id": pathway_id, "label": label_of(pathway_id, consent),
                          "consent_sharing": consent, "stage": None, "reasons": [],
                          "reason_labels": [], "synthesis": []})
    for item in items:
        item["decision"] = session.decisions.get(item["pathway_id"])
    group = system.reference.get(groups, session.group_id) or {}
    return {
        "session_id": str(session.id), "group_id": session.group_id,
        "group_name": group.get("name"), "kind": session.kind,
        "held_on": session.held_on, "status": "closed" if session.is_closed else "scheduled",
        "closed_at": session.closed_at,
        "attendance": list(session.attendance), "items": items,
    }


def close_session(system, session: CommitteeSession, attendance: list[str], actor: dict) -> CommitteeSession:
    """Closes a session: its live agenda (without names) and decisions become the minutes.
    The attendance is frozen in clear: a line naming a person the session discussed is
    refused (InvalidValue on `attendance`), as it would outlive their erasure."""
    live = agenda_document(system, session, lambda pathway_id, consent: pathway_id)
    _check_attendance(system, [item["pathway_id"] for item in live["items"]], attendance)
    frozen = [frozen_item({k: v for k, v in item.items() if k != "decision"}) for item in live["items"]]
    return system.app.close_committee(session.id, agenda=frozen, attendance=attendance, actor=actor)


def _check_attendance(system, pathway_ids: list[str], attendance: list[str]) -> None:
    """Refuses an attendance line naming one of these pathways' people (their identities read
    together, each decrypted in memory, never kept; the erased and the unnamed have none)."""
    if not attendance or system.personal_data is None:
        return
    for person in system.personal_data.people(pathway_ids).values():
        if any(names_the_person(line, person) for line in attendance):
            raise InvalidValue("la liste des présents nomme les partenaires, jamais une personne "
                               "dont le comité parle : elle est conservée après son effacement",
                               field="attendance")
