"""Records -> triples. Pure: a :class:`~cyberkg.records.Catalog` in, an rdflib ``Graph`` out.

Every relationship is a plain triple (easy to query) and, when it has a source, confidence or
note, an ``rdf:Statement`` that reifies it and carries ``prov:wasDerivedFrom`` — so provenance
survives a plain Turtle export, not only named graphs. Statement IRIs are a hash of the triple,
so the same input always gives the same graph.

Two emitters share the one mapping (``_map``): :func:`map_catalog` adds rdflib terms to a
``Graph``; :func:`map_catalog_nt` writes the same triples straight as N-Triples lines, without
rdflib objects, for bulk loading (1M triples: see docs/bench.md). A test checks that the two give
the same graph.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from cyberkg.core.namespaces import (
    AKIND,
    CL,
    CYBER,
    DCTERMS,
    FOAF,
    ID,
    IFN,
    IT,
    LIFECYCLE,
    OWL,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    STYPE,
    THREAT,
    WD,
    XSD,
    iri,
)
from cyberkg.record.schema import Catalog, PartialDate, Record, Ref

ACTOR_CLASS = {
    "state": CYBER.State, "supranational-union": CYBER.SupranationalUnion, "institution": CYBER.PublicBody,
    "agency": CYBER.PublicBody, "office": CYBER.PublicBody, "legislature": CYBER.PublicBody,
    "court": CYBER.PublicBody, "international-organisation": CYBER.InternationalOrganisation,
    "multilateral-group": CYBER.InternationalOrganisation, "joint-body": CYBER.JointBody,
    "threat-actor": CYBER.ThreatActor, "company": CYBER.PrivateOrganisation, "ngo": CYBER.PrivateOrganisation,
    "publisher": CYBER.PrivateOrganisation,
}
_DATATYPE = {"day": XSD.date, "month": XSD.gYearMonth, "year": XSD.gYear}


def date_literal(d: PartialDate) -> Literal:
    return Literal(d.text, datatype=_DATATYPE[d.precision])


def statement_iri(s: Node, p: Node, o: Node) -> URIRef:
    digest = hashlib.sha1(f"{s.n3()} {p.n3()} {o.n3()}".encode()).hexdigest()[:20]
    return URIRef(f"{ID}statement/{digest}")


class _Mapper:
    """The rdflib emitter: every triple into ``self.g``. Terms are rdflib nodes; literals are made
    with :meth:`lit` so that :class:`_NTMapper` can write them as text instead."""

    def __init__(self) -> None:
        self.g = Graph()

    def add(self, s: Node, p: Node, o: Any) -> None:
        self.g.add((s, p, o))

    def lit(self, value: str, lang: str | None = None, datatype: URIRef | None = None) -> Any:
        return Literal(value, lang=lang, datatype=datatype)

    def statement(self, s: URIRef, p: URIRef, o: URIRef) -> URIRef:
        return statement_iri(s, p, o)

    def text(self, s: URIRef, p: URIRef, value: str | None, lang: str | None = "en") -> None:
        if value:
            self.add(s, p, self.lit(value, lang=lang))

    def relate(self, s: URIRef, p: URIRef, o: URIRef, sources: Iterable[str], ref: Ref | None = None) -> None:
        """A relationship, reified with its sources (the ref's own, else the record's)."""
        self.add(s, p, o)
        srcs = list(ref.sources) if ref is not None and ref.sources else list(sources)
        conf = ref.confidence if ref is not None else None
        note = ref.note if ref is not None else None
        if not srcs and not conf and not note:
            return
        st = self.statement(s, p, o)
        self.add(st, RDF.type, RDF.Statement)
        self.add(st, RDF.subject, s)
        self.add(st, RDF.predicate, p)
        self.add(st, RDF.object, o)
        for src in srcs:
            self.add(st, PROV.wasDerivedFrom, URIRef(iri("source", src)))
        if conf:
            self.add(st, CYBER.confidence, self.lit(conf))
        if note:
            self.add(st, SKOS.editorialNote, self.lit(note, lang="en"))

    def common(self, rec: Record, node: URIRef, cls: URIRef) -> list[str]:
        self.add(node, RDF.type, cls)
        self.text(node, RDFS.label, rec.label)
        self.text(node, DCTERMS.description, rec.get("description"))
        for alias in rec.get("aliases", []):
            self.text(node, SKOS.altLabel, alias)
        if rec.get("wikidata"):
            self.add(node, OWL.sameAs, WD[rec.get("wikidata")])
        if rec.get("confidence"):
            self.add(node, CYBER.confidence, self.lit(rec.get("confidence")))
        self.text(node, SKOS.editorialNote, rec.get("note"))
        sources = [r.id for r in rec.refs("sources")]
        for src in sources:
            self.add(node, PROV.wasDerivedFrom, URIRef(iri("source", src)))
        return sources

    def domains(self, rec: Record, node: URIRef) -> None:
        for domain in rec.get("domains", []):
            self.add(node, CYBER.officialDomain, self.lit(domain.strip().lower()))

    def date(self, node: URIRef, p: URIRef, value: PartialDate | None) -> None:
        if value is not None:
            self.add(node, p, self.lit(value.text, datatype=_DATATYPE[value.precision]))

    def refs(self, rec: Record, node: URIRef, name: str, p: URIRef, kind: str, sources: list[str]) -> None:
        for ref in rec.refs(name):
            self.relate(node, p, URIRef(iri(kind, ref.id)), sources, ref)

    def concepts(self, rec: Record, node: URIRef, name: str, p: URIRef, ns: object,
                 sources: list[str]) -> None:
        for ref in rec.refs(name):
            self.relate(node, p, URIRef(f"{ns}{ref.id}"), sources, ref)


class _Lit(str):
    """A literal already written as N-Triples (quotes, escapes, ``@lang`` or ``^^<datatype>``)."""


def _nt_literal(value: str, lang: str | None = None, datatype: URIRef | None = None) -> _Lit:
    """``value`` as an N-Triples literal, escaped as rdflib's N-Triples serialiser does."""
    if type(value) is not str:  # not a plain string: let rdflib render it as map_catalog would
        from rdflib.plugins.serializers.nt import _quoteLiteral

        return _Lit(_quoteLiteral(Literal(value, lang=lang, datatype=datatype)))
    text = '"' + value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r") + '"'
    if lang:
        return _Lit(f"{text}@{lang}")
    if datatype is not None:
        return _Lit(f"{text}^^<{datatype}>")
    return _Lit(text)


class _NTMapper(_Mapper):
    """The N-Triples emitter: every triple as a line of text, no rdflib objects for literals or
    triples; a triple emitted twice is kept once (as a Graph would), in first-emitted order."""

    def __init__(self) -> None:
        self.lines: dict[str, None] = {}

    def add(self, s: Node, p: Node, o: Any) -> None:
        self.lines[f"<{s}> <{p}> {o if type(o) is _Lit else f'<{o}>'} .\n"] = None

    def lit(self, value: str, lang: str | None = None, datatype: URIRef | None = None) -> Any:
        return _nt_literal(value, lang, datatype)

    def statement(self, s: URIRef, p: URIRef, o: URIRef) -> URIRef:
        digest = hashlib.sha1(f"<{s}> <{p}> <{o}>".encode()).hexdigest()[:20]  # = statement_iri(s, p, o)
        return URIRef(f"{ID}statement/{digest}")


@dataclass(frozen=True)
class NTriples:
    """Triples as N-Triples text (UTF-8, one triple a line, each once), as :func:`map_catalog_nt`
    writes them; ``len()`` is the number of triples. :func:`cyberkg.store.add_graph` bulk-loads it
    like a ``Graph``."""

    data: bytes
    count: int

    def __len__(self) -> int:
        return self.count

    def graph(self) -> Graph:
        """The same triples as an rdflib ``Graph``."""
        g = Graph()
        g.parse(data=self.data, format="nt")
        return g


def map_catalog(catalog: Catalog) -> Graph:
    """The curated graph for every record in ``catalog``."""
    m = _Mapper()
    _map(catalog, m)
    return m.g


def map_catalog_nt(catalog: Catalog) -> NTriples:
    """The curated graph for every record in ``catalog`` as N-Triples — the same triples as
    :func:`map_catalog`, written without rdflib objects (several times faster at 1M triples)."""
    m = _NTMapper()
    _map(catalog, m)
    return NTriples("".join(m.lines).encode("utf-8"), len(m.lines))


def _map(catalog: Catalog, m: _Mapper) -> None:
    for rec in catalog.all("side"):
        node = URIRef(iri("side", rec.id))
        m.common(rec, node, CYBER.Side)
        m.add(node, SKOS.notation, m.lit(rec.get("code")))
        m.add(node, CYBER.sideActor, URIRef(iri("actor", rec.get("actor").id)))
        m.domains(rec, node)
    for rec in catalog.all("actor"):
        node = URIRef(iri("actor", rec.id))
        srcs = m.common(rec, node, CYBER.Actor)
        kind = rec.get("kind").id
        m.add(node, RDF.type, ACTOR_CLASS.get(kind, CYBER.Actor))
        m.add(node, CYBER.actorKind, AKIND[kind])
        m.refs(rec, node, "part_of", CYBER.partOf, "actor", srcs)
        m.refs(rec, node, "member_of", CYBER.memberOf, "actor", srcs)
        m.refs(rec, node, "side", CYBER.onSide, "side", srcs)
        m.date(node, CYBER.established, rec.get("established"))
        m.date(node, CYBER.dissolved, rec.get("dissolved"))
        if rec.get("homepage"):
            m.add(node, FOAF.homepage, URIRef(rec.get("homepage")))
        m.domains(rec, node)
    for rec in catalog.all("goal"):
        node = URIRef(iri("goal", rec.id))
        m.common(rec, node, CYBER.StrategicGoal)
        m.add(node, RDF.type, SKOS.Concept)
        m.text(node, SKOS.prefLabel, rec.label)
        if rec.get("broader"):
            m.add(node, SKOS.broader, URIRef(iri("goal", rec.get("broader").id)))
        for p in rec.get("pursued_by", []):
            actor = URIRef(iri("actor", p["actor"].id))
            src = p["stated_in"].id
            pursuit = URIRef(f"{ID}pursuit/{rec.id}/{p['actor'].id}/{p['since'].text}")
            m.add(pursuit, RDF.type, CYBER.GoalPursuit)
            m.add(pursuit, CYBER.pursuer, actor)
            m.add(pursuit, CYBER.pursuedGoal, node)
            m.add(pursuit, CYBER.statedIn, URIRef(iri("source", src)))
            m.add(pursuit, PROV.wasDerivedFrom, URIRef(iri("source", src)))
            m.date(pursuit, CYBER.since, p["since"])
            m.date(pursuit, CYBER.until, p.get("until"))
            if p.get("confidence"):
                m.add(pursuit, CYBER.confidence, m.lit(p["confidence"]))
            m.text(pursuit, SKOS.editorialNote, p.get("note"))
            m.relate(actor, CYBER.pursues, node, [src])
    for rec in catalog.all("instrument"):
        node = URIRef(iri("instrument", rec.id))
        srcs = m.common(rec, node, CYBER.PolicyInstrument)
        m.add(node, CYBER.instrumentType, IT[rec.get("type").id])
        for name, p in (("adopted", CYBER.adopted), ("in_force", CYBER.inForce), ("ended", CYBER.ended),
                        ("struck_down", CYBER.struckDown), ("until", CYBER.expires)):
            m.date(node, p, rec.get(name))
        if rec.get("struck_down_by"):
            m.add(node, CYBER.struckDownBy, URIRef(iri("source", rec.get("struck_down_by").id)))
        m.refs(rec, node, "parties", CYBER.party, "actor", srcs)
        m.refs(rec, node, "addresses", CYBER.addresses, "goal", srcs)
        m.concepts(rec, node, "counters", CYBER.counters, THREAT, srcs)
        m.refs(rec, node, "responds_to", CYBER.respondsTo, "incident", srcs)
        m.refs(rec, node, "attributes_to", CYBER.attributesTo, "actor", srcs)
        m.refs(rec, node, "targets", CYBER.targets, "actor", srcs)
        m.refs(rec, node, "part_of", CYBER.partOfInstrument, "instrument", srcs)
        m.refs(rec, node, "supersedes", CYBER.supersedes, "instrument", srcs)
        m.concepts(rec, node, "commitment", CYBER.commitment, CL, srcs)
        m.concepts(rec, node, "lifecycle", CYBER.ownLifecycle, LIFECYCLE, srcs)
        m.concepts(rec, node, "functions", CYBER.function, IFN, srcs)
    for rec in catalog.all("incident"):
        node = URIRef(iri("incident", rec.id))
        srcs = m.common(rec, node, CYBER.Incident)
        m.date(node, CYBER.occurred, rec.get("date"))
        m.date(node, CYBER.endDate, rec.get("end_date"))
        m.concepts(rec, node, "threats", CYBER.threatCategory, THREAT, srcs)
        m.refs(rec, node, "affected", CYBER.affected, "actor", srcs)
    for rec in catalog.all("source"):
        node = URIRef(iri("source", rec.id))
        m.common(rec, node, CYBER.SourceDocument)
        m.text(node, DCTERMS.title, rec.get("title"))
        for issuer in rec.refs("issuer"):  # one actor, or several for a joint act (Parliament and Council)
            m.add(node, CYBER.issuer, URIRef(iri("actor", issuer.id)))
        m.date(node, DCTERMS.issued, rec.get("date"))
        if rec.get("identifier"):
            m.add(node, DCTERMS.identifier, m.lit(rec.get("identifier")))
        if rec.get("no_identifier"):
            m.text(node, CYBER.noOfficialIdentifier, rec.get("no_identifier"))
        m.text(node, CYBER.identifierUnconfirmed, rec.get("identifier_unconfirmed"))
        m.text(node, CYBER.officialCopyUnavailable, rec.get("official_copy_unavailable"))
        m.add(node, SCHEMA.url, URIRef(rec.get("url")))
        for author in rec.get("authors", []):
            m.add(node, DCTERMS.creator, m.lit(author))
        if rec.get("type"):
            m.add(node, CYBER.sourceType, STYPE[rec.get("type").id])
    for rec in catalog.all("divergence"):
        node = URIRef(iri("divergence", rec.id))
        srcs = m.common(rec, node, CYBER.Divergence)
        m.date(node, CYBER.divergentSince, rec.get("since"))
        m.refs(rec, node, "goals", CYBER.concernsGoal, "goal", srcs)
        m.concepts(rec, node, "limits", CYBER.limitsFunction, IFN, srcs)
        m.concepts(rec, node, "rules_out", CYBER.rulesOutFunction, IFN, srcs)
        for pos in rec.get("positions", []):
            side = pos["side"].id
            pnode = URIRef(f"{ID}divergence/{rec.id}/position/{side}")
            m.add(node, CYBER.position, pnode)
            m.add(pnode, RDF.type, CYBER.Position)
            m.add(pnode, CYBER.positionOf, URIRef(iri("side", side)))
            m.text(pnode, DCTERMS.description, pos.get("summary"))
            for s in pos.get("sources", []):
                m.add(pnode, PROV.wasDerivedFrom, URIRef(iri("source", s.id)))
    for rec in catalog.all("claim"):
        node = URIRef(iri("claim", rec.id))
        srcs = m.common(rec, node, CYBER.Claim)
        m.text(node, CYBER.claimText, rec.get("text"))
        m.add(node, CYBER.claimStatedIn, URIRef(iri("source", rec.get("stated_in").id)))
        m.add(node, CYBER.checkedBy, m.lit(rec.get("query")))
        m.add(node, CYBER.expects, m.lit(rec.get("expects")))
        m.refs(rec, node, "goals", CYBER.aboutGoal, "goal", srcs or [rec.get("stated_in").id])
        m.concepts(rec, node, "functions", CYBER.claimFunction, IFN, srcs or [rec.get("stated_in").id])
        m.date(node, CYBER.periodStart, rec.get("since"))
        m.date(node, CYBER.periodEnd, rec.get("until"))
