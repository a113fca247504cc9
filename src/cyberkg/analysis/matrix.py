"""The annex matrix as of a date: for each instrument function, whether side A only, side B only,
both separately, each with third partners, or both jointly use it, with the instruments behind each
cell.

Two catalogue queries: ``instruments/instrument-types-by-side-pattern`` gives each function's counts
per cell, ``instruments/instrument-functions-by-side`` the instruments behind the cells (both run
unchanged on Oxigraph, Jena and Virtuoso); the class follows from the counts here (:func:`classify`,
the one home of that rule). Functions, not legal forms: an EU regulation and a US executive order that do the
same thing meet (graph/vocab/instrument-functions.ttl).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from cyberkg.analysis import catalogue as queries
from cyberkg.core.output import plain

CLASS_QUERY = "instruments/instrument-types-by-side-pattern"
CELL_QUERY = "instruments/instrument-functions-by-side"
CELLS = ("A-alone", "B-alone", "A-with-partners", "B-with-partners", "joint")
CLASS_ORDER = ("jointly", "both-separately", "each-with-third-partners", "A-only", "B-only")

RULE = ("The annex matrix classifies instrument FUNCTIONS (what an instrument does), not legal forms, over the "
        "instruments active on the date (standing and in force, or an event within the event window): jointly "
        "when a joint instrument (parties on both sides) has the function; both separately when both sides use it "
        "without the other and at least one alone; each with third partners when both use it only with parties on "
        "neither side; else one side only.")


def classify(counts: dict[str, int]) -> str:
    """The class of a function from its counts per cell (:data:`RULE`)."""
    a = counts.get("A-alone", 0) + counts.get("A-with-partners", 0)
    b = counts.get("B-alone", 0) + counts.get("B-with-partners", 0)
    if counts.get("joint", 0):
        return "jointly"
    if a and b:
        return "both-separately" if counts.get("A-alone", 0) or counts.get("B-alone", 0) else "each-with-third-partners"
    return "A-only" if a else "B-only"


@dataclass
class MatrixRow:
    function: str
    label: str
    cls: str
    counts: dict[str, int]
    annex: str | None = None  # the annex section note, when the function comes from the brief's annex
    cells: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def to_json(self, codes: tuple[str, str]) -> dict[str, Any]:
        name = _names(codes)
        return {"function": self.function, "label": self.label, "class": name[self.cls], "class_code": self.cls,
                "annex": self.annex,
                "counts": {_cell_name(c, codes): self.counts.get(c, 0) for c in CELLS},
                "instruments": {_cell_name(c, codes): self.cells.get(c, []) for c in CELLS}}


def _names(codes: tuple[str, str]) -> dict[str, str]:
    a, b = codes
    return {"jointly": "jointly", "both-separately": "both separately",
            "each-with-third-partners": "each with third partners", "A-only": f"{a} only", "B-only": f"{b} only"}


def _cell_name(cell: str, codes: tuple[str, str]) -> str:
    a, b = codes
    return {"A-alone": f"{a} alone", "B-alone": f"{b} alone", "A-with-partners": f"{a} with third partners",
            "B-with-partners": f"{b} with third partners", "joint": "jointly"}[cell]


@dataclass
class Matrix:
    as_of: str
    sides: tuple[str, str]
    event_window: int
    rows: list[MatrixRow]

    @property
    def rule(self) -> str:
        return f"{RULE} Event window: {self.event_window} years."

    def row(self, function: str) -> MatrixRow | None:
        return next((r for r in self.rows if r.function == function), None)

    def to_json(self) -> dict[str, Any]:
        return {"as_of": self.as_of, "sides": list(self.sides), "event_window": self.event_window, "rule": self.rule,
                "rows": [r.to_json(self.sides) for r in self.rows]}

    def table(self) -> tuple[list[str], list[dict[str, Any]]]:
        """Flat rows for table/csv/md: one row per function, the instruments of each cell by label."""
        cols = ["function", "class"] + [_cell_name(c, self.sides) for c in CELLS] + ["annex"]
        out = []
        for r in self.rows:
            row: dict[str, Any] = {"function": r.label, "class": _names(self.sides)[r.cls],
                                   "annex": "annex" if r.annex else ""}
            for c in CELLS:
                row[_cell_name(c, self.sides)] = "; ".join(i["label"] for i in r.cells.get(c, []))
            out.append(row)
        return cols, out


def build_matrix(ds: Any, as_of: str | dt.date = "today", sides: tuple[str, str] | list[str] = ("EU", "US"),
                 event_window: int = 2) -> Matrix:
    """The annex matrix on ``as_of`` for two sides (codes), from the two catalogue queries."""
    from cyberkg.analysis.gaps import side_iris

    as_of_text = as_of.isoformat() if isinstance(as_of, dt.date) else (
        dt.date.today().isoformat() if as_of == "today" else str(as_of))
    codes = (str(sides[0]).upper(), str(sides[1]).upper())
    iris = side_iris(ds, list(codes))
    params = {"sideA": str(iris[codes[0]]), "sideB": str(iris[codes[1]]), "asOf": as_of_text,
              "eventWindow": str(event_window)}
    rows: dict[str, MatrixRow] = {}
    for r in queries.run(queries.find(CLASS_QUERY), ds, params).rows:
        f = str(plain(r["function"]))
        counts = {c: int(plain(r[k]) or 0) for c, k in zip(
            CELLS, ("aAlone", "bAlone", "aWithPartners", "bWithPartners", "joint"), strict=True)}
        rows[f] = MatrixRow(f, str(plain(r["label"])), classify(counts), counts)
    for r in queries.run(queries.find(CELL_QUERY), ds, params).rows:
        row = rows.get(str(plain(r["function"])))
        if row is None:
            continue
        if r.get("annex") is not None:
            row.annex = str(plain(r["annex"]))
        items = row.cells.setdefault(str(plain(r["cell"])), [])
        iri = str(plain(r["instrument"]))
        if all(i["instrument"] != iri for i in items):
            items.append({"instrument": iri, "label": str(plain(r["label"])), "type": plain(r["type"]),
                          "start": plain(r["start"])})
    ordered = sorted(rows.values(), key=lambda m: (CLASS_ORDER.index(m.cls), m.function))
    return Matrix(as_of_text, codes, event_window, ordered)


__all__ = ["CELLS", "RULE", "Matrix", "MatrixRow", "build_matrix", "classify"]
