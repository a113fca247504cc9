"""The ``cyberkg`` command: one module per command group, each a thin skin over the library."""

from cyberkg.cli.main import main

__all__ = ["main"]
