"""Locks on the build folder, so processes never trip over each other.

* One **writer** at a time: ``cyberkg build``, ``import``, ``remove`` and ``enrich --apply`` take
  an exclusive lock on ``build/.cyberkg.lock`` (``flock``); a second writer waits for it (and says
  so once on stderr), up to ``CYBERKG_LOCK_TIMEOUT`` seconds (default 600), then gives up with an
  error naming the holder. A process killed with -9 drops its lock with it: the kernel releases it.
* **Readers** never wait: each store version is a folder of its own; a reader takes a *shared*
  lock on the version it opened (``<version>/.readers``) for as long as its dataset lives, and a
  writer deletes an old version only when it can take that lock exclusively (no reader is left).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cyberkg.core.errors import StoreError

LOCK_FILE = ".cyberkg.lock"
READERS = ".readers"
_held: dict[str, int] = {}  # lock path -> depth, so a writer may call another writer's function


def _timeout() -> float:
    raw = os.environ.get("CYBERKG_LOCK_TIMEOUT", "600")
    try:
        return float(raw)
    except ValueError as exc:
        raise StoreError(f"CYBERKG_LOCK_TIMEOUT={raw!r} is not a number of seconds") from exc


@contextlib.contextmanager
def exclusive(build_dir: Path, what: str) -> Iterator[None]:
    """Hold the writer lock of ``build_dir`` for the block (re-entrant within one process)."""
    build_dir.mkdir(parents=True, exist_ok=True)
    path = build_dir / LOCK_FILE
    key = str(path.resolve())
    if _held.get(key):
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + _timeout()
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(path)
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"{path}: another cyberkg process ({holder}) is still writing the store; wait for it to "
                        "finish and retry (or raise CYBERKG_LOCK_TIMEOUT)") from None
                if not told:
                    print(f"cyberkg: waiting for another cyberkg process ({holder}) to finish writing {build_dir}",
                          file=sys.stderr)
                    told = True
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, {what}".encode(), 0)
        _held[key] = 1
        try:
            yield
        finally:
            _held.pop(key, None)
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip() or "unknown"
    except OSError:
        return "unknown"


def _try_flock(version: Path, mode: int) -> int | None:
    """An open descriptor holding ``mode`` on ``version``'s readers file, or None when the lock is
    taken (or the version is gone)."""
    try:
        fd = os.open(version / READERS, os.O_RDWR | os.O_CREAT, 0o644)
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def hold_shared(version: Path) -> int | None:
    """A shared lock on ``version`` (the open file descriptor that holds it), or None when a writer
    is retiring that version right now (the caller then opens the current one instead). Tie it to
    the dataset with :func:`release_with`."""
    return _try_flock(version, fcntl.LOCK_SH)


def release_with(owner: Any, fd: int) -> weakref.finalize:
    """Keep the shared lock ``fd`` for as long as ``owner`` lives (or until the returned finaliser
    is called, which releases it at once)."""
    return weakref.finalize(owner, os.close, fd)


def try_retire(version: Path) -> bool:
    """True when no reader holds ``version`` (or it is gone); the caller then deletes it. A reader
    arriving after this finds the version no longer current and opens the current one."""
    if not version.is_dir():
        return True
    fd = _try_flock(version, fcntl.LOCK_EX)
    if fd is None:
        return False
    os.close(fd)
    return True
