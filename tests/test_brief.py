"""The brief an analyst forwards (``cyberkg report``: the brief first, the annex after; ``--format
pdf``): sentences generated from the data with their sources, official sources first, a title and
warnings for any pair of sides, the inputs named (import layers, ``--curated-only``), an A4 PDF of
at most six pages whose pages turn into images, byte-identical for the same input. Goldens in
tests/golden/brief/ (regenerate with CYBERKG_UPDATE_GOLDEN=1 and review the diff like code)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cyberkg.analysis import brief, brief_data
from cyberkg.views import report_html, report_md
from cyberkg.views.viz import external_references
from report_fixtures import build_report_ds, make_report_home

GOLDEN = Path(__file__).parent / "golden" / "brief"
UPDATE = os.environ.get("CYBERKG_UPDATE_GOLDEN") == "1"
LAYER = Path(__file__).parent / "data" / "tiny-brief" / "joint-sanctions.ttl"
AS_OF = "2025-01-01"
HEADINGS = ["Key findings", "Feasible joint actions, best first", "Where both sides act", "Divergences",
            "What changed since the brief of 26 November 2020", "What this brief is built from"]
needs_pdf_tools = pytest.mark.skipif(
    not (shutil.which("chromium") and shutil.which("pdftoppm")) and os.environ.get("CI") != "true",
    reason="needs Debian's chromium and poppler-utils (make browser installs them; CI fails without them)")


def golden(name: str, text: str) -> None:
    text = re.sub(r"fingerprint [0-9a-f]{12}", "fingerprint <graph/ hash>", text)  # the vocabularies evolve
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden {path}; run with CYBERKG_UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden"


@pytest.fixture(scope="module")
def ds(tmp_path_factory):  # type: ignore[no-untyped-def]
    return build_report_ds(tmp_path_factory.mktemp("brief"))


@pytest.fixture(scope="module")
def data(ds):  # type: ignore[no-untyped-def]
    return brief_data.build(ds, AS_OF)


def sentences(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for sec in data["executive_brief"]["sections"] for s in sec["sentences"]]


def test_the_brief_comes_first_with_its_sections_and_every_claim_cites_listed_sources(data) -> None:  # type: ignore[no-untyped-def]
    x = data["executive_brief"]
    assert x["title"] == "European Union and United States: cyber policy where they act together, and where not yet"
    assert [s["heading"] for s in x["sections"]] == HEADINGS
    listed = {s["source"] for s in data["sources"]}
    cited = [s for s in sentences(data) if s["sources"]]
    assert cited and all(set(s["sources"]) <= listed and len(s["sources"]) <= brief.INLINE_SOURCES for s in cited)
    text = " ".join(s["text"] for s in sentences(data))
    gaps = [g["label"] for g in data["goals"] if g["status"] == "gap"]
    assert gaps and all(label in text for label in gaps)  # the key findings name every gap
    assert x["warnings"] == []
    assert re.fullmatch(r"[0-9a-f]{12}", data["inputs"]["record"])


def test_the_brief_renders_first_escaped_and_matches_goldens(data) -> None:  # type: ignore[no-untyped-def]
    page = report_html.render(data)
    assert page.index('id="brief"') < page.index('id="annex"') < page.index('id="summary"')
    assert "<img" not in page and external_references(page) == []
    only = report_html.render(data, annex=False)
    assert 'id="annex"' not in only and 'id="brief"' in only
    golden("brief.html", only)
    text = report_md.render(data, annex=False)
    assert text.startswith("# European Union and United States") and "# Annex" not in text
    golden("brief.md", text)
    assert "# Annex: the full detail" in report_md.render(data)


def test_figures_and_tables_show_vocabulary_labels_not_slugs(data) -> None:  # type: ignore[no-untyped-def]
    assert data["labels"]["instrument-type"]["sanctions-regime"] == "Sanctions regime"
    page = report_html.render(data)
    annex = page[page.index('id="annex"'):]
    assert re.search(r"\(Sanctions regime, (institutional|binding), from 2019-05-17\)", annex)
    assert not re.search(r"\((sanctions-listing|executive-order|sanctions-regime), from", annex)
    assert ">sanctions-listing<" not in annex and ">sanctions-listing</text>" not in page


def test_sources_rank_primary_then_other_documents_then_news() -> None:
    report = {"sources": [{"source": "n", "title": "A news"}, {"source": "o", "title": "B other"},
                          {"source": "p", "title": "C primary"}]}
    ctx = brief.Context(source_rank={"n": 2, "o": 1, "p": 0})
    ranked = brief.rank_sources(report, ctx)
    assert [s["source"] for s in ranked] == ["p", "o", "n"]
    assert [s["official"] for s in ranked] == [True, False, False]


def test_a_running_header_cannot_break_out_of_its_css_string() -> None:
    hostile = 'EU"; } body { display:none } </style><script>x()</script>'
    out = report_html.css_string(hostile)
    assert '"' not in out and "<" not in out and "}" not in out and ";" in out
    assert out.startswith("EU\\000022")


def test_a_pair_with_a_side_that_pursues_nothing_is_titled_for_it_and_warns(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cyberkg.cli.main import main

    home = make_report_home(tmp_path)
    (home / "graph" / "third-side.yaml").write_text(
        "sides:\n  - {id: uk, label: United Kingdom, code: UK, actor: united-kingdom}\n", encoding="utf-8")
    monkeypatch.setenv("CYBERKG_HOME", str(home))
    monkeypatch.setenv("CYBERKG_BUILD_DIR", str(tmp_path / "build"))
    r = CliRunner().invoke(main, ["report", "--as-of", AS_OF, "--sides", "EU,UK", "--format", "md", "-o", "-"])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("# European Union and United Kingdom: cyber policy")
    assert "EU–US" not in r.stdout.split("# Annex")[0]
    assert "warning: United Kingdom (UK) pursues no goal in the record on 2025-01-01" in r.stderr
    assert "> **Warning:** United Kingdom (UK) pursues no goal in the record on 2025-01-01" in r.stdout
    r = CliRunner().invoke(main, ["report", "--as-of", "1990-01-01", "--format", "json", "-o", "-"])
    assert r.exit_code == 0
    assert "is before the record starts" in r.stderr
    assert any("before the record starts" in w for w in json.loads(r.stdout)["executive_brief"]["warnings"])


def test_imported_layers_are_named_and_a_goal_they_change_is_marked(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cyberkg.cli.main import main

    home = make_report_home(tmp_path)
    monkeypatch.setenv("CYBERKG_HOME", str(home))
    monkeypatch.setenv("CYBERKG_BUILD_DIR", str(tmp_path / "build"))
    r = CliRunner().invoke(main, ["import", str(LAYER)])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["report", "--as-of", AS_OF, "--format", "json", "-o", "-"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert [x["name"] for x in data["inputs"]["layers"]] == ["joint-sanctions"]
    assert len(data["inputs"]["layers"][0]["sha256"]) == 64
    changed = [g["label"] for g in data["goals"] if g.get("changed_by_layers")]
    assert changed == ["Impose costs"]
    text = " ".join(s["text"] for s in sentences(data))
    assert "the imported layer(s) joint-sanctions" in text
    assert "Imported facts change the status of “Impose costs”: gap in the curated record alone, covered" in text
    r = CliRunner().invoke(main, ["report", "--as-of", AS_OF, "--format", "json", "--curated-only", "-o", "-"])
    assert r.exit_code == 0, r.output
    cur = json.loads(r.stdout)
    assert cur["inputs"]["curated_only"] is True and cur["inputs"]["layers"] == []
    assert next(g for g in cur["goals"] if g["label"] == "Impose costs")["status"] == "gap"
    page = CliRunner().invoke(main, ["report", "--as-of", AS_OF, "-o", "-"]).stdout
    assert "generated by cyberkg from the curated record" in page and "1 imported layer: joint-sanctions" in page


def _pdf_pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))  # type: ignore[union-attr]


@needs_pdf_tools
@pytest.mark.browser
def test_pdf_of_the_tiny_record_is_a4_deterministic_and_its_text_matches_golden(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cyberkg.cli.main import main

    home = make_report_home(tmp_path)
    monkeypatch.setenv("CYBERKG_HOME", str(home))
    monkeypatch.setenv("CYBERKG_BUILD_DIR", str(tmp_path / "build"))
    one, two = tmp_path / "one.pdf", tmp_path / "two.pdf"
    for out in (one, two):
        r = CliRunner().invoke(main, ["report", "--as-of", AS_OF, "--format", "pdf", "-o", str(out)])
        assert r.exit_code == 0, r.output
    assert one.read_bytes() == two.read_bytes()  # the clock is not in the file
    assert one.read_bytes().startswith(b"%PDF") and b"/CreationDate (D:20250101000000" in one.read_bytes()
    info = subprocess.run(["pdfinfo", str(one)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    text = subprocess.run(["pdftotext", "-layout", str(one), "-"], capture_output=True, text=True, check=True).stdout
    assert "European Union – United States cyber policy brief, as of 2025-01-01" in text  # running header
    assert re.search(r"page 1 of \d", text)
    assert "Annex" not in text
    golden("brief.pdf.txt", re.sub(r"[ \t]+\n", "\n", text))


@needs_pdf_tools
@pytest.mark.browser
def test_the_shipped_record_brief_prints_to_at_most_six_pages_that_turn_into_images(real_ds, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cyberkg.views.pdf import html_to_pdf

    data = brief_data.build(real_ds, "today")
    first_ten = data["sources"][:10]
    assert all(s["official"] for s in first_ten), [s["title"] for s in first_ten if not s["official"]]
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(html_to_pdf(report_html.render(data, annex=False), data["as_of"]))
    pages = _pdf_pages(pdf)
    assert 1 <= pages <= 6, f"the brief prints to {pages} pages"
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages and all(p.stat().st_size > 2000 for p in images)
    if os.environ.get("CYBERKG_UPDATE_SCREENSHOT") == "1":
        subprocess.run(["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(Path(__file__).resolve().parents[1] / "docs" / "brief")], check=True)
    annex = tmp_path / "annex.pdf"
    annex.write_bytes(html_to_pdf(report_html.render(data, annex=True), data["as_of"]))
    assert _pdf_pages(annex) > pages  # --annex adds the full detail


def test_no_browser_gives_a_clear_error_and_writes_nothing(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cyberkg.cli.main import main

    home = make_report_home(tmp_path)
    monkeypatch.setenv("CYBERKG_HOME", str(home))
    monkeypatch.setenv("CYBERKG_BUILD_DIR", str(tmp_path / "build"))
    monkeypatch.setenv("CYBERKG_CHROMIUM", str(tmp_path / "no-such-browser"))
    out = tmp_path / "brief.pdf"
    r = CliRunner().invoke(main, ["report", "--as-of", AS_OF, "--format", "pdf", "-o", str(out)])
    assert r.exit_code == 2 and "CYBERKG_CHROMIUM" in r.stderr and "Traceback" not in r.output
    assert not out.exists()


def test_gaps_summary_and_query_say_when_an_answer_is_empty(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cyberkg.cli.main import main

    home = make_report_home(tmp_path)
    (home / "graph" / "third-side.yaml").write_text(
        "sides:\n  - {id: uk, label: United Kingdom, code: UK, actor: united-kingdom}\n", encoding="utf-8")
    monkeypatch.setenv("CYBERKG_HOME", str(home))
    monkeypatch.setenv("CYBERKG_BUILD_DIR", str(tmp_path / "build"))
    r = CliRunner().invoke(main, ["gaps", "--as-of", AS_OF, "--sides", "EU,UK"])
    assert r.exit_code == 0, r.output
    assert "warning: United Kingdom (UK) pursues no goal in the record on 2025-01-01" in r.stderr
    assert "warning: United Kingdom (UK) pursues no goal" in r.stdout  # above the (empty) table too
    r = CliRunner().invoke(main, ["gaps", "--as-of", AS_OF, "--sides", "EU,UK", "--format", "json"])
    assert json.loads(r.stdout) == [] and "pursues no goal" in r.stderr  # the JSON stays one document
    r = CliRunner().invoke(main, ["gaps", "--as-of", AS_OF])
    assert r.exit_code == 0 and "warning" not in r.stderr  # EU and US share goals: no warning
    r = CliRunner().invoke(main, ["summary", "--as-of", "1990-01-01", "--sides", "EU,US"])
    assert "is before the record starts" in r.stderr and "share 0 goal(s)" in r.stdout
    r = CliRunner().invoke(main, ["query", "gaps/goal-pursuers", "-p", "asOf=1990-01-01"])
    assert r.exit_code == 0 and "warning: gaps/goal-pursuers returned no row" in r.stderr
    r = CliRunner().invoke(main, ["query", "checks/dangling-reference-violation"])
    assert r.exit_code == 0 and "warning" not in r.stderr  # a check passes with no row


def test_gaps_and_report_default_to_the_same_date() -> None:
    from cyberkg.cli.main import main

    defaults = {name: next(p.default for p in main.commands[name].params if p.name in ("as_of", "dates"))
                for name in ("gaps", "report", "summary")}
    assert defaults["gaps"] == defaults["report"] == "today"
    assert "today" in defaults["summary"]
    assert "as for cyberkg report" in next(p.help for p in main.commands["gaps"].params if p.name == "as_of")


def test_official_sources_are_those_on_an_official_domain_of_their_issuer(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cyberkg.analysis import catalogue as queries
    from cyberkg.core.output import plain

    home = make_report_home(tmp_path)
    (home / "graph" / "official.yaml").write_text(
        "actors:\n"
        "  - {id: agency-x, label: Agency X, kind: agency, part_of: united-states, homepage: 'https://www.agency-x.gov/'}\n"
        "  - {id: paper, label: The Paper, kind: publisher, homepage: 'https://paper.example/'}\n"
        "sources:\n"
        "  - {id: on-home, title: On its homepage, issuer: agency-x, date: 2020-01-01,"
        " url: 'https://agency-x.gov/press/1'}\n"
        "  - {id: subdomain, title: On a subdomain, issuer: agency-x, date: 2020-01-01,"
        " url: 'https://docs.agency-x.gov/2'}\n"
        "  - {id: elsewhere, title: A copy elsewhere, issuer: agency-x, date: 2020-01-01,"
        " url: 'https://mirror.example/agency-x-1'}\n"
        "  - {id: news, title: A news report, issuer: paper, date: 2020-01-02, url: 'https://paper.example/n',"
        " type: news-report}\n", encoding="utf-8")
    from conftest import env
    from cyberkg import store

    with env(CYBERKG_HOME=str(home), CYBERKG_BUILD_DIR=str(tmp_path / "build")):
        ds, _ = store.build(backend="oxigraph")
    rows = {str(r["source"]).rsplit("/", 1)[-1]: (str(plain(r["official"])).lower(), str(plain(r["news"])).lower())
            for r in queries.run(queries.find("report/official-sources"), ds).rows}
    assert rows["on-home"] == ("true", "false") and rows["subdomain"] == ("true", "false")
    assert rows["elsewhere"] == ("false", "false")
    assert rows["news"][1] == "true"
    ctx = brief_data.read_context(ds)
    assert ctx.source_rank["https://w3id.org/cyberkg/id/source/on-home"] == 0
    assert ctx.source_rank["https://w3id.org/cyberkg/id/source/elsewhere"] == 1
    assert ctx.source_rank["https://w3id.org/cyberkg/id/source/news"] == 2


def test_the_gap_view_warns_when_a_side_pursues_nothing(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cyberkg.cli.main import main

    home = make_report_home(tmp_path)
    (home / "graph" / "third-side.yaml").write_text(
        "sides:\n  - {id: uk, label: United Kingdom, code: UK, actor: united-kingdom}\n", encoding="utf-8")
    monkeypatch.setenv("CYBERKG_HOME", str(home))
    monkeypatch.setenv("CYBERKG_BUILD_DIR", str(tmp_path / "build"))
    out = tmp_path / "gaps.html"
    r = CliRunner().invoke(main, ["viz", "--gaps", "--as-of", AS_OF, "--sides", "EU,UK", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "warning: United Kingdom (UK) pursues no goal in the record on 2025-01-01" in r.stderr
    assert "Warning: United Kingdom (UK) pursues no goal" in out.read_text(encoding="utf-8")  # in the page too
    r = CliRunner().invoke(main, ["viz", "--gaps", "--as-of", AS_OF, "-o", str(tmp_path / "eu-us.html")])
    assert r.exit_code == 0 and "warning" not in r.stderr
