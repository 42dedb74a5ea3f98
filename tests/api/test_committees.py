"""A co-pilot's committee through the API: schedule, agenda (JSON, HTML, CSV), decisions,
closing, minutes; what referents, other groups and auditors may see; notifications."""

import shutil
import subprocess

from sqlalchemy import event

from .conftest import IDENTIFY, counts, every_page


def _identify(client, as_, **overrides):
    body = {**IDENTIFY, **overrides}
    created = client.post("/api/v1/pathways", json=body, headers=as_("referent"))
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def _schedule(client, as_, held_on="2026-06-30", group_id="g-jeunes"):
    created = client.post("/api/v1/committees", headers=as_("copilot"),
                          json={"group_id": group_id, "kind": "orientation", "held_on": held_on})
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def test_the_copilot_prepares_holds_and_closes_the_committee(client, as_, system):
    ines = _identify(client, as_)
    private = _identify(client, as_, consent={"committee_sharing": False},
                        person={"first_name": "Yanis", "last_name": "Haddad", "birth_date": "2005-01-02"})
    session = _schedule(client, as_)

    agenda = client.get(f"/api/v1/committees/{session}/agenda", headers=as_("referent"))
    assert agenda.status_code == 200, agenda.get_json()
    items = {i["pathway_id"]: i for i in agenda.get_json()["items"]}
    assert items[ines]["label"] == "Inès B."
    assert items[private]["label"].startswith("ps-") and "Yanis" not in agenda.get_data(as_text=True)
    assert items[ines]["reasons"] == ["not_yet_oriented"]
    assert items[ines]["synthesis"][0] == {"label": "repéré", "on": "2026-06-01"}

    html = client.get(f"/api/v1/committees/{session}/agenda",
                      headers={**as_("copilot"), "Accept": "text/html"})
    assert html.mimetype == "text/html" and "Ordre du jour" in html.get_data(as_text=True)
    csv = client.get(f"/api/v1/committees/{session}/agenda", headers={**as_("copilot"), "Accept": "text/csv"})
    text = csv.get_data(as_text=True)
    assert csv.mimetype == "text/csv" and text.startswith("\ufeffPersonne;Étape;")
    assert "Inès B.;repéré;" in text

    decided = client.post(f"/api/v1/committees/{session}/decisions", headers=as_("copilot"), json={
        "pathway_id": ines, "decision": "orient", "note": "CEJ à la Mission locale",
        "orientation": {"scheme": "Contrat d'engagement jeune (CEJ)", "structure_id": "s-ml"}})
    assert decided.status_code == 201, decided.get_json()
    assert decided.get_json()["pathway_stage"] == "oriented"
    pathway = client.get(f"/api/v1/pathways/{ines}", headers=as_("referent")).get_json()
    assert pathway["stage"] == "oriented"
    history = client.get(f"/api/v1/pathways/{ines}/history", headers=as_("referent")).get_json()
    assert history["items"][-1]["data"]["committee_session_id"] == session
    assert client.post(f"/api/v1/committees/{session}/decisions", headers=as_("copilot"), json={
        "pathway_id": private, "decision": "postpone"}).status_code == 201

    assert client.get(f"/api/v1/committees/{session}/minutes", headers=as_("copilot")).status_code == 409
    closed = client.post(f"/api/v1/committees/{session}/close", headers=as_("copilot"),
                         json={"attendance": ["Mission locale", "Unis-Cité"]})
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"

    minutes = client.get(f"/api/v1/committees/{session}/minutes", headers=as_("referent")).get_json()
    assert minutes["attendance"] == ["Mission locale", "Unis-Cité"]
    decisions = {i["pathway_id"]: i["decision"]["decision"] for i in minutes["items"]}
    assert decisions == {ines: "orient", private: "postpone"}
    audited = client.get(f"/api/v1/committees/{session}/minutes", headers=as_("auditor"))
    assert audited.status_code == 200
    assert "Inès" not in audited.get_data(as_text=True)
    assert all(i["pathway_id"].startswith("ps-") for i in audited.get_json()["items"])

    before = counts(system)
    late = client.post(f"/api/v1/committees/{session}/decisions", headers=as_("copilot"),
                       json={"pathway_id": private, "decision": "close"})
    assert late.status_code == 422 and late.mimetype == "application/problem+json"
    assert counts(system) == before


def test_who_may_touch_a_committee(client, as_, system):
    session = _schedule(client, as_)
    pid = _identify(client, as_)
    assert client.post("/api/v1/committees", headers=as_("referent"), json={
        "group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-07-03"}).status_code == 403
    assert client.post("/api/v1/committees", headers=as_("copilot"), json={
        "group_id": "g-familles", "kind": "orientation", "held_on": "2026-07-03"}).status_code == 404
    assert client.get(f"/api/v1/committees/{session}/agenda",
                      headers=as_("referent_familles")).status_code == 404
    assert client.get(f"/api/v1/committees/{session}/agenda", headers=as_("auditor_brest")).status_code == 404
    assert client.post(f"/api/v1/committees/{session}/decisions", headers=as_("referent"),
                       json={"pathway_id": pid, "decision": "continue"}).status_code == 403
    assert client.get("/api/v1/committees/not-a-session", headers=as_("copilot")).status_code == 404
    other = client.post("/api/v1/pathways", headers=as_("referent_familles"),
                        json={**IDENTIFY, "group_id": "g-familles", "identified_by_structure_id": None})
    assert other.status_code == 201, other.get_json()
    assert client.post(f"/api/v1/committees/{session}/decisions", headers=as_("copilot"), json={
        "pathway_id": other.get_json()["id"], "decision": "continue"}).status_code == 404
    listed = client.get("/api/v1/committees?group_id=g-jeunes", headers=as_("referent")).get_json()
    assert [s["id"] for s in listed["items"]] == [session]


def test_bad_decisions_get_a_clear_4xx_and_write_nothing(client, as_, system):
    session = _schedule(client, as_)
    pid = _identify(client, as_)
    before = counts(system)
    cases = [
        ({"pathway_id": pid, "decision": "orient"}, 422, "orientation"),
        ({"pathway_id": pid, "decision": "adjourn"}, 422, "decision"),
        ({"pathway_id": pid, "decision": "continue", "orientation": {"scheme": "CEJ"}}, 422, "orientation"),
        ({"decision": "continue"}, 422, "pathway_id"),
        ({"pathway_id": pid, "decision": "orient",
          "orientation": {"scheme": "CEJ", "structure_id": "s-nowhere"}}, 422, "orientation.structure_id"),
    ]
    for body, status, field in cases:
        answer = client.post(f"/api/v1/committees/{session}/decisions", headers=as_("copilot"), json=body)
        assert answer.status_code == status, (body, answer.get_json())
        assert answer.mimetype == "application/problem+json"
        assert field in answer.get_json().get("errors", {}), answer.get_json()
    future = _schedule(client, as_, held_on="2026-07-03")
    answer = client.post(f"/api/v1/committees/{future}/decisions", headers=as_("copilot"), json={
        "pathway_id": pid, "decision": "orient", "orientation": {"scheme": "CEJ"}})
    assert answer.status_code == 422  # the session has not been held yet
    assert counts(system)["events"] == before["events"] + 1  # only the second session's scheduling


def test_closing_reads_the_agenda_peoples_identities_together(client, as_, system):
    """The attendance is checked against every person on the agenda: their identities are
    read in one query, not one each, and a line naming any of them is still refused."""
    people = [("Inès", "Benali"), ("Yanis", "Haddad"), ("Lina", "Moreau")]
    for first_name, last_name in people:
        _identify(client, as_, person={"first_name": first_name, "last_name": last_name,
                                       "birth_date": "2005-01-02"})
    session = _schedule(client, as_)
    statements = []

    def traced(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(system.personal_data.engine, "before_cursor_execute", traced)
    try:
        refused = client.post(f"/api/v1/committees/{session}/close", headers=as_("copilot"),
                              json={"attendance": ["Mission locale", "Lina (présente)"]})
    finally:
        event.remove(system.personal_data.engine, "before_cursor_execute", traced)
    assert refused.status_code == 422 and "attendance" in refused.get_json()["errors"]
    assert len([s for s in statements if "FROM personal_data" in s]) == 1, statements
    closed = client.post(f"/api/v1/committees/{session}/close", headers=as_("copilot"),
                         json={"attendance": ["Mission locale"]})
    assert closed.status_code == 200, closed.get_json()


def test_reminders_are_read_and_marked_as_read(client, as_, system, clock):
    from casecommittee.jobs import run_once

    pid = _identify(client, as_)
    client.post(f"/api/v1/pathways/{pid}/steps", headers=as_("referent"), json={
        "step": "referent_assigned", "occurred_on": "2026-06-02", "referent_id": "referent"})
    client.post(f"/api/v1/pathways/{pid}/steps", headers=as_("referent"), json={
        "step": "hired", "occurred_on": "2026-06-10", "employer": {"name": "Alstom"},
        "contract_type": "cdi", "weekly_hours": 35})
    assert run_once(system, "follow_up_reminders", clock.today()) == "1 action(s)"
    page = client.get("/api/v1/notifications?unread=true", headers=as_("referent")).get_json()
    [reminder] = page["items"]
    assert reminder["kind"] == "follow_up_overdue" and reminder["pathway_id"] == pid
    read = client.post(f"/api/v1/notifications/{reminder['id']}/read", headers=as_("referent"))
    assert read.status_code == 200 and read.get_json()["read_at"]
    assert client.get("/api/v1/notifications?unread=true", headers=as_("referent")).get_json()["items"] == []
    assert client.post(f"/api/v1/notifications/{reminder['id']}/read",
                       headers=as_("referent2")).status_code == 404


def test_the_printed_minutes_render_in_a_real_browser(client, as_, tmp_path):
    """Headless Chromium loads the HTML minutes and prints them to PDF without an error."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Chromium is needed: `make test` installs Debian's chromium (apt-get install chromium)"
    _identify(client, as_)
    session = _schedule(client, as_)
    client.post(f"/api/v1/committees/{session}/close", headers=as_("copilot"), json={"attendance": ["PLIE"]})
    html = client.get(f"/api/v1/committees/{session}/minutes", headers={**as_("copilot"), "Accept": "text/html"})
    page = tmp_path / "compte-rendu.html"
    page.write_bytes(html.get_data())
    pdf = tmp_path / "compte-rendu.pdf"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([chromium, *flags, "--dump-dom", page.as_uri()], capture_output=True,
                         text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "Compte rendu" in dom.stdout and "Inès B." in dom.stdout
    printed = subprocess.run([chromium, *flags, f"--print-to-pdf={pdf}", page.as_uri()],
                             capture_output=True, text=True, timeout=120)
    assert printed.returncode == 0, printed.stderr[-2000:]
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000


def test_notifications_come_page_by_page_newest_first(client, as_, system, clock):
    from datetime import timedelta

    from casecommittee.stores.notifications import notify

    for n in range(5):
        notify(system.engine, user_id="referent", kind="stalled", dedupe_key=f"k{n}",
               title="Parcours sans nouvelle étape", body=f"n°{n}",
               now=clock.now() + timedelta(minutes=n // 2))  # two pairs share a time
    seen = [n["body"] for n in every_page(client, "/api/v1/notifications?limit=2", as_("referent"))]
    assert sorted(seen) == [f"n°{n}" for n in range(5)] and len(seen) == 5
    assert seen[0] == "n°4"
    assert client.get("/api/v1/notifications?cursor=bm9wZQ", headers=as_("referent")).status_code == 400


def test_sessions_come_page_by_page_by_date(client, as_):
    made = [_schedule(client, as_, held_on=day) for day in ("2026-07-03", "2026-06-30", "2026-07-31")]
    seen = [s["held_on"] for s in every_page(client, "/api/v1/committees?limit=1", as_("copilot"))]
    assert seen == ["2026-06-30", "2026-07-03", "2026-07-31"] and len(made) == 3
    window = client.get("/api/v1/committees?from=2026-07-01&to=2026-07-10", headers=as_("copilot"))
    assert [s["held_on"] for s in window.get_json()["items"]] == ["2026-07-03"]
    forged = "WzFd"  # base64 of [1]: a list, but not a cursor this server gave
    assert client.get(f"/api/v1/committees?cursor={forged}", headers=as_("copilot")).status_code == 400
