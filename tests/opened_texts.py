"""Tests read a step's private texts as a reader allowed to read them does: opened with the
person's key (the events hold them sealed)."""

from casecommittee.domain.pathway import PRIVATE_TEXT_NAMES
from casecommittee.stores.sealed_texts import TextReader


def opened(personal_data, pathway_id, data: dict) -> dict:
    """A step's fields with its private texts (and those of a correction's changes) opened."""
    reader = TextReader(personal_data)
    shown = {name: reader.open(pathway_id, value) if name in PRIVATE_TEXT_NAMES else value
             for name, value in data.items()}
    if isinstance(shown.get("changes"), dict):
        shown["changes"] = opened(personal_data, pathway_id, shown["changes"])
    return shown
