"""From a validated request to an application command: the actor, the derived profile, and the
checks that ids named in a body exist in the caller's territory."""

from ..domain.errors import InvalidValue
from ..stores.auth import Principal
from ..stores.reference import groups, structures, users
from .problems import Problem


def _structure_exists(reference, principal: Principal, structure_id, field: str) -> None:
    if structure_id is None:
        return
    found = reference.get(structures, structure_id)
    if found is None or (principal.territory_id and found["territory_id"] != principal.territory_id):
        raise InvalidValue(f"structure {structure_id} inconnue sur votre territoire", field=field)


def _referent_exists(reference, principal: Principal, user_id, field: str) -> None:
    if user_id is None:
        return
    found = reference.get(users, user_id)
    if (found is None or found["role"] not in ("referent", "copilot")
            or (principal.territory_id and found["territory_id"] != principal.territory_id)):
        raise InvalidValue(f"référent {user_id} inconnu sur votre territoire", field=field)


def identification(reference, principal: Principal, data: dict) -> dict:
    """The keyword arguments of `CaseCommittee.identify` for a validated identification."""
    if data["group_id"] not in principal.group_ids:
        raise Problem(403, "vous n'êtes pas membre de ce groupe de travail", type_="forbidden")
    if reference.get(groups, data["group_id"]) is None:
        raise InvalidValue("groupe de travail inconnu", field="group_id")
    _structure_exists(reference, principal, data["identified_by_structure_id"],
                      "identified_by_structure_id")
    person = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
              for k, v in data["person"].items() if v is not None}
    profile = {**data["profile"], "birth_year": data["person"]["birth_date"].year}
    return {
        "actor": principal.actor, "occurred_on": data["identified_on"], "person": person,
        "group_id": data["group_id"], "channel": data["channel"], "profile": profile,
        "consent": data["consent"],
        "identified_by_structure_id": data["identified_by_structure_id"],
    }


def step(reference, principal: Principal, data: dict) -> tuple[str, dict]:
    """(step code, keyword arguments of `CaseCommittee.log_step`) for a validated step."""
    fields = dict(data)
    code = fields.pop("step")
    for name in ("referent_id",):
        _referent_exists(reference, principal, fields.get(name), name)
    for name in ("structure_id",):
        _structure_exists(reference, principal, fields.get(name), name)
    occurred_on = fields.pop("occurred_on")
    return code, {"actor": principal.actor, "occurred_on": occurred_on, **fields}


def orientation(reference, principal: Principal, data: dict | None) -> dict | None:
    """The fields of the `oriented` step a committee decision appends, ids checked."""
    if data is None:
        return None
    _referent_exists(reference, principal, data.get("referent_id"), "orientation.referent_id")
    _structure_exists(reference, principal, data.get("structure_id"), "orientation.structure_id")
    return data
