"""Feasible joint actions for a gap: what both sides already do separately, done together.

Pure over plain data. The rule (stated in every output, :data:`RULE`): for a shared goal with no
joint instrument, an instrument type is a feasible joint action when

* **goal**: both sides use an instrument of that type alone (parties on one side only) for the
  goal, in force on the date; or
* **incident**: both sides answered the same incident separately with an instrument of that type
  (started by the date) and no joint instrument of that type answered it, and at least one of
  those instruments serves the goal (both attribute separately -> a joint attribution statement;
  both sanction separately -> coordinated listings).

Each action lists the instruments that motivate it on each side and their sources.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cyberkg.analysis.facts import Facts

RULE = ("A feasible joint action is an instrument type that both sides already use separately: for the goal "
        "itself (each side has an instrument of that type, parties on its side only, in force on the date), or "
        "for the same incident (each side answered it separately with that type and no joint instrument of that "
        "type did, one of them serving the goal). Each action names the instruments and sources behind it.")

ACTIONS = {
    "attribution-statement": "a joint attribution statement",
    "sanctions-listing": "coordinated sanctions listings",
    "sanctions-regime": "coordinated listings under both sanctions regimes",
    "indictment": "coordinated indictments or a joint investigation",
    "legislation": "aligned legislation (mutual recognition of requirements)",
    "executive-order": "aligned executive measures, announced jointly",
    "strategy": "a joint strategy statement on the goal",
    "policy-framework": "a joint policy framework",
    "standard-framework": "mutual recognition of standards and certification",
    "agreement": "a joint agreement",
    "exercise": "a joint exercise",
    "taskforce": "a joint taskforce",
    "information-sharing-arrangement": "a joint information-sharing arrangement",
    "capacity-building-programme": "a joint capacity-building programme",
    "law-enforcement-operation": "a joint law-enforcement operation",
    "declaration": "a joint declaration",
    "dialogue-forum": "a joint dialogue or forum",
}


def action_name(itype: str) -> str:
    return ACTIONS.get(itype, f"a joint {itype.replace('-', ' ')}")


def feasible_actions(goal: str, alone: dict[str, list[dict[str, Any]]], facts: Facts, on: dt.date,
                     sides: tuple[str, str]) -> list[dict[str, Any]]:
    """The feasible joint actions for ``goal`` (a gap on ``on``), ``alone`` the instruments each
    side uses alone for it (side code -> rows with ``instrument`` and ``type``)."""
    a, b = sides
    found: dict[str, dict[str, Any]] = {}

    def action(itype: str) -> dict[str, Any]:
        return found.setdefault(itype, {"type": itype, "action": action_name(itype), "bases": [],
                                        "instruments": {a: [], b: []}, "sources": []})

    def add(act: dict[str, Any], side: str, iri: str) -> None:
        inst = facts.instruments.get(iri)
        if inst is None or any(i["instrument"] == iri for i in act["instruments"][side]):
            return
        act["instruments"][side].append(inst.brief())

    by_type = {s: {str(r["type"]) for r in alone.get(s, [])} for s in sides}
    for itype in sorted(by_type[a] & by_type[b]):
        act = action(itype)
        act["bases"].append({"basis": "goal", "goal": goal, "text": "both sides use it alone for the goal"})
        for side in sides:
            for r in alone.get(side, []):
                if str(r["type"]) == itype:
                    add(act, side, str(r["instrument"]))
    for incident, responses in sorted(_separate_responses(facts, on, sides).items()):
        for itype, per_side in sorted(responses.items()):
            involved = per_side[a] + per_side[b]
            if not any(goal in facts.instruments[i].serves for i in involved):
                continue
            act = action(itype)
            label = facts.incidents.get(incident, {}).get("label") or incident
            act["bases"].append({"basis": "incident", "incident": incident, "label": label,
                                 "text": f"both sides answered {label} separately with it"})
            for side in sides:
                for i in per_side[side]:
                    add(act, side, i)
    out = []
    for itype in sorted(found):
        act = found[itype]
        for side in sides:
            act["instruments"][side].sort(key=lambda i: (i["start"] or "", i["instrument"]))
        act["sources"] = sorted({s for side in sides for i in act["instruments"][side] for s in i["sources"]})
        act["citations"] = [facts.cite(s) for s in act["sources"]]
        out.append(act)
    return out


Responses = dict[str, dict[str, dict[str, list[str]]]]


def _separate_responses(facts: Facts, on: dt.date, sides: tuple[str, str]) -> Responses:
    """incident -> type -> side -> instruments, for the types both sides used alone and no joint
    instrument used on that incident (instruments started by ``on``); computed once per date."""
    key = ("separate-responses", on, sides)
    if key not in facts.cache:
        facts.cache[key] = _separate(facts, on, sides)
    return facts.cache[key]


def _separate(facts: Facts, on: dt.date, sides: tuple[str, str]) -> Responses:
    a, b = sides
    table: Responses = {}
    for inst in sorted(facts.instruments.values(), key=lambda i: i.iri):
        if not inst.responds or not inst.started(on):
            continue
        who = inst.side_class(a, b)
        if who is None:
            continue
        for incident in inst.responds:
            per = table.setdefault(incident, {}).setdefault(inst.type, {a: [], b: [], "joint": []})
            per[who].append(inst.iri)
    out: Responses = {}
    for incident, types in table.items():
        for itype, per in types.items():
            if per[a] and per[b] and not per["joint"]:
                out.setdefault(incident, {})[itype] = {a: sorted(per[a]), b: sorted(per[b])}
    return out


__all__ = ["ACTIONS", "RULE", "action_name", "feasible_actions"]
