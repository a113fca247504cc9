"""``cyberkg gaps`` for a terminal: one block per gap, wrapped to the terminal's width, nothing cut
(a word or URL longer than the line stays whole on its own line)."""

from __future__ import annotations

import shutil
import textwrap
from typing import Any

UNWRAPPED = 100_000


def width() -> int:
    """``COLUMNS`` when set, else the terminal's width; at least 40. Not a terminal (a pipe, a file):
    lines are not wrapped, so ``grep`` sees every item whole on one line."""
    import os
    import sys

    if os.environ.get("COLUMNS", "").isdigit():
        return max(40, int(os.environ["COLUMNS"]))
    if sys.stdout.isatty():
        return max(40, shutil.get_terminal_size((100, 24)).columns)
    return UNWRAPPED


def _wrap(text: str, indent: int, cols: int, hang: int = 2) -> list[str]:
    return textwrap.wrap(text, width=cols, initial_indent=" " * indent, subsequent_indent=" " * (indent + hang),
                         break_long_words=False, break_on_hyphens=False) or [" " * indent]


def _kind(i: dict[str, Any]) -> str:
    """"agreement, binding" / "exercise, operational event"."""
    extra = ", ".join(x for x in (i.get("commitment"), "event" if i.get("lifecycle") == "event" else None) if x)
    return f"{i['type']}, {extra.replace(', event', ' event')}" if extra else str(i["type"])


def blocks(report: Any, cols: int | None = None) -> str:
    """The gap report (a :class:`cyberkg.analysis.gaps.GapReport`) as text blocks."""
    cols = cols or width()
    a, b = report.sides
    out: list[str] = []
    cov = report.coverage
    out += _wrap(f"Gaps as of {report.as_of} ({a} vs {b}): {len(report.gaps)} shared goal(s) with no joint instrument",
                 0, cols)
    out += _wrap(f"Rule: {report.rule}", 0, cols)
    out += _wrap(f"Uncertainty: {report.uncertainty_rule}", 0, cols)
    out += _wrap(f"Record: {cov['sources']} sources dated {cov['first_source']} to {cov['last_source']}.", 0, cols)
    if getattr(report, "covered", None):
        out += _wrap("Covered (strongest joint coverage): " + "; ".join(
            f"{c.label} ({c.coverage['commitment']}, {c.coverage['scope']})" for c in report.covered) + ".", 0, cols)
    for n, g in enumerate(report.gaps, start=1):
        out.append("")
        out += _wrap(f"{n}. {g.label}  [GAP{' · UNCERTAIN' if g.uncertain else ''}]", 0, cols)
        out += _wrap(g.goal, 3, cols)
        for side in (a, b):
            out += _wrap(f"Pursued by {side}:", 3, cols)
            for p in g.pursuers.get(side, []) or [None]:
                if p is None:
                    out += _wrap("—", 5, cols)
                    continue
                if p.get("inferredFrom"):
                    out += _wrap(f"{p.get('actorLabel')}, since {p.get('since')} — inferred from "
                                 f"{p.get('inferredLabel') or p['inferredFrom']} (a standing instrument for it)",
                                 5, cols)
                    continue
                stated = p.get("sourceTitle") or p.get("source") or "?"
                url = f" <{p['url']}>" if p.get("url") else ""
                out += _wrap(f"{p.get('actorLabel')}, since {p.get('since')} — stated in {stated}{url}", 5, cols)
        for side in (a, b):
            out += _wrap(f"{side} alone:", 3, cols)
            for i in g.alone.get(side, []) or [None]:
                out += _wrap("—" if i is None else f"{i['label']} ({_kind(i)}, from {i['start']})", 5, cols)
            for i in g.with_partners.get(side, []):
                out += _wrap(f"{side} with {', '.join(i['partners'])}: {i['label']} ({_kind(i)}, from {i['start']})",
                             5, cols)
        if g.related_joint:
            out += _wrap("Joint instruments nearby:", 3, cols)
            for j in g.related_joint:
                out += _wrap(f"{j['label']} ({j['type']}, from {j['start']}; {j['relation']} goal: "
                             f"{j['relatedLabel']})", 5, cols)
        out += _wrap("Feasible joint actions:", 3, cols)
        if not g.feasible:
            out += _wrap("none in the record (no function with a basis: commonality, joint or third-partner "
                         "precedent, or a shared incident)", 5, cols)
        for act in g.feasible:
            why = "; ".join(x["text"] for x in act["bases"])
            out += _wrap(f"{act['action']} — {why} (score {act.get('score', 0)})", 5, cols)
            if act.get("blocked"):
                out += _wrap(f"BLOCKED: {act['blocked']['reason']}", 7, cols)
            who = act.get("counterparts") or {}
            if who:
                out += _wrap("counterparts: " + " <-> ".join(f"{s}: {', '.join(who.get(s, [])) or '—'}"
                                                              for s in (a, b)), 7, cols)
            if act.get("venue"):
                out += _wrap(f"venue: {act['venue']['label']}", 7, cols)
            for d in act.get("limited_by") or []:
                out += _wrap(f"limited by: {d['label']}", 7, cols)
            for side in (a, b):
                out += _wrap(f"{side}:", 7, cols)
                for i in act["instruments"][side]:
                    out += _wrap(f"{i['label']} ({i['type']}, from {i['start']})", 9, cols)
        if g.uncertain:
            out += _wrap("Depends on uncertain facts:", 3, cols)
            for f in g.uncertain:
                note = f": {f['note']}" if f.get("note") else ""
                out += _wrap(f"{f['fact']} (confidence {f['confidence']}{note}) — {f['effect']}", 5, cols)
    if report.possible:
        out.append("")
        out += _wrap(f"Possible gaps: {len(report.possible)} covered goal(s) whose every joint instrument rests on an "
                     "uncertain fact", 0, cols)
        for p in report.possible:
            out += _wrap(f"{p.label}  [covered · POSSIBLE GAP]", 3, cols)
            for f in p.uncertain:
                note = f": {f['note']}" if f.get("note") else ""
                out += _wrap(f"{f['fact']} (confidence {f['confidence']}{note}) — {f['effect']}", 5, cols)
    return "\n".join(line.rstrip() for line in out) + "\n"


def diff_blocks(d: Any, cols: int | None = None) -> str:
    """The diff (a :class:`cyberkg.analysis.diff.Diff`) as text: one entry per change and its cause."""
    cols = cols or width()
    counts = ", ".join(f"{k} {v}" for k, v in d.counts().items() if v) or "no change"
    out = _wrap(f"Changes from {d.date_from} to {d.date_to} ({' vs '.join(d.sides)}): {counts}", 0, cols)
    out += _wrap(f"Rule: {d.rule}", 0, cols)
    for r in d.rows:
        out.append("")
        out += _wrap(f"{r['date'] or 'undated'}  {r['change'].upper()}: {r['goalLabel'] or '(no goal)'}", 0, cols)
        out += _wrap(f"cause: {r['cause']}", 3, cols)
        for c in r["citations"]:
            ident = f" [{c['identifier']}]" if c.get("identifier") else ""
            out += _wrap(f"source: {c['title']}{ident} <{c['url']}>", 3, cols)
    return "\n".join(line.rstrip() for line in out) + "\n"


__all__ = ["blocks", "diff_blocks", "width"]
