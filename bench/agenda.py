"""An agenda costs the same whatever the size of the other groups (issue 15, target 2).

    python bench/agenda.py                       # the 10,000- and 50,000-pathway stores
    python bench/agenda.py --people 10000 50000 --runs 9
    scripts/with-postgres .venv/bin/python bench/agenda.py --postgresql   # the same on PostgreSQL
    scripts/with-postgres .venv/bin/python bench/agenda.py --postgresql --layouts --runs 21
        # then under other layouts of the same rows (`LAYOUTS`: decisions, covering indexes,
        # rows clustered by group), the agenda and its SQL alone at each size

bench/run.py's stores hold the group of `run.FIXED_GROUP` ("Diplômés") still: the very same
3,000 pathways at every size (`generate(fixed=…)`), while the other two groups share the rest
(7,000 at 10,000 pathways, 47,000 at 50,000). The agenda inputs of that group
(`queries.agenda.agenda_inputs`, as of the stores' day) are computed on each store in turn
(the sizes taking turns, so the machine's load weighs on both alike), cold as after a write
(no document cache in front: `agenda_inputs` computes each time), on the pool's connections
(pages warm, as a server's); median and maximum of `--runs`. Both agendas are checked identical
first (same pathways, same reasons: the group did not change); beside them, the bare
library's way to an agenda without read models: the group's pathways read back from the
event store and decoded (median of 3); and the query's plan
(`EXPLAIN QUERY PLAN`) is kept with the figures: the group's candidates must be read through
an index on `group_id`, never by a scan of every group's rows (on PostgreSQL the plan is
`EXPLAIN (ANALYZE, BUFFERS)`'s, with the pages the query touched).
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402  (the cached stores)
from sqlalchemy import select  # noqa: E402

from casecommittee.demo import create_territory  # noqa: E402
from casecommittee.projections.pathways import pathway_rows  # noqa: E402
from casecommittee.queries.agenda import _COLUMNS, agenda_inputs, candidates_query  # noqa: E402
from casecommittee.stores.sealed_texts import TextReader  # noqa: E402

#: Reads of the whole group by the bare library (each ~0.5 s at 3,000 pathways).
BARE_RUNS = 3
#: The largest store's agenda over the smallest's (medians): "the same", noise allowed.
TARGET_GROWTH = 1.2
#: Decisions of three monthly sessions on every open pathway of every group, one of them a
#: postponement (`--layouts`: the stores are generated without committee sessions).
_DECISIONS = (
    "INSERT INTO committee_decisions (session_id, pathway_id, group_id, held_on, decision, decided_at) "
    "SELECT CAST(CAST(md5(group_id || k) AS uuid) AS text), pathway_id, group_id, "
    f"DATE '{run.TODAY.isoformat()}' - 30 * k, CASE WHEN k = 2 THEN 'postpone' ELSE 'continue' END, now() "
    "FROM pathway_rows CROSS JOIN generate_series(1, 3) AS k WHERE stage <> 'exited'")
#: `--layouts` (PostgreSQL): the same rows under other layouts, each variant's statements run
#: on every store on top of the previous variant's, then the agenda measured again.
LAYOUTS = (
    ("as generated", ()),
    ("with decisions: 3 per open pathway of every group", (_DECISIONS, "ANALYZE committee_decisions")),
    ("covering indexes (INCLUDE every column the agenda reads), vacuumed", (
        "CREATE INDEX ix_agenda_covering ON pathway_rows (group_id, stage) "
        f"INCLUDE ({', '.join(name for name in _COLUMNS if name != 'stage')})",
        "CREATE INDEX ix_decisions_covering ON committee_decisions (pathway_id, held_on) INCLUDE (decision)",
        "VACUUM ANALYZE pathway_rows", "VACUUM ANALYZE committee_decisions")),
    ("then 5 % of every group's rows updated since the vacuum", (
        "SELECT setseed(0.5)", "UPDATE pathway_rows SET last_event_on = last_event_on WHERE random() < 0.05")),
    ("no covering index; pathway_rows clustered by group", (
        "DROP INDEX ix_agenda_covering", "DROP INDEX ix_decisions_covering",
        "CLUSTER pathway_rows USING ix_pathway_rows_group_stage", "ANALYZE pathway_rows")),
    ("then without decisions (as generated)", ("TRUNCATE committee_decisions", "ANALYZE committee_decisions")),
)


def _fixed_group(system) -> dict:
    (name,) = run.FIXED_GROUP
    return next(g for g in create_territory(system.reference).groups if g["name"] == name)


def _plan(system, group_id: str) -> list[str]:
    """The database's plan for the agenda's candidates of the group (SQLite's `detail` lines;
    on PostgreSQL the lines of `EXPLAIN (ANALYZE, BUFFERS)`: the query run, with the pages it
    touched, "shared hit" in the server's buffers, "read" from the files)."""
    query = candidates_query(group_id, run.TODAY)
    compiled = query.compile(system.engine, compile_kwargs={"literal_binds": True})
    with system.engine.connect() as conn:
        if system.engine.dialect.name == "sqlite":
            return [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")]
        return [row[0].strip() for row in conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}")]


def _sql_ms(plan: list[str]) -> float:
    """The execution time that `EXPLAIN ANALYZE` reports (its last line)."""
    return float(plan[-1].split(":")[1].split()[0])


def _layouts(systems: dict, runs: int) -> list[dict]:
    """The agenda and its SQL alone (`EXPLAIN (ANALYZE, BUFFERS)`'s execution time) under each
    of `LAYOUTS` (PostgreSQL), the sizes taking turns; medians, and each size's last plan."""
    figures = []
    for name, statements in LAYOUTS:
        for system in systems.values():
            with system.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for statement in statements:
                    conn.exec_driver_sql(statement)
        group_ids = {people: _fixed_group(system)["id"] for people, system in systems.items()}
        times = {people: {"agenda": [], "sql": []} for people in systems}
        agendas = [[(i.pathway_id, i.reasons) for i in agenda_inputs(system.engine, group_ids[people], run.TODAY)]
                   for people, system in systems.items()]
        load = run._load()
        for _ in range(runs):
            for people, system in systems.items():
                times[people]["agenda"].append(_cold_agenda(system, group_ids[people]))
                times[people]["sql"].append(_sql_ms(_plan(system, group_ids[people])))
        sizes = [{"people": people,
                  "median_ms": round(statistics.median(times[people]["agenda"]), 1),
                  "sql_median_ms": round(statistics.median(times[people]["sql"]), 2),
                  "plan": _plan(system, group_ids[people])} for people, system in systems.items()]
        smallest, largest = sizes[0], sizes[-1]
        figures.append({"layout": name, "statements": list(statements), "load_average": load,
                        "same_agenda_at_every_size": all(agenda == agendas[0] for agenda in agendas),
                        "growth": round(largest["median_ms"] / smallest["median_ms"], 2),
                        "sql_growth": round(largest["sql_median_ms"] / smallest["sql_median_ms"], 2),
                        "sizes": sizes})
        run.log(f"layout {name!r}: agenda {[s['median_ms'] for s in sizes]} ms ({figures[-1]['growth']}×), "
                f"SQL {[s['sql_median_ms'] for s in sizes]} ms ({figures[-1]['sql_growth']}×)")
    return figures


def _rows(system, group_id: str) -> dict:
    with system.engine.connect() as conn:
        total = conn.execute(pathway_rows.select().with_only_columns(
            pathway_rows.c.pathway_id)).all()
        mine = conn.execute(pathway_rows.select().with_only_columns(pathway_rows.c.pathway_id)
                            .where(pathway_rows.c.group_id == group_id)).all()
    return {"pathways": len(total), "group_pathways": len(mine)}


def _cold_agenda(system, group_id: str) -> float:
    """One agenda, computed (no cache); milliseconds."""
    started = time.perf_counter()
    agenda_inputs(system.engine, group_id, run.TODAY)
    return (time.perf_counter() - started) * 1000


def _bare_group_read(system, pathway_ids: list) -> float:
    """The bare library's way to an agenda without read models: every pathway of the group
    read back from the event store and decoded (rules and reasons not even applied); ms."""
    started = time.perf_counter()
    for pathway_id in pathway_ids:
        list(system.app.events.get(pathway_id))
    return (time.perf_counter() - started) * 1000


def _postgresql_systems(sizes: list[int], seed: int, scratch: Path):
    """The same territories in databases of the PostgreSQL server of
    CASECOMMITTEE_TEST_DATABASE_URL (`scripts/with-postgres`), generated as bench/backends.py
    does; then `ANALYZE`d, as autovacuum would after such a load."""
    import backends

    stores = backends.Stores(os.environ["CASECOMMITTEE_TEST_DATABASE_URL"], scratch)
    systems = {}
    for people in sizes:
        systems[people] = backends.open_system(stores.territory("postgresql", people, seed))
        with systems[people].engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return systems, stores


def _opened(texts: TextReader, item) -> dict:
    """An agenda item's details with the texts sealed in them opened (a sealed text differs
    from one store to another: each person's key and each seal's nonce are random)."""
    return {name: texts.open(item.pathway_id, value) if isinstance(value, str) else value
            for name, value in item.details.items()}


def bench_agenda(sizes: list[int], runs: int, seed: int = 2020, backend: str = "sqlite",
                 layouts: bool = False) -> dict:
    """The fixed group's agenda at each size, the sizes taking turns (then, with `layouts`, on
    PostgreSQL, under each of `LAYOUTS`)."""
    stores, layout_figures = None, None
    if backend == "postgresql":
        systems, stores = _postgresql_systems(sizes, seed, Path(tempfile.mkdtemp(prefix="casecommittee-agenda-")))
    else:
        systems = {people: run._system(run.territory(people, seed)) for people in sizes}
    try:
        figures, agendas, group_ids = {}, {}, {}
        for people, system in systems.items():
            system.projections.catch_up()
            group = _fixed_group(system)
            items = agenda_inputs(system.engine, group["id"], run.TODAY)  # and warms the OS cache
            texts = TextReader(system.personal_data)  # (a referral's reason is sealed with
            texts.prime([i.pathway_id for i in items])  # its person's key: compared opened)
            agendas[people] = [(i.pathway_id, i.reasons, _opened(texts, i)) for i in items]
            figures[people] = {"people": people, "group": group["name"], **_rows(system, group["id"]),
                               "agenda_items": len(items), "plan": _plan(system, group["id"]),
                               "times_ms": [], "bare_times_ms": []}
            with system.engine.connect() as conn:
                group_ids[people] = [uuid.UUID(i) for i in conn.execute(
                    select(pathway_rows.c.pathway_id).where(pathway_rows.c.group_id == group["id"])).scalars()]
        first = agendas[sizes[0]]
        figures_same = all(agenda == first for agenda in agendas.values())
        load = {"start": run._load()}
        for _ in range(runs):
            for people, system in systems.items():
                group_id = _fixed_group(system)["id"]
                figures[people]["times_ms"].append(round(_cold_agenda(system, group_id), 2))
        for _ in range(BARE_RUNS):
            for people, system in systems.items():
                figures[people]["bare_times_ms"].append(round(_bare_group_read(system, group_ids[people]), 1))
        load["end"] = run._load()
        if layouts:
            layout_figures = _layouts(systems, runs)
    finally:
        for system in systems.values():
            system.close()
        if stores is not None:
            stores.close()
            shutil.rmtree(stores.scratch, ignore_errors=True)
    for f in figures.values():
        f["median_ms"] = round(statistics.median(f["times_ms"]), 1)
        f["max_ms"] = round(max(f["times_ms"]), 1)
        f["bare_group_read_median_ms"] = round(statistics.median(f["bare_times_ms"]), 1)
        run.log(f"agenda of {f['group']}, {f['people']:,} pathways ({f['group_pathways']:,} in the "
                f"group, {f['agenda_items']:,} on the agenda): {f['median_ms']} ms (max {f['max_ms']}); "
                f"plan {f['plan']}")
    smallest, largest = figures[min(sizes)], figures[max(sizes)]
    growth = round(largest["median_ms"] / smallest["median_ms"], 2)
    return {"backend": backend, "sizes": [figures[people] for people in sizes], "runs": runs,
            "same_agenda_at_every_size": figures_same, "growth": growth,
            "target_growth": TARGET_GROWTH, "load_average": load,
            **({"layouts": layout_figures} if layout_figures is not None else {})}


def main() -> None:
    """Measures, prints the JSON report and saves it."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--people", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--postgresql", action="store_true",
                        help="on PostgreSQL (under scripts/with-postgres: the stores generated there)")
    parser.add_argument("--layouts", action="store_true",
                        help="with --postgresql: then the same under other layouts (LAYOUTS; alters the stores)")
    args = parser.parse_args()
    if args.postgresql and not os.environ.get("CASECOMMITTEE_TEST_DATABASE_URL"):
        parser.error("no PostgreSQL: run it as `scripts/with-postgres python bench/agenda.py --postgresql`")
    if args.layouts and not args.postgresql:
        parser.error("--layouts changes the stores' indexes and layout: PostgreSQL's throw-away stores only")
    report = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
              "date": datetime.now(UTC).isoformat(timespec="seconds"),
              "command": "python bench/agenda.py " + " ".join(sys.argv[1:]),
              "agenda": bench_agenda(args.people, args.runs, args.seed,
                                     "postgresql" if args.postgresql else "sqlite", args.layouts)}
    run.save_report("agenda", report)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
