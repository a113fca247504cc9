"""The analyst's report as plain data: the brief's method end to end, for one date and two sides.

For each shared goal: its status (covered by joint instruments, or a gap), who pursues it on each
side since when and stated where, the joint instruments, the instruments each side uses alone, the
divergences that bear on it, the feasible joint actions (for a gap) and the uncertain facts its
status rests on. Record-wide: the instrument-type matrix, instruments per year by side, incidents
answered jointly vs separately, the diff from the brief's date, and the network metrics. Every
source cited is in ``sources`` with its title, identifier and URL. The views render this data
(:mod:`cyberkg.views.report_html`, :mod:`cyberkg.views.report_md`); nothing here formats.

The coverage model (issue #15): each shared goal has ``status`` (gap|covered) and, when covered,
``coverage`` {commitment, scope}; every instrument row has ``lifecycle``, ``commitment``, ``scope``
and ``partners``; what a side does without the other is ``alone`` or ``with_partners``. As-of means
as of: no instrument, pursuit, divergence, incident or attribution that starts after the date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cyberkg.analysis import catalogue as queries
from cyberkg.analysis.diff import diff as diff_between
from cyberkg.analysis.facts import Facts, day, load_facts
from cyberkg.analysis.feasible import RULE as FEASIBLE_RULE
from cyberkg.analysis.gaps import GapReport, facts_later, find_gaps, side_iris
from cyberkg.analysis.metrics import metrics as network_metrics
from cyberkg.analysis.snapshot import concurrent
from cyberkg.analysis.uncertainty import Checker, gap_doubts
from cyberkg.core.output import plain

BRIEF_DATE = "2020-11-26"
BRIEF = ("EU-US Cybersecurity Policy Coming Together (Interface policy brief, 26 November 2020): identify the "
         "joint strategic goals, the commonalities and the divergences of EU and US cyber policy, and from them the "
         "instruments the two sides could implement together.")


def rules(report: GapReport) -> list[dict[str, str]]:
    a, b = report.sides
    window = report.event_window
    return [
        {"name": "Gap", "text": report.rule},
        {"name": "Sides", "text": "An actor is on a side when it is the side's actor or part of it (ENISA -> EU; "
                                  "FBI -> DOJ -> US). Membership is not enough: a Germany-US arrangement is "
                                  "bilateral, not EU-US."},
        {"name": "Joint", "text": f"An instrument is joint when its parties are on both sides ({a} and {b}). "
                                  "Coordinated but separate actions are separate instruments answering the same "
                                  "incident."},
        {"name": "In force", "text": "A standing instrument (agreement, legislation, regime, framework, strategy, "
                                     "body, taskforce, working arrangement, dialogue) is in force on a date when its "
                                     "start (entry into force, else adoption) is on or before it and it has not "
                                     "ended, expired, been struck down or been superseded by a successor by then."},
        {"name": "Events", "text": "An event (exercise, operation, declaration or statement, listing, indictment) is "
                                   f"never in force: it counts as evidence of practice for {window} year(s) after its "
                                   "date (--event-window), and as history after that."},
        {"name": "Commitment", "text": "Each instrument is binding (treaty, agreement, legal act), institutional "
                                       "(standing body, regime, working arrangement, taskforce, dialogue), political "
                                       "(declaration, statement, strategy, framework) or operational (exercise, "
                                       "operation, listing, indictment, programme), from its type unless the record "
                                       "says otherwise; a covered goal states its strongest joint coverage"
                                       + (f"; only {report.min_commitment} or stronger counts here."
                                          if report.min_commitment not in (None, "operational") else ".")},
        {"name": "Scope", "text": f"A joint instrument is bilateral (every party on {a} or {b}), plurilateral (named "
                                  "other parties) or multilateral (a UN text, or 10 or more parties on no side)"
                                  + ("; only bilateral ones count here." if report.bilateral_only else ".")},
        {"name": "Partners", "text": "What one side does without the other is 'alone' or 'with third partners', "
                                     "named (an EU member state is a partner, not the EU)."},
        {"name": "Pursued", "text": "A side pursues a goal when a strategy states it, or when one of its standing "
                                    "instruments addresses it (inferred: the instrument is named)."},
        {"name": "As of", "text": "Nothing that starts after the date (instrument, pursuit, divergence, incident, "
                                  "attribution) is shown."},
        {"name": "Serves", "text": "An instrument serves the goal it addresses and every broader goal of it."},
        {"name": "Dialogues", "text": "Dialogues and fora count as joint instruments" + (
            "." if report.count_dialogues else " only with --count-dialogues (not in this report).")},
        {"name": "Feasible joint actions", "text": FEASIBLE_RULE},
        {"name": "Uncertain facts", "text": report.uncertainty_rule},
    ]


def _alone(facts: Facts, goal: str, on: dt.date, sides: tuple[str, str], window: int
           ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """Instruments covering ``goal`` on ``on`` with parties on one side only, alone and with third
    partners (the catalogue's single-side-instruments-for-goal, from the facts already read)."""
    alone: dict[str, list[dict[str, Any]]] = {}
    partnered: dict[str, list[dict[str, Any]]] = {}
    for inst in facts.serving(goal):
        who = inst.side_class(*sides)
        if inst.covers(on, window) and who in sides:
            row = inst.row(*sides)
            (partnered if row["partners"] else alone).setdefault(str(who), []).append(row)
    return alone, partnered


def build_report(ds: Any, as_of: str | dt.date = "today", sides: tuple[str, str] | list[str] = ("EU", "US"),
                 count_dialogues: bool = False, diff_from: str = BRIEF_DATE, lang: str | None = None,
                 event_window: int = 2, min_commitment: str | None = None,
                 bilateral_only: bool = False) -> dict[str, Any]:
    """Everything the report shows, as plain data (JSON-ready; the same input gives the same data)."""
    pending = facts_later(ds)  # read while the snapshot's queries run (the embedded store)
    given: Any = pending if pending is not None else load_facts(ds)
    report = find_gaps(ds, as_of, sides, count_dialogues, lang=lang, facts=given, event_window=event_window,
                       min_commitment=min_commitment, bilateral_only=bilateral_only)
    facts: Facts = pending.result() if pending is not None else given
    codes = report.sides
    pair = (codes[0], codes[1])
    on = dt.date.fromisoformat(report.as_of)
    iris = side_iris(ds, codes)
    params = {"sideA": str(iris[codes[0]]), "sideB": str(iris[codes[1]]), "asOf": report.as_of}
    # three more queries (the annex matrix, the brief's claims, the divergences' positions) run on
    # other threads while the goals, the diff and the metrics are put together here
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cyberkg-report") if concurrent(ds) else None
    matrix = _soon(pool, _type_matrix, ds, params, codes)
    claims = _soon(pool, _brief_claims, ds, params)
    positions_later = _soon(pool, _positions, ds)
    if pool is not None:
        pool.shutdown(wait=False)  # its threads end with these tasks
    cited: set[str] = set()

    def brief(iri: str, row: dict[str, Any] | None = None) -> dict[str, Any]:
        """The instrument's facts with the query row's model fields (lifecycle, commitment, scope, partners)."""
        b = facts.instruments[iri].row(*pair)
        if row is not None:
            b.update({k: row[k] for k in ("lifecycle", "commitment", "scope", "partners") if k in row})
        cited.update(b["sources"])
        return b

    positions = positions_later()
    possible = {p.goal: p for p in report.possible}
    goals: list[dict[str, Any]] = []
    for g in report.gaps:
        alone = {s: [brief(str(i["instrument"]), i) for i in g.alone.get(s, [])] for s in codes}
        partnered = {s: [brief(str(i["instrument"]), i) for i in g.with_partners.get(s, [])]
                     for s in codes if g.with_partners.get(s)}
        goals.append(_goal(g.goal, g.label, "gap", g.pursuers, [], alone, g.related_joint, g.feasible, g.uncertain,
                           with_partners=partnered))
    checker = Checker(facts)
    for c in report.covered:
        pursuers = facts.pursuers(c.goal, on, codes)
        alone_rows, partner_rows = _alone(facts, c.goal, on, pair, report.event_window)
        alone = {s: [brief(i["instrument"], i) for i in items] for s, items in alone_rows.items()}
        partnered = {s: [brief(i["instrument"], i) for i in items] for s, items in partner_rows.items()}
        doubts = gap_doubts(checker, c.goal, pursuers, pair)  # shared only through an uncertain pursuit
        if c.goal in possible:
            doubts += possible[c.goal].uncertain
        joint = [brief(j["instrument"], j) for j in sorted(c.joint, key=lambda j: j["instrument"])]
        goals.append(_goal(c.goal, c.label, "covered", pursuers, joint, alone, [], [], doubts,
                           possible=c.goal in possible, with_partners=partnered, coverage=c.coverage))
    for item in goals:
        item["divergences"] = _divergences(facts, item["goal"], positions, on)
        for d in item["divergences"]:
            cited.update(d["sources"])
        for ps in item["pursuers"].values():
            cited.update(p["source"] for p in ps if p.get("source"))
        for act in item["feasible"]:
            cited.update(act["sources"])
        for f in item["uncertain"]:
            cited.update(f["sources"])
    changes = diff_between(ds, diff_from, report.as_of, codes, count_dialogues, facts=facts,
                           event_window=event_window) \
        if dt.date.fromisoformat(diff_from) <= on else None
    if changes is not None:
        for change in changes.rows:
            cited.update(change["sources"])
    incidents = _incidents(facts, on, pair)
    figures: dict[str, Any] = {"type_matrix": matrix(), "per_year": _per_year(facts, on, pair),
               "incidents": incidents}
    for inc in incidents["rows"]:
        cited.update(inc["sources"])
    n_gaps = len(report.gaps)
    return {
        "title": f"{codes[0]}–{codes[1]} cyber policy: shared goals, gaps and feasible joint actions",
        "as_of": report.as_of, "sides": codes, "count_dialogues": count_dialogues, "brief": BRIEF,
        "model": report.model,
        "rules": rules(report), "coverage": {**report.coverage, "instruments": len(facts.instruments),
                                              "incidents": len(facts.incidents), "divergences": len(facts.divergences)},
        "summary": {"shared": len(goals), "gaps": n_gaps, "covered": len(goals) - n_gaps,
                    "possible_gaps": len(possible), "uncertain_gaps": sum(1 for g in report.gaps if g.uncertain),
                    "feasible_actions": sum(len(g.feasible) for g in report.gaps)},
        "goals": goals, "figures": figures, "brief_claims": claims(),
        "diff": changes.to_json() if changes is not None else None,
        "metrics": network_metrics(as_of=on, sides=codes, facts=facts),
        "sources": [facts.cite(s) for s in sorted(cited)],
    }


def _soon(pool: ThreadPoolExecutor | None, fn: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    """``fn(*args)`` started on ``pool`` (its answer, or its exception, when called), or run now."""
    if pool is None:
        value = fn(*args)
        return lambda: value
    return pool.submit(fn, *args).result


def _goal(goal: str, label: str, status: str, pursuers: dict[str, list[dict[str, Any]]], joint: list[dict[str, Any]],
          alone: dict[str, list[dict[str, Any]]], related: list[dict[str, Any]], feasible: list[dict[str, Any]],
          uncertain: list[dict[str, Any]], possible: bool = False,
          with_partners: dict[str, list[dict[str, Any]]] | None = None,
          coverage: dict[str, Any] | None = None) -> dict[str, Any]:
    out = {"goal": goal, "label": label, "status": status, "possible_gap": possible, "uncertain": uncertain,
           "pursuers": {s: sorted(ps, key=lambda p: (str(p.get("since")), str(p["actor"]), str(p.get("inferredFrom"))))
                        for s, ps in sorted(pursuers.items())},
           "joint": joint, "alone": alone, "with_partners": with_partners or {}, "related_joint": related,
           "feasible": feasible}
    if coverage is not None:
        out["coverage"] = coverage
    return out


def _positions(ds: Any) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in queries.run(queries.find("divergences/divergences-by-goal"), ds).rows:
        items = out.setdefault(str(r["divergence"]), [])
        entry = {"side": plain(r["side"]), "position": plain(r["position"]), "sources": []}
        found = next((p for p in items if p["side"] == entry["side"] and p["position"] == entry["position"]), None)
        if found is None:
            items.append(entry)
            found = entry
        if r.get("source") is not None and str(r["source"]) not in found["sources"]:
            found["sources"].append(str(r["source"]))
    return out


def _divergences(facts: Facts, goal: str, positions: dict[str, list[dict[str, Any]]], on: dt.date
                 ) -> list[dict[str, Any]]:
    """Divergences on the goal itself or on a broader goal of it, recorded on or before ``on``
    (an undated divergence is shown: nothing says it starts later)."""
    broader = facts.ancestors.get(goal, set())
    out = []
    for iri, d in sorted(facts.divergences.items()):
        since = day(d.get("since"))
        if since is not None and since > on:
            continue
        on_goal = goal in d["goals"]
        via = sorted(g for g in d["goals"] if g in broader)
        if not on_goal and not via:
            continue
        pos = sorted(positions.get(iri, []), key=lambda p: (str(p["side"]), str(p["position"])))
        srcs = sorted(set(d["sources"]) | {s for p in pos for s in p["sources"]})
        out.append({"divergence": iri, "label": d["label"], "since": d["since"], "positions": pos, "sources": srcs,
                    "via": None if on_goal else [facts.goal_labels.get(g, g) for g in via]})
    return out


def _type_matrix(ds: Any, params: dict[str, str], codes: list[str]) -> list[dict[str, Any]]:
    """The brief's annex matrix by instrument FUNCTION (:mod:`cyberkg.analysis.matrix`, #16): one row per
    function with its class, the counts per cell and the instruments behind each; ``type`` is the
    function's slug and side columns count alone plus with third partners (the views' shape)."""
    from cyberkg.analysis.matrix import build_matrix

    a, b = codes
    m = build_matrix(ds, params["asOf"], (a, b), int(params.get("eventWindow") or 2))
    out = []
    for r in m.rows:
        row, c = r.to_json(m.sides), r.counts
        out.append({"type": r.function, "label": r.label, a: c["A-alone"] + c["A-with-partners"],
                    b: c["B-alone"] + c["B-with-partners"], "joint": c["joint"], "class": row["class"],
                    "counts": row["counts"], "instruments": row["instruments"], "annex": r.annex})
    return out


def _brief_claims(ds: Any, params: dict[str, str]) -> list[dict[str, Any]]:
    """The founding brief's claims compared with the record on the report's date (#16)."""
    from cyberkg.analysis.claims import check_claims

    return check_claims(ds, params["asOf"], {k: params[k] for k in ("sideA", "sideB")})


def _per_year(facts: Facts, on: dt.date, sides: tuple[str, str]) -> list[dict[str, Any]]:
    a, b = sides
    years: dict[int, dict[str, Any]] = {}
    for inst in facts.instruments.values():
        who = inst.side_class(a, b)
        if who is None or inst.start is None or inst.start > on:
            continue
        row = years.setdefault(inst.start.year, {"year": inst.start.year, a: 0, b: 0, "joint": 0})
        row[who] += 1
    return [years[y] for y in sorted(years)]


def _incidents(facts: Facts, on: dt.date, sides: tuple[str, str]) -> dict[str, Any]:
    """Incidents that happened on or before ``on`` and the responses started by then."""
    a, b = sides
    rows = []
    for iri, inc in sorted(facts.incidents.items(), key=lambda kv: (str(kv[1]["label"]), kv[0])):
        when = day(inc.get("date"))
        if when is not None and when > on:
            continue
        by: dict[str, list[dict[str, Any]]] = {a: [], b: [], "joint": []}
        for inst in facts.responding(iri):
            who = inst.side_class(a, b)
            if inst.started(on) and who is not None:
                by[who].append(inst.brief())
        if not any(by.values()):
            continue
        how = "jointly" if by["joint"] else "separately" if by[a] and by[b] else f"{a} only" if by[a] else f"{b} only"
        srcs = sorted({s for items in by.values() for i in items for s in i["sources"]})
        rows.append({"incident": iri, "label": inc["label"], "date": inc.get("date"), "how": how,
                     "responses": by, "sources": srcs})
    counts = {k: sum(1 for r in rows if r["how"] == k) for k in ("jointly", "separately", f"{a} only", f"{b} only")}
    return {"rows": rows, "counts": counts}


__all__ = ["BRIEF", "BRIEF_DATE", "build_report", "rules"]
