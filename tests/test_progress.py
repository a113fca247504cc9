"""Progress on long work: a bar on a terminal, nothing when piped (CYBERKG_PROGRESS forces either)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cyberkg.core.progress import Steps, shown

EXE = Path(sys.executable).parent / "cyberkg"


def test_shown_follows_the_terminal_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CYBERKG_PROGRESS", raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert not shown()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert shown() and not shown(False)
    monkeypatch.setenv("CYBERKG_PROGRESS", "0")
    assert not shown() and shown(True)


def test_steps_draw_nothing_when_disabled(capsys: pytest.CaptureFixture[str]) -> None:
    with Steps("job", ["a", "b"], progress=False) as s:
        s.next("a")
        s.next("b")
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("force", [None, "1"])
def test_build_and_export_bars_only_when_asked_or_on_a_terminal(tiny_env: Path, force: str | None) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CYBERKG_PROGRESS"}
    if force:
        env["CYBERKG_PROGRESS"] = force
    for args in (["build"], ["export", "--format", "nt"]):
        done = subprocess.run([str(EXE), *args], env=env, capture_output=True, timeout=300)  # bytes: keep the \r
        err = done.stderr.decode()
        assert done.returncode == 0, err
        drawn = "\r" in err and ("build:" in err or "export nt:" in err)
        assert drawn == bool(force), err  # piped: quiet; forced: the bar
