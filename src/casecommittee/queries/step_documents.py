"""One recorded step as a document, shown as the caller may see it: its free text masked for
pseudonymised readers, or opened.

Free text about the person is stored sealed (`stores/sealed_texts.py`): the builders take
`opened`, an opener of the pathway's texts (the request's, `web/texts.py`; the export's,
`queries/personal_export.py`), and show what it gives (the text, or the erasure's
placeholder); masked texts are not opened. The history (API and page), the audit's replay and
the right-of-access export show steps so; the pathway document (`web/documents.py`) masks and
dates its own fields with the same words.
"""

from datetime import date

from ..domain.steps import Step

#: Free-text fields that may name the person: masked for pseudonymised readers.
FREE_TEXT = ("note", "reason")
MASK = "[masqué]"


def as_stored(value):
    """A text as it is stored (what a builder shows without an opener: company notes)."""
    return value


def opened_texts(data: dict, opened) -> dict:
    """The fields with their free text (`FREE_TEXT`, and in a correction's `changes`) opened,
    masked ones left masked."""
    shown = {name: opened(value) if name in FREE_TEXT and value and value != MASK else value
             for name, value in data.items()}
    if isinstance(shown.get("changes"), dict):
        shown["changes"] = opened_texts(shown["changes"], opened)
    return shown


def masked(fields: dict) -> dict:
    """The fields with their free text (`FREE_TEXT`, which may name the person) masked."""
    return {name: MASK if name in FREE_TEXT and value else value for name, value in fields.items()}


def step_document(step: Step, *, pseudonymised: bool = False, opened=as_stored) -> dict:
    """One history item: version, step, both dates, actor and the step's fields (its free
    text opened by `opened`)."""
    data = dict(step.data)
    if pseudonymised:  # a correction's own reason too: free text about the person, no pseudonym
        data = masked(data)
        if isinstance(data.get("changes"), dict):
            data["changes"] = masked(data["changes"])
    data = opened_texts(data, opened)
    return {"version": step.version, "step": step.code, "occurred_on": step.occurred_on,
            "recorded_at": step.recorded_at, "actor": step.actor or {}, "data": jsonable(data)}


def jsonable(value):
    """Dates inside free-form objects as ISO strings."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
