"""La ligne de commande : the coordinator fills a store with the Belfort demo, lists pathways and
reads a history, all on an embedded store chosen by CASECOMMITTEE_DATA_DIR."""

import json

import pytest
from click.testing import CliRunner

from casecommittee.cli import main


@pytest.fixture
def run(tmp_path, stores):
    """Runs `casecommittee …` on a store of its own (default: "var"; another name, another
    store)."""
    runner = CliRunner()
    made = {}

    def _run(*args, data_dir: str = "var"):
        if data_dir not in made:
            made[data_dir] = stores.env(tmp_path / data_dir)
        return runner.invoke(main, list(args), env=made[data_dir])

    yield _run
    for env in made.values():
        stores.drop(env)


def test_la_demo_remplit_le_stockage_et_l_historique_se_lit(run):
    result = run("demo", "--people", "30", "--seed", "7")
    assert result.exit_code == 0, result.output
    assert "30 pathways" in result.output

    again = run("demo", "--people", "30", "--seed", "7")
    assert again.exit_code == 1
    assert "already holds the demo of seed 7" in again.output
    assert "--seed" in again.output and "CASECOMMITTEE_DATA_DIR" in again.output
    assert "Traceback" not in again.output

    listed = run("pathways", "--limit", "1")
    assert listed.exit_code == 0, listed.output
    (line,) = listed.output.splitlines()
    pathway_id = line.split()[0]

    history = run("history", pathway_id)
    assert history.exit_code == 0, history.output
    first = history.output.splitlines()[0]
    assert first.startswith("v1 ")
    assert "repérage" in first and "saisi le" in first and "par referent" in first

    as_json = run("history", pathway_id, "--json")
    steps = [json.loads(line) for line in as_json.output.splitlines()]
    assert steps[0]["step"] == "identified"
    assert [s["version"] for s in steps] == list(range(1, len(steps) + 1))


def test_l_historique_d_un_parcours_inconnu_est_un_message_clair(run):
    result = run("history", "00000000-0000-0000-0000-000000000000")
    assert result.exit_code == 1
    assert "aucun parcours" in result.output and "casecommittee pathways" in result.output


def test_la_demo_est_deterministe(run):
    """Two stores filled from the same seed hold the same pathways with the same histories."""
    histories = []
    for data_dir in ("premier", "second"):
        assert run("demo", "--people", "30", "--seed", "7", data_dir=data_dir).exit_code == 0
        ids = [line.split()[0] for line in
               run("pathways", "--limit", "30", data_dir=data_dir).output.splitlines()]
        assert len(ids) == 30
        histories.append({
            pathway_id: run("history", pathway_id, "--json", data_dir=data_dir).output
            for pathway_id in ids
        })
    assert histories[0] == histories[1]
    other = run("demo", "--people", "30", "--seed", "8", data_dir="autre")
    assert other.exit_code == 0
    other_ids = [line.split()[0] for line in
                 run("pathways", "--limit", "30", data_dir="autre").output.splitlines()]
    assert other_ids != list(histories[0])


def test_serve_on_a_taken_port_stops_before_loading_the_demo_and_names_the_fix(run):
    """Another program listens on 8000 when a newcomer types `make run`: the command stops at
    once, loads nothing, and says how to choose another port."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port), "--demo")
    assert result.exit_code == 1
    assert f"le port {port} de 127.0.0.1 est déjà pris" in result.output
    assert f"make run PORT={port + 1}" in result.output
    assert "demo territory loaded" not in result.output and "token" not in result.output
