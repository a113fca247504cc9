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

from pathlib import Path

from rdflib import Dataset, Graph, URIRef

import cyberkg.store.adapter as adapter
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
        ds = adapter.wrap(inner)
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
    store = adapter.of(ds)
    if isinstance(g, NTriples):
        store.load_nt(str(name), [g.data])
    else:
        store.add_triples(str(name), g)


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
