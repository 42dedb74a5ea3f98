"""A co-pilot's committee in the pages: schedule, the agenda with reasons (pseudonyms without
consent), decisions (an htmx fragment), closing, and the minutes as HTML, CSV, XLSX and PDF."""

import io
import re
import uuid

from openpyxl import load_workbook

from .conftest import identify_form


def _identify(b, **changes) -> str:
    answer = b.post("/reperage", identify_form(**changes))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return answer.headers["Location"].split("?")[0].rsplit("/", 1)[1]


def _schedule(b, held_on="2026-06-30") -> str:
    answer = b.post("/comites/", {"group_id": "g-jeunes", "kind": "orientation", "held_on": held_on})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return answer.headers["Location"].rsplit("/", 1)[1]


def test_the_copilot_prepares_decides_closes_and_downloads_the_minutes(signed_in, system):
    copilot = signed_in("copilot")
    consenting = _identify(copilot)
    private = _identify(copilot, **{"person.first_name": "Karim", "person.last_name": "Haddad",
                                    "consent.committee_sharing": "false", "consent.given_on": ""})
    session = _schedule(copilot)
    agenda = copilot.get(f"/comites/{session}").get_data(as_text=True)
    assert "Inès B." in agenda and "Karim" not in agenda and "ps-" in agenda
    assert "repéré, pas encore orienté" in agenda

    decided = copilot.post(f"/comites/{session}/decisions", {
        "pathway_id": consenting, "decision": "orient", "orientation.scheme": "Garantie jeunes (CEJ)",
        "note": "projet vente"}, headers={"HX-Request": "true"})
    fragment = decided.get_data(as_text=True)
    assert decided.status_code == 200 and fragment.lstrip().startswith("<li")
    assert "Décision :" in fragment and "Garantie jeunes (CEJ)" in fragment
    assert system.app.get_pathway(uuid.UUID(consenting)).state.stage == "oriented"
    timeline = copilot.get(f"/parcours/{consenting}").get_data(as_text=True)
    assert "décision du comité du 30/06/2026" in timeline and f'href="/comites/{session}"' in timeline

    refused = copilot.post(f"/comites/{session}/decisions", {"pathway_id": private, "decision": "orient"},
                           headers={"HX-Request": "true"})
    assert refused.status_code == 422
    assert re.search(r'id="orientation-error">obligatoire pour une décision d', refused.get_data(as_text=True))
    assert copilot.post(f"/comites/{session}/decisions",
                        {"pathway_id": private, "decision": "postpone"}).status_code == 302

    closed = copilot.post(f"/comites/{session}/cloture", {"attendance": "Mission locale\nUnis-Cité"})
    assert closed.status_code == 302
    minutes = copilot.get(closed.headers["Location"]).get_data(as_text=True)
    assert "Compte rendu" in minutes and "Mission locale, Unis-Cité" in minutes
    assert "report au prochain comité" in minutes

    csv = copilot.get(f"/comites/{session}/compte-rendu.csv")
    assert csv.mimetype == "text/csv" and "Garantie jeunes (CEJ)" in csv.get_data(as_text=True)
    xlsx = copilot.get(f"/comites/{session}/compte-rendu.xlsx")
    cells = [c for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True)
             for c in row if c]
    assert "Présents : Mission locale, Unis-Cité" in cells, cells
    assert "Inès B." in cells
    pdf = copilot.get(f"/comites/{session}/compte-rendu.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_a_referent_reads_the_agenda_but_cannot_decide(signed_in):
    session = _schedule(signed_in("copilot"))
    referent = signed_in("referent")
    assert referent.get(f"/comites/{session}").status_code == 200
    assert referent.post(f"/comites/{session}/cloture", {}).status_code == 403
    assert signed_in("referent_familles").get(f"/comites/{session}").status_code == 404


def test_a_session_is_scheduled_only_in_the_copilot_s_groups(signed_in, system):
    copilot = signed_in("copilot")
    answer = copilot.post("/comites/", {"group_id": "g-familles", "kind": "orientation",
                                        "held_on": "2026-07-10"})
    assert answer.status_code == 422 and "co-pilote de ce groupe" in answer.get_data(as_text=True)
    missing_date = copilot.post("/comites/", {"group_id": "g-jeunes", "kind": "orientation"})
    assert missing_date.status_code == 422 and 'id="held_on-error"' in missing_date.get_data(as_text=True)


def test_minutes_do_not_exist_before_closing(signed_in):
    copilot = signed_in("copilot")
    session = _schedule(copilot)
    assert copilot.get(f"/comites/{session}/compte-rendu").status_code == 409


def test_a_steering_committee_s_minutes_lead_to_the_bilan_it_saw(signed_in):
    copilot = signed_in("copilot")
    answer = copilot.post("/comites/", {"group_id": "g-jeunes", "kind": "steering", "held_on": "2026-04-09"})
    session = answer.headers["Location"].rsplit("/", 1)[1]
    copilot.post(f"/comites/{session}/cloture", {"attendance": "Préfecture\nDDETS"})
    page = copilot.get(f"/comites/{session}").get_data(as_text=True)
    link = re.search(r'href="(/statistiques/bilan\?[^"]+)">bilan du 1er trimestre 2026, tel que connu le 09/04/2026', page)
    assert link and "known_at=2026-04-09T09:00" in link[1]
    bilan = copilot.get(link[1].replace("&amp;", "&")).get_data(as_text=True)
    assert "Bilan du comité de pilotage — 2026, trimestre 1" in bilan and "09/04/2026 09:00" in bilan


def test_an_evaluator_reads_the_minutes_pages_and_files_with_the_notes_masked(signed_in):
    copilot = signed_in("copilot")
    consenting = _identify(copilot)
    session = _schedule(copilot)
    assert copilot.post(f"/comites/{session}/decisions", {
        "pathway_id": consenting, "decision": "continue",
        "note": "Inès Benali : revoir le logement avec sa mère"}).status_code == 302
    assert copilot.post(f"/comites/{session}/cloture", {"attendance": "Mission locale"}).status_code == 302
    assert "revoir le logement" in copilot.get(f"/comites/{session}/compte-rendu").get_data(as_text=True)

    auditor = signed_in("auditor")
    for url in (f"/comites/{session}", f"/comites/{session}/compte-rendu",
                f"/comites/{session}/compte-rendu.csv"):
        text = auditor.get(url).get_data(as_text=True)
        assert "[masqué]" in text and "logement" not in text and "Benali" not in text, url
    book = load_workbook(io.BytesIO(auditor.get(f"/comites/{session}/compte-rendu.xlsx").data))
    cells = " ".join(str(c.value) for row in book.active.iter_rows() for c in row if c.value)
    assert "[masqué]" in cells and "logement" not in cells
