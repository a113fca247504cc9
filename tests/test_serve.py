"""``cyberkg serve`` as a user runs it: a subprocess on free 127.0.0.1 ports over the tiny record,
queried with SPARQLWrapper, stopped with SIGINT/SIGTERM, and its query page in headless Chromium."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from rdflib import BNode, Literal, URIRef

from conftest import env, make_home
from cyberkg.analysis.catalogue import bind_values, bindings, find
from cyberkg.core.output import plain
from endpoint_fixtures import free_port

pytestmark = pytest.mark.server
CHROMIUM = Path("/usr/bin/chromium")
ROWS = "cyberkg.yasgui.getTab().getYasr().rootEl.querySelectorAll('table.dataTable tbody tr')"  # the open tab's
EVIL_SUMMARY = "<img src=x onerror=\"window.__pwned=1\"> evil summary"


def cyberkg_command() -> list[str]:
    script = Path(sys.executable).parent / "cyberkg"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "cyberkg.cli.main"]


class Served:
    """A running ``cyberkg serve`` subprocess and what it printed."""

    def __init__(self, home: Path, build: Path, extra: list[str] | None = None) -> None:
        self.port, self.page_port = free_port(), free_port()
        while self.page_port == self.port:
            self.page_port = free_port()
        self.environ = {**os.environ, "CYBERKG_HOME": str(home), "CYBERKG_BUILD_DIR": str(build)}
        args = [*cyberkg_command(), "serve", "--port", str(self.port), "--page-port", str(self.page_port)]
        self.proc = subprocess.Popen(args + (extra or []), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=self.environ)
        self.lines: queue.Queue[str] = queue.Queue()
        self.stdout: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.endpoint = self._wait_for("SPARQL endpoint (read-only): ")
        self.page = self._wait_for("query page:").split()[0] if "--no-page" not in (extra or []) else None

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.put(raw.decode())

    def _wait_for(self, prefix: str, seconds: float = 60) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None:
                    err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                    pytest.fail(f"cyberkg serve exited with {self.proc.returncode}: {err}", pytrace=False)
                continue
            self.stdout.append(line)
            if line.startswith(prefix):
                return line[len(prefix):].strip()
        self.kill()
        pytest.fail(f"cyberkg serve printed no {prefix!r} line within {seconds} s", pytrace=False)

    def children(self) -> list[int]:
        """The pids of the server's child processes (Linux /proc)."""
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30) -> tuple[int, str]:
        self.proc.send_signal(sig)
        try:
            _, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"cyberkg serve did not stop within {timeout} s of signal {sig}", pytrace=False)
        return self.proc.returncode, err.decode()

    def kill(self) -> None:
        if self.proc.poll() is None:
            for child in self.children():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
            self.proc.kill()
            self.proc.wait()


def evil_home(base: Path) -> Path:
    """The tiny record with a copy of the catalogue plus one query whose header holds HTML."""
    home = make_home(base)
    (home / "queries").unlink()
    shutil.copytree(Path(__file__).resolve().parent.parent / "queries", home / "queries")
    (home / "queries" / "zz-evil.rq").write_text(
        f"#+ summary: {json.dumps(EVIL_SUMMARY)}\n#+ description: \"</script><script>window.__pwned=2</script>\"\n"
        "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 1\n", encoding="utf-8")
    return home


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    base = tmp_path_factory.mktemp("serve")
    s = Served(evil_home(base), base / "build")
    yield s
    if s.proc.poll() is None:
        code, err = s.stop()
        assert code == 0 and "Traceback" not in err, err


def cli_rows(served: Served, name: str) -> list[dict[str, Any]]:
    """What ``cyberkg query NAME --format json`` prints, on the same record."""
    from cyberkg.cli.main import main

    with env(CYBERKG_HOME=served.environ["CYBERKG_HOME"], CYBERKG_BUILD_DIR=served.environ["CYBERKG_BUILD_DIR"]):
        result = CliRunner().invoke(main, ["query", name, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def term(b: dict[str, str]) -> Any:
    if b["type"] == "uri":
        return URIRef(b["value"])
    if b["type"] == "bnode":
        return BNode(b["value"])
    return Literal(b["value"], lang=b.get("xml:lang"), datatype=b.get("datatype"))


def sparqlwrapper_rows(endpoint: str, text: str) -> list[dict[str, Any]]:
    from SPARQLWrapper import JSON, POST, SELECT, SPARQLWrapper

    sw = SPARQLWrapper(endpoint, agent="cyberkg-tests")
    sw.setMethod(POST)
    sw.setQuery(text)
    # SPARQLWrapper 2.0 guesses the query form from the text with only every other '#' line of a
    # comment block removed, so a header word like "addresses" reads as an ADD update (and it sends
    # update=…): a client states the form, as queries/README.md says
    sw.queryType = SELECT
    sw.setReturnFormat(JSON)
    data = sw.query().convert()
    names = data["head"]["vars"]
    return [{n: plain(term(b[n])) if n in b else None for n in names} for b in data["results"]["bindings"]]


@pytest.mark.parametrize("name", ["coverage/counts-by-kind", "incidents/attributions",
                                  "gaps/shared-goals-without-joint-instrument"])
def test_sparqlwrapper_gets_the_rows_cyberkg_query_gives(served: Served, name: str) -> None:
    q = find(name, Path(served.environ["CYBERKG_HOME"]) / "queries")
    text = bind_values(q.text, bindings(q, {}))  # the text 'cyberkg query NAME' runs with its defaults
    remote = sparqlwrapper_rows(served.endpoint, text)
    assert remote == cli_rows(served, name)
    if name == "coverage/counts-by-kind":
        assert {r["kind"]: r["count"] for r in remote}["actors"] > 0


def test_updates_and_graph_store_writes_are_refused(served: Served) -> None:
    from SPARQLWrapper import POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = sparqlwrapper_rows(served.endpoint, count)
    sw = SPARQLWrapper(served.endpoint, updateEndpoint=served.endpoint.rsplit("/", 1)[0] + "/update",
                       agent="cyberkg-tests")
    sw.setMethod(POST)
    sw.setQuery("INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }")
    with pytest.raises((SPARQLWrapperException, urllib.error.HTTPError)) as info:
        sw.query()
    assert "read-only" in str(info.value) or getattr(info.value, "code", None) == 403
    put = urllib.request.Request(served.endpoint.rsplit("/", 1)[0] + "/store?default", method="PUT",
                                 data=b"<urn:x:a> <urn:x:b> <urn:x:c> .", headers={"Content-Type": "text/turtle"})
    with pytest.raises(urllib.error.HTTPError) as put_info:
        urllib.request.urlopen(put, timeout=10)
    assert put_info.value.code == 403
    assert sparqlwrapper_rows(served.endpoint, count) == before


def test_build_runs_while_the_endpoint_serves_its_snapshot(served: Served) -> None:
    from cyberkg.store.built import build

    before = sparqlwrapper_rows(served.endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    with env(CYBERKG_HOME=served.environ["CYBERKG_HOME"], CYBERKG_BUILD_DIR=served.environ["CYBERKG_BUILD_DIR"]):
        ds, result = build()
    del ds
    assert result.path is not None and result.path.is_dir()
    assert sparqlwrapper_rows(served.endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == before


def test_page_server_serves_only_its_files(served: Served) -> None:
    assert served.page is not None
    with urllib.request.urlopen(served.page, timeout=10) as r:
        csp = r.headers["Content-Security-Policy"]
        html = r.read().decode()
    assert f"connect-src http://127.0.0.1:{served.port};" in csp and "default-src 'none'" in csp
    assert "<img src=x" not in html and "\\u003cimg src=x" in html  # the catalogue travels escaped
    for bad in ("/../pyproject.toml", "/etc/passwd", "/yasgui/../query-page.js"):
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(served.page.rstrip("/") + bad, timeout=10)
        assert info.value.code == 404


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_server_and_child_cleanly(tmp_path: Path, sig: int) -> None:
    s = Served(make_home(tmp_path), tmp_path / "build", ["--no-page"] if sig == signal.SIGTERM else None)
    children = s.children()
    assert children, "the Oxigraph server runs as a child process"
    snapshots = [Path(p) for p in _open_locations(children[0])]
    code, err = s.stop(sig)
    assert code == 0, err
    assert "Traceback" not in err and "stopped" in err
    for pid in children:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
    assert snapshots and not any(p.exists() for p in snapshots), "the snapshot is deleted"
    for port in (s.port, s.page_port):
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT: nobody listens
            sock.bind(("127.0.0.1", port))  # both ports are free again


def _open_locations(pid: int) -> list[str]:
    """The --location argument of the Oxigraph child (its snapshot folder)."""
    args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    i = args.index(b"--location")
    return [str(Path(args[i + 1].decode()).parent)]


def test_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        environ = {**os.environ, "CYBERKG_HOME": str(make_home(tmp_path)), "CYBERKG_BUILD_DIR": str(tmp_path / "b")}
        done = subprocess.run([*cyberkg_command(), "serve", "--port", str(port), "--page-port", str(free_port())],
                              capture_output=True, env=environ, timeout=120)
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port" in err and "Traceback" not in err


# -- the query page in a real browser ---------------------------------------------------------------

@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("the browser tests need Debian's chromium at /usr/bin/chromium: run 'apt-get install -y "
                    "chromium' (or 'make browser'), then rerun")
    from playwright.sync_api import sync_playwright

    from cyberkg.views.viz import HEADLESS_CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=HEADLESS_CHROMIUM_ARGS)
        yield b
        b.close()


def wait_until(page: Any, expr: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not page.evaluate(f"() => {expr}"):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {expr}")
        page.wait_for_timeout(50)


@pytest.mark.browser
def test_query_page_runs_a_catalogue_query_offline(served: Served, browser: Any) -> None:
    assert served.page is not None
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", lambda route: route.continue_() if urlsplit(route.request.url).hostname == "127.0.0.1"
               else route.abort())
    page.goto(served.page)
    wait_until(page, "window.cyberkg !== undefined && window.cyberkg.ready === true", 60)
    names = [q.name for q in _catalogue(served)]
    assert page.evaluate("() => Array.from(document.querySelectorAll('#catalogue option')).map(o => o.value)"
                         ".filter(v => v)") == names
    assert page.evaluate("() => cyberkg.yasgui.getTab().name()") == "gaps/shared-goals-without-joint-instrument"
    # the headline query, as its file stands (defaults written in it), gives the rows cyberkg gives
    gaps = cli_rows(served, "gaps/shared-goals-without-joint-instrument")
    assert gaps, "the tiny record has gaps on the default date"
    page.evaluate("() => { cyberkg.yasgui.getTab().getYasqe().query(); }")
    wait_until(page, f"{ROWS}.length === {len(gaps)}", 30)
    shown = page.evaluate(f"() => Array.from({ROWS}).map(tr => tr.innerText).join('\\n')")
    assert all(g["label"] in shown for g in gaps)
    page.select_option("#catalogue", "coverage/counts-by-kind")
    assert page.evaluate("() => cyberkg.yasgui.getTab().name()") == "coverage/counts-by-kind"
    assert page.evaluate("() => cyberkg.yasgui.getTab().getYasqe().getValue()") == \
        find("coverage/counts-by-kind", Path(served.environ["CYBERKG_HOME"]) / "queries").text
    page.evaluate("() => { cyberkg.yasgui.getTab().getYasqe().query(); }")
    want = cli_rows(served, "coverage/counts-by-kind")
    wait_until(page, f"{ROWS}.length === {len(want)}", 30)
    cells = page.evaluate(f"() => Array.from({ROWS}).map(tr => tr.innerText)")
    for row, text in zip(want, cells, strict=True):
        assert row["kind"] in text and str(row["count"]) in text
    # the query whose header holds HTML: shown as text, never run
    page.select_option("#catalogue", "zz-evil")
    assert page.locator("#summary").text_content().startswith(EVIL_SUMMARY)
    assert page.evaluate("() => window.__pwned") is None and page.locator("header img").count() == 0
    assert errors == []
    hosts = {urlsplit(u).hostname for u in requests}
    assert hosts == {"127.0.0.1"}, requests
    assert f"http://127.0.0.1:{served.port}/query" in requests  # the query went to the endpoint
    page.close()


def _catalogue(served: Served) -> list[Any]:
    from cyberkg.analysis.catalogue import catalogue

    return catalogue(Path(served.environ["CYBERKG_HOME"]) / "queries")


def test_the_page_needs_only_files_it_serves_and_ships_yasgui_with_its_license() -> None:
    from cyberkg.analysis.catalogue import catalogue
    from cyberkg.views.query_page import YASGUI, page_files

    files = page_files("http://127.0.0.1:7878/query", catalogue(Path(__file__).resolve().parent.parent / "queries"))
    html = files["/"][0].decode()
    refs = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert refs and all(r in files or r == "data:," for r in refs), refs  # everything from this server
    assert b"The MIT License" in files["/yasgui/LICENSE"][0]
    assert len(files["/yasgui/yasgui.min.js"][0]) > 500_000  # the real bundle, not a stub
    assert (YASGUI / "VERSION").read_text().startswith("@zazuko/yasgui@")
