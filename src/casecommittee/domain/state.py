"""The derived state of a pathway: a fold of its (corrected) steps, with no rule checking.

`PathwayState.apply(step, change)` moves the state on by one step, `change` being the
`on_<code>` method its event class names (`pathway.fold`, `pathway.derive`). The rules that
refuse a step live in `checks.py`; this module only says what a step that was accepted means.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from .rules import age_bracket, validation_due_on
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
        """Moves the state on by one accepted step through its `change` (the `on_<code>` method
        its event class names: `pathway.fold` finds it) and mutates and returns self."""
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

    def _enter(self, stage: str, on: date) -> None:
        if stage != self.stage:
            self.stage, self.stage_since = stage, on
            self.stages.append([on, stage])

    def on_identified(self, step, on, data):
        self.group_id = data["group_id"]
        self.identified_on = on
        self.channel = data["channel"]
        self.identified_by_structure_id = data.get("identified_by_structure_id")
        self.profile = dict(data.get("profile") or {})
        self.consent = dict(data.get("consent") or {})
        self._enter("identified", on)

    def on_referent_assigned(self, step, on, data):
        self.referent_id = data["referent_id"]
        self.referent_structure_id = data.get("structure_id")

    def on_committee_referral(self, step, on, data):
        self.referral = {"on": on, "reason": data["reason"], "by": step.actor.get("user_id")}

    def on_oriented(self, step, on, data):
        self.orientation = {
            "scheme": data["scheme"],
            "structure_id": data.get("structure_id"),
            "referent_id": data.get("referent_id"),
            "committee_session_id": data.get("committee_session_id"),
            "decided_by": "committee" if data.get("committee_session_id") else "referent",
            "oriented_on": on,
        }
        if data.get("referent_id"):
            self.referent_id = data["referent_id"]
            self.referent_structure_id = data.get("structure_id") or self.referent_structure_id
        self.first_oriented_on = _earliest(self.first_oriented_on, on)
        self.referral = None
        self.awaiting_next_step_since = None
        self._enter("oriented", on)

    def on_immersion_started(self, step, on, data):
        self.immersion = {
            "host": dict(data["host"]),
            "starts_on": on,
            "ends_on": data["ends_on"],
            "hours_per_week": data["hours_per_week"],
            "objective": data["objective"],
            "renews": bool(data.get("renews")),
        }
        self.immersions.append(dict(self.immersion))
        self.first_immersion_on = _earliest(self.first_immersion_on, on)
        self.awaiting_next_step_since = None
        self._enter("in_immersion", on)

    def on_immersion_ended(self, step, on, data):
        self.immersions[-1].update(ended_on=on, status=data["status"])
        self.immersion = None
        self.awaiting_next_step_since = on
        self._enter(self.previous_open_stage, on)

    def on_hired(self, step, on, data):
        self.job = {
            "employer": dict(data["employer"]),
            "contract_type": data["contract_type"],
            "contract_months": data.get("contract_months"),
            "weekly_hours": data["weekly_hours"],
            "starts_on": on,
        }
        self.hires.append(
            {"starts_on": on, "contract_type": data["contract_type"],
             "contract_months": data.get("contract_months"), "day_105_on": validation_due_on(on)}
        )
        self.follow_up = {"hired_on": on, "contacts": [], "completed_on": None}
        self.first_hired_on = _earliest(self.first_hired_on, on)
        self.awaiting_next_step_since = None
        self._enter("employed", on)

    def on_follow_up_contact(self, step, on, data):
        self.follow_up["contacts"].append(
            {"on": on, "contacted": data["contacted"], "status": data["status"]}
        )

    def on_follow_up_completed(self, step, on, data):
        self.follow_up["completed_on"] = on
        self.follow_up["still_employed"] = data["still_employed"]
        self.follow_up_completed_on = _earliest(self.follow_up_completed_on, on)
        self._enter("follow_up_completed", on)

    def on_rupture(self, step, on, data):
        self.ruptures.append(
            {"on": on, "scope": data["scope"], "kind": data["kind"], "stage": self.stage,
             "initiated_by": data["initiated_by"]}
        )
        if data["scope"] in ("job", "pathway"):
            # the job breaks, or the person leaves support: either way the follow-up ends
            self.job = None
            if self.follow_up and not self.follow_up.get("completed_on"):
                self.follow_up = None
        if data["scope"] in ("immersion", "pathway"):
            self._close_immersion(on, "interrupted")
        self._enter("interrupted", on)

    def _close_immersion(self, on: date, status: str) -> None:
        if self.immersion:
            self.immersions[-1].update(ended_on=on, status=status)
            self.immersion = None

    def on_exited(self, step, on, data):
        self.exit = {"on": on, "outcome": data["outcome"]}
        self._close_immersion(on, "exited")
        self.referral = None
        self.awaiting_next_step_since = None
        self._enter("exited", on)

    def on_corrected(self, step, on, data):
        """A correction changes nothing by itself: `pathway.derive` applies it to the corrected step."""


def _earliest(known: date | None, on: date) -> date:
    return on if known is None or on < known else known
