"""The ontology is sound OWL: structural checks from the OWL 2 DL restrictions (every term declared
once, no punning, properties used as their kind, no built-in vocabulary redefined, imports that
resolve), an OWL-RL closure (owlrl, on a COPY) of the ontology with a record that finds no
inconsistency, and every Turtle file reads the same in a second, independent parser (Oxigraph's)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib import namespace as rdf_namespaces
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from cyberkg.core.namespaces import CYBER, ONTOLOGY_IRI, VANN
from cyberkg.store.backend import ontology_graph

XSD_NS = str(rdf_namespaces.XSD)  # (a module-level XSD makes pytest's collection warn)
ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology"
ENTITY_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual}
# Predicates that annotate a term or an ontology (OWL 2 annotation properties: rdfs:label and
# owl:versionInfo are built in; the SKOS, DCTERMS and VANN ones are declared as such in their own
# vocabularies). A new one must be added here on purpose: used on a class it would otherwise be
# a data property assertion about the class, which makes the class an individual too (punning).
ANNOTATIONS = {RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy, SKOS.definition, SKOS.note,
               SKOS.prefLabel, SKOS.altLabel, SKOS.example, DCTERMS.title, DCTERMS.description, DCTERMS.creator,
               DCTERMS.license, DCTERMS.created, DCTERMS.modified, OWL.versionInfo, OWL.versionIRI, OWL.imports,
               VANN.preferredNamespacePrefix, VANN.preferredNamespaceUri}
# Axioms a class or property takes part in (RDF mapping of OWL 2: subject role, object role).
CLASS_AXIOMS = {RDFS.subClassOf, OWL.equivalentClass, OWL.disjointWith}
PROPERTY_AXIOMS = {RDFS.subPropertyOf, OWL.equivalentProperty, OWL.inverseOf, OWL.propertyDisjointWith}
DATATYPES = {RDFS.Literal, RDF.langString, RDF.PlainLiteral}
BUILT_IN = (str(OWL), str(RDF), str(RDFS), XSD_NS)


@pytest.fixture(scope="module")
def tbox() -> Graph:
    return ontology_graph(ONTOLOGY)


def is_datatype(o: Any) -> bool:
    return o in DATATYPES or str(o).startswith(XSD_NS)


def roles(g: Graph) -> dict[URIRef, set[str]]:
    """Each IRI -> the roles its declarations and uses give it: class, object, data, annotation."""
    out: dict[URIRef, set[str]] = defaultdict(set)
    names = {OWL.Class: "class", OWL.ObjectProperty: "object", OWL.DatatypeProperty: "data",
             OWL.AnnotationProperty: "annotation"}
    for s, t in g.subject_objects(RDF.type):
        if t in names and isinstance(s, URIRef):
            out[s].add(names[t])
    for s, p, o in g:
        if p in CLASS_AXIOMS:
            out[s].add("class")  # type: ignore[index]
            out[o].add("class")  # type: ignore[index]
        if p in (RDFS.domain,):
            out[o].add("class")  # type: ignore[index]
        if p == RDFS.range and not is_datatype(o):
            out[o].add("class")  # type: ignore[index]
        if p not in ANNOTATIONS | {RDF.type} | CLASS_AXIOMS | PROPERTY_AXIOMS | {RDFS.domain, RDFS.range}:
            out[p].add("property-used")  # a predicate of an assertion
    # an undeclared super-property takes the kind of its declared sub-properties
    for s, o in g.subject_objects(RDFS.subPropertyOf):
        out[o] |= {r for r in out[s] if r in ("object", "data")}  # type: ignore[index]
    return out


def undeclared(g: Graph) -> list[str]:
    used = {x for t in g for x in t if isinstance(x, URIRef) and str(x).startswith(str(CYBER))}
    problems = []
    for term in sorted(used):
        kinds = set(g.objects(term, RDF.type)) & ENTITY_TYPES
        if len(kinds) != 1:
            problems.append(f"{term}: declared as {sorted(str(k) for k in kinds) or 'nothing'}")
    return problems


def punned(g: Graph) -> list[str]:
    """IRIs used as two kinds: class and property, or object and data property."""
    return [f"{iri}: {sorted(r - {'property-used'})}" for iri, r in sorted(roles(g).items())
            if len(r - {"property-used"}) > 1]


def test_every_cyber_term_is_declared_exactly_once_as_one_kind(tbox: Graph) -> None:
    assert undeclared(tbox) == []
    assert len({s for s in tbox.subjects(RDF.type, None) if str(s).startswith(str(CYBER))}) > 60


def test_no_punning_and_external_terms_used_as_one_kind(tbox: Graph) -> None:
    assert punned(tbox) == []


def test_the_structural_checks_can_fail(tbox: Graph) -> None:
    g = Graph()
    for t in tbox:
        g.add(t)
    g.add((CYBER.Actor, RDFS.subClassOf, CYBER.Undeclared))
    g.add((CYBER.partOf, RDFS.subPropertyOf, CYBER.adopted))  # an object property under a data property
    g.add((CYBER.Side, RDFS.subClassOf, CYBER.party))  # a property used as a class
    assert undeclared(g) == [f"{CYBER.Undeclared}: declared as nothing"]
    assert sorted(punned(g)) == [f"{CYBER.adopted}: ['data', 'object']", f"{CYBER.party}: ['class', 'object']"]


def test_properties_are_used_as_their_kind(tbox: Graph) -> None:
    problems = []
    for p in sorted(tbox.subjects(RDF.type, OWL.DatatypeProperty)):
        for r in tbox.objects(p, RDFS.range):
            if not is_datatype(r):
                problems.append(f"datatype property {p} has the class {r} as range")
    for p in sorted(tbox.subjects(RDF.type, OWL.ObjectProperty)):
        for r in tbox.objects(p, RDFS.range):
            if is_datatype(r):
                problems.append(f"object property {p} has the datatype {r} as range")
    for p, d in tbox.subject_objects(RDFS.domain):
        if is_datatype(d) or isinstance(d, Literal):
            problems.append(f"{p} has {d} as domain, not a class")
    kind = {p: k for k in (OWL.ObjectProperty, OWL.DatatypeProperty) for p in tbox.subjects(RDF.type, k)}
    for s, o in tbox.subject_objects(RDFS.subPropertyOf):
        if s in kind and o in kind and kind[s] != kind[o]:
            problems.append(f"{s} ({kind[s]}) is a subproperty of {o} ({kind[o]})")
    for s, p, o in tbox:
        if p in ANNOTATIONS or p in {RDF.type, RDFS.domain, RDFS.range} | CLASS_AXIOMS | PROPERTY_AXIOMS:
            continue
        problems.append(f"{s} {p} {o}: a predicate that is neither an axiom nor a listed annotation")
    for s, p, o in tbox:
        if p in ANNOTATIONS - {RDFS.seeAlso, RDFS.isDefinedBy, OWL.versionIRI, OWL.imports, DCTERMS.license,
                               DCTERMS.creator} and not isinstance(o, Literal):
            problems.append(f"{s} {p} {o}: an annotation that should be text is a resource")
    assert problems == []


def test_built_in_vocabulary_is_not_redefined_and_no_blank_node_axioms(tbox: Graph) -> None:
    redefined = sorted(f"{s} {p} {o}" for s, p, o in tbox if isinstance(s, URIRef) and str(s).startswith(BUILT_IN))
    assert redefined == []
    assert [t for t in tbox if isinstance(t[0], BNode)] == []  # no anonymous class expressions to check


def test_imports_resolve_to_the_modules_in_the_folder(tbox: Graph) -> None:
    header = URIRef(ONTOLOGY_IRI)
    ontologies = set(tbox.subjects(RDF.type, OWL.Ontology))
    imports = set(tbox.objects(header, OWL.imports))
    assert imports and imports <= ontologies, sorted(str(i) for i in imports - ontologies)
    assert ontologies == imports | {header}  # every module is imported by the header
    assert str(tbox.value(header, OWL.versionIRI)).startswith(ONTOLOGY_IRI + "/")


# -- OWL-RL closure -------------------------------------------------------------------------------

def closure_problems(g: Graph) -> list[str]:
    from owlrl.Namespaces import ERRNS

    out = [str(g.value(m, ERRNS.error)) for m in g.subjects(RDF.type, ERRNS.ErrorMessage)]
    out += [f"{s} is a member of owl:Nothing" for s in g.subjects(RDF.type, OWL.Nothing)]
    out += [f"{s} owl:sameAs and owl:differentFrom {o}" for s, o in g.subject_objects(OWL.sameAs)
            if (s, OWL.differentFrom, o) in g or (o, OWL.differentFrom, s) in g]
    out += [f"{s} rdfs:subClassOf owl:Nothing" for s in g.subjects(RDFS.subClassOf, OWL.Nothing) if s != OWL.Nothing]
    return sorted(out)


def owl_rl(g: Graph) -> Graph:
    import owlrl

    copy = Graph()
    for t in g:
        copy.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(copy)
    return copy


def test_owl_rl_closure_of_the_ontology_is_consistent(tbox: Graph) -> None:
    before = len(tbox)
    closed = owl_rl(tbox)
    assert len(tbox) == before  # the closure ran on a copy
    assert closure_problems(closed) == []
    # the closure did reason: an instrument is a prov:Entity through the alignments
    assert (CYBER.PolicyInstrument, RDFS.subClassOf, URIRef("http://www.w3.org/ns/prov#Entity")) in closed
    assert len(closed) > before


def test_owl_rl_closure_with_a_record_is_consistent(tiny_ox: Any) -> None:
    """The ontology with the tiny record, its vocabularies and derivations (instances in classes by
    domain and range, literals checked against their datatypes)."""
    g = Graph()
    for t in tiny_ox.triples((None, None, None)):
        g.add(t)
    before = len(g)
    closed = owl_rl(g)
    assert sum(1 for _ in tiny_ox.triples((None, None, None))) == before  # the store is untouched
    assert closure_problems(closed) == []
    europol = URIRef("https://w3id.org/cyberkg/id/actor/europol")
    eu = URIRef("https://w3id.org/cyberkg/id/actor/european-union")
    assert (europol, URIRef("http://www.w3.org/ns/org#subOrganizationOf"), eu) in closed  # via cyber:partOf
    assert (europol, RDF.type, URIRef("http://www.w3.org/ns/prov#Agent")) in closed  # via cyber:Actor
    assert len(closed) > before


def test_owl_rl_closure_with_the_shipped_record_is_consistent(real_ds: Any) -> None:
    """The shipped record (about 23k triples; the closure takes some 14 s on two cores)."""
    g = Graph()
    for t in real_ds.triples((None, None, None)):
        g.add(t)
    closed = owl_rl(g)
    assert closure_problems(closed) == []
    assert len(closed) > len(g)


def test_the_closure_check_finds_an_inconsistency(tbox: Graph) -> None:
    """The check can fail: an actor that is both a state and a threat actor, declared disjoint."""
    g = Graph()
    for t in tbox:
        g.add(t)
    g.add((CYBER.State, OWL.disjointWith, CYBER.ThreatActor))
    x = URIRef("https://w3id.org/cyberkg/id/actor/x")
    g.add((x, RDF.type, CYBER.State))
    g.add((x, RDF.type, CYBER.ThreatActor))
    assert closure_problems(owl_rl(g)) != []


# -- a second, independent parser -----------------------------------------------------------------

def oxigraph_graph(path: Path) -> Graph:
    """``path`` read by Oxigraph's Turtle parser, as an rdflib graph for comparison."""
    import pyoxigraph as ox

    def term(t: Any) -> Any:
        if isinstance(t, ox.NamedNode):
            return URIRef(t.value)
        if isinstance(t, ox.BlankNode):
            return BNode(t.value)
        if t.language:
            return Literal(t.value, lang=t.language)
        if t.datatype.value == XSD_NS + "string":
            return Literal(t.value)
        return Literal(t.value, datatype=URIRef(t.datatype.value))

    g = Graph()
    for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
        g.add((term(q.subject), term(q.predicate), term(q.object)))
    return g


@pytest.mark.parametrize("path", sorted(ONTOLOGY.rglob("*.ttl")), ids=lambda p: p.relative_to(ONTOLOGY).as_posix())
def test_every_ontology_file_reads_the_same_in_oxigraph_and_rdflib(path: Path) -> None:
    by_rdflib = Graph().parse(path, format="turtle")
    by_oxigraph = oxigraph_graph(path)
    assert len(by_oxigraph) == len(by_rdflib) > 0
    assert isomorphic(by_oxigraph, by_rdflib)


def test_the_exported_ontology_reads_the_same_in_oxigraph(tiny_ox: Any, tmp_path: Path) -> None:
    from cyberkg.export.rdf import serialize

    path = tmp_path / "ontology.ttl"
    path.write_bytes(serialize(tiny_ox, "turtle", "ontology", False))
    by_oxigraph = oxigraph_graph(path)
    assert isomorphic(by_oxigraph, Graph().parse(path, format="turtle"))
    assert isomorphic(by_oxigraph, ontology_graph(ONTOLOGY))
