"""``cyberkg matrix``: the brief's annex matrix by instrument function (cyberkg.analysis.matrix)."""

from __future__ import annotations

import json

import click

from cyberkg.cli.options import event_window_option
from cyberkg.core.output import FORMATS, render


@click.command("matrix")
@click.option("--as-of", "as_of", default="today", show_default=True,
              help="Date of the analysis: YYYY-MM-DD or today (the default, as for gaps and report).")
@click.option("--sides", default="EU,US", show_default=True, help="The two sides to compare, by code.")
@event_window_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="Output format for rows.")
@click.option("--endpoint", envvar="CYBERKG_ENDPOINT", default=None, metavar="URL",
              help="Run on a SPARQL 1.1 endpoint instead of the embedded store (also CYBERKG_ENDPOINT).")
def matrix(as_of: str, sides: str, event_window: int, fmt: str, endpoint: str | None) -> None:
    """The annex matrix: for each instrument function, EU only / US only / both separately / each with
    third partners / jointly, with the instruments behind each cell."""
    from cyberkg.analysis.matrix import build_matrix
    from cyberkg.cli.main import open_source

    m = build_matrix(open_source(endpoint), as_of, sides.split(","), event_window)
    if fmt == "json":
        click.echo(json.dumps(m.to_json(), indent=2, ensure_ascii=False))
        return
    cols, rows = m.table()
    click.echo(render(cols, rows, fmt), nl=False)
    if fmt == "table":
        click.echo(f"\n{m.rule}", err=True)


COMMANDS = [matrix]
