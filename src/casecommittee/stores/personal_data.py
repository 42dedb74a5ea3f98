"""The personal-data store: identity and contact data, encrypted, one key per person, erasable.

Events carry only pseudonymous, statistical attributes. A person's names, birth date and
contacts live here, encrypted with a key of their own (AES-GCM), itself wrapped by the store's
master key. Erasure destroys the data and the person's key and keeps a tombstone (when, why),
so the pathway's history and every statistic still replay.

A person's key is theirs for the pathway's life: an identity edit re-encrypts the data under the
same key (free text about the person is sealed with it too, `sealed_texts`, and must stay
readable). A pathway may hold a key and no identity (a text sealed for a pathway identified
without one): its row has a wrapped key and no ciphertext, and reads as "no personal data";
its erasure destroys that key like any other.

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
import re
from base64 import b64decode
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Column, DateTime, LargeBinary, String, Table, Text, delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..clock import SystemClock
from ..db import as_utc, forget_old_versions, metadata
from ..domain.errors import InvalidValue
from .identity_index import IdentityIndex, normalised_name

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


#: Why an erasure's reason is refused.
REASON_NAMES_THE_PERSON = ("le motif ne doit pas nommer la personne ni donner ses coordonnées : "
                           "il est conservé après l'effacement")

_DIGITS = re.compile(r"\D")
_WORDS = re.compile(r"[^0-9a-z]+")


def names_the_person(text: str, person: dict) -> bool:
    """Whether a text names the person (their first or last name as a word, accents and case
    aside: « demande d'Inès », « BENALI ») or gives their e-mail or phone (digits alone)."""
    words = f" {_WORDS.sub(' ', normalised_name(text))} "
    for name in (person.get("first_name"), person.get("last_name")):
        folded = _WORDS.sub(" ", normalised_name(name or "")).strip()
        if len(folded) >= 2 and f" {folded} " in words:
            return True
    email = (person.get("email") or "").strip().casefold()
    if email and email in text.casefold():
        return True
    phone = _DIGITS.sub("", person.get("phone") or "")
    return len(phone) >= 6 and phone in _DIGITS.sub("", text)


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
        """Stores (or replaces) a person's data under their key (kept when they have one)."""
        self.put_many({pathway_id: person})

    def put_many(self, people: dict[UUID, dict], keys: dict[UUID, bytes] | None = None) -> None:
        """Stores (or replaces) several people's data in one transaction (the demo generator's
        bulk loads: one durable commit, not one each). Each person keeps the key they have
        (texts sealed with it stay readable), else gets the one `keys` gives (the demo seals
        its texts before storing its identities), else a fresh one. An erased person recorded
        again gets a fresh key: what was sealed with the destroyed one stays unreadable."""
        keys = keys or {}
        with self.engine.begin() as conn:
            held = self._live_keys(conn, [str(pid) for pid in people if pid not in keys])
            for pathway_id, person in people.items():
                aad = str(pathway_id).encode()
                person_key = keys.get(pathway_id) or held.get(str(pathway_id)) \
                    or AESGCM.generate_key(bit_length=256)
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

    def _live_keys(self, conn, ids: list[str]) -> dict[str, bytes]:
        """pathway id → the person's key, for those of `ids` whose key is not destroyed."""
        return {ident: key for ident, key in self._keys(conn, ids).items() if key is not None}

    @staticmethod
    def _rows(conn, ids: list[str], *columns) -> list:
        """The rows (`columns` of them, `pathway_id` among them) of those of `ids` that have
        one: one query per 500 ids."""
        rows = []
        for start in range(0, len(ids), 500):
            rows += conn.execute(
                select(*columns).where(personal_data_table.c.pathway_id.in_(ids[start:start + 500]))
            ).all()
        return rows

    def _keys(self, conn, ids: list[str]) -> dict[str, bytes | None]:
        """pathway id → the person's key (None when an erasure destroyed it), for those of
        `ids` that have a row: one query per 500 ids."""
        return {row.pathway_id: (None if row.wrapped_key is None
                                 else self._unwrap(row.pathway_id, row.wrapped_key))
                for row in self._rows(conn, ids, personal_data_table.c.pathway_id,
                                      personal_data_table.c.wrapped_key)}

    def _unwrap(self, pathway_id: str, wrapped_key: bytes) -> bytes:
        try:
            return _open(self._master, wrapped_key, pathway_id.encode())
        except InvalidTag:
            raise PersonalDataMissing(
                "la clé de la personne ne se déchiffre pas avec la clé configurée "
                "(CASECOMMITTEE_PERSONAL_DATA_KEY) : vérifiez la clé"
            ) from None

    def text_key(self, pathway_id: UUID) -> bytes | None:
        """The person's key, to seal a text about them: made (and stored, wrapped, with no
        identity) when the pathway has none yet; None once it was destroyed by an erasure."""
        ident = str(pathway_id)
        for _attempt in range(2):
            with self.engine.connect() as conn:  # (the usual case: a read, no transaction)
                row = conn.execute(
                    select(personal_data_table.c.wrapped_key)
                    .where(personal_data_table.c.pathway_id == ident)
                ).first()
            if row is not None:
                return None if row.wrapped_key is None else self._unwrap(ident, row.wrapped_key)
            person_key = AESGCM.generate_key(bit_length=256)
            try:
                with self.engine.begin() as conn:
                    conn.execute(personal_data_table.insert().values(
                        pathway_id=ident, wrapped_key=_seal(self._master, person_key, ident.encode()),
                        ciphertext=None, recorded_at=self.clock.now()))
                return person_key
            except IntegrityError:  # another write made it meanwhile: read it
                continue
        raise RuntimeError(f"no key could be made for the pathway {ident}")

    def text_keys(self, pathway_ids) -> dict[str, bytes | None]:
        """pathway id → the person's key (None when an erasure destroyed it), for those of
        `pathway_ids` that have a row (none made): one query per 500 ids, to open texts."""
        ids = sorted({str(pid) for pid in pathway_ids})
        with self.engine.connect() as conn:
            return self._keys(conn, ids)

    def get(self, pathway_id: UUID) -> dict:
        """The person's data; raises PersonalDataErased or PersonalDataMissing."""
        return self._person(str(pathway_id), self._row(pathway_id))

    def _row(self, pathway_id: UUID):
        """The pathway's row (None: it has none)."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(personal_data_table).where(personal_data_table.c.pathway_id == str(pathway_id))
            ).first()

    def people(self, pathway_ids) -> dict[str, dict]:
        """pathway id → the person's data, for those of `pathway_ids` that have an identity
        (each decrypted in memory; the erased, those with a key alone and those whose data do
        not decrypt are left out): one query per 500 ids, the checks of a committee's agenda."""
        ids = sorted({str(pid) for pid in pathway_ids})
        with self.engine.connect() as conn:
            rows = self._rows(conn, ids, personal_data_table)
        found = {}
        for row in rows:
            try:
                found[row.pathway_id] = self._person(row.pathway_id, row)
            except (PersonalDataErased, PersonalDataMissing, ValueError):
                continue
        return found

    def _person(self, pathway_id: str, row) -> dict:
        """The person's data from their row (None: no row); raises PersonalDataErased or
        PersonalDataMissing."""
        if row is None or (row.ciphertext is None and row.erased_at is None):  # (a key alone)
            raise PersonalDataMissing(f"aucune donnée personnelle pour le parcours {pathway_id}")
        if row.erased_at is not None:
            raise PersonalDataErased(
                f"données effacées le {row.erased_at:%d/%m/%Y} ({row.erasure_reason})"
            )
        person_key = self._unwrap(pathway_id, row.wrapped_key)
        try:
            return json.loads(_open(person_key, row.ciphertext, pathway_id.encode()))
        except InvalidTag:
            raise PersonalDataMissing(
                "les données personnelles ne se déchiffrent pas avec la clé configurée "
                "(CASECOMMITTEE_PERSONAL_DATA_KEY) : vérifiez la clé"
            ) from None

    def tombstone(self, pathway_id: UUID) -> dict | None:
        """When, why and by whom the person's data were erased, or None."""
        row = self._row(pathway_id)
        if row is None or row.erased_at is None:
            return None
        return {"erased_at": as_utc(row.erased_at), "reason": row.erasure_reason, "erased_by": row.erased_by}

    def erase(self, pathway_id: UUID, reason: str, erased_by: str | None = None) -> bool:
        """Destroys the person's data and key, keeping a tombstone; False if nothing to erase.
        The tombstone's reason outlives the person's key, in clear: one that names them or
        gives a contact of theirs is refused (InvalidValue on `reason`, nothing erased)."""
        try:
            person = self.get(pathway_id)
        except (PersonalDataErased, PersonalDataMissing):
            person = None
        if person is not None and names_the_person(reason, person):
            raise InvalidValue(REASON_NAMES_THE_PERSON, field="reason")
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
                       personal_data_table.c.ciphertext.is_not(None),
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
