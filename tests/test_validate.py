"""SHACL in two layers (violations fail, warnings do not) plus the zero-row checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef

from cyberkg import store
from cyberkg.analysis.validate import validate
from cyberkg.core.namespaces import CYBER, PROV, iri
from cyberkg.record.loaders import load_catalog
from cyberkg.record.mapping import map_catalog


def test_tiny_record_conforms_with_warnings(tiny_ds) -> None:  # type: ignore[no-untyped-def]
    report = validate(tiny_ds)
    assert report.conforms and report.violations == []
    assert report.warnings  # e.g. instruments without a description
    assert {w.path for w in report.warnings} >= {"http://purl.org/dc/terms/description"}


def test_missing_adoption_date_and_source_are_violations(tiny_home: Path) -> None:
    g = map_catalog(load_catalog(tiny_home / "graph"))
    mla = URIRef(iri("instrument", "mla"))
    g.remove((mla, CYBER.adopted, None))
    g.remove((mla, PROV.wasDerivedFrom, None))
    ds, _ = store.build(backend="memory", curated=g)
    report = validate(ds)
    assert not report.conforms
    messages = {(f.focus, f.message) for f in report.violations}
    assert (str(mla), "an instrument needs exactly one adoption date") in messages
    assert (str(mla), "an instrument needs at least one source") in messages
    shapes = {f.source for f in report.violations if f.focus == str(mla)}
    assert "https://w3id.org/cyberkg/shapes/core#InstrumentShape" in shapes


# --- the shapes compiled into SPARQL (the default engine) against pySHACL, and the build's gate ------------------

def planted_faults(g):  # type: ignore[no-untyped-def]
    """One fault for each kind of constraint in the shapes, on the tiny record's graph."""
    from rdflib import Literal
    from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

    from cyberkg.core.namespaces import SCHEMA

    mla, src = URIRef(iri("instrument", "mla")), URIRef(iri("source", "mla-text"))
    eu = URIRef(iri("actor", "european-union"))
    g.remove((mla, CYBER.adopted, None))  # minCount on adopted
    g.remove((mla, PROV.wasDerivedFrom, None))  # minCount on the source
    g.add((mla, CYBER.party, src))  # sh:class: a source is no actor
    g.add((mla, CYBER.addresses, eu))  # sh:class: an actor is no goal
    g.add((mla, CYBER.instrumentType, URIRef(iri("instrument", "mla"))))  # maxCount 1, and sh:class
    g.add((URIRef(iri("instrument", "odd")), RDF.type, CYBER.PolicyInstrument))  # no label, type, party, date …
    g.add((URIRef(iri("instrument", "odd")), CYBER.adopted, Literal("last year")))  # the datatype sh:or
    g.add((URIRef(iri("instrument", "odd")), CYBER.adopted, Literal("2020", datatype=XSD.gYear)))  # maxCount
    g.remove((src, SCHEMA.url, None))
    g.add((src, SCHEMA.url, Literal("https://example.org/mla")))  # nodeKind IRI
    g.remove((src, DCTERMS.identifier, None))  # the node-level sh:or (a warning)
    g.add((src, CYBER.identifierUnconfirmed, Literal("not found")))  # an Info (maxCount 0)
    g.add((eu, CYBER.actorKind, SKOS.Concept))  # maxCount 1 on the kind
    g.remove((eu, RDFS.label, None))
    return g


def _rows(findings):  # type: ignore[no-untyped-def]
    return sorted((f.severity, f.focus, f.path, f.message, f.source) for f in findings)


@pytest.mark.parametrize("backend", ["memory", "oxigraph"])
def test_compiled_shapes_find_exactly_what_pyshacl_finds(tiny_home: Path, backend: str) -> None:
    from cyberkg.analysis.validate import data_graph, run_shacl, run_shacl_sparql

    g = planted_faults(map_catalog(load_catalog(tiny_home / "graph")))
    ds = store.new_dataset(backend)
    store.populate(ds, g, store.ontology_graph(), store.read_turtle_dir(tiny_home / "graph" / "vocab"))
    want = _rows(run_shacl(data_graph(ds), store.ontology_graph()))
    got = _rows(run_shacl_sparql(ds))
    assert got == want
    kinds = {(sev, msg) for sev, _f, _p, msg, _s in got}
    assert len({sev for sev, _ in kinds}) == 3 and len(kinds) >= 12  # every kind of planted fault was found


def test_a_shape_the_compiler_does_not_know_is_refused_not_skipped() -> None:
    from rdflib import Graph

    from cyberkg.store.shacl import ShapeError, compile_shapes

    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:lessThan ex:q ] .""",
                           format="turtle")
    with pytest.raises(ShapeError, match="lessThan"):
        compile_shapes(shapes)


def _add_fault(home: Path) -> None:
    """A second source with the very URL of another (the loader accepts it; a zero-row check does not)."""
    rec = home / "graph" / "record.yaml"
    text = rec.read_text(encoding="utf-8")
    line = '  - {id: mla-text, title: MLA text,'
    assert line in text
    copy = '  - {id: mla-copy, title: MLA copy, issuer: council, date: 2003-06-25, url: "https://example.org/mla"}\n'
    rec.write_text(text.replace(line, copy + line, 1), encoding="utf-8")


def test_a_record_that_fails_validation_never_becomes_the_current_store(tiny_home: Path, tmp_path: Path) -> None:
    from cyberkg.core.errors import ValidationFailed
    from cyberkg.store.built import is_fresh, verdict

    out = tmp_path / "build" / "store"
    ds, _ = store.build(validate=False)
    store.release(ds)
    before = out.resolve()
    assert verdict() == {"skipped": True}  # the verdict is kept with the store
    _add_fault(tiny_home)
    with pytest.raises(ValidationFailed, match="duplicate-entity"):
        store.build()
    assert out.resolve() == before and not is_fresh()  # the old version is still current (and stale)
    assert sorted(p.name for p in (tmp_path / "build" / "store.v").iterdir()) == [before.name]  # nothing left
    with pytest.raises(ValidationFailed):  # open_built never rebuilds without validating
        store.open_built()
    assert out.resolve() == before


def test_the_gate_verdict_is_kept_with_the_store(tiny_home: Path) -> None:
    from cyberkg.store import gate

    ds = store.new_dataset("oxigraph")
    store.populate(ds, map_catalog(load_catalog(tiny_home / "graph")), store.ontology_graph(),
                   store.read_turtle_dir(tiny_home / "graph" / "vocab"))
    v = gate.check(ds)
    assert v.checks >= 5 and v.stamp()["engine"] == "sparql" and "first" not in v.stamp()
    faulty = store.new_dataset("oxigraph")
    store.populate(faulty, planted_faults(map_catalog(load_catalog(tiny_home / "graph"))), store.ontology_graph(),
                   store.read_turtle_dir(tiny_home / "graph" / "vocab"))
    bad = gate.check(faulty)
    assert not bad.conforms and bad.violations > v.violations and bad.first


def test_cli_validate_lists_a_failing_record_and_build_keeps_the_old_store(tiny_home: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cyberkg.cli import main

    runner = CliRunner()
    assert runner.invoke(main, ["build", "--no-validate"]).exit_code == 0
    before = (tmp_path / "build" / "store").resolve()
    _add_fault(tiny_home)
    res = runner.invoke(main, ["validate", "--format", "tsv"])
    assert res.exit_code == 1 and "duplicate-entity" in res.output
    res = runner.invoke(main, ["build"])
    assert res.exit_code == 1 and "was not replaced" in res.output
    assert (tmp_path / "build" / "store").resolve() == before
