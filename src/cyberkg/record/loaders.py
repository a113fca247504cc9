"""Reading the curated record: YAML files with line numbers, and the SKOS vocabularies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from cyberkg.core import paths
from cyberkg.core.errors import DataError, Problem
from cyberkg.record.schema import SECTIONS, Catalog, did_you_mean, parse_record


class LineStr(str):
    """A string from YAML that remembers its line."""

    line: int = 0


class LineDict(dict[Any, Any]):
    """A mapping from YAML that remembers its line and the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]


class LineList(list[Any]):
    line: int = 0


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain name, not a list or a mapping", key_node.start_mark)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} appears twice in one record", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _str(loader: _Loader, node: yaml.ScalarNode) -> LineStr:
    s = LineStr(loader.construct_scalar(node))
    s.line = node.start_mark.line + 1
    return s


def _seq(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(n, deep=True) for n in node.value)
    out.line = node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _seq)
_Loader.add_constructor("tag:yaml.org,2002:str", _str)
# Dates stay text with their line: the record parser checks them and reports bad ones (2020-13-45)
# as problems with a line, instead of YAML raising.
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _str)


def read_yaml(path: Path, shown: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML file; a syntax error becomes a problem with its line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(shown, None, f"cannot read the file: {exc}", "check it is a UTF-8 text file")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(shown, line, f"not UTF-8 text (byte {exc.start}: {exc.reason})",
                              "save the file as UTF-8")]
    try:
        return yaml.load(text, Loader=_Loader), []
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a control character)
        line = text[: exc.position].count("\n") + 1
        return None, [Problem(shown, line, f"YAML does not allow the character {chr(exc.character)!r} "
                              f"(U+{exc.character:04X})", "delete it, or write it as an escape in a quoted string")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = mark.line + 1 if mark else None
        what = exc.problem or str(exc)
        return None, [Problem(shown, at, f"YAML syntax error: {what}",
                              "check indentation, a missing ':' or an unquoted ': ' inside a value")]
    except yaml.YAMLError as exc:
        return None, [Problem(shown, None, f"YAML error: {exc}")]


def read_vocab_notations(vocab_dir: Path) -> dict[str, set[str]]:
    """Scheme path segment (``instrument-type``) -> the concept slugs it defines."""
    from rdflib import Graph
    from rdflib.namespace import RDF, SKOS

    from cyberkg.core.namespaces import VOCAB

    g = Graph()
    for f in sorted(vocab_dir.glob("*.ttl")):
        g.parse(f, format="turtle")
    out: dict[str, set[str]] = {}
    for concept in g.subjects(RDF.type, SKOS.Concept):
        text = str(concept)
        if text.startswith(str(VOCAB)):
            scheme, _, slug = text[len(str(VOCAB)):].partition("/")
            out.setdefault(scheme, set()).add(slug)
    return out


def yaml_files(graph_dir: Path) -> list[Path]:
    return sorted(p for p in graph_dir.rglob("*.yaml") if p.is_file())


def load_catalog(graph_dir: Path | None = None, files: list[Path] | None = None) -> Catalog:
    """Read every record under ``graph_dir``; raise :class:`DataError` listing every problem."""
    graph_dir = graph_dir or paths.graph_dir()
    catalog = Catalog()
    catalog.concepts = read_vocab_notations(graph_dir / "vocab")
    problems: list[Problem] = []
    unreadable: list[Problem] = []  # YAML syntax errors: reported alone (the rest would only follow from them)
    for path in files if files is not None else yaml_files(graph_dir):
        shown = _shown(path, graph_dir)
        doc, errs = read_yaml(path, shown)
        unreadable.extend(errs)
        if errs or doc is None:
            continue
        if not isinstance(doc, dict):
            problems.append(Problem(shown, getattr(doc, "line", 1), "the file must be a mapping of sections",
                                    f"start with one of: {', '.join(SECTIONS)}"))
            continue
        for section, items in doc.items():
            line = doc.key_lines.get(section, 1) if isinstance(doc, LineDict) else 1
            kind = SECTIONS.get(section)
            if kind is None:
                problems.append(Problem(shown, line, f"unknown section {section!r}",
                                        did_you_mean(str(section), SECTIONS) or f"sections: {', '.join(SECTIONS)}"))
                continue
            if items is None:
                continue
            if not isinstance(items, list):
                problems.append(Problem(shown, line, f"section {section!r} must be a list of records",
                                        "start each record with '- id: …'"))
                continue
            for raw in items:
                rec = parse_record(kind, raw, shown, problems)
                if rec is not None:
                    catalog.add(rec, problems)
    if unreadable:
        raise DataError(unreadable)
    problems.extend(catalog.check_references())
    if problems:
        raise DataError(problems)
    return catalog


def _shown(path: Path, graph_dir: Path) -> str:
    try:
        return str(Path("graph") / path.resolve().relative_to(graph_dir.resolve()))
    except ValueError:
        return str(path)
