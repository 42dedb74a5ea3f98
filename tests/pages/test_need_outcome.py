"""The bakery of the Résidences needed two sales assistants. June's committee proposed Lina,
Yanis and Inès to it; the bakery hired Lina and Inès, and Lina's referent logged her hire. The
chargée de relation entreprises records the need's outcome on its page, ticking the two hired
among the three proposed — shown by pseudonym, group and the day proposed, never by name — and
names Lina's tutor by choosing her, again by pseudonym. A tampered choice is refused next to the
field, and nothing is written."""

import html
import re

import pytest

from .conftest import identify_form

BAKERY = {"siret": "73282932000074", "name": "Boulangerie des Résidences", "size_band": "micro",
          "qpv_location": "in_qpv", "registered_on": "2026-01-05"}
NEED = {"occurred_on": "2026-06-02", "need_id": "vendeurs", "job_title": "vendeur·se",
        "contract_type": "cdi", "positions": "2", "starts_on": "2026-07-01", "group_ids": "g-jeunes"}
PEOPLE = (("Lina", "Haddad", "2006-03-14"), ("Yanis", "Moreau", "2005-11-02"),
          ("Inès", "Benali", "2007-04-02"))


def _identify(b, first_name, last_name, birth_date) -> str:
    answer = b.post("/reperage", identify_form(**{
        "person.first_name": first_name, "person.last_name": last_name, "person.birth_date": birth_date}))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return answer.headers["Location"].split("?")[0].rsplit("/", 1)[1]


@pytest.fixture
def june(signed_in, app):
    """The bakery, its need, the three people June's committee proposed to it, Lina's hire."""
    cre = signed_in("cre")
    company = cre.post("/entreprises/", BAKERY).headers["Location"].rsplit("/", 1)[1]
    assert cre.post(f"/entreprises/{company}/besoin", NEED).status_code == 302
    copilot = signed_in("copilot")
    pathways = [_identify(copilot, *person) for person in PEOPLE]
    held = copilot.post("/comites/", {"group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-06-12"})
    session = held.headers["Location"].rsplit("/", 1)[1]
    assert copilot.post(f"/entreprises/{company}/besoins/vendeurs", {"session_id": session}).status_code == 302
    for pathway in pathways:
        decided = copilot.post(f"/comites/{session}/decisions", {
            "pathway_id": pathway, "decision": "propose_to_company", "proposal": f"{company}|vendeurs"},
            headers={"HX-Request": "true"})
        assert decided.status_code == 200, decided.get_data(as_text=True)
    lina_url = f"/parcours/{pathways[0]}"
    version = re.search(r'name="version" value="(\d+)"', copilot.get(lina_url).get_data(as_text=True))[1]
    hired = copilot.post(f"{lina_url}/etapes/hired", {
        "version": version, "occurred_on": "2026-06-20", "employer.name": "Boulangerie des Résidences",
        "employer.siret": "73282932000074", "contract_type": "cdi", "weekly_hours": "35"})
    assert hired.status_code == 302, hired.get_data(as_text=True)
    with app.app_context():
        pseudonyms = app.extensions["casecommittee"].pseudonyms
        return {"company": company, "pathways": pathways,
                "pseudonyms": [pseudonyms.of(p) for p in pathways]}


def _no_identity(page: str) -> None:
    for first_name, last_name, birth_date in PEOPLE:
        assert first_name not in page and last_name not in page
        assert birth_date not in page and "/".join(reversed(birth_date.split("-"))) not in page


def test_the_chargee_ticks_the_two_hired_among_the_three_proposed(signed_in, june, system):
    cre, company = signed_in("cre"), june["company"]
    lina, yanis, ines = june["pseudonyms"]
    fiche = cre.get(f"/entreprises/{company}").get_data(as_text=True)
    assert f"/entreprises/{company}/besoins/vendeurs/issue" in fiche

    form = cre.get(f"/entreprises/{company}/besoins/vendeurs/issue")
    page = form.get_data(as_text=True)
    assert form.status_code == 200
    _no_identity(page)
    assert "<legend>Personnes embauchées pour ce besoin</legend>" in page
    boxes = re.findall(r'<label class="choice"><input type="checkbox" name="hired_pathway_ids" '
                       r'value="([^"]+)"> ([^<]+)</label>', page)
    assert sorted(value for value, _words in boxes) == sorted([lina, yanis, ines])
    words = {value: html.unescape(text) for value, text in boxes}
    assert words[lina] == f"{lina} — Jeunes décrocheurs — proposé·e le 12/06/2026 — embauche enregistrée le 20/06/2026"
    assert words[yanis] == f"{yanis} — Jeunes décrocheurs — proposé·e le 12/06/2026 — pas d'embauche enregistrée"

    recorded = cre.post(f"/entreprises/{company}/besoins/vendeurs/issue", {
        "version": re.search(r'name="version" value="(\d+)"', page)[1], "occurred_on": "2026-06-25",
        "outcome": "filled", "positions_filled": "2", "hired_pathway_ids": [lina, ines]})
    assert recorded.status_code == 302, recorded.get_data(as_text=True)
    need = system.app.get_company(company).state.needs["vendeurs"]
    assert need["outcome"] == "filled"
    assert need["hired_pathway_ids"] == [june["pathways"][0], june["pathways"][2]]

    fiche = cre.get(f"/entreprises/{company}").get_data(as_text=True)
    _no_identity(fiche)
    assert f"Parcours embauchés : {lina}, {ines}" in fiche
    closed = cre.get(f"/entreprises/{company}/besoins/vendeurs/issue").get_data(as_text=True)
    assert 'type="checkbox"' not in closed and f"<li>{lina} — Jeunes décrocheurs" in closed
    assert f"<li>{yanis}" not in closed
    _no_identity(closed)


def test_a_tampered_choice_is_refused_next_to_the_boxes_and_writes_nothing(signed_in, june, system):
    cre, company = signed_in("cre"), june["company"]
    version = system.app.get_company(company).version
    refused = cre.post(f"/entreprises/{company}/besoins/vendeurs/issue", {
        "occurred_on": "2026-06-25", "outcome": "filled", "positions_filled": "2",
        "hired_pathway_ids": [june["pseudonyms"][0], "ps-aaaaaaaaaaaaaaaaaaaaaaaaaa"]})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert re.search(r'id="hired_pathway_ids-error">aucun parcours de ce numéro', page)
    assert 'aria-describedby="hired_pathway_ids-hint hired_pathway_ids-error"' in page
    assert re.search(rf'value="{june["pseudonyms"][0]}" checked', page)  # the choice is kept
    too_many = cre.post(f"/entreprises/{company}/besoins/vendeurs/issue", {
        "occurred_on": "2026-06-25", "outcome": "partly_filled", "positions_filled": "1",
        "hired_pathway_ids": june["pseudonyms"][:2]})
    assert too_many.status_code == 422
    assert 'id="hired_pathway_ids-error">plus de personnes embauchées' in too_many.get_data(as_text=True)
    assert system.app.get_company(company).version == version


def test_the_chargee_names_a_tutor_by_choosing_the_person(signed_in, june, system):
    cre, company = signed_in("cre"), june["company"]
    fiche = cre.get(f"/entreprises/{company}").get_data(as_text=True)
    _no_identity(fiche)
    sponsor_form = fiche[fiche.index('id="form-parrain"'):]
    sponsor_form = sponsor_form[:sponsor_form.index("</form>")]
    assert '<label for="parrain-pathway_id">Personne accompagnée' in sponsor_form
    assert 'name="pathway_id" type="text"' not in sponsor_form
    options = re.findall(r'<option value="(ps-[^"]+)"', sponsor_form)
    assert sorted(options) == sorted(june["pseudonyms"])
    named = cre.post(f"/entreprises/{company}/parrain", {
        "occurred_on": "2026-06-21", "pathway_id": june["pseudonyms"][0], "role": "tutor"})
    assert named.status_code == 302, named.get_data(as_text=True)
    assert system.app.get_company(company).state.sponsors[-1]["pathway_id"] == june["pathways"][0]
    refused = cre.post(f"/entreprises/{company}/parrain", {
        "occurred_on": "2026-06-21", "pathway_id": "6b1f6c1e-0000-4000-8000-000000000000", "role": "tutor"})
    assert refused.status_code == 422
    assert 'id="pathway_id-error">aucun parcours' in refused.get_data(as_text=True)


def test_only_the_chargee_records_an_outcome(signed_in, june):
    url = f"/entreprises/{june['company']}/besoins/vendeurs/issue"
    assert signed_in("copilot").get(url).status_code == 403
    assert signed_in("referent").post(url, {"outcome": "withdrawn"}).status_code == 403
    assert signed_in("cre_brest").get(url).status_code == 404
    assert signed_in("cre").get(f"/entreprises/{june['company']}/besoins/boulangers/issue").status_code == 404
