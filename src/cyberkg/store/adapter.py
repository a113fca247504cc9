"""The one adapter between cyberkg and whatever backs a dataset.

Everything outside ``cyberkg.store`` that needs more than the rdflib API (bulk N-Triples, a
CONSTRUCT written straight as N-Triples, plain values of a SELECT without an rdflib term per
cell, a backup for the SPARQL server) calls :func:`of` and the methods of :class:`StoreAdapter`;
nothing outside this package looks at oxrdflib's attributes or asks which backend it has. Each
method gives the same answer on every backend (the tests compare them); only its speed differs:

* on an Oxigraph store (through oxrdflib) the work is done by Oxigraph on its own terms;
* on anything else (rdflib's memory store, a remote endpoint) rdflib does it.

Releasing: :meth:`StoreAdapter.close` (or ``with of(ds):``) lets the Oxigraph store go at once
(its RocksDB files and lock), with no garbage collection pass: the dataset's reference cycles no
longer hold the native store.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from oxrdflib import OxigraphStore
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.plugins.serializers.nt import _nt_row

from cyberkg.core.errors import StoreError


class NativeStore(OxigraphStore):
    """oxrdflib's store, with the Oxigraph store it wraps as a public attribute (set once, by us)."""

    def __init__(self, native: Any) -> None:
        super().__init__(store=native)
        self.native: Any = native
        self.on_close: list[Callable[[], Any]] = []  # e.g. the reader's lock on its store version
        self.answers: Path | None = None  # a built version's folder: its kept answers (store/answers.py)

    def close(self, commit_pending_transaction: bool = False) -> None:
        if self.native is None:
            return
        self.native = None
        super().close(commit_pending_transaction)
        while self.on_close:
            self.on_close.pop()()


def native_of(ds: Any) -> Any:
    """The Oxigraph store behind ``ds`` when cyberkg made it (None for anything else)."""
    backing = getattr(ds, "store", None)
    return backing.native if isinstance(backing, NativeStore) else None


def wrap(native: Any) -> Dataset:
    """An rdflib dataset (default graph = union of the named graphs) over an Oxigraph store."""
    return Dataset(store=NativeStore(native), default_union=True)


class StoreAdapter:
    """What cyberkg asks of a store beyond the rdflib API, the same on every backend."""

    def __init__(self, ds: Any) -> None:
        self.ds = ds
        self._native = native_of(ds)

    @property
    def parallel(self) -> bool:
        """Whether several threads querying this store at once gain: Oxigraph evaluates with the GIL
        released (two queries take about the time of the longer on two cores); rdflib's own engine
        is pure Python, and an endpoint is asked one query at a time."""
        return self._native is not None

    # --- reading -----------------------------------------------------------------------------
    def select_values(self, text: str, graphs: list[str] | None = None
                      ) -> tuple[list[str], list[tuple[str | None, ...]]]:
        """A SELECT over the union of the graphs (or, with ``graphs``, of those named graphs only):
        variable names and rows of lexical values (an IRI's text, a literal's lexical form, None
        when unbound). No rdflib term per cell on Oxigraph (the report's queries read thousands of
        rows)."""
        if self._native is not None:
            kept = self.ds.store.answers if graphs is None else None
            if kept is not None:
                from cyberkg.store.answers import lookup

                hit = lookup(kept, text)
                if hit is not None:
                    return hit
            if graphs is None:
                res = self._native.query(text, use_default_graph_as_union=True)
            else:
                import pyoxigraph as ox

                default: list[Any] = [ox.NamedNode(g) for g in graphs] or [ox.DefaultGraph()]
                res = self._native.query(text, default_graph=default)
            names = [v.value for v in res.variables]
            return names, [tuple(None if t is None else t.value for t in sol) for sol in res]
        target = self.ds
        if graphs is not None and hasattr(self.ds, "over_graphs"):  # a remote store: it restricts the dataset
            target = self.ds.over_graphs(graphs)
        elif graphs is not None:
            target = Graph()
            for name in graphs:
                target += self.ds.graph(URIRef(name))
        result = target.query(text)
        names = [str(v) for v in result.vars or []]
        return names, [tuple(None if v is None else str(v) for v in row) for row in result]

    def construct_nt(self, text: str) -> bytes:
        """A CONSTRUCT over the union of the graphs as N-Triples (one triple per line, unsorted)."""
        if self._native is not None:
            import pyoxigraph as ox

            result = self._native.query(text, use_default_graph_as_union=True)
            return ox.serialize(result, format=ox.RdfFormat.N_TRIPLES) or b""
        g = self.ds.query(text).graph
        return "".join(_nt_row((s, p, _simple(o))) for s, p, o in g).encode("utf-8")

    def graphs_nt(self, keep: Callable[[str], bool], construct: str) -> bytes:
        """The triples of the named graphs ``keep`` accepts, as N-Triples (unsorted; a triple held in
        two graphs comes twice). On Oxigraph each graph is dumped as stored, with no query (a
        CONSTRUCT collects its triples in a set first: at 240k triples in memory 1.2 s against 0.3 s);
        anywhere else ``construct`` — the same triples as a CONSTRUCT — is run."""
        if self._native is not None:
            import pyoxigraph as ox

            return b"".join(self._native.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(g)) or b""
                            for g in self.graph_names() if keep(g))
        return self.construct_nt(construct)

    def graph_names(self) -> list[str]:
        """The named graphs that hold triples, sorted."""
        if self._native is not None:
            return sorted(g.value for g in self._native.named_graphs())
        return sorted(str(g.identifier) for g in self.ds.graphs() if isinstance(g.identifier, URIRef)
                      and str(g.identifier) != "urn:x-rdflib:default" and len(g))

    def graph_nt(self, name: str) -> bytes:
        """One named graph as N-Triples (one triple per line)."""
        if self._native is not None:
            import pyoxigraph as ox

            quads = self._native.quads_for_pattern(None, None, None, ox.NamedNode(name))
            return ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES) or b""
        data: bytes = self.ds.graph(URIRef(name)).serialize(format="nt", encoding="utf-8")
        return data

    def count(self, graph: str | None = None) -> int:
        """Triples in one named graph, or quads in the whole store (cheap on Oxigraph: no rdflib ``len``)."""
        where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "GRAPH ?g { ?s ?p ?o }"
        _, rows = self.select_values(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
        return int(rows[0][0] or 0) if rows else 0

    # --- writing -----------------------------------------------------------------------------
    def load_nt(self, graph: str, chunks: Iterable[bytes]) -> None:
        """Add N-Triples to the named graph ``graph`` in bulk (Oxigraph's bulk loader, no rdflib
        object per triple); a triple the store refuses raises :class:`StoreError` naming it."""
        if self._native is not None:
            import pyoxigraph as ox

            to_graph = ox.NamedNode(graph)
            for chunk in chunks:
                try:
                    self._native.bulk_load(chunk, format=ox.RdfFormat.N_TRIPLES, to_graph=to_graph)
                except SyntaxError as exc:
                    raise StoreError(_rejected(graph, chunk, exc)) from exc
            return
        target = self.ds.graph(URIRef(graph))
        for chunk in chunks:
            target.parse(data=chunk, format="nt")

    def add_triples(self, graph: str, g: Graph) -> None:
        """Add an rdflib graph's triples to the named graph ``graph``."""
        if self._native is not None:
            self.load_nt(graph, nt_chunks(g))
            return
        target = self.ds.graph(URIRef(graph))
        target.addN((s, p, o, target) for s, p, o in g)

    def clear_graph(self, graph: str) -> None:
        if self._native is not None:
            import pyoxigraph as ox

            self._native.clear_graph(ox.NamedNode(graph))
            return
        self.ds.graph(URIRef(graph)).remove((None, None, None))

    def construct_into(self, graph: str, text: str) -> int:
        """Run a CONSTRUCT over the union and add its triples to ``graph``; return how many it made."""
        if self._native is not None:  # Oxigraph writes and bulk-loads the triples: no Python object per triple
            import pyoxigraph as ox

            result = self._native.query(text, use_default_graph_as_union=True)
            data = ox.serialize(result, format=ox.RdfFormat.N_TRIPLES) or b""
            if data:
                self._native.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))
            return len(set(data.splitlines()))
        made: Graph = self.ds.query(text).graph
        target_g = self.ds.graph(URIRef(graph))
        target_g.addN((s, p, o, target_g) for s, p, o in made)
        return len(made)

    def dump_nquads(self) -> bytes:
        """Every named graph as N-Quads (unsorted)."""
        if self._native is not None:
            import pyoxigraph as ox

            return self._native.dump(format=ox.RdfFormat.N_QUADS) or b""
        data: bytes = self.ds.serialize(format="nquads", encoding="utf-8")
        return data

    def load_nquads(self, data: bytes) -> None:
        """Add N-Quads in bulk (what :meth:`dump_nquads` wrote)."""
        if self._native is not None:
            import pyoxigraph as ox

            self._native.bulk_load(data, format=ox.RdfFormat.N_QUADS)
            return
        self.ds.parse(data=data, format="nquads")

    def copy_from(self, other: StoreAdapter, skip: str | None = None) -> None:
        """Add every quad of ``other`` (but those of the named graph ``skip``) in bulk (Oxigraph to
        Oxigraph: its quads handed across as they are, no text in between: 5.5 s of CPU instead of
        8.2 s for 368k quads into RocksDB)."""
        if self._native is not None and other._native is not None:
            src = other._native
            if skip is None:
                self._native.bulk_extend(src.quads_for_pattern(None, None, None, None))
                return
            import pyoxigraph as ox

            graphs = [g for g in src.named_graphs() if str(g) != f"<{skip}>"] + [ox.DefaultGraph()]
            self._native.bulk_extend(q for g in graphs for q in src.quads_for_pattern(None, None, None, g))
            return
        data = b"".join(line + b"\n" for line in other.dump_nquads().splitlines()
                        if skip is None or not line.endswith(f"<{skip}> .".encode()))
        self.load_nquads(data)

    def flush(self) -> None:
        """Make what was written durable (on disk stores)."""
        if self._native is not None:
            self._native.flush()

    def backup(self, dest: str | Path) -> None:
        """A consistent copy of an on-disk Oxigraph store in ``dest`` (which must not exist)."""
        if self._native is None:
            raise StoreError("only the embedded Oxigraph store can be backed up; run 'cyberkg build' first")
        self._native.backup(str(dest))

    # --- releasing ---------------------------------------------------------------------------
    def close(self) -> None:
        """Let the store go now: closes the dataset, so the Oxigraph store (its files and lock) is
        released when this adapter is dropped, without waiting for a garbage collection."""
        self._native = None
        close = getattr(self.ds, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> StoreAdapter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def of(ds: Any) -> StoreAdapter:
    """The adapter for ``ds`` (an rdflib dataset from :func:`cyberkg.store.new_dataset`,
    :func:`cyberkg.store.open_built`, or any rdflib dataset or endpoint)."""
    return StoreAdapter(ds)


def _simple(term: Any) -> Any:
    """RDF 1.1 simple literals: ``"x"^^xsd:string`` is written as ``"x"``, as Oxigraph writes it."""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


def _rejected(name: str, chunk: bytes, exc: SyntaxError) -> str:
    """Oxigraph's parse error with the triple it rejected (the line of the N-Triples we wrote)."""
    line = ""
    if exc.lineno:
        line = chunk.split(b"\n", exc.lineno)[exc.lineno - 1].decode("utf-8", "replace")
    return (f"cannot load the graph <{name}>: Oxigraph rejected the triple {line.strip()!r}: {exc.msg}. "
            "Fix the value in the record (an IRI may not contain spaces, <>\"{}|^` or \\).")


def nt_chunks(g: Graph, size: int = 100_000) -> Iterator[bytes]:
    """``g`` as N-Triples in chunks, written on a worker thread while the caller loads the previous
    chunk: Oxigraph's bulk load releases the GIL, so writing and loading overlap (1M triples:
    4.3 s to write + 3.4 s to load in a row; see docs/bench.md)."""
    import queue
    import threading

    chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=2)

    def write() -> None:
        try:
            buf = io.StringIO()
            n = 0
            for triple in g:
                buf.write(_nt_row(triple))
                n += 1
                if n >= size:
                    chunks.put(buf.getvalue().encode("utf-8"))
                    buf, n = io.StringIO(), 0
            if n:
                chunks.put(buf.getvalue().encode("utf-8"))
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
