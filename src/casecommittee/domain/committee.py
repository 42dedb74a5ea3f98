"""The CommitteeSession aggregate: one comité (orientation, follow-up or steering) of a group.

Scheduled for a group, a kind and a date; the co-pilots record one decision per pathway; closing
freezes the agenda and the decisions as the minutes (compte rendu). A closed session accepts
nothing more. Names never enter these events: the agenda is frozen as pathway ids, reasons and
stages, and labels are resolved (or pseudonymised) when a document is shown.
"""

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from .errors import CommitteeRuleBroken, InvalidValue

COMMITTEE_KINDS = ("orientation", "follow_up", "steering")
DECISIONS = ("orient", "continue", "refer_elsewhere", "close", "postpone", "propose_to_company")
KIND_LABELS = {
    "orientation": "comité d'orientation", "follow_up": "comité de suivi restreint",
    "steering": "comité de pilotage",
}
DECISION_LABELS = {
    "orient": "orientation", "continue": "poursuite de l'accompagnement",
    "refer_elsewhere": "réorientation vers un autre partenaire", "close": "clôture",
    "postpone": "report au prochain comité",
    "propose_to_company": "proposition à une entreprise",
}


class CommitteeSession(Aggregate):
    """A comité of a working group, from its scheduling to its minutes."""

    class Scheduled(Aggregate.Created):
        group_id: str
        kind: str
        held_on: date
        actor: dict

    class NeedAdded(Aggregate.Event):
        """A company's recruitment need put on the session's agenda (by a co-pilot)."""

        company_id: str
        need_id: str
        actor: dict

        def apply(self, session: "CommitteeSession") -> None:
            session.needs.append({"company_id": self.company_id, "need_id": self.need_id})

    class DecisionRecorded(Aggregate.Event):
        """Version 2 added `proposal` (the company and need a person is proposed to)."""

        class_version = 2
        pathway_id: str
        decision: str
        note: str | None
        orientation: dict | None
        proposal: dict | None
        actor: dict

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            """Decisions recorded before proposals existed proposed nothing."""
            state["proposal"] = None

        def apply(self, session: "CommitteeSession") -> None:
            session.decisions[self.pathway_id] = {
                "pathway_id": self.pathway_id, "decision": self.decision, "note": self.note,
                "orientation": self.orientation, "proposal": self.proposal,
                "decided_at": self.timestamp, "decided_by": self.actor.get("user_id"),
            }

    class Closed(Aggregate.Event):
        agenda: list
        attendance: list
        actor: dict

        def apply(self, session: "CommitteeSession") -> None:
            session.closed_at = self.timestamp
            session.agenda = list(self.agenda)
            session.attendance = list(self.attendance)

    def __init__(self, group_id: str, kind: str, held_on: date, actor: dict) -> None:
        self.group_id = group_id
        self.kind = kind
        self.held_on = held_on
        self.scheduled_by = actor.get("user_id")
        self.decisions: dict[str, dict] = {}
        self.needs: list[dict] = []
        self.agenda: list = []
        self.attendance: list = []
        self.closed_at: datetime | None = None

    @classmethod
    def schedule(cls, *, group_id: str, kind: str, held_on: date, actor: dict,
                 session_id: UUID | None = None, recorded_at: datetime | None = None) -> "CommitteeSession":
        """Schedules a session of a group's committee on a date."""
        if kind not in COMMITTEE_KINDS:
            raise InvalidValue(
                f"type de comité « {kind} » inconnu ; valeurs possibles : {', '.join(COMMITTEE_KINDS)}",
                field="kind",
            )
        return cls._create(cls.Scheduled, id=session_id or uuid4(), group_id=group_id, kind=kind,
                           held_on=held_on, actor=actor, timestamp=recorded_at)

    @property
    def is_closed(self) -> bool:
        """Closed sessions accept nothing more."""
        return self.closed_at is not None

    def _check_open(self) -> None:
        if self.is_closed:
            raise CommitteeRuleBroken(
                f"le comité du {self.held_on:%d/%m/%Y} est clos : son compte rendu est figé"
            )

    def add_need(self, *, company_id: str, need_id: str, actor: dict,
                 recorded_at: datetime | None = None) -> None:
        """Puts a company's need on the agenda (once); its shortlist joins the agenda."""
        self._check_open()
        if {"company_id": company_id, "need_id": need_id} in self.needs:
            raise CommitteeRuleBroken("ce besoin est déjà à l'ordre du jour de ce comité",
                                      field="need_id")
        self.trigger_event(self.NeedAdded, company_id=company_id, need_id=need_id, actor=actor,
                           timestamp=recorded_at)

    def record_decision(self, *, pathway_id: str, decision: str, actor: dict, note: str | None = None,
                        orientation: dict | None = None, proposal: dict | None = None,
                        recorded_at: datetime | None = None) -> None:
        """Records the committee's decision for one pathway (one decision per pathway), from the
        day the session is held on (`recorded_at`, in the server's calendar)."""
        self._check_open()
        if recorded_at is not None and recorded_at.astimezone().date() < self.held_on:
            raise CommitteeRuleBroken(
                f"le comité du {self.held_on:%d/%m/%Y} n'a pas encore eu lieu : ses décisions "
                "s'enregistrent à partir de ce jour-là",
                field="decision",
            )
        if decision not in DECISIONS:
            raise InvalidValue(
                f"décision « {decision} » inconnue ; valeurs possibles : {', '.join(DECISIONS)}",
                field="decision",
            )
        if decision == "orient" and not (orientation or {}).get("scheme"):
            raise CommitteeRuleBroken(
                "une décision d'orientation précise le dispositif (orientation.scheme)",
                field="orientation.scheme",
            )
        if decision != "orient" and orientation:
            raise CommitteeRuleBroken(
                "seule une décision « orient » porte une orientation", field="orientation"
            )
        if decision == "propose_to_company":
            on_agenda = proposal is not None and {
                "company_id": proposal.get("company_id"), "need_id": proposal.get("need_id")} in self.needs
            if not on_agenda:
                raise CommitteeRuleBroken(
                    "une proposition à une entreprise porte sur un besoin à l'ordre du jour de ce "
                    "comité (proposal.company_id, proposal.need_id) : ajoutez-le d'abord",
                    field="proposal")
        elif proposal:
            raise CommitteeRuleBroken(
                "seule une décision « propose_to_company » porte une proposition", field="proposal")
        if pathway_id in self.decisions:
            raise CommitteeRuleBroken(
                "une décision est déjà enregistrée pour ce parcours dans ce comité", field="pathway_id"
            )
        self.trigger_event(self.DecisionRecorded, pathway_id=pathway_id, decision=decision,
                           note=note, orientation=orientation, proposal=proposal, actor=actor,
                           timestamp=recorded_at)

    def close(self, *, agenda: list[dict[str, Any]], attendance: list[str], actor: dict,
              recorded_at: datetime | None = None) -> None:
        """Closes the session, freezing its agenda and decisions as the minutes."""
        self._check_open()
        self.trigger_event(self.Closed, agenda=agenda, attendance=attendance, actor=actor,
                           timestamp=recorded_at)
