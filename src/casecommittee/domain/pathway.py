"""The Pathway aggregate: one beneficiary's parcours, as an append-only stream of steps.

Every step is an event with its business date (`occurred_on`), the actor who logged it and its
own fields; the event's timestamp is the recorded time. `Pathway.identify` opens the stream,
`Pathway.record` appends any other step once `check_step` accepts it. Events are never
rewritten: a `corrected` event names the version it corrects, and the derived state applies it.

Each step is declared once, by its event class: its code, its French label, its fields (the
class's annotations, after `occurred_on` and `actor`), the defaults of its optional fields, its
guard (`checks.check_<code>`), its change to the derived state (`PathwayState.on_<code>`), and
whether it leaves the statistical summary as it is. `STEP_EVENTS`, `STEPS`, `STEP_LABELS` and
`STEP_FIELDS` are read from these classes; `step_events` refuses a half-declared one.
"""

import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from . import checks
from .errors import DomainError, InvalidCorrection, InvalidValue
from .state import PathwayState
from .steps import Step, effective_steps

#: What every step event carries besides its own fields.
COMMON_FIELDS = ("occurred_on", "actor")


class StepEvent:
    """What every pathway event shares: it becomes a `Step` and moves the state on.

    A step's event class sets `code`, `label`, `check` and `change`, and `defaults` for the
    fields it may go without (a missing field without a default is None).
    """

    code: ClassVar[str]
    label: ClassVar[str]
    defaults: ClassVar[dict[str, Any]] = {}
    summary_neutral: ClassVar[bool] = False
    check: ClassVar[Callable]
    change: ClassVar[Callable]

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
        label = "repérage"
        defaults = {"identified_by_structure_id": None}
        check = staticmethod(checks.check_identified)
        change = staticmethod(PathwayState.on_identified)
        occurred_on: date
        actor: dict
        group_id: str
        channel: str
        identified_by_structure_id: str | None
        profile: dict
        consent: dict

    class ReferentAssigned(StepEvent, Aggregate.Event):
        code = "referent_assigned"
        label = "désignation du référent"
        defaults = {"structure_id": None}
        check = staticmethod(checks.check_referent_assigned)
        change = staticmethod(PathwayState.on_referent_assigned)
        occurred_on: date
        actor: dict
        referent_id: str
        structure_id: str | None

    class CommitteeReferral(StepEvent, Aggregate.Event):
        code = "committee_referral"
        label = "demande de passage en comité"
        summary_neutral = True  # no new statistics version for it
        check = staticmethod(checks.check_committee_referral)
        change = staticmethod(PathwayState.on_committee_referral)
        occurred_on: date
        actor: dict
        reason: str

    class Oriented(StepEvent, Aggregate.Event):
        code = "oriented"
        label = "orientation"
        defaults = {"structure_id": None, "referent_id": None, "committee_session_id": None}
        check = staticmethod(checks.check_oriented)
        change = staticmethod(PathwayState.on_oriented)
        occurred_on: date
        actor: dict
        scheme: str
        structure_id: str | None
        referent_id: str | None
        committee_session_id: str | None

    class ImmersionStarted(StepEvent, Aggregate.Event):
        """A PMSMP agreement starts. Version 2 added `objective` (version 1 had none)."""

        code = "immersion_started"
        label = "début d'immersion (PMSMP)"
        defaults = {"renews": False}
        check = staticmethod(checks.check_immersion_started)
        change = staticmethod(PathwayState.on_immersion_started)
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
        label = "fin d'immersion"
        check = staticmethod(checks.check_immersion_ended)
        change = staticmethod(PathwayState.on_immersion_ended)
        occurred_on: date
        actor: dict
        status: str
        led_to_hire: bool

    class Hired(StepEvent, Aggregate.Event):
        code = "hired"
        label = "embauche"
        defaults = {"contract_months": None}
        check = staticmethod(checks.check_hired)
        change = staticmethod(PathwayState.on_hired)
        occurred_on: date
        actor: dict
        employer: dict
        contract_type: str
        contract_months: int | None
        weekly_hours: float

    class FollowUpContact(StepEvent, Aggregate.Event):
        code = "follow_up_contact"
        label = "point de suivi"
        defaults = {"note": None}
        summary_neutral = True  # no new statistics version for it
        check = staticmethod(checks.check_follow_up_contact)
        change = staticmethod(PathwayState.on_follow_up_contact)
        occurred_on: date
        actor: dict
        contacted: str
        status: str
        note: str | None

    class FollowUpCompleted(StepEvent, Aggregate.Event):
        code = "follow_up_completed"
        label = "validation du suivi 15 semaines"
        check = staticmethod(checks.check_follow_up_completed)
        change = staticmethod(PathwayState.on_follow_up_completed)
        occurred_on: date
        actor: dict
        still_employed: bool

    class Rupture(StepEvent, Aggregate.Event):
        code = "rupture"
        label = "rupture"
        defaults = {"reason": None}
        check = staticmethod(checks.check_rupture)
        change = staticmethod(PathwayState.on_rupture)
        occurred_on: date
        actor: dict
        scope: str
        kind: str
        initiated_by: str
        reason: str | None

    class Exited(StepEvent, Aggregate.Event):
        code = "exited"
        label = "sortie"
        check = staticmethod(checks.check_exited)
        change = staticmethod(PathwayState.on_exited)
        occurred_on: date
        actor: dict
        outcome: str

    class Corrected(StepEvent, Aggregate.Event):
        code = "corrected"
        label = "correction"
        check = staticmethod(checks.check_corrected)
        change = staticmethod(PathwayState.on_corrected)
        occurred_on: date
        actor: dict
        corrects_version: int
        changes: dict
        reason: str

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
        event_class = STEP_EVENTS.get(code)
        if event_class is None or code == "identified":
            raise InvalidValue(
                f"étape « {code} » inconnue ; étapes possibles : {', '.join(LOGGABLE_STEPS)}",
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
            fold(self._state, step)


def _steps_as_of(steps: list[Step], as_of: date) -> list[Step]:
    """The steps known as of a business date: corrections apply to the steps they correct."""
    kept_versions = {s.version for s in effective_steps(steps) if s.occurred_on <= as_of}
    return [
        s for s in steps
        if s.version in kept_versions
        or (s.code == "corrected" and s.data["corrects_version"] in kept_versions)
    ]


def own_fields(event_class: type) -> tuple[str, ...]:
    """The fields of a step event after its business date and actor, in their order."""
    names = [f.name for f in dataclasses.fields(event_class)]
    return tuple(names[names.index("actor") + 1:])


def step_events(aggregate: type) -> dict[str, type]:
    """code → event class of every step event nested in `aggregate`, in the order they are
    declared; a TypeError names a step event that is only half declared."""
    found = {}
    for cls in vars(aggregate).values():
        if not (isinstance(cls, type) and issubclass(cls, StepEvent)):
            continue
        missing = [name for name in ("code", "label", "check", "change") if not hasattr(cls, name)]
        if not set(COMMON_FIELDS) <= {f.name for f in dataclasses.fields(cls)}:
            missing += COMMON_FIELDS
        if missing:
            raise TypeError(f"{cls.__qualname__} is half declared: it lacks {', '.join(missing)}")
        unknown = set(cls.defaults) - set(own_fields(cls))
        if unknown:
            raise TypeError(f"{cls.__qualname__} has defaults for no field of its own: {sorted(unknown)}")
        found[cls.code] = cls
    return found


#: Every step: code → its event class, in the order of a pathway.
STEP_EVENTS: dict[str, type[StepEvent]] = step_events(Pathway)
STEPS = tuple(STEP_EVENTS)
LOGGABLE_STEPS = tuple(code for code in STEPS if code != "identified")
#: French labels, for documents and messages meant for professionals.
STEP_LABELS = {code: cls.label for code, cls in STEP_EVENTS.items()}
#: The fields each step carries besides its business date and actor (the step bodies' fields).
STEP_FIELDS = {code: own_fields(cls) for code, cls in STEP_EVENTS.items()}
#: Steps that never change a pathway's statistical summary (no new version is kept for them).
SUMMARY_NEUTRAL_STEPS = frozenset(code for code, cls in STEP_EVENTS.items() if cls.summary_neutral)


def check_step(state: PathwayState, step: Step, today: date) -> None:
    """Raises the DomainError that refuses `step` on a pathway in `state`, or returns None:
    the rules of every step, then the step's own guard."""
    checks.check_common(state, step, today)
    STEP_EVENTS[step.code].check(state, step, step.occurred_on, step.data)


def fold(state: PathwayState, step: Step) -> PathwayState:
    """Moves `state` on by one accepted step, through its event class's change."""
    return state.apply(step, STEP_EVENTS[step.code].change)


def derive(steps: list[Step]) -> PathwayState:
    """The state a history leads to, every correction applied to the step it corrects."""
    state = PathwayState()
    for step in effective_steps(steps):
        fold(state, step)
    if steps:
        state.version = steps[-1].version
    return state


def check_correction(steps: list[Step], correction: Step, today: date) -> None:
    """Refuses a correction that names no correctable step or field, or breaks a rule once applied."""
    target_version = correction.data.get("corrects_version")
    targets = [s for s in steps if s.version == target_version]
    if not targets:
        raise InvalidCorrection(
            f"la version {target_version} n'existe pas dans ce parcours", field="corrects_version"
        )
    target = targets[0]
    if target.code == "corrected":
        raise InvalidCorrection(
            "une correction ne se corrige pas : corrigez l'étape d'origine", field="corrects_version"
        )
    changes = correction.data.get("changes") or {}
    if not changes:
        raise InvalidCorrection("la correction ne change rien", field="changes")
    allowed = ("occurred_on",) + STEP_FIELDS[target.code]
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise InvalidCorrection(
            f"champ(s) non corrigeable(s) pour l'étape {target.code} : {', '.join(unknown)} ; "
            f"champs possibles : {', '.join(allowed)}",
            field="changes",
        )
    if not (correction.data.get("reason") or "").strip():
        raise InvalidCorrection("le motif de la correction est obligatoire", field="reason")
    try:
        check_history(steps + [correction], today)
    except DomainError as error:
        raise InvalidCorrection(
            f"une fois corrigé, le parcours ne respecte plus une règle : {error.message}",
            field="changes",
        ) from error


def check_history(steps: list[Step], today: date) -> PathwayState:
    """Replays a history, every correction applied, through every guard; returns its state."""
    state = PathwayState()
    for step in effective_steps(steps):
        check_step(state, step, today)
        fold(state, step)
    return state


def _complete(code: str, data: dict) -> dict:
    unknown = set(data) - set(STEP_FIELDS[code])
    if unknown:
        raise InvalidValue(
            f"champ(s) inconnu(s) pour l'étape {code} : {', '.join(sorted(unknown))}",
            field=sorted(unknown)[0],
        )
    defaults = STEP_EVENTS[code].defaults
    return {name: data.get(name, defaults.get(name)) for name in STEP_FIELDS[code]}


def _now():
    return Pathway.Event.create_timestamp()
