"""What changed between two dates: goals that became shared, gaps opened and closed, joint
instruments that entered into force or ended (or were struck down), divergences that appeared —
each change with the instrument or pursuit that caused it and its sources.

A goal that became shared says how the pursuit that made it shared is known (``evidence``):
"newly stated" (a strategy states it, as a stated pursuit or as a strategy instrument that
addresses the goal) or "first recorded" (inferred from another standing instrument of the side
that addresses the goal: the record first shows the side acting on it then, which is not the same
as a new policy).

The status of every goal on each date comes from the catalogue's gap queries (the same answer as
``cyberkg gaps``); the causes come from the record's dates (:mod:`cyberkg.analysis.facts`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from cyberkg.analysis.facts import Facts, Instrument, day, load_facts
from cyberkg.analysis.gaps import find_gaps
from cyberkg.core.errors import QueryError

CHANGES = ("became shared", "no longer shared", "gap opened", "gap closed", "joint instrument entered into force",
           "joint instrument ended", "joint instrument struck down", "joint event", "divergence appeared")
RULE = ("A change is counted when it happens after the first date and on or before the second. A goal's status on "
        "each date is the gap analysis's (shared: both sides pursue it; gap: no joint instrument covers it). A goal "
        "becomes shared through a pursuit 'newly stated' in a strategy or 'first recorded' (inferred from a standing "
        "instrument that addresses it). A standing instrument enters into force on its entry-into-force date (else its "
        "adoption) and stops on its end, expiry or strike-down date or when a successor starts; an event (exercise, "
        "operation, statement, listing, indictment) is never in force and covers for the event window after its "
        "date; a divergence appears on the date it is recorded since (undated ones are not dated "
        "changes). The record has no date on which a divergence was resolved, so none is reported as resolved.")
COLUMNS = ["change", "date", "goal", "goalLabel", "cause", "causeKind", "causeIri", "sources"]


@dataclass
class Diff:
    date_from: str
    date_to: str
    sides: list[str]
    count_dialogues: bool
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rule(self) -> str:
        return RULE

    def counts(self) -> dict[str, int]:
        return {c: sum(1 for r in self.rows if r["change"] == c) for c in CHANGES}

    def to_json(self) -> dict[str, Any]:
        return {"from": self.date_from, "to": self.date_to, "sides": self.sides,
                "dialogues_counted": self.count_dialogues, "rule": self.rule, "counts": self.counts(),
                "changes": self.rows}


def _date(text: str | dt.date, name: str) -> dt.date:
    if isinstance(text, dt.date):
        return text
    if text == "today":
        return dt.date.today()
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError as exc:
        raise QueryError(f"{name} {text!r} is not a date; write it like 2020-11-26 (or 'today')") from exc


def _state(ds: Any, on: dt.date, codes: list[str], count_dialogues: bool,
           event_window: int, facts: Facts | None = None) -> tuple[dict[str, str], dict[str, Any]]:
    """Gap goals (IRI -> label) and covered goals (IRI -> (label, joint instrument IRIs)) on ``on``
    (the snapshot kept with ``facts`` when one was read for the date)."""
    report = find_gaps(ds, on, codes, count_dialogues, details=False, event_window=event_window, facts=facts)
    covered = {c.goal: (c.label, {j["instrument"] for j in c.joint}) for c in report.covered}
    return {g.goal: g.label for g in report.gaps}, covered


def _pursuers(facts: Facts, goal: str, on: dt.date, codes: list[str]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(side, str(p["actor"])): p for side, items in facts.pursuers(goal, on, codes).items() for p in items}


def diff(ds: Any, date_from: str | dt.date = "2020-11-26", date_to: str | dt.date = "today",
         sides: tuple[str, str] | list[str] = ("EU", "US"), count_dialogues: bool = False,
         facts: Facts | None = None, event_window: int = 2) -> Diff:
    """The changes between ``date_from`` (excluded) and ``date_to`` (included)."""
    a_day, b_day = _date(date_from, "--from"), _date(date_to, "--to")
    if b_day < a_day:
        raise QueryError(f"--to {b_day} is before --from {a_day}; give the earlier date first")
    codes = [s.strip().upper() for s in sides]
    if len(codes) != 2 or codes[0] == codes[1]:
        raise QueryError("diff compares two different sides, e.g. --sides EU,US")
    facts = facts if facts is not None else load_facts(ds)
    gaps0, cov0 = _state(ds, a_day, codes, count_dialogues, event_window, facts)
    gaps1, cov1 = _state(ds, b_day, codes, count_dialogues, event_window, facts)
    out = Diff(a_day.isoformat(), b_day.isoformat(), codes, count_dialogues)
    rows = out.rows

    def label(goal: str) -> str:
        return gaps1.get(goal) or gaps0.get(goal) or (cov1.get(goal) or cov0.get(goal) or (facts.goal_labels.get(
            goal, goal), None))[0]

    def add(change: str, when: str | None, goal: str | None, cause: str, kind: str, iri: str | None,
            sources: list[str], evidence: str | None = None) -> None:
        row = {"change": change, "date": when, "goal": goal, "goalLabel": label(goal) if goal else None,
               "cause": cause, "causeKind": kind, "causeIri": iri, "sources": sorted(set(sources)),
               "citations": [facts.cite(s) for s in sorted(set(sources))]}
        if evidence is not None:
            row["evidence"] = evidence
        rows.append(row)

    shared0, shared1 = set(gaps0) | set(cov0), set(gaps1) | set(cov1)
    for goal in sorted(shared1 - shared0):
        now = facts.pursuers(goal, b_day, codes)
        # the side that pursued it last made it shared: its first pursuit still running is the cause
        firsts = [min(items, key=lambda p: (str(p["since"]), str(p["actor"]))) for items in now.values()]
        cause = max(firsts, key=lambda p: (str(p["since"]), str(p["actor"])))
        status = "a gap" if goal in gaps1 else "covered"
        inferred = cause.get("inferredFrom")
        src = [cause["source"]] if cause.get("source") else []
        inst = facts.instruments.get(str(inferred)) if inferred else None
        # a pursuit inferred from a strategy the record holds as an instrument is stated by it
        by_strategy = inst is not None and inst.type == "strategy"
        if inferred:
            src = list(inst.sources) if inst is not None else []
            name = inst.label if inst is not None else inferred
            who, since = cause["actorLabel"], cause.get("since")
            text = (f"{who} pursues it since {since}, newly stated in {name} (now {status})" if by_strategy
                    else f"{who} first recorded pursuing it on {since}: {name} addresses it (inferred; now {status})")
        else:
            text = f"{cause['actorLabel']} pursues it since {cause.get('since')}, newly stated (now {status})"
        evidence = "first recorded" if inferred and not by_strategy else "newly stated"
        add("became shared", cause.get("since"), goal, text, "pursuit", cause["actor"], src, evidence)
        if goal in gaps1:
            add("gap opened", cause.get("since"), goal, f"shared since {cause['actorLabel']} pursues it, with no joint "
                "instrument", "pursuit", cause["actor"], src, evidence)
    for goal in sorted(shared0 - shared1):
        before, after = _pursuers(facts, goal, a_day, codes), _pursuers(facts, goal, b_day, codes)
        for p in (p for k, p in sorted(before.items()) if k not in after):
            add("no longer shared", None, goal, f"{p['actorLabel']} no longer pursues it", "pursuit", p["actor"],
                [p["source"]] if p.get("source") else [])
    for goal in sorted((set(gaps1) - set(gaps0)) & shared0):
        covering = [facts.instruments[i] for i in sorted(cov0.get(goal, (None, set()))[1]) if i in facts.instruments]
        stops = {i.iri: _stops(i, event_window) for i in covering}
        ended = [i for i in covering if (s := stops[i.iri]) is not None and a_day < s <= b_day]
        last = max((s for i in ended if (s := stops[i.iri]) is not None), default=None)
        for inst in (i for i in ended if stops[i.iri] == last):  # the last one to stop opened the gap
            add("gap opened", _iso(last), goal, f"{inst.label} ({inst.type}) {_how(inst, event_window)} on "
                f"{_iso(last)}", "instrument", inst.iri, inst.sources + _judgment(inst))
    for goal in sorted(set(gaps0) & set(cov1)):
        new = [facts.instruments[i] for i in sorted(cov1[goal][1] - cov0.get(goal, (None, set()))[1])]
        first = min((i.start for i in new if i.start is not None), default=None)
        for inst in (i for i in new if i.start == first):  # the first one in force closed the gap
            add("gap closed", _iso(inst.start), goal, f"{inst.label} ({inst.type}) {_entry(inst)}",
                "instrument", inst.iri, inst.sources)
    a, b = codes
    for inst in sorted(facts.instruments.values(), key=lambda i: (i.start or dt.date.min, i.iri)):
        if inst.side_class(a, b) != "joint":
            continue
        if not count_dialogues and inst.type == "dialogue-forum":
            continue
        goals = sorted(g for g in inst.addresses)
        if inst.start is not None and a_day < inst.start <= b_day:
            event = inst.lifecycle == "event"
            for goal in goals or [None]:  # type: ignore[list-item]
                add("joint event" if event else "joint instrument entered into force", _iso(inst.start), goal,
                    f"{inst.label} ({inst.type}) on {_iso(inst.start)}" if event
                    else f"{inst.label} ({inst.type}) {_entry(inst)}", "instrument", inst.iri, inst.sources)
        if inst.end is not None and a_day < inst.end <= b_day:
            how = _how(inst, event_window)
            for goal in goals or [None]:  # type: ignore[list-item]
                add("joint instrument struck down" if how == "struck down" else "joint instrument ended",
                    _iso(inst.end), goal, f"{inst.label} ({inst.type}) {how} on {_iso(inst.end)}",
                    "instrument", inst.iri, inst.sources + _judgment(inst))
    for div in sorted(facts.divergences.values(), key=lambda d: (str(d["since"]), d["divergence"])):
        since = day(div["since"])
        if since is not None and a_day < since <= b_day:
            for goal in div["goals"] or [None]:
                add("divergence appeared", since.isoformat(), goal, f"{div['label']} (recorded since {div['since']})",
                    "divergence", div["divergence"], div["sources"])
    rows.sort(key=lambda r: (CHANGES.index(r["change"]), str(r["date"] or ""), str(r["goalLabel"] or ""),
                             str(r["causeIri"] or ""), r["cause"]))
    return out


def _stops(inst: Instrument, window: int) -> dt.date | None:
    """The first day ``inst`` no longer covers: its derived end, or for an event its date plus the
    window (the inverse of :func:`cyberkg.analysis.facts.events_from`)."""
    if inst.lifecycle == "event":
        if inst.start is None:
            return None
        s = inst.start
        return dt.date(s.year + window, s.month, 28 if (s.month, s.day) == (2, 29) else s.day)
    return inst.end


def _how(inst: Instrument, window: int) -> str:
    """Why an instrument stopped covering: struck down, expired, ended, superseded, or an event aged out."""
    if inst.lifecycle == "event":
        return f"(an event) no longer counts as evidence of practice, {window} year(s) after its date,"
    for key, word in (("struckDown", "struck down"), ("expires", "expired"), ("ended", "ended")):
        if inst.dates.get(key) and day(inst.dates[key]) == inst.end:
            return word
    return "superseded"


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _entry(inst: Instrument) -> str:
    adopted, in_force = inst.dates.get("adopted"), inst.dates.get("inForce")
    if in_force and adopted and str(in_force) != str(adopted):
        return f"adopted {adopted}, in force {in_force}"
    return f"in force {in_force or adopted}"


def _judgment(inst: Instrument) -> list[str]:
    return [inst.struck_down_by] if inst.struck_down_by else []


def table_rows(d: Diff) -> tuple[list[str], list[dict[str, Any]]]:
    return COLUMNS, [{**r, "sources": "; ".join(r["sources"])} for r in d.rows]


__all__ = ["CHANGES", "COLUMNS", "Diff", "diff", "table_rows"]
