"""The pages' server-side sessions: one row per signed-in browser, keyed by the SHA-256 of the
random id its cookie holds (the data and the user never leave the database)."""

from sqlalchemy import JSON, Column, DateTime, String, Table

from ..db import metadata

page_sessions = Table(
    "web_sessions", metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", String(36), nullable=True, index=True),
    Column("data", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
)

