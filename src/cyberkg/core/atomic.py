"""Atomic file writing, the one way every output of cyberkg reaches the disk: a temporary file in
the same folder, flushed and fsync'ed, then renamed over the target. A reader (or a process killed
mid-write) sees the old file or the new one, never half of either.

Only a regular file (or a path where nothing is yet) is ever replaced:

- ``-`` is standard output, and so are ``/dev/stdout``, ``/dev/fd/N`` and ``/proc/self/fd/N`` (written
  through the process's own descriptor, so ``>``, ``>>`` and pipes behave as for any Unix tool);
- a symbolic link is followed: its final target is replaced atomically and the link stays a link;
- a FIFO or a character device (``/dev/stdout``, ``/dev/null``, a terminal) is written directly,
  in place; a write error there (``/dev/full``) is reported, the node is never replaced;
- a folder, a socket or a block device is refused with an :class:`OutputError`.
"""

from __future__ import annotations

import os
import re
import stat
import sys
import tempfile
from pathlib import Path

from cyberkg.core.errors import CyberkgError


class OutputError(CyberkgError):
    """An output path cannot be written (what is there, and why it is left alone)."""


def is_stdout(path: str | os.PathLike[str] | None) -> bool:
    """Whether ``path`` is the ``-`` that means standard output."""
    return path is not None and os.fspath(path) == "-"


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISSOCK, "a socket"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device")):
        if test(mode):
            return name
    return "not a regular file"


_OWN_FD = re.compile(r"^/(?:dev/fd|proc/self/fd)/(\d+)$")
_STD = {"/dev/stdout": 1, "/dev/stderr": 2}


def own_fd(path: Path) -> int | None:
    """The file descriptor of this process that ``path`` names (/dev/stdout, /dev/fd/N,
    /proc/self/fd/N), else None: such a path is written through the descriptor itself, so the
    shell's redirection (``>``, ``>>``, a pipe) applies as it would to any Unix tool."""
    text = os.fspath(path)
    if text in _STD:
        return _STD[text]
    m = _OWN_FD.match(text)
    return int(m[1]) if m else None


def resolve_output(path: Path) -> tuple[Path, os.stat_result | None]:
    """The path that is really written (symbolic links followed) and what is there now (None: nothing)."""
    try:
        st = os.stat(path)  # follows links the kernel's way (a /proc/…/fd link to a pipe too)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"{path}: cannot be written ({exc.strerror})") from exc
    if st is not None and not stat.S_ISREG(st.st_mode):
        return path, st  # a device or FIFO is opened through the link itself
    return (Path(os.path.realpath(path)) if path.is_symlink() else path), st


def _write_in_place(path: Path, shown: Path, data: bytes, kind: str) -> None:
    """Write to a FIFO or character device as it is (no truncation, no rename, no new file)."""
    try:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise OutputError(f"{shown}: {kind} that cannot be opened for writing ({exc.strerror}); "
                          "nothing was written") from exc
    try:
        _write_all(fd, data)
    except OSError as exc:
        raise OutputError(f"{shown}: writing to {kind} failed ({exc.strerror}); it was left as it is") from exc
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def write_stdout(data: bytes) -> None:
    """Write ``data`` to standard output (binary), flushed."""
    out = getattr(sys.stdout, "buffer", None)
    if out is None:
        sys.stdout.write(data.decode("utf-8"))
        sys.stdout.flush()
        return
    out.write(data)
    out.flush()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so a reader never sees half a file (see the module notes for what is
    done when ``path`` is ``-``, a symbolic link, a FIFO or a device)."""
    if is_stdout(path):
        write_stdout(data)
        return
    path = Path(path)
    fd = own_fd(path)
    if fd is not None:
        if fd == 1:
            write_stdout(data)
            return
        try:
            _write_all(fd, data)
        except OSError as exc:
            raise OutputError(f"{path}: writing failed ({exc.strerror})") from exc
        return
    target, st = resolve_output(path)
    if st is not None and not stat.S_ISREG(st.st_mode):
        kind = _kind(st.st_mode)
        if stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode):
            _write_in_place(target, path, data, kind)
            return
        raise OutputError(f"{path}: is {kind}, not a file; it was left as it is and nothing was written")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if st is not None:
            mode = stat.S_IMODE(st.st_mode)  # replacing a file keeps its permissions
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask  # mkstemp makes it private; give it an ordinary file's mode
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
