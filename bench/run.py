"""casecommittee benchmarks: demo writes, rebuild, queries — each next to the bare eventsourcing
library in the same process, on the same machine, median of several runs.

    python bench/run.py                      # everything, national scale (50,000 pathways)
    python bench/run.py write --people 2000  # one part, smaller
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from casecommittee.bootstrap import bootstrap
from casecommittee.clock import FixedClock
from casecommittee.config import Settings
from casecommittee.demo import generate
from casecommittee.projections.rebuild import default_partitions
from casecommittee.queries.agenda import agenda_inputs
from casecommittee.queries.statistics import StatisticsQuery, compute_statistics
from casecommittee.stores.reference import groups

HERE = Path(__file__).parent
RESULTS = HERE / "results"
TODAY = date(2026, 11, 23)


def log(message: str) -> None:
    """Progress on stderr, so stdout stays the report."""
    print(message, file=sys.stderr, flush=True)


class BareStep(Aggregate):
    """The bare library's aggregate: one event class, no rules, same store settings."""

    @event("Started")
    def __init__(self, n: int):
        self.n = n

    @event("Stepped")
    def step(self, n: int):
        self.n = n


def _system(data_dir: Path, inline: bool = False):
    settings = Settings.from_env({"CASECOMMITTEE_DATA_DIR": str(data_dir)})
    return bootstrap(settings, clock=FixedClock(TODAY), inline_projections=inline)


def _bare_app(data_dir: Path, like) -> Application:
    env = dict(like.settings.event_store_env())
    env["SQLITE_DBNAME"] = str(data_dir / "bare.sqlite")
    env["IS_SNAPSHOTTING_ENABLED"] = "no"
    return Application(env=env)


def _median(values):
    return statistics.median(values)


def bench_write(people: int, runs: int) -> dict:
    """Demo generation (rules, personal data, one atomic save a pathway) vs bare saves."""
    ours, bare, events = [], [], 0
    for run in range(runs):
        with tempfile.TemporaryDirectory() as scratch:
            system = _system(Path(scratch))
            started = time.perf_counter()
            sizes = [p.version for p in generate(system.app, system.reference, system.personal_data,
                                                 people=people, seed=run + 1, today=TODAY)]
            ours.append(sum(sizes) / (time.perf_counter() - started))
            events = sum(sizes)
            app = _bare_app(Path(scratch), system)
            started = time.perf_counter()
            for size in sizes:
                aggregate = BareStep(0)
                for n in range(1, size):
                    aggregate.step(n)
                app.save(aggregate)
            bare.append(sum(sizes) / (time.perf_counter() - started))
            system.close()
        log(f"write run {run + 1}: {ours[-1]:.0f} vs bare {bare[-1]:.0f} events/s")
    return {"people": people, "events": events, "demo_events_per_s": _median(ours),
            "bare_events_per_s": _median(bare), "ratio": _median(ours) / _median(bare)}


def territory(people: int) -> Path:
    """A national-scale demo store (generated once per size, then reused)."""
    data_dir = RESULTS / f"territory-{people}"
    if (data_dir / "ready").exists():
        return data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    system = _system(data_dir)
    started = time.perf_counter()
    for n, _ in enumerate(generate(system.app, system.reference, system.personal_data,
                                   people=people, seed=2020, today=TODAY), start=1):
        if n % 5000 == 0:
            log(f"territory: {n}/{people} pathways ({time.perf_counter() - started:.0f} s)")
    system.projections.catch_up()
    system.close()
    (data_dir / "ready").write_text("ok")
    return data_dir


def _bare_read(app) -> tuple[int, float]:
    started, count, start = time.perf_counter(), 0, 1
    while True:
        notifications = app.recorder.select_notifications(start=start, limit=5000)
        if not notifications:
            return count, time.perf_counter() - started
        for notification in notifications:
            app.mapper.to_domain_event(notification)
        count += len(notifications)
        start = notifications[-1].id + 1


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the rebuild's partitions)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def replay(what: str, data_dir: Path) -> dict:
    """One replay of the whole log, in this process: the bare library's read-and-decode
    ("bare"), or a rebuild ("rebuild": one process per core; "rebuild-1": one process).
    Returns the events, wall seconds, CPU seconds (the partitions' processes included) and peak
    memory (meaningful in a fresh process: `_in_fresh_process`)."""
    system = _system(data_dir)
    try:
        started, cpu = time.perf_counter(), _cpu_seconds()
        if what == "bare":
            count, _ = _bare_read(system.app)
        else:
            count = system.projections.rebuild(partitions=1 if what == "rebuild-1" else None)
        seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    finally:
        system.close()
    # peak memory: VmHWM (not ru_maxrss, which Linux carries over from the parent across fork
    # and exec), and the largest of the processes forked for the partitions
    hwm = next(line for line in Path("/proc/self/status").read_text().splitlines()
               if line.startswith("VmHWM"))
    return {"events": count, "seconds": seconds, "cpu_seconds": cpu,
            "peak_mb": round(int(hwm.split()[1]) / 1024),
            "largest_partition_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)}


def _in_fresh_process(what: str, data_dir: Path) -> dict:
    """`replay` in a new Python process: no replay runs on a heap another one left (a
    rebuild's millions of short-lived objects slowed a bare read after it by 10 %)."""
    code = (f"import sys,json;sys.path.insert(0,{str(HERE)!r});import run;from pathlib import Path;"
            f"print(json.dumps(run.replay({what!r}, Path({str(data_dir)!r}))))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_rebuild(people: int, runs: int) -> dict:
    """Rebuild throughput vs the bare library's read-and-decode of the same log (wall clock,
    and CPU time summed over the processes); the same in one process; peak memory. Each
    replay runs in a fresh process, the three kinds taking turns."""
    data_dir = territory(people)
    system = _system(data_dir)
    processes = default_partitions(system.app.recorder.max_notification_id() or 0)
    system.close()
    measured = {"bare": [], "rebuild": [], "rebuild-1": []}
    for run in range(runs):
        for what, results in measured.items():
            results.append(_in_fresh_process(what, data_dir))
        rates = {what: results[-1]["events"] / results[-1]["seconds"] for what, results in measured.items()}
        log(f"rebuild run {run + 1}: {rates['rebuild']:.0f} events/s in {processes} processes, "
            f"{rates['rebuild-1']:.0f} in one, vs bare read {rates['bare']:.0f} events/s")
    count = measured["bare"][-1]["events"]

    def median_rate(what: str, seconds: str = "seconds") -> float:
        return _median([r["events"] / r[seconds] for r in measured[what]])

    fewer = max(1000, people // 5)
    memory = {f"pathways_{n}": {"rebuilding_process": replayed["peak_mb"],
                                "largest_partition_process": replayed["largest_partition_mb"]}
              for n, replayed in ((fewer, _in_fresh_process("rebuild", territory(fewer))),
                                  (people, measured["rebuild"][-1]))}
    log(f"peak memory of a rebuild (MB): {memory}")
    bare, ours, single = median_rate("bare"), median_rate("rebuild"), median_rate("rebuild-1")
    return {"people": people, "events": count, "processes": processes,
            "rebuild_events_per_s": ours, "bare_read_events_per_s": bare, "ratio": ours / bare,
            "one_process_events_per_s": single, "one_process_ratio": single / bare,
            "cpu_ratio": median_rate("rebuild", "cpu_seconds") / median_rate("bare", "cpu_seconds"),
            "runs": measured, "peak_rss_mb": memory}


def _timed(function, runs: int) -> dict:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(_median(times), 1), "max_ms": round(max(times), 1)}


def bench_queries(people: int, runs: int) -> dict:
    """Statistics and agenda-input queries on the national-scale store."""
    system = _system(territory(people))
    system.projections.catch_up()
    group = system.reference.rows(groups)[0]
    steering_day = datetime.combine(TODAY - timedelta(days=90), datetime.min.time(), UTC)
    cases = {
        "statistics": lambda: compute_statistics(system.engine, StatisticsQuery(), TODAY),
        "statistics_by_group": lambda: compute_statistics(system.engine, StatisticsQuery(by="group"), TODAY),
        "statistics_as_of": lambda: compute_statistics(
            system.engine, StatisticsQuery(as_of=TODAY - timedelta(days=180)), TODAY),
        "statistics_known_at": lambda: compute_statistics(
            system.engine, StatisticsQuery(known_at=steering_day), TODAY),
        "agenda_inputs_one_group": lambda: agenda_inputs(system.engine, group["id"], TODAY),
    }
    figures = {}
    for name, case in cases.items():
        figures[name] = _timed(case, runs)
        log(f"{name}: {figures[name]}")
    # the bare library's reference: reading one pathway's events back
    pathway_id = system.app.recorder.select_notifications(start=1, limit=1)[0].originator_id
    figures["bare_read_one_pathway"] = _timed(lambda: system.app.events.get(pathway_id), runs)
    system.close()
    return {"people": people, "queries": figures}


def main() -> None:
    """Runs the benchmarks asked for and prints (and saves) a JSON report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("part", nargs="*", help="write, rebuild, queries (default: all three)")
    parser.add_argument("--people", type=int, default=50_000, help="pathways of the national territory")
    parser.add_argument("--write-people", type=int, default=2_000, help="pathways per demo-write run")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    args.part = args.part or ["write", "rebuild", "queries"]
    unknown = set(args.part) - {"write", "rebuild", "queries"}
    if unknown:
        parser.error(f"unknown part(s) {', '.join(sorted(unknown))}: choose write, rebuild, queries")
    RESULTS.mkdir(exist_ok=True)
    report = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
              "date": datetime.now(UTC).isoformat(timespec="seconds")}
    if "write" in args.part:
        report["write"] = bench_write(args.write_people, args.runs)
    if "rebuild" in args.part:
        report["rebuild"] = bench_rebuild(args.people, args.runs)
    if "queries" in args.part:
        report["queries"] = bench_queries(args.people, max(args.runs, 9))
    text = json.dumps(report, indent=2)
    (RESULTS / f"report-{datetime.now(UTC):%Y%m%dT%H%M%S}.json").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
