"""From a validated request to an application command: the actor, the derived profile, the
checks that ids named in a body exist in the caller's territory (and that a referent named for a
pathway is one of its group's), and domain errors named after the request's fields."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from ..domain.errors import DomainError, InvalidValue
from ..stores.auth import WRITING_ROLES, Principal
from ..stores.reference import groups, structures, users
from .problems import Problem


def _structure_exists(reference, principal: Principal, structure_id, field: str) -> None:
    if structure_id is None:
        return
    found = reference.get(structures, structure_id)
    if found is None or (principal.territory_id and found["territory_id"] != principal.territory_id):
        raise InvalidValue(f"structure {structure_id} inconnue sur votre territoire", field=field)


def _referent_of_group(reference, principal: Principal, user_id, group_id: str, field: str) -> None:
    """Refuses a referent who is unknown, outside the territory, or not in the pathway's group
    (they could not see the pathway they are given)."""
    if user_id is None:
        return
    found = reference.get(users, user_id)
    if (found is None or found["role"] not in WRITING_ROLES
            or (principal.territory_id and found["territory_id"] != principal.territory_id)):
        raise InvalidValue(f"référent {user_id} inconnu sur votre territoire", field=field)
    if group_id not in (found["group_ids"] or ()):
        raise InvalidValue(
            f"{found['name']} n'est pas membre du groupe de travail de ce parcours : désignez un "
            "référent de ce groupe, ou demandez à la coordination de l'y ajouter", field=field,
        )


@contextmanager
def request_fields(names: Mapping[str, str]) -> Iterator[None]:
    """Renames the field of a domain error raised inside to the request's name for it
    (`occurred_on` of an identification is its `identified_on`, …)."""
    try:
        yield
    except DomainError as error:
        if error.field in names:
            error.field = names[error.field]
        raise


#: The request's names of the domain's fields, per command.
IDENTIFICATION_FIELDS = {"occurred_on": "identified_on", "profile.birth_year": "person.birth_date"}
DECISION_FIELDS = {"occurred_on": "decision", "scheme": "orientation.scheme",
                   "structure_id": "orientation.structure_id",
                   "referent_id": "orientation.referent_id"}


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


def step_fields(data: dict, principal: Principal) -> tuple[str, dict]:
    """(step code, keyword arguments of `CaseCommittee.log_step`) for a validated step, its
    ids not checked (see `step` and `step_checks`)."""
    fields = dict(data)
    code = fields.pop("step")
    occurred_on = fields.pop("occurred_on")
    return code, {"actor": principal.actor, "occurred_on": occurred_on, **fields}


def step(reference, principal: Principal, data: dict, group_id: str) -> tuple[str, dict]:
    """(step code, keyword arguments of `CaseCommittee.log_step`) for a validated step on a
    pathway of `group_id`, the ids it names checked."""
    changes = data.get("changes") or {}
    _referent_of_group(reference, principal, data.get("referent_id"), group_id, "referent_id")
    _referent_of_group(reference, principal, changes.get("referent_id"),
                       changes.get("group_id") or group_id, "changes.referent_id")
    _structure_exists(reference, principal, data.get("structure_id"), "structure_id")
    _structure_exists(reference, principal, changes.get("structure_id"), "changes.structure_id")
    return step_fields(data, principal)


def step_checks(reference, principal: Principal, data: dict, not_visible):
    """A `check(state)` for `CaseCommittee.log_step`: `not_visible()` for a pathway outside the
    caller's scope, then the ids the step names checked against the pathway's group (from the
    state the command loaded)."""

    def check(state) -> None:
        if not principal.sees({"group_id": state.group_id}):
            raise not_visible()
        step(reference, principal, data, state.group_id)

    return check


def orientation(reference, principal: Principal, data: dict | None, group_id: str) -> dict | None:
    """The fields of the `oriented` step a committee decision appends on a pathway of
    `group_id`, ids checked."""
    if data is None:
        return None
    _referent_of_group(reference, principal, data.get("referent_id"), group_id,
                       "orientation.referent_id")
    _structure_exists(reference, principal, data.get("structure_id"), "orientation.structure_id")
    return data
