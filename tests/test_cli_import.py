"""`casecommittee import`: a coordinator brings a partner's list in from the command line,
checks it first with --dry-run, and gets a report; mistakes are answered with the fix."""

import pytest
from click.testing import CliRunner

from api.spreadsheets import PEOPLE, csv_file, xlsx_file
from casecommittee.bootstrap import bootstrap
from casecommittee.cli import main
from casecommittee.config import Settings


@pytest.fixture
def run(tmp_path, stores):
    """Runs `casecommittee …` on a store with Belfort's group "jeunes" and its referent."""
    env = stores.env(tmp_path / "var")
    system = bootstrap(Settings.from_env(env))
    ref = system.reference
    ref.add_territory("Cité de l'emploi de Belfort", id="t-belfort")
    ref.add_group("t-belfort", "Jeunes décrocheurs", 25, id="g-jeunes")
    ref.add_structure("t-belfort", "Mission locale", "mission_locale", id="s-ml")
    ref.add_user("Camille", "referent", "t-belfort", ["g-jeunes"], "s-ml", id="referent")
    system.close()
    runner = CliRunner()
    yield lambda *args: runner.invoke(main, [str(a) for a in args], env=env)
    stores.drop(env)


def test_a_dry_run_then_the_import_then_the_same_file_again(run, tmp_path):
    listing = tmp_path / "liste-mission-locale.csv"
    listing.write_bytes(csv_file())
    dry = run("import", listing, "--group", "g-jeunes", "--structure", "s-ml", "--as", "referent",
              "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "3 ligne(s) lue(s) (csv) : 3 à importer" in dry.output
    assert "rien n'a été écrit" in dry.output

    done = run("import", listing, "--group", "g-jeunes", "--structure", "s-ml", "--as", "referent")
    assert done.exit_code == 0, done.output
    assert "créées : 3, mises à jour : 0, ignorées : 0, refusées : 0" in done.output

    again = run("import", listing, "--group", "g-jeunes", "--as", "referent")
    assert again.exit_code == 0, again.output
    assert "déjà été importé" in again.output
    assert "créées : 0, mises à jour : 0, ignorées : 3" in again.output


def test_a_workbook_with_an_error_and_a_duplicate_row(run, tmp_path):
    rows = [PEOPLE[0], PEOPLE[0], [*PEOPLE[1][:6], "homme ?", *PEOPLE[1][7:]]]
    listing = tmp_path / "liste.xlsx"
    listing.write_bytes(xlsx_file(rows=rows))
    done = run("import", listing, "--group", "g-jeunes", "--as", "referent", "--decide", "3=keep")
    assert done.exit_code == 0, done.output
    assert "ligne 4, colonne « sexe » : « homme ? » n'est pas reconnu" in done.output
    assert "ligne 3 : même personne que la ligne 2 → skip" in done.output
    assert "créées : 2, mises à jour : 0, ignorées : 0, refusées : 1" in done.output


def test_mistakes_are_answered_with_their_fix(run, tmp_path):
    listing = tmp_path / "liste.csv"
    listing.write_bytes(csv_file(headers=["Nom", "Prénom", "DDN", "Tél", "Entrée", "Canal", "Sexe",
                                          "Niveau", "Publics", "Accord", "Le"]))
    unmapped = run("import", listing, "--group", "g-jeunes", "--as", "referent")
    assert unmapped.exit_code == 1
    assert "--map 'En-tête du fichier=notre_colonne'" in unmapped.output
    assert "date_reperage" in unmapped.output
    mapped = run("import", listing, "--group", "g-jeunes", "--as", "referent", "--dry-run",
                 "--map", "Entrée=date_reperage", "--map", "Le=date_consentement")
    assert mapped.exit_code == 0, mapped.output
    assert "3 à importer" in mapped.output

    nobody = run("import", listing, "--group", "g-jeunes", "--as", "personne")
    assert nobody.exit_code == 1 and "donnez à --as l'identifiant" in nobody.output
    other_group = run("import", listing, "--group", "g-familles", "--as", "referent")
    assert other_group.exit_code == 1 and "groupe de travail inconnu" in other_group.output
    not_a_sheet = tmp_path / "photo.csv"
    not_a_sheet.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    refused = run("import", not_a_sheet, "--group", "g-jeunes", "--as", "referent")
    assert refused.exit_code == 1 and "envoyez un fichier .csv ou .xlsx" in refused.output
    wrong_decision = run("import", listing, "--group", "g-jeunes", "--as", "referent",
                         "--decide", "3=fusion")
    assert wrong_decision.exit_code == 2 and "keep, skip, merge" in wrong_decision.output
    assert "Traceback" not in refused.output + nobody.output
