"""Fuzzing: generated malformed inputs (fixed seeds) for the YAML record loader, the spreadsheet
importer (CSV pairs and XLSX), STIX 2.1, the RDF importers (Turtle, TriG, N-Triples, N-Quads,
JSON-LD, RDF/XML) and ``-p NAME=VALUE`` query parameters.

Each generator makes inputs that are wrong *by construction* (a bad date, an unknown id, a broken
token, a value of the wrong type, …): every one must give a :class:`CyberkgError` whose problems
say where (file:line; sheet, row and column; objects[n]; the IRI; the parameter's name) — never
another exception. Random byte mutations, which may or may not leave a valid file, must give a
clean result or such an error. A sample goes through the real CLI: one ``error:`` line, exit 2,
no traceback, and the build folder unchanged. The counts are printed and checked (>= 10,000).
"""

from __future__ import annotations

import functools
import io
import json
import random
import re
import subprocess
import sys
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cyberkg.core.errors import CyberkgError, QueryError
from hardening_fixtures import (
    DATA,
    bad_date,
    bad_slug,
    flip_bytes,
    has_location,
    insert_invalid_utf8,
    json_dumps,
    snapshot,
    word,
)
from import_fixtures import TINY
from import_fixtures import make_home as make_import_home

COUNTS: Counter[str] = Counter()  # malformed inputs checked, per target (reported at the end)
SEED = 20261202


@pytest.fixture(scope="module")
def import_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_import_home(tmp_path_factory.mktemp("fuzz"))


@pytest.fixture(scope="module")
def known(import_home: Path):  # type: ignore[no-untyped-def]
    """What the tiny import record holds (actors, goals, sources and the vocabularies)."""
    from rdflib import Graph

    from cyberkg.importers.base import Known
    from cyberkg.record.loaders import load_catalog
    from cyberkg.record.mapping import map_catalog
    from cyberkg.store.backend import read_turtle_dir

    g = Graph()
    g += map_catalog(load_catalog(import_home / "graph"))
    g += read_turtle_dir(import_home / "graph" / "vocab")
    return Known.from_graph(g)


def expect_error(run: Callable[[], object], *, file: str, kind: str, what: str) -> CyberkgError:
    """``run`` must raise a CyberkgError that names where; anything else fails with the input."""
    try:
        run()
    except CyberkgError as exc:
        assert has_location(exc, file=file, kind=kind), f"{what}: error without a location: {exc}"
        return exc
    except Exception as exc:  # the point of the test: no other exception may escape
        raise AssertionError(f"{what}: {type(exc).__name__}: {exc}") from exc
    raise AssertionError(f"{what}: malformed input accepted")


def expect_clean(run: Callable[[], object], *, file: str, kind: str, what: str) -> None:
    """A random mutation may still be valid: success or a located CyberkgError, nothing else."""
    try:
        run()
    except CyberkgError as exc:
        assert has_location(exc, file=file, kind=kind), f"{what}: error without a location: {exc}"
    except Exception as exc:
        raise AssertionError(f"{what}: {type(exc).__name__}: {exc}") from exc


# ---------------------------------------------------------------------------------------------
# YAML record loader


def _yaml_cases(rng: random.Random) -> tuple[str, bytes]:
    """One malformed record file made from the tiny import record (a mutation that must fail)."""
    lines = TINY.splitlines()
    idx = {k: [i for i, line in enumerate(lines) if re.match(rf"^\s+-?\s*{k}:", line)] for k in
           ("id", "label", "kind", "date", "since", "part_of", "actor", "issuer", "url", "code", "stated_in",
            "title", "aliases", "type")}
    op = rng.choice(["date", "unknown-field", "unknown-ref", "slug", "wrong-type", "syntax", "dup-key",
                     "dup-id", "missing", "url", "confidence", "tag", "section", "not-list", "top", "concept",
                     "medium-no-note", "qid", "sub-field", "alias-bomb", "key-type"])

    def at(key: str) -> int:
        return rng.choice(idx[key])

    def indent(i: int) -> str:
        line = lines[i]
        return line[: len(line) - len(line.lstrip(" -"))].replace("-", " ")

    def set_value(i: int, value: str) -> None:
        key = lines[i].split(":", 1)[0]
        lines[i] = f"{key}: {value}"

    if op == "date":
        set_value(at(rng.choice(["date", "since"])), json.dumps(bad_date(rng)) if rng.random() < 0.5 else bad_date(rng))
    elif op == "unknown-field":
        i = at(rng.choice(["label", "kind", "title"]))
        lines.insert(i + 1, f"{indent(i)}{word(rng)}x: {word(rng)}")
    elif op == "unknown-ref":
        set_value(at(rng.choice(["part_of", "actor", "issuer", "stated_in"])), f"{word(rng)}-{word(rng)}-zz")
    elif op == "slug":
        set_value(at("id"), json.dumps(bad_slug(rng)))
    elif op == "wrong-type":
        key = rng.choice(["label", "url", "title", "code"])
        set_value(at(key), rng.choice(["{a: 1}", "[1, [2]]", "true", "null-ish: {x: y}", "[]x"]))
    elif op == "syntax":
        i = rng.randrange(1, len(lines))
        kind = rng.choice(["quote", "bracket", "tab", "colon", "indent", "flow"])
        if kind == "quote":
            lines[i] = lines[i].split(":")[0] + ': "unterminated'
        elif kind == "bracket":
            lines[i] = lines[i].split(":")[0] + ": [a, b"
        elif kind == "tab":
            lines[i] = "\t" + lines[i].lstrip()
            lines.insert(i, "  - id: x\n\t  label: y")
        elif kind == "colon":
            lines.insert(i, f"{word(rng)}: a: b: c")
        elif kind == "indent":
            lines.insert(i, "   " + "odd: " + word(rng) + "\n  bad: 1\n     worse: 2")
        else:  # text after a quoted scalar
            lines[i] = lines[i].split(":")[0] + ': "a" b'
    elif op == "dup-key":
        i = at(rng.choice(["label", "kind", "id"]))
        lines.insert(i + 1, lines[i].replace("- ", "  "))
    elif op == "dup-id":
        lines += ["  - id: apt28", "    label: Another", "    kind: threat-actor"]
        lines.insert(lines.index("actors:") + 1, "  - id: apt28\n    label: Dup\n    kind: agency")
    elif op == "missing":
        key = rng.choice(["kind", "code", "url", "title", "stated_in", "since"])
        i = at(key)
        if lines[i].lstrip().startswith("- "):
            lines[i] = indent(i)[:-2] + "- note: none"
        else:
            del lines[i]
    elif op == "url":
        set_value(at("url"), rng.choice(["ftp://example.org/x", word(rng), "https://", "http://a b", "www.x.org"]))
    elif op == "confidence":
        i = at("label")
        lines.insert(i + 1, f"{indent(i)}confidence: {rng.choice(['maybe', 'HIGH', '1', 'sure', '[high]'])}")
    elif op == "tag":
        set_value(at("label"), rng.choice(['!!python/object/apply:os.system ["true"]', "!!binary AAAA",
                                           "!custom x", '!!python/name:os.system ""']))
    elif op == "section":
        lines.insert(0, f"{word(rng)}s:\n  - id: x")
    elif op == "not-list":
        lines.insert(0, f"actors: {word(rng)}\ngoals: {{a: 1}}")
        return "bad.yaml", ("\n".join(x for x in lines if not x.startswith(("actors:", "goals:")) or ": " in x)
                            + "\n").encode()
    elif op == "top":
        return "bad.yaml", rng.choice([b"- a\n- b\n", b"just text\n", b"42\n", b"[1, 2]\n"])
    elif op == "concept":
        set_value(at(rng.choice(["kind", "type"])), word(rng) + "-" + word(rng))
    elif op == "medium-no-note":
        i = at("label")
        lines.insert(i + 1, f"{indent(i)}confidence: {rng.choice(['medium', 'low'])}")
    elif op == "qid":
        i = at("label")
        lines.insert(i + 1, f"{indent(i)}wikidata: {rng.choice(['X12', 'Q0', 'q42', 'Q12a', '12'])}")
    elif op == "sub-field":
        i = at("stated_in")
        lines.insert(i + 1, f"{indent(i)}{word(rng)}: {word(rng)}")
    elif op == "alias-bomb":
        bomb = "\n".join(["bomb:", "  - &a [x, x, x, x, x, x, x, x, x]"]
                         + [f"  - &{chr(98 + k)} [{', '.join([f'*{chr(97 + k)}'] * 9)}]" for k in range(8)])
        key = rng.choice(["aliases", "date", "since", "part_of", "label"])
        i = at(key)
        set_value(i, "*i")
        lines.insert(0, bomb)
    else:  # key-type: a mapping or list as a key
        i = at("label")
        lines.insert(i + 1, f"{indent(i)}? [{word(rng)}, {word(rng)}]\n{indent(i)}: x")
    data = ("\n".join(lines) + "\n").encode()
    if rng.random() < 0.04:
        data = insert_invalid_utf8(rng, data)
    elif rng.random() < 0.04:
        i = rng.randrange(len(data))
        data = data[:i] + rng.choice(["\x00", "\x07", "\x88", "\ufffe"]).encode() + data[i:]
    return "bad.yaml", data


def _changed(base: str, data: bytes) -> str:
    """The lines a generated input changed (for the failure message)."""
    import difflib

    new = data.decode("utf-8", "replace").splitlines()
    return "\n".join(x for x in difflib.unified_diff(base.splitlines(), new, lineterm="", n=1))[:3000]


@pytest.fixture
def cached_vocab(monkeypatch: pytest.MonkeyPatch) -> None:
    """The vocabularies are not the target: read them once, not per generated file."""
    from cyberkg.record import loaders

    monkeypatch.setattr(loaders, "read_vocab_notations", functools.lru_cache(None)(loaders.read_vocab_notations))


def test_yaml_loader_gives_located_errors(import_home: Path, tmp_path: Path, cached_vocab: None) -> None:
    from cyberkg.record.loaders import load_catalog

    rng = random.Random(SEED)
    graph = tmp_path / "graph"
    graph.mkdir()
    (graph / "vocab").symlink_to(import_home / "graph" / "vocab")
    target = graph / "bad.yaml"
    assert load_catalog(import_home / "graph") is not None  # the base record is valid
    for n in range(2500):
        name, data = _yaml_cases(rng)
        target.write_bytes(data)
        expect_error(lambda: load_catalog(graph, [target]), file=f"graph/{name}", kind="yaml",
                     what=f"yaml #{n}:\n{_changed(TINY, data)}")
        COUNTS["yaml record loader"] += 1
    for n in range(300):  # random byte mutations: may stay valid
        data = flip_bytes(rng, TINY.encode(), rng.randint(1, 4))
        target.write_bytes(data)
        expect_clean(lambda: load_catalog(graph, [target]), file="graph/bad.yaml", kind="yaml",
                     what=f"yaml mutation #{n}: {data[:3000]!r}")
        COUNTS["(random mutations)"] += 1


# ---------------------------------------------------------------------------------------------
# Spreadsheets: CSV pairs and XLSX workbooks

ELEMENTS_CSV = (DATA / "system-map-elements.csv").read_text(encoding="utf-8")
CONNECTIONS_CSV = (DATA / "system-map-connections.csv").read_text(encoding="utf-8")


def _rows(text: str) -> list[list[str]]:
    import csv

    return [list(r) for r in csv.reader(io.StringIO(text))]


def _csv(rows: list[list[str]]) -> str:
    import csv

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _sheet_case(rng: random.Random) -> tuple[list[list[str]], list[list[str]], bytes | None]:
    """Mutated (elements, connections) rows, or raw bytes for the elements file."""
    els, cons = _rows(ELEMENTS_CSV), _rows(CONNECTIONS_CSV)
    eh, ch = els[0], cons[0]

    def cell(rows: list[list[str]], header: list[str], col: str, value: str, pick: Callable[[list[str]], bool]
             = lambda r: True) -> None:
        cands = [r for r in rows[1:] if pick(r)]
        rng.choice(cands)[header.index(col)] = value

    kind_is = lambda k: lambda r: r[eh.index("kind")] == k  # noqa: E731
    op = rng.choice(["header", "dup-col", "empty-header", "kind", "id", "dup-id", "curated-id", "date", "ref",
                     "relation", "url", "qid", "confidence", "utf8", "required", "type", "only-for", "since",
                     "conn-missing", "pursues-no-since", "side"])
    raw = None
    if op == "header":
        h = eh if rng.random() < 0.6 else ch
        h[rng.randrange(len(h))] = word(rng) + "z"
    elif op == "dup-col":
        els = [[*r, r[eh.index("label")]] for r in els]
        els[0][-1] = "label"
    elif op == "empty-header":
        els[0] = [""] * len(eh)
    elif op == "kind":
        cell(els, eh, "kind", rng.choice(["actr", "person", "treaty", word(rng), "Goalx"]))
    elif op == "id":
        cell(els, eh, "id", bad_slug(rng))
    elif op == "dup-id":
        els.append(list(rng.choice(els[1:])))
    elif op == "curated-id":
        r = rng.choice(els[1:])
        r[eh.index("id")], r[eh.index("kind")] = "european-union", "actor"
        for c in ("type", "adopted", "date", "end_date", "issuer", "url"):
            r[eh.index(c)] = ""
        r[eh.index("type")] = "supranational-union"
    elif op == "date":
        col = rng.choice(["adopted", "date"])
        cell(els, eh, col, bad_date(rng), lambda r: bool(r[eh.index(col)]))
    elif op == "ref":
        col = rng.choice(["from", "to", "sources"])
        cell(cons, ch, col, f"{word(rng)}-{word(rng)}-q",
             lambda r: col != "to" or r[ch.index("relation")] != "counters")
    elif op == "relation":
        cell(cons, ch, "relation", rng.choice(["partyy", "addressed", word(rng), "owns"]))
    elif op == "url":
        cell(els, eh, "url", rng.choice(["ftp://x.org/a", "not a url", "www.example.org", "https://a b"]),
             kind_is("source"))
    elif op == "qid":
        cell(els, eh, "wikidata", rng.choice(["X1", "Q0", "q5", "Q12b"]))
    elif op == "confidence":
        (cell(els, eh, "confidence", rng.choice(["sure", "HIGH", "50", "mid"])) if rng.random() < 0.5 else
         cell(cons, ch, "confidence", rng.choice(["sure", "HIGH", "50", "mid"])))
    elif op == "utf8":
        raw = insert_invalid_utf8(rng, _csv(els).encode())
    elif op == "required":
        kind = rng.choice(["instrument", "incident", "source"])
        col = {"instrument": rng.choice(["type", "adopted", "label"]), "incident": rng.choice(["label", "date"]),
               "source": rng.choice(["issuer", "url", "date", "label"])}[kind]
        if not any(r[eh.index("kind")] == kind for r in els[1:]):
            kind, col = "instrument", "type"
        cell(els, eh, col, "", kind_is(kind))
    elif op == "type":
        cell(els, eh, "type", word(rng) + "-" + word(rng), lambda r: r[eh.index("kind")] != "goal")
    elif op == "only-for":
        cell(els, eh, rng.choice(["issuer", "url", "adopted"]), "2019-01-01", kind_is("actor"))
    elif op == "since":
        cell(cons, ch, "since", bad_date(rng))
    elif op == "conn-missing":
        cell(cons, ch, rng.choice(["from", "relation", "to"]), "")
        if all(not any(r) for r in cons[1:]):
            cons[1][0] = ""
    elif op == "pursues-no-since":
        cons.append(["sandworm", "pursues", "cybercrime-cooperation", "", "", "", "", ""])
    else:  # side
        cell(els, eh, "side", rng.choice(["mars", "eu-x", word(rng)]), kind_is("actor"))
    return els, cons, raw


def _xlsx(els: list[list[str]], cons: list[list[str]], names: tuple[str, str] = ("elements", "connections")) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in zip(names, (els, cons), strict=True):
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _corrupt_zip(rng: random.Random, data: bytes) -> bytes:
    op = rng.choice(["truncate", "drop-member", "garbage-member", "not-zip"])
    if op == "truncate":
        return data[: rng.randrange(4, len(data) - 1)]
    if op == "not-zip":
        return b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(rng.randint(0, 200)))
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        victims = ["xl/workbook.xml", "xl/worksheets/sheet1.xml"]  # the workbook and its elements sheet
        victim = rng.choice(victims)
        for n in src.namelist():
            if n == victim and op == "drop-member":
                continue
            z.writestr(n, (b"<" + word(rng).encode() + b">&bad;<") if n == victim else src.read(n))
    return out.getvalue()


def test_sheets_give_located_errors(known, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from cyberkg.importers.base import FileInfo
    from cyberkg.importers.sheets import to_graph

    rng = random.Random(SEED + 1)
    ep, cp = tmp_path / "map-elements.csv", tmp_path / "map-connections.csv"

    def run_csv(e: bytes, c: bytes) -> Callable[[], object]:
        return lambda: to_graph([(ep, e), (cp, c)], "csv", FileInfo("map", ep.name, "csv", "0" * 64), known)

    assert run_csv(ELEMENTS_CSV.encode(), CONNECTIONS_CSV.encode())() is not None  # the base pair is valid
    for n in range(1400):
        els, cons, raw = _sheet_case(rng)
        e, c = raw or _csv(els).encode(), _csv(cons).encode()
        shown = f"csv #{n}:\n{_changed(ELEMENTS_CSV, e)}\n{_changed(CONNECTIONS_CSV, c)}"
        expect_error(run_csv(e, c), file="map-", kind="sheet", what=shown)
        COUNTS["sheets (CSV pairs)"] += 1
    xp = tmp_path / "map.xlsx"
    good = _xlsx(_rows(ELEMENTS_CSV), _rows(CONNECTIONS_CSV))

    def run_xlsx(data: bytes) -> Callable[[], object]:
        return lambda: to_graph([(xp, data)], "xlsx", FileInfo("map", xp.name, "xlsx", "0" * 64), known)

    assert run_xlsx(good)() is not None
    for n in range(150):
        els, cons, raw = _sheet_case(rng)
        if raw is not None:  # bytes only make sense for CSV; use a renamed sheet instead
            data = _xlsx(els, cons, (rng.choice(["Elements2", "element", "sheet1"]), "connections"))
        else:
            data = _xlsx(els, cons)
        expect_error(run_xlsx(data), file="map.xlsx", kind="sheet", what=f"xlsx #{n}")
        COUNTS["sheets (XLSX)"] += 1
    for n in range(150):
        data = _corrupt_zip(rng, good)
        expect_error(run_xlsx(data), file="map.xlsx", kind="sheet", what=f"damaged xlsx #{n}")
        COUNTS["sheets (XLSX)"] += 1
    for n in range(50):
        data = good[:4] + flip_bytes(rng, good[4:], rng.randint(5, 40))
        expect_clean(run_xlsx(data), file="map.xlsx", kind="sheet", what=f"xlsx mutation #{n}")
        COUNTS["(random mutations)"] += 1
    for n in range(200):
        e = flip_bytes(rng, ELEMENTS_CSV.encode(), rng.randint(1, 4))
        expect_clean(run_csv(e, CONNECTIONS_CSV.encode()), file="map-", kind="sheet", what=f"csv mutation #{n}")
        COUNTS["(random mutations)"] += 1


# ---------------------------------------------------------------------------------------------
# STIX 2.1

STIX = json.loads((DATA / "bundestag-2015.stix.json").read_text(encoding="utf-8"))
JUNK: list[object] = [5, -1.5, True, None, "", "x", [], [1, "a"], {}, {"a": [1]}, [[[]]], {"id": {}}]


def _stix_case(rng: random.Random) -> bytes:
    from cyberkg.importers.stix import KNOWN_TYPES

    doc = json.loads(json.dumps(STIX))
    objs = doc["objects"]
    o = rng.choice(objs)
    mapped = [x for x in objs if x["type"] in KNOWN_TYPES]  # the types the importer maps (others are skipped)
    op = rng.choice(["id", "id-type", "dup", "no-type", "not-object", "timestamp", "name", "list-field", "rel-field",
                     "objects", "not-bundle", "json", "utf8", "deep", "ref-junk"])
    if op == "id":
        o["id"] = rng.choice([o["type"] + "--" + word(rng), o["type"] + "-" + o["id"].split("--")[1],
                              o["id"][:-1] + "z", rng.choice(JUNK[:8]), o["id"].upper()])
    elif op == "id-type":
        o["id"] = rng.choice(["campaign", "malware", "tool"]) + "--" + o["id"].split("--", 1)[1]
        if o["id"].split("--")[0] == o["type"]:
            o["id"] = "x" + o["id"]
    elif op == "dup":
        objs.append(json.loads(json.dumps(o)))
    elif op == "no-type":
        del o[rng.choice(["type", "id"])]
    elif op == "not-object":
        objs.insert(rng.randrange(len(objs) + 1), rng.choice(JUNK[:9]))
    elif op == "timestamp":
        key = rng.choice(["created", "modified", "first_seen", "last_seen", "published"])
        o = rng.choice(mapped)
        o[key] = rng.choice([bad_date(rng), 20201022, None, ["2020-10-22"], {"t": 1}, "2020-10-22T25:61:00Z x"])
    elif op == "name":
        o = rng.choice([x for x in mapped if x["type"] != "relationship"])
        if rng.random() < 0.5:
            o.pop("name", None)
        else:
            o["name"] = rng.choice(["", "   ", 5, None, ["APT"], {"n": 1}])
    elif op == "list-field":
        o = rng.choice(mapped)
        o[rng.choice(["aliases", "object_refs", "external_references"])] = rng.choice(["x", 5, {"a": 1}, True])
    elif op == "rel-field":
        rels = [x for x in objs if x["type"] == "relationship"]
        r = rng.choice(rels)
        r[rng.choice(["relationship_type", "source_ref", "target_ref"])] = rng.choice([None, 5, [], {"x": 1}])
    elif op == "objects":
        doc["objects"] = rng.choice(["x", 5, {"a": 1}, None, True])
    elif op == "not-bundle":
        doc = rng.choice([[doc], {"type": "bundl", "objects": objs}, "bundle", 5, {"objects": objs}, None])
    elif op == "json":
        text = json.dumps(doc)
        cut = rng.randrange(1, len(text) - 1)
        return (text[:cut] + rng.choice(["", ",", "}", "]]", "'", "\\"])).encode()
    elif op == "utf8":
        return insert_invalid_utf8(rng, json_dumps(doc))
    elif op == "deep":
        depth = rng.choice([2000, 50000])
        return ("[" * depth + "]" * depth).encode() if rng.random() < 0.5 else (
            '{"type": "bundle", "objects": ' + "[" * depth + "]" * depth + "}").encode()
    else:  # ref-junk: a reference of the wrong type where a STIX id is expected
        key = rng.choice(["created_by_ref", "source_ref", "target_ref"])
        cands = [x for x in mapped if key in x] or mapped
        rng.choice(cands)[key] = rng.choice([[], ["a"], {"a": 1}, 5, None])
    return json_dumps(doc)


def test_stix_gives_located_errors(known) -> None:  # type: ignore[no-untyped-def]
    from cyberkg.importers.base import FileInfo
    from cyberkg.importers.stix import to_graph

    rng = random.Random(SEED + 2)

    def run(data: bytes) -> Callable[[], object]:
        return lambda: to_graph(data, FileInfo("b", "b.json", "stix", "0" * 64), known)

    assert run(json_dumps(STIX))() is not None
    for n in range(2000):
        data = _stix_case(rng)
        expect_error(run(data), file="b.json", kind="stix",
                     what=f"stix #{n}: {_changed(json_dumps(STIX).decode(), data)}")
        COUNTS["STIX 2.1"] += 1
    for n in range(200):
        data = flip_bytes(rng, json_dumps(STIX), rng.randint(1, 4))
        expect_clean(run(data), file="b.json", kind="stix", what=f"stix mutation #{n}: {data!r}")
        COUNTS["(random mutations)"] += 1


# ---------------------------------------------------------------------------------------------
# RDF: Turtle, TriG, N-Triples, N-Quads, JSON-LD, RDF/XML

RDF_FILES = {"turtle": "ttl", "trig": "trig", "nt": "nt", "nq": "nq", "jsonld": "jsonld", "rdfxml": "rdf"}


def _iri_spans(text: str) -> list[re.Match[str]]:
    return list(re.finditer(r"<(https?://[^<>\s\"]+)>", text))


def _rdf_case(rng: random.Random, fmt: str, text: str) -> bytes:
    if fmt == "jsonld":
        return _jsonld_case(rng, text)
    if fmt == "rdfxml":
        return _rdfxml_case(rng, text)
    op = rng.choice(["cut-iri", "space-iri", "relative", "ill-typed", "escape", "dot", "bracket", "prefix",
                     "utf8", "control", "literal-quote", "junk-line"])
    spans = _iri_spans(text)
    m = rng.choice(spans)
    if op == "cut-iri":
        return (text[: m.start() + rng.randint(2, len(m.group(0)) - 1)] + "\n").encode()
    if op == "space-iri":
        inner = m.group(1)
        k = rng.randint(8, len(inner) - 1)
        bad = inner[:k] + rng.choice([" ", "\"", "{", "|", "^", "`", "\\"]) + inner[k:]
        return (text[: m.start()] + f"<{bad}>" + text[m.end():]).encode()
    if op == "relative":  # (a relative IRI in a prefix that nothing uses would be harmless)
        m = rng.choice([x for x in spans if not text[: x.start()].rsplit("\n", 1)[-1].startswith("@prefix")])
        return (text[: m.start()] + f"<{word(rng)}/{word(rng)}>" + text[m.end():]).encode()
    if op == "ill-typed":
        lits = list(re.finditer(r'"(\d{4}-\d{2}-\d{2})"\^\^(xsd:date|<http://www.w3.org/2001/XMLSchema#date>)', text))
        if lits:
            lit = rng.choice(lits)
            return (text[: lit.start(1)] + bad_date(rng) + text[lit.end(1):]).encode()
        op = "escape"
    if op == "escape":
        lits = list(re.finditer(r'"([^"\\\n]{3,})"', text))
        lit = rng.choice(lits)
        k = rng.randint(lit.start(1), lit.end(1) - 1)
        return (text[:k] + rng.choice(["\\q", "\\u12g", "\\U0011ffff", "\\x41", "\\ "]) + text[k:]).encode()
    if op == "dot":
        dots = [d.start() for d in re.finditer(r" \.\s*$", text, re.M)]
        k = rng.choice(dots)
        return (text[:k] + rng.choice([" ; ,", " ,", " .."]) + text[k + 2:]).encode()
    if op == "bracket":
        k = rng.choice([d.end() for d in re.finditer(r"\s\.\n", text)])
        return (text[:k] + rng.choice(["[ ", "( <http://x.org/a> ", "<http://x.org/a> [ <http://x.org/b> ",
                                       "{ ", "<http://x.org/a> <http://x.org/b> ( "]) + text[k:]).encode()
    if op == "prefix":
        return (text[: m.start()] + f"{word(rng)}q:{word(rng)}" + text[m.end():]).encode()
    if op == "utf8":
        return insert_invalid_utf8(rng, text.encode())
    if op == "control":
        lits = list(re.finditer(r'"([^"\\\n]{3,})"', text))
        lit = rng.choice(lits)
        k = rng.randint(lit.start(1), lit.end(1) - 1)
        return (text[:k] + rng.choice(["\n", "\r"]) + text[k:]).encode() if fmt in ("nt", "nq") else (
            text[: m.start() + 5] + rng.choice(["\x00", "\x01", "\x1f", "\x7f"]) + text[m.start() + 5:]).encode()
    if op == "literal-quote":
        lits = list(re.finditer(r'"([^"\\\n]{3,})"', text))
        lit = rng.choice(lits)
        return (text[: lit.end(1)] + text[lit.end(1) + 1:]).encode()
    k = rng.choice([d.end() for d in re.finditer(r"\n", text)])
    return (text[:k] + rng.choice(["@prefix : .\n", "<http://x.org/a> .\n", "@base <rel> . <x> <y> <z> .\n",
                                   "a b c .\n",
                                   "_:b <http://x.org/p> .\n", "\"lit\" <http://x.org/p> <http://x.org/o> .\n"])
            + text[k:]).encode()


def _jsonld_case(rng: random.Random, text: str) -> bytes:
    doc = json.loads(text)
    op = rng.choice(["json", "id", "type", "value", "context", "remote", "utf8", "relative", "ill-typed",
                     "space-iri", "deep"])
    nodes = doc if isinstance(doc, list) else doc.get("@graph", [doc])
    node = rng.choice(nodes)
    if op == "json":
        s = json.dumps(doc)
        k = rng.randrange(1, len(s) - 1)
        return (s[:k] + rng.choice(["", ",", "}", "]]", "'"])).encode()
    if op == "id":
        node["@id"] = rng.choice([5, [], {"a": 1}, True, 1.5])
    elif op == "type":
        node["@type"] = rng.choice([5, [{"a": 1}], {"x": 1}, [5]])
    elif op == "value":
        props = [k for k in node if not k.startswith("@")]
        node[rng.choice(props)] = [rng.choice([{"@value": {"a": 1}}, {"@value": [1, 2]}, {"@value": "x", "@type": 5},
                                               {"@value": "x", "@language": 5}, {"@id": 5}, {"@list": {"@id": 5}},
                                               {"@value": "x", "@extra": 1}])]
    elif op == "context":
        node["@context"] = rng.choice([5, True, {"@vocab": 5}, {"x": {"@id": 5}}, {"@base": 5}, [5]])
        if node["@context"] == {"@vocab": 5}:
            node["@context"] = {"x": {"@id": 5}}
    elif op == "remote":
        node["@context"] = rng.choice(["https://schema.org/", ["http://example.org/ctx.jsonld"],
                                       {"@import": "https://example.org/ctx"}])
        if isinstance(node["@context"], dict):
            node["@context"] = "https://example.org/ctx"
    elif op == "utf8":
        return insert_invalid_utf8(rng, json_dumps(doc))
    elif op == "relative":
        node["@id"] = f"{word(rng)}/{word(rng)}"
    elif op == "ill-typed":
        props = [k for k, v in node.items() if isinstance(v, list) and v and isinstance(v[0], dict)
                 and v[0].get("@type", "").endswith("#date")]
        if props:
            node[rng.choice(props)][0]["@value"] = bad_date(rng)
        else:
            node["@id"] = "https://w3id.org/cyberkg/id/a b"
    elif op == "space-iri":
        node["@id"] = node["@id"][:12] + rng.choice([" ", "<", ">", "\"", "{", "\\"]) + node["@id"][12:]
    else:
        depth = rng.choice([3000, 30000])
        return ("[" * depth + "]" * depth).encode()
    return json_dumps(doc)


def _rdfxml_case(rng: random.Random, text: str) -> bytes:
    op = rng.choice(["tag", "cut", "entity", "attr", "about", "utf8", "relative", "ill-typed", "ns", "parse-type"])
    lines = text.splitlines()
    if op == "tag":
        i = rng.choice([i for i, line in enumerate(lines) if "</" in line])
        lines[i] = lines[i].replace("</", "</x", 1)
    elif op == "cut":
        return text[: rng.randrange(40, len(text) - 12)].encode()
    elif op == "entity":
        i = rng.choice([i for i, line in enumerate(lines) if ">" in line and "<rdfs:label" in line] or [len(lines) - 2])
        lines[i] = lines[i].replace(">", f">&{word(rng)};", 1)
    elif op == "attr":
        i = rng.choice([i for i, line in enumerate(lines) if "rdf:resource=" in line])
        lines[i] = lines[i].replace('rdf:resource="', 'rdf:resource=', 1)
    elif op in ("about", "relative"):
        i = rng.choice([i for i, line in enumerate(lines) if "rdf:about=" in line or "rdf:resource=" in line])
        bad = "https://w3id.org/a b" if op == "about" else f"{word(rng)}/{word(rng)}"
        lines[i] = re.sub(r'rdf:(about|resource)="[^"]*"', lambda m: f'rdf:{m[1]}="{bad}"', lines[i], count=1)
    elif op == "utf8":
        return insert_invalid_utf8(rng, text.encode())
    elif op == "ill-typed":
        cands = [i for i, line in enumerate(lines) if re.search(r">\d{4}-\d{2}-\d{2}<", line)]
        if cands:
            i = rng.choice(cands)
            lines[i] = re.sub(r">\d{4}-\d{2}-\d{2}<", f">{bad_date(rng)}<", lines[i])
        else:
            lines[5] += "<"
    elif op == "ns":
        i = rng.choice([i for i, line in enumerate(lines) if "<rdfs:label" in line])
        lines[i] = lines[i].replace("rdfs:label", "zz:label")
    else:
        i = rng.choice([i for i, line in enumerate(lines) if "<rdf:Description" in line])
        lines[i] = lines[i].replace("<rdf:Description", '<rdf:Description rdf:parseType="Bogus" rdf:ID="1x"', 1)
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("fmt", sorted(RDF_FILES))
def test_rdf_gives_located_errors(fmt: str) -> None:
    from cyberkg.importers.base import FileInfo
    from cyberkg.importers.rdf import to_graph

    rng = random.Random(f"{SEED}-{fmt}")
    text = (DATA / f"eu-us-umbrella.{RDF_FILES[fmt]}").read_text(encoding="utf-8")
    name = f"u.{RDF_FILES[fmt]}"

    def run(data: bytes) -> Callable[[], object]:
        return lambda: to_graph(data, fmt, FileInfo("u", name, fmt, "0" * 64))

    assert len(run(text.encode())()) > 0  # type: ignore[arg-type]
    shown = json_dumps(json.loads(text)).decode() if fmt == "jsonld" else text
    for n in range(400):
        data = _rdf_case(rng, fmt, text)
        expect_error(run(data), file=name, kind="rdf", what=f"{fmt} #{n}: {_changed(shown, data)}")
        COUNTS[f"RDF ({fmt})"] += 1
    for n in range(60):
        data = flip_bytes(rng, text.encode(), rng.randint(1, 3))
        expect_clean(run(data), file=name, kind="rdf", what=f"{fmt} mutation #{n}: {data!r}")
        COUNTS["(random mutations)"] += 1


# ---------------------------------------------------------------------------------------------
# -p NAME=VALUE query parameters


def _bad_value(rng: random.Random, ptype: str) -> str:
    if ptype == "date":
        return rng.choice([bad_date(rng), "yesterday", "2020-11-26T", "", "   ", "2020-11-26; DROP", "\x00"])
    if ptype == "iri":
        return rng.choice(["side/eu", "eu", "https://w3id.org/cyberkg/id/side/eu> } ; DROP ALL ; #",
                           "<https://x.org/a>", "https://x.org/a b", 'https://x.org/"q"', "zz:eu", "", "  ",
                           "https://x.org/\x00", "http://x.org/{a}", ":", "kg", "https://x.org/a\nb", "1:",
                           f"{word(rng)} {word(rng)}"])
    if ptype == "boolean":
        return rng.choice(["maybe", "2", "", "tru", "yes!", "on", "none", "-1"])
    if ptype == "integer":
        return rng.choice(["1.5", "x", "", "1e3", "9" * 5000])
    return rng.choice(["1.2.3", "x", "", "1,5", "nan", "inf"])


def _param_cases(rng: random.Random, queries: list) -> Iterator[tuple[str, list[str], str]]:  # type: ignore[type-arg]
    """(query name, -p arguments, the parameter name the error must name)."""
    while True:
        q = rng.choice(queries)
        params = list(q.params.values())
        p = rng.choice(params)
        op = rng.choice(["value", "value", "value", "unknown", "no-equals", "empty-name"])
        if op == "value":
            yield q.name, [f"{p.name}={_bad_value(rng, p.type)}"], p.name
        elif op == "unknown":
            bad = rng.choice([p.name.lower() + "x", p.name.upper(), word(rng), p.var, "_" + p.name])
            if bad in q.params:
                bad += "x"
            yield q.name, [f"{bad}=1"], bad
        elif op == "no-equals":
            bad = rng.choice([p.name, f"{p.name}:2020", f"{p.name} 2020", ""])
            yield q.name, [bad], "NAME=VALUE"
        else:
            yield q.name, [f"={rng.choice(['x', '2020-01-01', ''])}"], "NAME=VALUE"


def test_query_parameters_give_named_errors() -> None:
    from cyberkg.analysis.catalogue import bindings, catalogue, parse_params

    queries = [q for q in catalogue() if q.params]
    by_name = {q.name: q for q in queries}
    rng = random.Random(SEED + 3)
    cases = _param_cases(rng, queries)
    for n in range(2000):
        name, args, must_name = next(cases)
        try:
            bindings(by_name[name], parse_params(args))
        except QueryError as exc:
            assert must_name in str(exc), f"param #{n} {name} {args!r}: the error does not name {must_name!r}: {exc}"
        except Exception as exc:
            raise AssertionError(f"param #{n} {name} {args!r}: {type(exc).__name__}: {exc}") from exc
        else:
            raise AssertionError(f"param #{n} {name} {args!r}: accepted")
        COUNTS["-p parameters"] += 1


def test_a_spliced_looking_value_is_bound_as_data(tiny_ox) -> None:  # type: ignore[no-untyped-def]
    """A string value that looks like SPARQL is data: the query runs and matches nothing odd."""
    from cyberkg.analysis.catalogue import find, run

    q = find("instruments/instruments-in-force-on-date")
    with pytest.raises(QueryError, match="asOf"):
        run(q, tiny_ox, {"asOf": '2020-01-01"^^xsd:date) } } DELETE WHERE { ?s ?p ?o } #'})
    assert run(q, tiny_ox, {"asOf": "2020-01-01"}).rows  # the store is untouched


# ---------------------------------------------------------------------------------------------
# A sample through the real CLI: one 'error:' line, exit 2, no traceback, the build unchanged.


def _cli_samples() -> list[tuple[str, bytes]]:
    rng = random.Random(SEED + 4)
    out: list[tuple[str, bytes]] = []
    for fmt in ("turtle", "nt", "jsonld", "rdfxml"):
        text = (DATA / f"eu-us-umbrella.{RDF_FILES[fmt]}").read_text(encoding="utf-8")
        out += [(f"s{len(out)}.{RDF_FILES[fmt]}", _rdf_case(rng, fmt, text)) for _ in range(2)]
    out += [(f"s{len(out)}.json", _stix_case(rng)) for _ in range(3)]
    out += [(f"s{len(out)}.xlsx", _corrupt_zip(rng, _xlsx(_rows(ELEMENTS_CSV), _rows(CONNECTIONS_CSV))))]
    els, _, raw = _sheet_case(rng)
    out += [(f"s{len(out)}-elements.csv", raw or _csv(els).encode())]
    return out


def test_cli_sample_one_error_line_exit_2_nothing_written(import_home: Path, tmp_path: Path) -> None:
    import os

    env = {**os.environ, "CYBERKG_HOME": str(import_home), "CYBERKG_BUILD_DIR": str(tmp_path / "build")}
    cli = [str(Path(sys.executable).parent / "cyberkg")]
    first = subprocess.run([*cli, "build", "--no-validate"], env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    before = snapshot(tmp_path / "build")
    files = tmp_path / "in"
    files.mkdir()
    samples = _cli_samples()
    for name, data in samples:
        (files / name).write_bytes(data)
    args = [[*cli, "import", str(files / name)] for name, _ in samples]
    args.append([*cli, "query", "gaps/shared-goals-without-joint-instrument", "-p", "asOf=2020-13-45"])
    args.append([*cli, "query", "gaps/shared-goals-without-joint-instrument", "-p", "asOf"])
    args.append([*cli, "query", "gaps/shared-goals-without-joint-instrument", "-p", "sideA=eu us"])
    for a in args:
        r = subprocess.run(a, env=env, capture_output=True, text=True, timeout=300)
        shown = " ".join(a[3:])
        assert r.returncode == 2, f"{shown}: exit {r.returncode}\n{r.stderr}"
        assert "Traceback" not in r.stderr, f"{shown}:\n{r.stderr}"
        assert r.stderr.startswith("error: ") and r.stderr.count("error:") == 1, f"{shown}:\n{r.stderr}"
        assert [line for line in r.stderr.splitlines() if line and not line.startswith(("error: ", "  "))] == [], (
            f"{shown}: stray lines on stderr:\n{r.stderr}")
        assert snapshot(tmp_path / "build") == before, f"{shown}: the build folder changed"
    COUNTS["(through the CLI)"] += len(args)


def test_fuzz_totals() -> None:
    """Runs last in this file: the generated malformed inputs add up to at least 10,000."""
    malformed = sum(v for k, v in COUNTS.items() if not k.startswith("("))
    print("\nfuzz inputs:", dict(sorted(COUNTS.items())), "malformed total:", malformed)
    targets = {"yaml record loader", "sheets (CSV pairs)", "sheets (XLSX)", "STIX 2.1", "-p parameters"}
    targets |= {f"RDF ({f})" for f in RDF_FILES}
    if not targets <= set(COUNTS):
        pytest.skip(f"only part of tests/test_fuzz.py ran (not {sorted(targets - set(COUNTS))})")
    assert malformed >= 10_000, COUNTS
