"""A picture of a view as it opens: the page loaded in headless Chromium (no network), then a PNG.

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


def chromium_path() -> Path:
    return Path(os.environ.get("CYBERKG_CHROMIUM") or "/usr/bin/chromium")


def snapshot(html: str | Path, png: str | Path, size: tuple[int, int] = WINDOW, timeout: float = 120.0) -> int:
    """Write a PNG of the view in ``html`` as it opens (window ``size``); return its size in bytes."""
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
            data = page.screenshot(type="png")
        finally:
            b.close()
    write_atomic(Path(png), data)
    return len(data)


__all__ = ["chromium_path", "snapshot"]
