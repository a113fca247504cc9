"""The catalogue outside cyberkg: export the graph the documented way (``cyberkg export --derived``),
load the Turtle into a FRESH pyoxigraph store and into a plain rdflib Graph, run every ``.rq`` file's
text exactly as it stands (no binding at all), and get the rows ``cyberkg query NAME`` gives with its
defaults. This is what a user of YASGUI, Fuseki, GraphDB or grlc sees."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import BNode, Graph, Literal, URIRef

from conftest import ROOT, env, make_home
from cyberkg import queries
from cyberkg.core.output import plain

ALL = queries.catalogue()
Row = tuple[Any, ...]


def free_parameters(q: queries.CatalogQuery) -> list[str]:
    """Parameters a tool that binds nothing would leave free: no default written in the query, or
    the parameter variable used anywhere but in its ``BIND(COALESCE(?var, default) AS ?x)``."""
    code = re.sub(r"(?m)(^|\s)#[^\n]*", r"\1", q.text)
    out = []
    for p in q.params.values():
        uses = len(re.findall(rf"\?{re.escape(p.var)}\b", code))
        if p.in_file is None or uses != 1:
            out.append(p.name)
    return sorted(out)


def from_oxigraph(term: Any) -> Any:
    """A pyoxigraph term as the rdflib term it stands for."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def comparable(value: Any) -> Any:
    """A plain value as `cyberkg query --format json` prints it; blank nodes as one marker."""
    if isinstance(value, BNode):
        return "_:b"
    return plain(value)


def order_columns(q: queries.CatalogQuery, columns: list[str]) -> list[str]:
    """The leading ORDER BY variables that are projected (their order must match across engines)."""
    code = re.sub(r"(?m)(^|\s)#[^\n]*", r"\1", q.text)
    m = re.search(r"(?is)ORDER\s+BY\s+(.*?)(?:LIMIT|OFFSET|$)", code)
    keys = re.findall(r"\?(\w+)", m.group(1)) if m else []
    out = []
    for k in keys:
        if k not in columns:
            break
        out.append(k)
    return out


def same_rows(q: queries.CatalogQuery, columns: list[str], got: list[Row], want: list[Row], where: str) -> None:
    assert sorted(map(repr, got)) == sorted(map(repr, want)), f"{q.name}: {where} rows differ from cyberkg query"
    keys = [columns.index(k) for k in order_columns(q, columns)]
    if keys:  # ORDER BY matters: the sequence of sort keys is the same (ties may come in any order)
        assert [tuple(r[i] for i in keys) for r in got] == [tuple(r[i] for i in keys) for r in want], \
            f"{q.name}: {where} orders the rows differently"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The tiny record exported with `cyberkg export --derived -o FILE` and every catalogue query
    answered by `cyberkg query NAME --format json` (defaults only)."""
    from cyberkg.cli.main import main

    base = tmp_path_factory.mktemp("roundtrip")
    home = make_home(base)
    runner = CliRunner()
    with env(CYBERKG_HOME=str(home), CYBERKG_BUILD_DIR=str(base / "build"), CYBERKG_LANG="en"):
        ttl = base / "cyberkg.ttl"
        result = runner.invoke(main, ["export", "--derived", "-o", str(ttl)])
        assert result.exit_code == 0, result.output
        cli: dict[str, list[dict[str, Any]]] = {}
        for q in ALL:
            result = runner.invoke(main, ["query", q.name, "--format", "json"])
            assert result.exit_code == 0, f"{q.name}: {result.output}"
            cli[q.name] = json.loads(result.stdout)
        yield {"ttl": ttl, "cli": cli}


@pytest.fixture(scope="module")
def fresh_oxigraph(exported: dict[str, Any]) -> ox.Store:
    store = ox.Store()  # in memory, nothing of cyberkg's: the default graph holds the whole file
    store.load(path=str(exported["ttl"]), format=ox.RdfFormat.TURTLE)
    return store


@pytest.fixture(scope="module")
def plain_rdflib(exported: dict[str, Any]) -> Graph:
    g = Graph()
    g.parse(exported["ttl"], format="turtle")
    return g


def cli_rows(exported: dict[str, Any], q: queries.CatalogQuery, columns: list[str]) -> list[Row]:
    return [tuple(r.get(c) for c in columns) for r in exported["cli"][q.name]]


def test_every_catalogue_query_has_its_defaults_in_the_file() -> None:
    """A tool that binds nothing sees no free parameter; the header says the same as the file."""
    assert len(ALL) >= 20
    for q in ALL:
        assert free_parameters(q) == [], f"{q.name}: parameter(s) {free_parameters(q)} have no default in the query"
        for p in q.params.values():
            assert p.default is not None, f"{q.name}: {p.name} has no '#+ defaults:' entry"
            assert p.required is False, f"{q.name}: ?{p.var} has a default, so grlc must see it as optional (?__)"
            assert p.target and p.target != p.var


def test_parameter_names_follow_grlc(tiny_ox: Any) -> None:
    """grlc (CLARIAH/grlc, after BASIL) reads ``?__name`` as an optional API parameter ``name``, an
    ``_iri`` suffix as an IRI and ``_<prefix>_<type>`` as a typed literal (a bare ``_date`` would be a
    language tag to it); it substitutes the value into the text. That substitution gives the rows
    ``cyberkg query -p`` gives."""
    grlc = re.compile(r"__(?P<name>[A-Za-z0-9]+)(?P<suffix>_iri|_xsd_(?:date|boolean|integer|decimal))?")
    for q in ALL:
        for p in q.params.values():
            m = grlc.fullmatch(p.var)
            assert m and m.group("name") == p.name, f"{q.name}: ?{p.var} is not a grlc parameter name"
            assert (m.group("suffix") or "").removeprefix("_").removeprefix("xsd_") == (
                "" if p.type == "string" else p.type), f"{q.name}: ?{p.var} has no grlc type suffix"
    q = queries.find("gaps/shared-goals-without-joint-instrument")
    as_grlc = q.text.replace("?__asOf_xsd_date", '"2016-01-01"^^xsd:date').replace(
        "?__countDialogues_xsd_boolean", '"true"^^xsd:boolean')
    got = [str(r["label"]) for r in tiny_ox.query(as_grlc)]
    want = [str(r["label"]) for r in queries.run(q, tiny_ox, {"asOf": "2016-01-01", "countDialogues": "true"}).rows]
    assert got == want and want != [str(r["label"]) for r in queries.run(q, tiny_ox).rows]


def test_a_free_parameter_is_caught(tmp_path: Path) -> None:
    f = tmp_path / "free.rq"
    f.write_text("#+ summary: free\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                 "SELECT ?s WHERE { ?s rdfs:label ?_label } ORDER BY ?s\n")
    assert free_parameters(queries.parse_query(f)) == ["label"]
    f.write_text("#+ summary: used twice\n#+ defaults:\n#+   - label: x\n"
                 "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                 'SELECT ?s WHERE { BIND(COALESCE(?__label, "x") AS ?label) ?s rdfs:label ?__label } ORDER BY ?s\n')
    assert free_parameters(queries.parse_query(f)) == ["label"]


def test_header_and_in_file_defaults_must_agree(tmp_path: Path) -> None:
    from cyberkg.core.errors import QueryError

    f = tmp_path / "disagree.rq"
    f.write_text("#+ summary: disagree\n#+ defaults:\n#+   - asOf: 2020-11-26\n"
                 "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
                 'SELECT ?d WHERE { BIND(COALESCE(?__asOf_xsd_date, "2021-01-01"^^xsd:date) AS ?d) } ORDER BY ?d\n')
    with pytest.raises(QueryError, match=r"disagree.rq:3: .*asOf: 2020-11-26.*2021-01-01"):
        queries.parse_query(f)
    f.write_text(f.read_text().replace("2021-01-01", "2020-11-26"))
    assert queries.parse_query(f).params["asOf"].in_file == "2020-11-26"
    f.write_text(f.read_text().replace('"2020-11-26"^^xsd:date', queries.TODAY).replace(
        "asOf: 2020-11-26", "asOf: today"))
    assert queries.parse_query(f).params["asOf"].in_file == "today"


@pytest.mark.parametrize("q", ALL, ids=[q.name for q in ALL])
def test_query_file_as_it_stands_on_a_fresh_oxigraph_store(q: queries.CatalogQuery, exported: dict[str, Any],
                                                           fresh_oxigraph: ox.Store) -> None:
    result = fresh_oxigraph.query(q.text)
    columns = [v.value for v in result.variables]
    got = [tuple(comparable(from_oxigraph(s[c])) for c in columns) for s in result]
    same_rows(q, columns, got, cli_rows(exported, q, columns), "a fresh pyoxigraph store")


@pytest.mark.parametrize("q", ALL, ids=[q.name for q in ALL])
def test_query_file_as_it_stands_in_rdflib(q: queries.CatalogQuery, exported: dict[str, Any],
                                           plain_rdflib: Graph) -> None:
    result = plain_rdflib.query(q.text)
    columns = [str(v) for v in result.vars or []]
    got = [tuple(comparable(b.get(v)) for v in result.vars or []) for b in result.bindings]
    same_rows(q, columns, got, cli_rows(exported, q, columns), "rdflib")


def test_the_round_trip_is_not_vacuous(exported: dict[str, Any], fresh_oxigraph: ox.Store) -> None:
    """The headline gap query finds the tiny record's gaps from the exported file alone, and the
    catalogue as a whole answers with rows."""
    head = queries.find("gaps/shared-goals-without-joint-instrument")
    rows = list(fresh_oxigraph.query(head.text))
    assert [s["label"].value for s in rows] == [r["label"] for r in exported["cli"][head.name]]
    assert len(rows) == 3
    assert sum(len(r) for r in exported["cli"].values()) > 50


def test_without_the_derived_triples_the_gap_query_finds_nothing(tmp_path: Path) -> None:
    """Why the documented export is --derived: the plain data export lacks sides, effective dates
    and goals served, and the gap query then answers nothing (the issue a user reported)."""
    from cyberkg.cli.main import main

    home = make_home(tmp_path)
    with env(CYBERKG_HOME=str(home), CYBERKG_BUILD_DIR=str(tmp_path / "build")):
        out = tmp_path / "plain.ttl"
        assert CliRunner().invoke(main, ["export", "-o", str(out)]).exit_code == 0
    store = ox.Store()
    store.load(path=str(out), format=ox.RdfFormat.TURTLE)
    assert list(store.query(queries.find("gaps/shared-goals-without-joint-instrument").text)) == []


def test_readme_says_which_export_the_catalogue_needs() -> None:
    for doc in (ROOT / "README.md", ROOT / "queries" / "README.md"):
        assert "cyberkg export --derived" in doc.read_text(encoding="utf-8"), doc


def test_the_shipped_record_round_trips_too(real_ds: Any) -> None:
    """On the shipped record the defaults name real goals and incidents: the goal and incident
    queries answer with rows there, as they stand, and the same rows as through cyberkg."""
    from cyberkg.export.rdf import serialize

    store = ox.Store()
    store.load(serialize(real_ds, "turtle", "all", derived=True), format=ox.RdfFormat.TURTLE)
    for q in ALL:
        want_rows = queries.run(q, real_ds)
        result = store.query(q.text)
        columns = [v.value for v in result.variables]
        assert columns == want_rows.vars, q.name
        got = [tuple(comparable(from_oxigraph(s[c])) for c in columns) for s in result]
        want = [tuple(comparable(r.get(c)) for c in columns) for r in want_rows.rows]
        same_rows(q, columns, got, want, "a fresh pyoxigraph store (shipped record)")
        if q.name in ("gaps/shared-goals-without-joint-instrument", "gaps/goal-pursuers",
                      "incidents/instruments-responding-to-incident"):
            assert got, f"{q.name}: its defaults find nothing in the shipped record"
