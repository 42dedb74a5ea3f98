"""Mixed read/write load over HTTP, every figure beside the bare eventsourcing library's, same run.

    python bench/mixed_load.py                        # 10,000 and 50,000 pathways
    python bench/mixed_load.py --people 10000 --serial 70 --concurrent 280   # a quick look

For each size, on a scratch copy of bench/run.py's cached store (generated once per size and
seed), `casecommittee serve --workers 2 --no-jobs` (gunicorn, inline projections), loopback:

- **serial** (one client, taking turns): a step write (the kinds that change the statistics in
  turn: orientation, immersion, hire, follow-up, rupture, exit, correction; by a co-pilot of
  "Jeunes décrocheurs", each pathway written once), then a statistics request (in turn: plain,
  `by=group`, `as_of` six months back, `known_at` three months back; the write before it moved
  the read models, so no statistics cache can answer it), then, in this process, the bare
  library loading an aggregate of a pathway's length and saving one more event to it (same
  cipher, compressor and SQLite settings). Median, p99 and maximum of each, and the write's
  ratio to the bare save+load (target: ≤ 5×).
- **concurrent** (8 clients): the same writes with a statistics request every fourth request;
  the writes per second, against the bare library saving one event a call for the same time,
  in as many processes as the server has workers (one SQLite file, like the server's) and in
  one (the higher is the reference; target: ≥ 0.25×).
- **scale-out** (8 clients, the configuration the README documents for several web processes):
  the same server restarted with `CASECOMMITTEE_PROJECTIONS=worker` (its workers only save)
  beside one `casecommittee project --follow` process projecting in batches (polling every
  `--worker-interval` seconds when idle, 1 by default); as many writes of
  the same mix as the writes-only part. The rate counts the time until the read models have
  applied the last write (the worker's catch-up included), the CPU a write all three server
  processes (split web / worker); the reference is the same bare rate as above (measured
  before the inline load and after this one). Its own ratio: the issue's target is judged on
  the default, inline, figure.

The 1-minute load average is read before and after each part: the machine is shared, so only
the ratios of one run mean something.
"""

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import api_load  # noqa: E402  (the server, the HTTP client, the percentiles)
import run  # noqa: E402  (the cached stores, the bare aggregate and application)
import step_mix  # noqa: E402

from casecommittee.bootstrap import bootstrap  # noqa: E402
from casecommittee.config import Settings  # noqa: E402
from casecommittee.demo import create_territory  # noqa: E402
from casecommittee.stores.auth import Tokens  # noqa: E402

GROUP = api_load.GROUP
API = api_load.API
#: The length of the bare aggregates: about a pathway's (the national store's mean is ~5.9).
BARE_LENGTH = 6
TARGETS = {"write_p50_over_bare_save_and_load": 5.0, "concurrent_writes_over_bare_saves": 0.25}


def load_average() -> float:
    """The 1-minute load average (2 means both cores busy)."""
    return round(os.getloadavg()[0], 2)


def latencies(values: list[float]) -> dict:
    """Median, p99 and maximum (ms)."""
    if not values:
        return {"count": 0}
    return {"count": len(values), "p50_ms": round(statistics.median(values), 2),
            "p99_ms": round(api_load._percentile(values, 99), 2), "max_ms": round(max(values), 2)}


# ---- the bare library ----------------------------------------------------------------------

class BareStore:
    """The bare library on a scratch SQLite file: aggregates of a pathway's length."""

    def __init__(self, scratch: Path, like_data_dir: Path, aggregates: int):
        like = types.SimpleNamespace(
            settings=Settings.from_env({"CASECOMMITTEE_DATA_DIR": str(like_data_dir)}))
        self.app = run._bare_app(scratch, like)
        self.ids = []
        for _ in range(aggregates):
            aggregate = run.BareStep(0)
            for n in range(1, BARE_LENGTH):
                aggregate.step(n)
            self.app.save(aggregate)
            self.ids.append(aggregate.id)
        self.next = 0

    def save_and_load(self) -> float:
        """Loads the next aggregate, adds one event, saves it; milliseconds."""
        aggregate_id = self.ids[self.next % len(self.ids)]
        self.next += 1
        started = time.perf_counter()
        aggregate = self.app.repository.get(aggregate_id)
        aggregate.step(aggregate.n + 1)
        self.app.save(aggregate)
        return (time.perf_counter() - started) * 1000

    def close(self) -> None:
        """Closes the store."""
        self.app.close()


def _bare_saves_for(env: dict, seconds: float, start_at: float, queue) -> None:
    app = run.Application(env=env)
    aggregate = run.BareStep(0)
    app.save(aggregate)
    while time.time() < start_at:
        time.sleep(0.001)
    count, deadline, cpu = 0, start_at + seconds, time.process_time()
    while time.time() < deadline:
        aggregate.step(count)
        app.save(aggregate)
        count += 1
    cpu = time.process_time() - cpu
    app.close()
    queue.put((count, cpu))


def bare_saves(env: dict, processes: int, seconds: float) -> dict:
    """The bare library saving one event a call in `processes` processes at once (one SQLite
    file), each its own aggregate, for `seconds`: saves a second and CPU milliseconds a save."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    start_at = time.time() + 2.0  # after every process has imported and opened the store
    workers = [context.Process(target=_bare_saves_for, args=(env, seconds, start_at, queue))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    count, cpu = sum(r[0] for r in results), sum(r[1] for r in results)
    return {"saves_per_s": round(count / seconds, 1),
            "cpu_ms_per_save": round(cpu * 1000 / count, 3) if count else None}


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of one process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ProjectionWorker:
    """`casecommittee project --follow` on the scratch store (the scale-out's projection
    worker), stopped on exit."""

    def __init__(self, data_dir: Path, interval: float):
        env = {k: v for k, v in os.environ.items() if not k.startswith("CASECOMMITTEE_")}
        env.update({"CASECOMMITTEE_DATA_DIR": str(data_dir), "CASECOMMITTEE_PROJECTIONS": "worker"})
        self.log_path = data_dir.parent / "projection-worker.log"
        self._log = open(self.log_path, "wb")
        command = [str(Path(sys.executable).parent / "casecommittee"), "project", "--follow",
                   "--interval", str(interval)]
        self.process = subprocess.Popen(command, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def cpu_seconds(self) -> float:
        """Its CPU time so far."""
        return process_cpu_seconds(self.process.pid)

    def check(self) -> None:
        """Raises if it exited."""
        if self.process.poll() is not None:
            self._log.flush()
            raise RuntimeError(f"the projection worker exited ({self.process.returncode}):\n"
                               + self.log_path.read_text(errors="replace")[-3000:])

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM, then SIGKILL after `timeout`."""
        api_load.stop_process(self.process, self._log, timeout)


class Positions:
    """The log's end and the read models' position, read as a reader of the store would (the
    benchmark's own connections: its CPU is not the server's)."""

    def __init__(self, data_dir: Path):
        self.system = bootstrap(Settings.from_env({"CASECOMMITTEE_DATA_DIR": str(data_dir)}),
                                inline_projections=False)

    def log_end(self) -> int:
        """The last notification's id."""
        return self.system.app.recorder.max_notification_id() or 0

    def applied(self) -> int:
        """The last notification the read models applied."""
        return self.system.projections.position()

    def wait_until(self, position: int, timeout: float, worker: ProjectionWorker,
                   poll: float = 0.005) -> float:
        """Waits until the read models applied `position`; the perf_counter time it was seen."""
        deadline = time.monotonic() + timeout
        while self.applied() < position:
            worker.check()
            if time.monotonic() > deadline:
                raise RuntimeError(f"the read models did not reach {position} within {timeout} s "
                                   f"(at {self.applied()})")
            time.sleep(poll)
        return time.perf_counter()

    def close(self) -> None:
        """Closes the store."""
        self.system.close()


def scale_out(data_dir: Path, store: dict, jobs: list, warm: list, clients: int, workers: int,
              interval: float, today: date) -> dict:
    """The scale-out configuration: `serve --workers N --no-jobs` with
    CASECOMMITTEE_PROJECTIONS=worker and one `project --follow` process, on the same store.
    `clients` clients send `jobs` (writes only); the rate is the writes over the time from the
    first request until the read models applied the log's end as it stood after the last
    write; the CPU a write counts every server process (web workers, their master, the
    projection worker) over the same time."""
    positions = Positions(data_dir)
    worker = ProjectionWorker(data_dir, interval)
    server = None
    try:
        positions.wait_until(positions.log_end(), 120, worker)  # (caught up before it starts)
        server = api_load.Server(data_dir, workers, store_env={"CASECOMMITTEE_PROJECTIONS": "worker"},
                                 log_name="server-scale-out.log")
        # warm-up (not measured): each web worker's and the projection worker's code paths
        api_load.load(server.port, [write_job(k, p, n, store, today) for n, (k, p) in enumerate(warm)],
                      2, 300, server)
        positions.wait_until(positions.log_end(), 120, worker)
        requests = [write_job(kind, pathway_id, n, store, today)
                    for n, (kind, pathway_id) in enumerate(jobs, start=len(warm))]
        start_position = positions.log_end()
        behind: list[int] = []
        sampling = threading.Event()

        def sample() -> None:  # how far the read models trail the log, every 50 ms
            while not sampling.wait(0.05):
                behind.append(positions.log_end() - positions.applied())

        sampler = threading.Thread(target=sample, daemon=True)
        web_cpu, worker_cpu = server.cpu_seconds(), worker.cpu_seconds()
        started = time.perf_counter()
        sampler.start()
        loaded = api_load.load(server.port, requests, clients, 600, server)
        http_done = time.perf_counter()
        end_position = positions.log_end()
        caught_up = positions.wait_until(end_position, 600, worker)
        sampling.set()
        sampler.join()
        web_cpu, worker_cpu = server.cpu_seconds() - web_cpu, worker.cpu_seconds() - worker_cpu
        writes_done = sum(v["statuses"].get("201", 0) for k, v in loaded.get("by", {}).items()
                          if k.startswith("write:"))
        wall = caught_up - started

        def per_write(cpu: float) -> float | None:
            return round(cpu * 1000 / writes_done, 3) if writes_done else None

        return {
            "configuration": f"serve --workers {workers} --no-jobs, CASECOMMITTEE_PROJECTIONS=worker; "
                             f"casecommittee project --follow --interval {interval}",
            "writes": writes_done, "events": end_position - start_position,
            "writes_per_s": round(writes_done / wall, 1) if wall else None,
            "wall_s": round(wall, 3),
            "http_writes_per_s": round(writes_done / (http_done - started), 1),
            "catch_up_after_last_write_s": round(caught_up - http_done, 3),
            "behind_max": max(behind, default=0),
            "behind_median": statistics.median(behind) if behind else 0,
            "load": loaded,
            "server_cpu_ms_per_write": per_write(web_cpu + worker_cpu),
            "web_cpu_ms_per_write": per_write(web_cpu),
            "worker_cpu_ms_per_write": per_write(worker_cpu),
            "worker_cpu_ms_per_event": round(worker_cpu * 1000 / (end_position - start_position), 3)
            if end_position > start_position else None,
        }
    finally:
        if server is not None:
            server.stop()
        worker.stop()
        positions.close()


# ---- the store and its writes ----------------------------------------------------------------

def prepare(people: int, seed: int, scratch: Path) -> dict:
    """A scratch copy of the cached store, tokens, and the pathways each kind writes to."""
    data_dir = scratch / "data"
    api_load.copy_store(run.territory(people, seed), data_dir)
    system = bootstrap(Settings.from_env({"CASECOMMITTEE_DATA_DIR": str(data_dir)}),
                       inline_projections=False)
    try:
        territory = create_territory(system.reference)
        issuer = Tokens(system.engine)
        group = next(g for g in territory.groups if g["name"] == GROUP)
        copilot = territory.users[f"copilot:{GROUP}:0"]
        referent = territory.users[f"referent:{GROUP}:0"]
        tokens = {"copilot": issuer.issue(copilot["id"]),
                  "auditor": issuer.issue(territory.users["auditor"]["id"])}
        pools = step_mix.pools(system.engine, group["id"], seed)
    finally:
        system.close()
    return {"data_dir": data_dir, "tokens": tokens, "pools": pools, "referent": referent}


def write_job(kind: str, pathway_id: str, n: int, store: dict, today: date) -> api_load.Job:
    """The request writing the n-th step (of `kind`) to a pathway."""
    referent = store["referent"]
    return api_load.Job(
        method="POST", path=f"{API}/pathways/{pathway_id}/steps", token=store["tokens"]["copilot"],
        body=step_mix.body(kind, n, today, GROUP, referent["structure_id"], referent["id"]),
        label=f"write:{kind}")


def statistics_job(n: int, store: dict, today: date) -> api_load.Job:
    """The n-th statistics request: plain, by group, as of six months back, known three
    months back, in turn (a co-pilot and the auditor in turn)."""
    variants = ("", "?by=group", f"?as_of={today - timedelta(days=182)}",
                f"?known_at={datetime.combine(today - timedelta(days=91), datetime.min.time(), UTC).isoformat().replace('+', '%2B')}")
    names = ("plain", "by_group", "as_of", "known_at")
    token = store["tokens"]["copilot" if n % 2 else "auditor"]
    return api_load.Job(method="GET", path=f"{API}/statistics{variants[n % 4]}", token=token,
                        body=None, label=f"statistics:{names[n % 4]}")


# ---- the two parts ---------------------------------------------------------------------------

def serial(server, store: dict, jobs: list, bare: BareStore, today: date) -> dict:
    """One client: a write, a statistics request, a bare save+load, in turn."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    times: dict[str, list[float]] = {"write": [], "statistics": [], "bare_save_and_load": []}
    by_label: dict[str, list[float]] = {}
    statuses, failures = Counter(), []
    for n, (kind, pathway_id) in enumerate(jobs):
        for job in (write_job(kind, pathway_id, n, store, today), statistics_job(n, store, today)):
            started = time.perf_counter()
            status, body = api_load._call(conn, job)
            elapsed = (time.perf_counter() - started) * 1000
            statuses[f"{job.label.split(':')[0]}:{status}"] += 1
            if 200 <= status < 300:
                times[job.label.split(":")[0]].append(elapsed)
                by_label.setdefault(job.label, []).append(elapsed)
            elif len(failures) < 5:
                failures.append(f"{job.method} {job.path} -> {status}: {body[:300]!r}")
        times["bare_save_and_load"].append(bare.save_and_load())
    conn.close()
    figures = {name: latencies(values) for name, values in times.items()}
    figures["by_request"] = {label: latencies(values) for label, values in sorted(by_label.items())}
    figures["statuses"] = dict(sorted(statuses.items()))
    if failures:
        figures["first_failures"] = failures
    bare_p50 = figures["bare_save_and_load"]["p50_ms"]
    figures["ratios_to_bare_save_and_load_p50"] = {
        name: round(figures[name]["p50_ms"] / bare_p50, 2) for name in ("write", "statistics")
        if figures[name].get("p50_ms")}
    return figures


def concurrent(server, store: dict, jobs: list, clients: int, bare_env: dict, workers: int,
               today: date, then=None) -> dict:
    """`clients` clients: the first half of the writes alone, then the second half with a
    statistics request every fourth request; then `then()` (the scale-out configuration, its
    figures under "scale_out"), then the bare library's save rate for as long, in `workers`
    processes and in one."""
    half = len(jobs) // 2
    alone = [write_job(kind, pathway_id, n, store, today) for n, (kind, pathway_id) in enumerate(jobs[:half])]
    mixed, n_statistics = [], 0
    for n, (kind, pathway_id) in enumerate(jobs[half:], start=half):
        mixed.append(write_job(kind, pathway_id, n, store, today))
        if n % 3 == 2:
            mixed.append(statistics_job(n_statistics, store, today))
            n_statistics += 1
    figures = {"clients": clients}
    # The bare rate moves with the disk's other traffic (its saves wait on the commit), so it
    # is measured just before and just after the HTTP load, in `workers` processes and in
    # one, and the load is compared with the mean of the higher of each pair.
    seconds = 5.0
    before = [bare_saves(bare_env, workers, seconds), bare_saves(bare_env, 1, seconds)]
    for name, requests in (("writes_only", alone), ("with_statistics", mixed)):
        loaded = api_load.load(server.port, requests, clients, 600, server)
        write_labels = {k: v for k, v in loaded.get("by", {}).items() if k.startswith("write:")}
        writes_done = sum(v["statuses"].get("201", 0) for v in write_labels.values())
        figures[name] = {"writes_per_s": round(writes_done / loaded["wall_s"], 1), "load": loaded,
                         # (unrounded: 0.1 s of rounding over 350 writes was 0.29 ms a write)
                         "server_cpu_ms_per_write": round(loaded["server_cpu_s"] * 1000 / writes_done, 3)
                         if writes_done else None}
    if then is not None:
        figures["scale_out"] = then()
    after = [bare_saves(bare_env, workers, seconds), bare_saves(bare_env, 1, seconds)]
    best = [max(pair, key=lambda b: b["saves_per_s"]) for pair in (before, after)]
    reference = statistics.mean(b["saves_per_s"] for b in best)
    bare_cpu = statistics.mean(b["cpu_ms_per_save"] for b in before + after if b["cpu_ms_per_save"])
    figures["bare_saves"] = {
        "processes": workers, "seconds": seconds, "before": before, "after": after,
        "reference_saves_per_s": round(reference, 1), "cpu_ms_per_save": round(bare_cpu, 3)}
    for name in ("writes_only", "with_statistics"):
        figures[name]["ratio_to_bare_saves"] = round(figures[name]["writes_per_s"] / reference, 3)
        cpu = figures[name]["server_cpu_ms_per_write"]
        figures[name]["cpu_ratio_bare_to_write"] = round(bare_cpu / cpu, 3) if cpu else None
    if "scale_out" in figures:
        part = figures["scale_out"]
        part["ratio_to_bare_saves"] = round(part["writes_per_s"] / reference, 3)
        part["cpu_ratio_bare_to_write"] = round(bare_cpu / part["server_cpu_ms_per_write"], 3)
    return figures


def one_size(people: int, args) -> dict:
    """Both parts on a scratch copy of the store of `people` pathways."""
    scratch = Path(tempfile.mkdtemp(prefix="casecommittee-mixed-"))
    server = None
    try:
        started = time.perf_counter()
        store = prepare(people, args.seed, scratch)
        run.log(f"{people}: store ready in {time.perf_counter() - started:.0f} s; pools "
                f"{ {k: len(v) for k, v in store['pools'].items()} }")
        scale_out_writes = args.concurrent // 2 if args.scale_out else 0
        jobs = list(step_mix.dealt(store["pools"], args.serial + args.concurrent + 28 + scale_out_writes))
        warm, warm_scale_out, jobs = jobs[:14], jobs[14:28], jobs[28:]
        jobs, scale_out_jobs = jobs[:len(jobs) - scale_out_writes], jobs[len(jobs) - scale_out_writes:]
        server = api_load.Server(store["data_dir"], args.workers)
        today = date.today()
        bare = BareStore(scratch, store["data_dir"], aggregates=500)
        # warm-up (not measured): each worker's code paths, each kind once
        api_load.load(server.port, [write_job(k, p, n, store, today) for n, (k, p) in enumerate(warm)]
                      + [statistics_job(n, store, today) for n in range(4)], 2, 300, server)
        result = {"people": people, "load_average": {"start": load_average()}}
        result["serial"] = serial(server, store, jobs[:args.serial], bare, today)
        result["load_average"]["after_serial"] = load_average()
        run.log(f"{people} serial: {json.dumps(result['serial']['ratios_to_bare_save_and_load_p50'])}")
        bare_env = dict(bare.app.env)
        bare_env["SQLITE_DBNAME"] = str(scratch / "bare-rate.sqlite")

        def then() -> dict:  # the inline server stops; the scale-out runs on the same store
            server.stop()
            return scale_out(store["data_dir"], store, scale_out_jobs, warm_scale_out, args.clients,
                             args.workers, args.worker_interval, today)

        result["concurrent"] = concurrent(server, store, jobs[args.serial:], args.clients,
                                          bare_env, args.workers, today,
                                          then if args.scale_out else None)
        result["load_average"]["end"] = load_average()
        for name in ("writes_only", "with_statistics"):
            part = result["concurrent"][name]
            run.log(f"{people} concurrent, {name}: {part['writes_per_s']} writes/s, ratio "
                    f"{part['ratio_to_bare_saves']}")
        if "scale_out" in result["concurrent"]:
            part = result["concurrent"]["scale_out"]
            run.log(f"{people} scale-out: {part['writes_per_s']} writes/s until caught up "
                    f"(HTTP alone {part['http_writes_per_s']}, caught up "
                    f"{part['catch_up_after_last_write_s']} s after), ratio {part['ratio_to_bare_saves']}; "
                    f"CPU a write {part['server_cpu_ms_per_write']} ms (web {part['web_cpu_ms_per_write']}, "
                    f"worker {part['worker_cpu_ms_per_write']})")
        bare.close()
        return result
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def bench_mixed(sizes: list[int], args) -> dict:
    """The mixed load at each size."""
    return {"sizes": [one_size(people, args) for people in sizes],
            "targets": TARGETS, "setup": {"workers": args.workers, "clients": args.clients,
                                          "group": GROUP, "bare_aggregate_length": BARE_LENGTH}}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The mixed load's options (shared with bench/run.py)."""
    parser.add_argument("--serial", type=int, default=140, help="writes of the one-client part")
    parser.add_argument("--concurrent", type=int, default=700, help="writes of the 8-client part")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--seed", type=int, default=2020, help="the cached store's seed")
    parser.add_argument("--no-scale-out", dest="scale_out", action="store_false",
                        help="leave out the scale-out configuration (projection worker)")
    parser.add_argument("--worker-interval", type=float, default=1.0,
                        help="the projection worker's polling interval when idle (project --follow --interval; 1 s, as its default and `casecommittee worker` on SQLite)")


def main() -> None:
    """Runs the mixed load at each size; prints and saves the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--people", type=int, nargs="+", default=[10_000, 50_000])
    add_arguments(parser)
    args = parser.parse_args()
    report = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
              "date": datetime.now(UTC).isoformat(timespec="seconds"),
              "command": "python bench/mixed_load.py " + " ".join(sys.argv[1:]),
              "mixed": bench_mixed(args.people, args)}
    run.save_report("mixed", report)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
