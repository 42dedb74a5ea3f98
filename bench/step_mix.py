"""The writes a benchmark makes: every kind of step that changes the statistics, in turn.

Kinds, in the order they are dealt: orientation, immersion, hire, follow-up, rupture, exit,
correction. Each kind takes its pathways from those whose read-model row allows it (an
orientation needs no immersion open and no job, a follow-up contact needs a job in follow-up,
…), each pathway at most once, so every write is one the rules accept on the first try.
"""

from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import select

from casecommittee.demo import SCHEMES
from casecommittee.domain.siret import luhn_ok
from casecommittee.projections.pathways import pathway_rows

KINDS = ("orientation", "immersion", "hire", "follow_up", "rupture", "exit", "correction")


def _fits(kind: str, row) -> bool:
    open_ = row.stage not in ("exited", None)
    free = open_ and row.immersion is None and row.stage != "employed"
    return {
        "orientation": free and row.stage in ("identified", "interrupted"),
        "immersion": free and row.stage == "oriented",
        "hire": free and row.stage in ("oriented", "identified", "interrupted"),
        "follow_up": open_ and row.stage == "employed" and row.follow_up_hired_on is not None,
        "rupture": open_,
        "exit": open_,
        "correction": True,
    }[kind]


def pools(engine, group_id: str, seed: int) -> dict[str, list[str]]:
    """For each kind, the pathways of a group a write of that kind may go to (disjoint,
    shuffled by `seed`)."""
    import random

    rng = random.Random(seed)
    with engine.connect() as conn:
        rows = conn.execute(
            select(pathway_rows.c.pathway_id, pathway_rows.c.stage, pathway_rows.c.immersion,
                   pathway_rows.c.follow_up_hired_on)
            .where(pathway_rows.c.group_id == group_id).order_by(pathway_rows.c.pathway_id)).all()
    rng.shuffle(rows)
    found: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for row in rows:  # each to the emptiest pool of the kinds it allows
        fitting = [kind for kind in KINDS if _fits(kind, row)]
        found[min(fitting, key=lambda kind: len(found[kind]))].append(row.pathway_id)
    return found


def siret(n: int) -> str:
    """The n-th made-up SIRET with a valid checksum (a host no demo pathway has met)."""
    base = f"9{n:012d}"
    return next(base + d for d in "0123456789" if luhn_ok(base + d))


def body(kind: str, n: int, today: date, group_name: str, structure_id: str, referent_id: str) -> dict:
    """The JSON body of the n-th write of `kind`, dated `today`."""
    on = today.isoformat()
    if kind == "orientation":
        schemes = SCHEMES[group_name]
        return {"step": "oriented", "occurred_on": on, "scheme": schemes[n % len(schemes)],
                "structure_id": structure_id, "referent_id": referent_id}
    if kind == "immersion":
        return {"step": "immersion_started", "occurred_on": on,
                "host": {"name": f"Atelier d'essai {n}", "siret": siret(n)}, "hours_per_week": 30,
                "ends_on": (today + timedelta(days=13)).isoformat(), "objective": "discover"}
    if kind == "hire":
        return {"step": "hired", "occurred_on": on, "employer": {"name": f"Employeur {n}"},
                "contract_type": "cdi", "weekly_hours": 35}
    if kind == "follow_up":
        return {"step": "follow_up_contact", "occurred_on": on, "contacted": "beneficiary",
                "status": "fine"}
    if kind == "rupture":
        return {"step": "rupture", "occurred_on": on, "scope": "pathway", "kind": "lost_contact",
                "initiated_by": "beneficiary", "reason": "ne répond plus"}
    if kind == "exit":
        return {"step": "exited", "occurred_on": on, "outcome": "other"}
    return {"step": "corrected", "occurred_on": on, "corrects_version": 1,
            "changes": {"channel": ("event", "permanence")[n % 2]}, "reason": "saisie erronée"}


def dealt(found: dict[str, list[str]], count: int) -> Iterator[tuple[str, str]]:
    """Up to `count` (kind, pathway id), the kinds in turn (a kind whose pool is empty is
    skipped)."""
    cursors = {kind: iter(ids) for kind, ids in found.items()}
    made = 0
    while made < count and cursors:
        for kind in KINDS:
            cursor = cursors.get(kind)
            if cursor is None:
                continue
            pathway_id = next(cursor, None)
            if pathway_id is None:
                del cursors[kind]
                continue
            yield kind, pathway_id
            made += 1
            if made == count:
                return
