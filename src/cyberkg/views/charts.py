"""Small hand-made SVG charts for the report: no library, no script, no request; every string from
the data escaped; numbers printed with fixed precision, so the same data gives the same bytes.

Each chart is an accessible ``<svg role="img">`` with a ``<title>`` and a text alternative (the
report also shows the numbers as a table next to it).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

SIDE_COLOURS = {"EU": "#003399", "US": "#b22234", "joint": "#7b2cbf"}
EXTRA_COLOURS = ["#138d75", "#d35400", "#2c3e50", "#b7950b"]
FONT = "font-family:system-ui,sans-serif;font-size:12px"


def colour(name: str, names: Sequence[str]) -> str:
    if name in SIDE_COLOURS:
        return SIDE_COLOURS[name]
    extra = [n for n in names if n not in SIDE_COLOURS]
    return EXTRA_COLOURS[extra.index(name) % len(EXTRA_COLOURS)] if name in extra else "#555555"


def _n(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _legend(series: Sequence[str], labels: dict[str, str], x: float, y: float) -> list[str]:
    out = []
    for i, name in enumerate(series):
        cx = x + i * 150
        out.append(f'<rect x="{_n(cx)}" y="{_n(y)}" width="12" height="12" fill="{colour(name, series)}"/>')
        out.append(f'<text x="{_n(cx + 16)}" y="{_n(y + 10)}">{escape(labels.get(name, name))}</text>')
    return out


def grouped_bars(title: str, categories: Sequence[str], series: Sequence[str],
                 values: dict[str, Sequence[int]], labels: dict[str, str] | None = None, width: int = 720) -> str:
    """Horizontal bars, one group per category and one bar per series."""
    labels = labels or {}
    bar, gap, left, top = 9, 8, 230, 34
    group = bar * len(series) + gap
    height = top + group * len(categories) + 40
    peak = max([v for s in series for v in values[s]] + [1])
    scale = (width - left - 60) / peak
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" style="{FONT}" aria-labelledby="t-{_slug(title)}">',
           f'<title id="t-{_slug(title)}">{escape(title)}</title>']
    out += _legend(series, labels, left, 8)
    for i, cat in enumerate(categories):
        y0 = top + i * group
        out.append(f'<text x="{left - 8}" y="{_n(y0 + group / 2)}" text-anchor="end">{escape(cat)}</text>')
        for j, name in enumerate(series):
            v = values[name][i]
            y = y0 + j * bar
            out.append(f'<rect x="{left}" y="{_n(y)}" width="{_n(max(v * scale, 0.5 if v else 0))}" height="{bar - 1}" '
                       f'fill="{colour(name, series)}"><title>{escape(cat)}, {escape(labels.get(name, name))}: '
                       f'{v}</title></rect>')
            if v:
                out.append(f'<text x="{_n(left + v * scale + 4)}" y="{_n(y + bar - 1)}" font-size="10">{v}</text>')
    out.append(f'<line x1="{left}" y1="{top - 4}" x2="{left}" y2="{height - 36}" stroke="#999"/>')
    out.append("</svg>")
    return "\n".join(out)


def stacked_columns(title: str, categories: Sequence[str], series: Sequence[str], values: dict[str, Sequence[int]],
                    labels: dict[str, str] | None = None, width: int = 720, height: int = 260) -> str:
    """Vertical stacked columns (one per category, e.g. a year), one colour per series."""
    labels = labels or {}
    left, top, bottom = 40, 30, 40
    n = max(len(categories), 1)
    slot = (width - left - 10) / n
    totals = [sum(values[s][i] for s in series) for i in range(len(categories))]
    peak = max([*totals, 1])
    scale = (height - top - bottom) / peak
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" style="{FONT}" aria-labelledby="t-{_slug(title)}">',
           f'<title id="t-{_slug(title)}">{escape(title)}</title>']
    out += _legend(series, labels, left, 6)
    base = height - bottom
    for tick in sorted({0, peak // 2, peak}):
        y = base - tick * scale
        out.append(f'<line x1="{left}" y1="{_n(y)}" x2="{width - 10}" y2="{_n(y)}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 4}" y="{_n(y + 4)}" text-anchor="end" font-size="10">{tick}</text>')
    every = max(1, round(n / 16))
    for i, cat in enumerate(categories):
        x = left + i * slot + slot * 0.1
        y = base
        for name in series:
            v = values[name][i]
            if not v:
                continue
            h = v * scale
            y -= h
            out.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(slot * 0.8)}" height="{_n(h)}" '
                       f'fill="{colour(name, series)}"><title>{escape(cat)}, {escape(labels.get(name, name))}: '
                       f'{v}</title></rect>')
        if i % every == 0:
            out.append(f'<text x="{_n(x + slot * 0.4)}" y="{base + 14}" text-anchor="middle" font-size="10">'
                       f'{escape(cat)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")[:40] or "chart"


__all__ = ["SIDE_COLOURS", "colour", "grouped_bars", "stacked_columns"]
