"""The package tree is the data-flow diagram: imports run one way, from the CLI down to the core,
and no module imports itself back through others (import circles), lazy imports included."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

SRC = Path(__file__).resolve().parents[1] / "src" / "cyberkg"

# Lower stages first; a module may import from its own stage or any stage before it.
STAGES = [
    ["core"],
    ["record"],
    ["store"],
    ["analysis"],
    ["importers"],
    ["views", "export", "remote"],
    ["cli"],
]
RANK = {pkg: i for i, group in enumerate(STAGES) for pkg in group}
MAX_LINES = 350


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every cyberkg module ``path`` imports, at the top or inside a function."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.startswith("cyberkg"):
                out.add(mod)
                out.update(f"{mod}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("cyberkg"))
    modules = {module_name(p) for p in SRC.rglob("*.py")}
    return {m for m in out if m in modules and m != me}


def graph() -> nx.DiGraph:
    g = nx.DiGraph()
    for path in sorted(SRC.rglob("*.py")):
        me = module_name(path)
        g.add_node(me)
        for target in imports_of(path):
            g.add_edge(me, target)
    return g


def stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_every_package_has_a_stage() -> None:
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(RANK), "add the new package to STAGES (and to the README's architecture section)"


def test_imports_run_from_the_cli_down() -> None:
    upward = []
    for a, b in graph().edges:
        sa, sb = stage(a), stage(b)
        if sa is None or sb is None or sa == sb:
            continue
        if RANK[sb] > RANK[sa] or (RANK[sb] == RANK[sa] and sa != sb):
            upward.append(f"{a} -> {b}")
    assert upward == [], "imports against the data flow:\n" + "\n".join(sorted(upward))


def test_no_import_circles() -> None:
    g = graph()
    g.remove_node("cyberkg")  # the top-level package only names the API, lazily; it is no stage
    cycles = list(nx.simple_cycles(g))
    assert cycles == [], "import circles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_modules_stay_small_or_say_why() -> None:
    long = []
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_LINES and "Longer than" not in text.split('"""')[1]:
            long.append(f"{path.relative_to(SRC)}: {text.count(chr(10))} lines")
    assert long == [], f"modules over {MAX_LINES} lines without a reason at the top (say 'Longer than …'):\n" + \
        "\n".join(long)
