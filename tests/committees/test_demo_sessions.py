"""The demo's committee life: monthly sessions per group with decisions and closed minutes,
the coming one left open; reasons state their figure."""

from casecommittee.demo import generate
from casecommittee.demo_sessions import generate_sessions
from casecommittee.queries.session_documents import agenda_document
from casecommittee.queries.sessions import sessions_page
from casecommittee.stores.reference import groups


def test_each_group_has_its_monthly_sessions_decided_and_closed(system):
    for _pathway in generate(system.app, system.reference, system.personal_data, people=60, years=1):
        pass
    system.projections.catch_up()
    count = generate_sessions(system, years=1)
    group_ids = [g["id"] for g in system.reference.rows(groups)]
    sessions = sessions_page(system.engine, group_ids, limit=500)
    assert len(sessions) == count == 3 * 14  # 13 months of the year gone by and the coming one
    past = [s for s in sessions if s["held_on"] <= system.clock.today()]
    assert all(s["status"] == "closed" for s in past)
    assert [s["status"] for s in sessions if s["held_on"] > system.clock.today()] == ["scheduled"] * 3
    assert sum(s["decision_count"] for s in past) > len(past)
    minutes = agenda_document(system, system.app.get_committee(past[-1]["id"]), lambda pid, c: pid)
    assert minutes["attendance"] and any(item["decision"] for item in minutes["items"])
    stalled = [label for item in minutes["items"] for label in item["reason_labels"]
               if label.startswith("aucune étape")]
    assert all(label.split()[-2].isdigit() for label in stalled)
