"""Which daily job ran for which day: a (job, day) row is claimed before the job runs, so
several processes, or a restart after a missed day, never run the same day's job twice."""

from datetime import date, datetime

from sqlalchemy import Column, Date, DateTime, String, Table, Text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..db import metadata

job_runs = Table(
    "job_runs", metadata,
    Column("job", String(40), primary_key=True),
    Column("run_on", Date, primary_key=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("outcome", Text),
)


def claim(engine: Engine, job: str, day: date, now: datetime) -> bool:
    """Claims the day's run of a job; False if another process already did."""
    try:
        with engine.begin() as conn:
            conn.execute(job_runs.insert().values(job=job, run_on=day, started_at=now))
    except IntegrityError:
        return False
    return True


def record_outcome(engine: Engine, job: str, day: date, outcome: str) -> None:
    """Writes what the day's run of a job did."""
    with engine.begin() as conn:
        conn.execute(job_runs.update().where(job_runs.c.job == job, job_runs.c.run_on == day)
                     .values(outcome=outcome))
