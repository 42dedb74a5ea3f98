"""Hostile requests generated from the OpenAPI document: every string field of every write route
and every query parameter gets lone surrogates, NUL, control characters, 1 MB strings and
whitespace-only values; every field gets wrong JSON types; every body route gets bodies that are
not JSON, too deep or too big. `run` sends them all and sorts the answers.

A request is *refused well* when it gets a 4xx problem document that, for a 422, names the field
that was spoiled; a 2xx is *wrongly accepted*; a 5xx is a *server error*. The base body of each
route is valid (it is sent last and must be accepted), so a refusal is the spoiled field's doing.
"""

import copy
import json
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from casecommittee.stores.access_log import access_log
from casecommittee.stores.personal_data import personal_data_table
from casecommittee.stores.reference import groups, structures, territories

#: Replaces a whole string value.
HOSTILE_STRINGS = {
    "lone surrogate": "Ba\ud800se",
    "NUL": "Ba\x00se",
    "control character": "Ba\x1b[2Jse",
    "C1 control": "Ba\x85se",
    "DEL": "Ba\x7fse",
    "line break": "Ba\nse",
    "1 MB string": "x" * 1_000_000,
    "10 kB string": "x" * 10_000,
    "whitespace only": " \u00a0 ",
    "empty": "",
}
#: Query strings are percent-encoded UTF-8: a lone surrogate cannot be sent in one (werkzeug
#: reads invalid UTF-8 as U+FFFD), the others can.
HOSTILE_QUERY = {k: v for k, v in HOSTILE_STRINGS.items() if k not in ("lone surrogate", "empty")}

WRONG_TYPES = {
    "string": [123, True, ["x"], {"x": 1}],
    "boolean": ["yes", "true", 1, 0],
    "integer": ["35", 35.5, True, "1e3"],
    "number": ["35", True, "NaN"],
    "array": ["rsa", {"x": 1}],
    "object": ["x", ["x"], 1],
}
WRONG_QUERY_TYPES = {"integer": ["abc", "1.5", "1e3"], "boolean": ["yes", "2"],
                     "date": ["9999-12-31", "1900-01-01", "31/12/2026"]}


@dataclass
class Tally:
    """What the hostile requests got."""

    tried: int = 0
    #: What was stored after the last request (the state the next one must leave as it is).
    last: dict | None = None
    refused: int = 0
    server_errors: list = field(default_factory=list)
    accepted: list = field(default_factory=list)
    misreported: list = field(default_factory=list)
    wrote: list = field(default_factory=list)

    def summary(self) -> str:
        """One line of figures."""
        return (f"hostile inputs tried={self.tried} refused well={self.refused} "
                f"5xx={len(self.server_errors)} wrongly accepted={len(self.accepted)} "
                f"misreported={len(self.misreported)} wrote={len(self.wrote)}")

    def problems(self) -> list[str]:
        """Every request that was not refused well, described."""
        return [f"{kind}: {what}" for kind, items in (
            ("5xx", self.server_errors), ("accepted", self.accepted),
            ("misreported", self.misreported), ("wrote", self.wrote)) for what in items]


def resolve(spec: dict, schema: dict) -> dict:
    """A schema with its $ref followed."""
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def kind_of(schema: dict) -> str:
    """The JSON type of a property."""
    return schema.get("type") or ("object" if "properties" in schema else "string")


def properties(spec: dict, schema: dict, path: tuple = ()):
    """(path, property schema) of every property, nested objects and array items included."""
    schema = resolve(spec, schema)
    for name, prop in schema.get("properties", {}).items():
        prop = resolve(spec, prop)
        yield path + (name,), prop
        if kind_of(prop) == "object":
            yield from properties(spec, prop, path + (name,))
        elif kind_of(prop) == "array" and kind_of(resolve(spec, prop["items"])) == "string":
            yield path + (name, 0), resolve(spec, prop["items"])


def spoiled(base: dict, path: tuple, value) -> dict:
    """A copy of `base` with the value at `path` replaced (missing objects on the way created)."""
    body = copy.deepcopy(base)
    target = body
    for key, following in zip(path, path[1:], strict=False):
        if isinstance(target, dict) and not isinstance(target.get(key), dict | list):
            target[key] = [] if isinstance(following, int) else {}
        target = target[key]
    if isinstance(target, list) and len(target) <= path[-1]:
        target.append(value)
    else:
        target[path[-1]] = value
    return body


def mutations(spec: dict, schema: dict, base: dict):
    """(label, field path, body) of every hostile variation of `base`."""
    for path, prop in properties(spec, schema):
        name = ".".join(map(str, path))
        kind = kind_of(prop)
        if kind == "string":
            for label, value in HOSTILE_STRINGS.items():
                if label == "line break" and path[-1] == "note":
                    continue  # notes are multi-line
                yield f"{name}: {label}", name, spoiled(base, path, value)
        for value in WRONG_TYPES[kind]:
            yield f"{name}: {kind} given {value!r}", name, spoiled(base, path, value)
        if not prop.get("nullable") and not isinstance(path[-1], int):
            yield f"{name}: null", name, spoiled(base, path, None)
        if kind == "array" and prop.get("uniqueItems"):
            item = resolve(spec, prop["items"]).get("enum", ["x"])[0]
            yield f"{name}: duplicates", name, spoiled(base, path, [item, item])


#: A 10 MB JSON body, built once.
TEN_MB = json.dumps({"name": "x" * 10_000_000})


def raw_bodies():
    """(label, keyword arguments of the test client) of bodies that are not acceptable JSON."""
    yield "text/plain body", {"data": "name=x", "content_type": "text/plain"}
    yield "form body", {"data": {"name": "x"}}
    yield "JSON 5,000 deep", {"data": "[" * 5000 + "]" * 5000, "content_type": "application/json"}
    yield "JSON 100 deep", {"data": '{"a":' * 100 + "1" + "}" * 100,
                            "content_type": "application/json"}
    yield "10 MB body", {"data": TEN_MB, "content_type": "application/json"}
    yield "invalid UTF-8", {"data": b'{"name": "\xff\xfe"}', "content_type": "application/json"}
    yield "5,000-digit number", {"data": '{"name": ' + "9" * 5000 + "}",
                                 "content_type": "application/json"}


def stored(system) -> dict:
    """What a refused request must leave as it was: how many events (idempotency keys' answers
    included), reference rows, personal data records and write entries of the access log."""
    tables = (territories, groups, structures, personal_data_table)
    counted = [select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables]
    writes = (select(func.count()).select_from(access_log)
              .where(access_log.c.action.in_(("identify", "log_step", "erase_personal_data")))
              .scalar_subquery().label("writes"))
    with system.engine.connect() as conn:
        row = conn.execute(select(*counted, writes)).one()
    return {"events": system.app.recorder.max_notification_id() or 0, **row._mapping}


def judge(tally: Tally, system, what: str, response, field_name: str | None) -> None:
    """Sorts one answer into the tally (and what it wrote, compared with the last state)."""
    tally.tried += 1
    status = response.status_code
    before, after = tally.last, stored(system)
    tally.last = after
    if before != after:
        tally.wrote.append(f"{what} → {status}")
    if status >= 500:
        tally.server_errors.append(f"{what} → {status}")
    elif status < 400:
        tally.accepted.append(f"{what} → {status}")
    elif response.content_type != "application/problem+json":
        tally.misreported.append(f"{what} → {status} {response.content_type}")
    elif status == 422 and field_name and not any(
            key == field_name or key.startswith(field_name + ".")
            for key in (response.get_json().get("errors") or {})):
        tally.misreported.append(f"{what} → 422 {sorted(response.get_json().get('errors') or {})}")
    else:
        tally.refused += 1


@dataclass
class Route:
    """A write route with a valid body to spoil."""

    method: str
    url: str
    schema: dict
    base: dict
    headers: dict
    accepted: int


def send(client, route: Route, **kwargs):
    """Sends a request to a route."""
    return client.open(route.url, method=route.method, headers=route.headers, **kwargs)


def attack_body(client, system, spec: dict, route: Route, tally: Tally) -> None:
    """Every hostile body for one route, then the valid base body (which must be accepted)."""
    tally.last = stored(system)
    for what, name, body in mutations(spec, route.schema, route.base):
        answer = send(client, route, data=json.dumps(body), content_type="application/json")
        judge(tally, system, f"{route.method} {route.url} {what}", answer, name)
    for what, kwargs in raw_bodies():
        answer = send(client, route, **kwargs)
        judge(tally, system, f"{route.method} {route.url} {what}", answer, None)
    answer = send(client, route, json=route.base)
    assert answer.status_code == route.accepted, (route.url, answer.get_json())


def attack_query(client, system, spec: dict, url: str, headers: dict, tally: Tally) -> None:
    """Every hostile value of every query parameter of a read route."""
    operation = spec["paths"][url]["get"]
    tally.last = stored(system)
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "query":
            continue
        schema = resolve(spec, parameter.get("schema", {}))
        kind = "date" if schema.get("format") == "date" else kind_of(schema)
        values = dict(HOSTILE_QUERY) if kind == "string" else {}
        values.update({f"{kind} given {v!r}": v for v in WRONG_QUERY_TYPES.get(kind, [])})
        for label, value in values.items():
            answer = client.get(url, query_string={parameter["name"]: value}, headers=headers)
            judge(tally, system, f"GET {url}?{parameter['name']}: {label}", answer,
                  parameter["name"])


def read_routes(spec: dict) -> list[str]:
    """Every GET route of the document."""
    return [url for url, operations in spec["paths"].items() if "get" in operations]


def statuses(answers) -> Counter:
    """How many answers got each status."""
    return Counter(a.status_code for a in answers)
