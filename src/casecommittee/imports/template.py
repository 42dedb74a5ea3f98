"""The template a partner fills in: our columns in French, with what each allows, per territory
(its structures are the allowed values of `structure_reperage`). XLSX (a sheet to fill, with
drop-down lists, and a sheet that explains each column) or CSV (`;`, UTF-8 with BOM, the header
line only)."""

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from ..cells import safe_row
from ..stores.reference import structures
from .columns import COLUMNS

#: Rows of the sheet to fill that get the drop-down lists.
FILLED_ROWS = 5000


def guide(reference, territory_id: str | None) -> list[dict]:
    """Each column: its header, whether it is required, what it holds, its allowed values."""
    names = sorted(s["name"] for s in reference.rows(structures)
                   if territory_id is None or s["territory_id"] == territory_id)
    return [{
        "column": c.key, "required": c.required, "description": c.description,
        "allowed": (" ; ".join(names) if c.kind == "structure" and names else c.allowed()),
        "values": list(c.labels.values()) if c.labels else (names if c.kind == "structure" else []),
    } for c in COLUMNS]


def template_csv() -> str:
    """The CSV template: the header line (`;`, UTF-8 with BOM, as a French spreadsheet opens it)."""
    out = io.StringIO()
    out.write("\ufeff")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerow(c.key for c in COLUMNS)
    return out.getvalue()


def template_xlsx(reference, territory_id: str | None) -> bytes:
    """The XLSX template: "personnes" to fill (drop-down lists on closed columns) and
    "colonnes" explaining each column and its allowed values."""
    columns = guide(reference, territory_id)
    book = Workbook()
    sheet = book.active
    sheet.title = "personnes"
    sheet.append([c["column"] for c in columns])
    lists = book.create_sheet("listes")
    for position, column in enumerate(columns, start=1):
        sheet.cell(1, position).font = Font(bold=True)
        letter = sheet.cell(1, position).column_letter
        sheet.column_dimensions[letter].width = max(14, len(column["column"]) + 2)
        if column["values"]:
            for row, value in enumerate(column["values"], start=1):
                lists.cell(row, position, value)
            check = DataValidation(
                type="list", allow_blank=True,
                formula1=f"listes!${letter}$1:${letter}${len(column['values'])}",
                showErrorMessage=COLUMNS[position - 1].kind != "choices",
                error="valeur non reconnue : choisissez dans la liste",
            )
            check.add(f"{letter}2:{letter}{FILLED_ROWS + 1}")
            sheet.add_data_validation(check)
    lists.sheet_state = "hidden"
    explained = book.create_sheet("colonnes")
    explained.append(["colonne", "obligatoire", "contenu", "valeurs possibles"])
    for cell in explained[1]:
        cell.font = Font(bold=True)
    for column in columns:
        explained.append(safe_row([column["column"], "oui" if column["required"] else "non",
                                   column["description"], column["allowed"]]))
    for letter, width in zip("ABCD", (24, 12, 40, 80), strict=True):
        explained.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
