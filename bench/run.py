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
from casecommittee.queries.statistics import StatisticsQuery, compute_statistics
from casecommittee.stores.reference import territories

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


#: The group held still in the stores: the same 3,000 pathways (its share of a 10,000-pathway
#: territory) whatever the size, so an agenda's figure shows what the other groups' size costs it.
FIXED_GROUP = {"Diplômés": 3_000}
#: The package's parts that only read a store (the web layer, the command line, the queries):
#: every other module counts in a store's fingerprint, a new one included.
_READERS_ONLY = ("web", "cli", "queries")


def fixed_group(people: int) -> dict[str, int]:
    """`FIXED_GROUP` for a store of `people` pathways: its count, or in a smaller store (a quick
    look) the group's share of it (30 %), so the other groups are never left empty."""
    return {name: min(count, round(people * 0.3)) for name, count in FIXED_GROUP.items()}


def store_fingerprint(people: int, seed: int) -> str:
    """What a cached store was built from: its size, seed and fixed group, the day it ends,
    the versions of the libraries that write it and a hash of the package's sources but those
    that only read a store (`_READERS_ONLY`). A store whose fingerprint differs is built anew."""
    import hashlib
    from importlib import metadata

    import casecommittee

    package = Path(casecommittee.__file__).parent
    digest = hashlib.sha256()
    for source in sorted(package.rglob("*.py")):
        relative = source.relative_to(package)
        if relative.parts[0] not in _READERS_ONLY:
            digest.update(str(relative).encode() + b"\0" + source.read_bytes())
    libraries = {name: metadata.version(name) for name in ("eventsourcing", "sqlalchemy")}
    return json.dumps({"people": people, "seed": seed, "fixed": fixed_group(people), "today": str(TODAY),
                       "libraries": libraries, "sources_sha256": digest.hexdigest()}, sort_keys=True)


def fill_territory(system, people: int, seed: int) -> int:
    """The demo generator's pathways of a benchmark store, 500 per save (the group of
    `FIXED_GROUP` held still); the number of events."""
    fixed = fixed_group(people)
    started, events = time.perf_counter(), 0
    for n, pathway in enumerate(generate(system.app, system.reference, system.personal_data,
                                         people=people, seed=seed, today=TODAY, batch=500,
                                         fixed=fixed), start=1):
        events += pathway.version
        if n % 5000 == 0:
            log(f"territory: {n}/{people} pathways ({time.perf_counter() - started:.0f} s)")
    return events


def territory(people: int, seed: int = 2020) -> Path:
    """A national-scale demo store, generated once per size, seed and code (`store_fingerprint`,
    kept in its `ready` marker), then reused: each pathway's events saved at once (no API call,
    no projection per event), then the read models built by a partitioned rebuild. A store
    left by other code, or half built, is removed and built anew."""
    import shutil

    data_dir = RESULTS / f"territory-{people}-seed{seed}"
    fingerprint = store_fingerprint(people, seed)
    marker = data_dir / "ready"
    if marker.exists() and marker.read_text() == fingerprint:
        return data_dir
    if data_dir.exists():
        log(f"territory {people}: {'built by other code' if marker.exists() else 'unfinished'}; built anew")
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    started = time.perf_counter()
    system = _system(data_dir)
    fill_territory(system, people, seed)
    system.projections.bring_up_to_date()
    system.close()
    marker.write_text(fingerprint)
    log(f"territory {people}: built in {time.perf_counter() - started:.0f} s")
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


def _bare_read_range(data_dir: Path, start: int, stop: int) -> int:
    """The bare read of notifications `start`..`stop` (a forked process opens its own store)."""
    system = _system(data_dir)
    try:
        count = 0
        while start <= stop:
            notifications = system.app.recorder.select_notifications(
                start=start, limit=min(5000, stop - start + 1), stop=stop)
            if not notifications:
                break
            for notification in notifications:
                system.app.mapper.to_domain_event(notification)
            count += len(notifications)
            start = notifications[-1].id + 1
        return count
    finally:
        system.close()


def _bare_read_split(data_dir: Path, parts: int) -> int:
    """The bare read split as the rebuild splits its work: `parts` processes at once (the
    calling one included), each reading and decoding its share of the log."""
    import multiprocessing

    system = _system(data_dir)
    last = system.app.recorder.max_notification_id() or 0
    system.close()
    bounds = [round(last * k / parts) for k in range(parts + 1)]
    ranges = [(data_dir, bounds[k] + 1, bounds[k + 1]) for k in range(parts)]
    with multiprocessing.get_context("fork").Pool(parts - 1) as pool:
        others = pool.starmap_async(_bare_read_range, ranges[1:])
        count = _bare_read_range(*ranges[0])
        return count + sum(others.get())


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the rebuild's partitions)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def replay(what: str, data_dir: Path) -> dict:
    """One replay of the whole log, in this process: the bare library's read-and-decode
    ("bare"; "bare-split": in as many processes as the rebuild, each its share of the log), or
    a rebuild ("rebuild": one process per core; "rebuild-1": one process).
    Returns the events, wall seconds, CPU seconds (the partitions' processes included) and peak
    memory (meaningful in a fresh process: `_in_fresh_process`)."""
    system = _system(data_dir)
    try:
        started, cpu = time.perf_counter(), _cpu_seconds()
        if what == "bare":
            count, _ = _bare_read(system.app)
        elif what == "bare-split":
            count = _bare_read_split(data_dir, default_partitions(
                system.app.recorder.max_notification_id() or 0))
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
    measured = {"bare": [], "bare-split": [], "rebuild": [], "rebuild-1": []}
    for run in range(runs):
        for what, results in measured.items():
            results.append(_in_fresh_process(what, data_dir))
        rates = {what: results[-1]["events"] / results[-1]["seconds"] for what, results in measured.items()}
        log(f"rebuild run {run + 1}: {rates['rebuild']:.0f} events/s in {processes} processes "
            f"vs bare read {rates['bare-split']:.0f} in as many; {rates['rebuild-1']:.0f} in one "
            f"vs {rates['bare']:.0f}")
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
    split = median_rate("bare-split")
    # like for like: N processes against the bare read in N processes, one against one
    return {"people": people, "events": count, "processes": processes,
            "rebuild_events_per_s": ours, "bare_read_split_events_per_s": split,
            "ratio": ours / split,
            "one_process_events_per_s": single, "bare_read_events_per_s": bare,
            "one_process_ratio": single / bare,
            "cpu_ratio": median_rate("rebuild", "cpu_seconds") / median_rate("bare", "cpu_seconds"),
            "runs": measured, "peak_rss_mb": memory}


def save_report(kind: str, report: dict) -> Path:
    """Writes a report to `bench/results/<kind>-<time>.json`; its path."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{kind}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return path


def _timed(function, runs: int) -> dict:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(_median(times), 1), "max_ms": round(max(times), 1)}


def _query_cases(system) -> dict:
    """The statistics requests measured, each scoped to the territory as the API scopes every
    caller with one (a scope takes other query plans than the whole store's)."""
    steering_day = datetime.combine(TODAY - timedelta(days=90), datetime.min.time(), UTC)
    scope = {"territory_id": system.reference.rows(territories)[0]["id"]}
    return {
        "statistics": lambda: compute_statistics(system.engine, StatisticsQuery(**scope), TODAY),
        "statistics_by_group": lambda: compute_statistics(
            system.engine, StatisticsQuery(by="group", **scope), TODAY),
        "statistics_as_of": lambda: compute_statistics(
            system.engine, StatisticsQuery(as_of=TODAY - timedelta(days=180), **scope), TODAY),
        "statistics_known_at": lambda: compute_statistics(
            system.engine, StatisticsQuery(known_at=steering_day, **scope), TODAY),
        # the same by group (the steering committee's table), each against `by=group` plain
        "statistics_by_group_as_of": lambda: compute_statistics(
            system.engine, StatisticsQuery(by="group", as_of=TODAY - timedelta(days=180), **scope), TODAY),
        "statistics_by_group_known_at": lambda: compute_statistics(
            system.engine, StatisticsQuery(by="group", known_at=steering_day, **scope), TODAY),
    }


def bench_queries(sizes: list[int], runs: int) -> list[dict]:
    """The statistics (default, `by=group`, `as_of` six months back, `known_at` three months
    back), cold: no document cache in front (`compute_statistics` computes each time, as
    after any write), on the pool's connections (their pages warm, as a server's: a new
    connection each time would add ~10 ms of opening no request pays); median of `runs`, at
    each size, the sizes and the queries taking turns; beside them the bare library reading
    one pathway's events back."""
    systems = {people: _system(territory(people)) for people in sizes}
    times = {people: {} for people in sizes}
    try:
        cases = {}
        for people, system in systems.items():
            system.projections.catch_up()
            cases[people] = _query_cases(system)
            pathway_id = system.app.recorder.select_notifications(start=1, limit=1)[0].originator_id
            # list(): the events decoded (`events.get` maps them lazily)
            cases[people]["bare_read_one_pathway"] = lambda a=system.app, i=pathway_id: list(a.events.get(i))
            for case in cases[people].values():  # once, unmeasured: the OS's file cache warm
                case()
        for _ in range(runs):
            for people in systems:
                for name, case in cases[people].items():
                    started = time.perf_counter()
                    case()
                    times[people].setdefault(name, []).append((time.perf_counter() - started) * 1000)
    finally:
        for system in systems.values():
            system.close()
    report = []
    for people in sizes:
        figures = {name: {"median_ms": round(_median(values), 1), "max_ms": round(max(values), 1)}
                   for name, values in times[people].items()}
        log(f"queries, {people:,} pathways: {figures}")
        report.append({"people": people, "runs": runs, "cold": True, "queries": figures})
    return report


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def verdict(value: float | None, op: str, limit: float) -> str:
    """"≤ 5×: met", or "≤ 5×: **missed** (1.40× the target)": computed, never written by hand."""
    if value is None:
        return f"{op} {limit:g}×: not measured"
    met = value <= limit if op == "≤" else value >= limit
    return f"{op} {limit:g}×: met" if met else f"{op} {limit:g}×: **missed** ({value / limit:.2f}× the target)"


def _ms(f: dict) -> str:
    return f"p50 {f['p50_ms']} / p99 {f['p99_ms']} / max {f['max_ms']} ms"


def _rows_write(report: dict) -> list[tuple]:
    if "write" not in report:
        return []
    w = report["write"]
    return [(f"demo writes ({w['people']:,} pathways, in process)", f"{w['demo_events_per_s']:,.0f} events/s",
             f"{w['bare_events_per_s']:,.0f} events/s", f"{w['ratio']:.2f}×", "—")]


def _pair(rates: list[dict], processes: int) -> str:
    """A bare save rate measured in `processes` processes and in one."""
    return f"{rates[0]['saves_per_s']} ({processes} proc.) / {rates[1]['saves_per_s']} (1)"


def _rows_mixed(report: dict) -> list[tuple]:
    rows = []
    for m in report.get("mixed", {}).get("sizes", []):
        n, se, co = m["people"], m["serial"], m["concurrent"]
        bare = se["bare_save_and_load"]
        ratios = se["ratios_to_bare_save_and_load_p50"]
        rows.append((f"HTTP step write, 1 client, {n:,} pathways ({se['write']['count']}, 7 kinds, between statistics requests)",
                     _ms(se["write"]), f"save+load {_ms(bare)}", f"{ratios.get('write')}× (p50)",
                     verdict(ratios.get("write"), "≤", 5)))
        rows.append((f"HTTP statistics after each write (cold), 1 client, {n:,} pathways", _ms(se["statistics"]),
                     f"save+load p50 {bare['p50_ms']} ms", f"{ratios.get('statistics')}× (p50)", "—"))
        for label, f in se["by_request"].items():
            if label.startswith("statistics:"):
                rows.append((f"… `{label.split(':')[1]}`", _ms(f), "", "", ""))
        b = co["bare_saves"]
        for name, what in (("writes_only", "writes only"), ("with_statistics", "+ statistics every 4th request")):
            part, wl = co[name], co[name]["load"]
            rows.append((f"HTTP step writes, {co['clients']} clients, {n:,} pathways ({what})",
                         f"{part['writes_per_s']} writes/s (all requests p50 {wl['p50_ms']} / p99 {wl['p99_ms']} / max {wl['max_ms']} ms)",
                         f"{b['reference_saves_per_s']} saves/s (before: {_pair(b['before'], b['processes'])}; after: {_pair(b['after'], b['processes'])})",
                         f"{part['ratio_to_bare_saves']}×", verdict(part["ratio_to_bare_saves"], "≥", 0.25)))
            rows.append((f"… server CPU a write ({what})", f"{part['server_cpu_ms_per_write']} ms",
                         f"{b['cpu_ms_per_save']} ms CPU a bare save", f"{part['cpu_ratio_bare_to_write']}× (CPU)", "—"))
        if "scale_out" in co:
            rows += _rows_scale_out(co, n)
        la = m["load_average"]
        rows.append((f"load average (1 min) during the {n:,} mixed load",
                     f"start {la['start']}, after the 1-client part {la.get('after_serial')}, end {la['end']}", "", "", ""))
    return rows


def _rows_scale_out(co: dict, n: int) -> list[tuple]:
    """The scale-out configuration's rows: its own ratio, never the issue's verdict (which is
    the default, inline, figure's)."""
    so, b = co["scale_out"], co["bare_saves"]
    ratio = so["ratio_to_bare_saves"]
    would = "would meet ≥ 0.25×" if ratio >= 0.25 else f"would miss ≥ 0.25× ({ratio / 0.25:.2f}× the target)"
    return [
        (f"scale-out configuration (not the default): HTTP step writes, {co['clients']} clients, {n:,} pathways, "
         f"writes only, `CASECOMMITTEE_PROJECTIONS=worker` (2 web workers save) + 1 projection worker "
         f"(`{so['configuration'].split('; ')[-1]}`); the time counted until the read models applied the last write",
         f"{so['writes_per_s']} writes/s (HTTP alone {so['http_writes_per_s']} writes/s; caught up "
         f"{so['catch_up_after_last_write_s']} s after the last write)",
         f"{b['reference_saves_per_s']} saves/s (the same reference)", f"{ratio}×",
         f"scale-out only, not the issue's verdict: {would}"),
        ("… server CPU a write (scale-out: web workers + projection worker)",
         f"{so['server_cpu_ms_per_write']} ms (web {so['web_cpu_ms_per_write']} + worker "
         f"{so['worker_cpu_ms_per_write']})",
         f"{b['cpu_ms_per_save']} ms CPU a bare save", f"{so['cpu_ratio_bare_to_write']}× (CPU)", "—"),
    ]


def _rows_rebuild(report: dict) -> list[tuple]:
    if "rebuild" not in report:
        return []
    r = report["rebuild"]
    return [
        (f"rebuild, {r['people']:,} pathways, {r['events']:,} events, {r['processes']} processes",
         f"{r['rebuild_events_per_s']:,.0f} events/s",
         f"{r['bare_read_split_events_per_s']:,.0f} events/s (read + decode split the same way, {r['processes']} processes)",
         f"{r['ratio']:.2f}×", verdict(r["ratio"], "≥", 0.6)),
        ("the same rebuild in one process", f"{r['one_process_events_per_s']:,.0f} events/s",
         f"{r['bare_read_events_per_s']:,.0f} events/s (one process)", f"{r['one_process_ratio']:.2f}×",
         verdict(r["one_process_ratio"], "≥", 0.6)),
        ("rebuild CPU (all processes) vs bare read CPU", "", "", f"{r['cpu_ratio']:.2f}×", ""),
    ]


def _rows_queries(report: dict) -> list[tuple]:
    rows, by_size = [], report.get("queries", [])
    for q in by_size:
        figures, n = q["queries"], q["people"]
        default = figures.get("statistics", {}).get("median_ms")
        bare = figures.get("bare_read_one_pathway", {})
        for name, f in figures.items():
            if name == "bare_read_one_pathway":
                continue
            # (a request by group is compared with the plain request by group)
            against = "statistics_by_group" if name.startswith("statistics_by_group_") else "statistics"
            base = figures.get(against, {}).get("median_ms") or default
            ratio = round(f["median_ms"] / base, 2) if base else None
            target = verdict(ratio, "≤", 3) if name.endswith(("_as_of", "_known_at")) else "—"
            rows.append((f"`{name}`, {n:,} pathways (in process, cold, median of {q['runs']})",
                         f"{f['median_ms']} ms (max {f['max_ms']})",
                         f"one pathway's events read back: {bare.get('median_ms')} ms" if name == "statistics" else "",
                         "" if name == "statistics" else f"{ratio}× `{against}`", target))
    if len(by_size) > 1:
        small, large = by_size[0], by_size[-1]
        for name, f in large["queries"].items():
            if name == "bare_read_one_pathway" or name not in small["queries"]:
                continue
            growth = round(f["median_ms"] / small["queries"][name]["median_ms"], 2)
            rows.append((f"`{name}`: {large['people']:,} pathways over {small['people']:,}", "", "",
                         f"{growth}×", verdict(growth, "≤", 1.5) if name == "statistics" else "—"))
    return rows


def _rows_agenda(report: dict) -> list[tuple]:
    if "agenda" not in report:
        return []
    a = report["agenda"]
    rows = [(f"agenda inputs of {f['group']} ({f['group_pathways']:,} pathways, {f['agenda_items']:,} on the agenda), "
             f"{f['people']:,} pathways in all (in process, cold, median of {a['runs']})",
             f"{f['median_ms']} ms (max {f['max_ms']})",
             f"the group's pathways read back and decoded: {f['bare_group_read_median_ms']:,} ms",
             f"{f['median_ms'] / f['bare_group_read_median_ms']:.3f}×", "") for f in a["sizes"]]
    small, large = a["sizes"][0], a["sizes"][-1]
    same = "the same agenda at both sizes" if a["same_agenda_at_every_size"] else "**the agendas differ**"
    rows.append((f"the agenda: {large['people']:,} pathways over {small['people']:,} ({same}; "
                 f"plan: {'; '.join(large['plan'])})", "", "", f"{a['growth']}×",
                 verdict(a["growth"], "≤", a["target_growth"])))
    return rows


def _rows_load(report: dict) -> list[tuple]:
    seconds = ", ".join(f"{part} {s:.0f} s" for part, s in report.get("seconds", {}).items())
    load, cpus = report["load_average"], report["machine"]["cpus"]
    busy = "other work was running" if max(load["start"], load["end"]) > cpus else "a quiet machine"
    return [("load average (1 min) of the run",
             f"start {load['start']}, end {load['end']} ({cpus} cores; {busy})", "", "", ""),
            ("wall time of each part", seconds, "", "", "")]


#: The table's parts, in order: each turns its part of the report into rows (figure,
#: casecommittee, bare eventsourcing, ratio, target); a new part adds its function here.
TABLE_ROWS = [_rows_write, _rows_mixed, _rows_rebuild, _rows_agenda, _rows_queries, _rows_load]


def table(report: dict) -> str:
    """The report as the README's table (markdown): each figure beside its bare reference, each
    target's verdict computed from the figures."""
    lines = ["| figure | casecommittee | bare eventsourcing, same run | ratio | target |",
             "|---|---|---|---|---|"]
    for rows in TABLE_ROWS:
        lines.extend("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows(report))
    return "\n".join(lines)


def main() -> None:
    """Runs the benchmarks asked for; saves the JSON report and prints the table."""
    import agenda
    import mixed_load

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("part", nargs="*", help="write, mixed, rebuild, agenda, queries (default: all)")
    parser.add_argument("--people", type=int, nargs="+", default=[10_000, 50_000],
                        help="pathways of the stores (the rebuild runs on the largest)")
    parser.add_argument("--write-people", type=int, default=1_000, help="pathways per demo-write run")
    parser.add_argument("--runs", type=int, default=3, help="demo-write runs (the queries and the agenda: 9)")
    parser.add_argument("--rebuild-runs", type=int, default=2,
                        help="rounds of the four replays (each ~40 s at 50,000 pathways)")
    mixed_load.add_arguments(parser)
    args = parser.parse_args()
    parts = ("write", "rebuild", "queries", "mixed", "agenda")
    args.part = args.part or list(parts)
    unknown = set(args.part) - set(parts)
    if unknown:
        parser.error(f"unknown part(s) {', '.join(sorted(unknown))}: choose {', '.join(parts)}")
    RESULTS.mkdir(exist_ok=True)
    report = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
              "date": datetime.now(UTC).isoformat(timespec="seconds"),
              "command": "python bench/run.py " + " ".join(sys.argv[1:]),
              "load_average": {"start": _load()}, "seconds": {}}

    def timed(part: str, measure) -> None:
        started = time.perf_counter()
        report[part] = measure()
        report["seconds"][part] = round(time.perf_counter() - started, 1)

    timed("stores", lambda: [str(territory(people, args.seed)) for people in args.people])
    if "write" in args.part:
        timed("write", lambda: bench_write(args.write_people, args.runs))
    if "mixed" in args.part:
        timed("mixed", lambda: mixed_load.bench_mixed(args.people, args))
    if "rebuild" in args.part:
        timed("rebuild", lambda: bench_rebuild(max(args.people), args.rebuild_runs))
    if "agenda" in args.part:
        timed("agenda", lambda: agenda.bench_agenda(args.people, max(args.runs, 9), args.seed))
    if "queries" in args.part:
        timed("queries", lambda: bench_queries(args.people, max(args.runs, 9)))
    report["load_average"]["end"] = _load()
    path = save_report("report", report)
    print(table(report))
    print(f"\n(report: {path})")


if __name__ == "__main__":
    main()
