"""Exceptions that carry where the problem is (file:line, row, IRI) and what to do about it.

The CLI maps them to exit codes: 1 = the data does not conform, 2 = any other error.
"""

from __future__ import annotations

from dataclasses import dataclass


class CyberkgError(Exception):
    """Base class: a message a policy analyst understands."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One problem in one place of an input file."""

    file: str
    line: int | None
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}" + (f" — {self.hint}" if self.hint else "")


class DataError(CyberkgError):
    """Input data is wrong; carries every problem found, each with its place."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.message))
        n = len(self.problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in the input; nothing was written:\n{lines}")


class QueryError(CyberkgError):
    """A query file or its parameters are wrong."""


class StoreError(CyberkgError):
    """The store cannot be opened, built or written."""


class ValidationFailed(CyberkgError):
    """The graph does not conform to the shapes or a quality check returned rows."""

    exit_code = 1
