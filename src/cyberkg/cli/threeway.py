"""``cyberkg gaps --sides EU,US,UK``: with three or more sides the gaps command prints, per shared
goal, which pairs are joined by an instrument and which are not, and which goals all the sides pursue
with no instrument joining them all (:mod:`cyberkg.analysis.threeway`)."""

from __future__ import annotations

import json
from typing import Any

import click

from cyberkg.core.output import render


def echo_three_way(ds: Any, as_of: str, sides: list[str], count_dialogues: bool, event_window: int,
                   min_commitment: str | None, bilateral_only: bool, fmt: str) -> None:
    from cyberkg.analysis.threeway import markdown, table_rows, three_way

    report = three_way(ds, as_of, sides, count_dialogues, event_window, min_commitment, bilateral_only)
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
        return
    if fmt == "md":
        click.echo(f"Three-way coverage as of {report.as_of} ({', '.join(report.sides)})\n\n{report.rule}\n")
        click.echo(markdown(report))
        return
    cols, rows = table_rows(report)
    if fmt != "table":  # csv / tsv: the table only
        click.echo(render(cols, rows, fmt), nl=False)
        return
    click.echo(f"Three-way coverage as of {report.as_of} ({', '.join(report.sides)})")
    click.echo(f"Rule: {report.rule}")
    click.echo("Cells: the strongest instrument joining the pair (+N more), GAP (both pursue the goal, nothing "
               "joins them), — (the pair does not share the goal); last column: an instrument joining all sides, "
               "or NONE.\n")
    click.echo(render(cols, rows, "table"), nl=False)
    click.echo("\nFindings:")
    for line in report.findings():
        click.echo(f"  - {line}")
