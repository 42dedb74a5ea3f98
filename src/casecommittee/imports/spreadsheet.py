"""Reading a partner's spreadsheet: CSV (`;` or `,`, UTF-8 with or without BOM, or Windows-1252
as Excel writes it) or XLSX (openpyxl, read-only, values only, never formulas).

Every cell comes out as text (dates as ISO `AAAA-MM-JJ`), trimmed; a cell that starts with `=`,
`+`, `-` or `@` stays text, never a formula (exports escape it again: `cells.safe_cell`). What is
too big, too long, or not a spreadsheet is refused with a message that says what to do.
"""

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time

#: An XLSX is a zip archive; an old binary .xls an OLE compound file.
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: How much bigger than the file its unzipped parts may be (a zip bomb is refused).
_MAX_UNZIP_RATIO = 10
#: The widest sheet read.
MAX_COLUMNS = 60


class NotASpreadsheet(ValueError):
    """The file cannot be read as a spreadsheet; the message (French) says what to do."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


@dataclass
class Sheet:
    """The headers and the rows of a spreadsheet, every cell as text ("" when empty)."""

    headers: list[str]
    rows: list[list[str]]
    kind: str  # "csv" or "xlsx"


def read_sheet(data: bytes, *, max_bytes: int, max_rows: int) -> Sheet:
    """The first sheet of an XLSX, or a CSV file; NotASpreadsheet when it is none of them or
    breaks a limit. Empty lines are left out; the first non-empty line holds the headers."""
    if len(data) > max_bytes:
        raise NotASpreadsheet(
            f"le fichier fait {len(data) // 1024} Ko, au-delà de la limite de {max_bytes // 1024} Ko : "
            "découpez-le en plusieurs fichiers", status=413)
    if not data.strip():
        raise NotASpreadsheet("le fichier est vide")
    if data.startswith(_OLE_MAGIC):
        raise NotASpreadsheet("les fichiers .xls (Excel 97-2003) ne sont pas lus : enregistrez-le "
                              "au format .xlsx ou .csv")
    if data.startswith(_ZIP_MAGIC):
        lines = _xlsx_lines(data, max_bytes=max_bytes, max_rows=max_rows)
        kind = "xlsx"
    else:
        lines = _csv_lines(_decoded(data), max_rows=max_rows)
        kind = "csv"
    lines = [line for line in lines if any(line)]
    if not lines:
        raise NotASpreadsheet("le fichier ne contient aucune ligne")
    headers = lines[0]
    if not any(headers):
        raise NotASpreadsheet("la première ligne doit porter les noms des colonnes")
    width = len(headers)
    while width and not headers[width - 1]:
        width -= 1
    rows = [(line + [""] * width)[:width] for line in lines[1:]]
    if len(rows) > max_rows:
        raise NotASpreadsheet(f"le fichier compte plus de {max_rows} lignes : découpez-le en "
                              "plusieurs fichiers", status=413)
    return Sheet(headers=headers[:width], rows=rows, kind=kind)


def _decoded(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), else Windows-1252."""
    if b"\x00" in data[:4096]:
        raise NotASpreadsheet("ce fichier n'est pas un tableur : envoyez un fichier .csv ou .xlsx")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise NotASpreadsheet("le fichier n'est ni en UTF-8 ni en Windows-1252 : enregistrez-le "
                                  "en « CSV UTF-8 » depuis votre tableur") from None
    controls = sum(1 for c in text[:4096] if ord(c) < 32 and c not in "\t\r\n")
    if controls or text.lstrip().startswith(("%PDF", "<")):
        raise NotASpreadsheet("ce fichier n'est pas un tableur : envoyez un fichier .csv ou .xlsx")
    return text


def _delimiter(text: str) -> str:
    """`;` or `,`: whichever the header line holds more of (outside quotes)."""
    first = text.split("\n", 1)[0]
    outside = "".join(part for i, part in enumerate(first.split('"')) if i % 2 == 0)
    return ";" if outside.count(";") >= outside.count(",") and ";" in outside else ","


def _csv_lines(text: str, *, max_rows: int) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    lines = []
    try:
        for line in reader:
            if len(lines) > max_rows + 1:
                break
            lines.append([cell.strip() for cell in line[:MAX_COLUMNS]])
    except csv.Error as error:
        raise NotASpreadsheet(f"ligne {reader.line_num} illisible ({error})") from None
    return lines


def _xlsx_lines(data: bytes, *, max_bytes: int, max_rows: int) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unzipped = sum(info.file_size for info in archive.infolist())
        names = set(archive.namelist())
    except zipfile.BadZipFile:
        raise NotASpreadsheet("l'archive est illisible : envoyez un fichier .csv ou .xlsx") from None
    if "xl/workbook.xml" not in names:
        raise NotASpreadsheet("ce fichier n'est pas un classeur Excel (.xlsx) : envoyez un fichier "
                              ".csv ou .xlsx")
    if unzipped > max(max_bytes, 1) * _MAX_UNZIP_RATIO:
        raise NotASpreadsheet("le classeur décompressé est anormalement volumineux : enregistrez "
                              "ses seules données au format .csv", status=413)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds on a broken workbook
        raise NotASpreadsheet("le classeur est illisible : ouvrez-le et enregistrez-le à nouveau "
                              "au format .xlsx") from None
    try:
        sheet = book.worksheets[0]
        lines = []
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            if len(lines) > max_rows + 1:
                break
            lines.append([_cell_text(value) for value in values])
        return lines
    finally:
        book.close()


def _cell_text(value) -> str:
    """An XLSX value as text: dates ISO, whole numbers without `.0`, the rest as typed."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
