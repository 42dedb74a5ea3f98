"""The demo's committee life: each group's monthly comité d'orientation over the demo's years,
with its agenda, a decision on most items and closed minutes, and the coming session open.

Past sessions record decisions that append no step (continue, refer elsewhere, postpone,
close): an orientation decided today for a session held months ago would be a step logged out
of order in pathways whose later history the demo already wrote. The coming session's agenda
is left to the co-pilot.
"""

import random
from collections.abc import Iterator
from datetime import date, timedelta

from .demo import GROUPS
from .queries.session_documents import agenda_document, close_session
from .stores.reference import groups, users

#: Decisions drawn for past agenda items, with their weights.
PAST_DECISIONS = (("continue", 60), ("postpone", 20), ("refer_elsewhere", 15), ("close", 5))
NOTES = {"continue": "poursuite avec le référent", "postpone": "à revoir avec des éléments récents",
         "refer_elsewhere": "orientation vers un partenaire plus adapté",
         "close": "la personne ne souhaite plus être accompagnée"}


def session_dates(first: date, today: date) -> Iterator[date]:
    """The second Tuesday of each month from `first` to the month after today."""
    month = date(first.year, first.month, 1)
    last = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    while month <= last:
        tuesday = month + timedelta(days=(1 - month.weekday()) % 7 + 7)
        yield tuesday
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)


def generate_sessions(system, *, seed: int = 2020, years: int = 2) -> int:
    """Schedules, decides and closes each group's monthly sessions; returns how many."""
    rng = random.Random(seed)
    today = system.clock.today()
    count = 0
    copilots = {g: [u for u in system.reference.rows(users, role="copilot") if g in (u["group_ids"] or ())]
                for g in (gr["id"] for gr in system.reference.rows(groups))}
    for group in system.reference.rows(groups):
        attendance = next((list(p) for name, _t, _s, p in GROUPS if name == group["name"]), [])
        pilot = copilots[group["id"]][0]
        actor = {"user_id": pilot["id"], "role": "copilot", "structure_id": pilot["structure_id"]}
        for held_on in session_dates(today - timedelta(days=365 * years), today):
            session = system.app.schedule_committee(group_id=group["id"], kind="orientation",
                                                    held_on=held_on, actor=actor)
            count += 1
            if held_on > today:
                continue
            for item in agenda_document(system, session, lambda pid, consent: pid)["items"]:
                if rng.random() < 0.85:
                    decision = rng.choices(*zip(*PAST_DECISIONS, strict=True))[0]
                    session, _ = system.app.record_decision(
                        session.id, pathway_id=item["pathway_id"], decision=decision,
                        note=NOTES[decision], actor=actor)
            close_session(system, system.app.get_committee(session.id), attendance, actor)
    return count
