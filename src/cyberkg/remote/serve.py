"""A local, read-only SPARQL 1.1 Protocol endpoint: Oxigraph's own server (``oxigraph
serve-read-only`` from the ``oxigraph`` PyPI package — a real server, no HTTP code of ours) on a
SNAPSHOT of the built store, plus the standard library's ``http.server`` for the few fixed files of
a query page.

The snapshot is an Oxigraph backup (``Store.backup``: a RocksDB checkpoint, hard links where the
file system allows) in a temporary folder, so ``cyberkg build`` can rebuild and swap ``build/store``
while the endpoint keeps answering from the store as it was when it started. The server gets
``--union-default-graph`` (queries see every named graph, as on the embedded store) and ``--cors``
(the page is served from another port; Oxigraph then sends ``Access-Control-Allow-Origin: *``,
harmless for a read-only copy of public data). Updates and Graph Store writes are refused by
Oxigraph itself (403 "The server is read-only").

:func:`run` blocks until SIGINT (Ctrl-C) or SIGTERM, then stops the child process, waits for it,
closes the page server and deletes the snapshot. The child runs in its own session, so a Ctrl-C in
the terminal reaches only us and we stop it in order; on Linux it also gets SIGTERM if we die
without cleaning up (``PR_SET_PDEATHSIG``), so no orphan server keeps the port.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cyberkg.core.errors import CyberkgError

Files = dict[str, tuple[bytes, str]]  # path -> (body, content type)
START_TIMEOUT_S = 30.0


class ServeError(CyberkgError):
    """The endpoint cannot be started (port in use, server binary missing, server died)."""


def oxigraph_binary() -> str:
    """The ``oxigraph`` server program the PyPI package installs next to this Python."""
    here = Path(sys.executable).parent / "oxigraph"
    found = str(here) if here.is_file() else shutil.which("oxigraph")
    if not found:
        raise ServeError("the Oxigraph server program is missing: install it with 'pip install oxigraph' "
                         "(a dependency of cyberkg; 'pip install -e .' in a checkout)")
    return found


def snapshot(store: Any, dest: Path) -> None:
    """Back the pyoxigraph ``store`` up into ``dest`` (which must not exist yet)."""
    try:
        store.backup(str(dest))
    except OSError as exc:
        raise ServeError(f"cannot copy the built store to {dest}: {exc}") from exc


def display_host(host: str) -> str:
    """The host to put in a URL: a wildcard bind is reached through the loopback address."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def check_port_free(host: str, port: int, option: str) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise ServeError(f"cannot listen on {host}:{port} ({exc.strerror or exc}): another server (a second "
                             f"'cyberkg serve'?) may use it — choose another port with {option}") from None


@dataclass
class Endpoint:
    """A running endpoint: the Oxigraph child, the page server and the snapshot they serve."""

    host: str
    port: int
    snapshot_dir: Path
    proc: subprocess.Popen[bytes]
    log: Path
    page: ThreadingHTTPServer | None = None
    _stopped: bool = field(default=False, repr=False)

    @property
    def base(self) -> str:
        return f"http://{display_host(self.host)}:{self.port}"

    @property
    def query_url(self) -> str:
        return f"{self.base}/query"

    @property
    def page_url(self) -> str | None:
        if self.page is None:
            return None
        host, port = self.page.server_address[:2]
        return f"http://{display_host(str(host))}:{port}/"

    def stop(self) -> int | None:
        """Terminate the child (kill it after 10 s), close the page server, delete the snapshot;
        the child's exit code."""
        if self._stopped:
            return self.proc.returncode
        self._stopped = True
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.page is not None:
            self.page.shutdown()
            self.page.server_close()
        shutil.rmtree(self.snapshot_dir, ignore_errors=True)
        return self.proc.returncode

    def log_tail(self, n: int = 800) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-n:].strip()
        except OSError:
            return ""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the child gets SIGTERM when its parent dies, so no orphan server keeps the port."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def page_server(host: str, port: int, files: Files, headers: dict[str, str]) -> ThreadingHTTPServer:
    """``http.server`` answering GET/HEAD for the fixed ``files`` only (no file system access)."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "cyberkg-page"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, body: bool) -> None:
            path = self.path.split("?", 1)[0]
            if path not in files:
                self.send_error(404, "not found: the query page is at /")
                return
            data, ctype = files[path]
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            if body:
                self.wfile.write(data)

        def do_GET(self) -> None:
            self._answer(True)

        def do_HEAD(self) -> None:
            self._answer(False)

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

    try:
        server = Server((host, port), Handler)
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port} for the query page ({exc.strerror or exc}): choose "
                         "another port with --page-port") from None
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="query-page", daemon=True).start()
    return server


def start(store: Any, host: str = "127.0.0.1", port: int = 7878) -> Endpoint:
    """Snapshot ``store`` (a pyoxigraph Store) and start ``oxigraph serve-read-only`` on it."""
    binary = oxigraph_binary()
    check_port_free(host, port, "--port")
    work = Path(tempfile.mkdtemp(prefix="cyberkg-serve-"))
    try:
        snapshot(store, work / "db")
        log = work / "oxigraph.log"
        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        args = [binary, "serve-read-only", "--location", str(work / "db"), "--bind", bind,
                "--union-default-graph", "--cors"]
        with open(log, "wb") as out:
            proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True, preexec_fn=_die_with_parent)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    ep = Endpoint(host, port, work, proc, log)
    try:
        _wait_until_answering(ep)
    except BaseException:
        ep.stop()
        raise
    return ep


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through an http_proxy


def _wait_until_answering(ep: Endpoint) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    probe = f"{ep.query_url}?query=ASK%7B%7D"
    while True:
        if ep.proc.poll() is not None:
            raise ServeError(f"the Oxigraph server stopped at start (exit {ep.proc.returncode}): {ep.log_tail()}")
        try:
            with _DIRECT.open(probe, timeout=2) as r:
                r.read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise ServeError(f"the Oxigraph server did not answer on {ep.base} within "
                                 f"{START_TIMEOUT_S:.0f} s: {ep.log_tail()}") from None
            time.sleep(0.05)


@contextlib.contextmanager
def stop_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM while the block runs (the old handlers come back after)."""
    stop = threading.Event()

    def handler(signum: int, frame: Any) -> None:
        stop.set()

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def run(ep: Endpoint, stop: threading.Event) -> None:
    """Block until ``stop`` is set, then stop ``ep``; a server that dies on its own is an error."""
    try:
        while not stop.wait(0.2):
            if ep.proc.poll() is not None:
                raise ServeError(f"the Oxigraph server stopped unexpectedly (exit {ep.proc.returncode}): "
                                 f"{ep.log_tail()}")
    finally:
        ep.stop()
