"""Exports for analysts: the two-sheet shape back as CSV (``csv-sheets``), and GraphML/GEXF for Gephi.

``csv-sheets`` writes ``elements.csv`` and ``connections.csv`` with the columns the spreadsheet
importer reads, so sheets -> graph -> sheets keeps everything the shape can carry. Rows are sorted;
the same graph gives the same bytes. GraphML/GEXF hold the records as nodes (no literal nodes, which
would become false hubs) and the relationships as edges with a ``relation`` attribute.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from cyberkg.core.labels import choose
from cyberkg.core.namespaces import CYBER, DCTERMS, ID, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, VOCAB, WD, iri
from cyberkg.importers.base import is_import_node
from cyberkg.importers.sheet_schema import (
    CONNECTION_COLUMNS,
    CONNECTIONS,
    ELEMENT_COLUMNS,
    ELEMENTS,
    FORMULA_START,
    RELATIONS,
)

FORMATS = ("csv-sheets", "graphml", "gexf")
CLASS_KIND = {
    CYBER.Actor: "actor",
    CYBER.StrategicGoal: "goal",
    CYBER.PolicyInstrument: "instrument",
    CYBER.Incident: "incident",
    CYBER.SourceDocument: "source",
}
DATES = {
    "adopted": CYBER.adopted,
    "in_force": CYBER.inForce,
    "ended": CYBER.ended,
    "struck_down": CYBER.struckDown,
    "end_date": CYBER.endDate,
}
TYPES = {
    "actor": CYBER.actorKind,
    "instrument": CYBER.instrumentType,
    "incident": CYBER.threatCategory,
    "source": CYBER.sourceType,
}


def ref(node: Node) -> str:
    """The id a sheet uses for ``node``: the slug of a record or concept, else the full IRI."""
    text = str(node)
    for base in (str(ID), str(VOCAB)):
        if text.startswith(base):
            rest = text[len(base) :].split("/")
            if len(rest) == 2:
                return rest[1]
    return text


def _one(g: Graph, s: Node, p: URIRef) -> str:
    return "; ".join(sorted(str(o) for o in g.objects(s, p)))


def _sources(g: Graph, s: Node) -> str:
    return "; ".join(sorted(ref(o) for o in g.objects(s, PROV.wasDerivedFrom) if not is_import_node(o)))


def element_rows(g: Graph, lang: str | None = None) -> list[dict[str, str]]:
    rows = []
    for cls, kind in CLASS_KIND.items():
        for node in set(g.subjects(RDF.type, cls)):
            if (
                not isinstance(node, URIRef)
                or is_import_node(node)
                or not str(node).startswith(f"{ID}{kind}/")
            ):
                continue
            row = {"id": ref(node), "kind": kind}
            labels = [
                lab
                for lab in g.objects(node, DCTERMS.title if kind == "source" else RDFS.label)
                if isinstance(lab, Literal)
            ] or [lab for lab in g.objects(node, RDFS.label) if isinstance(lab, Literal)]
            row["label"] = choose(labels, lang) or ""
            row["type"] = (
                "; ".join(sorted(ref(o) for o in g.objects(node, TYPES[kind]))) if kind in TYPES else ""
            )
            if kind == "actor":
                row["side"] = "; ".join(sorted(ref(o) for o in g.objects(node, CYBER.onSide)))
            for col, p in DATES.items():
                row[col] = _one(g, node, p)
            row["date"] = _one(g, node, CYBER.occurred if kind == "incident" else DCTERMS.issued)
            if kind == "source":
                row["issuer"] = "; ".join(sorted(ref(o) for o in g.objects(node, CYBER.issuer)))
                row["url"] = _one(g, node, SCHEMA.url)
                row["identifier"] = _one(g, node, DCTERMS.identifier)
            row["description"] = (
                choose([d for d in g.objects(node, DCTERMS.description) if isinstance(d, Literal)], lang)
                or ""
            )
            row["aliases"] = _one(g, node, SKOS.altLabel)
            row["wikidata"] = "; ".join(
                sorted(
                    str(o)[len(str(WD)) :] for o in g.objects(node, OWL.sameAs) if str(o).startswith(str(WD))
                )
            )
            row["confidence"] = _one(g, node, CYBER.confidence)
            row["note"] = _one(g, node, SKOS.editorialNote)
            row["sources"] = _sources(g, node)
            rows.append({c: row.get(c, "") for c in ELEMENT_COLUMNS})
    return sorted(rows, key=lambda r: (r["kind"], r["id"]))


def _fits(node: Node, kinds: tuple[str, ...]) -> bool:
    """Whether ``node`` is a record of one of ``kinds`` (or a concept of a ``concept:<scheme>``)."""
    text = str(node)
    for kind in kinds:
        scheme = kind.partition(":")[2]
        if text.startswith(f"{VOCAB}{scheme}/" if scheme else f"{ID}{kind}/"):
            return True
    return False


def _ref_in(g: Graph, node: Node, kinds: tuple[str, ...]) -> str:
    """``ref(node)``, written ``kind:slug`` where another record of one of ``kinds`` has the same slug
    (an instrument and its source often do: eo-13636), so the importer reads it back unambiguously."""
    slug = ref(node)
    text = str(node)
    if not text.startswith(str(ID)) or "/" not in text[len(str(ID)):]:
        return slug
    kind = text[len(str(ID)):].split("/", 1)[0]
    twins = [k for k in kinds if k != kind and (URIRef(iri(k, slug)), RDF.type, None) in g]
    return f"{kind}:{slug}" if twins else slug


def connection_rows(g: Graph) -> list[dict[str, str]]:
    statements: dict[tuple[Node, Node, Node], Node] = {}
    for node in g.subjects(RDF.type, RDF.Statement):
        key = (g.value(node, RDF.subject), g.value(node, RDF.predicate), g.value(node, RDF.object))
        statements[key] = node  # type: ignore[index]
    rows = []
    for rel in RELATIONS.values():
        for s, o in g.subject_objects(rel.predicate):
            if (
                is_import_node(s)
                or is_import_node(o)
                or not _fits(s, rel.from_kinds)
                or not _fits(o, (rel.to_kind,))
            ):
                continue
            st = statements.get((s, rel.predicate, o))
            base = {
                "from": _ref_in(g, s, rel.from_kinds),
                "relation": rel.name,
                "to": _ref_in(g, o, (rel.to_kind,)),
                "sources": _sources(g, st) if st is not None else "",
                "confidence": _one(g, st, CYBER.confidence) if st is not None else "",
                "note": _one(g, st, SKOS.editorialNote) if st is not None else "",
            }
            pursuits = (
                [p for p in g.subjects(CYBER.pursuer, s) if (p, CYBER.pursuedGoal, o) in g]
                if rel.name == "pursues"
                else []
            )
            for p in pursuits:
                rows.append(
                    {
                        **base,
                        "since": _one(g, p, CYBER.since),
                        "until": _one(g, p, CYBER.until),
                        "sources": _sources(g, p) or base["sources"],
                    }
                )
            if not pursuits:
                rows.append(base)
    return sorted(
        ({c: r.get(c, "") for c in CONNECTION_COLUMNS} for r in rows),
        key=lambda r: (r["from"], r["relation"], r["to"], r["since"]),
    )


def neutralise(cell: str) -> str:
    """A cell a spreadsheet program would run as a formula (=, +, -, @, tab, CR first) gets a single
    quote in front (OWASP CSV injection); the spreadsheet importer takes it off again."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def _lf(cell: str) -> str:
    """Line breaks as LF: with the LF line terminator the csv module would leave a lone CR unquoted,
    and the row would break in two when read back."""
    return cell.replace("\r\n", "\n").replace("\r", "\n")


def csv_bytes(columns: tuple[str, ...], rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    w.writeheader()
    w.writerows({k: neutralise(_lf(v)) if isinstance(v, str) else v for k, v in r.items()} for r in rows)
    return buf.getvalue().encode("utf-8")


def source_graph(ds: Any, layer: str | None = None) -> Graph:
    """The data to export: every data graph (curated, vocabularies, layers), or one layer."""
    if layer is not None:
        from cyberkg.store.layers import layer_graph

        return layer_graph(ds, layer)
    from cyberkg.export.rdf import collect

    return collect(ds, "data", derived=False)


def write_sheets(ds: Any, out_dir: Path, layer: str | None = None, lang: str | None = None) -> list[Path]:
    """Write ``elements.csv`` and ``connections.csv`` into ``out_dir`` (atomically, each)."""
    from cyberkg.core.atomic import write_atomic

    g = source_graph(ds, layer)
    files = [
        (out_dir / f"{ELEMENTS}.csv", csv_bytes(ELEMENT_COLUMNS, element_rows(g, lang))),
        (out_dir / f"{CONNECTIONS}.csv", csv_bytes(CONNECTION_COLUMNS, connection_rows(g))),
    ]
    for path, data in files:
        write_atomic(path, data)
    return [p for p, _ in files]


def network(g: Graph, lang: str | None = None) -> Any:
    """A networkx MultiDiGraph of the records and their relationships."""
    import networkx as nx

    net = nx.MultiDiGraph()
    els = element_rows(g, lang)
    for r in els:
        net.add_node(
            f"{r['kind']}:{r['id']}", label=r["label"], kind=r["kind"], type=r["type"], side=r["side"]
        )
    kinds = {r["id"]: r["kind"] for r in els}
    for c in connection_rows(g):
        a, b = c["from"], c["to"]
        src = f"{kinds[a]}:{a}" if a in kinds else a
        dst = f"{kinds[b]}:{b}" if b in kinds else b
        for n in (src, dst):
            if n not in net:
                net.add_node(
                    n, label=n, kind="concept" if n == b and b not in kinds else "external", type="", side=""
                )
        net.add_edge(src, dst, relation=c["relation"], sources=c["sources"])
    return net


def graph_bytes(ds: Any, fmt: str, layer: str | None = None, lang: str | None = None) -> bytes:
    """GraphML or GEXF of the records (for Gephi)."""
    import networkx as nx

    net = network(source_graph(ds, layer), lang)
    if fmt == "graphml":
        return ("\n".join(nx.generate_graphml(net)) + "\n").encode("utf-8")
    if fmt == "gexf":
        text = "\n".join(nx.generate_gexf(net))
        return (re.sub(r' lastmodifieddate="[^"]*"', "", text) + "\n").encode(
            "utf-8"
        )  # keep it deterministic
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def export(
    ds: Any, fmt: str, output: Path | None, lang: str | None = None
) -> tuple[bytes | None, list[Path]]:
    """The CLI's entry: ``csv-sheets`` needs an output folder; the others return bytes or write a file."""
    from cyberkg.core.atomic import write_atomic

    if fmt == "csv-sheets":
        if output is None:
            raise ValueError("--format csv-sheets writes two files: give a folder with -o DIR")
        return None, write_sheets(ds, output, lang=lang)
    data = graph_bytes(ds, fmt, lang=lang)
    if output is None:
        return data, []
    write_atomic(output, data)
    return data, [output]
