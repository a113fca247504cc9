"""What every importer shares: what the graph already holds, and triples with provenance.

Every imported record carries ``prov:wasDerivedFrom`` the file's own source node (and the sources
a row cites); every relationship is a plain triple plus an ``rdf:Statement`` reifying it with the
same provenance — the pattern of :mod:`cyberkg.mapping`, so it survives a plain Turtle export.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from cyberkg.core.errors import Problem
from cyberkg.core.namespaces import AKIND, CYBER, DCTERMS, ID, PROV, RDF, RDFS, SCHEMA, SKOS, VOCAB
from cyberkg.record.mapping import date_literal, statement_iri
from cyberkg.record.schema import PartialDate


def file_source_iri(layer: str) -> URIRef:
    """The source node standing for an imported file (one per layer)."""
    return URIRef(f"{ID}source/import/{layer}")


def author_iri(layer: str) -> URIRef:
    """The actor standing for the unnamed author of an imported file (used when no issuer is known)."""
    return URIRef(f"{ID}actor/import/{layer}/author")


def is_import_node(node: Node) -> bool:
    return str(node).startswith((f"{ID}source/import/", f"{ID}actor/import/"))


# Actor kinds that are a public body: an attribution by one is a policy act (an attribution statement);
# one by anybody else (a security company, MITRE) is an analytic assessment.
GOVERNMENT_KINDS = ("state", "supranational-union", "institution", "agency", "office", "legislature", "court",
                    "international-organisation", "multilateral-group", "joint-body")


@dataclass
class Known:
    """What the graph holds before the import: ids per kind, concepts per scheme, labels, identifiers."""

    records: dict[str, set[str]] = field(default_factory=dict)
    concepts: dict[str, set[str]] = field(default_factory=dict)
    labels: dict[str, set[URIRef]] = field(default_factory=dict)  # lower-cased label/alias -> actors
    incidents: dict[str, set[URIRef]] = field(default_factory=dict)  # lower-cased label/alias -> incidents
    identifiers: dict[str, URIRef] = field(default_factory=dict)  # dcterms:identifier -> node
    urls: dict[str, URIRef] = field(default_factory=dict)  # source URL -> source
    government: set[URIRef] = field(default_factory=set)  # actors of a public kind (state, agency, …)
    dates: dict[URIRef, str] = field(default_factory=dict)  # incident -> the date it occurred

    @classmethod
    def from_graph(cls, g: Graph) -> Known:
        k = cls()
        base = str(ID)
        for s, _, _ in g.triples((None, RDF.type, None)):
            text = str(s)
            if text.startswith(base) and not is_import_node(s):
                kind, _, slug = text[len(base) :].partition("/")
                if slug and "/" not in slug:
                    k.records.setdefault(kind, set()).add(slug)
        for c in g.subjects(RDF.type, SKOS.Concept):
            text = str(c)
            if text.startswith(str(VOCAB)):
                scheme, _, slug = text[len(str(VOCAB)) :].partition("/")
                k.concepts.setdefault(scheme, set()).add(slug)
        for p in (RDFS.label, SKOS.altLabel):
            for s, _, o in g.triples((None, p, None)):
                if isinstance(s, URIRef) and (s, RDF.type, CYBER.Actor) in g:
                    k.labels.setdefault(str(o).strip().lower(), set()).add(s)
                elif isinstance(s, URIRef) and (s, RDF.type, CYBER.Incident) in g:
                    k.incidents.setdefault(str(o).strip().lower(), set()).add(s)
        for s, _, o in g.triples((None, DCTERMS.identifier, None)):
            if isinstance(s, URIRef):
                k.identifiers.setdefault(str(o), s)
        for s, _, o in g.triples((None, SCHEMA.url, None)):
            if isinstance(s, URIRef):
                k.urls.setdefault(str(o), s)
        for s, _, o in g.triples((None, CYBER.occurred, None)):
            if isinstance(s, URIRef):
                k.dates.setdefault(s, str(o))
        public = {str(AKIND[x]) for x in GOVERNMENT_KINDS}
        for s, _, o in g.triples((None, CYBER.actorKind, None)):
            if isinstance(s, URIRef) and str(o) in public:
                k.government.add(s)
        return k

    def has(self, kind: str, slug: str) -> bool:
        return slug in self.records.get(kind, set())


@dataclass
class FileInfo:
    """The imported file: what its source node says."""

    layer: str
    name: str  # file name shown in messages and as the source title
    fmt: str
    sha256: str
    url: str | None = None  # where it is published, if the user says
    issuer: URIRef | None = None
    date: str | None = None

    @property
    def source(self) -> URIRef:
        return file_source_iri(self.layer)


def ni_uri(sha256_hex: str) -> URIRef:
    """RFC 6920 named-information URI of the file's content: stable, machine-independent."""
    digest = base64.urlsafe_b64encode(bytes.fromhex(sha256_hex)).decode().rstrip("=")
    return URIRef(f"ni:///sha-256;{digest}")


def too_deep_line(text: str, limit: int = 500) -> int:
    """The line where JSON nesting first goes past ``limit`` levels (after a RecursionError)."""
    depth, in_str, esc, line = 0, False, False, 1
    for ch in text:
        if ch == "\n":
            line += 1
        elif in_str:
            esc, in_str = (False, in_str) if esc else (ch == "\\", ch != '"')
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return line
        elif ch in "]}":
            depth -= 1
    return line


def json_problem(file: str, text: str, exc: Exception, hint: str) -> Problem:
    """A JSON syntax error (or nesting too deep to read) as a problem with its line."""
    if isinstance(exc, RecursionError):
        return Problem(file, too_deep_line(text), "the JSON is nested too deeply to read", hint)
    return Problem(file, getattr(exc, "lineno", None), f"not JSON: {exc}", hint)


def decode_problem(file: str, data: bytes, exc: UnicodeDecodeError, hint: str) -> Problem:
    line = data[: exc.start].count(b"\n") + 1
    return Problem(file, line, f"not UTF-8 text (byte {exc.start}: {exc.reason})", hint)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_date(text: str) -> PartialDate | None:
    """An ISO date, year-month or year (a longer timestamp is cut to its day), else None."""
    import datetime as dt
    import re

    text = text.strip()
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:[T ][0-9:.]+(?:Z|[+-][0-9:]+)?)?$", text)
    if not m:
        return None
    try:
        dt.date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
    except ValueError:
        return None
    return PartialDate("-".join(x for x in (m[1], m[2], m[3]) if x))


class Builder:
    """Collects a layer's triples, each record and relationship with the file as its source."""

    def __init__(self, info: FileInfo) -> None:
        self.info = info
        self.g = Graph()
        self.dates: list[PartialDate] = []

    def add(self, s: Node, p: Node, o: Node) -> None:
        self.g.add((s, p, o))

    def text(self, s: URIRef, p: URIRef, value: str | None, lang: str | None = "en") -> None:
        if value and value.strip():
            self.add(s, p, Literal(value.strip(), lang=lang))

    def date(self, s: URIRef, p: URIRef, value: PartialDate | None) -> None:
        if value is not None:
            self.add(s, p, date_literal(value))
            self.dates.append(value)

    def record(self, node: URIRef, classes: Iterable[URIRef], sources: Iterable[URIRef] = ()) -> None:
        for c in classes:
            self.add(node, RDF.type, c)
        self.add(node, PROV.wasDerivedFrom, self.info.source)
        for src in sources:
            self.add(node, PROV.wasDerivedFrom, src)

    def relate(
        self,
        s: URIRef,
        p: URIRef,
        o: URIRef,
        sources: Iterable[URIRef] = (),
        confidence: str | None = None,
        note: str | None = None,
    ) -> None:
        self.add(s, p, o)
        st = statement_iri(s, p, o)
        self.add(st, RDF.type, RDF.Statement)
        self.add(st, RDF.subject, s)
        self.add(st, RDF.predicate, p)
        self.add(st, RDF.object, o)
        self.add(st, PROV.wasDerivedFrom, self.info.source)
        for src in sources:
            self.add(st, PROV.wasDerivedFrom, src)
        if confidence:
            self.add(st, CYBER.confidence, Literal(confidence))
        if note:
            self.add(st, SKOS.editorialNote, Literal(note, lang="en"))

    def author(self) -> URIRef:
        """The actor standing for the file's unnamed author (pass ``--issuer`` to name the real one)."""
        node = author_iri(self.info.layer)
        self.add(node, RDF.type, CYBER.Actor)
        self.add(
            node, RDFS.label, Literal(f"author of {self.info.name} (layer {self.info.layer})", lang="en")
        )
        self.add(node, PROV.wasDerivedFrom, self.info.source)
        return node

    def finish(self, problems: list[Problem]) -> Graph:
        """Add the file's source node (title, hash, URL, issuer, date) and return the layer graph."""
        info = self.info
        src = info.source
        date = parse_date(info.date) if info.date else (max(self.dates) if self.dates else None)
        if date is None:
            problems.append(
                Problem(
                    info.name,
                    None,
                    "the file gives no date for its source node",
                    "pass --date YYYY-MM-DD (the date the file was written or published)",
                )
            )
            return self.g
        issuer = info.issuer if info.issuer is not None else self.author()
        self.add(src, RDF.type, CYBER.SourceDocument)
        self.add(src, RDF.type, PROV.Entity)
        self.add(src, DCTERMS.title, Literal(info.name))
        self.add(src, DCTERMS.identifier, Literal(f"sha256:{info.sha256}"))
        self.add(src, DCTERMS["format"], Literal(info.fmt))
        self.add(src, SCHEMA.url, URIRef(info.url) if info.url else ni_uri(info.sha256))
        self.add(src, CYBER.issuer, issuer)
        self.add(src, DCTERMS.issued, date_literal(date))
        return self.g
