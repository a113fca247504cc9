"""Backends and the built store.

Callers get a plain rdflib :class:`~rdflib.Dataset` whose default graph is the union of all named
graphs. Two embedded backends plug in the rdflib way:

* ``oxigraph`` (default, chosen by measurement — see bench/ and the README): an Oxigraph store
  through oxrdflib; SPARQL strings are evaluated by Oxigraph, parameters are bound with Oxigraph's
  substitutions (never spliced). Persisted on disk under ``build/store``.
* ``memory``: rdflib's own in-memory store and SPARQL engine.

``open_built()`` rebuilds only when ``graph/``, ``ontology/`` or the package version changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph, URIRef

from . import __version__, paths
from .errors import StoreError
from .namespaces import G_CURATED, G_ONTOLOGY, G_VOCAB, PREFIXES

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


def add_graph(ds: Dataset, name: URIRef, g: Graph) -> None:
    """Add all of ``g`` to the named graph ``name`` of ``ds`` in bulk."""
    target = ds.graph(name)
    inner = oxigraph_store(ds)
    if inner is not None:
        import pyoxigraph as ox

        to_graph = ox.NamedNode(str(name))
        for chunk in _nt_chunks(g):
            inner.bulk_load(chunk, format=ox.RdfFormat.N_TRIPLES, to_graph=to_graph)
    else:
        target.addN((s, p, o, target) for s, p, o in g)


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


def input_files(home: Path | None = None) -> list[Path]:
    home = home or paths.home()
    files: list[Path] = []
    for sub in ("graph", "ontology"):
        files += [p for p in (home / sub).rglob("*") if p.is_file() and p.suffix in (".yaml", ".ttl")]
    return sorted(files)


def input_fingerprint(home: Path | None = None) -> str:
    home = home or paths.home()
    h = hashlib.sha256(__version__.encode())
    for f in input_files(home):
        h.update(str(f.relative_to(home)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


@dataclass
class BuildResult:
    path: Path | None
    triples: dict[str, int] = field(default_factory=dict)


def populate(ds: Dataset, curated: Graph, ontology: Graph | None = None, vocab: Graph | None = None,
             extra: dict[URIRef, Graph] | None = None) -> dict[str, int]:
    """Load curated facts, ontology, vocabularies and ``extra`` named graphs (import layers) into
    ``ds`` and derive; return triple counts."""
    from .derive import derive

    add_graph(ds, G_CURATED, curated)
    counts = {"curated": len(curated)}
    if ontology is not None:
        add_graph(ds, G_ONTOLOGY, ontology)
        counts["ontology"] = len(ontology)
    if vocab is not None:
        add_graph(ds, G_VOCAB, vocab)
        counts["vocab"] = len(vocab)
    for name, g in sorted((extra or {}).items()):
        add_graph(ds, name, g)
        counts["layers"] = counts.get("layers", 0) + len(g)
    derived = derive(ds)
    counts["derived"] = sum(derived.values())
    return counts


def build(
    out: Path | None = None, backend: str = "oxigraph", curated: Graph | None = None
) -> tuple[Dataset, BuildResult]:
    """Load the record, derive, and (for ``oxigraph``) persist atomically under ``out``."""
    from .loaders import load_catalog
    from .mapping import map_catalog

    if curated is None:
        curated = map_catalog(load_catalog())
    onto = ontology_graph()
    vocab = read_turtle_dir(paths.graph_dir() / "vocab")
    out = out or paths.build_dir() / "store"
    layers = _saved_layers(out.parent)
    if backend == "memory":
        ds = new_dataset("memory")
        return ds, BuildResult(None, populate(ds, curated, onto, vocab, layers))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".store-", dir=out.parent))
    try:
        ds = new_dataset("oxigraph", tmp / "db")
        counts = populate(ds, curated, onto, vocab, layers)
        inner = oxigraph_store(ds)
        inner.flush()
        del ds, inner
        (tmp / STAMP).write_text(json.dumps({"fingerprint": input_fingerprint(), "triples": counts}, indent=1))
        if out.exists():
            old = out.with_name(out.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return new_dataset("oxigraph", out / "db", read_only=True), BuildResult(out, counts)


def _saved_layers(build_dir: Path) -> dict[URIRef, Graph]:
    """The import layers saved under ``build_dir/layers``, re-added on every build."""
    from .layers import saved_graphs

    return saved_graphs(build_dir)


def is_fresh(out: Path | None = None) -> bool:
    out = out or paths.build_dir() / "store"
    try:
        stamp = json.loads((out / STAMP).read_text())
    except (OSError, ValueError):
        return False
    return bool(stamp.get("fingerprint") == input_fingerprint())


def open_built(out: Path | None = None, rebuild: bool = True) -> Dataset:
    """The built store, read-only; rebuilt first when the inputs changed (and ``rebuild``)."""
    out = out or paths.build_dir() / "store"
    if not is_fresh(out):
        if not rebuild:
            raise StoreError(f"no up-to-date store at {out}; run 'cyberkg build' first")
        ds, _ = build(out)
        return ds
    return new_dataset("oxigraph", out / "db", read_only=True)
