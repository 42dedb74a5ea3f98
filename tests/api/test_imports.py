"""Bringing people in from partners' spreadsheets: upload, preview (every row checked as the
API checks an identification), map columns, confirm, the import job, the report.

The import job is what `casecommittee worker` runs every few seconds; here the scenarios run it
when the worker would (`run_imports`)."""

import dataclasses
import io
import zipfile
from base64 import b64decode

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from casecommittee.imports.service import analyse, row_pathway_id
from casecommittee.imports.vocabulary import COLUMN_KEYS
from casecommittee.jobs import run_imports
from casecommittee.stores.auth import Tokens, user_principal
from casecommittee.stores.imports import imports

from .conftest import counts
from .spreadsheets import HEADERS, PEOPLE, csv_file, xlsx_file
from .test_personal_data_at_rest import plaintext_hits, recoverable_keys

FORMATS = {
    "csv ; utf-8": lambda: csv_file(),
    "csv , utf-8 with BOM": lambda: csv_file(delimiter=",", bom=True),
    "csv ; windows-1252": lambda: csv_file(encoding="cp1252"),
    "xlsx": lambda: xlsx_file(),
}


@pytest.fixture
def upload(client, as_):
    """upload(data, user=..., group=..., structure=...) → the answer to the upload."""

    def send(data: bytes, user="referent", group="g-jeunes", structure="s-ml",
             filename="liste.csv"):
        form = {"group_id": group, "file": (io.BytesIO(data), filename)}
        if structure:
            form["structure_id"] = structure
        return client.post("/api/v1/imports", data=form, headers=as_(user),
                           content_type="multipart/form-data")

    return send


def _preview(answer) -> dict:
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def _confirm(client, as_, import_id, decisions=None, user="referent"):
    answer = client.post(f"/api/v1/imports/{import_id}/confirm", headers=as_(user),
                         json={"decisions": decisions or {}})
    assert answer.status_code == 202, answer.get_json()
    return answer.get_json()


def _report(client, as_, import_id, user="referent") -> dict:
    answer = client.get(f"/api/v1/imports/{import_id}/report", headers=as_(user))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _imports(system) -> int:
    with system.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(imports)).scalar()


@pytest.mark.parametrize("kind", list(FORMATS))
def test_each_format_previews_the_same_people_then_imports_them(kind, client, as_, system, upload):
    before = counts(system)
    preview = _preview(upload(FORMATS[kind]()))
    assert preview["kind"] == ("xlsx" if kind == "xlsx" else "csv")
    assert preview["mapping"] == {h: h for h in HEADERS}
    assert preview["counts"] == {"ok": 3, "error": 0, "duplicate": 0}
    rows = preview["rows"]
    assert [r["row"] for r in rows] == [2, 3, 4]
    assert rows[0]["cells"]["prenom"] == "Inès"
    assert rows[2]["cells"]["nom"] == "Lefèvre-Nguyen"
    assert {r["decision"] for r in rows} == {"keep"}
    assert counts(system) == before  # the preview writes nothing

    queued = _confirm(client, as_, preview["id"])
    assert queued["status"] == "queued" and queued["report"] is None
    assert counts(system) == before  # the job identifies, not the confirmation

    assert run_imports(system) == 3
    done = _report(client, as_, preview["id"])
    assert done["status"] == "done" and done["progress"] == 3
    assert {k: done["report"][k] for k in ("created", "updated", "skipped", "refused")} == {
        "created": 3, "updated": 0, "skipped": 0, "refused": 0}
    ines_id = done["report"]["rows"][0]["pathway_id"]
    ines = client.get(f"/api/v1/pathways/{ines_id}", headers=as_("referent")).get_json()
    assert ines["profile"]["flags"] == ["rsa"] and ines["consent"]["committee_sharing"] is True
    person = client.get(f"/api/v1/pathways/{ines_id}/personal-data", headers=as_("copilot"))
    assert person.get_json()["person"]["first_name"] == "Inès"
    assert person.get_json()["person"]["birth_date"] == "2007-04-02"
    eloise = client.get(f"/api/v1/pathways/{done['report']['rows'][2]['pathway_id']}",
                        headers=as_("referent")).get_json()
    assert sorted(eloise["profile"]["flags"]) == ["rqth", "single_parent"]
    assert system.imports.sheet(preview["id"]) is None  # the rows and their key are destroyed


def test_errors_are_named_by_row_and_column_in_french(upload, system):
    headers = ["Nom", "Prénom", "Né(e) le", "Repéré le", "Canal", "Sexe", "Consentement"]
    rows = [["Benali", "Inès", "02/04/2007", "02/06/2026", "aller-vers", "femme", "oui"],
            ["", "Yanis", "31/02/2005", "03/06/2026", "par hasard", "homme", "peut-être"],
            ["Martin", "Léa", "12/05/2030", "03/06/2026", "permanence", "femme", "oui"],
            ["Petit", "Jules", "12/05/2001", "03/06/2027", "permanence", "homme", "oui"]]
    before = counts(system)
    preview = _preview(upload(csv_file(headers, rows)))
    assert preview["counts"] == {"ok": 1, "error": 3, "duplicate": 0}
    yanis = preview["rows"][1]
    assert yanis["status"] == "error" and yanis["decision"] is None
    named = {(e["row"], e["column"]) for e in yanis["errors"]}
    assert named == {(3, "Né(e) le"), (3, "Canal"), (3, "Consentement")}
    messages = " ".join(e["message"] for e in yanis["errors"])
    assert "n'est pas une date du calendrier" in messages
    assert "aller-vers" in messages  # the allowed values, in French
    assert "oui ou non" in messages
    lea = preview["rows"][2]["errors"]
    assert lea and lea[0]["column"] == "Né(e) le"  # the API's own birth-date rule
    jules = preview["rows"][3]["errors"]
    assert jules and jules[0]["column"] == "Repéré le"  # the domain's rule: not in the future
    assert counts(system) == before


def test_a_missing_required_cell_is_named_after_the_partner_s_column(upload):
    headers = ["Nom", "Prénom", "Né(e) le", "Repéré le", "Canal", "Sexe", "Consentement"]
    rows = [["", "Yanis", "12/05/2001", "03/06/2026", "permanence", "homme", "oui"]]
    row = _preview(upload(csv_file(headers, rows)))["rows"][0]
    assert [(e["row"], e["column"], e["message"]) for e in row["errors"]] == [
        (2, "Nom", "champ obligatoire")]


def test_a_partner_s_own_columns_are_mapped_once_then_reused(client, as_, upload):
    headers = ["NOM USAGE", "Prénom usuel", "DDN", "Date entrée dispositif", "Origine", "Genre",
               "Accord partage", "Remarque"]
    rows = [["Benali", "Inès", "02/04/2007", "02/06/2026", "aller-vers", "F", "oui", "à revoir"]]
    preview = _preview(upload(csv_file(headers, rows), structure="s-ml"))
    assert preview["mapping"]["Date entrée dispositif"] is None
    assert preview["mapping_errors"] == {
        "mapping": ["colonnes obligatoires sans correspondance : date_reperage"]}
    assert preview["rows"] == []
    wrong = client.put(f"/api/v1/imports/{preview['id']}/mapping", headers=as_("referent"),
                       json={"mapping": {"Colonne absente": "nom", "Remarque": "nom"}})
    assert wrong.status_code == 422
    assert wrong.headers["Content-Type"] == "application/problem+json"
    assert set(wrong.get_json()["errors"]) == {"Colonne absente", "Remarque", "mapping"}
    mapped = client.put(f"/api/v1/imports/{preview['id']}/mapping", headers=as_("referent"),
                        json={"mapping": {"Date entrée dispositif": "date_reperage"}})
    assert mapped.status_code == 200, mapped.get_json()
    assert mapped.get_json()["counts"] == {"ok": 1, "error": 0, "duplicate": 0}
    again = _preview(upload(csv_file(headers, rows), structure="s-ml"))
    assert again["mapping"]["Date entrée dispositif"] == "date_reperage"
    assert again["mapping"]["NOM USAGE"] == "nom" and again["mapping"]["Remarque"] is None


def test_a_re_import_of_the_same_file_creates_nothing_new(client, as_, system, upload):
    first = _preview(upload(csv_file()))
    _confirm(client, as_, first["id"])
    run_imports(system)
    after_first = counts(system)

    # a second confirmation, and the job again: nothing
    again = client.post(f"/api/v1/imports/{first['id']}/confirm", headers=as_("referent"), json={})
    assert again.status_code == 202 and again.get_json()["status"] == "done"
    assert run_imports(system) == 0
    assert counts(system) == after_first

    # the same file again, by the co-pilot: every person is known, nothing to update
    second = _preview(upload(csv_file(), user="copilot"))
    assert second["already_imported_on"] is not None
    assert second["counts"] == {"ok": 0, "error": 0, "duplicate": 3}
    assert {r["decision"] for r in second["rows"]} == {"merge"}
    _confirm(client, as_, second["id"], user="copilot")
    run_imports(system)
    report = _report(client, as_, second["id"], user="copilot")["report"]
    assert (report["created"], report["updated"], report["skipped"]) == (0, 0, 3)
    assert counts(system)["events"] == after_first["events"]
    assert counts(system)["personal_data"] == after_first["personal_data"]


def test_a_job_that_stopped_midway_is_taken_up_without_identifying_twice(client, as_, system,
                                                                          upload):
    preview = _preview(upload(csv_file()))
    _confirm(client, as_, preview["id"])
    # the worker had identified the first row when it stopped
    first_row = preview["rows"][0]
    principal = user_principal(system.engine, "referent")
    record = system.imports.get(preview["id"])
    command = analyse(system, principal, record, system.imports.sheet(preview["id"]))[0].checked.command
    system.app.identify(pathway_id=row_pathway_id(preview["id"], first_row["row"]), **command)
    before = counts(system)["events"]
    run_imports(system)
    report = _report(client, as_, preview["id"])["report"]
    assert report["created"] == 3
    assert counts(system)["events"] == before + 2


def test_the_same_person_in_two_partners_files_is_found(client, as_, system, upload):
    system.reference.add_structure("t-belfort", "France Travail", "france_travail", id="s-ft")
    _confirm(client, as_, _preview(upload(csv_file(), structure="s-ml"))["id"])
    run_imports(system)
    ft_headers = ["NOM", "PRENOM", "DATE DE NAISSANCE", "TEL", "DATE ORIENTATION", "CANAL",
                  "SEXE", "CONSENTEMENT"]
    ft_rows = [["BENALI", "ines", "2007-04-02", "0699999999", "10/06/2026",
                "orientation par un partenaire", "F", "oui"],
               ["NGUYEN", "Minh", "2001-09-09", "", "10/06/2026",
                "orientation par un partenaire", "M", "oui"],
               ["nguyen", "MINH", "09/09/2001", "", "11/06/2026",
                "orientation par un partenaire", "M", "oui"]]
    preview = _preview(upload(csv_file(ft_headers, ft_rows, delimiter=","), user="copilot",
                              structure="s-ft"))
    ines, minh, minh_again = preview["rows"]
    assert ines["status"] == "duplicate"
    assert ines["duplicate"] == "personne déjà connue dans ce groupe de travail"
    assert ines["choices"] == ["skip", "keep", "merge"] and ines["decision"] == "merge"
    assert len(ines["known_pathway_ids"]) == 1
    assert minh["status"] == "ok"
    assert minh_again["duplicate"] == "même personne que la ligne 3"
    assert minh_again["decision"] == "skip"
    _confirm(client, as_, preview["id"], user="copilot")
    run_imports(system)
    report = _report(client, as_, preview["id"], user="copilot")["report"]
    assert (report["created"], report["updated"], report["skipped"]) == (1, 1, 1)
    assert report["rows"][0]["reason"] == "coordonnées mises à jour : téléphone"
    person = client.get(f"/api/v1/pathways/{ines['known_pathway_ids'][0]}/personal-data",
                        headers=as_("copilot")).get_json()["person"]
    assert person["phone"] == "0699999999" and person["first_name"] == "Inès"


def test_the_user_may_keep_a_probable_duplicate_or_skip_a_row(client, as_, system, upload):
    _confirm(client, as_, _preview(upload(csv_file()))["id"])
    run_imports(system)
    preview = _preview(upload(csv_file(rows=PEOPLE[:2])))
    _confirm(client, as_, preview["id"], {"2": "keep", "3": "skip"})
    run_imports(system)
    report = _report(client, as_, preview["id"])["report"]
    assert [r["outcome"] for r in report["rows"]] == ["created", "skipped"]


def test_after_an_erasure_the_person_is_no_longer_found(client, as_, system, upload):
    first = _preview(upload(csv_file(rows=PEOPLE[:1])))
    _confirm(client, as_, first["id"])
    run_imports(system)
    ines = _report(client, as_, first["id"])["report"]["rows"][0]["pathway_id"]
    erased = client.delete(f"/api/v1/pathways/{ines}/personal-data", headers=as_("copilot"),
                           json={"reason": "demande de la personne"})
    assert erased.status_code == 200
    again = _preview(upload(csv_file(rows=PEOPLE[:1])))
    assert again["rows"][0]["status"] == "ok" and again["rows"][0]["known_pathway_ids"] == []


def test_decisions_that_do_not_apply_are_refused(client, as_, upload):
    preview = _preview(upload(csv_file()))
    wrong = client.post(f"/api/v1/imports/{preview['id']}/confirm", headers=as_("referent"),
                        json={"decisions": {"9": "skip", "2": "fusion"}})
    assert wrong.status_code == 422
    assert wrong.headers["Content-Type"] == "application/problem+json"
    assert _report_status(client, as_, preview["id"]) == "previewed"


def _report_status(client, as_, import_id) -> str:
    return client.get(f"/api/v1/imports/{import_id}/report", headers=as_("referent")).get_json()["status"]


def test_a_cancelled_import_keeps_nothing_and_cannot_be_confirmed(client, as_, system, upload):
    preview = _preview(upload(csv_file()))
    cancelled = client.delete(f"/api/v1/imports/{preview['id']}", headers=as_("referent"))
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert system.imports.sheet(preview["id"]) is None
    late = client.post(f"/api/v1/imports/{preview['id']}/confirm", headers=as_("referent"), json={})
    assert late.status_code == 409


def test_an_unconfirmed_import_expires(client, as_, system, clock, upload):
    preview = _preview(upload(csv_file()))
    clock.advance(2)
    run_imports(system)
    assert _report_status(client, as_, preview["id"]) == "expired"
    assert system.imports.sheet(preview["id"]) is None


@pytest.mark.parametrize("user, group, status", [
    ("referent_familles", "g-jeunes", 403), ("auditor", "g-jeunes", 403),
    ("admin", "g-jeunes", 403), ("copilot", "g-inconnu", 422)])
def test_only_writers_of_the_group_import_into_it(user, group, status, system, upload):
    answer = upload(csv_file(), user=user, group=group)
    assert answer.status_code == status, answer.get_json()
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert _imports(system) == 0


def test_another_group_s_import_is_not_found(client, as_, upload):
    preview = _preview(upload(csv_file()))
    for url in (f"/api/v1/imports/{preview['id']}", f"/api/v1/imports/{preview['id']}/report"):
        assert client.get(url, headers=as_("referent_familles")).status_code == 404
    assert client.get("/api/v1/imports/pas-un-id", headers=as_("referent")).status_code == 404


def test_a_colleague_of_the_group_cannot_read_confirm_or_cancel_someone_else_s_import(
        client, as_, system, upload):
    """The referent uploads the mission locale's list: until she confirms it, the names in it
    are hers to check. Her colleague and the group's co-pilot write in the same group, yet for
    them the import does not exist (the same 404 as an id nobody uploaded), nothing they try
    changes it; once it ran, its report is hers too."""
    preview = _preview(upload(csv_file()))
    url = f"/api/v1/imports/{preview['id']}"
    nobody = client.get("/api/v1/imports/6b1f6c1e-0000-4000-8000-000000000000",
                        headers=as_("referent2"))
    assert nobody.status_code == 404
    for colleague in ("referent2", "copilot"):
        tried = [client.get(url, headers=as_(colleague)),
                 client.get(f"{url}/report", headers=as_(colleague)),
                 client.put(f"{url}/mapping", headers=as_(colleague), json={"mapping": {"Nom": None}}),
                 client.post(f"{url}/confirm", headers=as_(colleague), json={"decisions": {}}),
                 client.delete(url, headers=as_(colleague))]
        for answer in tried:
            assert answer.status_code == 404, answer.get_json()
            assert answer.get_json() == nobody.get_json()
            assert "Inès" not in answer.get_data(as_text=True)
    record = system.imports.get(preview["id"])
    assert record["status"] == "previewed" and record["mapping"] == preview["mapping"]
    assert system.imports.sheet(preview["id"]) is not None

    queued = _confirm(client, as_, preview["id"])
    assert queued["status"] == "queued"
    # queued, its rows are still sealed in the store: still hers alone
    assert client.get(url, headers=as_("referent2")).status_code == 404
    assert client.get(url, headers=as_("referent")).get_json()["rows"][0]["cells"]["prenom"] == "Inès"
    run_imports(system)
    assert _report(client, as_, preview["id"])["report"]["created"] == 3
    for colleague in ("referent2", "copilot"):
        assert client.get(f"{url}/report", headers=as_(colleague)).status_code == 404
        assert client.post(f"{url}/confirm", headers=as_(colleague),
                           json={"decisions": {}}).status_code == 404


def test_an_unknown_structure_is_refused(upload, system):
    answer = upload(csv_file(), structure="s-inconnue")
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {"structure_id": ["structure s-inconnue inconnue"]}
    assert _imports(system) == 0


def test_the_template_lists_our_columns_and_their_values_in_french(client, as_):
    answer = client.get("/api/v1/imports/template", headers=as_("referent"))
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == 'attachment; filename="modele-import.xlsx"'
    book = load_workbook(io.BytesIO(answer.data))
    assert [c.value for c in book["personnes"][1]] == list(COLUMN_KEYS)
    explained = {row[0]: row for row in book["colonnes"].iter_rows(min_row=2, values_only=True)}
    assert explained["canal"][1] == "oui" and "aller-vers" in explained["canal"][3]
    assert explained["structure_reperage"][3] == "Mission locale"
    assert book["personnes"].data_validations.dataValidation
    as_csv = client.get("/api/v1/imports/template?format=csv", headers=as_("referent"))
    assert as_csv.data.decode("utf-8-sig").strip() == ";".join(COLUMN_KEYS)
    as_json = client.get("/api/v1/imports/template?format=json", headers=as_("referent")).get_json()
    sexe = next(c for c in as_json["columns"] if c["column"] == "sexe")
    assert sexe["values"] == ["femme", "homme", "autre / non précisé"] and sexe["required"]
    assert client.get("/api/v1/imports/template", headers=as_("auditor")).status_code == 403


def test_the_template_filled_in_imports(client, as_, system, upload):
    template = load_workbook(io.BytesIO(client.get("/api/v1/imports/template",
                                                   headers=as_("referent")).data))
    sheet = template["personnes"]
    values = {"nom": "Benali", "prenom": "Inès", "date_naissance": "02/04/2007",
              "date_reperage": "02/06/2026", "canal": "aller-vers",
              "structure_reperage": "Mission locale", "sexe": "femme", "consentement": "oui"}
    sheet.append([values.get(c.value, None) for c in sheet[1]])
    out = io.BytesIO()
    template.save(out)
    preview = _preview(upload(out.getvalue(), filename="modele.xlsx"))
    assert preview["counts"]["ok"] == 1, preview["rows"]


def test_cells_that_look_like_formulas_are_kept_as_text_and_never_run(client, as_, system, upload):
    rows = [["=HYPERLINK(\"http://exemple.test\";\"clic\")", "@Inès", "02/04/2007",
             "+33 6 12 34 56 78", "02/06/2026", "aller-vers", "femme", "", "", "oui", ""]]
    preview = _preview(upload(csv_file(rows=rows)))
    assert preview["rows"][0]["status"] == "ok", preview["rows"][0]["errors"]
    _confirm(client, as_, preview["id"])
    run_imports(system)
    pathway_id = _report(client, as_, preview["id"])["report"]["rows"][0]["pathway_id"]
    person = client.get(f"/api/v1/pathways/{pathway_id}/personal-data",
                        headers=as_("copilot")).get_json()["person"]
    assert person["last_name"].startswith("=HYPERLINK(")
    assert person["first_name"] == "@Inès" and person["phone"] == "+33 6 12 34 56 78"


def test_a_workbook_s_formulas_are_not_taken_for_values(upload):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append(["=CONCAT(\"Ben\";\"ali\")", *PEOPLE[0][1:]])
    out = io.BytesIO()
    book.save(out)
    row = _preview(upload(out.getvalue(), filename="liste.xlsx"))["rows"][0]
    assert [(e["column"], e["message"]) for e in row["errors"]] == [("nom", "champ obligatoire")]


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


HOSTILE = {
    "a PDF": (b"%PDF-1.7\n1 0 obj <<>> endobj\n", 422, "n'est pas un tableur"),
    "an image": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), 422, "n'est pas un tableur"),
    "an old .xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), 422, ".xlsx ou .csv"),
    "a zip that is no workbook": (_zip({"notes.txt": b"bonjour"}), 422, "pas un classeur"),
    "a zip bomb": (_zip({"xl/workbook.xml": b"<workbook/>", "xl/big.xml": bytes(60_000_000)}),
                   413, "anormalement volumineux"),
    "an empty file": (b"", 422, "vide"),
    "a broken workbook": (_zip({"xl/workbook.xml": b"<pas du xml"}), 422, "illisible"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_what_is_not_a_spreadsheet_is_refused_and_nothing_is_kept(name, system, upload):
    data, status, says = HOSTILE[name]
    before = counts(system)
    answer = upload(data, filename="liste.xlsx")
    assert answer.status_code == status, answer.get_json()
    assert answer.headers["Content-Type"] == "application/problem+json"
    problem = answer.get_json()
    assert problem["type"] == "/problems/not_a_spreadsheet"
    assert says in problem["detail"] and problem["errors"]["file"] == [problem["detail"]]
    assert _imports(system) == 0 and counts(system) == before


def test_a_file_too_big_or_too_long_is_refused(system, upload):
    system.settings = dataclasses.replace(system.settings, import_max_bytes=300,
                                          import_max_rows=2)
    too_big = upload(csv_file(rows=PEOPLE * 3))
    assert too_big.status_code == 413
    assert "découpez-le" in too_big.get_json()["detail"]
    too_long = upload(csv_file(headers=HEADERS[:2], rows=[r[:2] for r in PEOPLE]))
    assert too_long.status_code == 413
    assert "plus de 2 lignes" in too_long.get_json()["detail"]
    far_too_big = upload(bytes(300 + 70 * 1024))
    assert far_too_big.status_code == 413
    assert far_too_big.headers["Content-Type"] == "application/problem+json"
    assert _imports(system) == 0


def test_a_file_that_is_not_multipart_is_refused(client, as_, system):
    answer = client.post("/api/v1/imports", headers=as_("referent"), json={"group_id": "g-jeunes"})
    assert answer.status_code == 415
    assert "multipart/form-data" in answer.get_json()["detail"]
    no_file = client.post("/api/v1/imports", headers=as_("referent"), data={"group_id": "g-jeunes"},
                          content_type="multipart/form-data")
    assert no_file.status_code == 422 and "file" in no_file.get_json()["errors"]
    assert _imports(system) == 0


def test_people_of_another_territory_are_not_shown_as_known(client, as_, system, upload):
    system.reference.add_user("Brestoise", "referent", "t-brest", ["g-brest"], None, id="ref-brest")
    brest = {"Authorization": f"Bearer {Tokens(system.engine).issue('ref-brest')}"}
    form = {"group_id": "g-brest", "file": (io.BytesIO(csv_file(rows=PEOPLE[:1])), "liste.csv")}
    answer = client.post("/api/v1/imports", data=form, headers=brest, content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_json()
    client.post(f"/api/v1/imports/{answer.get_json()['id']}/confirm", headers=brest, json={})
    run_imports(system)
    belfort = _preview(upload(csv_file(rows=PEOPLE[:1])))
    assert belfort["rows"][0]["status"] == "ok" and belfort["rows"][0]["duplicate"] is None


@pytest.mark.sqlite_only
def test_an_upload_is_never_in_clear_on_disk_and_its_key_is_gone_once_cancelled(client, as_,
                                                                                   system, upload):
    """(It reads the SQLite files; on PostgreSQL the destruction vacuums the `imports` table, as
    an erasure vacuums `personal_data`.)"""
    data_dir = system.settings.data_dir
    master = b64decode(system.settings.resolved_key("personal_data_key", "personal-data.key"))
    preview = _preview(upload(csv_file()))
    assert plaintext_hits(data_dir) == []
    assert recoverable_keys(data_dir, master, preview["id"]) >= 1  # the scan finds a live key
    cancelled = client.delete(f"/api/v1/imports/{preview['id']}", headers=as_("referent"))
    assert cancelled.status_code == 200
    assert recoverable_keys(data_dir, master, preview["id"]) == 0
    assert plaintext_hits(data_dir) == []


def test_the_report_kept_after_the_import_names_the_refused_cells_without_their_values(
        client, as_, system, upload):
    """The rows are destroyed once the import has run; its report stays, and must hold no
    personal data: a refused row's reason names the column and the problem, not the cell (a
    birth date written in words, a name shifted into the date column). The preview, read
    while the uploader can still fix her file, shows the values."""
    headers = ["Nom", "Prénom", "Né(e) le", "Repéré le", "Canal", "Sexe", "Consentement"]
    rows = [["Benali", "Inès", "2 avril 2007", "02/06/2026", "aller-vers", "femme", "oui"],
            ["Haddad", "Yanis", "Haddad Yanis", "03/06/2026", "permanence", "homme", "oui"],
            ["Martin", "Léa", "12/05/2001", "03/06/2026", "permanence", "femme", "oui"]]
    preview = _preview(upload(csv_file(headers, rows)))
    shown = " ".join(e["message"] for r in preview["rows"] for e in r["errors"])
    assert "2 avril 2007" in shown and "Haddad Yanis" in shown

    _confirm(client, as_, preview["id"])
    assert run_imports(system) == 3
    report = _report(client, as_, preview["id"])["report"]
    assert (report["created"], report["refused"]) == (1, 2)
    reasons = [r["reason"] for r in report["rows"] if r["outcome"] == "refused"]
    assert all("Né(e) le" in reason and "n'est pas une date" in reason for reason in reasons)
    assert not any("avril" in reason or "Haddad" in reason for reason in reasons), reasons
    with system.engine.connect() as conn:
        kept = conn.execute(select(imports.c.report).where(imports.c.id == preview["id"])).scalar()
    assert "2 avril 2007" not in kept and "Haddad" not in kept
