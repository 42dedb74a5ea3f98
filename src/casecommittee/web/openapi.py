"""How the marshmallow schemas are written into the OpenAPI 3.0 document so that generated
clients are typed: each closed list of the domain is one named enum component (nullable where
the field allows null, never three copies), a nullable nested object is a nullable `$ref`, and
no parameter carries a meaningless `default: null`.
"""

from ..domain import company as c
from ..domain import vocabulary as v
from ..domain.committee import COMMITTEE_KINDS, DECISIONS
from ..domain.pathway import LOGGABLE_STEPS, STEPS
from ..imports.vocabulary import COLUMN_KEYS
from ..imports.vocabulary import DECISIONS as IMPORT_DECISIONS
from ..queries.statistics import BREAKDOWNS
from .schemas.audit import COMMITTEE_EVENTS
from .schemas.committees import SESSION_STATUSES
from .schemas.pathways import WRITE_INCLUDES

#: Component name → the codes of a closed list; a field whose choices are exactly these refers
#: to the component.
NAMED_ENUMS = {
    "Channel": v.CHANNELS, "Sex": v.SEXES, "QualificationLevel": v.QUALIFICATION_LEVELS,
    "Flag": v.FLAGS, "StructureKind": v.STRUCTURE_KINDS,
    "ImmersionObjective": v.IMMERSION_OBJECTIVES, "ImmersionStatus": v.IMMERSION_STATUSES,
    "ContractType": v.CONTRACT_TYPES, "FollowUpContacted": v.FOLLOW_UP_CONTACTED,
    "FollowUpStatus": v.FOLLOW_UP_STATUSES, "RuptureScope": v.RUPTURE_SCOPES,
    "RuptureKind": v.RUPTURE_KINDS, "RuptureInitiator": v.RUPTURE_INITIATORS,
    "ExitOutcome": v.EXIT_OUTCOMES, "Stage": v.STAGES, "StepCode": STEPS,
    "LoggableStepCode": LOGGABLE_STEPS, "Role": v.ROLES, "CommitteeKind": COMMITTEE_KINDS,
    "DecisionCode": DECISIONS, "Breakdown": BREAKDOWNS, "SessionStatus": SESSION_STATUSES,
    "AuditStepCode": STEPS + COMMITTEE_EVENTS,
    "SizeBand": c.SIZE_BANDS, "QpvLocation": c.QPV_LOCATIONS, "NeedOutcome": c.NEED_OUTCOMES,
    "ParticipationKind": c.PARTICIPATION_KINDS, "SponsorRole": c.SPONSOR_ROLES,
    "CommitmentKind": c.COMMITMENT_KINDS, "CompanyEventCode": tuple(c.COMPANY_EVENTS),
    "ImportColumn": COLUMN_KEYS, "ImportDecision": IMPORT_DECISIONS,
    "WriteInclude": WRITE_INCLUDES,
}
_BY_CODES = {frozenset(codes): name for name, codes in NAMED_ENUMS.items()}


#: What apispec writes beside a `$ref` to make it nullable in OpenAPI 3.0; it matches anything,
#: so a generated client never uses the typed model.
_ANY_OBJECT = {"type": "object", "nullable": True}


def nullable_ref(ref: str) -> dict:
    """A nullable reference in OpenAPI 3.0 (`nullable` beside a bare `$ref` is ignored)."""
    return {"oneOf": [{"$ref": ref}], "nullable": True}


def typed_property(prop: dict, spec) -> dict:
    """A property as apispec wrote it, made friendlier to generated clients."""
    prop = dict(prop)
    if "default" in prop and prop["default"] is None:
        del prop["default"]
    any_of = prop.get("anyOf")
    if isinstance(any_of, list) and len(any_of) == 2 and _ANY_OBJECT in any_of:
        [ref] = [branch for branch in any_of if branch != _ANY_OBJECT]
        if "$ref" in ref:
            del prop["anyOf"]
            prop.update(nullable_ref(ref["$ref"]))
    if any_of and all("$ref" in branch for branch in any_of):  # an event's data: one of these
        prop.pop("type", None)
        prop.pop("additionalProperties", None)
    enum = prop.get("enum")
    if isinstance(enum, list):
        name = _BY_CODES.get(frozenset(code for code in enum if code is not None))
        if name is not None:
            component = {"type": "string", "enum": list(NAMED_ENUMS[name])}
            if name not in spec.components.schemas:
                spec.components.schema(name, component)
            assert spec.components.schemas[name] == component, f"{name} names another schema"
            ref = f"#/components/schemas/{name}"
            if None in enum or prop.get("nullable"):
                kept = {k: val for k, val in prop.items() if k in ("description", "readOnly")}
                return {**kept, **nullable_ref(ref)}
            return {"$ref": ref}
    return prop


def links(status: int, parameter: str, source: str, *operation_ids: str) -> dict:
    """`@blp.doc` arguments linking a response to the operations its id feeds (OpenAPI links:
    generated clients and stateful testers follow them)."""
    return {"responses": {status: {"links": {
        operation_id: {"operationId": operation_id,
                       "parameters": {parameter: f"$response.body#/{source}"}}
        for operation_id in operation_ids
    }}}}
