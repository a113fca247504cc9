"""Exports: byte-identical for the same input, readable back by rdflib, provenance kept."""

from __future__ import annotations

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from cyberkg.core.atomic import write_atomic
from cyberkg.core.namespaces import CYBER, PROV, RDF
from cyberkg.export.rdf import collect, serialize


@pytest.mark.parametrize("fmt", ["turtle", "trig", "nt", "jsonld"])
def test_same_input_gives_identical_bytes(tiny_ds, fmt: str) -> None:  # type: ignore[no-untyped-def]
    assert serialize(tiny_ds, fmt) == serialize(tiny_ds, fmt)


def test_bytes_identical_across_backends(tiny_env) -> None:  # type: ignore[no-untyped-def]
    from cyberkg import store

    mem, _ = store.build(backend="memory")
    ox, _ = store.build(backend="oxigraph")
    assert serialize(mem, "turtle") == serialize(ox, "turtle")
    assert serialize(mem, "nt") == serialize(ox, "nt")


@pytest.mark.parametrize("fmt,parse_as", [("turtle", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")])
def test_round_trip(tiny_ds, fmt: str, parse_as: str) -> None:  # type: ignore[no-untyped-def]
    back = Graph().parse(data=serialize(tiny_ds, fmt), format=parse_as)
    assert isomorphic(back, collect(tiny_ds, "all"))


def test_trig_keeps_named_graphs(tiny_ds) -> None:  # type: ignore[no-untyped-def]
    ds = Dataset()
    ds.parse(data=serialize(tiny_ds, "trig"), format="trig")
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert {"https://w3id.org/cyberkg/graph/curated", "https://w3id.org/cyberkg/graph/ontology"} <= names


def test_parts_and_provenance_in_plain_turtle(tiny_ds) -> None:  # type: ignore[no-untyped-def]
    data = Graph().parse(data=serialize(tiny_ds, "turtle", part="data"), format="turtle")
    onto = Graph().parse(data=serialize(tiny_ds, "turtle", part="ontology"), format="turtle")
    assert not list(data.triples((CYBER.PolicyInstrument, None, None)))
    assert list(onto.triples((CYBER.PolicyInstrument, None, None)))
    statements = list(data.subjects(RDF.type, RDF.Statement))
    assert statements and all(data.value(s, PROV.wasDerivedFrom) is not None for s in statements)
    assert not list(data.triples((None, CYBER.partySide, None)))  # derived triples only on request
    derived = Graph().parse(data=serialize(tiny_ds, "turtle", part="data", derived=True), format="turtle")
    assert list(derived.triples((None, CYBER.partySide, None)))


def test_write_atomic_replaces_whole_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out" / "x.ttl"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["x.ttl"]
    import os

    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # readable like any file the user writes
