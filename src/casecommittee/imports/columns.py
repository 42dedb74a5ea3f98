"""Our columns, and how a partner's own column names and values map to them.

Each column names the field of the API's identification (`IdentifyIn`) it fills; a partner's
header is recognised by its French name or a common synonym (accents, case and spaces aside),
or by the mapping saved for the partner's structure. Values typed in French ("femme", "oui",
"15/03/2007", "parent isolé") become the API's codes; whether they are then allowed is the
API's schema's and the domain's business (`imports.rows`), not this module's.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from ..stores.identity_index import normalised_name
from ..web.pages.filters import LABELS
from .vocabulary import COLUMN_KEYS


@dataclass(frozen=True)
class Column:
    """One of our columns: its header in the template, the request field it fills, its kind."""

    key: str
    path: str
    description: str
    kind: str = "text"  # text, date, choice, choices, yes_no, structure, phone
    required: bool = False
    labels: dict = field(default_factory=dict)
    synonyms: tuple[str, ...] = ()

    def allowed(self) -> str:
        """The allowed values, in French, as the template states them."""
        if self.kind in ("choice", "choices"):
            several = " (plusieurs possibles, séparés par des virgules)" if self.kind == "choices" else ""
            return " ; ".join(self.labels.values()) + several
        return {"date": "date JJ/MM/AAAA", "yes_no": "oui ; non",
                "structure": "identifiant ou nom d'une structure du territoire",
                "phone": "06 12 34 56 78 ou +33 6 12 34 56 78"}.get(self.kind, "texte libre")


COLUMNS = (
    Column("nom", "person.last_name", "nom de famille", required=True,
           synonyms=("nom de famille", "nom d'usage", "nom usage", "nom naissance", "last name",
                     "patronyme")),
    Column("prenom", "person.first_name", "prénom", required=True,
           synonyms=("prénom usuel", "first name", "prenoms")),
    Column("date_naissance", "person.birth_date", "date de naissance", "date", required=True,
           synonyms=("né le", "née le", "né(e) le", "naissance", "date de naiss", "ddn",
                     "birth date")),
    Column("telephone", "person.phone", "téléphone", "phone",
           synonyms=("tél", "tel", "portable", "mobile", "numéro de téléphone", "téléphone portable")),
    Column("email", "person.email", "adresse électronique",
           synonyms=("e-mail", "mail", "courriel", "adresse mail", "adresse électronique")),
    Column("adresse", "person.address", "adresse postale",
           synonyms=("adresse postale", "domicile")),
    Column("date_reperage", "identified_on", "date du repérage", "date", required=True,
           synonyms=("repéré le", "date repérage", "date d'entrée", "date entrée", "date orientation",
                     "date de prescription")),
    Column("canal", "channel", "canal du repérage", "choice", required=True,
           labels=LABELS["channel"], synonyms=("canal de repérage", "mode de repérage", "origine")),
    Column("structure_reperage", "identified_by_structure_id", "structure qui a repéré",
           "structure", synonyms=("structure", "prescripteur", "structure prescriptrice",
                                  "partenaire")),
    Column("sexe", "profile.sex", "sexe", "choice", required=True, labels=LABELS["sex"],
           synonyms=("genre", "civilité", "civilite")),
    Column("code_qpv", "profile.qpv_code", "code du quartier prioritaire (QPV)",
           synonyms=("qpv", "quartier prioritaire", "code quartier")),
    Column("niveau_qualification", "profile.qualification_level", "niveau de qualification",
           "choice", labels=LABELS["qualification_level"],
           synonyms=("niveau", "niveau de formation", "diplôme", "niveau d'étude", "niveau d'études")),
    Column("publics", "profile.flags", "publics particuliers", "choices", labels=LABELS["flag"],
           synonyms=("public", "situation", "critères", "statut")),
    Column("consentement", "consent.committee_sharing",
           "la personne consent au partage en comité", "yes_no", required=True,
           synonyms=("consentement partage", "accord partage", "accord", "consent")),
    Column("date_consentement", "consent.given_on", "date du consentement", "date",
           synonyms=("consentement le", "date accord")),
)
BY_KEY = {column.key: column for column in COLUMNS}
assert tuple(BY_KEY) == COLUMN_KEYS, "imports.vocabulary.COLUMN_KEYS lists every column"

BY_PATH = {column.path: column for column in COLUMNS}

_KNOWN = {normalised_name(name): column.key for column in COLUMNS
          for name in (column.key.replace("_", " "), column.description, *column.synonyms)}


def guess_mapping(headers: list[str], saved: dict | None = None) -> dict[str, str | None]:
    """partner header → our column key (None: left out), from the saved mapping first, then by
    name; each of our columns is taken by one header at most."""
    saved = saved or {}
    mapping: dict[str, str | None] = {}
    taken: set[str] = set()
    for header in headers:
        if not header or header in mapping:
            continue
        key = saved.get(header) if header in saved else _KNOWN.get(normalised_name(header))
        if key in BY_KEY and key not in taken:
            mapping[header] = key
            taken.add(key)
        else:
            mapping[header] = None
    return mapping


def check_mapping(mapping: dict) -> dict[str, list[str]]:
    """Errors of a mapping (field → messages): unknown columns, one column taken twice, a
    required column left out. Empty when it can be used."""
    errors: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    for header, key in mapping.items():
        if key is None:
            continue
        if key not in BY_KEY:
            errors.setdefault(header, []).append(
                f"« {key} » n'est pas une de nos colonnes ; colonnes possibles : {', '.join(BY_KEY)}")
        elif key in seen:
            errors.setdefault(header, []).append(
                f"la colonne « {key} » est déjà associée à « {seen[key]} »")
        else:
            seen[key] = header
    missing = [c.key for c in COLUMNS if c.required and c.key not in seen]
    if missing:
        errors.setdefault("mapping", []).append(
            "colonnes obligatoires sans correspondance : " + ", ".join(missing))
    return errors


_FR_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")
_YES = {"oui", "o", "x", "vrai", "1", "yes", "true", "ok"}
_NO = {"non", "n", "faux", "0", "no", "false"}
_SPLIT = re.compile(r"\s*[,;/|+]\s*")


class CellError(ValueError):
    """A cell whose value cannot be read as its column expects (French message, the cell's
    text between « and »)."""


#: A value a message quotes (the cells', the schemas' and the rules' messages quote the input
#: between « and »).
_QUOTED = re.compile(r"«[^»]*»")


def without_values(message: str) -> str:
    """A message with the values it quotes left out, for what is kept once the rows are gone
    (the import's report): a cell may hold a name or a birth date."""
    return _QUOTED.sub("« … »", message)


def _choice(column: Column, text: str) -> str:
    wanted = normalised_name(text)
    for code, label in column.labels.items():
        if wanted in (normalised_name(code), normalised_name(label)):
            return code
    raise CellError(f"« {text} » n'est pas reconnu ; valeurs possibles : "
                    + " ; ".join(column.labels.values()))


def cell_value(column: Column, text: str, structures: dict[str, str]):
    """The request value of a non-empty cell; CellError when it cannot be read. `structures`
    maps normalised names and ids of the territory's structures to their id."""
    if column.kind == "date":
        found = _FR_DATE.match(text)
        if found:
            day, month, year = (int(x) for x in found.groups())
        elif _ISO_DATE.match(text):
            year, month, day = (int(x) for x in _ISO_DATE.match(text).groups())
        else:
            raise CellError(f"« {text} » n'est pas une date : JJ/MM/AAAA attendu, ex. 15/03/2007")
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            raise CellError(f"« {text} » n'est pas une date du calendrier") from None
    if column.kind == "choice":
        return _choice(column, text)
    if column.kind == "choices":
        codes = [_choice(column, part) for part in _SPLIT.split(text) if part]
        return list(dict.fromkeys(codes))
    if column.kind == "yes_no":
        answer = normalised_name(text)
        if answer in _YES or answer in _NO:
            return answer in _YES
        raise CellError(f"« {text} » : oui ou non attendu")
    if column.kind == "structure":
        found = structures.get(normalised_name(text)) or structures.get(text)
        if found is None:
            raise CellError(f"structure « {text} » inconnue sur votre territoire")
        return found
    if column.kind == "phone" and text.isdigit() and len(text) == 9 and text[0] in "1234567":
        return "0" + text  # a spreadsheet that took the number for a number dropped its 0
    return text


def request_body(cells: dict[str, str], group_id: str, structures: dict[str, str]) -> tuple[dict, dict]:
    """(identification body as the API takes it, errors by column key) from a row's cells keyed
    by our column keys. Empty cells are left out, so the schema's defaults and requirements
    apply as they do to the API."""
    body: dict = {"group_id": group_id, "person": {}, "profile": {}, "consent": {}}
    errors: dict[str, list[str]] = {}
    for key, text in cells.items():
        if not text:
            continue
        column = BY_KEY[key]
        try:
            value = cell_value(column, text, structures)
        except CellError as error:
            errors.setdefault(key, []).append(str(error))
            continue
        *parents, name = column.path.split(".")
        target = body
        for parent in parents:
            target = target[parent]
        target[name] = value
    return body, errors
