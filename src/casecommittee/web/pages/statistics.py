"""Statistics and the steering committee's bilan: the API's statistics document with pickers
(period, group, breakdown, as_of, known_at), SVG charts, CSV/XLSX export, and a quarter's
printable bilan (HTML, PDF) that states the `known_at` it was drawn at. The companies' figures
(`GET /api/v1/statistics/companies`) follow, with the same period, as_of and known_at.
"""

import io
import re
from datetime import date, datetime, timedelta

from flask import Blueprint, g, render_template, request
from marshmallow import ValidationError

from ...queries.company_statistics import CompanyStatisticsQuery, company_statistics
from ...queries.statistics import BREAKDOWNS, StatisticsQuery
from ...stores.reference import groups, structures, users
from ..context import web
from ..problems import Problem
from ..schemas.statistics import CompanyStatisticsArgs, StatisticsArgs
from . import charts, exports, role_required
from .filters import LABELS, PARIS, fr_date, label, percent
from .forms import field_errors

bp = Blueprint("statistics", __name__, url_prefix="/statistiques")

ROLES = ("referent", "copilot", "auditor", "admin", "business_relations")
BREAKDOWN_LABELS = {
    "group": "groupe", "territory": "territoire", "sex": "sexe", "age_bracket": "tranche d'âge",
    "qpv": "résident QPV", "qpv_code": "quartier (QPV)", "qualification": "qualification",
    "channel": "canal de repérage", "scheme": "dispositif", "structure": "structure",
    "referent": "référent", "cohort_month": "cohorte (mois)", "cohort_quarter": "cohorte (trimestre)",
    "cohort_year": "cohorte (année)", "flag": "situation",
}
RATE_LABELS = {"orientation": "orientation", "immersion": "immersion", "hiring": "embauche",
               "retention_15_weeks": "maintien à 15 semaines", "rupture": "rupture",
               "positive_exit": "sorties positives"}
FUNNEL_LABELS = {"identified": "repérés", "oriented": "orientés", "immersion": "en immersion",
                 "hired": "embauchés", "follow_up_completed": "suivi 15 semaines validé"}
QUARTER = re.compile(r"^(\d{4})-T([1-4])$")


def _aware(value: str | None) -> str | None:
    """A `datetime-local` value (Paris time, no offset) as a time with its offset."""
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=PARIS)).isoformat()


def statistics_of(args) -> tuple[dict, dict]:
    """(query fields, statistics document) for the picked fields, scoped as the API scopes."""
    picked = {k: v for k, v in args.items() if v not in ("", None) and k in (
        "from", "to", "group_id", "by", "as_of", "known_at")}
    try:
        picked["known_at"] = _aware(picked.get("known_at"))
    except ValueError:
        raise ValidationError({"known_at": ["date et heure attendues"]}) from None
    query = StatisticsArgs().load({k: v for k, v in picked.items() if v is not None})
    query["territory_id"] = g.principal.territory_id
    if query["group_id"] and web().system.reference.get(groups, query["group_id"]) is None:
        raise ValidationError({"group_id": ["groupe inconnu"]})
    system = web().system
    document = web().statistics.get(system.engine, StatisticsQuery(**query), system.clock.today(),
                                     system.projections.position())
    return query, document


#: French words of the companies' figures.
COMPANY_LABELS = {
    "mobilised": "entreprises mobilisées", "first_time": "dont nouvelles", "returning": "dont déjà mobilisées",
    "posted": "besoins publiés", "positions_posted": "postes proposés",
    "positions_filled": "postes pourvus", "open_at_end": "besoins ouverts en fin de période",
    "median_days_to_fill": "délai médian pour pourvoir un besoin (jours)",
    "offers": "offres d'immersion", "places": "places d'immersion offertes",
}


def company_figures_of(args) -> dict:
    """The companies' figures for the same period, as_of and known_at as the pathways' ones,
    scoped to the caller's territory as the API scopes them."""
    picked = {k: v for k, v in args.items() if v not in ("", None) and k in (
        "from", "to", "as_of", "known_at")}
    try:
        picked["known_at"] = _aware(picked.get("known_at"))
    except ValueError:
        raise ValidationError({"known_at": ["date et heure attendues"]}) from None
    query = CompanyStatisticsArgs().load({k: v for k, v in picked.items() if v is not None})
    system = web().system
    return company_statistics(system.app, system.engine, CompanyStatisticsQuery(
        territory_id=g.principal.territory_id, **query), system.clock.today())


def company_rows(document: dict) -> list[tuple]:
    """The companies' figures as rows (section, indicator, value) for tables and exports."""
    companies, needs = document["companies"], document["needs"]
    found = [("entreprises", COMPANY_LABELS[k], companies[k]) for k in ("mobilised", "first_time", "returning")]
    found += [("entreprises par taille", label(k, "size_band"), v) for k, v in companies["by_size"].items()]
    found += [("entreprises par secteur", label(k, "naf_section") if k != "unknown" else "non renseigné", v)
              for k, v in companies["by_sector"].items()]
    found += [("entreprises par situation", label(k, "qpv_location"), v) for k, v in companies["by_place"].items()]
    found += [("besoins", COMPANY_LABELS[k], needs[k] if needs[k] is not None else "—")
              for k in ("posted", "positions_posted", "positions_filled", "open_at_end", "median_days_to_fill")]
    found += [("besoins clos", label(k, "need_outcome"), v) for k, v in needs["closed"].items()]
    found += [("immersions (PMSMP)", COMPANY_LABELS[k], v) for k, v in document["hosting"].items()]
    found += [("participations", label(k, "participation_kind"), v) for k, v in document["participations"].items()]
    found += [("engagements", label(k, "commitment_kind"), v) for k, v in document["commitments"].items()]
    found += [("accueils", f"{h['name']} : immersions (suivies d'une embauche)",
               f"{h['immersions']} ({h['followed_by_hire']})") for h in document["hosts"]]
    found += [("embauches", f"{e['name']} : embauches (en emploi à 15 semaines / attendues)",
               f"{e['hires']} ({e['still_employed_at_15_weeks']} / {e['validation_due']})")
              for e in document["employers"]]
    return found


def company_charts(document: dict) -> list[tuple[str, str]]:
    """The companies' charts: (title, SVG)."""
    sizes = [(label(k, "size_band"), v) for k, v in document["companies"]["by_size"].items()]
    outcomes = [(label(k, "need_outcome"), v) for k, v in document["needs"]["closed"].items()]
    return [("Entreprises mobilisées par taille",
             charts.bars("Entreprises mobilisées par taille", sizes, chart_id="company-sizes")),
            ("Issue des besoins clos",
             charts.bars("Issue des besoins clos", outcomes, chart_id="need-outcomes"))]


def _names() -> dict:
    reference = web().system.reference
    return {**{gr["id"]: gr["name"] for gr in reference.rows(groups)},
            **{s["id"]: s["name"] for s in reference.rows(structures)},
            **{u["id"]: u["name"] for u in reference.rows(users)}}


def key_label(by: str | None, key) -> str:
    """The words of a breakdown key (a group's name rather than its id, a label for a code)."""
    if key is None:
        return "non renseigné"
    if by in ("group", "structure", "referent", "territory"):
        return _names().get(key, str(key))
    kind = {"sex": "sex", "qualification": "qualification_level", "channel": "channel",
            "flag": "flag"}.get(by)
    return label(key, kind) if kind else str(key)


def chart_set(document: dict, by: str | None) -> list[tuple[str, str]]:
    """The charts of a document: (title, SVG)."""
    funnel = [(FUNNEL_LABELS[k], v) for k, v in document["funnel"].items()]
    rates = [(RATE_LABELS[k], (v or 0) * 100) for k, v in document["rates"].items()]
    found = [
        ("Entonnoir des parcours", charts.bars("Entonnoir des parcours", funnel, chart_id="funnel")),
        ("Taux", charts.bars("Taux", rates, [percent(v) for v in document["rates"].values()],
                             chart_id="rates")),
    ]
    exits = [(label(k, "outcome"), v) for k, v in document["exits"].items()]
    if exits:
        found.append(("Sorties par situation", charts.bars("Sorties par situation", exits, chart_id="exits")))
    ruptures = [(label(k, "stage"), v) for k, v in document["ruptures_by_stage"].items()]
    found.append(("Ruptures par étape", charts.bars("Ruptures par étape", ruptures, chart_id="ruptures")))
    if by and document["breakdown"]:
        rows = [(key_label(by, r["key"]), r["population"]) for r in document["breakdown"][:20]]
        title = f"Population par {BREAKDOWN_LABELS[by]}"
        found.append((title, charts.bars(title, rows, chart_id="breakdown")))
    return found


def table_rows(document: dict, by: str | None) -> list[tuple]:
    """The document as rows (section, indicator, value) for CSV and XLSX."""
    found = [("population", "parcours repérés dans la période", document["population"])]
    found += [("entonnoir", FUNNEL_LABELS[k], v) for k, v in document["funnel"].items()]
    found += [("taux", RATE_LABELS[k], percent(v)) for k, v in document["rates"].items()]
    found += [("étapes", label(k, "stage"), v) for k, v in document["stages"].items()]
    found += [("délais médians (jours)", k, v) for k, v in document["median_days"].items()]
    found += [("sorties", label(k, "outcome"), v) for k, v in document["exits"].items()]
    found += [("ruptures par étape", label(k, "stage"), v) for k, v in document["ruptures_by_stage"].items()]
    found += [("objectif annuel", "objectif", document["target"]["per_year"]),
              ("objectif annuel", f"repérés en {document['target']['year']}",
               document["target"]["identified_this_year"])]
    for row in document["breakdown"]:
        name = key_label(by, row["key"])
        found.append((f"par {BREAKDOWN_LABELS[by]}", f"{name} : population", row["population"]))
        found += [(f"par {BREAKDOWN_LABELS[by]}", f"{name} : taux de {RATE_LABELS[k]}", percent(v))
                  for k, v in row["rates"].items()]
    return found


def _notes(query: dict, document: dict) -> list[str]:
    notes = [f"Situation au {fr_date(document['as_of'])}"]
    if query.get("period_from") or query.get("period_to"):
        notes.append(f"Parcours repérés du {fr_date(query.get('period_from')) or 'début'} "
                     f"au {fr_date(query.get('period_to')) or 'ce jour'}")
    notes.append(f"Connu au {fr_date(query['known_at'])}" if query.get("known_at")
                 else "Tout ce qui est enregistré à ce jour")
    return notes


@bp.route("/")
@role_required(*ROLES)
def index():
    """The figures with their pickers and charts; `?format=csv|xlsx` downloads them."""
    try:
        query, document = statistics_of(request.args)
        companies = company_figures_of(request.args)
    except ValidationError as error:
        query, document, companies, errors = None, None, None, field_errors(error)
    else:
        errors = {}
    fmt = request.args.get("format")
    if document and fmt in ("csv", "xlsx"):
        rows = table_rows(document, query["by"]) + company_rows(companies)
        headers = ("Rubrique", "Indicateur", "Valeur")
        if fmt == "xlsx":
            return exports.download(exports.xlsx("Statistiques", headers, rows, _notes(query, document)),
                                    "statistiques.xlsx", exports.XLSX_TYPE)
        return exports.download(exports.csv_text(headers, rows), "statistiques.csv", "text/csv")
    territory_groups = web().system.reference.rows(groups, territory_id=g.principal.territory_id)
    return render_template(
        "pages/statistics.html", document=document, query=query, errors=errors,
        values=request.args, charts=chart_set(document, query["by"]) if document else [],
        groups=[(gr["id"], gr["name"]) for gr in territory_groups],
        breakdowns=[(b, BREAKDOWN_LABELS[b]) for b in BREAKDOWNS],
        notes=_notes(query, document) if document else [], key_label=key_label,
        RATE_LABELS=RATE_LABELS, FUNNEL_LABELS=FUNNEL_LABELS, companies=companies,
        company_rows=company_rows(companies) if companies else [],
        company_charts=company_charts(companies) if companies else [],
    ), (422 if errors else 200)


def quarter_bounds(text: str) -> tuple[date, date]:
    """The first and last days of a quarter written `2026-T1`."""
    found = QUARTER.match(text or "")
    if not found:
        raise ValidationError({"trimestre": ["trimestre attendu sous la forme 2026-T1"]})
    year, number = int(found[1]), int(found[2])
    first = date(year, 3 * number - 2, 1)
    return first, date(year + (number == 4), (3 * number) % 12 + 1, 1) - timedelta(days=1)


def quarter_reviewed(held_on: date) -> str:
    """The quarter a comité de pilotage held on that day reviews: the last one ended (2026-T1)."""
    last = held_on.replace(day=1) - timedelta(days=1)
    return f"{last.year}-T{(last.month - 1) // 3 + 1}"


@bp.route("/bilan")
@role_required(*ROLES)
def bilan():
    """The steering committee's bilan of a quarter, as known at a time (default: now).

    The pathways identified since the start of the year, as of the quarter's last day; drawn
    again with the same `known_at`, it comes out identical (PDF with `?format=pdf`).
    """
    today = web().system.clock.today()
    quarter = request.args.get("trimestre") or f"{today.year}-T{(today.month - 1) // 3 + 1}"
    known_at = request.args.get("known_at") or web().system.clock.now().astimezone(PARIS) \
        .replace(microsecond=0, tzinfo=None).isoformat(timespec="minutes")
    try:
        first, last = quarter_bounds(quarter)
        picked = {"from": date(first.year, 1, 1).isoformat(), "to": last.isoformat(),
                  "as_of": min(last, today).isoformat(), "known_at": known_at}
        query, document = statistics_of({**picked, "by": "group",
                                         "group_id": request.args.get("group_id")})
        companies = company_figures_of(picked)
    except ValidationError as error:
        raise Problem(422, "; ".join(f"{k} : {' '.join(v)}" for k, v in field_errors(error).items())) from None
    title = f"Bilan du comité de pilotage — {quarter.replace('-T', ', trimestre ')}"
    notes = [f"Parcours repérés du {first.replace(month=1):%d/%m/%Y} au {last:%d/%m/%Y}",
             f"Situation au {fr_date(document['as_of'])}",
             f"Établi avec ce qui était enregistré au {fr_date(query['known_at'])} (heure de Paris)"]
    chart_list = chart_set(document, "group")
    if request.args.get("format") == "pdf":
        return exports.download(bilan_pdf(title, notes, document, chart_list + company_charts(companies),
                                          query["known_at"], company_rows(companies)),
                                f"bilan-{quarter}.pdf", "application/pdf")
    return render_template("pages/bilan.html", title=title, notes=notes, document=document,
                           charts=chart_list, quarter=quarter, known_at=known_at,
                           key_label=key_label, RATE_LABELS=RATE_LABELS,
                           FUNNEL_LABELS=FUNNEL_LABELS, LABELS=LABELS, companies=companies,
                           company_rows=company_rows(companies),
                           company_charts=company_charts(companies))


def bilan_pdf(title: str, notes: list[str], document: dict, chart_list, known_at: datetime,
              company_table: list[tuple] = ()) -> bytes:
    """The bilan as a PDF: figures (the companies' after the pathways'), charts; dated at
    `known_at` so a redraw is byte-identical."""
    pdf = exports.Document(title, landscape=False)
    pdf.set_creation_date(known_at)
    pdf.add_page()
    pdf.heading(title, notes)
    pdf.table_of(("Rubrique", "Indicateur", "Valeur"), table_rows(document, "group") + list(company_table),
                 widths=(50, 100, 30))
    for chart_title, svg in chart_list:
        if pdf.get_y() > 200:
            pdf.add_page()
        pdf.set_font("Helvetica", style="B", size=11)
        pdf.cell(0, 8, exports.pdf_text(chart_title), new_x="LMARGIN", new_y="NEXT")
        latin = svg.replace("—", "-").encode("latin-1", "replace")  # the SVG text's core font
        pdf.image(io.BytesIO(latin.decode("latin-1").encode()), w=170)
        pdf.ln(4)
    return bytes(pdf.output())
