"""bench/targets.py's report: the issue's tables from the measurements, and the splice into the docs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.targets import END, START, splice
from bench.targets_report import markdown

META = {"python": "3.11", "cpus": 2, "mem_total_gb": 24, "load_avg_start": (0.5, 0, 0), "load_avg_end": (0.7, 0, 0),
        "started": "now", "limit_s": 300, "total_s": 60}


def op(s: float, cpu: float | None = None, **kw: object) -> dict[str, object]:
    return {"s": s, "cpu": cpu if cpu is not None else s, "mb": 100, **kw}


def results(load: float = 0.5) -> dict[str, object]:
    user = {"size": "240k", "records": {"goal": 628, "instrument": 5825}, "triples": {"curated": 242194}, "ops": {
        "cyberkg validate": op(12.0), "cyberkg build --no-validate": op(9.0), "cyberkg build (validated)": op(20.0),
        "cyberkg gaps --format json": op(1.0), "the same gap query, pyoxigraph on the built store": op(0.5),
        "cyberkg export --format turtle": op(3.0), "Oxigraph writing Turtle of the same triples": op(2.0),
        "cyberkg report": {"limit": 300}}}
    lib = {"curated": 985_000, "quads": 1_400_000, "generate_s": 20, "load_memory_s": 3, "derive_s": 2,
           "peak_mb_parent": 3000, "ops": {
               "export turtle (cyberkg)": op(9.0), "export turtle (Oxigraph's serialiser)": op(5.0),
               "gap query (cyberkg)": op(0.3), "gap query (pyoxigraph direct)": op(0.25),
               "gaps with details": op(2.0), "diff": op(4.0), "metrics": {"error": "boom"}, "report data": op(2.5),
               "load into the on-disk store": op(10.0, note="140,000 quads/s")}}
    return {"meta": {**META, "load_avg_start": (load, 0, 0)}, "user": user, "library": {"1M": lib}}


def test_the_tables_say_met_and_not_met() -> None:
    text = markdown(results())
    rows = {line.split(" | ")[0]: line for line in text.splitlines() if line.startswith("| ")}
    assert rows["| `cyberkg validate`"].endswith("**met** |")
    assert rows["| `cyberkg build --no-validate`"].endswith("**not met** |")
    assert "(1.5×)" in rows["| `cyberkg export --format turtle` vs Oxigraph writing Turtle of the same triples"]
    assert "> 300 s (limit hit)" in rows["| `cyberkg report`"]
    assert "error: boom" in rows["| `metrics` vs the bare gap query"]
    assert rows["| load into the on-disk store (every quad, one bulk load)"].endswith("**not met** |")
    assert "judged on wall time" in text


def test_a_busy_machine_is_judged_on_cpu_time() -> None:
    r = results(load=9.0)
    r["user"]["ops"]["cyberkg build --no-validate"] = op(60.0, cpu=4.0)  # type: ignore[index]
    text = markdown(r)
    assert "judged on CPU time" in text
    assert next(x for x in text.splitlines() if x.startswith("| `cyberkg build --no-validate`")).endswith("**met** |")


def test_splice_replaces_only_between_the_markers() -> None:
    doc = f"intro\n{START}\nold\n{END}\noutro\n"
    assert splice(doc, "# title\n\n| a |\n") == f"intro\n{START}\n| a |\n{END}\noutro\n"
    with pytest.raises(SystemExit):
        splice("no markers", "x")


def tier(ops: dict[str, object]) -> dict[str, object]:
    phases = {name: {"s": 10.0, "cpu": 9.0, "mb": 5000, "after_mb": 4000}
              for name in ("generation", "mapping to N-Triples", "load in memory", "derivations",
                           "N-Quads dump (to a file)")}
    lib = {"curated": 10_000_000, "quads": 15_000_000, "generate_s": 20, "load_memory_s": 10, "derive_s": 10,
           "peak_mb_parent": 5000, "nquads_mb": 3100, "phases": phases, "ops": ops}
    return {"meta": META, "library": {"10M": lib}}


def test_the_10m_tier_has_a_row_per_phase_and_says_what_did_not_finish() -> None:
    text = markdown(tier({"gap query (cyberkg)": op(2.6, note="9 rows"), "gap query (pyoxigraph direct)": op(2.0),
                          "export turtle (cyberkg)": {"memory": 15000, "at_s": 80.0},
                          "export turtle (Oxigraph's serialiser)": {"limit": 1800}}))
    rows = {line.split(" | ")[0]: line for line in text.splitlines() if line.startswith("| ")}
    assert rows["| derivations (`store/derive.py`)"].startswith("| derivations (`store/derive.py`) | 10.0 s | 9.0 s | "
                                                                "5,000 MB |")
    assert "3,100 MB of N-Quads" in rows["| N-Quads dump of every graph (to a file, not into memory)"]
    assert "1.3× of direct" in rows["| headline gap query through cyberkg"]
    assert "stopped at the 15,000 MB memory cap" in rows["| export Turtle through cyberkg (canonical, sorted)"]
    assert "Did not finish: export Turtle through cyberkg" in text and "Oxigraph's own serialiser" in text.split(
        "Did not finish")[1]


def test_the_10m_block_is_spliced_between_its_own_markers() -> None:
    from bench.targets import TIER_TAG

    doc = f"{START}\nkeep\n{END}\n<!-- {TIER_TAG}: start -->\nold\n<!-- {TIER_TAG}: end -->\n"
    assert splice(doc, "# t\n\nnew\n", TIER_TAG) == f"{START}\nkeep\n{END}\n<!-- {TIER_TAG}: start -->\nnew\n" \
        f"<!-- {TIER_TAG}: end -->\n"


def test_an_operation_past_the_memory_cap_is_stopped_and_a_dead_child_is_reported_at_once() -> None:
    import os
    import time

    from bench.targets import _rss_mb, forked

    def hog() -> int:
        block = bytearray(400 * 2**20)  # written: private pages of the child
        time.sleep(30)
        return len(block)

    t0 = time.perf_counter()
    out = forked(hog, limit=60, max_mb=_rss_mb() + 200)
    assert out["memory"] > 0 and time.perf_counter() - t0 < 20
    t0 = time.perf_counter()
    assert forked(lambda: os._exit(3), limit=60) == {"error": "the child died (exit 3)"}
    assert time.perf_counter() - t0 < 10
