"""Feasible joint actions by function (#16) and uncertain facts.

Goldens on tiny fixtures (tests/data/tiny + tests/data/tiny-feasible, as of 2021-01-01): one gap per
basis (commonality, joint precedent, third-partner precedent, incident), a limited and a blocked
action, the ranking and its score parts; pure tables over hand-made facts; then ``cyberkg gaps`` on the
tiny record plus tests/data/tiny-report (every format, the terminal blocks, the gap view)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import TINY, env, make_home
from cyberkg.analysis.facts import Facts, Instrument
from cyberkg.analysis.feasible import BASES, NOT_ACTIONS, feasible_actions
from cyberkg.analysis.gaps import find_gaps
from cyberkg.analysis.uncertainty import Checker, gap_doubts
from cyberkg.core.namespaces import CYBER, iri
from cyberkg.views.gaps_text import blocks
from report_fixtures import build_report_ds, make_report_home

ON = dt.date(2021, 1, 1)
GOAL = "g"
FEASIBLE = Path(__file__).resolve().parent / "data" / "tiny-feasible" / "graph" / "feasible.yaml"
ACTION_FIELDS = {"function", "action", "bases", "counterparts", "venue", "limited_by", "blocked", "score", "sources"}


# -- pure: hand-made facts -----------------------------------------------------------------------

def inst(name: str, functions: set[str], sides: set[str], serves: bool = True, responds: set[str] | None = None,
         start: dt.date = dt.date(2020, 6, 1), partners: tuple[str, ...] = ()) -> Instrument:
    i = Instrument(name, name.upper(), "agreement", start, None, sources=[f"src-{name}"])
    i.parties = {f"p-{s}": s for s in sides} | {f"p-{p}": p for p in partners}
    i.party_sides = {f"p-{s}": {s} for s in sides} | {f"p-{p}": set() for p in partners}
    i.serves = {GOAL} if serves else set()
    i.addresses = set(i.serves)
    i.responds = responds or set()
    i.functions = set(functions)
    return i


def facts(*instruments: Instrument, divergences: dict[str, Any] | None = None) -> Facts:
    return Facts({i.iri: i for i in instruments}, {}, {"inc": {"label": "Incident", "date": "2020-01-01"}}, {},
                 {}, {}, divergences or {}, [])


def acts(*instruments: Instrument, divergences: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return feasible_actions(GOAL, None, facts(*instruments, divergences=divergences), ON, ("EU", "US"))


def test_commonality_needs_the_function_on_both_sides_not_the_legal_form() -> None:
    # an EU regulation and a US executive order that both impose sanctions meet by function
    found = acts(inst("e", {"restrictive-measures"}, {"EU"}), inst("u", {"restrictive-measures"}, {"US"}))
    assert [(a["function"], [b["basis"] for b in a["bases"]]) for a in found] == [
        ("restrictive-measures", ["commonality"])]
    assert found[0]["counterparts"] == {"EU": ["EU"], "US": ["US"]}
    assert found[0]["sources"] == ["src-e", "src-u"]
    assert acts(inst("e", {"restrictive-measures"}, {"EU"}), inst("u", {"prosecution"}, {"US"})) == []


def test_strategies_and_dialogues_are_never_actions() -> None:
    assert set(NOT_ACTIONS) == {"strategy", "dialogue"}
    assert acts(inst("e", {"strategy"}, {"EU"}), inst("u", {"strategy"}, {"US"}),
                inst("d", {"dialogue"}, {"EU", "US"}, serves=False)) == []


def test_each_basis_alone() -> None:
    joint = acts(inst("e", {"information-sharing"}, {"EU"}),
                 inst("j", {"information-sharing"}, {"EU", "US"}, serves=False, start=dt.date(2012, 1, 1)))
    assert [b["basis"] for b in joint[0]["bases"]] == ["joint-precedent"]
    assert joint[0]["bases"][0]["text"] == "the two sides already did it together, for other goals"
    partners = acts(inst("u", {"law-enforcement-operation"}, {"US"}),
                    inst("eu-uk", {"law-enforcement-operation"}, {"EU"}, serves=False, partners=("UK",)),
                    inst("us-uk", {"law-enforcement-operation"}, {"US"}, serves=False, partners=("UK",)))
    assert [(b["basis"], b["partners"]) for b in partners[0]["bases"]] == [("third-partner-precedent", ["UK"])]
    # one side with a third partner is not enough
    assert acts(inst("u", {"law-enforcement-operation"}, {"US"}),
                inst("us-uk", {"law-enforcement-operation"}, {"US"}, serves=False, partners=("UK",))) == []
    incident = acts(inst("e", {"public-attribution"}, {"EU"}, responds={"inc"}),
                    inst("u", {"public-attribution"}, {"US"}, serves=False, responds={"inc"}))
    assert [(b["basis"], b["incidents"]) for b in incident[0]["bases"]] == [
        ("incident", [{"incident": "inc", "label": "Incident"}])]
    # a joint answer to the incident with that function: not a separate answer any more
    assert [a["function"] for a in acts(
        inst("e", {"public-attribution"}, {"EU"}, serves=False, responds={"inc"}),
        inst("u", {"public-attribution"}, {"US"}, serves=False, responds={"inc"}),
        inst("j", {"public-attribution"}, {"EU", "US"}, serves=False, responds={"inc"}))] == []


def test_divergences_limit_or_block_by_function_and_never_look_ahead() -> None:
    pair = (inst("e", {"information-sharing"}, {"EU"}), inst("u", {"information-sharing"}, {"US"}))
    limit = {"d": {"label": "Data protection", "since": "2019-01-01", "goals": [], "sources": ["s-d"],
                   "limits": ["information-sharing"]}}
    act = acts(*pair, divergences=limit)[0]
    assert [d["label"] for d in act["limited_by"]] == ["Data protection"] and act["blocked"] is None
    assert act["score_parts"]["limits"] == -2 and "s-d" in act["sources"]
    later = {"d": {**limit["d"], "since": "2022-01-01"}}  # after the date: not shown
    assert acts(*pair, divergences=later)[0]["limited_by"] == []
    block = {"d": {"label": "No sharing", "since": "2020-01-01", "goals": [GOAL], "sources": [],
                   "rules_out": ["information-sharing"]}}
    act = acts(*pair, divergences=block)[0]
    assert act["blocked"]["reason"] == "the record shows No sharing rules it out" and act["score"] == 0
    # a divergence on another goal does not rule the action out
    assert acts(*pair, divergences={"d": {**block["d"], "goals": ["elsewhere"]}})[0]["blocked"] is None


# -- goldens: the tiny record + tests/data/tiny-feasible, as of 2021-01-01 -------------------------

@pytest.fixture(scope="module")
def fds(tmp_path_factory):  # type: ignore[no-untyped-def]
    from cyberkg import store

    base = tmp_path_factory.mktemp("tiny-feasible")
    home = make_home(base, TINY / "graph")
    shutil.copy(FEASIBLE, home / "graph" / FEASIBLE.name)
    with env(CYBERKG_HOME=str(home), CYBERKG_BUILD_DIR=str(base / "build")):
        ds, _ = store.build(backend="oxigraph")
    return ds


@pytest.fixture(scope="module")
def by_goal(fds):  # type: ignore[no-untyped-def]
    report = find_gaps(fds, "2021-01-01")
    return {g.label: g.feasible for g in report.gaps}


def summary(actions: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(a["function"], [b["basis"] for b in a["bases"]], a["score"], bool(a["limited_by"]),
             a["blocked"] is not None) for a in actions]


def test_golden_actions_per_gap(by_goal) -> None:  # type: ignore[no-untyped-def]
    assert {k: summary(v) for k, v in by_goal.items() if v} == {
        # ranking: commonality + incident + recency + venue (3+2+1+1) before incident + recency + venue (2+1+1)
        "Punish intrusions": [("restrictive-measures", ["commonality", "incident"], 7, False, False),
                              ("public-attribution", ["incident"], 4, False, False)],
        "Share threat data": [("information-sharing", ["joint-precedent"], 2, True, False)],
        "Take down botnets": [("law-enforcement-operation", ["third-partner-precedent"], 3, False, False)],
        "Exercise together": [("exercise", ["commonality"], 0, False, True)],
        "Impose costs": [("public-attribution", ["incident"], 3, False, False)],
    }
    every = {b["basis"] for v in by_goal.values() for a in v for b in a["bases"]}
    assert every == set(BASES)


def test_golden_detail_counterparts_venue_score_parts(by_goal) -> None:  # type: ignore[no-untyped-def]
    listings, attribution = by_goal["Punish intrusions"]
    assert set(listings) >= ACTION_FIELDS
    assert listings["action"] == "coordinated listings under both sanctions regimes"
    assert listings["counterparts"] == {"EU": ["Council"], "US": ["United States"]}
    assert attribution["counterparts"] == {"EU": ["Council"], "US": ["Department of Justice"]}
    assert listings["venue"]["instrument"] == iri("instrument", "f-dialogue")
    assert listings["venue"]["why"] == "its agenda addresses the goal"
    assert listings["score_parts"] == {"bases": 5, "recency": 1, "commitment": 0, "venue": 1, "limits": 0, "total": 7}
    assert [i["instrument"] for i in listings["bases"][1]["instruments"]] == [
        iri("instrument", "f-us-list"), iri("instrument", "f-eu-list")]
    assert listings["bases"][1]["incidents"] == [{"incident": iri("incident", "incident-f"), "label": "Incident F"}]
    assert listings["sources"] == [iri("source", "f-text")]
    sharing = by_goal["Share threat data"][0]
    assert [d["label"] for d in sharing["limited_by"]] == ["F data protection"]
    assert sharing["counterparts"] == {"EU": ["Europol"], "US": ["FBI"]}
    assert sharing["score_parts"] == {"bases": 3, "recency": 0, "commitment": 1, "venue": 0, "limits": -2, "total": 2}
    ops = by_goal["Take down botnets"][0]
    assert ops["bases"][0]["partners"] == ["United Kingdom"]
    blocked = by_goal["Exercise together"][0]
    assert blocked["blocked"]["reason"] == "the record shows F no joint exercises rules it out"
    assert [d["divergence"] for d in blocked["blocked"]["divergences"]] == [iri("divergence", "f-no-exercises")]


def test_golden_is_deterministic_and_no_gap_gets_only_a_strategy(fds, by_goal) -> None:  # type: ignore[no-untyped-def]
    again = {g.label: g.feasible for g in find_gaps(fds, "2021-01-01").gaps}
    assert json.dumps(again, sort_keys=True) == json.dumps(by_goal, sort_keys=True)
    for actions in by_goal.values():
        assert all(a["function"] not in NOT_ACTIONS for a in actions)
        scores = [(a["blocked"] is not None, -a["score"], a["function"]) for a in actions]
        assert scores == sorted(scores)
        for a in actions:
            parts = a["score_parts"]
            assert parts["total"] == (0 if a["blocked"] else max(sum(v for k, v in parts.items() if k != "total"), 0))


def test_before_the_blocking_divergence_the_action_is_open(fds) -> None:  # type: ignore[no-untyped-def]
    earlier = {g.label: g.feasible for g in find_gaps(fds, "2020-11-15").gaps}
    assert summary(earlier["Exercise together"]) == [("exercise", ["commonality"], 3, False, False)]


# -- uncertain facts and the gap views on tiny-report ---------------------------------------------

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
    facts_ = [f["fact"] for f in by["Cyber defence"].uncertain]
    assert facts_ == ["United States pursues Cyber defence since 2018-01-01"]
    assert by["Impose costs"].uncertain == []
    data = {d["label"]: d for d in report.to_json()}
    assert data["Cyber defence"]["depends_on_uncertain_fact"] is True
    assert data["Cyber defence"]["uncertain_facts"][0]["note"] == "fixture: the passage could not be found"
    assert data["Impose costs"]["depends_on_uncertain_fact"] is False
    assert [a["action"] for a in data["Impose costs"]["feasible_actions"]] == [
        "a coordinated (or joint) public attribution"]
    # the json keeps its fields: only new ones are added
    assert {"goal", "label", "as_of", "sides", "pursuers", "instruments_alone", "related_joint_instruments"} <= set(
        data["Impose costs"])
    assert set(data["Impose costs"]["feasible_actions"][0]) >= ACTION_FIELDS
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
    for needed in ("EU listing <img src=x onerror=alert(1)> | *x* (sanctions-listing, operational event, from "
                   "2020-07-30)", "a coordinated (or joint) public attribution — both sides answered Incident X "
                   "separately with it (score 3)", "counterparts: EU: Council <-> US: United States",
                   "https://w3id.org/cyberkg/id/goal/defence"):
        assert needed in flat
    one_line = blocks(report, cols=100_000)
    assert ("     EU listing <img src=x onerror=alert(1)> | *x* (sanctions-listing, operational event, from 2020-07-30)"
            in one_line)


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
        assert "a coordinated (or joint) public attribution" in r.stdout, fmt
    r = CliRunner().invoke(main, ["gaps", "--as-of", "2020-11-26", "--format", "json"])
    gaps = [d for d in json.loads(r.stdout) if d.get("status", "gap") == "gap"]
    assert [d["depends_on_uncertain_fact"] for d in gaps] == [False, True, False, False, False]
    assert all(set(a) >= ACTION_FIELDS for d in gaps for a in d["feasible_actions"])


def test_gap_view_marks_the_uncertain_gap(ds) -> None:  # type: ignore[no-untyped-def]
    from cyberkg.cli.viz import build_view

    g, _, _ = build_view(ds, as_of="2020-11-26", gaps=True)
    node = g.nodes[iri("goal", "defence")]
    assert "UNCERTAIN" in node["gap"]
    assert node["uncertain"] == ["United States pursues Cyber defence since 2018-01-01 (confidence medium): without "
                                 "it, US does not pursue the goal and it is not a shared goal"]
    assert "uncertain" not in g.nodes[iri("goal", "sanctions")]
    assert g.nodes[iri("goal", "sanctions")]["feasibleActions"] == ["a coordinated (or joint) public attribution"]


def test_the_event_window_reaches_the_actions(fds) -> None:  # type: ignore[no-untyped-def]
    # with no window the 2020 listings are history: no commonality any more, the shared incident stays
    gaps = {g.label: g.feasible for g in find_gaps(fds, "2021-01-01", event_window=0).gaps}
    assert [x[:2] for x in summary(gaps["Punish intrusions"])] == [
        ("public-attribution", ["incident"]), ("restrictive-measures", ["incident"])]  # a tie: by name


def test_a_claim_must_expect_joint_or_no_joint(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cyberkg.core.errors import DataError
    from cyberkg.record.loaders import load_catalog

    home = make_home(tmp_path, TINY / "graph")
    (home / "graph" / "claims.yaml").write_text(
        "claims:\n  - {id: c, label: C, text: T, goals: [root], stated_in: eu-strategy, query: claims/x, "
        "expects: maybe}\n")
    with pytest.raises(DataError, match="'expects' is 'maybe'"):
        load_catalog(home / "graph")
    (home / "graph" / "claims.yaml").write_text(
        "claims:\n  - {id: c, label: C, text: T, goals: [root], stated_in: eu-strategy, query: claims/x, "
        "expects: joint}\n")
    assert load_catalog(home / "graph").records["claim"]["c"].get("expects") == "joint"
