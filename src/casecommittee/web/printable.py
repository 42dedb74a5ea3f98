"""The agenda and the minutes as a French professional prints them: HTML (templates, print
stylesheet) and CSV (UTF-8 with BOM, `;`, so it opens in a French spreadsheet)."""

import csv
import io
from datetime import date, datetime

from flask import render_template

from ..cells import safe_row
from ..domain.committee import DECISION_LABELS, KIND_LABELS

CSV_COLUMNS = ("Personne", "Étape", "Jours dans l'étape", "Dernière étape", "Motifs",
               "Décision", "Dispositif", "Note")


def _fr(value) -> str:
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-":
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else str(value)


def _decision_cells(item: dict) -> tuple[str, str, str]:
    decision = item.get("decision") or {}
    orientation = decision.get("orientation") or {}
    return (DECISION_LABELS.get(decision.get("decision"), ""), orientation.get("scheme") or "",
            decision.get("note") or "")


def rows(document: dict) -> list[tuple]:
    """The document's items as the rows of a table (the columns of `CSV_COLUMNS`)."""
    return [(
        item["label"], item.get("stage_label") or "", item.get("days_in_stage") or "",
        _fr(item.get("last_event_on")), " ; ".join(item.get("reason_labels") or ()),
        *_decision_cells(item),
    ) for item in document["items"]]


def as_csv(document: dict) -> str:
    """The document as CSV text (BOM first, `;` separators, French headers and dates; no cell
    that would run as a formula: `cells.safe_cell`)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(safe_row(row) for row in rows(document))
    return out.getvalue()


def as_html(document: dict, title: str) -> str:
    """The document as a printable HTML page in French."""
    return render_template(
        "committee.html", document=document, title=title, kind_label=KIND_LABELS[document["kind"]],
        fr=_fr, decision_cells=_decision_cells,
    )
