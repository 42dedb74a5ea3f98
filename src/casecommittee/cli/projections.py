"""Read-model commands: project, rebuild, replay-check, stats, agenda-inputs."""

import json
import time

import click

from ..db import as_utc
from ..projections.replay_check import replay_check
from ..queries.agenda import REASON_LABELS, agenda_inputs
from ..queries.statistics import BREAKDOWNS, StatisticsQuery, compute_statistics
from ..stores.reference import groups
from . import bring_read_models_up_to_date, main, pass_context


@main.command()
@click.option("--follow", is_flag=True, help="Keep running, polling the log (a projection worker).")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between polls with --follow.")
@pass_context
def project(ctx, follow, interval):
    """Catch the read models up with the event log (once, or continuously with --follow)."""
    runner = ctx.system.projections
    while True:
        if runner.behind():
            bring_read_models_up_to_date(ctx.system, "events to project")
        elif not follow:
            click.echo("read models are up to date")
        if not follow:
            return
        time.sleep(interval)


@main.command()
@click.option("--processes", type=click.IntRange(1, 16), default=None,
              help="Processes replaying the log side by side (default: one per core, up to 4, "
                   "for a log of 20,000 events or more).")
@pass_context
def rebuild(ctx, processes):
    """Drop every read model and replay it from the event log."""
    runner = ctx.system.projections
    total = ctx.system.app.recorder.max_notification_id() or 0
    started = time.perf_counter()
    with click.progressbar(length=total, label="replaying events") as bar:
        read = runner.rebuild(progress=bar.update, partitions=processes)
    elapsed = time.perf_counter() - started
    click.echo(f"{read} events replayed in {elapsed:.1f} s ({read / max(elapsed, 1e-9):.0f} events/s); "
               f"rows: {runner.counts()}")


@main.command(name="replay-check")
@pass_context
def replay_check_command(ctx):
    """Rebuild every read model in a scratch store and report differences (exit 1 if any)."""
    report = replay_check(ctx.system.app, ctx.system.engine, partitions=None)
    click.echo(json.dumps(report, indent=2, default=str))
    if not report["ok"]:
        raise SystemExit(1)


def _table(document: dict) -> str:
    lines = [f"population: {document['population']}  (as of {document['as_of']}"
             + (f", known at {document['known_at']}" if document["known_at"] else "") + ")"]
    for title in ("stages", "funnel", "rates", "median_days", "exits"):
        lines.append(f"{title}:")
        lines += [f"  {k:<28}{'—' if val is None else val}" for k, val in document[title].items()]
    for item in document["breakdown"]:
        rates = ", ".join(f"{k} {'—' if r is None else f'{r:.0%}'}" for k, r in item["rates"].items())
        lines.append(f"  [{item['key']}] population {item['population']}: {rates}")
    target = document["target"]
    lines.append(f"target: {target['identified_this_year']} identified in {target['year']} "
                 f"for {target['per_year']} a year")
    return "\n".join(lines)


@main.command()
@click.option("--territory", "territory_id")
@click.option("--group", "group_id")
@click.option("--from", "period_from", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "period_to", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--by", type=click.Choice(sorted(BREAKDOWNS)))
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="A business date.")
@click.option("--known-at", type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]),
              help="A recorded time (UTC if no offset): the figures as they were known then.")
@click.option("--format", "output", type=click.Choice(["json", "table"]), default="json", show_default=True)
@pass_context
def stats(ctx, territory_id, group_id, period_from, period_to, by, as_of, known_at, output):
    """Outcome statistics (the same JSON document as GET /api/v1/statistics)."""
    known_at = as_utc(known_at)  # a time without offset is UTC
    query = StatisticsQuery(
        territory_id=territory_id, group_id=group_id,
        period_from=period_from.date() if period_from else None,
        period_to=period_to.date() if period_to else None,
        by=by, as_of=as_of.date() if as_of else None, known_at=known_at,
    )
    system = ctx.system
    system.projections.catch_up()
    document = compute_statistics(system.engine, query, system.clock.today())
    click.echo(json.dumps(document, indent=2, default=str, ensure_ascii=False)
               if output == "json" else _table(document))


@main.command(name="agenda-inputs")
@click.argument("group_id")
@click.option("--on", type=click.DateTime(["%Y-%m-%d"]), help="Session date (default: today).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Previous session's date.")
@pass_context
def agenda_inputs_command(ctx, group_id, on, since):
    """The pathways of a group that need the committee, with their reasons, most urgent first."""
    system = ctx.system
    group = system.reference.get(groups, group_id)
    if group is None:
        raise click.ClickException(f"no group {group_id}: list them with `casecommittee stats --by group`")
    system.projections.catch_up()
    day = on.date() if on else system.clock.today()
    items = agenda_inputs(system.engine, group_id, day, since=since.date() if since else None,
                          stalled_after_days=group["stalled_after_days"])
    for item in items:
        reasons = "; ".join(REASON_LABELS[r] for r in item.reasons)
        click.echo(f"{item.pathway_id}  {item.stage:<20} {item.days_in_stage or 0:>4} j  {reasons}")
    click.echo(f"{len(items)} pathways for the session of {day}")


