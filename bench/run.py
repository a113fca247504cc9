"""The store benchmark: every size on every backend, side by side, in one run.

    .venv/bin/python bench/run.py [--sizes 10k,100k,1M] [--limit 60] [--runs 5] [--out build/bench]

For each size the synthetic graph is generated once; each backend then runs in a forked child
process, one operation after another. Every operation has a time limit: the child's own alarm
stops rdflib's (pure Python) engine, and the parent kills a child whose operation runs past the
limit (Oxigraph's native code does not see the alarm), records "> limit", and starts the child
again without that operation. Nothing is dropped: a run that hits the limit is reported with it.
Writes a Markdown table to stdout and to ``<out>/results.md``, the raw numbers to ``results.json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import report
from bench.ops import AGGREGATE, BACKENDS, FORMULATIONS, Backend, bound_text, repeat
from bench.synthetic import SIZES, generate

GRACE = 10.0  # seconds past the limit before the parent kills a child stuck in native code


def plan(backend: str) -> list[str]:
    ops = ["load", "gap query", "aggregate query", "export turtle", "export sorted nt"]
    if backend != "memory":
        ops += [f"formulation: {f}" for f in FORMULATIONS]
    return ops


def child(conn: Any, backend: str, data: dict[str, Any], skip: set[str], limit: float, runs: int) -> None:
    def on_alarm(signum: int, frame: Any) -> None:
        raise TimeoutError

    signal.signal(signal.SIGALRM, on_alarm)
    b = Backend(backend)
    expected = data["expected"]

    def gap_rows(text: str) -> dict[str, Any]:
        goals = sorted({row[0] for row in b.select(text)})
        return {"rows": len(goals), "correct": goals == expected}

    head = bound_text("catalogue")
    agg = bound_text(AGGREGATE)
    ops = {
        "load": lambda: b.load(data["graphs"], data["nt"], data.get("curated_nt")),
        "gap query": lambda: repeat(lambda: gap_rows(head), runs, limit * 0.6),
        "aggregate query": lambda: repeat(lambda: {"rows": len(b.select(agg))}, runs, limit * 0.6),
        "export turtle": lambda: repeat(lambda: {"bytes": b.export_turtle()}, 1, limit),
        "export sorted nt": lambda: repeat(lambda: {"bytes": b.export_nt()}, 1, limit),
    }
    for f in FORMULATIONS:
        ops[f"formulation: {f}"] = (lambda text: lambda: repeat(lambda: gap_rows(text), runs, limit * 0.6))(
            bound_text(f))
    for name in plan(backend):
        if name in skip:
            continue
        conn.send(("start", name))
        signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            result = ops[name]()
            signal.setitimer(signal.ITIMER_REAL, 0)
            conn.send(("done", name, result))
        except TimeoutError:
            conn.send(("limit", name, None))
            if name == "load":
                break
        except Exception as exc:  # reported in the table, never hidden
            signal.setitimer(signal.ITIMER_REAL, 0)
            conn.send(("error", name, f"{type(exc).__name__}: {exc}"[:300]))
            if name == "load":
                break
    conn.send(("end",))


def run_backend(backend: str, data: dict[str, Any], limit: float, runs: int) -> dict[str, Any]:
    ctx = mp.get_context("fork")
    results: dict[str, Any] = {}
    killed: set[str] = set()
    while True:
        skip = {k for k in results if k != "load"} | killed
        parent, child_end = ctx.Pipe()
        proc = ctx.Process(target=child, args=(child_end, backend, data, skip, limit, runs), daemon=True)
        proc.start()
        child_end.close()
        current, deadline, finished = None, time.monotonic() + limit + GRACE, False
        while True:
            if parent.poll(max(0.0, deadline - time.monotonic())):
                try:
                    msg = parent.recv()
                except EOFError:
                    if current is not None:
                        results[current] = {"status": "error", "error": "the child process died"}
                        killed.add(current)
                    break
                if msg[0] == "end":
                    finished = True
                    break
                if msg[0] == "start":
                    current, deadline = msg[1], time.monotonic() + limit + GRACE
                    continue
                status, name, value = msg
                if not (name == "load" and "load" in results):
                    results[name] = {"status": status, **({"value": value} if status == "done" else {}),
                                     **({"error": value} if status == "error" else {})}
                current, deadline = None, time.monotonic() + limit + GRACE
            else:
                if current is not None:
                    results[current] = {"status": "limit", "killed": True}
                    killed.add(current)
                break
        proc.kill()
        proc.join()
        load = results.get("load", {})
        if finished or load.get("status") in ("limit", "error") or current == "load":
            break
    for name in plan(backend):
        results.setdefault(name, {"status": "not run", "why": "the load hit the limit or failed"})
    return results


def measure_cli(out: Path, runs: int = 5) -> dict[str, Any]:
    """Wall time of ``cyberkg gaps`` on the shipped record, with the store already built."""
    root = Path(__file__).resolve().parents[1]
    exe = root / ".venv" / "bin" / "cyberkg"
    env = {**os.environ, "CYBERKG_BUILD_DIR": str(out / "cli-build")}
    env.pop("CYBERKG_HOME", None)
    record = "working tree"
    built = subprocess.run([str(exe), "build", "--no-validate"], env=env, capture_output=True, text=True)
    if built.returncode != 0:
        home = out / "cli-home"
        subprocess.run(["rm", "-rf", str(home)], check=True)
        home.mkdir(parents=True)
        tar = subprocess.run(["git", "-C", str(root), "archive", "HEAD", "graph", "ontology", "queries"],
                             capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(home)], input=tar, check=True)
        env["CYBERKG_HOME"] = str(home)
        first = (built.stderr.strip().splitlines() or ["?"])[0][:160]
        record = f"last commit (the working tree did not load: {first})"
        built = subprocess.run([str(exe), "build", "--no-validate"], env=env, capture_output=True, text=True)
        if built.returncode != 0:
            return {"status": "error", "record": record, "error": built.stderr[-300:]}
    times, out_text = [], ""
    for _ in range(runs):
        t0 = time.perf_counter()
        done = subprocess.run([str(exe), "gaps"], env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        out_text = done.stdout
    head = out_text.splitlines()[0] if out_text else ""
    return {"status": "done", "record": record, "built": built.stdout.strip(), "times": times,
            "median": sorted(times)[len(times) // 2], "first_line": head}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10k,100k,1M", help="comma-separated: " + ", ".join(SIZES))
    ap.add_argument("--limit", type=float, default=60.0, help="seconds per operation")
    ap.add_argument("--runs", type=int, default=5, help="runs per query (median)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "build" / "bench")
    ap.add_argument("--no-cli", action="store_true", help="skip timing 'cyberkg gaps' on the shipped record")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    from cyberkg import paths, store

    started = time.time()
    meta = {"python": platform.python_version(), "cpus": os.cpu_count(), "load_avg_start": os.getloadavg(),
            "limit_s": args.limit, "runs": args.runs, "seed": args.seed, "started": time.strftime("%Y-%m-%d %H:%M")}
    onto, vocab = store.ontology_graph(), store.read_turtle_dir(paths.graph_dir() / "vocab")
    results: dict[str, Any] = {"meta": meta, "sizes": {}}
    for size in args.sizes.split(","):
        t0 = time.perf_counter()
        syn = generate(SIZES[size], args.seed)
        curated = syn.graph()
        gen_s = time.perf_counter() - t0
        graphs = {"curated": curated, "ontology": onto, "vocab": vocab}
        nt = {k: g.serialize(format="nt", encoding="utf-8") for k, g in graphs.items()}
        from cyberkg.record.mapping import map_catalog_nt

        data = {"graphs": graphs, "nt": nt, "curated_nt": map_catalog_nt(syn.catalog),
                "expected": sorted(syn.expected_gaps())}
        entry: dict[str, Any] = {"curated": len(curated), "loaded": sum(len(g) for g in graphs.values()),
                                 "generate_s": gen_s, "expected_gaps": len(data["expected"]), "backends": {}}
        for backend in BACKENDS:
            print(f"[{time.time() - started:6.0f} s] {size} {backend}", file=sys.stderr, flush=True)
            entry["backends"][backend] = run_backend(backend, data, args.limit, args.runs)
        results["sizes"][size] = entry
        del data, graphs, nt, curated, syn
    if not args.no_cli:
        print(f"[{time.time() - started:6.0f} s] cyberkg gaps on the shipped record", file=sys.stderr, flush=True)
        results["cli"] = measure_cli(args.out)
    meta["load_avg_end"] = os.getloadavg()
    meta["total_s"] = time.time() - started
    text = report.markdown(results)
    from cyberkg.core.atomic import write_atomic

    write_atomic(args.out / "results.json", (json.dumps(results, indent=1, default=str) + "\n").encode())
    write_atomic(args.out / "results.md", text.encode())
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
