"""The README's figures, generated from the record: the counts table, the gap lists as of the
brief's date and as of the date the README was generated, the headline numbers the findings
quote, the three-way table (EU, US, UK) with its findings, and the diff from the brief's date (the goals whose
status changed and the divergences that appeared; joint instruments and events counted). Each sits between
``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->``; a test regenerates them (with the
date written in the README) and fails when they drift.

    python -m cyberkg.cli.readme          # rewrite the blocks, as of today
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from cyberkg.analysis import catalogue, gaps, validate
from cyberkg.core import paths
from cyberkg.core.atomic import write_atomic

BRIEF_DATE = "2020-11-26"
BLOCK = re.compile(r"(<!-- generated:(?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- /generated:(?P=name) -->)", re.S)
AS_OF = re.compile(r"<!-- generated:as-of (\d{4}-\d{2}-\d{2}) -->")
KINDS = [("actors (of which threat actors)", "actors", "threat actors"), ("strategic goals / goal pursuits", "goals",
         "goal pursuits"), ("policy instruments", "instruments", None), ("incidents", "incidents", None),
         ("sources", "sources", None), ("divergences", "divergences", None)]


def figures(ds: Any, as_of: str) -> dict[str, Any]:
    """Plain data: counts by kind, gap labels at the brief's date and at ``as_of``, incidents answered
    jointly and separately, and the validation summary."""
    rows = catalogue.run(catalogue.find("coverage/counts-by-kind"), ds).rows
    counts = {str(r["kind"]): int(str(r["count"])) for r in rows}
    answered = catalogue.run(catalogue.find("incidents/incidents-both-sides-responded-to"), ds).rows
    how = [str(r["how"]) for r in answered]
    report = validate.validate(ds)
    return {
        "as_of": as_of,
        "counts": counts,
        "gaps_brief": [g.label for g in gaps.find_gaps(ds, BRIEF_DATE, details=False).gaps],
        "gaps_now": [g.label for g in gaps.find_gaps(ds, as_of, details=False).gaps],
        "incidents_both": len(how),
        "incidents_jointly": how.count("jointly"),
        "incidents_separately": how.count("separately"),
        "violations": len(report.violations),
        "warnings": len(report.warnings),
        "three_way": three_way_block(ds, as_of),
        "diff": diff_block(ds, as_of),
        "uncertain_facts": len(catalogue.run(catalogue.find("report/uncertain-facts"), ds).rows),
        "known_gaps": len(report.infos),
    }


THREE = ["EU", "US", "UK"]


def three_way_block(ds: Any, as_of: str) -> str | None:
    """`cyberkg gaps --sides EU,US,UK` as of ``as_of`` as Markdown (None when the record lacks a side)."""
    from cyberkg.analysis.threeway import markdown, three_way
    from cyberkg.core.errors import QueryError

    try:
        report = three_way(ds, as_of, THREE)
    except QueryError:
        return None
    return "\n".join([f"`cyberkg gaps --sides {','.join(THREE)} --as-of {as_of}` (`--format md`):", "",
                      markdown(report)])


DIFF_SHOWN = ("became shared", "no longer shared", "gap opened", "gap closed", "divergence appeared")
DIFF_COUNTED = ("joint instrument entered into force", "joint instrument ended", "joint instrument struck down",
                "joint event")


def diff_block(ds: Any, as_of: str) -> str:
    """`cyberkg diff --from 2020-11-26 --to AS_OF` as a Markdown table of the goals whose status changed and the
    divergences that appeared, with one line counting the joint instruments and events (listed by the command)."""
    from cyberkg.analysis.diff import diff

    d = diff(ds, BRIEF_DATE, as_of)
    counts = d.counts()
    counted = ", ".join(f"{c} {counts[c]}" for c in DIFF_COUNTED)
    lines = [f"`cyberkg diff --from {BRIEF_DATE} --to {as_of}`: {counted} (rows the command lists one per goal; "
             "an event counts for the event window after its date). The changes of status:", "",
             "| change | date | goal | cause |", "|---|---|---|---|"]
    for change in DIFF_SHOWN:
        for r in d.rows:
            if r["change"] == change:
                cause = str(r["cause"]).replace("|", "\\|")
                lines.append(f"| {change} | {r['date'] or ''} | {r['goalLabel']} | {cause} |")
    return "\n".join(lines)


def blocks(fig: dict[str, Any]) -> dict[str, str]:
    c = fig["counts"]
    rows = ["| kind | count |", "|---|---|"]
    for title, main, extra in KINDS:
        if main == "actors":
            cell = f"{c.get(main, 0)} ({c.get(extra, 0)})"
        elif extra:
            cell = f"{c.get(main, 0)} / {c.get(extra, 0)}"
        else:
            cell = str(c.get(main, 0))
        rows.append(f"| {title} | {cell} |")
    if "uncertain_facts" in fig:
        rows.append(f"| facts recorded with medium or low confidence | {fig['uncertain_facts']} |")
    if "known_gaps" in fig:
        rows.append(f"| known gaps the curators recorded (`validate --info`) | {fig['known_gaps']} |")
    jq = """jq -r '.[] | select(.status == "gap") | .label'"""  # the JSON lists covered goals too (#15)
    listing = ["```text", f"$ cyberkg gaps --as-of {BRIEF_DATE} --format json | {jq}",
               *fig["gaps_brief"], "", f"$ cyberkg gaps --as-of {fig['as_of']} --format json | {jq}",
               *fig["gaps_now"], "```"]
    n_brief, n_now = len(fig["gaps_brief"]), len(fig["gaps_now"])
    headline = (f"As of the brief's date the record shows **{n_brief} shared goals with no joint instrument**; "
                f"as of {fig['as_of']}, **{n_now}**. Of the **{fig['incidents_both']} incidents both sides "
                f"responded to**, {fig['incidents_jointly']} were answered jointly and "
                f"{fig['incidents_separately']} only separately. `cyberkg validate`: "
                f"{fig['violations']} violations, {fig['warnings']} warnings.")
    three = fig.get("three_way") or f"(the record has no sides {', '.join(THREE)}: no three-way table)"
    return {"record-counts": "\n".join(rows), "gap-lists": "\n".join(listing), "headline": headline,
            "three-way": three, "diff": fig.get("diff") or "(no diff computed)"}


def render(text: str, fig: dict[str, Any]) -> str:
    """``text`` with every generated block replaced by its value from ``fig``."""
    values = blocks(fig)
    text = AS_OF.sub(f"<!-- generated:as-of {fig['as_of']} -->", text)

    def sub(m: re.Match[str]) -> str:
        name = m["name"]
        if name not in values:
            raise ValueError(f"README.md: unknown generated block {name!r}; known: {', '.join(sorted(values))}")
        return f"{m.group(1)}{values[name]}\n{m.group(4)}"

    return BLOCK.sub(sub, text)


def recorded_as_of(text: str) -> str | None:
    m = AS_OF.search(text)
    return m.group(1) if m else None


def readme_path() -> Path:
    return paths.home() / "README.md"


def main() -> None:
    from cyberkg import store

    path = readme_path()
    text = path.read_text(encoding="utf-8")
    fig = figures(store.open_built(), dt.date.today().isoformat())
    write_atomic(path, render(text, fig).encode("utf-8"))


if __name__ == "__main__":
    main()
