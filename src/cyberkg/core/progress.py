"""Progress on long work (build, import, publish, export, bench): a bar on a terminal, nothing when
stderr is piped or redirected (scripts and CI see only the results), ``CYBERKG_PROGRESS=0`` to
silence it and ``=1`` to force it."""

from __future__ import annotations

import os
import sys
from typing import Any


def shown(progress: bool | None = None) -> bool:
    """Whether to draw a bar: ``progress`` if given, else the environment, else stderr is a terminal."""
    if progress is not None:
        return progress
    env = os.environ.get("CYBERKG_PROGRESS")
    if env in ("0", "1"):
        return env == "1"
    return sys.stderr.isatty()


def bar(total: int | None, desc: str, unit: str = "step", progress: bool | None = None, **kw: Any) -> Any:
    """A tqdm bar on stderr, disabled when :func:`shown` says so (a disabled bar accepts every call)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not shown(progress), leave=False, file=sys.stderr,
                dynamic_ncols=True, **kw)


class Steps:
    """Named steps of one job on one bar: ``with Steps("build", ["read", "map"]) as s: s.next("read")``."""

    def __init__(self, desc: str, names: list[str], progress: bool | None = None) -> None:
        self.desc = desc
        self.bar = bar(len(names), desc, progress=progress,
                       bar_format="{desc}: {n_fmt}/{total_fmt} {bar} {elapsed}")
        self.started = False

    def next(self, name: str) -> None:
        if self.started:
            self.bar.update(1)
        self.started = True
        self.bar.set_description_str(f"{self.desc}: {name}")

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.started:
            self.bar.update(1)
        self.bar.close()
