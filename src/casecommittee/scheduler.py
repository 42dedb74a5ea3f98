"""APScheduler wiring: the daily jobs at CASECOMMITTEE_JOBS_HOUR, webhooks every minute,
confirmed imports every few seconds.

`casecommittee worker` runs it in the foreground; the embedded service (`make run`) runs it in
the background of each web process — `jobs.run_once` makes sure a day's job runs only once.
On start, today's jobs that were missed while the service was down are run at once.
"""

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from .jobs import (
    DAILY_JOBS,
    IMPORTS_EVERY_SECONDS,
    catch_up_missed,
    deliver_webhooks,
    run_imports,
    run_once,
)


def build_scheduler(system, blocking: bool = False):
    """A scheduler with every job registered (not started)."""
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
    for name in DAILY_JOBS:
        scheduler.add_job(
            lambda name=name: run_once(system, name, system.clock.today()),
            "cron", hour=system.settings.jobs_hour, minute=0, id=name, name=name,
        )
    scheduler.add_job(lambda: deliver_webhooks(system, system.clock.today()),
                      "interval", minutes=1, id="deliver_webhooks", name="deliver_webhooks")
    scheduler.add_job(lambda: run_imports(system), "interval", seconds=IMPORTS_EVERY_SECONDS,
                      id="run_imports", name="run_imports")
    scheduler.add_job(lambda: catch_up_missed(system), id="catch_up_missed", name="catch_up_missed")
    return scheduler
