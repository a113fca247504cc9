"""The IRIs cyberkg mints and the vocabularies it reuses."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/cyberkg/"
CYBER = Namespace(BASE + "ontology#")
ONTOLOGY_IRI = BASE + "ontology"
ID = Namespace(BASE + "id/")
VOCAB = Namespace(BASE + "vocab/")
IT = Namespace(BASE + "vocab/instrument-type/")
THREAT = Namespace(BASE + "vocab/threat/")
AKIND = Namespace(BASE + "vocab/actor-kind/")
STYPE = Namespace(BASE + "vocab/source-type/")
CL = Namespace(BASE + "vocab/commitment-level/")
IFN = Namespace(BASE + "vocab/instrument-function/")
LIFECYCLE = Namespace(BASE + "vocab/lifecycle/")
GRAPH = Namespace(BASE + "graph/")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
WD = Namespace("http://www.wikidata.org/entity/")
VANN = Namespace("http://purl.org/vocab/vann/")

# Named graphs: curated facts, the ontology (TBox), controlled vocabularies, build-time derivations.
G_CURATED = GRAPH["curated"]
G_ONTOLOGY = GRAPH["ontology"]
G_VOCAB = GRAPH["vocab"]
G_DERIVED = GRAPH["derived"]
LAYER = Namespace(BASE + "graph/layer/")

# Record kind -> IRI path segment.
KIND_PATH = {
    "side": "side",
    "actor": "actor",
    "goal": "goal",
    "instrument": "instrument",
    "incident": "incident",
    "source": "source",
    "divergence": "divergence",
    "claim": "claim",
}


def iri(kind: str, slug: str) -> str:
    """The IRI of a record of ``kind`` with id ``slug``."""
    return f"{ID}{KIND_PATH[kind]}/{slug}"


PREFIXES = {
    "cyber": CYBER,
    "kg": ID,
    "it": IT,
    "threat": THREAT,
    "akind": AKIND,
    "stype": STYPE,
    "cl": CL,
    "ifn": IFN,
    "lifecycle": LIFECYCLE,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "org": ORG,
    "foaf": FOAF,
    "schema": SCHEMA,
    "vann": VANN,
}

__all__ = [
    "AKIND", "BASE", "CL", "CYBER", "DCTERMS", "FOAF", "GRAPH", "G_CURATED", "G_DERIVED", "G_ONTOLOGY",
    "G_VOCAB", "ID", "IFN", "IT", "LAYER", "LIFECYCLE", "ONTOLOGY_IRI", "ORG", "OWL", "PREFIXES", "PROV", "RDF", "RDFS",
    "SCHEMA", "SKOS", "STYPE", "THREAT", "VANN", "VOCAB", "WD", "XSD", "iri",
]
