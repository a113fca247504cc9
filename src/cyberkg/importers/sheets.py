"""Spreadsheets (XLSX, or a CSV pair) in the two-sheet system-map shape -> a layer graph.

Every problem names the file, the sheet, the row and the column, and suggests the nearest known
id, kind or type. Nothing is returned unless the whole file is clean.

Longer than 350 lines: one reader for both sheets (elements and connections) and their row
checks, kept together so each error names its sheet, row and column the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from cyberkg.core.errors import DataError, Problem
from cyberkg.core.namespaces import (
    AKIND,
    CYBER,
    DCTERMS,
    ID,
    IT,
    OWL,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    STYPE,
    THREAT,
    WD,
    iri,
)
from cyberkg.importers.base import Builder, FileInfo, Known, parse_date
from cyberkg.importers.sheet_read import CellProblem, Sheet, read
from cyberkg.importers.sheet_schema import (
    DATE_COLUMNS,
    ELEMENTS,
    KINDS,
    ONLY_FOR,
    RELATIONS,
    REQUIRED,
    TYPE_SCHEME,
    normalise_relation,
    split,
)
from cyberkg.record.mapping import ACTOR_CLASS
from cyberkg.record.schema import CONFIDENCE, QID, SLUG, did_you_mean

SCHEME_NS = {"actor-kind": AKIND, "instrument-type": IT, "threat": THREAT, "source-type": STYPE}


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


class _Mapper:
    def __init__(self, b: Builder, known: Known, problems: list[Problem]) -> None:
        self.b = b
        self.known = known
        self.taken = Known()  # ids other layers define: refused here, never mapped onto
        self.problems = problems
        self.kinds: dict[str, set[str]] = {}  # element id -> its kinds (a source and an instrument may share one)

    def problem(self, sheet: Sheet, row: int, column: str, message: str, hint: str = "") -> None:
        self.problems.append(CellProblem(sheet.file, row, message, hint, sheet.name, column))

    def resolve(self, sheet: Sheet, row: int, column: str, ref: str, kinds: tuple[str, ...]) -> URIRef | None:
        """An id from this file or the curated record, of one of ``kinds`` (``kind:id`` forces one)."""
        kind_hint, _, rid = ref.rpartition(":") if ":" in ref and not ref.startswith("http") else ("", "", ref)
        wanted = (kind_hint,) if kind_hint in kinds else kinds
        hits = sorted(self.kinds.get(rid, set()) & set(wanted))
        if len(hits) == 1:
            return URIRef(iri(hits[0], rid))
        if hits:
            self.problem(sheet, row, column, f"{ref!r} is {' and '.join(_a(k) for k in hits)} in this file",
                         f"say which: {hits[0]}:{rid}")
            return None
        for k in wanted:
            if self.known.has(k, rid):
                return URIRef(iri(k, rid))
        curated = {k for k in (*KINDS, "side") if self.known.has(k, rid)}
        elsewhere = sorted((self.kinds.get(rid, set()) | curated) - {""})
        pool = {i for i, ks in self.kinds.items() if ks & set(wanted)}
        for k in wanted:
            pool |= self.known.records.get(k, set())
        hint = did_you_mean(rid, pool) or (
            f"{rid!r} is a {' and a '.join(elsewhere)}, not a {' or '.join(wanted)}"
            if elsewhere
            else f"add it to the {ELEMENTS} sheet, or use the id of a curated record"
        )
        self.problem(sheet, row, column, f"unknown {' or '.join(wanted)} {ref!r}", hint)
        return None

    def concept(self, sheet: Sheet, row: int, column: str, scheme: str, value: str) -> URIRef | None:
        known = self.known.concepts.get(scheme, set())
        if value not in known:
            self.problem(
                sheet,
                row,
                column,
                f"{value!r} is not in the {scheme} scheme",
                did_you_mean(value, known) or f"one of: {', '.join(sorted(known))}",
            )
            return None
        return URIRef(f"{SCHEME_NS[scheme]}{value}")

    def sources(self, sheet: Sheet, row: int, cells: dict[str, str]) -> list[URIRef]:
        out = []
        for s in split(cells.get("sources", "")):
            node = self.resolve(sheet, row, "sources", s, ("source",))
            if node is not None:
                out.append(node)
        return out

    def first_pass(self, sheet: Sheet) -> None:
        for row, cells in sheet.rows:
            rid, kind = cells.get("id", ""), cells.get("kind", "").lower()
            if not rid:
                self.problem(sheet, row, "id", "the row has no id", "give every element a short slug id")
                continue
            if not SLUG.match(rid):
                self.problem(
                    sheet,
                    row,
                    "id",
                    f"id {rid!r} is not a slug",
                    "use lower-case letters, digits and single hyphens, e.g. 'eu-cyber-sanctions'",
                )
                continue
            if kind not in KINDS:
                self.problem(
                    sheet,
                    row,
                    "kind",
                    f"unknown kind {cells.get('kind', '')!r}",
                    did_you_mean(kind, KINDS) or f"one of: {', '.join(KINDS)}",
                )
                continue
            if kind in self.kinds.get(rid, set()):
                self.problem(sheet, row, "id", f"id {rid!r} is used twice for {_a(kind)}",
                             "give each element its own id")
                continue
            if self.known.has(kind, rid) or self.taken.has(kind, rid):
                self.problem(
                    sheet,
                    row,
                    "id",
                    f"{rid!r} is already {_a(kind)} in the graph (curated or another layer)",
                    "refer to it in the connections sheet without redefining it, or pick another id",
                )
                continue
            self.kinds.setdefault(rid, set()).add(kind)

    def element(self, sheet: Sheet, row: int, cells: dict[str, str]) -> None:
        rid, kind = cells["id"], cells["kind"].lower()
        node = URIRef(iri(kind, rid))
        for col in REQUIRED[kind]:
            if not cells.get(col):
                self.problem(sheet, row, col, f"{_a(kind)} needs a {col!r}")
        for col, kinds in ONLY_FOR.items():
            if cells.get(col) and kind not in kinds:
                self.problem(sheet, row, col, f"{col!r} is not used for {_a(kind)}", f"only for: {', '.join(kinds)}")
        srcs = self.sources(sheet, row, cells)
        b = self.b
        dates = {}
        for col in DATE_COLUMNS:
            if cells.get(col):
                d = parse_date(cells[col])
                if d is None:
                    self.problem(
                        sheet,
                        row,
                        col,
                        f"{cells[col]!r} is not a date",
                        "write an ISO date such as 2019-05-17 (or 2019-05, or 2019)",
                    )
                dates[col] = d
        classes = {
            "actor": [CYBER.Actor],
            "goal": [CYBER.StrategicGoal, SKOS.Concept],
            "instrument": [CYBER.PolicyInstrument],
            "incident": [CYBER.Incident],
            "source": [CYBER.SourceDocument],
        }[kind]
        types = split(cells.get("type", "")) if kind == "incident" else ([cells["type"]] if cells.get("type") else [])
        if kind == "source":
            b.add(node, RDF.type, CYBER.SourceDocument)
            b.text(node, DCTERMS.title, cells.get("label"))
        else:
            b.record(node, classes, srcs)
        b.text(node, RDFS.label, cells.get("label"))
        if kind == "goal":
            b.text(node, SKOS.prefLabel, cells.get("label"))
        b.text(node, DCTERMS.description, cells.get("description"))
        for alias in split(cells.get("aliases", ""), commas=False):
            b.text(node, SKOS.altLabel, alias)
        if cells.get("wikidata"):
            if QID.match(cells["wikidata"]):
                b.add(node, OWL.sameAs, WD[cells["wikidata"]])
            else:
                self.problem(
                    sheet,
                    row,
                    "wikidata",
                    f"{cells['wikidata']!r} is not a Wikidata item id",
                    "write it like Q458",
                )
        if cells.get("confidence"):
            if cells["confidence"] in CONFIDENCE:
                b.add(node, CYBER.confidence, Literal(cells["confidence"]))
            else:
                self.problem(
                    sheet,
                    row,
                    "confidence",
                    f"{cells['confidence']!r} is not a confidence",
                    f"one of: {', '.join(CONFIDENCE)}",
                )
        b.text(node, SKOS.editorialNote, cells.get("note"))
        scheme = TYPE_SCHEME.get(kind)
        for t in types:
            concept = self.concept(sheet, row, "type", scheme, t) if scheme else None
            if concept is None:
                if scheme is None:
                    self.problem(sheet, row, "type", f"{_a(kind)} has no type", "leave the cell empty")
                continue
            if kind == "actor":
                b.add(node, RDF.type, ACTOR_CLASS.get(t, CYBER.Actor))
                b.add(node, CYBER.actorKind, concept)
            elif kind == "instrument":
                b.add(node, CYBER.instrumentType, concept)
            elif kind == "incident":
                b.relate(node, CYBER.threatCategory, concept, srcs)
            else:
                b.add(node, CYBER.sourceType, concept)
        for col, p in (
            ("adopted", CYBER.adopted),
            ("in_force", CYBER.inForce),
            ("ended", CYBER.ended),
            ("struck_down", CYBER.struckDown),
            ("end_date", CYBER.endDate),
        ):
            b.date(node, p, dates.get(col))
        b.date(node, CYBER.occurred if kind == "incident" else DCTERMS.issued, dates.get("date"))
        # side, issuer and url may hold several values, "; " apart (as csv-sheets writes them)
        for value in split(cells.get("side", "")):
            side = self.resolve(sheet, row, "side", value.lower(), ("side",))
            if side is not None:
                b.relate(node, CYBER.onSide, side, srcs)
        for value in split(cells.get("issuer", "")):
            issuer = self.resolve(sheet, row, "issuer", value, ("actor",))
            if issuer is not None:
                b.add(node, CYBER.issuer, issuer)
        if cells.get("identifier"):  # one identifier may itself hold "; " (CELEX:32023D1795; C(2023)4745)
            b.add(node, DCTERMS.identifier, Literal(cells["identifier"]))
        for url in split(cells.get("url", ""), commas=False):
            if re.match(r"^https?://\S+$", url):
                b.add(node, SCHEMA.url, URIRef(url))
            else:
                self.problem(
                    sheet,
                    row,
                    "url",
                    f"{url!r} is not an http(s) URL",
                    "give the full https:// address",
                )

    def connection(self, sheet: Sheet, row: int, cells: dict[str, str]) -> None:
        for col in ("from", "relation", "to"):
            if not cells.get(col):
                self.problem(sheet, row, col, f"the connection has no {col!r}")
        if not all(cells.get(c) for c in ("from", "relation", "to")):
            return
        rel = RELATIONS.get(normalise_relation(cells["relation"]))
        if rel is None:
            self.problem(
                sheet,
                row,
                "relation",
                f"unknown relation {cells['relation']!r}",
                did_you_mean(normalise_relation(cells["relation"]), RELATIONS) or f"one of: {', '.join(RELATIONS)}",
            )
            return
        s = self.resolve(sheet, row, "from", cells["from"], rel.from_kinds)
        scheme = rel.to_kind.partition(":")[2]
        o = (
            self.concept(sheet, row, "to", scheme, cells["to"])
            if scheme
            else self.resolve(sheet, row, "to", cells["to"], (rel.to_kind,))
        )
        srcs = self.sources(sheet, row, cells)
        conf = cells.get("confidence")
        if conf and conf not in CONFIDENCE:
            self.problem(sheet, row, "confidence", f"{conf!r} is not a confidence", f"one of: {', '.join(CONFIDENCE)}")
        since = parse_date(cells["since"]) if cells.get("since") else None
        until = parse_date(cells["until"]) if cells.get("until") else None
        for col, d in (("since", since), ("until", until)):
            if cells.get(col) and d is None:
                self.problem(sheet, row, col, f"{cells[col]!r} is not a date", "write an ISO date such as 2019-05-17")
            elif cells.get(col) and rel.name != "pursues":
                self.problem(sheet, row, col, f"{col!r} is only used for 'pursues'")
        if rel.name == "pursues" and since is None and not cells.get("since"):
            self.problem(
                sheet,
                row,
                "since",
                "'pursues' needs the date the goal is pursued since",
                "and a source in 'sources' (the strategy that states it)",
            )
        if s is None or o is None:
            return
        self.b.relate(s, rel.predicate, o, srcs, conf, cells.get("note"))
        if rel.name == "pursues" and since is not None:
            self.pursuit(s, o, since, until, srcs, conf, cells.get("note"))

    def pursuit(
        self,
        actor: URIRef,
        goal: URIRef,
        since: object,
        until: object,
        srcs: list[URIRef],
        conf: str | None,
        note: str | None,
    ) -> None:
        from cyberkg.record.schema import PartialDate

        assert isinstance(since, PartialDate)
        b = self.b
        aslug, gslug = str(actor).rsplit("/", 1)[-1], str(goal).rsplit("/", 1)[-1]
        node = URIRef(f"{ID}pursuit/{gslug}/{aslug}/{since.text}")
        b.record(node, [CYBER.GoalPursuit], srcs)
        b.add(node, CYBER.pursuer, actor)
        b.add(node, CYBER.pursuedGoal, goal)
        b.add(node, CYBER.statedIn, srcs[0] if srcs else self.b.info.source)
        b.date(node, CYBER.since, since)
        if isinstance(until, PartialDate):
            b.date(node, CYBER.until, until)
        if conf:
            b.add(node, CYBER.confidence, Literal(conf))
        b.text(node, SKOS.editorialNote, note)


def to_graph(
    files: list[tuple[Path, bytes]], fmt: str, info: FileInfo, known: Known, issuer: str | None = None,
    taken: Known | None = None,
) -> Graph:
    """The layer graph of a workbook or CSV pair; raises :class:`DataError` listing every bad cell.

    ``issuer`` (an actor id from this file or the curated record) issues the file's source node.
    ``taken``: the records other layers define; an element redefining one is refused (ids are global),
    but the mapping itself sees the curated record (``known``) only.
    """
    els, cons, problems = read(files, fmt)
    if problems:
        raise DataError(problems)
    b = Builder(info)
    m = _Mapper(b, known, problems)
    if taken is not None:
        m.taken = taken
    m.first_pass(els)
    for row, cells in els.rows:
        if cells.get("id") and cells.get("kind", "").lower() in m.kinds.get(cells["id"], set()):
            m.element(els, row, cells)
    if cons is not None:
        for row, cells in cons.rows:
            m.connection(cons, row, cells)
    if issuer:
        info.issuer = m.resolve(Sheet("--issuer", info.name), 0, "", issuer, ("actor",))
    g = b.finish(problems)
    if problems:
        raise DataError(problems)
    return g
