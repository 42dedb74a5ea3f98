"""The demo territory with its companies: the employers Belfort's chargée de relation entreprises
works with host the demo's immersions and hire its people, their needs close with the hired
pathways, and `make run` prints her sign-in like the other roles'."""

import json
import uuid
from collections import Counter
from datetime import UTC, datetime

from click.testing import CliRunner

from casecommittee.bootstrap import bootstrap
from casecommittee.cli import main
from casecommittee.cli.web import load_demo
from casecommittee.config import Settings
from casecommittee.demo import NAMESPACE, create_territory, generate
from casecommittee.demo_companies import ROSTER, DemoCompanies, generate_companies, siret_for
from casecommittee.demo_sessions import CommitteeCalendar
from casecommittee.domain.siret import is_valid_siret
from casecommittee.projections.replay_check import replay_check
from casecommittee.queries.companies import DirectoryQuery, list_companies
from casecommittee.queries.company_statistics import CompanyStatisticsQuery, company_statistics
from casecommittee.queries.placements import placements
from casecommittee.queries.proposals import proposed_to_need
from casecommittee.queries.session_documents import live_agenda
from casecommittee.stores.auth import Passwords, Tokens
from casecommittee.stores.reference import groups
from casecommittee.web import create_app


def _demo(system, seed: int = 11):
    today = system.clock.today()
    territory = create_territory(system.reference)
    companies = DemoCompanies(territory.territory_id, today, seed=seed)
    pathways = list(generate(system.app, system.reference, system.personal_data, people=90,
                             seed=seed, today=today, companies=companies))
    saved = generate_companies(system.app, system.reference, system.personal_data, territory,
                               companies, seed=seed)
    system.projections.catch_up()
    return territory, companies, [system.app.get_pathway(p.id) for p in pathways], saved


def test_each_demo_company_has_a_valid_siret_of_its_own():
    sirets = [siret_for(name) for name, *_rest in ROSTER]
    assert len(ROSTER) >= 30
    assert all(is_valid_siret(s) for s in sirets)
    assert len(set(sirets)) == len(sirets)
    assert len({naf[:2] for _n, naf, *_r in ROSTER}) >= 15  # commerce, BTP, industrie, soins…
    assert {place for *_r, place, _jobs in ROSTER} == {"in_qpv", "near_qpv", "elsewhere"}


def test_the_companies_host_and_hire_the_demo_people(system):
    territory, companies, pathways, saved = _demo(system)
    registered = {c.state.siret: c for c in saved}
    assert len(registered) == len(ROSTER)

    # every host and employer of a pathway is a registered company, registered by then
    hosted = hired = 0
    for pathway in pathways:
        for immersion in pathway.state.immersions:
            company = registered[immersion["host"]["siret"]]
            assert company.state.registered_on <= immersion["starts_on"]
            hosted += 1
        for hire in pathway.state.hires:
            company = registered[hire["employer"]["siret"]]
            assert company.state.registered_on <= hire["starts_on"]
            hired += 1
    assert hosted >= 10 and hired >= 15

    # the company pages' placements are these, by SIRET
    rows = placements(system.engine, territory.territory_id)
    assert Counter(r["kind"] for r in rows) == {"immersion": hosted, "hire": hired}
    assert {r["siret"] for r in rows} <= set(registered)

    # needs closed as filled name pathways the company hired, proposed to it before
    by_id = {str(p.id): p for p in pathways}
    filled = [(c, n) for c in saved for n in c.state.needs.values()
              if n["outcome"] in ("filled", "partly_filled")]
    assert len(filled) >= 5
    for company, need in filled:
        assert need["hired_pathway_ids"] and need["closed_on"] >= need["posted_on"]
        for pathway_id in need["hired_pathway_ids"]:
            state = by_id[pathway_id].state
            assert any(h["employer"]["siret"] == company.state.siret for h in state.hires)
            assert state.group_id in need["group_ids"]
    proposals = [p for pathway in pathways for p in pathway.state.proposals]
    assert proposals and all(p["company_id"] in {str(c.id) for c in saved} for p in proposals)
    # what a need's outcome page offers to tick: the people proposed to it, the hired among them
    for company, need in filled:
        offered = {r["pathway_id"] for r in proposed_to_need(system.engine, str(company.id), need["need_id"])}
        proposed_here = {str(p.id) for p in pathways for x in p.state.proposals
                         if (x["company_id"], x["need_id"]) == (str(company.id), need["need_id"])}
        assert offered == proposed_here
    assert sum(len(proposed_to_need(system.engine, str(c.id), n["need_id"]))
               for c in saved for n in c.state.needs.values()) == len(
        {(str(p.id), x["company_id"], x["need_id"]) for p in pathways for x in p.state.proposals})

    # the rest of the relation: contacts in the personal-data store, offers, actions, charters
    contacts = [c["contact_id"] for company in saved for c in company.state.contacts]
    assert len(contacts) >= len(saved)
    person = system.personal_data.get(contacts[0])
    assert person["first_name"] and person["email"].endswith(".example")
    assert not any(person["last_name"] in str(r.data) for c in saved for r in c.records)
    states = [c.state for c in saved]
    assert sum(len(s.hosting_offers) for s in states) >= hosted // 3
    assert {p["kind"] for s in states for p in s.participations} >= {"job_dating", "cafe_cv", "visit"}
    assert {x["role"] for s in states for x in s.sponsors} == {"tutor", "sponsor"}
    assert any(s.commitments for s in states)
    assert any(s.open_needs() for s in states)  # for the coming committees
    assert len({s.registered_on for s in states}) > 10  # registered over the two years

    # the figures count them, and replaying the log gives the same read models
    figures = company_statistics(system.app, system.engine,
                                 CompanyStatisticsQuery(territory.territory_id), system.clock.today())
    assert figures["companies"]["mobilised"] == len(saved)
    assert sum(h["immersions"] for h in figures["hosts"]) == hosted
    assert sum(e["hires"] for e in figures["employers"]) == hired
    assert figures["needs"]["positions_filled"] >= len(filled)
    assert len(list_companies(system.engine, DirectoryQuery(territory.territory_id), limit=100)) \
        == len(saved)
    assert replay_check(system.app, system.engine)["ok"]


def test_the_same_seed_draws_the_same_companies(system, store_env, tmp_path, stores):
    first = _demo(system, seed=3)
    other_env = stores.env(tmp_path / "other")
    other = bootstrap(Settings.from_env(other_env), clock=system.clock)
    try:
        second = _demo(other, seed=3)
        assert [[(r.code, r.occurred_on, r.recorded_at, r.data) for r in c.records] for c in first[3]] \
            == [[(r.code, r.occurred_on, r.recorded_at, r.data) for r in c.records] for c in second[3]]
        assert [p.state.hires for p in first[2]] == [p.state.hires for p in second[2]]
    finally:
        other.close()
        stores.drop(other_env)


def test_make_run_prints_a_sign_in_for_the_chargee_de_relation_entreprises(store_env):
    found = load_demo(Settings.from_env(store_env))
    assert set(found) == {"admin", "auditor", "copilot", "referent", "business_relations"}
    chargee = found["business_relations"]
    assert chargee["login"] == "business_relations.demo"
    system = bootstrap(Settings.from_env(store_env))
    try:
        user_id = Passwords(system.engine).check(chargee["login"], chargee["password"],
                                                 datetime.now(UTC))
        assert Tokens(system.engine).principal(chargee["token"]).user_id == user_id
        client = create_app(system, {"TESTING": True}).test_client()
        answer = client.get("/api/v1/companies?limit=100",
                            headers={"Authorization": f"Bearer {chargee['token']}"})
        assert answer.status_code == 200, answer.json
        assert len(answer.json["items"]) == len(ROSTER)
        busiest = max(answer.json["items"], key=lambda c: c["hosting_capacity"])
        page = client.get(f"/api/v1/companies/{busiest['id']}",
                          headers={"Authorization": f"Bearer {chargee['token']}"}).json
        assert page["placements"] and page["hosting_offers"]

        # the companies' open needs wait on the coming committees, their shortlist on the agenda
        calendar = CommitteeCalendar(system.clock.today())
        coming = next(d for d in calendar.dates if d > calendar.today)
        sessions = [system.app.get_committee(calendar.session_id(g["id"], coming))
                    for g in system.reference.rows(groups)]
        assert any(session.needs for session in sessions)
        reasons = {reason for session in sessions if session.needs
                   for item in live_agenda(system, session)
                   for reason in item["reasons"]}
        assert "company_need_fits" in reasons
        assert replay_check(system.app, system.engine)["ok"]
    finally:
        system.close()


def test_casecommittee_demo_loads_the_companies_when_asked(tmp_path, stores):
    runner, env = CliRunner(), stores.env(tmp_path / "var")
    try:
        loaded = runner.invoke(main, ["demo", "--people", "40", "--seed", "4", "--companies"], env=env)
        assert loaded.exit_code == 0, loaded.output
        assert f"40 pathways, {len(ROSTER)} companies" in loaded.output
        territory = str(uuid.uuid5(NAMESPACE, "territory/Belfort"))
        listed = runner.invoke(main, ["companies", "list", "--territory", territory], env=env)
        assert f"{len(ROSTER)} entreprise(s)" in listed.output
        bakery = siret_for("Boulangerie Pâtisserie du Lion")
        assert f"{bakery}  Boulangerie Pâtisserie du Lion  (moins de 10 salariés" in listed.output
        shown = runner.invoke(main, ["companies", "show", bakery, "--territory", territory], env=env)
        assert "registered" in shown.output and "contact_named" in shown.output
        figures = json.loads(runner.invoke(main, ["companies", "figures", "--territory", territory],
                                           env=env).output)
        assert figures["companies"]["mobilised"] == len(ROSTER) and figures["employers"]

        again = runner.invoke(main, ["demo", "--people", "10", "--seed", "5", "--companies"], env=env)
        assert again.exit_code == 1 and "already holds the demo's companies" in again.output
        assert "Traceback" not in again.output
    finally:
        stores.drop(env)


def test_casecommittee_demo_without_companies_registers_none(tmp_path, stores):
    runner, env = CliRunner(), stores.env(tmp_path / "var")
    try:
        assert runner.invoke(main, ["demo", "--people", "20", "--seed", "4"], env=env).exit_code == 0
        territory = str(uuid.uuid5(NAMESPACE, "territory/Belfort"))
        listed = runner.invoke(main, ["companies", "list", "--territory", territory], env=env)
        assert "0 entreprise(s)" in listed.output
    finally:
        stores.drop(env)
