"""What the disk holds: after a day of keyed writes, a correction, a committee held and closed,
its minutes read and every key replayed, no file of the data directory (databases, their WAL
and shared memory, keys) holds a name, birth date, phone or e-mail in clear. After an erasure,
nothing in any of those files, free pages and WAL included, opens with the master key to give
the person's key back (crypto-shredding holds against the storage engine), while the other
people's keys still do (the scan is not blind)."""

import os
import stat
from base64 import b64decode
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .conftest import IDENTIFY

INES = {**IDENTIFY["person"], "email": "ines.benali@example.org"}
YANIS = {"first_name": "Yanis", "last_name": "Haddad", "birth_date": "2005-01-02",
         "phone": "0611223344", "email": "yanis.haddad@example.org"}
#: Every way the identities could be written down in a file.
NEEDLES = [text.encode() for person in (INES, YANIS) for text in person.values()] + [
    b"In\\u00e8s", b"Benali", b"benali", b"BENALI", b"02/04/2007", b"Haddad", "Inès B.".encode()]
#: A wrapped key: nonce (12 bytes), the person's AES-256 key (32), the tag (16).
WRAPPED_KEY_SIZE = 12 + 32 + 16


def _files(data_dir: Path) -> list[Path]:
    return sorted(p for p in data_dir.rglob("*") if p.is_file())


def plaintext_hits(data_dir: Path) -> list[tuple[str, bytes]]:
    """(file, needle) for every identity text found in clear in a file of the data directory."""
    return [(path.name, needle) for path in _files(data_dir)
            for needle in NEEDLES if needle in path.read_bytes()]


def recoverable_keys(data_dir: Path, master_key: bytes, pathway_id: str) -> int:
    """How many byte ranges, anywhere in any file, the master key unwraps into the person's
    key (every offset of every file is tried)."""
    master, aad, found = AESGCM(master_key), pathway_id.encode(), 0
    for path in _files(data_dir):
        data = path.read_bytes()
        for at in range(len(data) - WRAPPED_KEY_SIZE + 1):
            try:
                master.decrypt(data[at:at + 12], data[at + 12:at + WRAPPED_KEY_SIZE], aad)
            except InvalidTag:
                continue
            found += 1
    return found


def _keyed(as_, user: str, key: str) -> dict:
    return {**as_(user), "Idempotency-Key": key}


@pytest.mark.sqlite_only
def test_no_identity_in_clear_on_disk_and_none_recoverable_after_erasure(client, as_, system):
    """(It reads the SQLite files; on PostgreSQL, tests/domain/test_personal_data.py reads every
    value of every table.)"""
    data_dir = system.settings.data_dir
    master_key = b64decode(system.settings.resolved_key("personal_data_key", "personal-data.key"))
    keyed_writes = []

    def post(url, body, user, key, status=201):
        answer = client.post(url, json=body, headers=_keyed(as_, user, key))
        assert answer.status_code == status, answer.get_json()
        keyed_writes.append((url, body, user, key))
        return answer.get_json()

    ines = post("/api/v1/pathways", {**IDENTIFY, "person": INES}, "referent", "repérage-1")["id"]
    yanis = post("/api/v1/pathways", {**IDENTIFY, "person": YANIS}, "referent", "repérage-2")["id"]
    for pid, key in ((ines, "a-1"), (yanis, "a-2")):
        post(f"/api/v1/pathways/{pid}/steps", {
            "step": "referent_assigned", "occurred_on": "2026-06-02", "referent_id": "referent",
            "structure_id": "s-ml"}, "referent", key)
    post(f"/api/v1/pathways/{ines}/steps", {
        "step": "committee_referral", "occurred_on": "2026-06-05", "reason": "à étudier"},
        "referent", "passage")
    post(f"/api/v1/pathways/{ines}/steps", {
        "step": "corrected", "occurred_on": "2026-06-10", "corrects_version": 3,
        "changes": {"occurred_on": "2026-06-04"}, "reason": "erreur de saisie"},
        "copilot", "correction")
    session = post("/api/v1/committees", {"group_id": "g-jeunes", "kind": "orientation",
                                          "held_on": "2026-06-30"}, "copilot", "comité")["id"]
    post(f"/api/v1/committees/{session}/decisions", {
        "pathway_id": ines, "decision": "orient", "note": "CEJ à la Mission locale",
        "orientation": {"scheme": "Contrat d'engagement jeune (CEJ)", "structure_id": "s-ml"}},
        "copilot", "décision")
    post(f"/api/v1/committees/{session}/close", {"attendance": ["Mission locale"]},
         "copilot", "clôture", status=200)
    minutes = client.get(f"/api/v1/committees/{session}/minutes",
                         headers={**as_("copilot"), "Accept": "text/html"})
    assert "Yanis H." in minutes.get_data(as_text=True)  # names are shown, not stored
    for url, body, user, key in keyed_writes:
        assert client.post(url, json=body, headers=_keyed(as_, user, key)).status_code < 300
    assert client.get(f"/api/v1/pathways/{ines}", headers=as_("referent")).get_json()["person"]

    assert plaintext_hits(data_dir) == []
    assert recoverable_keys(data_dir, master_key, ines) >= 1  # the scan finds a live key
    assert recoverable_keys(data_dir, master_key, yanis) >= 1

    erased = client.delete(f"/api/v1/pathways/{ines}/personal-data", headers=as_("referent"),
                           json={"reason": "demande de la personne"})
    assert erased.status_code == 200
    for url, body, user, key in keyed_writes:  # replays after the erasure write nothing back
        assert client.post(url, json=body, headers=_keyed(as_, user, key)).status_code < 300

    assert plaintext_hits(data_dir) == []
    assert recoverable_keys(data_dir, master_key, ines) == 0
    assert recoverable_keys(data_dir, master_key, yanis) >= 1
    assert client.get(f"/api/v1/pathways/{yanis}/personal-data",
                      headers=as_("referent")).get_json()["person"]["last_name"] == "Haddad"


@pytest.mark.sqlite_only
def test_the_data_directory_is_private_to_its_owner(client, as_, system):
    """(A PostgreSQL store keeps no file in the data directory.)"""
    previous = os.umask(0o022)  # a lenient umask changes nothing
    try:
        assert client.post("/api/v1/pathways", json=IDENTIFY, headers=as_("referent")).status_code == 201
    finally:
        os.umask(previous)
    data_dir = system.settings.data_dir
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((data_dir / "keys").stat().st_mode) == 0o700
    files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in _files(data_dir)}
    assert {"casecommittee.sqlite", "casecommittee.sqlite-wal", "events.sqlite",
            "personal-data.key", "events.key"} <= set(files)
    assert files == dict.fromkeys(files, 0o600)
