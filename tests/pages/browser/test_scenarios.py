"""Three days in a real browser: a referent's, a co-pilot's committee, an auditor's bilan."""

import re

from playwright.sync_api import expect

from ..conftest import password_of
from .conftest import check_accessibility, sign_in


def _open_step(page, summary: str):
    page.locator("summary", has_text=summary).first.click()
    return page.locator("details[open] form").first


def test_a_referent_identifies_orients_places_in_immersion_hires_and_sees_the_calendar(page):
    sign_in(page, "referent", password_of("referent"))
    expect(page.get_by_role("heading", name="Ma file active")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name="Repérage", exact=True).click()
    check_accessibility(page)
    page.get_by_label("Date du repérage").fill("2026-06-01")
    page.get_by_label("Canal").select_option("aller_vers")
    page.get_by_label("Prénom").fill("Inès")
    page.get_by_label(re.compile(r"^Nom")).fill("Benali")
    page.get_by_label("Date de naissance").fill("2007-04-02")
    page.get_by_label("Sexe").select_option("F")
    page.get_by_label("oui").check()
    page.get_by_label("Consentement recueilli le").fill("2026-06-01")
    page.get_by_role("button", name="Enregistrer le repérage").click()
    expect(page.get_by_role("heading", name="Inès Benali")).to_be_visible()
    check_accessibility(page)

    form = _open_step(page, "Désignation du référent")
    form.get_by_label("Date de l'étape").fill("2026-06-02")
    form.get_by_label("Référent").select_option("referent")
    form.get_by_role("button").click()
    form = _open_step(page, "Orientation")
    form.get_by_label("Date de l'étape").fill("2026-06-03")
    form.get_by_label("Dispositif").fill("PMSMP")
    form.get_by_role("button").click()
    expect(page.get_by_text("Étape enregistrée : orientation.")).to_be_visible()

    form = _open_step(page, "Début d'immersion")
    form.get_by_label("Premier jour de l'immersion").fill("2026-06-04")
    form.get_by_label("Entreprise d'accueil : nom").fill("Boulangerie Marchal")
    form.get_by_label("Entreprise d'accueil : siret (14 chiffres)").fill("73282932000074")
    form.get_by_label("Dernier jour prévu").fill("2026-07-20")
    form.get_by_label("Heures par semaine").fill("30")
    form.get_by_label("Objectif").select_option("recruit")
    form.get_by_role("button").click()
    error = page.locator("#ends_on-error")
    assert error.is_visible() and "30" in error.inner_text()
    assert page.locator("#immersion_started-ends_on").get_attribute("aria-describedby") == "ends_on-error"
    check_accessibility(page)
    form = page.locator("details[open] form").first
    form.get_by_label("Dernier jour prévu").fill("2026-06-15")
    form.get_by_role("button").click()
    expect(page.get_by_text("Étape enregistrée : début d'immersion (PMSMP).")).to_be_visible()

    form = _open_step(page, "Fin d'immersion")
    form.get_by_label("Date de fin").fill("2026-06-15")
    form.get_by_label("Déroulement").select_option("completed")
    form.get_by_label("oui").check()
    form.get_by_role("button").click()
    form = _open_step(page, "Embauche")
    form.get_by_label("Premier jour de travail").fill("2026-06-16")
    form.get_by_label("Employeur : nom").fill("Boulangerie Marchal")
    form.get_by_label("Type de contrat").select_option("cdi")
    form.get_by_label("Heures par semaine").fill("35")
    form.get_by_role("button").click()
    calendar = page.get_by_role("table", name="Calendrier du suivi 15 semaines")
    expect(calendar).to_be_visible()  # waits for the page the hire reloads
    assert "23/06/2026" in calendar.inner_text() and "29/09/2026" in calendar.inner_text()
    check_accessibility(page)


def test_a_copilot_prepares_a_session_decides_closes_and_downloads_the_minutes(page, signed_in):
    referent = signed_in("referent")
    referent.post("/reperage", {
        "group_id": "g-jeunes", "identified_on": "2026-06-01", "channel": "permanence",
        "person.first_name": "Yanis", "person.last_name": "Morel", "person.birth_date": "2005-02-11",
        "profile.sex": "M", "consent.committee_sharing": "true", "consent.given_on": "2026-06-01"})
    sign_in(page, "copilot", password_of("copilot"))
    check_accessibility(page)
    page.get_by_label("Date de la séance").fill("2026-06-30")
    page.get_by_role("button", name="Programmer").click()
    expect(page.get_by_role("heading", name=re.compile("Ordre du jour"))).to_be_visible()
    expect(page.get_by_text("repéré, pas encore orienté")).to_be_visible()
    check_accessibility(page)

    item = page.locator("li.card", has_text="Yanis M.")
    item.get_by_label("Décision").select_option("orient")
    item.get_by_label("Dispositif (si orientation)").fill("E2C")
    item.get_by_role("button", name=re.compile("Enregistrer")).click()
    expect(page.locator("li.card", has_text="Yanis M.").get_by_text("Décision : orientation — E2C")).to_be_visible()

    page.get_by_label("Présents").fill("Mission locale\nUnis-Cité")
    page.get_by_role("button", name=re.compile("Clore la séance")).click()
    expect(page.get_by_role("heading", name=re.compile("Compte rendu"))).to_be_visible()
    check_accessibility(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").click()
    assert download.value.suggested_filename == "compte-rendu-2026-06-30.pdf"
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_an_auditor_draws_the_bilan_known_at_a_past_time(page, signed_in, clock):
    referent = signed_in("referent")
    form = {"group_id": "g-jeunes", "identified_on": "2026-06-01", "channel": "permanence",
            "person.first_name": "Léa", "person.last_name": "Girard", "person.birth_date": "2004-09-30",
            "profile.sex": "F", "consent.committee_sharing": "false"}
    referent.post("/reperage", form)
    clock.advance(2)
    signed_in("referent").post("/reperage", {**form, "person.first_name": "Noé", "identified_on": "2026-06-25"})
    sign_in(page, "auditor", password_of("auditor"))
    check_accessibility(page)
    page.get_by_role("link", name="Statistiques", exact=True).click()
    check_accessibility(page)
    page.goto("/statistiques/bilan?trimestre=2026-T2")
    assert page.locator("#population").inner_text() == "2"
    page.get_by_label("Tel que connu le").fill("2026-07-01T09:00")
    page.get_by_role("button", name="Établir le bilan").click()
    assert page.locator("#population").inner_text() == "1"
    expect(page.get_by_text("Établi avec ce qui était enregistré au 01/07/2026 09:00")).to_be_visible()
    check_accessibility(page)
