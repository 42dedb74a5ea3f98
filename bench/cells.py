"""The statistics from the statistics cells against the direct computation over the
pathways (what every request did before the cells), on the bench's stores, side by side in
the same run: their times, their growth from the smaller store to the larger, and that the
documents are identical. Today's figures and those as of six months and one year back
(`as_of`), whole and by group, and as of 15 June (the day of the year whose figures read the
most cells); the ratio of each as_of figure to today's (the same request without as_of),
from the cells.

    python bench/cells.py                          # 10,000 and 50,000 pathways, 15 runs each
    python bench/cells.py --people 2000 10000 --runs 5

"Cold": no statistics cache in front (`compute_statistics` computes each time, as after any
write); the database's pages are warm, as in `run.py queries`.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).parent))
import run  # noqa: E402

from casecommittee.projections.cells import statistics_cells  # noqa: E402
from casecommittee.queries.statistics import (  # noqa: E402
    StatisticsQuery,
    cells_statistics,
    direct_statistics,
)

SIX_MONTHS_BACK = run.TODAY.replace(month=run.TODAY.month - 6)
ONE_YEAR_BACK = run.TODAY.replace(year=run.TODAY.year - 1)
MID_YEAR = run.TODAY.replace(month=6, day=15)
QUERIES = {"default": StatisticsQuery(), "by_group": StatisticsQuery(by="group"),
           "as_of_6_months": StatisticsQuery(as_of=SIX_MONTHS_BACK),
           "as_of_6_months_by_group": StatisticsQuery(as_of=SIX_MONTHS_BACK, by="group"),
           "as_of_1_year": StatisticsQuery(as_of=ONE_YEAR_BACK),
           "as_of_1_year_by_group": StatisticsQuery(as_of=ONE_YEAR_BACK, by="group"),
           # the day whose figures read the most cells: five months and fifteen days of them
           "as_of_15_june": StatisticsQuery(as_of=MID_YEAR)}
#: Each as_of query's reference: the same request for today.
TODAYS = {"as_of_6_months": "default", "as_of_6_months_by_group": "by_group",
          "as_of_1_year": "default", "as_of_1_year_by_group": "by_group",
          "as_of_15_june": "default"}


def measure(people: int, runs: int) -> dict:
    """Median and maximum milliseconds of each query, from the cells and directly, the
    queries taking turns in each run (a shared machine's load weighs on all of them alike)."""
    system = run._system(run.territory(people))
    system.projections.catch_up()
    figures = {}
    with system.engine.connect() as conn:
        figures["cells"] = conn.execute(select(func.count()).select_from(statistics_cells)).scalar()
    for name, query in QUERIES.items():
        direct = direct_statistics(system.engine, query, run.TODAY)
        cells = cells_statistics(system.engine, query, run.TODAY)
        if direct != cells:
            raise AssertionError(f"{name}: the cells' document differs from the direct one")
        figures["identical"] = figures.get("identical", 0) + 1
    times: dict[str, list[float]] = {}
    for _ in range(runs):
        for name, query in QUERIES.items():
            for how, compute in (("direct", direct_statistics), ("cells", cells_statistics)):
                started = time.perf_counter()
                compute(system.engine, query, run.TODAY)
                times.setdefault(f"{name}_{how}", []).append((time.perf_counter() - started) * 1000)
    for name, measured in times.items():
        figures[name] = {"median_ms": round(statistics.median(measured), 1), "max_ms": round(max(measured), 1)}
        run.log(f"{people} pathways, {name}: {figures[name]}")
    system.close()
    return figures


def main() -> None:
    """Measures every size, prints the growth of each figure from the first size to the last."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--people", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    load = run._load()
    by_size = {people: measure(people, args.runs) for people in args.people}
    small, large = by_size[args.people[0]], by_size[args.people[-1]]
    print(f"load average {load} → {run._load()}; median ms of {args.runs} runs (max)")
    print(f"| query | {' | '.join(f'{p:,} pathways' for p in args.people)} | growth |")
    print(f"|---|{'---|' * len(args.people)}---|")
    for name in (f"{q}_{how}" for q in QUERIES for how in ("direct", "cells")):
        cells = " | ".join(f"{by_size[p][name]['median_ms']} ({by_size[p][name]['max_ms']})" for p in args.people)
        growth = large[name]["median_ms"] / small[name]["median_ms"]
        print(f"| {name} | {cells} | {growth:.2f}× |")
    print(f"| cells (rows) | {' | '.join(str(by_size[p]['cells']) for p in args.people)} | "
          f"{large['cells'] / small['cells']:.2f}× |")
    print(f"documents checked identical to the direct ones: "
          f"{' + '.join(str(by_size[p]['identical']) for p in args.people)}")
    print("as_of from the cells / the same request for today from the cells (target ≤ 3×):")
    for name, today in TODAYS.items():
        ratios = ", ".join(f"{p:,}: {by_size[p][name + '_cells']['median_ms'] / by_size[p][today + '_cells']['median_ms']:.2f}×"
                           for p in args.people)
        print(f"  {name}: {ratios}")
    print(json.dumps(by_size))


if __name__ == "__main__":
    main()
