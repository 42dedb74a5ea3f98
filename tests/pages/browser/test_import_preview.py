"""The import's preview in a real browser: a referent uploads a partner's file, sees the errors
by line and column and a probable duplicate, decides, confirms, and reads the report."""

from playwright.sync_api import expect

from api.spreadsheets import PEOPLE, csv_file
from casecommittee.jobs import run_imports

from ..conftest import password_of
from .conftest import check_accessibility, sign_in


def test_a_referent_previews_decides_and_confirms_an_import(page, tmp_path, system):
    rows = [PEOPLE[0], PEOPLE[0], [*PEOPLE[1][:2], "31/02/2005", *PEOPLE[1][3:]], PEOPLE[2]]
    listing = tmp_path / "liste-mission-locale.csv"
    listing.write_bytes(csv_file(rows=rows))
    sign_in(page, "referent", password_of("referent"))
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Importer une liste de personnes")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Groupe de travail des personnes").select_option("g-jeunes")
    page.get_by_label("Partenaire à l'origine de la liste").select_option("s-ml")
    page.get_by_label("Fichier à importer").set_input_files(str(listing))
    page.get_by_role("button", name="Lire le fichier").click()

    expect(page.get_by_role("heading", name="Aperçu de l'import")).to_be_visible()
    check_accessibility(page)
    expect(page.locator("#summary")).to_contain_text("2 à importer, 1 doublon(s) probable(s), 1 en erreur")
    expect(page.locator("#row-4")).to_contain_text("colonne « date_naissance » : « 31/02/2005 » "
                                                   "n'est pas une date du calendrier")
    expect(page.locator("#row-3")).to_contain_text("même personne que la ligne 2")
    assert page.get_by_label("Décision pour la ligne 3").input_value() == "skip"
    page.get_by_label("Décision pour la ligne 3").select_option("keep")
    page.get_by_role("button", name="Confirmer l'import").click()

    expect(page.locator("#status")).to_contain_text("en attente de traitement")
    check_accessibility(page)
    run_imports(system)  # what the worker does every few seconds
    page.reload()
    expect(page.locator("#counts")).to_contain_text("3 créée(s), 0 mise(s) à jour, 0 ignorée(s), 1 refusée(s)")
    check_accessibility(page)
