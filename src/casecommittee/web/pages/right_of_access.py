"""The right-of-access page (RGPD, article 15): what is held about a person, in plain French,
printable, and the same document to download (JSON, as the API answers it).

From the pathway page, the person's referent or a co-pilot of their group — those who may read
the person's record (`/parcours/{id}/fiche`) — opens it for the person who asked. Each opening
and each download is an `export_personal_data` in the access log, as the API's export is. The
content is `queries/personal_export.py`'s: identity, consent, steps with the texts opened,
committee decisions; once the person is erased, the tombstone only.
"""

import json

from flask import Blueprint, g, render_template

from ...queries.companies import company_row
from ...queries.personal_export import NothingRecorded, PersonNotReadable, export_for
from ...stores.reference import groups, structures
from ..context import web
from ..problems import Problem
from ..schemas.pathways import PersonalData
from ..texts import texts
from ..views.common import visible_pathway
from . import role_required
from .exports import download
from .filters import fr_date, label
from .pathway import step_details

bp = Blueprint("right_of_access", __name__, url_prefix="/parcours")


def _exported(pathway_ref: str):
    """(pathway id, row, export) for a reader of the person's record; logged."""
    pathway_id, row = visible_pathway(pathway_ref)
    try:
        document = export_for(web().system, g.principal, pathway_id, row, texts(),
                              web().access_log)
    except PersonNotReadable as refused:
        raise Problem(403, str(refused)) from None
    except NothingRecorded as missing:
        raise Problem(404, str(missing)) from None
    return pathway_id, row, document


#: The profile's words, as the person reads them.
PROFILE_LABELS = {"sex": "Sexe", "birth_year": "Année de naissance",
                  "qpv_code": "Quartier prioritaire (code)",
                  "qualification_level": "Niveau de qualification", "flags": "Situations"}


def profile_in_words(profile: dict) -> list[tuple[str, str]]:
    """The profile recorded at identification, in words."""
    shown = {"sex": lambda v: label(v, "sex"),
             "qualification_level": lambda v: label(v, "qualification_level"),
             "flags": lambda v: ", ".join(label(f, "flag") for f in v)}
    return [(PROFILE_LABELS.get(name, name), shown.get(name, str)(value))
            for name, value in (profile or {}).items()
            if value not in (None, "", []) and name in PROFILE_LABELS]


def consent_in_words(consent: dict | None) -> str:
    """The consent to committee sharing, in a sentence."""
    if not consent:
        return "non renseigné"
    given = f" (accord donné le {fr_date(consent['given_on'])})" if consent.get("given_on") else ""
    if consent.get("committee_sharing"):
        return f"oui{given} : votre situation peut être présentée avec votre nom en comité"
    return "non : en comité, votre situation est présentée sans votre nom"


def facts_in_words(step: dict, names: dict) -> list[tuple[str, str]]:
    """A step's facts in words (the pathway page's words), its profile and consent spelled out."""
    data = step["data"]
    found = step_details({**step, "data": {k: v for k, v in data.items() if k != "consent"}},
                         names)
    if data.get("group_id"):
        found.insert(0, ("Groupe de travail", names.get(data["group_id"], data["group_id"])))
    if data.get("profile"):
        found += profile_in_words(data["profile"])
    if data.get("consent"):
        found.append(("Partage en comité", consent_in_words(data["consent"])))
    return found


def _names(document: dict) -> dict:
    """id → name of the structures, groups and companies the steps name."""
    system = web().system
    companies = {step["data"]["company_id"] for step in document["steps"]
                 if step["data"].get("company_id")}
    return {**{s["id"]: s["name"] for s in system.reference.rows(structures)},
            **{group["id"]: group["name"] for group in system.reference.rows(groups)},
            **{company_id: (company_row(system.engine, company_id) or {}).get("name", company_id)
               for company_id in companies}}


@bp.route("/<pathway_id>/droit-d-acces")
@role_required("referent", "copilot")
def show(pathway_id):
    """The export as a printable page."""
    _pid, row, document = _exported(pathway_id)
    return render_template("pages/right_of_access.html", row=row, ref=pathway_id,
                           document=document, names=_names(document), facts=facts_in_words,
                           consent=consent_in_words,
                           retention=_in_words(web().system.settings.retention_days))


def _in_words(days: int) -> str:
    """A retention period in French: « deux ans » for 730 days, else « 90 jours »."""
    years, rest = divmod(days, 365)
    if not rest and years:
        return {1: "un an", 2: "deux ans", 3: "trois ans"}.get(years, f"{years} ans")
    return f"{days} jours"


@bp.route("/<pathway_id>/droit-d-acces.json")
@role_required("referent", "copilot")
def download_json(pathway_id):
    """The export as a file (the API's document)."""
    pid, _row, document = _exported(pathway_id)
    content = json.dumps(PersonalData().dump(document), ensure_ascii=False, indent=2)
    return download(content, f"donnees-personnelles-{str(pid)[:8]}.json",
                    "application/json")
