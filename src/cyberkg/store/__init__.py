"""The store: backends (Oxigraph through oxrdflib, rdflib memory), the build-time derivations, the
persisted built store and the import layers kept across rebuilds.

``from cyberkg import store; ds = store.open_built()`` gives a plain rdflib Dataset."""

from cyberkg.store.backend import (
    BACKENDS,
    add_graph,
    new_dataset,
    ontology_graph,
    oxigraph_store,
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
    writing,
)

__all__ = [
    "BACKENDS", "STAMP", "BuildResult", "add_graph", "build", "input_fingerprint", "is_fresh",
    "new_dataset", "ontology_graph", "open_built", "oxigraph_store", "populate",
    "read_turtle_dir", "release", "writing",
]
