"""casecommittee HTTP API under load: step writes, pathway reads and statistics through
`casecommittee serve` (gunicorn), next to the bare eventsourcing library's save latency.

    python bench/api_load.py                          # national store (50,000 pathways), 3 runs
    python bench/api_load.py --people 2000 --runs 1   # a quick look on a small store

The store is bench/run.py's `territory(people)` (built once, then reused), copied to a scratch
directory first so the benchmark's writes never grow the cached store. The server listens on
127.0.0.1 only, on a free port, and is stopped at the end. Each run measures, with `--clients`
concurrent clients (threads, one HTTP connection each):

- writes: POST /api/v1/pathways/{id}/steps (`committee_referral`, today) spread over the open
  pathways of "Jeunes décrocheurs", each pathway written at most once a run, by its referent;
- reads: GET /api/v1/pathways/{id}, round-robin referent / co-pilot / auditor (pseudonym);
- statistics: GET /api/v1/statistics, alternately plain and ?by=group;

then the same three at one client (service time without queueing), and in this process the
bare library's `Application.save` of one event, on a scratch SQLite file with the project's
cipher and compressor. The report gives the median of the per-run figures (JSON on stdout,
also saved as bench/results/api-load-<time>.json).
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402  (bench/run.py: the cached national store and the bare aggregate)

from casecommittee.bootstrap import bootstrap  # noqa: E402
from casecommittee.config import Settings  # noqa: E402
from casecommittee.demo import create_territory  # noqa: E402
from casecommittee.stores.auth import Tokens  # noqa: E402

GROUP = "Jeunes décrocheurs"
TARGETS_MS = {"writes": 50, "reads": 50, "statistics": 300}
API = "/api/v1"
log = run.log


# ---- the store and the server ----------------------------------------------------------------

def copy_store(source: Path, target: Path) -> None:
    """A consistent copy of a data dir: SQLite files through the backup API, the rest as is."""
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.name.endswith(("-wal", "-shm", "-journal")):
            continue  # the backup below carries what the WAL holds
        if path.suffix == ".sqlite":
            src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            dst = sqlite3.connect(target / path.name)
            with dst:
                src.backup(dst)
            src.close()
            dst.close()
        elif path.is_dir():
            shutil.copytree(path, target / path.name)
        else:
            shutil.copy2(path, target / path.name)


def tokens_for(data_dir: Path) -> tuple[dict, str]:
    """Tokens of a referent, a co-pilot of GROUP and the auditor; the group's id."""
    system = bootstrap(Settings.from_env({"CASECOMMITTEE_DATA_DIR": str(data_dir)}),
                       inline_projections=False)
    try:
        territory = create_territory(system.reference)
        issuer = Tokens(system.engine)
        users = {"referent": territory.users[f"referent:{GROUP}:0"],
                 "copilot": territory.users[f"copilot:{GROUP}:0"],
                 "auditor": territory.users["auditor"]}
        group_id = next(g["id"] for g in territory.groups if g["name"] == GROUP)
        return {role: issuer.issue(user["id"]) for role, user in users.items()}, group_id
    finally:
        system.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`casecommittee serve --no-jobs` on the scratch store, stopped on exit."""

    def __init__(self, data_dir: Path, workers: int, startup_timeout: float = 600,
                 store_env: dict | None = None, log_name: str = "server.log"):
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CASECOMMITTEE_")}
        env["CASECOMMITTEE_DATA_DIR"] = str(data_dir)
        env.update(store_env or {})  # (another store: a PostgreSQL URL, its keys)
        self.log_path = data_dir.parent / log_name
        self._log = open(self.log_path, "wb")
        command = [str(Path(sys.executable).parent / "casecommittee"), "serve", "--host", "127.0.0.1",
                   "--port", str(self.port), "--workers", str(workers), "--no-jobs"]
        self.process = subprocess.Popen(command, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}):\n{self.tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", f"{API}/health")
                response = conn.getresponse()
                body = response.read()
                conn.close()
                if response.status == 200:
                    self.health = json.loads(body)
                    return
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"no /api/v1/health within {startup_timeout} s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of the gunicorn master and its workers so far."""
        total = 0.0
        for pid in [self.process.pid, *self.worker_pids()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except (OSError, IndexError, ValueError):
                pass
        return total

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM (gunicorn's graceful stop), then SIGKILL to the process group after `timeout`."""
        stop_process(self.process, self._log, timeout,
                     kill=lambda: os.killpg(self.process.pid, signal.SIGKILL))


# ---- the load generator -------------------------------------------------------------------------

class Job(types.SimpleNamespace):
    """One request: method, path, token, body (dict or None), label."""


def _call(conn: http.client.HTTPConnection, job: Job) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {job.token}", "Accept": "application/json"}
    body = None
    if job.body is not None:
        body = json.dumps(job.body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(job.method, job.path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def _percentile(values: list[float], q: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def summary(latencies: list[float], statuses: Counter, wall: float) -> dict:
    ok = [ms for ms in latencies]
    return {
        "requests": sum(statuses.values()), "per_s": round(sum(statuses.values()) / wall, 1),
        "p50_ms": round(statistics.median(ok), 1) if ok else None,
        "p99_ms": round(_percentile(ok, 99), 1) if ok else None,
        "max_ms": round(max(ok), 1) if ok else None,
        "statuses": dict(sorted((str(k), v) for k, v in statuses.items())),
    }


def load(port: int, jobs: list[Job], clients: int, max_seconds: float, server: Server) -> dict:
    """Runs the jobs with `clients` threads (one connection each); latency and throughput."""
    lock = threading.Lock()
    queue = iter(jobs)
    done: list[tuple[str, int, float]] = []
    failures: list[str] = []
    deadline = time.monotonic() + max_seconds

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        mine = []
        while time.monotonic() < deadline:
            with lock:
                job = next(queue, None)
            if job is None:
                break
            started = time.perf_counter()
            try:
                status, body = _call(conn, job)
            except (OSError, http.client.HTTPException) as error:
                conn.close()  # reconnects on the next request
                status, body = 0, repr(error).encode()
            elapsed = (time.perf_counter() - started) * 1000
            mine.append((job.label, status, elapsed))
            if not 200 <= status < 300 and len(failures) < 5:
                failures.append(f"{job.method} {job.path} -> {status}: {body[:300]!r}")
        conn.close()
        with lock:
            done.extend(mine)

    cpu_client, cpu_server = time.process_time(), server.cpu_seconds()
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    wall = time.perf_counter() - started
    figures = {}
    for label in sorted({d[0] for d in done}):
        mine = [d for d in done if d[0] == label]
        figures[label] = summary([d[2] for d in mine if 200 <= d[1] < 300],
                                 Counter(d[1] for d in mine), wall)
    everything = summary([d[2] for d in done if 200 <= d[1] < 300], Counter(d[1] for d in done), wall)
    if len(figures) > 1:
        everything["by"] = figures
    everything["seconds"] = round(wall, 1)
    everything["wall_s"] = wall  # unrounded: a rate is divided by it
    everything["skipped_at_deadline"] = len(jobs) - len(done)
    server_cpu = server.cpu_seconds() - cpu_server
    everything["cpu_s"] = {"server": round(server_cpu, 1),
                           "load_generator": round(time.process_time() - cpu_client, 1)}
    everything["server_cpu_s"] = server_cpu  # unrounded: a CPU a request is divided by it
    if failures:
        everything["first_failures"] = failures
    return everything


def listing(port: int, token: str, group_id: str) -> list[dict]:
    """Every pathway of the group visible to `token` (pages of 500)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    items, cursor = [], None
    while True:
        path = f"{API}/pathways?group_id={group_id}&limit=500"
        if cursor:
            path += f"&cursor={quote(cursor)}"
        status, body = _call(conn, Job(method="GET", path=path, token=token, body=None, label="list"))
        if status != 200:
            raise RuntimeError(f"listing the pathways: {status} {body[:300]!r}")
        page = json.loads(body)
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            conn.close()
            return items


# ---- the bare library ----------------------------------------------------------------------------

def bare_saves(data_dir: Path, count: int) -> dict:
    """The bare eventsourcing Application saving one event a call (same cipher and compressor)."""
    like = types.SimpleNamespace(settings=Settings.from_env({"CASECOMMITTEE_DATA_DIR": str(data_dir)}))
    with tempfile.TemporaryDirectory() as scratch:
        app = run._bare_app(Path(scratch), like)
        aggregate = run.BareStep(0)
        app.save(aggregate)
        times = []
        for n in range(1, count + 1):
            aggregate.step(n)
            started = time.perf_counter()
            app.save(aggregate)
            times.append((time.perf_counter() - started) * 1000)
        app.close()
    return {"saves": count, "p50_ms": round(statistics.median(times), 3),
            "p99_ms": round(_percentile(times, 99), 3)}


# ---- one run ---------------------------------------------------------------------------------------

def write_jobs(pathways: list[str], start: int, count: int, token: str, label: str) -> list[Job]:
    body = {"step": "committee_referral", "occurred_on": date.today().isoformat(),
            "reason": "point de situation (banc de charge)"}
    return [Job(method="POST", path=f"{API}/pathways/{pathways[(start + k) % len(pathways)]}/steps",
                token=token, body=body, label=label) for k in range(count)]


def read_jobs(rng: random.Random, ids: dict, tokens: dict, count: int) -> list[Job]:
    roles = ("referent", "copilot", "auditor")
    return [Job(method="GET", path=f"{API}/pathways/{rng.choice(ids[roles[k % 3]])}",
                token=tokens[roles[k % 3]], body=None, label=roles[k % 3]) for k in range(count)]


def statistics_jobs(tokens: dict, count: int) -> list[Job]:
    roles = ("referent", "copilot", "auditor")
    return [Job(method="GET", path=f"{API}/statistics" + ("?by=group" if k % 2 else ""),
                token=tokens[roles[k % 3]], body=None, label="by_group" if k % 2 else "plain")
            for k in range(count)]


def one_run(number: int, args, server: Server, data_dir: Path, tokens: dict, ids: dict,
            open_ids: list[str], cursor: list[int]) -> dict:
    rng = random.Random(number)
    figures = {"bare_save": bare_saves(data_dir, args.bare_saves)}
    log(f"run {number}: bare save {figures['bare_save']}")

    def writes(count):
        jobs = write_jobs(open_ids, cursor[0], count, tokens["referent"], "committee_referral")
        cursor[0] += count
        return jobs

    phases = (("writes", writes), ("reads", lambda n: read_jobs(rng, ids, tokens, n)),
              ("statistics", lambda n: statistics_jobs(tokens, n)))
    for clients, key in ((args.clients, "concurrent"), (1, "serial")):
        figures[key] = {"clients": clients}
        for name, make in phases:
            if server.process.poll() is not None:
                raise RuntimeError(f"the server exited ({server.process.returncode}):\n{server.tail()}")
            count = getattr(args, name) if clients > 1 else getattr(args, f"serial_{name}")
            figures[key][name] = load(server.port, make(count), clients, args.max_seconds, server)
            f = figures[key][name]
            log(f"run {number} {key} {name}: {f['requests']} in {f['seconds']} s, {f['per_s']}/s, "
                f"p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms, statuses {f['statuses']}")
    return figures


def median_of(runs: list):
    """The median of each number across runs (same nested structure)."""
    first = runs[0]
    if isinstance(first, dict):
        return {k: median_of([r[k] for r in runs]) for k in first if all(k in r for r in runs)
                and k not in ("statuses", "first_failures")}
    if isinstance(first, bool) or not isinstance(first, (int, float)):
        return first
    if any(r is None for r in runs):
        return None
    return round(statistics.median(runs), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--people", type=int, default=50_000, help="pathways of the store (bench/run.py)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--reads", type=int, default=3000)
    parser.add_argument("--statistics", type=int, default=300)
    parser.add_argument("--serial-writes", type=int, default=200)
    parser.add_argument("--serial-reads", type=int, default=300)
    parser.add_argument("--serial-statistics", type=int, default=30)
    parser.add_argument("--bare-saves", type=int, default=2000)
    parser.add_argument("--max-seconds", type=float, default=300, help="cap on each phase")
    args = parser.parse_args()

    load_start = round(os.getloadavg()[0], 2)  # other work on the machine skews the figures
    source = run.territory(args.people)
    run.RESULTS.mkdir(exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="casecommittee-api-load-"))
    data_dir = scratch / "data"
    server, server_errors = None, 0
    try:
        started = time.perf_counter()
        copy_store(source, data_dir)
        log(f"store copied to {data_dir} in {time.perf_counter() - started:.0f} s")
        tokens, group_id = tokens_for(data_dir)
        server = Server(data_dir, args.workers)
        log(f"server on 127.0.0.1:{server.port}, health {server.health}")
        listed = {role: listing(server.port, tokens[role], group_id) for role in ("referent", "auditor")}
        ids = {"referent": [p["id"] for p in listed["referent"]], "auditor": [p["id"] for p in listed["auditor"]]}
        ids["copilot"] = ids["referent"]
        open_ids = [p["id"] for p in listed["referent"] if p["stage"] != "exited"]
        random.Random(0).shuffle(open_ids)
        log(f"{len(ids['referent'])} pathways in {GROUP}, {len(open_ids)} open")
        # warm-up (not measured): every worker loads its code paths and caches
        warm = (write_jobs(open_ids, len(open_ids) - 20, 20, tokens["referent"], "warm")
                + read_jobs(random.Random(99), ids, tokens, 60) + statistics_jobs(tokens, 4))
        load(server.port, warm, args.clients, args.max_seconds, server)
        cursor = [0]
        runs = [one_run(n, args, server, data_dir, tokens, ids, open_ids, cursor)
                for n in range(1, args.runs + 1)]
        server_errors = sum(v for r in runs for mode in ("concurrent", "serial")
                            for phase in ("writes", "reads", "statistics")
                            for k, v in r[mode][phase]["statuses"].items() if k == "0" or k.startswith("5"))
        not_2xx = sum(v for r in runs for mode in ("concurrent", "serial")
                      for phase in ("writes", "reads", "statistics")
                      for k, v in r[mode][phase]["statuses"].items() if not k.startswith("2"))
    finally:
        if server is not None:
            exited = server.process.poll()
            server.stop()
            if exited is not None or server_errors:
                kept = run.RESULTS / f"api-load-server-{datetime.now(UTC):%Y%m%dT%H%M%S}.log"
                shutil.copy(server.log_path, kept)
                log(f"server {'exited with ' + str(exited) if exited is not None else 'answered errors'}"
                    f"; its log: {kept}")
        shutil.rmtree(scratch, ignore_errors=True)

    medians = median_of(runs)
    report = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                    "load_average_1min": {"start": load_start, "end": round(os.getloadavg()[0], 2)}},
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/api_load.py " + " ".join(sys.argv[1:]),
        "setup": {"people": args.people, "group": GROUP, "pathways_in_group": len(ids["referent"]),
                  "open_pathways": len(open_ids), "gunicorn_workers": args.workers,
                  "clients": args.clients, "runs": args.runs, "store": server.health.get("store")},
        "median": medians,
        "targets_p99_ms": TARGETS_MS,
        "meets_targets": {
            mode: {name: medians[mode][name]["p99_ms"] is not None
                   and medians[mode][name]["p99_ms"] < limit for name, limit in TARGETS_MS.items()}
            for mode in ("concurrent", "serial")},
        "errors": {"5xx_or_connection": server_errors, "non_2xx": not_2xx},
        "runs": runs,
    }
    run.save_report("api-load", report)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()


def stop_process(process: subprocess.Popen, log, timeout: float, kill=None) -> None:
    """SIGTERM, then `kill` (SIGKILL to the process by default) after `timeout`; closes its log."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            (kill or process.kill)()
            process.wait(10)
    log.close()
