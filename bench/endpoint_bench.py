"""Remote stores, measured.

* ``--stores`` (docs/endpoints.md): the headline gap query, ``gaps`` (``find_gaps`` with details)
  and ``report`` (``build_report``) on a synthetic 1M-triple record (``bench/synthetic.py``) on the
  embedded store, Oxigraph server and Virtuoso (Debian's, started here with its own ini), side by
  side in one run; and the time to publish to each.
* default: publish throughput (Graph Store PUT vs chunked SPARQL Update) at 100k and 1M synthetic
  triples, and the headline gap query on an Oxigraph server vs the embedded store.

    .venv/bin/python bench/endpoint_bench.py --stores [--size 1000000] [--runs 5]
    .venv/bin/python bench/endpoint_bench.py [--sizes 100000,1000000] [--budget 240]

Starts its own servers on free ports of 127.0.0.1 and stops them. A run that exceeds ``--budget``
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
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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


def bench_stores(size: int, runs: int, limit: float) -> None:
    """The headline gap query, gaps and report on the embedded store, Oxigraph server and Virtuoso."""
    import os

    from bench.synthetic import generate
    from cyberkg.analysis.report import build_report
    from cyberkg.record.mapping import map_catalog_nt
    from cyberkg.remote.http import Auth
    from store_fixtures import VirtuosoServer

    tmp = Path(tempfile.mkdtemp(prefix="cyberkg-store-bench-"))
    t0 = time.perf_counter()
    syn = generate(size, 7)
    embedded = store.new_dataset("oxigraph")
    onto, vocab = store.ontology_graph(), store.read_turtle_dir(Path(__file__).resolve().parents[1] / "graph" / "vocab")
    store.populate(embedded, map_catalog_nt(syn.catalog), onto, vocab)
    total = sum(len(publish.graph_ntriples(embedded, g).splitlines()) for g in publish.graph_names(embedded))
    print(f"## Stores side by side: synthetic record, {total:,} triples in all graphs (generated and derived in "
          f"{time.perf_counter() - t0:.0f} s); median of {runs}; load average {os.getloadavg()[0]:.1f}", flush=True)
    ox = OxigraphServer(tmp / "ox" / "db")
    vt = VirtuosoServer(tmp / "virtuoso", buffers=340000)
    print(f"- Virtuoso {vt.ready_s:.1f} s from start to a changed dba password", flush=True)
    try:
        from cyberkg.remote.http import Settings

        slow = Settings(timeout=3600)  # a 1M-triple PUT on a busy machine takes minutes
        remote_ox = connect(ox.query_url, settings=slow)
        remote_vt = connect(vt.query_url, settings=slow)
        object.__setattr__(remote_vt, "auth", Auth("basic", "environment", f"dba:{vt.password}"))
        t = time.perf_counter()
        for g in publish.graph_names(embedded):  # one PUT per graph (a staged publish: ~2x, see docs)
            publish.put_graph(remote_ox, f"{ox.base}/store", g, publish.graph_ntriples(embedded, g))
        print(f"- loaded into Oxigraph server (one Graph Store PUT per graph): {time.perf_counter() - t:.1f} s",
              flush=True)
        t = time.perf_counter()
        rep = publish.publish(embedded, remote_vt, progress=False)
        print(f"- cyberkg publish to Virtuoso: {time.perf_counter() - t:.1f} s"
              + (f", switch {rep.switch_seconds:.1f} s" if rep.atomic else f" ({rep.summary().splitlines()[-1]})"),
              flush=True)
        remote_ox, remote_vt = connect(ox.query_url, settings=slow), connect(vt.query_url, settings=slow)
        q = queries.find(gaps.HEADLINE)
        where = {"embedded": embedded, "Oxigraph server": remote_ox, "Virtuoso": remote_vt}
        ops = {
            "headline gap query, 2020-11-26": lambda ds: queries.run(q, ds, {"asOf": "2020-11-26"}),
            "headline gap query, today": lambda ds: queries.run(q, ds, {"asOf": "today"}),
            "gaps (find_gaps with details), 2020-11-26": lambda ds: gaps.find_gaps(ds, "2020-11-26"),
            "report (build_report), 2020-11-26": lambda ds: build_report(ds, "2020-11-26"),
        }
        print("\n| | " + " | ".join(where) + " |\n|---|" + "---:|" * len(where))
        answers: dict[str, list[object]] = {}
        for label, op in ops.items():
            cells = []
            for ds in where.values():
                try:
                    first = time.perf_counter()
                    answer = op(ds)
                    once = time.perf_counter() - first
                    answers.setdefault(label, []).append(getattr(answer, "to_json", lambda a=answer: a)())
                    ms = timed(lambda o=op, d=ds: o(d), runs if once < limit / runs else 1)
                    cells.append(f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.0f} ms")
                except Exception as exc:  # a store's failure is a result too
                    cells.append(f"error: {type(exc).__name__}: {str(exc)[:80]}")
            print(f"| {label} | " + " | ".join(cells) + " |", flush=True)
        same = {label: all(a == v[0] for a in v) for label, v in answers.items() if len(v) == len(where)}
        print(f"\nSame answers on all three: {same}")
    finally:
        ox.stop()
        vt.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stores", action="store_true", help="gaps and report on embedded, Oxigraph server, Virtuoso")
    ap.add_argument("--size", type=int, default=1_000_000, help="with --stores: synthetic record size (triples)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--chunk", type=int, default=2000)
    ap.add_argument("--budget", type=float, default=240.0, help="seconds per publish run before 'limit hit'")
    args = ap.parse_args()
    if args.stores:
        bench_stores(args.size, args.runs, args.budget)
        return
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
