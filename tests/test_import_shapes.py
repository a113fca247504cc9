"""The import's shapes check (made fast for big layers) finds exactly the violations the full
shapes find, and leaves the layer and the base as they were."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from cyberkg.analysis.validate import run_shacl, shapes_graph
from cyberkg.core.errors import DataError
from cyberkg.core.namespaces import CYBER, DCTERMS, PROV, RDF, RDFS, iri
from cyberkg.importers import check_shapes, violation_shapes
from cyberkg.record.loaders import load_catalog
from cyberkg.record.mapping import map_catalog
from cyberkg.store import ontology_graph


def _layer() -> Graph:
    """A layer with a violation (an instrument with no label, type, date or party), warnings (no
    description, no goal) and a source with no identifier (a node-level warning shape)."""
    g = Graph()
    inst, src = URIRef(iri("instrument", "layer-x")), URIRef(iri("source", "layer-s"))
    g.add((inst, RDF.type, CYBER.PolicyInstrument))
    g.add((inst, PROV.wasDerivedFrom, src))
    g.add((src, RDF.type, CYBER.SourceDocument))
    g.add((src, DCTERMS.title, Literal("S")))
    return g


@pytest.fixture
def base(tiny_home: Path) -> Graph:
    return map_catalog(load_catalog(tiny_home / "graph"))


def test_violation_shapes_find_the_same_violations_as_all_shapes(base: Graph) -> None:
    data = Graph()
    data += base
    data += _layer()
    data += ontology_graph()
    full = run_shacl(data, shapes=shapes_graph())
    assert {f.severity for f in full} >= {"Violation", "Warning"}  # the data exercises both
    fast = run_shacl(data, shapes=violation_shapes())
    assert fast == [f for f in full if f.severity == "Violation"]
    assert len(violation_shapes()) < len(shapes_graph())


def test_a_violation_rejects_the_layer_and_both_graphs_stay_as_they_were(base: Graph) -> None:
    layer = _layer()
    layer_before, base_before = set(layer), set(base)
    with pytest.raises(DataError) as err:
        check_shapes(layer, base, "layer.json")
    assert "an instrument needs a label" in str(err.value)
    assert iri("instrument", "layer-x") in str(err.value)
    assert set(layer) == layer_before and set(base) == base_before


def test_a_clean_layer_passes_and_stays_as_it_was(base: Graph) -> None:
    layer = Graph()
    actor = URIRef(iri("actor", "layer-a"))
    layer.add((actor, RDF.type, CYBER.Actor))
    layer.add((actor, RDFS.label, Literal("A", lang="en")))
    before = set(layer)
    check_shapes(layer, base, "layer.json")
    assert set(layer) == before
