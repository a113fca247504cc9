"""Validation: SHACL shapes in two layers (violations, warnings) and zero-row quality checks.

Two engines check the same shapes (``ontology/shapes/*.ttl``, the one statement of the rules):

* ``sparql`` (the default): the shapes compiled into zero-row SELECTs
  (:mod:`cyberkg.store.shacl`) that the store answers, over the data graphs and the
  ontology (never the derivations). 240k curated triples: seconds, where pySHACL ran for more than
  five minutes (docs/bench.md);
* ``pyshacl``: pySHACL on an in-memory copy of the data (it is ~10x slower over an Oxigraph-backed
  graph), with the ontology as ``ont_graph`` and never mixed into the caller's data.

A test checks both find the same results on planted faults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF

from cyberkg.analysis import catalogue as queries
from cyberkg.core.namespaces import G_DERIVED, G_ONTOLOGY

SH = "http://www.w3.org/ns/shacl#"


@dataclass
class Finding:
    severity: str  # Violation | Warning
    focus: str
    path: str
    message: str
    source: str  # shape or check name


@dataclass
class ValidationReport:
    findings: list[Finding] = field(default_factory=list)
    checks_run: int = 0

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Warning"]

    @property
    def infos(self) -> list[Finding]:
        """Known gaps the curators recorded (an identifier or an official copy they could not find)."""
        return [f for f in self.findings if f.severity == "Info"]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def rows(self) -> list[dict[str, Any]]:
        return [f.__dict__ for f in self.findings]


def data_graph(ds: Any) -> Graph:
    """An in-memory copy of every data graph (curated, vocabularies, layers): no ontology, no derivations."""
    result = ds.query(
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } "
        f"FILTER(?g != <{G_ONTOLOGY}> && ?g != <{G_DERIVED}>) }}")
    g = Graph()
    g += result.graph
    return g


def shapes_graph(ontology_dir: Path | None = None) -> Graph:
    from cyberkg.store.gate import shapes_graph as read_shapes

    return read_shapes(ontology_dir)


def run_shacl(data: Graph, ontology: Graph | None = None, shapes: Graph | None = None,
              inplace: bool = False) -> list[Finding]:
    """SHACL findings on ``data``. ``inplace``: pySHACL works on ``data`` itself instead of a copy
    (it copies in advanced mode; the ontology and any sh:rule triples then go into ``data``)."""
    from pyshacl import validate as shacl_validate

    shapes = shapes if shapes is not None else shapes_graph()
    _conforms, results, _text = shacl_validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", allow_warnings=True, advanced=True,
        inplace=inplace)
    out = []
    for r in results.subjects(RDF.type, URIRef(SH + "ValidationResult")):
        sev = results.value(r, URIRef(SH + "resultSeverity"))
        out.append(Finding(
            severity=str(sev).rsplit("#", 1)[-1] if sev else "Violation",
            focus=str(results.value(r, URIRef(SH + "focusNode")) or ""),
            path=_path_text(results, results.value(r, URIRef(SH + "resultPath"))),
            message=str(results.value(r, URIRef(SH + "resultMessage")) or ""),
            source=_shape_name(shapes, results.value(r, URIRef(SH + "sourceShape"))),
        ))
    return sorted(out, key=lambda f: (f.severity, f.focus, f.path, f.message))


def _path_text(g: Graph, path: Any) -> str:
    """A property path as text: an IRI, or ``^IRI`` for an inverse path (never a blank-node id)."""
    if path is None:
        return ""
    if isinstance(path, BNode):
        inverse = g.value(path, URIRef(SH + "inversePath"))
        return f"^{inverse}" if inverse is not None else "(complex path)"
    return str(path)


def _shape_name(shapes: Graph, shape: Any) -> str:
    """The named node shape a (possibly blank) property shape belongs to."""
    if isinstance(shape, BNode):
        parent = shapes.value(None, URIRef(SH + "property"), shape)
        return str(parent) if parent is not None else "shacl"
    return str(shape) if shape is not None else "shacl"


def run_checks(ds: Any) -> tuple[list[Finding], int]:
    """Zero-row quality checks: every row of ``queries/checks/*-violation.rq`` is a violation, every
    row of ``queries/checks/*-warning.rq`` a warning (curation: official domains, duplicate sources,
    dates the sources contradict), every row of ``*-info.rq`` information (known gaps the curators
    recorded). Returns the findings and how many checks ran."""
    findings: list[Finding] = []
    checks = [q for q in queries.catalogue() if q.name.startswith("checks/")
              and q.name.endswith(("-violation", "-warning", "-info"))]
    severities = {"violation": "Violation", "warning": "Warning", "info": "Info"}
    for q in checks:
        severity = severities[q.name.rsplit("-", 1)[-1]]
        for row in queries.run(q, ds).rows:
            values = [str(v) for v in row.values() if v is not None]
            findings.append(Finding(severity, values[0] if values else "", "", " ".join(values[1:]), q.name))
    return findings, len(checks)


ENGINES = ("sparql", "pyshacl")


def run_shacl_sparql(ds: Any, shapes: Graph | None = None) -> list[Finding]:
    """SHACL findings on ``ds`` from the shapes compiled into SPARQL, answered by the store."""
    from cyberkg.store.gate import shacl_results

    out = [Finding(sev, focus, path, msg, shape) for sev, focus, path, msg, shape in shacl_results(ds, shapes)]
    return sorted(out, key=lambda f: (f.severity, f.focus, f.path, f.message))


def validate(ds: Any, shacl: bool = True, engine: str = "sparql") -> ValidationReport:
    """SHACL plus the zero-row checks (on the store itself). ``engine``: ``sparql`` (the shapes
    compiled into queries the store answers) or ``pyshacl`` (on a memory copy)."""
    from cyberkg.store.backend import ontology_graph

    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}; choose one of {', '.join(ENGINES)}")
    report = ValidationReport()
    if shacl and engine == "pyshacl":
        report.findings += run_shacl(data_graph(ds), ontology_graph())
    elif shacl:
        report.findings += run_shacl_sparql(ds)
    found, n = run_checks(ds)
    report.findings += found
    report.checks_run = n
    return report
