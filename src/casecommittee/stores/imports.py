"""Uploaded spreadsheets awaiting confirmation, encrypted, and the column mappings partners use.

An upload's rows are identities: they are kept sealed (AES-GCM) under a key of the import's
own, itself wrapped by the personal-data master key. Confirming, cancelling or letting the
import expire destroys that key and the rows (crypto-shredding, as the personal-data store
does on erasure); what remains is the import's report: counts, row numbers, reasons and the
pathways created, never a name.

A partner's column mapping (their header → our column) is saved per structure (or per group
when the import names no structure) and offered again on their next upload.
"""

import json
import os
from base64 import b64decode
from datetime import datetime, timedelta
from uuid import uuid4

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    select,
    update,
)
from sqlalchemy.engine import Engine

from ..db import as_utc, forget_old_versions, metadata

#: previewed → queued → running → done; or cancelled / expired (keys destroyed).
STATUSES = ("previewed", "queued", "running", "done", "cancelled", "expired")
#: An import not confirmed this long after its upload expires (its rows are destroyed).
LIFETIME = timedelta(hours=24)
#: A running import whose worker has said nothing for this long is taken up again.
STALE_AFTER = timedelta(minutes=10)

imports = Table(
    "imports",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("group_id", String(36), nullable=False),
    Column("structure_id", String(36), nullable=True),
    Column("uploaded_by_id", String(36), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("file_digest", String(64), nullable=False, index=True),
    Column("row_count", Integer, nullable=False),
    Column("wrapped_key", LargeBinary, nullable=True),
    Column("ciphertext", LargeBinary, nullable=True),
    Column("mapping", Text, nullable=False),
    Column("decisions", Text, nullable=True),
    Column("confirmed_by_id", String(36), nullable=True),
    Column("confirmed_at", DateTime(timezone=True), nullable=True),
    Column("progress", Integer, nullable=False, default=0),
    Column("heartbeat_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("report", Text, nullable=True),
)

import_mappings = Table(
    "import_mappings",
    metadata,
    Column("owner_id", String(36), primary_key=True),
    Column("mapping", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    return AESGCM(key).decrypt(sealed[:12], sealed[12:], aad)


def _record(row) -> dict:
    found = dict(row._mapping)
    for name in ("created_at", "expires_at", "confirmed_at", "heartbeat_at", "finished_at"):
        found[name] = as_utc(found[name])
    found["mapping"] = json.loads(found["mapping"])
    found["decisions"] = json.loads(found["decisions"]) if found["decisions"] else {}
    found["report"] = json.loads(found["report"]) if found["report"] else None
    found["sealed"] = found.pop("ciphertext") is not None
    found.pop("wrapped_key")
    return found


class ImportStore:
    """Imports awaiting confirmation (rows sealed), their progress and report, and mappings."""

    def __init__(self, engine: Engine, master_key_b64: str):
        self.engine = engine
        self._master = b64decode(master_key_b64)

    def create(self, *, group_id: str, structure_id: str | None, created_by: str, now: datetime,
               kind: str, file_digest: str, sheet: dict, mapping: dict) -> str:
        """Keeps an upload (headers and rows, sealed under a new key); returns its id."""
        import_id = str(uuid4())
        aad = import_id.encode()
        key = AESGCM.generate_key(bit_length=256)
        with self.engine.begin() as conn:
            conn.execute(imports.insert().values(
                id=import_id, group_id=group_id, structure_id=structure_id, uploaded_by_id=created_by,
                created_at=now, expires_at=now + LIFETIME, status="previewed", kind=kind,
                file_digest=file_digest, row_count=len(sheet["rows"]),
                wrapped_key=_seal(self._master, key, aad),
                ciphertext=_seal(key, json.dumps(sheet).encode(), aad),
                mapping=json.dumps(mapping), progress=0,
            ))
        return import_id

    def get(self, import_id: str) -> dict | None:
        """The import's record (no rows), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(imports).where(imports.c.id == str(import_id))).first()
        return None if row is None else _record(row)

    def sheet(self, import_id: str) -> dict | None:
        """The upload's headers and rows, or None once its key is destroyed."""
        with self.engine.connect() as conn:
            row = conn.execute(select(imports.c.wrapped_key, imports.c.ciphertext)
                               .where(imports.c.id == str(import_id))).first()
        if row is None or row.ciphertext is None:
            return None
        aad = str(import_id).encode()
        return json.loads(_open(_open(self._master, row.wrapped_key, aad), row.ciphertext, aad))

    def set_mapping(self, import_id: str, mapping: dict, owner_id: str, now: datetime) -> None:
        """Records the import's mapping, and saves it for the partner's next uploads."""
        with self.engine.begin() as conn:
            conn.execute(update(imports).where(imports.c.id == str(import_id))
                         .values(mapping=json.dumps(mapping)))
            saved = conn.execute(update(import_mappings)
                                 .where(import_mappings.c.owner_id == owner_id)
                                 .values(mapping=json.dumps(mapping), updated_at=now)).rowcount
            if not saved:
                conn.execute(import_mappings.insert().values(
                    owner_id=owner_id, mapping=json.dumps(mapping), updated_at=now))

    def saved_mapping(self, owner_id: str) -> dict:
        """The mapping a partner (structure or group) used last, or {}."""
        with self.engine.connect() as conn:
            found = conn.execute(select(import_mappings.c.mapping)
                                 .where(import_mappings.c.owner_id == owner_id)).scalar()
        return json.loads(found) if found else {}

    def queue(self, import_id: str, decisions: dict, confirmed_by: str, now: datetime) -> bool:
        """Confirms a previewed import (its decisions recorded); False if it was not previewed."""
        with self.engine.begin() as conn:
            return bool(conn.execute(
                update(imports).where(imports.c.id == str(import_id),
                                      imports.c.status == "previewed")
                .values(status="queued", decisions=json.dumps(decisions),
                        confirmed_by_id=confirmed_by, confirmed_at=now, heartbeat_at=now)
            ).rowcount)

    def claim(self, import_id: str, now: datetime) -> bool:
        """Takes a queued import (or a running one whose worker fell silent) to run it; False
        when another process has it."""
        with self.engine.begin() as conn:
            return bool(conn.execute(
                update(imports).where(
                    imports.c.id == str(import_id),
                    (imports.c.status == "queued")
                    | ((imports.c.status == "running")
                       & (imports.c.heartbeat_at < now - STALE_AFTER)),
                ).values(status="running", heartbeat_at=now)
            ).rowcount)

    def waiting(self, now: datetime) -> list[str]:
        """The ids of the imports to run: queued, or running with a silent worker."""
        with self.engine.connect() as conn:
            return list(conn.execute(select(imports.c.id).where(
                (imports.c.status == "queued")
                | ((imports.c.status == "running") & (imports.c.heartbeat_at < now - STALE_AFTER))
            ).order_by(imports.c.confirmed_at)).scalars())

    def record_progress(self, import_id: str, done: int, now: datetime) -> None:
        """How many rows the running import has gone through."""
        with self.engine.begin() as conn:
            conn.execute(update(imports).where(imports.c.id == str(import_id))
                         .values(progress=done, heartbeat_at=now))

    def finish(self, import_id: str, report: dict, now: datetime) -> None:
        """Records the report and destroys the rows and their key."""
        self._destroy(import_id, status="done", report=json.dumps(report), finished_at=now,
                      progress=report["total"])

    def cancel(self, import_id: str, now: datetime) -> bool:
        """Cancels a previewed import, destroying its rows and key; False if not previewed."""
        return self._destroy(import_id, status="cancelled", finished_at=now,
                             only_status="previewed")

    def expire(self, now: datetime) -> int:
        """Destroys the rows of the imports left unconfirmed past their lifetime."""
        with self.engine.connect() as conn:
            ids = list(conn.execute(select(imports.c.id).where(
                imports.c.status == "previewed", imports.c.expires_at < now)).scalars())
        return sum(self._destroy(i, status="expired", finished_at=now, only_status="previewed")
                   for i in ids)

    def earlier_import(self, group_id: str, file_digest: str, before_id: str) -> dict | None:
        """An earlier import of the same file into the same group that was confirmed, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(imports).where(
                imports.c.group_id == group_id, imports.c.file_digest == file_digest,
                imports.c.id != str(before_id),
                imports.c.status.in_(("queued", "running", "done")),
            ).order_by(imports.c.created_at)).first()
        return None if row is None else _record(row)

    def _destroy(self, import_id: str, only_status: str | None = None, **values) -> bool:
        with self.engine.begin() as conn:
            query = update(imports).where(imports.c.id == str(import_id))
            if only_status is not None:
                query = query.where(imports.c.status == only_status)
            done = bool(conn.execute(query.values(wrapped_key=None, ciphertext=None, **values)
                                     ).rowcount)
        if done:
            forget_old_versions(self.engine, imports.name)
        return done
