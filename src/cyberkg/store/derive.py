"""Build-time derivations: what no query parameter changes, materialised once.

Each derivation is a SPARQL CONSTRUCT over the union of all graphs; its triples go to the
``derived`` named graph, apart from the curated facts. CONSTRUCT (not UPDATE) keeps the same
code path on the rdflib engine, on Oxigraph and on a remote endpoint, whatever the engine's
default-graph rules for updates. Order matters: later derivations read earlier ones.

This module is the one home of the coverage model's rules (issue #15); the catalogue queries and
the Python analyses read its results and never restate them:

- **On a side** (``cyber:hasSide``): the side's actor and everything part of it, or an actor said
  to be on the side. Membership (``memberOf``) never puts an actor on a side; it is kept apart as
  ``cyber:memberOfSide`` so a partner can be named "an EU member state, not the EU". A third
  partner is named by its ``cyber:topActor`` (the UK, not the Home Office).
- **Lifecycle** (``cyber:instrumentLifecycle``): the record's own ``lifecycle`` (``cyber:ownLifecycle``,
  with a note: a summit recorded as a dialogue is one meeting), else the instrument type's
  ``cyber:lifecycle`` (graph/vocab/instrument-types.ttl), *standing* when the type says nothing; a
  dialogue or forum that is part of another instrument (one round of a dialogue: a meeting) is an *event*.
- **In force** (standing instruments only): from ``cyber:effectiveStart`` (in force, else adopted)
  until ``cyber:effectiveEnd`` = the earliest of ended, struck down, expires (record ``until``) and
  the start of a successor that ``supersedes`` it. An *event* has no end: it carries
  ``cyber:eventDate`` and is never in force; the queries count it as evidence of practice while
  ``eventsFrom < eventDate <= asOf`` (``eventsFrom`` = as-of minus the event window, 2 years by
  default, the ``eventWindow`` parameter / ``--event-window``).
- **Commitment** (``cyber:commitmentLevel``, ``cyber:commitmentStrength`` 4..1): the record's
  ``commitment`` override, else the type's ``cyber:defaultCommitment``.
- **Scope** depends on the pair of sides, so only its pair-independent part is derived:
  ``cyber:multilateral true`` when a party is the United Nations (record id ``united-nations``) or
  part of it, or when 10 or more parties are on no side; the queries add "bilateral" (every party
  on one of the two sides) and "plurilateral" (otherwise).
- **Pursued**: a strategy states it (curated ``cyber:GoalPursuit``) or, *inferred*, a standing
  instrument addresses the goal: each party on a side then pursues the goal from the instrument's
  start to its end (a derived pursuit node, not typed ``cyber:GoalPursuit`` so record counts and
  source checks see the curated ones only; ``cyber:inferredFrom`` names the instrument).
"""

from __future__ import annotations

from rdflib import Dataset

from cyberkg.core.namespaces import G_DERIVED, PREFIXES

_FULL_DATE = (
    'STRDT(IF(DATATYPE({v}) = xsd:gYear, CONCAT(STR({v}), "-01-01"), '
    'IF(DATATYPE({v}) = xsd:gYearMonth, CONCAT(STR({v}), "-01"), SUBSTR(STR({v}), 1, 10))), xsd:date)'
)

DERIVATIONS: list[tuple[str, str]] = [
    ("actor sides", """
CONSTRUCT { ?a cyber:hasSide ?side } WHERE {
  { ?side cyber:sideActor ?top . ?a cyber:partOf* ?top . }
  UNION
  { ?x cyber:onSide ?side . ?a cyber:partOf* ?x . }
}"""),
    ("instrument party sides", """
CONSTRUCT { ?i cyber:partySide ?side } WHERE { ?i cyber:party ?a . ?a cyber:hasSide ?side . }"""),
    ("goal ancestors", """
CONSTRUCT { ?g cyber:ancestorGoal ?anc } WHERE { ?g skos:broader+ ?anc . }"""),
    ("goals served", """
CONSTRUCT { ?i cyber:servesGoal ?g } WHERE {
  { ?i cyber:addresses ?g } UNION { ?i cyber:addresses ?narrower . ?narrower cyber:ancestorGoal ?g }
}"""),
    ("instrument start", f"""
CONSTRUCT {{ ?i cyber:effectiveStart ?start }} WHERE {{
  ?i cyber:adopted ?adopted .
  OPTIONAL {{ ?i cyber:inForce ?inForce }}
  BIND(COALESCE(?inForce, ?adopted) AS ?d)
  BIND({_FULL_DATE.format(v="?d")} AS ?start)
  FILTER(BOUND(?start))
}}"""),
    ("instrument lifecycle", """
CONSTRUCT { ?i cyber:instrumentLifecycle ?lifecycle } WHERE {
  ?i a cyber:PolicyInstrument .
  OPTIONAL { ?i cyber:instrumentType ?t . ?t cyber:lifecycle ?typed }
  OPTIONAL { ?i cyber:ownLifecycle ?own }
  # the record's own word first; a round of a dialogue (a dialogue or forum that is part of another
  # instrument) is a meeting; else the type's lifecycle
  BIND(COALESCE(?own, IF(EXISTS { ?i cyber:instrumentType it:dialogue-forum ; cyber:partOfInstrument ?series },
                         lifecycle:event, COALESCE(?typed, lifecycle:standing))) AS ?lifecycle)
}"""),
    ("event dates", """
CONSTRUCT { ?i cyber:eventDate ?d } WHERE {
  ?i cyber:instrumentLifecycle lifecycle:event ; cyber:effectiveStart ?d .
}"""),
    ("instrument commitment", """
CONSTRUCT { ?i cyber:commitmentLevel ?level ; cyber:commitmentStrength ?rank } WHERE {
  ?i a cyber:PolicyInstrument .
  OPTIONAL { ?i cyber:commitment ?own }
  OPTIONAL { ?i cyber:instrumentType ?t . ?t cyber:defaultCommitment ?typed }
  BIND(COALESCE(?own, ?typed) AS ?level)
  ?level cyber:commitmentRank ?rank .
}"""),
    ("instrument end", f"""
CONSTRUCT {{ ?i cyber:effectiveEnd ?end }} WHERE {{
  {{ SELECT ?i (MIN(?e) AS ?end) WHERE {{
      ?i cyber:instrumentLifecycle lifecycle:standing .
      {{ {{ ?i cyber:ended ?d }} UNION {{ ?i cyber:struckDown ?d }} UNION {{ ?i cyber:expires ?d }}
        BIND({_FULL_DATE.format(v="?d")} AS ?e) }}
      UNION
      {{ ?successor cyber:supersedes ?i ; cyber:effectiveStart ?e . }}
  }} GROUP BY ?i }}
  FILTER(BOUND(?end))
}}"""),
    ("multilateral instruments", """
CONSTRUCT { ?i cyber:multilateral true } WHERE {
  { ?i cyber:party ?un . ?un cyber:partOf* <https://w3id.org/cyberkg/id/actor/united-nations> . }
  UNION
  { SELECT ?i (COUNT(DISTINCT ?x) AS ?n) WHERE {
      ?i cyber:party ?x . FILTER NOT EXISTS { ?x cyber:hasSide ?anySide }
    } GROUP BY ?i }
  FILTER(!BOUND(?n) || ?n >= 10)
}"""),
    ("top actors", """
CONSTRUCT { ?a cyber:topActor ?top } WHERE {
  ?a a cyber:Actor ; cyber:partOf* ?top .
  FILTER NOT EXISTS { ?top cyber:partOf ?up }
}"""),
    ("members of a side", """
CONSTRUCT { ?a cyber:memberOfSide ?side } WHERE {
  ?a cyber:memberOf ?m . ?m cyber:hasSide ?side .
  FILTER NOT EXISTS { ?a cyber:hasSide ?side }
}"""),
    ("pursuit sides", """
CONSTRUCT { ?p cyber:pursuitSide ?side } WHERE { ?p cyber:pursuer ?a . ?a cyber:hasSide ?side . }"""),
    # after "pursuit sides", which so reads the curated pursuits only: an inferred pursuit's side is
    # written here (one pass instead of two over some 20k triples at 100k)
    ("inferred pursuits", """
CONSTRUCT {
  ?p cyber:pursuer ?a ; cyber:pursuedGoal ?g ; cyber:inferredFrom ?i ;
     cyber:pursuitSide ?side ; cyber:pursuitStart ?start ; cyber:pursuitEnd ?end .
} WHERE {
  ?i cyber:instrumentLifecycle lifecycle:standing ; cyber:addresses ?g ; cyber:party ?a ;
     cyber:effectiveStart ?start .
  ?a cyber:hasSide ?side .
  OPTIONAL { ?i cyber:effectiveEnd ?end }
  BIND(IRI(CONCAT(STR(?i), "/inferred-pursuit/", MD5(CONCAT(STR(?g), " ", STR(?a))))) AS ?p)
}"""),
    ("pursuit start", f"""
CONSTRUCT {{ ?p cyber:pursuitStart ?start }} WHERE {{
  ?p cyber:since ?d . BIND({_FULL_DATE.format(v="?d")} AS ?start) FILTER(BOUND(?start))
}}"""),
    ("pursuit end", f"""
CONSTRUCT {{ ?p cyber:pursuitEnd ?end }} WHERE {{
  ?p cyber:until ?d . BIND({_FULL_DATE.format(v="?d")} AS ?end) FILTER(BOUND(?end))
}}"""),
    ("incident attributions", """
CONSTRUCT { ?inc cyber:attributedTo ?ta } WHERE { ?i cyber:respondsTo ?inc ; cyber:attributesTo ?ta . }"""),
    # #16: a record that names no function does what its type usually does (graph/vocab/instrument-functions.ttl)
    ("default functions", """
CONSTRUCT { ?i cyber:function ?f } WHERE {
  ?i a cyber:PolicyInstrument ; cyber:instrumentType ?t . ?t cyber:defaultFunction ?f .
  FILTER NOT EXISTS { ?i cyber:function ?any }
}"""),
]


def prologue() -> str:
    return "".join(f"PREFIX {k}: <{v}>\n" for k, v in sorted(PREFIXES.items()))


def derive(ds: Dataset) -> dict[str, int]:
    """Materialise every derivation into the derived graph of ``ds``; return triples per step.
    On Oxigraph the CONSTRUCTs run on Oxigraph's own terms (no round trip through rdflib objects:
    2.1 s instead of 7.4 s at 1M triples; see docs/bench.md)."""
    import cyberkg.store.adapter as adapter

    store = adapter.of(ds)
    store.clear_graph(str(G_DERIVED))
    pre = prologue()
    graph = str(G_DERIVED)
    return {name: store.construct_into(graph, pre + text) for name, text in DERIVATIONS}
