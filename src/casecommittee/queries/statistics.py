"""Outcome statistics from the read models, as of a business date and as known at a recorded time.

The population is the pathways identified in the period (and on or before `as_of`). Every
figure is a count of pathways; rates are fractions in [0, 1], None where the denominator is 0.
Without `known_at` the figures come from `pathway_rows` (one row per pathway, as it stands);
with `known_at`, from each pathway's summary as it was known at that recorded time (the version
of `pathway_versions` that held then, or the row's own summary if it already held): the figures
the steering committee saw that day, before late entries and corrections.

The figures as they stand of a territory or a group, today's or as of a past day, whole or by
group or territory, are read from the statistics cells instead (`cells_statistics`, a few
cells per metric and group whatever the number of pathways; `projections.cells`), which give
the same documents as the computation over the pathways (`direct_statistics`, the tests'
oracle).

Today's figures as known at a recorded time (no `as_of`, no period; whole, or by group or
territory, of a group or a territory) come from the known cells (`known_cells_statistics`):
each summary change adds, in cells of grains "RY", "RM" and "RD" (the UTC year, month and day
it was recorded), the figures of the new summary less those of the one it replaced
(`cells.add_known_change`); a figure dated after the day it was recorded (a hire's day 105)
keeps its day in its metric, and counts from that day on. What was known at a moment is what
was recorded before its UTC day (years, months and days of cells, the fewest: `_known_parts`)
plus the changes of its own day up to it, or that day's cell less the changes after it,
whichever half of the day is shorter: those are read from the summaries that began or ended
then (`_changes_of_the_day`, through the indexes on `recorded_from`, `recorded_to` and
`summary_since`) and counted as the projector counts them. `known_at` with `as_of` or a period,
and the other breakdowns, are still computed over the versions (`direct_statistics`): the known
cells hold no stage timeline (an `as_of`'s stages) and no business-day grains (a period).
"""

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import median

from sqlalchemy import (
    String,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.engine import Engine
from sqlalchemy.sql import FromClause

from ..domain.vocabulary import EXIT_OUTCOMES, FLAGS, POSITIVE_OUTCOMES, STAGES
from ..projections.cells import add_known_change, recorded_day, statistics_cells
from ..projections.pathways import pathway_rows, pathway_versions
from ..projections.summary import SUMMARY_NAMES, Summary
from ..stores.reference import groups

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


def _table(query: StatisticsQuery) -> FromClause:
    """Where the summaries come from: the rows, or the summaries as known at a time."""
    return pathway_rows if query.known_at is None else _known_at(query.known_at)


def _unindexed(column):
    """`column`, as an expression no index holds (`coalesce(column, column)`, the same value):
    a table read through rather than row by row through the column's index."""
    return func.coalesce(column, column, type_=column.type)


def _known_at(moment: datetime) -> FromClause:
    """Each pathway's summary as it was known at `moment` (a pathway recorded later has none):
    the version that held then, or else its row's summary, if that one held already."""
    versions, rows = pathway_versions, pathway_rows
    # (the recorded times read through `_unindexed`: nearly every row qualifies, and SQLite,
    # which would read them through their indexes, took 4.5 times as long at 50,000 pathways)
    earlier = (select(*[versions.c[name] for name in SUMMARY_NAMES])
               .where(_unindexed(versions.c.recorded_to) > moment,
                      _unindexed(versions.c.recorded_from) <= moment))
    current = (select(*[rows.c[name] for name in SUMMARY_NAMES])
               .where(_unindexed(rows.c.summary_since) <= moment))
    return union_all(earlier, current).subquery("known")


def _scope(t: FromClause, query: StatisticsQuery, day: date):
    # "identified by the day" holds for nearly every row: written so that SQLite reads the
    # table through rather than looking each row up from the identification-date index (in
    # the rows' order of identification, not the table's: three times slower at 50,000)
    conditions = [func.coalesce(t.c.identified_on <= day, false())]
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
    """count(*) FILTER (WHERE condition): standard SQL (SQLite ≥ 3.30, PostgreSQL ≥ 9.4), and
    cheaper per row on SQLite than the coalesce(sum(CASE …)) it replaces (~30 of them a scan)."""
    return func.count().filter(condition)


def _values_if(condition, column):
    """The values of `column` on the rows where `condition` holds (all rows if None), as one
    comma-separated text (NULL if none): `group_concat` on SQLite, `string_agg` on PostgreSQL.

    This is what lets a single scan return, next to the counts, what is not a count (the days
    the medians are taken from, the JSON timelines), instead of scanning the population again:
    with FILTER counts, the default statistics went from 164–196 ms to 69–77 ms at 50,000
    pathways (bench/README.md).
    """
    values = column if condition is None else case((condition, column))
    return func.aggregate_strings(cast(values, String), ",")


def _words(text: str | None) -> list[str]:
    return text.split(",") if text else []


def _ints(text: str | None) -> list[int]:
    return list(map(int, text.split(","))) if text else []


_DECODER = json.JSONDecoder()


def _json_values(text: str | None):
    """The JSON values joined by `_values_if`, decoded one at a time.

    One at a time, so that each is dropped once used: tens of thousands of lists alive at once
    (a single json.loads of "[" + text + "]", the plain way, tested to give the same values)
    set off the garbage collector's full passes, which made the as_of statistics 40 ms slower
    on the national store.
    """
    decode, position = _DECODER.raw_decode, 0
    while text and position < len(text):
        value, position = decode(text, position)
        yield value
        position += 1  # past the "," between two values


def _year_counted_in_scan(query: StatisticsQuery) -> bool:
    """Whether "identified this year" can be counted in the main scan: when no period filter
    narrows the population (the year's count looks at the whole year up to the day)."""
    return query.period_from is None and query.period_to is None


def _detail_columns(t: FromClause, query: StatisticsQuery, day: date) -> list:
    """What the whole population's figures need beyond the funnel, read in the same scan:
    stages, exits by outcome, this year's identifications and the rows' values for the medians,
    the ruptures by stage and (for a past date) the stage timelines.

    Stages and exit outcomes come as joined values (`_VALUES`) counted in Python: one aggregate
    each rather than one FILTER count per stage and per outcome (15 fewer, ~10 ms a scan).
    """
    if query.as_of is None:  # the current stage of each pathway
        columns = [_values_if(None, t.c.stage).label("settled_stages")]
    else:  # the stage on that day: settled ones counted here, the others' timelines read
        settled = t.c.last_stage_change_on <= day
        columns = [_values_if(settled, t.c.stage_by_date).label("settled_stages")]
        columns.append(_values_if(t.c.last_stage_change_on > day, t.c.stages).label("timelines"))
    columns.append(_values_if(t.c.exited_on <= day, t.c.exit_outcome).label("exit_outcomes"))
    if _year_counted_in_scan(query):
        columns.append(_count_if(t.c.identified_on >= date(day.year, 1, 1)).label("identified_this_year"))
    columns += [
        _values_if(t.c.first_oriented_on <= day, t.c.days_to_orientation).label("days_to_orientation"),
        _values_if(t.c.first_hired_on <= day, t.c.days_to_first_hire).label("days_to_first_hire"),
        _values_if(t.c.first_rupture_on <= day, t.c.ruptures).label("ruptures"),
    ]
    return columns


#: The columns of `_detail_columns` that are values joined in a text (`_values_if`), not counts;
#: they stay texts until used (joined, not summed, across the keys of a breakdown).
_VALUES = ("settled_stages", "exit_outcomes", "days_to_orientation", "days_to_first_hire", "ruptures", "timelines")


def _counts(conn, t: FromClause, where, day: date, key=None, detail: StatisticsQuery | None = None) -> dict:
    """population, funnel and the rates' numerators per key (one grouped query).

    With `detail` (the query), also `_detail_columns`, in the same scan.
    """
    columns = [
        func.count().label("population"),
        *[_count_if(t.c[column] <= day).label(name) for name, column in FUNNEL.items()],
        _count_if(t.c.first_day_105_on <= day).label("day_105_past"),
        _count_if(t.c.first_rupture_on <= day).label("ruptured"),
        _count_if(t.c.exited_on <= day).label("exits"),
        _count_if(and_(t.c.exited_on <= day, t.c.exit_outcome.in_(POSITIVE_OUTCOMES))).label("positive_exits"),
    ]
    if detail is not None:
        columns += _detail_columns(t, detail, day)
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


def _median_days(counts: dict) -> dict:
    """Median days from identification to orientation and to the first hire, over the pathways
    that had reached that milestone by the day."""
    return {name: median(_ints(counts[column])) if counts[column] else None
            for name, column in (("to_orientation", "days_to_orientation"),
                                 ("to_first_hire", "days_to_first_hire"))}


def _stage_on(timeline: list, iso_day: str) -> str | None:
    current = None
    for on, stage in sorted(timeline, key=lambda entry: entry[0]):
        if on > iso_day:
            break
        current = stage
    return current


def _stages(query: StatisticsQuery, day: date, counts: dict) -> dict:
    """Pathways per stage on `day`: the last stage entered on or before that day.

    Pathways whose last stage change is on or before `day` are counted from their stage by
    date (today: their current stage); only the others have their stage timeline read.
    """
    found = Counter(_words(counts["settled_stages"]))
    stages = {stage: found[stage] for stage in STAGES}
    if query.as_of is not None:
        iso = day.isoformat()
        for timeline in _json_values(counts["timelines"]):
            current = _stage_on(timeline, iso)
            if current:
                stages[current] += 1
    return stages


def _ruptures_by_stage(day: date, counts: dict) -> dict:
    found = dict.fromkeys(STAGES[:-1], 0)
    iso = day.isoformat()
    for ruptures in _json_values(counts["ruptures"]):
        for stage in {stage for on, stage in ruptures if on <= iso}:
            found[stage] += 1
    return found


def _exits(counts: dict) -> dict:
    """Exits by outcome on the day (the outcomes with none left out)."""
    found = Counter(_words(counts["exit_outcomes"]))
    return {outcome: found[outcome] for outcome in EXIT_OUTCOMES if found[outcome]}


def _breakdown_counts(conn, t: FromClause, where, query: StatisticsQuery, day: date) -> dict:
    """Counts per key of the breakdown (with the detail, so the total can be summed from them)."""
    if query.by == "flag":
        return {flag: _counts(conn, t, and_(where, t.c.flags.like(f"%,{flag},%")), day)[None]
                for flag in FLAGS}
    key = (case((t.c.qpv_code.is_(None), "hors_qpv"), else_="qpv") if query.by == "qpv"
           else t.c[BREAKDOWN_COLUMNS[query.by]])
    return _counts(conn, t, where, day, key, detail=query)


def _breakdown(grouped: dict) -> list[dict]:
    breakdown = []
    for key in sorted(grouped, key=lambda k: (k is None, str(k))):
        funnel, rates = _figures(grouped[key])
        breakdown.append({"key": key, "population": grouped[key]["population"],
                          "funnel": funnel, "rates": rates})
    return breakdown


def _total(grouped: dict) -> dict:
    """The counts of the whole population, summed (values joined) from a partition of it
    (one scan, not two)."""
    names = next(iter(grouped.values())).keys() if grouped else ()
    return {name: _joined(counts[name] for counts in grouped.values()) if name in _VALUES
            else sum(counts[name] for counts in grouped.values())
            for name in names}


def _joined(texts) -> str | None:
    """Texts of `_values_if` as one (None, like SQL's, when there is no value at all)."""
    return ",".join(text for text in texts if text) or None


def _target(conn, query: StatisticsQuery, day: date, counts: dict) -> dict:
    scope = select(func.coalesce(func.sum(groups.c.target_per_year), 0))
    if query.group_id:
        scope = scope.where(groups.c.id == query.group_id)
    if query.territory_id:
        scope = scope.where(groups.c.territory_id == query.territory_id)
    if _year_counted_in_scan(query):
        identified = counts["identified_this_year"]
    else:
        year_query = StatisticsQuery(
            territory_id=query.territory_id, group_id=query.group_id, known_at=query.known_at,
            period_from=date(day.year, 1, 1),
        )
        t = _table(year_query)
        identified = conn.execute(select(func.count()).where(_scope(t, year_query, day))).scalar()
    return {"per_year": conn.execute(scope).scalar(), "year": day.year,
            "identified_this_year": identified}


def compute_statistics(engine: Engine, query: StatisticsQuery, today: date) -> dict:
    """The statistics document of the API (`GET /api/v1/statistics`) for one query.

    The figures of a territory or a group, today's or as of a past day, whole or by group or
    territory, are read from the statistics cells (`cells_statistics`); the others (known at
    a recorded time, of a period, by another breakdown) are computed from the pathways'
    summaries (`direct_statistics`), which give the same documents.
    """
    if query.by is not None and query.by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {query.by!r}; one of: {', '.join(BREAKDOWNS)}")
    if cells_answer(query):
        return cells_statistics(engine, query, today)
    if known_cells_answer(query, today):
        return known_cells_statistics(engine, query, today)
    return direct_statistics(engine, query, today)


def direct_statistics(engine: Engine, query: StatisticsQuery, today: date) -> dict:
    """The statistics document computed from each pathway's summary (as it stands, or as known
    at `known_at`): the reference the cells are checked against.

    The scoped population is read once (`_counts` with its detail); only a breakdown by flag
    (not a partition) and a period filter (the year's count) cost more scans.
    """
    if query.by is not None and query.by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {query.by!r}; one of: {', '.join(BREAKDOWNS)}")
    day = query.as_of or today
    t = _table(query)
    where = _scope(t, query, day)
    with engine.connect() as conn:
        grouped = _breakdown_counts(conn, t, where, query, day) if query.by else None
        if grouped and query.by != "flag":  # every pathway has exactly one key: a partition
            counts = _total(grouped)
        else:
            counts = _counts(conn, t, where, day, detail=query)[None]
        funnel, rates = _figures(counts)
        return {
            "as_of": day.isoformat(),
            "known_at": query.known_at.isoformat() if query.known_at else None,
            "population": counts["population"],
            "stages": _stages(query, day, counts),
            "funnel": funnel,
            "rates": rates,
            "ruptures_by_stage": _ruptures_by_stage(day, counts),
            "median_days": _median_days(counts),
            "exits": _exits(counts),
            "breakdown": _breakdown(grouped) if query.by else [],
            "target": _target(conn, query, day, counts),
        }


#: The breakdowns the cells answer, by the cell column they group by.
_CELL_BREAKDOWNS = {None: None, "group": statistics_cells.c.group_id,
                    "territory": statistics_cells.c.territory_id}


def cells_answer(query: StatisticsQuery) -> bool:
    """Whether the statistics cells answer `query` exactly: the figures of a business day
    (today's or `as_of`'s) as they stand (no `known_at`), of the whole history (no period),
    whole or by group or territory."""
    return (query.known_at is None and query.period_from is None
            and query.period_to is None and query.by in _CELL_BREAKDOWNS)


def _cell_parts(day: date, today: date) -> list[tuple]:
    """The ranges of cells whose sum is the figures on `day`, each as (condition, sign of its
    cells in the count, sign in this year's count), the fewest to read.

    The figures on a day are the totals less the figures after it: less the years after its
    year; and within its year, less the months after its month, or else less the whole year
    but for the months before its month; and within its month likewise, less the days after
    the day, or else the month but for the days up to the day. Whichever side has the fewer
    months (and days) holding cells — those after `today` hold hardly any (only facts dated
    ahead, such as a recent hire's day 105): at most the totals, two or three years, six
    months and sixteen days per metric. This year's count (of the population) is the same
    without the totals and the years: the year's cell less what is after the day in the
    year, or what is before it.
    """
    c = statistics_cells
    month = day.replace(day=1)
    next_month = (month + timedelta(days=31)).replace(day=1)
    january, next_january = date(day.year, 1, 1), date(day.year + 1, 1, 1)
    parts = [(c.c.grain == "T", 1, 0), (and_(c.c.grain == "Y", c.c.dated > january), -1, 0)]
    last = min(today, next_january - timedelta(days=1))  # (the last day with cells, about)
    months_after = max(0, (last.year - day.year) * 12 + last.month - day.month)
    if day.month < months_after:  # the year (about a month's cells) less what is not after the day
        parts += [(and_(c.c.grain == "Y", c.c.dated == january), -1, 0),
                  (and_(c.c.grain == "M", c.c.dated >= january, c.c.dated < month), 1, 1)]
        within_month = 1  # (add what the month has up to the day)
    else:  # the months after the day's month
        parts += [(and_(c.c.grain == "Y", c.c.dated == january, c.c.metric == "population"), 0, 1),
                  (and_(c.c.grain == "M", c.c.dated >= next_month, c.c.dated < next_january), -1, -1)]
        within_month = -1  # (take away what the month has after the day)
    days_up_to = and_(c.c.grain == "D", c.c.dated >= month, c.c.dated <= day)
    days_after = and_(c.c.grain == "D", c.c.dated > day, c.c.dated < next_month)
    up_to_is_shorter = day.day <= (min(today, next_month - timedelta(days=1)) - day).days
    if (within_month == 1) == up_to_is_shorter:  # read the side asked for straight
        parts.append((days_up_to if within_month == 1 else days_after, within_month, within_month))
    else:  # the month, less the other side
        parts += [(and_(c.c.grain == "M", c.c.dated == month), within_month, within_month),
                  (days_after if within_month == 1 else days_up_to, -within_month, -within_month)]
    return parts


def _in_scope(query: StatisticsQuery, table, through=None) -> list:
    """The query's territory and group conditions on `table`'s columns (each read `through`
    a function, e.g. `_unindexed`, if given)."""
    def read(column):
        return column if through is None else through(column)

    conditions = []
    if query.territory_id:
        conditions.append(read(table.c.territory_id) == query.territory_id)
    if query.group_id:
        conditions.append(read(table.c.group_id) == query.group_id)
    return conditions


def _cell_sums(conn, query: StatisticsQuery, day: date, today: date) -> dict:
    """{breakdown key: {metric: (count by the day, of which since January 1st)}} from the
    cells (`_cell_parts`), each range read by the cells' key and added up by the database: one
    row per key and metric, however far back the day is."""
    c = statistics_cells
    scope = _in_scope(query, c)
    key = _CELL_BREAKDOWNS[query.by]
    signed = {1: c.c.n, -1: -c.c.n, 0: literal_column("0")}
    cells = union_all(*[
        select((key if key is not None else literal("")).label("key"), c.c.metric,
               signed[total].label("total"),
               # (only the population's year is read)
               (case((c.c.metric == "population", signed[year]), else_=signed[0]) if year
                else signed[0]).label("year"))
        .where(part, *scope)
        for part, total, year in _cell_parts(day, today)]).subquery("cells")
    rows = conn.execute(select(cells.c.key, cells.c.metric, func.sum(cells.c.total), func.sum(cells.c.year))
                        .group_by(cells.c.key, cells.c.metric))
    found: dict = {}
    for key_value, metric, total, year in rows:
        found.setdefault(key_value or None, {})[metric] = (int(total), int(year))
    return found


def _cell_counts(sums: dict) -> dict:
    """The counts `_figures` reads, from one key's metric sums."""
    counts = {name: sums.get(name, (0, 0))[0]
              for name in ("population", *FUNNEL, "day_105_past", "ruptured", "exits", "positive_exits")}
    counts["identified_this_year"] = sums.get("population", (0, 0))[1]
    return counts


def _histogram_median(histogram: dict[int, int]):
    """`statistics.median` of the values a histogram {value: how many} holds, None if none."""
    size = sum(histogram.values())
    if not size:
        return None
    wanted = (size // 2,) if size % 2 else (size // 2 - 1, size // 2)
    picked, seen = [], 0
    for value in sorted(histogram):
        seen += histogram[value]
        while len(picked) < len(wanted) and wanted[len(picked)] < seen:
            picked.append(value)
    return picked[0] if size % 2 else (picked[0] + picked[1]) / 2


def _by_prefix(sums: dict, prefix: str) -> Counter:
    return Counter({metric[len(prefix):]: n for metric, (n, _year) in sums.items()
                    if metric.startswith(prefix)})


def _stages_of(sums: dict, as_of: date | None) -> dict:
    """Pathways per stage: today, their current stage; as of a day, the stage they were in
    then (`_stage_on`): those that entered it by then less those that left it by then."""
    if as_of is None:
        found = _by_prefix(sums, "stage:")
        return {stage: found[stage] for stage in STAGES}
    entered, left = _by_prefix(sums, "stage_entered:"), _by_prefix(sums, "stage_left:")
    return {stage: entered[stage] - left[stage] for stage in STAGES}


def cells_statistics(engine: Engine, query: StatisticsQuery, today: date) -> dict:
    """The statistics document of `query` (one `cells_answer` answers), on `query.as_of` or
    else `today`, read from the cells: a number of cells that grows with the groups and the
    months, not with the pathways."""
    if not cells_answer(query):
        raise ValueError("the statistics cells answer the figures as they stand, of the whole "
                         "history, whole or by group or territory")
    day = query.as_of or today
    with engine.connect() as conn:
        by_key = {key: sums for key, sums in _cell_sums(conn, query, day, today).items()
                  if sums.get("population", (0, 0))[0]}
        total: dict = {}
        for sums in by_key.values():
            for metric, (n, year) in sums.items():
                before = total.get(metric, (0, 0))
                total[metric] = (before[0] + n, before[1] + year)
        counts = _cell_counts(total)
        grouped = {key: _cell_counts(sums) for key, sums in by_key.items()} if query.by else {}
        return _cells_document(conn, query, day, counts, total, grouped, query.as_of)


def _cells_document(conn, query: StatisticsQuery, day: date, counts: dict, sums: dict,
                    grouped: dict, as_of: date | None) -> dict:
    """The statistics document from cells' sums ({metric: (n, this year's n)}), its counts
    (`_cell_counts`) and, for a breakdown, each key's counts; today's cells and the known
    cells (`known_cells_statistics`) both end here."""
    funnel, rates = _figures(counts)
    exits_found = _by_prefix(sums, "exit:")
    ruptures_found = _by_prefix(sums, "rupture_stage:")
    return {
        "as_of": day.isoformat(),
        "known_at": query.known_at.isoformat() if query.known_at else None,
        "population": counts["population"],
        "stages": _stages_of(sums, as_of),
        "funnel": funnel,
        "rates": rates,
        "ruptures_by_stage": {stage: ruptures_found[stage] for stage in STAGES[:-1]},
        "median_days": {
            name: _histogram_median({int(days): n for days, n in _by_prefix(sums, name + ":").items()})
            for name in ("to_orientation", "to_first_hire")},
        "exits": {outcome: exits_found[outcome] for outcome in EXIT_OUTCOMES if exits_found[outcome]},
        "breakdown": _breakdown(grouped) if query.by else [],
        "target": _target(conn, query, day, counts),
    }


def known_cells_answer(query: StatisticsQuery, today: date) -> bool:
    """Whether the known cells answer `query` exactly: today's figures (no `as_of`) as known at
    a recorded time on or before today (UTC: the known cells are dated by the recorded time's
    UTC day), of the whole history (no period), whole or by group or territory."""
    return (query.known_at is not None and query.as_of is None and query.period_from is None
            and query.period_to is None and query.by in _CELL_BREAKDOWNS
            and recorded_day(query.known_at) <= today)


def _reads_what_came_after(moment: datetime, today: date) -> bool:
    """Whether the figures known at `moment` are best read as today's figures less what was
    recorded after it (the moment is within six months of today: fewer cells to read) rather
    than as what was recorded up to it (both give the same figures)."""
    day = recorded_day(moment)
    return (today.year - day.year) * 12 + today.month - day.month <= 6


def _recorded_after(conn, today: date) -> bool:
    """Whether a change was recorded on a UTC day after `today` (a server behind UTC): then a
    figure recorded after the moment may count from a day after today, and today's figures
    less those would not be exact."""
    c = statistics_cells
    return conn.execute(select(literal(1)).where(c.c.grain == "RD", c.c.dated > today).limit(1)).first() is not None


def _after_parts(day: date) -> list[tuple]:
    """The ranges of known cells (each as (condition, sign)) whose sum is what was recorded
    after the UTC day `day`: the years after its year, the months after its month in its year,
    the days after it in its month."""
    c = statistics_cells
    january, month = date(day.year, 1, 1), day.replace(day=1)
    next_january = date(day.year + 1, 1, 1)
    next_month = (month + timedelta(days=31)).replace(day=1)
    return [(and_(c.c.grain == "RY", c.c.dated > january), 1),
            (and_(c.c.grain == "RM", c.c.dated > month, c.c.dated < next_january), 1),
            (and_(c.c.grain == "RD", c.c.dated > day, c.c.dated < next_month), 1)]


def _known_parts(moment: datetime, today: date) -> list[tuple]:
    """The ranges of known cells (each as (condition, sign)) whose sum is what was recorded
    before the UTC day of `moment`.

    What was recorded before a day is the years before its year, plus, within its year, the
    months before its month (or else the year less the months from its month on), plus,
    within its month, the days before it (or else the month less the days from it on):
    whichever side has the fewer months and days, as for `_cell_parts`."""
    c = statistics_cells
    day = recorded_day(moment)
    january, month = date(day.year, 1, 1), day.replace(day=1)
    next_january = date(day.year + 1, 1, 1)
    next_month = (month + timedelta(days=31)).replace(day=1)
    parts = [(and_(c.c.grain == "RY", c.c.dated < january), 1)]
    last = min(max(today, day), next_january - timedelta(days=1))  # (the last day with cells)
    months_after = max(0, (last.year - day.year) * 12 + last.month - day.month)
    if day.month - 1 <= months_after:  # the months before the day's month
        parts.append((and_(c.c.grain == "RM", c.c.dated >= january, c.c.dated < month), 1))
        within_month = 1
    else:  # the year less the months from the day's month on (and that month added back)
        parts += [(and_(c.c.grain == "RY", c.c.dated == january), 1),
                  (and_(c.c.grain == "RM", c.c.dated > month, c.c.dated < next_january), -1)]
        within_month = -1
    days_before = (day - month).days
    days_from = (min(last, next_month - timedelta(days=1)) - day).days + 1
    if within_month == 1 and days_before > days_from:  # the month less the days from the day on
        parts += [(and_(c.c.grain == "RM", c.c.dated == month), 1),
                  (and_(c.c.grain == "RD", c.c.dated >= day, c.c.dated < next_month), -1)]
    elif within_month == 1:
        parts.append((and_(c.c.grain == "RD", c.c.dated >= month, c.c.dated < day), 1))
    elif days_before < days_from:  # the month less the days before (taken from the year)
        parts += [(and_(c.c.grain == "RM", c.c.dated == month), -1),
                  (and_(c.c.grain == "RD", c.c.dated >= month, c.c.dated < day), 1)]
    else:
        parts.append((and_(c.c.grain == "RD", c.c.dated >= day, c.c.dated < next_month), -1))
    return parts


def _reads_the_whole_day(moment: datetime) -> bool:
    """Whether the changes of the moment's UTC day are best read after it (the day's cells less
    those: the moment is in its afternoon) rather than up to it (both give the same figures)."""
    start = datetime.combine(recorded_day(moment), time.min, UTC)
    return moment - start > start + timedelta(days=1) - moment


def _known_cell_sums(conn, query: StatisticsQuery, parts: list[tuple]) -> dict:
    """{breakdown key: {known metric: sum}} of the known cells in `parts`, in the query's scope,
    added up by the database."""
    c = statistics_cells
    scope = _in_scope(query, c)
    key = _CELL_BREAKDOWNS[query.by]
    cells = union_all(*[
        select((key if key is not None else literal("")).label("key"), c.c.metric,
               (c.c.n if sign == 1 else -c.c.n).label("n"))
        .where(part, *scope)
        for part, sign in parts]).subquery("known")
    found: dict = {}
    for key_value, metric, n in conn.execute(select(cells.c.key, cells.c.metric, func.sum(cells.c.n))
                                             .group_by(cells.c.key, cells.c.metric)):
        found.setdefault(key_value or None, Counter())[metric] += int(n)
    return found


#: The summary columns of a version or a row, as a `Summary` (for `_changes_of_the_day`).
_SUMMARY_OF = {table: [table.c[name] for name in SUMMARY_NAMES] for table in (pathway_versions, pathway_rows)}


def _changes_of_the_day(conn, query: StatisticsQuery, since: datetime, until: datetime,
                        after_the_moment: bool) -> dict:
    """{breakdown key: {known metric: change}} of the summary changes recorded between `since`
    and `until` (within one UTC day: the moment excluded and the day's end if
    `after_the_moment`, else the day's start and the moment included), as the
    known cells count them (`cells.add_known_change`): the summaries that began then (versions
    and rows, by `ix_pathway_versions_recorded_from` and `ix_pathway_rows_summary_since`) less
    those that ended then (`ix_pathway_versions_recorded_to`)."""
    versions, rows = pathway_versions, pathway_rows

    def within(column):
        if after_the_moment:
            return and_(column > since, column < until)
        return and_(column >= since, column <= until)

    def scoped(t):
        # (the scope read through `_unindexed`: the day's range of recorded times is what
        # narrows the rows; SQLite otherwise read a territory's every row by its index, 10x the
        # default request at 50,000 pathways)
        return _in_scope(query, t, _unindexed)

    found: dict = {}
    for t, since_column, sign in ((versions, versions.c.recorded_from, 1),
                                  (rows, rows.c.summary_since, 1),
                                  (versions, versions.c.recorded_to, -1)):
        recorded = since_column.label("recorded")
        for row in conn.execute(select(recorded, *_SUMMARY_OF[t]).where(within(since_column), *scoped(t))):
            summary = Summary(*row[1:])
            recorded_on = recorded_day(_aware(row[0]))
            changes: Counter = Counter()
            add_known_change(changes, recorded_on, None, summary)
            key = {"group": summary.group_id, "territory": summary.territory_id}.get(query.by)
            counter = found.setdefault(key, Counter())
            for (_on, _group, _territory, metric), n in changes.items():
                counter[metric] += sign * n
    return found


def _aware(moment: datetime) -> datetime:
    """A recorded time as read back (SQLite gives it naive, in UTC) made aware."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _known_counts(sums: Counter, day: date) -> dict:
    """{metric: count} on `day` from known cells' sums: a figure recorded ahead of its day
    ("metric@day", `cells.known_metric`) counts once that day has come."""
    counts: Counter = Counter()
    for metric, n in sums.items():
        name, _, ahead = metric.partition("@")
        if not ahead or ahead <= day.isoformat():
            counts[name] += n
    return counts


def known_cells_statistics(engine: Engine, query: StatisticsQuery, today: date) -> dict:
    """The statistics document of `query` (one `known_cells_answer` answers): today's figures
    as they were known at `query.known_at`, from the known cells (the summary changes added up
    by the UTC day, month and year they were recorded) and, for the moment's own day, the
    summaries that began or ended that day up to (or after) the moment."""
    if not known_cells_answer(query, today):
        raise ValueError("the known cells answer today's figures known at a time on or before "
                         "today, of the whole history, whole or by group or territory")
    moment = _aware(query.known_at)
    day = today
    year = f"identified_in:{day.year}"
    recorded_on = recorded_day(moment)
    start = datetime.combine(recorded_on, time.min, UTC)
    whole_day = _reads_the_whole_day(moment)
    with engine.connect() as conn:
        # what came after the moment, taken from today's figures, or else what came before it
        after = _reads_what_came_after(moment, today) and not _recorded_after(conn, today)
        if after:
            parts = _after_parts(recorded_on) + ([] if whole_day else [
                (and_(statistics_cells.c.grain == "RD", statistics_cells.c.dated == recorded_on), 1)])
        else:
            parts = _known_parts(moment, today)
            if whole_day:
                parts.append((and_(statistics_cells.c.grain == "RD", statistics_cells.c.dated == recorded_on), 1))
        sums = _known_cell_sums(conn, query, parts)
        if whole_day:  # (the changes of the day after the moment)
            exact = _changes_of_the_day(conn, query, moment, start + timedelta(days=1), True)
        else:  # (those of the day up to the moment)
            exact = _changes_of_the_day(conn, query, start, moment, False)
        sign = 1 if whole_day == after else -1
        for key, changes in exact.items():
            counter = sums.setdefault(key, Counter())
            for metric, n in changes.items():
                counter[metric] += sign * n
        by_key = {key: _known_counts(found, day) for key, found in sums.items()}
        if after:  # today's figures less those
            today_query = StatisticsQuery(territory_id=query.territory_id, group_id=query.group_id, by=query.by)
            now = _cell_sums(conn, today_query, day, today)
            known = {}
            for key in now.keys() | by_key.keys():  # (a group may have had pathways only then)
                metrics = now.get(key, {})
                counts = Counter({metric: n for metric, (n, _year) in metrics.items()})
                counts[year] = metrics.get("population", (0, 0))[1]
                counts.subtract(by_key.get(key, Counter()))
                known[key] = counts
            by_key = known
        by_key = {key: counts for key, counts in by_key.items() if counts["population"]}
        total: Counter = Counter()
        for counts in by_key.values():
            total.update(counts)

        def counts_of(found: Counter) -> dict:
            counts = {name: found[name] for name in
                      ("population", *FUNNEL, "day_105_past", "ruptured", "exits", "positive_exits")}
            counts["identified_this_year"] = found[year]
            return counts

        grouped = {key: counts_of(found) for key, found in by_key.items()} if query.by else {}
        plain = {metric: (n, 0) for metric, n in total.items()}
        return _cells_document(conn, query, day, counts_of(total), plain, grouped, None)


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
