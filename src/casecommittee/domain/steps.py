"""The step record: one logged fact of a pathway, as every part of the system reads it.

A step has a business date (`occurred_on`, when it happened in the world), a recorded time
(`recorded_at`, when it was logged) and the actor who logged it. `data` holds the step's own
fields; its keys are those of `pathway.STEP_FIELDS` (its event class's fields).
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Annotated

#: The kinds of a step's text fields, as its event class annotates them (the API's input
#: schemas are built from them): an id (a UUID, or a short code of the reference data), a
#: one-line free-text label, a free-text note that may span lines. A field of codes from a
#: closed list is a plain `str` with its codes in the class's `choices`.
Identifier = Annotated[str, "identifier"]
Label = Annotated[str, "label"]
Note = Annotated[str, "note"]

#: Fields that hold a nested object: a correction merges the keys it gives into them.
NESTED_FIELDS = ("profile", "consent", "host", "employer")


@dataclass(frozen=True)
class Step:
    """One event of a pathway's stream, in the shape the rules and the read models use."""

    version: int
    code: str
    occurred_on: date
    recorded_at: datetime
    actor: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)

    def corrected_by(self, changes: dict) -> "Step":
        """This step with a correction's changes applied (nested objects are merged)."""
        data = dict(self.data)
        occurred_on = self.occurred_on
        for name, value in changes.items():
            if name == "occurred_on":
                occurred_on = value
            elif name in NESTED_FIELDS and isinstance(value, dict):
                data[name] = {**(data.get(name) or {}), **value}
            else:
                data[name] = value
        return replace(self, occurred_on=occurred_on, data=data)


def effective_steps(steps: list[Step]) -> list[Step]:
    """The steps as they stand once every correction is applied, corrections left out.

    Events are never rewritten: a `corrected` step names the version it corrects and the new
    values; this returns the history as it should be read, in the original order.
    """
    by_version = {s.version: s for s in steps if s.code != "corrected"}
    for s in steps:
        if s.code == "corrected":
            target = s.data["corrects_version"]
            if target in by_version:
                by_version[target] = by_version[target].corrected_by(s.data["changes"])
    return [by_version[s.version] for s in steps if s.code != "corrected"]
