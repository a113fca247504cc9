"""``cyberkg diff``: what changed between two dates, each change with the instrument or pursuit that
caused it; on the tiny record plus tests/data/tiny-report (goldens in tests/golden/report/)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from cyberkg.analysis.diff import diff
from cyberkg.core.errors import QueryError
from cyberkg.core.namespaces import iri
from report_fixtures import build_report_ds, make_report_home

GOLDEN = Path(__file__).parent / "golden" / "report"
UPDATE = os.environ.get("CYBERKG_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module", params=["oxigraph", "memory"])
def ds(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    return build_report_ds(tmp_path_factory.mktemp(f"diff-{request.param}"), request.param)


def rows(d, change):  # type: ignore[no-untyped-def]
    return [(r["goalLabel"], r["date"], r["causeIri"]) for r in d.rows if r["change"] == change]


@pytest.mark.parametrize("dates", [("2020-01-01", "2020-11-26"), ("2020-11-26", "2025-01-01")])
def test_diff_matches_golden_on_both_backends(ds, dates) -> None:  # type: ignore[no-untyped-def]
    got = json.dumps(diff(ds, *dates).to_json(), indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    path = GOLDEN / f"diff-{dates[0]}-{dates[1]}.json"
    if UPDATE:
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"no golden {path}; run with CYBERKG_UPDATE_GOLDEN=1 and review it"
    assert got == path.read_text(encoding="utf-8")


def test_a_gap_reopens_when_its_joint_instrument_is_struck_down(ds) -> None:  # type: ignore[no-untyped-def]
    d = diff(ds, "2020-01-01", "2020-11-26")
    struck = iri("instrument", "struck-deal")
    assert rows(d, "gap opened") == [("Impose costs", "2020-07-16", struck)]
    assert rows(d, "joint instrument struck down") == [("Impose costs", "2020-07-16", struck)]
    opened = next(r for r in d.rows if r["change"] == "gap opened")
    assert iri("source", "judgment") in opened["sources"]  # the judgment that struck it down is cited
    assert rows(d, "gap closed") == []


def test_a_gap_closes_when_its_joint_instrument_enters_into_force(ds) -> None:  # type: ignore[no-untyped-def]
    d = diff(ds, "2020-11-26", "2025-01-01")
    pact, deal = iri("instrument", "resilience-pact"), iri("instrument", "evidence-deal")
    assert rows(d, "gap closed") == [("Resilient networks", "2022-01-01", pact), ("Cross-border evidence", "2024-01-15",
                                                                                  deal)]
    closing = next(r for r in d.rows if r["change"] == "gap closed")
    assert "adopted 2021-03-01, in force 2022-01-01" in closing["cause"]
    assert rows(d, "became shared") == [("Late goal", "2023-03-02", iri("actor", "united-states"))]
    assert rows(d, "divergence appeared") == [("Impose costs", "2021-06-01", iri("divergence", "listing-criteria"))]
    # adopted but not yet in force: the gap is still open
    between = diff(ds, "2021-01-01", "2021-12-31")
    assert rows(between, "gap closed") == [] and rows(between, "joint instrument entered into force") == []


def test_no_change_between_equal_dates_and_bad_input(ds) -> None:  # type: ignore[no-untyped-def]
    assert diff(ds, "2022-06-01", "2022-06-01").rows == []
    with pytest.raises(QueryError, match="before --from"):
        diff(ds, "2022-06-01", "2020-01-01")
    with pytest.raises(QueryError, match="'soon' is not a date"):
        diff(ds, "soon", "2020-01-01")


def test_cli_diff_formats(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cyberkg.cli.main import main

    monkeypatch.setenv("CYBERKG_HOME", str(make_report_home(tmp_path)))
    monkeypatch.setenv("CYBERKG_BUILD_DIR", str(tmp_path / "build"))
    r = CliRunner().invoke(main, ["diff", "--from", "2020-11-26", "--to", "2025-01-01"])
    assert r.exit_code == 0, r.output
    assert "gap closed 2" in r.stdout and "GAP CLOSED: Resilient networks" in r.stdout
    assert "cause: Resilience pact (agreement) adopted 2021-03-01, in force 2022-01-01" in r.stdout
    r = CliRunner().invoke(main, ["diff", "--from", "2020-11-26", "--to", "2025-01-01", "--format", "json"])
    data = json.loads(r.stdout)
    assert data["counts"]["gap closed"] == 2 and data["changes"][0]["citations"]
    r = CliRunner().invoke(main, ["diff", "--from", "2020-11-26", "--to", "2025-01-01", "--format", "csv"])
    assert r.stdout.splitlines()[0] == "change,date,goal,goalLabel,cause,causeKind,causeIri,sources"
    r = CliRunner().invoke(main, ["diff", "--from", "2025-01-01", "--to", "2020-01-01"])
    assert r.exit_code == 2 and "before --from" in r.stderr
