"""Shared fixtures: a tiny invented record (tests/data/tiny) with the real ontology, vocabularies
and query catalogue, built on both embedded backends."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TINY = Path(__file__).resolve().parent / "data" / "tiny"


def make_home(base: Path, graph_src: Path = TINY / "graph") -> Path:
    """A CYBERKG_HOME with the real ontology and queries and a copy of ``graph_src``."""
    home = base / "home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "ontology").symlink_to(ROOT / "ontology")
    (home / "queries").symlink_to(ROOT / "queries")
    shutil.copytree(graph_src, home / "graph")
    shutil.copytree(ROOT / "graph" / "vocab", home / "graph" / "vocab", dirs_exist_ok=True)
    (home / "pyproject.toml").write_text("")
    return home


@pytest.fixture
def tiny_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = make_home(tmp_path)
    monkeypatch.setenv("CYBERKG_HOME", str(home))
    monkeypatch.setenv("CYBERKG_BUILD_DIR", str(tmp_path / "build"))
    return home


@pytest.fixture(scope="session")
def tiny_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    base = tmp_path_factory.mktemp("tiny")
    home = make_home(base)
    old = {k: os.environ.get(k) for k in ("CYBERKG_HOME", "CYBERKG_BUILD_DIR")}
    os.environ["CYBERKG_HOME"] = str(home)
    os.environ["CYBERKG_BUILD_DIR"] = str(base / "build")
    yield home
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session", params=["oxigraph", "memory"])
def tiny_ds(request: pytest.FixtureRequest, tiny_env: Path):  # type: ignore[no-untyped-def]
    """The tiny record built on each embedded backend."""
    from cyberkg import store

    ds, _ = store.build(backend=request.param)
    return ds


@pytest.fixture(scope="session")
def tiny_ox(tiny_env: Path):  # type: ignore[no-untyped-def]
    from cyberkg import store

    ds, _ = store.build(backend="oxigraph")
    return ds


@pytest.fixture(scope="session")
def real_ds(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The shipped record, built into a temporary folder (never the user's build/)."""
    from cyberkg import store

    old = os.environ.pop("CYBERKG_HOME", None)
    try:
        ds, _ = store.build(tmp_path_factory.mktemp("real") / "store")
    finally:
        if old is not None:
            os.environ["CYBERKG_HOME"] = old
    return ds
