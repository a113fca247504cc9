"""The CLI: commands, output formats and documented exit codes (0 ok, 1 violations, 2 error)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cyberkg.cli.main import main


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_build_then_gaps_table_says_rule_and_coverage(tiny_home: Path) -> None:
    code, out, _ = run("build")
    assert code == 0 and "built the store" in out and "0 violation(s)" in out
    code, out, _ = run("gaps", "--as-of", "2020-11-26")
    assert code == 0
    assert "3 shared goal(s) with no joint instrument" in out
    assert "do NOT count as joint instruments" in out
    assert "Record: 13 sources" in out
    assert "Cross-border evidence" in out


def test_gaps_json_is_a_list_of_objects_with_goal_and_label(tiny_home: Path) -> None:
    code, out, _ = run("gaps", "--as-of", "2020-11-26", "--count-dialogues", "--format", "json")
    data = json.loads(out)
    assert code == 0 and isinstance(data, list)
    assert [d["label"] for d in data if d["status"] == "gap"] == ["Cross-border evidence", "Impose costs"]
    covered = {d["label"]: d["coverage"]["commitment"] for d in data if d["status"] == "covered"}
    assert covered == {"Combat cybercrime": "binding", "Talk regularly": "institutional"}  # issue #15's interface
    assert all(d["goal"].startswith("https://") and d["dialogues_counted"] is True for d in data)


def test_every_row_format(tiny_home: Path) -> None:
    for fmt, marker in (("csv", "goal,label"), ("tsv", "goal\tlabel"), ("md", "| goal | label |"), ("table", "goal")):
        code, out, _ = run("query", "shared-goals-without-joint-instrument", "--format", fmt)
        assert code == 0 and out.startswith(marker), fmt


def test_query_with_params_file_and_stdin(tiny_home: Path, tmp_path: Path) -> None:
    code, out, _ = run("query", "gaps/goal-pursuers", "-p", "goal=kg:goal/sanctions", "-p", "asOf=2020-01-01",
                       "--format", "csv")
    assert code == 0 and "https://example.org/us-strategy" in out
    f = tmp_path / "q.rq"
    f.write_text("#+ summary: count\nSELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } ORDER BY ?n\n")
    code, out, _ = run("query", str(f), "--format", "json")
    assert code == 0 and json.loads(out)[0]["n"] > 100
    r = CliRunner().invoke(main, ["query", "-", "--format", "csv"],
                           input="#+ summary: one\nSELECT ?x WHERE { BIND(1 AS ?x) } ORDER BY ?x\n")
    assert r.exit_code == 0 and r.stdout == "x\n1\n"


def test_errors_are_clear_with_exit_2_and_no_traceback(tiny_home: Path) -> None:
    code, _, err = run("query", "no-such-query")
    assert code == 2 and err.startswith("error: no query named") and "Traceback" not in err
    rq = tiny_home / "needs-goal.rq"  # catalogue queries default every parameter; a user's file may not
    rq.write_text("#+ summary: needs a goal\nSELECT ?p WHERE { ?p ?x ?_goal_iri } ORDER BY ?p\n")
    code, _, err = run("query", str(rq))
    assert code == 2 and "needs parameter 'goal'" in err
    code, _, err = run("query", "gaps/goal-pursuers", "-p", "asOf=soon")
    assert code == 2 and "expects date" in err
    code, _, err = run("gaps", "--as-of", "last tuesday")
    assert code == 2 and "is not a date" in err
    code, _, err = run("gaps", "--sides", "EU,XX")
    assert code == 2 and "unknown side 'XX'" in err


def test_bad_record_exits_2_with_file_line(tiny_home: Path) -> None:
    (tiny_home / "graph" / "bad.yaml").write_text("actors:\n  - {id: x, label: X, kind: stat}\n")
    code, _, err = run("build")
    assert code == 2 and "graph/bad.yaml:2:" in err and "did you mean 'state'" in err


def test_debug_shows_traceback(tiny_home: Path) -> None:
    code, _, err = run("--debug", "query", "no-such-query")
    assert code == 2 and "Traceback" in err


def test_validate_exit_codes(tiny_home: Path) -> None:
    code, _, err = run("validate")
    assert code == 0 and "conforms" in err
    # a quality check that finds a row makes validate exit 1
    import cyberkg.analysis.validate as v

    original = v.run_checks
    try:
        v.run_checks = lambda ds: ([v.Finding("Violation", "x", "", "planted", "test")], 1)  # type: ignore[assignment]
        code, out, err = run("validate")
    finally:
        v.run_checks = original  # type: ignore[assignment]
    assert code == 1 and "does NOT conform" in err and "planted" in out


def test_export_writes_file_atomically_and_deterministically(tiny_home: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    assert run("export", "-o", str(a))[0] == 0
    assert run("export", "-o", str(b))[0] == 0
    assert a.read_bytes() == b.read_bytes() and b"cyber:PolicyInstrument" in a.read_bytes()


def test_queries_lists_catalogue_and_stats(tiny_home: Path) -> None:
    code, out, _ = run("queries", "--format", "csv")
    assert code == 0 and "gaps/shared-goals-without-joint-instrument" in out
    code, out, _ = run("stats", "--format", "csv")
    assert code == 0 and "instruments,9" in out


def test_store_is_reused_until_inputs_change(tiny_home: Path) -> None:
    from cyberkg import store

    run("build")
    assert store.is_fresh()
    (tiny_home / "graph" / "record.yaml").write_text((tiny_home / "graph" / "record.yaml").read_text() + "\n# edit\n")
    assert not store.is_fresh()
    run("gaps")  # rebuilds on demand
    assert store.is_fresh()


def test_cli_reference_is_generated_from_the_commands() -> None:
    from conftest import ROOT
    from cyberkg.cli.reference import render

    assert (ROOT / "docs" / "cli.md").read_text() == render(), "run: python -m cyberkg.cli.reference"
