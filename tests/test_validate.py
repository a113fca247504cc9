"""SHACL in two layers (violations fail, warnings do not) plus the zero-row checks."""

from __future__ import annotations

from pathlib import Path

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
