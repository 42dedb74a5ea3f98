"""Request and response headers: optimistic concurrency (`If-Match` / `ETag`) and safe
retries (`Idempotency-Key` / `Idempotent-Replayed`)."""

from marshmallow import Schema, validate

from .fields import Text


class IfMatchHeaders(Schema):
    """Optimistic concurrency: the write happens only on the version read."""

    if_match = Text(
        data_key="If-Match", load_default=None,
        validate=validate.Regexp(r'^(W/)?"?\d{1,9}"?$', error='attendu : "<version>", ex. "3"'),
        metadata={"description": "the pathway's version read (its ETag), e.g. \"3\"; "
                                 "a stale one gives 409 and writes nothing"},
    )


class IdempotencyHeaders(Schema):
    """Safe retries."""

    idempotency_key = Text(
        data_key="Idempotency-Key", load_default=None, validate=validate.Length(1, 200),
        metadata={"description": "a retried request with the same key and body gets the first "
                                 "answer (with `Idempotent-Replayed: true`) and writes nothing "
                                 "new; the same key with another body is 422"},
    )


#: Response headers, as documented on each operation.
ETAG = {"ETag": {"description": 'the pathway\'s version, e.g. "3" (send it back as If-Match)',
                 "schema": {"type": "string"}}}
LOCATION = {"Location": {"description": "the pathway's URL", "schema": {"type": "string"}}}
REPLAYED = {"Idempotent-Replayed": {
    "description": "`true` when this is the first answer to an `Idempotency-Key` again",
    "schema": {"type": "string", "enum": ["true"]}}}
