"""The request's `TextReader`: texts about a person opened when a view shows them.

One reader per request (kept on `flask.g`): the keys of the pathways it opens texts for are read
once (`prime` reads many in one query: an agenda's pathways, an audit page's) and forgotten
with the request. Nothing is opened during replay, rebuild or decoding: only here, for what a
reader allowed to read it is shown: whoever may read the person's identity (their referent, a
co-pilot of their group). The others who see the pathway get the texts masked, unopened: an
auditor, and a colleague of the group who is not the person's referent (a text about a person
may name them: « Inès Benali : situation familiale »), as they get no identity.
"""

from flask import g

from ..queries.step_documents import MASK
from ..stores.sealed_texts import TextReader
from .context import current_principal, web


def texts() -> TextReader:
    """This request's reader of sealed texts."""
    reader = g.get("sealed_texts")
    if reader is None:
        reader = g.sealed_texts = TextReader(web().system.personal_data)
    return reader


def opener(pathway_id):
    """The opener of one pathway's texts; the request's reader is reached only when a text is
    opened (a write's answer without a text reads no key)."""
    return lambda value: texts().open(pathway_id, value)


def _masked(value):
    return MASK if value else value


def reader_opener(pathway_id, row: dict):
    """The opener of one pathway's texts for the request's caller: `opener` when they may
    read the person (`Principal.reads_person` on the pathway's row), else one that masks every
    text without reading any key."""
    if current_principal().reads_person(row):
        return opener(pathway_id)
    return _masked
