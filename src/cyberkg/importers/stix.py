"""STIX 2.1 bundles (JSON) -> threat actors, incidents, attributions, with their STIX ids kept.

* ``threat-actor``, ``intrusion-set`` -> ``cyber:ThreatActor``; ``identity`` -> ``cyber:Actor``;
  ``campaign`` -> ``cyber:Incident``; ``malware`` -> ``schema:SoftwareApplication``;
  ``report`` -> ``cyber:SourceDocument`` (issuer: its ``created_by_ref`` identity).
* ``attributed-to`` by a government body (a curated actor of a public kind, or an identity whose
  ``sectors`` say government) -> an instrument of type ``attribution-statement`` whose party is the
  identity that created the relationship (or the report holding it), responding to the campaign and
  attributing to the target; by anybody else (a vendor, MITRE's knowledge base) -> an analytic
  assessment, ``prov:wasAttributedTo`` with its sources, no instrument. Actor -> actor also gives
  ``cyber:partOf``. With no known creator it is reported and skipped: nobody to say who attributes.
* ``targets`` from a campaign -> ``cyber:affected``; ``uses`` -> ``dcterms:relation``.
* Every node keeps ``dcterms:identifier "<stix id>"`` and ``owl:sameAs <urn:uuid:…>``; an ATT&CK id
  (G0007) is a second identifier and the IRI's slug (``actor/g0007``), its page an ``owl:sameAs``.
  An object already in the graph (same STIX or ATT&CK id, or a record whose label or alias is the
  object's NAME) is reused; an alias alone never merges: it is noted as a conflict, and a campaign
  whose dates miss the incident's, or that only shares a distinctive word with one, as a candidate.
* Revoked and deprecated objects (ATT&CK keeps both) and their relationships are skipped.
* Unknown object and relationship types are reported and skipped, never a crash.

Longer than 350 lines: the STIX 2.1 object types it maps (threat actors, intrusion sets,
campaigns, malware, identities, relationships) each need their own small mapping.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, Literal, URIRef

from cyberkg.core.errors import DataError, Problem
from cyberkg.core.namespaces import AKIND, CYBER, DCTERMS, ID, IT, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, iri
from cyberkg.importers.base import Builder, FileInfo, Known, decode_problem, json_problem, parse_date

STIX_ID = re.compile(
    r"^([a-z0-9]+(?:-[a-z0-9]+)*)--([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)
KNOWN_TYPES = ("threat-actor", "intrusion-set", "identity", "campaign", "malware", "report", "relationship")
IGNORED_QUIETLY = ("marking-definition", "extension-definition", "language-content")


@dataclass
class StixResult:
    graph: Graph
    notes: list[str] = field(default_factory=list)


def _text(obj: dict[str, Any], key: str) -> str | None:
    v = obj.get(key)
    return v.strip() if isinstance(v, str) and v.strip() else None


def _check(objects: list[Any], file: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for n, obj in enumerate(objects):
        where = f"objects[{n}]"
        if not isinstance(obj, dict):
            problems.append(Problem(file, None, f"{where} is not a JSON object", "each STIX object is {...}"))
            continue
        sid, typ = obj.get("id"), obj.get("type")
        if not isinstance(typ, str) or not isinstance(sid, str):
            problems.append(
                Problem(
                    file,
                    None,
                    f"{where} has no 'type' or 'id' string",
                    "every STIX object has both (STIX 2.1 §3.1)",
                )
            )
            continue
        m = STIX_ID.match(sid)
        if not m or m[1] != typ:
            problems.append(
                Problem(
                    file,
                    None,
                    f"{where}: id {sid!r} is not '{typ}--<uuid>'",
                    "a STIX id is the object type, two hyphens and a UUID",
                )
            )
            continue
        if sid in seen and typ != "marking-definition":
            problems.append(
                Problem(
                    file,
                    None,
                    f"{where}: id {sid!r} appears twice (also objects[{seen[sid]}])",
                    "keep one version of each object",
                )
            )
        seen[sid] = n
        if typ not in KNOWN_TYPES:
            continue
        for key in ("created", "modified", "first_seen", "last_seen", "published"):
            if key in obj and (not isinstance(obj[key], str) or parse_date(obj[key]) is None):
                problems.append(
                    Problem(
                        file,
                        None,
                        f"{where} ({sid}): '{key}' is not a STIX timestamp: {obj[key]!r}",
                        "write it like 2020-10-22T00:00:00.000Z",
                    )
                )
        name_needed = typ not in ("relationship",)
        if name_needed and _text(obj, "name") is None:
            problems.append(Problem(file, None, f"{where} ({sid}): a {typ} needs a 'name'"))
        for key in ("aliases", "object_refs", "external_references"):
            if key in obj and not isinstance(obj[key], list):
                problems.append(Problem(file, None, f"{where} ({sid}): '{key}' must be a list"))
        if typ == "relationship":
            for key in ("relationship_type", "source_ref", "target_ref"):
                if not isinstance(obj.get(key), str):
                    problems.append(Problem(file, None, f"{where} ({sid}): a relationship needs '{key}'"))
        refs = [("created_by_ref", obj["created_by_ref"])] if "created_by_ref" in obj else []
        if isinstance(obj.get("object_refs"), list):
            refs += [(f"object_refs[{i}]", r) for i, r in enumerate(obj["object_refs"])]
        for key, ref in refs:
            if not isinstance(ref, str) or not STIX_ID.match(ref):
                problems.append(Problem(file, None, f"{where} ({sid}): '{key}' is not a STIX id: {str(ref)[:80]!r}",
                                        "a reference is '<type>--<uuid>'"))
    return problems


def read_bundle(data: bytes, file: str) -> list[dict[str, Any]]:
    """The bundle's objects, checked; raises :class:`DataError` on anything malformed."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError([decode_problem(file, data, exc, "a STIX 2.1 bundle is a UTF-8 JSON file")]) from None
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise DataError([json_problem(file, text, exc, "a STIX 2.1 bundle is a JSON file")]) from None
    if isinstance(doc, dict) and doc.get("type") == "bundle":
        objects = doc.get("objects", [])
    elif isinstance(doc, dict) and isinstance(doc.get("type"), str) and "id" in doc:
        objects = [doc]
    else:
        raise DataError(
            [
                Problem(
                    file,
                    None,
                    'not a STIX 2.1 bundle (no "type": "bundle")',
                    "export a bundle from your threat-intelligence platform",
                )
            ]
        )
    if not isinstance(objects, list):
        raise DataError([Problem(file, None, "the bundle's 'objects' must be a list")])
    problems = _check(objects, file)
    if problems:
        raise DataError(problems)
    return objects


class _Mapper:
    def __init__(self, b: Builder, known: Known, objects: list[dict[str, Any]]) -> None:
        self.b, self.known = b, known
        self.by_id = {o["id"]: o for o in objects}
        self.nodes: dict[str, URIRef] = {}
        self.reused: set[URIRef] = set()
        self.notes: list[str] = []
        self.assessments = 0  # attributions by a non-government creator, kept as analytic assessments
        self.conflicts: list[str] = []  # an alias or name shared by several records: never merged silently
        self.candidates: list[str] = []  # a possible match left apart
        self.report_of: dict[str, dict[str, Any]] = {}  # object id -> report that holds it
        for o in objects:
            if o["type"] == "report":
                for ref in o.get("object_refs", []):
                    if isinstance(ref, str):
                        self.report_of.setdefault(ref, o)

    def node(self, obj: dict[str, Any]) -> URIRef:
        sid = obj["id"]
        if sid in self.nodes:
            return self.nodes[sid]
        uuid = sid.split("--", 1)[1].lower()
        typ = obj["type"]
        ext, _ = external_id(obj)
        found = self.known.identifiers.get(sid) or (self.known.identifiers.get(ext) if ext else None)
        if found is None and typ in ("threat-actor", "intrusion-set", "identity", "campaign"):
            found = self.match(obj)
        if found is not None:
            self.reused.add(found)
        else:
            kind = {"campaign": "incident", "report": "source", "malware": "malware"}.get(typ, "actor")
            slug = ext.lower() if ext and re.fullmatch(r"[A-Za-z]+\d+", ext) else f"stix-{uuid}"
            found = URIRef(iri(kind, slug) if kind != "malware" else f"{ID}malware/{slug}")
        self.nodes[sid] = found
        return found

    def match(self, obj: dict[str, Any]) -> URIRef | None:
        """The record an actor or campaign is, by its NAME (a label or alias of exactly one record);
        an alias alone never merges (FIN7's "Carbon Spider" is also DarkSide's): it is reported as a
        candidate, and a name and an alias that point at different records as a conflict. A campaign
        whose dates do not meet the incident's is a candidate too."""
        typ, sid, name = obj["type"], obj["id"], _text(obj, "name") or ""
        pool = {"campaign": self.known.incidents}.get(typ, self.known.labels)
        what = "incident" if typ == "campaign" else "actor"
        by_name = pool.get(name.lower(), set()) if name else set()
        aliases = [a for a in obj.get("aliases", []) if isinstance(a, str) and a.strip() and a.lower() != name.lower()]
        by_alias = {a: pool.get(a.lower(), set()) for a in aliases}
        others = sorted({str(n) for hits in by_alias.values() for n in hits} - {str(n) for n in by_name})
        if len(by_name) > 1:
            fits = ", ".join(sorted(map(str, by_name)))
            self.conflicts.append(f"{sid} ({name}): the name fits several {what}s ({fits}); not merged")
            return None
        if others:
            shared = sorted(a for a, hits in by_alias.items() if hits and not hits <= by_name)
            outcome = "merged by its name only" if by_name else "not merged"
            self.conflicts.append(f"{sid} ({name}): alias {', '.join(repr(a) for a in shared)} is also "
                                  f"{' and '.join(others)}; {outcome}")
        if len(by_name) != 1:
            if typ == "campaign" and not by_name:
                self.similar_incidents(obj, [name, *aliases])
            return None
        found = next(iter(by_name))
        if typ == "campaign" and not self.dates_meet(obj, found):
            self.candidates.append(f"{sid} ({name}) may be the incident {found}, but their dates do not meet; "
                                   "not merged")
            return None
        self.notes.append(f"{sid} ({name}) matched the existing {what} {found}")
        return found

    def similar_incidents(self, obj: dict[str, Any], names: list[str]) -> None:
        """Incidents that share a distinctive word with the campaign's name or aliases and whose date
        meets it: reported as candidates for a curator, never merged."""
        words = {w for n in names for w in _words(n)}
        if not words:
            return
        hits = sorted({str(n) for label, nodes in self.known.incidents.items() if words & _words(label)
                       for n in nodes if self.dates_meet(obj, n)})
        if hits:
            self.candidates.append(f"{obj['id']} ({_text(obj, 'name')}) may be the incident "
                                   f"{' or '.join(hits[:5])}; not merged (no name in common)")

    def dates_meet(self, obj: dict[str, Any], incident: URIRef) -> bool:
        """A campaign's first_seen..last_seen (a year's slack either side) holds the incident's date."""
        when = self.known.dates.get(incident)
        first = parse_date(obj.get("first_seen") or "")
        if when is None or first is None:
            return True
        last = parse_date(obj.get("last_seen") or "") or first
        return int(first.text[:4]) - 1 <= int(when[:4]) <= int(last.text[:4]) + 1

    def sources(self, obj: dict[str, Any]) -> list[URIRef]:
        rep = self.report_of.get(obj["id"])
        return [self.node(rep)] if rep is not None and obj["type"] != "report" else []

    def common(self, obj: dict[str, Any], node: URIRef, classes: list[URIRef]) -> None:
        b = self.b
        existing = node in self.reused
        if obj["type"] == "report":
            b.add(node, RDF.type, CYBER.SourceDocument)
        else:
            b.record(node, classes, self.sources(obj))
        b.add(node, DCTERMS.identifier, Literal(obj["id"]))
        b.add(node, OWL.sameAs, URIRef("urn:uuid:" + obj["id"].split("--", 1)[1].lower()))
        ext, url = external_id(obj)
        if ext:  # ATT&CK's G0007, S0001, C0033…: a lookup key wherever an id is accepted
            b.add(node, DCTERMS.identifier, Literal(ext))
            if url:
                b.add(node, OWL.sameAs, URIRef(url))
        name = _text(obj, "name")
        b.text(node, SKOS.altLabel if existing else RDFS.label, name)
        b.text(node, DCTERMS.description, _text(obj, "description"))
        for alias in obj.get("aliases", []):
            if isinstance(alias, str) and alias.strip() and alias.strip() != name:
                b.text(node, SKOS.altLabel, alias)

    def obj(self, obj: dict[str, Any]) -> None:
        typ, b = obj["type"], self.b
        node = self.node(obj)
        if typ in ("threat-actor", "intrusion-set"):
            self.common(obj, node, [CYBER.Actor, CYBER.ThreatActor])
            if node not in self.reused:  # an actor has at most one kind: a matched one keeps its own
                b.add(node, CYBER.actorKind, AKIND["threat-actor"])
        elif typ == "identity":
            self.common(obj, node, [CYBER.Actor])
        elif typ == "campaign":
            self.common(obj, node, [CYBER.Incident])
            if node not in self.reused:  # a matched incident keeps its curated dates
                start = parse_date(obj.get("first_seen") or obj.get("created") or "")
                b.date(node, CYBER.occurred, start)
                if obj.get("last_seen"):
                    b.date(node, CYBER.endDate, parse_date(obj["last_seen"]))
        elif typ == "malware":
            self.common(obj, node, [SCHEMA.SoftwareApplication])
        elif typ == "report":
            self.common(obj, node, [CYBER.SourceDocument])
            b.text(node, DCTERMS.title, _text(obj, "name"), lang=None)
            b.date(node, DCTERMS.issued, parse_date(obj.get("published") or obj.get("created") or ""))
            refs = [r for r in obj.get("external_references", []) if isinstance(r, dict)]
            for ext in sorted({str(r["external_id"]) for r in refs if r.get("external_id")}):
                b.add(node, DCTERMS.identifier, Literal(ext))
            urls = [r.get("url") for r in refs]
            url = next((u for u in urls if isinstance(u, str) and re.match(r"^https?://\S+$", u)), None)
            b.add(
                node,
                SCHEMA.url,
                URIRef(url) if url else URIRef("urn:uuid:" + obj["id"].split("--")[1].lower()),
            )
            creator = self.by_id.get(obj.get("created_by_ref", ""))
            if creator and creator["type"] == "identity":
                b.add(node, CYBER.issuer, self.node(creator))
            else:
                b.add(node, CYBER.issuer, b.author())
                self.notes.append(
                    f"{obj['id']}: the report names no creator identity; its issuer is the file's author"
                )

    def relationship(self, rel: dict[str, Any]) -> None:
        rtype, sid = rel["relationship_type"], rel["id"]
        src, tgt = self.by_id.get(rel["source_ref"]), self.by_id.get(rel["target_ref"])
        if src is None or tgt is None:
            self.notes.append(f"{sid}: skipped, it points outside the bundle")
            return
        if src["type"] not in KNOWN_TYPES or tgt["type"] not in KNOWN_TYPES:
            self.notes.append(f"{sid}: skipped '{rtype}' between {src['type']} and {tgt['type']}")
            return
        s, o = self.node(src), self.node(tgt)
        srcs = self.sources(rel)
        conf = _confidence(rel.get("confidence"))
        actors = ("threat-actor", "intrusion-set", "identity")
        if rtype == "attributed-to" and tgt["type"] in actors:
            self.attribution(rel, src, tgt, s, o, srcs, conf)
        elif rtype == "targets" and src["type"] == "campaign" and tgt["type"] == "identity":
            self.b.relate(s, CYBER.affected, o, srcs, conf)
        elif rtype == "uses":
            self.b.relate(s, DCTERMS.relation, o, srcs, conf)
        else:
            self.notes.append(f"{sid}: skipped '{rtype}' from {src['type']} to {tgt['type']} (no mapping)")

    def attribution(
        self,
        rel: dict[str, Any],
        src: dict[str, Any],
        tgt: dict[str, Any],
        s: URIRef,
        o: URIRef,
        srcs: list[URIRef],
        conf: str | None,
    ) -> None:
        b = self.b
        if src["type"] in ("threat-actor", "intrusion-set", "identity"):
            b.relate(s, CYBER.partOf, o, srcs, conf)
        rep = self.report_of.get(rel["id"])
        creator = self.by_id.get(rel.get("created_by_ref") or (rep or {}).get("created_by_ref") or "")
        if creator is None or creator["type"] != "identity":
            self.notes.append(
                f"{rel['id']}: attribution of {_text(src, 'name')} to {_text(tgt, 'name')} has no "
                "creator identity, so no attribution statement was made"
            )
            return
        party = self.node(creator)
        if party not in self.known.government and "government" not in " ".join(
                str(x) for x in creator.get("sectors", []) if isinstance(x, str)):
            # A knowledge base's analytic link (MITRE's campaign -> group): an assessment, not a policy act,
            # so no instrument and nothing in the coverage figures.
            b.relate(s, PROV.wasAttributedTo, o, srcs, conf)
            self.assessments += 1
            return
        uuid = rel["id"].split("--", 1)[1].lower()
        inst = URIRef(iri("instrument", f"stix-{uuid}"))
        b.record(inst, [CYBER.PolicyInstrument], srcs)
        b.add(inst, DCTERMS.identifier, Literal(rel["id"]))
        b.add(inst, OWL.sameAs, URIRef("urn:uuid:" + uuid))
        b.add(inst, CYBER.instrumentType, IT["attribution-statement"])
        b.text(
            inst,
            RDFS.label,
            f"{_text(creator, 'name')}: {_text(src, 'name')} attributed to {_text(tgt, 'name')}",
        )
        b.text(inst, DCTERMS.description, _text(rel, "description"))
        when = (rep or {}).get("published") or rel.get("created") or ""
        b.date(inst, CYBER.adopted, parse_date(when))
        b.relate(inst, CYBER.party, self.node(creator), srcs, conf)
        b.relate(inst, CYBER.attributesTo, o, srcs, conf)
        if src["type"] == "campaign":
            b.relate(inst, CYBER.respondsTo, s, srcs, conf)


_COMMON = {"operation", "campaign", "attack", "attacks", "compromise", "intrusion", "intrusions", "against",
           "the", "and", "cyber", "cyberattack", "cyberattacks", "activity", "incident", "hack", "breach", "group"}


def _words(text: str) -> set[str]:
    """The distinctive words of a name (lower case, four letters or more, common words left out)."""
    return {w for w in re.findall(r"[a-z0-9]{4,}", text.lower()) if w not in _COMMON}


ATTACK_SOURCES = ("mitre-attack", "mitre-mobile-attack", "mitre-ics-attack")


def external_id(obj: dict[str, Any]) -> tuple[str | None, str | None]:
    """The ATT&CK id (G0007, S0001, C0033…) and its page, from ``external_references``."""
    for ref in obj.get("external_references", []) or []:
        if (isinstance(ref, dict) and ref.get("source_name") in ATTACK_SOURCES
                and isinstance(ref.get("external_id"), str)):
            url = ref.get("url")
            ok = isinstance(url, str) and re.match(r"^https://\S+$", url) is not None
            return ref["external_id"].strip(), url if ok else None
    return None, None


def _live(obj: dict[str, Any]) -> bool:
    """Not revoked and not deprecated (ATT&CK keeps both in its bundles; APT34 is revoked by OilRig)."""
    return obj.get("revoked") is not True and obj.get("x_mitre_deprecated") is not True


def _confidence(value: Any) -> str | None:
    """STIX confidence 0-100 -> high / medium / low (STIX 2.1 appendix A, 'High/Med/Low' scale)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return "high" if value >= 70 else "medium" if value >= 30 else "low"


def to_graph(data: bytes, info: FileInfo, known: Known) -> StixResult:
    """The layer graph of a STIX 2.1 bundle; raises :class:`DataError` on a malformed bundle."""
    everything = read_bundle(data, info.name)
    objects = [o for o in everything if _live(o)]
    gone = {o["id"] for o in everything if not _live(o)}
    b = Builder(info)
    m = _Mapper(b, known, objects)
    skipped: dict[str, int] = {}
    for o in objects:
        if o["type"] in KNOWN_TYPES and o["type"] != "relationship":
            m.obj(o)
        elif o["type"] not in KNOWN_TYPES:
            skipped[o["type"]] = skipped.get(o["type"], 0) + 1
    for o in objects:
        if o["type"] == "relationship" and not {o.get("source_ref"), o.get("target_ref")} & gone:
            m.relationship(o)
    if gone:
        m.notes.append(f"skipped {len(gone)} revoked or deprecated object(s) and their relationships")
    m.notes += [
        f"skipped {n} {t} object(s): not mapped"
        for t, n in sorted(skipped.items())
        if t not in IGNORED_QUIETLY
    ]
    if info.issuer is None:
        creators = {r.get("created_by_ref") for r in objects if r["type"] == "report"} - {None}
        if len(creators) == 1 and (c := m.by_id.get(str(next(iter(creators))))) and c["type"] == "identity":
            info.issuer = m.node(c)
    if info.date is None:
        stamps = [
            parse_date(o.get("modified") or o.get("created") or "")
            for o in objects
            if o["type"] in KNOWN_TYPES
        ]
        dates = [d for d in stamps if d is not None]
        if dates:
            info.date = max(dates).text
    if m.assessments:
        m.notes.append(f"{m.assessments} attribution(s) by a non-government creator kept as analytic assessments "
                       "(prov:wasAttributedTo), not attribution statements")
    m.notes += [f"conflict: {c}" for c in m.conflicts] + [f"candidate: {c}" for c in m.candidates]
    problems: list[Problem] = []
    g = b.finish(problems)
    if problems:
        raise DataError(problems)
    return StixResult(g, m.notes)
