"""A referent's day in the pages: repérage, steps, the rules' refusals next to the field, the
follow-up calendar, a correction, the person's record — through the API's own paths."""

import re
import uuid

from sqlalchemy import select

from casecommittee.stores.access_log import access_log

from .conftest import identify_form


def _pathway_url(answer) -> str:
    return answer.headers["Location"].split("?")[0]


def _identify(b, **changes) -> str:
    answer = b.post("/reperage", identify_form(**changes))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return _pathway_url(answer)


def _version(b, url) -> str:
    return re.search(r'name="version" value="(\d+)"', b.get(url).get_data(as_text=True))[1]


def _step(b, url, code, **fields):
    return b.post(f"{url}/etapes/{code}", {"version": _version(b, url), **fields})


def test_the_referent_identifies_someone_and_finds_her_by_name(signed_in, system):
    b = signed_in("referent")
    url = _identify(b)
    pathway_id = url.rsplit("/", 1)[1]
    assert system.personal_data.get(uuid.UUID(pathway_id))["last_name"] == "Benali"
    _step(b, url, "referent_assigned", occurred_on="2026-06-02", referent_id="referent")
    page = b.post("/file-active", {"q": "benali"}).get_data(as_text=True)
    assert "Inès Benali" in page and "repéré, pas encore orienté" in page
    assert "Inès Benali" not in b.post("/file-active", {"q": "martin"}).get_data(as_text=True)


def test_a_name_searched_never_travels_in_the_address(signed_in):
    """The server's access log and the browser's history record addresses: the search form
    sends the name in the request's body, and a name put in the address searches nothing."""
    b = signed_in("referent")
    url = _identify(b)
    _step(b, url, "referent_assigned", occurred_on="2026-06-02", referent_id="referent")
    _identify(b, **{"person.first_name": "Lina", "person.last_name": "Martin"})
    form = re.search(r'<form[^>]*role="search"[^>]*>', b.get("/file-active").get_data(as_text=True))[0]
    assert 'method="post"' in form
    assert "Inès Benali" in b.post("/file-active", {"q": "benali"}).get_data(as_text=True)
    assert b.get("/file-active?q=martin").status_code == 400


def test_the_repérage_form_shows_the_api_s_errors_next_to_the_fields_and_writes_nothing(signed_in, system):
    b = signed_in("referent")
    late_birth = b.post("/reperage", identify_form(**{"person.birth_date": "2026-06-05"}))
    assert late_birth.status_code == 422
    assert re.search(r'id="person-birth_date-error">la date de naissance doit précéder le repérage<',
                     late_birth.get_data(as_text=True))
    answer = b.post("/reperage", identify_form(**{"person.last_name": "", "profile.sex": "Z"}))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="person-last_name-error"' in page
    assert 'id="profile-sex-error"' in page
    assert (system.app.recorder.max_notification_id() or 0) == 0


def test_orientation_immersion_hire_and_the_follow_up_calendar(signed_in):
    b = signed_in("referent")
    url = _identify(b)
    _step(b, url, "referent_assigned", occurred_on="2026-06-02", referent_id="referent")
    assert _step(b, url, "oriented", occurred_on="2026-06-03", scheme="PMSMP").status_code == 302
    started = _step(b, url, "immersion_started", occurred_on="2026-06-04", **{
        "host.name": "Boulangerie Marchal", "host.siret": "73282932000074", "ends_on": "2026-06-15",
        "hours_per_week": "30", "objective": "recruit"})
    assert started.status_code == 302, started.get_data(as_text=True)
    _step(b, url, "immersion_ended", occurred_on="2026-06-15", status="completed", led_to_hire="true")
    hired = _step(b, url, "hired", occurred_on="2026-06-16", **{
        "employer.name": "Boulangerie Marchal", "contract_type": "cdi", "weekly_hours": "35"})
    assert hired.status_code == 302, hired.get_data(as_text=True)
    page = b.get(url).get_data(as_text=True)
    assert "Suivi 15 semaines" in page and "semaine 1" in page and "semaine 15" in page
    assert "23/06/2026" in page  # week 1 after a hire on 16/06/2026
    assert "29/09/2026" in page  # validation from day 105
    assert "en emploi (suivi 15 semaines)" in page


def test_a_rule_refused_is_shown_next_to_its_field(signed_in, system):
    b = signed_in("referent")
    url = _identify(b)
    _step(b, url, "oriented", occurred_on="2026-06-03", scheme="PMSMP")
    before = system.app.recorder.max_notification_id()
    answer = _step(b, url, "immersion_started", occurred_on="2026-06-04", **{
        "host.name": "Garage Vidal", "host.siret": "73282932000074", "ends_on": "2026-07-20",
        "hours_per_week": "30",
        "objective": "discover"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    error = re.search(r'id="ends_on-error">([^<]+)<', page)
    assert error and "30" in error[1]
    assert 'id="immersion_started-ends_on"' in page and 'aria-invalid="true"' in page
    assert system.app.recorder.max_notification_id() == before


def test_a_stale_form_is_refused_as_if_match_would_be(signed_in):
    b = signed_in("referent")
    url = _identify(b)
    answer = b.post(f"{url}/etapes/oriented", {"version": "7", "occurred_on": "2026-06-03",
                                               "scheme": "PMSMP"})
    assert answer.status_code == 422 and "relisez-le" in answer.get_data(as_text=True)


def test_a_past_event_is_corrected_with_its_reason(signed_in):
    """(Her referent reads the reason: texts about a person are read by whoever reads them.)"""
    b = signed_in("referent")
    url = _identify(b, assign_me="1")
    _step(b, url, "oriented", occurred_on="2026-06-03", scheme="PMSMP")
    answer = b.post(f"{url}/correction", {"version": _version(b, url), "corrects_version": "3",
                                          "change_field": "scheme", "change_value": "E2C",
                                          "occurred_on": "2026-06-30", "reason": "erreur de saisie"})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    page = b.get(url).get_data(as_text=True)
    assert "Correction" in page and "erreur de saisie" in page and "E2C" in page


def test_a_date_is_corrected_as_she_types_it_and_a_wrong_value_is_shown_where_she_typed_it(signed_in):
    b = signed_in("referent")
    url = _identify(b)
    _step(b, url, "oriented", occurred_on="2026-06-03", scheme="PMSMP")
    form = {"corrects_version": "2", "change_field": "occurred_on", "occurred_on": "2026-06-30",
            "reason": "erreur de saisie"}
    page = b.get(url).get_data(as_text=True)
    assert '<option value="occurred_on">Date de l&#39;étape</option>' in page
    assert "Heures par semaine (emploi)" in page and "Heures par semaine (immersion)" in page
    wrong = b.post(f"{url}/correction", {**form, "version": _version(b, url), "change_value": "le 4 juin"})
    assert wrong.status_code == 422
    assert re.search(r'id="change_value-error">date attendue', wrong.get_data(as_text=True))
    answer = b.post(f"{url}/correction", {**form, "version": _version(b, url), "change_value": "04/06/2026"})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert "Date de l&#39;étape → 04/06/2026" in b.get(url).get_data(as_text=True)


def test_reading_the_person_s_record_is_logged(signed_in, system):
    b = signed_in("referent")
    url = _identify(b)
    _step(b, url, "referent_assigned", occurred_on="2026-06-02", referent_id="referent")
    record = b.get(f"{url}/fiche")
    assert record.status_code == 200 and "0600000000" in record.get_data(as_text=True)
    with system.engine.connect() as conn:
        actions = [r.action for r in conn.execute(select(access_log).where(access_log.c.user_id == "referent"))]
    assert "read_person" in actions and "identify" in actions and "log_step" in actions


def test_another_referent_of_the_group_sees_the_pathway_but_not_the_person(signed_in):
    first = signed_in("referent")
    url = _identify(first)
    _step(first, url, "referent_assigned", occurred_on="2026-06-02", referent_id="referent")
    b = signed_in("referent2")
    page = b.get(url)
    assert page.status_code == 200 and "Benali" not in page.get_data(as_text=True)
    assert b.get(f"{url}/fiche").status_code == 403
    assert signed_in("referent_familles").get(url).status_code == 404
