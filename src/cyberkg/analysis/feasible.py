"""Feasible joint actions for a gap, by FUNCTION (what instruments do), as the founding brief proposes:
from the two sides' commonalities and precedents, limited by their divergences.

Pure over :class:`~cyberkg.analysis.facts.Facts` (instrument functions, parties and their sides,
incidents, divergences with the functions they limit or rule out). For a gap G on a date, the
candidate functions are those either side uses for G (an instrument serving G, covering the date,
parties on one side only, alone or with third partners) and those both sides used separately on the
same incident; strategies are evidence of pursuit and dialogues are venues, never actions. Each
action names its **bases** (:data:`BASES`):

* ``commonality`` — both sides use the function without the other for G;
* ``joint-precedent`` — the two sides already did it together (a joint instrument with the function,
  started by the date), for G (then it is a candidate even when that instrument no longer covers the
  date) or another goal;
* ``third-partner-precedent`` — each side already did it with a third partner (US with the UK, the EU
  with NATO): within each side's practice;
* ``incident`` — both answered the same incident separately with it and no joint instrument with the
  function did (WannaCry, NotPetya -> coordinated listings), one of those instruments serving G.

A function with no basis is not an action. **Counterparts**: the parties on each side of the
instruments behind the bases (Council <-> OFAC). **Venue**: the joint dialogue or forum whose
agenda covers G (it addresses G, else a broader goal, else a narrower one; standing first, then the
latest). **limited_by**: divergences (started by the date) recorded as limiting the function;
**blocked**: a divergence on G (or a broader or narrower goal) recorded as ruling the function out.
**Score** (:data:`SCORE_RULE`): deterministic, its parts shown.

Longer than 350 lines: the four bases, the counterparts, the venue, the limits and the score are one
rule (the brief's method); the per-date indexes that keep it fast at scale live beside it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cyberkg.analysis.facts import Facts, Instrument, day

BASES = ("commonality", "joint-precedent", "third-partner-precedent", "incident")
NOT_ACTIONS = {"strategy": "a strategy is evidence that a side pursues the goal, never an action",
               "dialogue": "a dialogue or forum is a venue, not an action"}
EVENT_WINDOW = 2

WEIGHTS = {"commonality": 3, "joint-precedent": 3, "third-partner-precedent": 2, "incident": 2}
SCORE_RULE = ("score = bases (commonality 3, joint precedent 3, third-partner precedent 2, incident 2 for each "
              "incident, at most 2) + recency (1 when the latest precedent or shared incident answer started "
              "within 5 years before the date) + commitment (1 when a precedent is binding or institutional) + venue "
              "(1 when a joint dialogue covers the goal) - 2 for each divergence that limits the function; a blocked "
              "action scores 0 and is listed last. Ties: function name.")
RULE = ("A feasible joint action is an instrument FUNCTION (what instruments do, whatever their legal form) that "
        "either side uses for the goal, or both used on the same incident, supported by at least one basis: "
        "commonality (both sides use it for the goal without the other), joint precedent (the two sides already did "
        "it together), third-partner precedent (each did it with a third partner), incident (both answered the same "
        "incident separately with it). Strategies (evidence of pursuit) and dialogues (venues) are never actions. "
        "Each action names the counterpart bodies on each side, the venue, the divergences that limit it, whether "
        "one rules it out, and its score: " + SCORE_RULE)

ACTIONS = {
    "restrictive-measures": "coordinated listings under both sanctions regimes",
    "public-attribution": "a coordinated (or joint) public attribution",
    "diplomatic-response": "a joint statement condemning the activity",
    "council-conclusions": "aligned political positions (Council conclusions and a US statement)",
    "lawful-response-support": "a shared framework for a lawful joint response",
    "prosecution": "coordinated indictments or a joint investigation",
    "criminal-law-harmonisation": "an aligned cybercrime legal framework",
    "law-enforcement-operation": "a joint law-enforcement operation",
    "judicial-cooperation": "closer judicial cooperation (mutual legal assistance, extradition)",
    "electronic-evidence-access": "an agreement on cross-border access to electronic evidence",
    "information-sharing": "a joint information-sharing arrangement",
    "exercise": "a joint exercise",
    "incident-response-coordination": "joint incident and crisis response procedures",
    "incident-review": "joint reviews of significant incidents",
    "capacity-building": "a joint capacity-building programme with third countries",
    "security-standards": "mutual recognition or alignment of security standards",
    "security-obligations": "aligned security requirements",
    "certification": "mutual recognition of certification and labels",
    "incident-reporting": "aligned incident-reporting requirements",
    "research-funding": "joint research funding",
    "norms-diplomacy": "a joint initiative on norms of responsible state behaviour",
    "confidence-building": "joint confidence-building measures",
    "data-transfers": "a data-transfer framework",
    "data-protection-safeguards": "shared data-protection safeguards",
    "dedicated-body": "a joint taskforce or liaison body",
    "supply-chain-risk-management": "a joint supply-chain risk assessment",
    "vendor-exclusion": "coordinated restrictions on high-risk vendors",
    "fdi-screening": "cooperation on investment screening",
    "risk-country-identification": "a shared assessment of countries posing risks",
    "coalition-response": "a joint coalition for collective response",
    "red-teaming": "joint red-teaming",
    "workforce-development": "joint training and workforce frameworks",
    "protection-plans": "aligned critical-infrastructure protection plans",
    "declaration-of-intent": "a declaration of intent on cooperation",
    "cooperation-mou": "a memorandum of understanding between agencies",
    "agency-security-programmes": "shared practice for government network security",
    "risk-reviews": "aligned risk reviews",
    "monitoring": "joint threat monitoring",
    "counterintelligence": "counterintelligence cooperation",
    "military-network-defence": "military cyber-defence cooperation",
    "vulnerability-disclosure": "coordinated vulnerability disclosure across both sides",
    "reward-offer": "coordinated reward offers",
    "content-detection": "aligned rules on detecting illegal content online",
    "private-sector-attribution": "joint attribution work with the private sector",
    "sector-reporting": "aligned sector reporting requirements",
    "budget-analysis": "aligned cybersecurity budget analysis",
    "workforce-certification": "mutual recognition of workforce certification",
}


def action_name(function: str) -> str:
    return ACTIONS.get(function, f"a joint {function.replace('-', ' ')}")


# -- the one place that reads the coverage model's results (#15): switch here when it changes --------

def _covers(inst: Instrument, on: dt.date, window: int) -> bool:
    """In force on ``on`` (standing), or an event within the window (the #15 model when present)."""
    covers = getattr(inst, "covers", None)
    if callable(covers):
        return bool(covers(on, window))
    return inst.in_force(on)


def _functions(inst: Instrument) -> set[str]:
    return set(getattr(inst, "functions", set()) or set())


def _strength(inst: Instrument) -> int:
    return {"binding": 4, "institutional": 3, "political": 2, "operational": 1}.get(
        str(getattr(inst, "commitment", None) or ""), 0)


def _third_partners(inst: Instrument, a: str, b: str) -> list[str]:
    labels = getattr(inst, "partner_labels", None)
    if callable(labels):
        return list(labels(a, b))
    return sorted(inst.parties.get(p, p) for p, codes in inst.party_sides.items() if a not in codes and b not in codes)


def _side_parties(inst: Instrument, side: str) -> list[str]:
    return sorted({inst.parties.get(p, p) for p, codes in inst.party_sides.items() if side in codes})


# ----------------------------------------------------------------------------------------------------

def _date(value: Any) -> dt.date | None:
    return value if isinstance(value, dt.date) else day(value)


def _row(inst: Instrument, a: str, b: str, facts: Facts | None = None) -> dict[str, Any]:
    """The instrument's brief row with its functions and third partners: computed once per
    instrument and pair of sides when ``facts`` holds the cache, each call a fresh copy (the same
    instruments recur in every gap's actions: 91k rows for 109 gaps at 240k triples)."""
    cache: dict[Any, Any] = facts.cache.setdefault(("feasible-row", a, b), {}) if facts is not None else {}
    row = cache.get(inst.iri)
    if row is None:
        row = inst.brief()
        row["functions"] = sorted(_functions(inst))
        row["partners"] = _third_partners(inst, a, b)
        cache[inst.iri] = row
    return {**row, "sources": list(row["sources"]), "functions": list(row["functions"]),
            "partners": list(row["partners"])}


def feasible_actions(goal: str, alone: dict[str, list[dict[str, Any]]] | None, facts: Facts, on: dt.date,
                     sides: tuple[str, str], window: int = EVENT_WINDOW) -> list[dict[str, Any]]:
    """The feasible joint actions for ``goal`` (a gap on ``on``), ranked. ``alone`` (side code -> rows
    with ``instrument``) may name what each side does without the other for the goal; the facts are
    the reference (instruments serving the goal, covering the date, parties on one side)."""
    a, b = sides
    one_side: dict[str, dict[str, list[Instrument]]] = {a: {}, b: {}}  # side -> function -> instruments
    named = {str(r["instrument"]) for rows in (alone or {}).values() for r in rows}
    for inst in facts.serving(goal):
        who = inst.side_class(a, b)
        if who not in (a, b) or not (_covers(inst, on, window) or inst.iri in named):
            continue
        for f in _functions(inst):
            one_side[str(who)].setdefault(f, []).append(inst)
    incidents = _separate_responses(facts, on, sides)
    candidates = set(one_side[a]) | set(one_side[b])
    for inst in facts.serving(goal):  # what the two sides once did together for the goal (now lapsed)
        if inst.side_class(a, b) == "joint" and inst.started(on):
            candidates |= _functions(inst)
    for per_f in incidents.values():
        for f, per in per_f.items():
            if any(goal in facts.instruments[i].serves for i in per[a] + per[b]):
                candidates.add(f)
    out = []
    for f in sorted(candidates - set(NOT_ACTIONS)):
        act = _action(f, goal, one_side, incidents, facts, on, sides, window)
        if act is not None:
            out.append(act)
    out.sort(key=lambda x: (x["blocked"] is not None, -x["score"], x["function"]))
    return out


def _action(f: str, goal: str, one_side: dict[str, dict[str, list[Instrument]]],
            incidents: dict[str, dict[str, dict[str, list[str]]]], facts: Facts, on: dt.date,
            sides: tuple[str, str], window: int = EVENT_WINDOW) -> dict[str, Any] | None:
    a, b = sides
    bases: list[dict[str, Any]] = []
    behind: list[Instrument] = []

    def basis(name: str, insts: list[Instrument], text: str, incs: list[dict[str, Any]] | None = None,
              partners: list[str] | None = None) -> None:
        insts = sorted({i.iri: i for i in insts}.values(), key=lambda i: (i.start or dt.date.min, i.iri))
        behind.extend(insts)
        bases.append({"basis": name, "text": text, "instruments": [_row(i, a, b, facts) for i in insts],
                      "incidents": incs or [], "partners": partners or []})

    if one_side[a].get(f) and one_side[b].get(f):
        basis("commonality", one_side[a][f] + one_side[b][f], "both sides use it for the goal without the other")
    joint, with_partners = _precedents(f, facts, on, sides)
    if joint:
        for_goal = any(goal in i.serves for i in joint)
        basis("joint-precedent", joint, "the two sides already did it together"
              + ("" if for_goal else ", for other goals"))
    if with_partners[a] and with_partners[b]:
        partners = sorted({p for s in sides for i in with_partners[s] for p in _third_partners(i, a, b)})
        basis("third-partner-precedent", with_partners[a] + with_partners[b],
              "each side already did it with third partners", partners=partners)
    shared = []
    for incident, per_f in sorted(incidents.items()):
        per = per_f.get(f)
        if per is None or not any(goal in facts.instruments[i].serves for i in per[a] + per[b]):
            continue
        label = facts.incidents.get(incident, {}).get("label") or incident
        shared.append(({"incident": incident, "label": label}, [facts.instruments[i] for i in per[a] + per[b]]))
    if shared:
        names = [s[0]["label"] for s in shared]
        basis("incident", [i for _, insts in shared for i in insts],
              f"both sides answered {', '.join(names)} separately with it", incs=[s[0] for s in shared])
    if not bases:
        return None
    limited, blocked = _divergences(f, goal, facts, on)
    venue = _venue_once(goal, facts, on, sides, window)
    counterparts = {s: sorted({p for i in behind for p in _side_parties(i, s)}) for s in sides}
    score = _score(bases, behind, on, limited, blocked, venue, sides)
    sources = sorted({s for i in behind for s in i.sources} | {s for d in limited for s in d["sources"]}
                     | {s for d in (blocked or {}).get("divergences", []) for s in d["sources"]})
    return {"function": f, "action": action_name(f), "bases": bases, "counterparts": counterparts, "venue": venue,
            "limited_by": limited, "blocked": blocked, "score": score["total"], "score_parts": score,
            "instruments": {s: [_row(i, a, b, facts) for i in sorted({x.iri: x for x in behind
                                                                if s in x.sides}.values(), key=lambda i: i.iri)]
                            for s in sides},
            "sources": sources, "citations": [facts.cite(s) for s in sources]}


def _precedents(f: str, facts: Facts, on: dt.date, sides: tuple[str, str]
                ) -> tuple[list[Instrument], dict[str, list[Instrument]]]:
    """The instruments with function ``f`` started by ``on``: the joint ones, and per side those with
    third partners — the same for every goal, so read once per function, date and pair of sides
    (from an index of the instruments by function, in the record's order)."""
    key = ("feasible-precedents", f, on, sides)
    if key not in facts.cache:
        if "feasible-by-function" not in facts.cache:
            index: dict[str, list[Instrument]] = {}
            for inst in facts.instruments.values():
                for fn in _functions(inst):
                    index.setdefault(fn, []).append(inst)
            facts.cache["feasible-by-function"] = index
        a, b = sides
        started = [i for i in facts.cache["feasible-by-function"].get(f, []) if i.started(on)]
        joint = [i for i in started if i.side_class(a, b) == "joint"]
        with_partners = {s: [i for i in started if i.side_class(a, b) == s and _third_partners(i, a, b)]
                         for s in sides}
        facts.cache[key] = (joint, with_partners)
    joint, with_partners = facts.cache[key]
    return list(joint), {s: list(v) for s, v in with_partners.items()}


def _venue_once(goal: str, facts: Facts, on: dt.date, sides: tuple[str, str],
                window: int = EVENT_WINDOW) -> dict[str, Any] | None:
    """:func:`_venue`, computed once per goal, date, sides and window (each action of a gap asks);
    each call a fresh copy."""
    key = ("feasible-venue", goal, on, sides, window)
    if key not in facts.cache:
        facts.cache[key] = _venue(goal, facts, on, sides, window)
    venue = facts.cache[key]
    return None if venue is None else {**venue, "sources": list(venue["sources"])}


def _divergences(f: str, goal: str, facts: Facts, on: dt.date) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    related = {goal} | facts.ancestors.get(goal, set()) | {g for g, anc in facts.ancestors.items() if goal in anc}
    limited, ruling = [], []
    for iri, d in sorted(facts.divergences.items()):
        since = _date(d.get("since"))
        if since is not None and since > on:  # no look-ahead
            continue
        row = {"divergence": iri, "label": d["label"], "since": d.get("since"), "sources": list(d.get("sources", []))}
        if f in d.get("rules_out", []) and related & set(d.get("goals", [])):
            ruling.append(row)
        elif f in d.get("limits", []):
            limited.append(row)
    blocked = None
    if ruling:
        blocked = {"reason": "; ".join(f"the record shows {r['label']} rules it out" for r in ruling),
                   "divergences": ruling}
    return limited, blocked


def _venue(goal: str, facts: Facts, on: dt.date, sides: tuple[str, str],
           window: int = EVENT_WINDOW) -> dict[str, Any] | None:
    """The joint dialogue or forum whose agenda covers the goal, on the date (a meeting, an event,
    only within the event window)."""
    a, b = sides
    broader = facts.ancestors.get(goal, set())
    best: tuple[tuple[int, int, str], Instrument, str] | None = None
    open_key = ("feasible-venues", on, sides, window)  # the joint dialogues open on the date: once per date
    if open_key not in facts.cache:
        facts.cache[open_key] = [
            inst for inst in facts.instruments.values()
            if "dialogue" in _functions(inst) and inst.side_class(a, b) == "joint" and inst.started(on)
            and not (inst.end is not None and inst.end <= on)
            and not (getattr(inst, "lifecycle", "standing") == "event" and not _covers(inst, on, window))]
    for inst in facts.cache[open_key]:
        if goal in inst.addresses:
            how, rank = "its agenda addresses the goal", 0
        elif inst.addresses & broader:
            how, rank = "its agenda addresses a broader goal", 1
        elif goal in inst.serves:
            how, rank = "its agenda addresses a narrower goal", 2
        else:
            continue
        standing = 0 if getattr(inst, "lifecycle", "standing") == "standing" else 1
        key = (rank, standing, f"{9999 - (inst.start.year if inst.start else 0):04d}{inst.iri}")
        if best is None or key < best[0]:
            best = (key, inst, how)
    if best is None:
        return None
    inst = best[1]
    return {"instrument": inst.iri, "label": inst.label, "start": inst.start.isoformat() if inst.start else None,
            "why": best[2], "sources": list(inst.sources)}


def _score(bases: list[dict[str, Any]], behind: list[Instrument], on: dt.date, limited: list[dict[str, Any]],
           blocked: dict[str, Any] | None, venue: dict[str, Any] | None, sides: tuple[str, str]) -> dict[str, int]:
    parts = {"bases": 0, "recency": 0, "commitment": 0, "venue": 0, "limits": 0}
    for bs in bases:
        weight = WEIGHTS[bs["basis"]]
        parts["bases"] += weight * min(len(bs["incidents"]), 2) if bs["basis"] == "incident" else weight
    precedents = [i for bs in bases if bs["basis"] in ("joint-precedent", "third-partner-precedent", "incident")
                  for i in bs["instruments"]]
    starts = [d for d in (_date(i["start"]) for i in precedents) if d is not None]
    latest = max(starts, default=None)
    if latest is not None and (on - latest).days <= 5 * 366:
        parts["recency"] = 1
    iris = {i["instrument"] for i in precedents}
    if any(_strength(x) >= 3 for x in behind if x.iri in iris):
        parts["commitment"] = 1
    parts["venue"] = 1 if venue else 0
    parts["limits"] = -2 * len(limited)
    total = sum(parts.values())
    parts["total"] = 0 if blocked else max(total, 0)
    return parts


Responses = dict[str, dict[str, dict[str, list[str]]]]


def _separate_responses(facts: Facts, on: dt.date, sides: tuple[str, str]) -> Responses:
    """incident -> function -> side -> instruments, for the functions both sides used without the other
    on that incident and no joint instrument did (instruments started by ``on``); once per date."""
    key = ("separate-responses-by-function", on, sides)
    if key not in facts.cache:
        facts.cache[key] = _separate(facts, on, sides)
    return facts.cache[key]


def _separate(facts: Facts, on: dt.date, sides: tuple[str, str]) -> Responses:
    a, b = sides
    table: dict[str, dict[str, dict[str, list[str]]]] = {}
    for inst in sorted(facts.instruments.values(), key=lambda i: i.iri):
        if not inst.responds or not inst.started(on):
            continue
        who = inst.side_class(a, b)
        if who is None:
            continue
        for incident in inst.responds:
            inc = facts.incidents.get(incident, {})
            when = _date(inc.get("date"))
            if when is not None and when > on:
                continue
            for f in _functions(inst):
                per = table.setdefault(incident, {}).setdefault(f, {a: [], b: [], "joint": []})
                per[who].append(inst.iri)
    out: Responses = {}
    for incident, funcs in table.items():
        for f, per in funcs.items():
            if per[a] and per[b] and not per["joint"]:
                out.setdefault(incident, {})[f] = {a: sorted(per[a]), b: sorted(per[b])}
    return out


__all__ = ["ACTIONS", "BASES", "NOT_ACTIONS", "RULE", "SCORE_RULE", "action_name", "feasible_actions"]
