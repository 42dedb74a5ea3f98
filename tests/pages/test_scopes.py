"""Each page × each role, as the API's matrix does: who gets the page, who is refused (403),
and who is told it does not exist in their scope (404)."""

import io

import pytest

from api.spreadsheets import csv_file

from .conftest import identify_form

ROLES = ("referent", "copilot", "auditor", "admin", "referent_familles", "cre", "cre_brest")


@pytest.fixture
def territory(signed_in):
    """A pathway of "jeunes" (the referent's), a closed session of its committee, an import
    into it awaiting confirmation, and a company with a need offered to "jeunes"."""
    referent = signed_in("referent")
    created = referent.post("/reperage", identify_form(assign_me="1"))
    pathway = created.headers["Location"].split("?")[0].rsplit("/", 1)[1]
    copilot = signed_in("copilot")
    scheduled = copilot.post("/comites/", {"group_id": "g-jeunes", "kind": "orientation",
                                           "held_on": "2026-06-30"})
    session = scheduled.headers["Location"].rsplit("/", 1)[1]
    copilot.post(f"/comites/{session}/cloture", {"attendance": "Mission locale"})
    referent.get("/imports/")
    uploaded = referent.post("/imports/", {"group_id": "g-jeunes", "file": (io.BytesIO(csv_file()), "liste.csv")},
                             content_type="multipart/form-data")
    cre = signed_in("cre")
    registered = cre.post("/entreprises/", {"siret": "73282932000074", "name": "Boulangerie",
                                            "size_band": "micro", "qpv_location": "in_qpv",
                                            "registered_on": "2026-01-05"})
    company = registered.headers["Location"].rsplit("/", 1)[1]
    cre.post(f"/entreprises/{company}/besoin", {
        "occurred_on": "2026-06-02", "need_id": "vendeurs", "job_title": "vendeur·se",
        "contract_type": "cdi", "positions": "2", "starts_on": "2026-07-01", "group_ids": "g-jeunes"})
    return {"pathway": pathway, "session": session, "company": company,
            "import": uploaded.headers["Location"].rsplit("/", 1)[1]}


#: page → the status each role gets (referent, copilot, auditor, admin, referent of another group,
#: chargée de relation entreprises, chargée of another territory).
MATRIX = {
    "/file-active": (200, 200, 403, 403, 200, 403, 403),
    "/reperage": (200, 200, 403, 403, 200, 403, 403),
    "/parcours/{pathway}": (200, 200, 404, 403, 404, 403, 403),
    "/parcours/{pathway}/fiche": (200, 200, 403, 403, 404, 403, 403),
    "/comites/": (200, 200, 200, 403, 200, 403, 403),
    "/comites/{session}": (200, 200, 200, 403, 404, 403, 403),
    "/comites/{session}/compte-rendu": (200, 200, 200, 403, 404, 403, 403),
    "/comites/{session}/compte-rendu.csv": (200, 200, 200, 403, 404, 403, 403),
    "/statistiques/": (200, 200, 200, 200, 200, 200, 200),
    "/statistiques/bilan": (200, 200, 200, 200, 200, 200, 200),
    "/audit/": (403, 403, 200, 403, 403, 403, 403),
    "/audit/evenements": (403, 403, 200, 403, 403, 403, 403),
    "/administration/": (403, 403, 403, 200, 403, 403, 403),
    "/administration/effacements": (403, 403, 403, 200, 403, 403, 403),
    "/notifications/": (200, 200, 200, 200, 200, 200, 200),
    "/imports/": (200, 200, 403, 403, 200, 403, 403),
    "/imports/modele.xlsx": (200, 200, 403, 403, 200, 403, 403),
    "/imports/{import}": (200, 200, 403, 403, 404, 403, 403),
    "/imports/{import}/rapport": (200, 200, 403, 403, 404, 403, 403),
    "/entreprises/": (200, 200, 403, 403, 200, 200, 200),
    "/entreprises/{company}": (200, 200, 403, 403, 200, 200, 404),
    "/entreprises/{company}/besoins/vendeurs": (403, 200, 403, 403, 403, 200, 404),
}


@pytest.mark.parametrize("url", MATRIX)
def test_each_page_answers_each_role_within_its_scope(url, territory, signed_in):
    expected = dict(zip(ROLES, MATRIX[url], strict=True))
    got = {role: signed_in(role).get(url.format(**territory)).status_code for role in ROLES}
    assert got == expected


def test_signed_out_visitors_are_sent_to_the_sign_in_page(client, territory):
    for url in MATRIX:
        answer = client.get(url.format(**territory))
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/connexion")


def test_writing_forms_refuse_the_roles_that_only_read(territory, signed_in):
    auditor = signed_in("auditor")
    assert auditor.post(f"/comites/{territory['session']}/decisions",
                        {"pathway_id": "x", "decision": "continue"}).status_code == 403
    assert auditor.post("/reperage", identify_form()).status_code == 403
    admin = signed_in("admin")
    assert admin.post(f"/parcours/{territory['pathway']}/etapes/oriented", {}).status_code == 403


def test_company_forms_refuse_the_roles_that_only_read(territory, signed_in):
    company = territory["company"]
    for role in ("referent", "copilot", "auditor", "admin"):
        b = signed_in(role)
        assert b.post(f"/entreprises/{company}/engagement", {
            "occurred_on": "2026-06-03", "kind": "charter", "title": "Charte"}).status_code == 403
        assert b.post(f"/entreprises/{company}/correction", {}).status_code == 403
    assert signed_in("cre").post(f"/entreprises/{company}/besoins/vendeurs",
                                 {"session_id": territory["session"]}).status_code == 403
