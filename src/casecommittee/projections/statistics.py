"""Outcome statistics from the read models, as of a business date and as known at a recorded time.

The population is the pathways identified in the period (and on or before `as_of`). Every
figure is a count of pathways; rates are fractions in [0, 1], None where the denominator is 0.
Without `known_at` the figures come from `pathway_rows` (one row per pathway, as it stands);
with `known_at` from `pathway_versions`, keeping for each pathway the version that was current
at that recorded time: the figures the steering committee saw that day, before late entries
and corrections.
"""

from dataclasses import dataclass
from datetime import date, datetime
from statistics import median

from sqlalchemy import Table, and_, case, func, or_, select
from sqlalchemy.engine import Engine

from ..domain.vocabulary import EXIT_OUTCOMES, FLAGS, POSITIVE_OUTCOMES, STAGES
from ..reference import groups
from .pathways import pathway_rows, pathway_versions

#: Breakdown name → the column it groups by ("flag" is apart: a person may have several).
BREAKDOWN_COLUMNS = {
    "group": "group_id", "territory": "territory_id", "sex": "sex", "age_bracket": "age_bracket",
    "qpv": None, "qpv_code": "qpv_code", "qualification": "qualification_level",
    "channel": "channel", "scheme": "scheme", "structure": "structure_id",
    "referent": "referent_id", "cohort_month": "cohort_month", "cohort_quarter": "cohort_quarter",
    "cohort_year": "cohort_year", "flag": None,
}
BREAKDOWNS = tuple(BREAKDOWN_COLUMNS)
FUNNEL = {"oriented": "first_oriented_on", "immersion": "first_immersion_on",
          "hired": "first_hired_on", "follow_up_completed": "follow_up_completed_on"}


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


def _table(query: StatisticsQuery) -> Table:
    return pathway_rows if query.known_at is None else pathway_versions


def _scope(t: Table, query: StatisticsQuery, day: date):
    conditions = [t.c.identified_on <= day]
    if query.known_at is not None:
        conditions += [t.c.recorded_from <= query.known_at,
                       or_(t.c.recorded_to.is_(None), t.c.recorded_to > query.known_at)]
    if query.territory_id:
        conditions.append(t.c.territory_id == query.territory_id)
    if query.group_id:
        conditions.append(t.c.group_id == query.group_id)
    if query.period_from:
        conditions.append(t.c.identified_on >= query.period_from)
    if query.period_to:
        conditions.append(t.c.identified_on <= query.period_to)
    return and_(*conditions)


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _counts(conn, t: Table, where, day: date, key=None, detail: bool = False) -> dict:
    """population, funnel and the rates' numerators per key (one grouped query).

    With `detail`, also the current stages and the exits by outcome, in the same scan.
    """
    columns = [
        func.count().label("population"),
        *[_count_if(t.c[column] <= day).label(name) for name, column in FUNNEL.items()],
        _count_if(t.c.first_day_105_on <= day).label("day_105_past"),
        _count_if(t.c.first_rupture_on <= day).label("ruptured"),
        _count_if(t.c.exited_on <= day).label("exits"),
        _count_if(and_(t.c.exited_on <= day, t.c.exit_outcome.in_(POSITIVE_OUTCOMES))).label("positive_exits"),
    ]
    if detail:
        columns += [_count_if(t.c.stage == stage).label(f"stage:{stage}") for stage in STAGES]
        columns += [_count_if(and_(t.c.exited_on <= day, t.c.exit_outcome == outcome)).label(f"exit:{outcome}")
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


def _median_of(conn, where, days, milestone, day: date, count: int) -> float | None:
    """The median of `days` over the `count` pathways that reached `milestone` by `day`,
    read as the one or two middle values of the sorted column (no row list is fetched)."""
    if not count:
        return None
    middle = conn.execute(
        select(days).where(where, milestone <= day).order_by(days)
        .limit(2 - count % 2).offset((count - 1) // 2)
    ).scalars().all()
    return median(middle)


def _median_days(conn, t: Table, where, day: date, counts: dict) -> dict:
    """Median days from identification to orientation and to the first hire."""
    return {
        "to_orientation": _median_of(conn, where, t.c.days_to_orientation, t.c.first_oriented_on,
                                     day, counts["oriented"]),
        "to_first_hire": _median_of(conn, where, t.c.days_to_first_hire, t.c.first_hired_on,
                                    day, counts["hired"]),
    }


def _stage_on(timeline: list, iso_day: str) -> str | None:
    current = None
    for on, stage in sorted(timeline, key=lambda entry: entry[0]):
        if on > iso_day:
            break
        current = stage
    return current


def _stages(conn, t: Table, where, query: StatisticsQuery, day: date, counts: dict) -> dict:
    """Pathways per stage on `day`: the last stage entered on or before that day.

    Pathways whose last stage change is on or before `day` are counted in SQL; only the others
    have their stage timeline read.
    """
    if query.as_of is None:  # the current stage of each pathway, counted in the main scan
        return {stage: counts[f"stage:{stage}"] for stage in STAGES}
    stages = dict.fromkeys(STAGES, 0)
    settled = conn.execute(
        select(t.c.stage_by_date, func.count())
        .where(where, t.c.last_stage_change_on <= day).group_by(t.c.stage_by_date)
    )
    for stage, n in settled:
        stages[stage] += n
    iso = day.isoformat()
    for (timeline,) in conn.execute(select(t.c.stages).where(where, t.c.last_stage_change_on > day)):
        current = _stage_on(timeline, iso)
        if current:
            stages[current] += 1
    return stages


def _ruptures_by_stage(conn, t: Table, where, day: date) -> dict:
    found = dict.fromkeys(STAGES[:-1], 0)
    iso = day.isoformat()
    for (ruptures,) in conn.execute(select(t.c.ruptures).where(where, t.c.first_rupture_on <= day)):
        for stage in {stage for on, stage in ruptures if on <= iso}:
            found[stage] += 1
    return found


def _breakdown_counts(conn, t: Table, where, by: str, day: date) -> dict:
    """Counts per key of the breakdown (with the detail, so the total can be summed from them)."""
    if by == "flag":
        return {flag: _counts(conn, t, and_(where, t.c.flags.like(f"%,{flag},%")), day)[None]
                for flag in FLAGS}
    key = (case((t.c.qpv_code.is_(None), "hors_qpv"), else_="qpv") if by == "qpv"
           else t.c[BREAKDOWN_COLUMNS[by]])
    return _counts(conn, t, where, day, key, detail=True)


def _breakdown(grouped: dict) -> list[dict]:
    breakdown = []
    for key in sorted(grouped, key=lambda k: (k is None, str(k))):
        funnel, rates = _figures(grouped[key])
        breakdown.append({"key": key, "population": grouped[key]["population"],
                          "funnel": funnel, "rates": rates})
    return breakdown


def _total(grouped: dict) -> dict:
    """The counts of the whole population, summed from a partition of it (one scan, not two)."""
    names = next(iter(grouped.values())).keys() if grouped else ()
    return {name: sum(counts[name] for counts in grouped.values()) for name in names}


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
    t = _table(year_query)
    identified = conn.execute(select(func.count()).where(_scope(t, year_query, day))).scalar()
    return {"per_year": conn.execute(scope).scalar(), "year": day.year,
            "identified_this_year": identified}


def compute_statistics(engine: Engine, query: StatisticsQuery, today: date) -> dict:
    """The statistics document of the API (`GET /api/v1/statistics`) for one query."""
    if query.by is not None and query.by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {query.by!r}; one of: {', '.join(BREAKDOWNS)}")
    day = query.as_of or today
    t = _table(query)
    where = _scope(t, query, day)
    with engine.connect() as conn:
        grouped = _breakdown_counts(conn, t, where, query.by, day) if query.by else None
        if grouped and query.by != "flag":  # every pathway has exactly one key: a partition
            counts = _total(grouped)
        else:
            counts = _counts(conn, t, where, day, detail=True)[None]
        funnel, rates = _figures(counts)
        return {
            "as_of": day.isoformat(),
            "known_at": query.known_at.isoformat() if query.known_at else None,
            "population": counts["population"],
            "stages": _stages(conn, t, where, query, day, counts),
            "funnel": funnel,
            "rates": rates,
            "ruptures_by_stage": _ruptures_by_stage(conn, t, where, day),
            "median_days": _median_days(conn, t, where, day, counts),
            "exits": {o: counts[f"exit:{o}"] for o in EXIT_OUTCOMES if counts[f"exit:{o}"]},
            "breakdown": _breakdown(grouped) if query.by else [],
            "target": _target(conn, query, day),
        }


class StatisticsCache:
    """Remembers statistics documents until the read models move on (or the day changes).

    The figures depend only on the query, the day and the events projected so far: keyed on
    the projection position, a cached document is exactly what a new computation would give.
    """

    def __init__(self, size: int = 64):
        self.size = size
        self._documents: dict[tuple, dict] = {}

    def get(self, engine: Engine, query: StatisticsQuery, today: date, position: int) -> dict:
        """The document for `query`, computed at most once per projection position and day."""
        key = (query, today, position)
        document = self._documents.get(key)
        if document is None:
            document = compute_statistics(engine, query, today)
            if len(self._documents) >= self.size:
                self._documents.pop(next(iter(self._documents)))
            self._documents[key] = document
        return document
