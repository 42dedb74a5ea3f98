"""The pathway read models: the current row of each pathway, and its versions as they were known.

`pathway_rows` holds one row per pathway, as it stands now: the source of lists, caseloads,
filters and agendas, and its statistical summary as known since `summary_since`.
`pathway_versions` keeps each summary it had before, as it was known between two recorded
times (`recorded_from` ≤ t < `recorded_to`). Together they let the statistics answer "as known
at" a past moment without replaying the log; a version, once written, never changes.
"""

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

from ..db import CleanText, metadata
from ..domain.rules import follow_up_calendar, validation_due_on
from ..domain.state import PathwayState
from .summary import SUMMARY_COLUMNS, SUMMARY_NAMES, Summary

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
    Column("referral_reason", CleanText),  # sealed with the person's key (stores/sealed_texts.py)
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
# The summaries recorded, and replaced, at a time: the statistics known at a moment read those
# of the moment's own day, the known cells giving the days before it (`queries.statistics`).
Index("ix_pathway_versions_recorded_from", pathway_versions.c.recorded_from)
Index("ix_pathway_versions_recorded_to", pathway_versions.c.recorded_to)
Index("ix_pathway_rows_summary_since", pathway_rows.c.summary_since)


#: What a row holds, in the order `row_of` gives it (a column the table gains must be added
#: here and there: the bulk writer refuses a statement naming a column missing here).
ROW_COLUMNS = ("pathway_id", "version", "recorded_at", *SUMMARY_NAMES, "summary_version",
               "summary_since", "stage_since", "consent_sharing", "referent_structure_id",
               "orientation", "immersion", "job", "follow_up_hired_on", "follow_up_contacts",
               "follow_up_next_due_on", "follow_up_next_kind", "follow_up_difficulty",
               "validation_due_on", "referral_on", "referral_reason", "awaiting_next_step_since",
               "last_rupture_on", "last_event_on")


def row_of(pathway_id: str, state: PathwayState, summary: Summary, recorded_at, summary_version: int,
           summary_since) -> tuple:
    """The `pathway_rows` row of a pathway, a tuple of the values of `ROW_COLUMNS`: its summary
    (with the version and time it holds from) plus what lists and agendas show."""
    follow_up = state.follow_up if state.stage == "employed" else None
    next_due = None
    if follow_up:
        calendar = follow_up_calendar(
            follow_up["hired_on"], [c["on"] for c in follow_up["contacts"]], False
        )
        next_due = next((c for c in calendar if not c.done), None)
    last_contact = (follow_up or {}).get("contacts", [])[-1:] or [None]
    referral = state.referral or {}
    return (
        pathway_id, state.version, recorded_at,
        *summary,
        summary_version, summary_since,
        state.stage_since,
        bool(state.consent.get("committee_sharing")),  # consent_sharing
        state.referent_structure_id,
        # (JSON columns are written by orjson, which writes dates as ISO texts)
        state.orientation, state.immersion, state.job,
        follow_up["hired_on"] if follow_up else None,  # follow_up_hired_on
        [c["on"].isoformat() for c in follow_up["contacts"]] if follow_up else None,  # follow_up_contacts
        next_due.due_on if next_due else None,  # follow_up_next_due_on
        next_due.kind if next_due else None,  # follow_up_next_kind
        bool(last_contact[0] and last_contact[0]["status"] != "fine"),  # follow_up_difficulty
        validation_due_on(follow_up["hired_on"]) if follow_up else None,  # validation_due_on
        referral.get("on"),  # referral_on
        referral.get("reason"),  # referral_reason
        state.awaiting_next_step_since,
        max((r["on"] for r in state.ruptures), default=None),  # last_rupture_on
        state.last_event_on,
    )
