"""Outcome statistics from the `pathway_versions` read model, as of a business date and as known
at a recorded time.

The population is the pathways identified in the period (and on or before `as_of`). Every
figure is a count of pathways; rates are fractions in [0, 1], None where the denominator is 0.
`known_at` picks, for each pathway, the version that was current at that recorded time, so the
figures are those the steering committee saw that day, before late entries and corrections.
"""

from dataclasses import dataclass
from datetime import date, datetime
from statistics import median

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.engine import Engine

from ..domain.vocabulary import EXIT_OUTCOMES, FLAGS, POSITIVE_OUTCOMES, STAGES
from ..reference import groups
from .pathways import pathway_versions as v

#: Breakdown name → the column it groups by ("flag" is handled apart: a person has several).
BREAKDOWNS = {
    "group": v.c.group_id, "territory": v.c.territory_id, "sex": v.c.sex,
    "age_bracket": v.c.age_bracket, "qpv": case((v.c.qpv_code.is_(None), "hors_qpv"), else_="qpv"),
    "qpv_code": v.c.qpv_code, "qualification": v.c.qualification_level, "channel": v.c.channel,
    "scheme": v.c.scheme, "structure": v.c.structure_id, "referent": v.c.referent_id,
    "cohort_month": v.c.cohort_month, "cohort_quarter": v.c.cohort_quarter,
    "cohort_year": v.c.cohort_year, "flag": None,
}
FUNNEL = {
    "oriented": v.c.first_oriented_on, "immersion": v.c.first_immersion_on,
    "hired": v.c.first_hired_on, "follow_up_completed": v.c.follow_up_completed_on,
}


@dataclass(frozen=True)
class StatisticsQuery:
    """What a statistics request asks for."""

    territory_id: str | None = None
    group_id: str | None = None
    period_from: date | None = None
    period_to: date | None = None
    by: str | None = None
    as_of: date | None = None
    known_at: datetime | None = None


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _scope(query: StatisticsQuery, day: date):
    conditions = [v.c.identified_on <= day]
    if query.known_at is None:
        conditions.append(v.c.recorded_to.is_(None))
    else:
        conditions += [v.c.recorded_from <= query.known_at,
                       or_(v.c.recorded_to.is_(None), v.c.recorded_to > query.known_at)]
    if query.territory_id:
        conditions.append(v.c.territory_id == query.territory_id)
    if query.group_id:
        conditions.append(v.c.group_id == query.group_id)
    if query.period_from:
        conditions.append(v.c.identified_on >= query.period_from)
    if query.period_to:
        conditions.append(v.c.identified_on <= query.period_to)
    return and_(*conditions)


def _reached(column, day: date):
    return func.coalesce(func.sum(case((column <= day, 1), else_=0)), 0)


def _counts(conn, where, day: date, key=None, detail: bool = False) -> dict:
    """population, funnel and the rates' numerators per key (one grouped query).

    With `detail`, also the current stages and the exits by outcome, in the same scan.
    """
    columns = [
        func.count().label("population"),
        *[_reached(column, day).label(name) for name, column in FUNNEL.items()],
        _reached(v.c.first_day_105_on, day).label("day_105_past"),
        _reached(v.c.first_rupture_on, day).label("ruptured"),
        _reached(v.c.exited_on, day).label("exits"),
        func.coalesce(func.sum(case(
            (and_(v.c.exited_on <= day, v.c.exit_outcome.in_(POSITIVE_OUTCOMES)), 1), else_=0
        )), 0).label("positive_exits"),
    ]
    if detail:
        columns += [func.coalesce(func.sum(case((v.c.stage == stage, 1), else_=0)), 0).label(f"stage:{stage}")
                    for stage in STAGES]
        columns += [func.coalesce(func.sum(case(
            (and_(v.c.exited_on <= day, v.c.exit_outcome == outcome), 1), else_=0)), 0).label(f"exit:{outcome}")
            for outcome in EXIT_OUTCOMES]
    if key is None:
        return {None: conn.execute(select(*columns).where(where)).one()._asdict()}
    rows = conn.execute(select(key.label("key"), *columns).where(where).group_by(key))
    return {r.key: {k: val for k, val in r._asdict().items() if k != "key"} for r in rows}


def _figures(counts: dict) -> tuple[dict, dict]:
    population = counts["population"]
    funnel = {"identified": population, **{name: counts[name] for name in FUNNEL}}
    rates = {
        "orientation": _ratio(counts["oriented"], population),
        "immersion": _ratio(counts["immersion"], population),
        "hiring": _ratio(counts["hired"], population),
        "retention_15_weeks": _ratio(counts["follow_up_completed"], counts["day_105_past"]),
        "rupture": _ratio(counts["ruptured"], population),
        "positive_exit": _ratio(counts["positive_exits"], counts["exits"]),
    }
    return funnel, rates


def _median_days(conn, where, days, milestone, day: date) -> float | None:
    values = conn.execute(select(days).where(where, milestone <= day)).scalars().all()
    return median(values) if values else None


def _stages(conn, where, query: StatisticsQuery, day: date, counts: dict) -> dict:
    if query.as_of is None:  # the current stage of each pathway, counted in the main scan
        return {stage: counts[f"stage:{stage}"] for stage in STAGES}
    stages = dict.fromkeys(STAGES, 0)
    iso = day.isoformat()
    for (timeline,) in conn.execute(select(v.c.stages).where(where)):
        current = None
        for on, stage in sorted(timeline, key=lambda entry: entry[0]):
            if on > iso:
                break
            current = stage
        if current:
            stages[current] += 1
    return stages


def _ruptures_by_stage(conn, where, day: date) -> dict:
    found = dict.fromkeys(STAGES[:-1], 0)
    iso = day.isoformat()
    for (ruptures,) in conn.execute(select(v.c.ruptures).where(where, v.c.first_rupture_on <= day)):
        for stage in {stage for on, stage in ruptures if on <= iso}:
            found[stage] += 1
    return found


def _breakdown(conn, where, by: str, day: date) -> list[dict]:
    if by == "flag":
        grouped = {
            flag: _counts(conn, and_(where, v.c.flags.like(f"%,{flag},%")), day)[None]
            for flag in FLAGS
        }
    else:
        grouped = _counts(conn, where, day, BREAKDOWNS[by])
    breakdown = []
    for key in sorted(grouped, key=lambda k: (k is None, str(k))):
        funnel, rates = _figures(grouped[key])
        breakdown.append({"key": key, "population": grouped[key]["population"],
                          "funnel": funnel, "rates": rates})
    return breakdown


def _target(conn, query: StatisticsQuery, day: date) -> dict:
    scope = select(func.coalesce(func.sum(groups.c.target_per_year), 0))
    if query.group_id:
        scope = scope.where(groups.c.id == query.group_id)
    if query.territory_id:
        scope = scope.where(groups.c.territory_id == query.territory_id)
    year_query = StatisticsQuery(
        territory_id=query.territory_id, group_id=query.group_id, known_at=query.known_at,
        period_from=date(day.year, 1, 1),
    )
    identified = conn.execute(select(func.count()).where(_scope(year_query, day))).scalar()
    return {"per_year": conn.execute(scope).scalar(), "year": day.year,
            "identified_this_year": identified}


def compute_statistics(engine: Engine, query: StatisticsQuery, today: date) -> dict:
    """The statistics document of the API (`GET /api/v1/statistics`) for one query."""
    if query.by is not None and query.by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {query.by!r}; one of: {', '.join(BREAKDOWNS)}")
    day = query.as_of or today
    where = _scope(query, day)
    with engine.connect() as conn:
        counts = _counts(conn, where, day, detail=True)[None]
        funnel, rates = _figures(counts)
        exits = {o: counts[f"exit:{o}"] for o in EXIT_OUTCOMES if counts[f"exit:{o}"]}
        return {
            "as_of": day.isoformat(),
            "known_at": query.known_at.isoformat() if query.known_at else None,
            "population": counts["population"],
            "stages": _stages(conn, where, query, day, counts),
            "funnel": funnel,
            "rates": rates,
            "ruptures_by_stage": _ruptures_by_stage(conn, where, day),
            "median_days": {
                "to_orientation": _median_days(conn, where, v.c.days_to_orientation,
                                               v.c.first_oriented_on, day),
                "to_first_hire": _median_days(conn, where, v.c.days_to_first_hire,
                                              v.c.first_hired_on, day),
            },
            "exits": exits,
            "breakdown": _breakdown(conn, where, query.by, day) if query.by else [],
            "target": _target(conn, query, day),
        }
