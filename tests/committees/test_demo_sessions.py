"""The demo's committee life: monthly sessions per group with decisions and closed minutes,
the coming one left open, a comité de pilotage per quarter; most first orientations are the
decisions of the group's session, visible on the pathway; reasons state their figure."""

from casecommittee.demo import generate
from casecommittee.demo_sessions import CommitteeCalendar, generate_sessions
from casecommittee.queries.session_documents import agenda_document
from casecommittee.queries.sessions import sessions_page
from casecommittee.stores.reference import groups


def _demo(system, years=1):
    calendar = CommitteeCalendar(system.clock.today(), years)
    saved = list(generate(system.app, system.reference, system.personal_data, people=60,
                          years=years, committees=calendar))
    system.projections.catch_up()
    return saved, calendar, generate_sessions(system, years=years, calendar=calendar)


def test_each_group_has_its_monthly_sessions_decided_and_closed(system):
    _saved, _calendar, count = _demo(system)
    group_ids = [g["id"] for g in system.reference.rows(groups)]
    sessions = sessions_page(system.engine, group_ids, limit=500)
    orientation = [s for s in sessions if s["kind"] == "orientation"]
    assert len(orientation) == 3 * 14  # 13 months of the year gone by and the coming one
    steering = [s for s in sessions if s["kind"] == "steering"]
    # the quarters ended 30/09/2025, 31/12/2025 and 31/03/2026, each reviewed the next month
    assert sorted(str(s["held_on"]) for s in steering) == ["2025-10-09", "2026-01-08", "2026-04-09"]
    assert len(sessions) == count == 3 * 14 + 3
    assert all(s["status"] == "closed" for s in steering)
    past = [s for s in orientation if s["held_on"] <= system.clock.today()]
    assert all(s["status"] == "closed" for s in past)
    assert [s["status"] for s in orientation if s["held_on"] > system.clock.today()] == ["scheduled"] * 3
    assert sum(s["decision_count"] for s in past) > len(past)
    minutes = agenda_document(system, system.app.get_committee(past[-1]["id"]))
    assert minutes["attendance"] and any(item["decision"] for item in minutes["items"])
    stalled = [label for item in minutes["items"] for label in item["reason_labels"]
               if label.startswith("aucune étape")]
    assert all(label.split()[-2].isdigit() for label in stalled)


def test_the_sessions_orientations_are_the_pathways_own_oriented_steps(system):
    saved, calendar, _count = _demo(system)
    by_session = {}
    for pathway in saved:
        for step in system.app.get_pathway(pathway.id).steps:
            if step.code == "oriented" and step.data.get("committee_session_id"):
                by_session.setdefault(step.data["committee_session_id"], []).append((pathway.id, step))
    assert sum(len(found) for found in by_session.values()) >= 10  # most first orientations
    for session_id, found in by_session.items():
        session = system.app.get_committee(session_id)
        assert session.is_closed and session.kind == "orientation"
        minutes = {item["pathway_id"]: item
                   for item in agenda_document(system, session)["items"]}
        for pathway_id, step in found:
            decision = session.decisions[str(pathway_id)]
            assert decision["decision"] == "orient"
            assert decision["orientation"]["scheme"] == step.data["scheme"]
            assert step.occurred_on == session.held_on and step.actor["role"] == "copilot"
            item = minutes[str(pathway_id)]  # on the agenda as the pathway stood that day
            assert item["reasons"] == ["not_yet_oriented"] and item["stage"] == "identified"
    # the coming session's agenda lists the people still waiting for it
    coming = [s for s in sessions_page(system.engine, [g["id"] for g in system.reference.rows(groups)],
                                       limit=500) if s["status"] == "scheduled"]
    waiting = [item for s in coming for item in agenda_document(
        system, system.app.get_committee(s["id"]))["items"]
        if "not_yet_oriented" in item["reasons"]]
    assert waiting
