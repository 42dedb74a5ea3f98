"""Every CSV and XLSX the application writes escapes a text that a spreadsheet would run as a
formula (a name typed `=…` by a partner's spreadsheet, a note `@…`, a scheme `-…`): the minutes
(API and pages, CSV and XLSX) and the statistics (CSV and XLSX)."""

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import update

from casecommittee.cells import safe_cell
from casecommittee.stores.reference import groups

from .conftest import identify_form

HOSTILE_NAME = "=HYPERLINK(\"http://exemple.test\";\"clic\")"


def test_the_shared_rule():
    assert safe_cell("=1+2") == "'=1+2"
    for start in ("+", "-", "@", "\t", "\r"):
        assert safe_cell(start + "x") == "'" + start + "x"
    assert safe_cell("Inès") == "Inès" and safe_cell(-3) == -3 and safe_cell(None) is None


def _xlsx_cells(data: bytes) -> list:
    return [c for row in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)
            for c in row if c is not None]


def _csv_cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";") for c in row]


def test_the_minutes_escape_formulas_in_every_format(signed_in, client, as_):
    copilot = signed_in("copilot")
    created = copilot.post("/reperage", identify_form(**{"person.first_name": HOSTILE_NAME}))
    assert created.status_code == 302, created.get_data(as_text=True)
    pathway = created.headers["Location"].split("?")[0].rsplit("/", 1)[1]
    scheduled = copilot.post("/comites/", {"group_id": "g-jeunes", "kind": "orientation",
                                           "held_on": "2026-06-30"})
    session = scheduled.headers["Location"].rsplit("/", 1)[1]
    decided = copilot.post(f"/comites/{session}/decisions", {
        "pathway_id": pathway, "decision": "orient", "orientation.scheme": "-2+3 dispositif",
        "note": "@SOMME(A1:A9)"})
    assert decided.status_code == 302, decided.get_data(as_text=True)
    assert copilot.post(f"/comites/{session}/cloture", {"attendance": "+Mission locale"}).status_code == 302

    expected = {"'" + HOSTILE_NAME + " B.", "'-2+3 dispositif", "'@SOMME(A1:A9)"}
    page_csv = _csv_cells(copilot.get(f"/comites/{session}/compte-rendu.csv").get_data(as_text=True))
    assert expected <= set(page_csv), page_csv
    api_csv = client.get(f"/api/v1/committees/{session}/minutes",
                         headers={**as_("copilot"), "Accept": "text/csv"}).get_data(as_text=True)
    assert expected <= set(_csv_cells(api_csv))
    cells = _xlsx_cells(copilot.get(f"/comites/{session}/compte-rendu.xlsx").data)
    assert expected <= set(cells), cells
    assert "'Présents : +Mission locale" not in cells  # a note that does not start like a formula
    assert not any(isinstance(c, str) and c.startswith(("=", "+", "-", "@")) for c in cells)


def test_the_statistics_exports_escape_formulas(signed_in, system):
    with system.engine.begin() as conn:
        conn.execute(update(groups).where(groups.c.id == "g-jeunes").values(name="=cmd|'/C calc'!A0"))
    referent = signed_in("referent")
    assert referent.post("/reperage", identify_form()).status_code == 302
    copilot = signed_in("copilot")
    cells = _xlsx_cells(copilot.get("/statistiques/?by=group&format=xlsx").data)
    named = [c for c in cells if isinstance(c, str) and "=cmd" in c]
    assert named and all(c.startswith("'=cmd|'/C calc'!A0") for c in named), cells
    text = copilot.get("/statistiques/?by=group&format=csv").get_data(as_text=True)
    named = [c for c in _csv_cells(text) if "=cmd" in c]
    assert named and all(c.startswith("'=cmd|'/C calc'!A0") for c in named), text
