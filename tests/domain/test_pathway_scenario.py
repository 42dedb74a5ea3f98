"""Un parcours complet : repérage par un club sportif, comité d'orientation, PMSMP, apprentissage,
suivi 15 semaines validé, sortie positive.

The référente logs every step through the application, often a few days after it happened; the
clock moves forward with her, so no business date is ever in the future.
"""

from datetime import date, timedelta

from casecommittee.domain.rules import follow_up_calendar, outcome_is_positive, suggested_outcome


def test_jeune_repere_par_un_club_sportif_jusqu_a_la_sortie_positive(
    system, clock, identify, log, referent, copilot, pmsmp, apprenticeship, app_without_snapshots
):
    """Yanis, 19, is sent by his football club; the committee orients him to the CEJ, a two-week
    PMSMP at a bakery turns into an apprenticeship, the 15-week follow-up is validated and he
    leaves the Cité's support in employment."""
    app = system.app
    expected: list[tuple[str, date, date, str]] = []  # code, business date, recorded day, role

    def logged(code, occurred_on, *, recorded_on, actor=referent, stage, **fields):
        clock.current = recorded_on
        pathway = log(pathway_id, code, occurred_on, actor=actor, **fields)
        expected.append((code, occurred_on, recorded_on, actor["role"]))
        assert pathway.state.stage == stage, code
        assert app.get_pathway(pathway_id).state == pathway.state
        return pathway

    # Repérage: the club's educator sends him to the Mission locale's permanence.
    clock.current = date(2025, 9, 9)
    pathway = identify(date(2025, 9, 8), channel="partner_referral")
    pathway_id = pathway.id
    expected.append(("identified", date(2025, 9, 8), date(2025, 9, 9), "referent"))
    assert pathway.state.stage == "identified"
    assert pathway.state.identified_by_structure_id == "asm-belfort-football"
    assert pathway.state.age_bracket == "18_25"

    logged("referent_assigned", date(2025, 9, 10), recorded_on=date(2025, 9, 10),
           stage="identified", referent_id=referent["user_id"], structure_id="mission-locale-belfort")
    logged("committee_referral", date(2025, 9, 12), recorded_on=date(2025, 9, 12),
           stage="identified", reason="décrocheur sans qualification, projet à construire")

    # Comité d'orientation of 2 October, logged by the co-pilote four days later.
    pathway = logged(
        "oriented", date(2025, 10, 2), recorded_on=date(2025, 10, 6), actor=copilot,
        stage="oriented", scheme="Contrat d'engagement jeune (CEJ)",
        structure_id="mission-locale-belfort", referent_id=referent["user_id"],
        committee_session_id="comite-orientation-jeunes-2025-10",
    )
    assert pathway.state.orientation["decided_by"] == "committee"
    assert pathway.state.referral is None

    # PMSMP of two weeks at the bakery, 35 h a week, to start a recruitment.
    pathway = logged("immersion_started", date(2025, 10, 13), recorded_on=date(2025, 10, 13),
                     stage="in_immersion", **pmsmp(date(2025, 10, 24), objective="recruit"))
    assert pathway.state.immersion["objective"] == "recruit"
    pathway = logged("immersion_ended", date(2025, 10, 24), recorded_on=date(2025, 10, 27),
                     stage="oriented", status="completed", led_to_hire=True)
    assert pathway.state.immersions[-1]["status"] == "completed"

    # Embauche en apprentissage: the 15-week follow-up opens.
    hired_on = date(2025, 11, 3)
    pathway = logged("hired", hired_on, recorded_on=date(2025, 11, 4), stage="employed",
                     **apprenticeship())
    assert pathway.state.follow_up == {"hired_on": hired_on, "contacts": [], "completed_on": None}
    assert pathway.state.hires[-1]["day_105_on"] == date(2026, 2, 16)

    # Points de suivi around weeks 1, 4, 8 and 12: the person, the tutor, the employer.
    for week, contacted, status in (
        (1, "beneficiary", "fine"), (4, "tutor", "difficulty"),
        (8, "employer", "fine"), (12, "beneficiary", "fine"),
    ):
        on = hired_on + timedelta(weeks=week)
        logged("follow_up_contact", on, recorded_on=on + timedelta(days=1), stage="employed",
               contacted=contacted, status=status, note=f"point semaine {week}")

    # Validation at day 105, then the exit.
    pathway = logged("follow_up_completed", hired_on + timedelta(days=105),
                     recorded_on=date(2026, 2, 17), stage="follow_up_completed",
                     still_employed=True)
    state = pathway.state
    contacts = [c["on"] for c in state.follow_up["contacts"]]
    assert all(c.done for c in follow_up_calendar(hired_on, contacts, completed=True))
    outcome = suggested_outcome("apprenticeship", None)
    pathway = logged("exited", date(2026, 3, 2), recorded_on=date(2026, 3, 2), stage="exited",
                     outcome=outcome)
    assert outcome_is_positive(pathway.state.exit["outcome"])

    # The history: both dates and the actor of every step, in the order they were logged.
    history = app.history(pathway_id)
    assert [(s.code, s.occurred_on, s.recorded_at.date(), s.actor["role"]) for s in history] == expected
    assert [s.version for s in history] == list(range(1, 14))
    assert history[3].actor == copilot
    assert all(s.actor == referent for s in history if s.code != "oriented")
    assert all(s.recorded_at.date() >= s.occurred_on for s in history)

    # The milestones the statistics read.
    state = pathway.state
    assert (state.first_oriented_on, state.first_immersion_on, state.first_hired_on) == (
        date(2025, 10, 2), date(2025, 10, 13), hired_on)
    assert state.follow_up_completed_on == date(2026, 2, 16)
    assert state.ruptures == []
    assert state.version == 13

    # Reloading from the store, with the snapshot taken at version 10 or without any snapshot.
    assert [s.originator_version for s in app.snapshots.get(pathway_id)] == [10]
    reloaded = app.get_pathway(pathway_id)
    assert reloaded.state == pathway.state
    assert reloaded.steps == pathway.steps
    replayed = app_without_snapshots.get_pathway(pathway_id)
    assert replayed.state == pathway.state
    assert replayed.steps == pathway.steps
