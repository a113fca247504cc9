"""Generates queries/README.md (the query catalogue) from the query headers; a test fails on drift."""

from __future__ import annotations

from cyberkg.analysis.catalogue import catalogue
from cyberkg.core import paths

HEAD = """# The query catalogue

One question per `.rq` file, each valid SPARQL 1.1 with a grlc-style `#+` header (summary, description,
tags, defaults). `checks/*-violation.rq` are quality checks: each must return zero rows (`cyberkg
validate`, CI); `checks/*-warning.rq` list what a curator should look at.

## Run the catalogue in another tool

Every file runs **unchanged** in any SPARQL 1.1 store or tool (Oxigraph, Fuseki, GraphDB, YASGUI,
rdflib, grlc) and gives the rows `cyberkg query NAME` gives with its defaults, on the graph exported
with its derived triples:

```sh
cyberkg export --derived -o cyberkg.ttl      # data + ontology + the build-time derivations
```

Load `cyberkg.ttl` into the store's default graph, paste a `.rq` file into the query editor and run
it. The derived triples (each actor's side, each instrument's party sides, effective start and end
dates, goal ancestors, the goals each instrument serves) are what the gap, instrument and incident
queries join on: without `--derived` they answer nothing. A test loads this export into a fresh
pyoxigraph store and into rdflib, runs every file as it stands and compares the rows with `cyberkg
query`.

From Python, SPARQLWrapper 2.0 guesses a query's form from its text but removes only every other
line of a block of `#` comments, so a header word such as "addresses" makes it send the query as an
ADD update: set `sw.queryType = SELECT` (or CONSTRUCT) after `setQuery` (`tests/test_serve.py`).

## Parameters

Parameters follow grlc's naming (`?__name` optional, with `_iri` or `_xsd_date`, `_xsd_boolean`, …
for the type), and each one's default is written in the query itself:

```sparql
BIND(COALESCE(?__asOf_xsd_date, "2020-11-26"^^xsd:date) AS ?asOf)   # the rest of the query uses ?asOf
```

| in the query | `cyberkg query NAME -p …` | grlc API parameter |
|---|---|---|
| `?__asOf_xsd_date` | `asOf=2024-01-01` or `asOf=today` | `asOf=2024-01-01` |
| `?__sideA_iri` | `sideA=kg:side/us` (a full IRI or a known prefix) | `sideA=https://…` |
| `?__countDialogues_xsd_boolean` | `countDialogues=true` | `countDialogues=true` |

- **Another tool** binds nothing: the default applies. To ask another question, edit the default in
  the `BIND(COALESCE(…))` line (or add `VALUES ?__asOf_xsd_date { "2024-01-01"^^xsd:date }` at the top
  of the `WHERE` group).
- **cyberkg** binds `?__name…` with a `VALUES` block at the top of the `WHERE` group — the value
  parsed into a typed RDF term, never spliced into the text — the same on the embedded store and on a
  remote endpoint.
- **grlc** serves the folder as an API (one operation per file, a parameter per `?__name…`, the
  defaults from the header) and substitutes the value it is given for `?__name…`. Point it at your
  endpoint with grlc's `endpoint.txt` or its `?endpoint=` argument.
- A default of `today` is written `STRDT(SUBSTR(STR(NOW()), 1, 10), xsd:date)`: the date on the store's
  clock (UTC on Oxigraph). grlc shows the header's word `today` as the default; sent as it is, grlc
  would write it as a date (`"today"^^xsd:date`) and the query finds nothing: leave the field empty
  (the query's own default applies) or give a date.
- The `#+ defaults:` header says what the file says (a query whose two defaults disagree is an error).

Rule for query authors: write each parameter once, in its `BIND(COALESCE(?__name…, default) AS ?name)`
line at the top of the `WHERE` group, and use `?name` elsewhere; `?name` may appear in triple patterns
anywhere, but in `FILTER`/`BIND` only in the top-level group or inside `(NOT) EXISTS`, and never inside
a sub-select. Every query has an `ORDER BY`.

## Portability rules (Oxigraph, Jena, Virtuoso)

Every file gives the same rows on the embedded store, Oxigraph server, Apache Jena (ARQ, TDB2) and
OpenLink Virtuoso 7.2; `tests/test_store_matrix.py` runs the whole catalogue, with default and with set
parameters, on each. What each rule avoids was seen on one of them:

1. **No `UNION` inside `FILTER (NOT) EXISTS`** (Virtuoso ignores the match of any branch but one):
   write one `FILTER NOT EXISTS { … }` per alternative (`NOT (A || B)` = `NOT A && NOT B`).
2. **A `(NOT) EXISTS` sees only the variables bound in its own group**: inside a `UNION` branch or an
   `OPTIONAL`, bind the variable it tests in that same branch (`{ ?i a :X . FILTER NOT EXISTS { ?i :p ?v } }`),
   never rely on the outer pattern (on Oxigraph and Jena such a check can never fire).
3. **No function around an aggregate inside a sub-select** (`COALESCE(GROUP_CONCAT(…))`: Virtuoso
   SQ156): project the plain aggregate (`(GROUP_CONCAT(…) AS ?x)`) and combine it outside, in a `BIND`.
4. **No aggregate over a group that may be empty** (`GROUP_CONCAT` of nothing is `""` on Virtuoso,
   unbound elsewhere): aggregate only over solutions that exist — put the sub-select in an `OPTIONAL`
   (`OPTIONAL { SELECT ?i (GROUP_CONCAT(?c) AS ?cs) WHERE { ?i :p ?c } GROUP BY ?i }`) and give the
   default outside (`BIND(COALESCE(?cs, "none") AS ?sides)`).
5. **`EXISTS` only directly in a `FILTER`, or as the whole expression of a `BIND`**; never combine
   `EXISTS` values with `&&`/`||` in another `BIND` (Virtuoso SQ074) — use `IF(?a, ?b, false)` — and
   never project a boolean: Virtuoso returns `1`/`0` integers; project a string or a count instead.
6. **Compare computed strings with string functions** (`STRENDS(CONCAT(".", ?host), ".doi.org")`),
   not with `!=` next to a `FILTER NOT EXISTS` (Virtuoso dropped the filter).
7. **At most 10,000 rows** from any query an analysis runs: Virtuoso's stock `ResultSetMaxRows`
   cuts larger answers (cyberkg then stops with an error); aggregate in the query, or page it.
8. **Sub-selects sorted for `GROUP_CONCAT`**: the order of concatenated values comes from an inner
   `SELECT DISTINCT … ORDER BY` (all three engines keep it); write no order-dependent logic beyond that.
9. **Parameters** as above: one `BIND(COALESCE(?__name…, default) AS ?name)` each, at the top of the
   `WHERE` group, `?__name…` nowhere else: on a remote endpoint cyberkg puts the parsed, typed term in
   place of the `?__name…` variable (a token, never text), so the store runs the file's own shape.
10. **A `*` path towards a constant inside `(NOT) EXISTS` or `MINUS`** (`?c rdfs:subClassOf* :Actor`)
   misses its zero-length match on Virtuoso: test the node itself and the `+` path in two filters
   (`FILTER NOT EXISTS { ?v a :Actor } FILTER NOT EXISTS { ?v a ?c . ?c rdfs:subClassOf+ :Actor }`).
11. **Virtuoso refuses a query whose estimated cost exceeds 400 s** (stock `MaxQueryCostEstimationTime`;
   the estimate, not the run time): many nested `EXISTS` joined by `&&` in one `FILTER` reach it
   on the full record (the gap queries of the #15 rewrite: 430–853 s estimated; the earlier forms
   ran in 0.1–3 s). The estimate depends on the data: the matrix test says whether a query passes.
12. **Inside an `OPTIONAL`, a `(NOT) EXISTS` or `FILTER` sees only the `OPTIONAL`'s own variables on
   Virtuoso** (with a `BIND`-made outer variable it dropped every row; with a triple-bound one it
   tested nothing): bind them again inside it (`OPTIONAL { … ?thisSide a cyber:Side . FILTER NOT
   EXISTS { ?party cyber:hasSide ?thisSide } }`) — the left join matches them with the outer ones.

This file is generated from the headers (`python -m cyberkg.analysis.catalogue_doc`); a test fails when it drifts.

| query | question | parameters (defaults) |
|---|---|---|
"""


def render() -> str:
    rows = []
    for q in catalogue():
        params = ", ".join(
            f"`{p.name}`" + (f" ({p.default})" if p.default is not None else "") + (" required" if p.required else "")
            for p in sorted(q.params.values(), key=lambda p: p.name))
        rows.append(f"| `{q.name}` | {q.summary} | {params} |")
    return HEAD + "\n".join(rows) + "\n"


def main() -> None:
    (paths.queries_dir() / "README.md").write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
