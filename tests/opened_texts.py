"""Tests read a step's private texts as a reader allowed to read them does: opened with the
person's key (the events hold them sealed)."""

from casecommittee.stores.sealed_texts import TextReader, opened_fields


def opened(personal_data, pathway_id, data: dict) -> dict:
    """A step's fields with its private texts (and those of a correction's changes) opened."""
    return opened_fields(TextReader(personal_data), pathway_id, data)
