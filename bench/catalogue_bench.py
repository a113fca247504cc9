"""Every catalogue query on the synthetic policy graph, on the default backend, under a time limit.

    .venv/bin/python bench/catalogue_bench.py [--sizes 100k,1M] [--limit 60] [--runs 3]

The gap query is not the only place an engine can die: this runs the whole catalogue (checks
included) with its default parameters (a goal and an incident taken from the data where a query
needs one). Each query runs in a forked child; one still running past the limit is killed and
reported as "> limit", never dropped.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ops import Backend
from bench.synthetic import SIZES, generate

_BACKEND: Backend | None = None  # loaded in the parent, inherited by the forked children


def _time_query(conn: Any, text: str, runs: int) -> None:
    assert _BACKEND is not None
    times, rows = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        rows = len(_BACKEND.select(text))
        times.append(time.perf_counter() - t0)
    conn.send((statistics.median(times), rows))


def run_one(text: str, limit: float, runs: int) -> str:
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_time_query, args=(child, text, runs))
    proc.start()
    if parent.poll(limit):
        median, rows = parent.recv()
        proc.join()
        return f"{median * 1000:.0f} ms ({rows} rows)" if median < 10 else f"{median:.1f} s ({rows} rows)"
    proc.kill()
    proc.join()
    return f"> {limit:.0f} s, limit hit"


def main(argv: list[str] | None = None) -> int:
    global _BACKEND
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100k,1M")
    ap.add_argument("--limit", type=float, default=60.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    from cyberkg import paths, queries, store
    from cyberkg.core.namespaces import iri

    onto, vocab = store.ontology_graph(), store.read_turtle_dir(paths.graph_dir() / "vocab")
    columns: dict[str, dict[str, str]] = {}
    for size in args.sizes.split(","):
        syn = generate(SIZES[size])
        goal = next(iter(sorted(syn.goals("gap"))))
        incident = iri("incident", sorted(syn.catalog.records["incident"])[0])
        backend = Backend("oxigraph")
        backend.load({"curated": syn.graph(), "ontology": onto, "vocab": vocab}, {})
        _BACKEND = backend
        for q in queries.catalogue():
            given = {k: v for k, v in (("goal", goal), ("incident", incident)) if k in q.params}
            text = queries.bind_values(q.text, queries.bindings(q, given))
            columns.setdefault(q.name, {})[size] = run_one(text, args.limit, args.runs)
            print(f"{size} {q.name}: {columns[q.name][size]}", file=sys.stderr, flush=True)
        _BACKEND = None
    sizes = args.sizes.split(",")
    lines = ["| query | " + " | ".join(sizes) + " |", "|---|" + "---|" * len(sizes)]
    lines += [f"| `{name}` | " + " | ".join(cells.get(s, "") for s in sizes) + " |" for name, cells in columns.items()]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
