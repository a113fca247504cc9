"""cyberkg — the open knowledge graph of transatlantic (EU–US) cyber policy.

The library is the product; the ``cyberkg`` command is a thin skin over it::

    from cyberkg import store, gaps
    ds = store.open_built()                      # an rdflib Dataset on the built store
    report = gaps.find_gaps(ds, as_of="2020-11-26")

The packages follow the data flow, each importing only the ones before it:
``core`` -> ``record`` -> ``store`` -> ``analysis`` -> ``importers`` -> ``views``, ``export``,
``remote`` -> ``cli``. The short names below (``cyberkg.gaps``, ``cyberkg.queries``, ...) are kept
for the Python API and resolve lazily to the modules in those packages.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Short names of the public API -> the module that implements it (imported on first use).
API = {
    "paths": "cyberkg.core.paths",
    "errors": "cyberkg.core.errors",
    "namespaces": "cyberkg.core.namespaces",
    "labels": "cyberkg.core.labels",
    "records": "cyberkg.record.schema",
    "loaders": "cyberkg.record.loaders",
    "mapping": "cyberkg.record.mapping",
    "derive": "cyberkg.store.derive",
    "layers": "cyberkg.store.layers",
    "queries": "cyberkg.analysis.catalogue",
    "gaps": "cyberkg.analysis.gaps",
    "report": "cyberkg.analysis.report",
    "diff": "cyberkg.analysis.diff",
    "metrics": "cyberkg.analysis.metrics",
    "feasible": "cyberkg.analysis.feasible",
    "uncertainty": "cyberkg.analysis.uncertainty",
    "facts": "cyberkg.analysis.facts",
    "validate": "cyberkg.analysis.validate",
    "network": "cyberkg.views.network",
    "viz": "cyberkg.views.viz",
    "endpoint": "cyberkg.remote.endpoint",
    "publish": "cyberkg.remote.publish",
    "wikidata": "cyberkg.importers.wikidata",
}


def __getattr__(name: str) -> Any:
    target = API.get(name)
    if target is None:
        raise AttributeError(f"module 'cyberkg' has no attribute {name!r}")
    module = importlib.import_module(target)
    globals()[name] = module
    return module
