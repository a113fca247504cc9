"""What the benchmark does on one backend: load, derive, queries, exports, gap-query formulations.

Three backends, the same SPARQL text on each:

* ``memory``: ``store.new_dataset("memory")`` — rdflib's store and engine;
* ``oxigraph``: ``store.new_dataset("oxigraph")`` — Oxigraph through oxrdflib (the default);
* ``pyoxigraph``: a bare ``pyoxigraph.Store``, queried with ``store.query(text)``.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rdflib import Graph

from cyberkg import queries
from cyberkg.core.namespaces import G_CURATED, G_DERIVED, G_ONTOLOGY, G_VOCAB

BACKENDS = ("memory", "oxigraph", "pyoxigraph")
HEADLINE = "gaps/shared-goals-without-joint-instrument"
AGGREGATE = "instruments/joint-instruments-by-type-and-year"
FORMULATIONS_DIR = Path(__file__).resolve().parent / "formulations"
FORMULATIONS = ("catalogue", "catalogue, one VALUES row", "nested-not-exists", "minus", "optional-not-bound",
                "joins-group-by")


class Backend:
    """A loaded store on one backend, answering SPARQL text with rows of plain strings."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.ds: Any = None
        self.ox: Any = None

    def load(self, graphs: dict[str, Graph], nt: dict[str, bytes], curated_nt: Any = None) -> dict[str, float]:
        """Load the curated graph (+ ontology, vocab) and derive; seconds for each step. On the
        Oxigraph backend the curated triples are ``curated_nt`` (``map_catalog_nt``'s N-Triples)
        when given, as ``store.build`` loads them; rdflib memory always gets the ``Graph``."""
        from cyberkg import store
        from cyberkg.store.derive import derive

        timing: dict[str, float] = {}
        if self.name == "pyoxigraph":
            import pyoxigraph as ox

            self.ox = ox.Store()
            t0 = time.perf_counter()
            for key, gname in (("curated", G_CURATED), ("ontology", G_ONTOLOGY), ("vocab", G_VOCAB)):
                self.ox.bulk_load(nt[key], format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(gname)))
            timing["load"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            derive(store.adapter.wrap(self.ox))  # the same derivations, run by Oxigraph on the bare store
            timing["derive"] = time.perf_counter() - t0
            return timing
        self.ds = store.new_dataset(self.name)
        t0 = time.perf_counter()
        curated = curated_nt if curated_nt is not None and self.name == "oxigraph" else graphs["curated"]
        store.populate(self.ds, curated, graphs["ontology"], graphs["vocab"], derive=False)
        timing["load"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        derive(self.ds)
        timing["derive"] = time.perf_counter() - t0
        return timing

    def select(self, text: str) -> list[tuple[str, ...]]:
        if self.ox is not None:
            res = self.ox.query(text, use_default_graph_as_union=True)
            return [tuple("" if v is None else str(v.value) for v in row) for row in res]
        return [tuple("" if v is None else str(v) for v in row) for row in self.ds.query(text)]

    def export_turtle(self) -> int:
        if self.ox is not None:
            import pyoxigraph as ox

            return len(ox.serialize(self._data_triples(), format=ox.RdfFormat.TURTLE))
        from cyberkg.export.rdf import serialize

        return len(serialize(self.ds, "turtle"))

    def export_nt(self) -> int:
        if self.ox is not None:
            import pyoxigraph as ox

            data = ox.serialize(self._data_triples(), format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
            return len(("\n".join(sorted(set(data.splitlines()))) + "\n").encode("utf-8"))
        from cyberkg.export.rdf import serialize

        return len(serialize(self.ds, "nt"))

    def _data_triples(self) -> Any:
        text = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{G_DERIVED}>) }}"
        return self.ox.query(text)


def bound_text(name: str, params: dict[str, str] | None = None) -> str:
    """A catalogue query (or a bench formulation) with its parameters bound the project's way."""
    if name in FORMULATIONS and name not in ("catalogue", "catalogue, one VALUES row"):
        q = queries.parse_query(FORMULATIONS_DIR / f"{name}.rq", name)
    else:
        q = queries.find(HEADLINE if name.startswith("catalogue") else name)
    init = queries.bindings(q, params or {})
    if name == "catalogue, one VALUES row":
        names = sorted(init)
        block = "VALUES (" + " ".join(f"?{n}" for n in names) + ") { (" + " ".join(
            init[n].n3() for n in names) + ") }"
        at = queries.where_brace(q.text) + 1
        return f"{q.text[:at]}\n  {block}\n{q.text[at:]}"
    text = queries.bind_values(q.text, init)
    if "MINUS {" in text:  # MINUS sees no outer binding: bind the parameters inside it too
        block = " ".join(f"VALUES ?{n} {{ {init[n].n3()} }}" for n in sorted(init))
        text = re.sub(r"MINUS \{", lambda _m: "MINUS {\n    " + block, text)
    return text


def repeat(fn: Callable[[], Any], runs: int, budget: float) -> dict[str, Any]:
    """Median of up to ``runs`` timed calls, stopping early once ``budget`` seconds are spent."""
    times: list[float] = []
    result: Any = None
    spent = 0.0
    while len(times) < runs and (not times or spent < budget):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        spent += times[-1]
    return {"median": statistics.median(times), "runs": len(times), "times": times, "result": result}
