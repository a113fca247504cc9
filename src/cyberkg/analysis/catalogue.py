"""The query catalogue: ``queries/**/*.rq`` with grlc-style headers, and running them safely.

A header is YAML in ``#+`` comment lines: ``#+ summary: …``, ``description``, ``tags``, and
``defaults`` (``#+ defaults:`` then ``#+   - asOf: 2020-11-26`` lines).

Parameters follow grlc's (BASIL's) naming: ``?_name`` (required) or ``?__name`` (optional), with
an optional type suffix: ``_iri``, ``_xsd_date``, ``_xsd_integer``, ``_xsd_decimal``,
``_xsd_boolean`` (else a plain string; the short ``_date``, ``_boolean``… are read too). Every
catalogue query carries its defaults IN the file, so it runs unchanged in any SPARQL 1.1 tool::

    BIND(COALESCE(?__asOf_xsd_date, "2020-11-26"^^xsd:date) AS ?asOf)

and the rest of the query uses ``?asOf``. Unbound (YASGUI, Fuseki, GraphDB), the default applies;
grlc substitutes the value it is given for ``?__asOf_xsd_date``; ``cyberkg`` binds it. A default of
``today`` is written ``STRDT(SUBSTR(STR(NOW()), 1, 10), xsd:date)`` (the store's clock). The
``#+ defaults:`` header must say the same as the file (:func:`parse_query` checks it).

Values are bound, never spliced: each value is parsed into a typed RDF term (an IRI is checked,
a literal is escaped by rdflib) and joined to the query through ``VALUES`` blocks (one per
parameter, see :func:`bind_values`) inserted at the top of the ``WHERE`` group — the same text
on the embedded store and on a remote endpoint. (Oxigraph's own substitutions only take
projected variables, so they cannot bind a parameter that is used in a filter.) A parameter may
therefore appear in triple patterns anywhere, but in FILTER or BIND only in the top-level group
or inside (NOT) EXISTS, which see the outer bindings.

Longer than 350 lines: reading a query, binding its parameters and the checks every run makes on
its text (no ``SERVICE`` unless allowed, a syntax error as file:line:column) work on the same text
and belong together.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rdflib import Dataset, Literal, URIRef
from rdflib.term import Identifier, Node

from cyberkg.core import paths
from cyberkg.core.errors import QueryError
from cyberkg.core.namespaces import PREFIXES, XSD

HEADER_KEYS = {"summary", "description", "tags", "defaults"}
PARAM = re.compile(r"\?(_{1,2})([A-Za-z][A-Za-z0-9]*)(?:_(iri)|_(?:xsd_)?(date|integer|decimal|boolean|string))?\b")
TODAY = "STRDT(SUBSTR(STR(NOW()), 1, 10), xsd:date)"  # the in-file form of the default 'today'
_IN_FILE = r"BIND\s*\(\s*COALESCE\s*\(\s*\?{var}\s*,\s*(?P<default>.+?)\s*\)\s+AS\s+\?(?P<target>[A-Za-z]\w*)\s*\)"
_LITERAL = re.compile(r'^"([^"\\]*)"\^\^xsd:(\w+)$')


@dataclass(frozen=True)
class Param:
    name: str
    var: str  # the SPARQL variable name without '?'
    type: str
    required: bool
    default: str | None = None  # from the '#+ defaults:' header, as text ('today' for a date)
    in_file: str | None = None  # the default written in the query, as text, or None when it has none
    target: str | None = None  # the variable the rest of the query uses (``asOf`` for ``?__asOf_xsd_date``)


@dataclass
class CatalogQuery:
    name: str  # path below queries/ without .rq, e.g. "gaps/shared-goals-without-joint-instrument"
    path: Path
    text: str
    summary: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    params: dict[str, Param] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        body = re.sub(r"(?m)^\s*#.*$", "", self.text)
        body = re.sub(r"(?is)^\s*(PREFIX\s+\S*\s*<[^>]*>\s*|BASE\s*<[^>]*>\s*)*", "", body)
        return body.split(None, 1)[0].upper() if body.strip() else ""


def parse_query(path: Path, name: str | None = None, text: str | None = None) -> CatalogQuery:
    """Parse a ``.rq`` file and its header; a malformed header is an error naming the line."""
    shown = str(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise QueryError(f"{shown}: cannot read the query file: {exc}") from exc
    header_lines, first = [], None
    for i, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#+"):
            first = first or i
            header_lines.append(line[2:].removeprefix(" ") if line[2:3] == " " else line[2:])
    meta: dict[str, Any] = {}
    if header_lines:
        try:
            loaded = yaml.safe_load("\n".join(header_lines))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = (first or 1) + (mark.line if mark else 0)
            raise QueryError(f"{shown}:{at}: malformed '#+' header: {getattr(exc, 'problem', exc)} — "
                             "each header line is YAML after '#+ ', e.g. '#+ summary: …'") from exc
        if not isinstance(loaded, dict):
            raise QueryError(f"{shown}:{first}: the '#+' header must be 'key: value' lines")
        meta = loaded
    unknown = set(meta) - HEADER_KEYS
    if unknown:
        raise QueryError(f"{shown}:{first}: unknown header key(s) {sorted(unknown)} — "
                         f"allowed: {', '.join(sorted(HEADER_KEYS))}")
    if not meta.get("summary"):
        raise QueryError(f"{shown}:{first or 1}: the query has no '#+ summary:' line — add one")
    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = [tags]
    defaults = _defaults(meta.get("defaults"), shown, first or 1)
    params: dict[str, Param] = {}
    code = re.sub(r"(?m)(^|\s)#[^\n]*", r"\1", text)  # comments out (an IRI's '#' follows no space)
    for m in PARAM.finditer(code):
        underscores, pname, ptype = m.group(1), m.group(2), m.group(3) or m.group(4) or "string"
        var = m.group(0)[1:]
        if pname in params and params[pname].var != var:
            raise QueryError(f"{shown}: parameter {pname!r} is written two ways (?{params[pname].var}, ?{var}) — "
                             "use one variable per parameter")
        in_file, target = _in_file_default(code, var)
        params[pname] = Param(pname, var, ptype, underscores == "_", defaults.get(pname), in_file, target)
    extra = set(defaults) - set(params)
    if extra:
        raise QueryError(f"{shown}:{first}: defaults for unknown parameter(s) {sorted(extra)}; "
                         f"the query's parameters are: {', '.join(sorted(params)) or 'none'}")
    for p in params.values():
        if p.default is not None and p.in_file is not None and not _same_default(p):
            at = next((i for i, line in enumerate(text.splitlines(), start=1)
                       if re.match(rf"#\+\s*-\s*{p.name}\s*:", line)), first or 1)
            raise QueryError(f"{shown}:{at}: the '#+ defaults:' header says {p.name}: {p.default}, but the query "
                             f"defaults it to {p.in_file} (BIND(COALESCE(?{p.var}, …))) — make them agree")
    qname = name or path.stem
    return CatalogQuery(qname, path, text, str(meta["summary"]).strip(), str(meta.get("description") or "").strip(),
                        [str(t) for t in tags], params)


def _defaults(raw: Any, shown: str, line: int) -> dict[str, str]:
    if raw is None:
        return {}
    items = raw if isinstance(raw, list) else [raw]
    out: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict):
            raise QueryError(f"{shown}:{line}: '#+ defaults:' must be a list of 'name: value' items")
        for k, v in item.items():
            if isinstance(v, bool):
                out[str(k)] = "true" if v else "false"
            else:
                out[str(k)] = v.isoformat() if isinstance(v, dt.date) else str(v)
    return out


def _in_file_default(code: str, var: str) -> tuple[str | None, str | None]:
    """The default a query gives a parameter in ``BIND(COALESCE(?var, default) AS ?target)``, as
    the text a user would pass with ``-p`` (``today`` for the NOW()-based date), and the target."""
    m = re.search(_IN_FILE.format(var=re.escape(var)), code, re.S)
    if m is None:
        return None, None
    expr, target = " ".join(m.group("default").split()), m.group("target")
    lit, (prefix, colon, local) = _LITERAL.match(expr), expr.partition(":")
    if expr == TODAY:
        return "today", target
    if lit or (expr[:1] == "<" and expr[-1:] == ">") or (expr[:1] == '"' == expr[-1:] and '"' not in expr[1:-1]):
        return (lit.group(1) if lit else expr[1:-1]), target
    if colon and prefix in PREFIXES and re.fullmatch(r"[\w.-]*", local):
        return str(PREFIXES[prefix]) + local, target
    return expr, target  # true/false, a number, or another expression: compared as written


def _same_default(p: Param) -> bool:
    try:
        return p.default == p.in_file or to_term(p, p.default or "") == to_term(p, p.in_file or "")
    except QueryError:
        return False


def catalogue(folder: Path | None = None) -> list[CatalogQuery]:
    """Every query under ``queries/`` (checks included), sorted by name."""
    folder = folder or paths.queries_dir()
    out = []
    for f in sorted(folder.rglob("*.rq")):
        st = f.stat()
        key = (str(f), st.st_mtime_ns, st.st_size)
        if key not in _PARSED:
            _PARSED[key] = parse_query(f, f.relative_to(folder).with_suffix("").as_posix())
        out.append(_PARSED[key])
    return out


_PARSED: dict[tuple[str, int, int], CatalogQuery] = {}  # parsed files, keyed by path, mtime and size


def find(ref: str, folder: Path | None = None) -> CatalogQuery:
    """A query by catalogue name (``gaps/shared-goals-without-joint-instrument``, or its last
    part when unique), by file path, or ``-`` for standard input."""
    folder = folder or paths.queries_dir()
    if ref == "-":
        import sys

        return parse_query(Path("<stdin>"), "stdin", sys.stdin.read())
    p = Path(ref)
    if p.suffix == ".rq" and p.is_file():
        return parse_query(p, p.stem)
    queries = catalogue(folder)
    exact = [q for q in queries if q.name == ref]
    if exact:
        return exact[0]
    tail = [q for q in queries if q.name.rsplit("/", 1)[-1] == ref]
    if len(tail) == 1:
        return tail[0]
    import difflib

    names = [q.name for q in queries]
    close = difflib.get_close_matches(ref, names + [n.rsplit("/", 1)[-1] for n in names], n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(close)}?" if close else " 'cyberkg queries' lists them."
    raise QueryError(f"no query named {ref!r} (nor a readable .rq file).{hint}")


def to_term(param: Param, value: str, today: dt.date | None = None) -> Identifier:
    """Turn a parameter value given as text into a typed RDF term, or say what is wrong."""
    v = value.strip()
    try:
        if param.type == "iri":
            if ":" in v and not re.match(r"^[a-z][a-z0-9+.-]*://", v, re.I):
                prefix, _, local = v.partition(":")
                if prefix in PREFIXES:
                    return URIRef(str(PREFIXES[prefix]) + local)
                if prefix.lower() not in ("urn", "mailto", "ni", "tag", "did", "doi", "info"):
                    raise ValueError(f"unknown prefix {prefix!r}; known: {', '.join(sorted(PREFIXES))}, or a full IRI")
            if not re.fullmatch(r"[a-z][a-z0-9+.-]*:[^\x00-\x20\x7f<>\"{}|\\^`]+", v, re.I):
                raise ValueError("not an absolute IRI")
            return URIRef(v)
        if param.type == "date":
            d = (today or dt.date.today()) if v == "today" else dt.date.fromisoformat(v)
            return Literal(d.isoformat(), datatype=XSD.date)
        if param.type == "integer":
            return Literal(int(v), datatype=XSD.integer)
        if param.type == "decimal":
            return Literal(float(v), datatype=XSD.decimal)
        if param.type == "boolean":
            if v.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError("not a boolean")
            return Literal(v.lower() in ("true", "1", "yes"), datatype=XSD.boolean)
        return Literal(v)
    except ValueError as exc:
        example = {"iri": "https://w3id.org/cyberkg/id/side/eu or kg:side/eu", "date": "2020-11-26 or today",
                   "integer": "42", "decimal": "0.5", "boolean": "true"}.get(param.type, "text")
        raise QueryError(f"parameter {param.name!r} expects {param.type} ({exc}): got {value!r}, "
                         f"e.g. {example}") from exc


def parse_params(values: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``-p NAME=VALUE`` arguments as a mapping; a malformed one is a :class:`QueryError` saying so."""
    bad = [v for v in values if "=" not in v or not v.partition("=")[0].strip()]
    if bad:
        raise QueryError(f"--param {bad[0]!r} is not NAME=VALUE, e.g. -p asOf=2020-11-26")
    return {k.strip(): val for k, _, val in (v.partition("=") for v in values)}


def bindings(query: CatalogQuery, given: dict[str, str]) -> dict[str, Identifier]:
    """Check the given parameters against the query and type them; apply defaults."""
    unknown = set(given) - set(query.params)
    if unknown:
        raise QueryError(f"query {query.name!r} has no parameter(s) {', '.join(sorted(unknown))}; "
                         f"its parameters: {', '.join(sorted(query.params)) or 'none'}")
    out: dict[str, Identifier] = {}
    for name, param in sorted(query.params.items()):
        value = given.get(name, param.default)
        if value is None:
            if param.required:
                raise QueryError(f"query {query.name!r} needs parameter {name!r} ({param.type}); "
                                 f"pass --param {name}=VALUE")
            continue
        out[param.var] = to_term(param, value)
    return out


@dataclass
class Rows:
    """A SELECT result (or an ASK/CONSTRUCT converted to rows), in a fixed order."""

    vars: list[str]
    rows: list[dict[str, Node | None]]


_TOKEN = re.compile(r"""#[^\n]*|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|<[^<>\s]*>|[{}]|\b[A-Za-z]+\b""")


def where_brace(text: str) -> int:
    """Offset of the ``{`` that opens the query's WHERE group (skipping comments, strings, IRIs,
    and a CONSTRUCT template)."""
    seen_construct = seen_where = False
    for m in _TOKEN.finditer(text):
        tok = m.group(0)
        upper = tok.upper()
        if upper == "CONSTRUCT":
            seen_construct = True
        elif upper == "WHERE":
            seen_where = True
        elif tok == "{" and (seen_where or not seen_construct):
            return m.start()
    raise QueryError("the query has no WHERE group to bind parameters into")


def bind_values(text: str, init: dict[str, Identifier]) -> str:
    """The query text with the bindings of ``init`` at the top of its WHERE group, one single-row
    ``VALUES ?name { term }`` per parameter. (The same solution as one multi-variable row, but
    Oxigraph treats a one-variable, one-value VALUES as a constant when it plans the joins, and a
    multi-variable row not: the headline gap query took 21 s instead of 0.1 s at 1M triples —
    see docs/bench.md.)"""
    if not init:
        return text
    block = " ".join(f"VALUES ?{n} {{ {init[n].n3()} }}" for n in sorted(init))
    at = where_brace(text) + 1
    return f"{text[:at]}\n  {block}\n{text[at:]}"


# SPARQL's own lexical forms that may hide the word SERVICE: \u/\U escapes are decoded before the
# grammar applies (SPARQL 1.1 §19.2); strings, IRIs and comments cannot hold the keyword.
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LEXEME = re.compile(r"""'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n]|\\.)*'"""
                     r"""|"(?:[^"\\\n]|\\.)*"|<[^<>"{}|^`\\\s]*>|#[^\n]*""")
_SERVICE = re.compile(r"(?<![\w:?$.\-])SERVICE(?![\w:\-])", re.IGNORECASE)


def uses_service(text: str) -> bool:
    """Whether the SPARQL ``text`` has a ``SERVICE`` clause (federation: the engine would fetch from
    another endpoint)."""
    def unescape(m: re.Match[str]) -> str:
        try:
            return chr(int(m.group(1) or m.group(2), 16))
        except ValueError:
            return m.group(0)

    bare = _LEXEME.sub(" ", _ESCAPE.sub(unescape, text))
    return _SERVICE.search(bare) is not None


def refuse_service(text: str, name: str, allow_service: bool = False) -> None:
    """A QueryError for a query with ``SERVICE`` unless the user opted in (``query --allow-service``)."""
    if not allow_service and uses_service(text):
        raise QueryError(f"{name}: the query uses SERVICE, which would send requests to another endpoint; "
                         "refused (to allow it for this run: cyberkg query --allow-service)")


def substitute_terms(text: str, init: dict[str, Identifier]) -> str:
    """The query text with each parameter variable ``?name`` replaced by its typed term (written by
    rdflib's ``n3()``: an IRI, or a literal with its escapes and datatype) — the token, never text
    the user typed, and never inside a string, IRI or comment. The store then runs the file's own
    shape (``BIND(COALESCE(<term>, default) AS ?x)``), which Virtuoso plans as a constant where a
    ``VALUES`` block per parameter made the headline gap query 30 times slower. A variable used
    where a term cannot stand (projected, a ``BIND`` target, a ``VALUES`` column) is bound by
    :func:`bind_values` instead."""
    if not init:
        return text
    code = _LEXEME.sub(lambda m: " " * len(m.group(0)), text)  # strings, IRIs, comments blanked
    rest: dict[str, Identifier] = {}
    spans: list[tuple[int, int, str]] = []
    for name, term in sorted(init.items()):
        var = re.compile(rf"[?$]{re.escape(name)}(?![\w\u00B7\u0300-\u036F\u203F-\u2040])")
        hits = list(var.finditer(code))
        unsafe = re.search(rf"(?i)\bAS\s+[?$]{re.escape(name)}\b|\bVALUES\s*\(?[^{{]*[?$]{re.escape(name)}\b", code)
        head = code[:where_brace(text)]
        if not hits or unsafe or var.search(head):
            rest[name] = term
            continue
        spans += [(m.start(), m.end(), term.n3()) for m in hits]
    out, at = [], 0
    for start, end, n3 in sorted(spans):
        out += [text[at:start], n3]
        at = end
    return bind_values("".join(out) + text[at:], rest)


def run(query: CatalogQuery, ds: Dataset, params: dict[str, str] | None = None,
        allow_service: bool = False) -> Rows:
    """Run a catalogue query on an rdflib dataset, parameters bound (never spliced); a query with
    ``SERVICE`` is refused unless ``allow_service``. A remote endpoint gets the parameters as typed
    terms in place of their variables (:func:`substitute_terms`), the embedded store as ``VALUES``
    (:func:`bind_values`): each is the form its engines plan fastest."""
    refuse_service(query.text, query.name, allow_service)
    init = bindings(query, params or {})
    text = substitute_terms(query.text, init) if getattr(ds, "substitutes_parameters", False) \
        else bind_values(query.text, init)
    try:
        result = ds.query(text)
    except Exception as exc:  # parser/evaluation errors from either engine
        shifted = init and not getattr(ds, "substitutes_parameters", False)
        raise QueryError(failure_message(query, exc, where_brace(query.text) if shifted else None)) from exc
    return result_rows(result)


_OX_SYNTAX = re.compile(r"error at (\d+):(\d+):")
_PYPARSING = re.compile(r"found '([^']*)'.*\(line:(\d+), col:(\d+)\)", re.DOTALL)


def failure_message(query: CatalogQuery, exc: Exception, inserted_at: int | None = None) -> str:
    """One readable line for a failed query: a syntax error says file:line:column and the text there;
    anything else as it came, on one line.
    ``inserted_at``: where :func:`bind_values` put its VALUES line, so the line is the file's own."""
    msg = str(exc)
    where = str(query.path) if str(query.path) not in ("", ".") else query.name
    m = _OX_SYNTAX.search(msg)
    p = None if m else _PYPARSING.search(msg)
    if not m and not p:
        return f"{query.name}: the query failed: {' '.join(msg.split())}"
    line, col = (int(m[1]), int(m[2])) if m else (int(p[2]), int(p[3]))  # type: ignore[index]
    if inserted_at is not None:
        first = query.text[:inserted_at].count("\n") + 1  # the line holding the WHERE brace
        if line >= first + 2:
            line -= 2
    lines = query.text.splitlines()
    near = lines[line - 1][max(col - 1, 0):].strip() if 0 < line <= len(lines) else ""
    near = near[:40] + ("…" if len(near) > 40 else "")
    # The parsers' "expected …" lists are left out: Oxigraph's name one alternative of many (or list
    # Unicode ranges), and a wrong hint misleads more than none.
    at = f"near {near!r}" if near else ("at the end of the line" if line <= len(lines) else "at the end of the query")
    return f"{where}:{line}:{col}: SPARQL syntax error {at}"


def result_rows(result: Any) -> Rows:
    """Rows from an rdflib query result; CONSTRUCT triples come sorted so output is stable."""
    from rdflib import Variable

    if result.type == "SELECT":
        names = [str(v) for v in result.vars]
        rows = [{n: b.get(Variable(n)) for n in names} for b in result.bindings]
        return Rows(names, rows)
    if result.type == "ASK":
        return Rows(["answer"], [{"answer": Literal(bool(result.askAnswer))}])
    triples = sorted(result.graph, key=lambda t: tuple(x.n3() for x in t))
    return Rows(["s", "p", "o"], [{"s": s, "p": p, "o": o} for s, p, o in triples])


__all__ = ["TODAY", "CatalogQuery", "Param", "Rows", "bindings", "catalogue", "find", "parse_query",
           "refuse_service", "run", "substitute_terms", "to_term", "uses_service"]
