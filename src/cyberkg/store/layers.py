"""Import layers: named, removable graphs in the built store, kept across rebuilds.

Each layer is the named graph ``LAYER[name]``. Its triples are saved as sorted N-Triples under
``build/layers/<name>.nt`` next to an index (``build/layers/index.json``: file, format, triples,
content hash) so that ``store.build`` re-adds them after a rebuild of the curated record (the store
calls :func:`saved_graphs`). Writes happen only after the caller has validated the new layer.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph, URIRef

from cyberkg.core import paths
from cyberkg.core.errors import CyberkgError, StoreError
from cyberkg.core.namespaces import LAYER

INDEX = "index.json"
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


def read_index(build_dir: Path | None = None) -> dict[str, LayerInfo]:
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

    data = {k: asdict(v) for k, v in sorted(index.items())}
    write_atomic(layers_dir(build_dir) / INDEX, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode())


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
    from cyberkg.core.atomic import write_atomic
    from cyberkg.store.backend import add_graph
    from cyberkg.store.derive import derive

    data = canonical_nt(g)
    write_atomic(layers_dir(build_dir) / f"{info.name}.nt", data)
    index = read_index(build_dir)
    index[info.name] = info
    _write_index(index, build_dir)
    ds.graph(info.graph).remove((None, None, None))
    add_graph(ds, info.graph, g)
    return derive(ds)


def remove(ds: Dataset, name: str, build_dir: Path | None = None) -> LayerInfo:
    """Take layer ``name`` out of ``ds`` and out of the saved layers; re-derive."""
    from cyberkg.record.schema import did_you_mean
    from cyberkg.store.derive import derive

    index = read_index(build_dir)
    info = index.pop(name, None)
    if info is None:
        known = "known layers: " + ", ".join(index) if index else "no layers yet"
        hint = did_you_mean(name, index) or known
        raise LayerError(f"no layer named {name!r}; {hint}")
    ds.graph(info.graph).remove((None, None, None))
    derive(ds)
    _write_index(index, build_dir)
    (layers_dir(build_dir) / f"{name}.nt").unlink(missing_ok=True)
    return info


def layer_graph(ds: Any, name: str) -> Graph:
    """An in-memory copy of one layer of ``ds``."""
    g = Graph()
    g += ds.query(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{LAYER[check_name(name)]}> {{ ?s ?p ?o }} }}"
    ).graph
    return g
