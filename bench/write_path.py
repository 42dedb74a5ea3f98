"""What one step write over HTTP costs the stores: SQL statements, commits, aggregate loads.

    python bench/write_path.py                 # 210 writes (the 7 kinds in turn), 1,000 pathways
    python bench/write_path.py --writes 70 --people 300

In one process: the demo territory generated into a scratch directory, the Flask app (inline
projections, as `casecommittee serve` runs it) called through its test client by a co-pilot of
"Jeunes décrocheurs", every SQLite connection of the process traced (`set_trace_callback`: the
event store's, the read models', the personal-data store's). Prints, per write, the statements
executed, the commits, the loads of an aggregate from the event store and the snapshots taken.
The projector's cache is emptied before each write (as on the national store, where the
pathway written is rarely among the 2,000 it keeps), unless `--warm-projector`.

Also times each write in process (the test client's call, no HTTP server), taking turns with
the bare library loading an aggregate of a pathway's length and saving one event to it (as
`mixed_load.py`'s reference), and prints both p50 and their ratio; `--profile` prints where
the writes' time goes (cProfile, cumulative).
"""

import argparse
import cProfile
import io
import json
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

TRACED: Counter = Counter()
#: The statements of the last write, when `--show` asks for them.
SHOWN: list[str] = []


#: Whether the statements are counted (not while the bare reference runs).
COUNTING = [True]


def _trace(statement: str) -> None:
    if not COUNTING[0]:
        return
    TRACED["statements"] += 1
    SHOWN.append(" ".join(statement.split())[:110])
    head = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
    if head in ("COMMIT", "RELEASE", "END"):
        TRACED["commits"] += 1
    elif head == "BEGIN":
        TRACED["begins"] += 1


_connect = sqlite3.connect


def _traced_connect(*args, **kwargs):
    connection = _connect(*args, **kwargs)
    connection.set_trace_callback(_trace)
    return connection


sqlite3.connect = sqlite3.dbapi2.connect = _traced_connect  # before any store opens

import mixed_load  # noqa: E402
import step_mix  # noqa: E402

from casecommittee.bootstrap import bootstrap  # noqa: E402
from casecommittee.clock import FixedClock  # noqa: E402
from casecommittee.config import Settings  # noqa: E402
from casecommittee.demo import create_territory, generate  # noqa: E402
from casecommittee.stores.auth import Tokens  # noqa: E402
from casecommittee.web import create_app  # noqa: E402
from casecommittee.web.gunicorn import settle_heap  # noqa: E402

TODAY = date(2026, 11, 23)
GROUP = "Jeunes décrocheurs"


def measure(people: int, writes: int, cold: bool = True, profile: bool = False,
            callees: tuple = ()) -> dict:
    """Builds a scratch store and counts what `writes` step writes cost."""
    with tempfile.TemporaryDirectory() as scratch:
        system = bootstrap(Settings.from_env({"CASECOMMITTEE_DATA_DIR": scratch}),
                           clock=FixedClock(TODAY))
        for _ in generate(system.app, system.reference, system.personal_data, people=people,
                          seed=7, today=TODAY):
            pass
        territory = create_territory(system.reference)
        group = next(g for g in territory.groups if g["name"] == GROUP)
        copilot = territory.users[f"copilot:{GROUP}:0"]
        referent = territory.users[f"referent:{GROUP}:0"]
        token = Tokens(system.engine).issue(copilot["id"])
        client = create_app(system).test_client()
        settle_heap()  # (as each `serve` worker does once its app is built)
        headers = {"Authorization": f"Bearer {token}"}
        loads, snapshots = Counter(), Counter()
        repository_get = system.app.repository.get
        at_hand, take_snapshot = getattr(system.app, "_snapshots_at_hand", None), system.app.take_snapshot

        def counted_get(*args, **kwargs):
            loads["loads"] += 1
            return repository_get(*args, **kwargs)

        def counted_at_hand(*args, **kwargs):  # (with the save's events, or in a put of their own)
            taken = at_hand(*args, **kwargs)
            snapshots["snapshots"] += len(taken)
            return taken

        def counted_taken(*args, **kwargs):  # (the library's, loading the aggregate again)
            snapshots["snapshots"] += 1
            return take_snapshot(*args, **kwargs)

        system.app.repository.get = counted_get
        system.app.take_snapshot = counted_taken
        if hasattr(system.app, "_snapshots_at_hand"):
            system.app._snapshots_at_hand = counted_at_hand
        else:  # (code from before the snapshots went with the events: measured A/B)
            put = system.app.snapshots.put

            def counted_put(taken, *args, **kwargs):
                snapshots["snapshots"] += len(taken)
                return put(taken, *args, **kwargs)

            system.app.snapshots.put = counted_put
        jobs = list(step_mix.dealt(step_mix.pools(system.engine, group["id"], seed=1), writes))
        statuses, kinds = Counter(), Counter()
        COUNTING[0] = False
        bare = mixed_load.BareStore(Path(scratch), Path(scratch), aggregates=200)
        COUNTING[0] = True
        times, bare_times = [], []
        profiler = cProfile.Profile() if profile else None
        TRACED.clear()
        for n, (kind, pathway_id) in enumerate(jobs):
            if cold:  # a store larger than the projector's cache: the pathway is not in it
                system.projections.projector.forget()
            SHOWN.clear()
            body = step_mix.body(kind, n, TODAY, GROUP, referent["structure_id"], referent["id"])
            if profiler:
                profiler.enable()
            started = time.perf_counter()
            response = client.post(f"/api/v1/pathways/{pathway_id}/steps", headers=headers, json=body)
            times.append((time.perf_counter() - started) * 1000)
            if profiler:
                profiler.disable()
            statuses[response.status_code] += 1
            kinds[kind] += 1
            COUNTING[0] = False
            bare_times.append(bare.save_and_load())
            COUNTING[0] = True
        bare.close()
        system.close()
    done = len(jobs)
    write_p50, bare_p50 = statistics.median(times), statistics.median(bare_times)
    profiled = None
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
        stats.print_stats(130)
        if callees:
            for pattern in callees:
                stats.print_callees(pattern)
        profiled = out.getvalue()
    return {"last_write": list(SHOWN), "writes": done, "kinds": dict(kinds), "statuses": dict(statuses),
            "per_write": {"statements": round(TRACED["statements"] / done, 2),
                          "commits": round(TRACED["commits"] / done, 2),
                          "aggregate_loads": round(loads["loads"] / done, 2),
                          "snapshots": round(snapshots["snapshots"] / done, 2)},
            "in_process_ms": {"write_p50": round(write_p50, 2), "bare_save_and_load_p50": round(bare_p50, 3),
                              "ratio": round(write_p50 / bare_p50, 2)},
            "profile": profiled}


def main() -> None:
    """Prints the counts as JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000)
    parser.add_argument("--writes", type=int, default=210)
    parser.add_argument("--warm-projector", action="store_true",
                        help="keep the projector's cache (by default it is emptied before each "
                             "write, as on a store larger than it: 50,000 pathways, 2,000 cached)")
    parser.add_argument("--show", action="store_true", help="also list the last write's statements")
    parser.add_argument("--profile", action="store_true", help="also print where the writes' time goes")
    parser.add_argument("--callees", nargs="*", default=(),
                        help="with --profile: also what these functions call (pstats patterns)")
    args = parser.parse_args()
    report = measure(args.people, args.writes, cold=not args.warm_projector, profile=args.profile,
                     callees=tuple(args.callees))
    if not args.show:
        del report["last_write"]
    profiled = report.pop("profile")
    print(json.dumps(report, indent=2))
    if profiled:
        print(profiled)


if __name__ == "__main__":
    main()
