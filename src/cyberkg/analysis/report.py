"""The analyst's report as plain data: the brief's method end to end, for one date and two sides.

For each shared goal: its status (covered by joint instruments, or a gap), who pursues it on each
side since when and stated where, the joint instruments, the instruments each side uses alone, the
divergences that bear on it, the feasible joint actions (for a gap) and the uncertain facts its
status rests on. Record-wide: the instrument-type matrix, instruments per year by side, incidents
answered jointly vs separately, the diff from the brief's date, and the network metrics. Every
source cited is in ``sources`` with its title, identifier and URL. The views render this data
(:mod:`cyberkg.views.report_html`, :mod:`cyberkg.views.report_md`); nothing here formats.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cyberkg.analysis import catalogue as queries
from cyberkg.analysis.diff import diff as diff_between
from cyberkg.analysis.facts import Facts, load_facts
from cyberkg.analysis.feasible import RULE as FEASIBLE_RULE
from cyberkg.analysis.gaps import GapReport, find_gaps, side_iris
from cyberkg.analysis.metrics import metrics as network_metrics
from cyberkg.analysis.uncertainty import Checker, gap_doubts
from cyberkg.core.output import plain

BRIEF_DATE = "2020-11-26"
BRIEF = ("EU-US Cybersecurity Policy Coming Together (Interface policy brief, 26 November 2020): identify the "
         "joint strategic goals, the commonalities and the divergences of EU and US cyber policy, and from them the "
         "instruments the two sides could implement together.")


def rules(report: GapReport) -> list[dict[str, str]]:
    a, b = report.sides
    return [
        {"name": "Gap", "text": report.rule},
        {"name": "Sides", "text": "An actor is on a side when it is the side's actor or part of it (ENISA -> EU; "
                                  "FBI -> DOJ -> US). Membership is not enough: a Germany-US arrangement is "
                                  "bilateral, not EU-US."},
        {"name": "Joint", "text": f"An instrument is joint when its parties are on both sides ({a} and {b}). "
                                  "Coordinated but separate actions are separate instruments answering the same "
                                  "incident."},
        {"name": "In force", "text": "An instrument is in force on a date when its start (entry into force, else "
                                     "adoption) is on or before it and it has not ended or been struck down by then."},
        {"name": "Serves", "text": "An instrument serves the goal it addresses and every broader goal of it."},
        {"name": "Dialogues", "text": "Dialogues and fora count as joint instruments" + (
            "." if report.count_dialogues else " only with --count-dialogues (not in this report).")},
        {"name": "Feasible joint actions", "text": FEASIBLE_RULE},
        {"name": "Uncertain facts", "text": report.uncertainty_rule},
    ]


def _alone(facts: Facts, goal: str, on: dt.date, sides: tuple[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Instruments in force serving ``goal`` with parties on one side only (the catalogue's
    single-side-instruments-for-goal, from the facts already read)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for inst in facts.serving(goal):
        who = inst.side_class(*sides)
        if inst.in_force(on) and who in sides:
            out.setdefault(str(who), []).append(inst.brief())
    return out


def build_report(ds: Any, as_of: str | dt.date = "today", sides: tuple[str, str] | list[str] = ("EU", "US"),
                 count_dialogues: bool = False, diff_from: str = BRIEF_DATE, lang: str | None = None) -> dict[str, Any]:
    """Everything the report shows, as plain data (JSON-ready; the same input gives the same data)."""
    facts = load_facts(ds)
    report = find_gaps(ds, as_of, sides, count_dialogues, lang=lang, facts=facts)
    codes = report.sides
    pair = (codes[0], codes[1])
    on = dt.date.fromisoformat(report.as_of)
    iris = side_iris(ds, codes)
    params = {"sideA": str(iris[codes[0]]), "sideB": str(iris[codes[1]]), "asOf": report.as_of,
              "countDialogues": "true" if count_dialogues else "false"}
    cited: set[str] = set()

    def brief(iri: str) -> dict[str, Any]:
        b = facts.instruments[iri].brief()
        cited.update(b["sources"])
        return b

    positions = _positions(ds)
    possible = {p.goal: p for p in report.possible}
    goals: list[dict[str, Any]] = []
    for g in report.gaps:
        alone = {s: [brief(str(i["instrument"])) for i in g.alone.get(s, [])] for s in codes}
        goals.append(_goal(g.goal, g.label, "gap", g.pursuers, [], alone, g.related_joint, g.feasible, g.uncertain))
    covered: dict[str, tuple[str, list[str]]] = {}
    for r in queries.run(queries.find("gaps/shared-goals-with-joint-instrument"), ds, params).rows:
        covered.setdefault(str(r["goal"]), (str(r["label"]), []))[1].append(str(r["instrument"]))
    checker = Checker(facts)
    for goal, (label, joint) in sorted(covered.items(), key=lambda kv: (kv[1][0], kv[0])):
        pursuers = facts.pursuers(goal, on, codes)
        alone = {s: [brief(i["instrument"]) for i in items] for s, items in _alone(facts, goal, on, pair).items()}
        doubts = gap_doubts(checker, goal, pursuers, pair)  # shared only through an uncertain pursuit
        if goal in possible:
            doubts += possible[goal].uncertain
        goals.append(_goal(goal, label, "covered", pursuers, [brief(i) for i in sorted(set(joint))], alone, [], [],
                           doubts, possible=goal in possible))
    for item in goals:
        item["divergences"] = _divergences(facts, item["goal"], positions)
        for d in item["divergences"]:
            cited.update(d["sources"])
        for ps in item["pursuers"].values():
            cited.update(p["source"] for p in ps if p.get("source"))
        for act in item["feasible"]:
            cited.update(act["sources"])
        for f in item["uncertain"]:
            cited.update(f["sources"])
    changes = diff_between(ds, diff_from, report.as_of, codes, count_dialogues, facts=facts) \
        if dt.date.fromisoformat(diff_from) <= on else None
    if changes is not None:
        for change in changes.rows:
            cited.update(change["sources"])
    incidents = _incidents(facts, on, pair)
    figures: dict[str, Any] = {"type_matrix": _type_matrix(ds, params, codes), "per_year": _per_year(facts, on, pair),
               "incidents": incidents}
    for inc in incidents["rows"]:
        cited.update(inc["sources"])
    n_gaps = len(report.gaps)
    return {
        "title": f"{codes[0]}–{codes[1]} cyber policy: shared goals, gaps and feasible joint actions",
        "as_of": report.as_of, "sides": codes, "count_dialogues": count_dialogues, "brief": BRIEF,
        "rules": rules(report), "coverage": {**report.coverage, "instruments": len(facts.instruments),
                                              "incidents": len(facts.incidents), "divergences": len(facts.divergences)},
        "summary": {"shared": len(goals), "gaps": n_gaps, "covered": len(goals) - n_gaps,
                    "possible_gaps": len(possible), "uncertain_gaps": sum(1 for g in report.gaps if g.uncertain),
                    "feasible_actions": sum(len(g.feasible) for g in report.gaps)},
        "goals": goals, "figures": figures,
        "diff": changes.to_json() if changes is not None else None,
        "metrics": network_metrics(as_of=on, sides=codes, facts=facts),
        "sources": [facts.cite(s) for s in sorted(cited)],
    }


def _goal(goal: str, label: str, status: str, pursuers: dict[str, list[dict[str, Any]]], joint: list[dict[str, Any]],
          alone: dict[str, list[dict[str, Any]]], related: list[dict[str, Any]], feasible: list[dict[str, Any]],
          uncertain: list[dict[str, Any]], possible: bool = False) -> dict[str, Any]:
    return {"goal": goal, "label": label, "status": status, "possible_gap": possible, "uncertain": uncertain,
            "pursuers": {s: sorted(ps, key=lambda p: (str(p.get("since")), str(p["actor"])))
                         for s, ps in sorted(pursuers.items())},
            "joint": joint, "alone": alone, "related_joint": related, "feasible": feasible}


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


def _divergences(facts: Facts, goal: str, positions: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Divergences on the goal itself or on a broader goal of it."""
    broader = facts.ancestors.get(goal, set())
    out = []
    for iri, d in sorted(facts.divergences.items()):
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
    a, b = codes
    names = {"joint": "jointly", "both-separately": "both separately", "A-only": f"{a} only", "B-only": f"{b} only"}
    given = {k: v for k, v in params.items() if k != "countDialogues"}
    rows = queries.run(queries.find("instruments/instrument-types-by-side-pattern"), ds, given).rows
    return [{"type": plain(r["type"]), a: int(plain(r["aAlone"]) or 0), b: int(plain(r["bAlone"]) or 0),
             "joint": int(plain(r["joint"]) or 0), "class": names.get(str(r["class"]), str(r["class"]))}
            for r in rows if str(r["class"]) != "neither"]


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
    a, b = sides
    rows = []
    for iri, inc in sorted(facts.incidents.items(), key=lambda kv: (str(kv[1]["label"]), kv[0])):
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
