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
    # Oxigraph dumps the chosen graphs, the memory store runs the CONSTRUCT: the same triples for every part
    for fmt in ("turtle", "nt", "trig"):
        for part in ("all", "data", "ontology"):
            for derived in (False, True):
                assert serialize(mem, fmt, part, derived) == serialize(ox, fmt, part, derived), (fmt, part, derived)


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


# --- the canonical form at scale (issue #20) ---------------------------------------------------------------------

BNODE_LAYER = (b'_:x <http://example.org/p> _:y .\n_:y <http://example.org/q> "v" .\n'
               b'<http://example.org/s> <http://example.org/r> _:x .\n')
SCRIPT = r"""
import hashlib, sys
from cyberkg import store
from cyberkg.export.rdf import serialize
from cyberkg.record.loaders import load_catalog
from cyberkg.record.mapping import map_catalog_nt
ds = store.new_dataset(sys.argv[1])
store.populate(ds, map_catalog_nt(load_catalog()), store.ontology_graph(), None)
store.adapter.of(ds).load_nt("https://w3id.org/cyberkg/graph/layer/blank", [sys.stdin.buffer.read()])
for fmt in ("turtle", "trig", "nt", "jsonld"):
    for part in ("all", "data"):
        print(fmt, part, hashlib.sha256(serialize(ds, fmt, part, derived=True)).hexdigest())
"""


def test_every_export_is_identical_across_processes_hash_seeds_and_backends(tiny_env) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    outs = []
    for seed, backend in (("1", "oxigraph"), ("2", "oxigraph"), ("3", "memory")):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", SCRIPT, backend], input=BNODE_LAYER, env=env,
                              capture_output=True, check=True)
        outs.append(done.stdout.decode())
    assert outs[0].count("\n") == 8
    assert outs[0] == outs[1] == outs[2], "\n".join(outs)


def test_canonical_turtle_groups_sorted_triples() -> None:
    from cyberkg.export.rdf import turtle

    lines = sorted([
        '<https://w3id.org/cyberkg/id/x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
        '<https://w3id.org/cyberkg/ontology#Actor> .',
        '<https://w3id.org/cyberkg/id/x> <http://www.w3.org/2000/01/rdf-schema#label> "b"@en .',
        '<https://w3id.org/cyberkg/id/x> <http://www.w3.org/2000/01/rdf-schema#label> "a \\" ." .',
        '<https://w3id.org/cyberkg/id/x> <https://w3id.org/cyberkg/ontology#adopted> '
        '"2020"^^<http://www.w3.org/2001/XMLSchema#gYear> .',
        '<https://w3id.org/cyberkg/ontology#Actor> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
        '<http://www.w3.org/2002/07/owl#Class> .',
    ])
    assert turtle(lines) == (
        "@prefix cyber: <https://w3id.org/cyberkg/ontology#> .\n"
        "@prefix kg: <https://w3id.org/cyberkg/id/> .\n"
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n\n"
        "kg:x a cyber:Actor ;\n"
        '    rdfs:label "a \\" ." ,\n'
        '        "b"@en ;\n'
        '    cyber:adopted "2020"^^xsd:gYear .\n\n'
        "cyber:Actor a owl:Class .\n")
    back = Graph().parse(data=turtle(lines), format="turtle")
    assert isomorphic(back, Graph().parse(data="\n".join(lines), format="nt"))


def test_blank_nodes_get_the_same_labels_whatever_store_loaded_them() -> None:
    from cyberkg import store

    got = []
    for _ in range(2):
        ds = store.new_dataset("oxigraph")
        store.adapter.of(ds).load_nt("https://w3id.org/cyberkg/graph/layer/blank", [BNODE_LAYER])
        got.append((serialize(ds, "nt"), serialize(ds, "turtle"), serialize(ds, "trig")))
    assert got[0] == got[1] and b"_:" in got[0][0]
