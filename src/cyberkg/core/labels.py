"""Labels in the reader's language.

Nodes may carry ``rdfs:label`` in several languages (the Wikidata enrichment adds the official EU
languages). :func:`pick` chooses one: the asked language, then its base language (``de`` for
``de-AT``), then English, then an untagged label, then the first label in sorted order — so a
table never comes out empty and the same graph always gives the same label. The language comes
from ``--lang`` on the commands that take it, else ``CYBERKG_LANG``, else ``en``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from rdflib import Literal, URIRef

DEFAULT = "en"
# The 24 official languages of the EU.
EU_LANGUAGES = (
    "bg",
    "cs",
    "da",
    "de",
    "el",
    "en",
    "es",
    "et",
    "fi",
    "fr",
    "ga",
    "hr",
    "hu",
    "it",
    "lt",
    "lv",
    "mt",
    "nl",
    "pl",
    "pt",
    "ro",
    "sk",
    "sl",
    "sv",
)


def current(lang: str | None = None) -> str:
    """The language to show: ``lang`` if given, else ``CYBERKG_LANG``, else English."""
    return (lang or os.environ.get("CYBERKG_LANG") or DEFAULT).strip().lower()


def choose(labels: Iterable[Literal], lang: str | None = None) -> str | None:
    """The best of ``labels`` for ``lang`` (see the module docstring for the order)."""
    want = current(lang)
    items = sorted({(lab.language or "", str(lab)) for lab in labels})
    if not items:
        return None
    for test in (
        lambda t: t == want,
        lambda t: t == want.split("-")[0],
        lambda t: t.split("-")[0] == want,
        lambda t: t == DEFAULT,
        lambda t: t == "",
    ):
        for tag, text in items:
            if test(tag):
                return text
    return items[0][1]


def pick(ds: Any, iri: URIRef | str, lang: str | None = None) -> str | None:
    """The label of ``iri`` in ``lang`` from any graph of ``ds`` (an rdflib dataset or an endpoint)."""
    return pick_many(ds, [URIRef(str(iri))], lang).get(URIRef(str(iri)))


def pick_many(ds: Any, iris: Iterable[URIRef], lang: str | None = None) -> dict[URIRef, str]:
    """Labels of many nodes in one query; nodes with no label are left out."""
    nodes = sorted({URIRef(str(i)) for i in iris})
    if not nodes:
        return {}
    values = " ".join(n.n3() for n in nodes)
    text = (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        f"SELECT ?x ?label WHERE {{ VALUES ?x {{ {values} }} ?x rdfs:label ?label }}"
    )
    found: dict[URIRef, list[Literal]] = {}
    for x, label in ds.query(text):
        if isinstance(label, Literal):
            found.setdefault(URIRef(str(x)), []).append(label)
    return {n: lab for n in nodes if (lab := choose(found.get(n, []), lang)) is not None}


def relabel_rows(ds: Any, columns: list[str], rows: list[dict[str, Any]], lang: str | None) -> list[dict[str, Any]]:
    """Rows with every label column in ``lang``: a column ``xLabel`` takes the label of the IRI in
    column ``x``; a column ``label`` that of the first IRI column. Rows are returned as new dicts."""
    if current(lang) == DEFAULT:
        return rows
    pairs = []
    for col in columns:
        if col.endswith("Label") and col[: -len("Label")] in columns:
            pairs.append((col, col[: -len("Label")]))
        elif col == "label":
            iri_col = next((c for c in columns if rows and isinstance(rows[0].get(c), URIRef)), None)
            if iri_col is not None:
                pairs.append((col, iri_col))
    if not pairs:
        return rows
    iris = {r[i] for r in rows for _, i in pairs if isinstance(r.get(i), URIRef)}
    names = pick_many(ds, iris, lang)
    out = []
    for r in rows:
        new = dict(r)
        for label_col, iri_col in pairs:
            node = r.get(iri_col)
            if isinstance(node, URIRef) and node in names:
                new[label_col] = Literal(names[node])
        out.append(new)
    return out
