"""How a JSON body is read: not JSON → 415, over the configured size → 413, nested too deep → 400,
each as a problem document, and never a recursion blow-up.

flask-smorest reads bodies with a webargs parser; `Blueprint` plugs `JsonBodyParser` into every
route. The size limit is Flask's `MAX_CONTENT_LENGTH` (werkzeug refuses a longer body before
reading it); the nesting depth is counted on the raw text before `json.loads` sees it.
"""

import json
import re
from http import HTTPStatus

import flask_smorest
from flask import current_app
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from .problems import Problem

#: What reading a JSON body may answer: malformed or too deep, too big, not JSON.
BODY_ERRORS = (400, 413, 415)
#: No request of this API nests deeper than 4 (a correction's changes.profile.flags).
DEFAULT_MAX_JSON_DEPTH = 20
#: A JSON string literal (escapes included); brackets inside strings do not nest anything.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")


def json_depth(text: str) -> int:
    """How deep arrays and objects nest in a JSON text (0 for a scalar), counted without parsing."""
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub('""', text))
    depth = deepest = 0
    for bracket in brackets:
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


class JsonBodyParser(FlaskParser):
    """webargs' Flask parser, refusing what is not JSON or nests too deep before parsing it."""

    def _raw_load_json(self, req):
        """The parsed body, `missing` when there is none; 415/413/400 problems otherwise."""
        has_body = bool(req.content_length) or req.headers.get("Transfer-Encoding")
        if not is_json_request(req):
            if has_body:
                raise Problem(415, f"le corps de la requête doit être du JSON (Content-Type: "
                              f"application/json), pas {req.mimetype or 'sans type'}",
                              type_="unsupported_media_type")
            return core.missing
        raw = req.get_data(cache=True)  # 413 from werkzeug past MAX_CONTENT_LENGTH
        text = raw.decode("utf-8")  # invalid UTF-8: webargs answers 400
        limit = current_app.config.get("MAX_JSON_DEPTH", DEFAULT_MAX_JSON_DEPTH)
        if json_depth(text) > limit:
            raise Problem(400, f"le JSON est imbriqué sur plus de {limit} niveaux",
                          type_="json_too_deep", errors={"body": [f"au plus {limit} niveaux"]})
        try:
            return core.parse_json(text)
        except json.JSONDecodeError:
            raise
        except (ValueError, RecursionError):  # e.g. an integer of more than 4,300 digits
            raise Problem(400, "le JSON contient une valeur illisible (nombre trop long)",
                          type_="invalid_json", errors={"body": ["nombre trop long"]}) from None


    def load_files(self, req, schema):
        """A multipart body: its files and its other fields together (an upload and the
        options that go with it, documented as one `multipart/form-data` schema)."""
        return MultiDictProxy(CombinedMultiDict([req.files, req.form]), schema)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint reading bodies with `JsonBodyParser`; a route with a JSON body
    documents its 400, 413 and 415 problems."""

    ARGUMENTS_PARSER = JsonBodyParser()

    def arguments(self, schema, *, location="json", **kwargs):
        """flask-smorest's `arguments`, plus the body's own errors for a JSON body. A schema
        class is made an instance once, here: given a class, webargs makes one per request
        (copying every field: ~0.1 ms a request for a write's four; loading keeps no state
        in the schema, as `schemas.steps._variant` relies on too)."""
        if isinstance(schema, type):
            schema = schema()
        decorator = super().arguments(schema, location=location, **kwargs)
        if location != "json":
            return decorator

        def documented(view):
            view = decorator(view)
            for status in BODY_ERRORS:
                view = self.alt_response(status, response=HTTPStatus(status).name)(view)
            return view

        return documented
