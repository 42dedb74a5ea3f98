"""Wires one process: settings → stores, application, personal data, reference data."""

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from .application import CaseCommittee
from .clock import SystemClock
from .config import Settings
from .db import make_engine
from .personal_data import PersonalDataStore
from .projections.runner import ProjectionRunner, ensure_read_model_schema
from .reference import ReferenceData
from .tables import create_all


@dataclass
class System:
    """Everything a command, a request or a job needs, built once per process."""

    settings: Settings
    engine: Engine
    app: CaseCommittee
    personal_data: PersonalDataStore
    reference: ReferenceData
    projections: ProjectionRunner

    @property
    def clock(self):
        """The clock shared by the application and the jobs."""
        return self.app.clock

    def close(self) -> None:
        """Releases database connections."""
        self.app.close()
        self.engine.dispose()


def bootstrap(settings: Settings | None = None, clock=None, inline_projections: bool | None = None) -> System:
    """Builds the system, creating the stores' tables when missing.

    With inline projections (the default unless CASECOMMITTEE_PROJECTIONS=worker), the read
    models catch up right after each save, in the same process.
    """
    settings = settings or Settings.from_env()
    if settings.store_kind == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.sqlalchemy_url)
    create_all(engine)
    ensure_read_model_schema(engine)
    clock = clock or SystemClock()
    personal_data = PersonalDataStore(
        engine, settings.resolved_key("personal_data_key", "personal-data.key"), clock=clock
    )
    app = CaseCommittee(
        env=settings.event_store_env(), clock=clock, personal_data=personal_data,
        snapshot_interval=settings.snapshot_interval,
    )
    projections = ProjectionRunner(app, engine)
    if settings.inline_projections if inline_projections is None else inline_projections:
        app.after_save = projections.catch_up
    return System(settings, engine, app, personal_data, ReferenceData(engine), projections)
