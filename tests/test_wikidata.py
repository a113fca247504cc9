"""Wikidata enrichment against a LOCAL Oxigraph server loaded with Wikidata-shaped triples."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Literal, URIRef

from cyberkg import labels, wikidata
from cyberkg.core.namespaces import LAYER, OWL, RDFS, WD, iri
from endpoint_fixtures import OxigraphServer, oxigraph_binary
from import_fixtures import DATA, setup_env

pytestmark = pytest.mark.server


@pytest.fixture
def kg_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return setup_env(tmp_path, monkeypatch)


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local Oxigraph server (the shared fixture's) loaded with Wikidata-shaped triples."""
    loc = tmp_path_factory.mktemp("wd") / "db"
    subprocess.run(
        [oxigraph_binary(), "load", "--location", str(loc), "--file", str(DATA / "wikidata-fixture.ttl")],
        check=True,
        capture_output=True,
    )
    server = OxigraphServer(loc, union=False)
    try:
        yield server.query_url
    finally:
        server.stop()


def _store():  # type: ignore[no-untyped-def]
    from cyberkg.store.built import build

    return build(backend="memory")[0]


def test_matches_are_confident_or_ambiguous(kg_env: Path, endpoint: str) -> None:
    ds = _store()
    got = {str(m.node).rsplit("/", 1)[-1]: m for m in wikidata.match(ds, endpoint)}
    assert (got["united-states"].status, got["united-states"].items) == ("confident", ["Q30"])
    assert (got["us-department-of-justice"].status, got["us-department-of-justice"].items) == (
        "confident",
        ["Q1553390"],
    )
    assert (got["apt28"].status, got["apt28"].items) == ("confident", ["Q30942474"])
    assert (got["european-union"].status, got["european-union"].items) == ("ambiguous", ["Q1396", "Q458"])
    assert got["council-of-the-eu"].status == "none"  # a property's alias is not an item


def test_apply_writes_confident_matches_only_with_eu_labels(kg_env: Path, endpoint: str) -> None:
    from cyberkg.analysis.validate import validate

    ds = _store()
    matches = wikidata.match(ds, endpoint)
    before = len(list(ds.query("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }")))
    assert before > 0 and len(ds.graph(LAYER["wikidata"])) == 0  # matching alone writes nothing
    wikidata.apply(ds, matches, endpoint, kg_env)
    layer = ds.graph(LAYER["wikidata"])
    us, eu = URIRef(iri("actor", "united-states")), URIRef(iri("actor", "european-union"))
    assert (us, OWL.sameAs, WD.Q30) in layer
    assert not list(layer.triples((eu, OWL.sameAs, None)))  # ambiguous: never applied
    assert (us, RDFS.label, Literal("Vereinigte Staaten", lang="de")) in layer
    assert (us, RDFS.label, Literal("アメリカ合衆国", lang="ja")) not in layer  # EU languages only
    assert (
        us,
        RDFS.label,
        Literal("United States of America", lang="en"),
    ) not in layer  # had an English label
    assert labels.pick(ds, us, "de") == "Vereinigte Staaten"
    assert labels.pick(ds, us, "fr") == "États-Unis"
    assert labels.pick(ds, us, "pt") == "United States of America"  # falls back to English
    assert validate(ds).violations == []
    # a second run finds nothing new to link for those already linked
    again = {str(m.node).rsplit("/", 1)[-1] for m in wikidata.match(ds, endpoint)}
    assert "united-states" not in again and "european-union" in again


def test_cli_reports_and_applies_nothing_without_apply(kg_env: Path, endpoint: str) -> None:
    from cyberkg.cli.main import main
    from cyberkg.store.layers import read_index

    r = CliRunner()
    res = r.invoke(main, ["enrich", "wikidata", "--endpoint", endpoint, "--format", "csv", "--lang", "de"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == ",".join(wikidata.COLUMNS)
    assert any(line.startswith("actor,United States of America,confident,Q30,") for line in lines)
    assert any(",ambiguous,Q1396 Q458," in line for line in lines)
    assert "wikidata" not in read_index()
    res = r.invoke(main, ["enrich", "wikidata", "--endpoint", endpoint, "--apply", "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert read_index()["wikidata"].triples > 0
    res = r.invoke(main, ["enrich", "wikidata", "--endpoint", "http://127.0.0.1:9/nothing"])
    assert res.exit_code == 2 and "cannot query" in res.output


def test_pick_order() -> None:
    labs = [
        Literal("Union", lang="en"),
        Literal("Union de", lang="de"),
        Literal("Union AT", lang="de-at"),
        Literal("plain"),
    ]
    assert labels.choose(labs, "de") == "Union de"
    assert labels.choose(labs, "de-AT") == "Union AT"
    assert labels.choose(labs, "de-CH") == "Union de"
    assert labels.choose(labs, "fi") == "Union"
    assert labels.choose([Literal("plain"), Literal("x", lang="sv")], "fi") == "plain"
    assert labels.choose([], "fi") is None


def test_lang_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CYBERKG_LANG", "FR")
    assert labels.current() == "fr" and labels.current("it") == "it"
