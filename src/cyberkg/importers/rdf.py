"""RDF files (Turtle, TriG, N-Triples, N-Quads, JSON-LD, RDF/XML) -> a layer graph.

The file's triples land as they are (quads of every named graph flattened into the layer), plus
provenance: each typed subject gets ``prov:wasDerivedFrom`` the file, and each policy
relationship not already reified in the file gets a statement citing the file. The SHACL check
happens in :func:`cyberkg.importers.import_files`, before anything is written.
"""

from __future__ import annotations

import re

from rdflib import Dataset, Graph, URIRef
from rdflib.term import BNode

from cyberkg.core.errors import DataError, Problem
from cyberkg.core.namespaces import CYBER, PROV, RDF, XSD
from cyberkg.importers.base import Builder, FileInfo
from cyberkg.importers.sheet_schema import BY_PREDICATE
from cyberkg.record.schema import PartialDate

RDFLIB_FORMAT = {
    "turtle": "turtle",
    "trig": "trig",
    "nt": "nt",
    "nq": "nquads",
    "jsonld": "json-ld",
    "rdfxml": "xml",
}
QUADS = ("trig", "nq")
# Relationships whose provenance the quality checks look for (see queries/checks/).
PROVENANCED = {*BY_PREDICATE, CYBER.onSide, CYBER.threatCategory}


def _remote_contexts(node: object) -> list[str]:
    """Every ``@context`` given by reference (a URL) anywhere in a JSON-LD document."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                refs = value if isinstance(value, list) else [value]
                found += [r for r in refs if isinstance(r, str)]
            found += _remote_contexts(value)
    elif isinstance(node, list):
        for item in node:
            found += _remote_contexts(item)
    return found


def parse(data: bytes, fmt: str, file: str) -> Graph:
    """Parse ``data``; a syntax error becomes a :class:`DataError` naming the file (and line).
    A JSON-LD ``@context`` given by URL is refused: importing never reaches the network."""
    if fmt == "jsonld":
        import json

        try:
            remote = _remote_contexts(json.loads(data))
        except ValueError as exc:
            raise DataError([Problem(file, getattr(exc, "lineno", None), f"not valid JSON: {exc}",
                                     "check the file is JSON-LD")]) from None
        if remote:
            raise DataError([Problem(file, None, f"the JSON-LD @context refers to {remote[0]!r}, which would be "
                                     "fetched from the network", "inline the context in the file and import again")])
    g = Graph()
    try:
        if fmt in QUADS:
            ds = Dataset()
            ds.parse(data=data, format=RDFLIB_FORMAT[fmt])
            for s, p, o, _ in ds.quads((None, None, None, None)):
                g.add((s, p, o))
        else:
            g.parse(data=data, format=RDFLIB_FORMAT[fmt])
    except Exception as exc:  # rdflib's parsers raise many exception types
        text = str(exc)
        m = re.search(r"line (\d+)", text)
        raise DataError(
            [
                Problem(
                    file,
                    int(m[1]) if m else None,
                    f"cannot parse the {fmt} file: {text.splitlines()[0] if text else type(exc).__name__}",
                    "check the syntax, or pass --format if the extension is misleading",
                )
            ]
        ) from None
    return g


def to_graph(data: bytes, fmt: str, info: FileInfo) -> Graph:
    """The file's triples plus provenance and the file's source node."""
    parsed = parse(data, fmt, info.name)
    if len(parsed) == 0:
        raise DataError([Problem(info.name, None, "the file holds no triples")])
    b = Builder(info)
    b.g += parsed
    reified = {
        (parsed.value(st, RDF.subject), parsed.value(st, RDF.predicate), parsed.value(st, RDF.object))
        for st in parsed.subjects(RDF.type, RDF.Statement)
    }
    for s in set(parsed.subjects(RDF.type, None)):
        if isinstance(s, URIRef | BNode) and (s, RDF.type, RDF.Statement) not in parsed:
            b.add(s, PROV.wasDerivedFrom, info.source)
    for s, p, o in list(parsed):
        if p in PROVENANCED and isinstance(s, URIRef) and isinstance(o, URIRef) and (s, p, o) not in reified:
            b.relate(s, p, o)  # type: ignore[arg-type]
    for o in parsed.objects():
        if getattr(o, "datatype", None) == XSD.date and re.match(r"^\d{4}-\d{2}-\d{2}$", str(o)):
            b.dates.append(PartialDate(str(o)))
    problems: list[Problem] = []
    g = b.finish(problems)
    if problems:
        raise DataError(problems)
    return g
