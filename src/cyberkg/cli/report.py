"""``cyberkg report``, ``cyberkg diff`` and ``cyberkg metrics``: the analyst's report, the changes
between two dates, and the network metrics. Each parses options, calls one library function and
formats its result."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cyberkg.cli.options import bilateral_only_option, event_window_option, min_commitment_option
from cyberkg.core.output import FORMATS, render

DEFAULT_NAME = "report"  # build/report.html (the build folder: CYBERKG_BUILD_DIR, else build/)
format_option = click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                             help="Output format for rows.")
endpoint_option = click.option("--endpoint", envvar="CYBERKG_ENDPOINT", default=None, metavar="URL",
                               help="Run on a SPARQL 1.1 endpoint instead of the embedded store "
                                    "(also CYBERKG_ENDPOINT).")
lang_option = click.option("--lang", envvar="CYBERKG_LANG", default=None, metavar="LANG",
                           help="Language of labels, e.g. de or fr (also CYBERKG_LANG); English where missing.")


def open_source(endpoint: str | None) -> object:
    from cyberkg.cli.main import open_source as opener

    return opener(endpoint)


def _sides(text: str) -> list[str]:
    return [s for s in (p.strip() for p in text.split(",")) if s]


@click.command("report")
@click.option("--as-of", "as_of", default="today", show_default=True, help="Date of the report (or 'today').")
@click.option("--sides", default="EU,US", show_default=True, help="The two sides to compare, by code.")
@click.option("--count-dialogues", is_flag=True, help="Count dialogues and fora as joint instruments.")
@click.option("--format", "fmt", type=click.Choice(["html", "md", "json", "pdf"]), default="html", show_default=True,
              help="html: one self-contained page (opens offline; prints to A4); md: Markdown for a forge; json: "
                   "the data; pdf: the brief as an A4 PDF (printed by headless Chromium), --annex adds the detail.")
@event_window_option
@min_commitment_option
@bilateral_only_option
@click.option("--annex/--no-annex", "annex", default=None,
              help="Add the full detail after the brief (default: yes for html, md and json; no for pdf).")
@click.option("--curated-only", is_flag=True, help="Leave imported layers out: the curated record alone.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="File to write (default build/report.html, .md, .json or .pdf); - for stdout.")
@lang_option
@endpoint_option
def report_cmd(as_of: str, sides: str, count_dialogues: bool, fmt: str, event_window: int, min_commitment: str | None,
               bilateral_only: bool, annex: bool | None, curated_only: bool, output: Path | None, lang: str | None,
               endpoint: str | None) -> None:
    """The analyst's brief, then its annex: key findings (shared goals, how they are covered and at
    what commitment, the gaps, the best feasible joint actions with counterparts and venue), where
    both sides act, the divergences and what changed since the brief's date (2020-11-26); then per
    shared goal its status, pursuers, joint and single-side instruments, divergences and feasible
    joint actions, the record-wide figures and the network metrics. Every claim cites its sources,
    official ones first. The date defaults to today, as for `cyberkg gaps`."""
    from cyberkg.analysis.brief_data import build as build_brief
    from cyberkg.core import paths
    from cyberkg.core.atomic import write_atomic

    if curated_only and endpoint:
        raise click.UsageError("--curated-only reads the curated record from graph/; it cannot be combined with "
                               "--endpoint")
    data = build_brief(open_source(endpoint), as_of, _sides(sides), count_dialogues, lang=lang,
                       curated_only=curated_only, event_window=event_window, min_commitment=min_commitment,
                       bilateral_only=bilateral_only)
    for warning in data["executive_brief"]["warnings"]:
        click.echo(f"warning: {warning}", err=True)
    with_annex = (fmt != "pdf") if annex is None else annex
    if fmt in ("html", "pdf"):
        from cyberkg.views.report_html import render as render_html

        text = render_html(data, annex=with_annex)
    elif fmt == "md":
        from cyberkg.views.report_md import render as render_md

        text = render_md(data, annex=with_annex)
    else:
        from cyberkg.core.json_text import dumps as json_text  # the stdlib's bytes, faster (#20)

        text = json_text(data, sort_keys=True) + "\n"
    if fmt == "pdf":
        from cyberkg.views.pdf import html_to_pdf

        payload = html_to_pdf(text, data["as_of"])
    else:
        payload = text.encode("utf-8")
    if output is not None and str(output) == "-":
        import sys

        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
        return
    path = output or paths.build_dir() / f"{DEFAULT_NAME}.{fmt}"
    write_atomic(path, payload)
    s = data["summary"]
    click.echo(f"wrote {path} ({len(payload):,} bytes): {s['shared']} shared goal(s) as of {data['as_of']}, "
               f"{s['gaps']} gap(s), {s['feasible_actions']} feasible joint action(s)", err=True)


@click.command("diff")
@click.option("--from", "date_from", required=True, help="The earlier date (changes after it count).")
@click.option("--to", "date_to", default="today", show_default=True, help="The later date (or 'today').")
@click.option("--sides", default="EU,US", show_default=True, help="The two sides to compare, by code.")
@click.option("--count-dialogues", is_flag=True, help="Count dialogues and fora as joint instruments.")
@event_window_option
@format_option
@endpoint_option
def diff_cmd(date_from: str, date_to: str, sides: str, count_dialogues: bool, event_window: int, fmt: str,
             endpoint: str | None) -> None:
    """What changed between two dates: goals that became shared, gaps opened and closed, joint
    instruments that entered into force, ended or were struck down, divergences that appeared —
    each with the instrument or pursuit that caused it."""
    from cyberkg.analysis.diff import diff, table_rows

    d = diff(open_source(endpoint), date_from, date_to, _sides(sides), count_dialogues, event_window=event_window)
    if fmt == "json":
        from cyberkg.core.json_text import dumps as json_text

        click.echo(json_text(d.to_json()))
        return
    if fmt == "table":  # one block per change, wrapped to the terminal, nothing cut
        from cyberkg.views.gaps_text import diff_blocks

        click.echo(diff_blocks(d), nl=False)
        return
    cols, rows = table_rows(d)
    click.echo(render(cols, rows, fmt), nl=False)


@click.command("metrics")
@click.option("--as-of", "as_of", default="today", show_default=True, help="Date of the graph (or 'today').")
@click.option("--sides", default="EU,US", show_default=True, help="The two sides to compare, by code.")
@format_option
@endpoint_option
def metrics_cmd(as_of: str, sides: str, fmt: str, endpoint: str | None) -> None:
    """Network metrics of the actor–instrument graph (networkx): bridges between the sides
    (betweenness), articulation points, the most central actors per side, communities."""
    from cyberkg.analysis.metrics import metrics, table_rows

    m = metrics(open_source(endpoint), as_of, _sides(sides))
    if fmt == "json":
        click.echo(json.dumps(m, indent=2, ensure_ascii=False))
        return
    if fmt == "table":
        click.echo(f"Actor–instrument graph on {m['as_of']}: {m['nodes']} nodes, {m['edges']} links, "
                   f"{m['side_pairs_connected']} connected {'–'.join(m['sides'])} actor pairs")
        click.echo(f"Rule: {m['rule']}")
        click.echo("")
    cols, rows = table_rows(m)
    click.echo(render(cols, rows, fmt), nl=False)


@click.command("summary")
@click.option("--as-of", "dates", multiple=True, default=("2020-11-26", "today"), show_default=True,
              help="A date to summarise (repeat the option for several; 'today' allowed).")
@click.option("--sides", default="EU,US", show_default=True, help="The two sides to compare, by code.")
@click.option("--count-dialogues", is_flag=True, help="Count dialogues and fora as joint instruments.")
@endpoint_option
def summary_cmd(dates: tuple[str, ...], sides: str, count_dialogues: bool, endpoint: str | None) -> None:
    """A few lines per date: how many goals both sides pursue, and the gaps by name (what `make run`
    prints; `cyberkg gaps` gives the detail, `cyberkg report` the argued brief)."""
    from cyberkg.analysis.gaps import find_gaps

    ds = open_source(endpoint)
    for n, date in enumerate(dates):
        rep = find_gaps(ds, date, _sides(sides), count_dialogues, details=False)
        a, b = rep.sides
        shared = len(rep.gaps) + len(rep.covered)
        if n:
            click.echo("")
        click.echo(f"As of {rep.as_of}: {a} and {b} share {shared} goal(s) in the record; "
                   f"{len(rep.gaps)} have no joint instrument (gaps):")
        for gap in rep.gaps:
            click.echo(f"  - {gap.label}")
        if not rep.gaps:
            click.echo("  (none)")
        if not shared:
            from cyberkg.analysis.empty import goals_per_side, pair_warnings, side_labels

            first = str((rep.coverage or {}).get("first_source") or "")[:10] or None
            for text in pair_warnings(goals_per_side(ds, rep.as_of), [a, b], rep.as_of, shared, first,
                                      side_labels(ds)):
                click.echo(f"warning: {text}", err=True)


COMMANDS = [report_cmd, diff_cmd, metrics_cmd, summary_cmd]
