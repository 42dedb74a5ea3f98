"""Partners' spreadsheets as their tools write them: CSV with `;` or `,`, UTF-8 with or without
BOM or Windows-1252, and XLSX."""

import csv
import io
from datetime import date

from openpyxl import Workbook

#: A partner (the Mission locale) that writes our template's headers.
HEADERS = ["nom", "prenom", "date_naissance", "telephone", "date_reperage", "canal", "sexe",
           "niveau_qualification", "publics", "consentement", "date_consentement"]
PEOPLE = [
    ["Benali", "Inès", "02/04/2007", "06 12 34 56 78", "02/06/2026", "aller-vers", "femme",
     "infra CAP", "allocataire du RSA", "oui", "02/06/2026"],
    ["Haddad", "Yanis", "15/11/2005", "", "03/06/2026", "permanence", "homme", "CAP / BEP", "",
     "non", ""],
    ["Lefèvre-Nguyen", "Éloïse", "30/01/2004", "07 98 76 54 32", "04/06/2026",
     "orientation par un partenaire", "femme", "bac", "parent isolé, RQTH", "oui", "04/06/2026"],
]


def csv_file(headers=HEADERS, rows=PEOPLE, *, delimiter=";", encoding="utf-8", bom=False) -> bytes:
    """A CSV file as a spreadsheet writes it."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode(encoding)


def xlsx_file(headers=HEADERS, rows=PEOPLE, *, real_dates=True) -> bytes:
    """An XLSX workbook: dates as real dates (as Excel keeps them), phones as typed."""
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        cells = []
        for header, value in zip(headers, row, strict=True):
            if real_dates and header.startswith("date") and value:
                day, month, year = (int(x) for x in value.split("/"))
                cells.append(date(year, month, day))
            else:
                cells.append(value or None)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
