"""The built store: the record loaded, derived and persisted under ``build/store``, swapped in
atomically; ``open_built()`` rebuilds only when ``graph/``, ``ontology/`` or the package version
changed."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from cyberkg import __version__
from cyberkg.core import paths
from cyberkg.core.errors import StoreError
from cyberkg.core.namespaces import G_CURATED, G_ONTOLOGY, G_VOCAB
from cyberkg.store.backend import add_graph, new_dataset, ontology_graph, oxigraph_store, read_turtle_dir
from cyberkg.store.derive import derive
from cyberkg.store.layers import saved_graphs

STAMP = "cyberkg-stamp.json"


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
    from cyberkg.record.loaders import load_catalog
    from cyberkg.record.mapping import map_catalog

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


def open_writable(build_dir: Path | None = None) -> Dataset:
    """The built store opened for writing (built first when missing or stale)."""
    import gc

    out = (build_dir or paths.build_dir()) / "store"
    if not is_fresh(out):
        ds, _ = build(out)
        del ds
        gc.collect()
    return new_dataset("oxigraph", out / "db")


def close(ds: Dataset) -> None:
    """Flush a writable store; the caller drops its last reference right after."""
    inner = oxigraph_store(ds)
    if inner is not None:
        inner.flush()
        del inner


def release() -> None:
    """Let the Oxigraph lock go: rdflib datasets hold reference cycles, so collect them now."""
    import gc

    gc.collect()
