"""The worker: scheduled jobs and, for deployments with several web processes, projections."""

import threading

import click

from ..jobs import DAILY_JOBS, IMPORTS_EVERY_SECONDS, run_once
from ..projections.follow import follow
from ..scheduler import build_scheduler
from . import main, pass_context


@main.command()
@click.option("--projections/--no-projections", default=True, show_default=True,
              help="Also keep the read models caught up (woken by PostgreSQL's NOTIFY; "
                   "polling every second on SQLite).")
@pass_context
def worker(ctx, projections):
    """Run the scheduled jobs (reminders, agenda drafts, stalled pathways, replay check, webhooks,
    confirmed imports)."""
    system = ctx.system
    if projections:
        threading.Thread(target=follow, args=(system, threading.Event()), name="projections",
                         daemon=True).start()
    click.echo(f"worker: daily jobs at {system.settings.jobs_hour}:00 "
               f"({', '.join(DAILY_JOBS)}), webhooks every minute, confirmed imports every "
               f"{IMPORTS_EVERY_SECONDS} s")
    build_scheduler(system, blocking=True).start()


@main.command(name="run-job")
@click.argument("job", type=click.Choice(sorted(DAILY_JOBS)))
@click.option("--on", "day", type=click.DateTime(["%Y-%m-%d"]), help="The day to run it for (default: today).")
@pass_context
def run_job(ctx, job, day):
    """Run one daily job now, for today or a given day (once per day, like the scheduler)."""
    system = ctx.system
    outcome = run_once(system, job, day.date() if day else system.clock.today())
    click.echo(outcome if outcome is not None else f"{job} already ran for that day")
