"""The benchmark's results as Markdown tables (pure: a results dict in, text out)."""

from __future__ import annotations

from typing import Any

from bench.ops import BACKENDS, FORMULATIONS

LABEL = {"memory": "rdflib memory", "oxigraph": "Oxigraph via oxrdflib (default)", "pyoxigraph": "pyoxigraph direct"}
TARGETS = {"gap_s": 0.5, "load_tps": 300_000, "cli_s": 1.0}


def secs(s: float) -> str:
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def cell(r: dict[str, Any], limit: float, show: str = "median") -> str:
    status = r.get("status")
    if status == "limit":
        return f"> {limit:.0f} s, limit hit"
    if status == "error":
        return f"error: {r.get('error', '')[:60]}"
    if status != "done":
        return "not run (load hit the limit)"
    v = r["value"]
    out = secs(v["median"])
    if v.get("runs", 1) > 1:
        out += f" (n={v['runs']})"
    res = v.get("result") or {}
    if "correct" in res:
        out += f", {res['rows']} gaps {'✓' if res['correct'] else '✗ WRONG'}"
    return out


def load_cells(r: dict[str, Any], loaded: int, limit: float) -> tuple[str, str]:
    if r.get("status") != "done":
        c = cell(r, limit)
        return c, c
    v = r["value"]
    return f"{secs(v['load'])} ({loaded / v['load']:,.0f} triples/s)", secs(v["derive"])


def markdown(results: dict[str, Any]) -> str:
    meta, limit = results["meta"], results["meta"]["limit_s"]
    lines = [f"# cyberkg store benchmark ({meta['started']})", "",
             f"Python {meta['python']}, {meta['cpus']} CPUs, load average {fmt_load(meta['load_avg_start'])} at the "
             f"start and {fmt_load(meta.get('load_avg_end'))} at the end; limit {limit:g} s per operation; "
             f"queries: median of up to {meta['runs']} runs; whole run {meta.get('total_s', 0) / 60:.1f} min.", ""]
    for size, entry in results["sizes"].items():
        lines += [f"## {size}: {entry['curated']:,} curated triples ({entry['loaded']:,} loaded with the ontology and "
                  f"vocabularies; generated in {secs(entry['generate_s'])}; {entry['expected_gaps']} planted gaps)", "",
                  "| backend | load | derive | gap query | aggregate query | export Turtle | export sorted N-Triples |",
                  "|---|---|---|---|---|---|---|"]
        for b in BACKENDS:
            r = entry["backends"][b]
            load, derive = load_cells(r["load"], entry["loaded"], limit)
            lines.append(f"| {LABEL[b]} | {load} | {derive} | {cell(r['gap query'], limit)} | "
                         f"{cell(r['aggregate query'], limit)} | {cell(r['export turtle'], limit)} | "
                         f"{cell(r['export sorted nt'], limit)} |")
        lines.append("")
    lines += ["## Gap-query formulations on Oxigraph", "",
              "Same answer required (✓ = exactly the planted gaps). 'catalogue' is the query file as shipped.", "",
              "| formulation | " + " | ".join(f"{s} {b}" for s in results["sizes"] for b in ("oxigraph", "pyoxigraph"))
              + " |", "|---|" + "---|" * (2 * len(results["sizes"]))]
    for f in FORMULATIONS:
        row = [cell(e["backends"][b].get(f"formulation: {f}", {}), limit)
               for e in results["sizes"].values() for b in ("oxigraph", "pyoxigraph")]
        lines.append(f"| {f} | " + " | ".join(row) + " |")
    lines += ["", "## Targets", "", *targets(results)]
    return "\n".join(lines) + "\n"


def fmt_load(avg: Any) -> str:
    return "/".join(f"{x:.1f}" for x in avg) if avg else "?"


def targets(results: dict[str, Any]) -> list[str]:
    out = []
    big = results["sizes"].get("1M")
    if big:
        ox = big["backends"]["oxigraph"]
        gap = ox["gap query"]
        if gap.get("status") == "done":
            m = gap["value"]["median"]
            out.append(f"- gap query at 1M on the default backend: {secs(m)} median "
                       f"({'met' if m <= TARGETS['gap_s'] else 'MISSED'}; target ≤ 0.5 s)")
        else:
            out.append(f"- gap query at 1M on the default backend: {cell(gap, results['meta']['limit_s'])} (MISSED)")
        for b in ("oxigraph", "pyoxigraph"):
            ld = big["backends"][b]["load"]
            if ld.get("status") == "done":
                tps = big["loaded"] / ld["value"]["load"]
                out.append(f"- load at 1M, {LABEL[b]}: {tps:,.0f} triples/s, derivations {secs(ld['value']['derive'])} "
                           f"more ({'met' if tps >= TARGETS['load_tps'] else 'MISSED'}; target ≥ 300,000 triples/s)")
    cli = results.get("cli")
    if cli and cli.get("status") == "done":
        out.append(f"- `cyberkg gaps` on the shipped record ({cli['record']}), store built: {secs(cli['median'])} "
                   f"median of {len(cli['times'])} ({'met' if cli['median'] <= TARGETS['cli_s'] else 'MISSED'}; "
                   f"target ≤ 1 s); it printed: \"{cli['first_line']}\"")
    elif cli:
        out.append(f"- `cyberkg gaps` on the shipped record: {cli.get('status')}: {cli.get('error', '')}")
    return out
