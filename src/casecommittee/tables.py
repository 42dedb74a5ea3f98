"""Every table of the system, listed in one place and created by `create_all` (no table comes
into being because its module happened to be imported).

Each table is declared where it is written: the read models beside their projector
(`projections/`), the other stores in theirs. Idempotency keys have no table: their answers
are events (`keyed_requests`); only the day keys their requests are digested with have one
(`request_digest_keys`, destroyed once the day's answers expired).
"""

from collections.abc import Iterable

from sqlalchemy import Table
from sqlalchemy.engine import Engine

from .db import metadata
from .projections.runner import VIEW_TABLES, positions, read_model_schema
from .projections.stalls import projection_stalls
from .stores.access_log import access_log
from .stores.auth import passwords, tokens
from .stores.digest_keys import digest_keys
from .stores.identity_index import identity_index
from .stores.imports import import_mappings, imports
from .stores.job_runs import job_runs
from .stores.notifications import notifications, webhook_deliveries
from .stores.page_sessions import page_sessions
from .stores.personal_data import personal_data_table
from .stores.reference import groups, structures, territories, users

#: Reference data, identities and the services' own rows.
STORE_TABLES = (territories, groups, structures, users, tokens, passwords, personal_data_table,
                identity_index, imports, import_mappings, notifications, webhook_deliveries,
                job_runs, access_log, page_sessions, digest_keys)
#: The read models, their position in the log and their schema's fingerprint.
READ_MODEL_TABLES = (*VIEW_TABLES, positions, read_model_schema, projection_stalls)
TABLES = (*STORE_TABLES, *READ_MODEL_TABLES)


def create_all(engine: Engine, tables: Iterable[Table] = TABLES) -> None:
    """Creates the tables that do not exist yet (all of the system's by default)."""
    metadata.create_all(engine, tables=list(tables))
