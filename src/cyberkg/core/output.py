"""One set of output formats for everything that prints rows: table, csv, tsv, json, md."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from rdflib import Literal, URIRef
from rdflib.term import Node

from cyberkg.core.namespaces import PREFIXES

FORMATS = ("table", "csv", "tsv", "json", "md")


def plain(value: Any) -> Any:
    """A JSON-friendly value: IRIs and literals as their text, numbers and booleans as such."""
    if value is None:
        return None
    if isinstance(value, Literal):
        py = value.toPython()
        if isinstance(py, bool | int | float) and not isinstance(py, Literal):
            return py
        return str(value)
    if isinstance(value, Node):
        return str(value)
    return value


def short(value: Any) -> str:
    """A compact text for tables: IRIs shortened with the known prefixes."""
    if value is None:
        return ""
    if isinstance(value, URIRef):
        text = str(value)
        best = ""
        for prefix, ns in PREFIXES.items():
            if text.startswith(str(ns)) and len(str(ns)) > len(best):
                best, chosen = str(ns), prefix
        return f"{chosen}:{text[len(best):]}" if best else text
    if isinstance(value, list):
        return "; ".join(short(v) for v in value)
    return str(plain(value))


def render(columns: Sequence[str], rows: Sequence[dict[str, Any]], fmt: str = "table") -> str:
    """Render rows in ``fmt``; the same rows always give the same text."""
    if fmt == "json":
        return json.dumps([{c: _json(r.get(c)) for c in columns} for r in rows], indent=2, ensure_ascii=False) + "\n"
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        w = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([safe_cell(r.get(c)) for c in columns])
        return buf.getvalue()
    cells = [[short(r.get(c)) for c in columns] for r in rows]
    if fmt == "md":
        def esc(t: str) -> str:
            return t.replace("|", "\\|").replace("\n", " ")
        lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
        lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in cells]
        return "\n".join(lines) + "\n"
    if fmt != "table":
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    widths = [min(w, 80) for w in widths]

    def line(vals: Sequence[str]) -> str:
        cut = ((v if len(v) <= w else v[: w - 1] + "…").ljust(w) for v, w in zip(vals, widths, strict=True))
        return "  ".join(cut).rstrip()

    out = [line(columns), line(["-" * w for w in widths])] + [line(row) for row in cells]
    return "\n".join(out) + "\n"


# A cell starting with one of these is a formula to a spreadsheet program (CSV injection, OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A text a spreadsheet program would run as a formula gets a single quote in front (OWASP)."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def safe_cell(value: Any) -> str:
    """A CSV/TSV cell: the plain text, formulas neutralised (numbers, such as -3, stay numbers)."""
    text = plain_text(value)
    return text if isinstance(_json(value), bool | int | float) else neutralise(text)


def plain_text(value: Any) -> str:
    v = _json(value)
    if v is None:
        return ""
    if isinstance(v, list | dict):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def _json(value: Any) -> Any:
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return plain(value)
