"""Curated records: the schema of ``graph/*.yaml`` and its checks. Pure: no I/O.

A record is parsed from a YAML mapping that carries line numbers (see ``loaders``). Every problem
is reported with the file and line and what to do; unknown ids get a "did you mean".

Longer than 350 lines: the whole record schema (fields, types, required fields) and its checks
live in one table-driven module so a curator reads the rules in one place.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import reprlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cyberkg.core.errors import Problem

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
QID = re.compile(r"^Q[1-9][0-9]*$")
CONFIDENCE = ("high", "medium", "low")

SECTIONS = {
    "sides": "side",
    "actors": "actor",
    "goals": "goal",
    "instruments": "instrument",
    "incidents": "incident",
    "sources": "source",
    "divergences": "divergence",
    "claims": "claim",
}

# Field types: str, url, date, slug, qid, strs, conf, ref:<kind>, refs:<kind>, concept:<scheme>,
# concepts:<scheme>, pursuits, positions.  Every record also takes the COMMON fields.
COMMON = {
    "id": "slug", "label": "str", "description": "str", "sources": "refs:source", "confidence": "conf",
    "note": "str", "aliases": "strs", "wikidata": "qid",
}
SCHEMA: dict[str, dict[str, str]] = {
    "side": {"code": "str", "actor": "ref:actor", "domains": "strs"},
    "actor": {
        "kind": "concept:actor-kind", "part_of": "ref:actor", "member_of": "refs:actor", "side": "ref:side",
        "established": "date", "dissolved": "date", "homepage": "url", "domains": "strs",
    },
    "goal": {"broader": "ref:goal", "pursued_by": "pursuits"},
    "instrument": {
        "type": "concept:instrument-type", "parties": "refs:actor", "adopted": "date", "in_force": "date",
        "ended": "date", "struck_down": "date", "struck_down_by": "ref:source", "part_of": "ref:instrument",
        "addresses": "refs:goal", "counters": "concepts:threat", "responds_to": "refs:incident",
        "attributes_to": "refs:actor", "targets": "refs:actor",
        "until": "date", "supersedes": "refs:instrument", "commitment": "concept:commitment-level",
        "lifecycle": "concept:lifecycle",
        "functions": "concepts:instrument-function",
    },
    "incident": {
        "date": "date", "end_date": "date", "threats": "concepts:threat", "affected": "refs:actor",
    },
    "source": {
        "title": "str", "issuer": "refs:actor", "date": "date", "identifier": "str", "url": "url",
        "type": "concept:source-type", "no_identifier": "str",
        "identifier_unconfirmed": "str", "official_copy_unavailable": "str", "authors": "strs",
    },
    "divergence": {"goals": "refs:goal", "since": "date", "positions": "positions",
                   "limits": "concepts:instrument-function", "rules_out": "concepts:instrument-function"},
    # a statement of a source (the founding brief) that a catalogue query compares with the record
    "claim": {"text": "str", "goals": "refs:goal", "stated_in": "ref:source", "query": "str",
              "expects": "str", "functions": "concepts:instrument-function", "since": "date", "until": "date"},
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "side": ("id", "label", "code", "actor"),
    "actor": ("id", "label", "kind"),
    "goal": ("id", "label"),
    "instrument": ("id", "label", "type", "parties", "adopted", "sources"),
    "incident": ("id", "label", "date", "sources"),
    "source": ("id", "title", "issuer", "date", "url"),
    "divergence": ("id", "label", "positions", "sources"),
    "claim": ("id", "label", "text", "stated_in", "query", "expects"),
}
PURSUIT = {"actor": "ref:actor", "since": "date", "until": "date", "stated_in": "ref:source",
           "confidence": "conf", "note": "str"}
POSITION = {"side": "ref:side", "summary": "str", "sources": "refs:source"}


@dataclass(frozen=True, order=True)
class PartialDate:
    """An ISO date that may be a year or a year-month; the precision is kept."""

    text: str

    @property
    def precision(self) -> str:
        return {4: "year", 7: "month"}.get(len(self.text), "day")

    def first_day(self) -> dt.date:
        parts = [int(x) for x in self.text.split("-")] + [1, 1]
        return dt.date(parts[0], parts[1], parts[2])


@dataclass(frozen=True)
class Ref:
    """One relationship to another record, with its own sources when it has them."""

    id: str
    line: int
    sources: tuple[str, ...] = ()
    confidence: str | None = None
    note: str | None = None


@dataclass
class Record:
    kind: str
    id: str
    file: str
    line: int
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    @property
    def label(self) -> str:
        return str(self.values.get("label") or self.values.get("title") or self.id)

    def refs(self, name: str) -> list[Ref]:
        value = self.values.get(name)
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [value]


_SCALAR = (str, int, float)


def short(raw: Any, depth: int = 2) -> str:
    """A bounded repr for messages: YAML aliases can nest a value exponentially (a 'billion laughs'),
    so lists and mappings show their first items, two levels deep."""
    if isinstance(raw, Mapping):
        items = [f"{short(k, 0)}: {short(v, depth - 1)}" for k, v in list(raw.items())[:4]] if depth > 0 else []
        return "{" + ", ".join(items) + (", ..." if len(raw) > len(items) else "") + "}"
    if isinstance(raw, list | tuple):
        shown = [short(x, depth - 1) for x in raw[:4]] if depth > 0 else []
        return "[" + ", ".join(shown) + (", ..." if len(raw) > len(shown) else "") + "]"
    return reprlib.repr(str(raw) if isinstance(raw, str) else raw)


def _scalar(raw: Any) -> bool:
    return isinstance(raw, _SCALAR) and not isinstance(raw, bool)


def did_you_mean(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(known), n=3, cutoff=0.6)
    return f"did you mean {', '.join(repr(c) for c in close)}?" if close else ""


class _Parser:
    """Parses raw YAML values field by field, collecting problems instead of stopping."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems

    def problem(self, line: int, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.file, line, message, hint))

    def value(self, ftype: str, raw: Any, line: int, name: str) -> Any:
        base = ftype.partition(":")[0]
        if base in ("str", "url", "qid", "slug"):
            if isinstance(raw, bool) or not isinstance(raw, str | int | float) or str(raw).strip() == "":
                self.problem(line, f"'{name}' must be text", "write a plain string")
                return None
            text = str(raw).strip()
            if base == "url" and not re.match(r"^https?://\S+$", text):
                self.problem(line, f"'{name}' is not an http(s) URL: {text!r}", "give the full https:// address")
                return None
            if base == "qid" and not QID.match(text):
                self.problem(line, f"'{name}' is not a Wikidata item id: {text!r}", "write it like Q458")
                return None
            if base == "slug" and not SLUG.match(text):
                self.problem(line, f"id {text!r} is not a slug",
                             "use lower-case letters, digits and single hyphens, e.g. 'eu-us-mla-agreement'")
                return None
            return text
        if base == "conf":
            if raw not in CONFIDENCE:
                self.problem(line, f"confidence {short(raw)} is not one of {', '.join(CONFIDENCE)}")
                return None
            return raw
        if base == "date":
            return self.date(raw, line, name)
        if base == "strs":
            items = raw if isinstance(raw, list) else [raw]
            if not all(_scalar(x) or x is None for x in items):
                self.problem(line, f"'{name}' must be a list of text, got {short(raw)}", "write [a, b]")
                return None
            return [str(x) for x in items if x is not None]
        if base in ("ref", "concept"):
            return self.ref(raw, line, name, allow_mapping=base == "ref")
        if base in ("refs", "concepts"):
            items = raw if isinstance(raw, list) else [raw]
            out = []
            for item in items:
                item_line = getattr(item, "line", line)
                ref = self.ref(item, item_line, name, allow_mapping=True)
                if ref is not None:
                    out.append(ref)
            return out
        raise AssertionError(f"unknown field type {ftype}")  # pragma: no cover - schema bug

    def date(self, raw: Any, line: int, name: str) -> PartialDate | None:
        if isinstance(raw, dt.datetime):
            raw = raw.date()
        if isinstance(raw, dt.date):
            return PartialDate(raw.isoformat())
        text = str(raw).strip() if _scalar(raw) else ""
        m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$", text)
        if m:
            try:
                y, mo, d = int(m[1]), int(m[2] or 1), int(m[3] or 1)
                dt.date(y, mo, d)
                return PartialDate(text)
            except ValueError:
                pass
        self.problem(line, f"'{name}' is not a valid date: {short(raw)}",
                     "write an ISO date such as 2019-05-17 (or 2019-05, or 2019 when that is all the source gives)")
        return None

    def ref(self, raw: Any, line: int, name: str, allow_mapping: bool) -> Ref | None:
        if isinstance(raw, Mapping) and allow_mapping:
            if "id" not in raw:
                self.problem(line, f"an item of '{name}' has no 'id'", "write {id: some-id, sources: [...]}")
                return None
            extra = set(raw) - {"id", "sources", "confidence", "note"}
            if extra:
                self.problem(line, f"unknown field(s) {sorted(extra)} in an item of '{name}'",
                             "an item takes id, sources, confidence and note")
            srcs = raw.get("sources") or []
            srcs = srcs if isinstance(srcs, list) else [srcs]
            conf = raw.get("confidence")
            if conf is not None and conf not in CONFIDENCE:
                self.problem(line, f"confidence {short(conf)} is not one of {', '.join(CONFIDENCE)}")
                conf = None
            note = raw.get("note")
            bad = [k for k, v in (("id", raw["id"]), ("note", note)) if v is not None and not _scalar(v)]
            bad += ["sources"] * any(not _scalar(x) for x in srcs)
            if bad:
                self.problem(line, f"an item of '{name}' has {bad[0]!r} that is not text: {short(raw)}",
                             "write {id: some-id, sources: [a, b], note: text}")
                return None
            return Ref(str(raw["id"]), line, tuple(str(s) for s in srcs), conf, None if note is None else str(note))
        if isinstance(raw, str) and raw.strip():
            return Ref(raw.strip(), line)
        self.problem(line, f"'{name}' must name an id, got {short(raw)}")
        return None


def parse_record(kind: str, raw: Any, file: str, problems: list[Problem]) -> Record | None:
    """Parse one YAML mapping into a record, appending problems (with lines) to ``problems``."""
    line = getattr(raw, "line", 0)
    p = _Parser(file, problems)
    if not isinstance(raw, Mapping):
        p.problem(line, f"a {kind} record must be a mapping of fields, got {type(raw).__name__}",
                  "start each record with '- id: …'")
        return None
    lines: dict[str, int] = dict(getattr(raw, "key_lines", {}))
    rid = raw.get("id")
    rec = Record(kind, str(rid) if rid is not None else "", file, line, {}, lines)
    spec = {**COMMON, **SCHEMA[kind]}
    for name, value in raw.items():
        fline = lines.get(name, line)
        if name not in spec:
            p.problem(fline, f"unknown field {name!r} in {kind} {rec.id or '(no id)'}",
                      did_you_mean(str(name), spec) or f"the fields of a {kind} are: {', '.join(sorted(spec))}")
            continue
        if value is None or value == [] or value == "":
            continue
        ftype = spec[name]
        if ftype == "pursuits":
            rec.values[name] = _sub_records(p, value, PURSUIT, ("actor", "since", "stated_in"), fline, name)
        elif ftype == "positions":
            rec.values[name] = _sub_records(p, value, POSITION, ("side", "summary", "sources"), fline, name)
        else:
            parsed = p.value(ftype, value, fline, name)
            if parsed is not None:
                rec.values[name] = parsed
    for name in REQUIRED[kind]:
        if name not in rec.values and raw.get(name) in (None, [], ""):  # present but invalid: reported above
            p.problem(line, f"{kind} {rec.id or '(no id)'} has no '{name}'",
                      f"every {kind} needs: {', '.join(REQUIRED[kind])}")
    if "id" not in rec.values:
        return None
    conf = rec.values.get("confidence")
    if conf in ("medium", "low") and not rec.values.get("note"):
        p.problem(lines.get("confidence", line), f"{kind} {rec.id} has confidence {conf} but no 'note'",
                  "say in a note what could not be confirmed")
    return rec


def _sub_records(p: _Parser, value: Any, spec: dict[str, str], required: tuple[str, ...], line: int,
                 name: str) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        iline = getattr(item, "line", line)
        if not isinstance(item, Mapping):
            p.problem(iline, f"an item of '{name}' must be a mapping", f"fields: {', '.join(spec)}")
            continue
        klines = getattr(item, "key_lines", {})
        sub: dict[str, Any] = {"_line": iline}
        for k, v in item.items():
            if k not in spec:
                p.problem(klines.get(k, iline), f"unknown field {k!r} in an item of '{name}'",
                          did_you_mean(str(k), spec) or f"fields: {', '.join(spec)}")
                continue
            if v is None or v == []:
                continue
            parsed = p.value(spec[k], v, klines.get(k, iline), k)
            if parsed is not None:
                sub[k] = parsed
        for k in required:
            if k not in sub:
                p.problem(iline, f"an item of '{name}' has no '{k}'", f"each item needs: {', '.join(required)}")
        if sub.get("confidence") in ("medium", "low") and not sub.get("note"):
            p.problem(iline, f"an item of '{name}' has confidence {sub['confidence']} but no 'note'",
                      "say in a note what could not be confirmed")
        out.append(sub)
    return out


@dataclass
class Catalog:
    """All records, indexed by kind and id, plus the controlled vocabularies' notations."""

    records: dict[str, dict[str, Record]] = field(default_factory=lambda: {k: {} for k in SCHEMA})
    concepts: dict[str, set[str]] = field(default_factory=dict)

    def all(self, kind: str) -> list[Record]:
        return [self.records[kind][k] for k in sorted(self.records[kind])]

    def add(self, rec: Record, problems: list[Problem]) -> None:
        seen = self.records[rec.kind].get(rec.id)
        if seen is not None:
            problems.append(Problem(rec.file, rec.line, f"duplicate {rec.kind} id {rec.id!r}",
                                    f"it is already defined at {seen.file}:{seen.line}; rename one or merge them"))
            return
        self.records[rec.kind][rec.id] = rec

    def check_references(self) -> list[Problem]:
        """Every id a record names exists, with a "did you mean" when it does not."""
        problems: list[Problem] = []

        def check(rec: Record, kind_or_scheme: str, ref: Ref | str, line: int, what: str) -> None:
            rid = ref.id if isinstance(ref, Ref) else ref
            rline = ref.line if isinstance(ref, Ref) else line
            if kind_or_scheme in self.records:
                known: Iterable[str] = self.records[kind_or_scheme]
                noun = kind_or_scheme
            else:
                known = self.concepts.get(kind_or_scheme, set())
                noun = f"{kind_or_scheme} concept"
            if rid not in known:
                hint = did_you_mean(rid, known) or (
                    f"add it to graph/vocab/{kind_or_scheme}s.ttl" if noun.endswith("concept")
                    else f"add a {noun} record with this id, or fix the spelling")
                problems.append(Problem(rec.file, rline, f"{what} names unknown {noun} {rid!r}", hint))
            if isinstance(ref, Ref):
                for s in ref.sources:
                    if s not in self.records["source"]:
                        problems.append(Problem(rec.file, rline, f"{what} cites unknown source {s!r}",
                                                did_you_mean(s, self.records["source"]) or "add the source"))

        for kind, recs in self.records.items():
            spec = {**COMMON, **SCHEMA[kind]}
            for rec in recs.values():
                for name, value in rec.values.items():
                    ftype = spec.get(name, "")
                    base, _, target = ftype.partition(":")
                    line = rec.lines.get(name, rec.line)
                    if base in ("ref", "refs", "concept", "concepts"):
                        for ref in value if isinstance(value, list) else [value]:
                            check(rec, target, ref, line, f"{kind} {rec.id}: '{name}'")
                    elif ftype in ("pursuits", "positions"):
                        sub_spec = PURSUIT if ftype == "pursuits" else POSITION
                        for item in value:
                            for k, v in item.items():
                                b, _, t = sub_spec.get(k, "").partition(":")
                                if b in ("ref", "refs"):
                                    for ref in v if isinstance(v, list) else [v]:
                                        check(rec, t, ref, item["_line"], f"{kind} {rec.id}: '{name}.{k}'")
        problems.extend(self._check_rules())
        return problems

    def _check_rules(self) -> list[Problem]:
        problems: list[Problem] = []
        for rec in self.records["instrument"].values():
            start = rec.get("in_force") or rec.get("adopted")
            for end_name in ("ended", "struck_down", "until"):
                end = rec.get(end_name)
                if start and end and end.first_day() < start.first_day():
                    problems.append(Problem(rec.file, rec.lines.get(end_name, rec.line),
                                            f"instrument {rec.id}: '{end_name}' {end.text} is before it took effect "
                                            f"({start.text})", "check both dates against the source"))
            if rec.get("struck_down") and not rec.get("struck_down_by"):
                problems.append(Problem(rec.file, rec.lines.get("struck_down", rec.line),
                                        f"instrument {rec.id} is struck down but names no judgment",
                                        "add struck_down_by: <source id of the judgment>"))
            if rec.get("part_of") and rec.get("part_of").id == rec.id:
                problems.append(Problem(rec.file, rec.line, f"instrument {rec.id} is part of itself"))
            if any(r.id == rec.id for r in rec.refs("supersedes")):
                problems.append(Problem(rec.file, rec.lines.get("supersedes", rec.line),
                                        f"instrument {rec.id} supersedes itself"))
            if rec.get("lifecycle") and not rec.get("note"):
                problems.append(Problem(rec.file, rec.lines.get("lifecycle", rec.line),
                                        f"instrument {rec.id} overrides its type's lifecycle without a note",
                                        "say in the note why (a summit typed as a dialogue is one meeting)"))
            if rec.get("commitment") and not rec.get("note"):
                problems.append(Problem(rec.file, rec.lines.get("commitment", rec.line),
                                        f"instrument {rec.id} overrides its type's commitment level without a note",
                                        "say in the instrument's note why this level differs (its sources back it)"))
        for rec in self.records["goal"].values():
            seen = {rec.id}
            cur = rec
            while cur.get("broader") is not None:
                parent = cur.get("broader").id
                if parent in seen:
                    problems.append(Problem(rec.file, rec.lines.get("broader", rec.line),
                                            f"goal {rec.id}: the broader-goal chain loops back to {parent!r}",
                                            "a goal cannot be broader than itself"))
                    break
                seen.add(parent)
                nxt = self.records["goal"].get(parent)
                if nxt is None:
                    break
                cur = nxt
        for rec in self.records["claim"].values():
            if rec.get("expects") not in (None, "joint", "no-joint"):
                problems.append(Problem(rec.file, rec.lines.get("expects", rec.line),
                                        f"claim {rec.id}: 'expects' is {rec.get('expects')!r}",
                                        "write joint (the claim says joint instruments exist) or no-joint"))
        for rec in self.records["side"].values():
            codes = [r.get("code") for r in self.records["side"].values()]
            if codes.count(rec.get("code")) > 1:
                problems.append(Problem(rec.file, rec.line, f"side code {rec.get('code')!r} is used twice",
                                        "each side needs its own code"))
        return problems
