"""The query page ``cyberkg serve`` shows in the browser: YASGUI (vendored under ``static/yasgui/``,
MIT, re-fetched by ``tools/vendor-yasgui.sh``) aimed at the local endpoint and preloaded with the
query catalogue — a picker lists every ``.rq`` file; choosing one opens it in a tab.

The page is a handful of fixed files (:func:`page_files`) for a static server: the HTML, YASGUI's JS
and CSS, and the page's own script. The catalogue travels as JSON inside a
``<script type="application/json">`` block (``<``, ``>`` and ``&`` escaped), and the script puts
names, summaries and query texts into the page with ``textContent`` and the editor's ``setValue``
only, never as HTML. The Content-Security-Policy (:func:`content_security_policy`) lets the page
load its own files and talk to the endpoint and nothing else, so nothing leaves the machine.
Each query is shown as its file stands: the catalogue's files carry their parameters' defaults in
the query text, so they run unchanged here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cyberkg.core.namespaces import PREFIXES

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
YASGUI = STATIC / "yasgui"
TEMPLATE = HERE / "templates" / "query-page.html"
HEADLINE = "gaps/shared-goals-without-joint-instrument"
PAGE_SCRIPT = "/query-page.js"
Files = dict[str, tuple[bytes, str]]


def content_security_policy(endpoint_origin: str) -> str:
    """The page's own files, inline styles (YASGUI sets them), and requests to the endpoint only."""
    return (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        f"font-src 'self' data:; connect-src {endpoint_origin}; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )


def catalogue_entries(queries: list[Any]) -> list[dict[str, str]]:
    """One entry per catalogue query: name, folder, summary, description and text (as the file stands)."""
    return [
        {
            "name": q.name,
            "group": q.name.rsplit("/", 1)[0] if "/" in q.name else "",
            "summary": q.summary,
            "description": q.description,
            "text": q.text,
        }
        for q in sorted(queries, key=lambda q: q.name)
    ]


def _json_for_html(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=None, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def render_page(endpoint: str, queries: list[Any], title: str = "cyberkg — SPARQL query page") -> bytes:
    """The HTML of the page: the endpoint URL and the catalogue as data, YASGUI from ``/yasgui/``."""
    import jinja2
    from markupsafe import Markup

    names = [q.name for q in queries]
    data = {
        "endpoint": endpoint,
        "first": HEADLINE if HEADLINE in names else (sorted(names)[0] if names else ""),
        "prefixes": {p: str(ns) for p, ns in sorted(PREFIXES.items())},
        "queries": catalogue_entries(queries),
    }
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    html = env.from_string(TEMPLATE.read_text(encoding="utf-8")).render(
        title=title, endpoint=endpoint, count=len(queries), data=Markup(_json_for_html(data)), script=PAGE_SCRIPT,
    )
    return html.encode("utf-8")


def page_files(endpoint: str, queries: list[Any]) -> Files:
    """Path -> (bytes, content type) for every file the page needs."""
    return {
        "/": (render_page(endpoint, queries), "text/html; charset=utf-8"),
        PAGE_SCRIPT: ((STATIC / "query-page.js").read_bytes(), "text/javascript; charset=utf-8"),
        "/yasgui/yasgui.min.js": ((YASGUI / "yasgui.min.js").read_bytes(), "text/javascript; charset=utf-8"),
        "/yasgui/yasgui.min.css": ((YASGUI / "yasgui.min.css").read_bytes(), "text/css; charset=utf-8"),
        "/yasgui/LICENSE": ((YASGUI / "LICENSE").read_bytes(), "text/plain; charset=utf-8"),
        "/yasgui/THIRD-PARTY.txt": ((YASGUI / "THIRD-PARTY.txt").read_bytes(), "text/plain; charset=utf-8"),
    }
