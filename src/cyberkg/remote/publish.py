"""Publishing the built graph to a SPARQL 1.1 store, one named graph at a time.

* Graph Store HTTP Protocol ``PUT`` (preferred): the whole graph in one request, which the store
  applies in one step — readers see the old graph or the new one, never half of it.
* SPARQL 1.1 Update (fallback, when the store has no Graph Store endpoint): a graph that fits in
  one chunk goes as ``DROP SILENT GRAPH`` + ``INSERT DATA`` in one request; a larger one is loaded
  in chunks into a staging graph and then ``MOVE``d over the target in one request, so a failed
  publish leaves the previous graph in place. Chunks stay small (2,000 triples by default):
  Virtuoso's parser gives up on ~10k triples in one ``INSERT DATA``.

Re-publishing replaces each graph, so the same input leaves the same triples on the store.
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

from cyberkg.core.namespaces import GRAPH
from cyberkg.remote.endpoint import RemoteDataset
from cyberkg.remote.http import (
    USER_AGENT,
    EndpointError,
    RetryableStatus,
    redact,
    retry_after,
    status_error,
    with_retries,
)

METHODS = ("auto", "put", "update")
NO_GRAPH_STORE = (404, 405, 406, 415, 501)  # "no Graph Store here": fall back to Update in auto mode
_BNODE = re.compile(rb"^_:|\s_:\S+ \.\s*$")


def guess_urls(query_url: str) -> tuple[str, str | None]:
    """(update URL, Graph Store URL) for well-known layouts; docs/endpoints.md lists them."""
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

    @property
    def triples(self) -> int:
        return sum(g.triples for g in self.graphs)

    def summary(self) -> str:
        methods = sorted({"Graph Store PUT" if g.method == "put" else "SPARQL Update" for g in self.graphs})
        rate = self.triples / self.seconds if self.seconds > 0 else 0.0
        lines = [f"published {len(self.graphs)} graph(s), {self.triples:,} triples to {redact(self.endpoint)} "
                 f"in {self.seconds:.2f} s ({rate:,.0f} triples/s) via {' and '.join(methods) or 'nothing'}"]
        lines += [f"  {g.graph}: {g.triples:,} triples ({g.method}, {g.seconds:.2f} s)" for g in self.graphs]
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
    lines = data.count(b"\n")

    def once() -> None:
        conn_cls = http.client.HTTPSConnection if p.scheme == "https" else http.client.HTTPConnection
        conn = conn_cls(p.hostname or "", p.port, timeout=remote.settings.timeout)
        done = 0
        try:
            conn.putrequest("PUT", (p.path or "/") + "?" + p.query, skip_accept_encoding=True)
            headers = {"Content-Type": "application/n-triples", "Content-Length": str(len(data)),
                       "User-Agent": USER_AGENT, **remote.auth.headers()}
            for k, v in headers.items():
                conn.putheader(k, v)
            conn.endheaders()
            step = 1 << 20
            for i in range(0, len(data), step):
                piece = data[i:i + step]
                conn.send(piece)
                n = piece.count(b"\n")
                done += n
                if bar is not None:
                    bar.update(n)
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
            bar.update(-lines)
        if resp.status in (429, 503):
            raise RetryableStatus(resp.status, retry_after(resp.getheader("Retry-After")), body)
        if resp.status in NO_GRAPH_STORE:
            raise _NoGraphStore(resp.status)
        raise status_error(resp.status, body, f"publish <{graph}>", store_url, remote.auth)

    with_retries(once, remote.settings, f"publish <{graph}>", store_url)


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


def update_graph(remote: RemoteDataset, graph: str, data: bytes, chunk_size: int = 2000, bar: Any = None) -> None:
    """Replace ``graph`` through SPARQL Update (see the module notes on atomicity)."""
    lines = [ln for ln in data.splitlines() if ln.strip()]
    target = f"<{graph}>"
    parts = list(chunks(lines, chunk_size))
    if len(parts) <= 1:
        body = b"\n".join(parts[0]).decode("utf-8") if parts else ""
        remote.update(f"DROP SILENT GRAPH {target} ;\nINSERT DATA {{ GRAPH {target} {{\n{body}\n}} }}")
        if bar is not None:
            bar.update(len(lines))
        return
    staging = f"<{staging_graph(graph)}>"
    remote.update(f"DROP SILENT GRAPH {staging}")
    try:
        for part in parts:
            body = b"\n".join(part).decode("utf-8")
            remote.update(f"INSERT DATA {{ GRAPH {staging} {{\n{body}\n}} }}")
            if bar is not None:
                bar.update(len(part))
        # Not SILENT, and never retried after a reset: a repeated MOVE from a graph that is
        # already gone would empty the target.
        remote.update(f"MOVE GRAPH {staging} TO GRAPH {target}", retry_reset=False)
    except BaseException:
        with contextlib.suppress(EndpointError):
            remote.update(f"DROP SILENT GRAPH {staging}", retry_reset=False)
        raise


def union_default(remote: RemoteDataset, ds: Any, graph: str) -> bool | None:
    """Whether a triple of ``graph`` is visible in the store's default graph."""
    if remote.default_graphs:
        return None
    rows = list(ds.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o FILTER(isIRI(?s)) }} }} LIMIT 1"))
    if not rows:  # (consumed in full: pyoxigraph's lazy solutions must not be dropped on another thread)
        return None
    s, p, o = rows[0]
    return bool(remote.query(f"ASK {{ {s.n3()} {p.n3()} {o.n3()} }}").askAnswer)


def publish(ds: Any, remote: RemoteDataset, graphs: list[str] | None = None, method: str = "auto",
            chunk_size: int = 2000, progress: bool | None = None) -> PublishReport:
    """Push the named graphs of ``ds`` (all, or ``graphs``) to ``remote``; see the module notes."""
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
    guessed_update, guessed_store = guess_urls(remote.url)
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
    from tqdm import tqdm

    with tqdm(total=total, unit="triple", unit_scale=True, desc="publish", disable=progress is False or (
            progress is None and total < 50_000), leave=False) as bar:
        for g in chosen:
            t0 = time.perf_counter()
            data = payloads[g]
            used = "put"
            if store_url is not None:
                try:
                    put_graph(remote, store_url, g, data, bar)
                except _NoGraphStore as exc:
                    if method == "put" or remote.store_url is not None:
                        raise EndpointError(f"publish: {redact(store_url)} is not a Graph Store endpoint (HTTP "
                                            f"{exc.args[0]}) — check --store-url, or use --method update") from None
                    store_url, used = None, "update"
            else:
                used = "update"
            if used == "update":
                update_graph(remote, g, data, chunk_size, bar)
            report.graphs.append(GraphReport(g, data.count(b"\n"), used, time.perf_counter() - t0))
    report.seconds = time.perf_counter() - start
    if chosen:
        report.union_default = union_default(remote, ds, chosen[0])
    return report


__all__ = ["GraphReport", "PublishReport", "graph_names", "graph_ntriples", "guess_urls", "publish",
           "put_graph", "update_graph"]
