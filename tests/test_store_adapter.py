"""The store adapter: the same answers on every backend, stores released without a garbage
collection, and nothing outside ``cyberkg.store`` reaching into the backend."""

from __future__ import annotations

import gc
import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, XSD

from cyberkg import store
from cyberkg.core.errors import StoreError
from cyberkg.store import adapter

ROOT = Path(__file__).resolve().parents[1]
G1, G2 = "http://example.org/g1", "http://example.org/g2"
EX = "http://example.org/"


def small() -> Graph:
    g = Graph()
    for i in range(5):
        g.add((URIRef(f"{EX}s{i}"), RDFS.label, Literal(f"thing {i}", lang="en")))
        g.add((URIRef(f"{EX}s{i}"), URIRef(f"{EX}n"), Literal(i)))
    g.add((URIRef(f"{EX}s0"), RDFS.comment, Literal("plain", datatype=XSD.string)))
    return g


@pytest.fixture(params=["memory", "oxigraph"])
def loaded(request: pytest.FixtureRequest) -> adapter.StoreAdapter:
    ds = store.new_dataset(request.param)
    st = adapter.of(ds)
    st.add_triples(G1, small())
    st.load_nt(G2, [b'<http://example.org/a> <http://example.org/p> "x\\"y" .\n'])
    return st


def test_the_same_answers_on_every_backend() -> None:
    answers = []
    for backend in ("memory", "oxigraph"):
        st = adapter.of(store.new_dataset(backend))
        st.add_triples(G1, small())
        st.load_nt(G2, [b'<http://example.org/a> <http://example.org/p> "x\\"y" .\n'])
        names, rows = st.select_values(f"SELECT ?s ?n WHERE {{ ?s <{EX}n> ?n }} ORDER BY ?s")
        nt = sorted(st.construct_nt("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }").decode().splitlines())
        answers.append((names, rows, nt, st.graph_names(), sorted(st.graph_nt(G2).decode().splitlines()),
                        st.count(G1), st.count()))
    assert answers[0] == answers[1]
    names, rows, nt, graphs, _g2, n1, n = answers[1]
    assert names == ["s", "n"] and rows[0] == (f"{EX}s0", "0")
    assert graphs == [G1, G2] and n1 == 11 and n == 12
    assert f'<{EX}s0> <{RDFS.comment}> "plain" .' in nt  # a simple literal, whichever store wrote it


def test_construct_into_and_clear_graph(loaded: adapter.StoreAdapter) -> None:
    made = loaded.construct_into("http://example.org/d", f"CONSTRUCT {{ ?s a <{EX}Thing> }} WHERE {{ ?s <{EX}n> ?n }}")
    assert made == 5 and loaded.count("http://example.org/d") == 5
    loaded.clear_graph("http://example.org/d")
    assert loaded.count("http://example.org/d") == 0 and loaded.count(G1) == 11


def test_a_bad_triple_is_named() -> None:
    st = adapter.of(store.new_dataset("oxigraph"))  # Oxigraph's strict parser (rdflib's accepts the IRI)
    with pytest.raises(StoreError, match=r"http://example\.org/a b"):
        st.load_nt(G1, [b"<http://example.org/a b> <http://example.org/p> <http://example.org/o> .\n"])


def test_close_releases_an_on_disk_store_without_a_garbage_collection(tmp_path: Path) -> None:
    gc.disable()
    try:
        for _ in range(3):  # RocksDB's lock: a second writable open fails while the first is alive
            ds = store.new_dataset("oxigraph", tmp_path / "db")
            with adapter.of(ds) as st:
                st.load_nt(G1, [b"<http://example.org/a> <http://example.org/p> <http://example.org/o> .\n"])
                st.flush()
        ds = store.new_dataset("oxigraph", tmp_path / "db")
        assert adapter.of(ds).count() == 1
        adapter.of(ds).close()
    finally:
        gc.enable()


def test_an_unclosed_store_still_holds_its_files(tmp_path: Path) -> None:
    """The test above can fail: without close, the cycle-held store keeps RocksDB's lock."""
    gc.disable()
    try:
        ds = store.new_dataset("oxigraph", tmp_path / "db")
        with pytest.raises(StoreError):
            store.new_dataset("oxigraph", tmp_path / "db")
        adapter.of(ds).close()
        store.new_dataset("oxigraph", tmp_path / "db").close()
    finally:
        gc.enable()


def test_closing_a_built_store_lets_its_version_be_retired(tiny_env: Path, tmp_path: Path) -> None:
    from cyberkg.store import lock

    built, _ = store.build()
    store.release(built)
    ds = store.open_built()
    version = (tmp_path / "build" / "store").resolve()
    gc.disable()
    try:
        assert not lock.try_retire(version)  # a reader holds it
        store.release(ds)
        assert lock.try_retire(version)
    finally:
        gc.enable()


OUTSIDE = re.compile(r"oxigraph_store|\._store\b|\._inner\b|OxigraphStore|NativeStore|native_of|backend\s*==|"
                     r"gc\.collect\(")


def test_nothing_outside_the_store_reaches_into_the_backend() -> None:
    offenders = []
    for f in sorted((ROOT / "src" / "cyberkg").rglob("*.py")):
        if f.parent.name == "store":
            continue
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{f.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []


def test_no_garbage_collection_releases_a_store_in_the_package() -> None:
    hits = [str(f.relative_to(ROOT)) for f in (ROOT / "src" / "cyberkg").rglob("*.py")
            if "gc.collect(" in f.read_text(encoding="utf-8")]
    assert hits == []


def test_the_bench_does_not_monkeypatch_production_code() -> None:
    assign = re.compile(r"^\s*(derive_mod|store|derive|built|backend|export|adapter|cyberkg)\.[A-Za-z_]+\s*=[^=]")
    hits = [f"{f.name}:{n}" for f in sorted((ROOT / "bench").glob("*.py"))
            for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1) if assign.search(line)]
    assert hits == []


@pytest.mark.parametrize("backend", ["memory", "oxigraph"])
def test_copy_from_copies_every_quad(loaded: adapter.StoreAdapter, backend: str) -> None:
    target = adapter.of(store.new_dataset(backend))
    target.copy_from(loaded)
    assert target.graph_names() == loaded.graph_names() and target.count() == loaded.count() == 12
    assert sorted(target.graph_nt(G2).splitlines()) == sorted(loaded.graph_nt(G2).splitlines())


@pytest.mark.parametrize("backend", ["memory", "oxigraph"])
def test_copy_from_can_leave_one_graph_out(loaded: adapter.StoreAdapter, backend: str) -> None:
    target = adapter.of(store.new_dataset(backend))
    target.copy_from(loaded, skip=G1)
    assert target.graph_names() == [G2] and target.count() == 1
    assert target.graph_nt(G2).strip() == loaded.graph_nt(G2).strip()


def test_the_build_writes_the_same_quads_as_it_derives_in_memory(tiny_env: Path, tmp_path: Path) -> None:
    """The on-disk store (curated graph written by a second thread, the rest copied from memory)
    holds exactly the quads of the in-memory build."""
    built, _ = store.build()
    mem, _ = store.build(backend="memory")
    try:
        a, b = adapter.of(built), adapter.of(mem)
        assert a.graph_names() == b.graph_names()
        for g in a.graph_names():
            assert sorted(a.graph_nt(g).splitlines()) == sorted(b.graph_nt(g).splitlines()), g
    finally:
        store.release(built)


def test_a_failing_disk_writer_leaves_the_previous_version_current(tiny_env: Path, tmp_path: Path) -> None:
    from cyberkg.record.mapping import NTriples

    built, _ = store.build()
    store.release(built)
    current = (tmp_path / "build" / "store").resolve()
    bad = NTriples(b"<http://example.org/a> <http://example.org/p> not-a-term .\n", 1)
    with pytest.raises(StoreError, match=r"not-a-term|example\.org/a"):
        store.build(curated=bad, validate=False)
    assert (tmp_path / "build" / "store").resolve() == current
    assert sorted(p.name for p in (tmp_path / "build" / "store.v").iterdir()) == [current.name]
