"""The built store: the record loaded, derived and persisted, swapped in atomically;
``open_built()`` rebuilds only when ``graph/``, ``ontology/``, the import layers or the package
version changed.

Layout: every build (and every import) writes a new **version**, a folder under ``build/store.v/``;
``build/store`` is a symbolic link to the current one, replaced in one atomic rename. So a process
killed at any point leaves the previous version current and intact, and a reader (``query``
while ``build`` runs) always opens a complete version: the one current when it started, which is
not deleted while it reads (see :mod:`cyberkg.store.lock`). Writers serialise on the build lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph, URIRef

import cyberkg.store.adapter as adapter
import cyberkg.store.answers as answers
import cyberkg.store.derive as derivations
import cyberkg.store.gate as gate
import cyberkg.store.layers as layers_mod
import cyberkg.store.lock as lock
from cyberkg import __version__
from cyberkg.core import paths
from cyberkg.core.atomic import write_atomic
from cyberkg.core.errors import StoreError
from cyberkg.core.namespaces import G_CURATED, G_ONTOLOGY, G_VOCAB
from cyberkg.core.progress import Steps
from cyberkg.record.mapping import NTriples
from cyberkg.store.backend import add_graph, new_dataset, ontology_graph, read_turtle_dir
from cyberkg.store.layers import layers_dir, saved_graphs
from cyberkg.store.writer import CuratedWriter

STAMP = "cyberkg-stamp.json"
VERSIONS = "store.v"  # beside the ``store`` link


def input_files(home: Path | None = None) -> list[Path]:
    home = home or paths.home()
    files: list[Path] = []
    for sub in ("graph", "ontology"):
        files += [p for p in (home / sub).rglob("*") if p.is_file() and p.suffix in (".yaml", ".ttl")]
    files += (home / "queries" / "checks").glob("*-violation.rq")  # what the build's validation gate runs
    return sorted(files)


def input_fingerprint(home: Path | None = None, build_dir: Path | None = None,
                      index: bytes | None = None) -> str:
    """What the store is built from: the package version, graph/, ontology/ and the layer index
    (``index``: the bytes a writer is about to commit, else the saved index)."""
    home = home or paths.home()
    h = hashlib.sha256(__version__.encode())
    for f in input_files(home):
        h.update(str(f.relative_to(home)).encode())
        h.update(f.read_bytes())
    h.update(b"\0layers\0")
    if index is not None:
        h.update(index)
    else:
        with contextlib.suppress(OSError):
            h.update((layers_dir(build_dir or paths.build_dir()) / layers_mod.INDEX).read_bytes())
    return h.hexdigest()


@dataclass
class BuildResult:
    path: Path | None
    triples: dict[str, int] = field(default_factory=dict)
    verdict: gate.Verdict | None = None  # None: not validated (memory builds, --no-validate)


def populate(ds: Dataset, curated: Graph | NTriples, ontology: Graph | None = None, vocab: Graph | None = None,
             extra: dict[URIRef, Graph] | None = None, derive: bool = True) -> dict[str, int]:
    """Load curated facts, ontology, vocabularies and ``extra`` named graphs (import layers) into
    ``ds`` and (unless ``derive`` is false) derive; return triple counts."""
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
    if derive:
        counts["derived"] = sum(derivations.derive(ds).values())
    return counts


def build(
    out: Path | None = None, backend: str = "oxigraph", curated: Graph | NTriples | None = None,
    validate: bool = True, progress: bool | None = None,
) -> tuple[Dataset, BuildResult]:
    """Load the record, derive, and (for ``oxigraph``) persist a new version and make it current.

    On ``oxigraph`` the new version is validated first (:mod:`cyberkg.store.gate`, unless
    ``validate`` is false): a record with violations raises :class:`ValidationFailed` and the
    previous version stays current; the verdict is kept in the new version's stamp. ``progress``:
    a bar of the steps on stderr (default: when stderr is a terminal)."""
    with Steps("build", ["reading the record", "mapping", "loading and deriving", "validating", "writing to disk"],
               progress if backend == "oxigraph" else False) as steps:
        return _build(out, backend, curated, validate, steps)


def _build(out: Path | None, backend: str, curated: Graph | NTriples | None, validate: bool,
           steps: Steps) -> tuple[Dataset, BuildResult]:
    from cyberkg.record.loaders import load_catalog
    from cyberkg.record.mapping import map_catalog, map_catalog_nt

    if curated is None:  # on Oxigraph, records go straight to N-Triples and its bulk loader
        steps.next("reading the record")
        catalog = load_catalog()
        steps.next("mapping")
        curated = map_catalog(catalog) if backend == "memory" else map_catalog_nt(catalog)
    onto = ontology_graph()
    vocab = read_turtle_dir(paths.graph_dir() / "vocab")
    out = out or paths.build_dir() / "store"
    if backend == "memory":
        ds = new_dataset("memory")
        return ds, BuildResult(None, populate(ds, curated, onto, vocab, saved_graphs(out.parent)))
    with lock.exclusive(out.parent, "build"):
        layers_mod.recover(out.parent)
        layers = saved_graphs(out.parent)
        version = _new_version(out)
        try:
            counts, verdict = _populate_on_disk(version / "db", curated, onto, vocab, layers, validate, steps)
            _stamp(version, out, counts, validation=verdict.stamp() if verdict else {"skipped": True})
            _make_current(out, version)
        except BaseException:
            shutil.rmtree(version, ignore_errors=True)
            raise
    return _open_version(out), BuildResult(out, counts, verdict)


def scratch(build_dir: Path | None = None) -> Dataset:
    """The record (with the saved layers) loaded and derived in an in-memory Oxigraph store:
    nothing persisted, nothing validated — what ``cyberkg validate`` checks when the built store
    is stale, so that a record the gate refuses can still be listed in full."""
    from cyberkg.record.loaders import load_catalog
    from cyberkg.record.mapping import map_catalog_nt

    ds = new_dataset("oxigraph")
    populate(ds, map_catalog_nt(load_catalog()), ontology_graph(), read_turtle_dir(paths.graph_dir() / "vocab"),
             saved_graphs(build_dir or paths.build_dir()))
    return ds


def _populate_on_disk(db: Path, curated: Graph | NTriples, onto: Graph, vocab: Graph,
                      layers: dict[URIRef, Graph], validate: bool,
                      steps: Steps) -> tuple[dict[str, int], gate.Verdict | None]:
    """Load, derive and validate in memory, then write the store to ``db``: the derivations'
    queries on the on-disk store (RocksDB) took 3-4x as long as in memory (docs/bench.md). The
    curated graph (N-Triples, the bulk of the quads) is bulk-loaded into ``db`` in a second thread
    while the in-memory store loads, derives and validates (Oxigraph's loader releases the GIL: on
    two cores the two overlap); the other graphs follow in one bulk copy from memory. The answers the
    analysis keeps (:mod:`cyberkg.store.answers`) are computed on the in-memory store meanwhile. A
    record that fails validation raises after the writer has stopped, and its version folder is
    then removed by the caller."""
    with adapter.of(new_dataset("oxigraph")) as mem, adapter.of(new_dataset("oxigraph", db)) as disk:
        writer = CuratedWriter(disk, curated) if isinstance(curated, NTriples) else None
        try:
            steps.next("loading and deriving")
            counts = populate(mem.ds, curated, onto, vocab, layers)
            steps.next("validating" if validate else "validating (skipped)")
            verdict = gate.check(mem.ds) if validate else None
            if verdict is not None:
                gate.enforce(verdict)
            answers.record(mem.select_values, db.parent)  # while the writer still works
        finally:
            if writer is not None:
                writer.join()  # never leave a thread writing into a folder the caller may remove
        steps.next("writing to disk")
        disk.copy_from(mem, skip=str(G_CURATED) if writer is not None else None)
        disk.flush()
    return counts, verdict


def _stamp(version: Path, out: Path, counts: dict[str, int], index: bytes | None = None,
           validation: dict[str, Any] | None = None) -> None:
    """The version's stamp: what it was built from, its triple counts and the validation verdict."""
    fingerprint = input_fingerprint(build_dir=out.parent, index=index)
    data = json.dumps({"fingerprint": fingerprint, "triples": counts, "validation": validation or {}}, indent=1)
    write_atomic(version / STAMP, data.encode())


def _new_version(out: Path) -> Path:
    """An empty folder for a new version (the previous ones stay until no reader needs them)."""
    versions = out.parent / VERSIONS
    versions.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="v-", dir=versions))


def _make_current(out: Path, version: Path) -> None:
    """Point ``out`` at ``version`` in one atomic rename, then retire the versions nobody reads."""
    if out.exists() and not out.is_symlink():  # a store built before versions existed
        os.replace(out, Path(tempfile.mkdtemp(prefix="legacy-", dir=out.parent / VERSIONS)) / "store")
    for stale in out.parent.glob(f".{out.name}.link-*"):  # left by killed writers (we hold the lock)
        stale.unlink(missing_ok=True)
    link = out.with_name(f".{out.name}.link-{os.getpid()}")
    os.symlink(os.path.relpath(version, out.parent), link)
    os.replace(link, out)
    _retire_old(out)


def _retire_old(out: Path) -> None:
    current = out.resolve()
    for old in sorted((out.parent / VERSIONS).iterdir()):
        if old.resolve() == current or not old.is_dir():
            continue
        if lock.try_retire(old):
            shutil.rmtree(old, ignore_errors=True)


def _open_version(out: Path, tries: int = 50) -> Dataset:
    """The current version, read-only, held against deletion while the dataset lives: lock the
    version first, check it is still current (a writer never retires the current version), then
    open it."""
    for _ in range(tries):
        version = out.resolve()
        fd = lock.hold_shared(version)
        if fd is None:
            time.sleep(0.02)
            continue
        if out.resolve() != version:  # replaced meanwhile; its writer may be deleting it
            os.close(fd)
            continue
        try:
            ds = new_dataset("oxigraph", version / "db", read_only=True)
        except BaseException:
            os.close(fd)
            raise
        backing = ds.store
        assert isinstance(backing, adapter.NativeStore)
        backing.on_close.append(lock.release_with(backing, fd))  # adapter.close() releases it at once
        backing.answers = version
        return ds
    raise StoreError(f"{out}: the store kept changing while opening it; retry")


@contextlib.contextmanager
def writing(build_dir: Path | None = None, what: str = "import") -> Iterator[Dataset]:
    """A copy-on-write session on the built store, under the writer lock: the block gets a
    writable copy of the current version; when it ends without error the copy becomes current
    (atomically); on an error, or a kill, the previous version stays current and untouched."""
    build_dir = build_dir or paths.build_dir()
    out = build_dir / "store"
    with lock.exclusive(build_dir, what):
        layers_mod.recover(build_dir)
        if not is_fresh(out):
            ds, _ = build(out)
            adapter.of(ds).close()
        version = _new_version(out)
        current = False
        try:
            shutil.copytree(out.resolve() / "db", version / "db")
            st = adapter.of(new_dataset("oxigraph", version / "db"))
            with layers_mod.session(build_dir):
                with st:  # closed (files released) when the block ends, whatever happens
                    yield st.ds
                    old = json.loads((out / STAMP).read_text())
                    counts = _recount(st.ds, old.get("triples", {}), build_dir)
                    st.flush()
                    answers.record(st.select_values, version)  # the layers change them: never copied
                # the record's verdict stands; an imported layer was checked against the shapes on import
                _stamp(version, out, counts, layers_mod.pending_index(build_dir), old.get("validation"))
                _make_current(out, version)
                current = True
                # stopped here or inside the commit: the new stamp does not match the saved index,
                # so the next reader rebuilds, and the next writer first finishes the commit
                layers_mod.commit(build_dir)
        except BaseException:
            if not current:
                shutil.rmtree(version, ignore_errors=True)
            raise


def _recount(ds: Dataset, old: dict[str, int], build_dir: Path) -> dict[str, int]:
    """The stamp's triple counts after a session: the layers from the index it commits, the
    derivations counted in the store; the curated record, ontology and vocabularies unchanged."""
    from cyberkg.core.namespaces import G_DERIVED

    layers_total = sum(info.triples for info in layers_mod.read_index(build_dir).values())
    derived = adapter.of(ds).count(str(G_DERIVED))
    counts = {k: v for k, v in old.items() if k not in ("layers", "derived")}
    if layers_total:
        counts["layers"] = layers_total
    counts["derived"] = derived
    return counts


def is_fresh(out: Path | None = None) -> bool:
    out = out or paths.build_dir() / "store"
    try:
        stamp = json.loads((out / STAMP).read_text())
    except (OSError, ValueError):
        return False
    return bool(stamp.get("fingerprint") == input_fingerprint(build_dir=out.parent))


def open_built(out: Path | None = None, rebuild: bool = True) -> Dataset:
    """The built store, read-only; rebuilt first when the inputs changed (and ``rebuild``). A
    rebuild is always validated: a record with violations raises :class:`ValidationFailed` and
    the previous store stays current (``cyberkg build --no-validate`` is the only way past it)."""
    out = out or paths.build_dir() / "store"
    if not is_fresh(out):
        if not rebuild:
            raise StoreError(f"no up-to-date store at {out}; run 'cyberkg build' first")
        with lock.exclusive(out.parent, "build"):
            if not is_fresh(out):  # another process may have built it while we waited
                ds, _ = build(out)
                return ds
    return _open_version(out)


def verdict(out: Path | None = None) -> dict[str, Any]:
    """The validation verdict kept with the current store ({"skipped": True} after --no-validate,
    {} when the store predates the gate)."""
    out = out or paths.build_dir() / "store"
    try:
        found: dict[str, Any] = json.loads((out / STAMP).read_text()).get("validation") or {}
    except (OSError, ValueError):
        return {}
    return found


def release(ds: Dataset | None = None) -> None:
    """Let ``ds`` go now (its Oxigraph files and the reader's hold on its version), without waiting
    for a garbage collection: the same as ``store.adapter.of(ds).close()``. Without ``ds``, nothing
    to do (kept for callers of the old form)."""
    if ds is not None:
        adapter.of(ds).close()
