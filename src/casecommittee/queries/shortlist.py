"""A shortlist for a company's need: the pathways of the groups the need is offered to who are
available for a job (repéré, orienté or en rupture — not in immersion, in a job or gone), most
suitable first, each with why.

Suitability, in the words a committee uses: an orientation already decided (the project is
there), an immersion that ended without a next step (a job is the natural next one), a recent
step (the person is in touch); a pathway whose consent does not allow sharing is shown by its
pseudonym only.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ..domain.rules import DEFAULT_STALLED_AFTER_DAYS
from ..domain.vocabulary import AVAILABLE_STAGES
from ..projections.pathways import pathway_rows as r

#: What each reason adds to the rank, and its words.
WEIGHTS = {"oriented": 3, "immersion_without_next_step": 2, "recent_step": 1, "identified": 1,
           "back_from_rupture": 1}
REASON_LABELS = {
    "oriented": "orienté·e vers {scheme}",
    "immersion_without_next_step": "immersion terminée sans suite depuis le {since:%d/%m/%Y}",
    "recent_step": "dernière étape il y a {days} jours",
    "identified": "repéré·e, orientation à décider",
    "back_from_rupture": "en rupture depuis le {since:%d/%m/%Y} : une reprise d'emploi à proposer",
}


@dataclass(frozen=True)
class Candidate:
    """A pathway that fits a need, its rank and why."""

    pathway_id: str
    group_id: str
    stage: str
    score: int
    reasons: tuple[str, ...]
    consent_sharing: bool
    last_event_on: date | None


def _why(row: dict, today: date) -> tuple[int, list[str]]:
    reasons = []
    if row["stage"] == "oriented":
        scheme = (row["orientation"] or {}).get("scheme") or "un dispositif"
        reasons.append(("oriented", REASON_LABELS["oriented"].format(scheme=scheme)))
    elif row["stage"] == "identified":
        reasons.append(("identified", REASON_LABELS["identified"]))
    else:
        reasons.append(("back_from_rupture", REASON_LABELS["back_from_rupture"].format(
            since=row["stage_since"] or row["last_event_on"] or today)))
    if row["awaiting_next_step_since"] is not None:
        reasons.append(("immersion_without_next_step", REASON_LABELS[
            "immersion_without_next_step"].format(since=row["awaiting_next_step_since"])))
    last = row["last_event_on"]
    if last is not None and today - last <= timedelta(days=DEFAULT_STALLED_AFTER_DAYS):
        reasons.append(("recent_step", REASON_LABELS["recent_step"].format(days=(today - last).days)))
    return sum(WEIGHTS[code] for code, _ in reasons), [text for _, text in reasons]


def shortlist(engine: Engine, group_ids: list[str], today: date, *, limit: int = 20) -> list[Candidate]:
    """The `limit` most suitable available pathways of `group_ids`, most suitable first (then
    the most recently active, then by id, so the order is stable)."""
    columns = (r.c.pathway_id, r.c.group_id, r.c.stage, r.c.stage_since, r.c.orientation,
               r.c.awaiting_next_step_since, r.c.last_event_on, r.c.consent_sharing)
    with engine.connect() as conn:
        rows = [dict(row._mapping) for row in conn.execute(
            select(*columns).where(r.c.group_id.in_(group_ids), r.c.stage.in_(AVAILABLE_STAGES)))]
    candidates = []
    for row in rows:
        score, reasons = _why(row, today)
        candidates.append(Candidate(row["pathway_id"], row["group_id"], row["stage"], score,
                                    tuple(reasons), bool(row["consent_sharing"]), row["last_event_on"]))
    candidates.sort(key=lambda c: (-c.score, -(c.last_event_on or date.min).toordinal(), c.pathway_id))
    return candidates[:limit]
