"""Pathways meet companies by SIRET: the bakery hosts Inès's PMSMP, then hires her; the garage
hosts Yanis's PMSMP, which leads nowhere; 15 weeks on, Inès is still in post.

| who | what | business date | recorded |
|---|---|---|---|
| Inès | PMSMP at the bakery | 2026-01-05 → 01-16 (completed) | on the day |
| Yanis | PMSMP at the garage | 2026-01-12 → 01-23 (completed) | on the day |
| Inès | hired by the bakery (CDI) | 2026-02-02 | on the day |
| Inès | 15-week follow-up validated, still employed | 2026-05-20 (day 105: 05-18) | on the day |

Per host over the half year: bakery 1 PMSMP, 1 followed by a hire (rate 1.0); garage 1, 0 (0.0).
Per employer: bakery 1 hire, due for validation by 06-30, still employed (retention 1.0); as
known on 1 May, the validation is not there yet and was not due (0 due, rate null).
"""

from datetime import date
from urllib.parse import quote

import pytest

from .conftest import IDENTIFY

BAKERY = {"siret": "73282932000074", "name": "Boulangerie des Résidences", "size_band": "micro",
          "qpv_location": "in_qpv", "registered_on": "2025-11-03"}
GARAGE = {"siret": "55210055400013", "name": "Garage du Mont", "size_band": "small",
          "qpv_location": "near_qpv", "registered_on": "2025-11-03"}


@pytest.fixture
def half_year(client, as_, clock):
    """The half year of the table above; returns (bakery id, Inès's pathway, the time recorded
    on 1 May)."""

    def on(day):
        clock.current = date.fromisoformat(day)

    def step(pid, body):
        logged = client.post(f"/api/v1/pathways/{pid}/steps", json=body, headers=as_("referent"))
        assert logged.status_code == 201, logged.get_json()

    def identify(first_name):
        body = {**IDENTIFY, "identified_on": "2025-12-01",
                "person": {**IDENTIFY["person"], "first_name": first_name},
                "consent": {"committee_sharing": True, "given_on": "2025-12-01"}}
        pid = client.post("/api/v1/pathways", json=body, headers=as_("referent")).get_json()["id"]
        step(pid, {"step": "referent_assigned", "occurred_on": "2025-12-01", "referent_id": "referent"})
        return pid

    on("2025-12-01")
    bakery = client.post("/api/v1/companies", json=BAKERY, headers=as_("cre")).get_json()["id"]
    client.post("/api/v1/companies", json=GARAGE, headers=as_("cre"))
    ines, yanis = identify("Inès"), identify("Yanis")
    host = {"name": "Boulangerie des Résidences", "siret": "73282932000074"}
    on("2026-01-05")
    step(ines, {"step": "immersion_started", "occurred_on": "2026-01-05", "ends_on": "2026-01-16",
                "host": host, "hours_per_week": 35, "objective": "recruit"})
    on("2026-01-12")
    step(yanis, {"step": "immersion_started", "occurred_on": "2026-01-12", "ends_on": "2026-01-23",
                 "host": {"name": "Garage du Mont", "siret": "55210055400013"}, "hours_per_week": 35,
                 "objective": "discover"})
    on("2026-01-16")
    step(ines, {"step": "immersion_ended", "occurred_on": "2026-01-16", "status": "completed",
                "led_to_hire": True})
    on("2026-01-23")
    step(yanis, {"step": "immersion_ended", "occurred_on": "2026-01-23", "status": "completed",
                 "led_to_hire": False})
    on("2026-02-02")
    step(ines, {"step": "hired", "occurred_on": "2026-02-02", "employer": host, "contract_type": "cdi",
                "weekly_hours": 35})
    on("2026-05-01")
    may_first = clock.now()
    on("2026-05-20")
    step(ines, {"step": "follow_up_completed", "occurred_on": "2026-05-20", "still_employed": True})
    on("2026-06-30")
    return bakery, ines, may_first


def _figures(client, as_, query=""):
    answer = client.get(f"/api/v1/statistics/companies?{query}", headers=as_("copilot"))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_per_host_and_per_employer_by_hand(client, as_, half_year):
    got = _figures(client, as_, "from=2026-01-01")
    assert got["hosts"] == [
        {"siret": "73282932000074", "name": "Boulangerie des Résidences", "immersions": 1,
         "followed_by_hire": 1, "hire_rate": 1.0},
        {"siret": "55210055400013", "name": "Garage du Mont", "immersions": 1,
         "followed_by_hire": 0, "hire_rate": 0.0},
    ]
    assert got["employers"] == [
        {"siret": "73282932000074", "name": "Boulangerie des Résidences", "hires": 1,
         "validation_due": 1, "still_employed_at_15_weeks": 1, "retention_rate": 1.0}]


def test_as_known_on_the_first_of_may(client, as_, half_year):
    _bakery, _ines, may_first = half_year
    then = _figures(client, as_, f"from=2026-01-01&to=2026-05-01&known_at={quote(may_first.isoformat())}")
    assert then["employers"][0]["validation_due"] == 0
    assert then["employers"][0]["retention_rate"] is None
    assert then["hosts"][0]["hire_rate"] == 1.0
    # as of a business date before the hire, the bakery's PMSMP had not led to one yet
    before_hire = _figures(client, as_, "as_of=2026-01-31")
    assert before_hire["hosts"][0]["followed_by_hire"] == 0 and before_hire["employers"] == []


def test_a_correction_of_the_employer_moves_the_hire_and_known_at_keeps_the_old(
        client, as_, half_year, clock):
    _bakery, ines, may_first = half_year
    history = client.get(f"/api/v1/pathways/{ines}/history", headers=as_("referent")).get_json()
    hired = next(i for i in history["items"] if i["step"] == "hired")["version"]
    clock.current = date(2026, 6, 30)
    corrected = client.post(f"/api/v1/pathways/{ines}/steps", headers=as_("referent"), json={
        "step": "corrected", "occurred_on": "2026-06-30", "corrects_version": hired,
        "changes": {"employer": {"name": "Garage du Mont", "siret": "55210055400013"}},
        "reason": "embauchée par le garage, pas la boulangerie"})
    assert corrected.status_code == 201, corrected.get_json()
    now = _figures(client, as_, "from=2026-01-01")
    assert [e["name"] for e in now["employers"]] == ["Garage du Mont"]
    assert now["hosts"][0]["followed_by_hire"] == 0  # the bakery's PMSMP led to no hire with it
    then = _figures(client, as_, f"from=2026-01-01&known_at={quote(may_first.isoformat())}")
    assert [e["name"] for e in then["employers"]] == ["Boulangerie des Résidences"]


def test_the_company_page_shows_what_it_hosted_and_hired(client, as_, half_year, system):
    bakery, ines, _ = half_year
    seen = client.get(f"/api/v1/companies/{bakery}", headers=as_("copilot")).get_json()
    assert [(p["kind"], p["started_on"], p["label"], p["pathway_id"]) for p in seen["placements"]] == [
        ("immersion", "2026-01-05", "Inès B.", ines), ("hire", "2026-02-02", "Inès B.", ines)]
    assert seen["placements"][1]["still_employed"] is True
    # the chargée does not follow pathways: pseudonyms only
    chargee = client.get(f"/api/v1/companies/{bakery}", headers=as_("cre")).get_json()
    assert {p["pathway_id"] for p in chargee["placements"]} == {None}
    assert "Inès" not in str(chargee)
    from sqlalchemy import select

    from casecommittee.stores.access_log import access_log
    with system.engine.connect() as conn:
        logged = conn.execute(select(access_log.c.user_id, access_log.c.action)
                              .where(access_log.c.action == "read_person_company")).all()
    assert set(logged) == {("copilot", "read_person_company")}


def test_a_snapshot_taken_before_hires_named_their_employer_is_folded_again(
        client, as_, identified, system):
    """Snapshots of version 1 hold hires without their employer: loading one derives its state
    again from its steps."""
    from uuid import UUID

    from casecommittee.domain.pathway import Pathway

    hired = client.post(f"/api/v1/pathways/{identified}/steps", headers=as_("referent"), json={
        "step": "hired", "occurred_on": "2026-06-20", "contract_type": "cdi", "weekly_hours": 35,
        "employer": {"name": "Boulangerie", "siret": "73282932000074"}})
    assert hired.status_code == 201, hired.get_json()
    pathway = system.app.get_pathway(UUID(identified))
    snapshot = Pathway.Snapshot.take(pathway)
    old = dict(snapshot.state)
    assert old.pop("class_version") == 2
    old["_state"] = old["_state"].__class__(**{**vars(old["_state"]), "hires": [
        {k: v for k, v in h.items() if k != "employer"} for h in old["_state"].hires]})
    reloaded = Pathway.Snapshot(originator_id=pathway.id, originator_version=pathway.version,
                                timestamp=snapshot.timestamp, topic=snapshot.topic,
                                state=old).mutate(None)
    assert reloaded.state.hires[0]["employer"]["siret"] == "73282932000074"
    assert reloaded.state == pathway.state


def test_a_host_s_second_pmsmp_is_counted_and_shown(client, as_, half_year, clock):
    """Yanis renews his PMSMP with the bakery (the agreement may be renewed once with the same
    host): the bakery has hosted three immersions, two of them his, and its page shows both."""
    bakery, _ines, _ = half_year
    host = {"name": "Boulangerie des Résidences", "siret": "73282932000074"}
    yanis = next(p["id"] for p in client.get(
        "/api/v1/pathways?limit=50", headers=as_("referent")).get_json()["items"]
        if p["stage"] == "identified")  # (Inès is in post, Yanis back to the start)
    for body in ({"step": "immersion_started", "occurred_on": "2026-06-01", "ends_on": "2026-06-12",
                  "host": host, "hours_per_week": 35, "objective": "recruit"},
                 {"step": "immersion_ended", "occurred_on": "2026-06-12", "status": "completed",
                  "led_to_hire": False},
                 {"step": "immersion_started", "occurred_on": "2026-06-15", "ends_on": "2026-06-26",
                  "host": host, "hours_per_week": 35, "objective": "recruit", "renews": True}):
        logged = client.post(f"/api/v1/pathways/{yanis}/steps", json=body, headers=as_("referent"))
        assert logged.status_code == 201, logged.get_json()
    fiche = client.get(f"/api/v1/companies/{bakery}", headers=as_("copilot")).get_json()
    mine = [p for p in fiche["placements"] if p["pathway_id"] == yanis]
    assert [(p["kind"], p["started_on"], p["ended_on"]) for p in mine] == [
        ("immersion", "2026-06-01", "2026-06-12"), ("immersion", "2026-06-15", None)]
    figures = client.get("/api/v1/statistics/companies?from=2026-01-01",
                         headers=as_("copilot")).get_json()
    bakery_figures = next(h for h in figures["hosts"] if h["siret"] == host["siret"])
    assert (bakery_figures["immersions"], bakery_figures["followed_by_hire"]) == (3, 1)
