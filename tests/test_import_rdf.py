"""RDF imports in every syntax, checked against the SHACL shapes before they land."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from cyberkg.core.errors import DataError
from cyberkg.core.namespaces import CYBER, LAYER, PROV, iri
from cyberkg.importers import detect_format, import_files
from import_fixtures import DATA, setup_env

SYNTAXES = {"ttl": "turtle", "trig": "trig", "nt": "nt", "nq": "nq", "jsonld": "jsonld", "rdf": "rdfxml"}
INSTRUMENT = URIRef(iri("instrument", "eu-us-umbrella-agreement"))


@pytest.fixture
def kg_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return setup_env(tmp_path, monkeypatch)


def _store():  # type: ignore[no-untyped-def]
    from cyberkg.store.built import build

    return build(backend="memory")[0]


@pytest.mark.parametrize("ext", sorted(SYNTAXES))
def test_every_syntax_imports_the_same_facts_with_the_file_as_source(kg_env: Path, ext: str) -> None:
    path = DATA / f"eu-us-umbrella.{ext}"
    assert detect_format(path, path.read_bytes()) == SYNTAXES[ext]
    ds = _store()
    [out] = import_files([path], ds=ds, build_dir=kg_env, layer="umbrella")
    assert out.format == SYNTAXES[ext]
    layer = Graph()
    layer += ds.graph(LAYER["umbrella"])
    original = Graph().parse(DATA / "eu-us-umbrella.ttl")
    assert all(t in layer for t in original)  # every triple of the file landed
    src = URIRef("https://w3id.org/cyberkg/id/source/import/umbrella")
    assert (INSTRUMENT, PROV.wasDerivedFrom, src) in layer
    # the joint-instrument derivation sees the layer
    assert {str(o) for o in ds.objects(INSTRUMENT, CYBER.partySide)} == {iri("side", "eu"), iri("side", "us")}


def test_a_violating_file_is_rejected_and_the_graph_is_unchanged(kg_env: Path) -> None:
    ds = _store()
    before = sorted(map(str, ds.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")))
    with pytest.raises(DataError) as err:
        import_files([DATA / "violating.ttl"], ds=ds, build_dir=kg_env)
    text = str(err.value)
    assert "3 problems" in text
    for msg in ("needs at least one party", "exactly one adoption date", "exactly one type"):
        assert msg in text
    assert sorted(map(str, ds.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"))) == before
    assert not (kg_env / "layers" / "index.json").exists()


def test_a_syntax_error_names_the_line(kg_env: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text("@prefix x: <http://x/> .\nx:a x:b x:c .\nx:d x:e \n")
    with pytest.raises(DataError, match=r"broken.ttl(:\d+)?: cannot parse the turtle file"):
        import_files([bad], ds=_store(), build_dir=kg_env)


def test_jsonld_remote_context_is_refused_without_network(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from cyberkg.core.errors import DataError
    from cyberkg.importers.rdf import parse

    doc = b'{"@context": "https://schema.org/", "@id": "https://example.org/x", "name": "X"}'
    with pytest.raises(DataError, match="would be fetched from the network"):
        parse(doc, "jsonld", "remote.jsonld")
