"""The eventsourcing Application: commands in, events out, one atomic save per command.

Referents' steps, identifications and corrections come in here (from the API, the CLI or the
demo generator); each loads the aggregate, lets it check its rules, and saves its new events in
one transaction. Personal data go to the personal-data store, never into events: the free text
a step or a committee decision carries about the person is sealed here with the person's key
(`stores/sealed_texts.py`), once the request is validated and the pathway found, before the
domain makes the event (without a personal-data store, as in some domain tests, it stays as
given).
"""

import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application, Repository
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from .clock import SystemClock
from .domain.committee import CommitteeSession
from .domain.company import Company
from .domain.errors import CommitteeRuleBroken, InvalidValue
from .domain.pathway import Pathway, derive
from .domain.state import PathwayState
from .domain.steps import Step
from .event_reads import reads_many, select_events_of
from .keyed_requests import KeyedRequests
from .snapshot_recorders import SNAPSHOTS, takes_snapshots_with_events
from .stores.sealed_texts import TextSealer
from .transcodings import TRANSCODINGS

logger = logging.getLogger(__name__)


class PathwayNotFound(LookupError):
    """No pathway has this id."""


class CommitteeNotFound(LookupError):
    """No committee session has this id."""


class CompanyNotFound(LookupError):
    """No company has this id (or this SIRET)."""


class CompanyAlreadyRegistered(Exception):
    """A company with this SIRET is already registered."""


class VersionConflict(Exception):
    """The pathway moved on since the caller read it (If-Match or a concurrent write)."""

    def __init__(self, pathway_id: UUID, expected: int | None, current: int):
        super().__init__(
            f"le parcours {pathway_id} est en version {current}, pas {expected} : "
            "relisez-le avant d'enregistrer"
        )
        self.current = current


def as_uuid(value, not_found: type[LookupError]) -> UUID:
    """An id as a UUID (ids arrive as strings from the read models and the API)."""
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise not_found(f"identifiant invalide : {value}") from None


def mutate_in_turn(aggregate, domain_events):
    """The library's `project_aggregate` (each event's `mutate` in turn) without its
    `assert isinstance(event, CanMutateProtocol)`: on Python 3.11 a runtime protocol check
    costs ~25 µs an event, ~0.15 ms of a step write's load (bench/README.md). Every event of
    this application's aggregates is the library's `CanMutateAggregate` event."""
    for domain_event in domain_events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


class EventsInTurnRepository(Repository):
    """The library's repository, reconstructing aggregates with `mutate_in_turn` unless told
    otherwise."""

    def get(self, aggregate_id, *, version=None, projector_func=mutate_in_turn, **kwargs):
        """The aggregate (at `version`), its events applied by `projector_func`."""
        return super().get(aggregate_id, version=version, projector_func=projector_func, **kwargs)


class CaseCommittee(Application):
    """The pathways of a Cité de l'emploi: identify, log steps, correct, read history."""

    name = "casecommittee"
    snapshotting_intervals = {Pathway: 10}
    #: How many times a write without `expected_version` is tried when another write to the
    #: same aggregate lands between its read and its save (then the conflict is reported).
    #: How often a write without If-Match is tried when concurrent writes keep winning: with
    #: exponential back-off (capped at 0.2 s) this covers about 3 s of contention, enough for
    #: 20 writers on one pathway on a loaded 2-core machine (tests/api/test_crash_recovery.py).
    conflict_attempts = 20

    def __init__(
        self, env: dict | None = None, clock=None, personal_data=None, snapshot_interval: int = 10,
        keys_secret: bytes | None = None, keys_time_to_live: timedelta = timedelta(hours=24),
        digest_keys=None,
    ) -> None:
        env = dict(env or {})
        env.setdefault("IS_SNAPSHOTTING_ENABLED", "y" if snapshot_interval else "n")
        self.snapshot_interval = snapshot_interval
        self.snapshotting_intervals = {Pathway: snapshot_interval} if snapshot_interval else {}
        super().__init__(env)
        #: Whether the recorder stores a save's snapshots in the save's transaction.
        self._snapshots_with_events = bool(self.snapshots) and takes_snapshots_with_events(self.recorder)
        if self._snapshots_with_events:
            self.recorder.snapshots_recorder = self.snapshots.recorder
        self.clock = clock or SystemClock()
        self.personal_data = personal_data
        #: Seals the texts written about a person (None without a personal-data store).
        self.texts = TextSealer(personal_data) if personal_data is not None else None
        #: Called after every save with its recordings (the embedded mode projects them here).
        self.after_save = None
        #: Idempotency keys: a keyed write's answer is saved with the write (see keyed_requests).
        #: `digest_keys`: the day keys requests are digested with (in memory when None).
        self.keyed_requests = KeyedRequests(self, keys_secret or b"", keys_time_to_live,
                                            digest_keys)
        #: The pathways this thread has just saved, while `after_save` runs (see `state_at`),
        #: and the log position of its last save (see `take_saved_position`).
        self._just_saved = threading.local()
        #: The pathways this thread loaded together for a projection batch (`prefetch_pathways`).
        self._prefetched = threading.local()

    def construct_repository(self) -> Repository:
        """The library's repository, with `EventsInTurnRepository`'s projector."""
        repository = super().construct_repository()
        repository.__class__ = EventsInTurnRepository
        return repository

    def save(self, *objs, **kwargs):
        """Saves atomically, then lets the read models catch up (so a caller reads its own write).

        Under an idempotency key, the key's answer is saved in the same transaction; when the
        save conflicts because another use of the key answered first, AlreadyAnswered is raised.
        A failure of the catch-up never fails the save: the events are stored, and the next
        catch-up (or the projection worker) applies them.
        """
        keyed = self.keyed_requests.answer_for(objs)
        try:
            recordings = super().save(*objs, *((keyed,) if keyed is not None else ()), **kwargs)
        except IntegrityError:
            self.keyed_requests.raise_if_answered()
            raise
        self.keyed_requests.saved()
        if recordings:
            self._just_saved.position = recordings[-1].notification.id
        if self.after_save is not None and recordings:
            self._just_saved.pathways = {o.id: o for o in objs if isinstance(o, Pathway)}
            try:
                self.after_save(recordings)
            except Exception:  # noqa: BLE001 - logged, retried by the next catch-up
                logger.exception("read models did not catch up after a save; they will on the next one")
            finally:
                self._just_saved.pathways = {}
        return recordings

    def take_saved_position(self) -> int | None:
        """The log position of the last event this thread saved since the last call (None if
        it saved nothing), and forgets it."""
        position = getattr(self._just_saved, "position", None)
        self._just_saved.position = None
        return position

    def _record(self, processing_event):
        """Records the events; the snapshots due from the aggregates at hand go with them, in
        the same transaction, when the recorder takes them (see `snapshot_recorders`)."""
        if self._snapshots_with_events:
            taken = self._snapshots_at_hand(processing_event)
            if taken:
                to_stored = self.snapshots.mapper.to_stored_event
                processing_event.saved_kwargs[SNAPSHOTS] = [to_stored(s) for s in taken]
        return super()._record(processing_event)

    def _snapshots_at_hand(self, processing_event) -> list:
        """Snapshots of the aggregates whose new version is a multiple of their interval, from
        the aggregates just saved (the library would load them again from the store)."""
        taken = []
        for event in processing_event.events:
            aggregate = processing_event.aggregates.get(event.originator_id)
            interval = self.snapshotting_intervals.get(type(aggregate))
            if interval and not event.originator_version % interval \
                    and aggregate.version == event.originator_version:
                snapshot_class = getattr(type(aggregate), "Snapshot", self.snapshot_class)
                taken.append(snapshot_class.take(aggregate))
        return taken

    def _take_snapshots(self, processing_event) -> None:
        """Snapshots the aggregates whose new version is a multiple of their interval: those
        at hand went with the events when the recorder takes them, else all in one put here;
        an earlier event of the same save is loaded again (its state is no longer at hand)."""
        if not (self.snapshots and self.snapshotting_intervals):
            return
        for event in processing_event.events:
            aggregate = processing_event.aggregates.get(event.originator_id)
            interval = self.snapshotting_intervals.get(type(aggregate))
            if interval and not event.originator_version % interval \
                    and aggregate.version != event.originator_version:
                self.take_snapshot(event.originator_id, version=event.originator_version)
        if not self._snapshots_with_events:
            taken = self._snapshots_at_hand(processing_event)
            if taken:
                self.snapshots.put(taken)

    def state_at(self, pathway_id: UUID, version: int) -> PathwayState:
        """The pathway's state at `version`: folded from the pathway this thread has just saved
        when it is at hand (the inline projection of a write loads nothing), else loaded from the
        event store. A new state each time: the caller may fold more events into it."""
        saved = getattr(self._just_saved, "pathways", {}).get(pathway_id)
        if saved is None:
            prefetched = getattr(self._prefetched, "pathways", None)
            saved = prefetched.get(pathway_id) if prefetched else None
            if saved is not None and saved.version == version:  # (its state, used once)
                del prefetched[pathway_id]
                return saved.state
        if saved is not None and saved.version >= version:
            return derive(saved.steps[:version])
        return self.get_pathway(pathway_id, version).state

    def prefetch_pathways(self, wanted: dict[UUID, int]) -> None:
        """Loads the pathways of `wanted`, each at its version, for this thread's `state_at`
        until `drop_prefetched`: from the event store, together (its last snapshot up to
        that version and its events after it, as the library's repository reads one, but one
        statement per few hundred pathways and table instead of two each; SQLite or PostgreSQL,
        `event_reads`). Pathways this thread has just saved, or in another kind of store, are
        left to `state_at`'s own way."""
        saved = getattr(self._just_saved, "pathways", {})
        wanted = {i: v for i, v in wanted.items() if i not in saved}
        snapshots = self.snapshots
        loaded: dict[UUID, Pathway] = {}
        if wanted and reads_many(self.recorder) and (snapshots is None or reads_many(snapshots.recorder)):
            ids, top = list(wanted), max(wanted.values())
            latest = {}
            if snapshots is not None:
                for i, stored in select_events_of(snapshots.recorder, ids, top).items():
                    below = [s for s in stored if s.originator_version <= wanted[i]]
                    if below:
                        latest[i] = below[-1]
            to_event = self.mapper.to_domain_event
            for i, stored in select_events_of(self.recorder, ids, top).items():
                version, snapshot = wanted[i], latest.get(i)
                after = snapshot.originator_version if snapshot is not None else 0
                events = [snapshots.mapper.to_domain_event(snapshot)] if snapshot is not None else []
                events += [to_event(s) for s in stored if after < s.originator_version <= version]
                pathway = mutate_in_turn(None, events)
                if isinstance(pathway, Pathway) and pathway.version == version:
                    loaded[i] = pathway
        self._prefetched.pathways = loaded

    def drop_prefetched(self) -> None:
        """Forgets what `prefetch_pathways` loaded and `state_at` did not use."""
        self._prefetched.pathways = {}

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        """Adds dates, step records and derived states to the library's transcodings."""
        super().register_transcodings(transcoder)
        for transcoding in TRANSCODINGS:
            transcoder.register(transcoding)

    # ---- commands ------------------------------------------------------------------------

    def identify(
        self, *, actor: dict, occurred_on: date, person: dict | None = None,
        pathway_id: UUID | None = None, **fields: Any,
    ) -> Pathway:
        """Opens a pathway (repéré); the person's identity goes to the personal-data store only."""
        pathway = Pathway.identify(
            pathway_id=pathway_id or uuid4(), occurred_on=occurred_on, actor=actor,
            today=self.clock.today(), recorded_at=self.clock.now(), **fields,
        )
        if person is not None and self.personal_data is not None:
            self.personal_data.put(pathway.id, person)
        try:
            self.save(pathway)
        except Exception:
            if person is not None and self.personal_data is not None:
                self.personal_data.discard(pathway.id)
            raise
        return pathway

    def log_step(
        self, pathway_id: UUID, code: str, *, actor: dict, occurred_on: date,
        expected_version: int | None = None,
        check: Callable[[PathwayState], None] | None = None, **fields: Any,
    ) -> Pathway:
        """Appends one step to a pathway, optionally only if it is still at `expected_version`.

        Without an expected version, a concurrent write to the pathway is not the caller's
        concern: the step is checked and saved again on the new version (a few times).
        `check(state)`, when given, is called on the pathway as loaded, before anything else
        (the caller's scope and the ids it names, from the state the command has at hand: no
        read of the read models); what it raises refuses the step. The step's private texts are
        sealed once, after the first load and check (one key lookup, none without a text).
        """
        sealed: dict | None = None  # (the step's fields once sealed)

        def attempt() -> Pathway:
            nonlocal sealed
            pathway = self.get_pathway(pathway_id)
            if check is not None:
                check(pathway.state)
            if expected_version is not None and pathway.version != expected_version:
                raise VersionConflict(pathway_id, expected_version, pathway.version)
            if code == "proposed_to_company":
                self.check_proposal(pathway.state.group_id, fields)
            if sealed is None:
                sealed = (fields if self.texts is None
                          else self.texts.seal_step(pathway.id, code, fields))
            pathway.record(
                code, occurred_on=occurred_on, actor=actor, today=self.clock.today(),
                recorded_at=self.clock.now(), **sealed,
            )
            self.save_atomically(pathway)
            return pathway

        return self.retrying(attempt, guarded=expected_version is not None)

    def retrying(self, attempt: Callable, *, guarded: bool = False):
        """Runs `attempt` again (from a fresh read) when a concurrent write made it conflict,
        up to `conflict_attempts` times; a `guarded` caller (If-Match) is told at once."""
        for number in range(1, self.conflict_attempts):
            try:
                return attempt()
            except VersionConflict:
                if guarded:
                    raise
                back_off = min(0.2, 0.005 * 2 ** number)
                time.sleep(random.uniform(0, back_off))  # noqa: S311 - jitter, not a secret
        return attempt()

    def save_atomically(self, *aggregates) -> None:
        """Saves aggregates in one transaction; a concurrent write to one of them is a conflict."""
        try:
            self.save(*aggregates)
        except IntegrityError:
            first = aggregates[0]
            current = self.repository.get(first.id).version
            raise VersionConflict(first.id, first.version, current) from None

    # ---- queries -------------------------------------------------------------------------

    def get_pathway(self, pathway_id: UUID, version: int | None = None) -> Pathway:
        """The pathway, at its current or a given version."""
        try:
            pathway = self.repository.get(as_uuid(pathway_id, PathwayNotFound), version=version)
        except AggregateNotFoundError:
            raise PathwayNotFound(f"aucun parcours {pathway_id}") from None
        if not isinstance(pathway, Pathway):
            raise PathwayNotFound(f"aucun parcours {pathway_id}")
        return pathway

    def state_as_of(self, pathway_id: UUID, as_of: date) -> PathwayState:
        """The pathway's state from the steps whose business date is on or before `as_of`."""
        return self.get_pathway(pathway_id).state_as_of(as_of)

    def history(self, pathway_id: UUID) -> list[Step]:
        """Every step of the pathway in the order it was recorded, with both dates and the actor."""
        return self.get_pathway(pathway_id).steps

    # ---- committees ----------------------------------------------------------------------

    def schedule_committee(self, *, group_id: str, kind: str, held_on: date, actor: dict) -> CommitteeSession:
        """Schedules a committee session for a group."""
        session = CommitteeSession.schedule(group_id=group_id, kind=kind, held_on=held_on,
                                            actor=actor, recorded_at=self.clock.now())
        self.save(session)
        return session

    def get_committee(self, session_id: UUID, version: int | None = None) -> CommitteeSession:
        """The committee session (at its current or a given version), or CommitteeNotFound."""
        try:
            session = self.repository.get(as_uuid(session_id, CommitteeNotFound), version=version)
        except AggregateNotFoundError:
            raise CommitteeNotFound(f"aucun comité {session_id}") from None
        if not isinstance(session, CommitteeSession):
            raise CommitteeNotFound(f"aucun comité {session_id}")
        return session

    def record_decision(
        self, session_id: UUID, *, pathway_id: UUID, decision: str, actor: dict,
        note: str | None = None, orientation: dict | None = None, proposal: dict | None = None,
        expected_version: int | None = None,
    ) -> tuple[CommitteeSession, Pathway]:
        """Records a committee decision; an orientation appends `oriented` and a proposal to a
        company `proposed_to_company` in the same save, optionally only if the pathway is still
        at `expected_version`. The note is sealed with the decided pathway's key."""
        sealed: dict = {}

        def attempt() -> tuple[CommitteeSession, Pathway]:
            session = self.get_committee(session_id)
            pathway = self.get_pathway(pathway_id)
            if expected_version is not None and pathway.version != expected_version:
                raise VersionConflict(pathway_id, expected_version, pathway.version)
            if pathway.state.group_id != session.group_id:
                raise CommitteeRuleBroken(
                    "ce parcours n'est pas suivi par le groupe de ce comité", field="pathway_id"
                )
            now = self.clock.now()
            if "note" not in sealed:
                sealed["note"] = note if self.texts is None else self.texts.seal(pathway.id, note)
            session.record_decision(pathway_id=str(pathway.id), decision=decision, note=sealed["note"],
                                    orientation=orientation, proposal=proposal, actor=actor,
                                    recorded_at=now)
            appended = {"orient": ("oriented", orientation),
                        "propose_to_company": ("proposed_to_company", proposal)}.get(decision)
            if appended is not None:
                code, fields = appended
                if code == "proposed_to_company":
                    self.check_proposal(pathway.state.group_id, fields)
                pathway.record(
                    code, occurred_on=session.held_on, actor=actor, today=self.clock.today(),
                    recorded_at=now, committee_session_id=str(session.id), **fields,
                )
            self.save_atomically(pathway, session)
            return session, pathway

        return self.retrying(attempt, guarded=expected_version is not None)

    def add_need_to_committee(self, session_id: UUID, *, company_id: UUID | str, need_id: str,
                              actor: dict) -> CommitteeSession:
        """Puts a company's open need, offered to the session's group, on its agenda."""

        def attempt() -> CommitteeSession:
            session = self.get_committee(session_id)
            self.check_proposal(session.group_id, {"company_id": company_id, "need_id": need_id})
            session.add_need(company_id=str(company_id), need_id=need_id, actor=actor,
                             recorded_at=self.clock.now())
            self.save_atomically(session)
            return session

        return self.retrying(attempt)

    def check_proposal(self, group_id: str, proposal: dict) -> None:
        """Refuses (InvalidValue) a company that is not registered, a need it has not or that is
        closed, or one not offered to the group."""
        try:
            company = self.get_company(proposal.get("company_id"))
        except CompanyNotFound:
            raise InvalidValue("aucune entreprise de ce numéro", field="company_id") from None
        need = company.state.needs.get(proposal.get("need_id"))
        if need is None or need["outcome"] is not None:
            # (not named: the company may be another territory's)
            raise InvalidValue("cette entreprise n'a pas de besoin ouvert de ce code", field="need_id")
        if group_id not in need["group_ids"]:
            raise InvalidValue("ce besoin n'est pas proposé au groupe de ce parcours", field="need_id")

    def close_committee(
        self, session_id: UUID, *, agenda: list[dict], attendance: list[str], actor: dict,
    ) -> CommitteeSession:
        """Closes a session, freezing its agenda and decisions as the minutes."""

        def attempt() -> CommitteeSession:
            session = self.get_committee(session_id)
            session.close(agenda=agenda, attendance=attendance, actor=actor,
                          recorded_at=self.clock.now())
            self.save_atomically(session)
            return session

        return self.retrying(attempt)

    # ---- companies -----------------------------------------------------------------------

    def register_company(self, *, actor: dict, occurred_on: date, **fields: Any) -> Company:
        """Registers an employer (keyed by its SIRET); a second registration of the SIRET is
        refused with CompanyAlreadyRegistered."""
        company = Company.register(occurred_on=occurred_on, actor=actor, today=self.clock.today(),
                                   recorded_at=self.clock.now(), **fields)
        try:
            self.save(company)
        except IntegrityError:  # (a replayed idempotency key is told apart by `save`)
            raise CompanyAlreadyRegistered(
                f"l'entreprise de SIRET {fields.get('siret')} est déjà enregistrée") from None
        return company

    def record_company_event(
        self, company: UUID, code: str, *, actor: dict, occurred_on: date,
        expected_version: int | None = None, **fields: Any,
    ) -> Company:
        """Appends one event to a company's stream (a need, its outcome, a participation…),
        optionally only if the company is still at `expected_version`."""

        def attempt() -> Company:
            found = self.get_company(company)
            if expected_version is not None and found.version != expected_version:
                raise VersionConflict(found.id, expected_version, found.version)
            found.record(code, occurred_on=occurred_on, actor=actor, today=self.clock.today(),
                         recorded_at=self.clock.now(), **fields)
            self.save_atomically(found)
            return found

        return self.retrying(attempt, guarded=expected_version is not None)

    def get_company(self, company: UUID | str, version: int | None = None) -> Company:
        """The company, at its current or a given version."""
        ident = as_uuid(company, CompanyNotFound)
        try:
            found = self.repository.get(ident, version=version)
        except AggregateNotFoundError:
            raise CompanyNotFound(f"aucune entreprise {company}") from None
        if not isinstance(found, Company):
            raise CompanyNotFound(f"aucune entreprise {company}")
        return found
