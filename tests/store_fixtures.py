"""Fixtures for the store matrix: Debian's Virtuoso (``virtuoso-opensource``) and Apache Jena
(``libapache-jena-java``), each started by the test on 127.0.0.1 in a temporary folder and stopped
by it. ``tools/ci-stores.sh install`` installs both (``make test`` runs it in CI).

In CI (``CI=true``) a missing store FAILS the tests that need it; locally they skip and say how to
install it. The Virtuoso dba password is generated here and goes to Virtuoso's ``isql`` on stdin
and to cyberkg through the environment: it is never on a command line nor printed.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from endpoint_fixtures import ROOT, free_port

INSTALL = "run 'tools/ci-stores.sh install' as root (Debian: virtuoso-opensource, libapache-jena-java)"


def need(what: str) -> None:
    """Fail in CI, skip locally, when a store is not installed."""
    msg = f"{what} is not installed — {INSTALL}"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)


# -- Virtuoso --------------------------------------------------------------------------------------

VIRTUOSO_INI = """\
[Database]
DatabaseFile       = {d}/virtuoso.db
ErrorLogFile       = {d}/virtuoso.log
LockFile           = {d}/virtuoso.lck
TransactionFile    = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {d}/virtuoso-temp.db
TransactionFile    = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort               = 127.0.0.1:{sql}
DisableUnixSocket        = 1
MaxClientConnections     = 10
CheckpointInterval       = 60
CaseMode                 = 2
DirsAllowed              = ., {d}
NumberOfBuffers          = {buffers}
MaxDirtyBuffers          = {dirty}
ThreadsPerQuery          = 2
MaxQueryMem              = 1G

[HTTPServer]
ServerPort                  = 127.0.0.1:{http}
ServerRoot                  = {d}/vsp
MaxClientConnections        = 10
ServerThreads               = 10
EnabledDavVSP               = 0
Charset                     = UTF-8

[Client]
SQL_PREFETCH_ROWS  = 100
SQL_PREFETCH_BYTES = 16000

[SPARQL]
; the stock limits (Debian's virtuoso.ini): 10,000 rows, 60 s
ResultSetMaxRows           = 10000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime      = 60
"""


class VirtuosoServer:
    """``virtuoso-t`` with its own ini and database in ``folder``, HTTP and SQL on 127.0.0.1."""

    def __init__(self, folder: Path, buffers: int = 170000) -> None:
        binary = shutil.which("virtuoso-t")
        self.isql = shutil.which("isql-vt")
        if not binary or not self.isql:
            need("Virtuoso (virtuoso-t, isql-vt)")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "vsp").mkdir(exist_ok=True)
        self.folder = folder
        self.http, self.sql = free_port(), free_port()
        self.password = secrets.token_urlsafe(18)
        ini = folder / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(d=folder, sql=self.sql, http=self.http, buffers=buffers,
                                           dirty=buffers * 3 // 4))
        self.log = folder / "virtuoso.log"
        self._out = open(folder / "stdout.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([str(binary), "+foreground", "+configfile", str(ini)], cwd=folder,
                                     stdout=self._out, stderr=subprocess.STDOUT)
        self.started = time.monotonic()
        self._wait()
        # A new database's dba password is the well-known default "dba": replace it at once, the
        # new one given on isql's stdin (isql takes its own login only as an argument).
        self.sql_exec(f"USER_SET_PASSWORD('dba', '{self.password}');")
        self.ready_s = time.monotonic() - self.started

    def _wait(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"virtuoso-t exited with {self.proc.returncode}: "
                            f"{self.log.read_text(errors='replace')[-2000:] if self.log.exists() else ''}",
                            pytrace=False)
            try:
                urllib.request.urlopen(f"{self.query_url}?query=ASK%7B%7D", timeout=2).read()
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
        self.stop()
        pytest.fail("Virtuoso did not answer within 120 s", pytrace=False)

    def sql_exec(self, script: str) -> str:
        """Run SQL through isql as dba with the default password (only before it is changed)."""
        assert self.isql
        proc = subprocess.run([self.isql, f"127.0.0.1:{self.sql}", "dba", "dba", "VERBOSE=OFF", "BANNER=OFF",
                               "PROMPT=OFF", "ECHO=OFF"], input=f"{script}\n", capture_output=True,
                              text=True, timeout=120)
        out = (proc.stdout + proc.stderr).replace(self.password, "***")
        if proc.returncode != 0 or "*** Error" in out:
            raise RuntimeError(f"isql failed: {out[-1000:]}")
        return out

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http}"

    @property
    def query_url(self) -> str:
        return f"{self.base}/sparql"

    @property
    def update_url(self) -> str:
        return f"{self.base}/sparql-auth"

    @property
    def store_url(self) -> str:
        return f"{self.base}/sparql-graph-crud-auth"

    def env(self) -> dict[str, str]:
        return {"CYBERKG_ENDPOINT_USER": "dba", "CYBERKG_ENDPOINT_PASSWORD": self.password}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()


# -- Apache Jena -----------------------------------------------------------------------------------


def jena_classpath() -> str:
    """The class path ``tools/ci-stores.sh jena-classpath`` prints (Debian's jars with the two
    work-arounds for Jena 4.5.0)."""
    if not Path("/usr/share/java/jena-arq.jar").is_file() or not shutil.which("java"):
        need("Apache Jena (libapache-jena-java) or Java")
    proc = subprocess.run(["bash", str(ROOT / "tools" / "ci-stores.sh"), "jena-classpath"], capture_output=True,
                          text=True, timeout=120)
    if proc.returncode != 0:
        pytest.fail(f"tools/ci-stores.sh jena-classpath failed: {proc.stderr[-1000:]}", pytrace=False)
    return proc.stdout.strip()


class JenaServer:
    """Jena ARQ behind a minimal SPARQL protocol endpoint (``tools/JenaSparql.java``): TDB2 in
    ``folder`` loaded from a TriG file with the union default graph, or a Turtle file in memory."""

    def __init__(self, folder: Path, data: Path) -> None:
        cp = jena_classpath()
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.log = folder / "jena.log"
        self._out = open(self.log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(["java", "-Xmx1g", "-cp", cp, str(ROOT / "tools" / "JenaSparql.java"),
                                      str(self.port), str(data), str(folder / "tdb2")],
                                     stdout=self._out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"the Jena endpoint exited with {self.proc.returncode}: "
                            f"{self.log.read_text(errors='replace')[-3000:]}", pytrace=False)
            try:
                urllib.request.urlopen(f"{self.query_url}?query=ASK%7B%7D", timeout=2).read()
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
        self.stop()
        pytest.fail("the Jena endpoint did not answer within 180 s", pytrace=False)

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()
