"""The replay check is one rebuild of every read model, but each evaluator reads its result for
their own territory only: the differences of their pathways, committees and companies (under
pseudonyms), the rows of their territory, and of the other territories a count, never a key.
A coordinator without a territory reads everything."""

from sqlalchemy import delete, insert, update

from casecommittee.projections.committees import committee_sessions
from casecommittee.projections.companies import companies
from casecommittee.projections.pathways import pathway_rows, pathway_versions
from casecommittee.projections.placements import company_placements
from casecommittee.stores.auth import Tokens

from .conftest import IDENTIFY

IMMERSION = {"step": "immersion_started", "occurred_on": "2026-06-10", "ends_on": "2026-06-20",
             "host": {"name": "Boulangerie des Résidences", "siret": "73282932000074"},
             "hours_per_week": 35, "objective": "discover"}
NOBODY = "0b1f6c1e-0000-4000-8000-00000000dead"


def _check(client, headers) -> dict:
    answer = client.get("/api/v1/audit/replay-check", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_each_evaluator_reads_the_replay_check_of_their_own_territory(
        client, as_, system, identified, app):
    ref = system.reference
    ref.add_user("Référente Brest", "referent", "t-brest", ["g-brest"], None, id="referent_brest")
    ref.add_user("Coordination nationale", "admin", None, [], None, id="national")
    issued = Tokens(system.engine)
    brest = {"Authorization": f"Bearer {issued.issue('referent_brest')}"}
    national = {"Authorization": f"Bearer {issued.issue('national')}"}
    in_brest = {**{k: v for k, v in IDENTIFY.items() if k != "identified_by_structure_id"},
                "group_id": "g-brest"}
    yann = client.post("/api/v1/pathways", headers=brest, json=in_brest)
    assert yann.status_code == 201, yann.get_json()
    yann = yann.get_json()["id"]
    assert client.post(f"/api/v1/pathways/{identified}/steps", headers=as_("referent"),
                       json=IMMERSION).status_code == 201
    crepe = client.post("/api/v1/companies", headers=as_("cre_brest"), json={
        "siret": "35600000000048", "name": "Crêperie du port", "size_band": "micro",
        "qpv_location": "in_qpv", "registered_on": "2026-01-05"})
    assert crepe.status_code == 201, crepe.get_json()
    crepe = crepe.get_json()["id"]
    session = client.post("/api/v1/committees", headers=as_("copilot"), json={
        "group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-07-10"}).get_json()["id"]

    clean = _check(client, as_("auditor_brest"))
    assert clean["ok"] is True and clean["territory_id"] == "t-brest"
    assert clean["tables"]["pathway_rows"] == 1 and clean["tables"]["companies"] == 1
    assert clean["tables"]["company_placements"] == 0 and clean["differences_elsewhere"] == 0

    with system.engine.begin() as conn:  # the read models drift from the log, on both sides
        assert conn.execute(delete(company_placements)).rowcount == 1  # Belfort's immersion
        conn.execute(update(pathway_rows).where(pathway_rows.c.pathway_id == yann)
                     .values(stage="exited"))  # Brest's pathway
        conn.execute(delete(companies).where(companies.c.company_id == crepe))  # Brest's company
        conn.execute(delete(committee_sessions))  # Belfort's committee
        conn.execute(insert(pathway_versions).values(  # a row of no pathway of the log
            pathway_id=NOBODY, version=1, recorded_from=system.clock.now(),
            recorded_to=system.clock.now(), **_versioned(system, identified)))

    pseudonyms = app.extensions["casecommittee"].pseudonyms
    belfort = _check(client, as_("auditor"))
    assert belfort["territory_id"] == "t-belfort" and belfort["ok"] is False
    assert [(d["table"], d["key"], d["problem"]) for d in belfort["differences"]] == [
        ("committee_sessions", [session], "missing"),
        ("company_placements", [pseudonyms.of(identified), "0"], "missing")]
    assert belfort["difference_count"] == 2 and belfort["differences_elsewhere"] == 3
    assert belfort["tables"]["committee_sessions"] == 1
    assert belfort["tables"]["pathway_rows"] == 1 and belfort["tables"]["companies"] == 0
    for secret in (yann, pseudonyms.of(yann), crepe, NOBODY, identified):
        assert secret not in str(belfort)

    finistere = _check(client, as_("auditor_brest"))
    assert finistere["ok"] is False and finistere["difference_count"] == 2
    assert sorted((d["table"], d["key"], d["problem"], d["columns"])
                  for d in finistere["differences"]) == [
        ("companies", [crepe], "missing", []),
        ("pathway_rows", [pseudonyms.of(yann)], "differs", ["stage"])]
    assert finistere["differences_elsewhere"] == 3 and finistere["tables"]["committee_sessions"] == 0
    assert finistere["tables"]["pathway_rows"] == 1 and finistere["tables"]["company_placements"] == 0
    for secret in (identified, pseudonyms.of(identified), NOBODY, yann, session):
        assert secret not in str(finistere)

    # the coordinator of Belfort reads Belfort's, by id; the national one reads everything
    coordinator = _check(client, as_("admin"))
    assert [d["key"][0] for d in coordinator["differences"]] == [session, identified]
    everything = _check(client, national)
    assert everything["territory_id"] is None and everything["differences_elsewhere"] == 0
    assert everything["difference_count"] == 5 and everything["tables"]["pathway_rows"] == 2
    assert {d["key"][0] for d in everything["differences"]} == {
        identified, yann, crepe, NOBODY, session}


def _versioned(system, pathway_id: str) -> dict:
    """The other columns of a pathway's version row, copied from a real one."""
    from sqlalchemy import select

    with system.engine.connect() as conn:
        row = conn.execute(select(pathway_versions).where(
            pathway_versions.c.pathway_id == pathway_id)).first()._mapping
    return {k: v for k, v in row.items()
            if k not in ("id", "pathway_id", "version", "recorded_from", "recorded_to")}
