"""Statistics on small cohorts computed by hand: the figures a steering committee reads."""

from datetime import UTC, date, datetime

from casecommittee.queries.statistics import StatisticsQuery, compute_statistics


def stats(system, **query):
    return compute_statistics(system.engine, StatisticsQuery(**query), system.clock.today())


def test_ten_people_six_oriented_three_hired_one_rupture_in_week_six(system, territory, referent, clock):
    """10 identified, 6 oriented, 3 hired; one breaks the contract in week 6, two reach week 15."""
    clock.current = date(2026, 6, 30)
    people = [referent.identifies(date(2026, 1, 5 + n)) for n in range(10)]
    for n, pid in enumerate(people[:6]):
        referent.orients(pid, date(2026, 1, 20 + n))
    hired_on = date(2026, 2, 2)
    for pid in people[:3]:
        referent.hires(pid, hired_on)
    referent.logs(people[2], "rupture", date(2026, 3, 13), scope="job", kind="trial_period",
                  initiated_by="employer")
    for pid in people[:2]:
        referent.validates_follow_up(pid, hired_on)
    referent.logs(people[0], "exited", date(2026, 6, 1), outcome="sustainable_employment")
    referent.logs(people[9], "exited", date(2026, 3, 1), outcome="moved_away")

    figures = stats(system, group_id=territory["group_id"])

    assert figures["population"] == 10
    assert figures["funnel"] == {"identified": 10, "oriented": 6, "immersion": 0, "hired": 3,
                                 "follow_up_completed": 2}
    assert figures["rates"]["orientation"] == 0.6
    assert figures["rates"]["hiring"] == 0.3
    assert figures["rates"]["retention_15_weeks"] == round(2 / 3, 4)
    assert figures["rates"]["rupture"] == 0.1
    assert figures["rates"]["positive_exit"] == 0.5
    assert figures["ruptures_by_stage"]["employed"] == 1
    assert figures["stages"] == {"identified": 3, "oriented": 3, "in_immersion": 0, "employed": 0,
                                 "follow_up_completed": 1, "interrupted": 1, "exited": 2}
    assert figures["exits"] == {"sustainable_employment": 1, "moved_away": 1}
    # identification on 5..10 January, orientation on 20..25 January: 15 days each
    assert figures["median_days"]["to_orientation"] == 15
    assert figures["median_days"]["to_first_hire"] == 27  # 2 Feb minus 5, 6, 7 Jan → 28, 27, 26
    assert figures["target"] == {"per_year": 60, "year": 2026, "identified_this_year": 10}


def test_retention_counts_only_hires_whose_day_105_is_past(system, territory, referent, clock):
    """A hire on 1 June is not yet at day 105 on 30 June: it is not in the denominator."""
    early, late = referent.identifies(date(2026, 1, 5)), referent.identifies(date(2026, 1, 6))
    referent.hires(early, date(2026, 2, 2))
    referent.hires(late, date(2026, 6, 1))
    referent.validates_follow_up(early, date(2026, 2, 2))
    assert stats(system)["rates"]["retention_15_weeks"] == 1.0


def test_as_of_a_business_date_counts_what_had_happened_by_then(system, territory, referent):
    pid = referent.identifies(date(2026, 1, 5))
    referent.orients(pid, date(2026, 3, 1))
    other = referent.identifies(date(2026, 4, 1))

    february = stats(system, as_of=date(2026, 2, 1))
    assert february["population"] == 1
    assert february["funnel"]["oriented"] == 0
    assert february["stages"]["identified"] == 1
    march = stats(system, as_of=date(2026, 3, 15))
    assert march["funnel"]["oriented"] == 1 and march["stages"]["oriented"] == 1
    assert other  # identified later, outside both dates


def test_known_at_shows_what_the_steering_committee_saw_before_late_entries(
    system, territory, referent, clock
):
    """An orientation logged late, and a correction, count only from when they were recorded."""
    clock.current = date(2026, 2, 1)
    pid = referent.identifies(date(2026, 1, 5))
    referent.hires(pid, date(2026, 1, 20), contract_type="cdd", months=3)
    steering_day = datetime(2026, 2, 2, 18, 0, tzinfo=UTC)

    clock.current = date(2026, 2, 10)
    late = referent.identifies(date(2026, 1, 15))  # logged on 10 February, happened in January
    referent.logs(pid, "corrected", date(2026, 2, 10), corrects_version=2,
                  changes={"contract_type": "cdi", "contract_months": None}, reason="erreur de saisie")

    as_seen = stats(system, as_of=date(2026, 1, 31), known_at=steering_day)
    assert as_seen["population"] == 1
    assert as_seen["funnel"]["hired"] == 1
    now_known = stats(system, as_of=date(2026, 1, 31))
    assert now_known["population"] == 2
    assert late is not None


def test_a_correction_counts_from_the_time_it_was_recorded(system, territory, referent, clock):
    """An exit outcome corrected after the steering committee: the committee's figures stand."""
    clock.current = date(2026, 3, 1)
    pid = referent.identifies(date(2026, 1, 5))
    referent.logs(pid, "exited", date(2026, 2, 1), outcome="moved_away")
    steering_day = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
    clock.current = date(2026, 3, 10)
    referent.logs(pid, "corrected", date(2026, 3, 10), corrects_version=2,
                  changes={"outcome": "qualifying_training"}, reason="entrée en formation qualifiante")

    assert stats(system, known_at=steering_day)["exits"] == {"moved_away": 1}
    assert stats(system, known_at=steering_day)["rates"]["positive_exit"] == 0.0
    assert stats(system)["exits"] == {"qualifying_training": 1}
    assert stats(system)["rates"]["positive_exit"] == 1.0


def test_breakdown_by_flag_counts_a_person_under_each_of_their_flags(system, territory, referent):
    referent.identifies(date(2026, 1, 5), flags=["rsa", "single_parent"])
    referent.identifies(date(2026, 1, 6), flags=["rsa"])
    by_flag = {b["key"]: b["population"] for b in stats(system, by="flag")["breakdown"]}
    assert by_flag == {"rqth": 0, "single_parent": 1, "refugee": 0, "rsa": 2}


def test_breakdown_by_cohort_quarter(system, territory, referent):
    referent.identifies(date(2026, 1, 5))
    referent.identifies(date(2026, 4, 6))
    referent.identifies(date(2026, 5, 6))
    by_quarter = {b["key"]: b["population"] for b in stats(system, by="cohort_quarter")["breakdown"]}
    assert by_quarter == {"2026-Q1": 1, "2026-Q2": 2}


def test_rates_are_null_when_nobody_is_in_the_denominator(system, territory):
    figures = stats(system, group_id=territory["group_id"])
    assert figures["population"] == 0
    assert all(rate is None for rate in figures["rates"].values())


def test_cached_figures_follow_every_new_event(system, territory, referent):
    """A dashboard asking again gets the same figures until a step is projected."""
    from casecommittee.queries.statistics import StatisticsCache

    cache = StatisticsCache()
    pid = referent.identifies(date(2026, 1, 5))

    def figures():
        return cache.get(system.engine, StatisticsQuery(), system.clock.today(),
                         system.projections.position())

    first = figures()
    assert figures() is first and first["funnel"]["oriented"] == 0
    referent.orients(pid, date(2026, 1, 20))
    assert figures()["funnel"]["oriented"] == 1
