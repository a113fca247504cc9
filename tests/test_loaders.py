"""The loader: every error names file:line and what to do; bad input writes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cyberkg.core.errors import DataError
from cyberkg.record.loaders import load_catalog


def write(home: Path, text: str, name: str = "extra.yaml") -> Path:
    p = home / "graph" / name
    p.write_text(text, encoding="utf-8")
    return p


def problems(home: Path) -> list[str]:
    with pytest.raises(DataError) as info:
        load_catalog(home / "graph")
    return [str(p) for p in info.value.problems]


def test_tiny_record_loads(tiny_home: Path) -> None:
    cat = load_catalog(tiny_home / "graph")
    assert len(cat.records["instrument"]) == 9
    assert cat.records["goal"]["evidence"].get("broader").id == "cybercrime"


def test_yaml_syntax_error_names_file_and_line(tiny_home: Path) -> None:
    write(tiny_home, "actors:\n  - id: a\n    label: [unclosed\n")
    [msg] = problems(tiny_home)
    assert msg.startswith("graph/extra.yaml:") and "YAML syntax error" in msg


def test_unknown_id_gets_did_you_mean_with_line(tiny_home: Path) -> None:
    write(tiny_home, """instruments:
  - id: new-thing
    label: New thing
    type: agreement
    parties: [europoll]
    adopted: 2020-01-01
    sources: [eu-strategy]
""")
    [msg] = problems(tiny_home)
    assert msg.startswith("graph/extra.yaml:5: instrument new-thing: 'parties' names unknown actor 'europoll'")
    assert "did you mean 'europol'" in msg


def test_bad_date_names_line_and_format(tiny_home: Path) -> None:
    write(tiny_home, """incidents:
  - id: inc
    label: Inc
    date: 2020-13-45
    sources: [eu-strategy]
""")
    [msg] = problems(tiny_home)
    assert msg.startswith("graph/extra.yaml:4:") and "not a valid date" in msg and "2019-05-17" in msg


def test_missing_source_is_an_error(tiny_home: Path) -> None:
    write(tiny_home, """instruments:
  - id: unsourced
    label: Unsourced
    type: agreement
    parties: [council]
    adopted: 2020-01-01
""")
    [msg] = problems(tiny_home)
    assert msg.startswith("graph/extra.yaml:2: instrument unsourced has no 'sources'")


def test_unknown_source_cited_on_one_relationship(tiny_home: Path) -> None:
    write(tiny_home, """instruments:
  - id: x
    label: X
    type: agreement
    parties: [{id: council, sources: [no-such-source]}]
    adopted: 2020-01-01
    sources: [eu-strategy]
""")
    [msg] = problems(tiny_home)
    assert ":5:" in msg and "unknown source 'no-such-source'" in msg


def test_every_problem_is_reported_not_just_the_first(tiny_home: Path) -> None:
    write(tiny_home, """goals:
  - id: Bad Slug
    label: x
  - id: fine
    lable: typo
""")
    msgs = problems(tiny_home)
    assert any("is not a slug" in m and ":2:" in m for m in msgs)
    assert any("unknown field 'lable'" in m and "did you mean 'label'" in m and ":5:" in m for m in msgs)
    assert any("goal fine has no 'label'" in m for m in msgs)


def test_duplicate_id_names_both_places(tiny_home: Path) -> None:
    write(tiny_home, "actors:\n  - {id: council, label: Other council, kind: institution}\n")
    [msg] = problems(tiny_home)
    assert "duplicate actor id 'council'" in msg and "graph/record.yaml:" in msg


def test_unknown_vocabulary_concept(tiny_home: Path) -> None:
    write(tiny_home, """instruments:
  - {id: y, label: Y, type: agreemnt, parties: [council], adopted: 2020, sources: [eu-strategy]}
""")
    [msg] = problems(tiny_home)
    assert "unknown instrument-type concept 'agreemnt'" in msg and "did you mean 'agreement'" in msg


def test_low_confidence_needs_a_note(tiny_home: Path) -> None:
    write(tiny_home, "actors:\n  - {id: z, label: Z, kind: state, confidence: low}\n")
    [msg] = problems(tiny_home)
    assert "confidence low but no 'note'" in msg


def test_end_before_start_and_struck_down_without_judgment(tiny_home: Path) -> None:
    write(tiny_home, """instruments:
  - {id: w, label: W, type: agreement, parties: [council], adopted: 2020-01-01, ended: 2019-01-01,
     sources: [eu-strategy]}
  - {id: v, label: V, type: agreement, parties: [council], adopted: 2020-01-01, struck_down: 2021-01-01,
     sources: [eu-strategy]}
""")
    msgs = problems(tiny_home)
    assert any("'ended' 2019-01-01 is before it took effect" in m for m in msgs)
    assert any("struck down but names no judgment" in m for m in msgs)


def test_bad_input_leaves_the_built_store_untouched(tiny_home: Path, tmp_path: Path) -> None:
    from cyberkg import store

    out = tmp_path / "build" / "store"
    store.build(out)
    before = sorted(p.name for p in out.iterdir())
    stamp = (out / store.STAMP).read_text()
    write(tiny_home, "actors:\n  - {id: q, label: Q, kind: nonsense}\n")
    with pytest.raises(DataError):
        store.build(out)
    assert sorted(p.name for p in out.iterdir()) == before
    assert (out / store.STAMP).read_text() == stamp
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".store-")]


def test_shipped_record_loads_without_problems() -> None:
    from conftest import ROOT

    cat = load_catalog(ROOT / "graph")
    assert len(cat.records["actor"]) >= 30


def test_copy_is_independent(tmp_path: Path) -> None:  # the fixture copies; the repo stays untouched
    from conftest import TINY

    shutil.copytree(TINY, tmp_path / "t")
    assert (tmp_path / "t" / "graph" / "record.yaml").read_text() == (TINY / "graph" / "record.yaml").read_text()
