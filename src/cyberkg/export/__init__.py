"""Exports: RDF for other tools (Turtle, TriG, N-Triples, JSON-LD; :mod:`cyberkg.export.rdf`) and
the analysts' shapes (csv-sheets, GraphML, GEXF; :mod:`cyberkg.export.sheets`)."""

from cyberkg.core.atomic import write_atomic
from cyberkg.export.rdf import collect, collect_dataset, serialize

__all__ = ["collect", "collect_dataset", "serialize", "write_atomic"]
