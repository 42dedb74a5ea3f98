"""Each page × each role, as the API's matrix does: who gets the page, who is refused (403),
and who is told it does not exist in their scope (404)."""

import pytest

from .conftest import a_territory, identify_form

ROLES = ("referent", "copilot", "auditor", "admin", "referent_familles", "cre", "cre_brest")


@pytest.fixture
def territory(signed_in):
    """The territory every page is opened on (`a_territory`)."""
    return a_territory(signed_in)


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
    "/imports/{import}": (200, 404, 403, 403, 404, 403, 403),
    "/imports/{import}/rapport": (200, 404, 403, 403, 404, 403, 403),
    "/entreprises/": (200, 200, 403, 403, 200, 200, 200),
    "/entreprises/{company}": (200, 200, 403, 403, 200, 200, 404),
    "/entreprises/{company}/besoins/vendeurs": (403, 200, 403, 403, 403, 200, 404),
    "/entreprises/{company}/besoins/vendeurs/issue": (403, 403, 403, 403, 403, 200, 404),
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
