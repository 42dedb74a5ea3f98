"""The personal-data store: identity and contact data, encrypted, one key per person, erasable.

Events carry only pseudonymous, statistical attributes. A person's names, birth date and
contacts live here, encrypted with a key of their own (AES-GCM), itself wrapped by the store's
master key. Erasure destroys the data and the person's key and keeps a tombstone (when, why),
so the pathway's history and every statistic still replay.

Each identity's blind-index entry (`identity_index`) is written in the same transaction and
deleted by its erasure or discard.

Destroying means on disk too (crypto-shredding): the store's engine zeroes what it deletes or
replaces (`secure_delete`) and an erasure then truncates the WAL, so no page of the data
directory keeps the wrapped key the master key would open; on PostgreSQL the erasure vacuums
the table's dead row versions. Writes are durable at commit (`synchronous=FULL`).
"""

import json
import logging
import os
from base64 import b64decode
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Column, DateTime, LargeBinary, String, Table, Text, delete, select, update
from sqlalchemy.engine import Engine

from ..clock import SystemClock
from ..db import forget_old_versions, metadata
from .identity_index import IdentityIndex

logger = logging.getLogger(__name__)

personal_data_table = Table(
    "personal_data",
    metadata,
    Column("pathway_id", String(36), primary_key=True),
    Column("wrapped_key", LargeBinary, nullable=True),
    Column("ciphertext", LargeBinary, nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=True),
    Column("erasure_reason", Text, nullable=True),
    Column("erased_by", String(64), nullable=True),
)


class PersonalDataErased(LookupError):
    """The person's data were erased: only the tombstone (when, why) remains."""


class PersonalDataMissing(LookupError):
    """No personal data were recorded for this pathway."""


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    return AESGCM(key).decrypt(sealed[:12], sealed[12:], aad)


class PersonalDataStore:
    """Encrypted identity and contact data keyed by pathway id."""

    def __init__(self, engine: Engine, master_key_b64: str, clock=None,
                 index: IdentityIndex | None = None):
        self.engine = engine
        self._master = b64decode(master_key_b64)
        self.clock = clock or SystemClock()
        #: The blind index of identities, written with each identity (None: no index).
        self.index = index

    def put(self, pathway_id: UUID, person: dict) -> None:
        """Stores (or replaces) a person's data under a fresh key of their own."""
        self.put_many({pathway_id: person})

    def put_many(self, people: dict[UUID, dict]) -> None:
        """Stores (or replaces) several people's data, each under a fresh key of their own, in
        one transaction (the demo generator's bulk loads: one durable commit, not one each)."""
        with self.engine.begin() as conn:
            for pathway_id, person in people.items():
                aad = str(pathway_id).encode()
                person_key = AESGCM.generate_key(bit_length=256)
                row = {
                    "wrapped_key": _seal(self._master, person_key, aad),
                    "ciphertext": _seal(person_key, json.dumps(person, default=str).encode(), aad),
                    "recorded_at": self.clock.now(),
                    "erased_at": None, "erasure_reason": None, "erased_by": None,
                }
                done = conn.execute(
                    update(personal_data_table)
                    .where(personal_data_table.c.pathway_id == str(pathway_id))
                    .values(**row)
                ).rowcount
                if not done:
                    conn.execute(personal_data_table.insert().values(pathway_id=str(pathway_id), **row))
                if self.index is not None:
                    self.index.write(conn, pathway_id, person)

    def get(self, pathway_id: UUID) -> dict:
        """The person's data; raises PersonalDataErased or PersonalDataMissing."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(personal_data_table).where(personal_data_table.c.pathway_id == str(pathway_id))
            ).first()
        if row is None:
            raise PersonalDataMissing(f"aucune donnée personnelle pour le parcours {pathway_id}")
        if row.erased_at is not None:
            raise PersonalDataErased(
                f"données effacées le {row.erased_at:%d/%m/%Y} ({row.erasure_reason})"
            )
        aad = str(pathway_id).encode()
        try:
            person_key = _open(self._master, row.wrapped_key, aad)
            return json.loads(_open(person_key, row.ciphertext, aad))
        except InvalidTag:
            raise PersonalDataMissing(
                "les données personnelles ne se déchiffrent pas avec la clé configurée "
                "(CASECOMMITTEE_PERSONAL_DATA_KEY) : vérifiez la clé"
            ) from None

    def tombstone(self, pathway_id: UUID) -> dict | None:
        """When, why and by whom the person's data were erased, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(personal_data_table).where(personal_data_table.c.pathway_id == str(pathway_id))
            ).first()
        if row is None or row.erased_at is None:
            return None
        return {"erased_at": row.erased_at, "reason": row.erasure_reason, "erased_by": row.erased_by}

    def erase(self, pathway_id: UUID, reason: str, erased_by: str | None = None) -> bool:
        """Destroys the person's data and key, keeping a tombstone; False if nothing to erase."""
        with self.engine.begin() as conn:
            erased = bool(
                conn.execute(
                    update(personal_data_table)
                    .where(personal_data_table.c.pathway_id == str(pathway_id))
                    .where(personal_data_table.c.erased_at.is_(None))
                    .values(
                        wrapped_key=None, ciphertext=None, erased_at=self.clock.now(),
                        erasure_reason=reason, erased_by=erased_by,
                    )
                ).rowcount
            )
            IdentityIndex.remove(conn, pathway_id)
        if erased:
            self.forget_old_versions()
        return erased

    def forget_old_versions(self) -> None:
        """Makes sure no earlier version of a row (a destroyed key) stays in the store's files."""
        if not forget_old_versions(self.engine, personal_data_table.name):
            logger.warning("the WAL could not be truncated after an erasure (readers kept it "
                           "busy): the next erasure or restart truncates it")

    def unindexed(self) -> list[str]:
        """The pathways whose live identity has no blind-index entry (recorded before the index
        existed, or under no index): what `reindex` would fill."""
        from .identity_index import identity_index

        with self.engine.connect() as conn:
            return conn.execute(
                select(personal_data_table.c.pathway_id)
                .where(personal_data_table.c.erased_at.is_(None),
                       personal_data_table.c.pathway_id.not_in(select(identity_index.c.pathway_id)))
                .order_by(personal_data_table.c.pathway_id)
            ).scalars().all()

    def reindex(self, progress=None) -> int:
        """Writes the blind-index entry of each live identity that has none, one identity at a
        time (decrypted in memory, never kept): the one-off backfill of a store whose people
        were recorded before the index. Returns how many entries were written; `progress(n)`
        is told as it goes."""
        if self.index is None:
            raise RuntimeError("no identity index is configured (CASECOMMITTEE_IDENTITY_INDEX_KEY)")
        written = 0
        for pathway_id in self.unindexed():
            try:
                person = self.get(UUID(pathway_id))
            except (PersonalDataErased, PersonalDataMissing, ValueError):
                person = None
            if person is not None and self.index.digest_of(person) is not None:
                with self.engine.begin() as conn:
                    self.index.write(conn, pathway_id, person)
                written += 1
            if progress is not None:
                progress(1)
        return written

    def discard(self, pathway_id: UUID) -> None:
        """Removes a record whose pathway was never saved (compensates a failed identification)."""
        with self.engine.begin() as conn:
            conn.execute(
                delete(personal_data_table).where(personal_data_table.c.pathway_id == str(pathway_id))
            )
            IdentityIndex.remove(conn, pathway_id)
        self.forget_old_versions()
