"""Backends: empty datasets on Oxigraph or rdflib memory, bulk loading, the TBox reader.

Callers get a plain rdflib :class:`~rdflib.Dataset` whose default graph is the union of all named
graphs. Two embedded backends plug in the rdflib way:

* ``oxigraph`` (default, chosen by measurement — see bench/ and the README): an Oxigraph store
  through oxrdflib; SPARQL strings are evaluated by Oxigraph, parameters are bound with Oxigraph's
  substitutions (never spliced). Persisted on disk under ``build/store``.
* ``memory``: rdflib's own in-memory store and SPARQL engine.

The built, persisted store is :mod:`cyberkg.store.built`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph, URIRef

from cyberkg.core import paths
from cyberkg.core.errors import StoreError
from cyberkg.core.namespaces import PREFIXES
from cyberkg.record.mapping import NTriples

BACKENDS = ("oxigraph", "memory")
STAMP = "cyberkg-stamp.json"


def new_dataset(backend: str = "oxigraph", path: Path | None = None, read_only: bool = False) -> Dataset:
    """An empty (or, with ``path``, an on-disk) dataset on ``backend``."""
    if backend == "memory":
        ds = Dataset(default_union=True)
    elif backend == "oxigraph":
        import pyoxigraph as ox
        from oxrdflib import OxigraphStore

        try:
            if path is None:
                inner = ox.Store()
            elif read_only:
                inner = ox.Store.read_only(str(path))
            else:
                inner = ox.Store(str(path))
        except OSError as exc:
            raise StoreError(f"cannot open the store at {path}: {exc}. "
                             "Another cyberkg process may be building it; wait, or delete build/ and rerun.") from exc
        ds = Dataset(store=OxigraphStore(store=inner), default_union=True)
    else:
        raise StoreError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)
    return ds


def add_graph(ds: Dataset, name: URIRef, g: Graph | NTriples) -> None:
    """Add all of ``g`` to the named graph ``name`` of ``ds`` in bulk.

    ``g`` is an rdflib ``Graph`` or, faster, :class:`~cyberkg.record.mapping.NTriples` (what
    ``map_catalog_nt`` writes): Oxigraph bulk-loads those bytes as they are, with no rdflib object
    per triple (1M triples: 5.6 s -> see docs/bench.md)."""
    target = ds.graph(name)
    inner = oxigraph_store(ds)
    if inner is not None:
        import pyoxigraph as ox

        to_graph = ox.NamedNode(str(name))
        chunks = [g.data] if isinstance(g, NTriples) else _nt_chunks(g)
        for chunk in chunks:
            try:
                inner.bulk_load(chunk, format=ox.RdfFormat.N_TRIPLES, to_graph=to_graph)
            except SyntaxError as exc:
                raise StoreError(_rejected(name, chunk, exc)) from exc
    elif isinstance(g, NTriples):
        target.parse(data=g.data, format="nt")
    else:
        target.addN((s, p, o, target) for s, p, o in g)


def _rejected(name: URIRef, chunk: bytes, exc: SyntaxError) -> str:
    """Oxigraph's parse error with the triple it rejected (the line of the N-Triples we wrote)."""
    line = ""
    if exc.lineno:
        line = chunk.split(b"\n", exc.lineno)[exc.lineno - 1].decode("utf-8", "replace")
    return (f"cannot load the graph <{name}>: Oxigraph rejected the triple {line.strip()!r}: {exc.msg}. "
            "Fix the value in the record (an IRI may not contain spaces, <>\"{}|^` or \\).")


def _nt_chunks(g: Graph, size: int = 100_000) -> Iterator[bytes]:
    """``g`` as N-Triples in chunks, written on a worker thread while the caller loads the previous
    chunk: Oxigraph's bulk load releases the GIL, so writing and loading overlap (1M triples:
    4.3 s to write + 3.4 s to load in a row; see docs/bench.md)."""
    import queue
    import threading

    from rdflib.plugins.serializers.nt import _nt_row  # what g.serialize(format="nt") writes per triple

    chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=2)

    def write() -> None:
        try:
            lines: list[str] = []
            for triple in g:
                lines.append(_nt_row(triple))
                if len(lines) >= size:
                    chunks.put("".join(lines).encode("utf-8"))
                    lines = []
            if lines:
                chunks.put("".join(lines).encode("utf-8"))
            chunks.put(None)
        except BaseException as exc:  # handed to the loading thread, which raises it
            chunks.put(exc)

    worker = threading.Thread(target=write, name="cyberkg-nt-writer", daemon=True)
    worker.start()
    while (item := chunks.get()) is not None:
        if isinstance(item, BaseException):
            raise item
        yield item
    worker.join()


def oxigraph_store(ds: Any) -> Any:
    """The Oxigraph store behind an oxrdflib-backed dataset, else None (rdflib memory, remote)."""
    backing = getattr(ds, "store", None)
    return getattr(backing, "_store", None) if type(backing).__name__ == "OxigraphStore" else None


def read_turtle_dir(folder: Path) -> Graph:
    g = Graph()
    for f in sorted(folder.rglob("*.ttl")):
        if "shapes" in f.relative_to(folder).parts:
            continue
        try:
            g.parse(f, format="turtle")
        except Exception as exc:  # rdflib raises several parser exception types
            raise StoreError(f"{f}: cannot parse the Turtle: {exc}") from exc
    return g


def ontology_graph(ontology_dir: Path | None = None) -> Graph:
    """The TBox: every module and alignment, without the SHACL shapes."""
    return read_turtle_dir(ontology_dir or paths.ontology_dir())
