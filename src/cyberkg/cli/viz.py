"""``cyberkg viz``: write one self-contained interactive HTML view of the graph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cyberkg.core.errors import QueryError

DEFAULT_OUT = "cyberkg-view.html"


def _empty_warnings(ds: Any, report: Any) -> list[str]:
    """Why a gap view is empty (cyberkg.analysis.empty), or nothing."""
    if report.gaps or report.covered:
        return []
    from cyberkg.analysis.empty import goals_per_side, pair_warnings, side_labels

    first = str((report.coverage or {}).get("first_source") or "")[:10] or None
    return pair_warnings(goals_per_side(ds, report.as_of), list(report.sides), report.as_of, 0, first,
                         side_labels(ds))


def build_view(
    ds: Any,
    as_of: str | None = None,
    gaps: bool = False,
    focus: str | None = None,
    depth: int = 1,
    query: str | None = None,
    params: dict[str, str] | None = None,
    sides: str = "EU,US",
    count_dialogues: bool = False,
    lang: str | None = None,
) -> tuple[Any, str, str]:
    """The networkx graph of one view, its title and a one-line description."""
    from cyberkg.views import network

    chosen = [name for name, on in (("--gaps", gaps), ("--focus", focus), ("--query", query)) if on]
    if len(chosen) > 1:
        raise QueryError(f"choose one view: {' and '.join(chosen)} cannot be combined")
    if gaps:
        from cyberkg.analysis.gaps import find_gaps

        report = find_gaps(ds, as_of or "2020-11-26", sides.split(","), count_dialogues, lang=lang)
        from cyberkg.views.gap_view import gap_picture

        full = network.to_networkx(ds, as_of=report.as_of, lang=lang)
        g = gap_picture(full, report, ds)
        lang_note(ds, g, lang)
        warnings = _empty_warnings(ds, report)
        g.graph.setdefault("notes", []).extend(f"warning: {w}" for w in warnings)
        return (
            g,
            f"Gaps {' vs '.join(report.sides)}: {len(report.gaps)} shared goal(s) without a joint instrument, "
            f"{g.graph['covered']} covered",
            " ".join(["Warning: " + w for w in warnings] + [report.rule]),
        )
    full = network.to_networkx(ds, as_of=as_of, lang=lang)
    lang_note(ds, full, lang)
    if focus:
        g = network.focus(full, focus, depth)
        label = g.nodes[g.graph["focus"]]["label"]
        return g, f"Around {label}", f"Records within {depth} link(s) of {g.graph['focus']}."
    if query:
        name, rows = _run_query(ds, query, params or {})
        if not {"s", "p", "o"} <= set(rows.vars):
            raise QueryError(
                f"{name}: a view needs a CONSTRUCT or a SELECT ?s ?p ?o query "
                f"(this one returns {', '.join(rows.vars) or 'nothing'})"
            )
        triples = [
            (r["s"], r["p"], r["o"]) for r in rows.rows if r.get("s") is not None and r.get("o") is not None
        ]
        g = network.query_subgraph(full, triples)
        return (
            g,
            f"Query {name}",
            f"{len(triples)} triple(s) returned; the records they name and their links.",
        )
    return full, "cyberkg: the whole graph", "Every record and relationship in the curated record."


def lang_note(ds: Any, g: Any, lang: str | None) -> str | None:
    """When ``lang`` has no label at all in the graph, say so (in the view's notes) and return the text."""
    import re

    from cyberkg.core.labels import DEFAULT, current

    want = current(lang)
    if want == DEFAULT or not re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{1,8})*", want):
        return None
    ask = (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        f"ASK {{ {{ ?s rdfs:label ?l }} UNION {{ ?s skos:prefLabel ?l }} FILTER(LANGMATCHES(LANG(?l), {want!r})) }}"
    )
    try:
        found = bool(ds.query(ask).askAnswer)
    except Exception:  # an endpoint without ASK support: say nothing rather than guess
        return None
    if found:
        return None
    text = f"no labels in language {want!r} in this graph: labels shown in English"
    g.graph["notes"] = [*g.graph.get("notes", []), text]
    return text


def _run_query(ds: Any, query: str, params: dict[str, str]) -> tuple[str, Any]:
    """A catalogue query or .rq file (parameters bound); a file without a grlc header runs as it is."""
    from cyberkg.analysis.catalogue import find, result_rows, run

    path = Path(query)
    if path.is_file() and "#+" not in (text := path.read_text(encoding="utf-8")):
        if params:
            raise QueryError(f"{path}: --param needs a query with a '#+' header naming its parameters")
        from cyberkg.analysis.catalogue import refuse_service

        refuse_service(text, str(path))
        try:
            return path.stem, result_rows(ds.query(text))
        except Exception as exc:  # parser/evaluation errors from either engine
            raise QueryError(f"{path}: the query failed: {exc}") from exc
    q = find(query)
    return q.name, run(q, ds, params)


@click.command("viz")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"HTML file to write (default build/{DEFAULT_OUT}).",
)
@click.option("--as-of", "as_of", default=None, help="Show the graph at a date (YYYY-MM-DD or 'today').")
@click.option(
    "--gaps",
    is_flag=True,
    help="Shared goals with no joint instrument, their pursuers and each side's "
    "own instruments (date: --as-of, default 2020-11-26).",
)
@click.option("--sides", default="EU,US", show_default=True, help="The two sides a --gaps view compares.")
@click.option(
    "--count-dialogues", is_flag=True, help="In --gaps, count dialogues and fora as joint instruments."
)
@click.option(
    "--focus",
    metavar="NAME",
    help="Neighbourhood of one record: a slug (enisa), kind/slug, a label, an alias, an identifier or an IRI; "
    "an ambiguous name lists the candidates.",
)
@click.option(
    "--depth", default=1, show_default=True, type=click.IntRange(0, 10), help="Links around --focus."
)
@click.option("--query", metavar="FILE", help="The subgraph a CONSTRUCT (or SELECT ?s ?p ?o) query returns.")
@click.option(
    "--param", "-p", "params", multiple=True, metavar="NAME=VALUE", help="Bind a --query parameter."
)
@click.option(
    "--timeline",
    is_flag=True,
    help="Instruments over time by side and function: standing ones as spans, events as points "
    "(up to --as-of when given).",
)
@click.option("--title", default=None, help="Page title.")
@click.option(
    "--png",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write a PNG picture of the view as it opens (1600x1000, headless Chromium).",
)
@click.option(
    "--svg",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write an SVG of the network drawing as it opens (vector; not for --timeline).",
)
@click.option(
    "--layout",
    type=click.Choice(["auto", "physics", "precomputed"]),
    default="auto",
    show_default=True,
    help="auto: physics until stable for small views, a precomputed layout for big ones.",
)
@click.option("--lang", envvar="CYBERKG_LANG", default=None, metavar="LANG",
              help="Language of labels in the view, e.g. de or fr (also CYBERKG_LANG); English where missing.")
@click.option(
    "--endpoint",
    envvar="CYBERKG_ENDPOINT",
    default=None,
    metavar="URL",
    help="Read from a SPARQL 1.1 endpoint instead of the embedded store (also CYBERKG_ENDPOINT).",
)
def viz(
    output: Path | None,
    as_of: str | None,
    gaps: bool,
    sides: str,
    count_dialogues: bool,
    focus: str | None,
    depth: int,
    query: str | None,
    params: tuple[str, ...],
    timeline: bool,
    title: str | None,
    png: Path | None,
    svg: Path | None,
    layout: str,
    lang: str | None,
    endpoint: str | None,
) -> None:
    """Write ONE self-contained interactive HTML view (opens from disk, no network): search, filters by
    kind, side and relation, details with source links."""
    from cyberkg.cli.main import _params, open_source
    from cyberkg.core import paths
    from cyberkg.views.network import parse_as_of
    from cyberkg.views.viz import write_view

    if as_of is not None:
        as_of = parse_as_of(as_of).isoformat()  # type: ignore[union-attr]
    if timeline:
        chosen = [name for name, on in (("--gaps", gaps), ("--focus", focus), ("--query", query)) if on]
        if chosen:
            raise QueryError(f"choose one view: --timeline and {chosen[0]} cannot be combined")
        from cyberkg.views.timeline import write_timeline

        out = output or paths.build_dir() / "cyberkg-timeline.html"
        codes = tuple(s.strip().upper() for s in sides.split(","))
        info = write_timeline(open_source(endpoint), out, as_of, codes, lang, title)
        click.echo(f"wrote {info.path} ({info.nodes} instruments, {info.bytes:,} bytes)", err=True)
        if svg is not None:
            raise QueryError("--svg draws network views; write the timeline with --png")
        if png is not None:
            from cyberkg.views.snapshot import snapshot

            click.echo(f"wrote {png} ({snapshot(info.path, png):,} bytes, the view as it opens)", err=True)
        return
    graph, heading, description = build_view(
        open_source(endpoint), as_of, gaps, focus, depth, query, _params(params), sides, count_dialogues, lang
    )
    for note in graph.graph.get("notes", []):
        if note.startswith("no labels in language"):
            click.echo(f"note: {note}", err=True)
        elif note.startswith("warning: "):
            click.echo(note, err=True)
    if graph.number_of_nodes() == 0:
        click.echo("warning: the view is empty: nothing in the record matches (a date before the record starts, "
                   "a query with no row?)", err=True)
    out = output or paths.build_dir() / DEFAULT_OUT
    info = write_view(graph, out, title or heading, graph.graph.get("as_of"), description, layout)
    if str(out) == "-":
        return
    click.echo(
        f"wrote {info.path} ({info.nodes} nodes, {info.edges} edges, {info.bytes:,} bytes, "
        f"{info.layout} layout)",
        err=True,
    )
    for picture, what in ((png, "PNG"), (svg, "SVG")):
        if picture is not None:
            from cyberkg.views.snapshot import snapshot

            if what == "SVG" and not str(picture).lower().endswith(".svg"):
                raise QueryError(f"--svg {picture}: the file name must end in .svg")
            if what == "PNG" and str(picture).lower().endswith(".svg"):
                raise QueryError(f"--png {picture}: use --svg for an SVG")
            size = snapshot(info.path, picture)
            click.echo(f"wrote {picture} ({size:,} bytes, the view as it opens)", err=True)


COMMANDS = [viz]
