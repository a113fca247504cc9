"""Generates queries/README.md (the query catalogue) from the query headers; a test fails on drift."""

from __future__ import annotations

from cyberkg.analysis.catalogue import catalogue
from cyberkg.core import paths

HEAD = """# The query catalogue

One question per `.rq` file, each valid SPARQL 1.1 with a grlc-style `#+` header (summary, description,
tags, defaults). Parameters are `?_name` (required) or `?__name` (optional) with a type suffix
(`_iri`, `_date`, `_boolean`, …); `cyberkg query NAME -p name=value` binds them through one `VALUES`
block — on the embedded store and on a remote endpoint alike, never spliced into the text.
Rule for query authors: a parameter may appear in triple patterns anywhere, but in `FILTER`/`BIND`
only in the top-level group or inside `(NOT) EXISTS`, and never inside a sub-select.

`checks/*-violation.rq` are quality checks: each must return zero rows (`cyberkg validate`, CI).

This file is generated from the headers (`python -m cyberkg.analysis.catalogue_doc`); a test fails when it drifts.

| query | question | parameters (defaults) |
|---|---|---|
"""


def render() -> str:
    rows = []
    for q in catalogue():
        params = ", ".join(
            f"`{p.name}`" + (f" ({p.default})" if p.default is not None else "") + ("" if p.required else " optional")
            for p in sorted(q.params.values(), key=lambda p: p.name))
        rows.append(f"| `{q.name}` | {q.summary} | {params} |")
    return HEAD + "\n".join(rows) + "\n"


def main() -> None:
    (paths.queries_dir() / "README.md").write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
