"""Inès asks what is held about her (RGPD, article 15).

Her referent has recorded her pathway with texts about her (a referral's reason, a follow-up
note and its correction, a rupture's reason) and the committee has noted its decision. Her
referent exports her data: her identity, her consent, every step in order with its dates, the
role and structure that recorded it and the texts opened, the committee's decision with its
note opened — and nothing of the professionals' user ids, nor of another person decided in the
same session. Others of the group outside her record, other groups, the evaluator and the
company relations officer cannot export. Once she is erased, the export is the tombstone:
no step, no decision, no text."""

import json

from casecommittee.stores.sealed_texts import ERASED_TEXT, PREFIX

from .conftest import IDENTIFY

REFERRAL = "Inès Benali : situation familiale à étudier"
NOTE = "Inès a raconté la maladie de sa mère, elle dort mal"
NOTE_CORRECTED = "Inès a parlé de la santé de sa mère : elle s'inquiète"
CORRECTION = "note reformulée avec Inès"
RUPTURE = "démission : Inès garde ses frères le soir"
DECISION = "revoir Inès avec l'assistante sociale"
OTHER_NOTE = "Lucas : logement d'urgence à trouver"
TEXTS = (REFERRAL, NOTE, NOTE_CORRECTED, CORRECTION, RUPTURE, DECISION)


def _step(client, as_, pathway_id, body, user="referent") -> dict:
    answer = client.post(f"/api/v1/pathways/{pathway_id}/steps", headers=as_(user), json=body)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def written_pathway(client, as_, ines) -> str:
    """Inès's steps with their texts, Lucas in the same group; the committee decides on both.
    Returns the session id."""
    _step(client, as_, ines, {"step": "committee_referral", "occurred_on": "2026-06-03",
                              "reason": REFERRAL})
    _step(client, as_, ines, {"step": "oriented", "occurred_on": "2026-06-04",
                              "scheme": "Contrat d'engagement jeune", "structure_id": "s-ml",
                              "referent_id": "referent"})
    _step(client, as_, ines, {"step": "hired", "occurred_on": "2026-06-05", "contract_type": "cdi",
                              "weekly_hours": 35,
                              "employer": {"name": "Boulangerie du Lion", "siret": "73282932000074"}})
    contact = _step(client, as_, ines, {"step": "follow_up_contact", "occurred_on": "2026-06-12",
                                        "contacted": "beneficiary", "status": "difficulty",
                                        "note": NOTE})
    _step(client, as_, ines, {"step": "corrected", "occurred_on": "2026-06-13",
                              "corrects_version": contact["version"],
                              "changes": {"note": NOTE_CORRECTED}, "reason": CORRECTION})
    _step(client, as_, ines, {"step": "rupture", "occurred_on": "2026-06-20", "scope": "job",
                              "kind": "resignation", "initiated_by": "beneficiary",
                              "reason": RUPTURE})
    lucas = client.post("/api/v1/pathways", headers=as_("referent2"), json={
        **IDENTIFY, "person": {**IDENTIFY["person"], "first_name": "Lucas"}}).get_json()["id"]
    session = client.post("/api/v1/committees", headers=as_("copilot"), json={
        "group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-06-30"}).get_json()["id"]
    for pathway_id, note in ((ines, DECISION), (lucas, OTHER_NOTE)):
        decided = client.post(f"/api/v1/committees/{session}/decisions", headers=as_("copilot"),
                              json={"pathway_id": pathway_id, "decision": "continue", "note": note})
        assert decided.status_code == 201, decided.get_json()
    return session


def _export(client, as_, pathway_id, user="referent"):
    return client.get(f"/api/v1/pathways/{pathway_id}/personal-data", headers=as_(user))


def exports_logged(client, as_, pathway_id) -> list[str]:
    """Who exported the pathway's personal data, in order (the access log, as the admin reads it)."""
    log = client.get(f"/api/v1/audit/access-log?pathway_id={pathway_id}",
                     headers=as_("admin")).get_json()
    return [entry["user_id"] for entry in log["items"] if entry["action"] == "export_personal_data"]


def test_ines_gets_her_identity_her_steps_their_texts_and_the_committee_decision(
        client, as_, identified):
    session = written_pathway(client, as_, identified)

    answer = _export(client, as_, identified)
    assert answer.status_code == 200, answer.get_json()
    exported = answer.get_json()
    assert exported["pathway_id"] == identified and exported["erased_at"] is None
    assert exported["person"]["first_name"] == "Inès" and exported["person"]["phone"] == "0600000000"
    assert exported["exported_at"].startswith("2026-06-30")
    assert exported["consent"] == {"committee_sharing": True, "given_on": "2026-06-01"}
    # kept two years (730 days) after her last step, the rupture of 20 June 2026
    assert exported["kept_until"] == "2028-06-19"

    # every step in order, in French and by code, with its dates and the structure behind it
    steps = exported["steps"]
    assert [s["step"] for s in steps] == [
        "identified", "referent_assigned", "committee_referral", "oriented", "hired",
        "follow_up_contact", "corrected", "rupture"]
    assert [s["version"] for s in steps] == list(range(1, 9))
    assert steps[0]["step_label"] == "repérage" and steps[-1]["step_label"] == "rupture"
    assert steps[0]["occurred_on"] == "2026-06-01" and steps[0]["recorded_at"].startswith("2026-06-30")
    assert steps[0]["data"]["channel"] == "aller_vers"
    assert steps[0]["data"]["profile"]["qpv_code"] == "QN09001M"
    assert {tuple(s["recorded_by"].values()) for s in steps} == {
        ("referent", "s-ml", "Mission locale")}
    by_code = {s["step"]: s["data"] for s in steps}
    assert by_code["hired"]["employer"]["name"] == "Boulangerie du Lion"

    # the texts written about her, opened with her key
    assert by_code["committee_referral"]["reason"] == REFERRAL
    assert by_code["follow_up_contact"]["note"] == NOTE
    assert by_code["corrected"]["changes"]["note"] == NOTE_CORRECTED
    assert by_code["corrected"]["reason"] == CORRECTION
    assert by_code["rupture"]["reason"] == RUPTURE

    # her referent is named; no professional's user id is given
    assert by_code["referent_assigned"] == {"referent_name": "Referent", "structure_id": "s-ml"}
    assert by_code["oriented"]["referent_name"] == "Referent"
    text = json.dumps(exported, ensure_ascii=False)
    assert '"user_id"' not in text and '"referent_id"' not in text and '"decided_by"' not in text

    # the committee's decision about her, its note opened; nothing of Lucas
    (decision,) = exported["decisions"]
    assert decision == {
        "session_id": session, "committee_kind": "orientation",
        "committee_kind_label": "comité d'orientation", "held_on": "2026-06-30",
        "decision": "continue", "decision_label": "poursuite de l'accompagnement",
        "note": DECISION, "orientation": None, "decided_at": decision["decided_at"]}
    assert OTHER_NOTE not in text and "Lucas" not in text and PREFIX not in text

    # her group's co-pilot exports the same; each export is in the access log
    by_copilot = _export(client, as_, identified, "copilot").get_json()
    assert {**by_copilot, "exported_at": None} == {**exported, "exported_at": None}
    assert exports_logged(client, as_, identified) == ["referent", "copilot"]


def test_no_one_outside_her_record_exports_it(client, as_, identified, app):
    written_pathway(client, as_, identified)
    pseudonym = app.extensions["casecommittee"].pseudonyms.of(identified)

    colleague = _export(client, as_, identified, "referent2")  # same group, not her referent
    assert colleague.status_code == 403
    assert colleague.content_type == "application/problem+json"
    assert _export(client, as_, identified, "referent_familles").status_code == 404
    for user in ("auditor", "cre", "admin"):
        assert _export(client, as_, identified, user).status_code == 403, user
    assert client.get(f"/api/v1/pathways/{pseudonym}/personal-data",
                      headers=as_("auditor")).status_code == 403
    assert client.get(f"/api/v1/pathways/{identified}/personal-data").status_code == 401
    unknown = "00000000-0000-0000-0000-000000000000"
    assert _export(client, as_, unknown).status_code == 404
    assert exports_logged(client, as_, identified) == []


def test_once_erased_the_export_is_the_tombstone_and_holds_no_text(client, as_, identified):
    written_pathway(client, as_, identified)

    erased = client.delete(f"/api/v1/pathways/{identified}/personal-data", headers=as_("referent"),
                           json={"reason": "demande d'effacement (RGPD, article 17)"})
    assert erased.status_code == 200, erased.get_json()
    tombstone = erased.get_json()
    assert tombstone["person"] is None and tombstone["consent"] is None
    assert tombstone["steps"] == [] and tombstone["decisions"] == []

    for user in ("referent", "copilot"):
        exported = _export(client, as_, identified, user)
        assert exported.status_code == 200
        document = exported.get_json()
        assert document["person"] is None and document["erased_at"].startswith("2026-06-30")
        assert document["erased_at"].endswith("+00:00")  # (UTC, said: as exported_at)
        assert document["erasure_reason"] == "demande d'effacement (RGPD, article 17)"
        assert document["consent"] is None and document["steps"] == [] and document["decisions"] == []
        assert document["kept_until"] is None
        text = json.dumps(document, ensure_ascii=False)
        assert not any(written in text for written in TEXTS)
        assert PREFIX not in text and ERASED_TEXT not in text
    # the history remains (pseudonymous), as before
    history = client.get(f"/api/v1/pathways/{identified}/history", headers=as_("copilot")).get_json()
    assert len(history["items"]) == 8
    assert exports_logged(client, as_, identified) == ["referent", "copilot"]


def test_an_orientation_decided_in_committee_names_her_referent_not_his_user_id(
        client, as_, identified):
    session = client.post("/api/v1/committees", headers=as_("copilot"), json={
        "group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-06-30"}).get_json()["id"]
    decided = client.post(f"/api/v1/committees/{session}/decisions", headers=as_("copilot"), json={
        "pathway_id": identified, "decision": "orient", "note": DECISION,
        "orientation": {"scheme": "Garantie jeunes", "structure_id": "s-ml",
                        "referent_id": "referent2"}})
    assert decided.status_code == 201, decided.get_json()

    exported = _export(client, as_, identified, "copilot").get_json()
    (decision,) = exported["decisions"]
    assert decision["decision_label"] == "orientation" and decision["note"] == DECISION
    assert decision["orientation"] == {"scheme": "Garantie jeunes", "structure_id": "s-ml",
                                       "referent_name": "Referent2"}
    oriented = exported["steps"][-1]
    assert oriented["step"] == "oriented" and oriented["recorded_by"]["role"] == "copilot"
    assert oriented["data"]["referent_name"] == "Referent2"
    assert oriented["data"]["committee_session_id"] == session
    assert "referent_id" not in json.dumps(exported)
