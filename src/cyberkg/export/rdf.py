"""Exports for other RDF tools: Turtle, TriG, N-Triples, JSON-LD — byte-identical for the same input.

Parts: ``data`` (curated facts, vocabularies and imported layers, with their provenance),
``ontology`` (the TBox), ``all`` (both, the default); ``derived`` adds the build-time derivations.
Files are written atomically by :mod:`cyberkg.core.atomic`.
"""

from __future__ import annotations

from typing import Any

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import XSD

from cyberkg.core.namespaces import G_DERIVED, G_ONTOLOGY, GRAPH, PREFIXES

FORMATS = {"turtle": "turtle", "ttl": "turtle", "trig": "trig", "nt": "nt", "ntriples": "nt", "jsonld": "json-ld",
           "json-ld": "json-ld"}
PARTS = ("all", "data", "ontology")


def _graph_filter(part: str, derived: bool, ds: Any = None) -> str:
    conds = []
    if getattr(ds, "published_graphs_only", False):  # a remote store: cyberkg's graphs, not the store's own
        conds.append(f'STRSTARTS(STR(?g), "{GRAPH}") && !STRSTARTS(STR(?g), "{GRAPH}staging?")')
    if part == "data":
        conds.append(f"?g != <{G_ONTOLOGY}>")
    elif part == "ontology":
        conds.append(f"?g = <{G_ONTOLOGY}>")
    if not derived:
        conds.append(f"?g != <{G_DERIVED}>")
    return " && ".join(conds) or "true"


def canonical(term: Any) -> Any:
    """RDF 1.1 simple literals: ``"x"^^xsd:string`` is written as ``"x"`` whichever store it came from."""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


def collect(ds: Any, part: str = "all", derived: bool = False) -> Graph:
    """The triples of the chosen part, as one in-memory graph."""
    if part not in PARTS:
        raise ValueError(f"unknown part {part!r}; choose one of {', '.join(PARTS)}")
    keep = _graph_filter(part, derived, ds)
    result = ds.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER({keep}) }}")
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    g += ((s, p, canonical(o)) for s, p, o in result.graph)
    return g


def collect_dataset(ds: Any, part: str = "all", derived: bool = False) -> Dataset:
    keep = _graph_filter(part, derived, ds)
    rows = ds.query(f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER({keep}) }}")
    out = Dataset()
    for prefix, ns in PREFIXES.items():
        out.bind(prefix, ns)
    for s, p, o, g in sorted(rows, key=lambda r: str(r[3])):  # graph order independent of the engine
        out.graph(URIRef(str(g))).add((s, p, canonical(o)))
    return out


def serialize(ds: Any, fmt: str = "turtle", part: str = "all", derived: bool = False) -> bytes:
    """The export as bytes; the same graph always gives the same bytes."""
    name = FORMATS.get(fmt)
    if name is None:
        raise ValueError(f"unknown format {fmt!r}; choose one of turtle, trig, nt, jsonld")
    if name == "trig":
        return collect_dataset(ds, part, derived).serialize(format="trig", encoding="utf-8")
    if name == "nt":
        return _sorted_nt(ds, part, derived)
    g = collect(ds, part, derived)
    if name == "json-ld":
        import json

        data = json.loads(g.serialize(format="json-ld", encoding="utf-8", auto_compact=True))
        return (json.dumps(_sorted_jsonld(data), indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    return g.serialize(format="turtle", encoding="utf-8")


def _sorted_nt(ds: Any, part: str, derived: bool) -> bytes:
    """Sorted N-Triples, the fast canonical form, written by the store (on Oxigraph: no rdflib
    object per triple, 55 s -> about 7 s at 1M triples, see docs/bench.md); every backend gives the
    same bytes (a test compares them)."""
    import cyberkg.store.adapter as adapter

    keep = _graph_filter(part, derived, ds)
    text = adapter.of(ds).construct_nt(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER({keep}) }}").decode("utf-8")
    lines = sorted({x for x in text.splitlines() if x.strip()})
    return ("\n".join(lines) + "\n").encode("utf-8")


def _sorted_jsonld(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _sorted_jsonld(v) for k, v in data.items()}
    if isinstance(data, list):
        items = [_sorted_jsonld(v) for v in data]
        import json

        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return data
