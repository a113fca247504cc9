"""The tiny record plus tests/data/tiny-report (a gap closed by an instrument entering into force,
one reopened by an instrument struck down, feasible actions, uncertain facts), built once."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from conftest import TINY, env, make_home

EXTRA = Path(__file__).resolve().parent / "data" / "tiny-report" / "graph"


def make_report_home(base: Path) -> Path:
    home = make_home(base, TINY / "graph")
    for f in sorted(EXTRA.glob("*.yaml")):
        shutil.copy(f, home / "graph" / f.name)
    return home


def build_report_ds(base: Path, backend: str = "oxigraph") -> Any:
    from cyberkg import store

    home = make_report_home(base)
    with env(CYBERKG_HOME=str(home), CYBERKG_BUILD_DIR=str(base / "build")):
        ds, _ = store.build(backend=backend)
    return ds
