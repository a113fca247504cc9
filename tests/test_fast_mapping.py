"""The N-Triples emitter (``map_catalog_nt``) gives the same graph as ``map_catalog``, and a store
loaded from it is the same store, with byte-identical exports."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic, to_isomorphic

from cyberkg import store
from cyberkg.core.errors import StoreError
from cyberkg.core.namespaces import G_CURATED
from cyberkg.export.rdf import serialize
from cyberkg.record.loaders import load_catalog
from cyberkg.record.mapping import NTriples, map_catalog, map_catalog_nt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# Strings that need escaping in N-Triples, non-ASCII text, every date precision, a triple emitted
# twice (the same alias and the same source listed twice) and a reified relationship.
AWKWARD = r'''
actors:
  - id: a
    label: "Quote \" backslash \\ and a tab\there"
    description: "Line one\nline two\r\nend — ünïcödé, 日本語, emoji 🛰"
    kind: state
    aliases: [AA, AA, "x\\y"]
    established: 1993
    dissolved: 2001-07
    homepage: "https://example.org/a?x=1&y=%C3%A9"
    sources: [s1, s1]
  - {id: b, label: B, kind: agency, part_of: a}
instruments:
  - id: x
    label: X
    type: agreement
    parties: [b, {id: a, sources: [s1], confidence: medium, note: "say \"why\""}]
    adopted: 2019-05
    sources: [s1]
sources:
  - {id: s1, title: "S1 \\ \"t\"", issuer: a, date: 2019-05-06, url: "https://example.org/1", identifier: "C(2019) 1"}
'''


def _catalog(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    from conftest import ROOT

    g = tmp_path / "graph"
    g.mkdir()
    (g / "r.yaml").write_text(text, encoding="utf-8")
    (g / "vocab").symlink_to(ROOT / "graph" / "vocab")
    return load_catalog(g)


def _same(graph: Graph, nt: NTriples) -> None:
    parsed = nt.graph()
    assert isomorphic(graph, parsed)
    assert set(graph) == set(parsed)  # no blank nodes: the very same triples
    assert len(nt) == len(graph) == len(nt.data.splitlines())


def test_tiny_record_gives_the_same_graph(tiny_home: Path) -> None:
    catalog = load_catalog(tiny_home / "graph")
    _same(map_catalog(catalog), map_catalog_nt(catalog))


def test_awkward_strings_dates_and_duplicates_give_the_same_graph(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path, AWKWARD)
    graph, nt = map_catalog(catalog), map_catalog_nt(catalog)
    _same(graph, nt)
    text = nt.data.decode("utf-8")
    assert '"Quote \\" backslash \\\\ and a tab\there"@en' in text
    assert "日本語" in text  # written as UTF-8, not escaped


def test_synthetic_graph_gives_the_same_graph() -> None:
    from bench.synthetic import generate

    catalog = generate(10_000, seed=7).catalog
    graph, nt = map_catalog(catalog), map_catalog_nt(catalog)
    assert to_isomorphic(graph) == to_isomorphic(nt.graph())
    _same(graph, nt)


def test_the_emitter_is_deterministic(tiny_home: Path) -> None:
    catalog = load_catalog(tiny_home / "graph")
    assert map_catalog_nt(catalog).data == map_catalog_nt(load_catalog(tiny_home / "graph")).data


@pytest.mark.parametrize("backend", ["oxigraph", "memory"])
def test_a_store_loaded_from_ntriples_is_the_same_store(tiny_home: Path, backend: str) -> None:
    catalog = load_catalog(tiny_home / "graph")
    onto = store.ontology_graph()
    vocab = store.read_turtle_dir(tiny_home / "graph" / "vocab")
    from_graph, from_nt = store.new_dataset(backend), store.new_dataset(backend)
    counts_graph = store.populate(from_graph, map_catalog(catalog), onto, vocab)
    counts_nt = store.populate(from_nt, map_catalog_nt(catalog), onto, vocab)  # type: ignore[arg-type]
    assert counts_nt == counts_graph
    assert set(from_nt.quads()) == set(from_graph.quads())
    for fmt in ("nt", "turtle"):
        assert serialize(from_nt, fmt) == serialize(from_graph, fmt), fmt
        assert serialize(from_nt, fmt, derived=True) == serialize(from_graph, fmt, derived=True), fmt


def test_an_invalid_iri_is_a_clear_error_naming_the_triple(tmp_path: Path) -> None:
    # The loader accepts any http(s) URL without spaces; '|' is still not allowed in an IRI.
    catalog = _catalog(tmp_path, AWKWARD.replace("https://example.org/1", "https://example.org/a|b"))
    ds = store.new_dataset("oxigraph")
    with pytest.raises(StoreError) as err:
        store.add_graph(ds, URIRef(G_CURATED), map_catalog_nt(catalog))
    message = str(err.value)
    assert "https://example.org/a|b" in message and str(G_CURATED) in message
    assert "Invalid IRI code point '|'" in message
    assert "Fix the value in the record" in message
    assert len(ds) == 0
