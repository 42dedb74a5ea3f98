"""Opaque cursors: the position after which the next page starts, base64-encoded JSON."""

import base64
import json

from .problems import Problem


def encode_cursor(value) -> str:
    """The cursor of a position (any JSON value)."""
    return base64.urlsafe_b64encode(json.dumps(value, default=str).encode()).decode().rstrip("=")


def invalid_cursor() -> Problem:
    """The 400 of a cursor this server did not give."""
    return Problem(400, "curseur invalide : reprenez `next_cursor` de la page précédente",
                   type_="invalid_cursor", errors={"cursor": ["curseur invalide"]})


def decode_cursor(cursor: str | None, kind: type | tuple = (list, int, str)):
    """The position a cursor stands for; 400 for a cursor this server did not give."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        value = None
    if not isinstance(value, kind):
        raise invalid_cursor()
    return value


def decode_keyset(cursor: str | None, parse_first) -> tuple | None:
    """A `[sort value, id]` cursor as `(parse_first(sort value), id)`; 400 if it is not one."""
    after = decode_cursor(cursor, list)
    if after is None:
        return None
    try:
        first, last_id = after
        return parse_first(first), str(last_id)
    except (ValueError, TypeError):
        raise invalid_cursor() from None


def page(rows: list, limit: int, position_of) -> dict:
    """`{"items", "next_cursor"}` from `limit + 1` fetched rows."""
    items = rows[:limit]
    more = len(rows) > limit
    return {"items": items, "next_cursor": encode_cursor(position_of(items[-1])) if more else None}
