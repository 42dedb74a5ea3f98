"""The flask-smorest `Api`, made to document problem+json errors and `oneOf` request bodies."""

from flask_smorest import Api as SmorestApi
from flask_smorest.utils import prepare_response

from .openapi import typed_property
from .problems import PROBLEM_CONTENT_TYPE, handle_http_exception
from .schemas.audit import COMPANY_DATA
from .schemas.common import ProblemSchema
from .schemas.situation import COMMITTEE_DATA, STEP_DATA

#: The bearer scheme every route but health and the documents requires.
SECURITY_SCHEMES = {"bearer": {"type": "http", "scheme": "bearer",
                               "description": "token printed by `casecommittee users add`"}}


class Api(SmorestApi):
    """flask-smorest's Api with RFC 9457 error responses and discriminated step bodies."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        """HTTP errors (routing, webargs validation, malformed JSON) as problem documents."""
        return handle_http_exception(error)

    def _register_responses(self):
        """Every error response is documented as `application/problem+json`."""
        import http

        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            content_type = self.DEFAULT_RESPONSE_CONTENT_TYPE
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                content_type = PROBLEM_CONTENT_TYPE
            if status == http.HTTPStatus.CONFLICT:
                response["headers"] = {"ETag": {
                    "description": "the pathway's current version when `If-Match` named an older one",
                    "schema": {"type": "string"}}}
            prepare_response(response, self.spec, content_type)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def _init_spec(self, *args, **kwargs):
        super()._init_spec(*args, **kwargs)
        self.spec.components.security_scheme("bearer", SECURITY_SCHEMES["bearer"])
        for schema in STEP_DATA + COMMITTEE_DATA + COMPANY_DATA:  # named by the events' `data`
            self.spec.components.schema(schema.__name__, schema=schema)
        converter = self.ma_plugin.converter
        plain = converter.schema2jsonschema
        field2property = converter.field2property
        converter.field2property = lambda field: typed_property(field2property(field), self.spec)
        field2parameter = converter._field2parameter

        def parameter(field, *, name, location):
            """A parameter is absent or has a value: never documented as nullable."""
            documented = field2parameter(field, name=name, location=location)
            schema = documented.get("schema", {})
            schema.pop("nullable", None)
            if list(schema) == ["oneOf"] and len(schema["oneOf"]) == 1:
                documented["schema"] = schema["oneOf"][0]
            return documented

        converter._field2parameter = parameter

        def schema2jsonschema(schema):
            variants = getattr(schema, "variants", None)
            if not variants:
                return plain(schema)
            field = schema.discriminator
            refs = {code: converter.resolve_nested_schema(s) for code, s in variants.items()}
            return {
                "oneOf": list(refs.values()),
                "discriminator": {"propertyName": field,
                                  "mapping": {code: ref["$ref"] for code, ref in refs.items()}},
            }

        converter.schema2jsonschema = schema2jsonschema
