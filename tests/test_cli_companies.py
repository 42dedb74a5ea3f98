"""La ligne de commande des entreprises : the coordinator creates a chargée de relation
entreprises, who registers the bakery from a terminal; the directory lists it, its history reads,
the figures print; a bad SIRET or an unknown user is a clear message that names the fix."""

import json

import pytest
from click.testing import CliRunner

from casecommittee.cli import main


@pytest.fixture
def run(tmp_path, stores):
    """Runs `casecommittee …` on a store of its own."""
    runner = CliRunner()
    env = stores.env(tmp_path / "var")

    def _run(*args):
        return runner.invoke(main, list(args), env=env)

    _run.env = env  # the store's settings, for the test to set up its reference data
    yield _run
    stores.drop(env)


def test_a_chargee_registers_the_bakery_from_a_terminal(run):
    from casecommittee.bootstrap import bootstrap
    from casecommittee.config import Settings

    system = bootstrap(Settings.from_env(run.env))
    try:
        system.reference.add_territory("Cité de l'emploi de Belfort", id="t-belfort")
        system.reference.add_user("Nadia", "business_relations", "t-belfort", [], None, id="cre")
        system.reference.add_user("Paul", "referent", "t-belfort", [], None, id="paul")
    finally:
        system.close()

    made = run("companies", "register", "--as", "cre", "--siret", "732 829 320 00074",
               "--name", "Boulangerie des Résidences", "--size-band", "micro",
               "--qpv-location", "in_qpv", "--naf-code", "10.71C", "--registered-on", "2026-01-05")
    assert made.exit_code == 0, made.output
    assert "Boulangerie des Résidences" in made.output

    listed = run("companies", "list", "--territory", "t-belfort", "--search", "residences")
    assert "73282932000074  Boulangerie des Résidences  (moins de 10 salariés" in listed.output
    shown = run("companies", "show", "73282932000074", "--territory", "t-belfort")
    assert "registered" in shown.output and "05/01/2026" in shown.output
    figures = json.loads(run("companies", "figures", "--territory", "t-belfort",
                             "--from", "2026-01-01").output)
    assert figures["companies"]["mobilised"] == 1

    bad = run("companies", "register", "--as", "cre", "--siret", "73282932000075", "--name", "X",
              "--size-band", "micro", "--qpv-location", "in_qpv")
    assert bad.exit_code == 1 and "--siret" in bad.output and "Traceback" not in bad.output
    twice = run("companies", "register", "--as", "cre", "--siret", "73282932000074", "--name", "X",
                "--size-band", "micro", "--qpv-location", "in_qpv", "--registered-on", "2026-02-01")
    assert twice.exit_code == 1 and "déjà enregistrée" in twice.output
    not_a_chargee = run("companies", "register", "--as", "paul", "--siret", "55210055400013",
                        "--name", "Garage", "--size-band", "small", "--qpv-location", "elsewhere")
    assert not_a_chargee.exit_code == 1 and "--role business_relations" in not_a_chargee.output
    unknown = run("companies", "show", "55210055400013", "--territory", "t-belfort")
    assert unknown.exit_code == 1 and "companies list" in unknown.output
