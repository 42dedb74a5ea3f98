"""The pages on the API's scratch territory: each user has a password; `signed_in` opens a
browser-like session (cookies, CSRF token read from the page) for one of them."""

import io
import re

import pytest

from api import conftest as api
from api.spreadsheets import csv_file
from casecommittee.stores.auth import Passwords

#: The API's scratch territory and its clients, shared with the pages' tests.
IDENTIFY = api.IDENTIFY
app, as_, client, reference, tokens = api.app, api.as_, api.client, api.reference, api.tokens
identified = api.identified

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def password_of(user_id: str) -> str:
    """The test password of a user (12 characters at least)."""
    return f"mot-de-passe-{user_id}"


@pytest.fixture
def passwords(system, reference):
    """Every user of the territory can sign in: login = user id."""
    store = Passwords(system.engine)
    for user_id in reference:
        store.set(user_id, password_of(user_id), login=user_id)
    return store


class Browser:
    """A test client that signs in and posts forms with the page's CSRF token."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def get(self, url, **kwargs):
        """GET a page; remembers its CSRF token."""
        answer = self.client.get(url, **kwargs)
        found = answer.mimetype == "text/html" and CSRF.search(answer.get_data(as_text=True))
        if found:
            self.token = found[1]
        return answer

    def post(self, url, data=None, **kwargs):
        """POST a form with the last CSRF token seen."""
        if self.token is None:
            self.get("/connexion")
        return self.client.post(url, data={"csrf_token": self.token, **(data or {})}, **kwargs)

    def sign_in(self, user_id: str, password: str | None = None):
        """Signs in through the form."""
        self.get("/connexion")
        answer = self.post("/connexion", {"login": user_id, "password": password or password_of(user_id)})
        if answer.status_code == 302:
            self.get(answer.headers["Location"], follow_redirects=True)  # a fresh session's token
        return answer


@pytest.fixture
def browser(client, passwords):
    """A signed-out browser."""
    return Browser(client)


@pytest.fixture
def signed_in(app, passwords):
    """signed_in("referent") → a browser with that user's session."""

    def sign(user_id: str) -> Browser:
        b = Browser(app.test_client())
        answer = b.sign_in(user_id)
        assert answer.status_code == 302, answer.get_data(as_text=True)
        return b

    return sign


def identify_form(**changes) -> dict:
    """The repérage form as a referent fills it (the API's IDENTIFY example)."""
    person, profile = IDENTIFY["person"], IDENTIFY["profile"]
    form = {
        "group_id": IDENTIFY["group_id"], "identified_on": IDENTIFY["identified_on"],
        "channel": IDENTIFY["channel"], "identified_by_structure_id": "s-ml",
        "person.first_name": person["first_name"], "person.last_name": person["last_name"],
        "person.birth_date": person["birth_date"], "person.phone": person["phone"],
        "profile.sex": profile["sex"], "profile.qpv_code": profile["qpv_code"],
        "profile.qualification_level": profile["qualification_level"], "profile.flags": "rsa",
        "consent.committee_sharing": "true", "consent.given_on": "2026-06-01",
    }
    form.update(changes)
    return form


def a_territory(signed_in) -> dict:
    """A pathway of "jeunes" (the referent's), a closed session of its committee (30 June), an
    import into it awaiting confirmation, and a company with a need offered to "jeunes": the
    ids of each ("pathway", "session", "company", "import")."""
    referent = signed_in("referent")
    created = referent.post("/reperage", identify_form(assign_me="1"))
    pathway = created.headers["Location"].split("?")[0].rsplit("/", 1)[1]
    copilot = signed_in("copilot")
    scheduled = copilot.post("/comites/", {"group_id": "g-jeunes", "kind": "orientation",
                                           "held_on": "2026-06-30"})
    session = scheduled.headers["Location"].rsplit("/", 1)[1]
    copilot.post(f"/comites/{session}/cloture", {"attendance": "Mission locale"})
    referent.get("/imports/")
    uploaded = referent.post("/imports/", {"group_id": "g-jeunes", "file": (io.BytesIO(csv_file()), "liste.csv")},
                             content_type="multipart/form-data")
    cre = signed_in("cre")
    registered = cre.post("/entreprises/", {"siret": "73282932000074", "name": "Boulangerie",
                                            "size_band": "micro", "qpv_location": "in_qpv",
                                            "registered_on": "2026-01-05"})
    company = registered.headers["Location"].rsplit("/", 1)[1]
    cre.post(f"/entreprises/{company}/besoin", {
        "occurred_on": "2026-06-02", "need_id": "vendeurs", "job_title": "vendeur·se",
        "contract_type": "cdi", "positions": "2", "starts_on": "2026-07-01", "group_ids": "g-jeunes"})
    return {"pathway": pathway, "session": session, "company": company,
            "import": uploaded.headers["Location"].rsplit("/", 1)[1]}
