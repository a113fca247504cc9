"""Shared fixtures for the import tests: a tiny curated record in a temporary CYBERKG_HOME and a
temporary CYBERKG_BUILD_DIR, so no test touches the real graph/ or build/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "import"

TINY = """\
sides:
  - id: eu
    label: European Union (side)
    code: EU
    actor: european-union
  - id: us
    label: United States (side)
    code: US
    actor: united-states
actors:
  - id: european-union
    label: European Union
    kind: supranational-union
    aliases: [EU]
  - id: council-of-the-eu
    label: Council of the European Union
    kind: institution
    part_of: european-union
  - id: united-states
    label: United States of America
    kind: state
    aliases: [United States, USA]
  - id: us-department-of-justice
    label: United States Department of Justice
    kind: agency
    part_of: united-states
    aliases: [DOJ]
  - id: apt28
    label: APT28
    kind: threat-actor
    aliases: [Fancy Bear, Sofacy]
goals:
  - id: cybercrime-cooperation
    label: Cooperate against cybercrime
    pursued_by:
      - actor: european-union
        since: 2013-02-07
        stated_in: eu-cybersecurity-strategy-2013
sources:
  - id: eu-cybersecurity-strategy-2013
    title: "Cybersecurity Strategy of the European Union, JOIN(2013) 1 final"
    issuer: european-union
    date: 2013-02-07
    url: https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:52013JC0001
    type: strategy
"""


def make_home(tmp: Path) -> Path:
    home = tmp / "home"
    (home / "graph").mkdir(parents=True)
    shutil.copytree(ROOT / "ontology", home / "ontology")
    shutil.copytree(ROOT / "graph" / "vocab", home / "graph" / "vocab")
    shutil.copytree(ROOT / "queries", home / "queries")
    (home / "graph" / "tiny.yaml").write_text(TINY, encoding="utf-8")
    (home / "pyproject.toml").write_text("")
    return home


def setup_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tiny curated record and an empty build dir (for a ``kg_env`` fixture); returns the build dir."""
    home = make_home(tmp_path)
    build = tmp_path / "build"
    monkeypatch.setenv("CYBERKG_HOME", str(home))
    monkeypatch.setenv("CYBERKG_BUILD_DIR", str(build))
    monkeypatch.delenv("CYBERKG_LANG", raising=False)
    return build
