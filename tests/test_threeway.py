"""Three sides at once (issue #18): a third side is data only, every pair of sides answers like
`cyberkg gaps --sides A,B`, and `cyberkg gaps --sides EU,US,UK` tells, per shared goal, which pairs
are joined and which goals all three share with no instrument joining all three. On an invented
tiny record with three sides (tests/data/tiny-three)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import env, make_home
from cyberkg.analysis.gaps import find_gaps
from cyberkg.analysis.threeway import markdown, table_rows, three_way
from cyberkg.cli.main import main
from cyberkg.core.errors import QueryError

THREE = Path(__file__).resolve().parent / "data" / "tiny-three" / "graph"
G = "https://w3id.org/cyberkg/id/goal/"
INST = "https://w3id.org/cyberkg/id/instrument/"


@pytest.fixture(scope="module")
def three_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_home(tmp_path_factory.mktemp("three"), THREE)


@pytest.fixture(scope="module", params=["oxigraph", "memory"])
def three_ds(request: pytest.FixtureRequest, three_home: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from cyberkg import store

    with env(CYBERKG_HOME=str(three_home), CYBERKG_BUILD_DIR=str(tmp_path_factory.mktemp("three-build"))):
        ds, _ = store.build(backend=request.param)
    return ds


def _status(report, goal: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    row = next(r for r in report.rows if r.goal == G + goal)
    out = {"-".join(p): ("joined" if c.joined else "gap") for p, c in row.pairs.items()}
    if row.all_sides_pursue:
        out["all"] = "joined" if row.joined_by_all else "none"
    return out


def test_a_third_side_is_only_data(three_ds) -> None:  # type: ignore[no-untyped-def]
    """The UK side needs no code: its actor's part_of chain (FCDO -> UK) puts the FCDO on it, and the
    pair EU,UK answers like EU,US."""
    report = find_gaps(three_ds, "2021-01-01", ["EU", "UK"], details=True)
    labels = {g.label for g in report.gaps}
    assert labels == {"Nobody joined", "Talks goal", "Goal with a third partner"}
    patchwork = {c.goal: c for c in report.covered}[G + "patchwork"]
    assert patchwork is not None
    us_uk = find_gaps(three_ds, "2021-01-01", ["US", "UK"], details=True)
    assert "US-UK goal" not in {g.label for g in us_uk.gaps}  # the 2020 listing by DOJ and the FCDO joins them


def test_pairs_and_all_three(three_ds) -> None:  # type: ignore[no-untyped-def]
    report = three_way(three_ds, "2021-01-01", ["EU", "US", "UK"])
    assert report.sides == ["EU", "US", "UK"]
    assert G + "uk-only" not in {r.goal for r in report.rows}  # pursued by one side only: not shared
    assert _status(report, "patchwork") == {"EU-US": "joined", "EU-UK": "joined", "US-UK": "joined", "all": "none"}
    assert _status(report, "trio") == {"EU-US": "joined", "EU-UK": "joined", "US-UK": "joined", "all": "joined"}
    assert _status(report, "nobody") == {"EU-US": "gap", "EU-UK": "gap", "US-UK": "gap", "all": "none"}
    assert _status(report, "talks") == {"EU-US": "gap", "EU-UK": "gap", "US-UK": "gap", "all": "none"}
    assert _status(report, "us-uk") == {"US-UK": "joined"}  # the EU does not pursue it: no EU pair, no "all"
    assert _status(report, "late-uk") == {"EU-US": "joined"}  # the UK pursues it only from 2024
    trio = next(r for r in report.rows if r.goal == G + "trio")
    assert [i["instrument"] for i in trio.joined_by_all] == [INST + "trio-deal"]
    assert [r.label for r in report.patchwork()] == ["Patchwork goal"]
    assert {r.label for r in report.no_instrument_joins_all()} == {
        "Patchwork goal", "Nobody joined", "Talks goal", "Goal with a third partner"}
    assert [r.label for r in report.only_pair()[("EU", "US")]] == ["Goal with a third partner"]
    counts = report.pair_counts()
    assert counts[("US", "UK")] == {"shared": 6, "covered": 3, "gaps": 3}
    assert counts[("EU", "UK")] == {"shared": 5, "covered": 2, "gaps": 3}
    findings = report.findings()
    assert "5 goals are pursued by all three; 1 of them are covered by an instrument joining all three, 4 are not." \
        in findings
    assert "Every pair is joined but no instrument joins all three on: Patchwork goal." in findings


def test_dates_windows_and_options(three_ds) -> None:  # type: ignore[no-untyped-def]
    later = three_way(three_ds, "2025-01-01", ["EU", "US", "UK"])
    assert _status(later, "us-uk") == {"US-UK": "gap"}  # the 2020 listing is an event, outside the 2-year window
    assert _status(later, "late-uk") == {"EU-US": "joined", "EU-UK": "gap", "US-UK": "gap", "all": "none"}
    wider = three_way(three_ds, "2025-01-01", ["EU", "US", "UK"], event_window=5)
    assert _status(wider, "us-uk") == {"US-UK": "joined"}
    talks = three_way(three_ds, "2021-01-01", ["EU", "US", "UK"], count_dialogues=True)
    assert _status(talks, "talks") == {"EU-US": "gap", "EU-UK": "joined", "US-UK": "gap", "all": "none"}
    bilateral = three_way(three_ds, "2021-01-01", ["EU", "US", "UK"], bilateral_only=True)
    assert _status(bilateral, "with-third")["EU-US"] == "gap"  # Australia is a third partner
    assert _status(bilateral, "trio")["EU-US"] == "gap"  # the UK is a third party to the EU-US pair
    assert _status(bilateral, "patchwork") == {"EU-US": "joined", "EU-UK": "joined", "US-UK": "joined", "all": "none"}
    political = three_way(three_ds, "2021-01-01", ["EU", "US", "UK"], min_commitment="binding")
    assert _status(political, "us-uk") == {"US-UK": "gap"}  # a listing is operational, below binding
    before = three_way(three_ds, "2016-01-01", ["EU", "US", "UK"])
    assert {r.goal for r in before.rows if r.all_sides_pursue} == set()  # the UK states its goals from 2016-11-01


@pytest.mark.parametrize("as_of", ["2016-06-01", "2021-01-01", "2025-01-01"])
@pytest.mark.parametrize("dialogues", [False, True])
def test_each_pair_answers_like_the_gap_analysis(three_ds, as_of: str, dialogues: bool) -> None:  # type: ignore[no-untyped-def]
    report = three_way(three_ds, as_of, ["EU", "US", "UK"], count_dialogues=dialogues)
    for a, b in itertools.combinations(["EU", "US", "UK"], 2):
        gaps = {g.goal for g in find_gaps(three_ds, as_of, [a, b], dialogues, details=False).gaps}
        mine = {r.goal for r in report.rows if (a, b) in r.pairs and not r.pairs[(a, b)].joined}
        assert mine == gaps, (a, b, as_of)


def test_tables_and_errors(three_ds) -> None:  # type: ignore[no-untyped-def]
    report = three_way(three_ds, "2021-01-01", ["EU", "US", "UK"])
    cols, rows = table_rows(report)
    assert cols == ["goal", "pursued by", "EU–US", "EU–UK", "US–UK", "all three"]
    row = next(r for r in rows if r["goal"] == "US-UK goal")
    assert (row["EU–US"], row["US–UK"], row["all three"]) == ("—", "US-UK listing (operational)", "—")
    assert next(r for r in rows if r["goal"] == "Patchwork goal")["all three"] == "NONE"
    assert "| Three-way goal | EU, US, UK | Three-way deal (binding) |" in markdown(report)
    with pytest.raises(QueryError, match="three or more different sides"):
        three_way(three_ds, "2021-01-01", ["EU", "EU", "UK"])
    with pytest.raises(QueryError, match="unknown side 'XX'"):
        three_way(three_ds, "2021-01-01", ["EU", "US", "XX"])


def test_cli_gaps_with_three_sides(three_home: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    with env(CYBERKG_HOME=str(three_home), CYBERKG_BUILD_DIR=str(tmp_path / "build")):
        out = runner.invoke(main, ["gaps", "--sides", "EU,US,UK", "--as-of", "2021-01-01", "--format", "json"])
        text = runner.invoke(main, ["gaps", "--sides", "EU,US,UK", "--as-of", "2021-01-01"])
        two = runner.invoke(main, ["gaps", "--sides", "US,UK", "--as-of", "2025-01-01", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["sides"] == ["EU", "US", "UK"] and data["pairs"]["US–UK"] == {"shared": 6, "covered": 3, "gaps": 3}
    trio = next(g for g in data["goals"] if g["label"] == "Three-way goal")
    assert trio["joined_by_all"][0]["label"] == "Three-way deal"
    assert text.exit_code == 0 and "Findings:" in text.output and "Patchwork goal" in text.output
    assert two.exit_code == 0 and "US-UK goal" in {g["label"] for g in json.loads(two.output)}


def test_report_and_diff_for_a_uk_pair(three_home: Path, tmp_path: Path) -> None:
    """--sides EU,UK and --sides US,UK work on the report and the diff like the default pair."""
    runner = CliRunner()
    out = tmp_path / "report.json"
    with env(CYBERKG_HOME=str(three_home), CYBERKG_BUILD_DIR=str(tmp_path / "build")):
        report = runner.invoke(main, ["report", "--sides", "EU,UK", "--as-of", "2021-01-01", "--format", "json",
                                      "-o", str(out)])
        diff = runner.invoke(main, ["diff", "--sides", "US,UK", "--from", "2016-01-01", "--to", "2021-01-01",
                                    "--format", "json"])
    assert report.exit_code == 0, report.output
    assert "5 shared goal(s) as of 2021-01-01, 3 gap(s)" in report.output
    assert json.loads(out.read_text())["sides"] == ["EU", "UK"]
    assert diff.exit_code == 0, diff.output
    counts = json.loads(diff.output)["counts"]
    assert (counts["became shared"], counts["gap opened"], counts["joint instrument entered into force"],
            counts["joint event"]) == (6, 3, 2, 1)
