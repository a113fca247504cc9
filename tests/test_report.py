"""The analyst's report (``cyberkg report``): its data, the HTML page and the Markdown, on the tiny
record plus tests/data/tiny-report; goldens in tests/golden/report/ (regenerate with
CYBERKG_UPDATE_GOLDEN=1 and review the diff like code)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cyberkg.analysis.report import build_report
from cyberkg.core.namespaces import iri
from cyberkg.views import report_html, report_md
from cyberkg.views.viz import external_references
from report_fixtures import build_report_ds, make_report_home

GOLDEN = Path(__file__).parent / "golden" / "report"
UPDATE = os.environ.get("CYBERKG_UPDATE_GOLDEN") == "1"
AS_OF = "2025-01-01"
SECTIONS = ("summary", "rules", "coverage", "goals", "figures", "fig-matrix", "fig-years", "fig-incidents", "diff",
            "metrics", "sources")


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden {path}; run with CYBERKG_UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden"


@pytest.fixture(scope="module", params=["oxigraph", "memory"])
def ds(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    return build_report_ds(tmp_path_factory.mktemp(f"report-{request.param}"), request.param)


@pytest.fixture(scope="module")
def data(ds):  # type: ignore[no-untyped-def]
    return build_report(ds, AS_OF)


@pytest.fixture(scope="module")
def wide(ds):  # type: ignore[no-untyped-def]
    """A 7-year event window: the fixture's 2018 and 2020 listings (events, history on AS_OF with the
    2-year default) count again, so the report shows their hostile labels for the escaping tests."""
    return build_report(ds, AS_OF, event_window=7)


def goal(data, slug):  # type: ignore[no-untyped-def]
    return next(g for g in data["goals"] if g["goal"] == iri("goal", slug))


def test_report_data_matches_golden_on_both_backends(data) -> None:  # type: ignore[no-untyped-def]
    golden("report.json", json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n")


def test_html_and_markdown_match_goldens(data) -> None:  # type: ignore[no-untyped-def]
    golden("report.html", report_html.render(data))
    golden("report.md", report_md.render(data))


def test_each_shared_goal_has_status_pursuers_instruments_divergences(data) -> None:  # type: ignore[no-untyped-def]
    assert [(g["label"], g["status"]) for g in data["goals"]] == [
        ("Cyber defence", "gap"), ("Impose costs", "gap"), ("Late goal", "gap"), ("Talk regularly", "gap"),
        ("Combat cybercrime", "covered"), ("Cross-border evidence", "covered"), ("Resilient networks", "covered")]
    costs = goal(data, "sanctions")
    # stated in the EU strategy; the EU sanctions regime (2019) adds an inferred pursuit (issue #15)
    assert [(p["since"], bool(p.get("inferredFrom"))) for p in costs["pursuers"]["EU"]] == [
        ("2017-06-19", False), ("2019-05-17", True)]
    assert costs["pursuers"]["US"][0]["source"] == iri("source", "us-strategy")
    # the US listing (2018, an event) is history on AS_OF: only the standing executive order remains
    assert [i["type"] for i in costs["alone"]["US"]] == ["executive-order"]
    assert [d["label"] for d in costs["divergences"]] == ["Listing criteria"]
    evidence = goal(data, "evidence")
    assert [i["instrument"] for i in evidence["joint"]] == [iri("instrument", "evidence-deal")]
    assert [d["label"] for d in evidence["divergences"]] == ["Access to evidence"]
    assert [p["side"] for p in evidence["divergences"][0]["positions"]] == ["EU", "US"]
    # the Germany–US arrangement is not EU-US (membership does not put Germany on the EU side): the US
    # acts with a third partner, an EU member state (issue #15: "with third partners", not "alone")
    (de_us,) = [i for i in evidence["with_partners"]["US"] if i["instrument"] == iri("instrument", "de-us")]
    assert de_us["partners"] == ["Germany (EU member state, not the EU)"]
    assert iri("instrument", "de-us") not in {i["instrument"] for i in evidence["joint"]}


def test_feasible_actions_are_traced_to_instruments_and_sources(data) -> None:  # type: ignore[no-untyped-def]
    # by function (#16): the US listing of 2018 is outside the event window and the US executive order names
    # no function, so restrictive measures have no basis; both sides attributed Incident X separately
    acts = {a["function"]: a for a in goal(data, "sanctions")["feasible"]}
    assert sorted(acts) == ["public-attribution"]
    attribution = acts["public-attribution"]
    assert attribution["action"] == "a coordinated (or joint) public attribution"
    assert [(b["basis"], [i["label"] for i in b["incidents"]]) for b in attribution["bases"]] == [
        ("incident", ["Incident X"])]
    assert [i["instrument"] for i in attribution["bases"][0]["instruments"]] == [
        iri("instrument", "us-attribution"), iri("instrument", "eu-attribution")]
    assert attribution["counterparts"] == {"EU": ["Council"], "US": ["United States"]}
    assert attribution["sources"] == [iri("source", "eu-attr-text"), iri("source", "us-attr-text")]
    assert attribution["citations"][0]["url"] == "https://example.org/eu-attr"
    assert goal(data, "defence")["feasible"] == []  # only the EU has an instrument for it


def test_record_wide_figures(data) -> None:  # type: ignore[no-untyped-def]
    fig = data["figures"]
    matrix = {r["type"]: r for r in fig["type_matrix"]}  # by function (#16): the types' default functions here
    assert matrix["restrictive-measures"]["class"] == "EU only"  # the US listing (2018) is outside the window
    assert matrix["restrictive-measures"]["instruments"]["EU alone"][0]["label"] == "EU sanctions regime"
    assert matrix["dialogue"]["class"] == "jointly"
    assert sum(r["EU"] + r["US"] + r["joint"] for r in fig["per_year"]) == 13  # every instrument (all started)
    assert {r["year"]: r["joint"] for r in fig["per_year"]}[2022] == 1  # the pact counts when it takes effect
    assert fig["incidents"]["counts"] == {"jointly": 0, "separately": 1, "EU only": 0, "US only": 0}


def test_the_report_shows_the_diff_from_the_brief_date(data) -> None:  # type: ignore[no-untyped-def]
    assert (data["diff"]["from"], data["diff"]["to"]) == ("2020-11-26", AS_OF)
    closed = [(c["goalLabel"], c["date"]) for c in data["diff"]["changes"] if c["change"] == "gap closed"]
    assert closed == [("Resilient networks", "2022-01-01"), ("Cross-border evidence", "2024-01-15")]


def test_every_cited_source_is_listed_with_title_and_url(data) -> None:  # type: ignore[no-untyped-def]
    listed = {s["source"] for s in data["sources"]}
    text = json.dumps({k: v for k, v in data.items() if k != "sources"})
    cited = set(re.findall(r'"(https://w3id.org/cyberkg/id/source/[^"]+)"', text))
    assert cited and cited <= listed
    assert all(s["title"] and s["url"] for s in data["sources"])


def test_html_is_self_contained_escaped_and_deterministic(wide, ds) -> None:  # type: ignore[no-untyped-def]
    page = report_html.render(wide)
    assert external_references(page) == []
    assert "default-src 'none'" in page and "<script" not in page
    for section in SECTIONS:
        assert f'id="{section}"' in page, section
    assert page.count("<svg") == 3
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "EU listing &lt;text&gt; &amp; co" in page
    assert 'href="https://example.org/eu-listing?a=1&amp;b=2"' in page
    assert report_html.render(build_report(ds, AS_OF, event_window=7)) == page  # same input, same bytes


def test_markdown_escapes_data_and_uses_footnotes(wide) -> None:  # type: ignore[no-untyped-def]
    text = report_md.render(wide)
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt; \\| \\*x\\*" in text
    assert re.search(r"^\[\^1\]: ", text, re.M)
    refs = set(re.findall(r"\[\^(\d+)\](?!:)", text))
    defs = set(re.findall(r"^\[\^(\d+)\]:", text, re.M))
    assert refs and refs <= defs
    tables, block = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            block.append(line)
        elif block:
            tables.append(block)
            block = []
    assert len(tables) >= 8
    for table in tables:  # no label breaks a table: every row has the header's number of cells
        counts = {len(re.split(r"(?<!\\)\|", row)) for row in table}
        assert len(counts) == 1, table[0]


def test_uncertain_gap_is_marked_with_its_fact(data) -> None:  # type: ignore[no-untyped-def]
    defence = goal(data, "defence")
    assert [(f["fact"], f["confidence"], f["side"]) for f in defence["uncertain"]] == [
        ("United States pursues Cyber defence since 2018-01-01", "medium", "US")]
    assert goal(data, "sanctions")["uncertain"] == []
    pact = goal(data, "resilience")
    assert pact["possible_gap"] is True
    assert [f["fact"] for f in pact["uncertain"]] == ["Resilience pact has as party Cyber agency"]
    page = report_html.render(data)
    assert "UNCERTAIN" in page and "POSSIBLE GAP" in page and "fixture: the passage could not be found" in page


def test_cli_report_writes_build_report_html_and_says_where(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cyberkg.cli.main import main

    home = make_report_home(tmp_path)
    monkeypatch.setenv("CYBERKG_HOME", str(home))
    monkeypatch.setenv("CYBERKG_BUILD_DIR", str(tmp_path / "build"))
    r = CliRunner().invoke(main, ["report", "--as-of", AS_OF])
    assert r.exit_code == 0, r.output
    out = tmp_path / "build" / "report.html"
    assert f"wrote {out}" in r.stderr and "4 gap(s)" in r.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    r = CliRunner().invoke(main, ["report", "--as-of", AS_OF, "--format", "md", "-o", "-"])
    assert r.exit_code == 0 and r.stdout.startswith("# European Union and United States: cyber policy")
    r = CliRunner().invoke(main, ["report", "--as-of", "someday"])
    assert r.exit_code == 2 and "'someday' is not a date" in r.stderr
    r = CliRunner().invoke(main, ["report", "--sides", "EU,XX"])
    assert r.exit_code == 2 and "unknown side 'XX'" in r.stderr
    written = sorted(p.name for p in (tmp_path / "build").iterdir() if p.is_file() and "report" in p.name)
    assert written == ["report.html"]  # failed runs wrote nothing, no temporary file left


def test_report_of_the_shipped_record(real_ds) -> None:  # type: ignore[no-untyped-def]
    """Shape only (curation changes the counts): statuses agree with gaps, actions are traced."""
    from cyberkg.analysis.gaps import find_gaps

    data = build_report(real_ds, "today")
    gaps = {g.goal for g in find_gaps(real_ds, "today").gaps}
    assert {g["goal"] for g in data["goals"] if g["status"] == "gap"} == gaps
    for g in data["goals"]:
        assert g["pursuers"].get("EU") and g["pursuers"].get("US"), g["label"]
        for act in g["feasible"]:
            assert act["instruments"]["EU"] and act["instruments"]["US"] and act["sources"]
    assert data["diff"]["from"] == "2020-11-26"
    assert external_references(report_html.render(data)) == []


def test_a_report_before_the_brief_date_and_with_dialogues_counted(ds) -> None:  # type: ignore[no-untyped-def]
    early = build_report(ds, "2019-01-01")
    assert early["diff"] is None
    assert "before the brief" in report_html.render(early) and "before the brief" in report_md.render(early)
    assert goal(early, "talks")["status"] == "gap"
    counted = build_report(ds, "2019-01-01", count_dialogues=True)
    assert goal(counted, "talks")["status"] == "covered"
    assert [i["type"] for i in goal(counted, "talks")["joint"]] == ["dialogue-forum"]
    assert any("count as joint instruments." in r["text"] for r in counted["rules"])
