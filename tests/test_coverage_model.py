"""The coverage model (issue #15), one test per rule, on tests/data/tiny-model (invented records on
top of the tiny record and tests/data/tiny-report): events within their window, supersession,
expiry, commitment, scope, third partners, inferred pursuit, no look-ahead — and the embedded
store and a real Oxigraph server giving the same analysis."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import TINY, env, make_home
from cyberkg.analysis import catalogue as queries
from cyberkg.analysis.diff import diff
from cyberkg.analysis.facts import events_from, load_facts
from cyberkg.analysis.gaps import GapReport, find_gaps
from cyberkg.analysis.report import build_report
from cyberkg.core.namespaces import iri
from cyberkg.core.output import plain

DATA = Path(__file__).resolve().parent / "data"


def make_model_home(base: Path) -> Path:
    home = make_home(base, TINY / "graph")
    for extra in ("tiny-report", "tiny-model"):
        for f in sorted((DATA / extra / "graph").glob("*.yaml")):
            shutil.copy(f, home / "graph" / f"{extra}-{f.name}")
    return home


@pytest.fixture(scope="module")
def model_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_model_home(tmp_path_factory.mktemp("model"))


def _build(home: Path, build: Path, backend: str) -> Any:
    from cyberkg import store

    with env(CYBERKG_HOME=str(home), CYBERKG_BUILD_DIR=str(build)):
        ds, _ = store.build(backend=backend)
    return ds


@pytest.fixture(scope="module")
def mds(model_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The model record on the default (Oxigraph) store; rdflib's engine is checked on the headline
    answers below (test_rdflib_engine_gives_the_same_statuses), the remote server at the end."""
    return _build(model_home, tmp_path_factory.mktemp("model-build"), "oxigraph")


def statuses(ds: Any, on: str, **opts: Any) -> dict[str, str]:
    report = find_gaps(ds, on, details=False, **opts)
    return {**{g.goal: "gap" for g in report.gaps},
            **{c.goal: f"covered {c.coverage['commitment']} {c.coverage['scope']}" for c in report.covered}}


def test_rdflib_engine_gives_the_same_statuses(mds: Any, model_home: Path,
                                               tmp_path_factory: pytest.TempPathFactory) -> None:
    mem = _build(model_home, tmp_path_factory.mktemp("model-memory"), "memory")
    for on, opts in (("2016-01-01", {}), ("2018-01-01", {}), ("2018-09-20", {}), ("2021-05-18", {}),
                     ("2020-11-26", {"min_commitment": "institutional"}), ("2020-01-01", {"bilateral_only": True})):
        assert statuses(mem, on, **opts) == statuses(mds, on, **opts), (on, opts)
    assert in_force(mem, "2019-01-01") == in_force(mds, "2019-01-01")


def goal(report: GapReport, slug: str) -> tuple[str, Any]:
    """('gap' | 'covered' | 'not shared', the Gap or Covered)."""
    g = iri("goal", slug)
    for gap in report.gaps:
        if gap.goal == g:
            return "gap", gap
    for c in report.covered:
        if c.goal == g:
            return "covered", c
    return "not shared", None


def in_force(ds: Any, on: str) -> set[str]:
    rows = queries.run(queries.find("instruments/instruments-in-force-on-date"), ds, {"asOf": on}).rows
    return {str(r["instrument"]).rsplit("/", 1)[-1] for r in rows}


def test_an_event_counts_only_within_its_window_and_is_never_in_force(mds: Any) -> None:
    status, c = goal(find_gaps(mds, "2016-01-01"), "m-exercise")
    assert status == "covered"
    assert c.coverage["commitment"] == "operational" and c.coverage["scope"] == "bilateral"
    assert [(j["lifecycle"], j["commitment"]) for j in c.joint] == [("event", "operational")]
    assert goal(find_gaps(mds, "2018-01-01"), "m-exercise")[0] == "gap"  # 2.5 years later: history
    assert goal(find_gaps(mds, "2018-01-01", event_window=5), "m-exercise")[0] == "covered"
    assert goal(find_gaps(mds, "2017-06-01"), "m-exercise")[0] == "gap"  # the window is [date, date + 2 years)
    assert goal(find_gaps(mds, "2017-05-31"), "m-exercise")[0] == "covered"
    assert "m-joint-exercise" not in in_force(mds, "2015-06-02")


def test_the_event_window_date_rule() -> None:
    assert events_from(dt.date(2020, 11, 26)) == dt.date(2018, 11, 26)
    assert events_from(dt.date(2024, 2, 29), 1) == dt.date(2023, 2, 28)
    assert events_from(dt.date(2020, 1, 1), 0) == dt.date(2020, 1, 1)  # window 0: no event counts


def test_a_superseded_strategy_stops_when_its_successor_starts(mds: Any) -> None:
    assert "m-us-strategy-2003" in in_force(mds, "2018-09-19")
    assert "m-us-strategy-2003" not in in_force(mds, "2018-09-20")
    assert "m-us-strategy-2018" in in_force(mds, "2018-09-20")
    # the US pursued m-old only through the old strategy (inferred): shared until it was superseded
    status, gap = goal(find_gaps(mds, "2018-01-01"), "m-old")
    assert status == "gap"
    assert [p["inferredFrom"] for p in gap.pursuers["US"]] == [iri("instrument", "m-us-strategy-2003")]
    assert goal(find_gaps(mds, "2019-01-01"), "m-old")[0] == "not shared"


def test_an_expired_extension_no_longer_covers(mds: Any) -> None:
    status, c = goal(find_gaps(mds, "2021-05-17"), "m-extension")
    assert status == "covered" and c.coverage["commitment"] == "institutional"
    assert goal(find_gaps(mds, "2021-05-18"), "m-extension")[0] == "gap"
    assert "m-extension" not in in_force(mds, "2021-05-18")
    rows = queries.run(queries.find("instruments/struck-down-or-ended"), mds).rows
    ended = {str(r["instrument"]).rsplit("/", 1)[-1]: r for r in rows}
    assert str(plain(ended["m-extension"]["expires"])) == "2021-05-18"
    assert str(ended["m-us-strategy-2003"]["supersededBy"]) == iri("instrument", "m-us-strategy-2018")


def test_plurilateral_only_coverage_and_bilateral_only(mds: Any) -> None:
    status, c = goal(find_gaps(mds, "2020-01-01"), "m-pluri")
    assert status == "covered"
    assert c.coverage == {"commitment": "binding", "scope": "plurilateral",
                          "instrument": iri("instrument", "m-pluri-treaty"), "label": "Three-party treaty"}
    assert c.joint[0]["partners"] == ["United Kingdom"]
    assert goal(find_gaps(mds, "2020-01-01", bilateral_only=True), "m-pluri")[0] == "gap"
    # a bilateral agreement still counts with --bilateral-only
    assert goal(find_gaps(mds, "2020-01-01", bilateral_only=True), "cybercrime")[0] == "covered"


def test_multilateral_declaration_and_min_commitment(mds: Any) -> None:
    status, c = goal(find_gaps(mds, "2020-11-26"), "m-multi")
    assert status == "covered"
    assert (c.coverage["commitment"], c.coverage["scope"]) == ("political", "multilateral")
    assert "Germany (EU member state, not the EU)" in c.joint[0]["partners"]
    assert goal(find_gaps(mds, "2020-11-26", min_commitment="political"), "m-multi")[0] == "covered"
    assert goal(find_gaps(mds, "2020-11-26", min_commitment="institutional"), "m-multi")[0] == "gap"
    binding = find_gaps(mds, "2020-11-26", min_commitment="binding")
    assert goal(binding, "m-pluri")[0] == "covered"  # a binding treaty passes the bar
    assert goal(binding, "m-extension")[0] == "gap"  # an institutional arrangement does not
    assert "binding commitment or stronger" in binding.rule


def test_one_side_with_third_partners_is_not_alone(mds: Any) -> None:
    status, gap = goal(find_gaps(mds, "2020-11-26"), "m-partners")
    assert status == "gap"
    assert "US" not in gap.alone
    assert [(i["label"], i["partners"]) for i in gap.with_partners["US"]] == [("US-UK listing", ["United Kingdom"])]
    assert [(i["label"], i["partners"]) for i in gap.with_partners["EU"]] == [("EU-NATO declaration", ["NATO"])]
    assert [i["label"] for i in gap.alone["EU"]] == ["EU alone regime"]
    assert gap.with_partners["US"][0]["lifecycle"] == "event"
    assert gap.with_partners["US"][0]["commitment"] == "operational"
    # the listing is an event: two years on it is history
    later = goal(find_gaps(mds, "2022-06-01"), "m-partners")[1]
    assert "US" not in later.with_partners


def test_inferred_pursuit_names_its_instrument(mds: Any) -> None:
    assert goal(find_gaps(mds, "2015-12-31"), "m-inferred")[0] == "not shared"
    status, gap = goal(find_gaps(mds, "2017-01-01"), "m-inferred")
    assert status == "gap"
    (us,) = gap.pursuers["US"]
    assert us["inferredFrom"] == iri("instrument", "m-us-order") and us["inferredLabel"] == "US order 2016"
    assert us["source"] is None
    d = diff(mds, "2015-01-01", "2017-01-01")
    shared = [r for r in d.rows if r["change"] == "became shared" and r["goal"] == iri("goal", "m-inferred")]
    assert [r["evidence"] for r in shared] == ["first recorded"]
    assert "US order 2016" in shared[0]["cause"]
    stated = [r for r in d.rows if r["change"] == "became shared" and r.get("evidence") == "newly stated"]
    assert all(r["goal"] != iri("goal", "m-inferred") for r in stated)


def test_commitment_override_and_python_agrees_with_the_queries(mds: Any) -> None:
    facts = load_facts(mds)
    body = facts.instruments[iri("instrument", "m-eu-body")]
    assert (body.lifecycle, body.commitment) == ("event", "institutional")
    lifecycles = {k: facts.instruments[iri("instrument", k)].lifecycle for k in ("dialogue", "m-dialogue-round",
                                                                                 "m-summit")}
    # a round is a meeting; a summit is one because the record says so (lifecycle: event, with a note)
    assert lifecycles == {"dialogue": "standing", "m-dialogue-round": "event", "m-summit": "event"}
    listing = facts.instruments[iri("instrument", "m-us-uk-listing")]  # a party part of the UK: "United Kingdom"
    assert listing.partner_labels("EU", "US") == ["United Kingdom"]
    assert listing.scope("EU", "US") == "plurilateral"
    for on in ("2016-01-01", "2020-01-01", "2020-11-26", "2021-05-17"):
        report = find_gaps(mds, on)
        for c in report.covered:
            for j in c.joint:
                inst = facts.instruments[j["instrument"]]
                assert inst.scope("EU", "US") == j["scope"], (on, j["label"])
                assert inst.covers(dt.date.fromisoformat(on)), (on, j["label"])
                assert (inst.lifecycle, inst.commitment) == (j["lifecycle"], j["commitment"])


def test_json_interface(mds: Any) -> None:
    data = find_gaps(mds, "2020-11-26").to_json()
    assert {d["status"] for d in data} == {"gap", "covered"}
    for d in data:
        assert d["model"] == {"event_window_years": 2, "min_commitment": "operational", "bilateral_only": False,
                              "dialogues_counted": False}
        if d["status"] == "covered":
            assert set(d["coverage"]) >= {"commitment", "scope"}
            rows = d["joint_instruments"]
        else:
            assert "coverage" not in d
            rows = [i for side in (d["instruments_alone"], d["instruments_with_partners"]) for xs in side.values()
                    for i in xs]
        for row in rows:
            assert {"lifecycle", "commitment", "scope", "partners"} <= set(row), row
    report = build_report(mds, "2020-11-26")
    for g in report["goals"]:
        assert g["status"] in ("gap", "covered")
        assert ("coverage" in g) == (g["status"] == "covered")
        for row in g["joint"] + [i for xs in (*g["alone"].values(), *g["with_partners"].values()) for i in xs]:
            assert {"lifecycle", "commitment", "scope", "partners"} <= set(row), row


def test_cli_options(model_home: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cyberkg.cli.main import main

    with env(CYBERKG_HOME=str(model_home), CYBERKG_BUILD_DIR=str(tmp_path / "build")):
        runner = CliRunner()
        plain_run = runner.invoke(main, ["gaps", "--as-of", "2020-01-01", "--format", "json"])
        strict = runner.invoke(main, ["gaps", "--as-of", "2020-01-01", "--format", "json", "--bilateral-only",
                                      "--min-commitment", "binding", "--event-window", "3"])
        bad = runner.invoke(main, ["gaps", "--min-commitment", "strong"])
    assert plain_run.exit_code == 0, plain_run.output
    assert strict.exit_code == 0, strict.output
    status = {d["label"]: d["status"] for d in json.loads(plain_run.output)}
    strict_status = {d["label"]: d["status"] for d in json.loads(strict.output)}
    assert status["Plurilateral goal"] == "covered" and strict_status["Plurilateral goal"] == "gap"
    assert json.loads(strict.output)[0]["model"]["event_window_years"] == 3
    assert bad.exit_code != 0 and "binding" in bad.output


START_KEYS = {"start", "since", "date", "adopted", "inForce", "year"}


def _starts(node: Any, path: str = "") -> list[tuple[str, str]]:
    """Every (path, value) of a key that says when something starts; sources (a later publication may
    stand as evidence of an earlier fact) are left out."""
    out: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("sources", "citations", "diff"):
                continue
            if k in START_KEYS and isinstance(v, str | int) and v:
                out.append((f"{path}.{k}", str(v)))
            else:
                out += _starts(v, f"{path}.{k}")
    elif isinstance(node, list):
        for n, v in enumerate(node):
            out += _starts(v, f"{path}[{n}]")
    return out


@pytest.mark.parametrize("on", ["2014-01-01", "2017-06-01", "2019-06-01", "2020-11-26", "2022-01-01"])
def test_no_look_ahead_in_the_report(mds: Any, on: str) -> None:
    data = build_report(mds, on, diff_from="2010-01-01")
    seen = _starts(data)
    assert seen, "the sweep found no dates: the report shape changed"
    later = [(p, v) for p, v in seen if str(v)[:10] > on and not (len(str(v)) == 4 and int(v) <= int(on[:4]))]
    assert not later, later[:5]
    assert all(str(c["date"] or "")[:10] <= on for c in (data["diff"] or {"changes": []})["changes"])


@pytest.mark.server
def test_embedded_and_oxigraph_server_give_the_same_analysis(model_home: Path,
                                                             tmp_path_factory: pytest.TempPathFactory) -> None:
    from cyberkg import publish, store
    from cyberkg.remote.endpoint import connect
    from endpoint_fixtures import OxigraphServer

    with env(CYBERKG_HOME=str(model_home), CYBERKG_BUILD_DIR=str(tmp_path_factory.mktemp("model-srv-build"))):
        ds, _ = store.build(backend="oxigraph")
    server = OxigraphServer(tmp_path_factory.mktemp("model-oxigraph") / "db")
    try:
        publish.publish(ds, connect(server.query_url), progress=False)
        remote = connect(server.query_url)
        for on, opts in (("2016-01-01", {}), ("2020-11-26", {}), ("2020-11-26", {"min_commitment": "binding"}),
                         ("2020-11-26", {"bilateral_only": True}), ("2018-01-01", {"event_window": 5})):
            here = find_gaps(ds, on, **opts).to_json()  # type: ignore[arg-type]
            there = find_gaps(remote, on, **opts).to_json()  # type: ignore[arg-type]
            assert here == there, (on, opts)
        assert build_report(ds, "2020-11-26") == build_report(remote, "2020-11-26")
    finally:
        server.stop()


def test_the_snapshot_answers_as_the_per_goal_catalogue_queries(mds: Any) -> None:
    """find_gaps reads one snapshot (set-based report/*-on-date queries); each gap's details are what
    the catalogue's per-goal queries answer for that goal."""
    from cyberkg.analysis.gaps import side_iris
    from cyberkg.analysis.snapshot import PURSUER_KEYS, RELATED_KEYS, _one_side_rows

    iris = side_iris(mds, ["EU", "US"])
    for on in ("2016-01-01", "2020-11-26", "2022-06-01"):
        common = {"sideA": str(iris["EU"]), "sideB": str(iris["US"]), "asOf": on, "eventWindow": "2"}
        report = find_gaps(mds, on)
        assert report.gaps
        for gap in report.gaps:
            rows = queries.run(queries.find("gaps/goal-pursuers"), mds, {"goal": gap.goal, "asOf": on}).rows
            expected: dict[str, list[dict[str, Any]]] = {}
            for r in rows:
                if str(r.get("side")) in ("EU", "US"):
                    expected.setdefault(str(r["side"]), []).append({k: plain(r.get(k)) for k in PURSUER_KEYS})
            assert gap.pursuers == expected, (on, gap.label)
            one = _one_side_rows(queries.run(queries.find("gaps/single-side-instruments-for-goal"), mds,
                                             {**common, "goal": gap.goal}).rows)
            assert {(s, i["instrument"]) for s, xs in {**gap.alone}.items() for i in xs} | {
                (s, i["instrument"]) for s, xs in gap.with_partners.items() for i in xs} == set(one), (on, gap.label)
            for s, xs in (*gap.alone.items(), *gap.with_partners.items()):
                for i in xs:
                    assert one[(s, i["instrument"])] == i
            related = queries.run(queries.find("gaps/joint-instruments-for-related-goals"), mds,
                                  {**common, "goal": gap.goal, "countDialogues": "false"}).rows
            assert gap.related_joint == [{k: plain(r.get(k)) for k in RELATED_KEYS} for r in related], gap.label
