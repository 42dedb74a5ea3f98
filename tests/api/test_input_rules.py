"""What a referent's tool may send, point by point: text is clean, types are strict, bodies are
JSON of a sane size, hosts and referents cannot be dodged, and each error names the field sent."""

import json

import pytest

from .conftest import IDENTIFY, counts

HOST = {"name": "Boulangerie du Lion", "siret": "44306184100005"}


def _steps(pid):
    return f"/api/v1/pathways/{pid}/steps"


def _refused(response, field, status=422):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.content_type == "application/problem+json"
    errors = response.get_json().get("errors") or {}
    if field is not None:
        assert field in errors, errors
        return errors[field]
    return response.get_json()


def _identify(client, as_, **changes):
    body = {**IDENTIFY, **changes}  # JSON escapes (\ud800) carry what UTF-8 cannot
    return client.post("/api/v1/pathways", data=json.dumps(body), content_type="application/json",
                       headers=as_("referent"))


# ---- 5. text ------------------------------------------------------------------------------

@pytest.mark.parametrize("first_name, why", [
    ("Ba\ud800se", "demi-paire"), ("Ba\x00se", "NUL"), ("Ba\x07se", "contrôle"),
    ("Ba\nse", "saut de ligne"), ("Ba\tse", "tabulation"), ("Ba\x85se", "contrôle"),
])
def test_a_name_with_a_lone_surrogate_or_a_control_character_is_refused(client, as_, system,
                                                                          first_name, why):
    before = counts(system)
    messages = _refused(_identify(client, as_, person={**IDENTIFY["person"],
                                                       "first_name": first_name}),
                        "person.first_name")
    assert why in messages[0] and "position 3" in messages[0]
    assert counts(system) == before


def test_names_are_stored_trimmed_and_composed_and_blank_ones_are_refused(client, as_):
    decomposed = "  Ine\u0300s\u00a0"  # e + combining grave, a no-break space after
    created = _identify(client, as_, person={**IDENTIFY["person"], "first_name": decomposed})
    assert created.status_code == 201, created.get_json()
    pid = created.get_json()["id"]
    person = client.get(f"/api/v1/pathways/{pid}/personal-data", headers=as_("copilot")).get_json()
    assert person["person"]["first_name"] == "Inès"

    for blank in ("", "   ", "\u3000\u00a0"):
        messages = _refused(_identify(client, as_, person={**IDENTIFY["person"], "last_name": blank}),
                            "person.last_name")
        assert "vide" in messages[0]


def test_a_note_keeps_its_lines_but_a_label_must_hold_on_one(client, as_, identified):
    hired = client.post(_steps(identified), headers=as_("referent"), json={
        "step": "hired", "occurred_on": "2026-06-05", "contract_type": "cdi", "weekly_hours": 35,
        "employer": {"name": "Alstom Transport", "siret": "38965558600003"}})
    assert hired.status_code == 201, hired.get_json()
    contact = {"step": "follow_up_contact", "occurred_on": "2026-06-12", "contacted": "employer",
               "status": "difficulty", "note": "retards répétés\r\n\t- point avec le tuteur"}
    logged = client.post(_steps(identified), headers=as_("referent"), json=contact)
    assert logged.status_code == 201, logged.get_json()
    history = client.get(f"/api/v1/pathways/{identified}/history", headers=as_("referent"))
    assert history.get_json()["items"][-1]["data"]["note"] == "retards répétés\n\t- point avec le tuteur"

    _refused(client.post(_steps(identified), headers=as_("referent"), json={
        "step": "rupture", "occurred_on": "2026-06-20", "scope": "job", "kind": "other",
        "initiated_by": "employer", "reason": "ligne 1\nligne 2"}), "reason")


# ---- 6. strict types, sets, dates, phones, e-mails -----------------------------------------

@pytest.mark.parametrize("changes, field", [
    ({"consent": {"committee_sharing": "yes"}}, "consent.committee_sharing"),
    ({"consent": {"committee_sharing": 1}}, "consent.committee_sharing"),
    ({"profile": {**IDENTIFY["profile"], "flags": ["rsa", "rsa"]}}, "profile.flags"),
    ({"person": {**IDENTIFY["person"], "phone": "<script>alert(1)</script>"}}, "person.phone"),
    ({"person": {**IDENTIFY["person"], "phone": "0600"}}, "person.phone"),
    ({"person": {**IDENTIFY["person"], "email": "ines@"}}, "person.email"),
    ({"person": {**IDENTIFY["person"], "birth_date": "1850-01-01"}}, "person.birth_date"),
    ({"identified_on": "1999-12-31"}, "identified_on"),
    ({"consent": {"committee_sharing": True, "given_on": "9999-12-31"}}, "consent.given_on"),
])
def test_lenient_values_are_refused(client, as_, system, changes, field):
    before = counts(system)
    _refused(_identify(client, as_, **changes), field)
    assert counts(system) == before


def test_phones_are_french_or_international_and_stored_as_typed(client, as_):
    for phone in ("06 12 34 56 78", "+33 6 12 34 56 78", "03.84.54.24.24", "+49 30 1234567"):
        created = _identify(client, as_, person={**IDENTIFY["person"], "phone": phone})
        assert created.status_code == 201, (phone, created.get_json())


def test_numbers_are_json_numbers(client, as_, identified):
    body = {"step": "immersion_started", "occurred_on": "2026-06-10", "ends_on": "2026-06-20",
            "host": HOST, "objective": "discover"}
    for hours in ("35", True, "35h"):
        _refused(client.post(_steps(identified), headers=as_("referent"),
                             json={**body, "hours_per_week": hours}), "hours_per_week")
    accepted = client.post(_steps(identified), headers=as_("referent"),
                           json={**body, "hours_per_week": 35})
    assert accepted.status_code == 201, accepted.get_json()


@pytest.mark.parametrize("held_on", ["9999-12-31", "1900-01-01", "2029-01-01"])
def test_a_committee_is_held_in_a_sane_window(client, as_, held_on):
    _refused(client.post("/api/v1/committees", headers=as_("copilot"), json={
        "group_id": "g-jeunes", "kind": "orientation", "held_on": held_on}), "held_on")
    planned = client.post("/api/v1/committees", headers=as_("copilot"), json={
        "group_id": "g-jeunes", "kind": "orientation", "held_on": "2027-06-30"})
    assert planned.status_code == 201, planned.get_json()


# ---- 7. parser limits ---------------------------------------------------------------------

def test_a_body_over_the_configured_size_is_refused_unread(system, reference, as_):
    from casecommittee.web import create_app

    client = create_app(system, {"TESTING": True, "MAX_CONTENT_LENGTH": 2048}).test_client()
    body = {**IDENTIFY, "person": {**IDENTIFY["person"], "address": "x" * 190}}
    assert client.post("/api/v1/pathways", json=body, headers=as_("referent")).status_code == 201
    answer = client.post("/api/v1/pathways", headers=as_("referent"),
                         json={**body, "padding": "x" * 4000})
    assert _refused(answer, None, 413)["type"] == "about:blank"


def test_a_default_limit_comes_from_the_settings(system, reference):
    from casecommittee.web import create_app

    assert create_app(system).config["MAX_CONTENT_LENGTH"] == system.settings.max_body_bytes == 65536


@pytest.mark.parametrize("kwargs, status", [
    ({"data": "[" * 5000 + "]" * 5000, "content_type": "application/json"}, 400),
    ({"data": '{"a":' * 30 + "1" + "}" * 30, "content_type": "application/json"}, 400),
    ({"data": "first_name=Inès", "content_type": "text/plain"}, 415),
    ({"data": {"first_name": "Inès"}}, 415),
    ({"data": '{"group_id": ' + "9" * 5000 + "}", "content_type": "application/json"}, 400),
])
def test_a_body_that_is_not_sane_json_is_refused(client, as_, system, kwargs, status):
    before = counts(system)
    problem = _refused(client.post("/api/v1/pathways", headers=as_("referent"), **kwargs), None,
                       status)
    assert problem["status"] == status
    assert counts(system) == before


def test_the_openapi_document_tells_the_limits(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "414" in spec["info"]["description"]  # gunicorn's own, before the app
    with_body = [operation for path in spec["paths"].values() for operation in path.values()
                 if "requestBody" in operation]
    assert len(with_body) == 25  # 11 for pathways, committees and reference data; 3 for imports; 11 for companies
    for operation in with_body:
        assert {"400", "413", "415", "422"} <= set(operation["responses"]), operation["summary"]


# ---- 8. rules that cannot be walked around -------------------------------------------------

def test_a_host_is_identified_by_a_valid_siret(client, as_, identified):
    body = {"step": "immersion_started", "occurred_on": "2026-06-03", "ends_on": "2026-06-20",
            "hours_per_week": 35, "objective": "discover"}
    _refused(client.post(_steps(identified), headers=as_("referent"),
                         json={**body, "host": {"name": "Boulangerie du Lion"}}), "host.siret")
    for wrong in ("44306184100006", "4430618410000", "4430618410000A"):
        messages = _refused(client.post(_steps(identified), headers=as_("referent"), json={
            **body, "host": {"name": "Boulangerie du Lion", "siret": wrong}}), "host.siret")
        assert "clé de contrôle" in messages[0]
    la_poste = {"name": "La Poste Belfort", "siret": "35600000049837"}  # sum of digits ÷ 5
    started = client.post(_steps(identified), headers=as_("referent"), json={**body, "host": la_poste})
    assert started.status_code == 201, started.get_json()


def test_a_third_pmsmp_with_the_same_host_is_refused_whatever_its_name(client, as_, identified):
    def immersion(starts, ends, host, renews):
        started = client.post(_steps(identified), headers=as_("referent"), json={
            "step": "immersion_started", "occurred_on": starts, "ends_on": ends, "host": host,
            "hours_per_week": 30, "objective": "confirm", "renews": renews})
        if started.status_code == 201:
            ended = client.post(_steps(identified), headers=as_("referent"), json={
                "step": "immersion_ended", "occurred_on": ends, "status": "completed",
                "led_to_hire": False})
            assert ended.status_code == 201, ended.get_json()
        return started

    assert immersion("2026-06-03", "2026-06-10", HOST, False).status_code == 201
    renamed = {"name": "SARL Le Lion (boulangerie)", "siret": HOST["siret"]}
    assert immersion("2026-06-11", "2026-06-18", renamed, True).status_code == 201
    third = immersion("2026-06-19", "2026-06-26", {"name": "Autre enseigne", "siret": HOST["siret"]},
                      True)
    assert "renouvelable qu'une fois" in _refused(third, "host")[0]


def test_a_referent_outside_the_pathway_group_is_refused(client, as_, system, identified):
    before = counts(system)
    messages = _refused(client.post(_steps(identified), headers=as_("referent"), json={
        "step": "referent_assigned", "occurred_on": "2026-06-10",
        "referent_id": "referent_familles"}), "referent_id")
    assert "groupe de travail" in messages[0]
    _refused(client.post(_steps(identified), headers=as_("referent"), json={
        "step": "corrected", "occurred_on": "2026-06-10", "corrects_version": 2,
        "changes": {"referent_id": "referent_familles"}, "reason": "erreur"}), "changes.referent_id")
    assert counts(system) == before
    moved = client.post(_steps(identified), headers=as_("referent"), json={
        "step": "referent_assigned", "occurred_on": "2026-06-10", "referent_id": "referent2"})
    assert moved.status_code == 201, moved.get_json()
    assert client.get(f"/api/v1/pathways/{identified}", headers=as_("referent2")).status_code == 200


def test_a_committee_cannot_orient_to_a_referent_outside_the_group(client, as_, identified):
    session = client.post("/api/v1/committees", headers=as_("copilot"), json={
        "group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-06-29"}).get_json()["id"]
    _refused(client.post(f"/api/v1/committees/{session}/decisions", headers=as_("copilot"), json={
        "pathway_id": identified, "decision": "orient",
        "orientation": {"scheme": "CEJ", "referent_id": "referent_familles"}}),
        "orientation.referent_id")


# ---- 9. errors on the request's fields, in French, saying what to do ------------------------

def test_a_future_identification_is_reported_on_identified_on(client, as_, system):
    messages = _refused(_identify(client, as_, identified_on="2026-07-01"), "identified_on")
    assert "futur" in messages[0] and "au plus tard aujourd'hui" in messages[0]


def test_an_implausible_age_is_reported_on_the_birth_date(client, as_):
    young = {**IDENTIFY["person"], "birth_date": "2020-01-01"}
    messages = _refused(_identify(client, as_, person=young), "person.birth_date")
    assert "invraisemblable" in messages[0]


def test_a_decision_before_the_session_is_reported_on_the_decision(client, as_, system, identified):
    session = client.post("/api/v1/committees", headers=as_("copilot"), json={
        "group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-07-03"}).get_json()["id"]
    before = counts(system)
    for decision in ({"decision": "orient", "orientation": {"scheme": "CEJ"}},
                     {"decision": "continue"}):
        messages = _refused(client.post(f"/api/v1/committees/{session}/decisions",
                                        headers=as_("copilot"),
                                        json={"pathway_id": identified, **decision}), "decision")
        assert "03/07/2026" in messages[0] and "pas encore eu lieu" in messages[0]
    assert counts(system) == before
