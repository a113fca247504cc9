"""The report and the diff on the synthetic policy graph, on the default backend, under a time limit.

    .venv/bin/python bench/report_bench.py [--sizes 100k,1M] [--limit 120] [--runs 3]

For each size the synthetic graph (bench/synthetic.py) is generated and loaded once; each operation
then runs in a forked child (median of --runs), one still running past the limit is killed and
reported as "> limit", never dropped. Operations: reading the record (facts), the gap analysis with
its details, the diff from the brief's date to 2025-12-31, the metrics, the whole report's data
(everything above plus the per-goal queries) and writing the HTML page. The checked answer: the
report's gaps equal the planted gaps of the synthetic graph on 2020-11-26.
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

from bench.synthetic import AS_OF, SIZES, generate

_STATE: dict[str, Any] = {}  # the loaded backend and the expected answer, inherited by the forked children
OPS = ("facts", "gaps (with details)", "diff 2020-11-26 -> 2025-12-31", "metrics", "report data", "report html")


def _op(name: str) -> Any:
    from cyberkg.analysis.diff import diff
    from cyberkg.analysis.facts import load_facts
    from cyberkg.analysis.gaps import find_gaps
    from cyberkg.analysis.metrics import metrics
    from cyberkg.analysis.report import build_report
    from cyberkg.views.report_html import render

    ds = _STATE["ds"]
    as_of = AS_OF.isoformat()
    if name == "facts":
        return f"{len(load_facts(ds).instruments)} instruments"
    if name == "gaps (with details)":
        gaps = {g.goal for g in find_gaps(ds, as_of).gaps}
        return f"{len(gaps)} gaps, {'correct' if gaps == _STATE['expected'] else 'WRONG'}"
    if name.startswith("diff"):
        return f"{len(diff(ds, as_of, '2025-12-31').rows)} changes"
    if name == "metrics":
        m = metrics(ds, as_of)
        return f"{m['nodes']} nodes{' (sampled)' if m['sampled'] else ''}"
    data = build_report(ds, as_of)
    gaps = {g["goal"] for g in data["goals"] if g["status"] == "gap"}
    if name == "report data":
        return f"{len(data['goals'])} shared goals, {'correct' if gaps == _STATE['expected'] else 'WRONG'} gaps"
    return f"{len(render(data).encode()) / 1e6:.1f} MB"


def _child(conn: Any, name: str, runs: int) -> None:
    times, note = [], ""
    for _ in range(runs):
        t0 = time.perf_counter()
        note = _op(name)
        times.append(time.perf_counter() - t0)
    conn.send((statistics.median(times), note))


def run_one(name: str, limit: float, runs: int) -> str:
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(child, name, runs))
    proc.start()
    if parent.poll(limit):
        median, note = parent.recv()
        proc.join()
        shown = f"{median * 1000:.0f} ms" if median < 10 else f"{median:.1f} s"
        return f"{shown} ({note})"
    proc.kill()
    proc.join()
    return f"> {limit:.0f} s, limit hit"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100k,1M")
    ap.add_argument("--limit", type=float, default=120.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    from cyberkg import paths, store

    onto, vocab = store.ontology_graph(), store.read_turtle_dir(paths.graph_dir() / "vocab")
    sizes = args.sizes.split(",")
    cells: dict[str, dict[str, str]] = {}
    for size in sizes:
        syn = generate(SIZES[size])
        t0 = time.perf_counter()
        curated = syn.graph()
        ds = store.new_dataset("oxigraph")
        store.populate(ds, curated, onto, vocab)  # load and derive, as `cyberkg build` does
        print(f"{size}: {len(curated):,} curated triples loaded and derived in {time.perf_counter() - t0:.1f} s",
              file=sys.stderr, flush=True)
        _STATE.update(ds=ds, expected=syn.expected_gaps())
        for name in OPS:
            cells.setdefault(name, {})[size] = run_one(name, args.limit, args.runs)
            print(f"{size} {name}: {cells[name][size]}", file=sys.stderr, flush=True)
        _STATE.clear()
    lines = ["| operation (Oxigraph via oxrdflib) | " + " | ".join(sizes) + " |", "|---|" + "---|" * len(sizes)]
    lines += [f"| {name} | " + " | ".join(c.get(s, "") for s in sizes) + " |" for name, c in cells.items()]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
