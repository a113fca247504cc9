"""Which conclusions rest on a fact the record is unsure of (``cyber:confidence`` medium or low).

Pure over :class:`cyberkg.analysis.facts.Facts`. Two ways a fact decides a goal's status:

* a **gap depends** on an uncertain fact when one side pursues the goal only through uncertain
  pursuits — the pursuit itself is medium/low, or the pursuer is on the side only through an
  uncertain ``part_of``/``side`` link. Without those facts the goal would not be shared;
* a **covered goal depends** on one (a *possible gap*) when every joint instrument that covers it
  is joint only through an uncertain party (or an uncertain side link of that party), or serves
  the goal only through an uncertain ``addresses``. Without those facts it would be a gap.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cyberkg.analysis.facts import Facts, Instrument
from cyberkg.core.namespaces import CYBER

PURSUES, PART_OF, ON_SIDE = str(CYBER.pursues), str(CYBER.partOf), str(CYBER.onSide)
PARTY, ADDRESSES = str(CYBER.party), str(CYBER.addresses)
_WORDS = {PURSUES: "pursues", PART_OF: "is part of", ON_SIDE: "is on side", PARTY: "has as party",
          ADDRESSES: "addresses"}


def _index(facts: Facts) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    """One entry per uncertain fact (sources merged): (subject, predicate, object, since)."""
    out: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for r in facts.uncertain:
        key = (r["subject"], r["predicate"], r["object"], str(r.get("since") or ""))
        f = out.setdefault(key, {"kind": r["kind"], "subject": r["subject"], "predicate": r["predicate"],
                                 "object": r["object"], "since": r.get("since"), "confidence": r["confidence"],
                                 "note": r.get("note"), "sources": []})
        if r.get("source") and r["source"] not in f["sources"]:
            f["sources"].append(r["source"])
    for f in out.values():
        f["sources"].sort()
    return out


def _label(facts: Facts, iri: str) -> str:
    if iri in facts.actors:
        return str(facts.actors[iri]["label"])
    if iri in facts.instruments:
        return facts.instruments[iri].label
    return facts.goal_labels.get(iri) or iri.rsplit("/", 1)[-1]


def describe(facts: Facts, fact: dict[str, Any]) -> dict[str, Any]:
    """The fact in words, with its confidence, note and citations."""
    since = f" since {fact['since']}" if fact.get("since") else ""
    text = (f"{_label(facts, fact['subject'])} {_WORDS.get(fact['predicate'], fact['predicate'])} "
            f"{_label(facts, fact['object'])}{since}")
    return {**fact, "fact": text, "citations": [facts.cite(s) for s in fact["sources"]]}


class Checker:
    """Answers 'does this rest on an uncertain fact?' for one record."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.index = _index(facts)
        self.side_code: dict[str, str] = {}
        for a in facts.actors.values():
            for side_iri in a["side_of"]:
                fallback = side_iri.rsplit("/", 1)[-1].upper()
                self.side_code[side_iri] = a["sides"][0] if len(a["sides"]) == 1 else fallback

    def fact(self, s: str, p: str, o: str, since: Any = None) -> dict[str, Any] | None:
        return self.index.get((s, p, o, str(since or "")))

    def membership(self, actor: str, side: str) -> list[dict[str, Any]] | None:
        """None when ``actor`` is on ``side`` through certain links only; else the uncertain links
        its membership passes through (empty list: not on the side at all)."""
        certain = self._reaches(actor, side, set(), only_certain=True, used=[])
        if certain:
            return None
        used: list[dict[str, Any]] = []
        return used if self._reaches(actor, side, set(), only_certain=False, used=used) else []

    def _reaches(self, actor: str, side: str, seen: set[str], only_certain: bool, used: list[dict[str, Any]]) -> bool:
        if actor in seen:
            return False
        seen.add(actor)
        a = self.facts.actors.get(actor)
        if a is None:
            return False
        if any(self.side_code.get(s) == side for s in a["side_of"]):
            return True
        found = False
        for pred, targets in ((ON_SIDE, a["on_side"]), (PART_OF, a["part_of"])):
            for t in targets:
                doubt = self.fact(actor, pred, t)
                if doubt is not None and only_certain:
                    continue
                ok = (self.side_code.get(t) == side) if pred == ON_SIDE else self._reaches(t, side, seen, only_certain,
                                                                                          used)
                if ok:
                    if doubt is not None and doubt not in used:
                        used.append(doubt)
                    found = True
        return found

    def pursuit_doubts(self, goal: str, pursuers: Iterable[dict[str, Any]], side: str) -> list[dict[str, Any]] | None:
        """The uncertain facts when EVERY pursuit of ``goal`` by ``side`` is uncertain, else None."""
        doubts: list[dict[str, Any]] = []
        any_pursuit = False
        for p in pursuers:
            any_pursuit = True
            own = self.fact(str(p["actor"]), PURSUES, goal, p.get("since"))
            member = self.membership(str(p["actor"]), side)
            if own is None and member is None:
                return None
            doubts += ([own] if own else []) + (member or [])
        return _unique(doubts) if any_pursuit else None

    def joint_doubts(self, inst: Instrument, goal: str, sides: tuple[str, str]) -> list[dict[str, Any]] | None:
        """The uncertain facts when ``inst`` is joint, or serves ``goal``, only through them; else None."""
        doubts: list[dict[str, Any]] = []
        for side in sides:
            per_side: list[dict[str, Any]] = []
            certain = False
            for party, codes in sorted(inst.party_sides.items()):
                if side not in codes:
                    continue
                own = self.fact(inst.iri, PARTY, party)
                member = self.membership(party, side)
                if own is None and member is None:
                    certain = True
                    break
                per_side += ([own] if own else []) + (member or [])
            if not certain:
                doubts += per_side
        via = [g for g in sorted(inst.addresses) if g == goal or goal in self.facts.ancestors.get(g, set())]
        if via and all(self.fact(inst.iri, ADDRESSES, g) for g in via):
            doubts += [self.fact(inst.iri, ADDRESSES, g) for g in via]  # type: ignore[misc]
        return _unique(doubts) or None


def _unique(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for f in items:
        if f not in out:
            out.append(f)
    return sorted(out, key=lambda f: (f["subject"], f["predicate"], f["object"], str(f.get("since") or "")))


def gap_doubts(checker: Checker, goal: str, pursuers: dict[str, list[dict[str, Any]]],
               sides: tuple[str, str]) -> list[dict[str, Any]]:
    """Why a gap may not be one: the uncertain pursuits that alone make ``goal`` shared."""
    out: list[dict[str, Any]] = []
    for side in sides:
        found = checker.pursuit_doubts(goal, pursuers.get(side, []), side)
        if found:
            out += [{**describe(checker.facts, f), "side": side,
                     "effect": f"without it, {side} does not pursue the goal and it is not a shared goal"}
                    for f in found]
    return out


def covered_doubts(checker: Checker, goal: str, joint: list[str], sides: tuple[str, str]) -> list[dict[str, Any]]:
    """Why a covered goal may be a gap: every joint instrument covering it rests on an uncertain fact
    (empty when at least one is certain)."""
    out: list[dict[str, Any]] = []
    for iri in sorted(set(joint)):
        inst = checker.facts.instruments.get(iri)
        found = checker.joint_doubts(inst, goal, sides) if inst is not None else None
        if not found:
            return []
        out += [{**describe(checker.facts, f), "instrument": iri,
                 "effect": f"without it, {inst.label} is not a joint instrument for the goal"}  # type: ignore[union-attr]
                for f in found]
    return out


__all__ = ["Checker", "covered_doubts", "describe", "gap_doubts"]
