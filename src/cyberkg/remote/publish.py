"""Publishing the built graph to a SPARQL 1.1 store, all named graphs or none.

1. **Stage**: each graph goes to a staging graph of its own
   (``https://w3id.org/cyberkg/graph/staging?for=<graph>``), by Graph Store HTTP Protocol ``PUT``
   (preferred: one request per graph) or, when the store has no Graph Store endpoint, by SPARQL
   1.1 Update ``INSERT DATA`` in chunks. The chunk size adapts to the store: a chunk its parser
   refuses as too large (Virtuoso's ``SP031``, HTTP 413) is split in two and sent again, and the
   smaller size is kept for the rest of the run.
2. **Switch**: one SPARQL Update request ``MOVE GRAPH <staging> TO GRAPH <graph> ; …`` for every
   graph, which the store applies as one request (one transaction on Oxigraph server; Virtuoso runs
   one request as one transaction too), so readers see all the old graphs or all the new ones.
   It is never retried after a connection reset (a repeated ``MOVE`` from a graph already moved
   would empty the target).

A failure before the switch drops the staging graphs and leaves every published graph as it was;
a publish killed before the switch leaves staging graphs behind, which the next publish drops
first. A store without a SPARQL Update endpoint gets the graphs by ``PUT`` one at a time (each
graph atomic, not the set; the summary says so). Re-publishing the same build leaves the same
triples on the store.

Longer than 350 lines: staging, the switch and its fallbacks, the streamed PUT and the adaptive
Update chunks are one publish protocol, tested as a whole.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from cyberkg.core.errors import QueryError
from cyberkg.core.namespaces import GRAPH
from cyberkg.remote.endpoint import RemoteDataset
from cyberkg.remote.http import (
    RESET_ERRORS,
    USER_AGENT,
    EndpointError,
    EndpointNotFound,
    RetryableStatus,
    redact,
    retry_after,
    status_error,
    with_retries,
)

METHODS = ("auto", "put", "update")
NO_GRAPH_STORE = (404, 405, 406, 415, 501)  # "no Graph Store here": fall back to Update in auto mode
_BNODE = re.compile(rb"^_:|\s_:\S+ \.\s*$")


def guess_urls(query_url: str, authenticated: bool = False) -> tuple[str, str | None]:
    """(update URL, Graph Store URL) for well-known layouts; docs/endpoints.md lists them.
    ``authenticated``: credentials are set (Virtuoso then takes its ``-auth`` URLs)."""
    p = urlsplit(query_url)
    path = p.path.rstrip("/")

    def at(new: str) -> str:
        return urlunsplit(p._replace(path=new, query="", fragment=""))

    if path == "/query":  # Oxigraph server
        return at("/update"), at("/store")
    m = re.fullmatch(r"(/.+)/(sparql|query)", path)
    if m:  # Fuseki: /ds/sparql or /ds/query
        return at(m.group(1) + "/update"), at(m.group(1) + "/data")
    if re.fullmatch(r".*/repositories/[^/]+", path):  # GraphDB, RDF4J
        return at(path + "/statements"), at(path + "/rdf-graphs/service")
    if path == "/sparql":  # Virtuoso (updates need /sparql-auth with credentials)
        if authenticated:
            return at("/sparql-auth"), at("/sparql-graph-crud-auth")
        return query_url, at("/sparql-graph-crud")
    return query_url, None


def graph_names(ds: Any) -> list[str]:
    """The dataset's named graphs, sorted."""
    import cyberkg.store.adapter as adapter

    return adapter.of(ds).graph_names()


def graph_ntriples(ds: Any, name: str) -> bytes:
    """One named graph as N-Triples (one triple per line)."""
    import cyberkg.store.adapter as adapter

    return adapter.of(ds).graph_nt(name)


@dataclass
class GraphReport:
    graph: str
    triples: int
    method: str  # "put" | "update"
    seconds: float


@dataclass
class PublishReport:
    endpoint: str
    graphs: list[GraphReport] = field(default_factory=list)
    seconds: float = 0.0
    union_default: bool | None = None
    atomic: bool = True  # staged, then switched in one request
    switch_seconds: float = 0.0
    chunk_size: int | None = None  # the Update chunk size the store took (after any splitting)
    refused_switch: str = ""  # why the store refused the one-request switch (then graphs went one by one)

    @property
    def triples(self) -> int:
        return sum(g.triples for g in self.graphs)

    def summary(self) -> str:
        methods = sorted({"Graph Store PUT" if g.method == "put" else "SPARQL Update" for g in self.graphs})
        rate = self.triples / self.seconds if self.seconds > 0 else 0.0
        lines = [f"published {len(self.graphs)} graph(s), {self.triples:,} triples to {redact(self.endpoint)} "
                 f"in {self.seconds:.2f} s ({rate:,.0f} triples/s) via {' and '.join(methods) or 'nothing'}"]
        lines += [f"  {g.graph}: {g.triples:,} triples ({g.method}, {g.seconds:.2f} s)" for g in self.graphs]
        if self.graphs and self.atomic:
            lines.append(f"  all {len(self.graphs)} graph(s) switched in one request ({self.switch_seconds:.2f} s)"
                         + (f"; Update chunks of {self.chunk_size:,} triples" if self.chunk_size else ""))
        elif self.graphs and self.refused_switch:
            lines.append("warning: the store refused to switch all graphs in one transaction, so each graph was "
                         f"replaced by its own PUT (each graph whole, not the set): {self.refused_switch} — on "
                         "Virtuoso raise TransactionAfterImageLimit in virtuoso.ini for an all-or-nothing publish")
        elif self.graphs:
            lines.append("warning: the store has no SPARQL Update endpoint, so each graph was replaced by its own PUT "
                         "(each graph atomic, not the set) — pass --update-url for an all-or-nothing publish")
        if self.union_default is False:
            lines.append("warning: the store's default graph is not the union of its named graphs, so the catalogue "
                         "queries will find nothing there — turn on its union default graph (docs/endpoints.md) "
                         "or set CYBERKG_ENDPOINT_GRAPHS to the published graphs")
        return "\n".join(lines)


class _NoGraphStore(Exception):
    pass


def put_graph(remote: RemoteDataset, store_url: str, graph: str, data: bytes, bar: Any = None) -> None:
    """Replace ``graph`` on the store with ``data`` (N-Triples) in one Graph Store PUT."""
    url = store_url + ("&" if "?" in store_url else "?") + urlencode({"graph": graph})
    p = urlsplit(url)
    fresh = [False]

    def once() -> None:
        remote.auth.prepare(url, remote.settings.timeout)
        conn_cls = http.client.HTTPSConnection if p.scheme == "https" else http.client.HTTPConnection
        conn = conn_cls(p.hostname or "", p.port, timeout=remote.settings.timeout)
        done = 0
        try:
            conn.putrequest("PUT", (p.path or "/") + "?" + p.query, skip_accept_encoding=True)
            headers = {"Content-Type": "application/n-triples", "Content-Length": str(len(data)),
                       "User-Agent": USER_AGENT, **remote.auth.headers("PUT", url)}
            for k, v in headers.items():
                conn.putheader(k, v)
            conn.endheaders()
            step = 1 << 20
            try:
                for i in range(0, len(data), step):
                    piece = data[i:i + step]
                    conn.send(piece)
                    n = piece.count(b"\n")
                    done += n
                    if bar is not None:
                        bar.update(n)
            except RESET_ERRORS:
                # A store may refuse early (401 before reading the body) and close: its answer
                # can still be read, and says more than "connection reset".
                early = _early_answer(conn)
                if early is None:
                    raise
                resp, body = early
            else:
                resp = conn.getresponse()
                body = resp.read()
        except BaseException:
            if bar is not None and done:
                bar.update(-done)
            raise
        finally:
            conn.close()
        if resp.status in (200, 201, 204):
            return
        if bar is not None:
            bar.update(-done)
        if resp.status == 401 and not fresh[0] and remote.auth.refresh(url, remote.settings.timeout):
            fresh[0] = True  # a Digest nonce may have expired: once more
            return once()
        if resp.status in (429, 503):
            raise RetryableStatus(resp.status, retry_after(resp.getheader("Retry-After")), body)
        if resp.status in NO_GRAPH_STORE:
            raise _NoGraphStore(resp.status)
        raise status_error(resp.status, body, f"publish <{graph}>", store_url, remote.auth)

    with_retries(once, remote.settings, f"publish <{graph}>", store_url)


def _early_answer(conn: http.client.HTTPConnection) -> tuple[Any, bytes] | None:
    """The status a store sent before it stopped reading our body, if it sent one."""
    try:
        resp = conn.getresponse()
        return resp, resp.read()
    except (OSError, http.client.HTTPException):
        return None


def staging_graph(graph: str) -> str:
    return f"{GRAPH}staging?for={quote(graph, safe='')}"


def chunks(lines: list[bytes], size: int) -> Iterator[list[bytes]]:
    """Chunks of at most ``size`` triples; triples with blank nodes travel together in one chunk
    (a blank node label only means the same node within one request)."""
    plain = [ln for ln in lines if not _BNODE.search(ln)]
    blank = [ln for ln in lines if _BNODE.search(ln)]
    for i in range(0, len(plain), size):
        yield plain[i:i + size]
    if blank:
        yield blank


_TOO_BIG_TRANSACTION = re.compile(r"SR325|log after image size|TransactionAfterImageLimit", re.IGNORECASE)
_TOO_LARGE = re.compile(r"SP030|SP031|HTTP 413|too large|too long|exceeded \d+ lines|memory exhausted",
                        re.IGNORECASE)


def too_large(exc: BaseException) -> bool:
    """Whether the store refused a request for its size (Virtuoso: SP031 … exceeded 10000 lines of
    code, or SP030 … memory exhausted, both from its SPARQL parser)."""
    return bool(_TOO_LARGE.search(str(exc)))


@dataclass
class _Chunking:
    size: int
    smallest: int = 0  # the size the store took, after any splitting

    def send(self, remote: RemoteDataset, target: str, part: list[bytes], bar: Any) -> None:
        """``INSERT DATA`` ``part`` into ``target``; a part the store refuses as too large is split
        in two and sent again (blank-node parts cannot be split: they must stay in one request)."""
        body = b"\n".join(part).decode("utf-8")
        try:
            remote.update(f"INSERT DATA {{ GRAPH {target} {{\n{body}\n}} }}")
        except (EndpointError, QueryError) as exc:  # Virtuoso answers SP031 with 400 or 500
            if not too_large(exc) or len(part) < 2 or any(_BNODE.search(ln) for ln in part):
                raise
            half = len(part) // 2
            self.size = min(self.size, half)
            for piece in (part[:half], part[half:]):
                self.send(remote, target, piece, bar)
            return
        self.smallest = min(self.smallest or len(part), len(part))
        if bar is not None:
            bar.update(len(part))


def update_graph(remote: RemoteDataset, graph: str, data: bytes, chunk_size: int = 2000, bar: Any = None,
                 chunking: _Chunking | None = None) -> None:
    """Load ``data`` into ``graph`` (which should be empty: a staging graph) by chunked Update."""
    lines = [ln for ln in data.splitlines() if ln.strip()]
    chunking = chunking or _Chunking(chunk_size)
    plain = [ln for ln in lines if not _BNODE.search(ln)]
    blank = [ln for ln in lines if _BNODE.search(ln)]
    target = f"<{graph}>"
    i = 0
    while i < len(plain):
        part = plain[i:i + chunking.size]
        chunking.send(remote, target, part, bar)
        i += len(part)
    if blank:
        chunking.send(remote, target, blank, bar)


def union_default(remote: RemoteDataset, ds: Any, graph: str) -> bool | None:
    """Whether a triple of ``graph`` is visible in the store's default graph."""
    if remote.default_graphs:
        return None
    rows = list(ds.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o FILTER(isIRI(?s)) }} }} LIMIT 1"))
    if not rows:  # (consumed in full: pyoxigraph's lazy solutions must not be dropped on another thread)
        return None
    s, p, o = rows[0]
    return bool(remote.query(f"ASK {{ {s.n3()} {p.n3()} {o.n3()} }}").askAnswer)


def _drop_staging(remote: RemoteDataset, graphs: list[str]) -> None:
    remote.update(" ;\n".join(f"DROP SILENT GRAPH <{staging_graph(g)}>" for g in graphs), retry_reset=True)


def _left_staging(remote: RemoteDataset) -> list[str]:
    """Staging graphs a killed publish left on the store."""
    rows = remote.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                        f"FILTER(STRSTARTS(STR(?g), \"{GRAPH}staging?for=\")) }}")
    out = []
    for r in rows:
        name = str(r[0])  # type: ignore[index]
        from urllib.parse import unquote

        out.append(unquote(name.split("?for=", 1)[1]))
    return out


def publish(ds: Any, remote: RemoteDataset, graphs: list[str] | None = None, method: str = "auto",
            chunk_size: int = 2000, progress: bool | None = None) -> PublishReport:
    """Push the named graphs of ``ds`` (all, or ``graphs``) to ``remote``, all or none; see the
    module notes."""
    if method not in METHODS:
        raise ValueError(f"unknown publish method {method!r}; choose one of {', '.join(METHODS)}")
    if chunk_size < 1:
        raise ValueError("the chunk size must be at least 1 triple")
    names = graph_names(ds)
    chosen = names if not graphs else list(graphs)
    missing = [g for g in chosen if g not in names]
    if missing:
        raise EndpointError(f"publish: the built graph has no named graph {', '.join(missing)}; it has: "
                            f"{', '.join(names) or 'none'}")
    guessed_update, guessed_store = guess_urls(remote.url, authenticated=remote.auth.kind != "")
    if remote.update_url is None:
        remote.update_url = guessed_update
    store_url = remote.store_url or guessed_store
    if method == "update":
        store_url = None
    elif method == "put" and store_url is None:
        raise EndpointError(f"publish: no Graph Store URL known for {redact(remote.url)} — pass --store-url")
    payloads = {g: graph_ntriples(ds, g) for g in chosen}
    total = sum(d.count(b"\n") for d in payloads.values())
    report = PublishReport(remote.url)
    start = time.perf_counter()
    # The update endpoint first: it switches the staged graphs in one request. Dropping what an
    # earlier, killed publish left staged tells whether there is one (and whether we may write).
    atomic = True
    try:
        _drop_staging(remote, sorted(set(chosen) | set(_left_staging(remote))))
    except (EndpointNotFound, QueryError) as exc:
        if store_url is None:
            raise EndpointError(f"publish: {redact(remote.update_url or remote.url)} takes no SPARQL Update "
                                f"({exc}) — pass --update-url") from None
        atomic = False  # Graph Store only: each graph replaced by its own PUT
    except EndpointError as exc:
        if store_url is None or ("HTTP 405" not in str(exc) and "HTTP 415" not in str(exc)):
            raise
        atomic = False
    from tqdm import tqdm

    from cyberkg.core.progress import shown

    chunking = _Chunking(chunk_size)
    try:
        with tqdm(total=total, unit="triple", unit_scale=True, desc="publish", disable=progress is False or (
                progress is None and (total < 50_000 or not shown())), leave=False) as bar:  # quiet when piped
            for g in chosen:
                t0 = time.perf_counter()
                data = payloads[g]
                target = staging_graph(g) if atomic else g
                used = "put"
                if store_url is not None:
                    try:
                        put_graph(remote, store_url, target, data, bar)
                    except _NoGraphStore as exc:
                        if method == "put" or remote.store_url is not None:
                            raise EndpointError(
                                f"publish: {redact(store_url)} is not a Graph Store endpoint (HTTP {exc.args[0]}) "
                                "— check --store-url, or use --method update") from None
                        if not atomic:
                            raise EndpointError(
                                f"publish: {redact(remote.url)} has neither a Graph Store nor an Update endpoint "
                                "that answers — pass --store-url or --update-url") from None
                        store_url, used = None, "update"
                else:
                    used = "update"
                if used == "update":
                    update_graph(remote, target, data, chunk_size, bar, chunking)
                report.graphs.append(GraphReport(g, data.count(b"\n"), used, time.perf_counter() - t0))
        if atomic:
            t0 = time.perf_counter()
            switch = " ;\n".join(
                f"MOVE GRAPH <{staging_graph(g)}> TO GRAPH <{g}>" if payloads[g].strip() else f"DROP SILENT GRAPH <{g}>"
                for g in chosen)
            # one request, never retried after a reset (see the module notes)
            try:
                remote.update(switch, retry_reset=False)
            except EndpointError as exc:
                if store_url is None or not _TOO_BIG_TRANSACTION.search(str(exc)):
                    raise
                # Virtuoso refuses a transaction whose log exceeds TransactionAfterImageLimit (SR325):
                # the graphs go one by one, each replaced whole by its own PUT (not all or nothing)
                for g in chosen:
                    put_graph(remote, store_url, g, payloads[g])
                _drop_staging(remote, chosen)
                atomic = False
                report.refused_switch = str(exc).split(" — ")[0][:200]
            report.switch_seconds = time.perf_counter() - t0
    except BaseException:
        if atomic:  # (a staging graph may be half-filled by chunks, or a PUT the store took)
            with contextlib.suppress(EndpointError):
                _drop_staging(remote, chosen)
        raise
    report.atomic = atomic
    report.chunk_size = chunking.size if any(g.method == "update" for g in report.graphs) else None
    report.seconds = time.perf_counter() - start
    if chosen:
        report.union_default = union_default(remote, ds, chosen[0])
    return report


__all__ = ["GraphReport", "PublishReport", "graph_names", "graph_ntriples", "guess_urls", "publish",
           "put_graph", "staging_graph", "too_large", "update_graph"]
