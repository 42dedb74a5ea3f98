"""A projection worker's catch-up on PostgreSQL, the batch's pathways read together or one by one.

`scripts/with-postgres .venv/bin/python bench/catch_up_ab.py [--people 10000] [--writes 700]
[--rounds 3]`: the demo territory generated in a database of the throw-away server, then
`--writes` step writes of the 7 kinds (`step_mix.py`) sent over HTTP to `serve --workers 2` in
worker mode (`CASECOMMITTEE_PROJECTIONS=worker`: saved, not projected). Each round copies that
database twice (`CREATE DATABASE … TEMPLATE`) and catches up each copy in this process, in
batches of 200, taking turns: once as the worker does (`event_reads`: the snapshots and events
of a batch's pathways in one statement per 500), once with the pathways loaded one by one
through the library's repository (as before, by making `reads_many` say no). Prints the CPU
and wall time an event (this process's CPU: the PostgreSQL server's is not counted) and a
SHA-256 of every read model's rows, which must be the same for both.
"""

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import api_load  # noqa: E402
import backends  # noqa: E402
import mixed_load  # noqa: E402
import step_mix  # noqa: E402
from sqlalchemy import text  # noqa: E402

import casecommittee.application as application  # noqa: E402
from casecommittee.demo import create_territory  # noqa: E402
from casecommittee.projections.runner import VIEW_TABLES  # noqa: E402
from casecommittee.stores.auth import Tokens  # noqa: E402


def pending_store(stores: backends.Stores, people: int, writes: int) -> dict:
    """The territory's store with `writes` step writes saved over HTTP and not projected."""
    env = stores.territory("postgresql", people, 2020)
    system = backends.open_system(env)
    try:
        territory = create_territory(system.reference)
        group = next(g for g in territory.groups if g["name"] == backends.GROUP)
        copilot = territory.users[f"copilot:{backends.GROUP}:0"]["id"]
        store = {"tokens": {"copilot": Tokens(system.engine).issue(copilot)},
                 "referent": territory.users[f"referent:{backends.GROUP}:0"]}
        pools = step_mix.pools(system.engine, group["id"], 2020)
    finally:
        system.close()
    jobs = [mixed_load.write_job(kind, pid, n, store, backends.TODAY)
            for n, (kind, pid) in enumerate(step_mix.dealt(pools, writes))]
    server = api_load.Server(Path(env["CASECOMMITTEE_DATA_DIR"]), 2,
                             store_env={**env, "CASECOMMITTEE_PROJECTIONS": "worker"})
    try:
        loaded = api_load.load(server.port, jobs, 8, 600, server)
    finally:
        server.stop()
    backends.run.log(f"writes saved, not projected: {loaded['statuses']}")
    return env


def catch_up(env: dict, together: bool) -> tuple[int, float, float, str]:
    """Events applied, CPU and wall seconds, and the read models' digest, of one catch-up."""
    application.reads_many = READS_MANY if together else (lambda recorder: False)
    system = backends.open_system(env)
    try:
        runner = system.projections
        runner.batch_size = 200
        cpu, wall = time.process_time(), time.perf_counter()
        read = runner.catch_up()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        digest = hashlib.sha256()
        with system.engine.connect() as conn:
            for table in VIEW_TABLES:
                digest.update(table.name.encode())
                digest.update("\n".join(sorted(map(repr, conn.execute(table.select()).all()))).encode())
    finally:
        system.close()
        application.reads_many = READS_MANY
    return read, cpu, wall, digest.hexdigest()[:12]


READS_MANY = application.reads_many


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--writes", type=int, default=700)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = os.environ.get("CASECOMMITTEE_TEST_DATABASE_URL")
    if not url:
        sys.exit("needs a PostgreSQL server: run it as scripts/with-postgres .venv/bin/python bench/catch_up_ab.py")
    stores = backends.Stores(url, Path(tempfile.mkdtemp(prefix="catch-up-ab-")))
    try:
        env = pending_store(stores, args.people, args.writes)
        with stores.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE pending TEMPLATE "territory_{args.people}"'))
        base = env["CASECOMMITTEE_DATABASE_URL"].rsplit("/", 1)[0]
        for number in range(args.rounds):
            for together in (False, True):
                with stores.admin.connect() as conn:
                    conn.execute(text("DROP DATABASE IF EXISTS trial WITH (FORCE)"))
                    conn.execute(text("CREATE DATABASE trial TEMPLATE pending"))
                read, cpu, wall, digest = catch_up(dict(env, CASECOMMITTEE_DATABASE_URL=f"{base}/trial"), together)
                print(f"round {number} {'together' if together else 'one by one'}: {read} events, "
                      f"CPU {cpu * 1000 / read:.3f} ms an event, wall {wall * 1000 / read:.3f} ms, "
                      f"load {os.getloadavg()[0]:.2f}, read models {digest}", flush=True)
    finally:
        stores.close()


if __name__ == "__main__":
    main()
