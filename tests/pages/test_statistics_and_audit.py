"""Statistics, the steering committee's bilan known at a past time, the auditor's pages (never
an identity), the coordinator's administration and the notifications inbox."""

import io
import re
from datetime import UTC, datetime

from openpyxl import load_workbook

from casecommittee.stores.notifications import notify

from .conftest import a_territory, identify_form


def _identify(b, **changes) -> str:
    answer = b.post("/reperage", identify_form(**changes))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return answer.headers["Location"].split("?")[0]


def _population(page: str) -> int:
    return int(re.search(r'id="population">(\d+)<', page)[1])


def test_statistics_with_their_pickers_charts_and_exports(signed_in):
    referent = signed_in("referent")
    _identify(referent)
    _identify(referent, **{"person.first_name": "Lucas", "identified_on": "2026-05-02",
                           "consent.given_on": "2026-05-02"})
    copilot = signed_in("copilot")
    page = copilot.get("/statistiques/?by=group").get_data(as_text=True)
    assert _population(page) == 2 and "<svg" in page and "Entonnoir des parcours" in page
    assert "Jeunes décrocheurs" in page  # the breakdown names the group
    assert _population(copilot.get("/statistiques/?from=2026-05-15").get_data(as_text=True)) == 1
    wrong = copilot.get("/statistiques/?from=2026-06-30&to=2026-01-01")
    assert wrong.status_code == 422 and 'id="from-error"' in wrong.get_data(as_text=True)
    xlsx = copilot.get("/statistiques/?by=sex&format=xlsx")
    cells = [c for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True) for c in row]
    assert "parcours repérés dans la période" in cells
    csv = copilot.get("/statistiques/?format=csv").get_data(as_text=True)
    assert "Rubrique;Indicateur;Valeur" in csv


def test_the_auditor_draws_the_bilan_known_at_a_past_time(signed_in, clock):
    referent = signed_in("referent")
    _identify(referent)  # recorded on 30/06/2026 at noon (UTC)
    clock.advance(2)
    _identify(signed_in("referent"), **{"person.first_name": "Lucas", "identified_on": "2026-06-20",
                           "consent.given_on": "2026-06-20"})  # logged late, on 02/07/2026
    auditor = signed_in("auditor")
    now = auditor.get("/statistiques/bilan?trimestre=2026-T2").get_data(as_text=True)
    assert _population(now) == 2
    then = auditor.get("/statistiques/bilan?trimestre=2026-T2&known_at=2026-07-01T09:00")
    page = then.get_data(as_text=True)
    assert _population(page) == 1 and "01/07/2026 09:00" in page
    pdf_url = "/statistiques/bilan?trimestre=2026-T2&known_at=2026-07-01T09:00&format=pdf"
    first, again = auditor.get(pdf_url), auditor.get(pdf_url)
    assert first.data.startswith(b"%PDF") and first.data == again.data  # the same bilan, drawn again


def test_the_auditor_sees_pseudonyms_histories_and_events_never_a_name(signed_in):
    url = _identify(signed_in("referent"))
    auditor = signed_in("auditor")
    listing = auditor.get("/audit/").get_data(as_text=True)
    pseudonym = re.search(r'href="/parcours/(ps-[a-z0-9]+)"', listing)[1]
    history = auditor.get(f"/parcours/{pseudonym}").get_data(as_text=True)
    assert "Repérage" in history and "Benali" not in history and "Inès" not in history
    assert "Enregistrer une étape" not in history
    assert auditor.get(url).status_code == 404  # a raw id means nothing to an auditor
    events = auditor.get("/audit/evenements").get_data(as_text=True)
    assert pseudonym in events and "Benali" not in events
    replay = auditor.post("/audit/rejeu").get_data(as_text=True)
    assert "Aucune différence" in replay


def test_the_auditors_log_reads_committees_and_companies_in_words(signed_in):
    territory = a_territory(signed_in)
    events = signed_in("auditor").get("/audit/evenements").get_data(as_text=True)
    assert "comité programmé" in events and "comité clos" in events
    assert "entreprise : enregistrement de l&#39;entreprise" in events
    assert "entreprise : besoin de recrutement" in events
    assert f"entreprise {territory['company'][:8]}" in events
    assert "committee_scheduled" not in events and "company_need_posted" not in events


def test_the_coordinator_sets_up_groups_structures_and_users(signed_in, browser):
    admin = signed_in("admin")
    assert admin.post("/administration/groupes", {"name": "Diplômés", "target_per_year": "20"}).status_code == 302
    bad = admin.post("/administration/groupes", {"name": "Sans objectif"})
    assert bad.status_code == 422 and 'id="target_per_year-error"' in bad.get_data(as_text=True)
    invited = admin.post("/administration/utilisateurs", {
        "name": "Awa Diallo", "login": "awa.diallo", "role": "referent", "group_ids": "g-jeunes"})
    assert invited.status_code == 302
    flash = admin.get("/administration/").get_data(as_text=True)
    first_password = re.search(r"mot de passe provisoire « ([^»]+) »", flash)[1]
    assert browser.sign_in("awa.diallo", first_password).status_code == 302
    awa = re.search(r'action="/administration/utilisateurs/([0-9a-f-]{36})/revocation"', flash)[1]
    assert admin.post(f"/administration/utilisateurs/{awa}/revocation").status_code == 302
    assert browser.get("/file-active").status_code == 302  # her session ended with the revocation


def test_the_notifications_inbox_links_to_the_pathway(signed_in, system):
    url = _identify(signed_in("referent"))
    notify(system.engine, user_id="referent", kind="follow_up_due", dedupe_key="k1",
           title="Point de suivi à faire", body="Semaine 4 : point attendu le 14/07/2026",
           pathway_id=url.rsplit("/", 1)[1], now=datetime(2026, 6, 30, 6, tzinfo=UTC))
    b = signed_in("referent")
    inbox = b.get("/notifications/").get_data(as_text=True)
    assert "Point de suivi à faire" in inbox and f'href="{url}"' in inbox and "1 non lue(s)" in inbox
    notification = re.search(r'action="/notifications/([^/]+)/lue"', inbox)[1]
    assert b.post(f"/notifications/{notification}/lue").status_code == 302
    assert "0 non lue(s)" in b.get("/notifications/").get_data(as_text=True)
