"""What the brief reads from the store and the build folder (the I/O half of
:mod:`cyberkg.analysis.brief`): side labels, the authority of every source and the vocabulary
labels (catalogue queries, on the embedded store or an endpoint), the import layers of the build
and a fingerprint of ``graph/``; the curated record alone for ``--curated-only``; and
:func:`build`, the report data with its brief."""

from __future__ import annotations

from typing import Any

from cyberkg.analysis import catalogue as queries
from cyberkg.analysis.brief import Context, enrich, layer_changes
from cyberkg.core.output import plain

TYPE_SCHEME = "https://w3id.org/cyberkg/vocab/instrument-type/"


def read_context(ds: Any) -> Context:
    """Side labels, the authority of every source and the type labels, from the catalogue (runs on
    the embedded store and on an endpoint alike)."""
    from cyberkg.analysis.empty import side_labels

    ctx = Context(side_labels=side_labels(ds))
    for r in queries.run(queries.find("report/official-sources"), ds).rows:
        official = str(plain(r["official"])).lower() == "true"
        news = str(plain(r["news"])).lower() == "true"
        ctx.source_rank[str(r["source"])] = 2 if news else 0 if official else 1
    for r in queries.run(queries.find("report/vocabulary-labels"), ds).rows:
        iri = str(r["concept"])
        if iri.startswith(TYPE_SCHEME):
            ctx.type_labels.setdefault(iri[len(TYPE_SCHEME):], str(plain(r["label"])))
    return ctx


def record_inputs(ds: Any, curated_only: bool = False) -> dict[str, Any]:
    """What the store holds beyond the curated record: the import layers (name, file, hash, triples)
    from the layer index of the embedded store; and the record's fingerprint (the graph/ files)."""
    import hashlib

    from cyberkg.core import paths

    out: dict[str, Any] = {"curated_only": curated_only, "layers": []}
    h = hashlib.sha256()
    folder = paths.graph_dir()
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".yaml", ".ttl"))
    for f in files:
        h.update(str(f.relative_to(folder)).encode())
        h.update(f.read_bytes())
    if files:
        out["record"] = h.hexdigest()[:12]
    if getattr(ds, "endpoint", None) is not None or curated_only:
        return out
    try:
        from cyberkg.store.layers import read_index

        index = read_index()
    except Exception:  # no build folder (a memory store): no layers
        index = {}
    out["layers"] = [{"name": i.name, "file": i.file, "sha256": i.sha256, "triples": i.triples}
                     for i in sorted(index.values(), key=lambda i: i.name)]
    return out


def curated_dataset() -> Any:
    """The curated record alone (no import layer), built in memory on Oxigraph and derived."""
    from cyberkg.core import paths
    from cyberkg.record.loaders import load_catalog
    from cyberkg.record.mapping import map_catalog_nt
    from cyberkg.store.backend import new_dataset, ontology_graph, read_turtle_dir
    from cyberkg.store.built import populate

    ds = new_dataset("oxigraph")
    populate(ds, map_catalog_nt(load_catalog()), ontology_graph(), read_turtle_dir(paths.graph_dir() / "vocab"))
    return ds


def build(ds: Any, as_of: str = "today", sides: list[str] | tuple[str, str] = ("EU", "US"),
          count_dialogues: bool = False, lang: str | None = None, curated_only: bool = False,
          **model: Any) -> dict[str, Any]:
    """The report data with the brief: on ``ds``, or on the curated record alone (``curated_only``).
    With import layers in the store, each goal whose status they change is named. ``model``:
    ``event_window``, ``min_commitment``, ``bilateral_only`` (as for the gaps)."""
    from cyberkg.analysis.empty import goals_per_side
    from cyberkg.analysis.report import build_report
    from cyberkg.analysis.snapshot import on_thread

    source = curated_dataset() if curated_only else ds
    context = on_thread(source, "cyberkg-brief", read_context, source)  # read meanwhile (the embedded store)
    report = build_report(source, as_of, list(sides), count_dialogues, lang=lang, **model)
    ctx = context.result() if context is not None else read_context(source)
    ctx.inputs = record_inputs(ds, curated_only)
    ctx.goals_per_side = goals_per_side(source, report["as_of"])
    if ctx.inputs.get("layers") and not curated_only:
        curated = build_report(curated_dataset(), as_of, list(sides), count_dialogues, lang=lang, **model)
        ctx.layer_changes = layer_changes(report, curated)
        changed = {c["goal"] for c in ctx.layer_changes}
        report = {**report, "goals": [{**g, "changed_by_layers": g["goal"] in changed} for g in report["goals"]]}
    return enrich(report, ctx)


__all__ = ["build", "curated_dataset", "read_context", "record_inputs"]
