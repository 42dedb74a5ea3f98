"""The pathway read models: the current row of each pathway, and its versions as they were known.

`pathway_rows` holds one row per pathway, as it stands now: the source of lists, caseloads,
filters and agendas, and its statistical summary as known since `summary_since`.
`pathway_versions` keeps each summary it had before, as it was known between two recorded
times (`recorded_from` ≤ t < `recorded_to`). Together they let the statistics answer "as known
at" a past moment without replaying the log; a version, once written, never changes.
"""

from datetime import date
from operator import itemgetter

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    Table,
)

from ..db import CleanText, json_text, metadata
from ..domain.rules import follow_up_calendar, validation_due_on
from ..domain.state import PathwayState

#: The columns a statistics query reads; a new pathway version is kept only when one changes.
#: A summary is a tuple of their values, in this order: first what the identification fixes
#: (`identification_summary`), then the rest (`summarize`).
# Codes and texts are unbounded (PostgreSQL's varchar without a length, as fast as a bounded
# one): a projection must never fail on a value the domain accepted. Ids and cohorts keep
# their fixed widths (tests/projections/test_column_types.py checks every bound).
SUMMARY_COLUMNS = (
    Column("group_id", CleanText(36)),
    Column("territory_id", CleanText(36)),
    Column("identified_on", Date),
    Column("cohort_month", CleanText(7)),
    Column("cohort_quarter", CleanText(7)),
    Column("cohort_year", CleanText(4)),
    Column("sex", CleanText),
    Column("age_bracket", CleanText),
    Column("qpv_code", CleanText),
    Column("qualification_level", CleanText),
    Column("flags", CleanText),
    Column("channel", CleanText),
    Column("stage", CleanText),
    Column("structure_id", CleanText(36)),
    Column("referent_id", CleanText(36)),
    Column("scheme", CleanText),
    Column("first_oriented_on", Date),
    Column("first_immersion_on", Date),
    Column("first_hired_on", Date),
    Column("first_day_105_on", Date),
    Column("days_to_orientation", Integer),
    Column("days_to_first_hire", Integer),
    Column("follow_up_completed_on", Date),
    Column("first_rupture_on", Date),
    Column("exited_on", Date),
    Column("exit_outcome", CleanText),
    # JSON texts, [[day, stage], …]: read only as text, joined by the statistics queries
    Column("stages", CleanText),
    Column("last_stage_change_on", Date),
    Column("stage_by_date", CleanText),
    Column("ruptures", CleanText),
)
SUMMARY_NAMES = tuple(c.name for c in SUMMARY_COLUMNS)

pathway_rows = Table(
    "pathway_rows", metadata,
    Column("pathway_id", CleanText(36), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    *[c._copy() for c in SUMMARY_COLUMNS],
    # the version whose event gave the summary above, and when that event was recorded
    Column("summary_version", Integer, nullable=False),
    Column("summary_since", DateTime(timezone=True), nullable=False),
    Column("stage_since", Date),
    Column("consent_sharing", Boolean),
    Column("referent_structure_id", CleanText(36)),
    Column("orientation", JSON),
    Column("immersion", JSON),
    Column("job", JSON),
    Column("follow_up_hired_on", Date),
    Column("follow_up_contacts", JSON),
    Column("follow_up_next_due_on", Date),
    Column("follow_up_next_kind", CleanText),
    Column("follow_up_difficulty", Boolean),
    Column("validation_due_on", Date),
    Column("referral_on", Date),
    Column("referral_reason", CleanText),
    Column("awaiting_next_step_since", Date),
    Column("last_rupture_on", Date),
    Column("last_event_on", Date),
)
# (the group alone is the first column of the group-and-stage index)
Index("ix_pathway_rows_group_stage", pathway_rows.c.group_id, pathway_rows.c.stage)
Index("ix_pathway_rows_territory_id", pathway_rows.c.territory_id)
Index("ix_pathway_rows_identified_on", pathway_rows.c.identified_on)
Index("ix_pathway_rows_first_rupture_on", pathway_rows.c.first_rupture_on)

pathway_versions = Table(
    "pathway_versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pathway_id", CleanText(36), nullable=False),
    Column("version", Integer, nullable=False),
    Column("recorded_from", DateTime(timezone=True), nullable=False),
    Column("recorded_to", DateTime(timezone=True), nullable=False),
    *[c._copy() for c in SUMMARY_COLUMNS],
)
# No secondary index: statistics known at a time read the versions through, and nothing else
# looks them up (each index more would cost every write and a rebuild's swap).


_day = itemgetter(0)  # of a [day, stage] entry of a stage timeline


def _days(start: date, end: date | None) -> int | None:
    return (end - start).days if end is not None else None


def identification_summary(state: PathwayState, territory_id: str | None) -> tuple:
    """The part of the summary the identification fixes (group, cohort, profile): a pathway's
    other steps never change it, so a projector computes it once per state it folds."""
    profile = state.profile
    on = state.identified_on
    return (
        state.group_id,
        territory_id,
        on,
        on.isoformat()[:7],
        f"{on.year}-Q{(on.month - 1) // 3 + 1}",
        f"{on.year}",
        profile.get("sex"),
        state.age_bracket,
        profile.get("qpv_code"),
        profile.get("qualification_level"),
        "," + ",".join(sorted(profile.get("flags") or ())) + ",",
        state.channel,
    )


def summarize(state: PathwayState, territory_id: str | None, identification: tuple | None = None) -> tuple:
    """The statistical summary of a pathway: the values of `SUMMARY_COLUMNS`, in their order (a
    tuple: a projector makes one per event, compares it with the last and writes it as it
    is); `identification` is its `identification_summary` when the caller already has it."""
    on = state.identified_on
    orientation = state.orientation or {}
    exit_ = state.exit or {}
    ruptures = state.ruptures
    # the last stage change by date (of those on the same day, the last logged): the stage on
    # any date from that day on (it differs from `stage` only when a step was logged late
    # with an earlier date)
    last_change = max(reversed(state.stages), key=_day, default=(None, None))
    return (
        *(identification or identification_summary(state, territory_id)),
        state.stage,
        orientation.get("structure_id") or state.referent_structure_id,
        state.referent_id,
        orientation.get("scheme"),
        state.first_oriented_on,
        state.first_immersion_on,
        state.first_hired_on,
        min([h["day_105_on"] for h in state.hires]) if state.hires else None,
        _days(on, state.first_oriented_on),
        _days(on, state.first_hired_on),
        state.follow_up_completed_on,
        min([r["on"] for r in ruptures]) if ruptures else None,
        exit_.get("on"),
        exit_.get("outcome"),
        json_text(state.stages),
        last_change[0],
        last_change[1],
        json_text([(r["on"], r["stage"]) for r in ruptures]) if ruptures else "[]",
    )


def row_of(state: PathwayState, summary: tuple, recorded_at, summary_version: int, summary_since) -> dict:
    """The `pathway_rows` row of a pathway: its summary (with the version and time it holds
    from) plus what lists and agendas show."""
    follow_up = state.follow_up if state.stage == "employed" else None
    next_due = None
    if follow_up:
        calendar = follow_up_calendar(
            follow_up["hired_on"], [c["on"] for c in follow_up["contacts"]], False
        )
        next_due = next((c for c in calendar if not c.done), None)
    last_contact = (follow_up or {}).get("contacts", [])[-1:] or [None]
    return {
        **dict(zip(SUMMARY_NAMES, summary, strict=True)),
        "version": state.version,
        "recorded_at": recorded_at,
        "summary_version": summary_version,
        "summary_since": summary_since,
        "stage_since": state.stage_since,
        "consent_sharing": bool(state.consent.get("committee_sharing")),
        "referent_structure_id": state.referent_structure_id,
        # (JSON columns are written by orjson, which writes dates as ISO texts)
        "orientation": state.orientation,
        "immersion": state.immersion,
        "job": state.job,
        "follow_up_hired_on": follow_up["hired_on"] if follow_up else None,
        "follow_up_contacts": [c["on"].isoformat() for c in follow_up["contacts"]] if follow_up else None,
        "follow_up_next_due_on": next_due.due_on if next_due else None,
        "follow_up_next_kind": next_due.kind if next_due else None,
        "follow_up_difficulty": bool(last_contact[0] and last_contact[0]["status"] != "fine"),
        "validation_due_on": validation_due_on(follow_up["hired_on"]) if follow_up else None,
        "referral_on": (state.referral or {}).get("on"),
        "referral_reason": (state.referral or {}).get("reason"),
        "awaiting_next_step_since": state.awaiting_next_step_since,
        "last_rupture_on": max((r["on"] for r in state.ruptures), default=None),
        "last_event_on": state.last_event_on,
    }
