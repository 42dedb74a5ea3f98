"""Property: for any valid histories, including corrections, the incremental read models equal a
full rebuild, and the statistics equal a direct computation from the aggregates (as of a date,
and as known at a recorded time)."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from unittest.mock import patch

import pytest
from cite import Referent
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from casecommittee.clock import FixedClock
from casecommittee.domain.errors import DomainError
from casecommittee.domain.vocabulary import POSITIVE_OUTCOMES, STAGES
from casecommittee.projections.replay_check import replay_check
from casecommittee.queries import statistics
from casecommittee.queries.statistics import (
    StatisticsQuery,
    cells_statistics,
    compute_statistics,
    direct_statistics,
    known_cells_answer,
    known_cells_statistics,
)
from casecommittee.stores.reference import groups

START = date(2025, 1, 6)

STEP_FIELDS = {
    "referent_assigned": st.just({"referent_id": "ref-2"}),
    "committee_referral": st.just({"reason": "situation bloquée"}),
    "oriented": st.sampled_from(["CEJ", "E2C", "PLIE"]).map(lambda s: {"scheme": s}),
    "immersion_started": st.builds(
        lambda days, host: {"host": {"name": host}, "ends_on": days, "hours_per_week": 35,
                            "objective": "discover"},
        st.integers(0, 29), st.sampled_from(["Boulangerie", "EHPAD"])),
    "immersion_ended": st.builds(lambda s: {"status": s, "led_to_hire": False},
                                 st.sampled_from(["completed", "partial"])),
    "hired": st.sampled_from([
        {"employer": {"name": "Alstom"}, "contract_type": "cdi", "weekly_hours": 35},
        {"employer": {"name": "Leclerc"}, "contract_type": "cdd", "contract_months": 3,
         "weekly_hours": 24},
    ]),
    "follow_up_contact": st.just({"contacted": "beneficiary", "status": "fine"}),
    "follow_up_completed": st.just({"still_employed": True}),
    "rupture": st.sampled_from([
        {"scope": "pathway", "kind": "abandon", "initiated_by": "beneficiary"},
        {"scope": "job", "kind": "trial_period", "initiated_by": "employer"},
    ]),
    "exited": st.sampled_from(["sustainable_employment", "moved_away", "declined"]).map(
        lambda o: {"outcome": o}),
    "corrected": st.integers(1, 12).map(lambda v: {"corrects_version": v}),
}

#: What a correction changes, per corrected step (otherwise: the date, one day earlier).
CORRECTIONS = {
    "oriented": {"scheme": "Épide"},
    "exited": {"outcome": "qualifying_training"},
    "committee_referral": {"reason": "motif précisé"},
    "hired": {"weekly_hours": 30},
}

intents = st.lists(
    st.tuples(st.integers(0, 3), st.sampled_from(sorted(STEP_FIELDS)), st.integers(0, 60),
              st.data()),
    min_size=5, max_size=40,
)


def _fields(code, data, on, pathway):
    fields = dict(data.draw(STEP_FIELDS[code]))
    if code == "immersion_started":
        fields["ends_on"] = on + timedelta(days=fields["ends_on"])
    if code == "corrected":
        eligible = [s for s in pathway.steps if s.code not in ("corrected", "identified")]
        if not eligible:
            return None
        target = eligible[fields["corrects_version"] % len(eligible)]
        fields["corrects_version"] = target.version
        fields["changes"] = CORRECTIONS.get(
            target.code, {"occurred_on": target.occurred_on - timedelta(days=1)})
        fields["reason"] = "erreur de saisie"
    return fields


def direct_figures(states, day: date):
    """The statistics computed straight from the aggregates' states, as of a business date."""
    population = [s for s in states if s.identified_on <= day]

    def reached(milestone):
        return sum(1 for s in population if milestone(s) is not None and milestone(s) <= day)

    stages = dict.fromkeys(STAGES, 0)
    for s in population:
        stages[s.stage_on(day)] += 1
    exits = [s.exit for s in population if s.exit and s.exit["on"] <= day]
    return {
        "population": len(population),
        "funnel": {
            "identified": len(population),
            "oriented": reached(lambda s: s.first_oriented_on),
            "immersion": reached(lambda s: s.first_immersion_on),
            "hired": reached(lambda s: s.first_hired_on),
            "follow_up_completed": reached(lambda s: s.follow_up_completed_on),
        },
        "stages": stages,
        "day_105_past": reached(lambda s: min((h["day_105_on"] for h in s.hires), default=None)),
        "exits": len(exits),
        "positive_exits": sum(1 for e in exits if e["outcome"] in POSITIVE_OUTCOMES),
    }


@pytest.mark.slow  # (the longest test: started first, see conftest)
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(intents=intents, as_of_offset=st.integers(0, 400), data=st.data())
def test_incremental_equals_rebuild_equals_direct(tmp_path_factory, stores, intents, as_of_offset,
                                                   data):
    clock = FixedClock(START)
    with stores.system(tmp_path_factory.mktemp("var"), clock) as system:
        people = _check_histories(system, clock, intents, as_of_offset, data)
        histories = {pid: _versions(system, pid) for pid in people}
        # the moment a step was recorded (the figures include it), or just before
        recorded = data.draw(st.sampled_from(sorted({p.modified_on for v in histories.values() for p in v})))
        moment = recorded - data.draw(st.sampled_from([timedelta(0), timedelta(microseconds=1)]))
        _check_known_at(system, clock, histories, moment)


def _versions(system, pid) -> list:
    """Every version of a pathway, from its events (corrections included as recorded)."""
    return [system.app.get_pathway(pid, version)
            for version in range(1, system.app.get_pathway(pid).version + 1)]


def _check_known_at(system, clock, histories: dict, moment: datetime):
    """The statistics known at `moment` are those of each pathway's last version recorded by
    then (pathways recorded later left out)."""
    states = [known[-1].state for known in
              ([p for p in versions if p.modified_on <= moment] for versions in histories.values())
              if known]
    figures = compute_statistics(system.engine, StatisticsQuery(known_at=moment), clock.today())
    expected = direct_figures(states, clock.today())
    assert figures["population"] == expected["population"]
    assert figures["funnel"] == expected["funnel"]
    assert figures["stages"] == expected["stages"]
    assert sum(figures["exits"].values()) == expected["exits"]
    _check_known_cells(system, clock.today(), moment)


def _check_known_cells(system, today: date, moment: datetime):
    """The known cells (kept step by step, equal to the rebuilt ones: the replay check compares
    them) give the very documents the direct computation over the versions does, at the
    moment, at the start and at the end of its day, whole, by group, by territory and for a
    group or a territory (another one's included). (Just before the moment is drawn by the
    test itself as the moment; a noon and the next day's start took half this test's time and
    found nothing the three others do not.)"""
    queries = [StatisticsQuery(), StatisticsQuery(by="group"), StatisticsQuery(by="territory"),
               StatisticsQuery(group_id="another-group", by="territory")]
    with system.engine.connect() as conn:
        for group, territory in conn.execute(select(groups.c.id, groups.c.territory_id)):
            queries += [StatisticsQuery(group_id=group), StatisticsQuery(territory_id=territory, by="group")]
    start = datetime.combine(moment.astimezone(UTC).date(), datetime.min.time(), UTC)
    for at in (moment, start, start + timedelta(days=1) - timedelta(microseconds=1)):
        for query in queries:
            asked = replace(query, known_at=at)
            if not known_cells_answer(asked, today):
                continue
            direct = direct_statistics(system.engine, asked, today)
            # (the day's changes read up to the moment, or after it; what came before the
            # moment, or today's figures less what came after it: the four ways at the moment
            # itself, the two halves of the day at the others)
            ways = ((False, False), (True, False), (False, True), (True, True)) if at == moment \
                else ((False, True), (True, False))
            for whole_day, after in ways:
                with patch.object(statistics, "_reads_the_whole_day", lambda _moment, w=whole_day: w), \
                        patch.object(statistics, "_reads_what_came_after", lambda _m, _t, a=after: a):
                    assert known_cells_statistics(system.engine, asked, today) == direct, (asked, today)


def _check_cells(system, group, *days):
    """The statistics cells kept step by step (equal to the rebuilt ones: the replay check
    compares them) give the very documents the direct computation does, whatever the day,
    today's or as of a past one (before anyone was identified, far back, after the last
    step): whole, by group, by territory, for the group, for its territory, for another group."""
    queries = [StatisticsQuery(), StatisticsQuery(by="group"), StatisticsQuery(by="territory"),
               StatisticsQuery(group_id=group["id"]), StatisticsQuery(territory_id=group["territory_id"]),
               StatisticsQuery(group_id="another-group", by="territory")]
    today = days[0]
    for day in (*days, START - timedelta(days=400), START - timedelta(days=1), START,
                days[0] + timedelta(days=120)):
        for query in queries:
            assert cells_statistics(system.engine, query, day) == direct_statistics(
                system.engine, query, day), (query, day)
            past = replace(query, as_of=day)
            assert cells_statistics(system.engine, past, today) == direct_statistics(
                system.engine, past, today), (past, today)


def _check_histories(system, clock, intents, as_of_offset, data):
    territory = system.reference.add_territory("Cité de l'emploi")
    group = system.reference.add_group(territory["id"], "Diplômés", target_per_year=20)
    referent = Referent(system, group["id"])
    clock.advance(6)  # identified two days apart: some are in the population on a day, some not
    people = [referent.identifies(START + timedelta(days=2 * n)) for n in range(4)]
    for who, code, advance, data in intents:
        clock.advance(advance)
        pathway = system.app.get_pathway(people[who])
        fields = _fields(code, data, clock.current, pathway)
        if fields is None:
            continue
        try:
            referent.logs(people[who], code, clock.current, **fields)
            event(f"accepted {code}")
        except DomainError:
            pass  # an intent the rules refuse: nothing was written

    # replayed in two processes, each its half of the pathways: the same rows as incrementally
    report = replay_check(system.app, system.engine, partitions=2)
    assert report["ok"], report["differences"]
    # the day a step happened and the day before it (a stage entered, or not yet)
    step_day = data.draw(st.sampled_from(sorted(
        {s.occurred_on for pid in people for s in system.app.get_pathway(pid).steps})))
    _check_cells(system, group, clock.current, START + timedelta(days=as_of_offset),
                 step_day, step_day - timedelta(days=1))

    states = [system.app.get_pathway(pid).state for pid in people]
    for day in (clock.current, START + timedelta(days=as_of_offset)):
        figures = compute_statistics(
            system.engine, StatisticsQuery(as_of=day), clock.today()
        )
        expected = direct_figures(states, day)
        for by in ("sex", "cohort_month"):  # a breakdown is a partition: same totals
            split = compute_statistics(system.engine, StatisticsQuery(as_of=day, by=by), clock.today())
            assert {k: split[k] for k in ("population", "funnel", "rates", "stages", "exits")} == {
                k: figures[k] for k in ("population", "funnel", "rates", "stages", "exits")}
            assert sum(b["population"] for b in split["breakdown"]) == figures["population"]
        assert figures["population"] == expected["population"]
        assert figures["funnel"] == expected["funnel"]
        assert figures["stages"] == expected["stages"]
        assert sum(figures["exits"].values()) == expected["exits"]
        if expected["exits"]:
            assert figures["rates"]["positive_exit"] == round(
                expected["positive_exits"] / expected["exits"], 4)
        if expected["day_105_past"]:
            assert figures["rates"]["retention_15_weeks"] == round(
                expected["funnel"]["follow_up_completed"] / expected["day_105_past"], 4)
    return people
