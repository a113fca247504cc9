"""The store: backends (Oxigraph through oxrdflib, rdflib memory), the build-time derivations, the
persisted built store and the import layers kept across rebuilds.

``from cyberkg import store; ds = store.open_built()`` gives a plain rdflib Dataset; what callers need
beyond the rdflib API goes through the one adapter, ``store.adapter.of(ds)``."""

import cyberkg.store.adapter as adapter
from cyberkg.store.backend import (
    BACKENDS,
    add_graph,
    new_dataset,
    ontology_graph,
    read_turtle_dir,
)
from cyberkg.store.built import (
    STAMP,
    BuildResult,
    build,
    input_fingerprint,
    is_fresh,
    open_built,
    populate,
    release,
    verdict,
    writing,
)

__all__ = [
    "BACKENDS", "STAMP", "BuildResult", "adapter", "add_graph", "build", "input_fingerprint", "is_fresh",
    "new_dataset", "ontology_graph", "open_built", "populate",
    "read_turtle_dir", "release", "verdict", "writing",
]
