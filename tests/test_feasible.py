"""Feasible joint actions and uncertain facts: pure tables over hand-made facts, then ``cyberkg gaps``
on the tiny record plus tests/data/tiny-report (every format, the terminal blocks, the gap view)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from cyberkg.analysis.facts import Facts, Instrument
from cyberkg.analysis.feasible import feasible_actions
from cyberkg.analysis.gaps import find_gaps
from cyberkg.analysis.uncertainty import Checker, gap_doubts
from cyberkg.core.namespaces import CYBER, iri
from cyberkg.views.gaps_text import blocks
from report_fixtures import build_report_ds, make_report_home

ON = dt.date(2021, 1, 1)
GOAL = "g"


def inst(name: str, itype: str, sides: set[str], serves: bool = True, responds: set[str] | None = None) -> Instrument:
    i = Instrument(name, name.upper(), itype, dt.date(2020, 1, 1), None, sources=[f"src-{name}"])
    i.parties = {f"p-{s}": s for s in sides}
    i.party_sides = {f"p-{s}": {s} for s in sides}
    i.serves = {GOAL} if serves else set()
    i.responds = responds or set()
    return i


def facts(*instruments: Instrument) -> Facts:
    return Facts({i.iri: i for i in instruments}, {}, {"inc": {"label": "Incident"}}, {}, {}, {}, {}, [])


def alone(f: Facts) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for i in f.instruments.values():
        who = i.side_class("EU", "US")
        if GOAL in i.serves and who in ("EU", "US"):
            out.setdefault(str(who), []).append({"instrument": i.iri, "type": i.type})
    return out


@pytest.mark.parametrize(("instruments", "expected"), [
    ([inst("e", "sanctions-listing", {"EU"}), inst("u", "sanctions-listing", {"US"})], ["sanctions-listing"]),
    ([inst("e", "sanctions-listing", {"EU"})], []),  # one side only
    ([inst("e", "sanctions-listing", {"EU"}), inst("u", "indictment", {"US"})], []),  # different types
    ([inst("e", "sanctions-listing", {"EU"}), inst("u", "sanctions-listing", {"US"}), inst("x", "strategy", {"EU"}),
      inst("y", "strategy", {"US"})], ["sanctions-listing", "strategy"]),
    ([inst("e", "agreement", {"EU", "US"}), inst("u", "agreement", {"US"})], []),  # a joint one is not "alone"
])
def test_a_goal_action_appears_exactly_when_both_sides_use_the_type_alone(instruments, expected) -> None:  # type: ignore[no-untyped-def]
    f = facts(*instruments)
    acts = feasible_actions(GOAL, alone(f), f, ON, ("EU", "US"))
    assert [a["type"] for a in acts] == expected
    for a in acts:
        assert a["instruments"]["EU"] and a["instruments"]["US"] and a["sources"]


@pytest.mark.parametrize(("instruments", "expected"), [
    ([inst("e", "attribution-statement", {"EU"}, responds={"inc"}),
      inst("u", "attribution-statement", {"US"}, serves=False, responds={"inc"})], ["attribution-statement"]),
    # neither instrument serves the goal: the incident does not bear on it
    ([inst("e", "attribution-statement", {"EU"}, serves=False, responds={"inc"}),
      inst("u", "attribution-statement", {"US"}, serves=False, responds={"inc"})], []),
    # a joint attribution of that incident exists already
    ([inst("e", "attribution-statement", {"EU"}, responds={"inc"}),
      inst("u", "attribution-statement", {"US"}, serves=False, responds={"inc"}),
      inst("j", "attribution-statement", {"EU", "US"}, serves=False, responds={"inc"})], []),
])
def test_an_incident_action_needs_separate_answers_of_one_type(instruments, expected) -> None:  # type: ignore[no-untyped-def]
    f = facts(*instruments)
    acts = feasible_actions(GOAL, {}, f, ON, ("EU", "US"))
    assert [a["type"] for a in acts] == expected
    assert all(a["bases"][0]["basis"] == "incident" for a in acts)


def test_a_pursuit_through_an_uncertain_side_link_is_uncertain() -> None:
    f = facts()
    f.actors = {"eu": {"label": "EU", "part_of": [], "on_side": [], "sides": ["EU"], "side_of": ["side/eu"]},
                "us": {"label": "US", "part_of": [], "on_side": [], "sides": ["US"], "side_of": ["side/us"]},
                "unit": {"label": "Unit", "part_of": ["us"], "on_side": [], "sides": ["US"], "side_of": []}}
    f.uncertain = [{"kind": "statement", "subject": "unit", "predicate": str(CYBER.partOf), "object": "us",
                    "confidence": "low", "note": "n", "source": "s"}]
    pursuers = {"EU": [{"actor": "eu", "since": "2015"}], "US": [{"actor": "unit", "since": "2016"}]}
    doubts = gap_doubts(Checker(f), GOAL, pursuers, ("EU", "US"))
    assert [(d["fact"], d["side"]) for d in doubts] == [("Unit is part of US", "US")]
    pursuers["US"].append({"actor": "us", "since": "2017"})  # a certain pursuit as well: no doubt left
    assert gap_doubts(Checker(f), GOAL, pursuers, ("EU", "US")) == []


@pytest.fixture(scope="module")
def ds(tmp_path_factory):  # type: ignore[no-untyped-def]
    return build_report_ds(tmp_path_factory.mktemp("feasible"))


def test_gaps_mark_the_gap_that_rests_on_a_medium_fact(ds) -> None:  # type: ignore[no-untyped-def]
    report = find_gaps(ds, "2020-11-26")
    by = {g.label: g for g in report.gaps}
    facts = [f["fact"] for f in by["Cyber defence"].uncertain]
    assert facts == ["United States pursues Cyber defence since 2018-01-01"]
    assert by["Impose costs"].uncertain == []
    data = {d["label"]: d for d in report.to_json()}
    assert data["Cyber defence"]["depends_on_uncertain_fact"] is True
    assert data["Cyber defence"]["uncertain_facts"][0]["note"] == "fixture: the passage could not be found"
    assert data["Impose costs"]["depends_on_uncertain_fact"] is False
    assert [a["action"] for a in data["Impose costs"]["feasible_actions"]] == [
        "a joint attribution statement", "coordinated sanctions listings"]
    # the json keeps its fields: only new ones are added
    assert {"goal", "label", "as_of", "sides", "pursuers", "instruments_alone", "related_joint_instruments"} <= set(
        data["Impose costs"])
    later = find_gaps(ds, "2022-06-01")
    assert [(p.label, [f["fact"] for f in p.uncertain]) for p in later.possible] == [
        ("Resilient networks", ["Resilience pact has as party Cyber agency"])]


def test_gaps_blocks_wrap_to_the_width_and_cut_nothing(ds) -> None:  # type: ignore[no-untyped-def]
    report = find_gaps(ds, "2022-06-01")
    text = blocks(report, cols=60)
    assert all(len(line) <= 60 for line in text.splitlines() if len(line.split()) > 1)
    assert "…" not in text
    flat = " ".join(text.split())  # every word is there, in order, whatever the wrapping
    assert "2. Cyber defence [GAP · UNCERTAIN]" in flat and "Possible gaps: 1" in flat
    for needed in ("EU listing <img src=x onerror=alert(1)> | *x* (sanctions-listing, from 2020-07-30)",
                   "coordinated sanctions listings — both sides use it alone for the goal",
                   "https://w3id.org/cyberkg/id/goal/defence"):
        assert needed in flat
    one_line = blocks(report, cols=100_000)
    assert "     EU listing <img src=x onerror=alert(1)> | *x* (sanctions-listing, from 2020-07-30)" in one_line


def test_cli_gaps_every_format_carries_the_marks(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cyberkg.cli.main import main

    monkeypatch.setenv("CYBERKG_HOME", str(make_report_home(tmp_path)))
    monkeypatch.setenv("CYBERKG_BUILD_DIR", str(tmp_path / "build"))
    monkeypatch.setenv("COLUMNS", "70")
    r = CliRunner().invoke(main, ["gaps", "--as-of", "2020-11-26"])
    assert r.exit_code == 0 and max(len(x) for x in r.stdout.splitlines() if len(x.split()) > 1) <= 70
    assert "[GAP · UNCERTAIN]" in r.stdout
    for fmt in ("csv", "tsv", "md"):
        r = CliRunner().invoke(main, ["gaps", "--as-of", "2020-11-26", "--format", fmt])
        assert "United States pursues Cyber defence since 2018-01-01 (confidence medium)" in r.stdout, fmt
        assert "coordinated sanctions listings" in r.stdout, fmt
    r = CliRunner().invoke(main, ["gaps", "--as-of", "2020-11-26", "--format", "json"])
    assert [d["depends_on_uncertain_fact"] for d in json.loads(r.stdout)] == [False, True, False, False, False]


def test_gap_view_marks_the_uncertain_gap(ds) -> None:  # type: ignore[no-untyped-def]
    from cyberkg.cli.viz import build_view

    g, _, _ = build_view(ds, as_of="2020-11-26", gaps=True)
    node = g.nodes[iri("goal", "defence")]
    assert "UNCERTAIN" in node["gap"]
    assert node["uncertain"] == ["United States pursues Cyber defence since 2018-01-01 (confidence medium): without "
                                 "it, US does not pursue the goal and it is not a shared goal"]
    assert "uncertain" not in g.nodes[iri("goal", "sanctions")]
    assert g.nodes[iri("goal", "sanctions")]["feasibleActions"] == ["a joint attribution statement",
                                                                   "coordinated sanctions listings"]
