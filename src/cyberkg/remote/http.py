"""HTTP plumbing shared by remote queries and publishing: settings, credentials, retries, errors.

Credentials come from the environment (``CYBERKG_ENDPOINT_USER`` + ``CYBERKG_ENDPOINT_PASSWORD``
for HTTP basic or digest, ``CYBERKG_ENDPOINT_TOKEN`` for a bearer token) or a netrc file (``NETRC``
or ``~/.netrc``), never from the command line or the URL, and they never appear in a message.

A user and password go as HTTP Basic unless the store asks for Digest (RFC 7616, as Virtuoso's
``-auth`` endpoints do): before the first request to a URL, :meth:`Auth.prepare` sends one
unauthenticated ``HEAD`` and keeps the store's Digest challenge; each request then carries a
Digest answer for its own method and path, and a 401 fetches a fresh nonce once before it counts
as refused credentials.

Longer than 350 lines: settings, credentials (Basic, Digest, bearer, netrc), retries and the
error for each status are the one HTTP policy both the queries and publish follow.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import http.client
import os
import re
import secrets
import socket
import time
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from cyberkg import __version__
from cyberkg.core.errors import CyberkgError

USER_AGENT = f"cyberkg/{__version__} (+https://w3id.org/cyberkg)"
RETRY_STATUS = (429, 503)
T = TypeVar("T")


class EndpointError(CyberkgError):
    """A remote SPARQL endpoint could not answer; says what, where and what to do."""


class EndpointAuthError(EndpointError):
    """401/403: wrong or missing credentials, or not allowed."""


class EndpointNotFound(EndpointError):
    """404: no endpoint at that URL."""


class EndpointServerError(EndpointError):
    """5xx (after retries for 503)."""


class EndpointTimeout(EndpointError):
    """No complete answer in time (client or server timeout)."""


class EndpointResponseError(EndpointError):
    """An answer that is not SPARQL results: an HTML page, an empty body, a cut-off body."""


class EndpointUnreachable(EndpointError):
    """Connection refused, reset or closed (after retries)."""


class RetryableStatus(Exception):
    """Internal: a 429/503 answer, with its Retry-After in seconds (if any)."""

    def __init__(self, status: int, retry_after: float | None, body: bytes = b"") -> None:
        super().__init__(f"HTTP {status}")
        self.status, self.retry_after, self.body = status, retry_after, body


_DIGEST_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')
_HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}


def parse_digest(header: str | None) -> dict[str, str] | None:
    """The parameters of a ``WWW-Authenticate: Digest …`` challenge (None when it is not Digest,
    or asks for an algorithm we do not speak)."""
    if not header:
        return None
    m = re.search(r"(?i)\bDigest\s+(.*)", header)
    if not m:
        return None
    params = {k.lower(): (q if q is not None else t) for k, q, t in
              ((m2.group(1), m2.group(2), m2.group(3)) for m2 in _DIGEST_PARAM.finditer(m.group(1)))}
    if "nonce" not in params or params.get("algorithm", "MD5").upper() not in _HASHES:
        return None
    return params


def _target(url: str) -> str:
    p = urlsplit(url)
    return (p.path or "/") + (f"?{p.query}" if p.query else "")


def _key(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}{p.path}"


@dataclass(frozen=True)
class Auth:
    """How to authenticate; ``repr`` never shows the secret. A user and password go as Basic, or as
    Digest where the store's challenge asks for it (learnt by :meth:`prepare`)."""

    kind: str = ""  # "" | "basic" (user:password, Basic or Digest) | "bearer"
    source: str = ""  # where it came from, for messages: "environment" | "netrc"
    _secret: str = field(default="", repr=False)
    _challenges: dict[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)

    def headers(self, method: str = "POST", url: str = "") -> dict[str, str]:
        if self.kind == "basic":
            challenge = self._challenges.get(_key(url)) if url else None
            if challenge:
                return {"Authorization": self._digest(challenge, method, url)}
            return {"Authorization": "Basic " + base64.b64encode(self._secret.encode()).decode()}
        if self.kind == "bearer":
            return {"Authorization": "Bearer " + self._secret}
        return {}

    def scheme(self, url: str) -> str:
        """What the credentials go as for ``url``: "digest", "basic", "bearer" or ""."""
        if self.kind == "basic" and self._challenges.get(_key(url)):
            return "digest"
        return self.kind

    def describe(self, url: str = "") -> str:
        kind = self.scheme(url) if url else self.kind
        return f"{kind} credentials from the {self.source}" if kind else "no credentials"

    def prepare(self, url: str, timeout: float = 30.0) -> None:
        """Before the first request to ``url`` with a user and password: ask the store (one
        unauthenticated HEAD) whether it wants Digest, and keep its challenge."""
        if self.kind != "basic" or _key(url) in self._challenges:
            return
        self._challenges[_key(url)] = parse_digest(probe_challenge(url, timeout))

    def refresh(self, url: str, timeout: float = 30.0) -> bool:
        """After a 401: fetch a fresh Digest challenge (the nonce may have expired). True when the
        request is worth one more try."""
        if self.kind != "basic":
            return False
        challenge = parse_digest(probe_challenge(url, timeout))
        if challenge is None:
            return False
        self._challenges[_key(url)] = challenge
        return True

    def _digest(self, challenge: dict[str, Any], method: str, url: str) -> str:
        user, _, password = self._secret.partition(":")
        algorithm = challenge.get("algorithm", "MD5").upper()
        h = _HASHES[algorithm]

        def hx(text: str) -> str:
            return h(text.encode("utf-8")).hexdigest()

        uri = _target(url)
        realm, nonce = challenge.get("realm", ""), challenge["nonce"]
        ha1, ha2 = hx(f"{user}:{realm}:{password}"), hx(f"{method}:{uri}")
        parts = [f'username="{user}"', f'realm="{realm}"', f'nonce="{nonce}"', f'uri="{uri}"',
                 f"algorithm={algorithm}"]
        qops = [q.strip() for q in challenge.get("qop", "").split(",") if q.strip()]
        if "auth" in qops:
            challenge["nc"] = challenge.get("nc", 0) + 1
            nc, cnonce = f"{challenge['nc']:08x}", secrets.token_hex(8)
            parts += [f'response="{hx(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")}"', "qop=auth", f"nc={nc}",
                      f'cnonce="{cnonce}"']
        else:
            parts.append(f'response="{hx(f"{ha1}:{nonce}:{ha2}")}"')
        if "opaque" in challenge:
            parts.append(f'opaque="{challenge["opaque"]}"')
        return "Digest " + ", ".join(parts)


def probe_challenge(url: str, timeout: float = 30.0) -> str | None:
    """The ``WWW-Authenticate`` header of a 401 to an unauthenticated ``HEAD`` of ``url`` (None
    when the store does not answer 401)."""
    p = urlsplit(url)
    conn_cls = http.client.HTTPSConnection if p.scheme == "https" else http.client.HTTPConnection
    conn = conn_cls(p.hostname or "", p.port, timeout=timeout)
    try:
        conn.request("HEAD", _target(url), headers={"User-Agent": USER_AGENT})
        resp = conn.getresponse()
        resp.read()
        return resp.getheader("WWW-Authenticate") if resp.status == 401 else None
    except (OSError, http.client.HTTPException):
        return None  # the real request will say what is wrong
    finally:
        conn.close()


def credentials(url: str, env: dict[str, str] | None = None) -> Auth:
    """Credentials for ``url`` from the environment, else from a netrc file, else none."""
    env = dict(os.environ) if env is None else env
    user, password = env.get("CYBERKG_ENDPOINT_USER"), env.get("CYBERKG_ENDPOINT_PASSWORD")
    token = env.get("CYBERKG_ENDPOINT_TOKEN")
    if token:
        return Auth("bearer", "environment", token)
    if user or password:
        if not (user and password):
            raise EndpointAuthError("CYBERKG_ENDPOINT_USER and CYBERKG_ENDPOINT_PASSWORD must be set together "
                                    "(one of them is empty) — set both, or use CYBERKG_ENDPOINT_TOKEN")
        return Auth("basic", "environment", f"{user}:{password}")
    import netrc

    path = env.get("NETRC") or os.path.expanduser("~/.netrc")
    if os.path.isfile(path):
        try:
            found = netrc.netrc(path).authenticators(urlsplit(url).hostname or "")
        except (netrc.NetrcParseError, OSError) as exc:
            raise EndpointAuthError(f"cannot read the netrc file {path} (line {getattr(exc, 'lineno', '?')}) — "
                                    "fix it or unset NETRC") from None
        if found and found[0] and found[2]:
            return Auth("basic", "netrc", f"{found[0]}:{found[2]}")
    return Auth()


def redact(url: str) -> str:
    """``url`` without any user:password part."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    return urlunsplit(parts._replace(netloc=host + (f":{parts.port}" if parts.port else "")))


def check_url(url: str, what: str = "endpoint") -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError(f"the {what} URL {redact(url)!r} is not an http(s) URL — "
                            "give the full address, e.g. http://localhost:7878/query")
    if parts.username is not None or parts.password is not None:
        raise EndpointAuthError(f"the {what} URL {redact(url)} carries credentials — remove them from the URL and "
                                "set CYBERKG_ENDPOINT_USER/CYBERKG_ENDPOINT_PASSWORD or CYBERKG_ENDPOINT_TOKEN "
                                "(or a netrc entry) instead")
    return url


@dataclass
class Settings:
    """Timeouts and retry policy; ``sleep`` is injectable so tests do not wait."""

    timeout: float = 120.0  # client-side, seconds (per request)
    server_timeout: tuple[str, str] | None = None  # e.g. ("timeout", "60000") for Virtuoso (ms)
    retries: int = 3
    backoff: float = 1.0  # first wait; doubles each retry
    max_sleep: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ) if env is None else env
        s = cls()
        if env.get("CYBERKG_ENDPOINT_TIMEOUT"):
            s.timeout = float(env["CYBERKG_ENDPOINT_TIMEOUT"])
        raw = env.get("CYBERKG_ENDPOINT_SERVER_TIMEOUT", "")
        if raw:
            name, sep, value = raw.partition("=")
            if not sep or not re.fullmatch(r"[A-Za-z][\w-]*", name):
                raise EndpointError(f"CYBERKG_ENDPOINT_SERVER_TIMEOUT={raw!r} should be NAME=VALUE, "
                                    "e.g. timeout=60000 (Virtuoso, ms) or timeout=60s (QLever)")
            s.server_timeout = (name, value)
        return s


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


RESET_ERRORS = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, http.client.RemoteDisconnected,
                http.client.IncompleteRead)


def is_timeout(exc: BaseException) -> bool:
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return True
    return isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, (socket.timeout, TimeoutError))


def is_reset(exc: BaseException) -> bool:
    if isinstance(exc, RESET_ERRORS):
        return True
    return isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, RESET_ERRORS)


def with_retries(fn: Callable[[], T], settings: Settings, what: str, url: str, retry_reset: bool = True) -> T:
    """Call ``fn``; on 429/503 (honouring Retry-After) and on connection resets, wait and try again,
    at most ``settings.retries`` times, each wait capped at ``settings.max_sleep``."""
    attempt = 0
    while True:
        try:
            return fn()
        except RetryableStatus as exc:
            if attempt >= settings.retries:
                kind = "rate-limited (429)" if exc.status == 429 else "unavailable (503)"
                raise EndpointServerError(
                    f"{what}: {redact(url)} is {kind}, still after {settings.retries} retries — wait and rerun, "
                    "or ask the store's operator about its limits") from None
            wait = exc.retry_after if exc.retry_after is not None else settings.backoff * 2 ** attempt
        except EndpointError:
            raise
        except Exception as exc:
            if is_timeout(exc):
                raise EndpointTimeout(
                    f"{what}: no complete answer from {redact(url)} within {settings.timeout:g} s — the query may be "
                    "too heavy for this store; raise CYBERKG_ENDPOINT_TIMEOUT, or check the store is up") from None
            if not is_reset(exc) and not (isinstance(exc, urllib.error.URLError)
                                          and isinstance(exc.reason, ConnectionRefusedError)):
                raise
            if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, ConnectionRefusedError):
                raise EndpointUnreachable(f"{what}: nothing listens at {redact(url)} (connection refused) — "
                                          "start the store, or check the host and port") from None
            if not retry_reset or attempt >= settings.retries:
                raise EndpointUnreachable(
                    f"{what}: the connection to {redact(url)} was reset or closed mid-answer "
                    f"({type(exc).__name__}){' after ' + str(settings.retries) + ' retries' if retry_reset else ''} "
                    "— check the store and any proxy in between, then rerun") from None
            wait = settings.backoff * 2 ** attempt
        settings.sleep(min(max(wait, 0.0), settings.max_sleep))
        attempt += 1


def status_error(status: int, body: bytes, what: str, url: str, auth: Auth) -> CyberkgError:
    """The error for a non-success HTTP status (other than the retried 429/503)."""
    excerpt = body_excerpt(body)
    where = redact(url)
    if status in (401, 403):
        verb = "refused the credentials" if status == 401 and auth.kind else (
            "needs credentials" if status == 401 else "does not allow this")
        return EndpointAuthError(
            f"{what}: {where} {verb} (HTTP {status}; sent {auth.describe(url)}) — set CYBERKG_ENDPOINT_USER and "
            "CYBERKG_ENDPOINT_PASSWORD, or CYBERKG_ENDPOINT_TOKEN, or a netrc entry for this host; some stores "
            "(Virtuoso) take updates only on an authenticated URL")
    if status == 404:
        return EndpointNotFound(f"{what}: nothing at {where} (HTTP 404) — check the URL (docs/endpoints.md lists "
                                "each store's query, update and store URLs)")
    if status == 400:
        from cyberkg.core.errors import QueryError

        return QueryError(f"{what}: {where} rejected the request as malformed (HTTP 400): {excerpt}")
    if status >= 500:
        return EndpointServerError(f"{what}: {where} failed with HTTP {status}: {excerpt} — the store's log says "
                                   "why; retry later or simplify the query")
    return EndpointError(f"{what}: {where} answered HTTP {status}: {excerpt}")


def body_excerpt(body: bytes, limit: int = 200) -> str:
    text = body.decode("utf-8", "replace")
    title = re.search(r"(?is)<title>(.*?)</title>", text)
    if title:
        text = title.group(1)
    text = re.sub(r"<[^>]+>", " ", text)
    text = " ".join(text.split())
    return (text[:limit] + "…") if len(text) > limit else (text or "(empty body)")


__all__ = [
    "USER_AGENT",
    "Auth",
    "EndpointAuthError",
    "EndpointError",
    "EndpointNotFound",
    "EndpointResponseError",
    "EndpointServerError",
    "EndpointTimeout",
    "EndpointUnreachable",
    "Settings",
    "check_url",
    "credentials",
    "parse_digest",
    "probe_challenge",
    "redact",
    "status_error",
    "with_retries",
]
