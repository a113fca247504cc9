"""Three (or more) sides at once: per shared goal, which pairs of sides are joined by an instrument
covering it and which are not, and which goals every side pursues with no instrument joining them all.

The answer reads the same derived facts as the gap analysis (:func:`cyberkg.analysis.facts.load_facts`:
pursuits stated or inferred, effective start and end, lifecycle, commitment, multilateral, party
sides) and applies the headline gap query's coverage rule (``queries/gaps/shared-goals-without-
joint-instrument.rq``) to each pair: an instrument joins two sides on a goal when it serves the goal,
has parties on both sides and covers the date (a standing instrument in force, an event within the
event window), at the minimum commitment, dialogues only when counted, and only bilateral ones (every
party on one of the two sides) when asked. So each pair's gaps are exactly what ``cyberkg gaps
--sides A,B`` lists (a test checks it). An instrument joins *all* the sides when its parties are on
every one of them.

    cyberkg gaps --sides EU,US,UK --as-of today
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from cyberkg.analysis.facts import STRENGTH, Facts, Instrument, load_facts
from cyberkg.core.errors import QueryError


@dataclass
class PairCell:
    """One pair of sides on one goal: both pursue it; the instruments joining them on it (strongest first)."""

    sides: tuple[str, str]
    instruments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def joined(self) -> bool:
        return bool(self.instruments)

    def to_json(self) -> dict[str, Any]:
        return {"sides": list(self.sides), "status": "covered" if self.joined else "gap",
                "instruments": self.instruments}


@dataclass
class GoalRow:
    goal: str
    label: str
    pursued_by: list[str]  # side codes that pursue the goal on the date, in the order asked
    pairs: dict[tuple[str, str], PairCell]  # only the pairs that both pursue it
    joined_by_all: list[dict[str, Any]] = field(default_factory=list)  # when every side pursues it
    all_sides_pursue: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"goal": self.goal, "label": self.label, "pursued_by": self.pursued_by,
                "pairs": {"–".join(k): v.to_json() for k, v in self.pairs.items()},
                "all_sides_pursue": self.all_sides_pursue,
                "joined_by_all": self.joined_by_all if self.all_sides_pursue else None}


@dataclass
class ThreeWay:
    as_of: str
    sides: list[str]
    rows: list[GoalRow]
    event_window: int = 2
    count_dialogues: bool = False
    min_commitment: str | None = None
    bilateral_only: bool = False

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return list(itertools.combinations(self.sides, 2))

    def pair_counts(self) -> dict[tuple[str, str], dict[str, int]]:
        """Per pair: goals both pursue, of which joined by an instrument, and gaps."""
        out = {}
        for pair in self.pairs:
            cells = [r.pairs[pair] for r in self.rows if pair in r.pairs]
            joined = sum(c.joined for c in cells)
            out[pair] = {"shared": len(cells), "covered": joined, "gaps": len(cells) - joined}
        return out

    def shared_by_all(self) -> list[GoalRow]:
        return [r for r in self.rows if r.all_sides_pursue]

    def no_instrument_joins_all(self) -> list[GoalRow]:
        """Goals every side pursues with no instrument joining all of them."""
        return [r for r in self.shared_by_all() if not r.joined_by_all]

    def patchwork(self) -> list[GoalRow]:
        """Goals every side pursues where every pair is joined, but by different instruments only."""
        return [r for r in self.no_instrument_joins_all() if all(c.joined for c in r.pairs.values())]

    def only_pair(self) -> dict[tuple[str, str], list[GoalRow]]:
        """Per pair: goals all sides pursue that only this pair is joined on (every other pair is a gap)."""
        out: dict[tuple[str, str], list[GoalRow]] = {p: [] for p in self.pairs}
        for r in self.shared_by_all():
            joined = [p for p, c in r.pairs.items() if c.joined]
            if len(joined) == 1:
                out[joined[0]].append(r)
        return out

    @property
    def rule(self) -> str:
        dialogues = "dialogues and fora count" if self.count_dialogues else "dialogues and fora do not count"
        extra = []
        if self.min_commitment:
            extra.append(f"only coverage at commitment '{self.min_commitment}' or stronger")
        if self.bilateral_only:
            extra.append("only bilateral instruments (every party on one of the two sides)")
        return (f"For each goal two or more of {', '.join(self.sides)} pursue on {self.as_of}, each pair of "
                f"pursuing sides is 'joined' when an instrument with parties on both covers the goal that day "
                f"(the rule of `cyberkg gaps --sides A,B`: standing instruments while in force, events for "
                f"{self.event_window} year(s); {dialogues}{''.join('; ' + e for e in extra)}), else a gap; "
                f"an instrument joins all sides when its parties are on every one of them.")

    def findings(self) -> list[str]:
        """Plain sentences from the table (the README and the text output print them)."""
        n = len(self.sides)
        everyone = "all three" if n == 3 else f"all {n}"
        lines = []
        for (a, b), c in self.pair_counts().items():
            lines.append(f"{a}–{b}: {c['shared']} shared goals, {c['covered']} joined by an instrument, "
                         f"{c['gaps']} gaps.")
        shared = self.shared_by_all()
        none = self.no_instrument_joins_all()
        lines.append(f"{len(shared)} goals are pursued by {everyone}; {len(shared) - len(none)} of them are "
                     f"covered by an instrument joining {everyone}, {len(none)} are not.")
        patch = self.patchwork()
        if patch:
            lines.append(f"Every pair is joined but no instrument joins {everyone} on: "
                         f"{'; '.join(r.label for r in patch)}.")
        for (a, b), rows in self.only_pair().items():
            if rows:
                lines.append(f"Only {a}–{b} is joined (the other pairs are gaps) on: "
                             f"{'; '.join(r.label for r in rows)}.")
        unjoined = [r for r in shared if not any(c.joined for c in r.pairs.values())]
        if unjoined:
            lines.append(f"No pair is joined on: {'; '.join(r.label for r in unjoined)}.")
        return lines

    def to_json(self) -> dict[str, Any]:
        return {"as_of": self.as_of, "sides": self.sides, "rule": self.rule, "event_window": self.event_window,
                "dialogues_counted": self.count_dialogues, "min_commitment": self.min_commitment,
                "bilateral_only": self.bilateral_only,
                "pairs": {"–".join(p): c for p, c in self.pair_counts().items()},
                "goals": [r.to_json() for r in self.rows], "findings": self.findings()}


def _joins(inst: Instrument, group: tuple[str, ...], goal: str, on: dt.date, window: int, count_dialogues: bool,
           min_rank: int, bilateral_only: bool) -> bool:
    """The headline gap query's coverage test for one instrument, one goal and a group of sides."""
    if goal not in inst.serves or not set(group) <= inst.sides or not inst.covers(on, window):
        return False
    if inst.commitment is None or STRENGTH.get(inst.commitment, 0) < min_rank:
        return False
    if inst.type == "dialogue-forum" and not count_dialogues:
        return False
    third_parties = any(not codes & set(group) for codes in inst.party_sides.values())
    return not (bilateral_only and (inst.multilateral or third_parties))


def _row(inst: Instrument) -> dict[str, Any]:
    return {"instrument": inst.iri, "label": inst.label, "type": inst.type, "commitment": inst.commitment,
            "lifecycle": inst.lifecycle, "start": inst.start.isoformat() if inst.start else None}


def three_way(ds: Any, as_of: str | dt.date = "today", sides: list[str] | tuple[str, ...] = ("EU", "US", "UK"),
              count_dialogues: bool = False, event_window: int = 2, min_commitment: str | None = None,
              bilateral_only: bool = False, facts: Facts | None = None) -> ThreeWay:
    """The pairwise and all-sides coverage of every goal two or more of ``sides`` pursue on ``as_of``."""
    from cyberkg.analysis.gaps import side_iris

    as_of_text = as_of.isoformat() if isinstance(as_of, dt.date) else (
        dt.date.today().isoformat() if as_of == "today" else str(as_of))
    try:
        on = dt.date.fromisoformat(as_of_text)
    except ValueError as exc:
        raise QueryError(f"--as-of {as_of_text!r} is not a date; write it like 2020-11-26 (or 'today')") from exc
    codes = [s.strip().upper() for s in sides if s.strip()]
    if len(codes) < 3 or len(set(codes)) != len(codes):
        raise QueryError("a three-way comparison takes three or more different sides, e.g. --sides EU,US,UK")
    if event_window < 0:
        raise QueryError("--event-window is a number of years, 0 or more")
    if min_commitment is not None and min_commitment not in STRENGTH:
        raise QueryError(f"--min-commitment {min_commitment!r} is not one of {', '.join(STRENGTH)}")
    side_iris(ds, codes)  # unknown codes fail here, naming the sides the graph has
    facts = facts if facts is not None else load_facts(ds)
    min_rank = STRENGTH[min_commitment or "operational"]
    by_strength = sorted(facts.instruments.values(),
                         key=lambda i: (-STRENGTH.get(i.commitment or "", 0), i.start or dt.date.min, i.iri))
    rows = []
    for goal, label in facts.goal_labels.items():
        pursuing = [c for c in codes if c in facts.pursuers(goal, on, codes)]
        if len(pursuing) < 2:
            continue
        cells = {}
        for pair in itertools.combinations(codes, 2):
            if pair[0] in pursuing and pair[1] in pursuing:
                cells[pair] = PairCell(pair, [_row(i) for i in by_strength if _joins(
                    i, pair, goal, on, event_window, count_dialogues, min_rank, bilateral_only)])
        row = GoalRow(goal, label, pursuing, cells, all_sides_pursue=len(pursuing) == len(codes))
        if row.all_sides_pursue:
            row.joined_by_all = [_row(i) for i in by_strength if _joins(
                i, tuple(codes), goal, on, event_window, count_dialogues, min_rank, bilateral_only)]
        rows.append(row)
    rows.sort(key=lambda r: (-len(r.pursued_by), r.label, r.goal))
    return ThreeWay(as_of_text, codes, rows, event_window, count_dialogues, min_commitment, bilateral_only)


def _cell(row: GoalRow, pair: tuple[str, str]) -> str:
    cell = row.pairs.get(pair)
    if cell is None:
        return "—"  # not shared by this pair
    if not cell.joined:
        return "GAP"
    first = cell.instruments[0]
    more = f" +{len(cell.instruments) - 1}" if len(cell.instruments) > 1 else ""
    return f"{first['label']} ({first['commitment']}){more}"


def table_rows(report: ThreeWay) -> tuple[list[str], list[dict[str, Any]]]:
    """One row per goal: who pursues it, one column per pair (the strongest joining instrument, GAP, or
    — when the pair does not share the goal) and one for all sides."""
    everyone = "all three" if len(report.sides) == 3 else "all sides"
    cols = ["goal", "pursued by", *("–".join(p) for p in report.pairs), everyone]
    out = []
    for r in report.rows:
        item: dict[str, Any] = {"goal": r.label, "pursued by": ", ".join(r.pursued_by)}
        for p in report.pairs:
            item["–".join(p)] = _cell(r, p)
        if not r.all_sides_pursue:
            item[everyone] = "—"
        elif r.joined_by_all:
            first = r.joined_by_all[0]
            item[everyone] = f"{first['label']} ({first['commitment']})"
        else:
            item[everyone] = "NONE"
        out.append(item)
    return cols, out


def markdown(report: ThreeWay) -> str:
    """The table and the findings as Markdown (the README block)."""
    cols, rows = table_rows(report)
    esc = [[str(r[c]).replace("|", "\\|") for c in cols] for r in rows]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(r) + " |" for r in esc]
    return "\n".join([*lines, "", *(f"- {f}" for f in report.findings())])


__all__ = ["GoalRow", "PairCell", "ThreeWay", "markdown", "table_rows", "three_way"]
