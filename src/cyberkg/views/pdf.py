"""The report as an A4 PDF, printed by headless Chromium from the self-contained HTML page.

Chromium was chosen by measurement (docs/report.md): on the shipped record's full report it printed
in 6.2 s where WeasyPrint 70 took 42 s, and it honours the page's CSS paged-media rules (A4,
running header, "page N of M" in the margin boxes). The page it prints has no script and a
Content-Security-Policy that forbids every request, so nothing leaves the machine while printing.

The output is deterministic: Chromium stamps the clock into ``/CreationDate`` and ``/ModDate``;
both are replaced by the report's date, digit for digit, so the file's byte offsets stay valid and
the same input gives the same bytes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from cyberkg.core.errors import CyberkgError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-extensions", "--no-pdf-header-footer",
         "--run-all-compositor-stages-before-draw"]
TIMEOUT_S = 180
_STAMP = re.compile(rb"/(CreationDate|ModDate) ?\(D:(\d{14})")


class PdfError(CyberkgError):
    """No browser to print with, or the browser failed."""


def browser() -> str:
    """The Chromium to print with: ``CYBERKG_CHROMIUM``, else the first of :data:`BROWSERS` on PATH."""
    given = os.environ.get("CYBERKG_CHROMIUM")
    if given:
        if not (Path(given).is_file() and os.access(given, os.X_OK)):
            raise PdfError(f"CYBERKG_CHROMIUM={given!r} is not an executable file: point it at a Chromium or unset it")
        return given
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise PdfError("--format pdf prints with headless Chromium, and none was found on PATH "
                   f"({', '.join(BROWSERS)}): install it (Debian: apt-get install chromium) or set CYBERKG_CHROMIUM")


def fix_dates(pdf: bytes, date: str) -> bytes:
    """Replace the clock in the PDF's creation and modification dates by ``date`` (YYYY-MM-DD)."""
    digits = (re.sub(r"\D", "", date)[:8] or "19700101").ljust(8, "0") + "000000"

    def sub(m: re.Match[bytes]) -> bytes:
        return m.group(0)[: -14] + digits.encode()

    return _STAMP.sub(sub, pdf)


def html_to_pdf(html: str, date: str) -> bytes:
    """Print ``html`` (a self-contained page) to PDF bytes."""
    exe = browser()
    with tempfile.TemporaryDirectory(prefix="cyberkg-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        out = Path(tmp) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        cmd = [exe, *FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}", f"--print-to-pdf={out}", page.as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PdfError(f"Chromium did not finish printing within {TIMEOUT_S} s; nothing was written") from exc
        except OSError as exc:
            raise PdfError(f"could not start {exe}: {exc}") from exc
        if not out.is_file() or out.stat().st_size == 0:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise PdfError(f"Chromium printed no PDF (exit {done.returncode}): {' | '.join(tail) or 'no message'}")
        return fix_dates(out.read_bytes(), date)


__all__ = ["PdfError", "browser", "fix_dates", "html_to_pdf"]
