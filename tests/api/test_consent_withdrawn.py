"""Inès consented to committee sharing, was studied by the committee of 30 June, then withdrew
her consent (a correction of her identification). The minutes are read again later: their
names are resolved at each reading, so from then on they show her pseudonym, as the agenda of
the next session does; the decision taken on her stays."""

from .conftest import IDENTIFY


def test_minutes_read_after_a_withdrawal_of_consent_show_the_pseudonym(client, as_, app):
    ines = client.post("/api/v1/pathways", json=IDENTIFY, headers=as_("referent")).get_json()["id"]
    copilot = as_("copilot")
    session = client.post("/api/v1/committees", headers=copilot, json={
        "group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-06-30"}).get_json()["id"]
    assert client.post(f"/api/v1/committees/{session}/decisions", headers=copilot,
                       json={"pathway_id": ines, "decision": "postpone"}).status_code == 201
    assert client.post(f"/api/v1/committees/{session}/close", headers=copilot,
                       json={"attendance": ["Mission locale"]}).status_code == 200
    minutes = f"/api/v1/committees/{session}/minutes"
    assert client.get(minutes, headers=copilot).get_json()["items"][0]["label"] == "Inès B."

    withdrawn = client.post(f"/api/v1/pathways/{ines}/steps", headers=copilot, json={
        "step": "corrected", "occurred_on": "2026-06-30", "corrects_version": 1,
        "changes": {"consent": {"committee_sharing": False, "given_on": None}},
        "reason": "retrait du consentement au partage en comité"})
    assert withdrawn.status_code == 201, withdrawn.get_json()

    pseudonym = app.extensions["casecommittee"].pseudonyms.of(ines)
    for reader in ("copilot", "referent"):
        item = client.get(minutes, headers=as_(reader)).get_json()["items"][0]
        assert item["label"] == pseudonym and item["decision"]["decision"] == "postpone"
        for accept in ("text/html", "text/csv"):
            text = client.get(minutes, headers={**as_(reader), "Accept": accept}).get_data(as_text=True)
            assert "Inès" not in text and pseudonym in text
