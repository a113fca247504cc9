"""The validation gate of the build (as ODK's): a record that fails validation never becomes the
current store, and the verdict is kept with the store (in its stamp).

The gate runs what ``cyberkg validate`` fails on: the SHACL shapes of ``ontology/shapes/``
compiled into SPARQL (:mod:`cyberkg.store.shacl`; every graph but the derivations) and the
zero-row checks ``queries/checks/*-violation.rq`` (on the whole store). Both are answered by the
store itself, so the gate costs seconds where pySHACL took minutes (docs/bench.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph

import cyberkg.store.adapter as adapter
from cyberkg.core import paths
from cyberkg.core.errors import ValidationFailed
from cyberkg.core.namespaces import G_DERIVED
from cyberkg.store.shacl import PROLOGUE, compile_shapes

SHOWN = 20  # violations named in the error; the rest are counted


@dataclass
class Verdict:
    """What the gate found: counts, and the first violations as (focus, path, message, source)."""

    conforms: bool
    violations: int = 0
    warnings: int = 0
    checks: int = 0
    engine: str = "sparql"
    first: list[tuple[str, str, str, str]] = field(default_factory=list)

    def stamp(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("first")
        return out


def shapes_graph(ontology_dir: Path | None = None) -> Graph:
    g = Graph()
    for f in sorted(((ontology_dir or paths.ontology_dir()) / "shapes").glob("*.ttl")):
        g.parse(f, format="turtle")
    return g


def shacl_graphs(ds: Any) -> list[str]:
    """The named graphs SHACL sees: every graph but the derivations (the ontology included, as
    pySHACL's ``ont_graph``)."""
    return [g for g in adapter.of(ds).graph_names() if g != str(G_DERIVED)]


def shacl_results(ds: Any, shapes: Graph | None = None) -> list[tuple[str, str, str, str, str]]:
    """Every SHACL result on ``ds``: (severity, focus, path, message, shape), from the compiled shapes."""
    store = adapter.of(ds)
    graphs = shacl_graphs(ds)
    out = []
    for check in compile_shapes(shapes if shapes is not None else shapes_graph()):
        _names, rows = store.select_values(PROLOGUE + check.sparql, graphs)
        out += [(check.severity, row[0] or "", check.path, check.message, check.shape) for row in rows]
    return sorted(out)


def violation_checks(queries_dir: Path | None = None) -> list[Path]:
    return sorted(((queries_dir or paths.queries_dir()) / "checks").glob("*-violation.rq"))


def check(ds: Any) -> Verdict:
    """The gate's verdict on ``ds``."""
    store = adapter.of(ds)
    results = shacl_results(ds)
    bad = [(f, p, m, s) for sev, f, p, m, s in results if sev == "Violation"]
    files = violation_checks()
    for q in files:
        _names, rows = store.select_values(q.read_text(encoding="utf-8"))
        name = f"checks/{q.stem}"
        bad += [(row[0] or "", "", " ".join(v for v in row[1:] if v), name) for row in rows]
    return Verdict(not bad, len(bad), sum(1 for r in results if r[0] == "Warning"), len(files), "sparql", bad[:SHOWN])


def enforce(verdict: Verdict) -> None:
    """Raise :class:`ValidationFailed` naming the violations when the verdict is negative."""
    if verdict.conforms:
        return
    lines = [" ".join(x for x in ("  ", focus, path, message, f"[{source}]") if x)
             for focus, path, message, source in verdict.first]
    more = verdict.violations - len(verdict.first)
    raise ValidationFailed(
        f"the record has {verdict.violations} violation(s); the store was not replaced (the previous one stays "
        "current). Fix them (cyberkg validate lists them all), or build with --no-validate to look at it anyway:\n"
        + "\n".join(lines) + (f"\n  … and {more} more" if more > 0 else ""))
