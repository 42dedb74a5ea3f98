"""Property: whatever a chargée records for two companies and whatever immersions and hires the
referents log with them (corrections of hosts and employers included), the company read models
kept event by event equal a full rebuild, and equal what the aggregates themselves say — now,
and as known at any recorded time."""

from datetime import date, timedelta

from cite import REFERENT, Referent
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from casecommittee.clock import FixedClock
from casecommittee.domain.errors import DomainError
from casecommittee.projections.companies import companies, company_needs
from casecommittee.projections.placements import placements_of
from casecommittee.projections.replay_check import replay_check
from casecommittee.queries.placements import placements

START = date(2025, 1, 6)
CHARGEE = {"user_id": "cre", "role": "business_relations"}
BAKERY = {"name": "Boulangerie des Résidences", "siret": "73282932000074"}
GARAGE = {"name": "Garage du Mont", "siret": "55210055400013"}

COMPANY_EVENTS = st.sampled_from(["need_posted", "need_closed", "hosting_offered", "participated",
                                  "corrected"])
PATHWAY_STEPS = st.sampled_from(["immersion_started", "immersion_ended", "hired", "rupture",
                                 "follow_up_completed", "corrected"])
intents = st.lists(st.tuples(st.booleans(), st.integers(0, 1), st.integers(0, 20),
                             COMPANY_EVENTS, PATHWAY_STEPS, st.integers(1, 3)),
                   min_size=4, max_size=25)


def _company_event(code, number, on, n, company):
    open_needs = [need for need in company.state.needs.values() if need["outcome"] is None]
    return {
        "need_posted": {"need_id": f"n{number}", "job_title": "poste", "contract_type": "cdi",
                        "positions": n, "starts_on": on, "group_ids": ["g"]},
        "need_closed": ({"need_id": open_needs[0]["need_id"], "outcome": "filled",
                         "positions_filled": open_needs[0]["positions"]} if open_needs else None),
        "hosting_offered": {"capacity": n, "jobs": ["métier"]},
        "participated": {"kind": "visit"},
        "corrected": {"corrects_version": n, "changes": {"occurred_on": on}, "reason": "date"},
    }[code]


def _pathway_step(code, on, company, pathway):
    host = (BAKERY, GARAGE)[company]
    if code == "corrected":
        placed = [s for s in pathway.steps if s.code in ("immersion_started", "hired")]
        if not placed:
            return None
        field = "host" if placed[-1].code == "immersion_started" else "employer"
        return {"corrects_version": placed[-1].version, "changes": {field: dict(host)},
                "reason": "autre entreprise"}
    return {
        "immersion_started": {"host": dict(host), "ends_on": on + timedelta(days=10),
                              "hours_per_week": 35, "objective": "recruit"},
        "immersion_ended": {"status": "completed", "led_to_hire": False},
        "hired": {"employer": dict(host), "contract_type": "cdi", "weekly_hours": 35},
        "rupture": {"scope": "job", "kind": "trial_period", "initiated_by": "employer"},
        "follow_up_completed": {"still_employed": True},
    }[code]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(intents=intents, data=st.data())
def test_company_read_models_equal_the_rebuild_and_the_aggregates(tmp_path_factory, stores,
                                                                   intents, data):
    clock = FixedClock(START)
    with stores.system(tmp_path_factory.mktemp("var"), clock) as system:
        app = system.app
        territory = system.reference.add_territory("Cité de l'emploi")
        group = system.reference.add_group(territory["id"], "Jeunes", target_per_year=20, id="g")
        referent = Referent(system, group["id"])
        firms = [app.register_company(actor=CHARGEE, occurred_on=START, territory_id=territory["id"],
                                      size_band="small", qpv_location="in_qpv", **c).id
                 for c in (BAKERY, GARAGE)]
        people = [referent.identifies(START) for _ in range(2)]
        for number, (for_company, which, advance, company_code, step, n) in enumerate(intents):
            clock.advance(advance)
            try:
                if for_company:
                    company = app.get_company(firms[which])
                    fields = _company_event(company_code, number, clock.current, n, company)
                    if fields is not None:
                        app.record_company_event(company.id, company_code, actor=CHARGEE,
                                                 occurred_on=clock.current, **fields)
                else:
                    pathway = app.get_pathway(people[which])
                    fields = _pathway_step(step, clock.current, n % 2, pathway)
                    if fields is not None:
                        app.log_step(pathway.id, step, actor=REFERENT, occurred_on=clock.current,
                                     **fields)
            except DomainError:
                pass  # refused by the rules: nothing written

        # incremental = rebuilt (in two processes), table by table
        report = replay_check(app, system.engine, partitions=2)
        assert report["ok"], report["differences"]

        # = the aggregates: the directory, the needs, each pathway's placements
        with system.engine.connect() as conn:
            directory = {r.company_id: r for r in conn.execute(select(companies))}
            needs = {(r.company_id, r.need_id): r for r in conn.execute(select(company_needs))}
        for company_id in firms:
            state = app.get_company(company_id).state
            row = directory[str(company_id)]
            assert (row.open_needs, row.last_activity_on, row.hosting_capacity, row.version) == (
                len(state.open_needs()), state.last_activity_on(), state.hosting_capacity(),
                state.version)
            for need in state.needs.values():
                stored = needs[str(company_id), need["need_id"]]
                assert (stored.outcome, stored.positions_filled, stored.posted_on) == (
                    need["outcome"], need["positions_filled"], need["posted_on"])

        def as_read(rows, pid):
            return [tuple(r[f] for f in ("kind", "siret", "started_on", "ended_on", "completed_on"))
                    for r in rows if r["pathway_id"] == str(pid)]

        def as_derived(state):
            return [(p.kind, p.siret, p.started_on, p.ended_on, p.completed_on)
                    for p in placements_of(state)]

        now = placements(system.engine, territory["id"])
        event(f"placements: {min(len(now), 3)}+, needs: {min(len(needs), 3)}+")
        for pid in people:
            assert as_read(now, pid) == as_derived(app.get_pathway(pid).state)

        # as known at a recorded time: each pathway's last version recorded by then
        versions = {pid: [app.get_pathway(pid, v) for v in range(1, app.get_pathway(pid).version + 1)]
                    for pid in people}
        moment = data.draw(st.sampled_from(sorted({p.modified_on for v in versions.values() for p in v})))
        then = placements(system.engine, territory["id"], known_at=moment)
        for pid, known in versions.items():
            by_then = [p for p in known if p.modified_on <= moment]
            assert as_read(then, pid) == (as_derived(by_then[-1].state) if by_then else [])
