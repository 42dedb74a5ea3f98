"""axe-core on every page, as each role sees it: no serious or critical violation."""

from ..conftest import a_territory, identify_form, password_of
from .conftest import accessibility_violations, check_accessibility, sign_in

#: The pages each role opens (with the pathway and the session of the territory fixture).
PAGES = {
    "referent": ("/file-active", "/reperage", "/parcours/{pathway}", "/parcours/{pathway}/fiche",
                 "/parcours/{pathway}/droit-d-acces", "/parcours/{erased}/droit-d-acces",
                 "/comites/", "/comites/{session}/compte-rendu", "/statistiques/?by=group",
                 "/notifications/", "/imports/", "/imports/{import_id}",
                 "/imports/{import_id}/rapport"),
    "copilot": ("/comites/", "/comites/{open_session}", "/statistiques/bilan",
                "/entreprises/", "/entreprises/{company}/besoins/vendeurs"),
    "cre": ("/entreprises/", "/entreprises/?q=zzz", "/entreprises/{company}",
            "/entreprises/{company}/besoins/vendeurs", "/entreprises/{company}/besoins/vendeurs/issue",
            "/statistiques/"),
    "auditor": ("/audit/", "/audit/evenements", "/audit/rejeu", "/parcours/{pseudonym}"),
    "admin": ("/administration/", "/administration/effacements", "/statistiques/"),
}


def test_every_page_of_every_role_passes_axe(page, signed_in, app):
    made = a_territory(signed_in)
    referent, copilot, cre = signed_in("referent"), signed_in("copilot"), signed_in("cre")
    pathway, session, company = made["pathway"], made["session"], made["company"]
    erased = referent.post("/reperage", identify_form(assign_me="1", **{"person.first_name": "Lucas"}))
    erased = erased.headers["Location"].split("?")[0]
    referent.post(erased + "/fiche", {"reason": "demande de la personne"})
    opened = copilot.post("/comites/", {"group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-07-01"})
    cre.post(f"/entreprises/{company}/contact", {"occurred_on": "2026-06-02", "first_name": "Odile",
                                                 "last_name": "Perrin"})
    open_session = opened.headers["Location"].rsplit("/", 1)[1]
    copilot.post(f"/entreprises/{company}/besoins/vendeurs", {"session_id": open_session})
    proposed = referent.post(f"/parcours/{pathway}/etapes/proposed_to_company", {  # a box to tick
        "occurred_on": "2026-06-10", "company_id": company, "need_id": "vendeurs"})  # on the outcome page
    assert proposed.status_code == 302, proposed.get_data(as_text=True)
    with app.app_context():
        pseudonym = app.extensions["casecommittee"].pseudonyms.of(pathway)
    ids = {"pathway": pathway, "session": session, "pseudonym": pseudonym,
           "open_session": open_session, "company": company, "erased": erased.rsplit("/", 1)[1],
           "import_id": made["import"]}
    for role, urls in PAGES.items():
        page.context.clear_cookies()
        sign_in(page, role, password_of(role))
        for url in urls:
            answer = page.goto(url.format(**ids))
            assert answer.status == 200, url
            check_accessibility(page)


def test_the_check_catches_an_unlabelled_field(page):
    page.set_content('<!doctype html><html lang="fr"><title>t</title><main><input type="text"></main></html>')
    assert any(v.startswith("label (critical)") for v in accessibility_violations(page))
