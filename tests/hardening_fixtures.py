"""Shared helpers for the hardening tests (fuzzing, hostile input, kill -9, concurrency): generated
malformed inputs with fixed seeds, the check that an error says where the problem is, and a
snapshot of a build folder to prove nothing was written."""

from __future__ import annotations

import hashlib
import json
import random
import re
import string
from collections.abc import Callable
from pathlib import Path

from cyberkg.core.errors import CyberkgError, DataError, Problem

DATA = Path(__file__).resolve().parent / "data" / "import"

# ---------------------------------------------------------------------------------------------
# Where an error points: every problem must name a place a user can go to.

_LINE_IN_TEXT = re.compile(r"(?:\bline \d+|:\d+(?::\d+)?:|\bbyte \d+)")


def problems_of(exc: CyberkgError) -> list[Problem]:
    return exc.problems if isinstance(exc, DataError) else []


def has_location(exc: CyberkgError, *, file: str, kind: str) -> bool:
    """Whether every problem of ``exc`` names a place: ``kind`` is yaml (file:line), sheet (sheet,
    row, column; a whole sheet; or a whole-file problem naming the file), stix (line or objects[n]), rdf (line or
    an IRI) or param (the parameter's name is checked by the caller)."""
    from cyberkg.importers.sheet_read import CellProblem

    probs = problems_of(exc)
    if not probs:
        return False
    for p in probs:
        if file not in p.file:
            return False
        text = str(p)
        if kind == "yaml":
            ok = isinstance(p.line, int) and p.line >= 1
        elif kind == "sheet":
            ok = (isinstance(p, CellProblem) and bool(p.sheet)) or (
                not isinstance(p, CellProblem) and file in p.file)  # the whole file (a damaged workbook)
        elif kind == "stix":
            ok = p.line is not None or bool(re.search(r"objects\[\d+\]", text)) or "bundle" in p.message
        elif kind == "rdf":
            ok = (p.line is not None or bool(_LINE_IN_TEXT.search(p.message)) or "<" in p.message
                  or bool(re.search(r"@graph\[\d+\]|item \d+|\$\[", p.message))
                  or p.message.startswith("the file "))  # about the whole file: no date, no triples
        else:
            raise AssertionError(kind)
        if not ok:
            return False
    return True


# ---------------------------------------------------------------------------------------------
# Building blocks for generated inputs.


def word(rng: random.Random, n: int = 8, alphabet: str = string.ascii_lowercase) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(3, n)))


def bad_date(rng: random.Random) -> str:
    """A string that is not an ISO (partial) date."""
    y = rng.randint(1000, 2999)
    return rng.choice(
        [
            f"{y}-{rng.randint(13, 99):02d}-{rng.randint(1, 28):02d}",
            f"{y}-{rng.randint(1, 12):02d}-{rng.randint(32, 99)}",
            f"{y}-02-{rng.randint(30, 31)}",
            f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{y}",
            f"{y}{word(rng, 3)}",
            f"{word(rng, 6)}",
            f"{y}-{rng.randint(1, 12)}-{rng.randint(1, 9)}x",
            f"{y}-{rng.randint(13, 99):02d}",
        ]
    )


def bad_slug(rng: random.Random) -> str:
    return rng.choice(
        [
            word(rng).upper() + "-" + word(rng),
            word(rng) + "_" + word(rng),
            word(rng) + " " + word(rng),
            word(rng) + "--" + word(rng),
            "-" + word(rng),
            word(rng) + "-",
            word(rng) + "/" + word(rng),
            word(rng) + "é",
        ]
    )


def flip_bytes(rng: random.Random, data: bytes, n: int = 3) -> bytes:
    b = bytearray(data)
    for _ in range(n):
        i = rng.randrange(len(b))
        b[i] = rng.randrange(256)
    return bytes(b)


def insert_invalid_utf8(rng: random.Random, data: bytes) -> bytes:
    i = rng.randrange(len(data))
    bad = rng.choice([b"\xff", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"])
    return data[:i] + bad + data[i:]


# ---------------------------------------------------------------------------------------------
# A snapshot of a build folder: every visible file's bytes (the store's database files apart, which
# are compared through their content), so a test can prove a failed command wrote nothing.


def snapshot(build: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    if not build.exists():
        return out
    for p in sorted(build.rglob("*")):
        rel = p.relative_to(build).as_posix()
        if p.is_symlink():
            out[rel] = "-> " + str(p.readlink())
        elif p.is_file() and "/db/" not in f"/{rel}" and not rel.endswith(".lock"):
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
        elif p.is_dir():
            out[rel] = "dir"
    return out


def visible_leftovers(folder: Path, expected: set[str]) -> list[str]:
    """Files in ``folder`` a user would see (not hidden) that are not ``expected``."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".") and p.name not in expected)


def json_dumps(doc: object) -> bytes:
    return json.dumps(doc, indent=1, ensure_ascii=False).encode("utf-8")


Generator = Callable[[random.Random], tuple[str, bytes]]
