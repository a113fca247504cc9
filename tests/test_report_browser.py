"""The report page in a real browser (Debian's headless Chromium through Playwright, every request
blocked and recorded): no request leaves the page, no console error, every section and chart is
there, markup from the data shows as text. FAILS (never skips) when /usr/bin/chromium is missing.
The screenshot of the shipped record's report goes to the test's folder; with
CYBERKG_UPDATE_SCREENSHOT=1 it also replaces docs/report.png (reviewed like a golden file)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cyberkg.analysis.brief_data import build as build_report  # the report with its brief first
from cyberkg.views import report_html
from cyberkg.views.viz import HEADLESS_CHROMIUM_ARGS
from report_fixtures import build_report_ds

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
DOCS = Path(__file__).resolve().parent.parent / "docs"
SECTIONS = ["brief", "brief-findings", "brief-actions", "brief-commonalities", "brief-divergences", "brief-changes",
            "brief-inputs", "annex", "summary", "rules", "coverage", "goals", "figures", "fig-matrix", "fig-years",
            "fig-incidents", "diff", "metrics", "sources"]


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        pytest.fail("the browser tests need Debian's chromium at /usr/bin/chromium: run "
                    "'apt-get install -y chromium' (or 'make browser'), then rerun")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=HEADLESS_CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser, path: Path, viewport=(1280, 900)):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    url = path.resolve().as_uri()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", lambda route: route.continue_() if route.request.url == url else route.abort())
    page.goto(url)
    page.wait_for_load_state("load")
    return page, url, requests, errors


def check(page, url: str, requests: list[str], errors: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert [r for r in requests if r != url] == [], "a request left the page"
    assert errors == []
    for section in SECTIONS:
        assert page.locator(f"#{section}").count() == 1, section
        assert page.locator(f"#{section}").is_visible(), section
    assert page.locator("svg").count() == 3
    assert page.locator("script").count() == 0
    assert page.locator("#goals article").count() >= 1
    first = page.locator("ol.sources li").first
    assert first.get_attribute("id") == "src-1"


def test_tiny_report_in_the_browser(browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = build_report(build_report_ds(tmp_path / "tiny"), "2021-06-01")  # the hostile-labelled listing is recent
    path = tmp_path / "report.html"
    path.write_text(report_html.render(data), encoding="utf-8")
    page, url, requests, errors = open_page(browser, path)
    check(page, url, requests, errors)
    assert page.locator("img").count() == 0  # the label's <img onerror> is text
    assert "EU listing <img src=x onerror=alert(1)> | *x*" in page.locator("body").text_content()
    assert page.evaluate("document.getElementById('asof').textContent") == "2021-06-01"
    page.click("a[href='#src-1']")  # a citation jumps to its source entry
    assert page.evaluate("location.hash") == "#src-1"
    assert [r for r in requests if r != url] == []
    page.close()


def test_report_of_the_shipped_record_and_its_screenshot(browser, tmp_path, real_ds) -> None:  # type: ignore[no-untyped-def]
    data = build_report(real_ds, "today")
    path = tmp_path / "report.html"
    path.write_text(report_html.render(data), encoding="utf-8")
    page, url, requests, errors = open_page(browser, path, viewport=(1280, 1100))
    check(page, url, requests, errors)
    assert page.locator("#goals article.gap").count() == data["summary"]["gaps"]
    shot = page.screenshot()
    assert shot.startswith(b"\x89PNG")
    (tmp_path / "report.png").write_bytes(shot)
    if os.environ.get("CYBERKG_UPDATE_SCREENSHOT") == "1":
        DOCS.mkdir(exist_ok=True)
        tmp = DOCS / ".report.png.tmp"
        tmp.write_bytes(shot)
        os.replace(tmp, DOCS / "report.png")
    page.close()
