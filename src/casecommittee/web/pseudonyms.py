"""Stable pseudonyms of pathway ids for auditors.

A pseudonym is the pathway's UUID encrypted as one AES block under a key derived from the
personal-data master key: stable (the same pathway always gets the same pseudonym), unlinkable
without the key, and reversible by the server only, so an auditor can follow a pseudonym from
the event log to the pathway's history without ever seeing its id.
"""

import base64
import hashlib
import hmac
import uuid

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PREFIX = "ps-"


class Pseudonyms:
    """Encodes pathway ids as pseudonyms and back."""

    def __init__(self, master_key_b64: str):
        key = hmac.new(base64.b64decode(master_key_b64), b"casecommittee/pseudonyms", hashlib.sha256)
        self._cipher = Cipher(algorithms.AES(key.digest()), modes.ECB())

    def of(self, pathway_id) -> str:
        """The pseudonym of a pathway id."""
        block = uuid.UUID(str(pathway_id)).bytes
        encryptor = self._cipher.encryptor()
        sealed = encryptor.update(block) + encryptor.finalize()
        return PREFIX + base64.b32encode(sealed).decode().rstrip("=").lower()

    def pathway_id(self, pseudonym: str) -> uuid.UUID | None:
        """The pathway id behind a pseudonym, or None if it is not one."""
        if not pseudonym.startswith(PREFIX):
            return None
        body = pseudonym[len(PREFIX):].upper()
        try:
            sealed = base64.b32decode(body + "=" * (-len(body) % 8))
        except ValueError:
            return None
        if len(sealed) != 16:
            return None
        decryptor = self._cipher.decryptor()
        return uuid.UUID(bytes=decryptor.update(sealed) + decryptor.finalize())
