"""What the comité d'orientation must look at: each of the seven reasons, most urgent first."""

from datetime import date, timedelta

from casecommittee.queries.agenda import agenda_inputs

SESSION = date(2026, 6, 30)
LAST_SESSION = date(2026, 5, 29)


def agenda(system, territory, **kwargs):
    items = agenda_inputs(system.engine, territory["group_id"], SESSION, since=LAST_SESSION, **kwargs)
    return {item.pathway_id: item for item in items}, items


def test_each_reason_brings_a_pathway_to_the_committee(system, territory, referent):
    new = referent.identifies(date(2026, 6, 10))
    referred = referent.identifies(date(2026, 6, 1))
    referent.orients(referred, date(2026, 6, 2))
    referent.logs(referred, "committee_referral", date(2026, 6, 20), reason="projet à confirmer")
    broke = referent.identifies(date(2026, 5, 1))
    referent.orients(broke, date(2026, 5, 5))
    referent.logs(broke, "rupture", date(2026, 6, 15), scope="pathway", kind="abandon",
                  initiated_by="beneficiary")
    immersion = referent.identifies(date(2026, 5, 1))
    referent.orients(immersion, date(2026, 5, 4))
    referent.logs(immersion, "immersion_started", date(2026, 6, 1), host={"name": "EHPAD"},
                  ends_on=date(2026, 6, 14), hours_per_week=35, objective="confirm")
    referent.logs(immersion, "immersion_ended", date(2026, 6, 14), status="completed",
                  led_to_hire=False)
    difficulty = referent.identifies(date(2026, 5, 1))
    referent.hires(difficulty, date(2026, 6, 1))
    referent.logs(difficulty, "follow_up_contact", date(2026, 6, 8), contacted="employer",
                  status="difficulty")
    overdue = referent.identifies(date(2026, 3, 1))
    referent.hires(overdue, date(2026, 5, 25))  # week-1 contact due 1 June, overdue after 8 June
    due = referent.identifies(date(2026, 1, 5))
    referent.hires(due, date(2026, 3, 9))
    for week in (1, 4, 8, 12):
        referent.logs(due, "follow_up_contact", date(2026, 3, 9) + timedelta(weeks=week),
                      contacted="beneficiary", status="fine")
    stalled = referent.identifies(date(2026, 1, 5))
    referent.orients(stalled, date(2026, 1, 20))

    by_id, ordered = agenda(system, territory)

    reasons = {pid: by_id[str(pid)].reasons for pid in
               (new, referred, broke, immersion, difficulty, overdue, due, stalled)}
    assert reasons[new] == ("not_yet_oriented",)
    assert by_id[str(new)].details["not_yet_oriented"] == "new"
    assert reasons[referred] == ("committee_referral",)
    assert reasons[broke] == ("rupture_since_last_session",)
    assert reasons[immersion] == ("immersion_ended_without_next_step",)
    assert reasons[difficulty] == ("follow_up_attention",)
    assert reasons[overdue] == ("follow_up_attention",)
    assert by_id[str(overdue)].details["follow_up_attention"] == "overdue"
    assert reasons[due] == ("validation_due",)
    assert reasons[stalled] == ("stalled",)
    assert [item.urgency for item in ordered] == sorted(item.urgency for item in ordered)


def test_the_stalled_threshold_is_the_groups_setting(system, territory, referent):
    pid = referent.identifies(date(2026, 5, 1))
    referent.orients(pid, date(2026, 5, 20))  # 41 days without a step on 30 June
    assert str(pid) not in agenda(system, territory)[0]
    assert agenda(system, territory, stalled_after_days=30)[0][str(pid)].reasons == ("stalled",)


def test_exited_and_quiet_pathways_stay_off_the_agenda(system, territory, referent):
    gone = referent.identifies(date(2026, 6, 1))
    referent.logs(gone, "exited", date(2026, 6, 2), outcome="moved_away")
    fine = referent.identifies(date(2026, 6, 1))
    referent.orients(fine, date(2026, 6, 10))
    by_id, _ = agenda(system, territory)
    assert str(gone) not in by_id and str(fine) not in by_id
