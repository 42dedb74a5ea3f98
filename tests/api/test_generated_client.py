"""A partner's integration, from the OpenAPI document alone: `openapi-python-client` generates a
typed client from the served document, and a month of a Cité de l'emploi runs through it —
reference data, an identification, steps guarded by `If-Match`, the pathway and its history,
statistics, a committee session with its decisions and minutes, an erasure — every answer a
typed model. The client speaks HTTP to the Flask app through httpx's WSGI transport."""

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from .conftest import IDENTIFY, TODAY

PACKAGE = "casecommittee_partner_client"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The client package generated from the served document (the generator formats its
    output with ruff, found beside the interpreter: nothing is fetched)."""
    from casecommittee.bootstrap import bootstrap
    from casecommittee.config import Settings
    from casecommittee.web import create_app

    root = tmp_path_factory.mktemp("partner")
    system = bootstrap(Settings.from_env({"CASECOMMITTEE_DATA_DIR": str(root / "var")}))
    try:
        document = create_app(system).test_client().get("/api/v1/openapi.json").get_json()
    finally:
        system.close()
    (root / "openapi.json").write_text(json.dumps(document))
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [str(bin_dir / "openapi-python-client"), "generate", "--path", str(root / "openapi.json"),
         "--meta", "none", "--output-path", str(root / PACKAGE)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.partition(".")[0] == PACKAGE]:
            del sys.modules[name]


def _module(package, name: str):
    return importlib.import_module(f"{package.__name__}.{name}")


@pytest.fixture
def partner(generated, app, tokens):
    """user id (or `.with_token(token)`) → the generated client with that user's token, bound
    to the app."""
    client_module = _module(generated, "client")

    class Partner:
        def __call__(self, user_id: str):
            return self.with_token(tokens[user_id])

        def with_token(self, token: str):
            return client_module.AuthenticatedClient(
                base_url="http://partner.test", token=token,
                httpx_args={"transport": httpx.WSGITransport(app=app)},
            )

    return Partner()


def test_a_partner_runs_a_month_through_the_generated_client(generated, partner):
    api = lambda name: _module(generated, f"api.{name}")  # noqa: E731 - a short alias
    models = _module(generated, "models")
    admin, referent, copilot, auditor = (partner(u) for u in ("admin", "referent", "copilot", "auditor"))

    # Reference data (admin).
    territory = api("reference.create_territory").sync(
        client=admin, body=models.TerritoryIn(name="Cité de l'emploi de Montbéliard"))
    assert isinstance(territory, models.Territory) and territory.id
    group = api("reference.create_group").sync(client=admin, body=models.GroupIn(
        territory_id="t-belfort", name="Seniors", target_per_year=12))
    assert isinstance(group, models.Group) and group.stalled_after_days == 45
    structure = api("reference.create_structure").sync(client=admin, body=models.StructureIn(
        territory_id="t-belfort", name="PLIE du Territoire", kind=models.StructureKind.PLIE))
    assert isinstance(structure, models.Structure) and structure.kind == models.StructureKind.PLIE

    # A referent for the new group, with her token; then her groups change; a token revoked.
    camille = api("users.create_user").sync(client=admin, body=models.UserIn(
        name="Camille Martin", role=models.Role.REFERENT, group_ids=[group.id],
        structure_id=structure.id))
    assert isinstance(camille, models.User) and camille.territory_id == "t-belfort"
    issued = api("users.issue_token").sync(camille.id, client=admin)
    assert isinstance(issued, models.IssuedToken)
    as_camille = partner.with_token(issued.token)
    me = api("service.get_me").sync(client=as_camille)
    assert isinstance(me, models.Me) and me.role == models.Role.REFERENT and me.group_ids == [group.id]
    changed = api("users.change_user").sync(camille.id, client=admin, body=models.UserChanges(
        group_ids=[group.id, "g-jeunes"]))
    assert changed.group_ids == [group.id, "g-jeunes"]
    listed = api("users.list_users").sync(client=admin)
    assert camille.id in [user.id for user in listed.items]
    revoked = api("users.revoke_tokens").sync(camille.id, client=admin)
    assert isinstance(revoked, models.Revoked) and revoked.revoked == 1
    refused = api("service.get_me").sync_detailed(client=as_camille)
    assert refused.status_code == 401 and refused.parsed.type_ == "/problems/unauthorized"

    # Identification, then two steps each guarded by the version read.
    created = api("pathways.identify_person").sync_detailed(
        client=referent, body=models.IdentifyIn.from_dict(IDENTIFY), include=models.WriteInclude.PERSON)
    assert created.status_code == 201
    pathway = created.parsed
    assert isinstance(pathway, models.Pathway)
    assert pathway.stage == models.Stage.IDENTIFIED and created.headers["ETag"] == '"1"'
    assert pathway.person is None  # not yet her referent
    log_step = api("pathways.log_step")
    assigned = log_step.sync_detailed(pathway.id, client=referent, if_match=created.headers["ETag"],
                                      include=models.WriteInclude.PERSON,
                                      body=models.ReferentAssignedStep.from_dict({
                                          "step": "referent_assigned", "occurred_on": "2026-06-02",
                                          "referent_id": "referent", "structure_id": "s-ml"}))
    assert assigned.status_code == 201 and assigned.headers["ETag"] == '"2"'
    assert isinstance(assigned.parsed.referent, models.Referent)
    assert isinstance(assigned.parsed.person, models.PersonOut)
    assert assigned.parsed.person.first_name == "Inès"
    referred = log_step.sync(pathway.id, client=referent, if_match='"2"',
                             body=models.CommitteeReferralStep.from_dict({
                                 "step": "committee_referral", "occurred_on": "2026-06-03",
                                 "reason": "projet flou, besoin d'un avis collectif"}))
    assert referred.version == 3 and isinstance(referred.person, _module(generated, "types").Unset)
    stale = log_step.sync_detailed(pathway.id, client=referent, if_match='"2"',
                                   body=models.ExitedStep.from_dict({
                                       "step": "exited", "occurred_on": "2026-06-04",
                                       "outcome": "moved_away"}))
    assert stale.status_code == 409 and isinstance(stale.parsed, models.Problem)
    assert stale.parsed.type_ == "/problems/version_conflict" and stale.headers["ETag"] == '"3"'

    # The pathway and its history.
    read = api("pathways.get_pathway").sync_detailed(pathway.id, client=referent)
    assert read.parsed.version == 3 and read.headers["ETag"] == '"3"'
    history = api("pathways.get_history").sync(pathway.id, client=referent)
    assert isinstance(history, models.History)
    assert [item.version for item in history.items] == [1, 2, 3]
    assert [item.step for item in history.items] == [
        models.StepCode.IDENTIFIED, models.StepCode.REFERENT_ASSIGNED, models.StepCode.COMMITTEE_REFERRAL]
    assert [type(item.data) for item in history.items] == [
        models.IdentifiedData, models.ReferentAssignedData, models.CommitteeReferralData]
    assert isinstance(history.items[0].data.consent, models.Consent)
    assert isinstance(read.parsed.referral, models.Referral)

    # Statistics.
    statistics = api("statistics.get_statistics").sync(client=copilot, group_id="g-jeunes")
    assert isinstance(statistics, models.Statistics) and statistics.population == 1
    assert isinstance(statistics.funnel, models.Funnel) and statistics.funnel.identified == 1

    # A committee session: agenda, an orientation decided, closed, minutes.
    session = api("committees.schedule_committee").sync(client=copilot, body=models.CommitteeIn(
        group_id="g-jeunes", kind=models.CommitteeKind.ORIENTATION,
        held_on=TODAY))
    assert isinstance(session, models.Committee)
    agenda = api("committees.get_agenda").sync(session.id, client=copilot)
    assert isinstance(agenda, models.Agenda)
    assert [item.pathway_id for item in agenda.items] == [pathway.id]
    decide = api("committees.record_decision")
    orient = models.DecisionIn(pathway_id=pathway.id, decision=models.DecisionCode.ORIENT,
                               orientation=models.OrientationIn(scheme="Garantie jeunes"))
    stale = decide.sync_detailed(session.id, client=copilot, body=orient, if_match='"2"')
    assert stale.status_code == 409 and stale.headers["ETag"] == '"3"'
    answer = decide.sync_detailed(session.id, client=copilot, body=orient, if_match='"3"',
                                  idempotency_key="comite-30-juin-ines")
    again = decide.sync_detailed(session.id, client=copilot, body=orient, if_match='"3"',
                                 idempotency_key="comite-30-juin-ines")
    assert answer.status_code == again.status_code == 201 and answer.headers["ETag"] == '"4"'
    assert again.headers["Idempotent-Replayed"] == "true"
    decided = answer.parsed
    assert isinstance(decided, models.DecisionOut) and decided.pathway_stage == models.Stage.ORIENTED
    assert again.parsed.to_dict() == decided.to_dict()
    oriented = api("pathways.get_pathway").sync(pathway.id, client=copilot)
    assert isinstance(oriented.current_orientation, models.CurrentOrientation)
    assert oriented.current_orientation.scheme == "Garantie jeunes" and oriented.referral is None
    closed = api("committees.close_committee").sync(
        session.id, client=copilot, body=models.CloseIn(attendance=["Mission locale", "PLIE"]))
    assert isinstance(closed, models.Committee) and closed.decision_count == 1
    minutes = api("committees.get_minutes").sync(session.id, client=auditor)
    assert isinstance(minutes, models.Agenda) and minutes.attendance == ["Mission locale", "PLIE"]
    assert minutes.items[0].pathway_id.startswith("ps-")

    # The person's data erased: the history remains.
    erased = api("pathways.erase_personal_data").sync(
        pathway.id, client=copilot, body=models.ErasureIn(reason="demande de la personne"))
    assert isinstance(erased, models.PersonalData) and erased.person is None
    assert len(api("pathways.get_history").sync(pathway.id, client=referent).items) == 4
