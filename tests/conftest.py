"""Shared fixtures: a tiny invented record (tests/data/tiny) with the real ontology, vocabularies
and query catalogue, built on both embedded backends."""

from __future__ import annotations

import contextlib
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
def tiny_session_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny CYBERKG_HOME for the session (the environment is not touched here)."""
    return make_home(tmp_path_factory.mktemp("tiny"))


@contextlib.contextmanager
def env(**values: str) -> Iterator[None]:
    """Set environment variables for the block only, whatever it raises."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture
def tiny_env(tiny_session_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The tiny record as CYBERKG_HOME for one test (undone after it)."""
    monkeypatch.setenv("CYBERKG_HOME", str(tiny_session_home))
    monkeypatch.setenv("CYBERKG_BUILD_DIR", str(tmp_path / "build"))
    return tiny_session_home


def _build_tiny(home: Path, backend: str, build: Path):  # type: ignore[no-untyped-def]
    from cyberkg import store

    with env(CYBERKG_HOME=str(home), CYBERKG_BUILD_DIR=str(build)):
        ds, _ = store.build(backend=backend)
    return ds


@pytest.fixture(scope="session", params=["oxigraph", "memory"])
def tiny_ds(request: pytest.FixtureRequest, tiny_session_home: Path,
            tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The tiny record built on each embedded backend (once per session)."""
    return _build_tiny(tiny_session_home, request.param, tmp_path_factory.mktemp("tiny-build"))


@pytest.fixture(scope="session")
def tiny_ox(tiny_session_home: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return _build_tiny(tiny_session_home, "oxigraph", tmp_path_factory.mktemp("tiny-ox"))


@pytest.fixture(scope="session")
def real_ds(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The shipped record, built into a temporary folder (never the user's build/)."""
    from cyberkg import store

    with env(CYBERKG_HOME=str(ROOT)):
        ds, _ = store.build(tmp_path_factory.mktemp("real") / "store")
    return ds
