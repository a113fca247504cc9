"""Bring your own data: spreadsheets, STIX 2.1 bundles and RDF files into named, removable layers.

:func:`import_files` detects each file's format, maps it to a layer graph with the file as the
source of every fact, checks the result against the SHACL shapes together with what the graph
already holds, and only when every file is clean writes the layers and re-runs the derivations.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef

from cyberkg.core.errors import DataError, Problem
from cyberkg.core.namespaces import G_DERIVED, G_ONTOLOGY, LAYER, iri
from cyberkg.importers.base import FileInfo, Known, sha256
from cyberkg.importers.limits import check_date, check_file_size
from cyberkg.record.schema import did_you_mean
from cyberkg.store.layers import LayerError, LayerInfo, canonical_nt, check_name, layers_dir, read_index, slug

FORMATS = ("csv", "xlsx", "stix", "turtle", "trig", "nt", "nq", "jsonld", "rdfxml")
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".trig": "trig",
    ".nt": "nt",
    ".ntriples": "nt",
    ".nq": "nq",
    ".nquads": "nq",
    ".jsonld": "jsonld",
    ".json-ld": "jsonld",
    ".rdf": "rdfxml",
    ".owl": "rdfxml",
    ".xml": "rdfxml",
}


@dataclass
class Unit:
    """One import: a file (or a CSV pair) going into one layer."""

    layer: str
    fmt: str
    files: list[Path]


@dataclass
class Outcome:
    layer: str
    file: str
    format: str
    triples: int
    sha256: str
    status: str  # added | replaced | unchanged
    notes: list[str] = field(default_factory=list)


def detect_format(path: Path, data: bytes) -> str:
    """The format of ``path`` from its content first (zip, JSON), then its extension."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    ext = path.suffix.lower()
    if ext == ".json" or (ext not in EXTENSIONS and data.lstrip()[:1] in (b"{", b"[")):
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            doc = None
        if isinstance(doc, dict) and (doc.get("type") == "bundle" or "spec_version" in doc):
            return "stix"
        if isinstance(doc, dict | list) and "@" in data.decode("utf-8", "replace")[:20000]:
            return "jsonld"
        if ext == ".json":
            return "stix"  # the STIX reader explains what is wrong with it
    if ext in EXTENSIONS:
        return EXTENSIONS[ext]
    raise DataError(
        [
            Problem(
                path.name,
                None,
                f"cannot tell the format of {path.name!r}",
                f"pass --format, one of: {', '.join(FORMATS)}",
            )
        ]
    )


def plan(files: list[Path], fmt: str | None = None, layer: str | None = None) -> list[Unit]:
    """Group the files into imports (a CSV elements/connections pair is one) and name their layers."""
    from cyberkg.importers.sheet_read import csv_pair

    units: list[Unit] = []
    seen: set[Path] = set()
    for path in files:
        if not path.is_file():
            raise DataError([Problem(str(path), None, "no such file", "check the path")])
        check_file_size(path)
        data = path.read_bytes()
        f = fmt or detect_format(path, data)
        if f not in FORMATS:
            raise DataError(
                [Problem(path.name, None, f"unknown format {f!r}", f"one of: {', '.join(FORMATS)}")]
            )
        if f == "csv":
            els, cons, name = csv_pair(path)
            if els.resolve() in seen:
                continue
            if not els.is_file():
                raise DataError(
                    [
                        Problem(
                            path.name,
                            None,
                            f"the elements sheet {els.name!r} is missing",
                            "a CSV import needs an elements file (and optionally a connections file)",
                        )
                    ]
                )
            seen.add(els.resolve())
            units.append(Unit(slug(name), f, [els] + ([cons] if cons else [])))
        else:
            units.append(Unit(slug(path.stem), f, [path]))
    if layer is not None:
        if len(units) != 1:
            raise LayerError(
                f"--layer names one layer, but {len(units)} imports were given; import them one by one"
            )
        units[0].layer = layer
    names = [u.layer for u in units]
    for u in units:
        check_name(u.layer)
        if names.count(u.layer) > 1:
            raise LayerError(
                f"two files would go into layer {u.layer!r}; import them one by one with --layer"
            )
    return units


def base_graph(ds: Any, without: list[str] | None = None) -> Graph:
    """The curated data graphs of ``ds`` (record and vocabularies), no layer: a layer is mapped and
    checked against these only, so its triples depend on its file and options alone, and removing
    any other layer leaves it valid. (``without`` is kept for callers; every layer is left out.)"""
    skip = [G_ONTOLOGY, G_DERIVED]
    cond = " && ".join(f"?g != <{g}>" for g in skip) + f' && !STRSTARTS(STR(?g), "{LAYER}")'

    # The CONSTRUCT's graph is a new in-memory Graph of its own: no copy (1 s for 21k triples).
    g: Graph = ds.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER({cond}) }}").graph
    return g


def _issuer(text: str | None, known: Known, file: str) -> URIRef | None:
    if not text:
        return None
    if text.startswith(("http://", "https://")):
        return URIRef(text)
    if known.has("actor", text):
        return URIRef(iri("actor", text))
    raise DataError(
        [
            Problem(
                file,
                None,
                f"--issuer {text!r} is not a known actor",
                did_you_mean(text, known.records.get("actor", set())) or "give a curated actor id",
            )
        ]
    )


def other_layers(ds: Any, without: list[str]) -> Graph:
    """The triples of every layer but ``without`` (to refuse an id another layer defines)."""
    cond = f'STRSTARTS(STR(?g), "{LAYER}")' + "".join(f" && ?g != <{LAYER[n]}>" for n in without)
    g: Graph = ds.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER({cond}) }}").graph
    return g


def to_graph(
    unit: Unit, base: Graph, issuer: str | None = None, date: str | None = None, url: str | None = None,
    taken: Known | None = None,
) -> tuple[Graph, FileInfo, list[str]]:
    """The layer graph of one import, checked against the shapes with ``base``; nothing is written."""
    from cyberkg.importers import rdf, sheets, stix

    for p in unit.files:
        check_file_size(p)
    blobs = [(p, p.read_bytes()) for p in unit.files]
    digest = sha256(b"\0".join(d for _, d in blobs))
    info = FileInfo(unit.layer, unit.files[0].name, unit.fmt, digest, url=url, date=date)
    known = Known.from_graph(base)
    notes: list[str] = []
    if unit.fmt in ("csv", "xlsx"):
        g = sheets.to_graph(blobs, unit.fmt, info, known, issuer, taken)
    elif unit.fmt == "stix":
        info.issuer = _issuer(issuer, known, info.name)
        result = stix.to_graph(blobs[0][1], info, known)
        g, notes = result.graph, result.notes
    else:
        info.issuer = _issuer(issuer, known, info.name)
        g = rdf.to_graph(blobs[0][1], unit.fmt, info)
    check_shapes(g, base, info.name)
    return canonical_bnodes(g), info, notes


def canonical_bnodes(g: Graph) -> Graph:
    """``g`` with its blank nodes named from their descriptions (rdflib.compare's canonical labels),
    so the same file always gives the same layer bytes and a re-import is "unchanged"."""
    from rdflib import BNode
    from rdflib.compare import to_canonical_graph

    if not any(isinstance(t, BNode) for triple in g for t in triple):
        return g
    out = Graph()
    for prefix, ns in g.namespaces():
        out.bind(prefix, ns, override=False)
    for triple in to_canonical_graph(g):
        out.add(triple)
    return out


def violation_shapes() -> Graph:
    """The SHACL shapes that can report a violation. A warning or information shape (curation
    completeness) never rejects an import, and on a big layer it costs as much as the rest: its
    property shapes are unlinked and, without property shapes of its own, its targets dropped."""
    from rdflib.namespace import SH

    from cyberkg.analysis.validate import shapes_graph

    shapes = shapes_graph()
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
    for shape, severity in list(shapes.subject_objects(SH.severity)):
        if severity == SH.Violation:
            continue
        for parent in list(shapes.subjects(SH.property, shape)):
            shapes.remove((parent, SH.property, shape))
        if (shape, SH.property, None) not in shapes:
            for t in targets:
                shapes.remove((shape, t, None))
    return shapes


def check_shapes(layer: Graph, base: Graph, file: str) -> None:
    """Reject the layer when SHACL finds a violation on any node it touches.

    Checked in place: ``base`` and the ontology go into ``layer`` for the check and come out again,
    whatever happens — a copy of base + layer cost more than pySHACL itself on a 10,000-object
    STIX bundle (bench/stix_bench.py)."""
    from rdflib.namespace import SH

    from cyberkg.analysis.validate import run_shacl
    from cyberkg.store.backend import ontology_graph

    touched = {str(s) for s in layer.subjects()}
    shapes = violation_shapes()
    added = {t for g in (base, ontology_graph()) for t in g if t not in layer}
    layer.addN((s, p, o, layer) for s, p, o in added)
    try:  # no copy by pySHACL either, unless a shape has rules (they would add triples)
        findings = run_shacl(layer, shapes=shapes, inplace=(None, SH.rule, None) not in shapes)
    finally:
        for t in added:
            layer.remove(t)
    bad = [f for f in findings if f.severity == "Violation" and f.focus in touched]
    if bad:
        raise DataError(
            [
                Problem(
                    file,
                    None,
                    f"SHACL violation on {f.focus}: {f.message}",
                    f"path {f.path}" if f.path else "",
                )
                for f in bad
            ]
        )


def import_files(
    files: list[Path],
    fmt: str | None = None,
    layer: str | None = None,
    replace: bool = False,
    issuer: str | None = None,
    date: str | None = None,
    url: str | None = None,
    ds: Any = None,
    build_dir: Path | None = None,
) -> list[Outcome]:
    """Import ``files``: all are mapped and validated first; only then are the layers written."""
    from cyberkg.store import built

    check_date(date)
    units = plan(files, fmt, layer)
    if ds is not None:
        return _import_into(ds, units, replace, issuer, date, url, build_dir)
    with built.writing(build_dir, "import") as ds:  # a new store version, current only if all goes well
        return _import_into(ds, units, replace, issuer, date, url, build_dir)


def _import_into(ds: Any, units: list[Unit], replace: bool, issuer: str | None, date: str | None,
                 url: str | None, build_dir: Path | None) -> list[Outcome]:
    from cyberkg.core.progress import Steps
    from cyberkg.store import layers

    steps = Steps("import", [f"{verb} {u.layer}" for verb in ("checking", "writing") for u in units])  # on a tty
    index = read_index(build_dir)
    base = base_graph(ds, [u.layer for u in units])
    taken = Known.from_graph(other_layers(ds, [u.layer for u in units]))
    ready: list[tuple[Unit, Graph, FileInfo, list[str], str]] = []
    for u in units:
        steps.next(f"checking {u.layer}")
        g, info, notes = to_graph(u, base, issuer, date, url, taken)
        old = index.get(u.layer)
        saved = layers_dir(build_dir) / f"{u.layer}.nt"
        if old is not None and old.triples == len(g) and saved.is_file() and saved.read_bytes() == canonical_nt(g):
            status = "unchanged"
        elif old is not None and not replace:
            raise LayerError(
                f"layer {u.layer!r} already holds {old.file} (a different version); "
                "pass --replace to reload it, or --layer NAME to import it beside"
            )
        else:
            status = "replaced" if old is not None else "added"
        ready.append((u, g, info, notes, status))
    out = []
    with steps:
        for u, g, info, notes, status in ready:
            steps.next(f"writing {u.layer}")
            shown = " + ".join(str(p) for p in u.files)
            if status != "unchanged":
                layers.put(ds, LayerInfo(u.layer, shown, u.fmt, len(g), info.sha256), g, build_dir)
            out.append(Outcome(u.layer, shown, u.fmt, len(g), info.sha256, status, notes))
    return out
