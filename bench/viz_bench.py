"""HTML view benchmark: write time and file size at 500, 2,000 and 5,000 nodes (synthetic graphs
through ``viz.write_view``), and the time to a settled, interactive page in headless Chromium.

    .venv/bin/python bench/viz_bench.py [--sizes 500,2000,5000] [--out build/bench-viz]

Prints a Markdown table (the numbers in docs/viz.md come from it).
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import networkx as nx

from cyberkg.views.viz import HEADLESS_CHROMIUM_ARGS, PHYSICS_LIMIT, write_view

KINDS = ["actor", "instrument", "goal", "source", "incident", "threat-actor"]
SIDES = ["EU", "US", "joint", None]
RELATIONS = ["party", "addresses", "wasDerivedFrom", "respondsTo"]
ARGS = HEADLESS_CHROMIUM_ARGS


def synthetic(n: int, seed: int = 1) -> nx.MultiDiGraph:
    """A policy-like graph: preferential attachment (a few hubs), ~2 edges per node."""
    base = nx.barabasi_albert_graph(n, 2, seed=seed)
    g = nx.MultiDiGraph(as_of="2020-11-26")
    for i in base:
        g.add_node(
            f"https://example.org/id/{i}",
            kind=KINDS[i % len(KINDS)],
            label=f"Record {i}",
            side=SIDES[i % len(SIDES)],
            description=f"Synthetic record number {i}.",
            start="2019-05-17",
            slug=f"r{i}",
        )
    for j, (u, v) in enumerate(base.edges()):
        rel = RELATIONS[j % len(RELATIONS)]
        g.add_edge(
            f"https://example.org/id/{u}", f"https://example.org/id/{v}", key=rel, relation=rel, sources=[]
        )
    return g


def browser_times(path: Path, target: str) -> tuple[float, float]:
    """Seconds from navigation to a settled page (layout done, physics off), and for one search."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = b.new_page(viewport={"width": 1400, "height": 900})
        url = path.resolve().as_uri()
        page.route("**/*", lambda r: r.continue_() if r.request.url == url else r.abort())
        t0 = time.perf_counter()
        page.goto(url)
        while not page.evaluate("() => !!(window.cyberkg && window.cyberkg.ready)"):
            page.wait_for_timeout(20)
        settled = time.perf_counter() - t0
        t1 = time.perf_counter()
        page.fill("#search", target)
        page.locator("#results button").first.click()
        assert page.evaluate("() => cyberkg.network.getSelectedNodes().length") == 1
        search = time.perf_counter() - t1
        b.close()
    return settled, search


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="500,2000,5000")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="viz-bench-"))
    print(
        f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}; "
        f"physics below {PHYSICS_LIMIT + 1} nodes, precomputed layout above\n"
    )
    print(
        "| nodes | edges | layout | write_view (s) | file size (MB) | settled in Chromium (s) "
        "| search+select (s) |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|")
    for n in (int(x) for x in args.sizes.split(",")):
        g = synthetic(n)
        path = out / f"view-{n}.html"
        t0 = time.perf_counter()
        info = write_view(g, path, f"{n} nodes")
        write = time.perf_counter() - t0
        settled, search = (
            (float("nan"), float("nan")) if args.no_browser else browser_times(path, f"record {n - 7}")
        )
        print(
            f"| {n:,} | {g.number_of_edges():,} | {info.layout} | {write:.2f} | {info.bytes / 1e6:.2f} | "
            f"{settled:.2f} | {search:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
