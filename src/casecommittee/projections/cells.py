"""Statistics cells: the territory's figures as counters, kept by the projections.

A cell counts the pathways of one group (and its territory) that have a figure (a metric: the
population, a funnel step, a stage, an exit by outcome, a day count for a median…) dated on a
day. The day is the later of the identification and the fact (the population and the current
stage are dated by the identification itself): a pathway counts for a figure on a day exactly
when the statistics would count it then. Each figure is counted in four cells (`GRAINS`): its
total ("T", all days), its year ("Y", dated January 1st), its month ("M", dated the 1st) and its
day ("D"). The figures on a day are the totals less the years after the day's year, the months
after the day's month in its year and the days after the day in its month (and this year's
identifications, the day's year's population less the same months and days): for today's
figures, or any past day's, a few cells per metric and group (at most two years, eleven months
and thirty days after the day), however many pathways there are.

The stage is the one figure a pathway leaves: on a past day it is the last stage entered on or
before that day (`queries.statistics._stage_on`), not the current one. Each span of the stage
timeline is counted twice, by the day it starts ("stage_entered:") and the day it ends
("stage_left:"), both moved to the identification when earlier: the pathways in a stage on a
day are those that entered it by then less those that left it by then (`stage_spans`). The
current stage ("stage:", dated by the identification) stays apart: today's figures count it,
even when a step logged late put the timeline's last stage elsewhere.

The projector keeps them: when it writes a pathway's row, it subtracts what the summary the
row held contributed and adds what the new one does (`contributions`), in the same
transaction. A rebuild's partitions each count their own pathways; their cells are added up
when copied into the staging table (`additive_insert_suffix`). A cell that falls to 0 is
deleted (a rebuild's, when the staging tables are swapped in), so the cells kept incrementally
and the rebuilt ones are the same rows.

The known cells (grains "RY", "RM", "RD": `KNOWN_GRAINS`) are dated by the recorded time
instead, its UTC year, month and day: each summary change adds the figures of the new summary
(`known_figures`: no stage span; the identification's year) less those of the summary it
replaces (`add_known_change`), so that what was known at a moment is the sum of the changes
recorded by then (`queries.statistics.known_cells_statistics`). A figure both summaries have
adds nothing; one dated after the day it was recorded keeps its day in its metric
(`known_metric`). The projector counts them as it applies each event that changes a summary,
and writes them in the same statement as the other cells. Their changes can be negative, so a
sum of partitions' known cells can be 0 (deleted at the swap).
"""

from collections import Counter
from datetime import UTC, date
from functools import lru_cache
from operator import itemgetter

import orjson
from sqlalchemy import Column, Date, Integer, Table
from sqlalchemy.engine import Connection

from ..db import CleanText, metadata
from ..domain.vocabulary import POSITIVE_OUTCOMES, STAGES
from .bulk import bind_processor
from .summary import Summary

statistics_cells = Table(
    "statistics_cells", metadata,
    Column("grain", CleanText, primary_key=True),  # T, Y, M or D (`GRAINS`)
    Column("dated", Date, primary_key=True),
    # '' when the pathway has no group (or the group no territory): a key cannot be NULL
    Column("group_id", CleanText(36), primary_key=True),
    Column("territory_id", CleanText(36), primary_key=True),
    Column("metric", CleanText, primary_key=True),
    Column("n", Integer, nullable=False),
    # "contents": raised whenever what the cells count changes (with the same columns), so
    # that an upgrade replays them (`runner.schema_fingerprint`); 3: the stage timeline's
    # spans, and a year cell for every figure; 4: the known cells (grains "RY", "RM", "RD")
    info={"additive": "n", "contents": 4},
    # on SQLite, the rows are stored in the key's order, with their count: the ranges a
    # statistics request reads are read in place (three times faster than through an index
    # to a rowid table, 1 year back at 50,000 pathways)
    sqlite_with_rowid=False,
)

#: The grains of the cells: all days, a year, a month, a day.
GRAINS = ("T", "Y", "M", "D")
#: The date of the cells of grain "T".
ALL_DAYS = date.min

#: The columns that name a cell, in the order of its key.
CELL_KEY = ("grain", "dated", "group_id", "territory_id", "metric")

#: The funnel counts, by the summary field that dates them.
DATED_COUNTS = (
    ("oriented", "first_oriented_on"), ("immersion", "first_immersion_on"),
    ("hired", "first_hired_on"), ("follow_up_completed", "follow_up_completed_on"),
    ("day_105_past", "first_day_105_on"), ("ruptured", "first_rupture_on"),
    ("exits", "exited_on"),
)
#: The medians' day counts, by the summary field that dates them (metric "<name>:<days>").
DAY_COUNTS = (("to_orientation", "days_to_orientation", "first_oriented_on"),
              ("to_first_hire", "days_to_first_hire", "first_hired_on"))

_RUPTURE_STAGES = frozenset(STAGES[:-1])


def _entry_day(entry: list) -> str:
    return entry[0]


#: An ISO day of a JSON timeline as a date (a rebuild reads the same few hundred days).
_day = lru_cache(maxsize=4096)(date.fromisoformat)


@lru_cache(maxsize=4096)
def _year_and_month(day: date) -> tuple[date, date]:
    """The dates of a day's year and month cells (a rebuild counts the same few hundred days)."""
    return date(day.year, 1, 1), day.replace(day=1)


def _later(first: date, second: date) -> date:
    return second if second > first else first


def stage_spans(identified: date, timeline: str) -> list[tuple[str, date]]:
    """The spans of a stage timeline (the summary's `stages`, JSON [[day, stage], …]) as
    figures: ("stage_entered:<stage>", first day) and, unless it is the last,
    ("stage_left:<stage>", the day the next stage starts).

    As `queries.statistics._stage_on` reads a timeline: ordered by day (ties in the order
    logged), the stage on a day is the last one entered on or before it, so of the stages
    entered on one day only the last logged holds a span. A day before the identification
    counts from the identification (no pathway counts before it): a span that ends by then
    is empty and left out, and so is a next stage that is the same one (the span goes on).
    """
    by_day: dict[str, str] = {}
    for on, stage in sorted(orjson.loads(timeline), key=_entry_day):
        by_day[on] = stage  # (the days stay in order: a repeated day keeps its place)
    found: list[tuple[str, date]] = []
    current, since = None, None
    for on, stage in by_day.items():
        if stage == current:
            continue
        start = _later(identified, _day(on))
        if current is not None and start > since:
            found += [("stage_entered:" + current, since), ("stage_left:" + current, start)]
        current, since = stage, start
    if current is not None:
        found.append(("stage_entered:" + current, since))
    return found


def _stage(summary: Summary, identified: date) -> list:
    return [] if summary.stage is None else [("stage:" + summary.stage, identified)]


def _dated(metric: str, field: str):
    at = Summary._fields.index(field)

    def dated(summary: Summary, identified: date) -> list:
        on = summary[at]
        return [] if on is None else [(metric, _later(identified, on))]
    return dated


def _exit(summary: Summary, identified: date) -> list:
    exited, outcome = summary.exited_on, summary.exit_outcome
    if exited is None or outcome is None:
        return []
    on = _later(identified, exited)
    return [("exit:" + outcome, on), ("positive_exits", on)] if outcome in POSITIVE_OUTCOMES \
        else [("exit:" + outcome, on)]


def _day_count(name: str, field: str, dated_by: str):
    days_at, on_at = Summary._fields.index(field), Summary._fields.index(dated_by)

    def day_count(summary: Summary, identified: date) -> list:
        days, on = summary[days_at], summary[on_at]
        return [] if days is None or on is None else [(f"{name}:{days}", _later(identified, on))]
    return day_count


def _rupture_stages(summary: Summary, identified: date) -> list:
    if summary.first_rupture_on is None:
        return []
    first_by_stage: dict[str, str] = {}
    for on, stage in orjson.loads(summary.ruptures):
        if stage not in first_by_stage or on < first_by_stage[stage]:
            first_by_stage[stage] = on
    return [("rupture_stage:" + stage, _later(identified, _day(on))) for stage, on in first_by_stage.items()]


def _fields(*names: str):
    """The values of these summary fields, as one comparable value."""
    return itemgetter(*(Summary._fields.index(name) for name in names))


#: The figures of a summary but its population and stage spans, each part with the fields it
#: is computed from (besides the identification: the group, territory and identification
#: day): a summary change counts again only the parts whose fields changed.
FIGURE_PARTS = (
    (_fields("stage"), _stage),
    *((_fields(field), _dated(metric, field)) for metric, field in DATED_COUNTS),
    (_fields("exited_on", "exit_outcome"), _exit),
    *((_fields(field, dated_by), _day_count(name, field, dated_by)) for name, field, dated_by in DAY_COUNTS),
    (_fields("first_rupture_on", "ruptures"), _rupture_stages),
)
#: The fields every figure depends on (its key's group and territory, and the day it counts
#: from at the earliest).
_IDENTIFIED = _fields("group_id", "territory_id", "identified_on")


def figures(summary: Summary, spans: bool = True) -> list[tuple[str, date]]:
    """The figures a pathway counts for, each with the day from which it counts
    (`figures_on`: a pathway identified by then, with the fact by then); without the stage
    timeline's spans unless `spans` (the known cells count no span: `known_figures`)."""
    identified = summary.identified_on
    if identified is None:  # (never counted: not identified)
        return []
    found = [("population", identified)]
    for _fields_of, part in FIGURE_PARTS:
        found += part(summary, identified)
    if spans:
        found += stage_spans(identified, summary.stages)
    return found


def _count(deltas: Counter, summary: Summary, change: int) -> None:
    # (by day only: `cells_of` derives the year, month and total cells when they are written,
    # so a rebuild counts each figure once instead of four times)
    group, territory = summary.group_id or "", summary.territory_id or ""
    keys = [(on, group, territory, metric) for metric, on in figures(summary)]
    if change > 0:  # (counted in C: a rebuild adds every pathway's figures)
        deltas.update(keys)
    else:
        deltas.subtract(keys)


def contributions(summary: Summary | None) -> Counter:
    """What a pathway's summary adds to the cells, by day: {(day, group, territory, metric):
    1} (`cells_of` gives the cells)."""
    added = Counter()
    if summary is not None:
        _count(added, summary, 1)
    return added


def add_change(deltas: Counter, before: Summary | None, after: Summary | None) -> None:
    """Adds to `deltas` ({(day, group, territory, metric): change}) what replacing summary
    `before` by `after` changes in the day cells (`cells_of` gives every grain's)."""
    if before == after:
        return
    if after is not None:
        _count(deltas, after, 1)
    if before is not None:
        _count(deltas, before, -1)


def cells_of(deltas: Counter) -> dict:
    """The changes of the cells of every grain ({cell key: change}, none at 0) that changes
    by day ({(day, group, territory, metric): change}) make: each day's to its day, month,
    year and total cells, added up."""
    return _grained(deltas, ("T", "Y", "M", "D"))


def _grained(deltas: Counter, grains: tuple[str, ...]) -> dict:
    """{cell key: change} of `deltas` ({(day, group, territory, metric): change}) added up in
    each of `grains`: "T" (all days), "Y"/"RY" (the day's year), "M"/"RM" (its month),
    "D"/"RD" (the day itself)."""
    cells: dict = {}
    get = cells.get
    dating = [(grain, "TYMD".index(grain[-1])) for grain in grains]
    for (on, group, territory, metric), n in deltas.items():
        if not n:
            continue
        year, month = _year_and_month(on)
        dates = (ALL_DAYS, year, month, on)
        for grain, which in dating:
            key = (grain, dates[which], group, territory, metric)
            cells[key] = get(key, 0) + n
    return cells


#: The grains of the known cells: the recorded time's year, month and day (UTC), the business
#: day left out (`known_figures`).
KNOWN_GRAINS = ("RY", "RM", "RD")


def known_figures(summary: Summary | None) -> tuple[tuple[str, date], ...]:
    """The figures a summary counts for in the known cells, each with its business day: those
    of `figures` but the stage spans (a statistics request known at a time reads the stages
    of its day, today: `stage:`), plus the identification's year ("identified_in:<year>",
    dated by the identification: this year's count of the target)."""
    if summary is None or summary.identified_on is None:
        return ()
    identified = summary.identified_on
    return (*figures(summary, spans=False), (f"identified_in:{identified.year}", identified))


def known_metric(metric: str, on: date, recorded_on: date) -> str:
    """The metric of a known cell: the figure's own, or, for a figure dated after the day it
    was recorded (a hire's day 105), the figure and its day ("day_105_past@2026-03-02"), so
    that a request counts it only from that day on."""
    return metric if on <= recorded_on else f"{metric}@{on.isoformat()}"


def recorded_day(moment) -> date:
    """The UTC day of a recorded time (a naive time is UTC already, as stored)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date()


def add_known_change(deltas: Counter, recorded_on: date, before: Summary | None,
                     after: Summary | None) -> None:
    """Adds to `deltas` ({(recorded day, group, territory, known metric): change}) what a
    summary change recorded on `recorded_on` changes in the known cells: the figures of the new
    summary (`known_figures`) less the old one's. A figure both have adds nothing: when the
    identification is the same, only the parts of `FIGURE_PARTS` whose fields changed are
    counted again (a rebuild makes one change per summary change: 223,560 at 50,000 pathways)."""
    if before is None or after is None or _IDENTIFIED(before) != _IDENTIFIED(after):
        for summary, change in ((after, 1), (before, -1)):
            if summary is not None:
                group, territory = summary.group_id or "", summary.territory_id or ""
                for metric, on in known_figures(summary):
                    deltas[(recorded_on, group, territory, known_metric(metric, on, recorded_on))] += change
        return
    identified = after.identified_on
    if identified is None:
        return
    group, territory = after.group_id or "", after.territory_id or ""
    for fields_of, part in FIGURE_PARTS:
        if fields_of(before) != fields_of(after):
            for summary, change in ((after, 1), (before, -1)):
                for metric, on in part(summary, identified):
                    deltas[(recorded_on, group, territory, known_metric(metric, on, recorded_on))] += change


def known_cells_of(deltas: Counter) -> dict:
    """The known cells' changes ({cell key: change}, none at 0) that changes by recorded day
    (`add_known_change`) make: each to its recorded day's, month's and year's cell."""
    return {key: n for key, n in _grained(deltas, ("RY", "RM", "RD")).items() if n}


_columns = ", ".join(f'"{name}"' for name in (*CELL_KEY, "n"))
#: The most cells one statement writes (6 parameters each: well within SQLite's 32,766 and
#: PostgreSQL's 65,535 parameters a statement).
CELLS_PER_STATEMENT = 1000


def _marker(dialect) -> str:
    """The driver's positional parameter (sqlite3's `?`, psycopg's `%s`)."""
    return "?" if dialect.paramstyle == "qmark" else "%s"


@lru_cache(maxsize=256)
def _adding(rows: int, marker: str) -> str:
    """One statement adding `rows` changes to their cells (created at the change when new),
    returning each cell's key and new count (so that those at 0 can be deleted)."""
    values = ", ".join(["(" + ", ".join([marker] * 6) + ")"] * rows)
    key = ", ".join(CELL_KEY)
    return (f"INSERT INTO statistics_cells ({_columns}) VALUES {values} "
            f"ON CONFLICT ({key}) DO UPDATE SET n = statistics_cells.n + excluded.n "
            f"RETURNING {key}, n")


@lru_cache(maxsize=4)
def _adding_each(marker: str) -> str:
    """One statement adding one change to its cell (created at the change when new), run once
    per change."""
    key = ", ".join(CELL_KEY)
    return (f"INSERT INTO statistics_cells ({_columns}) VALUES ({', '.join([marker] * 6)}) "
            f"ON CONFLICT ({key}) DO UPDATE SET n = statistics_cells.n + excluded.n")


@lru_cache(maxsize=256)
def _deleting(rows: int, marker: str) -> str:
    """One statement deleting `rows` cells by their keys, if they are still at 0."""
    one = "(" + " AND ".join(f"{name} = {marker}" for name in CELL_KEY) + ")"
    return f"DELETE FROM statistics_cells WHERE n = 0 AND ({' OR '.join([one] * rows)})"


#: The date's bind processor per kind of dialect (sqlite3 takes ISO texts, psycopg dates).
_dates: dict = {}


def write_deltas(conn: Connection, deltas: Counter, known: Counter | None = None) -> None:
    """Adds `deltas` (changes by day, `add_change`) to the cells of every grain, and `known`
    (changes by recorded day, `add_known_change`) to the known cells, deleting those that
    fall to 0: one statement adds every change (up to `CELLS_PER_STATEMENT` a statement),
    and one more deletes the cells it left at 0, if any. Many changes (a rebuild's) are run as
    one statement per change through the driver's `executemany`, which reads nothing back,
    then, if any was negative, one statement deletes every cell at 0."""
    dialect = conn.dialect
    if type(dialect) not in _dates:
        _dates[type(dialect)] = bind_processor(Date(), dialect) or (lambda day: day)
    marker, dated = _marker(dialect), _dates[type(dialect)]
    cells = cells_of(deltas)
    if known:
        cells.update(known_cells_of(known))  # (their grains are apart: no key is in both)
    # (in the keys' order: two writers lock the cells they share in the same order, and so
    # never wait for each other in a circle)
    changes = sorted((grain, dated(day), group, territory, metric, n)
                     for (grain, day, group, territory, metric), n in cells.items() if n)
    if len(changes) > CELLS_PER_STATEMENT:
        # (many changes, as a rebuild's: nothing is read back, the driver's `executemany` binds
        # the tuples as they are; a known cell's change may be negative, and the cells it may
        # have left at 0 are deleted in one statement)
        conn.exec_driver_sql(_adding_each(marker), changes)
        if any(change[5] < 0 for change in changes):
            conn.exec_driver_sql("DELETE FROM statistics_cells WHERE n = 0")
        return
    emptied = []
    for start in range(0, len(changes), CELLS_PER_STATEMENT):
        chunk = changes[start:start + CELLS_PER_STATEMENT]
        cells = conn.exec_driver_sql(_adding(len(chunk), marker),
                                     tuple(value for change in chunk for value in change))
        emptied += [cell[:5] for cell in cells if cell[5] == 0]
    for start in range(0, len(emptied), CELLS_PER_STATEMENT):
        chunk = emptied[start:start + CELLS_PER_STATEMENT]
        conn.exec_driver_sql(_deleting(len(chunk), marker),
                             tuple(value for key in chunk for value in key))


def additive_insert_suffix(table: Table, target: str) -> str:
    """The `ON CONFLICT` clause that adds a copied row to the one already in `target` (the
    quoted name of a copy of `table`), for a table whose rows are additive counters
    (`info["additive"]`: the counter), else ''."""
    counter = table.info.get("additive")
    if counter is None:
        return ""
    key = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
    return (f' WHERE true ON CONFLICT ({key}) DO UPDATE SET "{counter}" = '
            f'{target}."{counter}" + excluded."{counter}"')
