"""The report as one self-contained HTML page: no script, no request (a Content-Security-Policy
forbids them), inline SVG charts, every string from the data escaped by Jinja2's autoescape, and
the same data always gives the same bytes (nothing in the page depends on the clock)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cyberkg.views import charts

TEMPLATE = Path(__file__).resolve().parent / "templates" / "report.html"
STATUS_TEXT = {"gap": "GAP — no joint instrument", "covered": "covered by joint instruments"}


def _url(value: Any) -> str | None:
    text = str(value or "")
    return text if re.match(r"^https?://", text, re.I) else None


def css_string(value: Any) -> str:
    """Data as the inside of a CSS string: every character but letters, digits, space and plain
    punctuation as a CSS escape, so no quote, backslash or ``</style>`` can leave the string."""
    out = []
    for ch in " ".join(str(value or "").split()):
        # after six hex digits CSS consumes one space as the end of the escape: add it
        out.append(ch if ch.isascii() and (ch.isalnum() or ch in " .,:;-()/") else f"\\{ord(ch):06x} ")
    return "".join(out)


def type_label(report: dict[str, Any], slug: Any) -> str:
    """An instrument type's label from the vocabulary (its slug only when the vocabulary has none)."""
    return str((report.get("labels") or {}).get("instrument-type", {}).get(str(slug)) or slug)


def figures_svg(report: dict[str, Any]) -> dict[str, str]:
    """The three record-wide charts as SVG text."""
    a, b = report["sides"]
    labels = {a: f"{a} alone", b: f"{b} alone", "joint": "jointly"}
    fig = report["figures"]
    rows = fig["type_matrix"]
    matrix = charts.grouped_bars(f"The annex matrix on {report['as_of']}: instruments by function, {a}, {b} "
                                 "(alone or with third partners), jointly",
                                 [r.get("label") or type_label(report, r["type"]) for r in rows], [a, b, "joint"],
                                 {s: [r[s] for r in rows] for s in (a, b, "joint")}, labels)
    years = fig["per_year"]
    per_year = charts.stacked_columns(f"Instruments by year they took effect, by side (to {report['as_of']})",
                                      [str(r["year"]) for r in years], [a, b, "joint"],
                                      {s: [r[s] for r in years] for s in (a, b, "joint")}, labels)
    counts = fig["incidents"]["counts"]
    kinds = list(counts)
    inc = charts.grouped_bars("Incidents answered jointly, separately by both sides, or by one side only",
                              kinds, ["joint"], {"joint": [counts[k] for k in kinds]}, {"joint": "incidents"})
    return {"matrix": matrix, "per_year": per_year, "incidents": inc}


def brief_sources(report: dict[str, Any]) -> set[str]:
    """The sources the brief itself cites (the PDF without its annex lists only these)."""
    x = report.get("executive_brief") or {}
    return {src for sec in x.get("sections", []) for s in sec["sentences"] for src in s["sources"]}


def render(report: dict[str, Any], annex: bool = True) -> str:
    """The page as a string: the brief, then (``annex``) the full detail; the sources cited."""
    import jinja2
    from markupsafe import Markup

    listed = report["sources"] if annex else [s for s in report["sources"] if s["source"] in brief_sources(report)]
    numbers = {s["source"]: i for i, s in enumerate(listed, start=1)}
    sources = [{**s, "n": numbers[s["source"]], "href": _url(s.get("url"))} for s in listed]
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True)

    link = {n: str(Markup('<a href="#src-{0}" title="{1}">{0}</a>').format(n, sources[n - 1]["title"]))
            for n in numbers.values()}  # each source's link, escaped once

    cited: dict[tuple[str, ...], Any] = {}  # the same lists recur (62k calls at 240k triples, most repeats)

    def cite(iris: Any) -> Any:
        key = tuple(iris or ())
        mark = cited.get(key)
        if mark is None:
            items = sorted({numbers[i] for i in key if i in numbers})
            mark = Markup('<sup class="cite">[' + ", ".join(link[n] for n in items) + "]</sup>") if items \
                else Markup("")
            cited[key] = mark
        return mark

    env.filters["cite"] = cite
    env.filters["css_string"] = css_string
    env.filters["type_label"] = lambda slug: type_label(report, slug)
    svg = {k: Markup(v) for k, v in figures_svg(report).items()} if annex else {}
    x = dict(report.get("executive_brief") or {"title": report["title"], "warnings": [], "sections": []})
    x["running"] = f"{x.get('pair') or ' – '.join(report['sides'])} cyber policy brief, as of {report['as_of']}"
    x["inputs_text"] = report.get("inputs_text") or "the curated record"
    page = env.from_string(TEMPLATE.read_text(encoding="utf-8")).render(
        r=report, x=x, annex=annex, a=report["sides"][0], b=report["sides"][1], sources=sources, svg=svg,
        status_text=STATUS_TEXT)
    from cyberkg.views.viz import external_references

    found = external_references(page)
    if found:
        from cyberkg.views.viz import ViewError

        raise ViewError(f"the report would load external resources ({found[:3]}); nothing was written")
    return page


def write(report: dict[str, Any], path: str | Path, annex: bool = True) -> int:
    """Write the page atomically; return its size in bytes."""
    from cyberkg.core.atomic import write_atomic

    data = render(report, annex).encode("utf-8")
    write_atomic(Path(path), data)
    return len(data)


__all__ = ["brief_sources", "css_string", "figures_svg", "render", "type_label", "write"]
