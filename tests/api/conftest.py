"""The API on a scratch store with a clock standing on 30 June 2026, and a token per role.

Belfort has two groups, "jeunes" and "familles"; Brest is another territory. Users:
admin, copilot (jeunes), referent and referent2 (jeunes), referent_familles, auditor (Belfort),
auditor_brest, cre (chargée de relation entreprises, Belfort) and cre_brest.
"""

from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event

from casecommittee.stores.auth import Tokens
from casecommittee.web import create_app

IDENTIFY = {
    "group_id": "g-jeunes", "identified_on": "2026-06-01", "channel": "aller_vers",
    "identified_by_structure_id": "s-ml",
    "person": {"first_name": "Inès", "last_name": "Benali", "birth_date": "2007-04-02",
               "phone": "0600000000"},
    "profile": {"sex": "F", "qpv_code": "QN09001M", "qualification_level": "below_cap",
                "flags": ["rsa"]},
    "consent": {"committee_sharing": True, "given_on": "2026-06-01"},
}


@pytest.fixture
def reference(system):
    """Two territories, two groups, a structure, a user per role; returns their ids."""
    ref = system.reference
    ref.add_territory("Cité de l'emploi de Belfort", id="t-belfort")
    ref.add_territory("Cité de l'emploi de Brest", id="t-brest")
    ref.add_group("t-belfort", "Jeunes décrocheurs", 25, id="g-jeunes")
    ref.add_group("t-belfort", "Familles monoparentales", 20, id="g-familles")
    ref.add_group("t-brest", "Cité Lab", 100, id="g-brest")
    ref.add_structure("t-belfort", "Mission locale", "mission_locale", id="s-ml")
    users = {
        "admin": ("admin", "t-belfort", [], None),
        "copilot": ("copilot", "t-belfort", ["g-jeunes"], "s-ml"),
        "referent": ("referent", "t-belfort", ["g-jeunes"], "s-ml"),
        "referent2": ("referent", "t-belfort", ["g-jeunes"], "s-ml"),
        "referent_familles": ("referent", "t-belfort", ["g-familles"], "s-ml"),
        "auditor": ("auditor", "t-belfort", [], None),
        "auditor_brest": ("auditor", "t-brest", [], None),
        "cre": ("business_relations", "t-belfort", [], "s-ml"),
        "cre_brest": ("business_relations", "t-brest", [], None),
    }
    for user_id, (role, territory, groups, structure) in users.items():
        ref.add_user(user_id.title(), role, territory, groups, structure, id=user_id)
    return users


@pytest.fixture
def app(system, reference):
    """The Flask app serving the scratch system."""
    return create_app(system, {"TESTING": True})


@pytest.fixture
def client(app):
    """A Flask test client."""
    return app.test_client()


@pytest.fixture
def tokens(system, reference):
    """user id → a live bearer token."""
    issuer = Tokens(system.engine)
    return {user_id: issuer.issue(user_id) for user_id in reference}


@pytest.fixture
def as_(tokens):
    """as_("referent") → the Authorization header of that user."""
    return lambda user_id: {"Authorization": f"Bearer {tokens[user_id]}"}


@pytest.fixture
def identified(client, as_):
    """A pathway identified by the referent of "jeunes", with the referent assigned to her."""
    created = client.post("/api/v1/pathways", json=IDENTIFY, headers=as_("referent"))
    assert created.status_code == 201, created.get_json()
    pid = created.get_json()["id"]
    assigned = client.post(f"/api/v1/pathways/{pid}/steps", headers=as_("referent"), json={
        "step": "referent_assigned", "occurred_on": "2026-06-02", "referent_id": "referent",
        "structure_id": "s-ml",
    })
    assert assigned.status_code == 201, assigned.get_json()
    return pid


def counts(system) -> dict:
    """How many events (idempotency keys' answers included), personal-data rows and access-log
    rows of writes are stored."""
    from sqlalchemy import func, select

    from casecommittee.stores.access_log import access_log
    from casecommittee.stores.personal_data import personal_data_table

    with system.engine.connect() as conn:
        stored = {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                  for t in (personal_data_table,)}
        writes = conn.execute(select(func.count()).select_from(access_log).where(
            access_log.c.action.in_(("identify", "log_step", "erase_personal_data")))).scalar()
    return {"events": system.app.recorder.max_notification_id() or 0, "writes": writes, **stored}


@contextmanager
def personal_data_queries(system):
    """The queries to the personal-data table while the block runs (a list, filled as it goes)."""
    statements = []

    def traced(_conn, _cursor, statement, *_args):
        if "FROM personal_data" in statement:
            statements.append(statement)

    event.listen(system.personal_data.engine, "before_cursor_execute", traced)
    try:
        yield statements
    finally:
        event.remove(system.personal_data.engine, "before_cursor_execute", traced)


TODAY = date(2026, 6, 30)


def every_page(client, url: str, headers: dict) -> list[dict]:
    """The items of every page of a list, following `next_cursor` as a client does."""
    items, cursor = [], None
    while True:
        answer = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=headers)
        assert answer.status_code == 200, answer.get_json()
        items += answer.get_json()["items"]
        cursor = answer.get_json()["next_cursor"]
        if cursor is None:
            return items
