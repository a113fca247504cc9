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
