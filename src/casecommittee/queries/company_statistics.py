"""The figures of the relation with companies: companies mobilised (by sector, size and place),
first-time or returning, needs posted and what came of them, the delay from a need to its
filling, PMSMP places offered, participations in the Cité's actions and commitments signed;
per host, the immersions followed by a hire with it; per employer, the 15-week retention.

Exact as of a business date and as known at a recorded time, like every figure: each company's
state is folded from its own stream (a Cité works with dozens or hundreds of companies, not tens
of thousands), keeping the events recorded by `known_at` whose business date is by `as_of`;
the pathways' immersions and hires come from their read model as known at that time.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from statistics import median

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ..domain.company import (
    COMMITMENT_KINDS,
    NEED_OUTCOMES,
    PARTICIPATION_KINDS,
    QPV_LOCATIONS,
    SIZE_BANDS,
    CompanyState,
    naf_section,
)
from ..projections.companies import companies
from .placements import placements


@dataclass(frozen=True)
class CompanyStatisticsQuery:
    """A territory, a period of business dates, a business date and a recorded time."""

    territory_id: str
    period_from: date | None = None
    period_to: date | None = None
    as_of: date | None = None
    known_at: datetime | None = None


def _in(day: date | None, start: date | None, end: date) -> bool:
    return day is not None and (start is None or day >= start) and day <= end


def company_figures(states: list[CompanyState], start: date | None, end: date) -> dict:
    """The figures of the companies in `states` over [start, end] (from the beginning when
    `start` is None)."""
    mobilised = [s for s in states if any(_in(d, start, end) for d in s.activity_days())]
    first_time = [s for s in mobilised if start is None or s.activity_days()[0] >= start]
    needs = [n for s in states for n in s.needs.values()]
    posted = [n for n in needs if _in(n["posted_on"], start, end)]
    closed = [n for n in needs if n["outcome"] is not None and _in(n["closed_on"], start, end)]
    filled = [n for n in closed if n["outcome"] != "withdrawn"]
    delays = [(n["closed_on"] - n["posted_on"]).days for n in filled]
    offers = [o for s in states for o in s.hosting_offers if _in(o["offered_on"], start, end)]
    participations = [p for s in states for p in s.participations if _in(p["held_on"], start, end)]
    commitments = [c for s in states for c in s.commitments if _in(c["signed_on"], start, end)]
    sectors = Counter(naf_section(s.naf_code) or "unknown" for s in mobilised)
    return {
        "companies": {
            "mobilised": len(mobilised), "first_time": len(first_time),
            "returning": len(mobilised) - len(first_time),
            "by_size": {band: sum(s.size_band == band for s in mobilised) for band in SIZE_BANDS},
            "by_sector": dict(sorted(sectors.items())),
            "by_place": {p: sum(s.qpv_location == p for s in mobilised) for p in QPV_LOCATIONS},
        },
        "needs": {
            "posted": len(posted), "positions_posted": sum(n["positions"] for n in posted),
            "closed": {o: sum(n["outcome"] == o for n in closed) for o in NEED_OUTCOMES},
            "positions_filled": sum(n["positions_filled"] for n in closed),
            "open_at_end": sum(1 for n in needs if n["posted_on"] <= end
                               and (n["closed_on"] is None or n["closed_on"] > end)),
            "median_days_to_fill": median(delays) if delays else None,
        },
        "hosting": {"offers": len(offers), "places": sum(o["capacity"] for o in offers)},
        "participations": {k: sum(p["kind"] == k for p in participations) for k in PARTICIPATION_KINDS},
        "commitments": {k: sum(c["kind"] == k for c in commitments) for k in COMMITMENT_KINDS},
    }


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def placement_figures(names: dict[str, str], rows: list[dict], start: date | None, end: date) -> dict:
    """Per registered company (`names`: SIRET → name): PMSMP hosted in the period and how many
    were followed by a hire with the same company by `end`; hires in the period, those whose
    15-week validation was due by `end`, and those validated still employed."""
    rows = [r for r in rows if r["siret"] in names and r["started_on"] <= end]
    hires_of: dict[tuple, list[date]] = {}
    for r in rows:
        if r["kind"] == "hire":
            hires_of.setdefault((r["pathway_id"], r["siret"]), []).append(r["started_on"])
    hosts, employers = {}, {}
    for r in rows:
        if not _in(r["started_on"], start, end):
            continue
        if r["kind"] == "immersion":
            host = hosts.setdefault(r["siret"], {"immersions": 0, "followed_by_hire": 0})
            host["immersions"] += 1
            host["followed_by_hire"] += any(
                on >= r["started_on"] for on in hires_of.get((r["pathway_id"], r["siret"]), ()))
        else:
            employer = employers.setdefault(r["siret"], {"hires": 0, "validation_due": 0,
                                                         "still_employed_at_15_weeks": 0})
            employer["hires"] += 1
            employer["validation_due"] += r["day_105_on"] <= end
            employer["still_employed_at_15_weeks"] += bool(
                r["completed_on"] is not None and r["completed_on"] <= end and r["still_employed"])
    return {
        "hosts": [{"siret": siret, "name": names[siret], **f,
                   "hire_rate": _rate(f["followed_by_hire"], f["immersions"])}
                  for siret, f in sorted(hosts.items(), key=lambda i: names[i[0]])],
        "employers": [{"siret": siret, "name": names[siret], **f,
                       "retention_rate": _rate(f["still_employed_at_15_weeks"], f["validation_due"])}
                      for siret, f in sorted(employers.items(), key=lambda i: names[i[0]])],
    }


def company_statistics(app, engine: Engine, query: CompanyStatisticsQuery, today: date) -> dict:
    """The figures of a territory's companies for the query (the period ends on `as_of`, or
    today, unless it says otherwise)."""
    with engine.connect() as conn:
        ids = conn.execute(select(companies.c.company_id)
                           .where(companies.c.territory_id == query.territory_id)
                           .order_by(companies.c.company_id)).scalars().all()
    end = query.period_to or query.as_of or today
    states = [state for state in (app.get_company(i).state_as_of(query.as_of, query.known_at)
                                  for i in ids)
              if state.registered_on is not None]
    names = {state.siret: state.name for state in states}
    rows = placements(engine, query.territory_id, known_at=query.known_at)
    return {"territory_id": query.territory_id, "from": query.period_from, "to": end,
            "as_of": query.as_of, "known_at": query.known_at,
            **company_figures(states, query.period_from, end),
            **placement_figures(names, rows, query.period_from, end)}
