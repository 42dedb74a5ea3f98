"""Every bounded text column of every table holds what may be put in it.

SQLite ignores a VARCHAR's length; PostgreSQL refuses a longer value, and a read model that
refuses an event stops the projections. So each bounded column is an id (a UUID or a
reference id of at most 36 characters), a hex digest, a fixed format, or a code from a closed
list that fits; codes and texts of the read models are unbounded.
"""

from sqlalchemy import String, TypeDecorator

from casecommittee.db import CleanText
from casecommittee.domain.vocabulary import ROLES, STRUCTURE_KINDS
from casecommittee.jobs import DAILY_JOBS
from casecommittee.projections.runner import VIEW_TABLES
from casecommittee.stores.access_log import ACTIONS
from casecommittee.stores.imports import STATUSES as IMPORT_STATUSES
from casecommittee.stores.notifications import notifications
from casecommittee.tables import TABLES

#: Closed lists, by table and column.
VOCABULARIES = {
    ("users", "role"): ROLES,
    ("access_log", "role"): ROLES,
    ("structures", "kind"): STRUCTURE_KINDS,
    ("job_runs", "job"): tuple(DAILY_JOBS),
    ("imports", "status"): IMPORT_STATUSES, ("imports", "kind"): ("csv", "xlsx"),
    ("projection_positions", "name"): ("read_models",),
    ("projection_stalls", "name"): ("read_models",),
    ("pathway_rows", "cohort_year"): ("2026",), ("pathway_versions", "cohort_year"): ("2026",),
    ("pathway_rows", "cohort_month"): ("2026-06",), ("pathway_versions", "cohort_month"): ("2026-06",),
    ("pathway_rows", "cohort_quarter"): ("2026-Q2",),
    ("pathway_versions", "cohort_quarter"): ("2026-Q2",),
    ("notifications", "kind"): ("follow_up_overdue", "follow_up_due", "validation_due",
                                "agenda_draft", "stalled", "replay_check", "retention_deadline",
                                "projection_stalled"),
    ("access_log", "action"): ACTIONS,
}
#: sha256 hex digests, and argon2 password hashes (about 100 characters).
DIGESTS = {"token_hash", "request_hash", "fingerprint", "id_hash", "password_hash", "digest",
           "file_digest"}
#: Names and labels typed by people, bounded by the input schemas at the door.
TEXTS = {"name", "title", "key", "url", "dedupe_key", "login"}


def text_type(column):
    """The column's text type (under a TypeDecorator), or None."""
    found = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    return found if isinstance(found, String) else None


def bounded_columns(tables):
    """(table, column) of every VARCHAR(n)."""
    return [(t, c) for t in tables for c in t.columns
            if text_type(c) is not None and text_type(c).length is not None]


def test_every_bounded_column_holds_its_longest_value():
    for table, column in bounded_columns(TABLES):
        where = f"{table.name}.{column.name} VARCHAR({text_type(column).length})"
        if (table.name, column.name) in VOCABULARIES:
            longest = max(VOCABULARIES[table.name, column.name], key=len)
            assert len(longest) <= text_type(column).length, f"{where} is too short for {longest!r}"
        elif column.name in DIGESTS:
            assert text_type(column).length >= 64, where
        elif column.name in TEXTS:
            assert text_type(column).length >= 200, where
        else:
            assert column.name in ("id", "user_id", "erased_by", "name") or column.name.endswith("_id"), \
                f"{where}: an id, a digest, a text or a code of a closed list?"
            assert text_type(column).length >= 36, where


def test_read_models_bound_nothing_but_ids_and_cohorts():
    for table, column in bounded_columns(VIEW_TABLES):
        assert column.name.endswith("_id") or column.name.startswith("cohort_"), \
            f"{table.name}.{column.name} is bounded: a projection could fail on a longer value"


def test_read_models_reference_data_and_notifications_store_text_without_control_characters():
    from casecommittee.stores.reference import groups, structures, territories, users

    for table in (*VIEW_TABLES, territories, groups, structures, users,
                  notifications):
        for column in table.columns:
            if text_type(column) is not None:
                assert isinstance(column.type, CleanText), f"{table.name}.{column.name}"


def test_a_store_made_before_a_vocabulary_grew_is_widened_at_start(stores, tmp_path):
    """A store created when roles fitted in 16 characters takes `business_relations` (18) once
    the system starts again (PostgreSQL bounds a VARCHAR; SQLite does not, and nothing is done)."""
    from sqlalchemy import inspect, text

    from casecommittee.bootstrap import bootstrap
    from casecommittee.config import Settings

    env = stores.env(tmp_path / "var")
    try:
        system = bootstrap(Settings.from_env(env))
        if system.engine.dialect.name == "postgresql":
            with system.engine.begin() as conn:
                conn.execute(text("ALTER TABLE users ALTER COLUMN role TYPE VARCHAR(16)"))
        system.close()
        system = bootstrap(Settings.from_env(env))
        system.reference.add_territory("Belfort", id="t")
        system.reference.add_user("Nadia", "business_relations", "t", [], None, id="cre")
        if system.engine.dialect.name == "postgresql":
            role = {c["name"]: c["type"] for c in inspect(system.engine).get_columns("users")}["role"]
            assert role.length == 32
        system.close()
    finally:
        stores.drop(env)
