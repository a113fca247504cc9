"""The two-sheet shape analysts use for system maps: its columns, kinds and relations.

Shared by the spreadsheet importer and the ``csv-sheets`` export, so a round trip loses nothing
the shape can carry. ``docs/imports.md`` documents every column.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef

from cyberkg.core.namespaces import CYBER, SKOS

ELEMENTS = "elements"
CONNECTIONS = "connections"

ELEMENT_COLUMNS = (
    "id",
    "kind",
    "label",
    "type",
    "side",
    "adopted",
    "in_force",
    "ended",
    "struck_down",
    "date",
    "end_date",
    "issuer",
    "url",
    "identifier",
    "description",
    "aliases",
    "wikidata",
    "confidence",
    "note",
    "sources",
)
CONNECTION_COLUMNS = ("from", "relation", "to", "since", "until", "sources", "confidence", "note")

KINDS = ("actor", "goal", "instrument", "incident", "source")
# The concept scheme the ``type`` column draws from, by kind (incidents: threat categories, several).
TYPE_SCHEME = {
    "actor": "actor-kind",
    "instrument": "instrument-type",
    "incident": "threat",
    "source": "source-type",
}
REQUIRED = {
    "actor": ("label",),
    "goal": ("label",),
    "instrument": ("label", "type", "adopted"),
    "incident": ("label", "date"),
    "source": ("label", "issuer", "date", "url"),
}
# Columns that only make sense for some kinds.
ONLY_FOR = {
    "side": ("actor",),
    "adopted": ("instrument",),
    "in_force": ("instrument",),
    "ended": ("instrument",),
    "struck_down": ("instrument",),
    "date": ("incident", "source"),
    "end_date": ("incident",),
    "issuer": ("source",),
    "url": ("source",),
    "identifier": ("source",),
}
DATE_COLUMNS = ("adopted", "in_force", "ended", "struck_down", "date", "end_date")
HEADER_ALIASES = {
    "source": "sources",
    "source_ids": "sources",
    "in force": "in_force",
    "inforce": "in_force",
    "struck down": "struck_down",
    "end date": "end_date",
    "alias": "aliases",
    "qid": "wikidata",
    "title": "label",
    "name": "label",
    "predicate": "relation",
    "source_id": "sources",
}
SEP = ";"
# A cell starting with one of these is a formula to a spreadsheet program (CSV injection, OWASP):
# the csv-sheets export prefixes such a cell with a single quote, and the CSV reader takes it off.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Relation:
    name: str
    predicate: URIRef
    from_kinds: tuple[str, ...]
    to_kind: str  # a record kind, or "concept:<scheme>"


RELATIONS: dict[str, Relation] = {
    r.name: r
    for r in (
        Relation("party", CYBER.party, ("instrument",), "actor"),
        Relation("addresses", CYBER.addresses, ("instrument",), "goal"),
        Relation("counters", CYBER.counters, ("instrument",), "concept:threat"),
        Relation("responds_to", CYBER.respondsTo, ("instrument",), "incident"),
        Relation("attributes_to", CYBER.attributesTo, ("instrument",), "actor"),
        Relation("targets", CYBER.targets, ("instrument",), "actor"),
        Relation("part_of", CYBER.partOf, ("actor",), "actor"),
        Relation("part_of_instrument", CYBER.partOfInstrument, ("instrument",), "instrument"),
        Relation("member_of", CYBER.memberOf, ("actor",), "actor"),
        Relation("affected", CYBER.affected, ("incident",), "actor"),
        Relation("pursues", CYBER.pursues, ("actor",), "goal"),
        Relation("broader", SKOS.broader, ("goal",), "goal"),
        Relation("struck_down_by", CYBER.struckDownBy, ("instrument",), "source"),
    )
}
RELATION_ALIASES = {
    "parties": "party",
    "responds to": "responds_to",
    "attributes to": "attributes_to",
    "part of": "part_of",
    "member of": "member_of",
    "struck down by": "struck_down_by",
    "target": "targets",
    "address": "addresses",
    "pursue": "pursues",
}
BY_PREDICATE = {r.predicate: r for r in RELATIONS.values()}


def normalise_header(text: str) -> str:
    t = " ".join(str(text).strip().lower().replace("_", " ").replace("-", " ").split())
    return HEADER_ALIASES.get(t, t.replace(" ", "_"))


def normalise_relation(text: str) -> str:
    t = " ".join(text.strip().lower().replace("-", " ").replace("_", " ").split())
    return RELATION_ALIASES.get(t, t.replace(" ", "_"))


def split(value: str, commas: bool = True) -> list[str]:
    """The items of a multi-valued cell: ``;``-separated (ids may also be separated by commas)."""
    text = value.replace(",", SEP) if commas else value
    return [x.strip() for x in text.split(SEP) if x.strip()]
