"""The query catalogue: every .rq parses, has a header and an ORDER BY, runs, and matches its golden
result on the tiny record; parameters are bound, never spliced; Oxigraph evaluates them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cyberkg import queries
from cyberkg.core.errors import QueryError
from cyberkg.core.namespaces import iri
from cyberkg.core.output import plain

GOLDEN = Path(__file__).parent / "golden" / "queries"
UPDATE = os.environ.get("CYBERKG_UPDATE_GOLDEN") == "1"
PARAMS = {"goal": iri("goal", "evidence"), "incident": iri("incident", "incident-x"), "asOf": "2020-11-26"}
ALL = queries.catalogue()


def params_for(q: queries.CatalogQuery) -> dict[str, str]:
    return {k: v for k, v in PARAMS.items() if k in q.params}


def test_catalogue_has_the_analyst_questions() -> None:
    names = {q.name for q in ALL}
    assert len([n for n in names if not n.startswith("checks/")]) >= 10
    for needed in ("gaps/shared-goals-without-joint-instrument", "gaps/shared-goals-with-joint-instrument",
                   "gaps/goals-pursued-by-one-side-only", "instruments/joint-instruments-by-type-and-year",
                   "incidents/instruments-responding-to-incident", "incidents/incidents-both-sides-responded-to",
                   "instruments/instrument-types-by-side-pattern", "provenance/facts-lacking-a-source"):
        assert needed in names


@pytest.mark.parametrize("q", ALL, ids=[q.name for q in ALL])
def test_every_query_has_header_and_order_by(q: queries.CatalogQuery) -> None:
    assert q.summary
    assert "ORDER BY" in q.text.upper(), f"{q.name} has no ORDER BY"
    assert q.kind == "SELECT"


@pytest.mark.parametrize("q", ALL, ids=[q.name for q in ALL])
def test_every_query_matches_golden_on_both_backends(q: queries.CatalogQuery, tiny_ds) -> None:  # type: ignore[no-untyped-def]
    rows = queries.run(q, tiny_ds, params_for(q))
    got = {"vars": rows.vars, "rows": [{k: plain(v) for k, v in r.items()} for r in rows.rows]}
    path = GOLDEN / f"{q.name.replace('/', '__')}.json"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(got, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    assert path.exists(), f"no golden file for {q.name}; run with CYBERKG_UPDATE_GOLDEN=1 and review it"
    assert got == json.loads(path.read_text())


def test_checks_return_zero_rows_on_the_tiny_record(tiny_ds) -> None:  # type: ignore[no-untyped-def]
    for q in ALL:
        if q.name.startswith("checks/") and q.name.endswith("-violation"):
            assert queries.run(q, tiny_ds).rows == [], q.name


def test_a_check_finds_a_planted_problem(tiny_home: Path) -> None:
    from rdflib import Literal, URIRef

    from cyberkg import store
    from cyberkg.core.namespaces import CYBER
    from cyberkg.record.loaders import load_catalog
    from cyberkg.record.mapping import map_catalog

    g = map_catalog(load_catalog(tiny_home / "graph"))
    g.add((URIRef(iri("instrument", "mla")), CYBER.party, URIRef(iri("actor", "ghost"))))
    g.add((URIRef(iri("instrument", "mla")), CYBER.ended, Literal("2001-01-01", datatype=URIRef(
        "http://www.w3.org/2001/XMLSchema#date"))))
    ds, _ = store.build(backend="memory", curated=g)
    dangling = queries.run(queries.find("checks/dangling-reference-violation"), ds).rows
    assert [str(r["object"]) for r in dangling] == [iri("actor", "ghost")]
    unsourced = queries.run(queries.find("checks/policy-fact-without-source-violation"), ds).rows
    assert [str(r["object"]) for r in unsourced] == [iri("actor", "ghost")]
    assert len(queries.run(queries.find("checks/instrument-ends-before-start-violation"), ds).rows) == 1


def test_malformed_header_is_an_error_with_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.rq"
    f.write_text("#+ summary: fine\n#+ tags: [unclosed\nSELECT * WHERE { ?s ?p ?o } ORDER BY ?s\n")
    with pytest.raises(QueryError, match=r"bad.rq:\d+: malformed '#\+' header"):
        queries.parse_query(f)
    f.write_text("#+ summry: typo\nSELECT * WHERE { ?s ?p ?o } ORDER BY ?s\n")
    with pytest.raises(QueryError, match="unknown header key"):
        queries.parse_query(f)
    f.write_text("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s\n")
    with pytest.raises(QueryError, match="no '#\\+ summary:'"):
        queries.parse_query(f)


def test_parameters_are_typed_and_checked() -> None:
    q = queries.find("gaps/shared-goals-without-joint-instrument")
    assert q.params["asOf"].type == "date" and q.params["sideA"].type == "iri"
    assert q.params["countDialogues"].required is False
    with pytest.raises(QueryError, match="expects date"):
        queries.bindings(q, {"asOf": "yesterday-ish"})
    with pytest.raises(QueryError, match="has no parameter"):
        queries.bindings(q, {"asof": "2020-01-01"})
    with pytest.raises(QueryError, match="expects iri"):
        queries.bindings(q, {"sideA": "> } ; DROP ALL #"})
    b = queries.bindings(q, {"sideA": "kg:side/eu"})
    assert str(b["__sideA_iri"]) == iri("side", "eu")


def test_a_bound_value_replaces_the_in_file_default(tiny_ds) -> None:  # type: ignore[no-untyped-def]
    """The CLI's value wins over the default written in the query; unbound, the file's default holds."""
    q = queries.find("gaps/shared-goals-without-joint-instrument")
    assert q.params["asOf"].in_file == "2020-11-26" and q.params["asOf"].target == "asOf"
    default = [str(r["label"]) for r in queries.run(q, tiny_ds).rows]
    assert default == [str(r["label"]) for r in tiny_ds.query(q.text)]  # the file as it stands
    early = [str(r["label"]) for r in queries.run(q, tiny_ds, {"asOf": "2005-01-01"}).rows]
    assert early != default
    text = queries.bind_values(q.text, queries.bindings(q, {"asOf": "2005-01-01"}))
    assert 'VALUES ?__asOf_xsd_date { "2005-01-01"^^<http://www.w3.org/2001/XMLSchema#date> }' in text


def test_string_values_cannot_change_the_query(tmp_path: Path, tiny_ds) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "label.rq"
    f.write_text('#+ summary: by label\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n'
                 'SELECT ?s WHERE { ?s rdfs:label ?l . FILTER(STR(?l) = ?_label) } ORDER BY ?s\n')
    q = queries.parse_query(f)
    evil = '" ) || true || ( "'
    assert queries.run(q, tiny_ds, {"label": evil}).rows == []
    assert len(queries.run(q, tiny_ds, {"label": "APT X"}).rows) == 1
    text = queries.bind_values(q.text, queries.bindings(q, {"label": evil}))
    assert '"\\" ) || true || ( \\""' in text


def test_oxigraph_evaluates_catalogue_queries_not_rdflib(tiny_ox, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import rdflib.plugins.sparql.processor as proc

    def refuse(*a: object, **k: object) -> None:
        raise AssertionError("rdflib's SPARQL engine was used")

    monkeypatch.setattr(proc.SPARQLProcessor, "query", refuse)
    rows = queries.run(queries.find("gaps/shared-goals-without-joint-instrument"), tiny_ox, {"asOf": "2020-11-26"})
    assert len(rows.rows) == 3


def test_find_by_short_name_and_unknown_name() -> None:
    assert queries.find("shared-goals-without-joint-instrument").name == "gaps/shared-goals-without-joint-instrument"
    with pytest.raises(QueryError, match="Did you mean"):
        queries.find("shared-goals-without-joint-instrumnt")


def test_catalogue_readme_is_generated_from_headers() -> None:
    from conftest import ROOT
    from cyberkg.analysis.catalogue_doc import render

    assert (ROOT / "queries" / "README.md").read_text() == render(), "run: python -m cyberkg.analysis.catalogue_doc"


def test_duplicate_check_finds_one_entity_under_two_ids(tiny_home: Path) -> None:
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDF, RDFS

    from cyberkg import store
    from cyberkg.core.namespaces import CYBER
    from cyberkg.record.loaders import load_catalog
    from cyberkg.record.mapping import map_catalog

    g = map_catalog(load_catalog(tiny_home / "graph"))
    twin = URIRef(iri("actor", "europol-twin"))
    g.add((twin, RDF.type, CYBER.Actor))
    g.add((twin, RDFS.label, Literal("EUROPOL", lang="en")))
    g.add((twin, RDFS.label, Literal("Europol-Agentur", lang="de")))  # other languages are not compared
    ds, _ = store.build(backend="memory", curated=g)
    rows = queries.run(queries.find("checks/duplicate-entity-violation"), ds).rows
    assert [(str(r["a"]), str(r["b"]), str(r["reason"])) for r in rows] == [
        (iri("actor", "europol"), iri("actor", "europol-twin"), "same label")]


def test_incident_parameter_selects_only_that_incidents_responses(tiny_ds) -> None:  # type: ignore[no-untyped-def]
    q = queries.find("incidents/instruments-responding-to-incident")
    assert queries.run(q, tiny_ds, {"incident": iri("incident", "incident-y")}).rows == []
    rows = queries.run(q, tiny_ds, {"incident": iri("incident", "incident-x")}).rows
    assert [str(r["label"]) for r in rows] == ["US attribution", "EU attribution"]
