"""Import layers: named, removable graphs in the built store, kept across rebuilds.

Each layer is the named graph ``LAYER[name]``. Its triples are saved as sorted N-Triples under
``build/layers/<name>.nt`` next to an index (``build/layers/index.json``: file, format, triples,
content hash) so that ``store.build`` re-adds them after a rebuild of the curated record (the store
calls :func:`saved_graphs`). Writes happen only after the caller has validated the new layer.

Inside a writer's copy-on-write session (:func:`cyberkg.store.built.writing`) nothing here touches
the saved layers: the index lives in memory and new layer files are written under hidden staged
names. :func:`commit` then writes a journal (``.commit.json``: the moves, the deletions and the new
index) and applies it; a process killed half-way leaves the journal, which the next writer applies
(:func:`recover`) before anything else, so the saved layers are always the old set or the new one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph, URIRef

from cyberkg.core import paths
from cyberkg.core.errors import CyberkgError, StoreError
from cyberkg.core.namespaces import LAYER

INDEX = "index.json"
JOURNAL = ".commit.json"  # hidden: users see index.json and the layer files only
NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class LayerError(CyberkgError):
    """A layer name is wrong, unknown or already taken."""


@dataclass(frozen=True)
class LayerInfo:
    name: str
    file: str
    format: str
    triples: int
    sha256: str

    @property
    def graph(self) -> URIRef:
        return LAYER[self.name]


def layers_dir(build_dir: Path | None = None) -> Path:
    return (build_dir or paths.build_dir()) / "layers"


def slug(text: str) -> str:
    """A layer name from a file stem: lower case, letters and digits joined by single hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "layer"


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise LayerError(
            f"layer name {name!r} is not a slug; use lower-case letters, digits and hyphens, "
            f"e.g. {slug(name)!r}"
        )
    return name


class _Session:
    """What a writer's session has changed, not yet on disk under the final names."""

    def __init__(self, index: dict[str, LayerInfo]) -> None:
        self.index = dict(index)
        self.moves: dict[str, str] = {}  # final file name -> staged (hidden) file name
        self.deletes: set[str] = set()


_sessions: dict[str, _Session] = {}


def _key(build_dir: Path | None) -> str:
    return str(layers_dir(build_dir).resolve())


def _index_bytes(index: dict[str, LayerInfo]) -> bytes:
    data = {k: asdict(v) for k, v in sorted(index.items())}
    return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode()


@contextlib.contextmanager
def session(build_dir: Path | None = None) -> Iterator[None]:
    """Stage every change to the saved layers until :func:`commit` (the caller holds the writer lock)."""
    key = _key(build_dir)
    _sessions[key] = _Session(read_index(build_dir))
    try:
        yield
    finally:
        stale = _sessions.pop(key, None)
        if stale is not None:  # not committed: drop the staged files
            for staged in stale.moves.values():
                (layers_dir(build_dir) / staged).unlink(missing_ok=True)


def pending_index(build_dir: Path | None = None) -> bytes | None:
    """The index the session will commit (None outside a session)."""
    s = _sessions.get(_key(build_dir))
    return _index_bytes(s.index) if s is not None else None


def commit(build_dir: Path | None = None) -> None:
    """Make the session's layers the saved ones: write the journal, then apply it."""
    from cyberkg.core.atomic import write_atomic

    s = _sessions.pop(_key(build_dir), None)
    if s is None:
        return
    folder = layers_dir(build_dir)
    plan = {"moves": sorted(s.moves.items()), "deletes": sorted(s.deletes - set(s.moves)),
            "index": _index_bytes(s.index).decode()}
    write_atomic(folder / JOURNAL, json.dumps(plan, indent=1).encode())
    _apply_journal(folder)


def _apply_journal(folder: Path) -> None:
    from cyberkg.core.atomic import write_atomic

    journal = folder / JOURNAL
    try:
        plan = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError) as exc:
        raise StoreError(f"{journal}: cannot read the layer journal: {exc}; delete it and re-import") from exc
    for final, staged in plan["moves"]:
        if (folder / staged).exists():
            os.replace(folder / staged, folder / final)
    for name in plan["deletes"]:
        (folder / name).unlink(missing_ok=True)
    write_atomic(folder / INDEX, plan["index"].encode())
    journal.unlink()


def recover(build_dir: Path | None = None) -> None:
    """Finish a commit a killed writer left half-done, and sweep the hidden files killed writers
    left behind (staged layers, temporary files). Call with the writer lock held."""
    folder = layers_dir(build_dir)
    if not folder.is_dir():
        return
    _apply_journal(folder)
    for leftover in folder.glob(".*"):
        if leftover.is_file():
            leftover.unlink(missing_ok=True)


def read_index(build_dir: Path | None = None) -> dict[str, LayerInfo]:
    s = _sessions.get(_key(build_dir))
    if s is not None:
        return dict(s.index)
    path = layers_dir(build_dir) / INDEX
    try:
        raw: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise StoreError(
            f"{path}: cannot read the layer index: {exc}; delete build/layers/ and re-import"
        ) from exc
    return {k: LayerInfo(**v) for k, v in sorted(raw.items())}


def _write_index(index: dict[str, LayerInfo], build_dir: Path | None) -> None:
    from cyberkg.core.atomic import write_atomic

    s = _sessions.get(_key(build_dir))
    if s is not None:
        s.index = dict(index)
        return
    write_atomic(layers_dir(build_dir) / INDEX, _index_bytes(index))


def _write_layer_file(name: str, data: bytes, build_dir: Path | None) -> None:
    from cyberkg.core.atomic import write_atomic

    final = f"{name}.nt"
    s = _sessions.get(_key(build_dir))
    if s is None:
        write_atomic(layers_dir(build_dir) / final, data)
        return
    staged = f".{final}.staged-{os.getpid()}"
    write_atomic(layers_dir(build_dir) / staged, data)
    s.moves[final] = staged
    s.deletes.discard(final)


def _delete_layer_file(name: str, build_dir: Path | None) -> None:
    final = f"{name}.nt"
    s = _sessions.get(_key(build_dir))
    if s is None:
        (layers_dir(build_dir) / final).unlink(missing_ok=True)
        return
    staged = s.moves.pop(final, None)
    if staged is not None:
        (layers_dir(build_dir) / staged).unlink(missing_ok=True)
    s.deletes.add(final)


def canonical_nt(g: Graph) -> bytes:
    """Sorted N-Triples: the same layer always gives the same bytes."""
    text = g.serialize(format="nt", encoding="utf-8").decode("utf-8")
    lines = sorted({x for x in text.splitlines() if x.strip()})
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def saved_graphs(build_dir: Path | None = None) -> dict[URIRef, Graph]:
    """Every saved layer as a graph: the hook ``store.build`` calls to keep layers across rebuilds."""
    out: dict[URIRef, Graph] = {}
    folder = layers_dir(build_dir)
    for name, info in read_index(build_dir).items():
        g = Graph()
        nt = folder / f"{name}.nt"
        try:
            g.parse(nt, format="nt")
        except Exception as exc:  # rdflib raises several parser exception types
            raise StoreError(
                f"{nt}: cannot read saved layer {name!r}: {exc}; re-import it with --replace"
            ) from exc
        out[info.graph] = g
    return out


def put(ds: Dataset, info: LayerInfo, g: Graph, build_dir: Path | None = None) -> dict[str, int]:
    """Replace layer ``info.name`` in ``ds`` with ``g``, re-derive, and save it; ``g`` is already valid."""
    import cyberkg.store.adapter as adapter
    from cyberkg.record.mapping import NTriples
    from cyberkg.store.backend import add_graph
    from cyberkg.store.derive import derive

    data = canonical_nt(g)
    _write_layer_file(info.name, data, build_dir)
    index = read_index(build_dir)
    index[info.name] = info
    _write_index(index, build_dir)
    adapter.of(ds).clear_graph(str(info.graph))
    add_graph(ds, info.graph, NTriples(data, len(g)))  # the canonical bytes just written, bulk-loaded
    return derive(ds)


def remove(ds: Dataset, name: str, build_dir: Path | None = None) -> LayerInfo:
    """Take layer ``name`` out of ``ds`` and out of the saved layers; re-derive."""
    import cyberkg.store.adapter as adapter
    from cyberkg.record.schema import did_you_mean
    from cyberkg.store.derive import derive

    index = read_index(build_dir)
    info = index.pop(name, None)
    if info is None:
        known = "known layers: " + ", ".join(index) if index else "no layers yet"
        hint = did_you_mean(name, index) or known
        raise LayerError(f"no layer named {name!r}; {hint}")
    adapter.of(ds).clear_graph(str(info.graph))
    derive(ds)
    _write_index(index, build_dir)
    _delete_layer_file(name, build_dir)
    return info


def layer_graph(ds: Any, name: str) -> Graph:
    """An in-memory copy of one layer of ``ds``."""
    g = Graph()
    g += ds.query(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{LAYER[check_name(name)]}> {{ ?s ?p ?o }} }}"
    ).graph
    return g
