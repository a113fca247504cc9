"""Enrichment from Wikidata: ``owl:sameAs`` links and official labels in the EU languages.

For every actor, instrument and incident with no ``owl:sameAs`` to Wikidata, the labels and
aliases (``rdfs:label``, ``skos:altLabel``) are looked up, exactly, among the labels and aliases of
a Wikidata-compatible SPARQL endpoint. One item -> a *confident* match; several -> *ambiguous*,
never applied; an item two nodes would share -> ambiguous too. ``apply`` writes confident matches,
with the item's labels in the EU languages the node lacks, into the layer ``wikidata``.
Values are bound as ``VALUES`` rows (terms serialised by rdflib), never spliced as text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, Literal, URIRef

from cyberkg import __version__
from cyberkg.core.errors import CyberkgError
from cyberkg.core.labels import EU_LANGUAGES, current, pick_many
from cyberkg.core.namespaces import AKIND, CYBER, ID, OWL, RDF, RDFS, WD

DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"
USER_AGENT = f"cyberkg/{__version__} (https://w3id.org/cyberkg; knowledge graph of EU-US cyber policy)"
LAYER_NAME = "wikidata"
BATCH = 40
KINDS = {CYBER.Actor: "actor", CYBER.PolicyInstrument: "instrument", CYBER.Incident: "incident"}
WIKIDATA_ITEM = "Q2013"


class EnrichError(CyberkgError):
    """The Wikidata endpoint could not be asked, or answered something unusable."""


@dataclass
class Match:
    node: URIRef
    kind: str
    label: str
    status: str  # confident | ambiguous | none
    items: list[str] = field(default_factory=list)  # Q-ids
    matched_on: list[str] = field(default_factory=list)
    applied: bool = False

    def row(self) -> dict[str, Any]:
        return {
            "node": str(self.node),
            "kind": self.kind,
            "label": self.label,
            "status": self.status,
            "wikidata": " ".join(self.items),
            "matched_on": "; ".join(self.matched_on),
            "applied": "yes" if self.applied else "",
        }


COLUMNS = ["kind", "label", "status", "wikidata", "matched_on", "applied", "node"]


def candidates(ds: Any) -> dict[URIRef, tuple[str, list[Literal]]]:
    """Actors, instruments and incidents with no Wikidata link, with their labels and aliases."""
    from cyberkg.importers.base import is_import_node

    text = f"""PREFIX rdfs: <{RDFS}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX owl: <{OWL}>
SELECT ?x ?class ?l WHERE {{
  VALUES ?class {{ {" ".join(c.n3() for c in KINDS)} }}
  ?x a ?class .
  {{ ?x rdfs:label ?l }} UNION {{ ?x skos:altLabel ?l }}
  FILTER NOT EXISTS {{ ?x owl:sameAs ?q . FILTER(STRSTARTS(STR(?q), "{WD}")) }}
}}"""
    out: dict[URIRef, tuple[str, list[Literal]]] = {}
    for x, cls, lab in ds.query(text):
        if isinstance(x, URIRef) and isinstance(lab, Literal) and not is_import_node(x):
            _, labels = out.setdefault(x, (KINDS[cls], []))
            if lab not in labels:
                labels.append(lab)
    return dict(sorted(out.items()))


def ask(endpoint: str, text: str, timeout: float = 60.0) -> list[dict[str, Any]]:
    """Run a SELECT on ``endpoint`` with a User-Agent; the JSON bindings."""
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    sw = SPARQLWrapper(endpoint, agent=USER_AGENT)
    sw.setQuery(text)
    sw.setMethod(POST)
    sw.setReturnFormat(JSON)
    sw.setTimeout(int(timeout))
    try:
        result = sw.queryAndConvert()
    except Exception as exc:  # urllib, SPARQLWrapper and JSON errors
        raise EnrichError(
            f"cannot query {endpoint}: {type(exc).__name__}: {exc}; check the URL "
            "(--endpoint) and the network, or retry later"
        ) from exc
    if not isinstance(result, dict) or not isinstance(result.get("results", {}).get("bindings"), list):
        raise EnrichError(f"{endpoint} gave no SPARQL results (an empty answer can be a block); retry later")
    return list(result["results"]["bindings"])


def _literal(b: dict[str, Any]) -> Literal:
    return Literal(b["value"], lang=b.get("xml:lang"))


def lookup(endpoint: str, texts: list[str], lang: str) -> dict[str, set[str]]:
    """Label text -> Wikidata Q-ids whose label or alias is exactly that text (in English or ``lang``)."""
    langs = sorted({"en", lang})
    found: dict[str, set[str]] = {}
    for i in range(0, len(texts), BATCH):
        chunk = texts[i : i + BATCH]
        rows = " ".join(Literal(t, lang=lg).n3() for t in chunk for lg in langs)
        text = f"""PREFIX rdfs: <{RDFS}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?label ?item WHERE {{
  VALUES ?label {{ {rows} }}
  {{ ?item rdfs:label ?label }} UNION {{ ?item skos:altLabel ?label }}
  FILTER(STRSTARTS(STR(?item), "{WD}Q"))
}}"""
        for b in ask(endpoint, text):
            found.setdefault(b["label"]["value"], set()).add(b["item"]["value"][len(str(WD)) :])
    return found


def match(ds: Any, endpoint: str = DEFAULT_ENDPOINT, lang: str | None = None) -> list[Match]:
    """Match every candidate; nothing is written."""
    lang = current(lang)
    cands = candidates(ds)
    texts = sorted({str(lab) for _, labs in cands.values() for lab in labs})
    found = lookup(endpoint, texts, lang) if texts else {}
    shown = pick_many(ds, cands, lang)
    taken = (
        {str(q)[len(str(WD)) :] for q in ds.objects(None, OWL.sameAs) if str(q).startswith(str(WD))}
        if hasattr(ds, "objects")
        else set()
    )
    out = []
    for node, (kind, labs) in cands.items():
        items = sorted({q for lab in labs for q in found.get(str(lab), set())})
        on = sorted({str(lab) for lab in labs if found.get(str(lab))})
        status = "none" if not items else "confident" if len(items) == 1 else "ambiguous"
        out.append(Match(node, kind, shown.get(node, str(node)), status, items, on))
    claims: dict[str, int] = {}
    for m in out:
        if m.status == "confident":
            claims[m.items[0]] = claims.get(m.items[0], 0) + 1
    for m in out:
        if m.status == "confident" and (claims[m.items[0]] > 1 or m.items[0] in taken):
            m.status = "ambiguous"
            m.matched_on.append("item shared with another node")
    return out


def official_labels(endpoint: str, qids: list[str]) -> dict[str, list[Literal]]:
    """Each item's labels in the EU's official languages."""
    out: dict[str, list[Literal]] = {}
    langs = ", ".join(f'"{lg}"' for lg in EU_LANGUAGES)
    for i in range(0, len(qids), BATCH):
        items = " ".join(WD[q].n3() for q in qids[i : i + BATCH])
        text = f"""PREFIX rdfs: <{RDFS}>
SELECT ?item ?label WHERE {{
  VALUES ?item {{ {items} }} ?item rdfs:label ?label FILTER(LANG(?label) IN ({langs}))
}}"""
        for b in ask(endpoint, text):
            out.setdefault(b["item"]["value"][len(str(WD)) :], []).append(_literal(b["label"]))
    return out


def enrichment_graph(ds: Any, matches: list[Match], endpoint: str, today: dt.date | None = None) -> Graph:
    """The ``wikidata`` layer: what it held before plus the confident matches (sameAs + EU labels)."""
    from cyberkg.importers.base import Builder, FileInfo
    from cyberkg.store.layers import layer_graph

    chosen = [m for m in matches if m.status == "confident"]
    labels = official_labels(endpoint, sorted({m.items[0] for m in chosen})) if chosen else {}
    digest = hashlib.sha256(repr(sorted((str(m.node), m.items[0]) for m in chosen)).encode()).hexdigest()
    publisher = URIRef(f"{ID}actor/import/{LAYER_NAME}/publisher")
    info = FileInfo(
        LAYER_NAME,
        "Wikidata",
        "sparql",
        digest,
        url=endpoint,
        issuer=publisher,
        date=(today or dt.date.today()).isoformat(),
    )
    b = Builder(info)
    b.g += layer_graph(ds, LAYER_NAME)
    b.add(publisher, RDF.type, CYBER.Actor)
    b.add(publisher, RDFS.label, Literal("Wikidata", lang="en"))
    b.add(publisher, CYBER.actorKind, AKIND["publisher"])
    for m in chosen:
        qid = m.items[0]
        b.relate(m.node, OWL.sameAs, WD[qid])
        have = {lab.language for lab in ds.objects(m.node, RDFS.label) if isinstance(lab, Literal)}
        for lab in labels.get(qid, []):
            if lab.language not in have:
                b.add(m.node, RDFS.label, lab)
        m.applied = True
    for s in list(b.g.subjects(CYBER.issuer, None)):
        b.g.remove((s, None, None))  # the previous run's source node: finish() writes today's
    return b.finish([])


def apply(ds: Any, matches: list[Match], endpoint: str, build_dir: Any = None) -> int:
    """Write the confident matches into the ``wikidata`` layer; returns the layer's triple count."""
    from cyberkg.importers import base_graph, check_shapes
    from cyberkg.store.layers import LayerInfo, put

    g = enrichment_graph(ds, matches, endpoint)
    check_shapes(g, base_graph(ds, [LAYER_NAME]), "wikidata enrichment")
    sha = g.value(URIRef(f"{ID}source/import/{LAYER_NAME}"), URIRef("http://purl.org/dc/terms/identifier"))
    put(ds, LayerInfo(LAYER_NAME, endpoint, "sparql", len(g), str(sha or "")[7:]), g, build_dir)
    return len(g)
