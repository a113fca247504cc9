"""RDF files (Turtle, TriG, N-Triples, N-Quads, JSON-LD, RDF/XML) -> a layer graph.

The file's triples land as they are (quads of every named graph flattened into the layer), plus
provenance: each typed subject gets ``prov:wasDerivedFrom`` the file, and each policy
relationship not already reified in the file gets a statement citing the file. The SHACL check
happens in :func:`cyberkg.importers.import_files`, before anything is written.

Hostile or malformed files: Oxigraph's strict parsers first (line and column), then rdflib's; every
IRI absolute and well formed, every typed literal valid; JSON-LD keyword shapes that rdflib would
drop silently; RDF/XML external entities and DTDs refused (XXE), internal entities bounded.

Longer than 350 lines: each of the six syntaxes fails in its own way, and the checks that turn a
parser's failure into an error with a place sit beside the parsing they guard.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import re
from collections.abc import Iterable, Iterator

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.term import BNode, Node

from cyberkg.core.errors import DataError, Problem
from cyberkg.core.namespaces import CYBER, PROV, RDF, XSD
from cyberkg.importers.base import Builder, FileInfo, decode_problem, json_problem
from cyberkg.importers.sheet_schema import BY_PREDICATE
from cyberkg.record.schema import PartialDate

RDFLIB_FORMAT = {
    "turtle": "turtle",
    "trig": "trig",
    "nt": "nt",
    "nq": "nquads",
    "jsonld": "json-ld",
    "rdfxml": "xml",
}
QUADS = ("trig", "nq")
# Relationships whose provenance the quality checks look for (see queries/checks/).
PROVENANCED = {*BY_PREDICATE, CYBER.onSide, CYBER.threatCategory}


def _remote_contexts(node: object) -> list[str]:
    """Every ``@context`` given by reference (a URL) anywhere in a JSON-LD document."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                refs = value if isinstance(value, list) else [value]
                found += [r for r in refs if isinstance(r, str)]
            found += _remote_contexts(value)
    elif isinstance(node, list):
        for item in node:
            found += _remote_contexts(item)
    return found


HINT = "check the syntax, or pass --format if the extension is misleading"
# Relative IRIs are resolved against this base, then refused: an import must not depend on where it runs.
BASE = "https://relative.invalid/"  # RFC 2606: a name that is never registered
# An absolute IRI (RFC 3987 in short): a scheme, then no space, control character or <>"{}|^`\\.
ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|^`\\\x7f]*$")


@contextlib.contextmanager
def _quiet_rdflib() -> Iterator[None]:
    """rdflib logs a traceback for each ill-typed literal and a warning for each bad IRI; both are
    reported as problems instead (see :func:`check_terms`), so its loggers stay quiet meanwhile."""
    loggers = [logging.getLogger(n) for n in ("rdflib", "rdflib.term")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


BAD_IRI_CHAR = re.compile(r"[\x00-\x20<>\"{}|^`\\\x7f]")
VALUE_KEYS = {"@value", "@type", "@language", "@index", "@direction", "@context"}


def jsonld_shape(node: object, path: str = "$") -> str | None:
    """The first place where a JSON-LD document breaks the keyword rules (JSON-LD 1.1 §9) that
    rdflib's parser lets pass (it drops an "@id": 5 silently), as a JSON path with the reason."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            bad = jsonld_shape(item, f"{path}[{i}]")
            if bad:
                return bad
        return None
    if not isinstance(node, dict):
        return None
    scalar = str | int | float | bool
    for key, value in node.items():
        at = f'{path}["{key}"]'
        if key == "@id" and not isinstance(value, str):
            return f"{at}: @id must be a string"
        if key == "@id" and BAD_IRI_CHAR.search(value):
            return f"{at}: <{value}> is not an IRI (rdflib would drop the node silently)"
        if not key.startswith("@") and ":" in key and BAD_IRI_CHAR.search(key):
            return f"{at}: the property <{key}> is not an IRI"
        if key == "@type" and not (isinstance(value, str) or (isinstance(value, list)
                                                               and all(isinstance(t, str) for t in value))):
            return f"{at}: @type must be a string or a list of strings"
        if key == "@value" and not (value is None or isinstance(value, scalar)):
            return f"{at}: @value must be a string, number or boolean"
        if key in ("@language", "@base", "@vocab", "@direction") and not (value is None or isinstance(value, str)):
            return f"{at}: {key} must be a string"
        if key == "@context":
            ctx = value if isinstance(value, list) else [value]
            for c in ctx:
                if not (c is None or isinstance(c, str | dict)):
                    return f"{at}: a context is an object, a string or null"
                for term, d in (c.items() if isinstance(c, dict) else ()):
                    if isinstance(d, dict) and "@id" in d and not isinstance(d["@id"], str | type(None)):
                        return f'{at}["{term}"]: the term\'s @id must be a string'
                    if not (d is None or isinstance(d, str | dict)) and term not in ("@version", "@propagate",
                                                                                    "@protected"):
                        return f'{at}["{term}"]: a term maps to a string, an object or null'
            continue
        bad = jsonld_shape(value, at)
        if bad:
            return bad
    if "@value" in node and set(node) - VALUE_KEYS:
        return f"{path}: a value object takes only {', '.join(sorted(VALUE_KEYS - {'@context'}))}"
    if "@list" in node and not isinstance(node["@list"], list | dict | str | int | float | bool):
        return f'{path}["@list"]: @list must be a list'
    return None


def _error_line(exc: Exception, text: str, fmt: str, data: bytes) -> int | None:
    """The line of a parser error, from whatever the parser gives."""
    lines = getattr(exc, "lines", None)  # rdflib's Turtle/TriG BadSyntax: 0-based line
    if isinstance(lines, int):
        return lines + 1
    if hasattr(exc, "getLineNumber"):  # SAX (RDF/XML)
        return int(exc.getLineNumber())
    m = re.search(r"\bline (\d+)|^<[^>]*>:(\d+):\d+:", text)
    if m:
        return int(m[1] or m[2])
    if fmt in ("nt", "nq"):  # each line stands alone: find the first that does not parse
        g = Dataset() if fmt == "nq" else Graph()
        for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
            try:
                g.parse(data=line, format=RDFLIB_FORMAT[fmt])
            except Exception:  # rdflib's parsers raise many exception types
                return n
    m = re.search(r"at \^ in:?\s*\n?\s*\"?b?'?(.{0,40})\^", text, re.S)  # Turtle: the text before the error
    if m and m.group(1):
        at = data.find(m.group(1).encode())
        if at >= 0:
            return data[: at + len(m.group(1))].count(b"\n") + 1
    return None


def _reason(exc: Exception, fmt: str) -> str:
    why = getattr(exc, "_why", None)
    if isinstance(why, str) and why:
        return why
    if hasattr(exc, "getMessage"):
        return str(exc.getMessage())
    text = re.sub(r"^<[^>]*>:\d+:\d+:\s*", "", str(exc)).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _jsonld_item(data: bytes, fmt: str) -> str | None:
    """For a JSON-LD file that fails as a whole: the first top-level node that fails alone."""
    import json

    doc = json.loads(data)
    if isinstance(doc, dict) and isinstance(doc.get("@graph"), list):
        items, where, ctx = doc["@graph"], "@graph", doc.get("@context")
    elif isinstance(doc, list):
        items, where, ctx = doc, "", None
    else:
        items, where, ctx = [doc], "", None
    for i, item in enumerate(items):
        one = {"@context": ctx, "@graph": [item]} if ctx is not None else [item]
        try:
            Graph().parse(data=json.dumps(one), format="json-ld", publicID=BASE)
        except Exception:  # rdflib's JSON-LD parser raises many exception types
            node = item.get("@id") if isinstance(item, dict) else None
            named = f" <{_visible(node)}>" if isinstance(node, str) else ""
            return f"{where}[{i}]{named}" if len(items) > 1 or where else f"the node{named}" if named else None
    return None


def _visible(text: str, limit: int = 200) -> str:
    """``text`` for a message: control characters written as escapes, cut to ``limit``."""
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\x{ord(m[0]):02x}", text[:limit])


_EXTERNAL = re.compile(rb"<!ENTITY\s+%|<!ENTITY\s+\S+\s+(?:SYSTEM|PUBLIC)\b|<!DOCTYPE\s+[^\[>]*\b(?:SYSTEM|PUBLIC)\b",
                       re.I)


_ENTITY = re.compile(rb"""<!ENTITY\s+([A-Za-z_][\w.-]*)\s+(?:"([^"]*)"|'([^']*)')""")
_REF = re.compile(rb"&([A-Za-z_][\w.-]*);")
ENTITY_LIMIT = 1 << 20  # characters one entity may expand to (a namespace abbreviation needs a few dozen)


def xml_entities(data: bytes, file: str) -> bool:
    """Refuse external entities, parameter entities and external DTDs (XXE: a file or URL the
    document names would be read); say whether the document declares internal entities. Those are
    expanded by expat, whose amplification limit refuses a 'billion laughs' — Oxigraph's RDF/XML
    parser expands them without a limit (3 GB and 100 s for 10^9 characters), so it is not used then."""
    m = _EXTERNAL.search(data)
    if m:
        line = data[: m.start()].count(b"\n") + 1
        raise DataError([Problem(file, line, "the document declares an external entity or DTD "
                                 f"({m.group(0).decode('utf-8', 'replace')[:60]!r}); importing never reads a file "
                                 "or URL a document names", "remove the DOCTYPE, or expand the entities first")])
    decls = {m[1]: m[2] if m[2] is not None else m[3] for m in _ENTITY.finditer(data)}
    if not decls:
        return re.search(rb"<!ENTITY", data, re.I) is not None
    sizes: dict[bytes, int] = {}

    def size(name: bytes, depth: int = 0) -> int:
        if name not in sizes:
            if depth > 20:
                return ENTITY_LIMIT + 1
            value = decls.get(name, b"")
            refs = _REF.findall(value)
            sizes[name] = len(value) + sum(size(r, depth + 1) - len(r) - 2 for r in refs)
        return sizes[name]

    body = data[data.find(b"]>") + 2:] if b"]>" in data else data
    total = sum(size(r) for r in _REF.findall(body) if r in decls)
    worst = max(decls, key=size)
    if size(worst) > ENTITY_LIMIT or total > 10 * ENTITY_LIMIT:
        line = data[: data.find(b"<!ENTITY " + worst)].count(b"\n") + 1
        raise DataError([Problem(file, line, f"entity expansion: &{worst.decode('utf-8', 'replace')}; expands to "
                                 f"{size(worst):,} characters, {total:,} in all (a 'billion laughs'); refused",
                                 "expand the entities first, or write the values out")])
    return True


def strict_syntax(data: bytes, fmt: str, file: str) -> Problem | None:
    """Oxigraph's parsers follow the W3C grammars strictly (rdflib lets a bad escape or an IRI with a
    space pass, or drops the triple) and say the line and column: a file they refuse is refused."""
    import pyoxigraph as ox

    formats = {"turtle": ox.RdfFormat.TURTLE, "trig": ox.RdfFormat.TRIG, "nt": ox.RdfFormat.N_TRIPLES,
               "nq": ox.RdfFormat.N_QUADS, "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}
    from cyberkg.importers.limits import max_import_triples

    limit = max_import_triples()
    try:
        for n, _ in enumerate(ox.parse(data, format=formats[fmt], base_iri=BASE), 1):
            if n > limit:
                raise DataError([Problem(file, None, f"the file holds more than {limit:,} triples, the import limit",
                                         "split it, or raise CYBERKG_MAX_IMPORT_TRIPLES if the machine has the "
                                         "memory and the time")])
    except SyntaxError as exc:
        text = re.sub(r"\s*\(line \d+\)\s*$", "", str(exc))
        m = re.match(r"^Parser error at line (\d+) (?:between columns (\d+) and \d+|column (\d+))?[^:]*:\s*", text)
        line, col = (int(m[1]), m[2] or m[3]) if m else (exc.lineno, exc.offset)
        reason = text[m.end():] if m else text
        where = f" (column {col})" if col else ""
        return Problem(file, line or _line_of_token(reason, data), f"cannot parse the {fmt} file{where}: "
                       f"{_visible(reason)}", HINT)
    return None


# The line-based syntaxes are read into rdflib terms from Oxigraph's parser (which has already
# accepted the file): rdflib's own Turtle parser recursed past Python's limit on nested blank nodes,
# and took minutes and gigabytes on a one-line 50 MB file or a 5 MB literal.
OXIGRAPH_READS = ("turtle", "trig", "nt", "nq")


def _oxigraph_graph(data: bytes, fmt: str) -> tuple[Graph, set[Node]]:
    import pyoxigraph as ox

    formats = {"turtle": ox.RdfFormat.TURTLE, "trig": ox.RdfFormat.TRIG, "nt": ox.RdfFormat.N_TRIPLES,
               "nq": ox.RdfFormat.N_QUADS}
    xsd_string, lang_string = str(XSD.string), str(RDF.langString)
    iris: dict[str, URIRef] = {}

    def term(t: object) -> Node:
        if isinstance(t, ox.NamedNode):
            v = t.value
            found = iris.get(v)
            if found is None:
                found = iris[v] = URIRef(v)
            return found
        if isinstance(t, ox.BlankNode):
            return BNode(t.value)
        if isinstance(t, ox.Literal):
            if t.language:
                return Literal(t.value, lang=t.language)
            dt = t.datatype.value
            return Literal(t.value) if dt in (xsd_string, lang_string) else Literal(t.value, datatype=URIRef(dt))
        raise DataError([Problem("", None, "RDF 1.2 triple terms are not supported")])

    g = Graph()
    names: set[Node] = set()
    add = g.add
    for q in ox.parse(data, format=formats[fmt], base_iri=BASE):
        add((term(q.subject), term(q.predicate), term(q.object)))
        if not isinstance(q.graph_name, ox.DefaultGraph):
            names.add(term(q.graph_name))
    return g, names


def _line_of_token(reason: str, data: bytes) -> int | None:
    """For an error that gives no line (Oxigraph's RDF/XML): the line of the first token it quotes
    (`...`, '...', "..." or the word before "is not") that occurs in the file."""
    tokens = re.findall(r"`([^`]+)`|'([^']+)'|\"([^\"]+)\"|^(\S+) is not", reason)
    for groups in tokens[::-1] if "was found" in reason else tokens:
        token = next((t for t in groups if t), "")
        at = data.find(token.encode()) if token else -1
        if at >= 0:
            return data[:at].count(b"\n") + 1
    return None


def check_terms(statements: Iterable[tuple[Node, ...]], file: str) -> list[Problem]:
    """Every IRI (graph names too) absolute and well formed, every typed literal valid for its datatype."""
    problems: list[Problem] = []
    seen: set[object] = set()
    for triple in statements:
        for t in triple:
            if t in seen:
                continue
            seen.add(t)
            iri_term = t.datatype if isinstance(t, Literal) and t.datatype is not None else t
            if isinstance(iri_term, URIRef):
                text = str(iri_term)
                if text.startswith(BASE):
                    problems.append(Problem(file, None, f"relative IRI <{_visible(text[len(BASE):])}>",
                                            "write every IRI in full (https://…), or add @base / xml:base"))
                elif not ABSOLUTE_IRI.match(text):
                    problems.append(Problem(file, None, f"malformed IRI <{_visible(text)}>",
                                            "an IRI has no spaces, control characters or <>\"{}|^`\\"))
            if isinstance(t, Literal) and t.ill_typed:
                problems.append(Problem(file, None, f"{_visible(t.n3())} is not a valid {t.datatype} "
                                        f"(on <{_visible(str(triple[0]))}>)",
                                        "fix the value, or its datatype"))
        if len(problems) >= 20:
            break
    return problems


def parse(data: bytes, fmt: str, file: str) -> Graph:
    """Parse ``data``; a syntax error becomes a :class:`DataError` naming the file (and line).
    A JSON-LD ``@context`` given by URL is refused: importing never reaches the network."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError([decode_problem(file, data, exc, "save the file as UTF-8")]) from None
    if fmt == "jsonld":
        import json

        try:
            remote = _remote_contexts(json.loads(data))
        except (ValueError, RecursionError) as exc:
            raise DataError([json_problem(file, data.decode("utf-8"), exc, "check the file is JSON-LD")]) from None
        if remote:
            raise DataError([Problem(file, None, f"the JSON-LD @context refers to <{_visible(remote[0])}>, which "
                                     "would be fetched from the network", "inline the context in the file and import "
                                     "again")])
        shape = jsonld_shape(json.loads(data))
        if shape:
            raise DataError([Problem(file, None, f"not valid JSON-LD at {_visible(shape)}", "see JSON-LD 1.1 §9")])
    entities = xml_entities(data, file) if fmt == "rdfxml" else False
    bad = None if entities else strict_syntax(data, fmt, file)
    g = Graph()
    names: set[Node] = set()
    try:
        if bad is not None:  # refused; rdflib's parser may still say the line (Oxigraph's XML errors do not)
            if bad.line is None:
                with _quiet_rdflib():
                    Graph().parse(data=data, format=RDFLIB_FORMAT[fmt], publicID=BASE)
            raise DataError([bad])
        with _quiet_rdflib():
            if fmt in OXIGRAPH_READS and not entities:
                g, names = _oxigraph_graph(data, fmt)
            elif fmt in QUADS:
                ds = Dataset()
                ds.parse(data=data, format=RDFLIB_FORMAT[fmt], publicID=BASE)
                for s, p, o, c in ds.quads((None, None, None, None)):
                    g.add((s, p, o))
                    if c is not None:
                        names.add(c.identifier if isinstance(c, Graph) else c)
            else:
                g.parse(data=data, format=RDFLIB_FORMAT[fmt], publicID=BASE)
    except DataError:
        raise
    except Exception as exc:  # rdflib's parsers raise many exception types
        text = str(exc)
        line = _error_line(exc, text, fmt, data)
        if bad is not None:
            raise DataError([Problem(file, line, bad.message, HINT)]) from None
        where = _jsonld_item(data, fmt) if fmt == "jsonld" and line is None else None
        at = f" at {where}" if where else ""
        raise DataError([Problem(file, line, f"cannot parse the {fmt} file{at}: {_visible(_reason(exc, fmt))}",
                                 HINT)]) from None
    problems = check_terms(itertools.chain(g, ((n,) for n in names if isinstance(n, URIRef))), file)
    if problems:
        raise DataError(problems)
    return g


def to_graph(data: bytes, fmt: str, info: FileInfo) -> Graph:
    """The file's triples plus provenance and the file's source node."""
    parsed = parse(data, fmt, info.name)
    if len(parsed) == 0:
        raise DataError([Problem(info.name, None, "the file holds no triples")])
    b = Builder(info)
    b.g += parsed
    reified = {
        (parsed.value(st, RDF.subject), parsed.value(st, RDF.predicate), parsed.value(st, RDF.object))
        for st in parsed.subjects(RDF.type, RDF.Statement)
    }
    for s in set(parsed.subjects(RDF.type, None)):
        if isinstance(s, URIRef | BNode) and (s, RDF.type, RDF.Statement) not in parsed:
            b.add(s, PROV.wasDerivedFrom, info.source)
    for s, p, o in list(parsed):
        if p in PROVENANCED and isinstance(s, URIRef) and isinstance(o, URIRef) and (s, p, o) not in reified:
            b.relate(s, p, o)  # type: ignore[arg-type]
    for o in parsed.objects():
        if getattr(o, "datatype", None) == XSD.date and re.match(r"^\d{4}-\d{2}-\d{2}$", str(o)):
            b.dates.append(PartialDate(str(o)))
    problems: list[Problem] = []
    g = b.finish(problems)
    if problems:
        raise DataError(problems)
    return g
