"""The steering committee's figures of the relation with companies, computed by hand.

Belfort's chargée works with three employers over the first half of 2026 (the clock moves with
her, so each event is recorded on the day it happened, except one participation logged late):

| company | registered | size, place, NAF | what happens |
|---|---|---|---|
| bakery | 2025-11-03 | micro, in QPV, 10.71C (C) | job dating 2026-01-15; need 2 positions posted 01-20, filled 03-01 |
| garage | 2026-02-02 | small, near QPV, 45.20A (G) | need 1 position posted 02-10, withdrawn 04-10; 3 PMSMP places 02-12 |
| hotel  | 2026-03-02 | medium, elsewhere, 55.10Z (I) | need 3 posted 03-05, partly filled (1) 05-05; charter 03-06 |

For the first quarter (from 2026-01-01 to 2026-03-31): bakery, garage and hotel are mobilised;
the bakery had been registered before (returning), the other two are first-time. Needs posted in
the quarter: 3 (6 positions); closed in it: 1 filled (2 positions), median delay 40 days (01-20 →
03-01); open at the end: garage's and hotel's (2). Hosting: 1 offer, 3 places. One job dating,
one charter.
"""

from datetime import date
from urllib.parse import quote

import pytest

from casecommittee.clock import FixedClock

BAKERY = {"siret": "73282932000074", "name": "Boulangerie des Résidences", "naf_code": "10.71C",
          "size_band": "micro", "qpv_location": "in_qpv", "registered_on": "2025-11-03"}
GARAGE = {"siret": "55210055400013", "name": "Garage du Mont", "naf_code": "45.20A",
          "size_band": "small", "qpv_location": "near_qpv", "registered_on": "2026-02-02"}
HOTEL = {"siret": "44306184100005", "name": "Hôtel de la Gare", "naf_code": "55.10Z",
         "size_band": "medium", "qpv_location": "elsewhere", "registered_on": "2026-03-02"}


def need(need_id, on, positions):
    return {"occurred_on": on, "need_id": need_id, "job_title": "poste", "contract_type": "cdi",
            "positions": positions, "starts_on": on, "group_ids": ["g-jeunes"]}


@pytest.fixture
def half_year(client, as_, clock: FixedClock):
    """The three employers' half-year, each event recorded on its day; returns the recorded
    time of the last event of the first quarter."""
    cre = as_("cre")

    def on(day: str):
        clock.current = date.fromisoformat(day)

    def post(path, body):
        answer = client.post(path, json=body, headers=cre)
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()["id"]

    on("2025-11-03")
    bakery = post("/api/v1/companies", BAKERY)
    on("2026-01-20")
    post(f"/api/v1/companies/{bakery}/needs", need("vendeurs", "2026-01-20", 2))
    on("2026-02-02")
    garage = post("/api/v1/companies", GARAGE)
    on("2026-02-10")
    post(f"/api/v1/companies/{garage}/needs", need("mecano", "2026-02-10", 1))
    on("2026-02-12")
    post(f"/api/v1/companies/{garage}/hosting-offers",
         {"occurred_on": "2026-02-12", "capacity": 3, "jobs": ["mécanique"]})
    on("2026-03-01")
    post(f"/api/v1/companies/{bakery}/need-outcomes", {
        "occurred_on": "2026-03-01", "need_id": "vendeurs", "outcome": "filled", "positions_filled": 2})
    on("2026-03-02")
    hotel = post("/api/v1/companies", HOTEL)
    on("2026-03-05")
    post(f"/api/v1/companies/{hotel}/needs", need("accueil", "2026-03-05", 3))
    on("2026-03-06")
    post(f"/api/v1/companies/{hotel}/commitments",
         {"occurred_on": "2026-03-06", "kind": "charter", "title": "Charte de la Cité"})
    end_of_quarter = clock.now()
    on("2026-04-10")
    post(f"/api/v1/companies/{garage}/need-outcomes", {
        "occurred_on": "2026-04-10", "need_id": "mecano", "outcome": "withdrawn", "positions_filled": 0})
    # the bakery's job dating of 15 January, logged late, on 20 April
    on("2026-04-20")
    post(f"/api/v1/companies/{bakery}/participations", {"occurred_on": "2026-01-15", "kind": "job_dating"})
    on("2026-05-05")
    post(f"/api/v1/companies/{hotel}/need-outcomes", {
        "occurred_on": "2026-05-05", "need_id": "accueil", "outcome": "partly_filled",
        "positions_filled": 1})
    on("2026-06-30")
    return end_of_quarter


def figures(client, as_, query=""):
    answer = client.get(f"/api/v1/statistics/companies?{query}", headers=as_("copilot"))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_the_first_quarter_by_hand(client, as_, half_year):
    got = figures(client, as_, "from=2026-01-01&to=2026-03-31")
    assert got["companies"] == {
        "mobilised": 3, "first_time": 2, "returning": 1,
        "by_size": {"micro": 1, "small": 1, "medium": 1, "intermediate": 0, "large": 0},
        "by_sector": {"C": 1, "G": 1, "I": 1},
        "by_place": {"in_qpv": 1, "near_qpv": 1, "elsewhere": 1},
    }
    assert got["needs"] == {"posted": 3, "positions_posted": 6,
                            "closed": {"filled": 1, "partly_filled": 0, "withdrawn": 0},
                            "positions_filled": 2, "open_at_end": 2, "median_days_to_fill": 40}
    assert got["hosting"] == {"offers": 1, "places": 3}
    assert got["participations"]["job_dating"] == 1
    assert got["commitments"] == {"charter": 1, "club": 0}


def test_the_half_year(client, as_, half_year):
    got = figures(client, as_, "from=2026-01-01")
    assert got["to"] == "2026-06-30"
    assert got["needs"]["closed"] == {"filled": 1, "partly_filled": 1, "withdrawn": 1}
    assert got["needs"]["positions_filled"] == 3 and got["needs"]["open_at_end"] == 0
    # (01-20 → 03-01: 40 days; 03-05 → 05-05: 61 days)
    assert got["needs"]["median_days_to_fill"] == 50.5


def test_as_known_at_the_end_of_the_quarter_the_late_job_dating_is_not_there(client, as_, half_year):
    known = quote(half_year.isoformat())
    then = figures(client, as_, f"from=2026-01-01&to=2026-03-31&known_at={known}")
    assert then["participations"]["job_dating"] == 0
    assert then["needs"]["closed"]["filled"] == 1 and then["known_at"] is not None
    now = figures(client, as_, "from=2026-01-01&to=2026-03-31")
    assert now["participations"]["job_dating"] == 1


def test_as_of_a_business_date(client, as_, half_year):
    got = figures(client, as_, "as_of=2026-02-15")
    assert got["to"] == "2026-02-15"
    assert got["companies"]["mobilised"] == 2  # the hotel is not there yet
    assert got["needs"]["open_at_end"] == 2 and got["needs"]["closed"]["filled"] == 0


def test_each_territory_reads_its_own(client, as_, half_year):
    brest = client.get("/api/v1/statistics/companies", headers=as_("auditor_brest")).get_json()
    assert brest["companies"]["mobilised"] == 0
    bad = client.get("/api/v1/statistics/companies?from=2026-03-01&to=2026-01-01",
                     headers=as_("copilot"))
    assert bad.status_code == 422 and "from" in bad.get_json()["errors"]
