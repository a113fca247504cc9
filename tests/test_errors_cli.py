"""Error cases a careless user hits (issue 19, item 4): each gives one located error, exit 2 and no
traceback; `stats | head` stops quietly with 0; `stats --format json` is one JSON document."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cyberkg.cli.main import main


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.stdout, r.stderr


def cyberkg_command() -> list[str]:
    script = Path(sys.executable).parent / "cyberkg"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "cyberkg.cli.main"]


def error_lines(err: str) -> list[str]:
    return [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("cyberkg: waiting")]


def test_huge_one_line_turtle_is_refused_fast_and_located(tiny_home: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CYBERKG_MAX_IMPORT_TRIPLES", "5000")
    big = tmp_path / "big.ttl"
    big.write_text("@prefix ex: <http://example.org/> . " + " ".join(f'ex:s{i} ex:p "v{i}" .' for i in range(6000)))
    code, _, err = run("import", "--date", "2020-01-01", str(big))
    assert code == 2 and "Traceback" not in err
    assert "big.ttl: the file holds more than 5,000 triples" in err and "CYBERKG_MAX_IMPORT_TRIPLES" in err


def test_deeply_nested_turtle_imports_without_recursion(tiny_home: Path, tmp_path: Path) -> None:
    """rdflib's Turtle parser recursed past Python's limit on 2,000 nested blank nodes."""
    deep = tmp_path / "deep.ttl"
    depth = 2000
    deep.write_text("<http://example.org/s> <http://example.org/p> " + "[ <http://example.org/p> " * depth + "1"
                    + " ]" * depth + " .\n")
    code, out, err = run("import", "--date", "2020-01-01", str(deep))
    assert code == 0, err
    assert "deep" in out and "added" in out


def test_yaml_syntax_error_is_reported_alone(tiny_home: Path) -> None:
    graph = tiny_home / "graph"
    (graph / "zz-more.yaml").write_text("instruments:\n  - id: later\n    label: Later\n    type: strategy\n"
                                        "    parties: [not-an-actor]\n")
    broken = graph / "aa-broken.yaml"
    broken.write_text("actors:\n  - id: x\n    label: a: b: [\n")
    code, _, err = run("build", "--no-validate")
    assert code == 2 and "Traceback" not in err
    assert "aa-broken.yaml:3: YAML syntax error" in err
    assert "not-an-actor" not in err and "1 problem" in err  # the follow-on errors wait for the fix


def test_impossible_date_is_one_clear_line(tiny_home: Path, tmp_path: Path) -> None:
    f = tmp_path / "m-elements.csv"
    f.write_text("id,kind,label\nfoo,actor,Foo\n")
    for bad in ("2020-13-45", "2021-02-29", "tomorrow"):
        code, _, err = run("import", "--date", bad, str(f))
        lines = error_lines(err)
        assert code == 2 and len(lines) == 1 and f"--date {bad!r} is not a date" in lines[0], err


def test_sparql_syntax_errors_are_located_and_readable(tiny_home: Path, tmp_path: Path) -> None:
    rq = tmp_path / "bad.rq"
    for body, line, col in (("SELECT ?s WHERE { ?s ?p _: }", 2, 27), ("SELECT ?s WHERE {\n  ?s ?p \"abc }", 3, 15)):
        rq.write_text(f"#+ summary: bad\n{body}\n")
        code, _, err = run("query", str(rq))
        lines = error_lines(err)
        assert code == 2 and len(lines) == 1, err
        assert lines[0].startswith(f"error: {rq}:{line}:{col}: SPARQL syntax error"), lines
        assert "\\u{" not in err and "..=" not in err and "Traceback" not in err


def test_stats_into_a_closed_pipe_exits_quietly(tiny_home: Path) -> None:
    run("build", "--no-validate")
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte (like `| head` that has finished)
    try:
        proc = subprocess.run([*cyberkg_command(), "stats"], stdout=write_end, stderr=subprocess.PIPE,
                              env=os.environ.copy(), timeout=300)
    finally:
        os.close(write_end)
    err = proc.stderr.decode()
    assert proc.returncode == 0 and "Broken pipe" not in err and "Traceback" not in err, err


def test_stats_json_is_one_document(tiny_home: Path) -> None:
    code, out, _ = run("stats", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and sorted(doc) == ["counts_by_kind", "instruments_by_type_side_year"]
    assert {"kind": "instruments", "count": 9} in doc["counts_by_kind"]
