"""Answers kept with a store version: the rows of the queries the analysis reads on every run that
do not depend on a date or an option (the record's instruments, parties, links, pursuits, sources),
computed once when the version is made and read back instead of asking RocksDB again.

Why: the built store is RocksDB, where reading is several times slower than in memory (every term of
a row is a lookup: 368k quads iterate in 2.4 s on disk against 0.3 s in memory, docs/bench.md). The
ten fact queries took 5.3 s of CPU of every ``gaps``, ``report``, ``diff`` and ``metrics`` at 240k
triples; computed on the in-memory store during the build they cost about 1.3 s, once.

Sound by construction:

* keyed by the SHA-256 of the exact query text: a query file changed since the build misses and is
  run live, so an answer is never stale, only absent;
* a version is immutable once current; an import session (:func:`cyberkg.store.built.writing`)
  makes a new version and computes its answers again (the old ones are not copied);
* written atomically next to the version's ``db`` before it becomes current (the build) or after
  (an import session: a reader then finds either the whole file or none);
* the rows are what :meth:`~cyberkg.store.adapter.StoreAdapter.select_values` returns, so a hit and
  a live run give the same rows (a test compares them on every kept query).

The store does not know the catalogue (the flow is store → analysis): the analysis registers the
texts it wants kept (:func:`keep`), and the build asks for them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cyberkg.core.atomic import write_atomic

FOLDER = "answers"
_PROVIDERS: list[Callable[[], list[str]]] = []


def keep(provider: Callable[[], list[str]]) -> None:
    """Have every new version keep the answers of the query texts ``provider`` returns."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def texts() -> list[str]:
    """The query texts to keep, in a stable order."""
    return sorted({t for provider in _PROVIDERS for t in provider()})


def _file(folder: Path, text: str) -> Path:
    return folder / FOLDER / f"{hashlib.sha256(text.encode('utf-8')).hexdigest()}.json"


def record(select: Callable[[str], tuple[list[str], list[tuple[Any, ...]]]], version: Path) -> int:
    """Run each kept text with ``select`` (a store's ``select_values``) and write its rows into
    ``version``; return how many were kept."""
    import orjson

    kept = 0
    for text in texts():
        names, rows = select(text)
        write_atomic(_file(version, text), orjson.dumps({"text": text, "names": names, "rows": rows}))
        kept += 1
    return kept


def lookup(version: Path, text: str) -> tuple[list[str], list[tuple[Any, ...]]] | None:
    """The rows kept for ``text`` in ``version``, or None (never kept, or kept for another text)."""
    import orjson

    try:
        data = orjson.loads(_file(version, text).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if data.get("text") != text:  # a hash collision, or a file not written by record()
        return None
    return list(data["names"]), [tuple(r) for r in data["rows"]]


__all__ = ["FOLDER", "keep", "lookup", "record", "texts"]
