"""The ``cyberkg`` command: a thin skin over the library. Each command parses options, calls one
public function and formats the result.

Exit codes: 0 success (validate: conforms), 1 the data has violations, 2 any other error
(bad input, bad query, unreachable store). No traceback unless ``--debug``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from cyberkg import __version__
from cyberkg.cli.options import bilateral_only_option, event_window_option, min_commitment_option
from cyberkg.core.errors import CyberkgError
from cyberkg.core.output import FORMATS, render


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # a closed pipe shows here, not at exit
            return result
        except BrokenPipeError:
            # The reader went away (`cyberkg stats | head`): stop quietly with 0, as head's pipeline
            # partners do; later writes (and the flush at exit) go to /dev/null.
            import os

            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
            sys.exit(0)
        except CyberkgError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (OSError, ValueError) as exc:
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)


format_option = click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                             help="Output format for rows.")
lang_option = click.option("--lang", envvar="CYBERKG_LANG", default=None, metavar="LANG",
                           help="Language of labels in the output, e.g. de or fr (also CYBERKG_LANG); "
                                "English where the graph has no label in it.")
endpoint_option = click.option("--endpoint", envvar="CYBERKG_ENDPOINT", default=None, metavar="URL",
                               help="Run on a SPARQL 1.1 endpoint instead of the embedded store "
                                    "(also CYBERKG_ENDPOINT).")


def open_source(endpoint: str | None = None) -> Any:
    """The embedded store (built if stale), or a remote endpoint."""
    if endpoint:
        from cyberkg.remote.endpoint import connect

        return connect(endpoint)
    from cyberkg.store.built import open_built

    return open_built()


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="cyberkg")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """cyberkg — the open knowledge graph of transatlantic (EU–US) cyber policy."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


@main.command()
@click.option("--memory", is_flag=True, help="Build in memory only (nothing persisted).")
@click.option("--no-validate", is_flag=True,
              help="Skip SHACL validation and the quality checks (the store's stamp says it was not validated).")
def build(memory: bool, no_validate: bool) -> None:
    """Load graph/ and ontology/, derive, validate, and persist the store under build/.

    A record with violations is not made the current store: the previous one stays (exit 1)."""
    from cyberkg.analysis.validate import validate
    from cyberkg.store.built import build as do_build

    ds, result = do_build(backend="memory" if memory else "oxigraph", validate=not no_validate)
    counts = ", ".join(f"{k} {v}" for k, v in result.triples.items())
    where = f" at {result.path}" if result.path else " in memory"
    click.echo(f"built the store{where}: {counts} triples")
    if result.verdict is not None:  # validated before it became current (the store's gate)
        v = result.verdict
        click.echo(f"validation: {v.violations} violation(s), {v.warnings} SHACL warning(s), "
                   f"{v.checks} violation checks ('cyberkg validate' lists warnings and known gaps)")
    elif memory and not no_validate:
        report = validate(ds)
        click.echo(f"validation: {len(report.violations)} violation(s), {len(report.warnings)} warning(s), "
                   f"{len(report.infos)} known gap(s) recorded, {report.checks_run} quality checks")
        for f in report.violations:
            click.echo(f"  VIOLATION {f.focus} {f.path} {f.message} [{f.source}]", err=True)
        if report.violations:
            sys.exit(1)


@main.command("validate")
@format_option
@click.option("--warnings/--no-warnings", default=True, show_default=True, help="List warnings too.")
@click.option("--info", "infos", is_flag=True,
              help="List the known gaps too: identifiers and official copies the curators looked for and did not find.")
@click.option("--engine", type=click.Choice(["sparql", "pyshacl"]), default="sparql", show_default=True,
              help="What checks the shapes: compiled into SPARQL and run by the store, "
                   "or pySHACL (slow on large records).")
@endpoint_option
def validate_cmd(fmt: str, warnings: bool, infos: bool, engine: str, endpoint: str | None) -> None:
    """SHACL shapes and zero-row quality checks. Exit 0 conforms, 1 violations, 2 error."""
    from cyberkg.analysis.validate import validate
    from cyberkg.store.built import is_fresh, scratch

    # a stale store is not rebuilt here (the build's gate would refuse a failing record before
    # anything is listed): the record is checked in memory instead
    report = validate(open_source(endpoint) if endpoint or is_fresh() else scratch(), engine=engine)
    shown = {"Violation"} | ({"Warning"} if warnings else set()) | ({"Info"} if infos else set())
    rows = [r for r in report.rows() if r["severity"] in shown]
    if rows:
        click.echo(render(["severity", "focus", "path", "message", "source"], rows, fmt), nl=False)
    click.echo(f"{'conforms' if report.conforms else 'does NOT conform'}: {len(report.violations)} violation(s), "
               f"{len(report.warnings)} warning(s), {len(report.infos)} known gap(s) recorded (--info lists them), "
               f"{report.checks_run} quality checks", err=True)
    sys.exit(0 if report.conforms else 1)


@main.command("queries")
@format_option
def queries_cmd(fmt: str) -> None:
    """List the query catalogue."""
    from cyberkg.analysis.catalogue import catalogue

    rows = [{"name": q.name, "summary": q.summary, "parameters": ", ".join(
        f"{p.name}{'' if p.required and p.default is None else '?'}" for p in q.params.values()),
        "tags": ", ".join(q.tags)} for q in catalogue()]
    click.echo(render(["name", "summary", "parameters", "tags"], rows, fmt), nl=False)


def _params(values: tuple[str, ...]) -> dict[str, str]:
    from cyberkg.analysis.catalogue import parse_params

    return parse_params(values)


@main.command()
@click.argument("name")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE", help="Bind a parameter (repeatable).")
@format_option
@lang_option
@endpoint_option
@click.option("--allow-service", is_flag=True,
              help="Let a SERVICE clause send requests to other endpoints (refused by default).")
def query(name: str, params: tuple[str, ...], fmt: str, lang: str | None, endpoint: str | None,
          allow_service: bool) -> None:
    """Run a catalogue query by NAME, a .rq FILE, or - for standard input."""
    from cyberkg.analysis.catalogue import find, refuse_service, run
    from cyberkg.core.labels import relabel_rows

    q = find(name)
    refuse_service(q.text, q.name, allow_service)  # before the store is opened or built
    ds = open_source(endpoint)
    result = run(q, ds, _params(params), allow_service=allow_service)
    click.echo(render(result.vars, relabel_rows(ds, result.vars, result.rows, lang), fmt), nl=False)
    if not result.rows and not q.name.startswith("checks/"):  # a check passes with no row; a question does not
        click.echo(f"warning: {q.name} returned no row with these parameters (a date before the record starts, a "
                   "side or goal the record does not have?)", err=True)


@main.command()
@click.option("--as-of", "as_of", default="today", show_default=True,
              help="Date of the analysis: YYYY-MM-DD or today (the default, as for cyberkg report).")
@click.option("--sides", default="EU,US", show_default=True,
              help="The two sides to compare, by code; three or more (EU,US,UK): which pairs are joined per goal.")
@click.option("--count-dialogues", is_flag=True, help="Count dialogues and fora as joint instruments.")
@event_window_option
@min_commitment_option
@bilateral_only_option
@format_option
@lang_option
@endpoint_option
def gaps(as_of: str, sides: str, count_dialogues: bool, event_window: int, min_commitment: str | None,
         bilateral_only: bool, fmt: str, lang: str | None, endpoint: str | None) -> None:
    """Shared goals with no joint instrument covering them at a date, with who pursues them and what
    each side does alone or with third partners (JSON: covered goals too, with their coverage)."""
    from cyberkg.analysis.gaps import find_gaps, table_rows

    if len([s for s in sides.split(",") if s.strip()]) > 2:  # three or more sides (cyberkg.cli.threeway)
        from cyberkg.cli.threeway import echo_three_way

        echo_three_way(open_source(endpoint), as_of, sides.split(","), count_dialogues, event_window, min_commitment,
                       bilateral_only, fmt)
        return
    ds = open_source(endpoint)
    report = find_gaps(ds, as_of, sides.split(","), count_dialogues, lang=lang,
                       event_window=event_window, min_commitment=min_commitment, bilateral_only=bilateral_only)
    _warn_if_empty(ds, report, fmt)
    if fmt == "json":
        from cyberkg.core.json_text import dumps as json_text  # the stdlib's bytes, faster (#20)

        click.echo(json_text(report.to_json()))
        return
    if fmt == "table":  # one block per gap, wrapped to the terminal (cyberkg.views.gaps_text)
        from cyberkg.views.gaps_text import blocks

        click.echo(blocks(report), nl=False)
        return
    cols, rows = table_rows(report)
    click.echo(render(cols, rows, fmt), nl=False)


def _warn_if_empty(ds: Any, report: Any, fmt: str) -> None:
    """Say on stderr (and above a table) when the comparison is empty and why."""
    from cyberkg.analysis.empty import goals_per_side, pair_warnings, side_labels

    shared = len(report.gaps) + len(report.covered)
    if shared:
        return
    first = str((report.coverage or {}).get("first_source") or "")[:10] or None
    for text in pair_warnings(goals_per_side(ds, report.as_of), list(report.sides), report.as_of, shared, first,
                              side_labels(ds)):
        click.echo(f"warning: {text}", err=True)
        if fmt == "table":
            click.echo(f"warning: {text}")


@main.command()
@click.option("--format", "fmt", default="turtle", show_default=True,
              type=click.Choice(["turtle", "trig", "nt", "jsonld", "csv-sheets", "graphml", "gexf"]),
              help="RDF format; or csv-sheets (a folder with elements.csv + connections.csv), graphml, gexf.")
@click.option("--part", default="all", show_default=True, type=click.Choice(["all", "data", "ontology"]),
              help="Data and ontology together, or either alone.")
@click.option("--derived", is_flag=True, help="Include the build-time derived triples.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="File to write (a folder for csv-sheets), else stdout.")
@endpoint_option
def export(fmt: str, part: str, derived: bool, output: Path | None, endpoint: str | None) -> None:
    """Export the graph for other RDF tools; the same input gives byte-identical output."""
    from cyberkg.core.atomic import is_stdout, write_atomic
    from cyberkg.export.rdf import serialize

    if fmt in ("csv-sheets", "graphml", "gexf"):  # analysts' shapes: cyberkg.sheets_export
        from cyberkg.export.sheets import export as export_sheets

        sheet_data, written = export_sheets(open_source(endpoint), fmt, None if is_stdout(output) else output)
        if sheet_data is not None and (output is None or is_stdout(output)):
            sys.stdout.buffer.write(sheet_data)
        for path in written:
            click.echo(f"wrote {path}", err=True)
        return
    data = serialize(open_source(endpoint), fmt, part, derived)
    if output is None or is_stdout(output):
        sys.stdout.buffer.write(data)
    else:
        write_atomic(output, data)
        click.echo(f"wrote {output} ({len(data):,} bytes)", err=True)


@main.command()
@format_option
@endpoint_option
def stats(fmt: str, endpoint: str | None) -> None:
    """Coverage summary: counts by kind, and instruments by type, side and year."""
    from cyberkg.analysis.catalogue import find, run

    ds = open_source(endpoint)
    kinds = run(find("coverage/counts-by-kind"), ds)
    if fmt == "json":  # one JSON document, a key per table
        by = run(find("coverage/instruments-by-type-side-year"), ds)
        doc = {"counts_by_kind": json.loads(render(kinds.vars, kinds.rows, fmt)),
               "instruments_by_type_side_year": json.loads(render(by.vars, by.rows, fmt))}
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    click.echo(render(kinds.vars, kinds.rows, fmt), nl=False)
    if fmt in ("table", "md"):
        click.echo("")
    by = run(find("coverage/instruments-by-type-side-year"), ds)
    click.echo(render(by.vars, by.rows, fmt), nl=False)


# Commands that live in their own modules (views, endpoints, imports) register here.
for _mod in ("cyberkg.cli.viz", "cyberkg.cli.remote", "cyberkg.cli.imports", "cyberkg.cli.serve",
             "cyberkg.cli.docs", "cyberkg.cli.report", "cyberkg.cli.matrix"):
    if importlib.util.find_spec(_mod) is not None:
        for _cmd in importlib.import_module(_mod).COMMANDS:
            main.add_command(_cmd)


if __name__ == "__main__":  # pragma: no cover
    main()
