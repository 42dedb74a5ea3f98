"""The Pathway aggregate: one beneficiary's parcours, as an append-only stream of steps.

Every step is an event with its business date (`occurred_on`), the actor who logged it and its
own fields; the event's timestamp is the recorded time. `Pathway.identify` opens the stream,
`Pathway.record` appends any other step once `checks.check_step` accepts it. Events are never
rewritten: a `corrected` event names the version it corrects, and the derived state applies it.
"""

from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from .checks import check_correction, check_step
from .errors import InvalidValue
from .state import PathwayState, derive
from .steps import STEP_FIELDS, Step, effective_steps

#: The defaults of a step's optional fields, so every stored event carries all of its fields.
OPTIONAL_DEFAULTS: dict[str, Any] = {
    "identified_by_structure_id": None, "structure_id": None, "referent_id": None,
    "committee_session_id": None, "renews": False, "contract_months": None, "note": None,
    "reason": None,
}


class StepEvent:
    """What every pathway event shares: it becomes a `Step` and moves the state on."""

    code: str

    def as_step(self) -> Step:
        """The event as a step record (business date, recorded time, actor, fields)."""
        return Step(
            version=self.originator_version,
            code=self.code,
            occurred_on=self.occurred_on,
            recorded_at=self.timestamp,
            actor=self.actor,
            data={name: getattr(self, name) for name in STEP_FIELDS[self.code]},
        )

    def apply(self, aggregate: "Pathway") -> None:
        """Appends the step to the aggregate's history and folds it into the state."""
        aggregate._take(self.as_step())


class Pathway(Aggregate):
    """A beneficiary's pathway (parcours) from identification (repérage) to exit (sortie)."""

    class Identified(StepEvent, Aggregate.Created):
        code = "identified"
        occurred_on: date
        actor: dict
        group_id: str
        channel: str
        identified_by_structure_id: str | None
        profile: dict
        consent: dict

    class ReferentAssigned(StepEvent, Aggregate.Event):
        code = "referent_assigned"
        occurred_on: date
        actor: dict
        referent_id: str
        structure_id: str | None

    class CommitteeReferral(StepEvent, Aggregate.Event):
        code = "committee_referral"
        occurred_on: date
        actor: dict
        reason: str

    class Oriented(StepEvent, Aggregate.Event):
        code = "oriented"
        occurred_on: date
        actor: dict
        scheme: str
        structure_id: str | None
        referent_id: str | None
        committee_session_id: str | None

    class ImmersionStarted(StepEvent, Aggregate.Event):
        """A PMSMP agreement starts. Version 2 added `objective` (version 1 had none)."""

        code = "immersion_started"
        class_version = 2
        occurred_on: date
        actor: dict
        host: dict
        ends_on: date
        hours_per_week: float
        objective: str
        renews: bool

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            """Immersions logged before objectives were recorded were discovery immersions."""
            state["objective"] = "discover"

    class ImmersionEnded(StepEvent, Aggregate.Event):
        code = "immersion_ended"
        occurred_on: date
        actor: dict
        status: str
        led_to_hire: bool

    class Hired(StepEvent, Aggregate.Event):
        code = "hired"
        occurred_on: date
        actor: dict
        employer: dict
        contract_type: str
        contract_months: int | None
        weekly_hours: float

    class FollowUpContact(StepEvent, Aggregate.Event):
        code = "follow_up_contact"
        occurred_on: date
        actor: dict
        contacted: str
        status: str
        note: str | None

    class FollowUpCompleted(StepEvent, Aggregate.Event):
        code = "follow_up_completed"
        occurred_on: date
        actor: dict
        still_employed: bool

    class Rupture(StepEvent, Aggregate.Event):
        code = "rupture"
        occurred_on: date
        actor: dict
        scope: str
        kind: str
        initiated_by: str
        reason: str | None

    class Exited(StepEvent, Aggregate.Event):
        code = "exited"
        occurred_on: date
        actor: dict
        outcome: str

    class Corrected(StepEvent, Aggregate.Event):
        code = "corrected"
        occurred_on: date
        actor: dict
        corrects_version: int
        changes: dict
        reason: str

    EVENT_CLASSES: ClassVar[dict[str, type]] = {}

    def __init__(self) -> None:
        self._steps: list[Step] = []
        self._state = PathwayState()

    # ---- commands ------------------------------------------------------------------------

    @classmethod
    def identify(
        cls, *, occurred_on: date, actor: dict, today: date, pathway_id: UUID | None = None,
        recorded_at: datetime | None = None, **data: Any,
    ) -> "Pathway":
        """Opens a pathway (repérage) once the identification passes every rule."""
        fields = _complete("identified", data)
        recorded_at = recorded_at or _now()
        step = Step(1, "identified", occurred_on, recorded_at, actor, fields)
        check_step(PathwayState(), step, today)
        return cls._create(
            cls.Identified, id=pathway_id or uuid4(), occurred_on=occurred_on, actor=actor,
            timestamp=recorded_at, **fields,
        )

    def record(
        self, code: str, *, occurred_on: date, actor: dict, today: date,
        recorded_at: datetime | None = None, **data: Any,
    ) -> None:
        """Appends one step (any code but `identified`) once the rules accept it.

        `today` bounds business dates; `recorded_at` is the recorded time (default: now, UTC).
        """
        event_class = self.EVENT_CLASSES.get(code)
        if event_class is None or code == "identified":
            raise InvalidValue(
                f"étape « {code} » inconnue ; étapes possibles : "
                f"{', '.join(c for c in self.EVENT_CLASSES if c != 'identified')}",
                field="step",
            )
        fields = _complete(code, data)
        recorded_at = recorded_at or _now()
        step = Step(self.version + 1, code, occurred_on, recorded_at, actor, fields)
        if code == "corrected":
            check_step(self._state, step, today)
            check_correction(self._steps, step, today)
        else:
            check_step(self._state, step, today)
        self.trigger_event(
            event_class, occurred_on=occurred_on, actor=actor, timestamp=recorded_at, **fields
        )

    # ---- queries -------------------------------------------------------------------------

    @property
    def state(self) -> PathwayState:
        """The derived state, every correction applied."""
        return self._state

    @property
    def steps(self) -> list[Step]:
        """Every step in the order it was recorded, corrections included."""
        return list(self._steps)

    def state_as_of(self, as_of: date) -> PathwayState:
        """The state from the steps whose business date is on or before `as_of`."""
        return derive(_steps_as_of(self._steps, as_of))

    def _take(self, step: Step) -> None:
        self._steps.append(step)
        if step.code == "corrected":
            self._state = derive(self._steps)
        else:
            self._state.apply(step)


def _steps_as_of(steps: list[Step], as_of: date) -> list[Step]:
    """The steps known as of a business date: corrections apply to the steps they correct."""
    kept_versions = {s.version for s in effective_steps(steps) if s.occurred_on <= as_of}
    return [
        s for s in steps
        if s.version in kept_versions
        or (s.code == "corrected" and s.data["corrects_version"] in kept_versions)
    ]


Pathway.EVENT_CLASSES = {
    cls.code: cls for cls in vars(Pathway).values()
    if isinstance(cls, type) and issubclass(cls, StepEvent)
}


def _complete(code: str, data: dict) -> dict:
    unknown = set(data) - set(STEP_FIELDS[code])
    if unknown:
        raise InvalidValue(
            f"champ(s) inconnu(s) pour l'étape {code} : {', '.join(sorted(unknown))}",
            field=sorted(unknown)[0],
        )
    return {name: data.get(name, OPTIONAL_DEFAULTS.get(name)) for name in STEP_FIELDS[code]}


def _now():
    return Pathway.Event.create_timestamp()
