"""The ``cyberkg`` command: one module per command group, each a thin skin over the library."""

import cyberkg.analysis.facts  # noqa: F401  (registers the answers every store version keeps: store/answers.py)
from cyberkg.cli.main import main

__all__ = ["main"]
