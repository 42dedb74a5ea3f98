"""The chargée de relation entreprises in the pages: she registers the bakery of the Résidences,
posts its need, names its contact person and reads its shortlist; a co-pilot puts the need on
June's committee and proposes Lina to the bakery there. Refusals come back next to the field."""

import html
import re
import uuid

from .conftest import identify_form

BAKERY = {"siret": "73282932000074", "name": "Boulangerie des Résidences", "size_band": "micro",
          "qpv_location": "in_qpv", "town": "Belfort", "naf_code": "10.71C",
          "registered_on": "2026-01-05"}
NEED = {"occurred_on": "2026-06-02", "need_id": "vendeurs", "job_title": "vendeur·se",
        "contract_type": "cdi", "positions": "2", "starts_on": "2026-07-01", "group_ids": "g-jeunes"}


def _register(cre, **changes) -> str:
    answer = cre.post("/entreprises/", {**BAKERY, **changes})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return answer.headers["Location"].rsplit("/", 1)[1]


def _identify(b, **changes) -> str:
    answer = b.post("/reperage", identify_form(**changes))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return answer.headers["Location"].split("?")[0].rsplit("/", 1)[1]


def test_the_chargee_registers_a_company_and_records_what_it_does(signed_in, system):
    cre = signed_in("cre")
    assert cre.client.get("/").headers["Location"] == "/entreprises/"
    company = _register(cre)
    directory = cre.get("/entreprises/?q=boulang").get_data(as_text=True)
    assert "Boulangerie des Résidences" in directory and "moins de 10 salariés" in directory
    assert "Boulangerie" not in cre.get("/entreprises/?size_band=large").get_data(as_text=True)
    assert "Boulangerie" not in cre.get("/entreprises/?with_open_needs=true").get_data(as_text=True)
    wrong = cre.get("/entreprises/?size_band=géante")
    assert wrong.status_code == 422 and 'id="size_band-error"' in wrong.get_data(as_text=True)

    assert cre.post(f"/entreprises/{company}/besoin", NEED).status_code == 302
    assert cre.post(f"/entreprises/{company}/offre-immersion", {
        "occurred_on": "2026-06-03", "capacity": "2", "jobs": ["vente", "boulangerie"]}).status_code == 302
    assert cre.post(f"/entreprises/{company}/participation", {
        "occurred_on": "2026-06-04", "kind": "job_dating"}).status_code == 302
    assert cre.post(f"/entreprises/{company}/contact", {
        "occurred_on": "2026-06-04", "first_name": "Odile", "last_name": "Perrin",
        "job_title": "gérante"}).status_code == 302
    assert "Boulangerie" in cre.get("/entreprises/?with_open_needs=true&q=7328").get_data(as_text=True)
    page = cre.get(f"/entreprises/{company}").get_data(as_text=True)
    assert "vendeur·se" in page and "2 place(s) le 03/06/2026 : vente, boulangerie" in page
    assert "Job dating le 04/06/2026" in page and "Odile Perrin, gérante" in page
    assert "Besoin de recrutement</strong> — le 02/06/2026" in page
    assert "Groupes de travail à qui le besoin est proposé : Jeunes" in page

    corrected = cre.post(f"/entreprises/{company}/correction", {
        "corrects_version": "1", "change_field": "town", "change_value": "Danjoutin",
        "occurred_on": "2026-06-05", "reason": "adresse de l'établissement"})
    assert corrected.status_code == 302
    assert "Danjoutin" in cre.get(f"/entreprises/{company}").get_data(as_text=True)
    later = {"corrects_version": "2", "change_field": "starts_on", "occurred_on": "2026-06-05",
             "reason": "embauche décalée"}
    wrong = cre.post(f"/entreprises/{company}/correction", {**later, "change_value": "mi-juillet"})
    assert wrong.status_code == 422
    assert re.search(r'id="change_value-error">date attendue', wrong.get_data(as_text=True))
    assert cre.post(f"/entreprises/{company}/correction",
                    {**later, "change_value": "15/07/2026"}).status_code == 302
    assert "→ 15/07/2026" in cre.get(f"/entreprises/{company}").get_data(as_text=True)

    shortlist = cre.get(f"/entreprises/{company}/besoins/vendeurs")
    assert shortlist.status_code == 200 and "Personnes pressenties" in shortlist.get_data(as_text=True)


def test_refusals_are_shown_next_to_the_field_and_write_nothing(signed_in, system):
    cre = signed_in("cre")
    refused = cre.post("/entreprises/", {**BAKERY, "siret": "12345678901234"})
    assert refused.status_code == 422
    assert re.search(r'id="siret-error">[^<]+', refused.get_data(as_text=True))
    company = _register(cre)
    twice = cre.post("/entreprises/", BAKERY)
    assert twice.status_code == 422 and 'id="siret-error"' in twice.get_data(as_text=True)

    no_length = cre.post(f"/entreprises/{company}/besoin", {**NEED, "contract_type": "cdd"})
    body = no_length.get_data(as_text=True)
    assert no_length.status_code == 422
    assert 'id="contract_months-error">obligatoire pour ce type de contrat' in body
    no_group = cre.post(f"/entreprises/{company}/besoin", {**NEED, "group_ids": ""})
    assert no_group.status_code == 422 and 'id="group_ids-error"' in no_group.get_data(as_text=True)
    unknown_need = cre.post(f"/entreprises/{company}/besoins/boulangers/issue", {
        "occurred_on": "2026-06-10", "outcome": "filled", "positions_filled": "1"})
    assert unknown_need.status_code == 404
    wrong_field = cre.post(f"/entreprises/{company}/correction", {
        "corrects_version": "1", "change_field": "capacity", "change_value": "3",
        "occurred_on": "2026-06-05", "reason": "erreur"})
    assert wrong_field.status_code == 422
    assert 'id="changes-error">champ(s) non corrigeable(s)' in wrong_field.get_data(as_text=True)
    assert system.app.get_company(company).version == 1


def test_who_reads_and_who_writes(signed_in):
    cre = signed_in("cre")
    company = _register(cre)
    assert cre.post(f"/entreprises/{company}/besoin", NEED).status_code == 302
    referent = signed_in("referent")
    page = referent.get(f"/entreprises/{company}").get_data(as_text=True)
    assert "Boulangerie des Résidences" in page and "Personnes à contacter" not in page
    assert "Enregistrer un engagement" not in page
    assert referent.post(f"/entreprises/{company}/besoin", NEED).status_code == 403
    assert referent.post("/entreprises/", BAKERY).status_code == 403
    assert referent.get(f"/entreprises/{company}/besoins/vendeurs").status_code == 403
    assert signed_in("cre_brest").get(f"/entreprises/{company}").status_code == 404
    assert signed_in("auditor").get("/entreprises/").status_code == 403


def test_a_copilot_brings_the_need_to_committee_and_proposes_a_person(signed_in, system):
    cre = signed_in("cre")
    company = _register(cre)
    assert cre.post(f"/entreprises/{company}/besoin", NEED).status_code == 302
    copilot = signed_in("copilot")
    lina = _identify(copilot, **{"person.first_name": "Lina"})
    held = copilot.post("/comites/", {"group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-06-26"})
    session = held.headers["Location"].rsplit("/", 1)[1]

    shortlist = copilot.get(f"/entreprises/{company}/besoins/vendeurs").get_data(as_text=True)
    assert "Lina B." in shortlist and "séance" in shortlist.lower()
    refused = copilot.post(f"/entreprises/{company}/besoins/vendeurs", {"session_id": ""})
    assert refused.status_code == 422 and 'id="session_id-error"' in refused.get_data(as_text=True)
    added = copilot.post(f"/entreprises/{company}/besoins/vendeurs", {"session_id": session})
    assert added.status_code == 302 and added.headers["Location"] == f"/comites/{session}"
    agenda = html.unescape(copilot.get(f"/comites/{session}").get_data(as_text=True))
    assert "besoin d'entreprise : vendeur·se (Boulangerie des Résidences)" in agenda
    assert "vendeur·se — Boulangerie des Résidences" in agenda  # the proposal's choice

    missing = copilot.post(f"/comites/{session}/decisions", {
        "pathway_id": lina, "decision": "propose_to_company"}, headers={"HX-Request": "true"})
    assert missing.status_code == 422
    assert re.search(r'id="proposal-error">obligatoire pour une proposition', missing.get_data(as_text=True))
    decided = copilot.post(f"/comites/{session}/decisions", {
        "pathway_id": lina, "decision": "propose_to_company", "proposal": f"{company}|vendeurs"},
        headers={"HX-Request": "true"})
    fragment = decided.get_data(as_text=True)
    assert decided.status_code == 200, fragment
    assert "proposition à une entreprise — vendeur·se — Boulangerie des Résidences" in fragment
    steps = [s.code for s in system.app.history(uuid.UUID(lina))]
    assert "proposed_to_company" in steps


def test_the_companies_figures_join_the_statistics_and_the_bilan(signed_in):
    cre = signed_in("cre")
    company = _register(cre)
    assert cre.post(f"/entreprises/{company}/besoin", NEED).status_code == 302
    assert cre.post(f"/entreprises/{company}/besoins/vendeurs/issue", {
        "occurred_on": "2026-06-20", "outcome": "partly_filled",
        "positions_filled": "1"}).status_code == 302
    auditor = signed_in("auditor")
    page = html.unescape(auditor.get("/statistiques/?from=2026-01-01").get_data(as_text=True))
    assert 'id="companies-mobilised">1<' in page
    assert "Postes pourvus</div><div class=\"value\">1 / 2" in page
    assert "<td>Besoins clos</td><td>Pourvu en partie</td><td class=\"num\">1</td>" in page
    before = html.unescape(auditor.get("/statistiques/?from=2026-01-01&known_at=2026-01-01T08:00")
                           .get_data(as_text=True))
    assert 'id="companies-mobilised">0<' in before  # as known before anything was recorded
    csv = auditor.get("/statistiques/?from=2026-01-01&format=csv").get_data(as_text=True)
    assert "entreprises mobilisées" in csv and "pourvu en partie" in csv
    bilan = html.unescape(auditor.get("/statistiques/bilan?trimestre=2026-T2").get_data(as_text=True))
    assert "Entreprises partenaires" in bilan and 'id="companies-mobilised">1<' in bilan
    pdf = auditor.get("/statistiques/bilan?trimestre=2026-T2&format=pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
