"""The SHACL shapes in ``ontology/shapes/`` compiled into zero-row SPARQL queries, run by the store.

pySHACL does not scale to a user's record (more than 300 s at 240k triples; it walks every focus
node in Python). The shapes stay the one statement of the rules: this module reads them and writes
one SELECT per constraint, whose every row is a validation result, and the store's engine (Oxigraph
on the embedded store) answers it in a few set-based passes. The subset of SHACL Core it compiles
is what the shapes use; anything else is refused with the shape and the term named, never skipped:

* targets: ``sh:targetClass`` (instances of the class or a subclass), ``sh:targetSubjectsOf``,
  ``sh:targetObjectsOf``, ``sh:targetNode``;
* paths: a predicate IRI or ``[ sh:inversePath IRI ]``;
* on property shapes: ``sh:minCount``, ``sh:maxCount``, ``sh:class``, ``sh:datatype``,
  ``sh:nodeKind``, ``sh:hasValue``, ``sh:in``, ``sh:pattern``, ``sh:or`` of value constraints;
* on node shapes: ``sh:or`` of property shapes (``sh:minCount 1``, ``sh:hasValue``);
* ``sh:severity``, ``sh:message``, ``sh:deactivated``.

A test checks that the compiled checks find exactly the results pySHACL finds on planted faults.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from cyberkg.core.errors import CyberkgError


class ShapeError(CyberkgError):
    """A shape uses a SHACL feature the SPARQL compiler does not know (it never skips one)."""


@dataclass(frozen=True)
class Check:
    """One constraint as a SELECT of ``?this`` (and ``?value`` where the result is per value)."""

    shape: str  # the named node shape the result belongs to
    severity: str  # Violation | Warning | Info
    path: str  # IRI, ^IRI, or "" for a node-level constraint
    message: str
    sparql: str


NODE_KINDS = {SH.IRI: "isIRI(?value)", SH.Literal: "isLiteral(?value)", SH.BlankNode: "isBlank(?value)",
              SH.BlankNodeOrIRI: "(isBlank(?value) || isIRI(?value))",
              SH.BlankNodeOrLiteral: "(isBlank(?value) || isLiteral(?value))",
              SH.IRIOrLiteral: "(isIRI(?value) || isLiteral(?value))"}
SHAPE_KEYS = {SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode, SH.property, SH.severity,
              SH.message, SH["or"], SH.deactivated, RDF.type}
PROPERTY_KEYS = {SH.path, SH.minCount, SH.maxCount, SH["class"], SH.datatype, SH.nodeKind, SH.hasValue, SH["in"],
                 SH.pattern, SH.flags, SH["or"], SH.severity, SH.message, SH.deactivated, SH.name, SH.description,
                 SH.order}
IGNORED = {"http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2000/01/rdf-schema#comment",
           str(SH.name), str(SH.description), str(SH.order)}


def _n3(term: Any) -> str:
    return str(term.n3())


def _severity(g: Graph, node: Any, default: str = "Violation") -> str:
    sev = g.value(node, SH.severity)
    return str(sev).rsplit("#", 1)[-1] if sev is not None else default


def _check_keys(g: Graph, node: Any, allowed: set[URIRef], where: str) -> None:
    for p in set(g.predicates(node, None)):
        if p not in allowed and str(p) not in IGNORED:
            raise ShapeError(f"{where}: the SPARQL validator does not compile {p}; "
                             "use a supported constraint or run 'cyberkg validate --engine pyshacl'")


def _path(g: Graph, shape: Any, where: str) -> tuple[str, str]:
    """(SPARQL path, the path as findings show it)."""
    path = g.value(shape, SH.path)
    if isinstance(path, URIRef):
        return _n3(path), str(path)
    if isinstance(path, BNode):
        inverse = g.value(path, SH.inversePath)
        if isinstance(inverse, URIRef) and len(set(g.predicate_objects(path))) == 1:
            return f"^{_n3(inverse)}", f"^{inverse}"
    raise ShapeError(f"{where}: only a predicate IRI or [ sh:inversePath IRI ] is compiled as sh:path")


def _targets(g: Graph, shape: Any) -> str:
    parts = []
    for c in g.objects(shape, SH.targetClass):  # from the class down (a path from ?this walks every node)
        parts.append(f"?targetClass rdfs:subClassOf* {_n3(c)} . ?this rdf:type ?targetClass .")
    for p in g.objects(shape, SH.targetSubjectsOf):
        parts.append(f"?this {_n3(p)} [] .")
    for p in g.objects(shape, SH.targetObjectsOf):
        parts.append(f"[] {_n3(p)} ?this .")
    for n in g.objects(shape, SH.targetNode):
        parts.append(f"VALUES ?this {{ {_n3(n)} }}")
    if not parts:
        return ""
    # each focus node once (a node of two subclasses, or with two values of the predicate)
    body = parts[0] if len(parts) == 1 else " UNION ".join(f"{{ {p} }}" for p in parts)
    return "{ SELECT DISTINCT ?this WHERE { " + body + " } }"


def _value_test(g: Graph, node: Any, where: str) -> str:
    """A SPARQL expression true when ``?value`` meets every value constraint of ``node``."""
    tests = []
    for dt in g.objects(node, SH.datatype):
        tests.append(f"(isLiteral(?value) && datatype(?value) = {_n3(dt)})")
    for kind in g.objects(node, SH.nodeKind):
        if kind not in NODE_KINDS:
            raise ShapeError(f"{where}: unknown sh:nodeKind {kind}")
        tests.append(NODE_KINDS[URIRef(str(kind))])
    for cls in g.objects(node, SH["class"]):
        # the class itself and its subclasses (+) apart: Virtuoso misses a * path's zero-length
        # match inside EXISTS/MINUS (queries/README.md, portability rule 10)
        tests.append(f"(EXISTS {{ ?value rdf:type {_n3(cls)} }} || "
                     f"EXISTS {{ ?value rdf:type/rdfs:subClassOf+ {_n3(cls)} }})")
    for lst in g.objects(node, SH["in"]):
        tests.append(f"?value IN ({', '.join(_n3(x) for x in Collection(g, lst))})")
    for pat in g.objects(node, SH.pattern):
        flags = g.value(node, SH.flags)
        args = f"{_n3(Literal(str(pat)))}" + (f", {_n3(Literal(str(flags)))}" if flags is not None else "")
        tests.append(f"(!isBlank(?value) && REGEX(STR(?value), {args}))")
    for alts in g.objects(node, SH["or"]):
        options = []
        for alt in Collection(g, alts):
            _check_keys(g, alt, {SH.datatype, SH.nodeKind, SH["class"], SH["in"], SH.pattern, SH.flags},
                        f"{where} (an sh:or alternative)")
            options.append(_value_test(g, alt, where))
        tests.append("(" + " || ".join(options) + ")")
    return " && ".join(tests)


def _property_checks(g: Graph, node_shape: Any, prop: Any, targets: str) -> Iterator[Check]:
    name = str(node_shape)
    where = f"{name} (property {prop})"
    _check_keys(g, prop, PROPERTY_KEYS, where)
    if g.value(prop, SH.deactivated) == Literal(True):
        return
    path, shown = _path(g, prop, where)
    sev = _severity(g, prop, _severity(g, node_shape))
    msg = str(g.value(prop, SH.message) or g.value(node_shape, SH.message) or "")
    base = f"SELECT ?this ?value WHERE {{ {targets} ?this {path} ?value ."
    classes = list(g.objects(prop, SH["class"]))
    others = {p for p in g.predicates(prop, None)} & {SH.datatype, SH.nodeKind, SH["in"], SH.pattern, SH["or"]}
    if len(classes) == 1 and not others:  # set-based: every value minus the class's instances, once
        yield Check(name, sev, shown, msg, f"SELECT ?this ?value WHERE {{ {{ {targets} ?this {path} ?value . }} "
                                           f"MINUS {{ ?value rdf:type {_n3(classes[0])} }} "
                                           f"MINUS {{ ?valueClass rdfs:subClassOf+ {_n3(classes[0])} . "
                                           f"?value rdf:type ?valueClass . }} }}")
    else:
        value_test = _value_test(g, prop, where)
        if value_test:
            yield Check(name, sev, shown, msg, f"{base} FILTER(!({value_test})) }}")
    for n in g.objects(prop, SH.minCount):
        k = int(str(n))
        if k == 1:
            sparql = f"SELECT ?this WHERE {{ {targets} FILTER NOT EXISTS {{ ?this {path} ?any }} }}"
        elif k > 1:
            sparql = (f"SELECT ?this WHERE {{ {targets} OPTIONAL {{ ?this {path} ?any }} }} "
                      f"GROUP BY ?this HAVING (COUNT(DISTINCT ?any) < {k})")
        else:
            continue
        yield Check(name, sev, shown, msg, sparql)
    for n in g.objects(prop, SH.maxCount):
        k = int(str(n))
        sparql = (f"SELECT ?this WHERE {{ {targets} ?this {path} ?any . }} "
                  f"GROUP BY ?this HAVING (COUNT(DISTINCT ?any) > {k})")
        yield Check(name, sev, shown, msg, sparql)
    for v in g.objects(prop, SH.hasValue):
        yield Check(name, sev, shown, msg, f"SELECT ?this WHERE {{ {targets} FILTER NOT EXISTS {{ ?this {path} "
                                           f"{_n3(v)} }} }}")


def _node_or(g: Graph, shape: Any, alts: Any, targets: str) -> Check:
    name = str(shape)
    options = []
    for alt in Collection(g, alts):
        where = f"{name} (an sh:or alternative)"
        _check_keys(g, alt, {SH.path, SH.minCount, SH.hasValue}, where)
        path, _ = _path(g, alt, where)
        conds = []
        for v in g.objects(alt, SH.hasValue):
            conds.append(f"EXISTS {{ ?this {path} {_n3(v)} }}")
        for n in g.objects(alt, SH.minCount):
            if int(str(n)) != 1:
                raise ShapeError(f"{where}: only sh:minCount 1 is compiled inside a node-level sh:or")
            conds.append(f"EXISTS {{ ?this {path} ?any }}")
        if not conds:
            raise ShapeError(f"{where}: an alternative needs sh:minCount 1 or sh:hasValue")
        options.append("(" + " && ".join(conds) + ")")
    return Check(name, _severity(g, shape), "", str(g.value(shape, SH.message) or ""),
                 f"SELECT ?this WHERE {{ {targets} FILTER(!({' || '.join(options)})) }}")


def compile_shapes(shapes: Graph) -> list[Check]:
    """Every constraint of every node shape in ``shapes``, as checks (in a stable order)."""
    out: list[Check] = []
    for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str):
        _check_keys(shapes, shape, SHAPE_KEYS, str(shape))
        if shapes.value(shape, SH.deactivated) == Literal(True):
            continue
        targets = _targets(shapes, shape)
        if not targets:
            continue  # a shape without targets validates nothing on its own
        props = sorted(shapes.objects(shape, SH.property), key=lambda p: sorted(
            (str(k), str(v)) for k, v in shapes.predicate_objects(p) if not isinstance(v, BNode)))
        for prop in props:
            out.extend(_property_checks(shapes, shape, prop, targets))
        for alts in shapes.objects(shape, SH["or"]):
            out.append(_node_or(shapes, shape, alts, targets))
    return out


PROLOGUE = ("PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")
