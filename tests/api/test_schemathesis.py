"""Schemathesis against the generated OpenAPI document: no 5xx, responses match their schemas.

Runs in-process (WSGI) with a co-pilot's, an admin's and an auditor's token, bounded to a few
examples per operation (about 20 s).
"""

import shutil
import tempfile
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from casecommittee.bootstrap import bootstrap
from casecommittee.clock import FixedClock
from casecommittee.stores.auth import Tokens
from casecommittee.web import create_app
from scratch_stores import TEST_DATABASE_URL, ScratchStores

pytestmark = pytest.mark.slow

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


STORES = ScratchStores(TEST_DATABASE_URL)
DATA_DIR = tempfile.mkdtemp(prefix="casecommittee-schemathesis-")


def _app_and_token():
    system = bootstrap(STORES.settings(DATA_DIR),
                       clock=FixedClock(date(2026, 6, 30)))
    system.reference.add_territory("Belfort", id="t-belfort")
    system.reference.add_group("t-belfort", "Jeunes", 25, id="g-jeunes")
    system.reference.add_user("Co-pilote", "copilot", "t-belfort", ["g-jeunes"], None, id="copilot")
    system.reference.add_user("Coordination", "admin", None, [], None, id="admin")
    system.reference.add_user("Évaluation", "auditor", "t-belfort", [], None, id="auditor")
    app = create_app(system, {"TESTING": True})
    issuer = Tokens(system.engine)
    return system, app, {user: issuer.issue(user) for user in ("copilot", "admin", "auditor")}


SYSTEM, APP, TOKENS = _app_and_token()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _store_removed_after_the_module():
    yield
    SYSTEM.close()
    STORES.drop(SYSTEM.settings)
    STORES.close()
    shutil.rmtree(DATA_DIR, ignore_errors=True)


@pytest.mark.parametrize("role", list(TOKENS))
@schema.parametrize()
@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_openapi_promises(case, role):
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {TOKENS[role]}"}
    case.call_and_validate(checks=CHECKS)
