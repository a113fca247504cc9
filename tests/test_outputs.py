"""``-o PATH`` never replaces what is not a regular file (issue 19, item 1): ``-`` is stdout, a symbolic
link's target is replaced atomically and the link stays, a FIFO or character device is written in place
(a write error is reported, the node stays), a folder or socket is refused with a clear error."""

from __future__ import annotations

import os
import socket
import stat
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from cyberkg.cli.main import main
from cyberkg.core.atomic import OutputError, write_atomic


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_symlink_target_replaced_and_link_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.ttl"
    real.write_bytes(b"old")
    real.chmod(0o640)
    link = tmp_path / "link.ttl"
    link.symlink_to(real)
    write_atomic(link, b"new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == b"new" and stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.ttl", "real.ttl"]  # no leftover


def test_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.ttl"
    link.symlink_to(tmp_path / "sub" / "made.ttl")
    write_atomic(link, b"x")
    assert link.is_symlink() and (tmp_path / "sub" / "made.ttl").read_bytes() == b"x"


def test_fifo_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_atomic(fifo, b"through the pipe")
    reader.join(10)
    assert got == [b"through the pipe"] and stat.S_ISFIFO(fifo.lstat().st_mode)


def test_char_device_written_through_a_link_and_never_replaced(tmp_path: Path) -> None:
    null = tmp_path / "null"
    null.symlink_to("/dev/null")
    write_atomic(null, b"discarded")
    assert null.is_symlink() and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    full = tmp_path / "full"
    full.symlink_to("/dev/full")
    with pytest.raises(OutputError, match="failed"):
        write_atomic(full, b"no space")
    assert full.is_symlink() and stat.S_ISCHR(os.stat("/dev/full").st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full", "null"]


def test_folder_and_socket_refused(tmp_path: Path) -> None:
    folder = tmp_path / "dir"
    folder.mkdir()
    with pytest.raises(OutputError, match="a folder"):
        write_atomic(folder, b"x")
    sock_path = tmp_path / "s.sock"
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(sock_path))
        with pytest.raises(OutputError, match="a socket"):
            write_atomic(sock_path, b"x")
        assert stat.S_ISSOCK(sock_path.lstat().st_mode)
    finally:
        s.close()


def test_cli_dash_is_stdout_and_device_error_is_one_line(tiny_home: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("export", "-o", "-")
    assert code == 0 and "cyber:PolicyInstrument" in out and not (tmp_path / "-").exists()
    code, out, _ = run("export", "--format", "graphml", "-o", "-")
    assert code == 0 and "<graphml" in out and not (tmp_path / "-").exists()
    full = tmp_path / "full"
    full.symlink_to("/dev/full")
    code, _, err = run("export", "-o", str(full))
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err and full.is_symlink()
    code, _, err = run("report", "--format", "json", "-o", str(full))
    assert code == 2 and "failed" in err and full.is_symlink()


def test_dev_stdout_follows_the_shell_redirection(tiny_home: Path, tmp_path: Path) -> None:
    """/dev/stdout is this process's descriptor 1: a pipe is written (not a file beside /proc/…/fd),
    and a file opened for appending (>>) keeps what it held."""
    import subprocess
    import sys

    script = Path(sys.executable).parent / "cyberkg"
    cmd = [str(script)] if script.is_file() else [sys.executable, "-m", "cyberkg.cli.main"]
    subprocess.run([*cmd, "build", "--no-validate"], check=True, capture_output=True, env=os.environ.copy())
    piped = subprocess.run([*cmd, "export", "-o", "/dev/stdout"], capture_output=True, env=os.environ.copy())
    assert piped.returncode == 0 and b"cyber:PolicyInstrument" in piped.stdout, piped.stderr
    log = tmp_path / "log.ttl"
    log.write_bytes(b"# kept\n")
    with log.open("ab") as out:
        done = subprocess.run([*cmd, "export", "-o", "/dev/stdout"], stdout=out, stderr=subprocess.PIPE,
                              env=os.environ.copy())
    assert done.returncode == 0 and log.read_bytes() == b"# kept\n" + piped.stdout
