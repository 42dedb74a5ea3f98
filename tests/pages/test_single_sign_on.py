"""Signing in through OpenID Connect (ProConnect or any provider), configured by environment:
a provider played by a small server of the test (discovery, keys, token endpoint, ID tokens
signed RS256) — the service checks the ID token and opens a session for the user whose sign-in
name is the verified e-mail, and for no one else."""

import base64
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, jsonify, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

from casecommittee.bootstrap import bootstrap
from casecommittee.config import ConfigurationError, Settings
from casecommittee.stores.auth import Passwords
from casecommittee.stores.revocation import revoke_access
from casecommittee.web import create_app

CLIENT_ID, CLIENT_SECRET = "casecommittee-belfort", "un-secret-de-client"


class Provider:
    """A minimal OpenID Connect provider: the test decides what each code's ID token says."""

    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})
        self.codes: dict[str, dict] = {}
        self.app = Flask("provider")
        self.app.add_url_rule("/.well-known/openid-configuration", view_func=self.discovery)
        self.app.add_url_rule("/jwks", view_func=lambda: jsonify({"keys": [self.key.as_dict(private=False)]}))
        self.app.add_url_rule("/token", view_func=self.token, methods=["POST"])
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"

    def discovery(self):
        return jsonify({
            "issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"]})

    def token(self):
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {basic}":
            return jsonify({"error": "invalid_client"}), 401
        claims = self.codes.pop(request.form.get("code"), None)
        if claims is None:
            return jsonify({"error": "invalid_grant"}), 400
        now = int(time.time())
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, {
            "iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, **claims}, self.key)
        return jsonify({"access_token": "a", "token_type": "Bearer", "expires_in": 300,
                        "id_token": id_token})


@pytest.fixture
def provider():
    """The provider, served on a free port."""
    found = Provider()
    thread = threading.Thread(target=found.server.serve_forever, daemon=True)
    thread.start()
    yield found
    found.server.shutdown()


@pytest.fixture
def sso_system(store_env, clock, provider):
    """The service configured with that provider, and Awa, a referent invited with her e-mail."""
    env = {**store_env, "CASECOMMITTEE_OIDC_ISSUER": provider.issuer,
           "CASECOMMITTEE_OIDC_CLIENT_ID": CLIENT_ID, "CASECOMMITTEE_OIDC_CLIENT_SECRET": CLIENT_SECRET}
    system = bootstrap(Settings.from_env(env), clock=clock)
    system.reference.add_territory("Belfort", id="t")
    system.reference.add_group("t", "Jeunes", 20, id="g")
    system.reference.add_user("Awa Diallo", "referent", "t", ["g"], None, id="awa")
    Passwords(system.engine).set("awa", "un mot de passe jamais utilisé", login="awa.diallo@belfort.fr")
    yield system
    system.close()


def _go_to_provider(browser, next_page="/file-active") -> dict:
    """Follows the service's redirect to the provider; returns the authorization request."""
    answer = browser.get(f"/connexion/sso/?next={next_page}")
    assert answer.status_code == 302
    sent = urlsplit(answer.headers["Location"])
    assert sent.path == "/authorize"
    return {k: v[0] for k, v in parse_qs(sent.query).items()}


def test_a_referent_signs_in_with_the_provider_and_lands_where_she_was_going(sso_system, provider):
    browser = create_app(sso_system, {"TESTING": True}).test_client()
    assert "Se connecter avec ProConnect" in browser.get("/connexion").get_data(as_text=True)
    asked = _go_to_provider(browser)
    assert asked["client_id"] == CLIENT_ID and "openid" in asked["scope"].split()
    assert asked["redirect_uri"].endswith("/connexion/sso/retour")
    provider.codes["c1"] = {"sub": "agent-7", "email": "Awa.Diallo@belfort.fr",
                            "email_verified": True, "nonce": asked["nonce"]}
    back = browser.get(f"/connexion/sso/retour?code=c1&state={asked['state']}")
    assert back.status_code == 302 and back.headers["Location"] == "/file-active"
    page = browser.get("/file-active")
    assert page.status_code == 200 and "Awa Diallo" in page.get_data(as_text=True)


def test_the_provider_s_word_is_checked_and_only_invited_users_get_in(sso_system, provider):
    app = create_app(sso_system, {"TESTING": True})

    def attempt(claims: dict, *, state: str | None = None) -> str:
        browser = app.test_client()
        asked = _go_to_provider(browser)
        provider.codes["c"] = {"sub": "x", "nonce": asked["nonce"], **claims}
        back = browser.get(f"/connexion/sso/retour?code=c&state={state or asked['state']}")
        assert back.status_code == 401
        assert browser.get("/file-active").status_code == 302  # still signed out
        return back.get_data(as_text=True)

    assert "aucun compte de ce service" in attempt({"email": "inconnu@belfort.fr", "email_verified": True})
    assert "adresse électronique vérifiée" in attempt({"email": "awa.diallo@belfort.fr", "email_verified": False})
    assert "n&#39;a pas confirmé votre identité" in attempt(
        {"email": "awa.diallo@belfort.fr"}, state="un-autre-etat")
    refused = attempt({"email": "awa.diallo@belfort.fr", "nonce": "rejoue"})  # another request's token
    assert "n&#39;a pas confirmé votre identité" in refused
    # a revoked user is refused by the provider's way too
    revoke_access(sso_system.engine, "awa")
    assert "aucun compte de ce service" in attempt({"email": "awa.diallo@belfort.fr", "email_verified": True})


def test_an_issuer_without_its_client_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigurationError, match="CASECOMMITTEE_OIDC_CLIENT_ID"):
        Settings.from_env({"CASECOMMITTEE_DATA_DIR": str(tmp_path), "CASECOMMITTEE_OIDC_ISSUER": "https://x"})


def test_without_a_provider_the_sign_in_page_offers_the_password_only(client):
    assert "Se connecter avec" not in client.get("/connexion").get_data(as_text=True)
    assert client.get("/connexion/sso/").status_code == 401


def test_a_provider_that_does_not_answer_is_said_so(sso_system, provider):
    browser = create_app(sso_system, {"TESTING": True}).test_client()
    provider.server.shutdown()
    provider.server.server_close()
    answer = browser.get("/connexion/sso/")
    assert answer.status_code == 401 and "ProConnect ne répond pas" in answer.get_data(as_text=True)
