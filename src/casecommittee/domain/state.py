"""The derived state of a pathway: a fold of its (corrected) steps, with no rule checking.

`PathwayState.apply(step, change)` moves the state on by one step, `change` being the state
change its event class declares (`pathway.py`, `pathway.fold`, `pathway.derive`). This module
holds the plain state and the helpers those changes share (`enter`, `close_immersion`,
`earliest`); what each step means is written next to its event.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from .rules import age_bracket
from .steps import Step


@dataclass
class PathwayState:
    """Where a pathway stands: stage, current orientation, immersion, job, follow-up, milestones."""

    group_id: str | None = None
    identified_on: date | None = None
    channel: str | None = None
    identified_by_structure_id: str | None = None
    profile: dict = field(default_factory=dict)
    consent: dict = field(default_factory=dict)
    stage: str | None = None
    stage_since: date | None = None
    referent_id: str | None = None
    referent_structure_id: str | None = None
    orientation: dict | None = None
    immersion: dict | None = None
    immersions: list = field(default_factory=list)
    job: dict | None = None
    follow_up: dict | None = None
    hires: list = field(default_factory=list)
    proposals: list = field(default_factory=list)
    ruptures: list = field(default_factory=list)
    referral: dict | None = None
    awaiting_next_step_since: date | None = None
    exit: dict | None = None
    first_oriented_on: date | None = None
    first_immersion_on: date | None = None
    first_hired_on: date | None = None
    follow_up_completed_on: date | None = None
    last_event_on: date | None = None
    stages: list = field(default_factory=list)
    version: int = 0

    # ---- what the state says -------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        """Identified and not exited."""
        return self.stage is not None and self.stage != "exited"

    @property
    def age_bracket(self) -> str | None:
        """The age bracket at identification (from the birth year only)."""
        birth_year = self.profile.get("birth_year")
        if birth_year is None or self.identified_on is None:
            return None
        return age_bracket(birth_year, self.identified_on)

    @property
    def previous_open_stage(self) -> str:
        """The stage an immersion or a job falls back to when it ends without a next step."""
        return "oriented" if self.orientation else "identified"

    # ---- the fold ------------------------------------------------------------------------

    def apply(self, step: Step, change: Callable) -> "PathwayState":
        """Moves the state on by one accepted step through its `change` (the state change its
        event class declares: `pathway.fold` finds it) and mutates and returns self."""
        change(self, step, step.occurred_on, step.data)
        self.version = step.version
        if self.last_event_on is None or step.occurred_on > self.last_event_on:
            self.last_event_on = step.occurred_on
        return self

    def stage_on(self, day: date) -> str | None:
        """The stage on a business date: the last stage entered on or before that day.

        Stage changes are ordered by business date (ties in the order they were logged), so a
        step logged late still counts from the day it happened.
        """
        current = None
        for on, stage in sorted(self.stages, key=lambda entry: entry[0]):
            if on > day:
                break
            current = stage
        return current

    def enter(self, stage: str, on: date) -> None:
        """Moves to `stage` from `on` (nothing when already there), keeping the stage history."""
        if stage != self.stage:
            self.stage, self.stage_since = stage, on
            self.stages.append([on, stage])

    def close_immersion(self, on: date, status: str) -> None:
        """Ends the immersion in progress, if any, on `on` with `status` (a rupture, an exit)."""
        if self.immersion:
            self.immersions[-1].update(ended_on=on, status=status)
            self.immersion = None


def earliest(known: date | None, on: date) -> date:
    """`on`, unless a milestone already known (`known`) came earlier."""
    return on if known is None or on < known else known
