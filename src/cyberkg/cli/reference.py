"""Generates docs/cli.md (the CLI reference) from the click commands; a test fails on drift."""

from __future__ import annotations

import click

from cyberkg.cli.main import main
from cyberkg.core import paths

HEAD = """# CLI reference

Generated from the commands' own help (`python -m cyberkg.cli.reference`); a test fails when it drifts.
Exit codes: 0 success, 1 the data does not conform (`validate`, `build`), 2 any other error.

"""


def _commands(group: click.Group, prefix: str) -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    ctx = click.Context(group, info_name=prefix)
    for name in sorted(group.list_commands(ctx)):
        cmd = group.get_command(ctx, name)
        if cmd is None:
            continue
        out.append((f"{prefix} {name}", cmd))
        if isinstance(cmd, click.Group):
            out += _commands(cmd, f"{prefix} {name}")
    return out


def render() -> str:
    parts = [HEAD]
    for name, cmd in [("cyberkg", main), *_commands(main, "cyberkg")]:
        ctx = click.Context(cmd, info_name=name, terminal_width=100, max_content_width=100)
        parts.append(f"## `{name}`\n\n```text\n{cmd.get_help(ctx)}\n```\n\n")
    return "".join(parts).rstrip() + "\n"


def main_doc() -> None:
    (paths.home() / "docs" / "cli.md").write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main_doc()
