"""A writer's copy-on-write session commits the saved layers together with the new store version,
or not at all: an error (or a kill) before the commit leaves the saved layers as they were, and a
commit a killed process left half-done is finished by the next writer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cyberkg import store
from cyberkg.importers import import_files
from cyberkg.store import layers
from import_fixtures import DATA, setup_env

ELEMENTS = DATA / "system-map-elements.csv"


@pytest.fixture
def kg_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return setup_env(tmp_path, monkeypatch)


def saved(build: Path) -> dict[str, bytes]:
    folder = build / "layers"
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.is_dir() else {}


def test_an_error_after_the_layer_is_put_leaves_the_saved_layers_and_the_store_as_they_were(kg_env: Path) -> None:
    import_files([ELEMENTS], build_dir=kg_env)
    before, current = saved(kg_env), (kg_env / "store").resolve()
    with pytest.raises(RuntimeError, match="planted"), store.writing(kg_env) as ds:
        layers.remove(ds, "system-map", kg_env)
        assert "system-map" not in layers.read_index(kg_env)  # the session sees its own change
        raise RuntimeError("planted")
    assert saved(kg_env) == before
    assert (kg_env / "store").resolve() == current and store.is_fresh(kg_env / "store")
    assert "system-map" in layers.read_index(kg_env)


def test_a_commit_left_half_done_is_finished_by_the_next_writer(kg_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import_files([ELEMENTS], build_dir=kg_env)
    folder = kg_env / "layers"

    def killed(_folder: Path) -> None:  # the process dies right after writing the journal
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), store.writing(kg_env) as ds:
        layers.remove(ds, "system-map", kg_env)
        monkeypatch.setattr(layers, "_apply_journal", killed)  # after the session's own recovery
    monkeypatch.undo()
    assert store.is_fresh(kg_env / "store") is False  # the new version is current, its stamp the new one
    assert (folder / layers.JOURNAL).exists() and "system-map" in layers.read_index(kg_env)
    (folder / ".index.json.x1y2z3").write_bytes(b"half")  # a temporary file a kill left behind
    ds = store.open_built(kg_env / "store")  # the stamp is the new one, the index the old: rebuild, recover first
    assert layers.read_index(kg_env) == {}
    assert sorted(p.name for p in folder.iterdir()) == ["index.json"]
    assert len(layers.layer_graph(ds, "system-map")) == 0


def test_the_stamp_counts_the_layers_after_an_import(kg_env: Path) -> None:
    [out] = import_files([ELEMENTS], build_dir=kg_env)
    stamp = json.loads((kg_env / "store" / store.STAMP).read_text())
    assert stamp["triples"]["layers"] == out.triples and stamp["triples"]["derived"] > 0
