"""The request's `TextReader`: texts about a person opened when a view shows them.

One reader per request (kept on `flask.g`): the keys of the pathways it opens texts for are read
once (`prime` reads many in one query: an agenda's pathways, an audit page's) and forgotten
with the request. Nothing is opened during replay, rebuild or decoding: only here, for what a
reader allowed to read it is shown (pseudonymised readers get the texts masked, unopened).
"""

from flask import g

from ..stores.sealed_texts import TextReader
from .context import web


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
