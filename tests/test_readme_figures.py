"""The README's counts, gap lists and headline figures are generated from the shipped record
(`python -m cyberkg.cli.readme`); this test fails when the record and the README drift apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from cyberkg.cli.readme import BLOCK, blocks, figures, recorded_as_of, render

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_figures_match_the_record(real_ds) -> None:  # type: ignore[no-untyped-def]
    text = README.read_text(encoding="utf-8")
    as_of = recorded_as_of(text)
    assert as_of, "README.md has no <!-- generated:as-of DATE --> marker"
    assert {m["name"] for m in BLOCK.finditer(text)} == {"record-counts", "gap-lists", "headline", "three-way",
                                                         "diff"}
    expected = render(text, figures(real_ds, as_of))
    assert text == expected, "README.md drifted from the record: run `python -m cyberkg.cli.readme` and review"


def test_render_replaces_only_the_blocks() -> None:
    fig = {"as_of": "2021-01-01", "counts": {"actors": 3, "threat actors": 1, "goals": 2, "goal pursuits": 4,
           "instruments": 5, "incidents": 6, "sources": 7, "divergences": 1}, "gaps_brief": ["A"],
           "gaps_now": ["A", "B"], "incidents_both": 3, "incidents_jointly": 1, "incidents_separately": 2,
           "violations": 0, "warnings": 4}
    text = ("intro\n<!-- generated:as-of 2020-01-01 -->\n<!-- generated:headline -->\nold\n"
            "<!-- /generated:headline -->\noutro\n")
    out = render(text, fig)
    assert out.startswith("intro\n<!-- generated:as-of 2021-01-01 -->\n") and out.endswith("outro\n")
    assert blocks(fig)["headline"] in out and "old" not in out
    assert "| actors (of which threat actors) | 3 (1) |" in blocks(fig)["record-counts"]
    with pytest.raises(ValueError, match="unknown generated block 'nope'"):
        render("<!-- generated:nope -->\n<!-- /generated:nope -->", fig)


def test_three_way_block(tiny_ds) -> None:  # type: ignore[no-untyped-def]
    """The README's three-way block: the table and findings of `gaps --sides EU,US,UK`, or a plain line
    when the record lacks one of the sides (the tiny record has only EU and US)."""
    from cyberkg.cli.readme import three_way_block

    assert three_way_block(tiny_ds, "2021-01-01") is None
    fig = {"as_of": "2021-01-01", "counts": {}, "gaps_brief": [], "gaps_now": [], "incidents_both": 0,
           "incidents_jointly": 0, "incidents_separately": 0, "violations": 0, "warnings": 0}
    assert blocks(fig)["three-way"] == "(the record has no sides EU, US, UK: no three-way table)"
    fig["three_way"] = "| goal | pursued by |"
    out = render("<!-- generated:three-way -->\nold\n<!-- /generated:three-way -->\n", fig)
    assert out == "<!-- generated:three-way -->\n| goal | pursued by |\n<!-- /generated:three-way -->\n"


def test_diff_block(tiny_ds) -> None:  # type: ignore[no-untyped-def]
    """The README's diff block: the status changes from the brief's date, each with its cause, and the joint
    instruments and events counted (the tiny record gains a shared goal and closes a gap after 2020-11-26)."""
    from cyberkg.analysis.diff import diff
    from cyberkg.cli.readme import BRIEF_DATE, diff_block

    block = diff_block(tiny_ds, "2030-01-01")
    d = diff(tiny_ds, BRIEF_DATE, "2030-01-01")
    status = [r for r in d.rows if r["change"] in ("became shared", "no longer shared", "gap opened", "gap closed",
                                                    "divergence appeared")]
    assert status, "the tiny record should change between the brief's date and 2030"
    assert block.startswith(f"`cyberkg diff --from {BRIEF_DATE} --to 2030-01-01`: ")
    assert f"joint event {d.counts()['joint event']} " in block
    table = [line for line in block.splitlines() if line.startswith("| ") and not line.startswith("| change")]
    assert len(table) == len(status)
    for r in status:
        assert f"| {r['change']} | {r['date'] or ''} | {r['goalLabel']} |" in block
