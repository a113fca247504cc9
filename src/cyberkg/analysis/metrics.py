"""Network metrics of the actor–instrument graph on a date (networkx): who bridges the two sides.

The graph (stated in every output, :data:`RULE`): one node per instrument in force on the date and
per actor that is a party to one; an edge from each instrument to each party, and from each actor
to what it is part of (so ENISA reaches the European Union). Literals are never nodes.

* **bridges between the sides**: betweenness counted only over shortest paths from an actor of
  side A to an actor of side B (``betweenness_centrality_subset``), as the share of the connected
  (A, B) actor pairs whose shortest paths run through the node;
* **articulation points between the sides**: nodes whose removal disconnects some A actor from
  some B actor it reached before;
* **most central actors per side**: betweenness over the shortest paths from the two sides' actors
  to every node (both computed in one Brandes pass; above 100 actors a side — fewer in a big
  graph, so the pass stays under a million steps — from that many sampled with a fixed seed, so
  the answer is the same on every run);
* **communities**: Louvain with a fixed seed, with each community's side mix.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import deque
from typing import Any

import networkx as nx

from cyberkg.analysis.facts import Facts, load_facts
from cyberkg.core.errors import QueryError

RULE = ("Actor–instrument graph: instruments in force on the date and the actors party to them, linked to their "
        "parties and to what each actor is part of. Bridges: the share of connected (one side's actor, other "
        "side's actor) pairs whose shortest paths run through the node. Articulation points: nodes whose removal "
        "cuts some such pair apart. Communities: Louvain, fixed seed. Central actors: betweenness over the shortest "
        "paths from the sides' actors to every node. Exact up to 100 actors a side (fewer in a big graph: "
        "at most a million steps), else from that many sampled (seed 0).")
PIVOTS, BUDGET, TOP = 100, 1_000_000, 10


def actor_instrument_graph(facts: Facts, on: dt.date, sides: tuple[str, str]) -> nx.Graph:
    a, b = sides
    g = nx.Graph()
    for inst in sorted(facts.instruments.values(), key=lambda i: i.iri):
        if not inst.in_force(on) or not inst.parties:
            continue
        g.add_node(inst.iri, kind="instrument", label=inst.label, type=inst.type, side=inst.side_class(a, b) or "other")
        for party in sorted(inst.parties):
            _add_actor(g, facts, party, inst.parties[party], sides, inst.party_sides.get(party, set()))
            g.add_edge(inst.iri, party)
    todo = sorted(n for n, d in g.nodes(data=True) if d["kind"] == "actor")
    seen = set(todo)
    while todo:
        actor = todo.pop()
        for parent in sorted(facts.actors.get(actor, {}).get("part_of", [])):
            pa = facts.actors.get(parent, {})
            _add_actor(g, facts, parent, str(pa.get("label") or parent), sides, set(pa.get("sides", [])))
            g.add_edge(actor, parent)
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return g


def _add_actor(g: nx.Graph, facts: Facts, iri: str, label: str, sides: tuple[str, str], codes: set[str]) -> None:
    if iri in g:
        return
    codes = codes | set(facts.actors.get(iri, {}).get("sides", []))
    side = next((s for s in sides if s in codes), None) if not set(sides) <= codes else "joint"
    g.add_node(iri, kind="actor", label=str(facts.actors.get(iri, {}).get("label") or label), side=side or "other")


def _cut_pairs(g: nx.Graph, a: str, b: str) -> int:
    """Pairs (A actor, B actor) in the same connected component."""
    total = 0
    for comp in nx.connected_components(g):
        na = sum(1 for n in comp if g.nodes[n]["kind"] == "actor" and g.nodes[n]["side"] == a)
        nb = sum(1 for n in comp if g.nodes[n]["kind"] == "actor" and g.nodes[n]["side"] == b)
        total += na * nb
    return total


def _sample(nodes: list[str], cap: int) -> list[str]:
    """All of ``nodes``, or a fixed sample of ``cap`` of them (the same on every run)."""
    return nodes if len(nodes) <= cap else sorted(random.Random(0).sample(sorted(nodes), cap))


def pivots(nodes: int, edges: int) -> int:
    """Sources a side may use: PIVOTS, fewer when the graph is big (each source costs one pass over
    every node and both ends of every link; the two sides' passes stay under BUDGET steps), never
    fewer than 10."""
    return max(10, min(PIVOTS, BUDGET // max(1, 2 * (nodes + 2 * edges))))


def _brandes(adj: dict[str, list[str]], sources: list[str], from_a: set[str],
             side_b: set[str]) -> tuple[dict[str, float], dict[str, float]]:
    """Brandes' accumulation from ``sources`` in one pass: how much of the shortest paths from the
    sources to every node runs through each node, and (for sources of side A) how much of the
    shortest paths to side B's actors does — each (A, B) pair counted once, ties split."""
    through = dict.fromkeys(adj, 0.0)
    bridge = dict.fromkeys(adj, 0.0)
    for s in sources:
        sigma: dict[str, int] = {s: 1}
        dist: dict[str, int] = {s: 0}
        preds: dict[str, list[str]] = {s: []}
        order = [s]
        queue = deque([s])
        while queue:
            v = queue.popleft()
            for w in adj[v]:
                if w not in dist:
                    dist[w], sigma[w], preds[w] = dist[v] + 1, 0, []
                    queue.append(w)
                    order.append(w)
                if dist[w] == dist[v] + 1:
                    sigma[w] += sigma[v]
                    preds[w].append(v)
        delta = dict.fromkeys(order, 0.0)
        dab = dict.fromkeys(order, 0.0)
        is_a = s in from_a
        for w in reversed(order):
            t = 1.0 if is_a and w in side_b else 0.0
            for v in preds[w]:
                c = sigma[v] / sigma[w]
                delta[v] += c * (1.0 + delta[w])
                if is_a:
                    dab[v] += c * (t + dab[w])
            if w != s:
                through[w] += delta[w]
                bridge[w] += dab[w]
    return through, bridge


def pairs_cut(adj: dict[str, list[str]], side_of: dict[str, str | None], a: str, b: str) -> dict[str, int]:
    """For every articulation point: the (A actor, B actor) pairs it connects that are apart once it
    is removed (the pairs the point itself is in go with it; they are not counted). One iterative
    Tarjan pass: the pieces a cut vertex leaves are its DFS children whose low point does not reach
    above it, plus the rest of its component — linear in the graph, whatever the number of cuts."""
    disc: dict[str, int] = {}
    low: dict[str, int] = {}
    out: dict[str, int] = {}

    def own(v: str) -> tuple[int, int]:
        return (1 if side_of.get(v) == a else 0, 1 if side_of.get(v) == b else 0)

    clock = 0
    for root in adj:
        if root in disc:
            continue
        disc[root] = low[root] = clock
        clock += 1
        sub = {root: list(own(root))}
        pieces: dict[str, list[tuple[int, int]]] = {root: []}
        done: list[str] = []
        stack = [(root, "", iter(adj[root]))]
        while stack:
            v, parent, it = stack[-1]
            for w in it:
                if w == parent:
                    continue
                if w not in disc:
                    disc[w] = low[w] = clock
                    clock += 1
                    sub[w], pieces[w] = list(own(w)), []
                    stack.append((w, v, iter(adj[w])))
                    break
                low[v] = min(low[v], disc[w])
            else:
                stack.pop()
                done.append(v)
                if parent:
                    low[parent] = min(low[parent], low[v])
                    sub[parent][0] += sub[v][0]
                    sub[parent][1] += sub[v][1]
                    if low[v] >= disc[parent]:
                        pieces[parent].append((sub[v][0], sub[v][1]))
        total = sub[root]
        for v in done:
            parts = pieces[v]
            if len(parts) < (2 if v == root else 1):
                continue
            mine = own(v)
            if v != root:
                parts = [*parts, (total[0] - mine[0] - sum(p[0] for p in parts),
                                  total[1] - mine[1] - sum(p[1] for p in parts))]
            na, nb = sum(p[0] for p in parts), sum(p[1] for p in parts)
            out[v] = na * nb - sum(p[0] * p[1] for p in parts)
    return out


def _node(g: nx.Graph, n: str, **extra: Any) -> dict[str, Any]:
    d = g.nodes[n]
    return {"node": n, "label": d["label"], "kind": d["kind"], "side": d["side"], "degree": g.degree(n), **extra}


def metrics(ds: Any = None, as_of: str | dt.date = "today", sides: tuple[str, str] | list[str] = ("EU", "US"),
            facts: Facts | None = None, top: int = TOP) -> dict[str, Any]:
    """Bridges, articulation points, central actors per side and communities, as plain data."""
    on = dt.date.today() if as_of == "today" else as_of if isinstance(as_of, dt.date) else None
    if on is None:
        try:
            on = dt.date.fromisoformat(str(as_of))
        except ValueError as exc:
            raise QueryError(f"--as-of {as_of!r} is not a date; write it like 2020-11-26 (or 'today')") from exc
    codes = [s.strip().upper() for s in sides]
    if len(codes) != 2 or codes[0] == codes[1]:
        raise QueryError("metrics compares two different sides, e.g. --sides EU,US")
    a, b = codes
    facts = facts if facts is not None else load_facts(ds)
    g = actor_instrument_graph(facts, on, (a, b))
    order = sorted(g.nodes)
    h = nx.Graph()
    h.add_nodes_from((n, g.nodes[n]) for n in order)
    h.add_edges_from(sorted(tuple(sorted(e)) for e in g.edges))  # a fixed order: the same answer every run
    side_a = [n for n in order if h.nodes[n]["kind"] == "actor" and h.nodes[n]["side"] == a]
    side_b = [n for n in order if h.nodes[n]["kind"] == "actor" and h.nodes[n]["side"] == b]
    adj = {n: sorted(h.neighbors(n)) for n in order}
    pairs = _cut_pairs(h, a, b)
    cap = pivots(h.number_of_nodes(), h.number_of_edges())
    src_a, src_b = _sample(side_a, cap), _sample(side_b, cap)
    sampled = len(src_a) < len(side_a) or len(src_b) < len(side_b)
    through, bridge_raw = _brandes(adj, src_a + src_b, set(src_a), set(side_b))
    scale = len(side_a) / len(src_a) if src_a else 1.0
    bridge = {n: v * scale / pairs for n, v in bridge_raw.items()} if pairs else {}
    arts = []
    side_of = {n: h.nodes[n]["side"] if h.nodes[n]["kind"] == "actor" else None for n in order}
    for n, lost in sorted(pairs_cut(adj, side_of, a, b).items()):
        if lost > 0:
            arts.append(_node(h, n, pairs_cut=lost))
    arts.sort(key=lambda x: (-x["pairs_cut"], x["label"], x["node"]))
    bridges = [_node(h, n, score=round(s, 6)) for n, s in bridge.items() if s > 1e-12]
    bridges.sort(key=lambda x: (-x["score"], x["label"], x["node"]))
    norm = max(1, (len(src_a) + len(src_b)) * max(1, len(order) - 2))
    central = {}
    for side, members in ((a, side_a), (b, side_b)):
        ranked = [_node(h, n, betweenness=round(through.get(n, 0.0) / norm, 6)) for n in members]
        central[side] = sorted(ranked, key=lambda x: (-x["betweenness"], -x["degree"], x["label"], x["node"]))[:top]
    communities = []
    if h.number_of_edges():
        found = nx.community.louvain_communities(h, seed=0)
        for comp in sorted(found, key=lambda c: (-len(c), sorted(c)[0])):
            members = sorted(comp, key=lambda n: (-h.degree(n), h.nodes[n]["label"], n))
            mix = {s: sum(1 for n in comp if h.nodes[n]["side"] == s) for s in (a, b, "joint", "other")}
            communities.append({"size": len(comp), "sides": mix, "mixed": bool(mix[a] and mix[b]) or mix["joint"] > 0,
                                "members": [_node(h, n) for n in members[:top]]})
    return {"as_of": on.isoformat(), "sides": codes, "rule": RULE, "nodes": h.number_of_nodes(),
            "edges": h.number_of_edges(), "sampled": sampled, "side_pairs_connected": pairs,
            "bridges": bridges[:top], "articulation_points": arts[:top], "central": central,
            "communities": communities}


def table_rows(m: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """One row per finding: measure, rank, node, label, kind, side, value."""
    cols = ["measure", "rank", "label", "kind", "side", "value", "node"]
    rows: list[dict[str, Any]] = []
    for i, x in enumerate(m["bridges"], 1):
        rows.append({"measure": "bridge between sides", "rank": i, **x, "value": x["score"]})
    for i, x in enumerate(m["articulation_points"], 1):
        rows.append({"measure": "articulation point", "rank": i, **x, "value": f"{x['pairs_cut']} pair(s) cut"})
    for side, items in m["central"].items():
        for i, x in enumerate(items, 1):
            rows.append({"measure": f"central {side} actor", "rank": i, **x, "value": x["betweenness"]})
    for i, c in enumerate(m["communities"], 1):
        mix = ", ".join(f"{k} {v}" for k, v in c["sides"].items() if v)
        rows.append({"measure": "community", "rank": i, "label": "; ".join(x["label"] for x in c["members"][:5]),
                     "kind": f"{c['size']} nodes", "side": mix, "value": "mixed" if c["mixed"] else "one side",
                     "node": c["members"][0]["node"] if c["members"] else ""})
    return cols, rows


__all__ = ["RULE", "actor_instrument_graph", "metrics", "pairs_cut", "table_rows"]
