"""The one module that knows where the ontology, the curated graph and the queries live.

Order: the ``CYBERKG_HOME`` environment variable (a folder holding ``ontology/``, ``graph/`` and
``queries/``); else the source checkout this package sits in; else the copies shipped inside the
wheel. Built artefacts go to ``CYBERKG_BUILD_DIR``, else ``build/`` in the checkout, else
``build/`` in the working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # src/cyberkg (this file is src/cyberkg/core/paths.py)


def _checkout_root() -> Path | None:
    root = _PACKAGE.parent.parent  # src/cyberkg -> repo root
    if (root / "ontology").is_dir() and (root / "graph").is_dir() and (root / "pyproject.toml").is_file():
        return root
    return None


def home() -> Path:
    """The folder that holds ``ontology/``, ``graph/`` and ``queries/``."""
    env = os.environ.get("CYBERKG_HOME")
    if env:
        return Path(env)
    root = _checkout_root()
    if root is not None:
        return root
    return _PACKAGE / "_data"


def ontology_dir() -> Path:
    return home() / "ontology"


def graph_dir() -> Path:
    return home() / "graph"


def queries_dir() -> Path:
    return home() / "queries"


def build_dir() -> Path:
    env = os.environ.get("CYBERKG_BUILD_DIR")
    if env:
        return Path(env)
    root = _checkout_root()
    return (root / "build") if root is not None else Path.cwd() / "build"
