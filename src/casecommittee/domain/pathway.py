"""The Pathway aggregate: one beneficiary's parcours, as an append-only stream of steps.

Every step is an event with its business date (`occurred_on`), the actor who logged it and its
own fields; the event's timestamp is the recorded time. `Pathway.identify` opens the stream,
`Pathway.record` appends any other step once `check_step` accepts it. Events are never
rewritten: a `corrected` event names the version it corrects, and the derived state applies it.

Each step is declared once, by its event class, and only there: its code, its French label
(and the sentence the API documents it with), its fields (the class's annotations, after
`occurred_on` and `actor`), the defaults of its optional fields, the codes its enumerated
fields allow (`choices`), its own `check` (what refuses it, after the rules every step obeys),
its `change` to the derived state, whether it leaves the statistical summary as it is, and
which of its free-text fields may speak of the person (`private_text`: sealed with the person's
own key before they enter an event, see `stores/sealed_texts.py`; the domain only carries them).
Every registry (`STEP_EVENTS`, `STEPS`, `LOGGABLE_STEPS`, `STEP_LABELS`, `STEP_FIELDS`,
`SUMMARY_NEUTRAL_STEPS`, and the API's input schemas) is read from these classes
(`catalogue`); a step event declared with a piece missing is refused when its class is made.
"""

import dataclasses
import typing
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, ClassVar, NamedTuple
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from . import checks
from . import vocabulary as v
from .checks import fr_date, not_before, one_of
from .errors import (
    DateOutOfOrder,
    DomainError,
    FollowUpRuleBroken,
    ImmersionRuleBroken,
    InvalidCorrection,
    InvalidValue,
    StepNotAllowed,
)
from .rules import (
    FOLLOW_UP_VALIDATION_DAY,
    MAX_WEEKLY_HOURS,
    PMSMP_MAX_AGREEMENTS_PER_HOST,
    PMSMP_MAX_DAYS,
    PMSMP_MAX_HOURS_PER_WEEK,
    immersion_days,
    validation_due_on,
)
from .siret import same_company
from .state import PathwayState, earliest
from .steps import Identifier, Label, Note, Step, effective_steps

#: What every step event carries besides its own fields.
#: (how `StepEvent.as_step` makes a step, as the library makes a decoded event)
_new, _set = object.__new__, object.__setattr__

COMMON_FIELDS = ("occurred_on", "actor")
#: What a step event class must declare besides its fields.
REQUIRED_PIECES = ("code", "label", "check", "change")


class StepEvent:
    """What every pathway event shares: it becomes a `Step` and moves the state on.

    A step's event class sets `code`, `label`, `check(state, step, on, data)` (raises the
    `DomainError` that refuses the step) and `change(state, step, on, data)` (what an accepted
    step does to the state), and may set `defaults` for the fields it may go without (a
    missing field without a default is None), `choices` (field → the codes it allows, checked
    before `check`), `description` (the API's sentence; else its label) and `summary_neutral`.
    """

    code: ClassVar[str]
    label: ClassVar[str]
    description: ClassVar[str | None] = None
    #: A body of the step's own fields, as the API document shows it (every loggable step has one).
    example: ClassVar[dict | None] = None
    defaults: ClassVar[dict[str, Any]] = {}
    choices: ClassVar[dict[str, tuple[str, ...]]] = {}
    summary_neutral: ClassVar[bool] = False
    #: The free-text fields typed about the person (they may name them, their health, their
    #: family): the application seals them with the person's key before the event is made, so
    #: the domain carries them as opaque strings (never parsed: only "given or blank" is read).
    private_text: ClassVar[tuple[str, ...]] = ()
    check: ClassVar[Callable]
    change: ClassVar[Callable]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # the library redefines each nested event class as a subclass of it, declaring nothing
        # more: the class that declares the step is the one checked
        if not any(base is not StepEvent and issubclass(base, StepEvent) for base in cls.__bases__):
            refuse_half_declared(cls)

    def as_step(self) -> Step:
        """The event as a step record (business date, recorded time, actor, fields).

        Built as the library builds a decoded event, its attributes given at once: the frozen
        dataclass's `__init__` sets each through `object.__setattr__`, and costs twice as much
        (every load and every rebuild makes one step per event)."""
        step = _new(Step)
        _set(step, "__dict__", {
            "version": self.originator_version,
            "code": self.code,
            "occurred_on": self.occurred_on,
            "recorded_at": self.timestamp,
            "actor": self.actor,
            "data": {name: getattr(self, name) for name in STEP_FIELDS[self.code]},
        })
        return step

    def apply(self, aggregate: "Pathway") -> None:
        """Appends the step to the aggregate's history and folds it into the state."""
        aggregate._take(self.as_step())


def declared_fields(cls: type) -> dict[str, Any]:
    """The fields a step event class declares in its own body (name → annotation), in order."""
    return {name: annotation for name, annotation in cls.__dict__.get("__annotations__", {}).items()
            if typing.get_origin(annotation) is not ClassVar}


def may_be_none(annotation: Any) -> bool:
    """Whether a field's annotation allows None (`X | None`)."""
    return type(None) in typing.get_args(annotation)


def refuse_half_declared(cls: type) -> None:
    """Raises a TypeError naming what a step event class lacks or declares wrongly: a piece of
    `REQUIRED_PIECES`, the common fields, defaults or choices for fields it does not have, an
    optional field (`X | None`) without its default None, or a default None for a field that
    cannot be None."""
    declared = declared_fields(cls)
    missing = [name for name in REQUIRED_PIECES if not hasattr(cls, name)]
    missing += [name for name in COMMON_FIELDS if name not in declared]
    if missing:
        raise TypeError(f"{cls.__qualname__} is half declared: it lacks {', '.join(missing)}")
    names = list(declared)
    own = names[names.index("actor") + 1:]
    if cls.example is None and not issubclass(cls, Aggregate.Created):
        raise TypeError(f"{cls.__qualname__} is half declared: it lacks example (the API's body)")
    unknown = sorted(set(cls.example or {}) - set(own))
    if unknown:
        raise TypeError(f"{cls.__qualname__} has an example with fields it does not have: {unknown}")
    for what in ("defaults", "choices", "private_text"):
        unknown = sorted(set(getattr(cls, what)) - set(own))
        if unknown:
            raise TypeError(f"{cls.__qualname__} has {what} for no field of its own: {unknown}")
    for name in own:
        optional, defaulted = may_be_none(declared[name]), name in cls.defaults
        if optional != (defaulted and cls.defaults[name] is None):
            raise TypeError(
                f"{cls.__qualname__}.{name}: a field that may be None (X | None) takes the "
                "default None, and only such a field does")


class Pathway(Aggregate):
    """A beneficiary's pathway (parcours) from identification (repérage) to exit (sortie)."""

    class Identified(StepEvent, Aggregate.Created):
        code = "identified"
        label = "repérage"
        defaults = {"identified_by_structure_id": None}
        choices = {"channel": v.CHANNELS}
        occurred_on: date
        actor: dict
        group_id: Identifier
        channel: str
        identified_by_structure_id: Identifier | None
        profile: dict
        consent: dict

        @staticmethod
        def check(state, step, on, data):
            """The profile's codes, and a birth year plausible for someone identified then."""
            profile = data.get("profile") or {}
            one_of(profile.get("sex"), v.SEXES, "profile.sex")
            if profile.get("qualification_level") is not None:
                one_of(profile["qualification_level"], v.QUALIFICATION_LEVELS, "profile.qualification_level")
            for flag in profile.get("flags", ()):
                one_of(flag, v.FLAGS, "profile.flags")
            birth_year = profile.get("birth_year")
            if birth_year is not None and not (on.year - 100 <= birth_year <= on.year - 14):
                raise InvalidValue(
                    f"année de naissance {birth_year} invraisemblable pour un repérage en {on.year}",
                    field="profile.birth_year",
                )

        @staticmethod
        def change(state, step, on, data):
            """The pathway opens: its group, channel, profile and consent."""
            state.group_id = data["group_id"]
            state.identified_on = on
            state.channel = data["channel"]
            state.identified_by_structure_id = data.get("identified_by_structure_id")
            state.profile = dict(data.get("profile") or {})
            state.consent = dict(data.get("consent") or {})
            state.enter("identified", on)

    class ReferentAssigned(StepEvent, Aggregate.Event):
        code = "referent_assigned"
        label = "désignation du référent"
        example = {"referent_id": "u-referente", "structure_id": "s-ml"}
        description = "Référent désigné."
        defaults = {"structure_id": None}
        occurred_on: date
        actor: dict
        referent_id: Identifier
        structure_id: Identifier | None

        @staticmethod
        def check(state, step, on, data):
            """A referent is named."""
            if not data.get("referent_id"):
                raise InvalidValue("le référent désigné est obligatoire", field="referent_id")

        @staticmethod
        def change(state, step, on, data):
            """The pathway's referent (and their structure) changes."""
            state.referent_id = data["referent_id"]
            state.referent_structure_id = data.get("structure_id")

    class CommitteeReferral(StepEvent, Aggregate.Event):
        code = "committee_referral"
        label = "demande de passage en comité"
        example = {"reason": "projet professionnel à construire avec les partenaires"}
        description = "Demande de passage en comité."
        summary_neutral = True  # no new statistics version for it
        private_text = ("reason",)
        occurred_on: date
        actor: dict
        reason: Label

        @staticmethod
        def check(state, step, on, data):
            """The referral says why."""
            if not (data.get("reason") or "").strip():
                raise InvalidValue("le motif de la demande de passage en comité est obligatoire", field="reason")

        @staticmethod
        def change(state, step, on, data):
            """The pathway awaits the committee (the next orientation or exit ends that)."""
            state.referral = {"on": on, "reason": data["reason"], "by": step.actor.get("user_id")}

    class Oriented(StepEvent, Aggregate.Event):
        code = "oriented"
        label = "orientation"
        example = {"scheme": "Contrat d'engagement jeune", "structure_id": "s-ml"}
        description = "Orientation vers un dispositif."
        defaults = {"structure_id": None, "referent_id": None, "committee_session_id": None}
        occurred_on: date
        actor: dict
        scheme: Label
        structure_id: Identifier | None
        referent_id: Identifier | None
        committee_session_id: Identifier | None

        @staticmethod
        def check(state, step, on, data):
            """A scheme is named, and no immersion or followed job is in the way."""
            if not (data.get("scheme") or "").strip():
                raise InvalidValue("le dispositif d'orientation est obligatoire", field="scheme")
            if state.immersion is not None:  # in immersion, or interrupted with the agreement open
                raise StepNotAllowed(
                    "une immersion est en cours : enregistrez sa fin (immersion_ended) avant de réorienter"
                )
            if state.stage == "employed":
                raise StepNotAllowed(
                    "la personne est en emploi, en suivi 15 semaines : enregistrez d'abord la rupture "
                    "du contrat (rupture, scope job) ou la validation du suivi"
                )

        @staticmethod
        def change(state, step, on, data):
            """The current orientation (by the committee or the referent); a referral ends."""
            state.orientation = {
                "scheme": data["scheme"],
                "structure_id": data.get("structure_id"),
                "referent_id": data.get("referent_id"),
                "committee_session_id": data.get("committee_session_id"),
                "decided_by": "committee" if data.get("committee_session_id") else "referent",
                "oriented_on": on,
            }
            if data.get("referent_id"):
                state.referent_id = data["referent_id"]
                state.referent_structure_id = data.get("structure_id") or state.referent_structure_id
            state.first_oriented_on = earliest(state.first_oriented_on, on)
            state.referral = None
            state.awaiting_next_step_since = None
            state.enter("oriented", on)

    class ImmersionStarted(StepEvent, Aggregate.Event):
        """A PMSMP agreement starts. Version 2 added `objective` (version 1 had none)."""

        code = "immersion_started"
        label = "début d'immersion (PMSMP)"
        example = {"host": {"name": "Boulangerie du Centre", "siret": "73282932000074"},
                   "ends_on": "2026-03-20", "hours_per_week": 35, "objective": "discover"}
        description = "Début d'immersion (PMSMP) ; occurred_on est le premier jour."
        defaults = {"renews": False}
        choices = {"objective": v.IMMERSION_OBJECTIVES}
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

        @staticmethod
        def check(state, step, on, data):
            """One PMSMP at a time, none during a job's follow-up, within the PMSMP's limits
            (days, hours a week, renewed once with the same host)."""
            if state.immersion is not None:  # in immersion, or interrupted with the agreement open
                raise ImmersionRuleBroken(
                    "une immersion est déjà en cours : une seule PMSMP à la fois ; enregistrez sa fin d'abord"
                )
            if state.stage == "employed":
                raise StepNotAllowed("la personne est en emploi, en suivi 15 semaines : pas de PMSMP pendant le suivi")
            ends_on = data.get("ends_on")
            if ends_on is None or ends_on < on:
                raise DateOutOfOrder("la fin prévue de l'immersion précède son début", field="ends_on")
            days = immersion_days(on, ends_on)
            if days > PMSMP_MAX_DAYS:
                raise ImmersionRuleBroken(
                    f"une PMSMP dure au plus {PMSMP_MAX_DAYS} jours calendaires par convention "
                    f"(ici {days} jours) ; au-delà, prévoyez un renouvellement",
                    field="ends_on",
                )
            hours = data.get("hours_per_week")
            if not isinstance(hours, int | float) or not 0 < hours <= PMSMP_MAX_HOURS_PER_WEEK:
                raise ImmersionRuleBroken(
                    f"une PMSMP compte au plus {PMSMP_MAX_HOURS_PER_WEEK} h par semaine (ici {hours})",
                    field="hours_per_week",
                )
            host = data.get("host") or {}
            if not (host.get("name") or "").strip():
                raise InvalidValue("le nom de la structure d'accueil est obligatoire", field="host.name")
            same_host = [i for i in state.immersions if same_company(i["host"], host)]
            if state.immersions:
                not_before(on, state.immersions[-1].get("ended_on"), "la fin de l'immersion précédente")
            if data.get("renews"):
                if not state.immersions or not same_company(state.immersions[-1]["host"], host):
                    raise ImmersionRuleBroken(
                        "un renouvellement se fait avec la même structure d'accueil que l'immersion précédente",
                        field="renews",
                    )
            if len(same_host) >= PMSMP_MAX_AGREEMENTS_PER_HOST or (same_host and not data.get("renews")):
                raise ImmersionRuleBroken(
                    "une PMSMP n'est renouvelable qu'une fois avec la même structure d'accueil"
                    + ("" if len(same_host) >= PMSMP_MAX_AGREEMENTS_PER_HOST
                       else " : indiquez renews=true pour ce renouvellement"),
                    field="host",
                )

        @staticmethod
        def change(state, step, on, data):
            """The person is in immersion; the agreement joins the list of immersions."""
            state.immersion = {
                "host": dict(data["host"]),
                "starts_on": on,
                "ends_on": data["ends_on"],
                "hours_per_week": data["hours_per_week"],
                "objective": data["objective"],
                "renews": bool(data.get("renews")),
            }
            state.immersions.append(dict(state.immersion))
            state.first_immersion_on = earliest(state.first_immersion_on, on)
            state.awaiting_next_step_since = None
            state.enter("in_immersion", on)

    class ImmersionEnded(StepEvent, Aggregate.Event):
        code = "immersion_ended"
        label = "fin d'immersion"
        example = {"status": "completed", "led_to_hire": True}
        description = "Fin d'immersion."
        choices = {"status": v.IMMERSION_STATUSES}
        occurred_on: date
        actor: dict
        status: str
        led_to_hire: bool

        @staticmethod
        def check(state, step, on, data):
            """An immersion is open, and ends between its first day and its agreement's end."""
            if state.immersion is None:
                raise StepNotAllowed("aucune immersion en cours : rien à clore")
            not_before(on, state.immersion["starts_on"], "le début de l'immersion")
            if on > state.immersion["ends_on"]:
                raise ImmersionRuleBroken(
                    f"la convention de PMSMP se termine le {fr_date(state.immersion['ends_on'])} : "
                    "une immersion qui continue demande un renouvellement",
                    field="occurred_on",
                )

        @staticmethod
        def change(state, step, on, data):
            """The immersion ends; the pathway falls back and awaits its next step."""
            state.immersions[-1].update(ended_on=on, status=data["status"])
            state.immersion = None
            state.awaiting_next_step_since = on
            state.enter(state.previous_open_stage, on)

    class Hired(StepEvent, Aggregate.Event):
        code = "hired"
        label = "embauche"
        example = {"employer": {"name": "Boulangerie du Centre", "siret": "73282932000074"},
                   "contract_type": "cdd", "contract_months": 6, "weekly_hours": 35}
        description = "Embauche ; occurred_on est le premier jour de travail."
        defaults = {"contract_months": None}
        choices = {"contract_type": v.CONTRACT_TYPES}
        occurred_on: date
        actor: dict
        employer: dict
        contract_type: str
        contract_months: int | None
        weekly_hours: float

        @staticmethod
        def check(state, step, on, data):
            """No immersion open nor job followed; a length for a fixed-term contract; plausible
            weekly hours; a named employer; not before the last immersion's end."""
            if state.immersion is not None:  # in immersion, or interrupted with the agreement open
                raise StepNotAllowed(
                    "une immersion est en cours : enregistrez sa fin (immersion_ended, led_to_hire) avant l'embauche"
                )
            if state.stage == "employed":
                raise StepNotAllowed(
                    "un emploi est déjà suivi : enregistrez sa rupture (rupture, scope job) avant une nouvelle embauche"
                )
            if data["contract_type"] in v.CONTRACTS_WITH_LENGTH and not data.get("contract_months"):
                raise InvalidValue(
                    "la durée du contrat en mois est obligatoire pour un CDD, un intérim ou un CDDI",
                    field="contract_months",
                )
            hours = data.get("weekly_hours")
            if not isinstance(hours, int | float) or not 0 < hours <= MAX_WEEKLY_HOURS:
                raise InvalidValue(f"durée hebdomadaire invraisemblable : {hours} h", field="weekly_hours")
            if not ((data.get("employer") or {}).get("name") or "").strip():
                raise InvalidValue("le nom de l'employeur est obligatoire", field="employer.name")
            if state.immersions:
                not_before(on, state.immersions[-1].get("ended_on"), "la fin de l'immersion précédente")

        @staticmethod
        def change(state, step, on, data):
            """The job starts, and with it the 15-week follow-up (validated from day 105)."""
            state.job = {
                "employer": dict(data["employer"]),
                "contract_type": data["contract_type"],
                "contract_months": data.get("contract_months"),
                "weekly_hours": data["weekly_hours"],
                "starts_on": on,
            }
            state.hires.append(
                {"starts_on": on, "contract_type": data["contract_type"],
                 "contract_months": data.get("contract_months"), "day_105_on": validation_due_on(on),
                 "employer": dict(data["employer"])}
            )
            state.follow_up = {"hired_on": on, "contacts": [], "completed_on": None}
            state.first_hired_on = earliest(state.first_hired_on, on)
            state.awaiting_next_step_since = None
            state.enter("employed", on)

    class FollowUpContact(StepEvent, Aggregate.Event):
        code = "follow_up_contact"
        label = "point de suivi"
        example = {"contacted": "beneficiary", "status": "fine",
                   "note": "premier point : tout va bien"}
        description = "Point de suivi pendant les 15 semaines."
        defaults = {"note": None}
        choices = {"contacted": v.FOLLOW_UP_CONTACTED, "status": v.FOLLOW_UP_STATUSES}
        summary_neutral = True  # no new statistics version for it
        private_text = ("note",)
        occurred_on: date
        actor: dict
        contacted: str
        status: str
        note: Note | None

        @staticmethod
        def check(state, step, on, data):
            """A follow-up is under way, and the contact is not before the hire."""
            if state.stage != "employed" or state.follow_up is None:
                raise FollowUpRuleBroken("aucun suivi 15 semaines en cours : un point de suivi suit une embauche")
            not_before(on, state.follow_up["hired_on"], "l'embauche")

        @staticmethod
        def change(state, step, on, data):
            """The contact joins the follow-up's calendar."""
            state.follow_up["contacts"].append(
                {"on": on, "contacted": data["contacted"], "status": data["status"]}
            )

    class FollowUpCompleted(StepEvent, Aggregate.Event):
        code = "follow_up_completed"
        label = "validation du suivi 15 semaines"
        example = {"still_employed": True}
        description = "Validation du suivi 15 semaines."
        occurred_on: date
        actor: dict
        still_employed: bool

        @staticmethod
        def check(state, step, on, data):
            """A follow-up is under way, and validated from its day 105 on."""
            if state.stage != "employed" or state.follow_up is None:
                raise FollowUpRuleBroken("aucun suivi 15 semaines en cours à valider")
            due = validation_due_on(state.follow_up["hired_on"])
            if on < due:
                raise FollowUpRuleBroken(
                    f"le suivi 15 semaines se valide au plus tôt le {fr_date(due)} "
                    f"({FOLLOW_UP_VALIDATION_DAY} jours après l'embauche)",
                    field="occurred_on",
                )

        @staticmethod
        def change(state, step, on, data):
            """The follow-up is validated (and with it, the hire's outcome)."""
            state.follow_up["completed_on"] = on
            state.follow_up["still_employed"] = data["still_employed"]
            state.hires[-1].update(completed_on=on, still_employed=data["still_employed"])
            state.follow_up_completed_on = earliest(state.follow_up_completed_on, on)
            state.enter("follow_up_completed", on)

    class Rupture(StepEvent, Aggregate.Event):
        code = "rupture"
        label = "rupture"
        example = {"scope": "job", "kind": "trial_period", "initiated_by": "employer"}
        description = "Rupture du parcours, du contrat ou de l'immersion."
        defaults = {"reason": None}
        choices = {"scope": v.RUPTURE_SCOPES, "kind": v.RUPTURE_KINDS,
                   "initiated_by": v.RUPTURE_INITIATORS}
        private_text = ("reason",)
        occurred_on: date
        actor: dict
        scope: str
        kind: str
        initiated_by: str
        reason: Label | None

        @staticmethod
        def check(state, step, on, data):
            """What breaks is under way (a job, an immersion), and breaks after it began."""
            if data["scope"] == "job":
                if state.job is None:
                    raise StepNotAllowed("aucun emploi en cours : une rupture de contrat suit une embauche", field="scope")
                not_before(on, state.job["starts_on"], "le début du contrat")
            if data["scope"] == "immersion":
                if state.immersion is None:
                    raise StepNotAllowed("aucune immersion en cours", field="scope")
                not_before(on, state.immersion["starts_on"], "le début de l'immersion")

        @staticmethod
        def change(state, step, on, data):
            """The job, the immersion or the whole support breaks; the pathway is interrupted."""
            state.ruptures.append(
                {"on": on, "scope": data["scope"], "kind": data["kind"], "stage": state.stage,
                 "initiated_by": data["initiated_by"]}
            )
            if data["scope"] in ("job", "pathway"):
                # the job breaks, or the person leaves support: either way the follow-up ends
                if state.job is not None and state.hires:
                    state.hires[-1]["ended_on"] = on
                state.job = None
                if state.follow_up and not state.follow_up.get("completed_on"):
                    state.follow_up = None
            if data["scope"] in ("immersion", "pathway"):
                state.close_immersion(on, "interrupted")
            state.enter("interrupted", on)

    class ProposedToCompany(StepEvent, Aggregate.Event):
        code = "proposed_to_company"
        label = "proposition à une entreprise"
        example = {"company_id": "5f0c7c7e-3a53-5d9a-9b1f-7d0f1c2b3a4d", "need_id": "vendeurs-2026"}
        description = ("Proposition de la personne à une entreprise, pour l'un de ses besoins de "
                       "recrutement (décidée en comité ou par le référent).")
        defaults = {"committee_session_id": None}
        summary_neutral = True  # no new statistics version for it
        occurred_on: date
        actor: dict
        company_id: Identifier
        need_id: Identifier
        committee_session_id: Identifier | None

        @staticmethod
        def check(state, step, on, data):
            """Only a person available for a job: repéré, orienté or en rupture."""
            if state.stage not in v.AVAILABLE_STAGES:
                raise StepNotAllowed(
                    "seule une personne disponible (repérée, orientée ou en rupture) se propose à "
                    f"une entreprise ; ce parcours est au stade « {v.STAGE_LABELS[state.stage]} »",
                    field="step")

        @staticmethod
        def change(state, step, on, data):
            """The proposal joins the pathway's list; the stage does not move."""
            state.proposals.append({"on": on, "company_id": data["company_id"],
                                    "need_id": data["need_id"]})

    class Exited(StepEvent, Aggregate.Event):
        code = "exited"
        label = "sortie"
        example = {"outcome": "sustainable_employment"}
        description = "Sortie du parcours."
        choices = {"outcome": v.EXIT_OUTCOMES}
        occurred_on: date
        actor: dict
        outcome: str

        @staticmethod
        def check(state, step, on, data):
            """The exit comes after the pathway's last step."""
            not_before(on, state.last_event_on, "la dernière étape du parcours")

        @staticmethod
        def change(state, step, on, data):
            """The pathway closes with its outcome."""
            state.exit = {"on": on, "outcome": data["outcome"]}
            state.close_immersion(on, "exited")
            state.referral = None
            state.awaiting_next_step_since = None
            state.enter("exited", on)

    class Corrected(StepEvent, Aggregate.Event):
        code = "corrected"
        label = "correction"
        example = {"corrects_version": 3, "changes": {"occurred_on": "2026-03-05"},
                   "reason": "date mal saisie"}
        description = "Correction d'une étape déjà enregistrée (jamais réécrite)."
        #: its own reason; the texts it changes are the corrected step's (`PRIVATE_TEXT_NAMES`)
        private_text = ("reason",)
        occurred_on: date
        actor: dict
        corrects_version: int
        changes: dict
        reason: Label

        @staticmethod
        def check(state, step, on, data):
            """Corrections are checked against the whole history by `check_correction`."""

        @staticmethod
        def change(state, step, on, data):
            """A correction changes nothing by itself: `derive` applies it to the corrected step."""

    #: Version 2: each hire of the state names its employer and what became of it (snapshots
    #: taken before have their state derived again from their steps).
    class_version = 2

    def __init__(self) -> None:
        self._steps: list[Step] = []
        self._state = PathwayState()

    @staticmethod
    def upcast_v1_v2(state: dict) -> None:
        """A snapshot of version 1: its derived state, folded again from its steps by today's
        changes (hires without their employer otherwise)."""
        state["_state"] = derive(state["_steps"])

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
    return tuple(field_types(event_class))


def field_types(event_class: type) -> dict[str, Any]:
    """name → annotation of a step event's fields after its business date and actor."""
    found = {f.name: f.type for f in dataclasses.fields(event_class)}
    names = list(found)
    return {name: found[name] for name in names[names.index("actor") + 1:]}


def step_events(aggregate: type) -> dict[str, type]:
    """code → event class of every step event nested in `aggregate`, in the order they are
    declared (each was checked whole when its class was made: `refuse_half_declared`)."""
    found = {}
    for cls in vars(aggregate).values():
        if isinstance(cls, type) and issubclass(cls, StepEvent):
            if cls.code in found:
                raise TypeError(f"{cls.__qualname__} reuses the code {cls.code!r}")
            found[cls.code] = cls
    return found


class Catalogue(NamedTuple):
    """Every registry of an aggregate's steps, read from its step event classes."""

    #: code → event class, in the order of a pathway.
    events: dict[str, type[StepEvent]]
    #: every code, and those a user logs on an opened pathway (all but the creating event's).
    codes: tuple[str, ...]
    loggable: tuple[str, ...]
    #: code → French label, for documents and messages meant for professionals.
    labels: dict[str, str]
    #: code → the fields the step carries besides its business date and actor.
    fields: dict[str, tuple[str, ...]]
    #: the steps that never change a pathway's statistical summary (no new version is kept).
    summary_neutral: frozenset[str]
    #: code → the free-text fields typed about the person (sealed before the event is made).
    private_text: dict[str, tuple[str, ...]]


def catalogue(aggregate: type) -> Catalogue:
    """The registries of `aggregate`'s step events (`Pathway`'s are this module's constants)."""
    events = step_events(aggregate)
    return Catalogue(
        events=events,
        codes=tuple(events),
        loggable=tuple(code for code, cls in events.items() if not issubclass(cls, Aggregate.Created)),
        labels={code: cls.label for code, cls in events.items()},
        fields={code: own_fields(cls) for code, cls in events.items()},
        summary_neutral=frozenset(code for code, cls in events.items() if cls.summary_neutral),
        private_text={code: cls.private_text for code, cls in events.items() if cls.private_text},
    )


STEP_CATALOGUE = catalogue(Pathway)
#: Every step: code → its event class, in the order of a pathway.
STEP_EVENTS: dict[str, type[StepEvent]] = STEP_CATALOGUE.events
STEPS = STEP_CATALOGUE.codes
LOGGABLE_STEPS = STEP_CATALOGUE.loggable
#: French labels, for documents and messages meant for professionals.
STEP_LABELS = STEP_CATALOGUE.labels
#: The fields each step carries besides its business date and actor (the step bodies' fields).
STEP_FIELDS = STEP_CATALOGUE.fields
#: Steps that never change a pathway's statistical summary (no new version is kept for them).
SUMMARY_NEUTRAL_STEPS = STEP_CATALOGUE.summary_neutral
#: code → the free-text fields of the step typed about the person (sealed by the application).
PRIVATE_TEXT = STEP_CATALOGUE.private_text
#: Every private text's field name: those a correction's `changes` may carry (a correction
#: changes the fields of the step it corrects, whatever its code).
PRIVATE_TEXT_NAMES = tuple(sorted({name for names in PRIVATE_TEXT.values() for name in names}))


def check_step(state: PathwayState, step: Step, today: date) -> None:
    """Raises the DomainError that refuses `step` on a pathway in `state`, or returns None:
    the rules of every step, then the codes of its enumerated fields, then its own check."""
    checks.check_common(state, step, today)
    event_class = STEP_EVENTS[step.code]
    checks.check_choices(event_class.choices, step.data)
    event_class.check(state, step, step.occurred_on, step.data)


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
