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


# No outbound connection, ever (issue 19): Oxigraph's server evaluates SPARQL ``SERVICE`` by making
# HTTP requests itself, and has no option to turn that off, so a client could make a "read-only"
# endpoint fetch any address it can reach (server-side request forgery). The child therefore runs
# under a seccomp filter, installed between fork and exec, that makes the kernel refuse ``connect``,
# ``sendto`` with an address (TCP Fast Open, unconnected UDP) and ``io_uring_setup`` with EPERM.
# Listening and answering (socket, bind, listen, accept, send, write) are untouched.
_ARCH = {"x86_64": (0xC000003E, 42, 44), "aarch64": (0xC00000B7, 203, 206)}  # audit arch, connect, sendto
_IO_URING_SETUP = 425
_EPERM = 1


def _no_connect_program() -> bytes | None:
    """The BPF program (``struct sock_filter[]``) for this machine; None where it is not supported."""
    import platform
    import struct

    arch = _ARCH.get(platform.machine()) if sys.platform.startswith("linux") else None
    if arch is None:
        return None
    audit, connect, sendto = arch
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_JMP|JGE|K, BPF_RET|K
    allow, deny = 0x7FFF0000, 0x00050000 | _EPERM  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO(EPERM)
    prog = [
        (ld, 0, 0, 4),                 # 0 arch
        (jeq, 1, 0, audit),            # 1 native arch? go on : deny
        (ret, 0, 0, deny),             # 2
        (ld, 0, 0, 0),                 # 3 syscall number
        (jge, 0, 1, 0x40000000),       # 4 x32 ABI -> deny
        (ret, 0, 0, deny),             # 5
        (jeq, 0, 1, connect),          # 6
        (ret, 0, 0, deny),             # 7
        (jeq, 0, 1, _IO_URING_SETUP),  # 8
        (ret, 0, 0, deny),             # 9
        (jeq, 1, 0, sendto),           # 10 sendto: look at its address argument
        (ret, 0, 0, allow),            # 11 anything else
        (ld, 0, 0, 48),                # 12 args[4] (dest_addr), low word
        (jeq, 0, 2, 0),                # 13
        (ld, 0, 0, 52),                # 14 high word
        (jeq, 1, 0, 0),                # 15 NULL address: an ordinary send
        (ret, 0, 0, deny),             # 16
        (ret, 0, 0, allow),            # 17
    ]
    return b"".join(struct.pack("=HBBI", *ins) for ins in prog)


def _sandboxed_child(program: bytes) -> Any:
    """A preexec_fn: die with the parent, then forbid outbound connections (see above)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(program, len(program))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(program) // 8, ctypes.cast(buf, ctypes.c_void_p))

    def child() -> None:  # pragma: no cover - runs in the child between fork and exec
        _die_with_parent()
        if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
            raise OSError(ctypes.get_errno(), "seccomp filter refused")

    child.keep = (buf, fprog)  # type: ignore[attr-defined]  # alive until exec
    return child


def no_outbound_preexec() -> Any:
    """The preexec_fn that starts the Oxigraph server without any way to connect out; a ServeError
    where this machine cannot enforce that (then ``serve`` does not start)."""
    program = _no_connect_program()
    if program is None:
        raise ServeError(f"cyberkg serve needs Linux on x86_64 or aarch64 ({sys.platform}, "
                         "this machine is not) to stop the server making outbound requests (SPARQL SERVICE); "
                         "it was not started")
    return _sandboxed_child(program)


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
        preexec = no_outbound_preexec()
        with open(log, "wb") as out:
            try:
                proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True, preexec_fn=preexec)
            except subprocess.SubprocessError as exc:
                raise ServeError(f"cannot start the Oxigraph server without outbound access ({exc}); "
                                 "it was not started") from exc
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
