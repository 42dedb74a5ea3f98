"""What professionals write about a person dies with the person's data (crypto-shredding).

A referent writes a follow-up note, corrects it, records a rupture's reason and refers the
person to the committee; the committee notes its decision. The group reads every text (API,
pathway page, agenda, minutes), the event store and the read models hold them only sealed with
the person's key. Once the person is erased, every place shows « texte effacé avec les données
de la personne », nothing in the event store opens any more, and the statistics and the replay
check read exactly as before."""

import io
import json
import logging
import uuid
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import inspect, select
from sqlalchemy import text as sql

from api.conftest import IDENTIFY
from api.spreadsheets import PEOPLE, csv_file
from casecommittee.jobs import (
    agenda_drafts,
    follow_up_reminders,
    nightly_replay_check,
    retention_deadlines,
    run_imports,
    stalled_pathways,
)
from casecommittee.projections.committees import committee_decisions, committee_sessions
from casecommittee.projections.pathways import pathway_rows
from casecommittee.queries.step_documents import MASK
from casecommittee.stores.access_log import access_log
from casecommittee.stores.personal_data import personal_data_table
from casecommittee.stores.sealed_texts import ERASED_TEXT, PREFIX, open_sealed
from casecommittee.web.schemas import examples

NOTE = "Inès a raconté la maladie de sa mère, elle dort mal"
NOTE_CORRECTED = "Inès a parlé de la santé de sa mère : elle s'inquiète"
CORRECTION = "note reformulée avec Inès Benali"
RUPTURE = "démission : Inès garde ses frères le soir"
REFERRAL = "Inès Benali : situation familiale à étudier"
DECISION = "revoir Inès avec l'assistante sociale"
#: Every text written about Inès, and words of them.
TEXTS = (NOTE, NOTE_CORRECTED, CORRECTION, RUPTURE, REFERRAL, DECISION)
WORDS = ("maladie", "santé de sa mère", "reformulée", "frères", "situation familiale",
         "assistante sociale")


def _shows(text: str, page: str) -> bool:
    """Whether a page shows a text (as written, or HTML-escaped)."""
    return text in page or text.replace("'", "&#39;") in page or text.replace("'", "&#x27;") in page


def _step(client, as_, pathway_id, body, user="referent", key=None):
    headers = {**as_(user), **({"Idempotency-Key": key} if key else {})}
    answer = client.post(f"/api/v1/pathways/{pathway_id}/steps", headers=headers, json=body)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def _a_written_pathway(client, as_, identified) -> str:
    """The referent's texts on Inès's pathway and the committee's decision; the session id."""
    _step(client, as_, identified, {"step": "oriented", "occurred_on": "2026-06-03",
                                    "scheme": "Contrat d'engagement jeune", "structure_id": "s-ml"})
    _step(client, as_, identified, {
        "step": "hired", "occurred_on": "2026-06-05", "contract_type": "cdi", "weekly_hours": 35,
        "employer": {"name": "Boulangerie du Lion", "siret": "73282932000074"}})
    contact = _step(client, as_, identified, {
        "step": "follow_up_contact", "occurred_on": "2026-06-12", "contacted": "beneficiary",
        "status": "difficulty", "note": NOTE}, key="point-de-suivi-12-juin")
    _step(client, as_, identified, {
        "step": "corrected", "occurred_on": "2026-06-13", "corrects_version": contact["version"],
        "changes": {"note": NOTE_CORRECTED}, "reason": CORRECTION})
    _step(client, as_, identified, {
        "step": "rupture", "occurred_on": "2026-06-20", "scope": "job", "kind": "resignation",
        "initiated_by": "beneficiary", "reason": RUPTURE})
    _step(client, as_, identified, {"step": "committee_referral", "occurred_on": "2026-06-25",
                                    "reason": REFERRAL})
    session = client.post("/api/v1/committees", headers=as_("copilot"), json={
        "group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-06-30"}).get_json()["id"]
    decided = client.post(f"/api/v1/committees/{session}/decisions", headers=as_("copilot"),
                          json={"pathway_id": identified, "decision": "continue", "note": DECISION})
    assert decided.status_code == 201, decided.get_json()
    assert decided.get_json()["decision"]["note"] == DECISION
    return session


def _stored(system) -> str:
    """Every stored event and snapshot (the idempotency keys' answers are events too),
    decrypted with the application's cipher and decompressed (what anyone holding the event
    store's key reads), every read-model value that copies a text and the access log: one
    text to search."""
    app = system.app
    mapper = app.mapper
    found = []
    for notification in app.recorder.select_notifications(start=1, limit=100_000):
        found.append(mapper.compressor.decompress(mapper.cipher.decrypt(notification.state)).decode())
    with system.engine.connect() as conn:
        found += [str(v) for v in conn.execute(select(pathway_rows.c.referral_reason)).scalars()]
        found += [str(v) for v in conn.execute(select(committee_decisions.c.note)).scalars()]
        found += [json.dumps(v) for v in conn.execute(select(committee_sessions.c.agenda)).scalars()]
        found += [str(tuple(row)) for row in conn.execute(select(access_log))]
    if app.snapshots is not None:
        for pathway_id in {n.originator_id for n in
                           app.recorder.select_notifications(start=1, limit=100_000)}:
            for snapshot in app.snapshots.recorder.select_events(pathway_id):
                found.append(mapper.compressor.decompress(mapper.cipher.decrypt(snapshot.state)).decode())
    return "\n".join(found)


def _sealed_values(stored: str) -> list[str]:
    values, at = [], stored.find(PREFIX)
    while at >= 0:
        end = at + len(PREFIX)
        while end < len(stored) and (stored[end].isalnum() or stored[end] in "-_="):
            end += 1
        values.append(stored[at:end])
        at = stored.find(PREFIX, end)
    return values


def _every_key(system) -> list[tuple[str, bytes]]:
    """(pathway id, key) of every key the personal-data store still holds."""
    store = system.personal_data
    with store.engine.connect() as conn:
        ids = conn.execute(select(personal_data_table.c.pathway_id)).scalars().all()
    return [(pid, key) for pid, key in store.text_keys(ids).items() if key is not None]


def _read_everywhere(client, as_, copilot, identified, session, minutes: bool) -> dict:
    """What the group reads: the pathway (API), its history (API and page), the agenda (JSON,
    HTML, CSV; the minutes in every format once closed)."""
    read = {
        "pathway": json.dumps(client.get(f"/api/v1/pathways/{identified}",
                                         headers=as_("copilot")).get_json(), ensure_ascii=False),
        "history": json.dumps(client.get(f"/api/v1/pathways/{identified}/history",
                                         headers=as_("copilot")).get_json(), ensure_ascii=False),
        "page": copilot.get(f"/parcours/{identified}").get_data(as_text=True),
    }
    document = "minutes" if minutes else "agenda"
    for accept in ("application/json", "text/html", "text/csv"):
        answer = client.get(f"/api/v1/committees/{session}/{document}",
                            headers={**as_("copilot"), "Accept": accept})
        assert answer.status_code == 200
        text = answer.get_data(as_text=True)
        read[f"{document} {accept}"] = (json.dumps(json.loads(text), ensure_ascii=False)
                                        if accept == "application/json" else text)
    read["agenda page"] = copilot.get(f"/comites/{session}").get_data(as_text=True)
    if minutes:
        read["minutes page"] = copilot.get(f"/comites/{session}/compte-rendu").get_data(as_text=True)
        read["minutes csv"] = copilot.get(f"/comites/{session}/compte-rendu.csv").get_data(as_text=True)
        xlsx = copilot.get(f"/comites/{session}/compte-rendu.xlsx")
        read["minutes xlsx"] = "\n".join(
            str(c) for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True)
            for c in row if c)
    return read


def _figures(client, as_) -> dict:
    auditor = as_("auditor")
    return {
        "statistics": client.get("/api/v1/statistics?by=group", headers=auditor).get_json(),
        "as_of": client.get("/api/v1/statistics?as_of=2026-06-15", headers=auditor).get_json(),
        "replay": client.get("/api/v1/audit/replay-check", headers=auditor).get_json(),
    }


def _without_times(figures: dict) -> dict:
    """The figures without the moments they were computed at."""
    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()
                    if k not in ("computed_at", "checked_at", "generated_at", "known_at", "duration_ms")}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value
    return clean(figures)


def test_the_group_reads_the_texts_which_die_with_the_person(client, as_, identified, system,
                                                             signed_in):
    session = _a_written_pathway(client, as_, identified)
    copilot = signed_in("copilot")

    # the group reads every text where it shows
    read = _read_everywhere(client, as_, copilot, identified, session, minutes=False)
    history = client.get(f"/api/v1/pathways/{identified}/history", headers=as_("copilot")).get_json()
    data = {item["step"]: item["data"] for item in history["items"]}
    assert data["follow_up_contact"]["note"] == NOTE
    assert data["corrected"]["changes"]["note"] == NOTE_CORRECTED
    assert data["corrected"]["reason"] == CORRECTION
    assert data["rupture"]["reason"] == RUPTURE
    pathway = client.get(f"/api/v1/pathways/{identified}", headers=as_("copilot")).get_json()
    assert pathway["referral"]["reason"] == REFERRAL
    for text in (NOTE_CORRECTED, CORRECTION, RUPTURE, REFERRAL):
        assert _shows(text, read["page"]), text
    agenda = client.get(f"/api/v1/committees/{session}/agenda", headers=as_("copilot")).get_json()
    item = agenda["items"][0]  # (an agenda names the reasons, never a referral's text)
    assert "demande de passage en comité" in item["reason_labels"]
    assert item["decision"]["note"] == DECISION
    assert _shows(DECISION, read["agenda text/csv"]) and _shows(DECISION, read["agenda page"])

    # the stores hold them sealed only
    stored = _stored(system)
    for text in (*TEXTS, *WORDS):
        assert text not in stored, text
    assert len(_sealed_values(stored)) >= 6

    closed = client.post(f"/api/v1/committees/{session}/close", headers=as_("copilot"),
                         json={"attendance": ["Mission locale"]})
    assert closed.status_code == 200
    read = _read_everywhere(client, as_, copilot, identified, session, minutes=True)
    assert _shows(DECISION, read["minutes csv"]) and _shows(DECISION, read["minutes xlsx"])
    before = _without_times(_figures(client, as_))
    assert before["replay"]["differences"] == []

    # Inès asks for her data to be erased
    erased = client.delete(f"/api/v1/pathways/{identified}/personal-data", headers=as_("referent"),
                           json={"reason": "demande d'effacement (RGPD, article 17)"})
    assert erased.status_code == 200, erased.get_json()

    read = _read_everywhere(client, as_, copilot, identified, session, minutes=True)
    for place, text in read.items():
        for written in (*TEXTS, *WORDS):
            assert not _shows(written, text), (place, written)
        assert PREFIX not in text, place
    history = client.get(f"/api/v1/pathways/{identified}/history", headers=as_("copilot")).get_json()
    data = {item["step"]: item["data"] for item in history["items"]}
    assert data["follow_up_contact"]["note"] == ERASED_TEXT
    assert data["corrected"]["changes"]["note"] == ERASED_TEXT
    assert data["corrected"]["reason"] == ERASED_TEXT
    assert data["rupture"]["reason"] == ERASED_TEXT
    assert ERASED_TEXT in read["page"] and ERASED_TEXT in read["minutes page"]
    minutes = client.get(f"/api/v1/committees/{session}/minutes", headers=as_("copilot")).get_json()
    assert minutes["items"][0]["decision"]["note"] == ERASED_TEXT
    assert ERASED_TEXT in read["minutes csv"] and ERASED_TEXT in read["minutes xlsx"]

    # the audit log never showed a text about her (a correction's reason neither)
    events = client.get("/api/v1/audit/events?limit=100", headers=as_("auditor")).get_json()
    correction = next(e for e in events["items"] if e["step"] == "corrected")
    assert correction["data"]["reason"] == MASK
    assert not any(w in json.dumps(events, ensure_ascii=False) for w in (*TEXTS, *WORDS))
    pseudonym = client.application.extensions["casecommittee"].pseudonyms.of(identified)
    timeline = signed_in("auditor").get(f"/parcours/{pseudonym}").get_data(as_text=True)
    assert MASK in timeline and not any(_shows(w, timeline) for w in (*TEXTS, *WORDS))

    # nothing the stores hold opens any more: no key left opens any sealed text of Inès
    stored = _stored(system)
    sealed = _sealed_values(stored)
    assert sealed and not any(text in stored for text in (*TEXTS, *WORDS))
    for value in sealed:
        for pathway_id, key in [(identified, k) for _pid, k in _every_key(system)]:
            with pytest.raises(ValueError):
                open_sealed(key, pathway_id, value)

    # every figure, and the replay check, as before
    assert _without_times(_figures(client, as_)) == before


def test_an_identity_edit_keeps_the_notes_readable(client, as_, identified, system):
    _step(client, as_, identified, {"step": "committee_referral", "occurred_on": "2026-06-03",
                                    "reason": REFERRAL})
    person = system.personal_data.get(uuid.UUID(identified))
    system.personal_data.put(uuid.UUID(identified), {**person, "phone": "0611111111"})

    pathway = client.get(f"/api/v1/pathways/{identified}?include=person", headers=as_("referent"))
    assert pathway.get_json()["referral"]["reason"] == REFERRAL
    assert system.personal_data.get(uuid.UUID(identified))["phone"] == "0611111111"


def test_a_text_stored_in_clear_before_texts_were_sealed_still_shows(client, as_, identified, system):
    """Events are never rewritten: a text written by an earlier version, in clear, reads as
    written, and as the placeholder once the person is erased."""
    pathway = system.app.get_pathway(uuid.UUID(identified))
    pathway.record("committee_referral", occurred_on=system.clock.today(), today=system.clock.today(),
                   actor={"user_id": "referent", "role": "referent"}, reason="écrit en clair")
    system.app.save(pathway)

    history = client.get(f"/api/v1/pathways/{identified}/history", headers=as_("referent")).get_json()
    assert history["items"][-1]["data"]["reason"] == "écrit en clair"
    assert client.get(f"/api/v1/pathways/{identified}",
                      headers=as_("referent")).get_json()["referral"]["reason"] == "écrit en clair"

    client.delete(f"/api/v1/pathways/{identified}/personal-data", headers=as_("referent"),
                  json={"reason": "durée de conservation atteinte"})
    history = client.get(f"/api/v1/pathways/{identified}/history", headers=as_("referent")).get_json()
    assert history["items"][-1]["data"]["reason"] == ERASED_TEXT


def test_texts_are_checked_before_they_are_sealed(client, as_, identified, system):
    """A blank reason, a text too long or with control characters is refused as before: 422,
    field by field, nothing written (no key made for it either)."""
    version = system.app.get_pathway(uuid.UUID(identified)).version
    for reason in ("   ", "x" * 201, "motif\u0007"):
        answer = client.post(f"/api/v1/pathways/{identified}/steps", headers=as_("referent"),
                             json={"step": "committee_referral", "occurred_on": "2026-06-03",
                                   "reason": reason})
        assert answer.status_code == 422, (reason, answer.get_json())
        assert "reason" in answer.get_json()["errors"], answer.get_json()
    assert system.app.get_pathway(uuid.UUID(identified)).version == version


def test_a_text_written_after_the_erasure_is_erased_as_it_is_written(client, as_, identified):
    client.delete(f"/api/v1/pathways/{identified}/personal-data", headers=as_("referent"),
                  json={"reason": "demande de la personne"})
    _step(client, as_, identified, {"step": "committee_referral", "occurred_on": "2026-06-25",
                                    "reason": REFERRAL})
    history = client.get(f"/api/v1/pathways/{identified}/history", headers=as_("copilot")).get_json()
    assert history["items"][-1]["data"]["reason"] == ERASED_TEXT


def test_a_reason_typed_in_a_page_form_is_sealed_and_dies_with_the_record(
        signed_in, system):
    """The pages write through the same boundary as the API: the referent's form, sealed in
    the event, read by the co-pilot, gone once the co-pilot erases the person's record."""
    import re

    from pages.conftest import identify_form

    referent, copilot = signed_in("referent"), signed_in("copilot")
    identified = referent.post("/reperage", identify_form())
    assert identified.status_code == 302
    url = identified.headers["Location"].split("?")[0]
    pathway_id = url.rsplit("/", 1)[1]
    version = re.search(r'name="version" value="(\d+)"', referent.get(url).get_data(as_text=True))[1]
    written = referent.post(f"{url}/etapes/committee_referral",
                            {"version": version, "occurred_on": "2026-06-20", "reason": REFERRAL})
    assert written.status_code == 302, written.get_data(as_text=True)

    assert system.app.history(uuid.UUID(pathway_id))[-1].data["reason"].startswith(PREFIX)
    assert _shows(REFERRAL, copilot.get(url).get_data(as_text=True))

    copilot.get(f"{url}/fiche")
    erased = copilot.post(f"{url}/fiche", {"reason": "demande de la personne"})
    assert erased.status_code == 302, erased.get_data(as_text=True)
    page = copilot.get(url).get_data(as_text=True)
    assert ERASED_TEXT in page and not _shows(REFERRAL, page)


#: Inès's identity as her referent records it, and how it may be written down elsewhere.
INES = {**IDENTIFY["person"], "email": "ines.benali@example.org"}
IDENTITY = ("Inès", "Benali", "BENALI", "benali", "2007-04-02", "02/04/2007", "0600000000",
            "06 12 34 56 78", "0612345678", "ines.benali@example.org", "In\\u00e8s")


def _every_row(system) -> str:
    """Every value of every table of the store (whatever module made it), and the event store
    decrypted (`_stored`): one text to search."""
    found = [_stored(system)]
    engines = {id(system.engine): system.engine}
    recorder_engine = getattr(getattr(system.app.recorder, "datastore", None), "engine", None)
    if recorder_engine is not None:
        engines.setdefault(id(recorder_engine), recorder_engine)
    for engine in engines.values():
        with engine.connect() as conn:
            for name in inspect(engine).get_table_names():
                for row in conn.execute(sql(f'SELECT * FROM "{name}"')):
                    for value in row:
                        if isinstance(value, bytes | bytearray | memoryview):
                            found.append(bytes(value).decode("utf-8", "replace"))
                        else:
                            found.append(json.dumps(value, ensure_ascii=False, default=str)
                                         if isinstance(value, dict | list) else str(value))
    return "\n".join(found)


def _files_text(data_dir: Path) -> str:
    """Every file of the data directory (databases, WAL, keys), read as text."""
    return "\n".join(p.read_bytes().decode("utf-8", "replace")
                     for p in sorted(data_dir.rglob("*")) if p.is_file())


def _left_of_her(where: str, text_: str) -> list[str]:
    return [f"{where}: {needle}" for needle in (*IDENTITY, *TEXTS, *WORDS) if needle in text_]


def test_after_her_erasure_nothing_anywhere_names_her_or_tells_her_texts(
        client, as_, system, signed_in, caplog):
    """Inès is identified with her e-mail, followed, imported again from a partner's sheet,
    proposed to a bakery and discussed in committee; reminders and the nightly jobs run; a
    typo makes a request refused. Once she is erased, no table of the store (every one, read
    whole), no file of the data directory and no log line holds her name, birth date, phone,
    e-mail or any text written about her."""
    caplog.set_level(logging.DEBUG)
    keyed = {**as_("referent"), "Idempotency-Key": "repérage-inès"}
    created = client.post("/api/v1/pathways", headers=keyed, json={**IDENTIFY, "person": INES})
    assert created.status_code == 201, created.get_json()
    ines = created.get_json()["id"]
    _step(client, as_, ines, {"step": "referent_assigned", "occurred_on": "2026-06-02",
                              "referent_id": "referent", "structure_id": "s-ml"}, key="référente")
    refused = client.post("/api/v1/pathways", headers=as_("referent"), json={
        **IDENTIFY, "person": {**INES, "birth_date": "02/04/2007"}})
    assert refused.status_code == 422  # (the caller's own input, answered to the caller only)
    session = _a_written_pathway(client, as_, ines)

    # a partner's sheet lists her again, with a new phone: her record is updated
    upload = client.post("/api/v1/imports", headers=as_("referent"),
                         content_type="multipart/form-data",
                         data={"group_id": "g-jeunes", "structure_id": "s-ml",
                               "file": (io.BytesIO(csv_file(rows=PEOPLE[:1])), "liste.csv")})
    assert upload.status_code == 201, upload.get_json()
    assert client.post(f"/api/v1/imports/{upload.get_json()['id']}/confirm", headers=as_("referent"),
                       json={"decisions": {}}).status_code == 202
    run_imports(system)
    assert client.get(f"/api/v1/imports/{upload.get_json()['id']}/report",
                      headers=as_("referent")).get_json()["report"]["updated"] == 1

    # the bakery's need, her as its tutor's apprentice, its shortlist
    bakery = client.post("/api/v1/companies", headers=as_("cre"), json=examples.COMPANY).get_json()["id"]
    for path, body in (("needs", {**examples.NEED, "occurred_on": "2026-06-02",
                                           "starts_on": "2026-07-01"}),
                       ("sponsors", {**examples.SPONSOR, "occurred_on": "2026-06-21", "pathway_id": ines})):
        answer = client.post(f"/api/v1/companies/{bakery}/{path}", headers=as_("cre"), json=body)
        assert answer.status_code == 201, answer.get_json()
    assert client.get(f"/api/v1/companies/{bakery}/needs/vendeurs-2026/shortlist",
                      headers=as_("cre")).status_code == 200

    # her referent and the co-pilot read her everywhere; the committee closes; the jobs run
    copilot = signed_in("copilot")
    for reader in ("referent", "copilot"):
        assert client.get(f"/api/v1/pathways/{ines}/personal-data",
                          headers=as_(reader)).status_code == 200
    assert "Benali" in signed_in("referent").post("/file-active", {"q": "Benali"}).get_data(as_text=True)
    assert client.post(f"/api/v1/committees/{session}/close", headers=as_("copilot"),
                       json={"attendance": ["Mission locale"]}).status_code == 200
    _read_everywhere(client, as_, copilot, ines, session, minutes=True)
    copilot.get(f"/comites/{session}/compte-rendu.pdf")
    for job in (follow_up_reminders, stalled_pathways, agenda_drafts, retention_deadlines,
                nightly_replay_check):
        job(system, date(2026, 6, 30))

    erased = client.delete(f"/api/v1/pathways/{ines}/personal-data", headers=as_("referent"),
                           json={"reason": "demande d'effacement (RGPD, article 17)"})
    assert erased.status_code == 200, erased.get_json()
    # after it: the keyed requests retried, the jobs of the next day, the pages read again
    assert client.post("/api/v1/pathways", headers=keyed,
                       json={**IDENTIFY, "person": INES}).status_code == 201
    for job in (follow_up_reminders, stalled_pathways, agenda_drafts, retention_deadlines):
        job(system, date(2026, 7, 1))
    _read_everywhere(client, as_, copilot, ines, session, minutes=True)

    left = _left_of_her("store", _every_row(system))
    left += _left_of_her("data directory", _files_text(system.settings.data_dir))
    logged = "\n".join(f"{r.getMessage()}\n{r.exc_text or ''}" for r in caplog.records)
    left += _left_of_her("logs", logged)

    assert left == []


def test_a_colleague_who_may_not_read_her_identity_reads_none_of_her_texts(
        client, as_, identified, signed_in):
    """Inès's referent and the co-pilot read her texts; another referent of the group sees her
    pathway (not her identity) and reads every text about her masked — in the pathway, its
    history and its page — as texts about a person may name her (« Inès Benali : … »)."""
    _a_written_pathway(client, as_, identified)
    for reader, shown in (("referent", True), ("copilot", True), ("referent2", False)):
        pathway = client.get(f"/api/v1/pathways/{identified}", headers=as_(reader)).get_json()
        history = client.get(f"/api/v1/pathways/{identified}/history", headers=as_(reader)).get_json()
        page = signed_in(reader).get(f"/parcours/{identified}").get_data(as_text=True)
        data = {item["step"]: item["data"] for item in history["items"]}
        assert (pathway["person"] is not None) is shown, reader
        if shown:
            assert pathway["referral"]["reason"] == REFERRAL
            assert data["corrected"]["reason"] == CORRECTION
            assert data["corrected"]["changes"]["note"] == NOTE_CORRECTED
            assert _shows(RUPTURE, page) and _shows(REFERRAL, page)
            continue
        assert pathway["referral"]["reason"] == MASK
        assert data["follow_up_contact"]["note"] == MASK and data["rupture"]["reason"] == MASK
        assert data["corrected"]["reason"] == MASK and data["corrected"]["changes"]["note"] == MASK
        for place, read in (("pathway", json.dumps(pathway, ensure_ascii=False)),
                            ("history", json.dumps(history, ensure_ascii=False)), ("page", page)):
            assert not any(_shows(w, read) for w in (*TEXTS, *WORDS)), place
            assert PREFIX not in read, place


def test_an_evaluator_reads_every_text_about_her_masked_a_correction_s_reason_too(
        client, as_, identified, signed_in):
    """Auditors see pseudonyms only (domain.md): a correction's own reason is free text about
    the person like the texts it changes (« note reformulée avec Inès Benali »), so the audit
    log (API and page) and the pathway's history show it masked, as they show the others; the
    evaluator still reads that a correction was made, of which version and which fields."""
    _a_written_pathway(client, as_, identified)
    pseudonym = client.application.extensions["casecommittee"].pseudonyms.of(identified)
    auditor = signed_in("auditor")
    events = client.get("/api/v1/audit/events?limit=100", headers=as_("auditor")).get_json()["items"]
    history = client.get(f"/api/v1/pathways/{pseudonym}/history", headers=as_("auditor")).get_json()["items"]
    for items in (events, history):
        correction = next(item for item in items if item["step"] == "corrected")
        assert correction["data"]["reason"] == MASK
        assert correction["data"]["changes"] == {"note": MASK}
        assert correction["data"]["corrects_version"] == 5
    pages = (auditor.get("/audit/evenements").get_data(as_text=True),
             auditor.get(f"/parcours/{pseudonym}").get_data(as_text=True))
    for read in (json.dumps(events, ensure_ascii=False), json.dumps(history, ensure_ascii=False), *pages):
        assert not any(_shows(w, read) for w in (*TEXTS, *WORDS))
        assert "Benali" not in read and PREFIX not in read


def test_a_decision_note_on_someone_who_did_not_consent_is_read_by_who_reads_her_only(
        client, as_, identified):
    """The committee shares what it decides on those who consented to the sharing (their name
    shows on the agenda, the note with it). Yanis did not consent: the group's other referents
    read him under a pseudonym, and the note on him masked (it may name him); his referent and
    the co-pilot read it."""
    yanis = client.post("/api/v1/pathways", headers=as_("referent"), json={
        **IDENTIFY, "person": {"first_name": "Yanis", "last_name": "Haddad", "birth_date": "2005-01-02"},
        "consent": {"committee_sharing": False}}).get_json()["id"]
    _step(client, as_, yanis, {"step": "referent_assigned", "occurred_on": "2026-06-02",
                               "referent_id": "referent", "structure_id": "s-ml"})
    session = client.post("/api/v1/committees", headers=as_("copilot"), json={
        "group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-06-30"}).get_json()["id"]
    notes = {identified: DECISION, yanis: "revoir Yanis Haddad avec sa curatrice"}
    for pathway_id, note in notes.items():
        decided = client.post(f"/api/v1/committees/{session}/decisions", headers=as_("copilot"),
                              json={"pathway_id": pathway_id, "decision": "continue", "note": note})
        assert decided.status_code == 201, decided.get_json()

    for closed in (False, True):
        document = "minutes" if closed else "agenda"
        for reader, reads_yanis in (("copilot", True), ("referent", True), ("referent2", False)):
            read = client.get(f"/api/v1/committees/{session}/{document}", headers=as_(reader))
            items = {item["pathway_id"]: item for item in read.get_json()["items"]}
            assert items[identified]["decision"]["note"] == DECISION, reader  # (she consented)
            assert items[yanis]["decision"]["note"] == (notes[yanis] if reads_yanis else MASK), reader
            csv = client.get(f"/api/v1/committees/{session}/{document}",
                             headers={**as_(reader), "Accept": "text/csv"}).get_data(as_text=True)
            assert ("Haddad" in csv) is reads_yanis, reader
        if not closed:
            assert client.post(f"/api/v1/committees/{session}/close", headers=as_("copilot"),
                               json={"attendance": ["Mission locale"]}).status_code == 200


def test_an_erasure_s_reason_may_not_name_the_person_it_outlives(client, as_, identified,
                                                                 signed_in, system):
    """The tombstone keeps why the data were erased, in clear, after the person's key is gone
    (the coordinator's list of erasures shows it): a reason naming the person, or giving her
    phone or e-mail, is refused (422 field by field, the page's form alike, nothing erased);
    a reason that does not is kept."""
    person = system.personal_data.get(uuid.UUID(identified))
    system.personal_data.put(uuid.UUID(identified), {**person, "email": INES["email"]})
    url = f"/api/v1/pathways/{identified}/personal-data"
    for reason in ("demande d'Inès Benali", "BENALI a demandé l'effacement",
                   "demande de ines (courriel)", "appel du 06 00 00 00 00",
                   "courriel de ines.benali@example.org"):
        refused = client.delete(url, headers=as_("referent"), json={"reason": reason})
        assert refused.status_code == 422, reason
        assert "reason" in refused.get_json()["errors"], reason
    referent = signed_in("referent")
    referent.get(f"/parcours/{identified}/fiche")
    page = referent.post(f"/parcours/{identified}/fiche", {"reason": "demande d'Inès Benali"})
    assert page.status_code == 422 and "nommer la personne" in page.get_data(as_text=True)
    assert system.personal_data.get(uuid.UUID(identified))["last_name"] == "Benali"

    erased = client.delete(url, headers=as_("referent"), json={"reason": "demande de la personne"})
    assert erased.status_code == 200, erased.get_json()
    assert system.personal_data.tombstone(uuid.UUID(identified))["reason"] == "demande de la personne"


def test_the_minutes_attendance_may_not_name_a_person_on_the_agenda(client, as_, identified,
                                                                   signed_in):
    """The attendance is frozen in clear with the minutes (it names the partners present): a
    line naming a person the session discussed (« Inès Benali (présente) ») would outlive her
    erasure, so it is refused (422 on `attendance`, the page's form alike; the session stays
    open), and the partners alone are kept."""
    session = _a_written_pathway(client, as_, identified)
    url = f"/api/v1/committees/{session}"
    refused = client.post(f"{url}/close", headers=as_("copilot"),
                          json={"attendance": ["Mission locale", "Inès BENALI (présente)"]})
    assert refused.status_code == 422, refused.get_json()
    assert "attendance" in refused.get_json()["errors"]
    copilot = signed_in("copilot")
    copilot.get(f"/comites/{session}")
    page = copilot.post(f"/comites/{session}/cloture", {"attendance": "Mission locale\nInès, sa mère"})
    assert page.status_code == 422 and "jamais une personne" in page.get_data(as_text=True)
    assert client.get(url, headers=as_("copilot")).get_json()["status"] == "scheduled"

    closed = client.post(f"{url}/close", headers=as_("copilot"), json={"attendance": ["Mission locale"]})
    assert closed.status_code == 200, closed.get_json()
