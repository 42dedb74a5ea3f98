"""Rejouer l'historique : whatever valid sequence of steps a référente logs, the pathway read back
from the store (with the snapshots taken every 10 events, or without any snapshot) is the pathway
she saw in memory, and the derived state is the fold of the history.

Steps are drawn like a référente would log them: only steps that make sense at the current stage,
with business dates moving forward and logged a few days late. A step the domain still refuses
(a PMSMP too long, a validation too early, a correction that breaks a rule…) is skipped, and must
have written nothing.
"""

from dataclasses import replace
from datetime import date, timedelta
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casecommittee.application import CaseCommittee
from casecommittee.clock import FixedClock
from casecommittee.domain.errors import DomainError
from casecommittee.domain.pathway import check_history, derive
from casecommittee.domain.vocabulary import (
    CHANNELS,
    CONTRACT_TYPES,
    CONTRACTS_WITH_LENGTH,
    EXIT_OUTCOMES,
    FOLLOW_UP_CONTACTED,
    FOLLOW_UP_STATUSES,
    IMMERSION_OBJECTIVES,
    IMMERSION_STATUSES,
    RUPTURE_INITIATORS,
)

REFERENTS = (
    {"user_id": "referente-ml-01", "role": "referent", "structure_id": "mission-locale-belfort"},
    {"user_id": "referent-plie-02", "role": "referent", "structure_id": "plie-belfort"},
    {"user_id": "copilote-unis-cite", "role": "copilot", "structure_id": "unis-cite-belfort"},
)
HOSTS = (
    {"name": "Boulangerie du Lion", "siret": "44306184100047"},
    {"name": "EHPAD Les Eparses", "siret": "77556699800012"},
    {"name": "Garage Solidaire du Mont", "siret": None},
)
SCHEMES = ("Contrat d'engagement jeune (CEJ)", "E2C", "Épide", "PLIE", "IAE", "Formation qualifiante")


@pytest.fixture(scope="module")
def store(tmp_path_factory, stores):
    """One store for every drawn pathway, its clock, and a reader without snapshots."""
    clock = FixedClock(date(2024, 1, 1))
    with stores.system(tmp_path_factory.mktemp("replay") / "var", clock) as system:
        without_snapshots = CaseCommittee(
            env=system.settings.event_store_env(), clock=clock, snapshot_interval=0
        )
        assert without_snapshots.snapshots is None
        yield system, clock, without_snapshots
        without_snapshots.close()


def _fields(data: st.DataObject, code: str, state, on: date, steps) -> tuple[date, dict]:
    """The business date and fields of a plausible `code` step on a pathway in `state`."""
    draw = data.draw
    if code == "referent_assigned":
        referent = draw(st.sampled_from(REFERENTS))
        return on, {"referent_id": referent["user_id"], "structure_id": referent["structure_id"]}
    if code == "committee_referral":
        return on, {"reason": draw(st.sampled_from(("rupture à étudier", "projet à construire")))}
    if code == "oriented":
        session = draw(st.sampled_from((None, "comite-orientation-2024-02", "comite-2024-05")))
        return on, {"scheme": draw(st.sampled_from(SCHEMES)), "committee_session_id": session}
    if code == "immersion_started":
        previous = state.immersions[-1] if state.immersions else None
        same = previous is not None and draw(st.booleans())
        host = previous["host"] if same else draw(st.sampled_from(HOSTS))
        return on, {
            "host": dict(host), "ends_on": on + timedelta(days=draw(st.integers(0, 31))),
            "hours_per_week": draw(st.sampled_from((20, 30, 35, 48, 50))),
            "objective": draw(st.sampled_from(IMMERSION_OBJECTIVES)), "renews": same,
        }
    if code == "immersion_ended":
        ends_on = state.immersion["ends_on"]
        on = max(state.immersion["starts_on"], min(on, ends_on + timedelta(days=draw(st.integers(-3, 1)))))
        return on, {"status": draw(st.sampled_from(IMMERSION_STATUSES)),
                    "led_to_hire": draw(st.booleans())}
    if code == "hired":
        contract = draw(st.sampled_from(CONTRACT_TYPES))
        months = draw(st.sampled_from((3, 6, 12))) if contract in CONTRACTS_WITH_LENGTH else None
        return on, {"employer": dict(draw(st.sampled_from(HOSTS))), "contract_type": contract,
                    "contract_months": months, "weekly_hours": draw(st.sampled_from((24, 35)))}
    if code == "follow_up_contact":
        return on, {"contacted": draw(st.sampled_from(FOLLOW_UP_CONTACTED)),
                    "status": draw(st.sampled_from(FOLLOW_UP_STATUSES))}
    if code == "follow_up_completed":
        day = draw(st.integers(100, 115))  # now and then too early: refused
        return max(on, state.follow_up["hired_on"] + timedelta(days=day)), {"still_employed": True}
    if code == "rupture":
        scopes = ["pathway"] + (["job"] if state.job else []) + (["immersion"] if state.immersion else [])
        scope = draw(st.sampled_from(scopes))
        kinds = {"pathway": ("abandon", "lost_contact"),
                 "job": ("trial_period", "resignation", "dismissal", "end_of_contract"),
                 "immersion": ("abandon", "other")}[scope]
        return on, {"scope": scope, "kind": draw(st.sampled_from(kinds)),
                    "initiated_by": draw(st.sampled_from(RUPTURE_INITIATORS))}
    if code == "exited":
        return on, {"outcome": draw(st.sampled_from(EXIT_OUTCOMES))}
    # corrected: a date moved by a few days, or a field retyped
    target = draw(st.sampled_from([s for s in steps if s.code != "corrected"]))
    changes = draw(st.sampled_from(
        [{"occurred_on": target.occurred_on + timedelta(days=draw(st.integers(-5, 5)))}]
        + {"oriented": [{"scheme": "IAE"}], "hired": [{"weekly_hours": 30}],
           "exited": [{"outcome": "other"}], "identified": [{"channel": "event"}],
           "immersion_started": [{"objective": "confirm"}]}.get(target.code, [])))
    return on, {"corrects_version": target.version, "changes": changes, "reason": "erreur de saisie"}


def _candidates(state) -> list[str]:
    """The steps a référente could log at this stage, the usual next steps more often."""
    if state.stage == "exited":
        return ["corrected"]
    codes = ["referent_assigned", "committee_referral", "rupture", "exited", "corrected"]
    if state.stage not in ("in_immersion", "employed"):
        codes += ["oriented", "hired", "hired"]
    codes += ["immersion_ended"] * 3 if state.immersion else ["immersion_started"] * 2
    if state.stage == "employed" and state.follow_up:
        codes += ["follow_up_contact"] * 4 + ["follow_up_completed"] * 2
    return codes


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_un_parcours_relu_depuis_le_stockage_est_celui_vu_en_memoire(store, data):
    system, clock, without_snapshots = store
    app = system.app
    identified_on = date(2024, 1, 1) + timedelta(days=data.draw(st.integers(0, 700), label="day"))
    clock.current = identified_on + timedelta(days=data.draw(st.integers(0, 3)))
    pathway = app.identify(
        actor=REFERENTS[0], occurred_on=identified_on, pathway_id=uuid4(),
        group_id="groupe-jeunes-decrocheurs", channel=data.draw(st.sampled_from(CHANNELS)),
        profile={"sex": data.draw(st.sampled_from(("F", "M", "X"))), "birth_year": 2004,
                 "flags": data.draw(st.lists(st.sampled_from(("rqth", "rsa")), unique=True))},
        consent={"committee_sharing": True, "given_on": identified_on},
    )
    last_on = identified_on
    refusals = 0
    for _ in range(data.draw(st.integers(3, 28), label="steps")):
        state = pathway.state
        code = data.draw(st.sampled_from(_candidates(state)), label="step")
        on = last_on + timedelta(days=data.draw(st.integers(0, 30)))
        on, fields = _fields(data, code, state, on, pathway.steps)
        clock.current = max(clock.current, on + timedelta(days=data.draw(st.integers(0, 7))))
        version = pathway.version
        try:
            pathway = app.log_step(pathway.id, code, actor=data.draw(st.sampled_from(REFERENTS)),
                                   occurred_on=on, **fields)
        except DomainError:
            refusals += 1
            assert app.get_pathway(pathway.id).version == version
            continue
        last_on = max(last_on, on)

    reloaded = app.get_pathway(pathway.id)
    assert reloaded.state == pathway.state
    assert reloaded.steps == pathway.steps
    replayed = without_snapshots.get_pathway(pathway.id)
    assert replayed.state == pathway.state
    assert replayed.steps == pathway.steps
    assert derive(pathway.steps) == pathway.state
    assert pathway.state.version == pathway.version == len(pathway.steps)
    snapshots = [s.originator_version for s in app.snapshots.get(pathway.id)]
    assert snapshots == list(range(10, pathway.version + 1, 10))
    # Every accepted history still passes every rule when replayed, corrections applied.
    # (check_history folds the corrected steps only: its version is the last corrected step's.)
    assert replace(check_history(pathway.steps, clock.today()), version=pathway.version) == pathway.state
    assert pathway.state_as_of(clock.today()) == pathway.state


def test_sans_snapshots_configures_le_parcours_se_rejoue_en_entier(tmp_path, stores, clock):
    """CASECOMMITTEE_SNAPSHOT_INTERVAL=0 switches snapshots off: nothing but events is stored,
    and a long pathway still reads back the same."""
    with stores.system(tmp_path / "var", clock, CASECOMMITTEE_SNAPSHOT_INTERVAL="0") as system:
        assert system.app.snapshots is None
        pathway = system.app.identify(
            actor=REFERENTS[0], occurred_on=date(2026, 1, 5), group_id="groupe-diplomes",
            channel="permanence", profile={"sex": "F", "birth_year": 1999},
            consent={"committee_sharing": True, "given_on": date(2026, 1, 5)},
        )
        for week in range(12):
            pathway = system.app.log_step(
                pathway.id, "committee_referral", actor=REFERENTS[week % 3],
                occurred_on=date(2026, 1, 5) + timedelta(weeks=week), reason=f"point mensuel {week}",
            )
        assert pathway.version == 13
        reloaded = system.app.get_pathway(pathway.id)
        assert reloaded.state == pathway.state and reloaded.steps == pathway.steps
