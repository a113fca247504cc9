"""Shared fixtures for the endpoint tests: a real Oxigraph server, the embedded dataset built from
the curated record, and a scriptable HTTP server (faults, or a proxy in front of Oxigraph)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROOT_GRAPH = ROOT / "graph"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def oxigraph_binary() -> str:
    here = Path(sys.executable).parent / "oxigraph"
    found = str(here) if here.is_file() else shutil.which("oxigraph")
    if not found:
        pytest.fail("the Oxigraph server binary is missing: install it with '.venv/bin/pip install oxigraph' "
                    "(the endpoint tests need a real SPARQL server on 127.0.0.1)", pytrace=False)
    return found


class OxigraphServer:
    """``oxigraph serve`` on a free port of 127.0.0.1, data in ``location``."""

    def __init__(self, location: Path, union: bool = True, timeout_s: int | None = None) -> None:
        self.port = free_port()
        args = [oxigraph_binary(), "serve", "--location", str(location), "--bind", f"127.0.0.1:{self.port}"]
        if union:
            args.append("--union-default-graph")
        if timeout_s:
            args += ["--timeout-s", str(timeout_s)]
        location.parent.mkdir(parents=True, exist_ok=True)
        self.log = location.parent / f"oxigraph-{self.port}.log"
        self._log = open(self.log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"oxigraph serve exited with {self.proc.returncode}: {self.log.read_text()}",
                            pytrace=False)
            try:
                urllib.request.urlopen(f"{self.base}/query?query=ASK%7B%7D", timeout=1).read()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        pytest.fail(f"oxigraph serve did not answer on port {self.port} within 30 s", pytrace=False)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return f"{self.base}/query"

    def clear(self) -> None:
        req = urllib.request.Request(f"{self.base}/update", data=b"update=CLEAR%20ALL", method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        urllib.request.urlopen(req, timeout=30).read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@pytest.fixture(scope="session")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The embedded (Oxigraph-backed) dataset built from the curated record, in memory."""
    from cyberkg import store
    from cyberkg.record.loaders import load_catalog
    from cyberkg.record.mapping import map_catalog

    catalog = load_catalog(ROOT_GRAPH)
    ds = store.new_dataset("oxigraph")
    ontology, vocab = store.ontology_graph(ROOT / "ontology"), store.read_turtle_dir(ROOT_GRAPH / "vocab")
    store.populate(ds, map_catalog(catalog), ontology, vocab)
    return ds


# -- a scriptable HTTP server -----------------------------------------------------------------------

Action = Callable[[BaseHTTPRequestHandler, "Seen"], None]


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class ScriptServer:
    """Answers each request with the next action of ``script`` (the last one repeats)."""

    script: list[Action]
    seen: list[Seen] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"


def start_script_server(script: list[Action]) -> ScriptServer:
    state = ScriptServer(list(script))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def _any(self) -> None:
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            state.seen.append(seen)
            i = min(len(state.seen), len(state.script)) - 1
            state.script[i](self, seen)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

    state.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.server.daemon_threads = True
    threading.Thread(target=state.server.serve_forever, daemon=True).start()
    return state


@pytest.fixture
def script_server() -> Iterator[Callable[[list[Action]], ScriptServer]]:
    servers: list[ScriptServer] = []

    def make(script: list[Action]) -> ScriptServer:
        s = start_script_server(script)
        servers.append(s)
        return s

    yield make
    for s in servers:
        assert s.server is not None
        s.server.shutdown()
        s.server.server_close()


def reply(status: int = 200, body: bytes = b"", ctype: str = "application/sparql-results+json",
          headers: dict[str, str] | None = None, delay: float = 0.0) -> Action:
    def act(h: BaseHTTPRequestHandler, _seen: Seen) -> None:
        if delay:
            time.sleep(delay)
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)
    return act


def reset_mid_body(body: bytes, ctype: str = "application/sparql-results+json") -> Action:
    """Promise the whole body, send a third of it, then reset the connection."""
    def act(h: BaseHTTPRequestHandler, _seen: Seen) -> None:
        import struct

        h.send_response(200)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body[: len(body) // 3])
        h.wfile.flush()
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.connection.close()
        h.close_connection = True
    return act


def forward(upstream: str, cut_body_at: float | None = None) -> Action:
    """Pass the request on to ``upstream``; with ``cut_body_at``, send only that fraction of the
    request body (announcing all of it) and drop both connections — a client dying mid-upload."""
    def act(h: BaseHTTPRequestHandler, seen: Seen) -> None:
        from urllib.parse import urlsplit

        up = urlsplit(upstream)
        if cut_body_at is not None:
            with socket.create_connection((up.hostname, up.port)) as s:
                head = f"{seen.method} {seen.path} HTTP/1.1\r\nHost: {up.hostname}:{up.port}\r\n"
                head += f"Content-Type: {seen.headers.get('content-type', '')}\r\n"
                head += f"Content-Length: {len(seen.body)}\r\n\r\n"
                s.sendall(head.encode() + seen.body[: int(len(seen.body) * cut_body_at)])
                time.sleep(0.2)
            h.close_connection = True
            h.connection.close()
            return
        req = urllib.request.Request(upstream + seen.path, data=seen.body or None, method=seen.method)
        for k in ("content-type", "accept", "authorization"):
            if k in seen.headers:
                req.add_header(k, seen.headers[k])
        try:
            resp = urllib.request.urlopen(req, timeout=60)
            status, data, ctype = resp.status, resp.read(), resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            status, data, ctype = exc.code, exc.read(), exc.headers.get("Content-Type", "")
        reply(status, data, ctype)(h, seen)
    return act


def by_path(routes: dict[str, Action], default: Action) -> Action:
    """Dispatch on the request path (before '?')."""
    def act(h: BaseHTTPRequestHandler, seen: Seen) -> None:
        routes.get(seen.path.split("?", 1)[0], default)(h, seen)
    return act

