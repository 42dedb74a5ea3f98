"""A whole committee month: referents log steps, the draft agenda is announced 7 days before,
the co-pilots decide, the pathways show the orientations, the minutes list them."""

from datetime import date, timedelta

import pytest
from committee_people import actor, identify, log

from casecommittee.domain.errors import CommitteeRuleBroken
from casecommittee.jobs import run_once
from casecommittee.queries.notifications import for_user
from casecommittee.queries.session_documents import agenda_document


def label(pairs: list[tuple[str, bool]]) -> list[str]:
    return [f"nom:{pathway_id[:4]}" if consent else f"pseudo:{pathway_id[:4]}"
            for pathway_id, consent in pairs]


def test_a_committee_month(system, cite, clock):
    group, copilot, referent = cite["group"]["id"], cite["copilot"], cite["referent"]
    clock.current = date(2026, 6, 1)
    session = system.app.schedule_committee(group_id=group, kind="orientation",
                                            held_on=date(2026, 6, 26), actor=actor(copilot))
    clock.current = date(2026, 6, 12)
    waiting = identify(system, referent, group, date(2026, 6, 2))
    private = identify(system, referent, group, date(2026, 6, 3), consent=False)
    referred = identify(system, referent, group, date(2026, 6, 4))
    log(system, referent, referred, "oriented", date(2026, 6, 5), scheme="E2C")
    log(system, referent, referred, "committee_referral", date(2026, 6, 10), reason="projet flou")
    elsewhere = identify(system, referent, cite["other_group"]["id"], date(2026, 6, 4))

    # a week before the session, the co-pilot is told the draft agenda is ready
    clock.current = date(2026, 6, 18)
    assert run_once(system, "agenda_drafts", clock.today()) == "0 action(s)"
    clock.current = date(2026, 6, 19)
    assert run_once(system, "agenda_drafts", clock.today()) == "1 action(s)"
    assert run_once(system, "agenda_drafts", clock.today()) is None  # never twice the same day
    [draft] = for_user(system.engine, copilot["id"])
    assert draft["kind"] == "agenda_draft" and "3 situation(s)" in draft["body"]

    document = agenda_document(system, system.app.get_committee(session.id), label)
    items = {item["pathway_id"]: item for item in document["items"]}
    assert set(items) == {str(waiting), str(private), str(referred)}
    assert str(elsewhere) not in items
    assert items[str(private)]["label"].startswith("pseudo:")
    assert items[str(waiting)]["label"].startswith("nom:")
    assert items[str(referred)]["reasons"] == ["committee_referral"]
    assert document["items"][0]["reasons"][0] == "not_yet_oriented"

    # decisions can't be taken before the session is held, whatever they are
    for early in ({"decision": "orient", "orientation": {"scheme": "CEJ"}}, {"decision": "continue"}):
        with pytest.raises(CommitteeRuleBroken) as refused:
            system.app.record_decision(session.id, pathway_id=waiting, actor=actor(copilot), **early)
        assert refused.value.field == "decision" and "pas encore eu lieu" in refused.value.message
    clock.current = date(2026, 6, 26)
    system.app.record_decision(session.id, pathway_id=waiting, decision="orient",
                               orientation={"scheme": "Contrat d'engagement jeune (CEJ)"},
                               note="CEJ à la Mission locale", actor=actor(copilot))
    system.app.record_decision(session.id, pathway_id=referred, decision="continue",
                               note="poursuite E2C", actor=actor(copilot))
    system.app.record_decision(session.id, pathway_id=private, decision="postpone",
                               actor=actor(copilot))
    with pytest.raises(CommitteeRuleBroken):
        system.app.record_decision(session.id, pathway_id=elsewhere, decision="continue",
                                   actor=actor(copilot))

    oriented = system.app.get_pathway(waiting)
    assert oriented.state.stage == "oriented"
    assert oriented.state.orientation["committee_session_id"] == str(session.id)
    assert oriented.state.orientation["decided_by"] == "committee"
    assert oriented.steps[-1].actor["user_id"] == copilot["id"]

    live = agenda_document(system, system.app.get_committee(session.id), label)
    system.app.close_committee(session.id, agenda=[
        {k: v for k, v in item.items() if k not in ("label", "decision")} for item in live["items"]
    ], attendance=["Mission locale", "Unis-Cité"], actor=actor(copilot))

    minutes = agenda_document(system, system.app.get_committee(session.id), label)
    assert minutes["status"] == "closed" and minutes["attendance"] == ["Mission locale", "Unis-Cité"]
    decisions = {item["pathway_id"]: item["decision"]["decision"] for item in minutes["items"]}
    assert decisions == {str(waiting): "orient", str(referred): "continue", str(private): "postpone"}
    with pytest.raises(CommitteeRuleBroken):
        system.app.record_decision(session.id, pathway_id=referred, decision="close",
                                   actor=actor(copilot))

    # next month: the referral was treated, the postponed person comes back
    clock.current = date(2026, 7, 20)
    following = system.app.schedule_committee(group_id=group, kind="orientation",
                                              held_on=date(2026, 7, 24), actor=actor(copilot))
    next_items = {i["pathway_id"]: i for i in
                  agenda_document(system, system.app.get_committee(following.id), label)["items"]}
    assert str(referred) not in next_items
    assert str(private) in next_items
    assert str(waiting) not in next_items
    assert next_items[str(private)]["details"]["not_yet_oriented"] == "still_waiting"


def test_follow_up_reminders_reach_the_referent_once(system, cite, clock):
    group, referent = cite["group"]["id"], cite["referent"]
    clock.current = date(2026, 3, 1)
    pid = identify(system, referent, group, date(2026, 2, 2))
    log(system, referent, pid, "referent_assigned", date(2026, 2, 3), referent_id=referent["id"])
    log(system, referent, pid, "hired", date(2026, 3, 1), employer={"name": "Alstom"},
        contract_type="cdi", weekly_hours=35)
    clock.current = date(2026, 3, 5)  # week-1 contact due on 8 March
    assert run_once(system, "follow_up_reminders", clock.today()) == "1 action(s)"
    clock.current = date(2026, 3, 16)  # still not logged 7 days after: overdue
    assert run_once(system, "follow_up_reminders", clock.today()) == "1 action(s)"
    kinds = [n["kind"] for n in for_user(system.engine, referent["id"])]
    assert sorted(kinds) == ["follow_up_due", "follow_up_overdue"]
    clock.current = date(2026, 3, 1) + timedelta(days=103)
    log(system, referent, pid, "follow_up_contact", date(2026, 3, 17), contacted="beneficiary",
        status="fine")
    run_once(system, "follow_up_reminders", clock.today())
    assert "validation_due" in [n["kind"] for n in for_user(system.engine, referent["id"])]


def test_a_missed_day_is_caught_up_on_start(system, cite, clock):
    from casecommittee.jobs import catch_up_missed

    clock.current = date(2026, 3, 2)
    ran = catch_up_missed(system)  # the FixedClock's noon is past the 6 o'clock jobs
    assert set(ran) == {"follow_up_reminders", "agenda_drafts", "stalled_pathways", "nightly_replay_check",
                        "retention_deadlines", "expired_digest_keys"}
    assert all(outcome is not None for outcome in ran.values())
    assert all(outcome is None for outcome in catch_up_missed(system).values())
