"""Tables as files a professional opens: XLSX (openpyxl) and PDF (fpdf2, pure Python)."""

import csv
import io

from flask import Response
from fpdf import FPDF
from fpdf.enums import TableCellFillMode
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ...cells import safe_row

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(title: str, headers, rows, notes=()) -> bytes:
    """A workbook of one sheet: notes (one a line), the headers in bold, then the rows; a text
    that would run as a formula is escaped (`cells.safe_cell`)."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for note in notes:
        sheet.append(safe_row([note]))
    sheet.append(safe_row(headers))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(safe_row(row))
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width, 10), 60)
        for cell in column:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pdf_text(value) -> str:
    """Text the PDF core fonts can show (Windows-1252: French accents, œ, ’, €)."""
    return str("" if value is None else value).encode("cp1252", "replace").decode("cp1252")


class Document(FPDF):
    """An A4 document with a title, its notes, a footer with the page number."""

    def __init__(self, title: str, landscape: bool = True):
        super().__init__(orientation="L" if landscape else "P", format="A4")
        self.core_fonts_encoding = "windows-1252"
        self.doc_title = title
        self.set_title(pdf_text(title))
        self.set_auto_page_break(True, margin=15)
        self.set_font("Helvetica", size=9)

    def footer(self):
        """Page number at the bottom."""
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 8, pdf_text(f"{self.doc_title} — page {self.page_no()}/{{nb}}"), align="C")

    def heading(self, text: str, notes=()) -> None:
        """The title in bold and its notes below."""
        self.set_font("Helvetica", style="B", size=14)
        self.multi_cell(0, 8, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", size=9)
        for note in notes:
            self.multi_cell(0, 5, pdf_text(note), new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def table_of(self, headers, rows, widths=None) -> None:
        """A table with a repeated header row."""
        self.set_font("Helvetica", size=8)
        with self.table(col_widths=widths, text_align="LEFT", line_height=4.5,
                        cell_fill_mode=TableCellFillMode.ROWS, cell_fill_color=245) as table:
            header = table.row()
            for text in headers:
                header.cell(pdf_text(text))
            for row in rows:
                line = table.row()
                for value in row:
                    line.cell(pdf_text(value))
        self.ln(3)


def csv_text(headers, rows) -> str:
    """CSV as a French spreadsheet opens it: BOM, `;` separators, no cell that would run as a
    formula (`cells.safe_cell`)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(safe_row(headers))
    writer.writerows(safe_row(row) for row in rows)
    return out.getvalue()


def pdf(title: str, headers, rows, notes=(), widths=None) -> bytes:
    """A one-table PDF document."""
    document = Document(title)
    document.add_page()
    document.heading(title, notes)
    document.table_of(headers, rows, widths)
    return bytes(document.output())


def download(content: bytes | str, filename: str, mimetype: str) -> Response:
    """A file to save (Content-Disposition: attachment)."""
    return Response(content, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
