"""Remote queries against a real Oxigraph server: the whole catalogue, gaps, export and the quality
checks give the same answers as the embedded store once the graph is published."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.compare import isomorphic

from cyberkg import export, gaps, publish, queries, validate
from cyberkg.core.errors import QueryError
from cyberkg.remote.endpoint import connect, query_kind
from cyberkg.remote.http import EndpointTimeout, Settings
from endpoint_fixtures import OxigraphServer, Seen, embedded, oxigraph, reply  # noqa: F401  (fixtures)
from endpoint_fixtures import script_server as script_server  # (fixture)

pytestmark = pytest.mark.server
CYBER = "https://w3id.org/cyberkg/ontology#"


@pytest.fixture(scope="module")
def remote(oxigraph: OxigraphServer, embedded: Any) -> Any:  # noqa: F811
    oxigraph.clear()
    report = publish.publish(embedded, connect(oxigraph.query_url), progress=False)
    assert report.union_default is True
    return connect(oxigraph.query_url)


def sample_params(ds: Any) -> dict[str, str]:
    """Values for the required parameters without defaults, taken from the data."""
    goal = ds.query(f"SELECT ?g WHERE {{ ?p <{CYBER}pursuedGoal> ?g }} GROUP BY ?g "
                    "ORDER BY DESC(COUNT(?p)) ?g LIMIT 1")
    incident = ds.query(f"SELECT ?x WHERE {{ ?i <{CYBER}respondsTo> ?x }} GROUP BY ?x "
                        "ORDER BY DESC(COUNT(?i)) ?x LIMIT 1")
    out = {}
    for name, result in (("goal", goal), ("incident", incident)):
        rows = list(result)
        assert rows, f"the record has no {name} to use as a parameter"
        out[name] = str(rows[0][0])
    return out


def comparable(rows: queries.Rows) -> list[tuple[Any, ...]]:
    """Rows as tuples; blank nodes (labels differ between stores) replaced by a marker."""
    return [tuple("_:b" if isinstance(r.get(v), BNode) else r.get(v) for v in rows.vars) for r in rows.rows]


def order_keys(text: str) -> list[str]:
    m = re.search(r"(?is)ORDER\s+BY\s+(.*?)(?:LIMIT|OFFSET|$)", re.sub(r"(?m)#.*$", "", text))
    return re.findall(r"\?(\w+)", m.group(1)) if m else []


def _leading(keys: list[str], columns: list[str]) -> list[str]:
    """The ORDER BY variables up to the first one not projected (or an expression's)."""
    out = []
    for k in keys:
        if k not in columns:
            break
        out.append(k)
    return out


def test_whole_catalogue_same_rows_both_ways(remote: Any, embedded: Any) -> None:  # noqa: F811
    params = sample_params(embedded)
    catalogue = queries.catalogue()
    assert len(catalogue) >= 20
    total = 0
    for q in catalogue:
        given = {k: v for k, v in params.items() if k in q.params and q.params[k].default is None}
        here = queries.run(q, embedded, given)
        there = queries.run(q, remote, given)
        assert there.vars == here.vars, q.name
        assert sorted(map(repr, comparable(there))) == sorted(map(repr, comparable(here))), q.name
        keys = [here.vars.index(k) for k in _leading(order_keys(q.text), here.vars)]
        if keys and not q.name.startswith("checks/"):  # ORDER BY: the sequence of sort keys (ties in any order)
            assert [tuple(r[i] for i in keys) for r in comparable(there)] == \
                [tuple(r[i] for i in keys) for r in comparable(here)], q.name
        total += len(here.rows)
    assert total > 100  # the comparison is not vacuous


@pytest.mark.parametrize("as_of", ["2020-11-26", dt.date.today().isoformat()])
@pytest.mark.parametrize("count_dialogues", [False, True])
def test_gaps_same_as_embedded(remote: Any, embedded: Any, as_of: str, count_dialogues: bool) -> None:  # noqa: F811
    here = gaps.find_gaps(embedded, as_of, ["EU", "US"], count_dialogues)
    there = gaps.find_gaps(remote, as_of, ["EU", "US"], count_dialogues)
    assert there.to_json() == here.to_json()
    assert there.coverage == here.coverage
    assert here.coverage["sources"] > 0


@pytest.mark.parametrize("fmt", ["nt", "trig", "turtle"])
def test_export_same_bytes(remote: Any, embedded: Any, fmt: str) -> None:  # noqa: F811
    here = export.serialize(embedded, fmt, "all", derived=True)
    there = export.serialize(remote, fmt, "all", derived=True)
    if there != here:
        import difflib

        diff = difflib.unified_diff(here.decode().splitlines(), there.decode().splitlines(), lineterm="", n=1)
        pytest.fail("\n".join(list(diff)[:40]))


def test_quality_checks_and_data_graph_same(remote: Any, embedded: Any) -> None:  # noqa: F811
    assert validate.run_checks(remote) == validate.run_checks(embedded)
    assert isomorphic(validate.data_graph(remote), validate.data_graph(embedded))


def test_named_graphs_published(remote: Any, embedded: Any) -> None:  # noqa: F811
    names = [str(r[0]) for r in remote.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")]
    assert names == publish.graph_names(embedded)
    assert {"https://w3id.org/cyberkg/graph/curated", "https://w3id.org/cyberkg/graph/ontology",
            "https://w3id.org/cyberkg/graph/vocab", "https://w3id.org/cyberkg/graph/derived"} <= set(names)
    blank = embedded.query("ASK { GRAPH <https://w3id.org/cyberkg/graph/curated> { ?s ?p ?o "
                           "FILTER(isBlank(?s) || isBlank(?o)) } }")
    assert blank.askAnswer is False  # the curated graph has no blank nodes: re-publishing is exact


def graph_on(remote: Any, name: str) -> Graph:
    return remote.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}").graph


@pytest.mark.parametrize("method", ["put", "update"])
def test_republish_is_idempotent(oxigraph: OxigraphServer, embedded: Any, method: str) -> None:  # noqa: F811
    target = connect(oxigraph.query_url)
    first = publish.publish(embedded, target, method=method, chunk_size=3000, progress=False)
    before = {g: graph_on(target, g) for g in publish.graph_names(embedded)}
    second = publish.publish(embedded, connect(oxigraph.query_url), method=method, chunk_size=3000, progress=False)
    assert [g.triples for g in second.graphs] == [g.triples for g in first.graphs]
    assert {g.method for g in second.graphs} == {method}
    for name, g in before.items():
        after = graph_on(target, name)
        assert len(after) == len(g) == len(embedded.graph(URIRef(name)))
        assert set(after) == set(g)
    leftovers = target.query("ASK { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), '/graph/staging')) }")
    assert leftovers.askAnswer is False


def test_blank_nodes_survive_chunked_update(oxigraph: OxigraphServer) -> None:  # noqa: F811
    from cyberkg import store

    src = Graph()
    src.parse(data="""@prefix ex: <http://example.org/> .
        ex:a ex:p [ ex:q [ ex:r "deep" ] ] . ex:b ex:list ( ex:x ex:y ex:z ) .
        """ + "".join(f"ex:s{i} ex:p {i} .\n" for i in range(50)), format="turtle")
    ds = store.new_dataset("oxigraph")
    name = "http://example.org/graph/bnodes"
    store.add_graph(ds, URIRef(name), src)
    target = connect(oxigraph.query_url)
    expected = graph_on(ds, name)  # as the embedded store gives it back
    assert len(expected) == len(src) == 60
    for _ in range(2):
        publish.publish(ds, target, method="update", chunk_size=7, progress=False)
        assert isomorphic(graph_on(target, name), expected)


def test_query_timeout_on_the_server(tmp_path: Any, embedded: Any) -> None:  # noqa: F811
    server = OxigraphServer(tmp_path / "db", timeout_s=1)
    try:
        publish.publish(embedded, connect(server.query_url), graphs=["https://w3id.org/cyberkg/graph/curated"],
                        progress=False)
        slow = "SELECT ?a WHERE { ?a ?b ?c . ?d ?e ?f }"  # streams ~30 MB/s until the server cuts it
        with pytest.raises(EndpointTimeout) as info:
            connect(server.query_url, settings=Settings(timeout=120, retries=0)).query(slow)
        assert "time limit" in str(info.value)
    finally:
        server.stop()


def test_client_timeout_on_a_real_server(tmp_path: Any, embedded: Any) -> None:  # noqa: F811
    server = OxigraphServer(tmp_path / "db")
    try:
        publish.publish(embedded, connect(server.query_url), graphs=["https://w3id.org/cyberkg/graph/curated"],
                        progress=False)
        slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        with pytest.raises(EndpointTimeout, match="CYBERKG_ENDPOINT_TIMEOUT"):
            connect(server.query_url, settings=Settings(timeout=0.5, retries=0)).query(slow)
    finally:
        server.stop()


def test_store_without_union_default_graph(tmp_path: Any, embedded: Any) -> None:  # noqa: F811
    server = OxigraphServer(tmp_path / "db", union=False)
    try:
        report = publish.publish(embedded, connect(server.query_url), progress=False)
        assert report.union_default is False
        assert "not the union" in report.summary()
        assert gaps.coverage(connect(server.query_url))["sources"] == 0  # what a user would otherwise see
        explicit = connect(server.query_url, default_graphs=publish.graph_names(embedded))
        assert gaps.find_gaps(explicit).to_json() == gaps.find_gaps(embedded).to_json()
        assert export.serialize(explicit, "nt") == export.serialize(embedded, "nt")
    finally:
        server.stop()


def test_query_kind_reads_past_comments_and_prefixes() -> None:
    assert query_kind("#+ summary: x\nPREFIX a: <http://a/>\n# SELECT\nCONSTRUCT { ?s ?p ?o } WHERE {}") == "CONSTRUCT"
    assert query_kind("prefix : <http://a#> ask {}") == "ASK"
    with pytest.raises(QueryError):
        query_kind("INSERT DATA { <a> <b> <c> }")


def test_parameters_reach_a_remote_store_as_terms() -> None:
    """On a remote endpoint each parameter variable is replaced by its typed term (rdflib n3()):
    the file's own shape, never inside strings, IRIs or comments, quotes escaped; a variable that
    cannot take a term (projected) is bound by VALUES instead."""
    from rdflib import Literal

    q = queries.find("gaps/shared-goals-without-joint-instrument")
    text = queries.substitute_terms(q.text, queries.bindings(q, {"asOf": "2016-06-30", "sideA": "kg:side/us"}))
    assert 'BIND(COALESCE("2016-06-30"^^<http://www.w3.org/2001/XMLSchema#date>, ' in text
    assert "BIND(COALESCE(<https://w3id.org/cyberkg/id/side/us>, " in text
    assert "VALUES" not in text.split("WHERE", 1)[1].split("\n")[1]  # no VALUES block added
    hostile = Literal('x" } ; DROP ALL #')
    out = queries.substitute_terms('SELECT ?x WHERE { # ?__a here\n BIND(COALESCE(?__a, "?__a") AS ?x) }',
                                   {"__a": hostile})
    assert out == 'SELECT ?x WHERE { # ?__a here\n BIND(COALESCE("x\\" } ; DROP ALL #", "?__a") AS ?x) }'
    projected = queries.substitute_terms('SELECT ?__a WHERE { BIND(COALESCE(?__a, "d") AS ?x) }', {"__a": Literal("v")})
    assert 'VALUES ?__a { "v" }' in projected and 'COALESCE(?__a, "d")' in projected


def test_digest_authentication(script_server: Any) -> None:
    """A store that asks for Digest (Virtuoso's -auth URLs) gets a correct Digest answer for each
    request's method and path; the password never travels and is never shown."""
    import hashlib

    from cyberkg.remote.http import Auth, parse_digest

    challenge = 'Digest realm="SPARQL", nonce="abc123", opaque="op", qop="auth", algorithm="MD5"'
    ok = reply(200, b'{"head": {}, "boolean": true}')

    def check(h: Any, seen: Seen) -> None:
        got = parse_digest(seen.headers.get("authorization", "").replace("Digest", "Digest", 1))
        if seen.method == "HEAD" or got is None:
            return reply(401, b"", "text/html", {"WWW-Authenticate": challenge})(h, seen)
        ha1 = hashlib.md5(b"dba:SPARQL:s3cret").hexdigest()
        ha2 = hashlib.md5(f"POST:{got['uri']}".encode()).hexdigest()
        want = hashlib.md5(f"{ha1}:abc123:{got['nc']}:{got['cnonce']}:auth:{ha2}".encode()).hexdigest()
        if got["response"] != want or got["uri"] != "/sparql-auth" or got.get("opaque") != "op":
            return reply(401, b"", "text/html", {"WWW-Authenticate": challenge})(h, seen)
        return ok(h, seen)

    server = script_server([check])
    remote = connect(server.url + "/sparql-auth")
    object.__setattr__(remote, "auth", Auth("basic", "environment", "dba:s3cret"))
    assert remote.query("ASK {}").askAnswer is True
    assert remote.query("ASK {}").askAnswer is True  # the nonce reused with the next counter
    sent = [s.headers.get("authorization", "") for s in server.seen if s.method == "POST"]
    assert all(a.startswith("Digest ") and "s3cret" not in a for a in sent)
    assert ["nc=00000001" in sent[0], "nc=00000002" in sent[1]] == [True, True]
    assert [s.method for s in server.seen].count("HEAD") == 1
    wrong = connect(server.url + "/sparql-auth")
    object.__setattr__(wrong, "auth", Auth("basic", "environment", "dba:wrong"))
    from cyberkg.remote.http import EndpointAuthError

    with pytest.raises(EndpointAuthError, match="digest credentials") as info:
        wrong.query("ASK {}")
    assert "wrong" not in str(info.value)
