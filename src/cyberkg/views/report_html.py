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


def figures_svg(report: dict[str, Any]) -> dict[str, str]:
    """The three record-wide charts as SVG text."""
    a, b = report["sides"]
    labels = {a: f"{a} alone", b: f"{b} alone", "joint": "jointly"}
    fig = report["figures"]
    rows = fig["type_matrix"]
    matrix = charts.grouped_bars(f"Instruments in force on {report['as_of']} by type: {a} alone, {b} alone, jointly",
                                 [r["type"] for r in rows], [a, b, "joint"],
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


def render(report: dict[str, Any]) -> str:
    """The page as a string."""
    import jinja2
    from markupsafe import Markup

    numbers = {s["source"]: i for i, s in enumerate(report["sources"], start=1)}
    sources = [{**s, "n": numbers[s["source"]], "href": _url(s.get("url"))} for s in report["sources"]]
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True)

    link = {n: str(Markup('<a href="#src-{0}" title="{1}">{0}</a>').format(n, sources[n - 1]["title"]))
            for n in numbers.values()}  # each source's link, escaped once

    def cite(iris: Any) -> Any:
        items = sorted({numbers[i] for i in (iris or []) if i in numbers})
        if not items:
            return Markup("")
        return Markup('<sup class="cite">[' + ", ".join(link[n] for n in items) + "]</sup>")

    env.filters["cite"] = cite
    svg = {k: Markup(v) for k, v in figures_svg(report).items()}
    page = env.from_string(TEMPLATE.read_text(encoding="utf-8")).render(
        r=report, a=report["sides"][0], b=report["sides"][1], sources=sources, svg=svg, status_text=STATUS_TEXT)
    from cyberkg.views.viz import external_references

    found = external_references(page)
    if found:
        from cyberkg.views.viz import ViewError

        raise ViewError(f"the report would load external resources ({found[:3]}); nothing was written")
    return page


def write(report: dict[str, Any], path: str | Path) -> int:
    """Write the page atomically; return its size in bytes."""
    from cyberkg.core.atomic import write_atomic

    data = render(report).encode("utf-8")
    write_atomic(Path(path), data)
    return len(data)


__all__ = ["figures_svg", "render", "write"]
