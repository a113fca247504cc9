"""#16 on the shipped record: every instrument classified by function, the annex matrix, the brief's
claims, and the feasible joint actions the issue's "done when" names (as of the brief's date, and
after it for the Hanoi divergence, which starts in 2025)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import ROOT
from cyberkg.analysis.claims import check_claims
from cyberkg.analysis.feasible import NOT_ACTIONS
from cyberkg.analysis.gaps import find_gaps
from cyberkg.analysis.matrix import build_matrix
from cyberkg.core.namespaces import iri
from cyberkg.record.loaders import load_catalog

BRIEF = "2020-11-26"
LATER = "2026-01-01"


def test_every_instrument_in_the_record_has_a_function() -> None:
    catalog = load_catalog(ROOT / "graph")
    missing = [r.id for r in catalog.all("instrument") if not r.get("functions")]
    assert missing == [], "add functions: [...] (graph/vocab/instrument-functions.ttl) to these instruments"
    assert len(catalog.all("instrument")) > 250
    # the brief and its annex are sources; the annex's FDI screening regulation is in the record
    assert catalog.records["source"]["policy-brief-2020"].get("date").text == BRIEF
    fdi = catalog.records["instrument"]["eu-fdi-screening-regulation"]
    assert "fdi-screening" in {f.id for f in fdi.get("functions")}
    assert catalog.records["source"]["celex-32019r0452"].get("identifier") == "CELEX:32019R0452"


@pytest.fixture(scope="module")
def gaps(real_ds) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    out = {}
    for when in (BRIEF, LATER):
        out[when] = {g.goal: g for g in find_gaps(real_ds, when).gaps}
    return out


def test_the_sanctions_gap_proposes_coordinated_listings_on_wannacry_and_notpetya(gaps) -> None:  # type: ignore[no-untyped-def]
    gap = gaps[BRIEF][iri("goal", "impose-costs-on-malicious-actors")]
    act = next(a for a in gap.feasible if a["function"] == "restrictive-measures")
    assert act["action"] == "coordinated listings under both sanctions regimes"
    assert gap.feasible[0] is act  # the best-ranked action
    incidents = {i["label"] for b in act["bases"] if b["basis"] == "incident" for i in b["incidents"]}
    assert {"WannaCry", "NotPetya"} <= {label.split(" ")[0] for label in incidents}, incidents
    assert "Council of the European Union" in act["counterparts"]["EU"]
    assert "Office of Foreign Assets Control (OFAC)" in act["counterparts"]["US"]
    assert {"commonality", "incident"} <= {b["basis"] for b in act["bases"]}


def test_no_gap_is_left_with_only_a_strategy_statement(gaps) -> None:  # type: ignore[no-untyped-def]
    for when, by_goal in gaps.items():
        for gap in by_goal.values():
            assert all(a["function"] not in NOT_ACTIONS for a in gap.feasible), (when, gap.label)
        with_actions = sum(1 for g in by_goal.values() if g.feasible)
        assert with_actions >= len(by_goal) - 3, when  # actions for nearly every gap, none a strategy


def test_the_cybercrime_framework_action_is_limited_by_the_hanoi_divergence_and_never_before_it(gaps) -> None:  # type: ignore[no-untyped-def]
    hanoi = iri("divergence", "un-cybercrime-convention-signature")
    later = gaps[LATER][iri("goal", "global-cybercrime-legal-framework")]
    act = next(a for a in later.feasible if a["function"] == "criminal-law-harmonisation")
    shown = [d["divergence"] for d in act["limited_by"]] + [
        d["divergence"] for d in (act["blocked"] or {}).get("divergences", [])]
    assert hanoi in shown
    assert act["score_parts"]["limits"] < 0
    for gap in gaps[BRIEF].values():  # as of the brief's date the 2025 divergence does not exist yet
        for a in gap.feasible:
            assert hanoi not in [d["divergence"] for d in a["limited_by"]]


def test_the_annex_matrix_reads_sanctions_as_both_separately(real_ds) -> None:  # type: ignore[no-untyped-def]
    m = build_matrix(real_ds, BRIEF)
    classes = {r.function: r.cls for r in m.rows}
    assert classes["restrictive-measures"] == "both-separately"
    assert m.row("restrictive-measures").to_json(m.sides)["class"] == "both separately"  # type: ignore[union-attr]
    assert classes["certification"] == "A-only"  # the annex: certification frameworks unique to the EU in 2020
    assert classes["fdi-screening"] == "both-separately"  # the annex says EU only; by function FIRRMA meets it
    assert "strategy" in classes and classes["dialogue"] == "jointly"
    listing = {i["label"] for i in m.row("restrictive-measures").cells["B-alone"]}  # type: ignore[union-attr]
    assert any("13694" in label for label in listing)


@pytest.mark.parametrize("when", [BRIEF, LATER])
def test_the_matrix_counts_and_class_agree_with_the_instruments_behind_each_cell(real_ds, when) -> None:  # type: ignore[no-untyped-def]
    for r in build_matrix(real_ds, when).rows:
        cells = {c: len(r.cells.get(c, [])) for c in r.counts}
        assert cells == r.counts, r.function
        a = cells["A-alone"] + cells["A-with-partners"]
        b = cells["B-alone"] + cells["B-with-partners"]
        expected = ("jointly" if cells["joint"] else
                    ("both-separately" if cells["A-alone"] or cells["B-alone"] else "each-with-third-partners")
                    if a and b else "A-only" if a else "B-only")
        assert r.cls == expected, r.function


def test_the_briefs_claims_are_compared_with_the_record(real_ds) -> None:  # type: ignore[no-untyped-def]
    at_brief = {c["claim"]: c for c in check_claims(real_ds, BRIEF)}
    cyber = at_brief[iri("claim", "brief-claim-cybercrime-joint-instruments")]
    assert cyber["verdict"] == "agrees" and cyber["stated_in"] == iri("source", "policy-brief-2020")
    assert any("information-sharing" in i["functions"] for i in cyber["in_period"] if not i["venue"])
    assert cyber["after"] == []  # as of the brief's date nothing after it
    responses = at_brief[iri("claim", "brief-claim-malicious-activity-no-joint-steps")]
    assert responses["verdict"] == "agrees"
    assert all(i["venue"] for i in responses["in_period"])  # only dialogues in 2018-2020
    later = {c["claim"]: c for c in check_claims(real_ds, LATER)}
    assert later[iri("claim", "brief-claim-cybercrime-joint-instruments")]["after"]  # what changed since
