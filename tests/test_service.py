"""SPARQL ``SERVICE`` (federation) never reaches the network unless the user opts in (issue 19, item 2):
``query`` refuses it without ``--allow-service``, every analysis refuses it, and ``serve``'s Oxigraph
child cannot connect anywhere (the kernel refuses ``connect``), so a client cannot use the read-only
endpoint to fetch another address. A local TCP listener records every connection it gets."""

from __future__ import annotations

import json
import socket
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cyberkg.analysis.catalogue import QueryError, parse_query, run, uses_service
from cyberkg.cli.main import main

ANSWER = (b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"LEAKED"}}]}}')


@pytest.fixture
def listener() -> Iterator[tuple[str, list[bytes]]]:
    """A TCP server on 127.0.0.1 that records each connection's first bytes and answers a SPARQL JSON result."""
    seen: list[bytes] = []
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    srv.settimeout(0.2)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    seen.append(conn.recv(65536))
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                                 b"Content-Length: " + str(len(ANSWER)).encode() + b"\r\nConnection: close\r\n\r\n"
                                 + ANSWER)
                except OSError:
                    pass

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.getsockname()[1]}/sparql", seen
    finally:
        stop.set()
        t.join(5)
        srv.close()


def service_query(url: str) -> str:
    return f"#+ summary: federated\nSELECT ?x WHERE {{ SERVICE <{url}> {{ ?s ?p ?x }} }} ORDER BY ?x\n"


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
    "select * where { service silent <http://x/> { ?s ?p ?o } }",
    "SELECT * WHERE {?a<?b)SERVICE<http://x/>{?s ?p ?o}}",
    "SELECT * WHERE { \\u0053ERVICE <http://x/> { ?s ?p ?o } }",
    "SELECT * WHERE { # comment\n  SeRvIcE ?endpoint { ?s ?p ?o } }",
])
def test_service_is_recognised(text: str) -> None:
    assert uses_service(text)


@pytest.mark.parametrize("text", [
    'SELECT * WHERE { ?s ?p "SERVICE" }',
    "SELECT * WHERE { ?s <http://x/SERVICE> ?o } # SERVICE in a comment",
    "PREFIX ex: <http://x/> SELECT ?service WHERE { ?s ex:SERVICE ?service ; ex:service-desk ?o }",
    "SELECT * WHERE { ?s ?p '''a\nSERVICE <http://x/> {}''' }",
])
def test_the_word_elsewhere_is_not_service(text: str) -> None:
    assert not uses_service(text)


def test_query_refuses_service_unless_allowed(tiny_home: Path, tmp_path: Path,
                                              listener: tuple[str, list[bytes]]) -> None:
    url, seen = listener
    rq = tmp_path / "fed.rq"
    rq.write_text(service_query(url))
    r = CliRunner().invoke(main, ["query", str(rq)])
    assert r.exit_code == 2 and "SERVICE" in r.stderr and "--allow-service" in r.stderr
    assert "Traceback" not in r.stderr and seen == []
    r = CliRunner().invoke(main, ["query", "-", "--format", "json"], input=service_query(url))
    assert r.exit_code == 2 and seen == []
    r = CliRunner().invoke(main, ["query", str(rq), "--allow-service", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert seen and json.loads(r.stdout) == [{"x": "LEAKED"}]  # the opt-in really federates


def test_analyses_and_viz_refuse_service(tiny_ds, tmp_path: Path,  # type: ignore[no-untyped-def]
                                         listener: tuple[str, list[bytes]]) -> None:
    url, seen = listener
    q = parse_query(tmp_path / "fed.rq", "fed", service_query(url))
    with pytest.raises(QueryError, match="SERVICE"):
        run(q, tiny_ds)
    from cyberkg.cli.viz import _run_query

    rq = tmp_path / "raw.rq"
    rq.write_text(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}")
    with pytest.raises(QueryError, match="SERVICE"):
        _run_query(tiny_ds, str(rq), {})
    assert seen == []


def test_serve_makes_no_outbound_request(tmp_path: Path, listener: tuple[str, list[bytes]]) -> None:
    import pyoxigraph as ox

    from cyberkg.remote import serve as srv
    from endpoint_fixtures import free_port

    store = ox.Store(str(tmp_path / "db"))
    store.add(ox.Quad(ox.NamedNode("http://x/s"), ox.NamedNode("http://x/p"), ox.Literal("o"),
                      ox.NamedNode("http://x/g")))
    store.flush()
    url, seen = listener
    ep = srv.start(store, "127.0.0.1", free_port())
    try:
        body = urllib.parse.urlencode({"query": service_query(url)}).encode()
        req = urllib.request.Request(ep.query_url, data=body, headers={"Accept": "application/sparql-results+json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(req, timeout=20) as resp:
                answer = resp.read()
        except urllib.error.HTTPError as exc:
            answer = exc.read()
        assert b"LEAKED" not in answer
        with opener.open(f"{ep.query_url}?query=" + urllib.parse.quote("ASK { ?s ?p ?o }"), timeout=20) as resp:
            assert b"true" in resp.read()  # it still answers ordinary queries
    finally:
        ep.stop()
    assert seen == []
