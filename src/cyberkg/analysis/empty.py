"""Empty answers said out loud: a side that pursues no goal on the date, a date before the record
starts, two sides that share nothing. ``gaps``, ``report``, ``summary`` and ``viz --gaps`` print
these on stderr and in their output instead of a silent empty table; ``query`` says when a
question (not a check) returns no row."""

from __future__ import annotations

from typing import Any

from cyberkg.analysis import catalogue as queries
from cyberkg.core.output import plain

QUERY = "gaps/goals-pursued-per-side"


def goals_per_side(ds: Any, as_of: str) -> dict[str, int]:
    """Side code -> number of goals its actors pursue on ``as_of`` (every side of the record)."""
    rows = queries.run(queries.find(QUERY), ds, {"asOf": as_of}).rows
    return {str(plain(r["code"])).upper(): int(plain(r["goals"]) or 0) for r in rows}


def side_labels(ds: Any) -> dict[str, str]:
    """Side code -> its label (report/side-labels)."""
    rows = queries.run(queries.find("report/side-labels"), ds).rows
    return {str(plain(r["code"])).upper(): str(plain(r.get("label")) or plain(r["code"])) for r in rows}


def pair_warnings(per_side: dict[str, int], sides: list[str], as_of: str, shared: int,
                  first_date: str | None = None, labels: dict[str, str] | None = None) -> list[str]:
    """The warnings for a comparison of ``sides`` on ``as_of`` that found ``shared`` shared goals."""
    labels = labels or {}
    out: list[str] = []
    if first_date and as_of < first_date:
        out.append(f"{as_of} is before the record starts ({first_date}): every answer below is empty.")
    idle = [s for s in sides if per_side.get(s.upper(), 0) == 0]
    for s in idle:
        out.append(f"{labels.get(s, s)} ({s}) pursues no goal in the record on {as_of}: every comparison with it is "
                   "empty (record its strategies and the goals they state in graph/goals.yaml).")
    if shared == 0 and not idle:
        out.append(f"{' and '.join(labels.get(s, s) for s in sides)} share no goal in the record on {as_of}.")
    return out


__all__ = ["goals_per_side", "pair_warnings", "side_labels"]
