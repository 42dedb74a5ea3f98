"""Stores that are not the event store: rows the services write and read as they are."""
