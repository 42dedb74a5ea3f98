"""Agenda inputs: which pathways of a group need the comité d'orientation, and why.

The seven reasons of the domain, most urgent first (an eighth, a company's need put on the
session's agenda that fits the person, is added by `session_documents` from the shortlist). Computed from `pathway_rows` for a group as
of a date (the session's), with the date of the group's previous session ("since") for the
reasons that speak of what happened since then.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Engine

from ..domain.rules import DEFAULT_STALLED_AFTER_DAYS, OVERDUE_AFTER_DAYS
from ..projections.committees import committee_decisions as d
from ..projections.pathways import pathway_rows as r

#: The reasons, most urgent first (their order is the agenda's order).
REASONS = (
    "not_yet_oriented",
    "committee_referral",
    "rupture_since_last_session",
    "immersion_ended_without_next_step",
    "follow_up_attention",
    "validation_due",
    "stalled",
    "company_need_fits",
)
REASON_LABELS = {
    "not_yet_oriented": "repéré, pas encore orienté",
    "committee_referral": "demande de passage en comité",
    "rupture_since_last_session": "rupture depuis le dernier comité",
    "immersion_ended_without_next_step": "immersion terminée sans suite",
    "follow_up_attention": "suivi en difficulté ou point de suivi en retard",
    "validation_due": "validation du suivi 15 semaines à faire",
    "stalled": "aucune étape depuis longtemps",
    "company_need_fits": "un besoin d'entreprise lui correspond",
}


@dataclass(frozen=True)
class AgendaItem:
    """One pathway on the agenda, with every reason it is there."""

    pathway_id: str
    stage: str
    reasons: tuple[str, ...]
    details: dict
    days_in_stage: int | None
    last_event_on: date | None
    consent_sharing: bool
    referent_id: str | None
    row: dict

    @property
    def urgency(self) -> int:
        """The rank of its most urgent reason (0 is the most urgent)."""
        return REASONS.index(self.reasons[0])


def _reasons(row: dict, treated_on: date | None, on: date, since: date,
             stalled_before: date) -> tuple[list[str], dict]:
    """The reasons a candidate row (a dict of `_COLUMNS`) is on the agenda, and their details.

    `treated_on` is the date of the last session that decided on it (postponements aside).
    """
    reasons, details = [], {}
    stage = row["stage"]
    if stage == "identified" and row["first_oriented_on"] is None:
        reasons.append("not_yet_oriented")
        details["not_yet_oriented"] = "new" if row["identified_on"] > since else "still_waiting"
    referral_on = row["referral_on"]
    if (referral_on is not None and referral_on <= on
            and (treated_on is None or treated_on < referral_on)):
        reasons.append("committee_referral")
        details["committee_referral"] = row["referral_reason"]
    if row["last_rupture_on"] is not None and since < row["last_rupture_on"] <= on:
        reasons.append("rupture_since_last_session")
    if row["awaiting_next_step_since"] is not None and stage != "in_immersion":
        reasons.append("immersion_ended_without_next_step")
    if stage == "employed":
        next_due_on = row["follow_up_next_due_on"]
        overdue = (
            next_due_on is not None and row["follow_up_next_kind"] == "contact"
            and on > next_due_on + timedelta(days=OVERDUE_AFTER_DAYS)
        )
        if row["follow_up_difficulty"] or overdue:
            reasons.append("follow_up_attention")
            details["follow_up_attention"] = "overdue" if overdue else "difficulty"
        if row["validation_due_on"] is not None and row["validation_due_on"] <= on:
            reasons.append("validation_due")
    if (stage != "follow_up_completed" and row["last_event_on"] is not None
            and row["last_event_on"] < stalled_before):
        reasons.append("stalled")
    return reasons, details


#: The columns the reasons and the synthesis read (not the whole row: agendas stay fast).
_COLUMNS = (
    "pathway_id", "stage", "stage_since", "identified_on", "first_oriented_on", "first_immersion_on",
    "first_hired_on", "follow_up_completed_on", "last_rupture_on", "orientation", "referral_on",
    "referral_reason", "awaiting_next_step_since", "follow_up_next_due_on", "follow_up_next_kind",
    "follow_up_difficulty", "validation_due_on", "last_event_on", "consent_sharing", "referent_id",
)


def candidates_query(group_id: str, on: date, *, since: date | None = None,
                     stalled_after_days: int = DEFAULT_STALLED_AFTER_DAYS):
    """The SELECT of the group's candidates (`_COLUMNS` and `treated_on`): the open pathways
    that may have a reason; `_reasons` decides."""
    since = since or on - timedelta(days=31)
    stalled_before = on - timedelta(days=stalled_after_days)
    treated_on = (
        select(func.max(d.c.held_on))
        .where(d.c.pathway_id == r.c.pathway_id, d.c.decision != "postpone", d.c.held_on < on)
        .scalar_subquery().label("treated_on")
    )
    return select(*[r.c[name] for name in _COLUMNS], treated_on).where(
        r.c.group_id == group_id,
        r.c.stage != "exited",
        r.c.identified_on <= on,
        or_(
            r.c.stage == "identified",
            r.c.referral_on.is_not(None),
            and_(r.c.last_rupture_on > since, r.c.last_rupture_on <= on),
            r.c.awaiting_next_step_since.is_not(None),
            r.c.stage == "employed",
            # as "stalled" in _reasons: completed pathways are many and never stalled
            and_(r.c.stage != "follow_up_completed", r.c.last_event_on < stalled_before),
        ),
    )


def agenda_inputs(
    engine: Engine, group_id: str, on: date, *, since: date | None = None,
    stalled_after_days: int = DEFAULT_STALLED_AFTER_DAYS,
) -> list[AgendaItem]:
    """Every open pathway of the group with at least one reason, most urgent first.

    `since` is the date of the previous session (default: 31 days before `on`).
    """
    since = since or on - timedelta(days=31)
    stalled_before = on - timedelta(days=stalled_after_days)
    candidates = candidates_query(group_id, on, since=since, stalled_after_days=stalled_after_days)
    items = []
    with engine.connect() as conn:
        for *values, treated_on in conn.execute(candidates):
            # a plain dict per row (zip over the known names): far cheaper than Row attributes
            # and Row._mapping, and it is the item's `row` as it is
            row = dict(zip(_COLUMNS, values, strict=True))
            reasons, details = _reasons(row, treated_on, on, since, stalled_before)
            if not reasons:
                continue
            stage_since = row["stage_since"]
            items.append(AgendaItem(
                pathway_id=row["pathway_id"], stage=row["stage"], reasons=tuple(reasons),
                details=details,
                days_in_stage=(on - stage_since).days if stage_since else None,
                last_event_on=row["last_event_on"], consent_sharing=bool(row["consent_sharing"]),
                referent_id=row["referent_id"], row=row,
            ))
    items.sort(key=lambda item: (item.urgency, -(item.days_in_stage or 0), item.pathway_id))
    return items
