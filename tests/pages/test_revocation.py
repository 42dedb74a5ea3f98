"""Revoking a user ends everything at once: her API tokens, her open page sessions and her
password — whether the coordinator does it from the API, the pages or the command line."""

import re

from click.testing import CliRunner

from casecommittee.bootstrap import bootstrap
from casecommittee.cli import main
from casecommittee.config import Settings
from casecommittee.stores.auth import Passwords, Tokens
from casecommittee.web import create_app


def test_a_revoked_referent_loses_her_open_session_and_her_token_at_once(client, as_, signed_in):
    # the referent is at work: a page open in her browser, a tool calling the API with her token
    referent = signed_in("referent")
    assert referent.get("/file-active").status_code == 200
    assert client.get("/api/v1/me", headers=as_("referent")).status_code == 200
    other = signed_in("referent2")

    revoked = client.delete("/api/v1/users/referent/tokens", headers=as_("admin"))
    assert revoked.status_code == 200
    assert revoked.get_json() == {"user_id": "referent", "revoked": 1, "sessions_ended": 1,
                                  "password_removed": True}

    # her next page sends her to sign in, her token is refused, her password no longer opens
    next_page = referent.get("/file-active")
    assert next_page.status_code == 302 and "/connexion" in next_page.headers["Location"]
    assert client.get("/api/v1/me", headers=as_("referent")).status_code == 401
    assert referent.sign_in("referent").status_code == 401
    # a colleague of the same group keeps working
    assert other.get("/file-active").status_code == 200
    assert client.get("/api/v1/me", headers=as_("referent2")).status_code == 200

    # revoking again finds nothing left to end
    again = client.delete("/api/v1/users/referent/tokens", headers=as_("admin")).get_json()
    assert again == {"user_id": "referent", "revoked": 0, "sessions_ended": 0, "password_removed": False}


def test_the_coordinator_revokes_from_the_pages_and_the_token_goes_too(client, as_, signed_in):
    referent = signed_in("referent")
    admin = signed_in("admin")
    answer = admin.post("/administration/utilisateurs/referent/revocation")
    assert answer.status_code == 302
    flash = admin.get("/administration/").get_data(as_text=True)
    assert "1 jeton(s), 1 session(s) ouverte(s), mot de passe supprimé" in flash
    assert referent.get("/file-active").status_code == 302
    assert client.get("/api/v1/me", headers=as_("referent")).status_code == 401


def test_users_revoke_on_the_command_line_ends_the_sessions_and_the_password(tmp_path, clock):
    env = {"CASECOMMITTEE_DATA_DIR": str(tmp_path / "var")}
    system = bootstrap(Settings.from_env(env), clock=clock)
    system.reference.add_territory("Belfort", id="t")
    system.reference.add_group("t", "Jeunes", 20, id="g")
    system.reference.add_user("Awa Diallo", "referent", "t", ["g"], None, id="awa")
    token = Tokens(system.engine).issue("awa")
    Passwords(system.engine).set("awa", "une phrase de passe longue", login="awa")
    app = create_app(system, {"TESTING": True})
    browser = app.test_client()
    page = browser.get("/connexion").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    assert browser.post("/connexion", data={"csrf_token": csrf, "login": "awa",
                                            "password": "une phrase de passe longue"}).status_code == 302
    assert browser.get("/file-active").status_code == 200

    revoked = CliRunner().invoke(main, ["users", "revoke", "awa"], env=env)
    assert revoked.exit_code == 0, revoked.output
    assert "1 token(s) revoked, 1 page session(s) ended, password removed for awa" in revoked.output
    assert browser.get("/file-active").status_code == 302
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    unknown = CliRunner().invoke(main, ["users", "revoke", "personne"], env=env)
    assert unknown.exit_code != 0 and "inconnu" in unknown.output
    system.close()
