"""Fault injection against a small HTTP server on 127.0.0.1: each fault gives the documented error,
retries are bounded and honour Retry-After, and credentials never leak into messages."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from click.testing import CliRunner

from cyberkg.cli.main import main
from cyberkg.core.errors import QueryError
from cyberkg.remote.endpoint import connect
from cyberkg.remote.http import (
    USER_AGENT,
    EndpointAuthError,
    EndpointError,
    EndpointNotFound,
    EndpointResponseError,
    EndpointServerError,
    EndpointTimeout,
    EndpointUnreachable,
    Settings,
    credentials,
)
from endpoint_fixtures import reply, reset_mid_body, script_server  # noqa: F401  (fixture)

OK = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [
    {"x": {"type": "uri", "value": "http://example.org/a"}}]}}).encode()
Q = "SELECT ?x WHERE { ?x ?p ?o }"
SECRET = "s3cret-Pa55word"


@pytest.fixture(autouse=True)
def no_ambient_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    for k in ("CYBERKG_ENDPOINT_USER", "CYBERKG_ENDPOINT_PASSWORD", "CYBERKG_ENDPOINT_TOKEN",
              "CYBERKG_ENDPOINT_TIMEOUT", "CYBERKG_ENDPOINT_SERVER_TIMEOUT", "CYBERKG_ENDPOINT_GRAPHS"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))


def client(url: str, sleeps: list[float] | None = None, **kw: Any) -> Any:
    rec = sleeps if sleeps is not None else []
    settings = Settings(timeout=kw.pop("timeout", 5.0), retries=kw.pop("retries", 3), sleep=rec.append, **kw)
    return connect(url + "/sparql", settings=settings)


def test_answer_and_request_shape(script_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv("CYBERKG_ENDPOINT_SERVER_TIMEOUT", "timeout=30000")
    srv = script_server([reply(200, OK)])
    result = connect(srv.url + "/sparql").query("# a comment\n" + Q)
    assert [str(r[0]) for r in result] == ["http://example.org/a"]
    seen = srv.seen[0]
    assert seen.method == "POST" and seen.headers["user-agent"] == USER_AGENT
    assert seen.headers["user-agent"].startswith("cyberkg/") and "w3id.org/cyberkg" in USER_AGENT
    assert "application/sparql-results+json" in seen.headers["accept"]
    assert b"timeout=30000" in seen.body and b"query=" in seen.body
    assert "authorization" not in seen.headers


def test_slow_answer_is_a_timeout(script_server: Any) -> None:  # noqa: F811
    srv = script_server([reply(200, OK, delay=3)])
    with pytest.raises(EndpointTimeout, match="CYBERKG_ENDPOINT_TIMEOUT"):
        client(srv.url, timeout=0.3).query(Q)
    assert len(srv.seen) == 1  # a timeout is not retried: the query would only time out again


def test_429_retry_after_is_honoured(script_server: Any) -> None:  # noqa: F811
    srv = script_server([reply(429, b"slow down", "text/plain", {"Retry-After": "7"}),
                         reply(503, b"busy", "text/plain", {"Retry-After": "3600"}), reply(200, OK)])
    sleeps: list[float] = []
    result = client(srv.url, sleeps, max_sleep=20).query(Q)
    assert len(result.bindings) == 1
    assert sleeps == [7.0, 20.0]  # Retry-After honoured, capped at max_sleep
    assert len(srv.seen) == 3


def test_retries_are_bounded(script_server: Any) -> None:  # noqa: F811
    srv = script_server([reply(503, b"down", "text/plain")])
    sleeps: list[float] = []
    with pytest.raises(EndpointServerError, match=r"503.*after 2 retries"):
        client(srv.url, sleeps, retries=2, backoff=0.5).query(Q)
    assert sleeps == [0.5, 1.0] and len(srv.seen) == 3


def test_500_is_a_server_error_with_the_reason(script_server: Any) -> None:  # noqa: F811
    srv = script_server([reply(500, b"<html><title>Evaluation failed: out of memory</title></html>", "text/html")])
    with pytest.raises(EndpointServerError, match="HTTP 500: Evaluation failed: out of memory"):
        client(srv.url).query(Q)
    assert len(srv.seen) == 1


def test_reset_mid_body_is_retried_then_reported(script_server: Any) -> None:  # noqa: F811
    srv = script_server([reset_mid_body(OK), reply(200, OK)])
    sleeps: list[float] = []
    assert len(client(srv.url, sleeps).query(Q).bindings) == 1
    assert len(srv.seen) == 2 and len(sleeps) == 1
    always = script_server([reset_mid_body(OK)])
    with pytest.raises(EndpointUnreachable, match="reset or closed mid-answer"):
        client(always.url, retries=1).query(Q)
    assert len(always.seen) == 2


def test_html_page_instead_of_results(script_server: Any) -> None:  # noqa: F811
    page = b"<!DOCTYPE html><html><head><title>Welcome to the store</title></head><body>hi</body></html>"
    srv = script_server([reply(200, page, "text/html; charset=utf-8")])
    with pytest.raises(EndpointResponseError, match=r"HTML page.*Welcome to the store.*not its SPARQL endpoint"):
        client(srv.url).query(Q)
    mislabelled = script_server([reply(200, page, "application/sparql-results+json")])
    with pytest.raises(EndpointResponseError, match="HTML page"):
        client(mislabelled.url).query(Q)


def test_empty_200_is_not_no_results(script_server: Any) -> None:  # noqa: F811
    srv = script_server([reply(200, b"")])
    with pytest.raises(EndpointResponseError, match=r"empty body.*not 'no results'"):
        client(srv.url).query(Q)


def test_cut_off_json_and_truncated_result_sets(script_server: Any) -> None:  # noqa: F811
    srv = script_server([reply(200, OK[:40])])
    with pytest.raises(EndpointResponseError, match="cut off mid-stream"):
        client(srv.url).query(Q)
    capped = script_server([reply(200, OK, headers={"X-SPARQL-MaxRows": "1"})])
    with pytest.raises(EndpointResponseError, match="X-SPARQL-MaxRows"):
        client(capped.url).query(Q)


def test_404_and_400(script_server: Any) -> None:  # noqa: F811
    srv = script_server([reply(404, b"no such path", "text/plain")])
    with pytest.raises(EndpointNotFound, match=r"HTTP 404.*docs/endpoints.md"):
        client(srv.url).query(Q)
    bad = script_server([reply(400, b"Parse error at line 1", "text/plain")])
    with pytest.raises(QueryError, match="Parse error at line 1"):
        client(bad.url).query(Q)


@pytest.mark.parametrize("status", [401, 403])
def test_wrong_credentials_never_leak(script_server: Any, monkeypatch: pytest.MonkeyPatch, status: int) -> None:  # noqa: F811
    monkeypatch.setenv("CYBERKG_ENDPOINT_USER", "analyst")
    monkeypatch.setenv("CYBERKG_ENDPOINT_PASSWORD", SECRET)
    srv = script_server([reply(status, b"denied", "text/plain", {"WWW-Authenticate": 'Basic realm="kg"'})])
    with pytest.raises(EndpointAuthError) as info:
        connect(srv.url + "/sparql", settings=Settings(retries=0)).query(Q)
    sent = next(s for s in srv.seen if s.method != "HEAD").headers["authorization"]  # (HEAD: the Digest probe)
    assert base64.b64decode(sent.split()[1]).decode() == f"analyst:{SECRET}"
    assert SECRET not in str(info.value) and "CYBERKG_ENDPOINT_PASSWORD" in str(info.value)
    assert SECRET not in repr(connect(srv.url + "/sparql"))
    result = CliRunner().invoke(main, ["--debug", "query", "coverage/counts-by-kind", "--endpoint",
                                       srv.url + "/sparql"])
    assert result.exit_code == 2
    shown = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "error:" in shown and SECRET not in shown
    assert base64.b64encode(f"analyst:{SECRET}".encode()).decode() not in shown


def test_bearer_token_and_netrc(script_server: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:  # noqa: F811
    srv = script_server([reply(200, OK)])
    monkeypatch.setenv("CYBERKG_ENDPOINT_TOKEN", "tok-123")
    connect(srv.url + "/sparql").query(Q)
    assert srv.seen[-1].headers["authorization"] == "Bearer tok-123"
    monkeypatch.delenv("CYBERKG_ENDPOINT_TOKEN")
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login robot password from-netrc\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    connect(srv.url + "/sparql").query(Q)
    assert base64.b64decode(srv.seen[-1].headers["authorization"].split()[1]) == b"robot:from-netrc"
    assert credentials("http://elsewhere.example/sparql").kind == ""


def test_credentials_in_the_url_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(EndpointAuthError) as info:
        connect(f"http://analyst:{SECRET}@127.0.0.1:1/sparql")
    assert SECRET not in str(info.value) and "analyst" not in str(info.value)
    monkeypatch.setenv("CYBERKG_ENDPOINT_USER", "only-user")
    with pytest.raises(EndpointAuthError, match="set together"):
        credentials("http://127.0.0.1/sparql")


def test_nothing_listening(script_server: Any) -> None:  # noqa: F811
    from endpoint_fixtures import free_port

    with pytest.raises(EndpointUnreachable, match="connection refused"):
        client(f"http://127.0.0.1:{free_port()}").query(Q)
    with pytest.raises(EndpointError, match="not an http"):
        connect("ftp://example.org/sparql")
