"""Wires one process: settings → stores, application, personal data, reference data."""

from base64 import b64decode
from dataclasses import dataclass

from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from .application import CaseCommittee
from .clock import SystemClock
from .config import Settings
from .db import forget_old_versions, make_engine, schema_lock, widen_text_columns
from .projections.runner import ProjectionRunner, ensure_read_model_schema
from .stores.digest_keys import DigestKeys
from .stores.identity_index import IdentityIndex
from .stores.imports import ImportStore
from .stores.personal_data import PersonalDataStore
from .stores.reference import ReferenceData
from .tables import STORE_TABLES, create_all


@dataclass
class System:
    """Everything a command, a request or a job needs, built once per process."""

    settings: Settings
    engine: Engine
    app: CaseCommittee
    personal_data: PersonalDataStore
    reference: ReferenceData
    projections: ProjectionRunner
    #: Uploaded spreadsheets awaiting confirmation (sealed) and partners' column mappings.
    imports: ImportStore | None = None

    @property
    def clock(self):
        """The clock shared by the application and the jobs."""
        return self.app.clock

    def close(self) -> None:
        """Releases database connections."""
        self.app.close()
        self.engine.dispose()
        self.personal_data.engine.dispose()


#: The table where earlier versions kept whole responses (identities included) per key.
LEGACY_RESPONSES = "idempotency_keys"


def drop_stored_responses(engine: Engine) -> bool:
    """Upgrading from a version that stored idempotent responses (with the person's identity)
    in clear: drops that table and rewrites the database file (VACUUM keeps no free page, the
    WAL is then truncated), so nothing of them remains on disk. True if there was one."""
    if LEGACY_RESPONSES not in inspect(engine).get_table_names():
        return False
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE {LEGACY_RESPONSES}")
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("VACUUM")
        forget_old_versions(engine, LEGACY_RESPONSES)
    return True


def bootstrap(settings: Settings | None = None, clock=None, inline_projections: bool | None = None) -> System:
    """Builds the system, creating the stores' tables when missing.

    With inline projections (the default unless CASECOMMITTEE_PROJECTIONS=worker), the read
    models catch up right after each save, in the same process.
    """
    settings = settings or Settings.from_env()
    settings.secure_data_dir()
    engine = make_engine(settings.sqlalchemy_url, **settings.engine_options())
    personal_engine = make_engine(settings.sqlalchemy_url, personal=True,
                                  **settings.engine_options())
    with schema_lock(engine):
        drop_stored_responses(personal_engine)
        create_all(engine)
        widen_text_columns(engine, STORE_TABLES)
        ensure_read_model_schema(engine)
        clock = clock or SystemClock()
        master_key = settings.resolved_key("personal_data_key", "personal-data.key")
        index = IdentityIndex(settings.resolved_key("identity_index_key", "identity-index.key"))
        personal_data = PersonalDataStore(personal_engine, master_key, clock=clock, index=index)
        personal_data.forget_old_versions()
        app = CaseCommittee(
            env=settings.event_store_env(), clock=clock, personal_data=personal_data,
            snapshot_interval=settings.snapshot_interval, keys_secret=b64decode(master_key),
            keys_time_to_live=settings.idempotency_key_lifetime,
            digest_keys=DigestKeys(personal_engine, master_key, clock),
        )
    projections = ProjectionRunner(app, engine)
    if settings.inline_projections if inline_projections is None else inline_projections:
        app.after_save = projections.follow
    return System(settings, engine, app, personal_data, ReferenceData(engine), projections,
                  ImportStore(personal_engine, master_key))
