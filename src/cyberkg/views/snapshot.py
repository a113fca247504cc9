"""A picture of a view as it opens: the page loaded in headless Chromium (no network), then a PNG
of the window, or an SVG of the network drawing (vector: edges as lines, nodes as shapes, the labels
drawn at the opening zoom as text — built with DOM calls and serialised, so data stays text).

Uses Playwright driving Debian's Chromium (``/usr/bin/chromium``, ``make browser``; override with
``CYBERKG_CHROMIUM``); both are needed only for ``cyberkg viz --png``. Every request the page makes
is refused (the page makes none), and the picture is written atomically.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from cyberkg.views.viz import HEADLESS_CHROMIUM_ARGS, ViewError

WINDOW = (1600, 1000)
SVG_JS = r"""() => {
  const net = window.cyberkg.network, body = net.body, NS = "http://www.w3.org/2000/svg";
  const canvas = net.canvas.frame.canvas, W = canvas.clientWidth, H = canvas.clientHeight, s = net.getScale();
  const face = "sans-serif";
  function mk(tag, attrs, parent) {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs) e.setAttribute(k, String(attrs[k]));
    if (parent) parent.appendChild(e);
    return e;
  }
  const svg = mk("svg", { xmlns: NS, width: W, height: H, viewBox: "0 0 " + W + " " + H });
  mk("rect", { x: 0, y: 0, width: W, height: H, fill: "#ffffff" }, svg);
  const P = (x, y) => net.canvasToDOM({ x: x, y: y });
  const edges = mk("g", { "stroke-linecap": "round" }, svg), nodes = mk("g", {}, svg), texts = mk("g", {}, svg);
  for (const id of body.edgeIndices) {
    const e = body.edges[id];
    if (!e.connected || !e.from || !e.to) continue;
    const a = P(e.from.x, e.from.y), b = P(e.to.x, e.to.y), c = e.options.color || {};
    mk("line", { x1: a.x.toFixed(1), y1: a.y.toFixed(1), x2: b.x.toFixed(1), y2: b.y.toFixed(1),
                 stroke: c.color || "#888", "stroke-opacity": c.opacity === undefined ? 1 : c.opacity,
                 "stroke-width": Math.max((e.options.width || 1) * s, 0.5).toFixed(2) }, edges);
  }
  for (const id of body.nodeIndices) {
    const n = body.nodes[id], o = n.options, c = P(n.x, n.y), col = o.color || {};
    const style = { fill: col.background || "#ccc", stroke: col.border || "#333",
                    "stroke-width": ((o.borderWidth || 1) * s).toFixed(2) };
    if (o.shapeProperties && o.shapeProperties.borderDashes) style["stroke-dasharray"] = "5 3";
    const inside = /^(box|ellipse|circle|database|text)$/.test(o.shape);
    if (o.shape === "box" || o.shape === "square") {
      const box = o.shape === "box";
      const w = (box ? n.shape.width : 2 * o.size) * s, h = (box ? n.shape.height : 2 * o.size) * s;
      mk("rect", Object.assign({ x: (c.x - w / 2).toFixed(1), y: (c.y - h / 2).toFixed(1), width: w.toFixed(1),
                                 height: h.toFixed(1), rx: o.shape === "box" ? 4 : 0 }, style), nodes);
    } else if (o.shape === "ellipse") {
      mk("ellipse", Object.assign({ cx: c.x.toFixed(1), cy: c.y.toFixed(1), rx: (n.shape.width / 2 * s).toFixed(1),
                                    ry: (n.shape.height / 2 * s).toFixed(1) }, style), nodes);
    } else {
      const r = ((o.size || 10) * s).toFixed(1);
      mk("circle", Object.assign({ cx: c.x.toFixed(1), cy: c.y.toFixed(1), r: r }, style), nodes);
    }
    if (!o.label) continue;
    const fs = (o.font && o.font.size ? o.font.size : 14) * s, lines = String(o.label).split("\n");
    const top = inside ? c.y - fs * lines.length * 0.6 : c.y + ((n.shape.height || 2 * o.size) / 2 + 3) * s;
    lines.forEach((line, i) => {
      const t = mk("text", { x: c.x.toFixed(1), y: (top + fs * (i + 0.85)).toFixed(1), "font-size": fs.toFixed(1),
                             "font-family": face, "text-anchor": "middle", fill: "#343434", stroke: "#ffffff",
                             "stroke-width": inside ? 0 : (3 * s).toFixed(2), "paint-order": "stroke" }, texts);
      t.textContent = line;
    });
  }
  return new XMLSerializer().serializeToString(svg);
}"""


def chromium_path() -> Path:
    return Path(os.environ.get("CYBERKG_CHROMIUM") or "/usr/bin/chromium")


def snapshot(html: str | Path, png: str | Path, size: tuple[int, int] = WINDOW, timeout: float = 120.0) -> int:
    """Write a picture of the view in ``html`` as it opens (window ``size``): a PNG, or an SVG of the
    network drawing when ``png`` ends in ``.svg``; return its size in bytes."""
    svg = str(png).lower().endswith(".svg")
    from cyberkg.core.atomic import write_atomic

    browser = chromium_path()
    if not browser.exists():
        raise ViewError(f"--png needs Chromium at {browser} (run 'make browser', or set CYBERKG_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise ViewError("--png needs the playwright package (pip install 'cyberkg[dev]')") from exc
    url = Path(html).resolve().as_uri()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(browser), args=HEADLESS_CHROMIUM_ARGS)
        try:
            page = b.new_page(viewport={"width": size[0], "height": size[1]})
            page.route("**/*", lambda r: r.continue_() if r.request.url == url else r.abort())
            page.goto(url)
            deadline = time.monotonic() + timeout
            ready = "() => window.cyberkg !== undefined && window.cyberkg.ready === true"
            while not page.evaluate(ready):
                if time.monotonic() > deadline:
                    raise ViewError(f"the view did not finish drawing in {timeout:.0f} s; no picture written")
                page.wait_for_timeout(100)
            page.evaluate("() => { const s = document.getElementById('status'); if (s) s.style.display = 'none'; }")
            page.wait_for_timeout(200)
            if svg:
                if not page.evaluate("() => !!(window.cyberkg.network && window.cyberkg.network.body)"):
                    raise ViewError("--svg draws network views; write the timeline with --png")
                text = '<?xml version="1.0" encoding="UTF-8"?>\n' + page.evaluate(SVG_JS) + "\n"
                data = text.encode("utf-8")
            else:
                data = page.screenshot(type="png")
        finally:
            b.close()
    write_atomic(Path(png), data)
    return len(data)


__all__ = ["chromium_path", "snapshot"]
