"""Gap analysis and its as-of semantics, on the tiny record, on both embedded backends."""

from __future__ import annotations

import pytest

from cyberkg.analysis.gaps import find_gaps
from cyberkg.core.errors import QueryError
from cyberkg.core.namespaces import iri


def labels(report) -> list[str]:  # type: ignore[no-untyped-def]
    return [g.label for g in report.gaps]


def test_gaps_at_brief_date(tiny_ds) -> None:  # type: ignore[no-untyped-def]
    report = find_gaps(tiny_ds, "2020-11-26")
    # evidence: the joint deal comes in 2024; sanctions: the joint deal was struck down on 2020-07-16;
    # talks: only a dialogue, which does not count by default. cybercrime is covered by the MLA.
    assert labels(report) == ["Cross-border evidence", "Impose costs", "Talk regularly"]


def test_instrument_adopted_after_date_does_not_count_but_does_later(tiny_ds) -> None:  # type: ignore[no-untyped-def]
    assert "Cross-border evidence" in labels(find_gaps(tiny_ds, "2023-12-31"))
    assert "Cross-border evidence" not in labels(find_gaps(tiny_ds, "2024-01-15"))


def test_struck_down_instrument_counts_only_before_the_judgment(tiny_ds) -> None:  # type: ignore[no-untyped-def]
    assert "Impose costs" not in labels(find_gaps(tiny_ds, "2020-07-15"))
    assert "Impose costs" in labels(find_gaps(tiny_ds, "2020-07-16"))


def test_entry_into_force_not_signature_makes_an_agreement_count(tiny_ds) -> None:  # type: ignore[no-untyped-def]
    # the MLA was signed in 2003 but entered into force on 2010-02-01
    assert "Combat cybercrime" in labels(find_gaps(tiny_ds, "2010-01-31"))
    assert "Combat cybercrime" not in labels(find_gaps(tiny_ds, "2010-02-01"))


def test_goal_counts_as_shared_only_once_both_sides_pursue_it(tiny_ds) -> None:  # type: ignore[no-untyped-def]
    assert "Late goal" not in labels(find_gaps(tiny_ds, "2020-11-26"))
    assert "Late goal" in labels(find_gaps(tiny_ds, "2025-01-01"))


def test_dialogues_count_only_on_request(tiny_ds) -> None:  # type: ignore[no-untyped-def]
    report = find_gaps(tiny_ds, "2020-11-26", count_dialogues=True)
    assert "Talk regularly" not in labels(report)
    assert "do NOT count" in find_gaps(tiny_ds, "2020-11-26").rule
    assert "COUNT as joint" in report.rule


def test_member_state_is_not_the_eu_side(tiny_ds) -> None:  # type: ignore[no-untyped-def]
    report = find_gaps(tiny_ds, "2020-11-26")
    evidence = next(g for g in report.gaps if g.label == "Cross-border evidence")
    # the Germany–FBI arrangement is not EU-US: the US acts with a third partner, an EU member state
    assert "US" not in evidence.alone and "EU" not in evidence.alone
    (row,) = evidence.with_partners["US"]
    assert row["label"] == "Germany-US arrangement"
    assert row["partners"] == ["Germany (EU member state, not the EU)"]
    assert (row["lifecycle"], row["commitment"], row["scope"]) == ("standing", "binding", "plurilateral")


def test_gap_details_trace_pursuers_to_sources(tiny_ds) -> None:  # type: ignore[no-untyped-def]
    report = find_gaps(tiny_ds, "2020-11-26")
    sanctions = next(g for g in report.gaps if g.label == "Impose costs")
    stated = {p["actorLabel"] for p in sanctions.pursuers["EU"] if not p.get("inferredFrom")}
    assert stated == {"European Union"}
    us = next(p for p in sanctions.pursuers["US"] if not p.get("inferredFrom"))
    assert us["source"] == iri("source", "us-strategy")
    assert us["url"] == "https://example.org/us-strategy"
    assert {i["label"] for i in sanctions.alone["EU"]} == {"EU sanctions regime", "EU attribution"}
    assert {i["label"] for i in sanctions.alone["US"]} == {"US executive order"}
    assert all(i["partners"] == [] and i["scope"] is None for i in sanctions.alone["EU"])


def test_joint_instruments_for_related_goals(tiny_ds) -> None:  # type: ignore[no-untyped-def]
    report = find_gaps(tiny_ds, "2020-11-26")
    evidence = next(g for g in report.gaps if g.label == "Cross-border evidence")
    assert [(j["relation"], j["label"]) for j in evidence.related_joint] == [("broader", "MLA agreement")]


def test_json_shape(tiny_ds) -> None:  # type: ignore[no-untyped-def]
    data = find_gaps(tiny_ds, "2020-11-26").to_json()
    assert isinstance(data, list) and data
    assert {"goal", "label", "as_of", "dialogues_counted"} <= set(data[0])
    assert data[0]["goal"].startswith("https://w3id.org/cyberkg/id/goal/")


def test_unknown_side_and_bad_date_are_clear_errors(tiny_ds) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryError, match=r"unknown side 'UK'.*EU, US"):
        find_gaps(tiny_ds, "2020-11-26", ("EU", "UK"))
    with pytest.raises(QueryError, match="not a date"):
        find_gaps(tiny_ds, "26/11/2020")
