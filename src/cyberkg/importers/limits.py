"""Limits on what an import may make the machine do: the size of a file, and for an XLSX workbook
(a zip) the size its parts expand to — checked from the zip's directory before anything inflates.

``CYBERKG_MAX_IMPORT_MB`` sets the limit (default :data:`DEFAULT_MAX_IMPORT_MB`); the shipped
importers hold a file this size in memory a few times over while mapping it.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from cyberkg.core.errors import CyberkgError, DataError, Problem

DEFAULT_MAX_IMPORT_MB = 100
ENV = "CYBERKG_MAX_IMPORT_MB"


def max_import_bytes() -> int:
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_IMPORT_MB << 20
    try:
        mb = float(raw)
    except ValueError:
        mb = -1.0
    if not mb > 0:
        raise CyberkgError(f"{ENV}={raw!r} is not a size in MB; give a positive number, e.g. {ENV}=500")
    return int(mb * (1 << 20))


DEFAULT_MAX_IMPORT_TRIPLES = 1_000_000
TRIPLES_ENV = "CYBERKG_MAX_IMPORT_TRIPLES"


def max_import_triples() -> int:
    """How many triples one RDF file may hold (``CYBERKG_MAX_IMPORT_TRIPLES``): counted by Oxigraph's
    streaming parser before anything is mapped, so a huge file is refused in seconds."""
    raw = os.environ.get(TRIPLES_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_IMPORT_TRIPLES
    if not raw.isdigit() or int(raw) <= 0:
        raise CyberkgError(f"{TRIPLES_ENV}={raw!r} is not a number of triples; give a positive integer")
    return int(raw)


def _mb(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB"


def check_file_size(path: Path) -> None:
    """Refuse a file over the limit before reading it."""
    size = path.stat().st_size
    limit = max_import_bytes()
    if size > limit:
        raise DataError([Problem(path.name, None, f"the file is {_mb(size)}, over the import limit of {_mb(limit)}",
                                 f"split it, or raise the limit with {ENV}=<MB> if the machine has the memory")])


def zip_problem(data: bytes, file: str) -> Problem | None:
    """A problem when a workbook's parts would expand past the limit (a zip bomb), else None.
    The sizes are the ones the zip declares; :mod:`zipfile` never inflates past a declared size."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except Exception:  # zipfile raises BadZipFile, NotImplementedError, ValueError…: the workbook reader says so
        return None
    total = sum(i.file_size for i in infos)
    limit = max_import_bytes()
    if total > limit:
        return Problem(file, None, f"the workbook expands to {_mb(total)} ({len(data):,} bytes packed), over the "
                       f"import limit of {_mb(limit)}", f"check the file, or raise {ENV} if it is real")
    return None


def check_date(date: str | None) -> None:
    """``--date``: YYYY, YYYY-MM or YYYY-MM-DD, and a real day of the calendar."""
    import datetime as dt
    import re

    if date is None:
        return
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", date)
    why = "give YYYY-MM-DD (or YYYY-MM, YYYY)"
    if m is None:
        raise CyberkgError(f"--date {date!r} is not a date: {why}")
    try:
        dt.date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
    except ValueError as exc:
        raise CyberkgError(f"--date {date!r} is not a date ({exc}): {why}") from None
