"""SQLite and PostgreSQL side by side, on the same generated territory, in the same run.

    scripts/with-postgres .venv/bin/python bench/backends.py                  # make bench-pg
    scripts/with-postgres .venv/bin/python bench/backends.py --people 2000 --writes 80   # a quick look

The PostgreSQL server is the one `scripts/with-postgres` starts for the tests (a throw-away
Debian PostgreSQL, `fsync`, `synchronous_commit` and `full_page_writes` off; SQLite runs with
WAL and `synchronous=NORMAL`, which does not sync at each commit either). Its URL comes in
CASECOMMITTEE_TEST_DATABASE_URL. Each figure is measured on both backends, one after the other:

- **demo writes**: `casecommittee demo`'s generator on an empty store (rules, identities
  encrypted into the personal-data store, one atomic save a pathway), events per second.
- **HTTP step writes, 8 clients, two nodes**: two `casecommittee serve --workers 1 --no-jobs`
  on the same store (inline projections), 4 clients on each, the step mix of
  `bench/step_mix.py` (orientation, immersion, hire, follow-up, rupture, exit, correction).
- **rebuild**: `casecommittee rebuild` in this process (one partition per core), wall clock,
  median of `--runs`.
- **swap**: during those rebuilds, another process asks for the default statistics in a loop;
  the longest of its reads that overlapped a rebuild's swap (drop the live read models, rename
  the staging tables in their place, with the position, in one transaction), against its
  other reads. On PostgreSQL the swap's locks make a reader of the live tables wait for it to
  commit; on SQLite (WAL) a reader goes on reading the old tables.
- **statistics and agenda**: `compute_statistics` (default, `by=group`, `known_at` three
  months back) and `agenda_inputs` for one group, in process, median of 9.

The territory is the demo generator's, same size and seed on both: the SQLite one is bench/run.py's
cached store (copied to a scratch directory), the PostgreSQL one is generated the same way in
a database of the throw-away server.
"""

import argparse
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import api_load  # noqa: E402  (the server and the HTTP load)
import mixed_load  # noqa: E402  (the step writes' requests)
import run  # noqa: E402  (the cached SQLite territory)
import step_mix  # noqa: E402
from eventsourcing.cryptography import AESCipher  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from casecommittee.bootstrap import bootstrap  # noqa: E402
from casecommittee.clock import FixedClock  # noqa: E402
from casecommittee.config import Settings  # noqa: E402
from casecommittee.demo import create_territory, generate  # noqa: E402
from casecommittee.projections.staging import Staging  # noqa: E402
from casecommittee.queries.agenda import agenda_inputs  # noqa: E402
from casecommittee.queries.statistics import StatisticsQuery, compute_statistics  # noqa: E402
from casecommittee.stores.auth import Tokens  # noqa: E402
from casecommittee.stores.reference import groups  # noqa: E402

TODAY = run.TODAY
GROUP = api_load.GROUP
BACKENDS = ("sqlite", "postgresql")


class Stores:
    """Stores of each backend: SQLite data directories, PostgreSQL databases of the server."""

    def __init__(self, server_url: str, scratch: Path):
        self.server = make_url(server_url).set(drivername="postgresql+psycopg")
        self.admin = create_engine(self.server, isolation_level="AUTOCOMMIT")
        self.scratch = scratch
        # (on PostgreSQL the keys are given, not generated into a node's data directory)
        self.keys = {"CASECOMMITTEE_CIPHER_KEY": AESCipher.create_key(32),
                     "CASECOMMITTEE_PERSONAL_DATA_KEY": AESCipher.create_key(32),
                     "CASECOMMITTEE_IDENTITY_INDEX_KEY": AESCipher.create_key(32)}

    def empty(self, backend: str, name: str) -> dict:
        """The CASECOMMITTEE_* variables of a new, empty store."""
        data_dir = self.scratch / f"{backend}-{name}"
        data_dir.mkdir(parents=True)
        env = {"CASECOMMITTEE_DATA_DIR": str(data_dir)}
        if backend == "postgresql":
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            env.update(self.keys)
            env["CASECOMMITTEE_DATABASE_URL"] = self.server.set(
                database=name, drivername="postgresql").render_as_string(hide_password=False)
        return env

    def territory(self, backend: str, people: int, seed: int) -> dict:
        """A store holding the demo territory of `people` pathways (same seed on both)."""
        if backend == "sqlite":
            env = {"CASECOMMITTEE_DATA_DIR": str(self.scratch / f"sqlite-territory-{people}")}
            api_load.copy_store(run.territory(people, seed), Path(env["CASECOMMITTEE_DATA_DIR"]))
            return env
        env = self.empty(backend, f"territory_{people}")
        system = open_system(env)
        started = time.perf_counter()
        run.fill_territory(system, people, seed)  # as the SQLite one: same generator, same fixed group
        system.projections.bring_up_to_date()
        system.close()
        run.log(f"postgresql territory of {people} ready in {time.perf_counter() - started:.0f} s")
        return env

    def close(self) -> None:
        self.admin.dispose()


def open_system(env: dict, inline: bool = False):
    """The system on a store (its projections caught up by hand unless `inline`)."""
    return bootstrap(Settings.from_env(env), clock=FixedClock(TODAY), inline_projections=inline)


def _median(values):
    return round(statistics.median(values), 1)


# ---- the figures -------------------------------------------------------------------------------

def demo_writes(stores: Stores, backend: str, people: int, runs: int) -> dict:
    """The demo generator's events per second on an empty store (median of `runs`)."""
    rates = []
    for n in range(runs):
        system = open_system(stores.empty(backend, f"write_{n}"))
        started = time.perf_counter()
        events = sum(p.version for p in generate(system.app, system.reference, system.personal_data,
                                                 people=people, seed=n + 1, today=TODAY))
        rates.append(events / (time.perf_counter() - started))
        system.close()
    return {"people": people, "events_per_s": _median(rates), "runs": [round(r) for r in rates]}


def http_writes(env: dict, writes: int, clients: int, seed: int, scratch: Path) -> dict:
    """Step writes from `clients` clients spread over two nodes (`serve --workers 1 --no-jobs`
    each) on the same store: writes per second, latencies."""
    system = open_system(env)
    try:
        territory = create_territory(system.reference)
        issuer = Tokens(system.engine)
        group = next(g for g in territory.groups if g["name"] == GROUP)
        referent = territory.users[f"referent:{GROUP}:0"]
        store = {"tokens": {"copilot": issuer.issue(territory.users[f"copilot:{GROUP}:0"]["id"]),
                            "auditor": issuer.issue(territory.users["auditor"]["id"])},
                 "referent": referent}
        pools = step_mix.pools(system.engine, group["id"], seed)
    finally:
        system.close()
    jobs = [mixed_load.write_job(kind, pid, n, store, TODAY)
            for n, (kind, pid) in enumerate(step_mix.dealt(pools, writes + 14))]
    warm, jobs = jobs[:14], jobs[14:]
    data_dir = Path(env["CASECOMMITTEE_DATA_DIR"])
    nodes = [api_load.Server(data_dir, 1, store_env=env, log_name=f"node-{k}.log") for k in (1, 2)]
    try:
        for node in nodes:
            api_load.load(node.port, warm[:7] if node is nodes[0] else warm[7:], 1, 300, node)
        halves, results = (jobs[0::2], jobs[1::2]), [None, None]

        def one_node(k):
            results[k] = api_load.load(nodes[k].port, halves[k], clients // 2, 600, nodes[k])

        threads = [threading.Thread(target=one_node, args=(k,)) for k in (0, 1)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    finally:
        for node in nodes:
            node.stop()
    done = sum(r["statuses"].get("201", 0) for r in results)
    failed = [f for r in results for f in r.get("first_failures", [])]
    return {"clients": clients, "nodes": 2, "writes": done, "seconds": round(wall, 1),
            "writes_per_s": round(done / wall, 1),
            "p50_ms": max(r["p50_ms"] for r in results), "p99_ms": max(r["p99_ms"] for r in results),
            **({"first_failures": failed[:3]} if failed else {})}


def _reader(env: dict, stop, queue) -> None:
    """Asks for the default statistics in a loop until `stop`; sends (start, end) of each."""
    system = open_system(env)
    times = []
    try:
        while not stop.is_set():
            started = time.monotonic()
            compute_statistics(system.engine, StatisticsQuery(), TODAY)
            times.append((started, time.monotonic()))
    finally:
        system.close()
        queue.put(times)


def rebuild_and_swap(env: dict, runs: int) -> dict:
    """Rebuilds `runs` times, timing each, while a reader process asks for the default
    statistics in a loop: its reads that overlapped each rebuild's swap, against the others."""
    seconds, swaps = [], []
    swap = Staging.swap

    def timed_swap(self, conn, *first):
        started = time.monotonic()
        try:
            return swap(self, conn, *first)
        finally:
            swaps.append((started, time.monotonic()))

    context = multiprocessing.get_context("fork")
    stop, queue = context.Event(), context.Queue()
    reader = context.Process(target=_reader, args=(env, stop, queue))
    Staging.swap = timed_swap
    try:
        system = open_system(env)
        events = system.app.recorder.max_notification_id()
        reader.start()
        time.sleep(3)  # its first reads: the normal latency
        for _ in range(runs):
            started = time.perf_counter()
            system.projections.rebuild()
            seconds.append(time.perf_counter() - started)
            time.sleep(1)
        stop.set()
        reads = queue.get(timeout=120)
        reader.join()
        system.close()
    finally:
        Staging.swap = swap

    def overlaps(read, window):
        return read[0] < window[1] and read[1] > window[0]

    during = [max([(b - a) * 1000 for a, b in reads if overlaps((a, b), w)], default=0.0)
              for w in swaps]
    normal = [(b - a) * 1000 for a, b in reads if not any(overlaps((a, b), w) for w in swaps)]
    median = statistics.median(seconds)
    return {"events": events, "seconds": round(median, 2), "events_per_s": round(events / median),
            "runs_s": [round(s, 2) for s in seconds],
            "swap": {"swap_ms": _median([(b - a) * 1000 for a, b in swaps]),
                     "swaps_ms": [round((b - a) * 1000, 1) for a, b in swaps],
                     "reads": len(reads),
                     "max_read_during_swap_ms": round(max(during), 1),
                     "longest_read_during_each_swap_ms": [round(d, 1) for d in during],
                     "median_read_otherwise_ms": _median(normal),
                     "max_read_otherwise_ms": round(max(normal), 1)}}


def queries(env: dict, runs: int = 9) -> dict:
    """Statistics and agenda latencies, in process (median and maximum of `runs`)."""
    system = open_system(env)
    group = system.reference.rows(groups)[0]
    steering = datetime.combine(TODAY - timedelta(days=91), datetime.min.time(), UTC)
    scope = {"territory_id": group["territory_id"]}  # (as the API scopes a caller)
    cases = {
        "statistics": lambda: compute_statistics(system.engine, StatisticsQuery(**scope), TODAY),
        "statistics_by_group": lambda: compute_statistics(
            system.engine, StatisticsQuery(by="group", **scope), TODAY),
        "statistics_known_at": lambda: compute_statistics(
            system.engine, StatisticsQuery(known_at=steering, **scope), TODAY),
        "agenda_inputs_one_group": lambda: agenda_inputs(system.engine, group["id"], TODAY),
    }
    figures = {}
    for name, case in cases.items():
        case()  # (a first read warms the caches of both)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            case()
            times.append((time.perf_counter() - started) * 1000)
        figures[name] = {"median_ms": _median(times), "max_ms": round(max(times), 1)}
    system.close()
    return figures


# ---- the report --------------------------------------------------------------------------------

def table(report: dict) -> str:
    """The figures side by side (markdown)."""
    s, p = report["sqlite"], report["postgresql"]
    rows = [("| figure | SQLite | PostgreSQL | PostgreSQL / SQLite |"), "|---|---|---|---|"]

    def add(label, a, b, unit, higher_is_better):
        ratio = (b / a) if a else None
        rows.append(f"| {label} | {a:,} {unit} | {b:,} {unit} | "
                    f"{f'{ratio:.2f}×' if ratio else '—'}"
                    f"{'' if ratio is None else (' (faster)' if (ratio > 1) == higher_is_better else ' (slower)')} |")

    w = report["people"]
    add(f"demo writes ({s['write']['people']:,} pathways, in process)", s["write"]["events_per_s"],
        p["write"]["events_per_s"], "events/s", True)
    add(f"HTTP step writes, {s['http']['clients']} clients, 2 nodes, {w:,} pathways",
        s["http"]["writes_per_s"], p["http"]["writes_per_s"], "writes/s", True)
    add("… write latency p50", s["http"]["p50_ms"], p["http"]["p50_ms"], "ms", False)
    add("… write latency p99", s["http"]["p99_ms"], p["http"]["p99_ms"], "ms", False)
    add(f"rebuild ({s['rebuild']['events']:,} events, median)", s["rebuild"]["seconds"], p["rebuild"]["seconds"],
        "s", False)
    add("swap step at the end of the rebuild, indexes included (median)", s["rebuild"]["swap"]["swap_ms"], p["rebuild"]["swap"]["swap_ms"],
        "ms", False)
    for label, key in (("statistics read overlapping a swap, longest", "max_read_during_swap_ms"),
                       ("statistics read otherwise, median", "median_read_otherwise_ms"),
                       ("statistics read otherwise, longest", "max_read_otherwise_ms")):
        a, b = s["rebuild"]["swap"][key], p["rebuild"]["swap"][key]
        if a is not None and b is not None:
            add(f"… {label}", a, b, "ms", False)
    for name in s["queries"]:
        add(f"`{name}`, {w:,} pathways (median of 9)", s["queries"][name]["median_ms"],
            p["queries"][name]["median_ms"], "ms", False)
    rows.append(f"| load average (1 min) | start {report['load_average']['start']}, "
                f"end {report['load_average']['end']} | | |")
    return "\n".join(rows)


def main() -> None:
    """Measures both backends; prints the table, saves the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--people", type=int, default=10_000, help="pathways of the territory")
    parser.add_argument("--write-people", type=int, default=1_000, help="pathways per demo-write run")
    parser.add_argument("--writes", type=int, default=280, help="HTTP step writes")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3, help="demo-write runs and rebuilds")
    parser.add_argument("--seed", type=int, default=2020)
    args = parser.parse_args()
    server_url = os.environ.get("CASECOMMITTEE_TEST_DATABASE_URL")
    if not server_url:
        parser.error("no PostgreSQL: run it as `scripts/with-postgres python bench/backends.py`")
    started = time.perf_counter()
    report = {"people": args.people, "command": "python bench/backends.py " + " ".join(sys.argv[1:]),
              "date": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
              "load_average": {"start": round(os.getloadavg()[0], 2)}}
    scratch = Path(tempfile.mkdtemp(prefix="casecommittee-backends-"))
    stores = Stores(server_url, scratch)
    try:
        for backend in BACKENDS:
            figures = report[backend] = {}
            figures["write"] = demo_writes(stores, backend, args.write_people, args.runs)
            run.log(f"{backend} demo writes: {figures['write']}")
            env = stores.territory(backend, args.people, args.seed)
            figures["queries"] = queries(env)
            run.log(f"{backend} queries: {figures['queries']}")
            figures["http"] = http_writes(env, args.writes, args.clients, args.seed, scratch)
            run.log(f"{backend} HTTP writes: {figures['http']}")
            figures["rebuild"] = rebuild_and_swap(env, args.runs)
            run.log(f"{backend} rebuild: {figures['rebuild']}")
    finally:
        stores.close()
        shutil.rmtree(scratch, ignore_errors=True)
    report["load_average"]["end"] = round(os.getloadavg()[0], 2)
    report["seconds"] = round(time.perf_counter() - started)
    path = run.save_report("backends", report)
    print(table(report))
    print(f"\n({report['seconds']} s; report: {path})")


if __name__ == "__main__":
    main()
