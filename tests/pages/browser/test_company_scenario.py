"""A company's need in a real browser: the chargée registers the bakery, posts its need (first
refused next to the field) and opens its shortlist; the co-pilot puts the need on June's
session and, during the session, proposes Lina to the bakery; the bakery hires her and the
chargée records the need's outcome, ticking Lina — whom she sees by pseudonym only."""

import re

from playwright.sync_api import expect

from ..conftest import identify_form, password_of
from .conftest import check_accessibility, sign_in


def _open(page, summary: str):
    page.locator("summary", has_text=summary).first.click()
    return page.locator("details[open] form").first


def test_a_chargee_posts_a_need_and_a_copilot_proposes_a_person_at_committee(page, signed_in):
    copilot_client = signed_in("copilot")
    lina = copilot_client.post("/reperage", identify_form(**{"person.first_name": "Lina"}))
    assert lina.status_code == 302
    assert copilot_client.post("/comites/", {"group_id": "g-jeunes", "kind": "orientation",
                                             "held_on": "2026-06-26"}).status_code == 302

    sign_in(page, "cre", password_of("cre"))
    expect(page.get_by_role("heading", name="Entreprises du territoire")).to_be_visible()
    check_accessibility(page)
    form = _open(page, "Enregistrer une entreprise")
    form.get_by_label("SIRET (14 chiffres)").fill("73282932000074")
    form.get_by_label("Raison sociale ou enseigne").fill("Boulangerie des Résidences")
    form.get_by_label("Code NAF (APE)").fill("10.71C")
    form.get_by_label("Taille").select_option("micro")
    form.get_by_label("Commune").fill("Belfort")
    form.get_by_label("Situation par rapport aux QPV").select_option("in_qpv")
    form.get_by_label("Début de la relation").fill("2026-01-05")
    form.get_by_role("button", name="Enregistrer l'entreprise").click()
    expect(page.get_by_role("heading", name="Boulangerie des Résidences")).to_be_visible()
    check_accessibility(page)

    form = _open(page, "Publier un besoin de recrutement")
    form.get_by_label("Date").fill("2026-06-02")
    form.get_by_label("Code du besoin").fill("vendeurs")
    form.get_by_label("Intitulé du poste").fill("vendeur·se")
    form.get_by_label("Type de contrat").select_option("cdd")
    form.get_by_label("Nombre de postes").fill("2")
    form.get_by_label("Prise de poste prévue").fill("2026-07-01")
    form.get_by_label("Jeunes décrocheurs").check()
    form.get_by_role("button").click()
    error = page.locator("#contract_months-error")
    expect(error).to_have_text("obligatoire pour ce type de contrat")
    assert page.locator("#besoin-contract_months").get_attribute("aria-describedby") == "contract_months-error"
    check_accessibility(page)
    form = page.locator("details[open] form").first
    form.get_by_label("Durée du contrat (mois)").fill("6")
    form.get_by_role("button").click()
    expect(page.get_by_text("Enregistré : besoin de recrutement.")).to_be_visible()

    company_url = page.url.split("#")[0]
    page.get_by_role("link", name=re.compile("vendeur·se : personnes")).click()
    expect(page.get_by_role("heading", name="Personnes pressenties")).to_be_visible()
    assert "Lina B." in page.get_by_role("table").inner_text()
    check_accessibility(page)
    shortlist_url = page.url

    page.context.clear_cookies()
    sign_in(page, "copilot", password_of("copilot"))
    page.goto(shortlist_url)
    page.get_by_label("Séance de comité").select_option(index=1)
    page.get_by_role("button", name="Ajouter à l'ordre du jour").click()
    expect(page.get_by_text("Besoin ajouté à l'ordre du jour de la séance.")).to_be_visible()
    check_accessibility(page)
    item = page.locator("li.card", has_text="Lina B.")
    expect(item).to_contain_text("besoin d'entreprise : vendeur·se (Boulangerie des Résidences)")
    item.get_by_label("Décision").select_option("propose_to_company")
    item.get_by_label("Besoin d'entreprise (si proposition à une entreprise)").select_option(
        label="vendeur·se — Boulangerie des Résidences")
    item.get_by_role("button", name=re.compile("Enregistrer")).click()
    decided = page.locator("li.card", has_text="Lina B.")
    expect(decided).to_contain_text("Décision : proposition à une entreprise — vendeur·se — Boulangerie des Résidences")
    check_accessibility(page)

    page.context.clear_cookies()
    sign_in(page, "cre", password_of("cre"))
    page.goto(company_url)
    page.get_by_role("link", name="enregistrer l'issue du besoin vendeur·se").click()
    expect(page.get_by_role("heading", name="Enregistrer l'issue du besoin")).to_be_visible()
    check_accessibility(page)
    assert "Lina" not in page.locator("main").inner_text()
    boxes = page.get_by_role("group", name="Personnes embauchées pour ce besoin").get_by_role("checkbox")
    expect(boxes).to_have_count(1)
    expect(page.get_by_role("checkbox", name=re.compile(
        r"^ps-\w+ — Jeunes décrocheurs — proposé·e le 26.06.2026 — pas d.embauche enregistrée$"))).to_be_visible()
    page.get_by_role("combobox", name="Issue").select_option("partly_filled")
    page.get_by_label("Postes pourvus").fill("1")
    boxes.first.check()
    page.get_by_role("button", name="Enregistrer l'issue du besoin").click()
    expect(page.get_by_text("Enregistré : issue du besoin.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Parcours embauchés : ps-\w+"))).to_be_visible()
    check_accessibility(page)
