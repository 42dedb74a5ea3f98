"""An auditor's replay: pseudonymised log and history, statistics as of a date and as known at a time."""

from .conftest import IDENTIFY


def _orient(client, as_, pid, on):
    response = client.post(f"/api/v1/pathways/{pid}/steps", headers=as_("referent"), json={
        "step": "oriented", "occurred_on": on, "scheme": "E2C"})
    assert response.status_code == 201, response.get_json()


def test_an_auditor_follows_pseudonyms_from_the_log_to_the_history(client, as_, identified):
    auditor = as_("auditor")
    events = client.get("/api/v1/audit/events?after=0", headers=auditor).get_json()["items"]
    pseudonym = events[0]["pathway"]
    assert pseudonym.startswith("ps-") and identified not in str(events)
    assert [e["position"] for e in events] == [1, 2]
    listed = client.get("/api/v1/pathways", headers=auditor).get_json()["items"]
    assert [item["id"] for item in listed] == [pseudonym]
    document = client.get(f"/api/v1/pathways/{pseudonym}", headers=auditor).get_json()
    assert document["id"] == pseudonym and "person" not in document
    assert "birth_date" not in str(document) and "Benali" not in str(document)
    history = client.get(f"/api/v1/pathways/{pseudonym}/history", headers=auditor).get_json()
    assert history["id"] == pseudonym and [h["version"] for h in history["items"]] == [1, 2]
    # the real id means nothing to an auditor, and another territory's auditor sees nothing
    assert client.get(f"/api/v1/pathways/{identified}", headers=auditor).status_code == 404
    assert client.get(f"/api/v1/pathways/{pseudonym}", headers=as_("auditor_brest")).status_code == 404
    assert client.get("/api/v1/audit/events", headers=as_("auditor_brest")).get_json()["items"] == []
    # the same pseudonym every time
    again = client.get("/api/v1/audit/events?after=1", headers=auditor).get_json()["items"]
    assert again[0]["pathway"] == pseudonym and again[0]["position"] == 2
    log = client.get(f"/api/v1/audit/access-log?pathway_id={pseudonym}", headers=auditor).get_json()
    assert {entry["pathway_id"] for entry in log["items"]} == {pseudonym}


def test_an_auditor_recomputes_statistics_as_of_and_as_known_at(client, as_, clock):
    first = client.post("/api/v1/pathways", json=IDENTIFY, headers=as_("referent")).get_json()["id"]
    _orient(client, as_, first, "2026-06-10")
    known_at = "2026-06-30T18:00:00+00:00"
    clock.advance(5)  # a late entry, logged on 5 July about 20 June
    second = client.post("/api/v1/pathways", json={**IDENTIFY, "identified_on": "2026-06-20"},
                         headers=as_("referent")).get_json()["id"]
    assert second
    auditor = as_("auditor")
    now = client.get("/api/v1/statistics?by=group", headers=auditor).get_json()
    assert now["population"] == 2 and now["funnel"]["oriented"] == 1
    assert now["rates"]["orientation"] == 0.5
    assert now["breakdown"][0]["key"] == "g-jeunes"
    then = client.get("/api/v1/statistics", query_string={"known_at": known_at}, headers=auditor).get_json()
    assert then["population"] == 1 and then["known_at"].startswith("2026-06-30T18:00")
    as_of = client.get("/api/v1/statistics?as_of=2026-06-05", headers=auditor).get_json()
    assert as_of["population"] == 1 and as_of["funnel"]["oriented"] == 0
    check = client.get("/api/v1/audit/replay-check", headers=auditor).get_json()
    assert check["ok"] is True and check["tables"]["pathway_rows"] == 2
    assert client.get("/api/v1/statistics?by=shoe_size", headers=auditor).status_code == 422
    assert client.get("/api/v1/statistics?territory_id=t-brest", headers=auditor).status_code == 403


def test_the_audit_log_shows_committee_sessions_with_pseudonyms_and_masked_notes(client, as_, identified):
    copilot, auditor = as_("copilot"), as_("auditor")
    session = client.post("/api/v1/committees", headers=copilot, json={
        "group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-06-30"}).get_json()["id"]
    decided = client.post(f"/api/v1/committees/{session}/decisions", headers=copilot, json={
        "pathway_id": identified, "decision": "continue", "note": "Inès Benali poursuit l'E2C"})
    assert decided.status_code == 201, decided.get_json()
    assert client.post(f"/api/v1/committees/{session}/close", headers=copilot,
                       json={"attendance": ["Mission locale"]}).status_code == 200

    events = client.get("/api/v1/audit/events?after=0", headers=auditor).get_json()["items"]
    pseudonym = events[0]["pathway"]
    committee = [e for e in events if e["kind"] == "committee"]
    assert [e["step"] for e in committee] == ["committee_scheduled", "committee_decision", "committee_closed"]
    assert {e["committee_session_id"] for e in committee} == {session}
    assert {e["occurred_on"] for e in committee} == {"2026-06-30"}
    scheduled, decision, closed = committee
    assert scheduled["pathway"] is None and scheduled["data"]["group_id"] == "g-jeunes"
    assert decision["pathway"] == pseudonym and decision["data"]["decision"] == "continue"
    assert decision["data"]["note"] == "[masqué]"
    assert closed["data"]["attendance"] == ["Mission locale"]
    assert [item["pathway"] for item in closed["data"]["agenda"]] == [pseudonym]
    assert identified not in str(events) and "Benali" not in str(events)
    positions = [e["position"] for e in events]
    assert positions == sorted(positions)
    # another territory's auditor sees neither the pathway nor its committee
    assert client.get("/api/v1/audit/events", headers=as_("auditor_brest")).get_json()["items"] == []


def test_the_audit_log_shows_a_companys_events_naming_people_by_pseudonym(client, as_, identified):
    """The bakery registers, posts a need, takes part in a job dating, names a sponsor for the
    person the referent follows and fills its need with her: the evaluator reads all of it in the
    log, the person by her pseudonym, the notes masked; Brest's evaluator sees none of it."""
    cre, auditor = as_("cre"), as_("auditor")
    bakery = client.post("/api/v1/companies", headers=cre, json={
        "siret": "73282932000074", "name": "Boulangerie des Résidences", "size_band": "micro",
        "qpv_location": "in_qpv", "registered_on": "2026-01-05"}).get_json()["id"]
    url = f"/api/v1/companies/{bakery}"
    for path, body in (
            ("needs", {"occurred_on": "2026-06-02", "need_id": "vendeurs", "job_title": "vendeur·se",
                       "contract_type": "cdi", "positions": 1, "starts_on": "2026-07-01",
                       "group_ids": ["g-jeunes"]}),
            ("participations", {"occurred_on": "2026-06-03", "kind": "job_dating",
                                "note": "Inès Benali est venue"}),
            ("sponsors", {"occurred_on": "2026-06-04", "pathway_id": identified, "role": "tutor"}),
            ("need-outcomes", {"occurred_on": "2026-06-25", "need_id": "vendeurs", "outcome": "filled",
                               "positions_filled": 1, "hired_pathway_ids": [identified]})):
        answer = client.post(f"{url}/{path}", headers=cre, json=body)
        assert answer.status_code == 201, (path, answer.get_json())

    events = client.get("/api/v1/audit/events?after=0", headers=auditor).get_json()["items"]
    pseudonym = next(e["pathway"] for e in events if e["kind"] == "pathway")
    company = [e for e in events if e["kind"] == "company"]
    assert [e["step"] for e in company] == [
        "company_registered", "company_need_posted", "company_participated",
        "company_sponsor_named", "company_need_closed"]
    assert {e["company_id"] for e in company} == {bakery}
    assert [e["version"] for e in company] == [1, 2, 3, 4, 5]
    registered, need, dating, sponsor, closed = company
    assert registered["data"]["siret"] == "73282932000074" and registered["pathway"] is None
    assert need["data"]["group_ids"] == ["g-jeunes"] and need["occurred_on"] == "2026-06-02"
    assert dating["data"] == {"kind": "job_dating", "note": "[masqué]"}
    assert sponsor["pathway"] == pseudonym and sponsor["data"]["pathway_id"] == pseudonym
    assert closed["data"]["hired_pathway_ids"] == [pseudonym] and closed["data"]["outcome"] == "filled"
    assert identified not in str(events) and "Benali" not in str(events)
    assert [e["position"] for e in events] == sorted(e["position"] for e in events)
    # a correction of the sponsor names its pathway by pseudonym too
    corrected = client.post(f"{url}/corrections", headers=cre, json={
        "occurred_on": "2026-06-26", "corrects_version": 4, "changes": {"role": "sponsor"},
        "reason": "marraine, pas tutrice"})
    assert corrected.status_code == 201, corrected.get_json()
    last = client.get("/api/v1/audit/events?after=0", headers=auditor).get_json()["items"][-1]
    assert last["step"] == "company_corrected" and last["data"]["changes"] == {"role": "sponsor"}
    # another territory's evaluator sees neither the person nor the company
    assert client.get("/api/v1/audit/events", headers=as_("auditor_brest")).get_json()["items"] == []


def test_a_correction_of_a_note_stays_masked_for_the_evaluator(client, as_, identified):
    """The referent asked the committee to see Inès "because Inès Benali wants to train as a
    baker", then corrected the wording: the evaluator reads that the reason was corrected,
    never the person's name, in the history or in the log (the correction's own reason is free
    text about her too: masked); the referent reads both."""
    referent, auditor = as_("referent"), as_("auditor")
    steps = f"/api/v1/pathways/{identified}/steps"
    referred = client.post(steps, headers=referent, json={
        "step": "committee_referral", "occurred_on": "2026-06-10",
        "reason": "Inès Benali veut devenir boulangère"})
    assert referred.status_code == 201, referred.get_json()
    corrected = client.post(steps, headers=referent, json={
        "step": "corrected", "occurred_on": "2026-06-11",
        "corrects_version": referred.get_json()["version"],
        "changes": {"reason": "Inès Benali veut devenir pâtissière"}, "reason": "métier mal saisi"})
    assert corrected.status_code == 201, corrected.get_json()
    events = client.get("/api/v1/audit/events?after=0", headers=auditor).get_json()["items"]
    pseudonym = events[0]["pathway"]
    history = client.get(f"/api/v1/pathways/{pseudonym}/history", headers=auditor).get_json()["items"]
    for items in (events, history):
        correction = next(i for i in items if i["step"] == "corrected")
        assert correction["data"]["changes"] == {"reason": "[masqué]"}
        assert correction["data"]["reason"] == "[masqué]"
        assert "Benali" not in str(items) and "métier mal saisi" not in str(items)
    own = client.get(f"/api/v1/pathways/{identified}/history", headers=referent).get_json()["items"]
    assert own[-1]["data"]["changes"] == {"reason": "Inès Benali veut devenir pâtissière"}
    assert own[-1]["data"]["reason"] == "métier mal saisi"
