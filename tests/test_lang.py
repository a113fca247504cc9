"""Labels in several languages: queries never duplicate rows, --lang picks the language."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDFS

from cyberkg import queries, store
from cyberkg.analysis.gaps import find_gaps
from cyberkg.core.labels import relabel_rows
from cyberkg.core.namespaces import iri
from cyberkg.record.loaders import load_catalog
from cyberkg.record.mapping import map_catalog


@pytest.fixture
def multilingual(tiny_home: Path):  # type: ignore[no-untyped-def]
    g = map_catalog(load_catalog(tiny_home / "graph"))
    g.add((URIRef(iri("goal", "evidence")), RDFS.label, Literal("Grenzüberschreitende Beweismittel", lang="de")))
    g.add((URIRef(iri("goal", "evidence")), RDFS.label, Literal("Preuves transfrontières", lang="fr")))
    g.add((URIRef(iri("actor", "european-union")), RDFS.label, Literal("Europäische Union", lang="de")))
    ds, _ = store.build(backend="memory", curated=g)
    return ds


def test_extra_languages_do_not_duplicate_rows(multilingual) -> None:  # type: ignore[no-untyped-def]
    report = find_gaps(multilingual, "2020-11-26")
    assert [g.label for g in report.gaps] == ["Cross-border evidence", "Impose costs", "Talk regularly"]


def test_gaps_in_german_fall_back_to_english(multilingual) -> None:  # type: ignore[no-untyped-def]
    report = find_gaps(multilingual, "2020-11-26", lang="de")
    assert [g.label for g in report.gaps] == ["Grenzüberschreitende Beweismittel", "Impose costs", "Talk regularly"]
    sanctions = next(g for g in report.gaps if g.label == "Impose costs")
    assert sanctions.pursuers["EU"][0]["actorLabel"] == "Europäische Union"


def test_query_rows_relabelled(multilingual) -> None:  # type: ignore[no-untyped-def]
    q = queries.find("gaps/shared-goals-without-joint-instrument")
    rows = queries.run(q, multilingual, {})
    fr = relabel_rows(multilingual, rows.vars, rows.rows, "fr")
    assert [str(r["label"]) for r in fr] == ["Preuves transfrontières", "Impose costs", "Talk regularly"]
    assert relabel_rows(multilingual, rows.vars, rows.rows, "en") == rows.rows


def test_view_labels_in_the_asked_language(multilingual) -> None:  # type: ignore[no-untyped-def]
    from cyberkg.views.network import to_networkx

    goal = iri("goal", "evidence")
    assert to_networkx(multilingual, lang="de").nodes[goal]["label"] == "Grenzüberschreitende Beweismittel"
    assert to_networkx(multilingual).nodes[goal]["label"] == "Cross-border evidence"
    assert to_networkx(multilingual, lang="it").nodes[goal]["label"] == "Cross-border evidence"
