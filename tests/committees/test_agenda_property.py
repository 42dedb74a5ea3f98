"""Property: the agenda never lists a pathway outside its group, and lists every pathway of the
group that has a reason — reasons recomputed here straight from the aggregates' states."""

from datetime import date, timedelta

from committee_people import identify, log
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casecommittee.clock import FixedClock
from casecommittee.domain.errors import DomainError
from casecommittee.domain.rules import follow_up_calendar
from casecommittee.queries.agenda import agenda_inputs

START = date(2026, 1, 5)
STEPS = {
    "oriented": {"scheme": "CEJ"},
    "committee_referral": {"reason": "à étudier"},
    "immersion_started": {"host": {"name": "EHPAD"}, "hours_per_week": 30, "objective": "confirm"},
    "immersion_ended": {"status": "completed", "led_to_hire": False},
    "hired": {"employer": {"name": "Alstom"}, "contract_type": "cdi", "weekly_hours": 35},
    "follow_up_contact": {"contacted": "employer", "status": "difficulty"},
    "rupture": {"scope": "pathway", "kind": "abandon", "initiated_by": "beneficiary"},
    "exited": {"outcome": "moved_away"},
}


def expected_reasons(state, on: date, since: date, stalled_after: int) -> bool:
    """Does this pathway need the committee on `on`? (an independent reading of docs/domain.md)"""
    if state.stage == "exited":
        return False
    follow_up = state.follow_up if state.stage == "employed" else None
    overdue = False
    if follow_up:
        calendar = follow_up_calendar(follow_up["hired_on"], [c["on"] for c in follow_up["contacts"]], False)
        overdue = any(c.kind == "contact" and c.is_overdue(on) for c in calendar)
    difficulty = bool(follow_up and follow_up["contacts"] and follow_up["contacts"][-1]["status"] != "fine")
    return any((
        state.stage == "identified" and state.first_oriented_on is None,
        state.referral is not None,
        any(since < r["on"] <= on for r in state.ruptures),
        state.awaiting_next_step_since is not None and state.stage != "in_immersion",
        follow_up is not None and (difficulty or overdue),
        follow_up is not None and follow_up["hired_on"] + timedelta(days=105) <= on,
        state.stage != "follow_up_completed" and state.last_event_on < on - timedelta(days=stalled_after),
    ))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(intents=st.lists(st.tuples(st.integers(0, 5), st.sampled_from(sorted(STEPS)), st.integers(0, 25)),
                        max_size=30),
       session_offset=st.integers(0, 90))
def test_agenda_lists_exactly_the_groups_pathways_with_a_reason(tmp_path_factory, stores, intents,
                                                                session_offset):
    clock = FixedClock(START)
    with stores.system(tmp_path_factory.mktemp("v"), clock) as system:
        territory = system.reference.add_territory("Cité")
        groups = [system.reference.add_group(territory["id"], name, 30)["id"] for name in ("A", "B")]
        user = system.reference.add_user("Référent", "referent", territory["id"], groups)
        people = [identify(system, user, groups[n % 2], START) for n in range(6)]
        for who, code, advance in intents:
            clock.advance(advance)
            fields = dict(STEPS[code])
            if code == "immersion_started":
                fields["ends_on"] = clock.today() + timedelta(days=10)
            try:
                log(system, user, people[who], code, clock.today(), **fields)
            except DomainError:
                pass
        on = clock.today() + timedelta(days=session_offset)
        since = on - timedelta(days=31)
        listed = {item.pathway_id for item in agenda_inputs(system.engine, groups[0], on, since=since)}
        states = {str(pid): system.app.get_pathway(pid).state for pid in people}
        assert all(states[pid].group_id == groups[0] for pid in listed)
        wanted = {pid for pid, state in states.items()
                  if state.group_id == groups[0] and expected_reasons(state, on, since, 45)}
        assert listed == wanted
