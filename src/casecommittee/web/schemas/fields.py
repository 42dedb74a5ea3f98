"""The fields every request schema is made of: text that cannot carry hostile characters, strict
JSON types, dates in a sane window, phone numbers, e-mail addresses and SIRETs that are real.

Each field refuses what it cannot store safely with a French message saying what to send, so a
request is refused at the door (422, field by field) and nothing odd ever reaches the store.
"""

import re
import unicodedata
from datetime import date, timedelta

import phonenumbers
from marshmallow import ValidationError, fields, validate

from ...domain.siret import is_valid_siret

#: Characters no text may carry: C0 and C1 controls (NUL included), DEL, lone surrogates, the
#: non-characters U+FFFE/U+FFFF, and in one-line text the Unicode line and paragraph separators.
_ONE_LINE_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\ufffe\uffff]")
#: Multi-line text (notes) may also hold tabs and line breaks.
_MULTILINE_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

#: No business date of the Cités de l'emploi (created in 2019) is older than this.
EARLIEST_BUSINESS_DATE = date(2000, 1, 1)
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


_NAMES = {"\x00": "NUL", "\t": "tabulation", "\n": "saut de ligne", "\r": "retour chariot",
          "\u2028": "séparateur de ligne", "\u2029": "séparateur de paragraphe"}


def _describe(char: str) -> str:
    if "\ud800" <= char <= "\udfff":
        name = "demi-paire de substitution isolée"
    else:
        name = _NAMES.get(char) or unicodedata.name(char, "caractère de contrôle")
    return f"U+{ord(char):04X} ({name})"


class Text(fields.String):
    """A string of a request: NFC-normalised, trimmed, never blank, and without lone surrogates,
    NUL or control characters (`multiline=True` allows tabs and line breaks, as in notes)."""

    default_error_messages = {
        "required": "champ obligatoire",
        "null": "ne peut pas être null : omettez le champ ou donnez une valeur",
        "invalid": "une chaîne de caractères est attendue",
        "invalid_utf8": "texte UTF-8 invalide",
        "blank": "ne peut pas être vide ni ne contenir que des espaces : "
                 "omettez le champ ou donnez une valeur",
        "forbidden": "caractère interdit {char} en position {position} : retirez-le "
                     "(tabulations et retours à la ligne ne sont permis que dans les notes)",
    }

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.multiline = multiline
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        value = super()._deserialize(value, attr, data, **kwargs)
        forbidden = (_MULTILINE_FORBIDDEN if self.multiline else _ONE_LINE_FORBIDDEN).search(value)
        if forbidden:
            raise self.make_error("forbidden", char=_describe(forbidden.group()),
                                  position=forbidden.start() + 1)
        value = unicodedata.normalize("NFC", value).strip()
        if self.multiline:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        if not value:
            raise self.make_error("blank")
        return value


#: Free-text labels (scheme, names, reasons) are at most 200 characters (api.md).
LABEL = validate.Length(min=1, max=200, error="de {min} à {max} caractères")


def label(**kwargs) -> Text:
    """A one-line free-text label of at most 200 characters."""
    return Text(validate=LABEL, **kwargs)


def optional_label(**kwargs) -> Text:
    """An optional one-line label (null allowed)."""
    return Text(validate=LABEL, allow_none=True, load_default=None, **kwargs)


def note_text(**kwargs) -> Text:
    """An optional free-text note: at most 200 characters, tabs and line breaks allowed."""
    return Text(multiline=True, validate=LABEL, allow_none=True, load_default=None, **kwargs)


def identifier(**kwargs) -> Text:
    """An id named in a request (a UUID, or a short code of the reference data)."""
    return Text(validate=validate.Length(min=1, max=64, error="de {min} à {max} caractères"), **kwargs)


def one_of(choices, **kwargs) -> Text:
    """A code from one of the closed lists of `domain.vocabulary`."""
    return Text(validate=validate.OneOf(choices, error="« {input} » n'est pas reconnu ; "
                                                       "valeurs possibles : {choices}"), **kwargs)


class Boolean(fields.Boolean):
    """A JSON boolean, `true` or `false`, nothing else (`"yes"`, `1` and `"true"` are refused)."""

    default_error_messages = {"required": "champ obligatoire",
                              "invalid": "true ou false (booléen JSON) est attendu"}

    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        if value is True or value is False:
            return value
        raise self.make_error("invalid")


class QueryFlag(fields.Boolean):
    """A boolean of the query string: `true`/`false` (or `1`/`0`)."""

    truthy = {"true", "1"}
    falsy = {"false", "0"}
    default_error_messages = {"invalid": "true ou false est attendu"}


class Integer(fields.Integer):
    """A JSON integer (`"35"`, `35.5` and `true` are refused)."""

    default_error_messages = {"required": "champ obligatoire",
                              "invalid": "un nombre entier (JSON) est attendu"}

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        if not isinstance(value, int | float) or value is True or value is False:
            raise self.make_error("invalid")
        return super()._validated(int(value) if isinstance(value, float) else value)


class Number(fields.Float):
    """A JSON number (`"35"` and `true` are refused; no NaN nor infinity)."""

    default_error_messages = {"required": "champ obligatoire",
                              "invalid": "un nombre (JSON) est attendu",
                              "special": "un nombre fini est attendu"}

    def _validated(self, value):
        if not isinstance(value, int | float) or value is True or value is False:
            raise self.make_error("invalid")
        return super()._validated(value)


def _today() -> date:
    """Today by the serving system's clock (the real date outside a request)."""
    from flask import current_app, has_app_context

    if has_app_context() and "casecommittee" in current_app.extensions:
        return current_app.extensions["casecommittee"].system.clock.today()
    return date.today()


class Day(fields.Date):
    """An ISO date (`2026-03-02`) within a sane window: not before `earliest` and at most
    `days_ahead` days after today (business dates in the future are then refused by the rules
    with their own message)."""

    default_error_messages = {
        "required": "champ obligatoire",
        "invalid": "date attendue au format AAAA-MM-JJ, ex. 2026-03-02",
        "too_early": "date invraisemblable : au plus tôt le {earliest:%d/%m/%Y}",
        "too_late": "date invraisemblable : au plus tard le {latest:%d/%m/%Y}",
    }

    def __init__(self, *, earliest: date = EARLIEST_BUSINESS_DATE, days_ahead: int = 366, **kwargs):
        self.earliest, self.days_ahead = earliest, days_ahead
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        day = super()._deserialize(value, attr, data, **kwargs)
        if day < self.earliest:
            raise self.make_error("too_early", earliest=self.earliest)
        latest = _today() + timedelta(days=self.days_ahead)
        if day > latest:
            raise self.make_error("too_late", latest=latest)
        return day


def birth_day(**kwargs) -> Day:
    """A birth date: from 1900 on, not in the future."""
    return Day(earliest=EARLIEST_BIRTH_DATE, days_ahead=0, **kwargs)


class Phone(Text):
    """A French or international phone number (`06 12 34 56 78`, `+33 6 12 34 56 78`), stored
    as typed (trimmed); checked with libphonenumber."""

    default_error_messages = {
        "phone": "numéro de téléphone invalide : un numéro français (06 12 34 56 78) ou "
                 "international (+33 6 12 34 56 78) est attendu",
    }

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        value = super()._deserialize(value, attr, data, **kwargs)
        if len(value) > 30 or not re.fullmatch(r"\+?[0-9 .()/-]+", value):
            raise self.make_error("phone")
        try:
            number = phonenumbers.parse(value, "FR")
        except phonenumbers.NumberParseException:
            raise self.make_error("phone") from None
        if not phonenumbers.is_valid_number(number):
            raise self.make_error("phone")
        return value


def email_address(**kwargs) -> Text:
    """An e-mail address (marshmallow's check), at most 254 characters."""
    return Text(validate=[validate.Length(max=254, error="au plus {max} caractères"),
                          validate.Email(error="adresse e-mail invalide, ex. prenom.nom@exemple.fr")],
                metadata={"format": "email"}, **kwargs)


class Siret(Text):
    """A SIRET: 14 digits with a valid checksum (spaces between the groups are removed)."""

    default_error_messages = {
        "siret": "SIRET invalide : 14 chiffres dont la clé de contrôle est juste "
                 "(voir l'avis de situation SIRENE de l'établissement)",
    }

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        value = super()._deserialize(value, attr, data, **kwargs).replace(" ", "")
        if not is_valid_siret(value):
            raise self.make_error("siret")
        return value


def distinct(values: list) -> None:
    """Refuses a list that names the same value twice (a list used as a set)."""
    seen = [v for i, v in enumerate(values) if v in values[:i]]
    if seen:
        raise ValidationError(f"« {seen[0]} » figure deux fois : chaque valeur une seule fois")


def codes(choices, **kwargs) -> fields.List:
    """A set of codes from a closed list, sent as a JSON array without duplicates."""
    return fields.List(one_of(choices), validate=[distinct, validate.Length(max=len(choices))],
                       metadata={"uniqueItems": True}, **kwargs)
