"""RDF -> networkx. Pure over anything with ``query(text)``: records become nodes, literals attributes.

Nodes are records (actors, threat actors, goals, instruments, incidents, sources, sides,
divergences), keyed by IRI. Literals are never nodes (they would make false hubs, DESIGN §5):
they become node attributes named by the predicate's local name. Reification statements and
goal pursuits are not drawn either: their sources, confidence and dates go onto the edge they
describe. Derived triples (``cyber:hasSide``, ``partySide`` …) are not edges; they give each node
its ``side`` — a side code, ``"joint"`` when parties (or pursuers) come from several sides.

With ``as_of``: instruments not in force that day (effective start after it, or ended / struck
down on or before it), pursuits not yet started (or already ended), incidents not yet occurred,
sources not yet issued and actors not yet established (or dissolved) are left out. A record with
no date at all is kept.

Longer than 350 lines: the four views (whole graph, gaps, focus, query) share one conversion from
RDF to networkx and its styling rules; splitting them would duplicate that.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import networkx as nx
from rdflib import Literal, URIRef

from cyberkg.core.errors import QueryError
from cyberkg.core.namespaces import CYBER, G_DERIVED, PREFIXES, RDF
from cyberkg.record.schema import did_you_mean

# rdf:type -> kind; the first match wins (a threat actor is also a cyber:Actor).
KIND_CLASSES: list[tuple[URIRef, str]] = [
    (CYBER.ThreatActor, "threat-actor"),
    (CYBER.Actor, "actor"),
    (CYBER.StrategicGoal, "goal"),
    (CYBER.PolicyInstrument, "instrument"),
    (CYBER.Incident, "incident"),
    (CYBER.SourceDocument, "source"),
    (CYBER.Side, "side"),
    (CYBER.Divergence, "divergence"),
]
KINDS = tuple(dict.fromkeys(k for _, k in KIND_CLASSES))
FOCUS_ORDER = ("actor", "threat-actor", "goal", "instrument", "incident", "side", "divergence", "source")
# Derived predicates: these, plus whatever the dataset's derived graph holds.
DERIVED = {
    CYBER[n]
    for n in (
        "hasSide",
        "partySide",
        "pursuitSide",
        "ancestorGoal",
        "servesGoal",
        "effectiveStart",
        "effectiveEnd",
        "pursuitStart",
        "pursuitEnd",
        "attributedTo",
    )
}
# Attributes that may repeat are always lists; every other literal attribute is one string.
MULTI = {
    "altLabel",
    "sameAs",
    "counters",
    "threatCategory",
    "homepage",
    "type",
    "editorialNote",
    "identifier",
    "function",
}
DATE_ATTRS = (
    "adopted",
    "inForce",
    "ended",
    "struckDown",
    "occurred",
    "endDate",
    "issued",
    "established",
    "dissolved",
    "divergentSince",
)

_VALUES = " ".join(f"<{c}>" for c, _ in KIND_CLASSES)
Q_RECORDS = f"SELECT ?s ?t WHERE {{ VALUES ?t {{ {_VALUES} }} ?s a ?t . }}"
Q_TRIPLES = f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?t {{ {_VALUES} }} ?s a ?t . ?s ?p ?o . }}"
Q_STATEMENTS = """SELECT ?s ?p ?o ?src ?conf ?note WHERE {
  ?st a rdf:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
  OPTIONAL { ?st prov:wasDerivedFrom ?src } OPTIONAL { ?st cyber:confidence ?conf }
  OPTIONAL { ?st skos:editorialNote ?note } }"""
# A stated pursuit's span: the model's derived pursuitStart/pursuitEnd where the store has them, else
# the curated since/until. Pursuits the model infers from an instrument (issue 15, cyber:inferredFrom)
# are derived, so not drawn: the `pursues` edge is what a strategy states.
Q_PURSUITS = """SELECT ?actor ?goal ?since ?until ?src WHERE {
  ?pu a cyber:GoalPursuit ; cyber:pursuer ?actor ; cyber:pursuedGoal ?goal .
  FILTER NOT EXISTS { ?pu cyber:inferredFrom ?instrument }
  OPTIONAL { ?pu cyber:pursuitStart ?ps } OPTIONAL { ?pu cyber:since ?s0 }
  OPTIONAL { ?pu cyber:pursuitEnd ?pe } OPTIONAL { ?pu cyber:until ?u0 }
  BIND(COALESCE(?ps, ?s0) AS ?since) BIND(COALESCE(?pe, ?u0) AS ?until)
  OPTIONAL { ?pu cyber:statedIn ?src } }"""
Q_CONCEPTS = """SELECT ?c ?l WHERE { ?c skos:prefLabel ?l .
  FILTER(isLiteral(?l) && (LANG(?l) = '' || LANGMATCHES(LANG(?l), 'en'))) }"""
Q_FUNCTIONS = "SELECT DISTINCT ?i ?f WHERE { ?i cyber:function ?f }"  # curated or by default (derived)
Q_DERIVED = f"SELECT DISTINCT ?p WHERE {{ GRAPH <{G_DERIVED}> {{ ?s ?p ?o }} }}"


def _query(ds: Any, text: str) -> list[tuple[Any, ...]]:
    pre = "".join(f"PREFIX {k}: <{v}>\n" for k, v in sorted(PREFIXES.items()))
    return [tuple(row) for row in ds.query(pre + text)]


def local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def day(text: Any) -> dt.date | None:
    """The first day of an ISO date, year-month or year; None when it is not one."""
    if text is None:
        return None
    parts = str(text)[:10].split("-")
    try:
        nums = [int(p) for p in parts] + [1, 1]
        return dt.date(nums[0], nums[1], nums[2])
    except ValueError:
        return None


def parse_as_of(as_of: str | dt.date | None) -> dt.date | None:
    if as_of is None or isinstance(as_of, dt.date):
        return as_of
    if as_of == "today":
        return dt.date.today()
    try:
        return dt.date.fromisoformat(as_of)
    except ValueError as exc:
        raise QueryError(f"--as-of {as_of!r} is not a date; write it like 2020-11-26 (or 'today')") from exc


def side_bucket(codes: Iterable[str]) -> str | None:
    codes = sorted(set(codes))
    return None if not codes else codes[0] if len(codes) == 1 else "joint"


def _span(kind: str, a: dict[str, Any]) -> tuple[dt.date | None, dt.date | None]:
    """When a record starts and ends, for the as-of filter."""
    if kind == "instrument":
        ends = [d for d in (day(a.get("ended")), day(a.get("struckDown"))) if d]
        return day(a.get("inForce") or a.get("adopted")), min(ends) if ends else None
    if kind == "incident":
        return day(a.get("occurred")), None
    if kind == "source":
        return day(a.get("issued")), None
    if kind in ("actor", "threat-actor"):
        return day(a.get("established")), day(a.get("dissolved"))
    if kind == "divergence":
        return day(a.get("divergentSince")), None
    return None, None


def _active(start: dt.date | None, end: dt.date | None, on: dt.date) -> bool:
    return (start is None or start <= on) and (end is None or end > on)


def to_networkx(
    ds: Any, as_of: str | dt.date | None = None, kinds: Iterable[str] | None = None, lang: str | None = None
) -> nx.MultiDiGraph:
    """The record graph of ``ds`` (at ``as_of`` when given) as a networkx MultiDiGraph keyed by IRI.
    Text attributes (labels, descriptions) are in ``lang`` where the graph has it, else English."""
    from cyberkg.core.labels import current

    want = current(lang)
    on = parse_as_of(as_of)
    records: dict[str, str] = {}
    rank = {c: i for i, (c, _) in enumerate(KIND_CLASSES)}
    best: dict[str, int] = {}
    for s, t in _query(ds, Q_RECORDS):
        if isinstance(s, URIRef) and rank[t] < best.get(str(s), 99):
            best[str(s)] = rank[t]
            records[str(s)] = KIND_CLASSES[rank[t]][1]
    concepts = {str(c): str(lbl) for c, lbl in _query(ds, Q_CONCEPTS)}
    derived = DERIVED | {URIRef(str(p)) for (p,) in _query(ds, Q_DERIVED)}
    attrs: dict[str, dict[str, set[str]]] = {n: defaultdict(set) for n in records}
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    other_lang: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    english: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    side_of: dict[str, set[str]] = defaultdict(set)  # node -> side IRIs (derived)
    ends: dict[str, str] = {}  # instrument -> derived effective end (store/derive.py: the one home of "in force")
    for s, p, o in _query(ds, Q_TRIPLES):
        s, p = str(s), URIRef(str(p))
        if p in (CYBER.hasSide, CYBER.partySide):
            side_of[s].add(str(o))
        if p == CYBER.effectiveEnd:
            ends[s] = str(o)
        if p in derived or p == RDF.type:
            continue
        name = local_name(p)
        if isinstance(o, Literal):
            tag = (o.language or "").lower()
            if tag in ("", want) or tag.split("-")[0] == want:
                attrs[s][name].add(str(o))
            else:
                (english if tag == "en" else other_lang)[s][name].add(str(o))
        elif str(o) in records:
            clash = edges.get((s, str(o), name), {}).get("predicate", str(p)) != str(p)
            edges[(s, str(o), str(p) if clash else name)] = {
                "relation": name,
                "predicate": str(p),
                "sources": set(),
            }
        elif isinstance(o, URIRef):
            attrs[s][name].add(concepts.get(str(o), str(o)))
    for i, f in _query(ds, Q_FUNCTIONS):  # what an instrument does, also where only derived from its type
        if str(i) in attrs:
            attrs[str(i)]["function"].add(concepts.get(str(f), local_name(str(f))))
    for fallback in (english, other_lang):  # English, then any language, only where the wanted one is missing
        for s, by_name in fallback.items():
            for name, values in by_name.items():
                if name not in attrs[s]:
                    attrs[s][name] = values
    for s, p, o, src, conf, note in _query(ds, Q_STATEMENTS):
        e = edges.get((str(s), str(o), local_name(str(p))))
        if e is not None:
            if src is not None:
                e["sources"].add(str(src))
            if conf is not None:
                e["confidence"] = str(conf)
            if note is not None:
                e["note"] = str(note)
    Span = tuple[dt.date | None, dt.date | None, str | None]
    pursuits: dict[tuple[str, str], list[Span]] = defaultdict(list)
    for actor, goal, since, until, src in _query(ds, Q_PURSUITS):
        pursuits[(str(actor), str(goal))].append((day(since), day(until), str(src) if src else None))

    g = nx.MultiDiGraph(as_of=on.isoformat() if on else None)
    wanted = set(kinds) if kinds is not None else set(KINDS)
    for n in sorted(records):
        kind = records[n]
        a = {k: (sorted(v) if k in MULTI else sorted(v)[0]) for k, v in sorted(attrs[n].items())}
        start, end = _span(kind, a)
        if kind == "instrument" and n in ends:  # ended, expired, struck down or superseded
            end = day(ends[n])
        if kind not in wanted or (on is not None and not _active(start, end, on)):
            continue
        label = a.get("label") or a.get("title") or local_name(n)
        g.add_node(
            n,
            **{
                **a,
                "iri": n,
                "slug": local_name(n),
                "kind": kind,
                "label": label,
                "start": start.isoformat() if start else None,
                "end": end.isoformat() if end else None,
            },
        )
    codes = {
        n: sorted(attrs[n].get("notation") or {local_name(n).upper()})[0]
        for n in records
        if records[n] == "side"
    }
    for (s, o, key), e in sorted(edges.items()):
        if s not in g or o not in g:
            continue
        data = {**e, "sources": sorted(e["sources"])}
        if data["relation"] == "pursues" and (s, o) in pursuits:
            spans = [p for p in pursuits[(s, o)] if on is None or _active(p[0], p[1], on)]
            if not spans:
                continue
            data["since"] = min((p[0] for p in spans if p[0]), default=None)
            data["since"] = data["since"].isoformat() if data["since"] else None
            data["sources"] = sorted(set(data["sources"]) | {p[2] for p in spans if p[2]})
        g.add_edge(s, o, key=key, label=data["relation"], **data)
    _sides(g, side_of, codes)
    g.graph["sources"] = {
        n: {"title": d.get("title") or d["label"], "url": d.get("url"), "issued": d.get("issued")}
        for n, d in g.nodes(data=True)
        if d["kind"] == "source"
    }
    g.graph["side_codes"] = sorted({c for c in codes.values() if c})
    return g


def _sides(g: nx.MultiDiGraph, side_of: dict[str, set[str]], codes: dict[str, str]) -> None:
    """Each node's side codes: actors by membership, instruments by parties, goals by who pursues
    them (at the view's date), sources by issuer, sides themselves."""

    def code(side_iri: str) -> str:
        return codes.get(side_iri) or local_name(side_iri).upper()

    for n, d in g.nodes(data=True):
        sides = {code(x) for x in side_of.get(n, ())}
        if d["kind"] == "side":
            sides = {code(n)}
        d["sides"] = sorted(sides)
    for n, d in g.nodes(data=True):
        if d["kind"] == "goal":
            d["sides"] = sorted(
                {
                    c
                    for a, _, e in g.in_edges(n, data=True)
                    if e["relation"] == "pursues"
                    for c in g.nodes[a]["sides"]
                }
            )
        elif d["kind"] == "source":
            d["sides"] = sorted(
                {
                    c
                    for _, i, e in g.out_edges(n, data=True)
                    if e["relation"] == "issuer"
                    for c in g.nodes[i]["sides"]
                }
            )
    for _, d in g.nodes(data=True):
        d["side"] = side_bucket(d["sides"])


# Kinds a bare name most likely means; a record of one of these named after the name (its slug starts
# with "name-") makes the name ambiguous: `solarwinds` is the company and the SolarWinds compromise.
PRINCIPAL = ("actor", "threat-actor", "incident", "goal")


def _names(d: dict[str, Any]) -> set[str]:
    """What a record can be called: slug, label, aliases, identifiers, notation, sameAs tails."""
    out = {str(d.get("slug") or ""), str(d.get("label") or "")}
    for key in ("altLabel", "identifier", "notation", "sameAs"):
        v = d.get(key)
        for x in v if isinstance(v, list) else [v] if v else []:
            out.add(str(x))
            if "://" in str(x):
                out.add(local_name(str(x)))
    return {x.casefold() for x in out if x}


def resolve(g: nx.MultiDiGraph, ref: str) -> str:
    """A node from a full IRI, ``kind/slug``, a bare slug (``enisa``), a label, an alias or an external
    identifier (CELEX number, ATT&CK id in ``sameAs``…). A name that fits several records — or one
    record while a principal record (actor, threat actor, incident, goal) of another kind is named after
    it — is an error that lists the candidates: the view never guesses."""
    if ref in g:
        return ref
    key = ref.strip().casefold()
    kind, _, slug = ref.rpartition("/") if "/" in ref and "://" not in ref else ("", "", ref)
    if kind:
        hits = sorted(
            n
            for n, d in g.nodes(data=True)
            if d["slug"] == slug and (d["kind"] == kind or n.endswith(f"/{kind}/{slug}"))
        )
    else:
        hits = sorted(n for n, d in g.nodes(data=True) if key in _names(d))
        if len(hits) == 1:
            kinds = {g.nodes[hits[0]]["kind"]}
            hits += sorted(
                n
                for n, d in g.nodes(data=True)
                if d["kind"] in PRINCIPAL and d["kind"] not in kinds and d["slug"].startswith(f"{slug}-")
            )
    hits = sorted(set(hits), key=lambda n: (FOCUS_ORDER.index(g.nodes[n]["kind"]) if g.nodes[n]["kind"]
                                            in FOCUS_ORDER else 99, n))
    if len(hits) == 1:
        return hits[0]
    if hits:
        options = "; ".join(f"{g.nodes[h]['kind']}/{g.nodes[h]['slug']} ({g.nodes[h]['label']})" for h in hits[:12])
        more = f" and {len(hits) - 12} more" if len(hits) > 12 else ""
        raise QueryError(f"{ref!r} names several records: {options}{more}; write one of those (kind/slug) or the IRI")
    hint = did_you_mean(slug, {d["slug"] for _, d in g.nodes(data=True)})
    when = " at this --as-of date" if g.graph.get("as_of") else ""
    raise QueryError(
        f"no record {ref!r} in this view{when}; "
        f"{hint or 'give a slug such as enisa, kind/slug, a label, an identifier, or a full IRI'}"
    )


def focus(g: nx.MultiDiGraph, ref: str, depth: int = 1) -> nx.MultiDiGraph:
    """The neighbourhood of one record: every node within ``depth`` links, either direction."""
    if depth < 0:
        raise QueryError("--depth must be 0 or more")
    center = resolve(g, ref)
    sub = nx.ego_graph(g, center, radius=depth, undirected=True).copy()
    sub.graph.update(g.graph, focus=center, depth=depth)
    sub.nodes[center]["highlight"] = "focus"
    return sub


def query_subgraph(g: nx.MultiDiGraph, triples: Iterable[tuple[Any, Any, Any]]) -> nx.MultiDiGraph:
    """The records a CONSTRUCT (or ``SELECT ?s ?p ?o``) names, and the edges between them it returns.

    A triple whose subject is a record brings that record; a link between two records is drawn
    with its relation's name, even when the query made it up; literals and other IRIs are not nodes."""
    sub = nx.MultiDiGraph(**g.graph)
    links = []
    for s, p, o in triples:
        s, p = str(s), str(p)
        if s in g:
            sub.add_node(s, **g.nodes[s])
            if not isinstance(o, Literal) and str(o) in g:
                sub.add_node(str(o), **g.nodes[str(o)])
                links.append((s, p, str(o)))
    for s, p, o in sorted(set(links)):
        name = local_name(p)
        found = [(k, e) for k, e in g.get_edge_data(s, o, default={}).items() if e["predicate"] == p]
        if found:
            sub.add_edge(s, o, key=found[0][0], **found[0][1])
        else:
            sub.add_edge(s, o, key=name, label=name, relation=name, predicate=p, sources=[])
    return sub


def gap_subgraph(g: nx.MultiDiGraph, report: Any) -> nx.MultiDiGraph:
    """Gap goals (highlighted), the actors pursuing them and the instruments each side uses alone,
    with the links among them. ``report`` is a :class:`cyberkg.gaps.GapReport`."""
    keep: set[str] = set()
    gap_goals = {}
    for gap in report.gaps:
        if gap.goal not in g:
            continue
        keep.add(gap.goal)
        gap_goals[gap.goal] = gap
        for items in gap.pursuers.values():
            keep.update(str(i["actor"]) for i in items if str(i["actor"]) in g)
        for items in gap.alone.values():
            keep.update(str(i["instrument"]) for i in items if str(i["instrument"]) in g)
    sub = g.subgraph(keep).copy()
    sub.graph.update(g.graph, gaps=len(gap_goals), rule=report.rule, sides=report.sides)
    for goal, gap in gap_goals.items():
        d = sub.nodes[goal]
        d["highlight"] = "gap"
        d["gap"] = f"no joint instrument on {report.as_of} ({' vs '.join(report.sides)})"
        uncertain = getattr(gap, "uncertain", [])
        if uncertain:  # the gap rests on a medium/low-confidence fact (cyberkg.analysis.uncertainty)
            d["gap"] += "; UNCERTAIN: it rests on a fact recorded with medium or low confidence"
            d["uncertain"] = [f"{f['fact']} (confidence {f['confidence']}): {f['effect']}" for f in uncertain]
        d["feasibleActions"] = [a["action"] for a in getattr(gap, "feasible", [])]
        d["jointNearby"] = sorted(
            {f"{j['label']} ({j['relation']}: {j['relatedLabel']})" for j in gap.related_joint}
        )
        for items in gap.alone.values():  # an instrument may serve the goal through a narrower one
            for i in (str(x["instrument"]) for x in items):
                if i in sub and not sub.has_edge(i, goal):
                    sub.add_edge(
                        i,
                        goal,
                        key="servesGoal",
                        label="servesGoal",
                        relation="servesGoal",
                        predicate=str(CYBER.servesGoal),
                        sources=[],
                    )
    return sub


__all__ = [
    "KINDS",
    "day",
    "focus",
    "gap_subgraph",
    "local_name",
    "parse_as_of",
    "query_subgraph",
    "resolve",
    "side_bucket",
    "to_networkx",
]
