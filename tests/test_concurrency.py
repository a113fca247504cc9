"""Concurrency: two ``cyberkg build`` at once serialise on the build lock (both succeed; the second
says it waits), two ``import`` at once too (both layers land), and ``cyberkg query`` in a loop
while ``build`` runs in another process never fails and always answers from a complete store
(the same rows every time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import make_home

CLI = [str(Path(sys.executable).parent / "cyberkg")]
GAP_QUERY = "gaps/shared-goals-without-joint-instrument"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    home = make_home(tmp_path)
    out = {**os.environ, "CYBERKG_HOME": str(home), "CYBERKG_BUILD_DIR": str(tmp_path / "build"),
           "CYBERKG_LOCK_TIMEOUT": "300"}
    out.pop("CYBERKG_ENDPOINT", None)
    return out


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([*CLI, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=600)
    return proc.returncode, out, err


def test_two_builds_at_once_serialise(env: dict[str, str], tmp_path: Path) -> None:
    a, b = start(["build", "--no-validate"], env), start(["build", "--no-validate"], env)
    (ca, _, ea), (cb, _, eb) = finish(a), finish(b)
    assert (ca, cb) == (0, 0), ea + eb
    versions = [p for p in (tmp_path / "build" / "store.v").iterdir() if p.is_dir()]
    assert len(versions) == 1 and (tmp_path / "build" / "store").resolve() == versions[0].resolve()
    code, out, err = finish(start(["query", GAP_QUERY, "--format", "json"], env))
    assert code == 0 and json.loads(out), err


def test_builds_wait_for_the_writer_lock(env: dict[str, str], tmp_path: Path) -> None:
    """While another writer holds the lock, two builds wait (and say so), then both succeed."""
    from cyberkg.store import lock

    build = tmp_path / "build"
    assert finish(start(["build", "--no-validate"], env))[0] == 0
    current = (build / "store").resolve()
    with lock.exclusive(build, "test holding the lock"):
        procs = [start(["build", "--no-validate"], env) for _ in range(2)]
        time.sleep(6)
        assert [p.poll() for p in procs] == [None, None], "a build did not wait for the lock"
        assert (build / "store").resolve() == current
    results = [finish(p) for p in procs]
    assert [r[0] for r in results] == [0, 0], [r[2] for r in results]
    for _, _, err in results:
        assert "waiting for another cyberkg process (pid" in err and "test holding the lock" in err, err
    assert (build / "store").resolve() != current


def _layer(path: Path, n: int) -> Path:
    path.write_text(
        "@prefix cyber: <https://w3id.org/cyberkg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f'<https://w3id.org/cyberkg/id/actor/concurrent-{n}> a cyber:Actor ; rdfs:label "Concurrent {n}"@en .\n',
        encoding="utf-8")
    return path


def test_two_imports_at_once_serialise_and_both_land(env: dict[str, str], tmp_path: Path) -> None:
    assert finish(start(["build", "--no-validate"], env))[0] == 0
    files = [_layer(tmp_path / f"layer-{n}.ttl", n) for n in (1, 2)]
    procs = [start(["import", "--date", "2024-01-01", str(f)], env) for f in files]
    results = [finish(p) for p in procs]
    assert [r[0] for r in results] == [0, 0], [r[2] for r in results]
    code, out, err = finish(start(["layers", "--format", "json"], env))
    assert code == 0, err
    assert sorted(r["name"] for r in json.loads(out)) == ["layer-1", "layer-2"]
    q = "SELECT ?l WHERE { ?a rdfs:label ?l FILTER(STRSTARTS(STR(?l), 'Concurrent')) } ORDER BY ?l"
    (tmp_path / "q.rq").write_text(f"#+ summary: test\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n{q}\n")
    code, out, err = finish(start(["query", str(tmp_path / "q.rq"), "--format", "json"], env))
    assert code == 0, err
    assert [r["l"] for r in json.loads(out)] == ["Concurrent 1", "Concurrent 2"]  # neither import was lost


def test_queries_during_builds_never_fail(env: dict[str, str]) -> None:
    assert finish(start(["build", "--no-validate"], env))[0] == 0
    code, expected, err = finish(start(["query", GAP_QUERY, "--format", "json"], env))
    assert code == 0 and json.loads(expected), err
    builds = 0
    answers = 0
    deadline = time.monotonic() + 15
    builder = start(["build", "--no-validate"], env)
    while time.monotonic() < deadline or builds < 3:
        q = start(["query", GAP_QUERY, "--format", "json"], env)
        code, out, err = finish(q)
        assert code == 0, f"a query during a build failed: {err}"
        assert out == expected, "a query during a build answered from an incomplete store"
        answers += 1
        if builder.poll() is not None:
            assert builder.returncode == 0, builder.stderr.read() if builder.stderr else ""
            builder.communicate()
            builds += 1
            if builds >= 3 and time.monotonic() >= deadline:
                break
            builder = start(["build", "--no-validate"], env)
    finish(builder)
    print(f"\nqueries during builds: {answers} answered (all identical), {builds} builds completed meanwhile")
    assert answers >= 5 and builds >= 3
