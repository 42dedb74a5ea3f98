"""The Company aggregate: an employer the Cité mobilises (relation aux entreprises).

A company is keyed by its territory and SIRET (one stream per establishment and Cité, its id
derived from both),
and its stream records what the partners did with it: its registration (name, NAF sector, size
band, town, whether it lies in or near a QPV), the contact people named (their identity lives in
the encrypted personal-data store, never in events), the recruitment needs it posted and what
came of them, the PMSMP hosting it offers, its participations in the Cité's events (job dating,
café CV, visit…), the tutors and sponsors (parrains) it named for pathways, and the commitments
it signed (charter, club). As for pathways, events are never rewritten: a `corrected` event
names the version it corrects, and the derived state applies it.

Each event declares, next to its fields, its French label, its guard (`check`) and its change to
the derived state (`change`), as the pathway's steps do.
"""

import dataclasses
import re
from collections.abc import Callable
from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from .errors import DateInFuture, DateOutOfOrder, DomainError, InvalidCorrection, InvalidValue
from .siret import is_valid_siret
from .steps import Step, effective_steps
from .vocabulary import CONTRACT_TYPES, CONTRACTS_WITH_LENGTH

#: Company size bands (INSEE's tranches, grouped as the steering committee reads them).
SIZE_BANDS = ("micro", "small", "medium", "intermediate", "large")
SIZE_LABELS = {
    "micro": "moins de 10 salariés", "small": "10 à 49 salariés", "medium": "50 à 249 salariés",
    "intermediate": "250 à 4 999 salariés", "large": "5 000 salariés et plus",
}
#: Where the establishment lies, for the Cité's "entreprises du quartier" figures.
QPV_LOCATIONS = ("in_qpv", "near_qpv", "elsewhere")
QPV_LABELS = {"in_qpv": "dans un QPV", "near_qpv": "à proximité d'un QPV", "elsewhere": "hors QPV"}
NEED_OUTCOMES = ("filled", "partly_filled", "withdrawn")
NEED_OUTCOME_LABELS = {"filled": "pourvu", "partly_filled": "pourvu en partie", "withdrawn": "retiré"}
PARTICIPATION_KINDS = ("job_dating", "cafe_cv", "visit", "forum", "mock_interview")
PARTICIPATION_LABELS = {
    "job_dating": "job dating", "cafe_cv": "café CV", "visit": "visite d'entreprise",
    "forum": "forum emploi", "mock_interview": "simulation d'entretien",
}
SPONSOR_ROLES = ("tutor", "sponsor")
SPONSOR_LABELS = {"tutor": "tuteur", "sponsor": "parrain ou marraine"}
COMMITMENT_KINDS = ("charter", "club")
COMMITMENT_LABELS = {"charter": "charte d'engagement", "club": "club d'entreprises"}

#: The sections of the NAF (rév. 2) by their first division: how the steering committee reads
#: a company's sector ("56.10A", a restaurant, is in section I).
NAF_SECTIONS = (
    ("A", 1, "agriculture, sylviculture et pêche"), ("B", 5, "industries extractives"),
    ("C", 10, "industrie manufacturière"), ("D", 35, "énergie"),
    ("E", 36, "eau, assainissement, déchets"), ("F", 41, "construction"),
    ("G", 45, "commerce, réparation automobile"), ("H", 49, "transports et entreposage"),
    ("I", 55, "hébergement et restauration"), ("J", 58, "information et communication"),
    ("K", 64, "finance et assurance"), ("L", 68, "activités immobilières"),
    ("M", 69, "activités spécialisées, scientifiques et techniques"),
    ("N", 77, "services administratifs et de soutien"), ("O", 84, "administration publique"),
    ("P", 85, "enseignement"), ("Q", 86, "santé humaine et action sociale"),
    ("R", 90, "arts, spectacles et loisirs"), ("S", 94, "autres activités de services"),
    ("T", 97, "ménages employeurs"), ("U", 99, "activités extra-territoriales"),
)
SECTOR_LABELS = {letter: label for letter, _first, label in NAF_SECTIONS}


def naf_section(naf_code: str | None) -> str | None:
    """The NAF section (a letter) of a NAF code, None without a code."""
    if not naf_code:
        return None
    division = int(naf_code[:2])
    letter = None
    for candidate, first, _label in NAF_SECTIONS:
        if division >= first:
            letter = candidate
    return letter


#: A NAF (APE) code, as INSEE writes it: "56.10A".
NAF_CODE = re.compile(r"^\d{2}\.\d{2}[A-Z]$")
#: A ROME job code (France Travail's répertoire): a letter and four digits, "G1602".
ROME_CODE = re.compile(r"^[A-N]\d{4}$")
#: Bounds that catch typing errors without refusing a real need or offer.
MAX_POSITIONS = 500
MAX_HOSTING_CAPACITY = 50

_COMPANY_NAMESPACE = uuid5(NAMESPACE_URL, "https://casecommittee.example/companies")


def company_id(territory_id: str, siret: str) -> UUID:
    """A company's aggregate id, derived from the territory and the SIRET: one stream per
    establishment in each Cité, and a second registration of the same SIRET there conflicts in
    the event store instead of duplicating."""
    return uuid5(_COMPANY_NAMESPACE, f"{territory_id}/{siret}")


@dataclass
class CompanyState:
    """What the company's stream says, every correction applied."""

    territory_id: str | None = None
    siret: str | None = None
    name: str | None = None
    naf_code: str | None = None
    size_band: str | None = None
    town: str | None = None
    qpv_location: str | None = None
    registered_on: date | None = None
    contacts: list[dict] = field(default_factory=list)
    needs: dict[str, dict] = field(default_factory=dict)
    hosting_offers: list[dict] = field(default_factory=list)
    participations: list[dict] = field(default_factory=list)
    sponsors: list[dict] = field(default_factory=list)
    commitments: list[dict] = field(default_factory=list)
    version: int = 0

    def open_needs(self) -> list[dict]:
        """The needs still to be filled, oldest first."""
        return [need for need in self.needs.values() if need["outcome"] is None]

    def hosting_capacity(self) -> int:
        """The PMSMP places the company offered, all offers together."""
        return sum(offer["capacity"] for offer in self.hosting_offers)

    def activity_days(self) -> list[date]:
        """The business dates of what the Cité did with the company (registration included):
        a company is "mobilised" in a period when one of them falls in it."""
        days = [self.registered_on,
                *(n["posted_on"] for n in self.needs.values()),
                *(n["closed_on"] for n in self.needs.values() if n["closed_on"]),
                *(o["offered_on"] for o in self.hosting_offers),
                *(p["held_on"] for p in self.participations),
                *(x["named_on"] for x in self.sponsors),
                *(c["signed_on"] for c in self.commitments),
                *(c["named_on"] for c in self.contacts)]
        return sorted(d for d in days if d is not None)

    def last_activity_on(self) -> date | None:
        """The business date of the company's latest event (registration included)."""
        days = self.activity_days()
        return days[-1] if days else None


def _check_choice(value, allowed: tuple[str, ...], name: str, what: str) -> None:
    if value not in allowed:
        raise InvalidValue(f"{what} « {value} » inconnu ; valeurs possibles : {', '.join(allowed)}",
                           field=name)


def _check_text(value, name: str, what: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(f"{what} est obligatoire", field=name)


def _need(state: CompanyState, need_id: str) -> dict:
    need = state.needs.get(need_id)
    if need is None:
        raise InvalidValue(f"aucun besoin {need_id} pour cette entreprise", field="need_id")
    return need


class CompanyEvent:
    """What every company event shares: it becomes a record and moves the state on."""

    code: ClassVar[str]
    label: ClassVar[str]
    defaults: ClassVar[dict[str, Any]] = {}
    check: ClassVar[Callable[[CompanyState, Step], None]]
    change: ClassVar[Callable[[CompanyState, Step], None]]

    def as_step(self) -> Step:
        """The event as a record (business date, recorded time, actor, fields)."""
        return Step(
            version=self.originator_version, code=self.code, occurred_on=self.occurred_on,
            recorded_at=self.timestamp, actor=self.actor,
            data={name: getattr(self, name) for name in COMPANY_FIELDS[self.code]},
        )

    def apply(self, aggregate: "Company") -> None:
        """Appends the record to the company's history and folds it into the state."""
        aggregate._take(self.as_step())


class Company(Aggregate):
    """An employer of the territory, from its registration to what came of the Cité's work with it."""

    class Registered(CompanyEvent, Aggregate.Created):
        code = "registered"
        label = "enregistrement de l'entreprise"
        defaults = {"naf_code": None, "town": None}
        occurred_on: date
        actor: dict
        territory_id: str
        siret: str
        name: str
        naf_code: str | None
        size_band: str
        town: str | None
        qpv_location: str

        @staticmethod
        def check(state: CompanyState, step: Step) -> None:
            """A valid SIRET, a name, a known size band and QPV location, a NAF code as INSEE writes it."""
            data = step.data
            _check_text(data["territory_id"], "territory_id", "le territoire")
            if not isinstance(data["siret"], str) or not is_valid_siret(data["siret"]):
                raise InvalidValue("le SIRET doit compter 14 chiffres et avoir une clé valide",
                                   field="siret")
            _check_text(data["name"], "name", "la raison sociale")
            if data["naf_code"] is not None and not NAF_CODE.match(str(data["naf_code"])):
                raise InvalidValue("le code NAF s'écrit comme « 56.10A »", field="naf_code")
            _check_choice(data["size_band"], SIZE_BANDS, "size_band", "tranche d'effectif")
            _check_choice(data["qpv_location"], QPV_LOCATIONS, "qpv_location", "localisation")

        @staticmethod
        def change(state: CompanyState, step: Step) -> None:
            """The company's identity card."""
            for name in ("territory_id", "siret", "name", "naf_code", "size_band", "town",
                         "qpv_location"):
                setattr(state, name, step.data[name])
            state.registered_on = step.occurred_on

    class ContactNamed(CompanyEvent, Aggregate.Event):
        code = "contact_named"
        label = "contact désigné"
        occurred_on: date
        actor: dict
        contact_id: str

        @staticmethod
        def check(state: CompanyState, step: Step) -> None:
            """One contact id, named once."""
            _check_text(step.data["contact_id"], "contact_id", "l'identifiant du contact")
            if any(c["contact_id"] == step.data["contact_id"] for c in state.contacts):
                raise InvalidValue("ce contact est déjà désigné", field="contact_id")

        @staticmethod
        def change(state: CompanyState, step: Step) -> None:
            """A contact person; the identity is in the personal-data store under its id."""
            state.contacts.append({"contact_id": step.data["contact_id"], "named_on": step.occurred_on})

    class NeedPosted(CompanyEvent, Aggregate.Event):
        code = "need_posted"
        label = "besoin de recrutement"
        defaults = {"rome_code": None, "contract_months": None, "requirements": None}
        occurred_on: date
        actor: dict
        need_id: str
        job_title: str
        rome_code: str | None
        contract_type: str
        contract_months: int | None
        positions: int
        starts_on: date
        requirements: str | None
        group_ids: list

        @staticmethod
        def check(state: CompanyState, step: Step) -> None:
            """A job, a contract (with its length when it has one), 1 to 500 positions, groups."""
            data = step.data
            _check_text(data["need_id"], "need_id", "l'identifiant du besoin")
            if data["need_id"] in state.needs:
                raise InvalidValue("ce besoin est déjà enregistré", field="need_id")
            _check_text(data["job_title"], "job_title", "l'intitulé du poste")
            if data["rome_code"] is not None and not ROME_CODE.match(str(data["rome_code"])):
                raise InvalidValue("le code ROME s'écrit comme « G1602 »", field="rome_code")
            _check_choice(data["contract_type"], CONTRACT_TYPES, "contract_type", "type de contrat")
            months = data["contract_months"]
            if data["contract_type"] in CONTRACTS_WITH_LENGTH and not months:
                raise InvalidValue("la durée du contrat (en mois) est obligatoire pour ce contrat",
                                   field="contract_months")
            if months is not None and (not isinstance(months, int) or not 1 <= months <= 60):
                raise InvalidValue("la durée du contrat va de 1 à 60 mois", field="contract_months")
            positions = data["positions"]
            if not isinstance(positions, int) or not 1 <= positions <= MAX_POSITIONS:
                raise InvalidValue(f"le nombre de postes va de 1 à {MAX_POSITIONS}", field="positions")
            if data["starts_on"] < step.occurred_on:
                raise DateOutOfOrder("le poste ne peut commencer avant que le besoin soit exprimé",
                                     field="starts_on")
            groups = data["group_ids"]
            if not groups or not all(isinstance(g, str) and g for g in groups):
                raise InvalidValue("le besoin est proposé à au moins un groupe", field="group_ids")

        @staticmethod
        def change(state: CompanyState, step: Step) -> None:
            """An open need."""
            state.needs[step.data["need_id"]] = {
                **step.data, "group_ids": list(step.data["group_ids"]), "posted_on": step.occurred_on,
                "outcome": None, "closed_on": None, "positions_filled": 0, "hired_pathway_ids": [],
            }

    class NeedClosed(CompanyEvent, Aggregate.Event):
        code = "need_closed"
        label = "issue du besoin"
        defaults = {"hired_pathway_ids": []}
        occurred_on: date
        actor: dict
        need_id: str
        outcome: str
        positions_filled: int
        hired_pathway_ids: list

        @staticmethod
        def check(state: CompanyState, step: Step) -> None:
            """An open need; filled means every position, partly some, withdrawn none."""
            data = step.data
            need = _need(state, data["need_id"])
            if need["outcome"] is not None:
                raise InvalidValue("ce besoin est déjà clos", field="need_id")
            if step.occurred_on < need["posted_on"]:
                raise DateOutOfOrder("un besoin ne se clôt pas avant d'avoir été exprimé",
                                     field="occurred_on")
            _check_choice(data["outcome"], NEED_OUTCOMES, "outcome", "issue")
            filled, positions = data["positions_filled"], need["positions"]
            expected = {"filled": filled == positions, "partly_filled": 0 < filled < positions,
                        "withdrawn": filled == 0}
            if not isinstance(filled, int) or not expected[data["outcome"]]:
                raise InvalidValue(
                    f"« {NEED_OUTCOME_LABELS[data['outcome']]} » : {positions} poste(s) ouvert(s), "
                    f"{filled} pourvu(s) ne correspond pas", field="positions_filled")
            if len(data["hired_pathway_ids"]) > filled:
                raise InvalidValue("plus de personnes embauchées que de postes pourvus",
                                   field="hired_pathway_ids")

        @staticmethod
        def change(state: CompanyState, step: Step) -> None:
            """The need's outcome."""
            need = state.needs[step.data["need_id"]]
            need.update(outcome=step.data["outcome"], closed_on=step.occurred_on,
                        positions_filled=step.data["positions_filled"],
                        hired_pathway_ids=list(step.data["hired_pathway_ids"]))

    class HostingOffered(CompanyEvent, Aggregate.Event):
        code = "hosting_offered"
        label = "offre d'accueil en immersion (PMSMP)"
        occurred_on: date
        actor: dict
        capacity: int
        jobs: list

        @staticmethod
        def check(state: CompanyState, step: Step) -> None:
            """1 to 50 places, at least one job to discover."""
            capacity = step.data["capacity"]
            if not isinstance(capacity, int) or not 1 <= capacity <= MAX_HOSTING_CAPACITY:
                raise InvalidValue(f"la capacité d'accueil va de 1 à {MAX_HOSTING_CAPACITY}",
                                   field="capacity")
            jobs = step.data["jobs"]
            if not jobs or not all(isinstance(j, str) and j.strip() for j in jobs):
                raise InvalidValue("au moins un métier à découvrir", field="jobs")

        @staticmethod
        def change(state: CompanyState, step: Step) -> None:
            """A hosting offer."""
            state.hosting_offers.append({"offered_on": step.occurred_on, "capacity": step.data["capacity"],
                                         "jobs": list(step.data["jobs"])})

    class Participated(CompanyEvent, Aggregate.Event):
        code = "participated"
        label = "participation à une action"
        defaults = {"note": None}
        occurred_on: date
        actor: dict
        kind: str
        note: str | None

        @staticmethod
        def check(state: CompanyState, step: Step) -> None:
            """A known kind of action."""
            _check_choice(step.data["kind"], PARTICIPATION_KINDS, "kind", "action")

        @staticmethod
        def change(state: CompanyState, step: Step) -> None:
            """A participation."""
            state.participations.append({"held_on": step.occurred_on, "kind": step.data["kind"],
                                         "note": step.data["note"]})

    class SponsorNamed(CompanyEvent, Aggregate.Event):
        code = "sponsor_named"
        label = "tuteur ou parrain désigné"
        defaults = {"contact_id": None}
        occurred_on: date
        actor: dict
        pathway_id: str
        role: str
        contact_id: str | None

        @staticmethod
        def check(state: CompanyState, step: Step) -> None:
            """A pathway, a known role, and (if given) a contact already named."""
            _check_text(step.data["pathway_id"], "pathway_id", "le parcours")
            _check_choice(step.data["role"], SPONSOR_ROLES, "role", "rôle")
            contact = step.data["contact_id"]
            if contact is not None and all(c["contact_id"] != contact for c in state.contacts):
                raise InvalidValue("ce contact n'est pas désigné pour cette entreprise",
                                   field="contact_id")

        @staticmethod
        def change(state: CompanyState, step: Step) -> None:
            """A tutor or sponsor for a pathway."""
            state.sponsors.append({"named_on": step.occurred_on, **step.data})

    class CommitmentSigned(CompanyEvent, Aggregate.Event):
        code = "commitment_signed"
        label = "engagement signé"
        occurred_on: date
        actor: dict
        kind: str
        title: str

        @staticmethod
        def check(state: CompanyState, step: Step) -> None:
            """A known kind and a title."""
            _check_choice(step.data["kind"], COMMITMENT_KINDS, "kind", "engagement")
            _check_text(step.data["title"], "title", "l'intitulé de l'engagement")

        @staticmethod
        def change(state: CompanyState, step: Step) -> None:
            """A commitment."""
            state.commitments.append({"signed_on": step.occurred_on, **step.data})

    class Corrected(CompanyEvent, Aggregate.Event):
        code = "corrected"
        label = "correction"
        occurred_on: date
        actor: dict
        corrects_version: int
        changes: dict
        reason: str

        @staticmethod
        def check(state: CompanyState, step: Step) -> None:
            """Checked against the whole history by `check_correction`."""

        @staticmethod
        def change(state: CompanyState, step: Step) -> None:
            """Applied by `derive_company` to the record it corrects."""

    def __init__(self) -> None:
        self._records: list[Step] = []
        self._state = CompanyState()

    # ---- commands ------------------------------------------------------------------------

    @classmethod
    def register(cls, *, occurred_on: date, actor: dict, today: date,
                 recorded_at: datetime | None = None, **data: Any) -> "Company":
        """Registers a company (keyed by its territory and SIRET) once its details pass every rule."""
        fields = _complete("registered", data)
        recorded_at = recorded_at or _now()
        record = Step(1, "registered", occurred_on, recorded_at, actor, fields)
        check_record(CompanyState(), record, today)
        return cls._create(cls.Registered, id=company_id(fields["territory_id"], fields["siret"]), occurred_on=occurred_on,
                           actor=actor, timestamp=recorded_at, **fields)

    def record(self, code: str, *, occurred_on: date, actor: dict, today: date,
               recorded_at: datetime | None = None, **data: Any) -> None:
        """Appends one event (any code but `registered`) once the rules accept it."""
        event_class = COMPANY_EVENTS.get(code)
        if event_class is None or code == "registered":
            raise InvalidValue(
                f"événement « {code} » inconnu ; possibles : {', '.join(RECORDABLE_EVENTS)}",
                field="event")
        fields = _complete(code, data)
        recorded_at = recorded_at or _now()
        record = Step(self.version + 1, code, occurred_on, recorded_at, actor, fields)
        check_record(self._state, record, today)
        if code == "corrected":
            check_correction(self._records, record, today)
        self.trigger_event(event_class, occurred_on=occurred_on, actor=actor,
                           timestamp=recorded_at, **fields)

    # ---- queries -------------------------------------------------------------------------

    @property
    def state(self) -> CompanyState:
        """The derived state, every correction applied."""
        return self._state

    @property
    def records(self) -> list[Step]:
        """Every event in the order it was recorded, corrections included."""
        return list(self._records)

    def state_as_of(self, as_of: date | None = None, known_at: datetime | None = None) -> CompanyState:
        """The state from the events recorded by `known_at` (all by default) whose business
        date is on or before `as_of` (any by default), corrections applied to those they correct."""
        records = [r for r in self._records if known_at is None or r.recorded_at <= known_at]
        kept = {r.version for r in effective_steps(records) if as_of is None or r.occurred_on <= as_of}
        return derive_company([
            r for r in records
            if r.version in kept or (r.code == "corrected" and r.data["corrects_version"] in kept)
        ])

    def _take(self, record: Step) -> None:
        self._records.append(record)
        if record.code == "corrected":
            self._state = derive_company(self._records)
        else:
            COMPANY_EVENTS[record.code].change(self._state, record)
            self._state.version = record.version


def _own_fields(event_class: type) -> tuple[str, ...]:
    names = [f.name for f in dataclasses.fields(event_class)]
    return tuple(names[names.index("actor") + 1:])


#: Every company event: code → its event class, in the order they are declared.
COMPANY_EVENTS: dict[str, type[CompanyEvent]] = {
    cls.code: cls for cls in vars(Company).values()
    if isinstance(cls, type) and issubclass(cls, CompanyEvent)
}
RECORDABLE_EVENTS = tuple(code for code in COMPANY_EVENTS if code != "registered")
COMPANY_EVENT_LABELS = {code: cls.label for code, cls in COMPANY_EVENTS.items()}
COMPANY_FIELDS = {code: _own_fields(cls) for code, cls in COMPANY_EVENTS.items()}
#: The registration details a correction may change (territory and SIRET key the stream: never).
CORRECTABLE_REGISTRATION = ("occurred_on", "name", "naf_code", "size_band", "town", "qpv_location")


def check_record(state: CompanyState, record: Step, today: date) -> None:
    """Raises the DomainError refusing `record` on a company in `state`: dates, then its own guard."""
    if record.occurred_on > today:
        raise DateInFuture(f"la date du {record.occurred_on:%d/%m/%Y} est dans le futur",
                           field="occurred_on")
    if state.registered_on is not None and record.occurred_on < state.registered_on:
        raise DateOutOfOrder(
            f"la date du {record.occurred_on:%d/%m/%Y} précède l'enregistrement de l'entreprise "
            f"({state.registered_on:%d/%m/%Y})", field="occurred_on")
    COMPANY_EVENTS[record.code].check(state, record)


def derive_company(records: list[Step]) -> CompanyState:
    """The state a history leads to, every correction applied to the event it corrects."""
    state = CompanyState()
    for record in effective_steps(records):
        COMPANY_EVENTS[record.code].change(state, record)
    if records:
        state.version = records[-1].version
    return state


def check_correction(records: list[Step], correction: Step, today: date) -> None:
    """Refuses a correction that names no correctable event or field, or breaks a rule once applied."""
    target = next((r for r in records if r.version == correction.data["corrects_version"]), None)
    if target is None or target.code == "corrected":
        raise InvalidCorrection("la version corrigée n'existe pas ou est une correction",
                                field="corrects_version")
    changes = correction.data["changes"] or {}
    if not changes:
        raise InvalidCorrection("la correction ne change rien", field="changes")
    allowed = (CORRECTABLE_REGISTRATION if target.code == "registered"
               else ("occurred_on",) + tuple(f for f in COMPANY_FIELDS[target.code] if f != "need_id"))
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise InvalidCorrection(
            f"champ(s) non corrigeable(s) : {', '.join(unknown)} ; champs possibles : {', '.join(allowed)}",
            field="changes")
    if not (correction.data["reason"] or "").strip():
        raise InvalidCorrection("le motif de la correction est obligatoire", field="reason")
    state = CompanyState()
    try:
        for record in effective_steps(records + [correction]):
            check_record(state, record, today)
            COMPANY_EVENTS[record.code].change(state, record)
    except DomainError as error:
        raise InvalidCorrection(
            f"une fois corrigée, la fiche ne respecte plus une règle : {error.message}",
            field="changes") from error


def _complete(code: str, data: dict) -> dict:
    names = COMPANY_FIELDS[code]
    unknown = set(data) - set(names)
    if unknown:
        raise InvalidValue(f"champ(s) inconnu(s) pour {code} : {', '.join(sorted(unknown))}",
                           field=sorted(unknown)[0])
    defaults = COMPANY_EVENTS[code].defaults
    missing = [n for n in names if n not in data and n not in defaults]
    if missing:
        raise InvalidValue(f"champ obligatoire manquant : {missing[0]}", field=missing[0])
    return {name: data[name] if name in data else copy(defaults[name]) for name in names}


def _now():
    return Company.Event.create_timestamp()
