"""`casecommittee export-person`: the coordinator answers Inès's request for her data from the
command line, in the name of her referent — the API's document, with the same rules and the
same line in the access log."""

import json

from click.testing import CliRunner

from api import conftest as api
from api.test_right_of_access import (
    DECISION,
    NOTE_CORRECTED,
    REFERRAL,
    RUPTURE,
    TEXTS,
    exports_logged,
    written_pathway,
)
from casecommittee.cli import main

app, as_, client, reference, tokens = api.app, api.as_, api.client, api.reference, api.tokens
identified = api.identified


def _run(store_env, *args):
    return CliRunner().invoke(main, [str(a) for a in args], env=store_env)


def test_the_export_of_ines_from_the_command_line(client, as_, identified, store_env,
                                                   tmp_path):
    written_pathway(client, as_, identified)

    printed = _run(store_env, "export-person", identified, "--as", "referent")
    assert printed.exit_code == 0, printed.output
    document = json.loads(printed.output)
    by_api = client.get(f"/api/v1/pathways/{identified}/personal-data",
                        headers=as_("referent")).get_json()
    assert {**document, "exported_at": None} == {**by_api, "exported_at": None}
    data = {step["step"]: step["data"] for step in document["steps"]}
    assert data["committee_referral"]["reason"] == REFERRAL and data["rupture"]["reason"] == RUPTURE
    assert data["corrected"]["changes"]["note"] == NOTE_CORRECTED
    assert document["decisions"][0]["note"] == DECISION

    saved = tmp_path / "ines.json"
    saved.write_text("an older file, readable by all")
    saved.chmod(0o644)
    written = _run(store_env, "export-person", identified, "--as", "copilot", "--output", saved)
    assert written.exit_code == 0, written.output
    assert "8 steps, 1 committee decisions" in written.output
    assert json.loads(saved.read_text(encoding="utf-8"))["person"]["first_name"] == "Inès"
    assert saved.stat().st_mode & 0o777 == 0o600  # (her data: readable by the file's owner only)
    assert exports_logged(client, as_, identified) == ["referent", "referent", "copilot"]  # CLI, API, CLI


def test_the_same_rules_as_the_api(client, as_, identified, store_env):
    written_pathway(client, as_, identified)
    for user, says in (("referent2", "seul le référent de la personne"),
                       ("referent_familles", "aucun parcours"),
                       ("auditor", "seul le référent de la personne"),
                       ("personne", "aucun utilisateur")):
        refused = _run(store_env, "export-person", identified, "--as", user)
        assert refused.exit_code == 1 and says in refused.output, (user, refused.output)
        assert not any(text in refused.output for text in TEXTS)
    assert exports_logged(client, as_, identified) == []

    client.delete(f"/api/v1/pathways/{identified}/personal-data", headers=as_("referent"),
                  json={"reason": "demande de la personne"})
    tombstone = json.loads(_run(store_env, "export-person", identified, "--as", "referent").output)
    assert tombstone["person"] is None and tombstone["steps"] == [] and tombstone["decisions"] == []
    assert tombstone["erasure_reason"] == "demande de la personne"
