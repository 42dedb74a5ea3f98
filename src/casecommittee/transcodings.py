"""How dates and the pathway's derived records are written in stored events and snapshots."""

from dataclasses import asdict
from datetime import date

from eventsourcing.persistence import Transcoding

from .domain.state import PathwayState
from .domain.steps import Step


class DateAsISO(Transcoding):
    """A business date as "YYYY-MM-DD"."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        """The ISO form of the date."""
        return obj.isoformat()

    def decode(self, data: str) -> date:
        """The date back from its ISO form."""
        return date.fromisoformat(data)


class StepAsDict(Transcoding):
    """A step record inside a snapshot."""

    type = Step
    name = "pathway_step"

    def encode(self, obj: Step) -> dict:
        """The step's fields as a mapping."""
        return {f: getattr(obj, f) for f in Step.__dataclass_fields__}

    def decode(self, data: dict) -> Step:
        """The step record back from its fields."""
        return Step(**data)


class PathwayStateAsDict(Transcoding):
    """The derived state inside a snapshot."""

    type = PathwayState
    name = "pathway_state"

    def encode(self, obj: PathwayState) -> dict:
        """The state's fields as a mapping."""
        return asdict(obj)

    def decode(self, data: dict) -> PathwayState:
        """The state back from its fields."""
        return PathwayState(**data)


TRANSCODINGS = (DateAsISO(), StepAsDict(), PathwayStateAsDict())
