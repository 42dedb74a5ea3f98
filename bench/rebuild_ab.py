"""The rebuild of two source trees side by side, like for like, taking turns (A/B).

    python bench/rebuild_ab.py --a /work/main --b . --people 50000 --rounds 3
    python bench/rebuild_ab.py --a /work/main --b . --what rebuild-1 rebuild --rounds 2

Each round runs, each in a fresh Python process of its tree (its own `.venv` and its own
`bench/run.py`'s `replay`), one after the other: the bare library's read-and-decode (in one
process, "bare"; split as the rebuild splits it, "bare-split", when a multi-process rebuild is
asked), then each asked replay of tree A, then of tree B. Each tree rebuilds its own scratch
copy of `run.py`'s cached store (`bench/results/territory-<N>-seed2020`, made by
`python bench/run.py`), so the stored events are the same bytes and no tree reads the other's
read models. The bare reads run with tree B's code (the library is the same).

Prints, per replay kind and tree, the median wall and CPU seconds (all processes) and the
like-for-like ratio: events per second of the rebuild over those of the bare read that does
the same split ("rebuild-1" against "bare", "rebuild" against "bare-split"), median of the
per-round ratios, and the 1-minute load average before and after.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def replay(tree: Path, what: str, store: Path) -> dict:
    """`run.replay(what, store)` in a fresh process of `tree`'s interpreter and benchmark."""
    code = (f"import sys,json;sys.path.insert(0,{str(tree / 'bench')!r});import run;"
            f"from pathlib import Path;print(json.dumps(run.replay({what!r}, Path({str(store)!r}))))")
    out = subprocess.run([str(tree / ".venv" / "bin" / "python"), "-c", code], cwd=tree,
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Runs the rounds and prints the medians and ratios (and the JSON of every run)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--a", type=Path, required=True, help="tree A (e.g. /work/main)")
    parser.add_argument("--b", type=Path, default=HERE.parent, help="tree B (default: this one)")
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--what", nargs="+", default=["rebuild-1"], choices=["rebuild-1", "rebuild"])
    parser.add_argument("--scratch", type=Path, default=None, help="where the store copies go")
    args = parser.parse_args()
    trees = {"A": args.a.resolve(), "B": args.b.resolve()}
    source = HERE / "results" / f"territory-{args.people}-seed2020"
    if not (source / "ready").exists():
        parser.error(f"no store at {source}: run `python bench/run.py rebuild --people {args.people}` first")
    bare_kinds = ["bare"] + (["bare-split"] if "rebuild" in args.what else [])
    with tempfile.TemporaryDirectory(prefix="rebuild-ab-", dir=args.scratch) as scratch:
        stores = {}
        for name in (*trees, "bare"):
            stores[name] = Path(scratch) / name
            shutil.copytree(source, stores[name])
        load = {"start": round(os.getloadavg()[0], 2)}
        runs: dict[str, list[dict]] = {}
        for round_ in range(args.rounds):
            for kind in bare_kinds:
                runs.setdefault(kind, []).append(replay(trees["B"], kind, stores["bare"]))
            for name, tree in trees.items():
                for what in args.what:
                    runs.setdefault(f"{what} {name}", []).append(replay(tree, what, stores[name]))
            print(f"round {round_ + 1}: " + ", ".join(
                f"{key} {r[-1]['seconds']:.2f} s ({r[-1]['cpu_seconds']:.2f} CPU)" for key, r in runs.items()),
                file=sys.stderr, flush=True)
        load["end"] = round(os.getloadavg()[0], 2)
    events = runs["bare"][0]["events"]
    print(f"{args.people:,} pathways, {events:,} events, {args.rounds} rounds, load average {load}")
    print(f"A = {trees['A']}\nB = {trees['B']}")
    print("| replay | wall s (median) | CPU s (median) | events/s | like-for-like ratio (median of rounds) |")
    print("|---|---|---|---|---|")
    for key, results in runs.items():
        what = key.split()[0]
        rate = statistics.median(r["events"] / r["seconds"] for r in results)
        ratio = ""
        if what.startswith("rebuild"):
            against = runs["bare" if what == "rebuild-1" else "bare-split"]
            ratios = [(r["events"] / r["seconds"]) / (b["events"] / b["seconds"])
                      for r, b in zip(results, against, strict=True)]
            cpu = [b["cpu_seconds"] / r["cpu_seconds"] for r, b in zip(results, against, strict=True)]
            ratio = (f"{statistics.median(ratios):.2f}× (rounds {', '.join(f'{x:.2f}' for x in ratios)}); "
                     f"CPU {statistics.median(cpu):.2f}×")
        print(f"| {key} | {statistics.median(r['seconds'] for r in results):.2f} "
              f"| {statistics.median(r['cpu_seconds'] for r in results):.2f} | {rate:,.0f} | {ratio} |")
    print(json.dumps({"load_average": load, "runs": runs}))


if __name__ == "__main__":
    main()
