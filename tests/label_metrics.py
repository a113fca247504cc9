"""How readable a view's labels are at the zoom it opens with, measured in the browser.

For every node label drawn inside the canvas (a node that is shown, has a label and whose label box
touches the visible area), the box comes from the canvas's own text metrics (``measureText`` with the
label's font, one line box per line) placed where vis-network drew it, and scaled by the view's
zoom. A label *overlaps* when its box intersects another drawn label's box (node or edge label); it
is *small* when its font is drawn below 9 CSS pixels (font size x zoom). vis does not draw a label
below 5 px at all: such a label still counts (small, and overlapping when its box would collide),
the strict reading; an edge label too small to be drawn is not counted.

``python tests/label_metrics.py VIEW.html ...`` prints the figures for pages already written (a
1600x1000 window, Debian's headless Chromium, every request blocked).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

MIN_PX = 9.0
WINDOW = (1600, 1000)

MEASURE_JS = """() => {
  const net = window.cyberkg.network, body = net.body, s = net.getScale();
  const canvas = net.canvas.frame.canvas, W = canvas.clientWidth, H = canvas.clientHeight;
  const ctx = document.createElement('canvas').getContext('2d');
  function box(item, text) {
    const lm = item.labelModule, font = lm.elementOptions.font;
    const px = font.size * s, face = font.face || 'sans-serif';
    ctx.font = (font.mod || '') + ' ' + font.size + 'px ' + face;
    const lines = String(text).split('\\n');
    let w = 0, h = 0;
    for (const line of lines) {
      const m = ctx.measureText(line);
      w = Math.max(w, m.width);
      h += (m.fontBoundingBoxAscent + m.fontBoundingBoxDescent) || font.size * 1.2;
    }
    // where vis draws it: inside box-like shapes, else hanging below the shape (ShapeBase: y + height/2 + 3)
    let cx = lm.size.left + lm.size.width / 2, cy = lm.size.top + lm.size.height / 2;
    if (item.shape && item.x !== undefined) {
      const inside = /^(box|ellipse|circle|database|text)$/.test(item.options.shape);
      cx = item.x;
      cy = inside ? item.y : item.y + item.shape.height / 2 + 3 + h / 2;
    }
    const c = net.canvasToDOM({ x: cx, y: cy });
    return { x0: c.x - w * s / 2, x1: c.x + w * s / 2, y0: c.y - h * s / 2, y1: c.y + h * s / 2, px: px,
             drawn: px >= (lm.elementOptions.scaling ? lm.elementOptions.scaling.label.drawThreshold : 5) };
  }
  function inView(b) { return b.x1 > 0 && b.x0 < W && b.y1 > 0 && b.y0 < H; }
  const labels = [], others = [];
  for (const id of body.nodeIndices) {
    const n = body.nodes[id];
    const text = n.options.label;
    if (n.options.hidden || text === undefined || text === null || String(text).trim() === '') continue;
    const b = box(n, text);
    b.id = id; b.text = String(text);
    if (inView(b)) labels.push(b);
  }
  for (const id of body.edgeIndices) {
    const e = body.edges[id];
    const text = e.options.label;
    if (!e.connected || e.options.hidden || !text || String(text).trim() === '') continue;
    const b = box(e, text);
    if (b.drawn && inView(b)) others.push(b);
  }
  const drawn = labels.concat(others);
  function hit(a, b) { return a !== b && a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1; }
  let overlapping = 0, small = 0;
  const examples = [];
  for (const a of labels) {
    if (a.px < 9) small += 1;
    if (drawn.some(b => hit(a, b))) { overlapping += 1; if (examples.length < 5) examples.push(a.text); }
  }
  return { scale: s, width: W, height: H, nodes: body.nodeIndices.length, labels: labels.length,
           overlapping: overlapping, small: small,
           overlapShare: labels.length ? overlapping / labels.length : 0,
           smallShare: labels.length ? small / labels.length : 0,
           medianPx: labels.length ? labels.map(b => b.px).sort((a, b) => a - b)[labels.length >> 1] : 0,
           examples: examples };
}"""


def measure(page: Any) -> dict[str, Any]:
    """The label figures of the view open in ``page`` (a Playwright page), as it is drawn now."""
    page.evaluate("() => window.cyberkg.network.redraw()")
    return dict(page.evaluate(MEASURE_JS))


def open_and_measure(browser: Any, path: Path, settle_ms: int = 300) -> dict[str, Any]:
    page = browser.new_page(viewport={"width": WINDOW[0], "height": WINDOW[1]})
    url = path.resolve().as_uri()
    page.route("**/*", lambda route: route.continue_() if route.request.url == url else route.abort())
    page.goto(url)
    deadline = time.monotonic() + 180
    while not page.evaluate("() => window.cyberkg !== undefined && window.cyberkg.ready === true"):
        if time.monotonic() > deadline:
            raise AssertionError(f"{path}: not ready after 180 s")
        page.wait_for_timeout(100)
    page.wait_for_timeout(settle_ms)
    try:
        return measure(page)
    finally:
        page.close()


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    from cyberkg.views.viz import HEADLESS_CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=HEADLESS_CHROMIUM_ARGS)
        for name in argv:
            m = open_and_measure(b, Path(name))
            print(name, json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in m.items()}))
        b.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
