"""The ontology header is complete and every term is labelled, defined and attached to the ontology."""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from cyberkg.core.namespaces import CYBER, ONTOLOGY_IRI, VANN
from cyberkg.store.backend import ontology_graph


def test_header_is_complete() -> None:
    g = ontology_graph()
    o = URIRef(ONTOLOGY_IRI)
    for p in (DCTERMS.title, DCTERMS.description, DCTERMS.creator, DCTERMS.license, DCTERMS.created,
              DCTERMS.modified, OWL.versionIRI, OWL.versionInfo, VANN.preferredNamespacePrefix,
              VANN.preferredNamespaceUri):
        assert g.value(o, p) is not None, f"ontology header lacks {p}"
    assert str(g.value(o, VANN.preferredNamespaceUri)) == str(CYBER)
    assert isinstance(g.value(o, DCTERMS.license), URIRef)


def test_every_term_is_labelled_defined_and_attached() -> None:
    g = ontology_graph()
    terms = {s for t in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty) for s in g.subjects(RDF.type, t)
             if str(s).startswith(str(CYBER))}
    assert len(terms) > 40
    for t in sorted(terms):
        assert g.value(t, RDFS.label) is not None, f"{t} has no rdfs:label"
        assert g.value(t, SKOS.definition) is not None, f"{t} has no skos:definition"
        assert g.value(t, RDFS.isDefinedBy) == URIRef(ONTOLOGY_IRI), f"{t} has no rdfs:isDefinedBy"


def test_every_term_the_mapping_emits_is_declared(tiny_ds) -> None:  # type: ignore[no-untyped-def]
    g = ontology_graph()
    used = {p for _, p, _ in tiny_ds.triples((None, None, None)) if str(p).startswith(str(CYBER))}
    used |= {o for _, _, o in tiny_ds.triples((None, RDF.type, None)) if str(o).startswith(str(CYBER))}
    declared = set(g.subjects(RDF.type, None))
    assert used and used <= declared, sorted(str(x) for x in used - declared)


def test_standard_alignments_present() -> None:
    g = ontology_graph()
    assert (CYBER.partOf, RDFS.subPropertyOf, URIRef("http://www.w3.org/ns/org#subOrganizationOf")) in g
    assert (CYBER.SourceDocument, RDFS.subClassOf, URIRef("http://www.w3.org/ns/prov#Entity")) in g
