"""A realistic demo territory: Belfort's three working groups over two years.

Deterministic for a given seed. Proportions follow the sources (`shared/reference/`): most
people oriented within one or two months, a share of PMSMP, hires with a mix of contracts (about
half "emploi durable"), ruptures in the trial period, 15-week follow-ups, exits. Business dates
lie in the two years before today; each step is recorded a few days after it happened, as
referents do, so `known_at` statistics differ from `as_of` ones. Given the committees' calendar
(`demo_sessions.CommitteeCalendar`), most first orientations are decided by the group's monthly
committee: on the session's date, recorded during the session, with its id.
"""

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from .domain.errors import DomainError
from .domain.pathway import Pathway
from .domain.rules import suggested_outcome
from .stores.reference import groups as groups_table
from .stores.reference import structures as structures_table
from .stores.reference import territories as territories_table
from .stores.reference import users as users_table
from .stores.sealed_texts import new_key, seal_step_fields

NAMESPACE = uuid.UUID("6f1d4a52-2a0e-4c4b-9d7e-0c1a5e3b8f21")

GROUPS = (
    # name, target per year, share of people, co-pilot structures
    ("Jeunes décrocheurs", 25, 0.40, ("Mission locale du Territoire de Belfort", "Unis-Cité")),
    ("Familles monoparentales", 20, 0.30, ("Conseil départemental du Territoire de Belfort", "PLIE du Territoire de Belfort", "CIDFF du Territoire de Belfort")),
    ("Diplômés", 20, 0.30, ("France Travail Belfort", "MIFE", "CREPI Franche-Comté")),
)
STRUCTURE_KINDS = {
    "Mission locale du Territoire de Belfort": "mission_locale", "Unis-Cité": "association",
    "Conseil départemental du Territoire de Belfort": "departement",
    "PLIE du Territoire de Belfort": "plie", "CIDFF du Territoire de Belfort": "cidf",
    "France Travail Belfort": "france_travail", "MIFE": "association",
    "CREPI Franche-Comté": "company_network",
}
#: The scheme whose people a company's manager sponsors (parrainage).
SPONSORED_SCHEME = "Parrainage CREPI"
#: Illustrative neighbourhood codes for Belfort's priority neighbourhoods (QPV).
QPV_CODES = ("QN09001M", "QN09002M", "QN09003M", "QN09004M")
SCHEMES = {
    "Jeunes décrocheurs": ("Contrat d'engagement jeune (CEJ)", "E2C", "Épide", "Service civique", "Formation qualifiante"),
    "Familles monoparentales": ("PLIE", "IAE", "Formation qualifiante", "Accompagnement global"),
    "Diplômés": ("Accompagnement intensif jeunes diplômés", "Parrainage CREPI", "Formation qualifiante", "IAE"),
}
#: Hosts and employers of a territory drawn without the demo's companies (`demo_companies`).
EMPLOYERS = (
    ("Alstom Transport", "38965558600023"), ("General Electric Belfort", "31564987900041"),
    ("Boulangerie du Lion", None), ("EHPAD Les Eparses", "77556699800012"),
    ("Leclerc Belfort", "32145698700018"), ("Transports Optymo", None),
    ("Mairie de Belfort", "21900010500019"), ("Carrefour Market Valdoie", None),
)
#: Varied enough that one agenda of 15 people rarely shows the same "first name + initial" twice.
FIRST_NAMES = (
    "Inès", "Yanis", "Sarah", "Mehdi", "Léa", "Kevin", "Aïcha", "Lucas", "Nadia", "Théo", "Amina",
    "Bilal", "Chloé", "Dylan", "Emma", "Fatou", "Gabriel", "Hawa", "Ilyes", "Jade", "Karim", "Lina",
    "Moussa", "Noémie", "Omar", "Pauline", "Quentin", "Rayan", "Sofia", "Tom", "Ursule", "Victor",
    "Wassim", "Yasmine", "Zoé", "Adam", "Baptiste", "Camille", "Djibril", "Elif", "Florian",
    "Grace", "Hugo", "Imane", "Jordan", "Kenza", "Louis", "Maëlys", "Nathan", "Océane", "Rania",
    "Samuel", "Tiphaine", "Walid", "Anaïs", "Enzo", "Salomé", "Idriss", "Manon", "Sékou",
)
LAST_NAMES = (
    "Martin", "Benali", "Durand", "Haddad", "Petit", "Moreau", "Diallo", "Roux", "Bernard", "Dubois",
    "Thomas", "Robert", "Richard", "Lefebvre", "Leroy", "Garnier", "Faure", "Rousseau", "Blanc",
    "Guerin", "Muller", "Henry", "Nguyen", "Traoré", "Kaya", "Mansouri", "Bouzid", "Cissé", "Da Silva",
    "Fernandes", "Lopez", "Morel", "Girard", "Andre", "Mercier", "Dupont", "Lambert", "Bonnet",
    "François", "Martinez", "Legrand", "Chevalier", "Yilmaz", "Camara", "Keita", "Ziani", "Belkacem",
    "Ferreira", "Schmitt", "Weber", "Meyer", "Koné", "Sow", "Rey", "Perrin", "Marchal", "Vidal",
    "Colin", "Arnaud", "Gauthier",
)


class DemoAlreadyLoaded(Exception):
    """The store already holds the demo drawn from this seed."""


@dataclass
class DemoTerritory:
    """The reference data of the demo: ids of the territory, groups, structures and users."""

    territory_id: str
    groups: list[dict]
    structures: dict[str, dict]
    users: dict[str, dict]


def _id(*parts) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(map(str, parts))))


def create_territory(reference) -> DemoTerritory:
    """Belfort, its three groups, the partner structures and a user per role (idempotent)."""
    territory_id = _id("territory", "Belfort")
    existing = reference.get(territories_table, territory_id)
    structures, users, groups = {}, {}, []
    if existing is None:
        reference.add_territory("Cité de l'emploi de Belfort", id=territory_id)
        for name, kind in STRUCTURE_KINDS.items():
            reference.add_structure(territory_id, name, kind, id=_id("structure", name))
    for name in STRUCTURE_KINDS:
        structures[name] = reference.get(structures_table, _id("structure", name))
    for name, target, _share, pilots in GROUPS:
        group_id = _id("group", name)
        if existing is None:
            reference.add_group(territory_id, name, target, id=group_id)
        groups.append(reference.get(groups_table, group_id))
        for role, count in (("copilot", 1), ("referent", 2)):
            for n in range(count):
                structure = structures[pilots[n % len(pilots)]]
                user_id = _id("user", name, role, n)
                if existing is None:
                    reference.add_user(
                        f"{role.capitalize()} {n + 1} — {name}", role, territory_id, [group_id],
                        structure["id"], id=user_id,
                    )
                users[f"{role}:{name}:{n}"] = reference.get(users_table, user_id)
    for role in ("admin", "auditor"):
        user_id = _id("user", role)
        if existing is None:
            reference.add_user(f"{role.capitalize()} Belfort", role, territory_id, [], None, id=user_id)
        users[role] = reference.get(users_table, user_id)
    return DemoTerritory(territory_id, groups, structures, users)


class _Life:
    """One person's simulated pathway: steps appended while their dates are in the past."""

    def __init__(self, rng: random.Random, today: date, pathway: Pathway, referent: dict):
        self.rng, self.today, self.pathway = rng, today, pathway
        #: The person's key, stored with their identity: the texts about them are sealed with it.
        self.key = new_key()
        self.actor = {"user_id": referent["id"], "role": "referent",
                      "structure_id": referent["structure_id"]}
        self.recorded = pathway.modified_on
        self.on = pathway.state.identified_on

    def step(self, code: str, after_days: int, *, recorded_at: datetime | None = None,
             **fields) -> bool:
        """Logs a step `after_days` after the previous one; False once that date is not past.
        It is recorded a few days later, or at `recorded_at` (a committee's decision)."""
        on = self.on + timedelta(days=max(0, after_days))
        if on > self.today:
            return False
        if recorded_at is None:
            lag = timedelta(days=self.rng.choice((0, 0, 1, 2, 3, 7, 15)), hours=self.rng.randint(8, 17))
            recorded_at = datetime.combine(on, time(), UTC) + lag
        recorded = max(self.recorded + timedelta(seconds=1), recorded_at)
        recorded = min(recorded, datetime.combine(self.today, time(23), UTC))
        today = max(self.today, recorded.date())
        self.pathway.record(code, occurred_on=on, actor=self.actor, today=today,
                            recorded_at=recorded,
                            **seal_step_fields(self.key, self.pathway.id, code, fields))
        self.on, self.recorded = on, recorded
        return True


def _profile(rng: random.Random, group: str, on: date) -> dict:
    ages = {"Jeunes décrocheurs": (16, 25), "Familles monoparentales": (20, 48), "Diplômés": (21, 30)}
    low, high = ages[group]
    flags = []
    if group == "Familles monoparentales":
        flags.append("single_parent")
    if rng.random() < 0.25:
        flags.append("rsa")
    if rng.random() < 0.06:
        flags.append("rqth")
    if rng.random() < 0.05:
        flags.append("refugee")
    quals = {"Jeunes décrocheurs": ("below_cap", "below_cap", "cap_bep"),
             "Familles monoparentales": ("below_cap", "cap_bep", "bac"),
             "Diplômés": ("bac_plus_2", "bac_plus_3", "bac_plus_3")}
    sex = rng.choices(("F", "M", "X"), (90, 9, 1) if group == "Familles monoparentales" else (49, 49, 2))[0]
    return {
        "sex": sex, "birth_year": on.year - rng.randint(low, high),
        "qpv_code": rng.choice(QPV_CODES) if rng.random() < 0.85 else None,
        "qualification_level": rng.choice(quals[group]), "flags": flags,
    }


#: The share of first orientations decided by the group's committee (with a calendar).
COMMITTEE_ORIENTED = 0.7


def simulate_pathway(rng: random.Random, today: date, group: dict, territory: DemoTerritory,
                     identified_on: date, committees=None,
                     companies=None) -> tuple[Pathway, dict, bytes]:
    """One person's pathway, identity and key (their texts sealed with it), steps drawn with the demo's proportions; with the
    committees' calendar, most first orientations are decided in the group's session; with the
    demo's companies (`demo_companies.DemoCompanies`), hosts and employers are among them."""
    name = group["name"]
    pilots = next(p for g, _t, _s, p in GROUPS if g == name)
    referent = territory.users[f"referent:{name}:{rng.randrange(2)}"]
    structure = territory.structures[rng.choice(pilots)]
    profile = _profile(rng, name, identified_on)
    birth_year = profile["birth_year"]
    channel = rng.choices(
        ("aller_vers", "permanence", "partner_referral", "event", "self", "resident"),
        (25, 20, 30, 10, 5, 10))[0]
    consent = rng.random() < 0.9
    recorded_at = datetime.combine(identified_on, time(10), UTC) + timedelta(days=rng.choice((0, 1, 3)))
    recorded_at = min(recorded_at, datetime.combine(today, time(22), UTC))
    pathway = Pathway.identify(
        pathway_id=uuid.UUID(_id("pathway", name, identified_on, rng.random())),
        occurred_on=identified_on, today=max(today, recorded_at.date()), recorded_at=recorded_at,
        actor={"user_id": referent["id"], "role": "referent", "structure_id": referent["structure_id"]},
        group_id=group["id"], channel=channel,
        identified_by_structure_id=None if channel == "resident" else structure["id"],
        profile=profile,
        consent={"committee_sharing": consent, "given_on": identified_on if consent else None},
    )
    person = {
        "first_name": rng.choice(FIRST_NAMES), "last_name": rng.choice(LAST_NAMES),
        "birth_date": date(birth_year, rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
        "phone": f"06{rng.randint(10000000, 99999999)}",
    }
    life = _Life(rng, today, pathway, referent)
    committee = None
    if committees is not None:
        copilot = territory.users[f"copilot:{name}:0"]
        committee = (committees, {"user_id": copilot["id"], "role": "copilot",
                                  "structure_id": copilot["structure_id"]})
    try:
        _live(rng, life, name, structure, referent, committee, companies)
    except DomainError as error:  # a generator bug must not pass silently
        raise RuntimeError(f"demo generator produced an invalid step: {error}") from error
    return pathway, person, life.key


def _orient(rng, life: _Life, group: str, structure: dict, referent: dict, committee) -> bool:
    """The first orientation: by the group's next committee session (with a calendar, most
    often), else by the referent a few weeks on; False when it is not yet due."""
    orientation = {"scheme": rng.choice(SCHEMES[group]), "structure_id": structure["id"],
                   "referent_id": referent["id"]}
    if committee is None or rng.random() >= COMMITTEE_ORIENTED:
        return life.step("oriented", rng.randint(10, 60), **orientation)
    calendar, copilot = committee
    held_on = calendar.next_session_on(life.on + timedelta(days=rng.randint(5, 30)))
    if held_on is None or held_on > life.today:
        return False  # waits for the coming session: the co-pilot orients it there
    group_id, session_id = life.pathway.state.group_id, calendar.session_id(
        life.pathway.state.group_id, held_on)
    before, actor = life.on, life.actor
    life.actor = copilot
    try:
        done = life.step("oriented", (held_on - life.on).days, committee_session_id=str(session_id),
                         recorded_at=datetime.combine(held_on, time(14, rng.randint(0, 59)), UTC),
                         **orientation)
    finally:
        life.actor = actor
    if done:
        calendar.oriented(group_id, held_on, {
            "pathway_id": str(life.pathway.id), "orientation": orientation,
            "recorded_at": life.recorded, "identified_on": life.pathway.state.identified_on,
            "last_event_on": before, "referent_id": referent["id"],
            "consent_sharing": bool(life.pathway.state.consent.get("committee_sharing")),
        })
    return done


def _live(rng, life: _Life, group: str, structure: dict, referent: dict, committee=None,
          companies=None) -> None:
    step = life.step
    if not step("referent_assigned", rng.randint(0, 14), referent_id=referent["id"],
                structure_id=referent["structure_id"]):
        return
    if rng.random() < 0.3 and not step("committee_referral", rng.randint(1, 20),
                                       reason="situation à étudier en comité"):
        return
    if rng.random() < 0.08:
        if step("rupture", rng.randint(20, 90), scope="pathway", kind="lost_contact",
                initiated_by="beneficiary", reason="ne répond plus") and rng.random() < 0.7:
            step("exited", rng.randint(30, 90), outcome="lost_contact")
        return
    if rng.random() > 0.88:  # not oriented: some decline, the others still wait
        if rng.random() < 0.6:
            step("exited", rng.randint(40, 120), outcome=rng.choice(("declined", "moved_away", "other")))
        return
    if not _orient(rng, life, group, structure, referent, committee):
        return
    if companies is not None and life.pathway.steps[-1].data.get("scheme") == SPONSORED_SCHEME:
        companies.sponsorable.append({"pathway_id": str(life.pathway.id),
                                      "on": min(life.on + timedelta(days=10), life.today)})
    last_host = None
    if rng.random() < 0.35:
        length, delay = rng.randint(5, 21), rng.randint(7, 40)
        if companies is None:
            host_company, host = None, dict(zip(("name", "siret"), rng.choice(EMPLOYERS), strict=True))
        else:
            host_company = companies.draw(rng, life.on + timedelta(days=delay))
            host = host_company.as_party()
        if not step("immersion_started", delay, host=host,
                    ends_on=life.on + timedelta(days=delay + length - 1),
                    hours_per_week=rng.choice((20, 30, 35)),
                    objective=rng.choice(("discover", "confirm", "recruit"))):
            return
        if host_company is not None:
            companies.hosted(host_company, life.pathway, life.on,
                             life.on + timedelta(days=length - 1))
        hired_after = rng.random() < 0.4
        if not step("immersion_ended", length - 1, status=rng.choices(
                ("completed", "partial", "did_not_show"), (80, 15, 5))[0], led_to_hire=hired_after):
            return
        if hired_after:
            last_host = host_company
    if rng.random() > 0.5:  # no hire: the scheme runs its course, reviewed in committee
        if rng.random() < 0.4 and not step("committee_referral", rng.randint(30, 90),
                                           reason="point d'étape sur le dispositif"):
            return
        if rng.random() < 0.8:
            step("exited", rng.randint(30, 180), outcome=rng.choices(
                ("qualifying_training", "business_creation", "moved_away", "declined", "other"),
                (45, 12, 15, 18, 10))[0])
        return
    contract = rng.choices(
        ("cdi", "cdd", "interim", "cddi", "apprenticeship", "professionalisation", "subsidised"),
        (20, 30, 12, 12, 12, 6, 8))[0]
    months = rng.choice((3, 4, 6, 9, 12)) if contract in ("cdd", "interim", "cddi") else None
    if companies is None:
        employer = dict(zip(("name", "siret"), rng.choice(EMPLOYERS), strict=True))
        hire_in, company, need = rng.randint(5, 90), None, None
    else:
        from .demo_companies import employer_for, propose

        hire_in = rng.randint(5, 90)
        company = employer_for(rng, companies, life.on + timedelta(days=hire_in), last_host)
        employer = company.as_party()
        need, hire_in = propose(rng, life, companies, company, hire_in)
    if not step("hired", hire_in, employer=employer,
                contract_type=contract, contract_months=months,
                weekly_hours=rng.choice((24, 26, 30, 35, 35, 35))):
        return
    if company is not None:
        companies.hired(company, life.pathway, life.on, contract, months, need)
    hired_on = life.on
    broke = rng.random() < 0.17
    for week in (1, 4, 8, 12):
        if broke and week >= 4:
            if step("rupture", (hired_on - life.on).days + 7 * week - 3, scope="job",
                    kind=rng.choice(("trial_period", "resignation", "mutual_agreement")),
                    initiated_by=rng.choice(("beneficiary", "employer"))):
                if rng.random() < 0.5:
                    step("oriented", rng.randint(10, 40), scheme=rng.choice(SCHEMES[group]),
                         structure_id=structure["id"], referent_id=referent["id"])
            return
        if rng.random() < 0.85 and not step(
                "follow_up_contact", (hired_on - life.on).days + 7 * week + rng.randint(-2, 4),
                contacted=rng.choice(("beneficiary", "employer", "tutor")),
                status=rng.choices(("fine", "difficulty", "mediation_needed"), (80, 15, 5))[0]):
            return
    if not step("follow_up_completed", (hired_on - life.on).days + 105 + rng.randint(0, 10),
                still_employed=True):
        return
    if rng.random() < 0.6:
        step("exited", rng.randint(10, 60), outcome=suggested_outcome(contract, months))


def generate(
    app, reference, personal_data, *, people: int | None = None, seed: int = 2020,
    today: date | None = None, years: int = 2, progress: Callable[[int], None] | None = None,
    batch: int = 1, committees=None, companies=None, fixed: dict[str, int] | None = None,
) -> Iterator[Pathway]:
    """Fills the stores with the demo territory; yields each saved pathway.

    `people` defaults to about 65 a year over `years`; each pathway is saved in one atomic
    save with its identity in the personal-data store (with `batch`, that many pathways in one
    save, their identities in one transaction before: the benchmarks' national stores). With
    `committees` (a `demo_sessions.CommitteeCalendar`), most first orientations are decisions
    of the group's sessions, noted in the calendar for `generate_sessions` to record. With
    `companies` (a `demo_companies.DemoCompanies`), the immersions' hosts and the employers are
    the demo's companies, and their placements are noted for `generate_companies` to record.

    `fixed` (group name → count) holds those groups still whatever `people`: each gets exactly
    that many pathways, drawn from a random stream of its own (the seed and the group's name),
    so two stores of the same seed hold the very same pathways in it; the other
    `people - sum(fixed)` are shared among the other groups by their shares (the benchmark of
    an agenda whose group stays the same while the territory grows).
    """
    rng = random.Random(seed)
    today = today or app.clock.today()
    territory = create_territory(reference)
    total = people if people is not None else 65 * years
    start = today - timedelta(days=365 * years)
    span = 365 * years
    fixed = dict(fixed or {})
    unknown = set(fixed) - {g[0] for g in GROUPS}
    if unknown or sum(fixed.values()) > total or any(count < 0 for count in fixed.values()):
        raise ValueError(f"fixed groups {fixed}: unknown, negative or more than the {total} pathways")
    shared = [g for g in GROUPS if g[0] not in fixed]
    if total > sum(fixed.values()) and not shared:
        raise ValueError("every group is fixed: no group left for the other pathways")
    others = total - sum(fixed.values())
    pending: list[tuple[Pathway, dict, bytes]] = []
    saved = 0

    def drawn(stream_rng, group_name: str, identified_on: date) -> tuple[Pathway, dict, bytes]:
        group = next(g for g in territory.groups if g["name"] == group_name)
        return simulate_pathway(stream_rng, today, group, territory, min(identified_on, today),
                                committees, companies)

    def fixed_pathway(name: str, k: int) -> tuple[date, random.Random]:
        # the k-th pathway of a fixed group: a stream of its own, spread evenly over the years
        stream = random.Random(f"{seed}/{name}/{k}")
        return start + timedelta(days=int((k + stream.random()) * span / fixed[name])), stream

    upcoming = {name: (0, *fixed_pathway(name, 0)) for name, count in fixed.items() if count}

    def fixed_until(on: date | None) -> Iterator[tuple[Pathway, dict, bytes]]:
        # the fixed groups' pathways identified by `on` (all those left: None), in date order
        for name in list(upcoming):
            k, identified_on, stream = upcoming[name]
            while on is None or identified_on <= on:
                yield drawn(stream, name, identified_on)
                k += 1
                if k == fixed[name]:
                    del upcoming[name]
                    break
                identified_on, stream = fixed_pathway(name, k)
                upcoming[name] = (k, identified_on, stream)

    def shared_pathways() -> Iterator[tuple[Pathway, dict, bytes]]:
        for n in range(others):
            group_name, _t, _share, _p = rng.choices(shared, [g[2] for g in shared])[0]
            identified_on = start + timedelta(days=int((n + rng.random()) * span / others))
            yield from fixed_until(identified_on)
            yield drawn(rng, group_name, identified_on)
        yield from fixed_until(None)

    for pathway, person, key in shared_pathways():
        if saved == 0 and not pending and pathway.id in app.repository:
            raise DemoAlreadyLoaded(
                f"this store already holds the demo of seed {seed}: use another --seed, "
                "or a fresh CASECOMMITTEE_DATA_DIR"
            )
        pending.append((pathway, person, key))
        if len(pending) >= batch:
            saved += len(pending)
            yield from _saved(app, personal_data, pending, progress)
            pending = []
    if pending:
        yield from _saved(app, personal_data, pending, progress)


def _saved(app, personal_data, pending: list[tuple[Pathway, dict, bytes]], progress) -> list[Pathway]:
    """Saves pending pathways at once, their identities (and the keys their texts are sealed
    with) in one transaction before."""
    personal_data.put_many({p.id: identity for p, identity, _key in pending},
                           keys={p.id: key for p, _identity, key in pending})
    app.save(*(p for p, _identity, _key in pending))
    if progress:
        progress(len(pending))
    return [p for p, _identity, _key in pending]
