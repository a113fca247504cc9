"""Publishing: Graph Store PUT, the chunked-Update fallback, and failures that leave the previous
graph on the server (a real Oxigraph server, behind a scriptable proxy where a fault is needed)."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef

from cyberkg import publish, store
from cyberkg.remote.endpoint import connect
from cyberkg.remote.http import EndpointError, EndpointServerError, EndpointUnreachable, Settings
from endpoint_fixtures import (  # noqa: F401  (fixtures)
    OxigraphServer,
    Seen,
    by_path,
    embedded,
    forward,
    oxigraph,
    reply,
    script_server,
)

pytestmark = pytest.mark.server
G = "http://example.org/graph/test"


def dataset(n: int, tag: str) -> Any:
    g = Graph()
    for i in range(n):
        g.add((URIRef(f"http://example.org/s{i}"), URIRef("http://example.org/p"), URIRef(f"http://example.org/{tag}{i}")))
    ds = store.new_dataset("oxigraph")
    store.add_graph(ds, URIRef(G), g)
    return ds


def objects(server: OxigraphServer) -> set[str]:
    r = connect(server.query_url).query(f"SELECT ?o WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}")
    return {str(row[0]) for row in r}


def fast(url: str, **kw: Any) -> Any:
    return connect(url, settings=Settings(timeout=30, retries=kw.pop("retries", 2), sleep=lambda s: None), **kw)


@pytest.mark.parametrize(("url", "update", "gsp"), [
    ("http://h:7878/query", "http://h:7878/update", "http://h:7878/store"),
    ("http://h:3030/ds/sparql", "http://h:3030/ds/update", "http://h:3030/ds/data"),
    ("http://h:3030/ds/query", "http://h:3030/ds/update", "http://h:3030/ds/data"),
    ("http://h:7200/repositories/kg", "http://h:7200/repositories/kg/statements",
     "http://h:7200/repositories/kg/rdf-graphs/service"),
    ("http://h:8890/sparql", "http://h:8890/sparql", "http://h:8890/sparql-graph-crud"),
    ("http://h:7001/", "http://h:7001/", None),
])
def test_guess_urls(url: str, update: str, gsp: str | None) -> None:
    assert publish.guess_urls(url) == (update, gsp)


def test_chunks_keep_blank_nodes_together() -> None:
    lines = [f"<http://a/{i}> <http://p> <http://o> .".encode() for i in range(10)]
    blank = [b"_:b1 <http://p> <http://o> .", b"<http://a/x> <http://p> _:b1 ."]
    parts = list(publish.chunks(lines[:5] + blank + lines[5:], 4))
    assert [len(p) for p in parts] == [4, 4, 2, 2]
    assert parts[-1] == blank


def test_put_then_update_fallback(oxigraph: OxigraphServer, script_server: Any) -> None:  # noqa: F811
    proxy = script_server([by_path({"/store": reply(405, b"no graph store here", "text/plain")},
                                   forward(oxigraph.base))])
    report = publish.publish(dataset(2500, "v1-"), fast(proxy.url + "/query"), chunk_size=1000, progress=False)
    assert [g.method for g in report.graphs] == ["update"]
    assert objects(oxigraph) == {f"http://example.org/v1-{i}" for i in range(2500)}
    updates = [s for s in proxy.seen if s.path == "/update"]
    assert len(updates) == 1 + 3 + 1  # drop staging, 3 chunks, move
    assert b"MOVE+GRAPH" in updates[-1].body
    assert "via SPARQL Update" in report.summary() and "2,500 triples" in report.summary()


def test_explicit_store_url_that_is_not_one_is_an_error(oxigraph: OxigraphServer, script_server: Any) -> None:  # noqa: F811
    proxy = script_server([reply(404, b"nothing", "text/plain")])
    with pytest.raises(EndpointError, match=r"not a Graph Store endpoint.*--method update"):
        publish.publish(dataset(3, "x"), fast(oxigraph.query_url, store_url=proxy.url + "/store"), progress=False)


def test_put_retries_on_503(oxigraph: OxigraphServer, script_server: Any) -> None:  # noqa: F811
    puts = {"n": 0}

    def first_put_busy(h: Any, seen: Seen) -> None:
        if seen.method == "PUT":
            puts["n"] += 1
            if puts["n"] == 1:
                return reply(503, b"busy", "text/plain", {"Retry-After": "1"})(h, seen)
        return forward(oxigraph.base)(h, seen)

    proxy = script_server([first_put_busy])
    report = publish.publish(dataset(10, "r"), fast(proxy.url + "/query"), progress=False)
    assert [g.method for g in report.graphs] == ["put"]
    assert [s.method for s in proxy.seen if s.method == "PUT"] == ["PUT", "PUT"]
    assert objects(oxigraph) == {f"http://example.org/r{i}" for i in range(10)}


def test_put_cut_halfway_keeps_the_old_graph(oxigraph: OxigraphServer, script_server: Any) -> None:  # noqa: F811
    publish.publish(dataset(3000, "old-"), connect(oxigraph.query_url), progress=False)
    proxy = script_server([by_path({"/store": forward(oxigraph.base, cut_body_at=0.5)}, forward(oxigraph.base))])
    with pytest.raises(EndpointUnreachable):
        publish.publish(dataset(3000, "new-"), fast(proxy.url + "/query", retries=1), method="put", progress=False)
    assert [s.method for s in proxy.seen if s.method == "PUT"] == ["PUT", "PUT"]  # retried once, cut again
    assert objects(oxigraph) == {f"http://example.org/old-{i}" for i in range(3000)}


def test_update_failing_midway_keeps_the_old_graph(oxigraph: OxigraphServer, script_server: Any) -> None:  # noqa: F811
    publish.publish(dataset(3000, "old-"), connect(oxigraph.query_url), progress=False)
    calls = {"n": 0}

    def third_insert_fails(h: Any, seen: Seen) -> None:
        if seen.path == "/update" and b"INSERT+DATA" in seen.body:
            calls["n"] += 1
            if calls["n"] == 3:
                return reply(500, b"Virtuoso 40001 Error SR172: Transaction deadlocked", "text/plain")(h, seen)
        return forward(oxigraph.base)(h, seen)

    proxy = script_server([third_insert_fails])
    with pytest.raises(EndpointServerError, match="deadlocked"):
        publish.publish(dataset(3000, "new-"), fast(proxy.url + "/query"), method="update", chunk_size=500,
                        progress=False)
    assert objects(oxigraph) == {f"http://example.org/old-{i}" for i in range(3000)}
    staged = connect(oxigraph.query_url).query("ASK { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), 'staging')) }")
    assert staged.askAnswer is False  # the staging graph was cleaned up


def test_update_chunks_adapt_to_the_store(oxigraph: OxigraphServer, script_server: Any) -> None:  # noqa: F811
    """A store whose parser refuses large requests (Virtuoso: SP031 … exceeded 10000 lines): each
    refused chunk is split in two and sent again, and the smaller size is kept."""
    from urllib.parse import parse_qs

    sizes: list[int] = []

    def small_parser(h: Any, seen: Seen) -> None:
        if seen.path == "/update" and b"INSERT+DATA" in seen.body:
            n = parse_qs(seen.body.decode())["update"][0].count(" .\n")
            sizes.append(n)
            if n > 300:
                return reply(500, b"Virtuoso 37000 Error SP031: SPARQL: Internal error: The length of generated SQL "
                                  b"text has exceeded 10000 lines of code", "text/plain")(h, seen)
        return forward(oxigraph.base)(h, seen)

    proxy = script_server([small_parser])
    report = publish.publish(dataset(2500, "a-"), fast(proxy.url + "/query"), method="update", progress=False)
    assert objects(oxigraph) == {f"http://example.org/a-{i}" for i in range(2500)}
    assert report.chunk_size is not None and report.chunk_size <= 300
    refused, taken = [n for n in sizes if n > 300], [n for n in sizes if n <= 300]
    assert refused == [2000, 1000, 500, 500, 1000, 500, 500] and sum(taken) == 2500
    assert sizes[-2:] == [250, 250]  # the rest went at the size the store took: no more refusals
    assert "Update chunks of" in report.summary()


def test_unknown_graph_and_progress_bar(oxigraph: OxigraphServer, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    with pytest.raises(EndpointError, match="no named graph http://nowhere"):
        publish.publish(dataset(3, "x"), connect(oxigraph.query_url), graphs=["http://nowhere"], progress=False)
    publish.publish(dataset(20, "p"), connect(oxigraph.query_url), progress=True)
    err = capsys.readouterr().err
    assert "publish" in err and "20" in err


def test_cli_publish(oxigraph: OxigraphServer, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, embedded: Any) -> None:  # noqa: F811
    from cyberkg.cli.main import main

    monkeypatch.setenv("CYBERKG_BUILD_DIR", str(tmp_path / "build"))
    oxigraph.clear()
    runner = CliRunner()
    result = runner.invoke(main, ["publish", "--endpoint", oxigraph.query_url, "--graph",
                                  "https://w3id.org/cyberkg/graph/vocab", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "published 1 graph(s)" in result.output and "Graph Store PUT" in result.output
    names = connect(oxigraph.query_url).query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert [str(r[0]) for r in names] == ["https://w3id.org/cyberkg/graph/vocab"]
    bad = runner.invoke(main, ["publish", "--endpoint", oxigraph.query_url, "--graph", "http://nowhere"])
    assert bad.exit_code == 2 and "error:" in bad.output


G2 = "http://example.org/graph/second"


def two_graphs(tag: str) -> Any:
    ds = dataset(500, tag)
    g = Graph()
    for i in range(300):
        g.add((URIRef(f"http://example.org/t{i}"), URIRef("http://example.org/q"), URIRef(f"http://example.org/{tag}{i}")))
    store.add_graph(ds, URIRef(G2), g)
    return ds


def both(server: OxigraphServer) -> tuple[set[str], set[str]]:
    r = connect(server.query_url).query(
        f"SELECT ?g ?o WHERE {{ VALUES ?g {{ <{G}> <{G2}> }} GRAPH ?g {{ ?s ?p ?o }} }}")
    out: dict[str, set[str]] = {G: set(), G2: set()}
    for g, o in r:  # type: ignore[misc]
        out[str(g)].add(str(o))
    return out[G], out[G2]


@pytest.mark.parametrize("fail", ["second PUT", "switch"])
def test_all_or_nothing_across_graphs(oxigraph: OxigraphServer, script_server: Any, fail: str) -> None:  # noqa: F811
    """Every graph is staged first and all are switched in one request: a failure on the second
    graph, or of the switch itself, leaves BOTH graphs as they were (#19 item 6)."""
    oxigraph.clear()
    publish.publish(two_graphs("old-"), connect(oxigraph.query_url), progress=False)
    before = both(oxigraph)
    puts = {"n": 0}

    def failing(h: Any, seen: Seen) -> None:
        if fail == "second PUT" and seen.method == "PUT":
            puts["n"] += 1
            if puts["n"] == 2:
                return reply(500, b"disk full", "text/plain")(h, seen)
        if fail == "switch" and seen.path == "/update" and b"MOVE+GRAPH" in seen.body:
            return reply(500, b"switch refused", "text/plain")(h, seen)
        return forward(oxigraph.base)(h, seen)

    proxy = script_server([failing])
    with pytest.raises(EndpointServerError):
        publish.publish(two_graphs("new-"), fast(proxy.url + "/query"), progress=False)
    assert both(oxigraph) == before
    staged = connect(oxigraph.query_url).query("ASK { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), 'staging')) }")
    assert staged.askAnswer is False
    report = publish.publish(two_graphs("new-"), connect(oxigraph.query_url), progress=False)
    assert report.atomic and "switched in one request" in report.summary()
    assert both(oxigraph) == ({f"http://example.org/new-{i}" for i in range(500)},
                              {f"http://example.org/new-{i}" for i in range(300)})
    moves = [s for s in proxy.seen if s.path == "/update" and b"MOVE+GRAPH" in s.body]
    assert fail == "second PUT" or len(moves) == 1  # one request switches both graphs


def test_staging_left_by_a_killed_publish_is_dropped(oxigraph: OxigraphServer) -> None:  # noqa: F811
    oxigraph.clear()
    target = connect(oxigraph.query_url)
    publish.put_graph(target, f"{oxigraph.base}/store", publish.staging_graph("http://example.org/gone"),
                      b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
    publish.publish(dataset(5, "x"), connect(oxigraph.query_url), progress=False)
    left = target.query("ASK { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), 'staging')) }")
    assert left.askAnswer is False


def test_switch_too_big_for_one_transaction(oxigraph: OxigraphServer, script_server: Any) -> None:  # noqa: F811
    """Stock Virtuoso refuses a 1M-triple switch as one transaction (SR325, TransactionAfterImageLimit):
    the graphs then go one by one, each whole, and the summary says the set was not atomic."""
    oxigraph.clear()

    def refuse_switch(h: Any, seen: Seen) -> None:
        if seen.path == "/update" and b"MOVE+GRAPH" in seen.body:
            return reply(500, b"Virtuoso 40005 Error SR325: Transaction aborted because it's log after image size "
                              b"went above the limit", "text/plain")(h, seen)
        return forward(oxigraph.base)(h, seen)

    proxy = script_server([refuse_switch])
    report = publish.publish(two_graphs("big-"), fast(proxy.url + "/query"), progress=False)
    assert not report.atomic and "SR325" in report.summary() and "TransactionAfterImageLimit" in report.summary()
    assert both(oxigraph) == ({f"http://example.org/big-{i}" for i in range(500)},
                              {f"http://example.org/big-{i}" for i in range(300)})
    staged = connect(oxigraph.query_url).query("ASK { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), 'staging')) }")
    assert staged.askAnswer is False
