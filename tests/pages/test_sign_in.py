"""Signing in to the pages: passwords, server-side sessions, CSRF, lock-out, idle timeout."""


from sqlalchemy import select

from casecommittee.stores.page_sessions import page_sessions as web_sessions
from casecommittee.web.pages.sessions import COOKIE_NAME


def test_a_referent_signs_in_and_lands_on_her_file_active(browser):
    assert browser.get("/file-active").status_code == 302  # signed out: to the sign-in page
    answer = browser.sign_in("referent")
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    home = browser.get("/")
    assert home.headers["Location"] == "/file-active"
    page = browser.get("/file-active")
    assert page.status_code == 200 and "Ma file active" in page.get_data(as_text=True)


def test_the_cookie_holds_only_a_random_id_and_the_session_lives_in_the_database(browser, system):
    browser.sign_in("referent")
    cookie = browser.client.get_cookie(COOKIE_NAME)
    assert cookie is not None and "referent" not in cookie.value and len(cookie.value) >= 40
    with system.engine.connect() as conn:
        stored = conn.execute(select(web_sessions.c.user_id, web_sessions.c.id_hash)).all()
    assert ("referent",) in [(row.user_id,) for row in stored]
    assert cookie.value not in [row.id_hash for row in stored]  # only its hash is stored


def test_a_wrong_password_is_refused_with_the_same_words_as_an_unknown_name(browser):
    wrong = browser.sign_in("referent", "pas-le-bon-mot-de-passe")
    unknown = browser.sign_in("personne", "pas-le-bon-mot-de-passe")
    assert wrong.status_code == unknown.status_code == 401
    assert "identifiant ou mot de passe incorrect" in wrong.get_data(as_text=True)
    assert "identifiant ou mot de passe incorrect" in unknown.get_data(as_text=True)


def test_five_failures_lock_the_account_even_for_the_right_password(browser):
    for _ in range(5):
        browser.sign_in("referent", "mauvais-mot-de-passe")
    locked = browser.sign_in("referent")
    assert locked.status_code == 401
    assert "compte verrouillé" in locked.get_data(as_text=True)


def test_the_lock_opens_again_after_the_lockout(browser, clock):
    for _ in range(5):
        browser.sign_in("referent", "mauvais-mot-de-passe")
    clock.advance(1)  # a day later
    assert browser.sign_in("referent").status_code == 302


def test_a_form_without_its_csrf_token_is_refused(browser, system):
    browser.sign_in("referent")
    answer = browser.client.post("/reperage", data={"group_id": "g-jeunes"})
    assert answer.status_code == 400
    assert "le formulaire a expiré" in answer.get_data(as_text=True)
    assert (system.app.recorder.max_notification_id() or 0) == 0


def test_an_idle_session_ends(browser, clock):
    browser.sign_in("referent")
    clock.advance(1)  # a day without a request
    answer = browser.get("/file-active")
    assert answer.status_code == 302 and "/connexion" in answer.headers["Location"]
    assert "Votre session a expiré" in browser.get(answer.headers["Location"]).get_data(as_text=True)


def test_signing_out_ends_the_session(browser):
    browser.sign_in("referent")
    browser.get("/file-active")
    browser.post("/deconnexion")
    assert browser.get("/file-active").status_code == 302


def test_api_tokens_keep_working_beside_the_pages(client, as_, passwords):
    assert client.get("/api/v1/me", headers=as_("referent")).status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_next_never_leaves_the_site(browser):
    browser.get("/connexion")
    answer = browser.post("/connexion", {"login": "referent", "password": "mot-de-passe-referent",
                                         "next": "//evil.example/x"})
    assert answer.headers["Location"] == "/"
