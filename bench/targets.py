"""The targets of issue #20, measured side by side in one run, with peak memory per operation.

    .venv/bin/python bench/targets.py [--sizes 240k,1M] [--limit 300] [--out build/bench]

Two tables:

* **library level** (each size in ``--sizes`` except the user-level one): the synthetic graph loaded
  and derived in memory, then each operation in a forked child under a time limit, its peak memory
  its own high-water mark (``/proc/self/clear_refs`` resets it after the fork): export Turtle
  through cyberkg against Oxigraph's own Turtle serialiser of the same store; the gap analysis with
  details, the diff, the metrics and the report's data against the bare gap query; the gap query
  through cyberkg against pyoxigraph direct; loading every quad into an on-disk store (what
  ``cyberkg build`` writes);
* **user level** (``--user``, 240k by default): the synthetic record written as YAML in a
  ``graph/`` folder (:mod:`bench.user_record`), then each command as a whole process (peak memory
  from ``wait4``): ``build --no-validate``, ``build`` (validated), ``validate``, ``gaps --format
  json`` against the same query by pyoxigraph on the built store, ``export --format turtle``
  against Oxigraph writing Turtle of the same triples, and ``report``.

With ``--sizes 10M`` the library table has the 10M tier's generation, load, gap query and export.
Writes ``<out>/targets.md`` and ``targets.json`` and prints the Markdown.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import AS_OF, SIZES

ROOT = Path(__file__).resolve().parents[1]
EXE = ROOT / ".venv" / "bin"
SIZES_ALL = {**SIZES, "240k": 240_000, "10M": 10_000_000}
_STATE: dict[str, Any] = {}  # inherited by the forked children


def _peak_reset() -> None:
    """Reset this process's peak RSS (Linux >= 4.0), so a forked child measures its own peak."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _peak_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _child(conn: Any, fn: Callable[[], Any]) -> None:
    _peak_reset()
    try:
        t0, c0 = time.perf_counter(), _cpu()
        note = fn()
        conn.send({"s": time.perf_counter() - t0, "cpu": _cpu() - c0, "mb": _peak_mb(), "note": str(note)})
    except BaseException as exc:  # reported in the table, never hidden
        conn.send({"error": f"{type(exc).__name__}: {exc}"[:200]})


def _private_mb(pid: int) -> float:
    """What a forked child holds of its own (pages it wrote since the fork), in MB."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            kb = [int(line.split()[1]) for line in f if line.startswith(("Private_Clean:", "Private_Dirty:"))]
            return sum(kb) / 1024
    except OSError:
        return 0.0


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def forked(fn: Callable[[], Any], limit: float, max_mb: float = 0.0) -> dict[str, Any]:
    """``fn`` in a forked child under a time limit and (``max_mb``: the parent's RSS plus what the child
    holds of its own, 0 for none) a memory cap, so a run never takes the whole machine (no swap: the
    OOM killer would pick any process on it)."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(child, fn))
    proc.start()
    child.close()  # so a child that dies is seen as the end of the pipe
    deadline, peak = time.perf_counter() + limit, 0.0
    while time.perf_counter() < deadline:
        if parent.poll(1.0):
            try:
                out: dict[str, Any] = parent.recv()
            except EOFError:
                out = {"error": "the child died"}
            proc.join()
            if "error" in out and proc.exitcode:
                out["error"] += f" (exit {proc.exitcode})"
            return out
        if max_mb:
            total = _rss_mb() + _private_mb(proc.pid or 0)
            peak = max(peak, total)
            if total > max_mb:
                proc.kill()
                proc.join()
                return {"memory": max_mb, "at_s": limit - (deadline - time.perf_counter())}
    proc.kill()
    proc.join()
    return {"limit": limit}


# --- library level -------------------------------------------------------------------------------------------------

def _ops() -> dict[str, Callable[[], Any]]:
    import pyoxigraph as ox

    from bench.ops import bound_text
    from cyberkg import store

    def ds() -> Any:
        return _STATE["ds"]

    def native() -> Any:
        return _STATE["native"]

    def export_cyberkg() -> str:
        from cyberkg.export.rdf import serialize

        return f"{len(serialize(ds(), 'turtle')) / 1e6:.0f} MB"

    def export_oxigraph() -> str:
        from cyberkg.core.namespaces import G_DERIVED, PREFIXES

        q = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{G_DERIVED}>) }}"
        data = ox.serialize(native().query(q), format=ox.RdfFormat.TURTLE,
                            prefixes={k: str(v) for k, v in PREFIXES.items()})
        return f"{len(data or b'') / 1e6:.0f} MB"

    def gap_cyberkg() -> str:
        from cyberkg.analysis.catalogue import find, run

        rows = run(find("gaps/shared-goals-without-joint-instrument"), ds(), {}).rows  # the defaults, as bound_text
        return f"{len(rows)} rows"

    def gap_direct() -> str:
        return f"{len(list(native().query(bound_text('catalogue'), use_default_graph_as_union=True)))} rows"

    def gaps_details() -> str:
        from cyberkg.analysis.gaps import find_gaps

        return f"{len(find_gaps(ds(), AS_OF.isoformat()).gaps)} gaps"

    def diff() -> str:
        from cyberkg.analysis.diff import diff as run_diff

        return f"{len(run_diff(ds(), AS_OF.isoformat(), '2025-12-31').rows)} changes"

    def metrics() -> str:
        from cyberkg.analysis.metrics import metrics as run_metrics

        return f"{run_metrics(ds(), AS_OF.isoformat())['nodes']} nodes"

    def report_data() -> str:
        from cyberkg.analysis.report import build_report

        return f"{len(build_report(ds(), AS_OF.isoformat())['goals'])} goals"

    def load_disk() -> str:
        folder = Path(tempfile.mkdtemp(dir=_STATE["tmp"]))
        with store.adapter.of(store.new_dataset("oxigraph", folder / "db")) as disk:
            t0 = time.perf_counter()
            if "nquads_file" in _STATE:  # the 10M tier: Oxigraph's bulk loader reads the file
                store.adapter.native_of(disk.ds).bulk_load(path=str(_STATE["nquads_file"]), format=_nquads_format())
            else:
                disk.load_nquads(_STATE["nquads"])
            disk.flush()
            s = time.perf_counter() - t0
        shutil.rmtree(folder, ignore_errors=True)
        return f"{_STATE['quads'] / s:,.0f} quads/s"

    return {"export turtle (cyberkg)": export_cyberkg, "export turtle (Oxigraph's serialiser)": export_oxigraph,
            "gap query (cyberkg)": gap_cyberkg, "gap query (pyoxigraph direct)": gap_direct,
            "gaps with details": gaps_details, "diff": diff, "metrics": metrics, "report data": report_data,
            "load into the on-disk store": load_disk}


class _Phases:
    """Wall, CPU and peak RSS of each phase of the parent (the peak reset between phases)."""

    def __init__(self) -> None:
        self.done: dict[str, dict[str, float]] = {}

    def run(self, name: str, fn: Callable[[], Any]) -> Any:
        print(f"  {name} …", file=sys.stderr, flush=True)
        _peak_reset()
        t0, c0 = time.perf_counter(), _cpu()
        value = fn()
        self.done[name] = {"s": time.perf_counter() - t0, "cpu": _cpu() - c0, "mb": _peak_mb(), "after_mb": _rss_mb()}
        print(f"  {name}: {self.done[name]}", file=sys.stderr, flush=True)
        return value


STREAM_FROM = 5_000_000  # from this size the N-Quads go to a file, not into memory (the 10M tier)


def library(size: str, limit: float, tmp: Path, only: str = "", max_mb: float = 0.0) -> dict[str, Any]:
    from bench.synthetic import generate
    from cyberkg import paths, store
    from cyberkg.record.mapping import map_catalog_nt
    from cyberkg.store.derive import derive

    out: dict[str, Any] = {"ops": {}}
    ph = _Phases()
    held: dict[str, Any] = {}  # what one phase hands the next, dropped as soon as it is used
    held["syn"] = ph.run("generation", lambda: generate(SIZES_ALL[size]))
    out["expected_gaps"] = len(held["syn"].expected_gaps())  # the planted answer of the gap query (one row per gap)
    held["nt"] = ph.run("mapping to N-Triples", lambda: map_catalog_nt(held.pop("syn").catalog))
    out["generate_s"] = ph.done["generation"]["s"] + ph.done["mapping to N-Triples"]["s"]
    out["curated"] = len(held["nt"])
    ds = store.new_dataset("oxigraph")
    vocab = store.read_turtle_dir(paths.graph_dir() / "vocab")
    ph.run("load in memory", lambda: store.populate(ds, held.pop("nt"), store.ontology_graph(), vocab, derive=False))
    out["load_memory_s"] = ph.done["load in memory"]["s"]
    ph.run("derivations", lambda: derive(ds))
    out["derive_s"] = ph.done["derivations"]["s"]
    out["peak_mb_parent"] = max(p["mb"] for p in ph.done.values())
    st = store.adapter.of(ds)
    native = store.adapter.native_of(ds)
    if SIZES_ALL[size] >= STREAM_FROM:  # a file: the N-Quads bytes and the store would not sit in memory together
        nq_file = tmp / f"{size}.nq"
        ph.run("N-Quads dump (to a file)", lambda: native.dump(str(nq_file), format=_nquads_format()))
        with open(nq_file, "rb") as f:
            quads = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b""))
        _STATE.update(nquads_file=nq_file)
        out["nquads_mb"] = nq_file.stat().st_size / 1e6
    else:
        nquads = ph.run("N-Quads dump", st.dump_nquads)
        quads = nquads.count(b"\n")
        _STATE.update(nquads=nquads)
    _STATE.update(ds=ds, native=native, quads=quads, tmp=tmp)
    out["quads"] = quads
    out["phases"] = ph.done
    names = list(_ops())
    if size == "10M":
        names = ["gap query (cyberkg)", "gap query (pyoxigraph direct)", "export turtle (cyberkg)",
                 "export turtle (Oxigraph's serialiser)", "load into the on-disk store"]
    if only:
        names = [n for n in names if any(w.strip() in n for w in only.split(","))]
    for name in names:
        print(f"  {size} {name} …", file=sys.stderr, flush=True)
        PROBES.append(cpu_probe(2_000_000) * 3)
        out["ops"][name] = forked(_ops()[name], limit, max_mb)
        print(f"  {size} {name}: {out['ops'][name]}", file=sys.stderr, flush=True)
    _STATE.clear()
    return out


def _nquads_format() -> Any:
    import pyoxigraph as ox

    return ox.RdfFormat.N_QUADS


# --- user level ------------------------------------------------------------------------------------------------

def run_peak(args: list[str], env: dict[str, str], limit: float) -> dict[str, Any]:
    """Wall time and the child's own peak RSS (os.wait4), under a time limit."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=err)
        deadline = t0 + limit
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                return {"limit": limit}
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        size, tail = len(out.read()), err.read().decode("utf-8", "replace")[-300:]
    return {"s": wall, "cpu": usage.ru_utime + usage.ru_stime, "mb": usage.ru_maxrss / 1024, "rc": proc.returncode,
            "note": tail.strip().splitlines()[-1] if proc.returncode and tail.strip() else f"{size / 1e6:.1f} MB out"}


DIRECT_GAPS = r"""
import sys, pyoxigraph as ox
sys.path.insert(0, sys.argv[2])
from bench.ops import bound_text
s = ox.Store.read_only(sys.argv[1])
rows = list(s.query(bound_text("catalogue"), use_default_graph_as_union=True))
print(len(rows))
"""
DIRECT_TURTLE = r"""
import sys, pyoxigraph as ox
from cyberkg.core.namespaces import G_DERIVED, PREFIXES
s = ox.Store.read_only(sys.argv[1])
q = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{G_DERIVED}>) }}"
sys.stdout.buffer.write(ox.serialize(s.query(q), format=ox.RdfFormat.TURTLE,
                                     prefixes={k: str(v) for k, v in PREFIXES.items()}))
"""


def user_level(size: str, limit: float, work: Path) -> dict[str, Any]:
    from bench.user_record import make_home

    home, build = work / "user-home", work / "user-build"
    shutil.rmtree(build, ignore_errors=True)
    info = make_home(home, SIZES_ALL[size])
    env = {**os.environ, "CYBERKG_HOME": str(home), "CYBERKG_BUILD_DIR": str(build), "PYTHONPATH": str(ROOT)}
    cy = str(EXE / "cyberkg")
    py = str(EXE / "python")
    out: dict[str, Any] = {"records": info["records"], "ops": {}}
    plan: list[tuple[str, list[str]]] = [
        ("cyberkg build --no-validate", [cy, "build", "--no-validate"]),
        ("cyberkg build (validated)", [cy, "build"]),
        ("cyberkg validate", [cy, "validate", "--format", "tsv"]),
        ("cyberkg gaps --format json", [cy, "gaps", "--format", "json", "--as-of", AS_OF.isoformat()]),
        ("the same gap query, pyoxigraph on the built store", []),
        ("cyberkg export --format turtle", [cy, "export", "--format", "turtle"]),
        ("Oxigraph writing Turtle of the same triples", []),
        ("cyberkg report", [cy, "report", "--as-of", AS_OF.isoformat(), "-o", str(work / "report.html")]),
    ]
    for name, args in plan:
        if name.startswith("the same gap"):
            args = [py, "-c", DIRECT_GAPS, str((build / "store").resolve() / "db"), str(ROOT)]
        elif name.startswith("Oxigraph writing"):
            args = [py, "-c", DIRECT_TURTLE, str((build / "store").resolve() / "db")]
        print(f"  user {size} {name} …", file=sys.stderr, flush=True)
        PROBES.append(cpu_probe(2_000_000) * 3)  # the machine's speed just before (a third of the loop, scaled)
        out["ops"][name] = run_peak(args, env, limit)
        print(f"  user {size} {name}: {out['ops'][name]}", file=sys.stderr, flush=True)
    stamp = json.loads((build / "store" / "cyberkg-stamp.json").read_text())
    out["triples"] = stamp.get("triples", {})
    return out


PROBES: list[float] = []  # cpu_probe before each operation of the run


def cpu_probe(n: int = 6_000_000) -> float:
    """CPU seconds of a fixed pure-Python loop (best of three): how fast the machine runs Python now.
    The same shared machine measured 0.18 s and, an hour later, 0.41 s — every figure of a run scales
    with it, ratios much less, so the report prints it beside the load average."""
    best = float("inf")
    for _ in range(3):
        t = time.process_time()
        x = 0
        for i in range(n):
            x += i
        best = min(best, time.process_time() - t)
    return best


def main(argv: list[str] | None = None) -> int:
    from bench.targets_report import markdown

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1M", help="library-level sizes: " + ", ".join(SIZES_ALL))
    ap.add_argument("--user", default="240k", help="user-level size ('' to skip)")
    ap.add_argument("--limit", type=float, default=300.0, help="seconds per operation")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "bench")
    ap.add_argument("--max-mb", type=float, default=0.0,
                    help="stop an operation when the parent's RSS plus what its forked child holds passes this (MB)")
    ap.add_argument("--library-from", type=Path, default=None,
                    help="take the library tables of an earlier run's targets.json (the report says which run)")
    ap.add_argument("--only", default="", help="comma-separated substrings: run only the library operations they match")
    ap.add_argument("--doc", type=Path, action="append", default=[],
                    help="also write the tables between the targets markers of this Markdown file (repeatable: "
                         "docs/bench.md, README.md)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="targets-", dir=args.out))
    results: dict[str, Any] = {"meta": {
        "probe_start": cpu_probe(),
        "python": platform.python_version(), "cpus": os.cpu_count(), "load_avg_start": os.getloadavg(),
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "limit_s": args.limit,
        "mem_total_gb": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30}, "library": {}}
    t0 = time.time()
    try:
        if args.user:
            results["user"] = {"size": args.user, **user_level(args.user, args.limit, work)}
        for size in [s for s in args.sizes.split(",") if s]:
            results["library"][size] = library(size, args.limit, work, args.only, args.max_mb)
        if args.library_from:  # the library tables of an earlier run, said so in the report
            earlier = json.loads(args.library_from.read_text())
            for size, entry in earlier.get("library", {}).items():
                results["library"].setdefault(size, {**entry, "from_run": earlier["meta"]["started"]})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["meta"]["load_avg_end"] = os.getloadavg()
    results["meta"]["probe_end"] = cpu_probe()
    results["meta"]["probes"] = [min(PROBES, default=0.0), max(PROBES, default=0.0)]
    results["meta"]["total_s"] = time.time() - t0
    from cyberkg.core.atomic import write_atomic

    write_atomic(args.out / "targets.json", (json.dumps(results, indent=1, default=str) + "\n").encode())
    text = markdown(results)
    write_atomic(args.out / "targets.md", text.encode())
    tag = TIER_TAG if args.sizes == "10M" and not args.user else TAG  # the 10M tier has its own block
    for doc in args.doc:
        write_atomic(doc, splice(doc.read_text(encoding="utf-8"), text, tag).encode())
    print(text)
    return 0


TAG, TIER_TAG = "bench/targets.py", "bench/targets.py 10M"
START, END = f"<!-- {TAG}: start -->", f"<!-- {TAG}: end -->"


def splice(doc: str, tables: str, tag: str = TAG) -> str:
    """``doc`` with the text between the ``tag`` markers replaced by ``tables`` (its title dropped)."""
    start, end = f"<!-- {tag}: start -->", f"<!-- {tag}: end -->"
    if start not in doc or end not in doc:
        raise SystemExit(f"the markers {start} … {end} are missing")
    body = tables.split("\n", 2)[2] if tables.startswith("# ") else tables
    head, rest = doc.split(start, 1)
    return head + start + "\n" + body.strip("\n") + "\n" + end + rest.split(end, 1)[1]


if __name__ == "__main__":
    sys.exit(main())
