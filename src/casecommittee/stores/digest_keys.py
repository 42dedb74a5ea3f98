"""The day keys idempotency answers digest requests with, destroyed once the answers expired.

A keyed write's answer is an event, kept for good; it holds a digest of the request (whose body
may carry a person's name, birth date, phone…), needed only while the answer may be replayed.
So each day (UTC) has a key of its own, 32 random bytes wrapped by the personal-data master key
(AES-GCM), made by the first node that needs it. Once every answer of a day has expired (the
time to live, plus a day's margin), the daily job deletes the day's key: the digests made with
it can then be checked by nobody, master key included (crypto-shredding, as the personal-data
store does on erasure; the deletion is zeroed on disk too, `db.forget_old_versions`).
"""

import os
from base64 import b64decode
from datetime import date, timedelta

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Column, Date, DateTime, LargeBinary, Table, delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..clock import SystemClock
from ..db import forget_old_versions, metadata

digest_keys = Table(
    "request_digest_keys",
    metadata,
    Column("day", Date, primary_key=True),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def _aad(day: date) -> bytes:
    return f"request digest key {day.isoformat()}".encode()


class DigestKeys:
    """The request-digest key of each day still held, made on first use."""

    def __init__(self, engine: Engine, master_key_b64: str, clock=None):
        self.engine = engine
        self._master = AESGCM(b64decode(master_key_b64))
        self.clock = clock or SystemClock()
        #: (day, key) of the last day `of` gave: every keyed write of a day digests with it, so
        #: it is read once a day per process, not once a write (held for that day only)
        self._current: tuple[date, bytes] | None = None

    def held(self, day: date) -> bytes | None:
        """The day's key, or None when it was never made or is destroyed."""
        with self.engine.connect() as conn:
            wrapped = conn.execute(select(digest_keys.c.wrapped_key)
                                   .where(digest_keys.c.day == day)).scalar()
        if wrapped is None:
            return None
        return self._master.decrypt(wrapped[:12], wrapped[12:], _aad(day))

    def of(self, day: date) -> bytes:
        """The day's key, made now when no node made it yet (the first insert wins: another
        node's concurrent one fails on the day's primary key and reads it back)."""
        if self._current is not None and self._current[0] == day:
            return self._current[1]
        found = self.held(day) or self._made(day)
        self._current = (day, found)
        return found

    def _made(self, day: date) -> bytes:
        """The day's key after inserting one (unless another node's insert came first)."""
        nonce = os.urandom(12)
        wrapped = nonce + self._master.encrypt(nonce, AESGCM.generate_key(bit_length=256), _aad(day))
        try:
            with self.engine.begin() as conn:
                conn.execute(digest_keys.insert().values(day=day, wrapped_key=wrapped,
                                                         created_at=self.clock.now()))
        except IntegrityError:
            pass  # another node made it meanwhile: theirs is the day's key
        found = self.held(day)
        if found is None:
            raise RuntimeError(f"no request-digest key could be made for {day}")
        return found

    def days(self) -> list[date]:
        """The days whose key is still held, oldest first."""
        with self.engine.connect() as conn:
            return conn.execute(select(digest_keys.c.day).order_by(digest_keys.c.day)).scalars().all()

    def destroy_before(self, day: date) -> int:
        """Deletes the keys of the days before `day` (and makes sure no copy stays on disk);
        returns how many were deleted."""
        with self.engine.begin() as conn:
            deleted = conn.execute(delete(digest_keys).where(digest_keys.c.day < day)).rowcount
        if self._current is not None and self._current[0] < day:
            self._current = None
        if deleted:
            forget_old_versions(self.engine, digest_keys.name)
        return deleted


def last_day_to_keep(today: date, time_to_live: timedelta) -> date:
    """The oldest day whose key is kept on `today`: a day's last answer expires at most a time
    to live after the day ends; its key goes a day after that (the margin)."""
    ttl_days = -(-time_to_live // timedelta(days=1))  # rounded up
    return today - timedelta(days=ttl_days + 1)
