"""Records -> triples, checked by graph isomorphism."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph
from rdflib.compare import isomorphic, to_isomorphic

from cyberkg.core.namespaces import CYBER, PROV, iri
from cyberkg.record.loaders import load_catalog
from cyberkg.record.mapping import map_catalog, statement_iri

EXPECTED = """
@prefix cyber: <https://w3id.org/cyberkg/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix it: <https://w3id.org/cyberkg/vocab/instrument-type/> .
@prefix kg: <https://w3id.org/cyberkg/id/> .

kg:instrument\\/x a cyber:PolicyInstrument ;
    rdfs:label "X deal"@en ;
    cyber:instrumentType it:agreement ;
    cyber:adopted "2019-05"^^xsd:gYearMonth ;
    cyber:inForce "2020-01-02"^^xsd:date ;
    cyber:party kg:actor\\/a , kg:actor\\/b ;
    prov:wasDerivedFrom kg:source\\/s1 .
"""

RECORD = """
instruments:
  - id: x
    label: X deal
    type: agreement
    parties: [a, {id: b, sources: [s2], confidence: medium, note: unsure}]
    adopted: 2019-05
    in_force: 2020-01-02
    sources: [s1]
actors:
  - {id: a, label: A, kind: state}
  - {id: b, label: B, kind: state}
sources:
  - {id: s1, title: S1, issuer: a, date: 2019, url: "https://example.org/1"}
  - {id: s2, title: S2, issuer: b, date: 2019, url: "https://example.org/2"}
"""


def _graph(tmp_path: Path) -> Graph:
    from conftest import ROOT

    g = tmp_path / "graph"
    g.mkdir()
    (g / "r.yaml").write_text(RECORD)
    (g / "vocab").symlink_to(ROOT / "graph" / "vocab")
    return map_catalog(load_catalog(g))


def test_instrument_triples_are_isomorphic_to_expected(tmp_path: Path) -> None:
    got = _graph(tmp_path)
    x = next(iter(got.subjects(CYBER.instrumentType, None)))
    sub = Graph()
    for p, o in got.predicate_objects(x):
        sub.add((x, p, o))
    assert isomorphic(sub, Graph().parse(data=EXPECTED, format="turtle"))


def test_each_relationship_is_reified_with_its_own_source(tmp_path: Path) -> None:
    from rdflib import Literal, URIRef

    g = _graph(tmp_path)
    x, a, b = (URIRef(iri("instrument", "x")), URIRef(iri("actor", "a")), URIRef(iri("actor", "b")))
    st_a, st_b = statement_iri(x, CYBER.party, a), statement_iri(x, CYBER.party, b)
    assert set(g.objects(st_a, PROV.wasDerivedFrom)) == {URIRef(iri("source", "s1"))}
    assert set(g.objects(st_b, PROV.wasDerivedFrom)) == {URIRef(iri("source", "s2"))}
    assert g.value(st_b, CYBER.confidence) == Literal("medium")


def test_mapping_is_deterministic(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    a, b = _graph(tmp_path / "one"), _graph(tmp_path / "two")
    assert to_isomorphic(a) == to_isomorphic(b)
    assert a.serialize(format="turtle") == b.serialize(format="turtle")


def test_no_blank_nodes_in_curated_graph(tiny_home: Path) -> None:
    from rdflib import BNode

    g = map_catalog(load_catalog(tiny_home / "graph"))
    assert not [t for t in g if any(isinstance(x, BNode) for x in t)]


def test_a_joint_act_has_each_of_its_issuers(tmp_path: Path) -> None:
    """`issuer` takes a list for an act of several institutions (Parliament and Council; a JOIN of the
    Commission and the High Representative): one cyber:issuer triple per actor, and a single id still works."""
    from conftest import ROOT

    g = tmp_path / "graph"
    g.mkdir()
    (g / "r.yaml").write_text(RECORD.replace("issuer: b,", "issuer: [a, b],"))
    (g / "vocab").symlink_to(ROOT / "graph" / "vocab")
    graph = map_catalog(load_catalog(g))
    from rdflib import URIRef

    def issuers(source: str) -> set[str]:
        return {str(o) for o in graph.objects(URIRef(iri("source", source)), CYBER.issuer)}

    assert issuers("s2") == {iri("actor", "a"), iri("actor", "b")}
    assert issuers("s1") == {iri("actor", "a")}
