"""A partner tool receives every reminder as a signed webhook; a failed delivery is retried,
never lost, and a day's reminders are never sent twice."""

import hashlib
import hmac
import json
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from committee_people import identify, log

from casecommittee.clock import FixedClock
from casecommittee.config import Settings
from casecommittee.jobs import deliver_webhooks, run_once
from casecommittee.stores.notifications import SIGNATURE_HEADER

SECRET = "secret-partagé-avec-le-partenaire"


class PartnerTool(BaseHTTPRequestHandler):
    """A partner's endpoint on loopback: down for its first call, then up."""

    received: list = []
    failures_left = 1

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if PartnerTool.failures_left:
            PartnerTool.failures_left -= 1
            self.send_response(503)
        else:
            PartnerTool.received.append((self.headers[SIGNATURE_HEADER], body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def partner():
    server = HTTPServer(("127.0.0.1", 0), PartnerTool)
    PartnerTool.received, PartnerTool.failures_left = [], 1
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/casecommittee"
    server.shutdown()


def test_a_reminder_reaches_the_partner_signed_after_one_failure(tmp_path, stores, partner):
    clock = FixedClock(date(2026, 3, 1))
    with stores.system(tmp_path, clock, CASECOMMITTEE_WEBHOOK_URL=partner,
                       CASECOMMITTEE_WEBHOOK_SECRET=SECRET) as system:
        territory = system.reference.add_territory("Cité")
        group = system.reference.add_group(territory["id"], "Jeunes", 30)
        referent = system.reference.add_user("Référente", "referent", territory["id"], [group["id"]])
        pid = identify(system, referent, group["id"], date(2026, 2, 2))
        log(system, referent, pid, "referent_assigned", date(2026, 2, 3), referent_id=referent["id"])
        log(system, referent, pid, "hired", date(2026, 2, 16), employer={"name": "Alstom"},
            contract_type="cdi", weekly_hours=35)
        assert run_once(system, "follow_up_reminders", clock.today()) == "1 action(s)"

        assert deliver_webhooks(system, clock.today()) == 0  # the partner is down: kept for later
        assert deliver_webhooks(system, clock.today()) == 0  # not due again yet (retry in 1 minute)
        clock.current += timedelta(days=1)
        assert deliver_webhooks(system, clock.today()) == 1
        assert deliver_webhooks(system, clock.today()) == 0  # delivered once only

        [(signature, body)] = PartnerTool.received
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(signature, expected)
        payload = json.loads(body)
        assert payload["kind"] == "follow_up_due" and payload["pathway_id"] == str(pid)
        assert payload["user_id"] == referent["id"]


def test_a_webhook_url_without_a_secret_is_refused_with_the_fix():
    from casecommittee.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="CASECOMMITTEE_WEBHOOK_SECRET"):
        Settings.from_env({"CASECOMMITTEE_WEBHOOK_URL": "http://127.0.0.1:9/hook"})
