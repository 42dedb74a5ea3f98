"""A pathway's statistical summary: the values a statistics query reads, one named field each.

`pathway_rows` holds each pathway's current summary and `pathway_versions` the ones it replaced;
a new version is kept only when a field changes. A projector makes one summary per event and
compares it with the last, so a summary is a tuple (a `NamedTuple`: built by keyword, compared,
written as it is). Its fields are the read models' columns, in the same order by construction.
"""

from datetime import date
from operator import itemgetter
from typing import NamedTuple

from sqlalchemy import Column, Date, Integer

from ..db import CleanText, json_text
from ..domain.state import PathwayState


class Identification(NamedTuple):
    """What the identification fixes (group, cohort, profile): a pathway's other steps never
    change it, so a projector computes it once per state it folds."""

    group_id: str | None
    territory_id: str | None
    identified_on: date
    cohort_month: str
    cohort_quarter: str
    cohort_year: str
    sex: str | None
    age_bracket: str | None
    qpv_code: str | None
    qualification_level: str | None
    flags: str  # ",a,b," so that a flag is found with LIKE '%,a,%'
    channel: str | None


class Summary(NamedTuple):
    """The statistical summary of a pathway: its `Identification`, then where it went since."""

    group_id: str | None
    territory_id: str | None
    identified_on: date
    cohort_month: str
    cohort_quarter: str
    cohort_year: str
    sex: str | None
    age_bracket: str | None
    qpv_code: str | None
    qualification_level: str | None
    flags: str
    channel: str | None
    stage: str
    structure_id: str | None
    referent_id: str | None
    scheme: str | None
    first_oriented_on: date | None
    first_immersion_on: date | None
    first_hired_on: date | None
    first_day_105_on: date | None
    days_to_orientation: int | None
    days_to_first_hire: int | None
    follow_up_completed_on: date | None
    first_rupture_on: date | None
    exited_on: date | None
    exit_outcome: str | None
    # JSON texts, [[day, stage], …]: read only as text, joined by the statistics queries
    stages: str
    last_stage_change_on: date | None
    stage_by_date: str | None
    ruptures: str


if Summary._fields[:len(Identification._fields)] != Identification._fields:
    raise TypeError("a Summary starts with the fields of an Identification, in their order")

#: The SQL type of each field of a summary. Codes and texts are unbounded (PostgreSQL's
#: varchar without a length is as fast as a bounded one): a projection must never fail on a
#: value the domain accepted; ids and cohorts keep their fixed widths (tests/test_column_types.py
#: checks every bound). No text holds a control character (`CleanText`).
_TYPES = {
    "group_id": CleanText(36), "territory_id": CleanText(36), "identified_on": Date,
    "cohort_month": CleanText(7), "cohort_quarter": CleanText(7), "cohort_year": CleanText(4),
    "sex": CleanText, "age_bracket": CleanText, "qpv_code": CleanText,
    "qualification_level": CleanText, "flags": CleanText, "channel": CleanText,
    "stage": CleanText, "structure_id": CleanText(36), "referent_id": CleanText(36),
    "scheme": CleanText, "first_oriented_on": Date, "first_immersion_on": Date,
    "first_hired_on": Date, "first_day_105_on": Date, "days_to_orientation": Integer,
    "days_to_first_hire": Integer, "follow_up_completed_on": Date, "first_rupture_on": Date,
    "exited_on": Date, "exit_outcome": CleanText, "stages": CleanText,
    "last_stage_change_on": Date, "stage_by_date": CleanText, "ruptures": CleanText,
}
#: The columns of a summary in the read models, in the order of its fields.
SUMMARY_COLUMNS = tuple(Column(name, _TYPES[name]) for name in Summary._fields)
SUMMARY_NAMES = Summary._fields

_day = itemgetter(0)  # of a [day, stage] entry of a stage timeline
_new_summary = tuple.__new__


def _days(start: date, end: date | None) -> int | None:
    return (end - start).days if end is not None else None


def identification_summary(state: PathwayState, territory_id: str | None) -> Identification:
    """The part of the summary the identification fixes."""
    profile = state.profile
    on = state.identified_on
    return Identification(
        group_id=state.group_id,
        territory_id=territory_id,
        identified_on=on,
        cohort_month=on.isoformat()[:7],
        cohort_quarter=f"{on.year}-Q{(on.month - 1) // 3 + 1}",
        cohort_year=f"{on.year}",
        sex=profile.get("sex"),
        age_bracket=state.age_bracket,
        qpv_code=profile.get("qpv_code"),
        qualification_level=profile.get("qualification_level"),
        flags="," + ",".join(sorted(profile.get("flags") or ())) + ",",
        channel=state.channel,
    )


def summarize(state: PathwayState, territory_id: str | None,
              identification: Identification | None = None) -> Summary:
    """The statistical summary of a pathway; `identification` is its `identification_summary`
    when the caller already has it."""
    on = state.identified_on
    orientation = state.orientation or {}
    exit_ = state.exit or {}
    ruptures = state.ruptures
    # the last stage change by date (of those on the same day, the last logged): the stage on
    # any date from that day on (it differs from `stage` only when a step was logged late
    # with an earlier date)
    last_change = max(reversed(state.stages), key=_day, default=(None, None))
    # (its fields in their order, built as a plain tuple: a rebuild makes one per event that
    # may change it, and keywords cost three times as much)
    return _new_summary(Summary, (
        *(identification or identification_summary(state, territory_id)),
        state.stage,  # stage
        orientation.get("structure_id") or state.referent_structure_id,  # structure_id
        state.referent_id,  # referent_id
        orientation.get("scheme"),  # scheme
        state.first_oriented_on,  # first_oriented_on
        state.first_immersion_on,  # first_immersion_on
        state.first_hired_on,  # first_hired_on
        min([h["day_105_on"] for h in state.hires]) if state.hires else None,  # first_day_105_on
        _days(on, state.first_oriented_on),  # days_to_orientation
        _days(on, state.first_hired_on),  # days_to_first_hire
        state.follow_up_completed_on,  # follow_up_completed_on
        min([r["on"] for r in ruptures]) if ruptures else None,  # first_rupture_on
        exit_.get("on"),  # exited_on
        exit_.get("outcome"),  # exit_outcome
        json_text(state.stages),  # stages
        last_change[0],  # last_stage_change_on
        last_change[1],  # stage_by_date
        json_text([(r["on"], r["stage"]) for r in ruptures]) if ruptures else "[]",  # ruptures
    ))
