"""CLI commands for bringing your own data: ``import``, ``layers``, ``remove``, ``enrich wikidata``.

Registered by ``cyberkg.cli`` through ``COMMANDS``. Each parses options, calls one library function
and prints the result with the shared row formats.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from cyberkg.core.output import FORMATS, render

format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="Output format for rows.",
)
lang_option = click.option(
    "--lang",
    envvar="CYBERKG_LANG",
    default=None,
    metavar="xx",
    help="Language of labels in the output (also CYBERKG_LANG; default en).",
)


@click.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--format",
    "in_fmt",
    default=None,
    type=click.Choice(["csv", "xlsx", "stix", "turtle", "trig", "nt", "nq", "jsonld", "rdfxml"]),
    help="Input format (default: detected from the file).",
)
@click.option("--layer", default=None, help="Layer name (default: the file name without extension).")
@click.option(
    "--replace", is_flag=True, help="Reload a layer that already holds another version of the file."
)
@click.option(
    "--issuer",
    default=None,
    metavar="ACTOR",
    help="Actor id (curated, or from the file) that issued the file; else an 'author of FILE' node.",
)
@click.option(
    "--date",
    default=None,
    metavar="YYYY-MM-DD",
    help="Date of the file (default: from the file — STIX timestamps, latest record date).",
)
@click.option("--url", default=None, help="Where the file is published (default: a hash URI of its content).")
def import_cmd(
    files: tuple[Path, ...],
    in_fmt: str | None,
    layer: str | None,
    replace: bool,
    issuer: str | None,
    date: str | None,
    url: str | None,
) -> None:
    """Import spreadsheets (CSV pair, XLSX), STIX 2.1 bundles or RDF files, each into a named, removable
    layer. Everything is checked first; a bad file leaves the graph as it was."""
    from cyberkg.importers import import_files

    outcomes = import_files(list(files), in_fmt, layer, replace, issuer, date, url)
    rows = [
        {"layer": o.layer, "status": o.status, "format": o.format, "triples": o.triples, "file": o.file}
        for o in outcomes
    ]
    click.echo(render(["layer", "status", "format", "triples", "file"], rows, "table"), nl=False)
    _summarise_notes(outcomes)


def _note_kind(note: str) -> str:
    for prefix in ("conflict", "candidate"):
        if note.startswith(prefix + ":"):
            return prefix
    if " matched the existing " in note:
        return "matched"
    if "analytic assessment" in note:
        return "assessment"
    return "skipped" if "skipped" in note else "other"


def _summarise_notes(outcomes: list[Any]) -> None:
    """A short table of the notes by kind on stderr, conflicts and candidates in full; every note goes to
    build/import-notes/LAYER.txt (a real ATT&CK bundle gives thousands of 'skipped' lines)."""
    from collections import Counter

    from cyberkg.core import paths
    from cyberkg.core.atomic import write_atomic

    rows = []
    for o in outcomes:
        if not o.notes:
            continue
        path = paths.build_dir() / "import-notes" / f"{o.layer}.txt"
        write_atomic(path, ("\n".join(o.notes) + "\n").encode("utf-8"))
        counts = Counter(_note_kind(n) for n in o.notes)
        rows += [{"layer": o.layer, "note": k, "count": counts[k], "file": str(path)}
                 for k in ("matched", "conflict", "candidate", "assessment", "skipped", "other") if counts[k]]
        for n in o.notes:
            if _note_kind(n) in ("conflict", "candidate"):
                click.echo(f"note: {o.layer}: {n}", err=True)
    if rows:
        click.echo(render(["layer", "note", "count", "file"], rows, "table"), nl=False, err=True)


@click.command("layers")
@format_option
def layers_cmd(fmt: str) -> None:
    """List the imported layers: name, file, format, triples and content hash."""
    from cyberkg.store.layers import read_index

    rows = [
        {"name": i.name, "file": i.file, "format": i.format, "triples": i.triples, "sha256": i.sha256[:16]}
        for i in read_index().values()
    ]
    click.echo(render(["name", "file", "format", "triples", "sha256"], rows, fmt), nl=False)


@click.command("remove")
@click.argument("layer")
def remove_cmd(layer: str) -> None:
    """Take an imported LAYER out of the graph (and out of future rebuilds)."""
    from cyberkg.store import built, layers

    with built.writing(what="remove") as ds:
        info = layers.remove(ds, layer)
    click.echo(f"removed layer {info.name} ({info.triples} triples from {info.file})", err=True)


@click.group("enrich")
def enrich() -> None:
    """Enrich the graph from outside sources."""


@enrich.command("wikidata")
@click.option(
    "--endpoint",
    envvar="CYBERKG_WIKIDATA_ENDPOINT",
    default=None,
    metavar="URL",
    help="Wikidata-compatible SPARQL endpoint (also CYBERKG_WIKIDATA_ENDPOINT; "
    "default https://query.wikidata.org/sparql).",
)
@click.option("--apply", "do_apply", is_flag=True, help="Write the confident matches (layer 'wikidata').")
@click.option("--all", "show_all", is_flag=True, help="List nodes with no match too.")
@lang_option
@format_option
def wikidata_cmd(endpoint: str | None, do_apply: bool, show_all: bool, lang: str | None, fmt: str) -> None:
    """Find the Wikidata item of actors, instruments and incidents by exact label or alias. Confident
    (one item) matches are written only with --apply; ambiguous ones are listed, never applied."""
    from cyberkg.importers import wikidata
    from cyberkg.store import built

    url = endpoint or wikidata.DEFAULT_ENDPOINT
    if do_apply:
        with built.writing(what="enrich wikidata") as ds:
            matches = wikidata.match(ds, url, lang)
            wikidata.apply(ds, matches, url)
    else:
        from cyberkg.store.built import open_built

        matches = wikidata.match(open_built(), url, lang)
    rows = [m.row() for m in matches if show_all or m.status != "none"]
    click.echo(render(wikidata.COLUMNS, rows, fmt), nl=False)
    n = {s: sum(1 for m in matches if m.status == s) for s in ("confident", "ambiguous", "none")}
    done = "applied" if do_apply else "not applied (pass --apply)"
    click.echo(
        f"{len(matches)} candidates: {n['confident']} confident ({done}), {n['ambiguous']} ambiguous "
        f"(never applied), {n['none']} without a match",
        err=True,
    )
    sys.stdout.flush()


COMMANDS = [import_cmd, layers_cmd, remove_cmd, enrich]
