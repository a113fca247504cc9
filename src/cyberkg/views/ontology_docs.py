"""Ontology documentation: one HTML page per class and per property of the cyberkg ontology, and
an index — label, definition, the module that defines it, domain and range, super- and sub-terms,
the alignments to standard vocabularies (``ontology/alignments/``), the SHACL shapes that apply
(``ontology/shapes/``) and example instances from the record.

Generated here with Jinja2 (autoescape on: every string from the ontology, the shapes or the
record is escaped) rather than by pyLODE: pyLODE 3.6.0 needs Python 3.12 (cyberkg supports 3.11)
and, installed with rdflib 7.6 on 3.12, fails at import (``kurra.labels`` has no
``get_missing_labels``); 3.4.1, the last release for 3.11, fails at import too (its ``version.py``
reads a ``pyproject.toml`` the wheel does not ship). pyLODE also writes one page for the whole
ontology, not one per term.

The pages are static and offline: no script, inline CSS, a Content-Security-Policy that forbids
every request; links between pages are relative, so the folder opens from disk or any web server.
Deterministic: everything is sorted, no timestamp is written, so the same ontology, shapes and
record give byte-identical pages.

Longer than 350 lines: collecting a term's facts from four sources (modules, alignments, shapes,
record) and rendering them belong together; the templates are in ``templates/ontology-docs/``.
"""

from __future__ import annotations

import heapq
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

from cyberkg.core.errors import CyberkgError
from cyberkg.core.labels import choose
from cyberkg.core.namespaces import CYBER, ONTOLOGY_IRI, PREFIXES, VANN

TEMPLATES = Path(__file__).resolve().parent / "templates" / "ontology-docs"
MARKER = ".cyberkg-docs"  # written into the output folder; only such a folder is replaced
EXAMPLES = 5
KINDS = {OWL.Class: "class", OWL.ObjectProperty: "object property", OWL.DatatypeProperty: "datatype property"}
EXTRA_PREFIXES = {
    "owl": str(OWL), "rdf": str(RDF), "rdfs": str(RDFS), "sh": str(SH), "xsd": "http://www.w3.org/2001/XMLSchema#",
    "foaf": "http://xmlns.com/foaf/0.1/", "eli": "http://data.europa.eu/eli/ontology#",
}
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


class DocsError(CyberkgError):
    """The documentation cannot be written where asked."""


@dataclass(frozen=True)
class Ref:
    """A term as shown: a prefixed name, its IRI, and a page link when it is one of ours."""

    text: str
    iri: str
    href: str | None = None
    label: str | None = None


@dataclass
class Constraint:
    shape: str
    shape_iri: str
    source: str  # ontology/shapes/<file>
    severity: str
    target: str  # what the shape targets, e.g. "instances of cyber:Actor"
    path: str
    rules: list[str]
    message: str


@dataclass
class Term:
    iri: URIRef
    kind: str
    name: str  # local name
    page: str  # path below the output folder, e.g. "class/Actor.html"
    label: str
    definition: str
    module: str
    module_title: str
    supers: list[Ref] = field(default_factory=list)
    subs: list[Ref] = field(default_factory=list)
    domain: list[Ref] = field(default_factory=list)
    range: list[Ref] = field(default_factory=list)
    alignments: list[tuple[str, Ref]] = field(default_factory=list)
    domain_of: list[Ref] = field(default_factory=list)
    range_of: list[Ref] = field(default_factory=list)
    shapes: list[Constraint] = field(default_factory=list)
    examples: list[dict[str, Any]] = field(default_factory=list)
    uses: int = 0


def _prefixes() -> dict[str, str]:
    out = {p: str(ns) for p, ns in PREFIXES.items()}
    out.update({p: ns for p, ns in EXTRA_PREFIXES.items() if p not in out})
    return out


def curie(iri: str, prefixes: dict[str, str] | None = None) -> str:
    best, chosen = "", ""
    for p, ns in sorted((prefixes or _prefixes()).items()):
        if iri.startswith(ns) and len(ns) > len(best):
            best, chosen = ns, p
    return f"{chosen}:{iri[len(best):]}" if best else iri


def _text(g: Graph, s: Any, p: URIRef) -> str:
    values = [o for o in g.objects(s, p) if isinstance(o, Literal)]
    return choose(values, "en") or ""


def load_modules(ontology_dir: Path) -> tuple[Graph, dict[URIRef, str], dict[str, str], Graph, Graph]:
    """The TBox, which file declares each term, each module file's title, the alignment triples,
    and the SHACL shapes (each shape node annotated with the file it comes from)."""
    tbox, alignments, shapes = Graph(), Graph(), Graph()
    declared_in: dict[URIRef, str] = {}
    titles: dict[str, str] = {}
    for f in sorted(ontology_dir.rglob("*.ttl")):
        rel = f.relative_to(ontology_dir.parent).as_posix()
        g = Graph()
        try:
            g.parse(f, format="turtle")
        except Exception as exc:  # rdflib raises several parser exception types
            raise DocsError(f"{f}: cannot parse the Turtle: {exc}") from exc
        parts = f.relative_to(ontology_dir).parts
        if "shapes" in parts:
            for s in set(g.subjects(RDF.type, SH.NodeShape)):
                g.add((s, DCTERMS.source, Literal(rel)))
            shapes += g
            continue
        tbox += g
        titles[rel] = next((_text(g, m, DCTERMS.title) for m in sorted(g.subjects(RDF.type, OWL.Ontology), key=str)),
                           "")
        if "alignments" in parts:
            alignments += g
        for kind in KINDS:
            for s in g.subjects(RDF.type, kind):
                if isinstance(s, URIRef):
                    declared_in.setdefault(s, rel)
    return tbox, declared_in, titles, alignments, shapes


def _page(kind: str, name: str) -> str:
    return f"{'class' if kind == 'class' else 'property'}/{name}.html"


def collect(ontology_dir: Path, ds: Any | None = None) -> tuple[dict[str, Any], list[Term]]:
    """The ontology header and every cyber: class and property with all that its page shows;
    ``ds`` (the built record) gives the examples."""
    tbox, declared_in, titles, alignments, shapes = load_modules(ontology_dir)
    prefixes = _prefixes()
    terms: dict[URIRef, Term] = {}
    for kind_iri, kind in KINDS.items():
        for s in sorted(set(tbox.subjects(RDF.type, kind_iri)), key=str):
            if not isinstance(s, URIRef) or not str(s).startswith(str(CYBER)):
                continue
            name = str(s)[len(str(CYBER)):]
            module = declared_in.get(s, "")
            terms[s] = Term(s, kind, name, _page(kind, name), _text(tbox, s, RDFS.label) or name,
                            _text(tbox, s, SKOS.definition), module, titles.get(module, ""))
    _check_pages(terms.values())

    def ref(o: Any) -> Ref:
        if isinstance(o, URIRef) and o in terms:
            t = terms[o]
            return Ref(curie(str(o), prefixes), str(o), t.page, t.label)
        if isinstance(o, BNode):
            return Ref("(anonymous)", "")
        return Ref(curie(str(o), prefixes), str(o))

    for t in terms.values():
        sup, sub = (RDFS.subClassOf, RDFS.subClassOf) if t.kind == "class" else (RDFS.subPropertyOf,) * 2
        in_alignments = set(alignments.triples((t.iri, None, None)))
        t.supers = sorted({ref(o) for o in tbox.objects(t.iri, sup)
                           if (t.iri, sup, o) not in in_alignments}, key=_key)
        t.subs = sorted({ref(s) for s in tbox.subjects(sub, t.iri)}, key=_key)
        t.domain = sorted({ref(o) for o in tbox.objects(t.iri, RDFS.domain)}, key=_key)
        t.range = sorted({ref(o) for o in tbox.objects(t.iri, RDFS.range)}, key=_key)
        t.alignments = sorted({(curie(str(p), prefixes), ref(o)) for _, p, o in in_alignments
                               if p not in (RDF.type, RDFS.isDefinedBy)}, key=lambda a: (a[0], _key(a[1])))
        if t.kind == "class":
            t.domain_of = sorted({ref(s) for s in tbox.subjects(RDFS.domain, t.iri) if s in terms}, key=_key)
            t.range_of = sorted({ref(s) for s in tbox.subjects(RDFS.range, t.iri) if s in terms}, key=_key)
        t.shapes = _shapes_for(t, tbox, shapes, prefixes)
        if ds is not None:
            t.examples, t.uses = _examples(t, ds, prefixes)
    return _header(tbox, prefixes), sorted(terms.values(), key=lambda t: (t.kind != "class", t.name.lower(), t.name))


def _key(r: Ref) -> tuple[str, str]:
    return (r.text.lower(), r.iri)


def _check_pages(terms: Iterable[Term]) -> None:
    seen: dict[str, str] = {}
    for t in terms:
        low = t.page.lower()
        if low in seen:
            raise DocsError(f"{t.iri} and {seen[low]} would share the page {t.page} on a case-insensitive file "
                            "system: rename one of them in ontology/")
        seen[low] = str(t.iri)


def _superclasses(tbox: Graph, cls: URIRef) -> list[URIRef]:
    out, todo = [cls], [cls]
    while todo:
        for o in tbox.objects(todo.pop(), RDFS.subClassOf):
            if isinstance(o, URIRef) and o not in out:
                out.append(o)
                todo.append(o)
    return out


def _shapes_for(t: Term, tbox: Graph, shapes: Graph, prefixes: dict[str, str]) -> list[Constraint]:
    """The shape constraints that apply: for a class, those of node shapes targeting it or a
    superclass; for a property, every property shape whose path is it, and node shapes targeting
    its subjects or objects."""
    out: list[Constraint] = []
    classes = _superclasses(tbox, t.iri) if t.kind == "class" else []
    for node in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str):
        targets = [("instances of", c) for c in shapes.objects(node, SH.targetClass)]
        targets += [("subjects of", p) for p in shapes.objects(node, SH.targetSubjectsOf)]
        targets += [("objects of", p) for p in shapes.objects(node, SH.targetObjectsOf)]
        target_text = ", ".join(sorted(f"{how} {curie(str(x), prefixes)}" for how, x in targets))
        source = str(shapes.value(node, DCTERMS.source) or "")
        node_severity = shapes.value(node, SH.severity)
        hits_node = (any(x in classes for how, x in targets if how == "instances of") if t.kind == "class"
                     else any(x == t.iri for how, x in targets if how != "instances of"))
        props = list(shapes.objects(node, SH.property))
        if hits_node and t.kind == "class":
            if not props or _rules(shapes, node, prefixes):
                out.append(_constraint(shapes, node, node, source, node_severity, target_text, prefixes))
            out += [_constraint(shapes, node, p, source, node_severity, target_text, prefixes) for p in props]
        elif t.kind != "class":
            for p in props:
                if shapes.value(p, SH.path) == t.iri or hits_node:
                    out.append(_constraint(shapes, node, p, source, node_severity, target_text, prefixes))
            if hits_node and not props:
                out.append(_constraint(shapes, node, node, source, node_severity, target_text, prefixes))
            for branch in _or_branches(shapes, node):
                if shapes.value(branch, SH.path) == t.iri:
                    out.append(_constraint(shapes, node, node, source, node_severity, target_text, prefixes))
    unique = {(c.shape_iri, c.path, tuple(c.rules), c.message): c for c in out}
    return sorted(unique.values(), key=lambda c: (c.severity != "Violation", c.shape, c.path, c.rules))


def _or_branches(shapes: Graph, node: Any) -> list[Any]:
    out = []
    for lst in shapes.objects(node, SH["or"]):
        out += list(Collection(shapes, lst))
    return out


def _path_text(shapes: Graph, path: Any, prefixes: dict[str, str]) -> str:
    if path is None:
        return ""
    if isinstance(path, BNode):
        inv = shapes.value(path, SH.inversePath)
        return f"^{curie(str(inv), prefixes)}" if inv is not None else "(complex path)"
    return curie(str(path), prefixes)


def _rules(shapes: Graph, node: Any, prefixes: dict[str, str]) -> list[str]:
    rules = []
    for p, name in ((SH.minCount, "at least"), (SH.maxCount, "at most")):
        v = shapes.value(node, p)
        if v is not None:
            rules.append(f"{name} {v}")
    for p, name in ((SH["class"], "of class"), (SH.datatype, "datatype"), (SH.nodeKind, "node kind"),
                    (SH.hasValue, "value")):
        for v in sorted(shapes.objects(node, p), key=str):
            rules.append(f"{name} {curie(str(v), prefixes)}")
    branches = []
    for branch in _or_branches(shapes, node):
        path = _path_text(shapes, shapes.value(branch, SH.path), prefixes)
        branches.append(" ".join(([path] if path else []) + _rules(shapes, branch, prefixes)))
    if branches:
        rules.append("one of: " + " | ".join(branches))
    return rules


def _constraint(shapes: Graph, node: Any, prop: Any, source: str, node_severity: Any, target: str,
                prefixes: dict[str, str]) -> Constraint:
    severity = shapes.value(prop, SH.severity) or node_severity or SH.Violation
    message = _text(shapes, prop, SH.message) or _text(shapes, node, SH.message) or _text(shapes, node, RDFS.label)
    name = str(node).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return Constraint(name, str(node), source, str(severity)[len(str(SH)):], target,
                      _path_text(shapes, shapes.value(prop, SH.path), prefixes),
                      _rules(shapes, prop, prefixes), message)


def _label(ds: Any, node: Any) -> str:
    return choose([o for o in ds.objects(node, RDFS.label) if isinstance(o, Literal)], "en") or ""


def _shown(ds: Any, node: Any, prefixes: dict[str, str]) -> dict[str, str]:
    if isinstance(node, Literal):
        dt = f" ({curie(str(node.datatype), prefixes)})" if node.datatype else (f" @{node.language}"
                                                                               if node.language else "")
        return {"text": str(node) + dt, "iri": ""}
    if isinstance(node, BNode):
        return {"text": "(blank node)", "iri": ""}
    return {"text": _label(ds, node) or curie(str(node), prefixes), "iri": str(node)}


def _examples(t: Term, ds: Any, prefixes: dict[str, str]) -> tuple[list[dict[str, Any]], int]:
    """Up to EXAMPLES instances (a class) or uses (a property), the first by IRI, and the count."""
    if t.kind == "class":
        subjects = {s for s in ds.subjects(RDF.type, t.iri) if isinstance(s, URIRef)}
        first = heapq.nsmallest(EXAMPLES, subjects, key=str)
        return [{"subject": _shown(ds, s, prefixes)} for s in first], len(subjects)
    triples: set[tuple[URIRef, Any]] = {(s, o) for s, _, o in ds.triples((None, t.iri, None)) if isinstance(s, URIRef)}
    pairs = heapq.nsmallest(EXAMPLES, triples, key=lambda so: (str(so[0]), so[1].n3()))
    return [{"subject": _shown(ds, s, prefixes), "object": _shown(ds, o, prefixes)} for s, o in pairs], len(triples)


def _header(tbox: Graph, prefixes: dict[str, str]) -> dict[str, Any]:
    o = URIRef(ONTOLOGY_IRI)
    modules = sorted((str(m), _text(tbox, m, DCTERMS.title)) for m in tbox.objects(o, OWL.imports))
    return {
        "iri": ONTOLOGY_IRI,
        "title": _text(tbox, o, DCTERMS.title),
        "description": _text(tbox, o, DCTERMS.description),
        "creator": ", ".join(sorted(str(c) for c in tbox.objects(o, DCTERMS.creator))),
        "license": str(tbox.value(o, DCTERMS.license) or ""),
        "created": str(tbox.value(o, DCTERMS.created) or ""),
        "modified": str(tbox.value(o, DCTERMS.modified) or ""),
        "version": str(tbox.value(o, OWL.versionInfo) or ""),
        "version_iri": str(tbox.value(o, OWL.versionIRI) or ""),
        "prefix": str(tbox.value(o, VANN.preferredNamespacePrefix) or ""),
        "namespace": str(tbox.value(o, VANN.preferredNamespaceUri) or ""),
        "modules": modules,
    }


def render(header: dict[str, Any], terms: list[Term], record: str) -> dict[str, bytes]:
    """Relative path -> page bytes: ``index.html`` and one page per term."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True)
    common = {"header": header, "csp": CSP, "record": record}
    headings = {"class": "Classes", "object property": "Object properties", "datatype property": "Datatype properties"}
    groups = [(kind, headings[kind], [t for t in terms if t.kind == kind]) for kind in KINDS.values()]
    files = {"index.html": env.get_template("index.html").render(groups=groups, root="", **common).encode()}
    page = env.get_template("term.html")
    for t in terms:
        files[t.page] = page.render(t=t, root="../", **common).encode()
    return files


def build_docs(ontology_dir: Path, ds: Any | None = None, record: str = "the record") -> dict[str, bytes]:
    header, terms = collect(ontology_dir, ds)
    return render(header, terms, record)


def write_docs(files: dict[str, bytes], out: Path) -> None:
    """Write ``files`` as the folder ``out``, swapped in whole: a reader (or a process killed midway)
    sees the old folder or the new one. An existing folder is replaced only when an earlier run of
    ``cyberkg docs`` wrote it (it holds the marker file) or it is empty."""
    from cyberkg.core.atomic import write_atomic

    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file())):
        raise DocsError(f"{out} exists and was not written by 'cyberkg docs'; refusing to replace it — "
                        "choose a new or empty folder with -o")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        for rel, data in sorted(files.items()):
            write_atomic(tmp / rel, data)
        write_atomic(tmp / MARKER, b"written by 'cyberkg docs'; the whole folder is replaced on the next run\n")
        os.chmod(tmp, 0o755)
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
