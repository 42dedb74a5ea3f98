"""The blind index of identities: finds a person already known without reading any identity.

Each identity recorded in the personal-data store gets one entry: an HMAC-SHA256, under a key of
its own (CASECOMMITTEE_IDENTITY_INDEX_KEY), of the normalised last name, first name and birth
date. The same person typed "BENALI Inès" by one partner and "benali ines" by another gives the
same digest; the digest alone tells nothing about the person without the key, and there is no
readable copy. Lookups go by digest only; identities are never decrypted in bulk.

The entry is written in the transaction that records the identity and deleted by its erasure or
its discard (`PersonalDataStore`).
"""

import hashlib
import hmac
import re
import unicodedata
from base64 import b64decode
from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from sqlalchemy import Column, String, Table, delete, select
from sqlalchemy.engine import Connection, Engine

from ..db import metadata

identity_index = Table(
    "identity_index",
    metadata,
    Column("pathway_id", String(36), primary_key=True),
    Column("digest", String(64), nullable=False, index=True),
)

_SEPARATORS = re.compile(r"[\s\-‐-―'’_.]+")


@lru_cache(maxsize=8192)
def normalised_name(name: str) -> str:
    """A name as the index compares it: accents stripped (NFKD), case-folded, spaces, hyphens
    and apostrophes collapsed into one space ("Jean-Éric " → "jean eric")."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", bare.casefold()).strip()


class IdentityIndex:
    """Computes digests under the index key, and reads and writes the index's entries."""

    def __init__(self, key_b64: str):
        self._key = b64decode(key_b64)

    def digest(self, last_name: str, first_name: str, birth_date: date | str) -> str:
        """The keyed digest of a person (hex)."""
        born = birth_date.isoformat() if isinstance(birth_date, date) else str(birth_date)
        message = "\x1f".join((normalised_name(last_name), normalised_name(first_name), born[:10]))
        return hmac.new(self._key, message.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()

    def digest_of(self, person: dict) -> str | None:
        """The digest of a person's record, None when a name or the birth date is missing."""
        if not (person.get("last_name") and person.get("first_name") and person.get("birth_date")):
            return None
        return self.digest(person["last_name"], person["first_name"], person["birth_date"])

    def write(self, conn: Connection, pathway_id, person: dict) -> None:
        """Records (or replaces) the entry of a pathway's person, inside the caller's transaction."""
        conn.execute(delete(identity_index).where(identity_index.c.pathway_id == str(pathway_id)))
        digest = self.digest_of(person)
        if digest is not None:
            conn.execute(identity_index.insert().values(pathway_id=str(pathway_id), digest=digest))

    @staticmethod
    def remove(conn: Connection, pathway_id) -> None:
        """Deletes the entry of a pathway's person (erasure, discard), in the caller's transaction."""
        conn.execute(delete(identity_index).where(identity_index.c.pathway_id == str(pathway_id)))

    @staticmethod
    def pathways_of(engine: Engine, digests: Iterable[str]) -> dict[str, list[str]]:
        """digest → the pathways whose person has it, for the digests given (by chunks)."""
        wanted = sorted(set(digests))
        found: dict[str, list[str]] = {}
        with engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                rows = conn.execute(
                    select(identity_index.c.digest, identity_index.c.pathway_id)
                    .where(identity_index.c.digest.in_(wanted[start:start + 500]))
                    .order_by(identity_index.c.pathway_id)
                )
                for digest, pathway_id in rows:
                    found.setdefault(digest, []).append(pathway_id)
        return found

    def find(self, engine: Engine, person: dict) -> list[str]:
        """The pathways of a person already known (same normalised names and birth date)."""
        digest = self.digest_of(person)
        return [] if digest is None else self.pathways_of(engine, [digest]).get(digest, [])
