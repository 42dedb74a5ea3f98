"""The demo's companies: the employers Belfort's Cité de l'emploi works with over the demo's years.

A few dozen establishments of the territory (commerce, restauration, BTP, industrie, services à
la personne, logistique, services…), of every size band, some in or near a QPV, each with a
valid SIRET. Their registration dates are drawn before the pathways (`DemoCompanies`), so the
pathways' immersions and hires are drawn among the companies registered by then: the company
pages show whom they hosted and hired, and the figures per host and per employer count them.
Most hires answer one of the company's recruitment needs: the person is proposed to the company
a few days before (the pathway's `proposed_to_company` step) and the need, posted before, is
closed as filled with the hired pathways. `generate_companies` then writes each company's
stream: registration, contact people (their identity in the personal-data store), needs and
outcomes, PMSMP hosting offers, participations in job datings, cafés CV and visits, tutors and
sponsors, charters — each event back-dated as the chargée de relation entreprises recorded it.

Deterministic for a seed; a territory generated without companies is the one drawn before.
"""

import random
import unicodedata
import uuid
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from .demo import FIRST_NAMES, LAST_NAMES, NAMESPACE, DemoTerritory
from .domain.company import Company, company_id
from .domain.siret import LA_POSTE_SIREN, is_valid_siret
from .domain.vocabulary import AVAILABLE_STAGES
from .stores.reference import users as users_table

#: name, NAF code, size band, town, where it lies, jobs (title, ROME code)
ROSTER = (
    ("Boulangerie Pâtisserie du Lion", "10.71C", "micro", "Belfort", "near_qpv",
     (("vendeur en boulangerie", "D1106"), ("boulanger", "D1102"))),
    ("Supermarché des Résidences", "47.11D", "medium", "Belfort", "in_qpv",
     (("employé de libre-service", "D1507"), ("hôte de caisse", "D1505"))),
    ("Hypermarché Belfort Sud", "47.11F", "intermediate", "Andelnans", "elsewhere",
     (("employé de libre-service", "D1507"), ("hôte de caisse", "D1505"),
      ("préparateur de commandes", "N1103"))),
    ("Optique des Vosges", "47.78A", "micro", "Belfort", "elsewhere",
     (("vendeur conseil en optique", "D1214"),)),
    ("Jardinerie de la Savoureuse", "47.76Z", "small", "Valdoie", "elsewhere",
     (("vendeur en jardinerie", "D1209"),)),
    ("Garage Carnot Automobiles", "45.20A", "small", "Belfort", "near_qpv",
     (("mécanicien automobile", "I1604"),)),
    ("Pharmacie des Glacis", "47.73Z", "micro", "Belfort", "near_qpv",
     (("préparateur en pharmacie", "J1307"),)),
    ("Brasserie de la Savoureuse", "56.10A", "small", "Belfort", "elsewhere",
     (("commis de cuisine", "G1602"), ("serveur en restauration", "G1803"))),
    ("Restaurant Le Relais des Glacis", "56.10A", "micro", "Belfort", "near_qpv",
     (("commis de cuisine", "G1602"), ("plongeur en restauration", "G1605"))),
    ("Hôtel du Faubourg", "55.10Z", "small", "Belfort", "elsewhere",
     (("réceptionniste", "G1703"), ("valet ou femme de chambre", "G1501"))),
    ("Restauration collective Nord Franche-Comté", "56.29B", "medium", "Bavilliers", "elsewhere",
     (("agent de restauration", "G1603"),)),
    ("Bâtiment Rénovation Belfortaine", "43.39Z", "small", "Belfort", "in_qpv",
     (("peintre en bâtiment", "F1606"), ("plaquiste", "F1604"))),
    ("Maçonnerie Ferreira et Fils", "43.99C", "small", "Offemont", "near_qpv",
     (("maçon", "F1703"), ("manœuvre du bâtiment", "F1704"))),
    ("Électricité Générale du Territoire", "43.21A", "small", "Danjoutin", "elsewhere",
     (("électricien du bâtiment", "F1602"),)),
    ("Travaux Publics de l'Est", "42.11Z", "medium", "Bessoncourt", "elsewhere",
     (("ouvrier des travaux publics", "F1702"), ("conducteur d'engins", "F1302"))),
    ("Plomberie Chauffage Valdoyen", "43.22A", "micro", "Valdoie", "elsewhere",
     (("plombier chauffagiste", "F1603"),)),
    ("Mécanique de Précision de Belfort", "25.62B", "medium", "Belfort", "elsewhere",
     (("opérateur sur machine d'usinage", "H2903"), ("monteur en mécanique", "H2909"))),
    ("Turbines et Énergies Franche-Comté", "28.11Z", "large", "Belfort", "elsewhere",
     (("soudeur", "H2913"), ("technicien de maintenance", "I1304"))),
    ("Ferroviaire Nord Franche-Comté", "30.20Z", "intermediate", "Belfort", "elsewhere",
     (("monteur câbleur", "H2602"), ("contrôleur qualité", "H1502"))),
    ("Plasturgie du Territoire", "22.29A", "medium", "Grandvillars", "elsewhere",
     (("opérateur de production", "H3203"),)),
    ("Imprimerie de la Savoureuse", "18.12Z", "small", "Belfort", "near_qpv",
     (("conducteur de machine d'impression", "E1301"),)),
    ("Aide et Présence Belfort", "88.10A", "medium", "Belfort", "in_qpv",
     (("auxiliaire de vie", "K1302"), ("aide à domicile", "K1304"))),
    ("EHPAD Les Éparses", "87.10A", "medium", "Châtenois-les-Forges", "elsewhere",
     (("agent de service hospitalier", "J1301"), ("aide-soignant", "J1501"))),
    ("Crèche Les P'tits Lions", "88.91A", "small", "Belfort", "in_qpv",
     (("accompagnant petite enfance", "K1303"),)),
    ("Ménage Services 90", "81.21Z", "small", "Belfort", "in_qpv",
     (("agent d'entretien", "K2204"),)),
    ("Coiffure Faubourg de France", "96.02A", "micro", "Belfort", "elsewhere",
     (("coiffeur", "D1202"),)),
    ("Logistique Porte de Bourgogne", "52.10B", "intermediate", "Sévenans", "elsewhere",
     (("préparateur de commandes", "N1103"), ("cariste", "N1101"))),
    ("Transports Urbains du Territoire", "49.31Z", "medium", "Belfort", "near_qpv",
     (("conducteur de bus", "N4103"),)),
    ("Messagerie Express Belfort", "53.20Z", "small", "Bourogne", "elsewhere",
     (("livreur", "N4105"),)),
    ("Déménagements du Lion", "49.42Z", "micro", "Belfort", "elsewhere",
     (("déménageur", "N1105"),)),
    ("Propreté Industrielle de l'Est", "81.22Z", "medium", "Belfort", "near_qpv",
     (("agent de propreté", "K2204"),)),
    ("Sécurité Gardiennage Nord Comtois", "80.10Z", "small", "Belfort", "elsewhere",
     (("agent de sécurité", "K2503"),)),
    ("Intérim Solidaire Belfort", "78.20Z", "small", "Belfort", "in_qpv",
     (("préparateur de commandes", "N1103"), ("manœuvre du bâtiment", "F1704"))),
    ("Relation Client Franche-Comté", "82.20Z", "medium", "Belfort", "elsewhere",
     (("téléconseiller", "D1408"),)),
    ("Espaces Verts du Territoire", "81.30Z", "small", "Essert", "elsewhere",
     (("jardinier paysagiste", "A1203"),)),
    ("Informatique Services Belfort", "62.02A", "small", "Belfort", "elsewhere",
     (("technicien d'assistance informatique", "I1401"),)),
    ("Cabinet Comptable des Vosges", "69.20Z", "small", "Belfort", "elsewhere",
     (("assistant comptable", "M1203"),)),
    ("Ressourcerie du Territoire", "38.32Z", "small", "Belfort", "in_qpv",
     (("valoriste", "K2304"),)),
)
#: How much a company of a size band hosts and hires, relative to a micro-enterprise.
SIZE_WEIGHTS = {"micro": 1, "small": 2, "medium": 3, "intermediate": 4, "large": 4}
#: The share of the companies the Cité already worked with when the demo begins.
FOUNDING_SHARE = 0.4
#: The share of hires that answer one of the company's needs (after a proposal).
HIRES_FOR_A_NEED = 0.6
CONTACT_TITLES = ("gérant·e", "responsable des ressources humaines", "directeur·rice d'agence",
                  "chargé·e de recrutement", "chef·fe d'équipe", "assistant·e de direction")
CHARTER = "Charte entreprises et quartiers de la Cité de l'emploi de Belfort"
CLUB = "Club des entreprises inclusives du Territoire de Belfort"
#: The Cité's actions over a year: kind, month, day, note.
ACTIONS = (
    ("job_dating", 3, 14, "job dating de printemps aux Résidences"),
    ("cafe_cv", 4, 9, "café CV à la médiathèque des Glacis"),
    ("visit", 5, 21, "visite d'entreprise avec le groupe Jeunes décrocheurs"),
    ("mock_interview", 6, 11, "simulations d'entretien avec le groupe Diplômés"),
    ("job_dating", 9, 19, "job dating de rentrée"),
    ("forum", 10, 16, "forum emploi du Territoire de Belfort"),
    ("cafe_cv", 11, 13, "café CV au centre social des Forges"),
    ("visit", 12, 4, "visite de site avec le groupe Familles monoparentales"),
)


def siret_for(name: str) -> str:
    """A SIRET for a demo company: 13 digits drawn from its name and a Luhn key (never La Poste's)."""
    number = zlib.crc32(name.encode()) * 7919 % 10**8
    siren_start = f"{(number % 9) + 1}{number:08d}"  # a SIREN does not begin with 0
    if siren_start == LA_POSTE_SIREN:
        siren_start = "4" + siren_start[1:]
    prefix = siren_start + f"{zlib.crc32(name[::-1].encode()) % 9000 + 10:04d}"[:4]
    for key in "0123456789":
        if is_valid_siret(prefix + key):
            return prefix + key
    raise AssertionError("a Luhn key always exists")


@dataclass
class DemoCompany:
    """One roster company and what the pathways did with it."""

    name: str
    siret: str
    naf_code: str
    size_band: str
    town: str
    qpv_location: str
    jobs: tuple
    registered_on: date
    immersions: list[dict] = field(default_factory=list)
    hires: list[dict] = field(default_factory=list)

    @property
    def weight(self) -> int:
        """How often the company is drawn as host or employer."""
        return SIZE_WEIGHTS[self.size_band]

    def as_party(self) -> dict:
        """The company as a pathway step names it (host or employer)."""
        return {"name": self.name, "siret": self.siret}

    def need_key(self, on: date) -> str:
        """The need a hire of `on` answers: one per company and quarter."""
        return f"recrutement-{on.year}-t{(on.month - 1) // 3 + 1}"


class DemoCompanies:
    """The demo's companies, their registration dates known before the pathways are drawn, and
    the immersions and hires the pathways' lives attach to them."""

    def __init__(self, territory_id: str, today: date, *, seed: int = 2020, years: int = 2):
        self.territory_id, self.today = territory_id, today
        self.start = today - timedelta(days=365 * years)
        rng = random.Random(f"companies/{seed}")
        span = (today - self.start).days
        self.companies: list[DemoCompany] = []
        for name, naf, size, town, place, jobs in ROSTER:
            if rng.random() < FOUNDING_SHARE:
                offset = rng.randint(0, 10)
            else:
                offset = rng.randint(11, span - 20)
            self.companies.append(DemoCompany(name, siret_for(name), naf, size, town, place, jobs,
                                              self.start + timedelta(days=offset)))
        #: the first company the Cité worked with, from the demo's first day
        self.earliest = min(self.companies, key=lambda c: c.registered_on)
        self.earliest.registered_on = self.start
        self.by_siret = {c.siret: c for c in self.companies}
        #: the pathways oriented to a scheme with a sponsor (pathway_id, on: from when)
        self.sponsorable: list[dict] = []

    def already_loaded(self, app) -> bool:
        """Whether the store already holds the demo's companies (from any seed: same SIRETs)."""
        return uuid.UUID(self.company_id(self.companies[0])) in app.repository

    def company_id(self, company: DemoCompany) -> str:
        """The company's aggregate id in the demo's territory."""
        return str(company_id(self.territory_id, company.siret))

    def draw(self, rng: random.Random, on: date) -> DemoCompany:
        """A company registered by `on` (the founding ones are, from the demo's first days),
        the larger ones more often."""
        known = [c for c in self.companies if c.registered_on <= on] or [self.earliest]
        return rng.choices(known, [c.weight for c in known])[0]

    def hosted(self, company: DemoCompany, pathway, on: date, ends_on: date) -> None:
        """Notes an immersion the company hosted."""
        company.immersions.append({"pathway_id": str(pathway.id), "group_id": pathway.state.group_id,
                                   "on": on, "ends_on": ends_on})

    def hired(self, company: DemoCompany, pathway, on: date, contract: str, months: int | None,
              need: tuple[str, date] | None) -> None:
        """Notes a hire by the company, and the need it answers with the day the person was
        proposed (None: a hire outside any need)."""
        company.hires.append({"pathway_id": str(pathway.id), "group_id": pathway.state.group_id,
                              "on": on, "contract": contract, "months": months, "need": need})


def employer_for(rng: random.Random, companies: DemoCompanies, on: date,
                 last_host: DemoCompany | None) -> DemoCompany:
    """The employer of a hire on `on`: the host of an immersion that led to it, else a company
    registered at least two weeks before (so a proposal can precede the hire)."""
    if last_host is not None:
        return last_host
    return companies.draw(rng, on - timedelta(days=15))


def propose(rng: random.Random, life, companies: DemoCompanies, company: DemoCompany,
            hire_in: int) -> tuple[tuple[str, date] | None, int]:
    """Before a hire `hire_in` days on, most often: the person proposed to the company for its
    need of that quarter (a `proposed_to_company` step; none when the person is not available
    for a job then, the hire still answering the need). Returns the need (key, proposed on) and
    the days left to the hire."""
    if rng.random() >= HIRES_FOR_A_NEED:
        return None, hire_in
    before = min(hire_in, rng.randint(2, 12))
    on = life.on + timedelta(days=hire_in - before)
    key = company.need_key(on + timedelta(days=before))
    if life.pathway.state.stage not in AVAILABLE_STAGES or on < company.registered_on:
        return (key, on), hire_in
    if not life.step("proposed_to_company", hire_in - before,
                     company_id=companies.company_id(company), need_id=key):
        return None, hire_in
    return (key, on), before


# ---- the companies' streams -----------------------------------------------------------------


def create_business_relations_user(reference, territory: DemoTerritory) -> dict:
    """The demo's chargée de relation entreprises (idempotent), with the territory's users."""
    user_id = str(uuid.uuid5(NAMESPACE, "user/business_relations"))
    found = reference.get(users_table, user_id)
    if found is None:
        structure = territory.structures["CREPI Franche-Comté"]
        found = reference.add_user("Chargée de relation entreprises Belfort", "business_relations",
                                   territory.territory_id, [], structure["id"], id=user_id)
    territory.users["business_relations"] = found
    return found


class _Stream:
    """One company's events, drawn in any order and recorded in the order of their dates."""

    def __init__(self, rng: random.Random, company: DemoCompany, today: date):
        self.rng, self.company, self.today = rng, company, today
        self.events: list[tuple[date, int, str, dict]] = []

    def add(self, on: date, code: str, **data) -> None:
        """An event on a business date (moved to the registration day if drawn before it)."""
        on = min(max(on, self.company.registered_on), self.today)
        self.events.append((on, len(self.events), code, data))

    def save(self, app, actor: dict, territory_id: str) -> Company:
        """Registers the company and records its events, each a few days after it happened."""
        company, rng = self.company, self.rng
        recorded = _at(company.registered_on, rng.randint(9, 17))
        record = Company.register(
            occurred_on=company.registered_on, actor=actor, today=self.today, recorded_at=recorded,
            territory_id=territory_id, siret=company.siret, name=company.name,
            naf_code=company.naf_code, size_band=company.size_band, town=company.town,
            qpv_location=company.qpv_location)
        for on, _order, code, data in sorted(self.events, key=lambda e: (e[0], e[1])):
            lag = timedelta(days=rng.choice((0, 0, 1, 2, 3, 7)), hours=rng.randint(9, 17))
            recorded = min(max(recorded + timedelta(seconds=1), _at(on, 0) + lag),
                           _at(self.today, 23))
            record.record(code, occurred_on=on, actor=actor, today=max(self.today, recorded.date()),
                          recorded_at=recorded, **data)
        app.save(record)
        return record


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def _ascii(text: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return "".join(c for c in plain.lower() if c.isalnum())


def _contacts(rng, stream: _Stream, ids: list[str]) -> dict[uuid.UUID, dict]:
    company = stream.company
    people = {}
    for n in range(1 if company.size_band == "micro" else rng.choice((1, 2, 2))):
        contact_id = uuid.uuid5(NAMESPACE, f"contact/{company.siret}/{n}")
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        person = {
            "first_name": first, "last_name": last, "job_title": rng.choice(CONTACT_TITLES),
            "email": f"{_ascii(first)}.{_ascii(last)}@{_ascii(company.name)[:24]}.example",
            "phone": f"0384{rng.randint(100000, 999999)}",
        }
        on = company.registered_on + timedelta(days=0 if n == 0 else rng.randint(30, 300))
        if on <= stream.today:
            people[contact_id] = person
            stream.add(on, "contact_named", contact_id=str(contact_id))
            ids.append(str(contact_id))
    return people


def _needs(rng, stream: _Stream, all_groups: list[str]) -> None:
    """The needs the hires answered (closed as filled, or partly), and a few others: withdrawn,
    or still open for the coming committees."""
    company, today = stream.company, stream.today
    answered: dict[str, list[dict]] = defaultdict(list)
    for hire in company.hires:
        if hire["need"] is not None:
            answered[hire["need"][0]].append(hire)
    for need_id, hires in sorted(answered.items()):
        first = min(min(h["on"] for h in hires), min(h["need"][1] for h in hires))
        posted = max(company.registered_on, first - timedelta(days=rng.randint(5, 40)))
        title, rome = rng.choice(company.jobs)
        hire = hires[0]
        positions = len(hires) + (1 if rng.random() < 0.2 else 0)
        stream.add(posted, "need_posted", need_id=need_id, job_title=title, rome_code=rome,
                   contract_type=hire["contract"], contract_months=hire["months"],
                   positions=positions, starts_on=max(posted, min(h["on"] for h in hires)),
                   group_ids=sorted({h["group_id"] for h in hires}),
                   requirements=rng.choice((None, "débutant accepté", "permis B souhaité")))
        closed = min(today, max(h["on"] for h in hires) + timedelta(days=rng.randint(0, 7)))
        stream.add(closed, "need_closed", need_id=need_id,
                   outcome="filled" if positions == len(hires) else "partly_filled",
                   positions_filled=len(hires), hired_pathway_ids=[h["pathway_id"] for h in hires])
    others = rng.choices((0, 1, 2), (50, 35, 15))[0]
    for n in range(others):
        span = (today - company.registered_on).days
        if span < 10:
            return
        posted = company.registered_on + timedelta(days=rng.randint(0, span))
        title, rome = rng.choice(company.jobs)
        contract = rng.choice(("cdi", "cdd", "interim", "apprenticeship"))
        need_id = f"besoin-{posted:%Y-%m}-{n + 1}"
        if need_id in answered:
            continue
        groups = sorted(rng.sample(all_groups, rng.randint(1, len(all_groups))))
        stream.add(posted, "need_posted", need_id=need_id, job_title=title, rome_code=rome,
                   contract_type=contract,
                   contract_months=rng.choice((3, 6, 12)) if contract in ("cdd", "interim") else None,
                   positions=rng.randint(1, 3), starts_on=posted + timedelta(days=rng.randint(15, 45)),
                   group_ids=groups, requirements=None)
        if (today - posted).days > 75:  # the older ones were withdrawn; the recent stay open
            stream.add(posted + timedelta(days=rng.randint(45, 75)), "need_closed", need_id=need_id,
                       outcome="withdrawn", positions_filled=0, hired_pathway_ids=[])
    if company.weight >= 4:  # the largest have a need open now, for the coming committees
        posted = max(company.registered_on, today - timedelta(days=rng.randint(5, 40)))
        title, rome = rng.choice(company.jobs)
        stream.add(posted, "need_posted", need_id=f"besoin-{posted:%Y-%m}-ouvert", job_title=title,
                   rome_code=rome, contract_type="cdi", contract_months=None,
                   positions=rng.randint(1, 4), starts_on=posted + timedelta(days=rng.randint(20, 60)),
                   group_ids=sorted(rng.sample(all_groups, rng.randint(1, len(all_groups)))),
                   requirements=None)


def _hosting(rng, stream: _Stream) -> None:
    """PMSMP hosting offers: before the first immersion it hosted (and again the next year for
    the busy hosts), or offered without taker yet."""
    company = stream.company
    jobs = [title for title, _rome in company.jobs]
    by_year: dict[int, list[dict]] = defaultdict(list)
    for immersion in company.immersions:
        by_year[immersion["on"].year].append(immersion)
    for _year, immersions in sorted(by_year.items()):
        first = min(i["on"] for i in immersions)
        stream.add(first - timedelta(days=rng.randint(5, 30)), "hosting_offered",
                   capacity=min(50, len(immersions) + rng.randint(0, 2)), jobs=jobs)
    if not company.immersions and rng.random() < 0.35:
        span = max(0, (stream.today - company.registered_on).days)
        stream.add(company.registered_on + timedelta(days=rng.randint(0, span)), "hosting_offered",
                   capacity=rng.randint(1, 3), jobs=jobs)


def _participations(rng, stream: _Stream, start: date) -> None:
    company = stream.company
    for year in range(start.year, stream.today.year + 1):
        for kind, month, day, note in ACTIONS:
            on = date(year, month, day)
            if company.registered_on <= on <= stream.today and rng.random() < 0.12 + 0.04 * company.weight:
                stream.add(on, "participated", kind=kind, note=note)


def _sponsors(rng, stream: _Stream, contacts: list[str]) -> None:
    """A tutor at the company for some of its hires (its first contact, when named by then)."""
    for hire in stream.company.hires:
        if rng.random() < 0.3:
            stream.add(hire["on"], "sponsor_named", pathway_id=hire["pathway_id"], role="tutor",
                       contact_id=contacts[0] if contacts else None)


def _commitments(rng, stream: _Stream) -> None:
    company = stream.company
    span = max(0, (stream.today - company.registered_on).days)
    if rng.random() < 0.3:
        stream.add(company.registered_on + timedelta(days=rng.randint(0, min(span, 120))),
                   "commitment_signed", kind="charter", title=CHARTER)
    if company.weight >= 3 and rng.random() < 0.4:
        stream.add(company.registered_on + timedelta(days=rng.randint(0, span)),
                   "commitment_signed", kind="club", title=CLUB)


def generate_companies(app, reference, personal_data, territory: DemoTerritory,
                       companies: DemoCompanies, *, seed: int = 2020) -> list[Company]:
    """Writes each demo company's stream, the placements the pathways drew with `companies`
    included (the pathways are saved first), and its contact people's identities; returns the
    companies saved."""
    rng = random.Random(f"company streams/{seed}")
    user = create_business_relations_user(reference, territory)
    actor = {"user_id": user["id"], "role": "business_relations", "structure_id": user["structure_id"]}
    all_groups = sorted(g["id"] for g in territory.groups)
    saved, people = [], {}
    sponsors = list(companies.sponsorable)
    for company in companies.companies:
        stream = _Stream(rng, company, companies.today)
        contacts: list[str] = []
        people.update(_contacts(rng, stream, contacts))
        _needs(rng, stream, all_groups)
        _hosting(rng, stream)
        _participations(rng, stream, companies.start)
        _sponsors(rng, stream, contacts)
        _commitments(rng, stream)
        if company.weight >= 3:  # parrainage: a manager sponsors a Diplômés pathway
            for found in [s for s in sponsors if s["on"] >= company.registered_on][:1]:
                sponsors.remove(found)
                stream.add(found["on"], "sponsor_named", pathway_id=found["pathway_id"],
                           role="sponsor", contact_id=None)
        saved.append(stream)
    personal_data.put_many(people)
    return [stream.save(app, actor, territory.territory_id) for stream in saved]


def needs_on_coming_sessions(app, territory: DemoTerritory, calendar, saved: list[Company]) -> int:
    """Puts the companies' open needs on the coming session of each group they are offered to,
    as its co-pilot would (the sessions of `calendar`, scheduled by `generate_sessions`);
    returns how many."""
    coming = next((d for d in calendar.dates if d > calendar.today), None)
    if coming is None:
        return 0
    names = {g["id"]: g["name"] for g in territory.groups}
    count = 0
    for company in saved:
        for need in company.state.open_needs():
            for group_id in need["group_ids"]:
                copilot = territory.users[f"copilot:{names[group_id]}:0"]
                app.add_need_to_committee(
                    calendar.session_id(group_id, coming), company_id=company.id,
                    need_id=need["need_id"],
                    actor={"user_id": copilot["id"], "role": "copilot",
                           "structure_id": copilot["structure_id"]})
                count += 1
    return count
