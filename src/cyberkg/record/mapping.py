"""Records -> triples. Pure: a :class:`~cyberkg.records.Catalog` in, an rdflib ``Graph`` out.

Every relationship is a plain triple (easy to query) and, when it has a source, confidence or
note, an ``rdf:Statement`` that reifies it and carries ``prov:wasDerivedFrom`` — so provenance
survives a plain Turtle export, not only named graphs. Statement IRIs are a hash of the triple,
so the same input always gives the same graph.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from cyberkg.core.namespaces import (
    AKIND,
    CYBER,
    DCTERMS,
    FOAF,
    ID,
    IT,
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
    def __init__(self) -> None:
        self.g = Graph()

    def add(self, s: Node, p: Node, o: Node) -> None:
        self.g.add((s, p, o))

    def text(self, s: URIRef, p: URIRef, value: str | None, lang: str | None = "en") -> None:
        if value:
            self.add(s, p, Literal(value, lang=lang))

    def relate(self, s: URIRef, p: URIRef, o: URIRef, sources: Iterable[str], ref: Ref | None = None) -> None:
        """A relationship, reified with its sources (the ref's own, else the record's)."""
        self.add(s, p, o)
        srcs = list(ref.sources) if ref is not None and ref.sources else list(sources)
        conf = ref.confidence if ref is not None else None
        note = ref.note if ref is not None else None
        if not srcs and not conf and not note:
            return
        st = statement_iri(s, p, o)
        self.add(st, RDF.type, RDF.Statement)
        self.add(st, RDF.subject, s)
        self.add(st, RDF.predicate, p)
        self.add(st, RDF.object, o)
        for src in srcs:
            self.add(st, PROV.wasDerivedFrom, URIRef(iri("source", src)))
        if conf:
            self.add(st, CYBER.confidence, Literal(conf))
        if note:
            self.add(st, SKOS.editorialNote, Literal(note, lang="en"))

    def common(self, rec: Record, node: URIRef, cls: URIRef) -> list[str]:
        self.add(node, RDF.type, cls)
        self.text(node, RDFS.label, rec.label)
        self.text(node, DCTERMS.description, rec.get("description"))
        for alias in rec.get("aliases", []):
            self.text(node, SKOS.altLabel, alias)
        if rec.get("wikidata"):
            self.add(node, OWL.sameAs, WD[rec.get("wikidata")])
        if rec.get("confidence"):
            self.add(node, CYBER.confidence, Literal(rec.get("confidence")))
        self.text(node, SKOS.editorialNote, rec.get("note"))
        sources = [r.id for r in rec.refs("sources")]
        for src in sources:
            self.add(node, PROV.wasDerivedFrom, URIRef(iri("source", src)))
        return sources

    def domains(self, rec: Record, node: URIRef) -> None:
        for domain in rec.get("domains", []):
            self.add(node, CYBER.officialDomain, Literal(domain.strip().lower()))

    def date(self, node: URIRef, p: URIRef, value: PartialDate | None) -> None:
        if value is not None:
            self.add(node, p, date_literal(value))

    def refs(self, rec: Record, node: URIRef, name: str, p: URIRef, kind: str, sources: list[str]) -> None:
        for ref in rec.refs(name):
            self.relate(node, p, URIRef(iri(kind, ref.id)), sources, ref)

    def concepts(self, rec: Record, node: URIRef, name: str, p: URIRef, ns: object,
                 sources: list[str]) -> None:
        for ref in rec.refs(name):
            self.relate(node, p, URIRef(f"{ns}{ref.id}"), sources, ref)


def map_catalog(catalog: Catalog) -> Graph:
    """The curated graph for every record in ``catalog``."""
    m = _Mapper()
    for rec in catalog.all("side"):
        node = URIRef(iri("side", rec.id))
        m.common(rec, node, CYBER.Side)
        m.add(node, SKOS.notation, Literal(rec.get("code")))
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
                m.add(pursuit, CYBER.confidence, Literal(p["confidence"]))
            m.text(pursuit, SKOS.editorialNote, p.get("note"))
            m.relate(actor, CYBER.pursues, node, [src])
    for rec in catalog.all("instrument"):
        node = URIRef(iri("instrument", rec.id))
        srcs = m.common(rec, node, CYBER.PolicyInstrument)
        m.add(node, CYBER.instrumentType, IT[rec.get("type").id])
        for name, p in (("adopted", CYBER.adopted), ("in_force", CYBER.inForce), ("ended", CYBER.ended),
                        ("struck_down", CYBER.struckDown)):
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
        m.add(node, CYBER.issuer, URIRef(iri("actor", rec.get("issuer").id)))
        m.date(node, DCTERMS.issued, rec.get("date"))
        if rec.get("identifier"):
            m.add(node, DCTERMS.identifier, Literal(rec.get("identifier")))
        if rec.get("no_identifier"):
            m.text(node, CYBER.noOfficialIdentifier, rec.get("no_identifier"))
        m.add(node, SCHEMA.url, URIRef(rec.get("url")))
        if rec.get("type"):
            m.add(node, CYBER.sourceType, STYPE[rec.get("type").id])
    for rec in catalog.all("divergence"):
        node = URIRef(iri("divergence", rec.id))
        srcs = m.common(rec, node, CYBER.Divergence)
        m.date(node, CYBER.divergentSince, rec.get("since"))
        m.refs(rec, node, "goals", CYBER.concernsGoal, "goal", srcs)
        for pos in rec.get("positions", []):
            side = pos["side"].id
            pnode = URIRef(f"{ID}divergence/{rec.id}/position/{side}")
            m.add(node, CYBER.position, pnode)
            m.add(pnode, RDF.type, CYBER.Position)
            m.add(pnode, CYBER.positionOf, URIRef(iri("side", side)))
            m.text(pnode, DCTERMS.description, pos.get("summary"))
            for s in pos.get("sources", []):
                m.add(pnode, PROV.wasDerivedFrom, URIRef(iri("source", s.id)))
    return m.g
