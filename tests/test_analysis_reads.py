"""The analysis reads a date once (DESIGN 2b, issue #20): the report's diff and a second look at the
same date reuse the snapshot kept with the facts, and the answers do not change."""

from __future__ import annotations

import pytest

import cyberkg.analysis.snapshot as snapshot
from cyberkg.analysis.diff import diff
from cyberkg.analysis.facts import load_facts
from cyberkg.analysis.gaps import find_gaps
from report_fixtures import build_report_ds


@pytest.fixture(scope="module")
def ds(tmp_path_factory):  # type: ignore[no-untyped-def]
    return build_report_ds(tmp_path_factory.mktemp("reads"), "oxigraph")


def test_one_snapshot_per_date_with_the_facts(ds, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls: list[tuple[str, bool]] = []
    real = snapshot.read

    def counting(ds_, as_of, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append((as_of, bool(args[-1] if len(args) >= 7 else kwargs.get("details", True))))
        return real(ds_, as_of, *args, **kwargs)

    monkeypatch.setattr(snapshot, "read", counting)
    facts = load_facts(ds)
    detailed = find_gaps(ds, "2025-01-01", facts=facts)
    plain = find_gaps(ds, "2025-01-01", details=False, facts=facts)  # answered by the detailed snapshot
    assert [g.goal for g in plain.gaps] == [g.goal for g in detailed.gaps]
    changes = diff(ds, "2020-11-26", "2025-01-01", facts=facts)  # reads 2020-11-26 only
    assert calls == [("2025-01-01", True), ("2020-11-26", False)]
    monkeypatch.setattr(snapshot, "read", real)
    assert changes.to_json() == diff(ds, "2020-11-26", "2025-01-01").to_json()  # the same answer, read afresh
    assert [g.goal for g in find_gaps(ds, "2025-01-01").gaps] == [g.goal for g in detailed.gaps]


def test_the_snapshot_reads_plain_values_on_the_embedded_store(ds, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """On the embedded store the snapshot's queries go through the store adapter (plain values, no
    rdflib term per cell), not the catalogue's rdflib results; the answer is the same."""
    from cyberkg.analysis import catalogue

    before = find_gaps(ds, "2025-01-01", facts=load_facts(ds)).to_json()

    def refused(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the snapshot ran a query through rdflib's results")

    monkeypatch.setattr(catalogue, "run", refused)
    params, flags = _bindings(ds, "2025-01-01")
    snap = snapshot.read(ds, "2025-01-01", ("EU", "US"), params, flags, 2, None, False)
    assert snap.gaps and snap.pursuers
    monkeypatch.undo()
    assert find_gaps(ds, "2025-01-01", facts=load_facts(ds)).to_json() == before


def test_the_snapshot_runs_its_queries_at_once_with_the_same_rows(ds, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The snapshot's queries run on two threads on the embedded store, and give the rows they give
    one after the other."""
    import threading

    params, flags = _bindings(ds, "2025-01-01")
    jobs = {name: {**params, **flags} for name in (snapshot.ONE_SIDE, snapshot.COVERED, snapshot.HEADLINE,
                                                  snapshot.PURSUERS, snapshot.RELATED)}
    threads: set[str] = set()
    real = snapshot._rows

    def seen(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.add(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(snapshot, "_rows", seen)
    together = snapshot.run_all(ds, jobs)
    assert threads and all(t.startswith("cyberkg-snapshot") for t in threads)
    monkeypatch.setattr(snapshot, "concurrent", lambda ds_: False)
    assert snapshot.run_all(ds, jobs) == together
    assert all(together.values())


def test_gaps_read_the_facts_while_the_snapshot_runs(ds, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """find_gaps without facts reads them on another thread (the embedded store), with the same answer."""
    import threading

    import cyberkg.analysis.facts as facts_mod

    where: list[str] = []
    real = facts_mod.load_facts

    def loading(ds_):  # type: ignore[no-untyped-def]
        where.append(threading.current_thread().name)
        return real(ds_)

    monkeypatch.setattr(facts_mod, "load_facts", loading)
    report = find_gaps(ds, "2025-01-01")
    assert len(where) == 1 and where[0].startswith("cyberkg-facts")
    assert report.to_json() == find_gaps(ds, "2025-01-01", facts=real(ds)).to_json()


def _bindings(ds, as_of):  # type: ignore[no-untyped-def]
    from cyberkg.analysis.gaps import CL, side_iris

    iris = side_iris(ds, ["EU", "US"])
    params = {"sideA": str(iris["EU"]), "sideB": str(iris["US"]), "asOf": as_of, "eventWindow": "2"}
    flags = {"countDialogues": "false", "minCommitment": CL + "operational", "bilateralOnly": "false"}
    return params, flags


def test_the_report_runs_its_other_queries_meanwhile_with_the_same_data(ds, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """build_report runs the matrix, claims and positions queries on other threads (the embedded
    store) and gives the data it gives with every query in turn."""
    import threading

    import cyberkg.analysis.report as report_mod

    names: list[str] = []
    real = report_mod._brief_claims

    def claims(*args):  # type: ignore[no-untyped-def]
        names.append(threading.current_thread().name)
        return real(*args)

    monkeypatch.setattr(report_mod, "_brief_claims", claims)
    together = report_mod.build_report(ds, "2025-01-01")
    assert len(names) == 1 and names[0].startswith("cyberkg-report")
    monkeypatch.setattr(report_mod, "concurrent", lambda ds_: False)
    monkeypatch.setattr(snapshot, "concurrent", lambda ds_: False)
    assert report_mod.build_report(ds, "2025-01-01") == together
    assert names[-1] == threading.current_thread().name


def test_the_brief_reads_its_context_meanwhile(ds, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """brief_data.build reads the brief's context on another thread (the embedded store), with the
    same data as read after the report."""
    import threading

    import cyberkg.analysis.brief_data as brief_data

    names: list[str] = []
    real = brief_data.read_context

    def reading(ds_):  # type: ignore[no-untyped-def]
        names.append(threading.current_thread().name)
        return real(ds_)

    monkeypatch.setattr(brief_data, "read_context", reading)
    together = brief_data.build(ds, "2025-01-01")
    assert names[0].startswith("cyberkg-brief")
    monkeypatch.setattr(snapshot, "concurrent", lambda ds_: False)
    assert brief_data.build(ds, "2025-01-01") == together
    assert names[-1] == threading.current_thread().name
