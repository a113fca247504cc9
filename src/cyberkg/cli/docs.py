"""``cyberkg docs``: HTML documentation of the ontology, a page per class and property."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("docs")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write (default build/docs); replaced whole, and only if 'cyberkg docs' wrote it.")
@click.option("--no-examples", is_flag=True, help="Leave out the example instances (no store is opened).")
def docs(output: Path | None, no_examples: bool) -> None:
    """Write the ontology documentation: an index and one HTML page per class and property (label,
    definition, domain and range, alignments, the SHACL shapes that apply, examples from the
    record). Static, offline, byte-identical for the same input."""
    from cyberkg.core import paths
    from cyberkg.views.ontology_docs import build_docs, write_docs

    ds = None
    if not no_examples:
        from cyberkg.store.built import open_built

        ds = open_built()
    out = output or paths.build_dir() / "docs"
    files = build_docs(paths.ontology_dir(), ds, "the record in graph/" if ds is not None else "no record")
    write_docs(files, out)
    size = sum(len(b) for b in files.values())
    click.echo(f"wrote {out}/index.html and {len(files) - 1} term pages ({size:,} bytes)", err=True)


COMMANDS = [docs]
