"""Keyed requests (`Idempotency-Key`): what a keyed write did, saved with the write itself.

A client's key names an aggregate of its own in the event store, `KeyedRequest`, whose id is
an HMAC of (user, key): neither the key nor anything the request carried is readable from it.
Each answer it records holds only a keyed digest of the request, the ids and versions of the
aggregates the write saved, and when. It is saved in the same `save()` (one transaction) as the
write's events, so after a crash at any point the write either happened with its answer or
did not happen at all: a retry replays the answer, or performs the write, exactly once. Two
concurrent uses of one key cannot both be saved (the second conflicts on the key's version).

An answer older than the time to live has expired: the key may then serve a new request.

The digest is an HMAC under the key of the answer's day (UTC), `stores.digest_keys`: the daily
job destroys a day's key a day after the day's last answer expired, and from then on nobody can
check a guess of the request (a birth date, a phone) against the digest the event store keeps
for good. An answer whose day key is gone is treated as expired. Answers saved before day keys
(`request_hash`, an HMAC under a key derived from the master secret) are still checked that way
while they live; those digests stay checkable with the master secret.
"""

import hashlib
import hmac
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event

#: The part of the master secret the keys' ids and digests are derived with.
_PURPOSE = b"casecommittee idempotency keys"


class KeyedRequest(Aggregate):
    """The answers given under one (user, key): the latest one is what a retry replays."""

    class Answered(Aggregate.Created):
        key_id: UUID
        answer: dict

    @staticmethod
    def create_id(key_id: UUID, answer: dict) -> UUID:
        """The aggregate's id is the key's id (a keyed HMAC of user and key)."""
        return key_id

    def __init__(self, key_id: UUID, answer: dict) -> None:
        self.answer = answer

    @event("Reused")
    def reuse(self, answer: dict) -> None:
        """Records the answer to a new request under a key whose last answer expired."""
        self.answer = answer


@dataclass(frozen=True)
class Answer:
    """What a keyed write saved: its request digest, the (id, version) of each aggregate, when.
    `legacy`: the digest was made under the master secret (saved before day keys)."""

    request_digest: str
    saved: tuple[tuple[UUID, int], ...]
    at: datetime
    legacy: bool = False

    @classmethod
    def of(cls, stored: dict) -> "Answer":
        """An answer as stored in a `KeyedRequest` event."""
        legacy = "request_digest" not in stored
        return cls(stored["request_hash" if legacy else "request_digest"],
                   tuple((UUID(i), v) for i, v in stored["saved"]),
                   datetime.fromisoformat(stored["at"]), legacy)

    @property
    def day(self) -> date:
        """The UTC day whose key digested the request."""
        return self.at.astimezone(UTC).date()

    def stored(self) -> dict:
        """The answer as a `KeyedRequest` event holds it (JSON types only)."""
        return {"request_digest": self.request_digest,
                "saved": [[str(i), v] for i, v in self.saved], "at": self.at.isoformat()}

    def version_of(self, aggregate_id) -> int:
        """The version the write left an aggregate at."""
        return dict(self.saved)[UUID(str(aggregate_id))]


class KeyReused(Exception):
    """The key already answered another request (another body, route or method)."""


class AlreadyAnswered(Exception):
    """Another use of the same key saved its write first: its answer is the one to give."""

    def __init__(self, answer: Answer):
        super().__init__("cette requête a déjà reçu une réponse")
        self.answer = answer


@dataclass
class KeyedUse:
    """One request under a key, while it runs: the canonical request (in memory only), the
    key's aggregate as it was read (None when new or expired and never used) and, once saved,
    done."""

    key_id: UUID
    request: bytes
    previous: KeyedRequest | None
    done: bool = field(default=False)


class KeysInMemory:
    """Day keys held by this process only (an application built without the keys' store)."""

    def __init__(self):
        self._keys: dict[date, bytes] = {}

    def held(self, day: date) -> bytes | None:
        """The day's key, or None."""
        return self._keys.get(day)

    def of(self, day: date) -> bytes:
        """The day's key, made on first use."""
        return self._keys.setdefault(day, os.urandom(32))

    def destroy_before(self, day: date) -> int:
        """Forgets the keys of the days before `day`; returns how many."""
        old = [d for d in self._keys if d < day]
        for d in old:
            del self._keys[d]
        return len(old)


class KeyedRequests:
    """Finds a key's live answer and records a new one with the write it answers.
    `digest_keys` holds the day keys (`stores.digest_keys.DigestKeys`; in memory without)."""

    def __init__(self, app, secret: bytes, time_to_live: timedelta, digest_keys=None):
        self.app = app
        self._secret = hmac.new(secret, _PURPOSE, hashlib.sha256).digest()
        self.time_to_live = time_to_live
        self.digest_keys = digest_keys if digest_keys is not None else KeysInMemory()
        self._current: ContextVar[KeyedUse | None] = ContextVar("keyed_use", default=None)

    def key_id(self, user_id: str, key: str) -> UUID:
        """The aggregate id of a user's key: an HMAC, so a key cannot be guessed back from it."""
        digest = hmac.new(self._secret, f"{user_id}\n{key}".encode(), hashlib.sha256).digest()
        return UUID(bytes=digest[:16], version=4)

    @staticmethod
    def digest(key: bytes, request: bytes) -> str:
        """The HMAC of a canonical request under a key (hex)."""
        return hmac.new(key, request, hashlib.sha256).hexdigest()

    def matches(self, answer: Answer, request: bytes) -> bool | None:
        """Whether the answer was given to this request; None when that can no longer be told
        (its day key is destroyed: the answer counts as expired)."""
        key = self._secret if answer.legacy else self.digest_keys.held(answer.day)
        if key is None:
            return None
        return hmac.compare_digest(self.digest(key, request), answer.request_digest)

    def _aggregate(self, key_id: UUID) -> KeyedRequest | None:
        try:
            return self.app.repository.get(key_id)
        except AggregateNotFoundError:
            return None

    def live_answer(self, aggregate: KeyedRequest | None) -> Answer | None:
        """The key's last answer unless it expired."""
        if aggregate is None:
            return None
        answer = Answer.of(aggregate.answer)
        if answer.at + self.time_to_live <= self.app.clock.now():
            return None
        return answer

    def begin(self, user_id: str, key: str, request: bytes) -> tuple[KeyedUse, Answer | None]:
        """The use of a key by a request (its canonical bytes), and the answer to replay if the
        key already has one; raises KeyReused when that answer was given to another request."""
        key_id = self.key_id(user_id, key)
        aggregate = self._aggregate(key_id)
        answer = self.live_answer(aggregate)
        if answer is not None:
            same = self.matches(answer, request)
            if same is None:
                answer = None
            elif not same:
                raise KeyReused(key_id)
        return KeyedUse(key_id, request, aggregate), answer

    @contextmanager
    def active(self, use: KeyedUse) -> Iterator[KeyedUse]:
        """Makes the application's next save record `use`'s answer, within the block."""
        token = self._current.set(use)
        try:
            yield use
        finally:
            self._current.reset(token)

    def answer_for(self, aggregates) -> KeyedRequest | None:
        """The key's aggregate recording an answer for this save, when a keyed use is active."""
        use = self._current.get()
        if use is None or use.done or not aggregates:
            return None
        now = self.app.clock.now()
        digest = self.digest(self.digest_keys.of(now.astimezone(UTC).date()), use.request)
        answer = Answer(digest, tuple((a.id, a.version) for a in aggregates), now).stored()
        if use.previous is None:
            return KeyedRequest(key_id=use.key_id, answer=answer)
        keyed = self.app.repository.get(use.key_id, version=use.previous.version)
        keyed.reuse(answer)
        return keyed

    def saved(self) -> None:
        """The active use's answer is saved: later saves of the same request carry none."""
        use = self._current.get()
        if use is not None:
            use.done = True

    def raise_if_answered(self) -> None:
        """After a conflicting save: raises AlreadyAnswered (or KeyReused) when another use of
        the active key saved its answer meanwhile."""
        use = self._current.get()
        if use is None or use.done:
            return
        aggregate = self._aggregate(use.key_id)
        previous = use.previous.version if use.previous is not None else 0
        if aggregate is None or aggregate.version == previous:
            return
        answer = Answer.of(aggregate.answer)
        if not self.matches(answer, use.request):
            raise KeyReused(use.key_id)
        raise AlreadyAnswered(answer)

