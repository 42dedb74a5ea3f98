"""Free text about a person, sealed with that person's own key (crypto-shredding).

What professionals type about a person may hold personal data (health, family, names): a
referral's reason, a follow-up contact's note, a rupture's reason, a correction's reason and the
texts it changes (the steps' `private_text`, `domain/pathway.py`), a committee decision's note.
Such a text is sealed before it enters an event: AES-GCM under the person's key from the
personal-data store, the pathway id bound as associated data, written as one string,
`sealed:1:<base64url of nonce + ciphertext>`. The domain carries that string like any text (it
only reads whether a text is given), so the events, their snapshots, the read models that copy
a text (`pathway_rows.referral_reason`, `committee_decisions.note`) and the frozen minutes hold
only the sealed form; replay, rebuild, the replay check and every statistic never read it.

Sealing happens at the application boundary every writer passes (`CaseCommittee.log_step`,
`CaseCommittee.record_decision`; the demo generator with the keys it stores with its
identities), after the request was validated (required, length, control characters: the same
422s as before) and the pathway was found. Blank texts stay as they are (the domain refuses a
blank required reason as before). A text written about a person already erased is sealed under
a key that is not kept: it is erased as it is written.

Opening happens only when a text is shown to a reader allowed to read it: the views make one
`TextReader` per request (`web/texts.py`), which reads the keys of the pathways it is asked
about in one query (`prime`; agendas list many pathways) and forgets them with the request.
Once the person is erased (their key destroyed), every place shows `ERASED_TEXT`, and nothing
can open the sealed text again.

Events written before texts were sealed hold them in clear: they are never rewritten (the log is
append-only), so the reader accepts both forms, shows a clear text as written while the person
is not erased, and `ERASED_TEXT` for it too once they are (the clear text itself stays in the
event store: see README, "Personal data").
"""

import os
from base64 import urlsafe_b64decode, urlsafe_b64encode
from binascii import Error as Base64Error
from collections.abc import Callable, Iterable
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..db import CONTROL_CHARACTERS
from ..domain.pathway import PRIVATE_TEXT, PRIVATE_TEXT_NAMES

#: How a sealed text starts (version 1: AES-GCM, 12-byte nonce, the pathway id as associated data).
PREFIX = "sealed:1:"
#: What every place shows for a text whose person was erased.
ERASED_TEXT = "texte effacé avec les données de la personne"
#: What is shown for a sealed text the configured key cannot open (a wrong master key).
UNREADABLE_TEXT = "texte illisible : vérifiez la clé des données personnelles"


def new_key() -> bytes:
    """A fresh person's key (the demo generator seals its texts before storing its people)."""
    return AESGCM.generate_key(bit_length=256)


def is_sealed(value) -> bool:
    """Whether a value is a sealed text."""
    return isinstance(value, str) and value.startswith(PREFIX)


def _aad(pathway_id) -> bytes:
    return b"text:" + str(pathway_id).encode()


def seal(key: bytes, pathway_id, text: str) -> str:
    """`text` sealed with the person's key, bound to their pathway."""
    nonce = os.urandom(12)
    sealed = nonce + AESGCM(key).encrypt(nonce, text.encode(), _aad(pathway_id))
    return PREFIX + urlsafe_b64encode(sealed).decode()


def open_sealed(key: bytes, pathway_id, value: str) -> str:
    """The text a sealed value holds; raises ValueError when this key does not open it."""
    try:
        raw = urlsafe_b64decode(value[len(PREFIX):])
        return AESGCM(key).decrypt(raw[:12], raw[12:], _aad(pathway_id)).decode()
    except (InvalidTag, Base64Error, ValueError):
        raise ValueError("this key does not open this text") from None


def _worth_sealing(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def texts_to_seal(code: str, fields: dict) -> bool:
    """Whether a step's fields hold a private text to seal (no key is looked up otherwise)."""
    names = PRIVATE_TEXT.get(code, ())
    changes = fields.get("changes") if code == "corrected" else None
    return (any(_worth_sealing(fields.get(name)) for name in names)
            or (isinstance(changes, dict)
                and any(_worth_sealing(changes.get(name)) for name in PRIVATE_TEXT_NAMES)))


def seal_step_fields(key: bytes | None, pathway_id, code: str, fields: dict) -> dict:
    """A step's fields with their private texts sealed (those of a correction's changes too);
    with no key (the person was erased), under a key nobody keeps."""
    key = key or new_key()

    def sealed(values: dict, names) -> dict:
        return {name: seal(key, pathway_id, value) if name in names and _worth_sealing(value)
                else value for name, value in values.items()}

    out = sealed(fields, PRIVATE_TEXT.get(code, ()))
    if code == "corrected" and isinstance(out.get("changes"), dict):
        out["changes"] = sealed(out["changes"], PRIVATE_TEXT_NAMES)
    return out


class TextSealer:
    """Seals the texts written about a person with their key from the personal-data store."""

    def __init__(self, keys):
        #: The personal-data store (`text_key`).
        self.keys = keys

    def seal_step(self, pathway_id: UUID, code: str, fields: dict) -> dict:
        """A step's fields with their private texts sealed: one key lookup, only when it has
        a text to seal (the key is made if the pathway has none yet)."""
        if not texts_to_seal(code, fields):
            return fields
        return seal_step_fields(self.keys.text_key(pathway_id), pathway_id, code, fields)

    def seal(self, pathway_id: UUID, text: str | None) -> str | None:
        """One text about the person sealed (a committee decision's note); blank as it is."""
        if not _worth_sealing(text):
            return text
        key = self.keys.text_key(pathway_id) or new_key()
        return seal(key, pathway_id, text)


#: A pathway's entry in a reader: its key, or why there is none.
_ERASED, _NO_ROW = "erased", "no row"


class TextReader:
    """Opens texts for display, the keys of a request's pathways read once (one query for a
    batch: `prime`) and kept for that request only."""

    def __init__(self, keys):
        #: The personal-data store (`text_keys`).
        self.keys = keys
        self._known: dict[str, bytes | str] = {}

    def prime(self, pathway_ids: Iterable) -> None:
        """Reads the keys of these pathways (those not read yet) in one query."""
        wanted = {str(pid) for pid in pathway_ids} - set(self._known)
        if not wanted:
            return
        found = self.keys.text_keys(wanted)
        for pid in wanted:
            if pid not in found:
                self._known[pid] = _NO_ROW
            else:
                self._known[pid] = _ERASED if found[pid] is None else found[pid]

    def open(self, pathway_id, value):
        """A text of the pathway as it is shown: a sealed text opened (without its control
        characters, as a clear text's read model held it), a clear one (written before texts
        were sealed) as it is, either as `ERASED_TEXT` once the person is erased;
        anything but a non-blank string as it is (no key is read for it)."""
        if not _worth_sealing(value):
            return value
        pid = str(pathway_id)
        if pid not in self._known:
            self.prime([pid])
        key = self._known[pid]
        if key == _ERASED:
            return ERASED_TEXT
        if not is_sealed(value):
            return value
        if key == _NO_ROW:
            return ERASED_TEXT
        try:
            text = open_sealed(key, pid, value)
        except ValueError:
            return UNREADABLE_TEXT
        # (shown as the read models showed a clear text: without control characters)
        return CONTROL_CHARACTERS.sub("", text)

    def opener(self, pathway_id) -> Callable:
        """`open` for one pathway's texts."""
        return lambda value: self.open(pathway_id, value)


def opened_fields(reader: TextReader, pathway_id, data: dict) -> dict:
    """A step's fields with its private texts (and those a correction changes) opened by
    `reader` (the CLI's history: its operator holds the keys)."""
    shown = {name: reader.open(pathway_id, value) if name in PRIVATE_TEXT_NAMES else value
             for name, value in data.items()}
    if isinstance(shown.get("changes"), dict):
        shown["changes"] = opened_fields(reader, pathway_id, shown["changes"])
    return shown
