"""Responses that always encode: text stored before the door was shut (a lone surrogate in a
person's name, say) is shown with U+FFFD instead of failing the whole read with a 500."""

import re

import flask

_SURROGATE = re.compile("[\ud800-\udfff]")


def encodable(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD (a proper pair becomes its character)."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


class Response(flask.Response):
    """Flask's response, whose text body is made encodable before it is encoded (JSON, HTML, CSV
    and problem documents alike)."""

    def set_data(self, value: bytes | str) -> None:
        """Sets the body, replacing what UTF-8 cannot encode."""
        super().set_data(encodable(value) if isinstance(value, str) else value)
