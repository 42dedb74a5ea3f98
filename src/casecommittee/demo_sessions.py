"""The demo's committee life: each group's monthly comité d'orientation over the demo's years,
with its agenda, a decision on most items and closed minutes, a comité de pilotage per quarter,
and the coming session open.

The sessions are known before the pathways are drawn (`CommitteeCalendar`: their dates and
ids), so a pathway's orientation can be the decision of its group's session: the `oriented`
step is drawn on the session's date, carries the session's id and is recorded during the
session, in order with the rest of the pathway's history; the session then records the same
orientation as its decision ("orient"). The other past decisions append no step (continue,
refer elsewhere, postpone, close). Each session's events are back-dated: scheduled two weeks
before it is held, decided and closed on the day. The coming session's agenda is left to the
co-pilot. Decision notes are sealed with the decided person's key, as the application's are.
"""

import bisect
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from .demo import GROUPS, NAMESPACE
from .domain.committee import CommitteeSession
from .domain.vocabulary import STAGE_LABELS
from .queries.agenda import REASON_LABELS
from .queries.session_documents import agenda_document, frozen_item
from .stores.reference import groups, users

#: Decisions drawn for the past agenda items that were not oriented by the session.
PAST_DECISIONS = (("continue", 60), ("postpone", 20), ("refer_elsewhere", 15), ("close", 5))
NOTES = {"continue": "poursuite avec le référent", "postpone": "à revoir avec des éléments récents",
         "refer_elsewhere": "orientation vers un partenaire plus adapté",
         "close": "la personne ne souhaite plus être accompagnée",
         "orient": "orientation validée en comité"}
#: Who sits on the territory's comité de pilotage.
STEERING_ATTENDANCE = ("Préfecture du Territoire de Belfort", "DDETS", "France Travail Belfort",
                       "Conseil départemental du Territoire de Belfort", "Ville de Belfort",
                       "Mission locale du Territoire de Belfort")


def session_dates(first: date, today: date) -> Iterator[date]:
    """The second Tuesday of each month from `first` to the month after today."""
    month = date(first.year, first.month, 1)
    last = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    while month <= last:
        tuesday = month + timedelta(days=(1 - month.weekday()) % 7 + 7)
        yield tuesday
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)


def steering_dates(first: date, today: date) -> Iterator[date]:
    """The second Thursday of the month after each quarter that ended more than a month after
    `first` (a quarter the demo mostly covers), up to today."""
    quarter = date(first.year, (first.month - 1) // 3 * 3 + 1, 1)
    while True:
        end = date(quarter.year + quarter.month // 10, (quarter.month + 2) % 12 + 1, 1)
        thursday = end + timedelta(days=(3 - end.weekday()) % 7 + 7)
        if thursday > today:
            return
        if end > first + timedelta(days=30):
            yield thursday
        quarter = end


class CommitteeCalendar:
    """The demo's monthly sessions per group, their ids known before any pathway is drawn, and
    the orientations the pathways' lives attach to them."""

    def __init__(self, today: date, years: int = 2):
        self.today = today
        self.dates = list(session_dates(today - timedelta(days=365 * years), today))
        #: (group id, held on) → the pathways the session oriented, in the order drawn
        self.orientations: dict[tuple[str, date], list[dict]] = defaultdict(list)

    @staticmethod
    def session_id(group_id: str, held_on: date, kind: str = "orientation") -> uuid.UUID:
        """The id of a group's session (the same for the same demo)."""
        return uuid.uuid5(NAMESPACE, f"session/{group_id}/{kind}/{held_on}")

    def next_session_on(self, on: date) -> date | None:
        """The first session date on or after `on`, or None past the calendar."""
        index = bisect.bisect_left(self.dates, on)
        return self.dates[index] if index < len(self.dates) else None

    def oriented(self, group_id: str, held_on: date, item: dict) -> None:
        """Notes that the session of `held_on` oriented a pathway (`item`: pathway_id,
        orientation, recorded_at, identified_on, last_event_on, consent_sharing, referent_id)."""
        self.orientations[(group_id, held_on)].append(item)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), UTC)


def _oriented_item(found: dict, held_on: date, since: date | None) -> dict:
    """The agenda item of a pathway the session oriented, as it stood that day: identified,
    not yet oriented (the read model now shows it oriented, so it is not on the live agenda)."""
    new = since is None or found["identified_on"] > since
    return {
        "pathway_id": found["pathway_id"], "consent_sharing": found["consent_sharing"],
        "stage": "identified", "stage_label": STAGE_LABELS["identified"],
        "reasons": ["not_yet_oriented"], "reason_labels": [REASON_LABELS["not_yet_oriented"]],
        "details": {"not_yet_oriented": "new" if new else "still_waiting"},
        "days_in_stage": (held_on - found["identified_on"]).days,
        "last_event_on": found["last_event_on"], "referent_id": found["referent_id"],
        "synthesis": [{"label": "repéré", "on": found["identified_on"]}],
    }


def _orientation_session(system, rng, calendar, group, held_on, since, actor, attendance):
    """One past (or the coming) comité d'orientation of a group, built and saved at once."""
    session = CommitteeSession.schedule(
        group_id=group["id"], kind="orientation", held_on=held_on, actor=actor,
        session_id=calendar.session_id(group["id"], held_on),
        recorded_at=_at(held_on - timedelta(days=14), 9))
    if held_on > calendar.today:
        system.app.save(session)
        return session
    oriented = calendar.orientations.get((group["id"], held_on), [])
    items = [_oriented_item(found, held_on, since) for found in oriented]
    orienting = {item["pathway_id"] for item in items}
    live = agenda_document(system, session)["items"]
    items += [frozen_item({k: v for k, v in item.items() if k != "decision"})
              for item in live if item["pathway_id"] not in orienting]
    decided_at = _at(held_on, 14)
    for found in oriented:
        session.record_decision(pathway_id=found["pathway_id"], decision="orient",
                                note=system.app.texts.seal(found["pathway_id"], NOTES["orient"]),
                                orientation=found["orientation"],
                                actor=actor, recorded_at=found["recorded_at"])
        decided_at = max(decided_at, found["recorded_at"])
    for item in items:
        if item["pathway_id"] not in orienting and rng.random() < 0.85:
            decision = rng.choices(*zip(*PAST_DECISIONS, strict=True))[0]
            decided_at += timedelta(minutes=2)
            session.record_decision(pathway_id=item["pathway_id"], decision=decision,
                                    note=system.app.texts.seal(item["pathway_id"], NOTES[decision]),
                                    actor=actor, recorded_at=decided_at)
    session.close(agenda=items, attendance=attendance, actor=actor,
                  recorded_at=max(_at(held_on, 17), decided_at + timedelta(minutes=5)))
    system.app.save(session)
    system.projections.catch_up()  # the next session's agenda reads this one's decisions
    return session


def _steering_session(system, group, held_on, actor) -> CommitteeSession:
    """A quarter's comité de pilotage: no pathway on its agenda, its minutes name the bilan."""
    session = CommitteeSession.schedule(
        group_id=group["id"], kind="steering", held_on=held_on, actor=actor,
        session_id=CommitteeCalendar.session_id(group["id"], held_on, "steering"),
        recorded_at=_at(held_on - timedelta(days=30), 9))
    session.close(agenda=[], attendance=list(STEERING_ATTENDANCE), actor=actor,
                  recorded_at=_at(held_on, 12))
    system.app.save(session)
    return session


def generate_sessions(system, *, seed: int = 2020, years: int = 2,
                      calendar: CommitteeCalendar | None = None) -> int:
    """Schedules, decides and closes each group's monthly sessions, the orientations of
    `calendar` included (the one `demo.generate` drew the pathways with), and holds a
    comité de pilotage per quarter; returns how many sessions."""
    rng = random.Random(seed)
    today = system.clock.today()
    calendar = calendar or CommitteeCalendar(today, years)
    count = 0
    copilots = defaultdict(list)
    for user in system.reference.rows(users, role="copilot"):
        for group_id in user["group_ids"] or ():
            copilots[group_id].append(user)
    system.projections.catch_up()
    all_groups = system.reference.rows(groups)
    for group in all_groups:
        attendance = next((list(p) for name, _t, _s, p in GROUPS if name == group["name"]), [])
        pilot = copilots[group["id"]][0]
        actor = {"user_id": pilot["id"], "role": "copilot", "structure_id": pilot["structure_id"]}
        since = None
        for held_on in calendar.dates:
            _orientation_session(system, rng, calendar, group, held_on, since, actor, attendance)
            since = held_on
            count += 1
    if all_groups:  # the territory's steering committee, kept with its first group
        group = all_groups[0]
        pilot = copilots[group["id"]][0]
        actor = {"user_id": pilot["id"], "role": "copilot", "structure_id": pilot["structure_id"]}
        for held_on in steering_dates(calendar.dates[0], today):
            _steering_session(system, group, held_on, actor)
            count += 1
    return count
