"""The synthetic record written as YAML files, as a user's ``graph/`` folder would hold it.

    .venv/bin/python bench/user_record.py --triples 240k --out build/bench/user-home

writes ``<out>/graph/*.yaml`` (the synthetic catalogue of :mod:`bench.synthetic`, one file per
kind of record) and copies ``ontology/``, ``queries/`` and ``graph/vocab/`` from the checkout, so
``CYBERKG_HOME=<out> cyberkg build`` reads it like the shipped record. The user-level benchmark
(:mod:`bench.user_bench`) then times each command as a whole process.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import generate
from cyberkg.record.schema import SECTIONS, Catalog, PartialDate, Ref

ROOT = Path(__file__).resolve().parents[1]


def plain(value: Any) -> Any:
    """A record value as the YAML the loader reads back."""
    if isinstance(value, PartialDate):
        return value.text
    if isinstance(value, Ref):
        if value.sources or value.confidence or value.note:
            out: dict[str, Any] = {"id": value.id}
            if value.sources:
                out["sources"] = list(value.sources)
            if value.confidence:
                out["confidence"] = value.confidence
            if value.note:
                out["note"] = value.note
            return out
        return value.id
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if not k.startswith("_")}
    return value


def write_yaml(catalog: Catalog, graph_dir: Path) -> dict[str, int]:
    """One YAML file per kind of record under ``graph_dir``; returns records per kind."""
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    graph_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for section, kind in SECTIONS.items():
        recs = catalog.all(kind)
        if not recs:
            continue
        items = [plain(r.values) for r in recs]
        text = yaml.dump({section: items}, Dumper=dumper, sort_keys=False, allow_unicode=True, width=1000)
        (graph_dir / f"synthetic-{section}.yaml").write_text(text, encoding="utf-8")
        counts[kind] = len(recs)
    return counts


def make_home(out: Path, triples: int, seed: int = 7) -> dict[str, Any]:
    """A CYBERKG_HOME at ``out`` holding the synthetic record of about ``triples`` curated triples."""
    if out.exists():
        shutil.rmtree(out)
    for sub in ("ontology", "queries"):
        shutil.copytree(ROOT / sub, out / sub)
    shutil.copytree(ROOT / "graph" / "vocab", out / "graph" / "vocab")
    (out / "pyproject.toml").write_text("")
    syn = generate(triples, seed)
    counts = write_yaml(syn.catalog, out / "graph")
    return {"records": counts, "expected_gaps": len(syn.expected_gaps())}


def main(argv: list[str] | None = None) -> int:
    from bench.synthetic import SIZES

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", default="240k", help="a size (e.g. 240k, 1M) or a number of curated triples")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "bench" / "user-home")
    args = ap.parse_args(argv)
    n = SIZES.get(args.triples) or int(args.triples.replace("k", "000").replace("M", "000000"))
    print(make_home(args.out, n, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
