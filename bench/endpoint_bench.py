"""Publish throughput (Graph Store PUT vs chunked SPARQL Update) at 100k and 1M synthetic triples,
and the headline gap query on an Oxigraph server vs the embedded store, side by side.

    .venv/bin/python bench/endpoint_bench.py [--sizes 100000,1000000] [--budget 240]

Starts its own ``oxigraph serve`` on a free port of 127.0.0.1. A run that exceeds ``--budget``
seconds stops and is reported as "limit hit" with the rate reached so far (never dropped).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from cyberkg import gaps, publish, queries, store
from cyberkg.remote.endpoint import connect
from endpoint_fixtures import OxigraphServer

G = "http://example.org/bench"


def synthetic(n: int) -> object:
    ds = store.new_dataset("oxigraph")
    lines = []
    for i in range(n):
        s = f"<http://example.org/s/{i // 10}>"
        if i % 3 == 0:
            lines.append(f'{s} <http://example.org/label{i % 10}> "label {i}"@en .')
        else:
            lines.append(f"{s} <http://example.org/p{i % 10}> <http://example.org/o/{i}> .")
    store.adapter.of(ds).load_nt(G, ["\n".join(lines).encode()])
    return ds


def bench_put(server: OxigraphServer, ds: object, n: int) -> str:
    remote = connect(server.query_url)
    t = time.perf_counter()
    publish.publish(ds, remote, method="put", progress=False)
    s = time.perf_counter() - t
    return f"{n:,} triples in {s:.2f} s = {n / s:,.0f} triples/s"


def bench_update(server: OxigraphServer, ds: object, n: int, chunk: int, budget: float) -> str:
    remote = connect(server.query_url, update_url=server.base + "/update")
    lines = publish.graph_ntriples(ds, G).splitlines()
    t = time.perf_counter()
    sent = 0
    for part in publish.chunks(lines, chunk):
        body = b"\n".join(part).decode()
        remote.update(f"INSERT DATA {{ GRAPH <{G}/u> {{\n{body}\n}} }}")
        sent += len(part)
        if time.perf_counter() - t > budget:
            s = time.perf_counter() - t
            return (f"LIMIT HIT after {s:.0f} s: {sent:,} of {n:,} triples = {sent / s:,.0f} triples/s "
                    f"(whole graph would take ~{n / (sent / s):,.0f} s)")
    s = time.perf_counter() - t
    return f"{n:,} triples in {s:.2f} s = {n / s:,.0f} triples/s (chunks of {chunk:,})"


def timed(fn: object, repeat: int = 15) -> float:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append(time.perf_counter() - t)
    return statistics.median(out) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--chunk", type=int, default=2000)
    ap.add_argument("--budget", type=float, default=240.0, help="seconds per publish run before 'limit hit'")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cyberkg-endpoint-bench-"))
    print("## Publish throughput (Oxigraph server on 127.0.0.1)")
    for n in (int(x) for x in args.sizes.split(",")):
        ds = synthetic(n)
        for label, fn in (("Graph Store PUT", lambda s, d=ds, n=n: bench_put(s, d, n)),
                          ("chunked Update", lambda s, d=ds, n=n: bench_update(s, d, n, args.chunk, args.budget))):
            server = OxigraphServer(tmp / f"{label[:3]}-{n}" / "db")
            try:
                print(f"- {n:>9,} {label:16}: {fn(server)}", flush=True)
            finally:
                server.stop()
    print("\n## Gap analysis: Oxigraph server vs embedded (curated record, median of 15)")
    embedded = store.open_built()
    server = OxigraphServer(tmp / "gaps" / "db")
    try:
        remote = connect(server.query_url)
        publish.publish(embedded, remote, progress=False)
        q = queries.find(gaps.HEADLINE)
        for as_of in ("2020-11-26", "today"):
            e = timed(lambda a=as_of: queries.run(q, embedded, {"asOf": a}))
            r = timed(lambda a=as_of: queries.run(q, remote, {"asOf": a}))
            print(f"- headline gap query as of {as_of}: embedded {e:.1f} ms, server {r:.1f} ms")
        e = timed(lambda: gaps.find_gaps(embedded, "2020-11-26"), 5)
        r = timed(lambda: gaps.find_gaps(remote, "2020-11-26"), 5)
        print(f"- full gap report (find_gaps with details) as of 2020-11-26: embedded {e:.0f} ms, server {r:.0f} ms")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
