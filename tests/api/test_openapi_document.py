"""The OpenAPI document as a partner reads it: valid for a third-party validator, every
operation named by a stable `operationId`, typed enough for a generated client."""

import json
from pathlib import Path

import pytest
from openapi_spec_validator import validate

#: operationId → "METHOD path": what partners' generated functions are named after.
SNAPSHOT = Path(__file__).with_name("operation_ids.json")


@pytest.fixture
def document(client):
    """The served OpenAPI document."""
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    return answer.get_json()


def _operations(document: dict) -> dict[str, str]:
    return {operation.get("operationId"): f"{method.upper()} {path}"
            for path, item in document["paths"].items()
            for method, operation in item.items() if method != "parameters"}


def test_a_third_party_validator_accepts_the_document(document):
    validate(document)


def test_every_operation_keeps_its_operation_id(document):
    served = _operations(document)
    snapshot = json.loads(SNAPSHOT.read_text())
    assert None not in served, "an operation has no operationId"
    changed = {oid: (route, served.get(oid)) for oid, route in snapshot.items()
               if served.get(oid) != route}
    assert not changed, f"operationIds partners rely on disappeared or moved: {changed}"
    assert set(served) == set(snapshot), (
        f"new operations: add them to {SNAPSHOT.name}: {sorted(set(served) - set(snapshot))}")


def test_the_agenda_documents_json_and_its_printable_alternates(document):
    for path in ("/api/v1/committees/{session_id}/agenda", "/api/v1/committees/{session_id}/minutes"):
        operation = document["paths"][path]["get"]
        ok = operation["responses"]["200"]
        assert ok["description"]
        assert ok["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Agenda"}
        assert {"text/html", "text/csv"} <= set(ok["content"])
        assert "Accept" in [p["name"] for p in operation["parameters"] if p["in"] == "header"]


def test_nullable_objects_and_enums_are_named_references(document):
    schemas = document["components"]["schemas"]
    assert schemas["Pathway"]["properties"]["referent"] == {
        "oneOf": [{"$ref": "#/components/schemas/Referent"}], "nullable": True}
    text = json.dumps(document)
    assert '{"type": "object", "nullable": true}' not in text
    assert "null]" not in text.replace(" ", ""), "an enum lists null among its values"
    assert schemas["Stage"]["enum"][0] == "identified"
    assert schemas["Pathway"]["properties"]["stage"] == {"$ref": "#/components/schemas/Stage"}
    assert schemas["Pathway"]["properties"]["current_job"] == {
        "oneOf": [{"$ref": "#/components/schemas/CurrentJob"}], "nullable": True}


def test_only_requests_refuse_unknown_members(document):
    schemas = document["components"]["schemas"]
    for name in ("Problem", "Pathway", "PathwayPage", "Statistics", "Agenda", "History"):
        assert "additionalProperties" not in schemas[name], name
    for name in ("IdentifyIn", "DecisionIn", "ReferentAssignedStep"):
        assert schemas[name]["additionalProperties"] is False, name


def test_no_parameter_has_a_meaningless_default_or_null(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []) if method != "parameters" else []:
                assert parameter.get("schema", {}).get("default", 0) is not None, (path, parameter)
                assert "nullable" not in parameter.get("schema", {}), (path, parameter)


def test_every_request_body_has_examples_that_pass_its_schema(document):
    from openapi_schema_validator import OAS30Validator

    for path, item in document["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody") if method != "parameters" else None
            if body is None:
                continue
            content = (body["content"].get("application/json")
                       or body["content"]["multipart/form-data"])
            examples = ([content["example"]] if "example" in content
                        else [e["value"] for e in content.get("examples", {}).values()])
            assert examples, f"{method.upper()} {path} has no example body"
            schema = {**content["schema"], "components": document["components"]}
            for example in examples:
                OAS30Validator(schema).validate(example)


def test_each_operation_says_who_may_call_it_and_the_problems_are_listed(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                assert "Roles:" in operation["description"], f"{method.upper()} {path}"
    for problem in ("validation", "version_conflict", "step_not_allowed", "pmsmp_rule"):
        assert f"`/problems/{problem}`" in document["info"]["description"]
    assert "://" in document["servers"][0]["url"]


def test_links_feed_a_created_id_into_operations_that_take_it(document):
    operations = {operation["operationId"]: (path, operation)
                  for path, item in document["paths"].items()
                  for method, operation in item.items() if method != "parameters"}
    followed = set()
    for _path, operation in operations.values():
        for response in operation["responses"].values():
            for link in response.get("links", {}).values():
                target_path, _target = operations[link["operationId"]]
                for parameter, source in link["parameters"].items():
                    assert "{" + parameter + "}" in target_path, (link, target_path)
                    assert source == "$response.body#/id"
                followed.add(link["operationId"])
    assert {"log_step", "get_history", "record_decision", "get_minutes", "issue_token"} <= followed


def test_each_step_s_data_schema_lists_the_fields_its_event_carries(document):
    from casecommittee.domain.pathway import STEP_FIELDS

    schemas = document["components"]["schemas"]
    for code, fields in STEP_FIELDS.items():
        name = "".join(part.title() for part in code.split("_")) + "Data"
        assert set(schemas[name]["properties"]) == set(fields), code


def test_each_company_event_s_data_schema_in_the_audit_log_lists_its_fields(document):
    from casecommittee.domain.company import COMPANY_FIELDS

    schemas = document["components"]["schemas"]
    audit_steps = schemas["AuditEvent"]["properties"]["step"]["enum"]
    for code, fields in COMPANY_FIELDS.items():
        name = "Company" + "".join(part.title() for part in code.split("_")) + "Data"
        assert set(schemas[name]["properties"]) == set(fields), code
        assert f"company_{code}" in audit_steps
    assert schemas["CompanySponsorNamedData"]["required"] == ["pathway_id", "role"]


def test_the_right_of_access_export_is_documented_with_an_example(document):
    ok = document["paths"]["/api/v1/pathways/{pathway_ref}/personal-data"]["get"]["responses"]["200"]
    content = ok["content"]["application/json"]
    assert content["schema"] == {"$ref": "#/components/schemas/PersonalData"}
    example = content["example"]
    assert example["steps"][2]["data"]["reason"] and example["decisions"][0]["note"]
    schemas = document["components"]["schemas"]
    exported = schemas["PersonalData"]["properties"]
    assert {"pathway_id", "person", "erased_at", "erasure_reason", "exported_at", "consent",
            "kept_until", "steps", "decisions"} == set(exported)
    assert exported["steps"]["items"] == {"$ref": "#/components/schemas/ExportedStep"}
    assert exported["decisions"]["items"] == {"$ref": "#/components/schemas/ExportedDecision"}
    assert set(example) == set(exported)
    assert set(example["steps"][0]) == set(schemas["ExportedStep"]["properties"])
    assert set(example["decisions"][0]) == set(schemas["ExportedDecision"]["properties"])
