"""The company read models: the directory of the employers the Cité mobilises, and their needs.

A company's own row (identity card, last activity, counts) and one row per recruitment need
(posted, its outcome). A correction rewrites the company's rows from its state once corrected
(a company has a few dozen events: loading it is cheap). The detail of a company's stream is
read from the aggregate itself.
"""

import unicodedata

from sqlalchemy import JSON, Column, Date, DateTime, Index, Integer, Table, delete, update
from sqlalchemy.engine import Connection

from ..db import CleanText, metadata
from ..domain.company import Company, CompanyEvent, CompanyState

companies = Table(
    "companies", metadata,
    Column("company_id", CleanText(36), primary_key=True),
    Column("territory_id", CleanText(36), nullable=False),
    Column("siret", CleanText, nullable=False),
    Column("name", CleanText, nullable=False),
    Column("name_key", CleanText, nullable=False),  # case-folded, for the search and the order
    Column("naf_code", CleanText),
    Column("size_band", CleanText, nullable=False),
    Column("town", CleanText),
    Column("qpv_location", CleanText, nullable=False),
    Column("registered_on", Date, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("last_activity_on", Date, nullable=False),
    Column("open_needs", Integer, nullable=False),
    Column("hosting_capacity", Integer, nullable=False),
    Column("version", Integer, nullable=False),
)

company_needs = Table(
    "company_needs", metadata,
    Column("company_id", CleanText(36), primary_key=True),
    Column("need_id", CleanText(64), primary_key=True),
    Column("job_title", CleanText, nullable=False),
    Column("rome_code", CleanText),
    Column("contract_type", CleanText, nullable=False),
    Column("contract_months", Integer),
    Column("positions", Integer, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("group_ids", JSON, nullable=False),
    Column("posted_on", Date, nullable=False),
    Column("outcome", CleanText),
    Column("closed_on", Date),
    Column("positions_filled", Integer, nullable=False),
)
Index("ix_companies_siret", companies.c.territory_id, companies.c.siret, unique=True)
Index("ix_companies_directory", companies.c.territory_id, companies.c.name_key, companies.c.company_id)
Index("ix_company_needs_open", company_needs.c.outcome, company_needs.c.posted_on)

COMPANY_TABLES = (companies, company_needs)


def name_key(name: str) -> str:
    """The name as the directory's search compares and sorts it: without accents, case or
    repeated spaces ("Boulangerie des Résidences" → "boulangerie des residences")."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def _company_values(state: CompanyState) -> dict:
    return {"name": state.name, "name_key": name_key(state.name), "naf_code": state.naf_code,
            "size_band": state.size_band, "town": state.town, "qpv_location": state.qpv_location,
            "registered_on": state.registered_on, "last_activity_on": state.last_activity_on(),
            "open_needs": len(state.open_needs()), "hosting_capacity": state.hosting_capacity(),
            "version": state.version}


def _need_rows(company_id: str, state: CompanyState) -> list[dict]:
    return [{"company_id": company_id, "need_id": n["need_id"], "job_title": n["job_title"],
             "rome_code": n["rome_code"], "contract_type": n["contract_type"],
             "contract_months": n["contract_months"], "positions": n["positions"],
             "starts_on": n["starts_on"], "group_ids": list(n["group_ids"]), "posted_on": n["posted_on"],
             "outcome": n["outcome"], "closed_on": n["closed_on"],
             "positions_filled": n["positions_filled"]} for n in state.needs.values()]


class CompanyProjector:
    """Applies company events one by one (a company has few: no batching needed)."""

    def __init__(self, app):
        self.app = app

    def apply(self, conn: Connection, event) -> bool:
        """Applies one event if it is a company event; returns whether it was one."""
        if not isinstance(event, CompanyEvent):
            return False
        company_id = str(event.originator_id)
        if isinstance(event, Company.Registered):
            state = CompanyState()
            event.change(state, event.as_step())
            state.version = event.originator_version
            conn.execute(companies.insert().values(
                company_id=company_id, territory_id=state.territory_id, siret=state.siret,
                registered_at=event.timestamp,
                **_company_values(state)))
            return True
        # the company as this event leaves it: folded from the aggregate at that version
        state = self.app.get_company(event.originator_id, version=event.originator_version).state
        conn.execute(update(companies).where(companies.c.company_id == company_id)
                     .values(**_company_values(state)))
        conn.execute(delete(company_needs).where(company_needs.c.company_id == company_id))
        rows = _need_rows(company_id, state)
        if rows:
            conn.execute(company_needs.insert(), rows)
        return True

