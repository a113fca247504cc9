"""The gap view as a picture of the argument, with a deterministic layout (no physics).

Rows, one per shared goal (gaps first — the one with the best-ranked feasible action on top, then
where the sides do most alone — then covered goals): the goal in
the middle column (gaps with a thick pink border, covered goals with their coverage commitment),
the first side's own instruments for it on the left and the other side's on the right, grouped by
function (``functions`` on the record, else the legal form) into one node with a count ("EU: 6
sanctions listings") that expands on click; under a gap, its feasible joint actions, each drawn
between the counterpart bodies of the two sides; under a covered goal, its joint instruments.

Reads whatever the analysis gives (``Gap.feasible`` rows, ``coverage``, ``functions``) and degrades
gracefully when a field is missing: the view says what it fell back to.

Longer than 350 lines: the rows, the groups, the actions and their coordinates form one layout whose
parts share the same geometry constants; split, each piece would need the others' measures.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx

from cyberkg.views.network import local_name

STEP = 58.0  # vertical distance between two items of a row
ROW_GAP = 46.0  # space between two goals' rows
X_GROUP = 470.0  # a side's groups
X_BODY = 235.0  # counterpart bodies of an action, and the members of a joint group
X_MEMBER = 760.0  # a side's instruments when their group is expanded
MAX_ACTIONS = 3  # the best-ranked actions drawn per gap (all of them in the gap's details)
MAX_BODIES = 3  # counterpart bodies drawn per side and action
MAX_GROUPS = 4  # groups per side and goal; beyond, "N other instruments"
FUNCTION_ATTRS = ("function", "functions", "hasFunction", "instrumentFunction")
# The commitment of an instrument type when the record's model gives none (issue 15's defaults).
TYPE_COMMITMENT = {
    "treaty": "binding",
    "agreement": "binding",
    "legislation": "binding",
    "legal act": "binding",
    "regulation": "binding",
    "directive": "binding",
    "executive order": "binding",
    "body": "institutional",
    "regime": "institutional",
    "working arrangement": "institutional",
    "taskforce": "institutional",
    "dialogue": "institutional",
    "forum": "institutional",
    "declaration": "political",
    "statement": "political",
    "joint statement": "political",
    "strategy": "political",
    "framework": "political",
}
COMMITMENT_ORDER = ("binding", "institutional", "political", "operational")


def plural(word: str, n: int) -> str:
    if n == 1 or not word or word.endswith("s"):
        return word
    if word.endswith("y") and not word.endswith(("ay", "ey", "oy", "uy")):
        return word[:-1] + "ies"
    return word + "s"


def _first(value: Any) -> str | None:
    if isinstance(value, list | tuple):
        return str(value[0]) if value else None
    return str(value) if value else None


def function_of(node: dict[str, Any], fallback_type: str | None = None) -> tuple[str, str]:
    """(grouping key, how it was found): the instrument's first function, else its legal form."""
    for attr in FUNCTION_ATTRS:
        f = _first(node.get(attr))
        if f:
            return local_name(f).replace("-", " ") if "://" in f else f, "function"
    t = _first(node.get("instrumentType")) or fallback_type or "instrument"
    return (local_name(t).replace("-", " ") if "://" in t else t).lower(), "type"


def commitment_of(node: dict[str, Any], fallback_type: str | None = None) -> tuple[str, str]:
    """(level, where from): the record's/model's commitment, else the default of its type."""
    c = _first(node.get("commitment"))
    if c:
        return local_name(c).lower(), "record"
    t = (_first(node.get("instrumentType")) or fallback_type or "").lower().replace("-", " ")
    return TYPE_COMMITMENT.get(t, "operational"), "type"


def covered_goals(ds: Any, report: Any) -> list[dict[str, Any]]:
    """Shared goals covered by a joint instrument on the report's date: from the report when it
    carries them, else the catalogue query ``gaps/shared-goals-with-joint-instrument``."""
    rows = getattr(report, "covered", None)
    if rows is not None:
        return [
            dict(r) if isinstance(r, dict) else {**vars(r), "coverage": getattr(r, "coverage", None)} for r in rows
        ]
    if ds is None:
        return []
    from cyberkg.analysis import catalogue
    from cyberkg.analysis.gaps import side_iris

    iris = side_iris(ds, list(report.sides))
    params = {
        "sideA": str(iris[report.sides[0]]),
        "sideB": str(iris[report.sides[1]]),
        "asOf": report.as_of,
        "countDialogues": "true" if report.count_dialogues else "false",
    }
    out: dict[str, dict[str, Any]] = {}
    for r in catalogue.run(catalogue.find("gaps/shared-goals-with-joint-instrument"), ds, params).rows:
        entry = out.setdefault(str(r["goal"]), {"goal": str(r["goal"]), "label": str(r["label"]), "joint": []})
        entry["joint"].append(
            {"instrument": str(r["instrument"]), "label": str(r["instrumentLabel"]), "type": str(r.get("type") or "")}
        )
    return [out[k] for k in sorted(out, key=lambda k: (out[k]["label"], k))]


class _Builder:
    def __init__(self, g: nx.MultiDiGraph, sides: list[str]) -> None:
        self.g = g
        self.sides = sides
        self.out = nx.MultiDiGraph(**g.graph)
        self.clusters: dict[str, dict[str, Any]] = {}
        self.seen: dict[str, int] = defaultdict(int)
        self.grouped_by: set[str] = set()
        self.how: dict[str, str] = {"other instrument": "type"}

    def record(self, iri: str, x: float, y: float, **extra: Any) -> str:
        """A node for a record; the same record twice gets a second id (same IRI in its details)."""
        self.seen[iri] += 1
        nid = iri if self.seen[iri] == 1 else f"{iri}#{self.seen[iri]}"
        base = dict(self.g.nodes[iri]) if iri in self.g else {"kind": "instrument", "label": local_name(iri)}
        base.setdefault("iri", iri)
        base.setdefault("slug", local_name(iri))
        base.setdefault("side", None)
        base.setdefault("sides", [])
        self.out.add_node(nid, **{**base, **extra, "x": x, "y": y, "shape": "box"})
        return nid

    def groups(self, items: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
        by: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for it in items:
            iri = str(it["instrument"])
            key, how = function_of(self.g.nodes[iri] if iri in self.g else {}, it.get("type"))
            self.grouped_by.add(how)
            self.how[key] = how
            by[key].append(it)
        ranked = sorted(by.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        if len(ranked) > MAX_GROUPS:  # the rest in one group: a row stays short
            rest = [it for _, items in ranked[MAX_GROUPS - 1 :] for it in items]
            ranked = [*ranked[: MAX_GROUPS - 1], ("other instrument", rest)]
        return ranked

    def group(
        self,
        goal: str,
        side: str,
        key: str,
        items: list[dict[str, Any]],
        x: float,
        y: float,
        mx: float,
        my: float,
        who: str | None = None,
    ) -> None:
        cid = f"group:{who or side}:{key}:{goal}"
        members = []
        for j, it in enumerate(sorted(items, key=lambda i: (str(i.get("label")), str(i["instrument"])))):
            nid = self.record(str(it["instrument"]), mx, my + j * STEP * 0.8)
            members.append(nid)
            if not any(True for _ in self.out.get_edge_data(nid, goal, default={})):
                self.out.add_edge(nid, goal, key="addresses", relation="addresses", sources=[])
        who = who or ("Joint" if side == "joint" else side)
        partners = sorted({str(p) for it in items for p in it.get("partners") or []})
        self.clusters[cid] = {
            "label": f"{who}: {len(items)} {plural(key, len(items))}"
            if self.how.get(key) == "type"
            else f"{who}: {key[:1].lower() + key[1:]} ({len(items)})",
            "kind": "instrument",
            "side": side,
            "members": members,
            "x": x,
            "y": y,
            "shape": "box",
            "partners": partners,
        }


def gap_picture(g: nx.MultiDiGraph, report: Any, ds: Any = None) -> nx.MultiDiGraph:
    """The gap view's graph: nodes with given positions (``x``, ``y``), groups in
    ``graph['clusters']`` and the view's notes in ``graph['notes']``."""
    a, b = report.sides[0], report.sides[1]
    bld = _Builder(g, [a, b])
    out = bld.out
    gaps = [gap for gap in report.gaps if gap.goal in g]
    gaps.sort(key=lambda gp: (-_best_score(gp), -sum(len(v) for v in gp.alone.values()), gp.label, gp.goal))
    covered = [c for c in covered_goals(ds, report) if c["goal"] in g and c["goal"] not in {x.goal for x in gaps}]
    y = 0.0
    commitment_from: set[str] = set()
    bodies_missing = False
    for gap in gaps:
        goal = bld.record(gap.goal, 0.0, y, highlight="gap", wrap=30)
        d = out.nodes[goal]
        d["gap"] = f"no joint instrument on {report.as_of} ({' vs '.join(report.sides)})"
        if getattr(gap, "uncertain", None):
            d["gap"] += "; UNCERTAIN: it rests on a fact recorded with medium or low confidence"
            d["uncertain"] = [f"{f['fact']} (confidence {f['confidence']}): {f['effect']}" for f in gap.uncertain]
        d["feasibleActions"] = [str(x.get("action")) for x in getattr(gap, "feasible", []) or []]
        d["pursuedBy"] = sorted({str(p.get("actorLabel")) for ps in gap.pursuers.values() for p in ps})
        if gap.related_joint:
            d["jointNearby"] = sorted(
                {f"{j['label']} ({j['relation']}: {j['relatedLabel']})" for j in gap.related_joint}
            )
        rows = 1
        partners = getattr(gap, "with_partners", None) or {}
        for side, sign in ((a, -1.0), (b, 1.0)):
            groups = bld.groups(gap.alone.get(side, []))
            for i, (key, items) in enumerate(groups):
                bld.group(goal, side, key, items, sign * X_GROUP, y + i * STEP, sign * X_MEMBER, y + i * STEP)
            extra = bld.groups(partners.get(side, []))[:2]  # what the side does with third partners
            for j, (key, items) in enumerate(extra):
                at = y + (len(groups) + j) * STEP
                bld.group(goal, side, key, items, sign * X_GROUP, at, sign * X_MEMBER, at, who=f"{side} + partners")
            rows = max(rows, len(groups) + len(extra))
        r = 1
        placed: dict[tuple[str, str], str] = {}
        for j, act in enumerate((getattr(gap, "feasible", []) or [])[:MAX_ACTIONS]):
            ay = y + r * STEP
            aid = f"{gap.goal}|action|{j}"
            blocked = bool(act.get("blocked"))
            text = str(act.get("action") or act.get("function") or "joint action")
            out.add_node(
                aid,
                kind="action",
                label=("BLOCKED: " if blocked else "") + text,
                iri="",
                slug=f"action-{j + 1}",
                side="joint",
                sides=[a, b],
                x=0.0,
                y=ay,
                highlight="blocked" if blocked else None,
                shape="box",
                wrap=30,
                **_action_attrs(act),
            )
            out.add_edge(aid, goal, key="proposedFor", relation="proposedFor", sources=list(act.get("sources") or []))
            counterparts = act.get("counterparts")
            if not counterparts:
                bodies_missing = True
                counterparts = _bodies_from_instruments(g, act, [a, b])
            h = 1
            for side, sign in ((a, -1.0), (b, 1.0)):
                names = list(counterparts.get(side) or [])[:MAX_BODIES]
                for k, name in enumerate(names):
                    ref = placed.get((side, name))
                    if ref is None:
                        iri = _actor_by_label(g, name)
                        by = ay + k * STEP
                        if iri is not None:
                            ref = bld.record(iri, sign * X_BODY, by)
                        else:
                            ref = f"{gap.goal}|body|{side}|{name}"
                            out.add_node(ref, kind="actor", label=name, iri="", slug=name, side=side, sides=[side],
                                         x=sign * X_BODY, y=by, shape="box")
                        placed[(side, name)] = ref
                    out.add_edge(aid, ref, key=f"counterpart{side}", relation="counterpart", sources=[])
                h = max(h, len(names))
            r += h
        rows = max(rows, r)
        y += rows * STEP + ROW_GAP
    for cov in covered:
        goal = bld.record(cov["goal"], 0.0, y, highlight="covered", wrap=30)
        d = out.nodes[goal]
        joint = cov.get("joint") or cov.get("instruments") or []
        levels = []
        for it in joint:
            node = g.nodes[it["instrument"]] if it["instrument"] in g else {}
            if it.get("commitment"):
                level, src = str(it["commitment"]), "model"
            else:
                level, src = commitment_of(node, it.get("type"))
            commitment_from.add(src)
            levels.append(level)
        cover = cov.get("coverage") or {}
        best = cover.get("commitment") or min(levels, key=lambda lv: COMMITMENT_ORDER.index(lv), default=None)
        scope = cover.get("scope")
        d["coverage"] = ", ".join(x for x in (best, scope) if x)
        d["covered"] = f"covered on {report.as_of} by {len(joint)} joint instrument(s)"
        groups = bld.groups(joint)
        for i, (key, items) in enumerate(groups):
            bld.group(goal, "joint", key, items, 0.0, y + (i + 1) * STEP, X_BODY, y + (i + 1) * STEP)
        y += (1 + max(1, len(groups))) * STEP + ROW_GAP
    for n, d in out.nodes(data=True):
        if d.get("highlight") in ("gap", "covered") and n in g:
            d["rowLabel"] = d["label"]
            if d.get("coverage"):
                d["label"] = f"{d['label']} [covered: {d['coverage']}]"
            elif d.get("highlight") == "gap":
                d["label"] = f"GAP: {d['label']}"
    notes = []
    if "type" in bld.grouped_by:
        notes.append(
            "instruments grouped by legal form (type)"
            + (" where the record gives no function" if "function" in bld.grouped_by else "")
        )
    if "type" in commitment_from:
        notes.append("commitment of covered goals from the instrument type's default (no model value)")
    if bodies_missing:
        notes.append("counterpart bodies taken from the parties of each action's instruments")
    out.graph.update(
        positions="given",
        clusters=bld.clusters,
        notes=notes,
        gaps=len(gaps),
        covered=len(covered),
        rule=report.rule,
        sides=list(report.sides),
        columns=[
            {"label": f"{a}: alone · with partners", "x": -X_GROUP},
            {"label": "shared goals · joint actions", "x": 0.0},
            {"label": f"{b}: alone · with partners", "x": X_GROUP},
        ],
        opening={"anchor": "top", "minScale": 0.72},
    )
    return out


def _best_score(gap: Any) -> float:
    """The score of a gap's best feasible action (issue 16's ranking), 0 without one."""
    scores = []
    for act in getattr(gap, "feasible", None) or []:
        s = act.get("score")
        s = s.get("total") if isinstance(s, dict) else s
        if isinstance(s, int | float) and not act.get("blocked"):
            scores.append(float(s))
    return max(scores, default=0.0)


def _action_attrs(act: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if act.get("function"):
        out["function"] = str(act["function"])
    bases = []
    for bs in act.get("bases") or []:
        parts = [str(bs.get("basis") or "")]
        for k in ("text", "instruments", "incidents", "partners"):
            v = bs.get(k)
            if v:
                parts.append(", ".join(_name(x) for x in v) if isinstance(v, list) else _name(v))
        bases.append(": ".join(p for p in parts[:1] if p) + (" — " + "; ".join(parts[1:]) if parts[1:] else ""))
    if bases:
        out["bases"] = bases
    if act.get("venue"):
        out["venue"] = _name(act["venue"])
    if act.get("limited_by"):
        out["limitedBy"] = [_name(x) for x in act["limited_by"]]
    if act.get("blocked"):
        out["blockedBy"] = _name(act["blocked"]) if not isinstance(act["blocked"], bool) else "yes"
    if act.get("score") is not None:
        out["score"] = _name(act["score"])
    if act.get("counterparts"):
        out["counterparts"] = [f"{s}: {', '.join(map(str, v))}" for s, v in sorted(act["counterparts"].items())]
    return out


def _name(x: Any) -> str:
    if isinstance(x, dict):
        return str(x.get("label") or x.get("title") or x.get("text") or x.get("instrument") or x.get("id") or x)
    return str(x)


def _actor_by_label(g: nx.MultiDiGraph, name: str) -> str | None:
    hits = sorted(
        n
        for n, d in g.nodes(data=True)
        if d.get("kind") == "actor" and (d.get("label") == name or name in (d.get("altLabel") or []))
    )
    return hits[0] if hits else None


def _bodies_from_instruments(g: nx.MultiDiGraph, act: dict[str, Any], sides: list[str]) -> dict[str, list[str]]:
    """Counterparts when the analysis names none: the parties of the action's instruments per side."""
    out: dict[str, list[str]] = {}
    for side in sides:
        names: set[str] = set()
        for it in (act.get("instruments") or {}).get(side, []) or []:
            iri = str(it.get("instrument"))
            if iri in g:
                for _, party, e in g.out_edges(iri, data=True):
                    if e.get("relation") == "party" and side in (g.nodes[party].get("sides") or []):
                        names.add(str(g.nodes[party]["label"]))
        out[side] = sorted(names)[:4]
    return out


__all__ = ["covered_goals", "function_of", "gap_picture", "plural"]
