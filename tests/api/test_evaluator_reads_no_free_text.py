"""An evaluator reads what the committees did without reading what the professionals wrote
about a person: a decision's note names people and their lives (and the agenda never prints a
referral's reason), so the agenda and the minutes show it masked to the evaluator (JSON, HTML and CSV alike), as the
pathway's history and the event log do, while the group's co-pilot reads them in clear."""

from .conftest import IDENTIFY

REASON = "Inès ne vient plus depuis la séparation de ses parents"
NOTE = "Inès Benali : revoir avec sa mère la question du logement"


def _session_with_a_referral_and_a_note(client, as_, identified) -> str:
    referred = client.post(f"/api/v1/pathways/{identified}/steps", headers=as_("referent"), json={
        "step": "committee_referral", "occurred_on": "2026-06-03", "reason": REASON})
    assert referred.status_code == 201, referred.get_json()
    session = client.post("/api/v1/committees", headers=as_("copilot"), json={
        "group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-06-30"}).get_json()["id"]
    decided = client.post(f"/api/v1/committees/{session}/decisions", headers=as_("copilot"),
                          json={"pathway_id": identified, "decision": "continue", "note": NOTE})
    assert decided.status_code == 201, decided.get_json()
    return session


def _read_every_format(client, headers, url) -> dict:
    texts = {}
    for accept in ("application/json", "text/html", "text/csv"):
        answer = client.get(url, headers={**headers, "Accept": accept})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        texts[accept] = answer.get_data(as_text=True)
    return texts


def test_an_evaluator_reads_the_agenda_and_the_minutes_with_the_free_text_masked(
        client, as_, identified, app):
    session = _session_with_a_referral_and_a_note(client, as_, identified)
    pseudonym = app.extensions["casecommittee"].pseudonyms.of(identified)

    for document in ("agenda", "minutes"):
        if document == "minutes":
            assert client.post(f"/api/v1/committees/{session}/close", headers=as_("copilot"),
                               json={"attendance": ["Mission locale"]}).status_code == 200
        url = f"/api/v1/committees/{session}/{document}"
        for accept, text in _read_every_format(client, as_("auditor"), url).items():
            assert "Inès" not in text and "séparation" not in text and "logement" not in text, \
                (document, accept)
            assert identified not in text
        item = client.get(url, headers=as_("auditor")).get_json()["items"][0]
        assert item["pathway_id"] == pseudonym
        assert item["decision"]["note"] == "[masqué]" and item["decision"]["decision"] == "continue"

        seen = client.get(url, headers=as_("copilot")).get_json()["items"][0]
        assert seen["decision"]["note"] == NOTE


def test_a_decision_without_a_note_reads_without_one_for_the_evaluator(client, as_):
    created = client.post("/api/v1/pathways", json=IDENTIFY, headers=as_("referent")).get_json()["id"]
    session = client.post("/api/v1/committees", headers=as_("copilot"), json={
        "group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-06-30"}).get_json()["id"]
    assert client.post(f"/api/v1/committees/{session}/decisions", headers=as_("copilot"),
                       json={"pathway_id": created, "decision": "postpone"}).status_code == 201
    item = client.get(f"/api/v1/committees/{session}/agenda", headers=as_("auditor")).get_json()["items"][0]
    assert item["decision"]["note"] is None


IMMERSION = {"step": "immersion_started", "occurred_on": "2026-06-10", "ends_on": "2026-06-20",
             "host": {"name": "Boulangerie des Résidences", "siret": "73282932000074"},
             "hours_per_week": 35, "objective": "discover"}


def test_an_evaluator_reads_the_replay_check_differences_under_pseudonyms_only(
        client, as_, identified, app, system):
    from sqlalchemy import delete

    from casecommittee.projections.placements import company_placements

    assert client.post(f"/api/v1/pathways/{identified}/steps", headers=as_("referent"),
                       json=IMMERSION).status_code == 201
    with system.engine.begin() as conn:  # a read model drifts from the log
        assert conn.execute(delete(company_placements)).rowcount == 1

    report = client.get("/api/v1/audit/replay-check", headers=as_("auditor")).get_json()
    pseudonym = app.extensions["casecommittee"].pseudonyms.of(identified)
    missing = [d for d in report["differences"] if d["table"] == "company_placements"]
    assert [d["key"] for d in missing] == [[pseudonym, "0"]]
    assert identified not in str(report)
    # the coordinator, who repairs the read models, reads the ids
    report = client.get("/api/v1/audit/replay-check", headers=as_("admin")).get_json()
    assert [d["key"][0] for d in report["differences"] if d["table"] == "company_placements"] \
        == [identified]


def test_an_evaluator_pages_through_the_pathways_with_cursors_that_hold_no_pathway_id(
        client, as_, app):
    """A cursor is opaque, not secret: base64 of JSON. Its position names the last pathway of
    the page, by pseudonym for an evaluator."""
    import base64
    import json

    created = [client.post("/api/v1/pathways", headers=as_("referent"), json={
        **IDENTIFY, "identified_on": on}).get_json()["id"] for on in ("2026-06-01", "2026-06-02",
                                                                       "2026-06-03")]
    pseudonyms = app.extensions["casecommittee"].pseudonyms
    seen, cursor = [], None
    while True:
        answer = client.get("/api/v1/pathways?limit=1" + (f"&cursor={cursor}" if cursor else ""),
                            headers=as_("auditor")).get_json()
        seen += [item["id"] for item in answer["items"]]
        cursor = answer["next_cursor"]
        if cursor is None:
            break
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        assert not set(created) & set(position), position
        assert position[1] == seen[-1]
    assert seen == [pseudonyms.of(pid) for pid in reversed(created)]
    assert client.get("/api/v1/pathways?cursor=" + base64.urlsafe_b64encode(json.dumps(
        ["2026-06-03", created[2]]).encode()).decode(), headers=as_("auditor")).status_code == 400
    # a referent's cursor names her pathways by id, as her items do
    page = client.get("/api/v1/pathways?limit=1", headers=as_("referent")).get_json()
    assert page["items"][0]["id"] == created[2]
