"""Loading the curated graph into Oxigraph: every way of doing it, side by side in one run.

    .venv/bin/python bench/load_bench.py [--sizes 100k,1M] [--rounds 3] [--out build/bench]

For each size the synthetic record (bench/synthetic.py) is generated once and mapped both ways:
``map_catalog`` (an rdflib ``Graph``) and ``map_catalog_nt`` (N-Triples text). Each variant then
runs in a forked child process (a fresh heap each time) on a fresh store, round after round in
turn, so that a busy machine slows every variant alike; the table shows the median wall time, the
process CPU time (Oxigraph's threads included) and the ratio to the current default. Every child
checks that the store holds exactly the curated triples. Writes ``<out>/load.md`` and
``<out>/load.json``.

"Load" is what ``store.populate`` spends on the curated graph before its derivations (the
ontology and vocabularies are 0.1 % of it); "records -> store" adds the mapping of the records.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import SIZES, generate
from cyberkg.core.namespaces import G_CURATED

BEFORE = "rdflib Graph -> add_graph (before: N-Triples written from rdflib objects on a thread)"
AFTER = "NTriples -> add_graph (after: map_catalog_nt's bytes, one bulk_load)"


def _variants(data: dict[str, Any]) -> dict[str, tuple[Callable[[], Any], Callable[[Any], None]]]:
    """name -> (make an empty store, load the curated triples into it); only the load is timed."""
    import pyoxigraph as ox

    from cyberkg import store
    from cyberkg.record.mapping import map_catalog, map_catalog_nt

    graph, nt = data["graph"], data["nt"]
    to_graph = ox.NamedNode(str(G_CURATED))
    NT, NQ = ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS

    def dataset() -> Any:
        return store.new_dataset("oxigraph")

    def on_disk() -> Any:
        return store.new_dataset("oxigraph", Path(tempfile.mkdtemp(dir=data["tmp"])) / "db")

    def add(what: Callable[[], Any]) -> Callable[[Any], None]:
        return lambda ds: store.add_graph(ds, G_CURATED, what())

    def threads(s: Any) -> None:
        half = nt.data.index(b"\n", len(nt.data) // 2) + 1
        ts = [threading.Thread(target=s.bulk_load, args=(part,), kwargs={"format": NT, "to_graph": to_graph})
              for part in (nt.data[:half], nt.data[half:])]
        for t in ts:
            t.start()
        for t in ts:
            t.join()

    def chunked(s: Any) -> None:
        lines = nt.data.splitlines(keepends=True)
        for i in range(0, len(lines), 100_000):
            s.bulk_load(b"".join(lines[i:i + 100_000]), format=NT, to_graph=to_graph)

    return {
        BEFORE: (dataset, add(lambda: graph)),
        AFTER: (dataset, add(lambda: nt)),
        "N-Triples, lenient (no IRI validation)": (
            ox.Store, lambda s: s.bulk_load(nt.data, format=NT, to_graph=to_graph, lenient=True)),
        "N-Triples into the default graph (not a named graph)": (ox.Store, lambda s: s.bulk_load(nt.data, format=NT)),
        "N-Quads (the graph name on every line)": (ox.Store, lambda s: s.bulk_load(data["nq"], format=NQ)),
        "N-Triples in 100k-line chunks": (ox.Store, chunked),
        "N-Triples, two halves parsed on two threads": (ox.Store, threads),
        "bulk_extend of pyoxigraph Quads (parsed by Oxigraph: a lower bound)": (
            ox.Store, lambda s: s.bulk_extend(list(ox.parse(data["nq"], format=NQ)))),
        "NTriples -> add_graph, store on disk (as store.build)": (on_disk, add(lambda: nt)),
        "records -> store, before: map_catalog + add_graph": (dataset, add(lambda: map_catalog(data["catalog"]))),
        "records -> store, after: map_catalog_nt + add_graph": (dataset, add(lambda: map_catalog_nt(data["catalog"]))),
    }


def _child(conn: Any, data: dict[str, Any], name: str) -> None:
    try:
        from cyberkg import store

        make, load = _variants(data)[name]
        target = make()
        before, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        load(target)
        wall, after = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        count = store.adapter.of(target).count() if hasattr(target, "store") else len(target)
        extra: dict[str, Any] = {}
        if name == AFTER:  # what populate() avoids: len() of the loaded oxrdflib graph (DESIGN §5)
            t1 = time.perf_counter()
            extra["len_oxrdflib_graph"] = len(target.graph(G_CURATED))
            extra["len_oxrdflib_s"] = time.perf_counter() - t1
        conn.send({"wall": wall, "cpu": cpu, "count": count, **extra})
    except BaseException as exc:  # reported in the table, never hidden
        conn.send({"error": f"{type(exc).__name__}: {exc}"[:300]})


def run_one(data: dict[str, Any], name: str) -> dict[str, Any]:
    ctx = mp.get_context("fork")
    parent, child_end = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(child_end, data, name), daemon=True)
    proc.start()
    child_end.close()
    try:
        result: dict[str, Any] = parent.recv()
    except EOFError:
        result = {"error": "the child process died"}
    proc.join()
    shutil.rmtree(data["tmp"], ignore_errors=True)
    Path(data["tmp"]).mkdir(parents=True)
    return result


def _fmt(secs: float) -> str:
    return f"{secs * 1000:.0f} ms" if secs < 1 else f"{secs:.2f} s"


def markdown(results: dict[str, Any]) -> str:
    meta = results["meta"]
    out = [f"# Loading benchmark ({meta['started']}, {meta['cpus']} CPUs, load average {meta['load_avg_start'][0]:.1f}"
           f" at the start and {meta['load_avg_end'][0]:.1f} at the end; median of {meta['rounds']} rounds)", ""]
    sizes = list(results["sizes"])
    for size in sizes:
        e = results["sizes"][size]
        out.append(f"* {size}: {e['curated']:,} curated triples; map_catalog {_fmt(e['map_graph_s'])}, "
                   f"map_catalog_nt {_fmt(e['map_nt_s'])} ({e['map_graph_s'] / e['map_nt_s']:.1f}x)")
    out += ["", "| variant | " + " | ".join(f"{s} wall (triples/s) | {s} CPU | {s} vs before" for s in sizes) + " |",
            "|---|" + "---|---|---|" * len(sizes)]
    for name in results["variants"]:
        cells = []
        for size in sizes:
            e = results["sizes"][size]
            r = e["variants"][name]
            base = e["variants"][BEFORE if not name.startswith("records") else
                                 "records -> store, before: map_catalog + add_graph"]
            if "median_wall" not in r:
                cells += [r.get("error", "?"), "", ""]
                continue
            ok = "" if r["correct"] else " **wrong count**"
            rate = e["curated"] / r["median_wall"]
            cells += [f"{_fmt(r['median_wall'])} ({rate:,.0f}/s){ok}", _fmt(r["median_cpu"]),
                      f"{base['median_wall'] / r['median_wall']:.2f}x" if "median_wall" in base else ""]
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    for size in sizes:
        r = results["sizes"][size]["variants"][AFTER]
        if "len_s" in r:
            out.append(f"\n`len()` of the loaded oxrdflib graph at {size} (what `populate` does not do): "
                       f"{_fmt(r['len_s'])}")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100k,1M", help="comma-separated: " + ", ".join(SIZES))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", default="", help="comma-separated substrings: run only the variants they match")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "build" / "bench")
    args = ap.parse_args(argv)
    import oxrdflib  # noqa: F401  (imported before the children fork: no import time in the timings)
    import pyoxigraph  # noqa: F401

    from cyberkg import store  # noqa: F401
    from cyberkg.record.mapping import map_catalog, map_catalog_nt

    meta = {"cpus": os.cpu_count(), "load_avg_start": os.getloadavg(), "rounds": args.rounds,
            "started": time.strftime("%Y-%m-%d %H:%M")}
    names = list(_variants({"graph": None, "nt": None}))
    if args.only:
        keep = [w.strip() for w in args.only.split(",")]
        names = [n for n in names if n in (BEFORE, AFTER) or any(k in n for k in keep)]
    results: dict[str, Any] = {"meta": meta, "variants": names, "sizes": {}}
    for size in args.sizes.split(","):
        cat = generate(SIZES[size], args.seed).catalog
        t0 = time.perf_counter()
        graph = map_catalog(cat)
        map_graph_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        nt = map_catalog_nt(cat)
        map_nt_s = time.perf_counter() - t0
        nq = nt.data.replace(b" .\n", f" <{G_CURATED}> .\n".encode())
        data = {"catalog": cat, "graph": graph, "nt": nt, "nq": nq, "tmp": args.out / "load-tmp"}
        runs: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
        for r in range(args.rounds):
            for name in names:
                print(f"{size} round {r + 1}: {name}", file=sys.stderr, flush=True)
                runs[name].append(run_one(data, name))
        entry: dict[str, Any] = {"curated": len(nt), "map_graph_s": map_graph_s, "map_nt_s": map_nt_s,
                                 "variants": {}}
        for name, rs in runs.items():
            good = [x for x in rs if "error" not in x]
            if not good:
                entry["variants"][name] = {"error": rs[0]["error"], "runs": rs}
                continue
            v: dict[str, Any] = {"median_wall": statistics.median(x["wall"] for x in good),
                                 "median_cpu": statistics.median(x["cpu"] for x in good),
                                 "correct": all(x["count"] == len(nt) for x in good), "runs": rs}
            if any("len_oxrdflib_s" in x for x in good):
                v["len_s"] = statistics.median(x["len_oxrdflib_s"] for x in good if "len_oxrdflib_s" in x)
            entry["variants"][name] = v
        results["sizes"][size] = entry
        del data, graph, nt, nq, cat
    meta["load_avg_end"] = os.getloadavg()
    shutil.rmtree(args.out / "load-tmp", ignore_errors=True)
    text = markdown(results)
    from cyberkg.core.atomic import write_atomic

    args.out.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out / "load.json", (json.dumps(results, indent=1, default=str) + "\n").encode())
    write_atomic(args.out / "load.md", text.encode())
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
