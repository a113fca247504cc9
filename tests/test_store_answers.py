"""Answers kept with a store version (store/answers.py): the same rows as a live run, never stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from cyberkg import store
from cyberkg.analysis import facts
from cyberkg.store import adapter, answers

ROOT = Path(__file__).resolve().parents[1]


def _live(ds: object, text: str) -> tuple[list[str], list[tuple[object, ...]]]:
    """The query run by the store itself (the kept answers switched off for this adapter)."""
    st = adapter.of(ds)
    kept = st.ds.store.answers
    st.ds.store.answers = None
    try:
        return st.select_values(text)
    finally:
        st.ds.store.answers = kept


def test_a_build_keeps_every_fact_query_and_a_hit_is_the_live_answer(tiny_env: Path, tmp_path: Path) -> None:
    ds, _ = store.build()
    try:
        version = (tmp_path / "build" / "store").resolve()
        texts = answers.texts()
        assert len(texts) == len(facts.FACT_QUERIES)
        assert len(list((version / answers.FOLDER).glob("*.json"))) == len(texts)
        for text in texts:
            hit = answers.lookup(version, text)
            assert hit is not None
            names, rows = hit
            live_names, live_rows = _live(ds, text)
            assert names == live_names and sorted(rows, key=repr) == sorted(live_rows, key=repr)
        assert any(answers.lookup(version, t)[1] for t in texts)  # type: ignore[index]  (not all empty)
    finally:
        store.release(ds)


def test_the_analysis_reads_the_same_facts_with_and_without_kept_answers(tiny_env: Path) -> None:
    ds, _ = store.build()
    try:
        with_kept = facts.load_facts(ds)
        adapter.of(ds).ds.store.answers = None
        assert facts.load_facts(ds) == with_kept
    finally:
        store.release(ds)


def test_a_changed_query_misses_and_runs_live(tiny_env: Path, tmp_path: Path) -> None:
    ds, _ = store.build()
    try:
        version = (tmp_path / "build" / "store").resolve()
        text = answers.texts()[0]
        assert answers.lookup(version, text + "\n# changed") is None
        # a kept file for another text (or a torn one) is never taken for this text
        path = next((version / answers.FOLDER).glob("*.json"))
        path.write_bytes(b'{"text": "something else", "names": [], "rows": []}')
        assert all(answers.lookup(version, t) is None or t != "something else" for t in answers.texts())
        path.write_bytes(b"{torn")
        assert sum(answers.lookup(version, t) is None for t in answers.texts()) == 1
        names, rows = adapter.of(ds).select_values(text)  # still answered (live where the file is bad)
        assert (names, sorted(rows, key=repr)) == (lambda r: (r[0], sorted(r[1], key=repr)))(_live(ds, text))
    finally:
        store.release(ds)


def test_an_import_makes_a_version_with_its_own_answers(tiny_env: Path, tmp_path: Path) -> None:
    from cyberkg.importers import import_files

    ds, _ = store.build()
    store.release(ds)
    before = (tmp_path / "build" / "store").resolve()
    kept_before = {t: answers.lookup(before, t) for t in answers.texts()}
    import_files([ROOT / "tests" / "data" / "import" / "eu-us-umbrella.ttl"], build_dir=tmp_path / "build")
    after = (tmp_path / "build" / "store").resolve()
    assert after != before
    ds = store.open_built()
    try:
        for text in answers.texts():
            hit = answers.lookup(after, text)
            assert hit is not None
            live = _live(ds, text)
            assert hit[0] == live[0] and sorted(hit[1], key=repr) == sorted(live[1], key=repr)
        # the layer's instrument is in the new version's answers: recomputed, not copied
        assert any(answers.lookup(after, t) != kept_before[t] for t in answers.texts())
    finally:
        store.release(ds)


@pytest.mark.parametrize("name", ["instrument-records", "goal-pursuits"])
def test_kept_texts_are_the_texts_the_analysis_runs(name: str) -> None:
    assert facts._embedded_text(name) in answers.texts()


def test_a_home_without_the_fact_queries_still_builds(tiny_env: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    home = tmp_path / "home"
    shutil.copytree(tiny_env, home)
    for f in (home / "queries" / "report").glob("instrument-*.rq"):
        f.unlink()
    monkeypatch.setenv("CYBERKG_HOME", str(home))
    ds, _ = store.build()
    try:
        kept = list(((tmp_path / "build" / "store").resolve() / answers.FOLDER).glob("*.json"))
        assert 0 < len(kept) < len(facts.FACT_QUERIES)
    finally:
        store.release(ds)
