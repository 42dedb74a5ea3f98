"""The statistics cells as a steering committee's figures move: each step moves its counters,
a correction takes back what the corrected step counted, the stages on a past day follow the
stage timeline, and the rebuilt cells are the same."""

import json
from collections import Counter
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from casecommittee.domain.vocabulary import STAGES
from casecommittee.projections import cells as cells_module
from casecommittee.projections import projector
from casecommittee.projections.cells import stage_spans, statistics_cells
from casecommittee.projections.replay_check import replay_check
from casecommittee.projections.runner import schema_fingerprint
from casecommittee.queries.statistics import (
    StatisticsQuery,
    _stage_on,
    cells_answer,
    cells_statistics,
    compute_statistics,
    direct_statistics,
)


def cells(system, metric: str) -> dict:
    """{(grain, date): count} of one metric's cells (by business day: not the known cells)."""
    with system.engine.connect() as conn:
        rows = conn.execute(select(statistics_cells.c.grain, statistics_cells.c.dated, statistics_cells.c.n)
                            .where(statistics_cells.c.metric == metric,
                                   statistics_cells.c.grain.in_(cells_module.GRAINS)))
        return {(grain, dated): n for grain, dated, n in rows}


def same_as_direct(system, today: date, **query) -> dict:
    """Today's document from the cells, checked against the direct computation."""
    asked = StatisticsQuery(**query)
    document = cells_statistics(system.engine, asked, today)
    assert document == direct_statistics(system.engine, asked, today)
    return document


def test_an_orientation_corrected_to_an_earlier_month_moves_its_cells(system, territory, referent, clock):
    """Oriented on 3 March, corrected to 20 February: the March cells are gone, not left at 0,
    and the figures on 25 February count the orientation only once corrected."""
    clock.current = date(2026, 3, 10)
    pid = referent.identifies(date(2026, 2, 2))
    referent.orients(pid, date(2026, 3, 3))
    assert cells(system, "oriented") == {("T", date.min): 1, ("Y", date(2026, 1, 1)): 1,
                                         ("M", date(2026, 3, 1)): 1, ("D", date(2026, 3, 3)): 1}
    assert same_as_direct(system, date(2026, 2, 25))["funnel"]["oriented"] == 0

    referent.logs(pid, "corrected", date(2026, 3, 10), corrects_version=2,
                  changes={"occurred_on": date(2026, 2, 20)}, reason="date saisie par erreur")

    assert cells(system, "oriented") == {("T", date.min): 1, ("Y", date(2026, 1, 1)): 1,
                                         ("M", date(2026, 2, 1)): 1, ("D", date(2026, 2, 20)): 1}
    assert cells(system, "to_orientation:18") == {("T", date.min): 1, ("Y", date(2026, 1, 1)): 1,
                                                  ("M", date(2026, 2, 1)): 1, ("D", date(2026, 2, 20)): 1}
    on_25_february = same_as_direct(system, date(2026, 2, 25))
    assert on_25_february["funnel"]["oriented"] == 1
    assert on_25_february["median_days"]["to_orientation"] == 18
    assert replay_check(system.app, system.engine)["ok"]


def test_todays_figures_and_those_by_group_come_from_the_cells(system, territory, referent, clock):
    """Three people over the new year: this year's identifications, the exits and the breakdown
    by group read from the cells are the direct computation's, day after day."""
    clock.current = date(2026, 2, 15)
    people = [referent.identifies(on) for on in (date(2025, 12, 1), date(2026, 1, 5), date(2026, 2, 3))]
    referent.orients(people[0], date(2025, 12, 20))
    referent.logs(people[1], "exited", date(2026, 2, 10), outcome="moved_away")

    assert cells_answer(StatisticsQuery(by="group")) and not cells_answer(StatisticsQuery(by="sex"))
    today = compute_statistics(system.engine, StatisticsQuery(by="group"), clock.today())
    assert today == same_as_direct(system, clock.today(), by="group")
    assert today["target"]["identified_this_year"] == 2
    assert today["exits"] == {"moved_away": 1}
    assert [(b["key"], b["population"]) for b in today["breakdown"]] == [(territory["group_id"], 3)]
    for day in (date(2025, 11, 30), date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 9)):
        same_as_direct(system, day)
        same_as_direct(system, day, by="territory")
        same_as_direct(system, day, group_id=territory["group_id"])
    assert same_as_direct(system, date(2026, 2, 9))["exits"] == {}


def test_cells_written_in_many_goes_add_up_to_the_same(system, territory, referent, clock, monkeypatch):
    """A rebuild writes its cells' changes as it goes (its memory stays bounded): written after
    every pathway, they are still the cells kept step by step."""
    monkeypatch.setattr(projector, "CELL_DELTAS_HELD", 0)
    clock.current = date(2026, 4, 1)
    for n in range(6):
        pid = referent.identifies(date(2026, 1, 5 + n))
        referent.orients(pid, date(2026, 2, 1 + n))
        if n % 2:
            referent.hires(pid, date(2026, 3, 2))
    report = replay_check(system.app, system.engine, partitions=2)
    assert report["ok"], report["differences"]
    assert report["tables"]["statistics_cells"] > 0
    same_as_direct(system, clock.today())


def test_known_cells_written_in_bulk_leave_no_cell_at_0(system, territory, referent, clock, monkeypatch):
    """Written in bulk (as a rebuild writes them), a known cell's negative changes are added
    too, and the cells they leave at 0 deleted: the cells are those a replay gives."""
    monkeypatch.setattr(cells_module, "CELLS_PER_STATEMENT", 1)
    clock.current = date(2026, 4, 1)
    pid = referent.identifies(date(2026, 3, 2))
    referent.orients(pid, date(2026, 3, 20))  # (the "stage:identified" recorded on 1 April: +1 -1)
    with system.engine.connect() as conn:
        assert conn.execute(select(statistics_cells.c.n).where(statistics_cells.c.n == 0)).all() == []
        known = conn.execute(select(statistics_cells.c.metric).where(
            statistics_cells.c.grain == "RD")).scalars().all()
    assert "stage:oriented" in known and "stage:identified" not in known
    report = replay_check(system.app, system.engine, partitions=2)
    assert report["ok"], report["differences"]


def test_a_worker_catching_up_on_new_pathways_adds_their_cells_one_upsert_each(
        system, territory, referent, clock, monkeypatch):
    """Changes that only add (new pathways, a rebuild's partitions), when there are many, are
    written through the driver's executemany without reading the cells back: the cells are
    still those a step-by-step projection keeps."""
    monkeypatch.setattr(cells_module, "CELLS_PER_STATEMENT", 2)  # (many, at this scale)
    system.app.after_save = None  # a worker deployment: the web process does not project
    clock.current = date(2026, 4, 1)
    for n in range(4):  # caught up two by two: the second two add to the first two's cells
        pid = referent.identifies(date(2026, 1, 5 + n))
        referent.orients(pid, date(2026, 2, 1 + n))
        if n % 2:
            assert system.projections.catch_up() > 0 and system.projections.stall() is None
    assert cells(system, "oriented")[("M", date(2026, 2, 1))] == 4
    report = replay_check(system.app, system.engine, partitions=1)
    assert report["ok"], report["differences"]
    same_as_direct(system, clock.today())


timelines = st.lists(st.tuples(st.integers(0, 12), st.sampled_from(STAGES)), max_size=8)


@settings(max_examples=300, deadline=None)
@given(timeline=timelines, identified=st.integers(0, 12))
def test_stage_spans_count_the_stage_on_every_day_as_the_timeline_reads(timeline, identified):
    """Any stage timeline (several stages entered on one day, a stage entered again, days
    before the identification): on every day, the stages entered by then less those left by
    then are the timeline's stage on that day, from the identification on, and nothing before."""
    start = date(2026, 1, 1)
    entries = [[(start + timedelta(days=n)).isoformat(), stage] for n, stage in timeline]
    identified_on = start + timedelta(days=identified)
    spans = stage_spans(identified_on, json.dumps(entries))
    for n in range(-1, 15):
        day = start + timedelta(days=n)
        counted = Counter()
        for metric, on in spans:
            if on <= day:
                kind, stage = metric.split(":")
                counted[stage] += 1 if kind == "stage_entered" else -1
        expected = _stage_on(entries, day.isoformat()) if identified_on <= day else None
        assert +counted == (Counter({expected: 1}) if expected else Counter()), (day, spans)
        assert all(n >= 0 for n in counted.values())


def test_a_rupture_logged_late_counts_from_its_day_as_of_the_past(system, territory, referent, clock):
    """Oriented on 25 February, hired on 10 March, then a rupture of 8 March logged on the 12th
    (before the hire, by date): today's figures count the current stage (interrupted, the last
    logged); as of a past day, the stage entered by then (interrupted on the 8th and 9th,
    employed again from the 10th). The cells say what the direct computation says, every day."""
    clock.current = date(2026, 3, 12)
    pid = referent.identifies(date(2026, 2, 20))
    referent.orients(pid, date(2026, 2, 25))
    referent.hires(pid, date(2026, 3, 10))
    referent.logs(pid, "rupture", date(2026, 3, 8), scope="pathway", kind="abandon",
                  initiated_by="beneficiary")

    assert same_as_direct(system, clock.today())["stages"]["interrupted"] == 1
    assert same_as_direct(system, clock.today(), as_of=date(2026, 3, 9))["stages"]["interrupted"] == 1
    assert same_as_direct(system, clock.today(), as_of=date(2026, 3, 12))["stages"]["employed"] == 1
    assert same_as_direct(system, clock.today(), as_of=date(2026, 2, 19))["population"] == 0
    for day in (date(2026, 2, 20) + timedelta(days=n) for n in range(25)):
        same_as_direct(system, day)
        same_as_direct(system, clock.today(), as_of=day, by="group")
        same_as_direct(system, clock.today(), as_of=day, territory_id=territory["territory_id"])
        # (asked at the end of the year: read from the start of the year and of the month)
        same_as_direct(system, date(2026, 12, 31), as_of=day)
    assert replay_check(system.app, system.engine, partitions=2)["ok"]



def test_an_upgrade_that_changes_what_the_cells_count_replays_them(monkeypatch):
    """The stage spans are new cells with the same columns: the version of the cells' contents
    is part of the read models' fingerprint, so a store built before them is replayed."""
    before = schema_fingerprint()
    monkeypatch.setitem(statistics_cells.info, "contents", statistics_cells.info["contents"] - 1)
    assert schema_fingerprint() != before


def test_an_upgrade_that_changes_an_index_s_columns_or_options_rebuilds_the_read_models(monkeypatch):
    """An index keeps its name when its columns change (a group's agenda read through
    `(group_id, stage)` then through more columns): a store built before must get the new one,
    so the index's columns, uniqueness and options are in the fingerprint, not its name only."""
    from casecommittee.projections.pathways import pathway_rows

    index = next(i for i in pathway_rows.indexes if i.name == "ix_pathway_rows_group_stage")
    before = schema_fingerprint()
    monkeypatch.setitem(index.dialect_options["postgresql"]._non_defaults, "include", ["referent_id"])
    assert schema_fingerprint() != before
