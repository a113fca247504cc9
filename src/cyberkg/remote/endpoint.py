"""Any SPARQL 1.1 endpoint as a query source: ``connect(url).query(text)`` returns an rdflib
:class:`~rdflib.query.Result`, so ``queries.run``, ``gaps.find_gaps``, ``export.serialize`` and
``validate.run_checks`` work on it unchanged (catalogue parameters arrive as typed terms in place
of their variables, ``queries.substitute_terms``).

Requests go through SPARQLWrapper with its quirks handled: a descriptive User-Agent, POST
(long queries), an explicit ``Accept`` per query form, the client timeout plus an optional
server-side timeout parameter, bounded retries on 429/503 and resets, and answers checked before
they are trusted (an HTML page, an empty 200, a body cut off mid-stream, a truncated result set).

Longer than 350 lines: the SPARQLWrapper quirks, the answer checks and the re-asking in parts of
answers a store cut at its row limit belong to one request path.
"""

from __future__ import annotations

import ast
import io
import re
import urllib.error
from typing import Any

from rdflib import Graph, URIRef
from rdflib.query import Result

from cyberkg.core.errors import QueryError
from cyberkg.remote.http import (
    USER_AGENT,
    Auth,
    EndpointError,
    EndpointResponseError,
    RetryableStatus,
    Settings,
    check_url,
    credentials,
    redact,
    retry_after,
    status_error,
    with_retries,
)

ACCEPT = {
    "SELECT": "application/sparql-results+json, application/sparql-results+xml;q=0.5",
    "ASK": "application/sparql-results+json, application/sparql-results+xml;q=0.5",
    "CONSTRUCT": "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5",
    "DESCRIBE": "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5",
}
RDF_FORMATS = {"application/n-triples": "nt", "text/plain": "nt", "text/turtle": "turtle",
               "application/x-turtle": "turtle", "application/rdf+xml": "xml", "application/ld+json": "json-ld",
               "application/n-quads": "nquads", "application/trig": "trig", "text/n3": "n3"}
_KIND = re.compile(r"(?is)^\s*(?:(?:PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b")


def query_kind(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE, read past comments and prologue."""
    body = re.sub(r"(?m)^\s*#.*$", "", text)
    m = _KIND.match(body)
    if not m:
        raise QueryError("not a SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE) — updates go through publish")
    return m.group(1).upper()


class RemoteDataset:
    """A SPARQL 1.1 endpoint that answers ``query(text)`` like an rdflib Dataset does."""

    # catalogue parameters arrive as typed terms in place of their variables, not as VALUES blocks
    # (queries.substitute_terms: the form every store plans as constants)
    substitutes_parameters = True
    # exports read cyberkg's named graphs only (https://w3id.org/cyberkg/graph/…), not the store's
    # own (Virtuoso keeps 2,499 system triples in graphs of its own)
    published_graphs_only = True

    def __init__(self, url: str, update_url: str | None = None, store_url: str | None = None,
                 settings: Settings | None = None, auth: Auth | None = None,
                 default_graphs: list[str] | None = None) -> None:
        self.url = check_url(url)
        self.update_url = check_url(update_url, "update") if update_url else None
        self.store_url = check_url(store_url, "store") if store_url else None
        self.settings = settings or Settings.from_env()
        self.auth = auth if auth is not None else credentials(url)
        self.default_graphs = list(default_graphs or [])

    def graphs(self) -> list[Any]:
        """The named graphs cyberkg published here (``https://w3id.org/cyberkg/graph/…``, staging
        graphs left out), as objects with an ``identifier``: only their names are fetched."""
        from cyberkg.core.namespaces import GRAPH

        rows = self.query(f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{GRAPH}") '
                          f'&& !STRSTARTS(STR(?g), "{GRAPH}staging?")) }}')
        return [_NamedGraph(URIRef(str(r[0]))) for r in rows]  # type: ignore[index]

    def over_graphs(self, graphs: list[str]) -> RemoteDataset:
        """The same endpoint with the default graph made of ``graphs`` (sent as default-graph-uri)."""
        return RemoteDataset(self.url, self.update_url, self.store_url, self.settings, self.auth, list(graphs))

    def __repr__(self) -> str:
        return f"RemoteDataset({redact(self.url)!r}, {self.auth.describe()})"

    # -- queries ------------------------------------------------------------------------------
    def query(self, text: str) -> Result:
        kind = query_kind(text)
        result, cut = self._once(text, kind)
        if cut:
            # The store cut the answer at its row limit (Virtuoso: ResultSetMaxRows, 10,000 by default,
            # also on CONSTRUCT and without saying so): ask again in parts by the subject's hash, when
            # the query has a ?s to split on; else say the answer is incomplete.
            if not _splittable(text):
                raise EndpointResponseError(
                    f"query: {redact(self.url)} cut the result at {_size(result):,} rows (its result limit: "
                    "X-SPARQL-MaxRows, or Virtuoso's stock 10,000) — the answer is incomplete; raise the store's "
                    "limit (Virtuoso: ResultSetMaxRows in virtuoso.ini)")
            result = self._in_parts(text, kind, "")
        return result

    def _once(self, text: str, kind: str) -> tuple[Result, bool]:
        body, ctype, headers = with_retries(lambda: self._fetch(text, kind), self.settings, "query", self.url)
        result = self._parse(body, ctype, headers, kind)
        cap = headers.get("x-sparql-maxrows", "")
        n = _size(result)
        return result, kind in ("SELECT", "CONSTRUCT", "DESCRIBE") and (
            n in (STOCK_ROW_LIMIT, STOCK_ROW_LIMIT + 1) or (cap.isdigit() and n >= int(cap)))

    def _in_parts(self, text: str, kind: str, prefix: str) -> Result:
        """The answer to ``text`` as the union of its answers for the subjects whose MD5 (hex) starts
        with ``prefix`` and then each quarter of the hex digits (at the top, also the blank-node
        subjects); a part that is cut again is split again, a quarter at a time."""
        md5 = "MD5(STR(?s))"
        conds: list[tuple[str, list[str]]] = [] if prefix else [("isBlank(?s)", [])]
        for quarter in ("0123", "4567", "89ab", "cdef"):
            digits = [prefix + d for d in quarter]
            alts = ", ".join(f'"{d[-1]}"' for d in digits)
            head = f'STRSTARTS({md5}, "{prefix}") && ' if prefix else ""
            conds.append((f"isIRI(?s) && {head}SUBSTR({md5}, {len(prefix) + 1}, 1) IN ({alts})", digits))
        merged: Result | None = None
        for cond, digits in conds:
            part, cut = self._once(_with_filter(text, cond), kind)
            if cut:
                if not digits or len(prefix) >= 5:
                    raise EndpointResponseError(
                        f"query: {redact(self.url)} cuts even a small part of the answer at its result limit — "
                        "raise the store's limit (Virtuoso: ResultSetMaxRows in virtuoso.ini)")
                part = self._merge([self._in_parts(text, kind, d) for d in digits], kind)
            merged = part if merged is None else self._merge([merged, part], kind)
        assert merged is not None
        return merged

    @staticmethod
    def _merge(parts: list[Result], kind: str) -> Result:
        out = parts[0]
        for part in parts[1:]:
            if kind == "SELECT":
                out.bindings = list(out.bindings) + list(part.bindings)
            else:
                assert out.graph is not None and part.graph is not None
                out.graph += part.graph
        return out

    def _sparqlwrapper(self, text: str, kind: str) -> Any:
        from SPARQLWrapper import POST, URLENCODED, SPARQLWrapper

        sw = SPARQLWrapper(self.url, agent=USER_AGENT)
        sw.setMethod(POST)  # long queries (VALUES blocks, checks) do not fit a GET URL everywhere
        sw.setRequestMethod(URLENCODED)
        sw.setQuery(text)
        sw.queryType = kind  # SPARQLWrapper's own guess trips on leading comments
        sw.timeout = self.settings.timeout  # type: ignore[assignment]  # setTimeout() truncates to int; 0 = none
        sw.addCustomHttpHeader("Accept", ACCEPT[kind])
        self.auth.prepare(self.url, self.settings.timeout)
        for k, v in self.auth.headers("POST", self.url).items():
            sw.addCustomHttpHeader(k, v)
        if self.settings.server_timeout:
            sw.addParameter(*self.settings.server_timeout)
        for g in self.default_graphs:  # an explicit dataset for stores without a union default graph
            sw.addDefaultGraph(g)
            sw.addNamedGraph(g)
        return sw

    def _fetch(self, text: str, kind: str, fresh: bool = False) -> tuple[bytes, str, dict[str, str]]:
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        sw = self._sparqlwrapper(text, kind)
        try:
            response = sw.query().response
            body = response.read()
        except SPARQLWrapperException as exc:  # 400/401/404/414/500, body inside the message
            code = {"QueryBadFormed": 400, "Unauthorized": 401, "EndPointNotFound": 404, "URITooLong": 414,
                    "EndPointInternalError": 500}.get(type(exc).__name__, 500)
            if code == 401 and not fresh and self.auth.refresh(self.url, self.settings.timeout):
                return self._fetch(text, kind, fresh=True)  # a Digest nonce may have expired: once more
            raise status_error(code, _wrapper_body(exc), "query", self.url, self.auth) from None
        except urllib.error.HTTPError as exc:  # other codes: SPARQLWrapper re-raises urllib's error
            data = _read(exc)
            if exc.code in (429, 503):
                raise RetryableStatus(exc.code, retry_after(exc.headers.get("Retry-After")), data) from None
            raise status_error(exc.code, data, "query", self.url, self.auth) from None
        headers = {k.lower(): v for k, v in response.headers.items()}
        return body, headers.get("content-type", ""), headers

    def _parse(self, body: bytes, ctype: str, headers: dict[str, str], kind: str) -> Result:
        mime = ctype.split(";")[0].strip().lower()
        where = redact(self.url)
        if not body.strip():
            raise EndpointResponseError(
                f"query: {where} answered 200 with an empty body where {kind} results were expected — a proxy, "
                "firewall or rate limiter may be blocking the request; check the URL in a browser and the "
                "store's access rules (an empty answer is not 'no results')")
        head = body[:512].lstrip().lower()
        if mime in ("text/html", "application/xhtml+xml") or head.startswith((b"<!doctype html", b"<html")):
            from cyberkg.remote.http import body_excerpt

            raise EndpointResponseError(
                f"query: {where} answered with an HTML page ({body_excerpt(body, 80)!r}) where {kind} results were "
                "expected — the URL is probably the store's web page or a login page, not its SPARQL endpoint "
                "(docs/endpoints.md lists the right URL for each store)")
        if b"operation has been cancelled" in body[-200:]:
            from cyberkg.remote.http import EndpointTimeout

            raise EndpointTimeout(
                f"query: {where} stopped the query at its own time limit and cut the answer off (Oxigraph "
                "server's --timeout-s) — raise the server's timeout or simplify the query")
        try:
            if kind in ("SELECT", "ASK"):
                fmt = "xml" if "xml" in mime else "json"
                result = Result.parse(io.BytesIO(body), format=fmt)
            else:
                g = Graph()
                g.parse(data=body, format=RDF_FORMATS.get(mime, "turtle"))
                result = Result(kind if kind == "CONSTRUCT" else "CONSTRUCT")
                result.graph = g
        except Exception as exc:  # rdflib's parsers raise many types
            raise EndpointResponseError(
                f"query: the answer from {where} ({len(body):,} bytes, {mime or 'no content type'}) is not valid "
                f"{kind} results ({type(exc).__name__}) — it was probably cut off mid-stream, which is how "
                "Oxigraph server reports its own --timeout-s; raise the server's timeout or simplify the query"
            ) from None
        _typed_strings(result)
        return result

    # -- updates ------------------------------------------------------------------------------
    def update(self, text: str, retry_reset: bool = True) -> None:
        """Run one SPARQL Update request on the update URL (the query URL when none was given)."""
        from SPARQLWrapper import POST, URLENCODED, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        url = self.update_url or self.url

        def once(fresh: bool = False) -> None:
            sw = SPARQLWrapper(self.url, updateEndpoint=url, agent=USER_AGENT)
            sw.setMethod(POST)
            sw.setRequestMethod(URLENCODED)
            sw.setQuery(text)
            sw.queryType = "INSERT"
            sw.timeout = self.settings.timeout  # type: ignore[assignment]
            self.auth.prepare(url, self.settings.timeout)
            for k, v in self.auth.headers("POST", url).items():
                sw.addCustomHttpHeader(k, v)
            try:
                sw.query().response.read()
            except SPARQLWrapperException as exc:
                code = {"QueryBadFormed": 400, "Unauthorized": 401, "EndPointNotFound": 404}.get(
                    type(exc).__name__, 500)
                if code == 401 and not fresh and self.auth.refresh(url, self.settings.timeout):
                    return once(fresh=True)  # a Digest nonce may have expired: once more
                raise status_error(code, _wrapper_body(exc), "update", url, self.auth) from None
            except urllib.error.HTTPError as exc:
                data = _read(exc)
                if exc.code in (429, 503):
                    raise RetryableStatus(exc.code, retry_after(exc.headers.get("Retry-After")), data) from None
                if exc.code == 401 and not fresh and self.auth.refresh(url, self.settings.timeout):
                    return once(fresh=True)
                raise status_error(exc.code, data, "update", url, self.auth) from None

        with_retries(once, self.settings, "update", url, retry_reset=retry_reset)


# Virtuoso's stock ResultSetMaxRows: it cuts SELECT answers at this size and CONSTRUCT answers at
# one more, saying so (X-SPARQL-MaxRows) only on some. An answer of exactly that size is taken as cut.
STOCK_ROW_LIMIT = 10_000
_SPLIT_VAR = re.compile(r"[?$]s(?![\w])")
_NOT_SPLITTABLE = re.compile(r"(?i)\b(LIMIT|OFFSET|GROUP\s+BY|COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\b")


def _size(result: Result) -> int:
    if result.type == "SELECT":
        return len(result.bindings)
    return len(result.graph) if result.graph is not None else 0


def _splittable(text: str) -> bool:
    """A query whose answer is the union of its answers per subject ``?s`` (no limit, no aggregate)."""
    from cyberkg.analysis.catalogue import where_brace

    body = re.sub(r"(?m)#.*$", "", text)
    try:
        where_brace(text)
    except Exception:  # no WHERE group we can find
        return False
    return bool(_SPLIT_VAR.search(body)) and not _NOT_SPLITTABLE.search(body)


def _with_filter(text: str, cond: str) -> str:
    """``text`` with ``FILTER(cond)`` at the top of its WHERE group (a filter applies to the whole group)."""
    from cyberkg.analysis.catalogue import where_brace

    at = where_brace(text) + 1
    return f"{text[:at]} FILTER({cond}) {text[at:]}"


class _NamedGraph:
    """A named graph on a remote store that holds triples (its name only)."""

    def __init__(self, identifier: URIRef) -> None:
        self.identifier = identifier

    def __len__(self) -> int:
        return 1  # listed because it holds triples; the count is not fetched


def _typed_strings(result: Result) -> None:
    """Give plain literals the explicit ``xsd:string`` datatype, as the embedded (Oxigraph) store
    returns them: the same RDF term (RDF 1.1), but rdflib compares the two forms as different."""
    from rdflib import Literal
    from rdflib.namespace import XSD

    def fix(term: Any) -> Any:
        if isinstance(term, Literal) and term.datatype is None and not term.language:
            return Literal(str(term), datatype=XSD.string)
        return term

    if result.type == "SELECT":
        result.bindings = [{k: fix(v) for k, v in b.items()} for b in result.bindings]
    elif result.type == "CONSTRUCT" and result.graph is not None:
        fixed = Graph()
        fixed.addN((s, p, fix(o), fixed) for s, p, o in result.graph)
        result.graph = fixed


def _read(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read()
    except Exception:  # the body of an error page is only for the message
        return b""


def _wrapper_body(exc: Exception) -> bytes:
    """The server's body, which SPARQLWrapper keeps only inside its message as a bytes repr."""
    msg = str(exc.args[0]) if exc.args else ""
    _, sep, tail = msg.partition("Response:\n")
    if not sep:
        return b""
    try:
        value = ast.literal_eval(tail.strip())
    except (ValueError, SyntaxError):
        return tail.encode()
    return value if isinstance(value, bytes) else str(value).encode()


def connect(url: str, update_url: str | None = None, store_url: str | None = None,
            settings: Settings | None = None, default_graphs: list[str] | None = None) -> RemoteDataset:
    """A remote SPARQL 1.1 endpoint to pass wherever a dataset is expected.

    ``default_graphs`` (or ``CYBERKG_ENDPOINT_GRAPHS``, comma-separated IRIs) sends an explicit
    dataset with each query, for stores whose default graph is not the union of named graphs."""
    import os

    if default_graphs is None and os.environ.get("CYBERKG_ENDPOINT_GRAPHS"):
        default_graphs = [g.strip() for g in os.environ["CYBERKG_ENDPOINT_GRAPHS"].split(",") if g.strip()]
    return RemoteDataset(url, update_url, store_url, settings, default_graphs=default_graphs)


__all__ = ["EndpointError", "RemoteDataset", "connect", "query_kind"]
