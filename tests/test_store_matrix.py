"""The store matrix: the whole query catalogue, with default and with set parameters, on Oxigraph
server, OpenLink Virtuoso (Debian's virtuoso-opensource) and Apache Jena (Debian's
libapache-jena-java: TDB2 on the TriG export with the union default graph, and ARQ on the
``export --derived`` Turtle in a default graph), rows compared with the embedded store; every
quality check fires on a planted fault on every engine; every analysis command with ``--endpoint``
on Oxigraph server and Virtuoso gives what it gives on the embedded store.

The stores are started by the fixtures on 127.0.0.1 and stopped by them; in CI (CI=true) a missing
store fails these tests (``tools/ci-stores.sh install`` installs them), locally they skip.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rdflib import BNode, Graph, URIRef

from cyberkg import export, publish, queries
from cyberkg.remote.endpoint import RemoteDataset, connect
from cyberkg.remote.http import Auth, EndpointAuthError
from endpoint_fixtures import ROOT, OxigraphServer, embedded  # noqa: F401  (fixtures)
from store_fixtures import JenaServer, VirtuosoServer, jena_classpath, virtuoso  # noqa: F401  (fixtures)

pytestmark = pytest.mark.server
CYBER = "https://w3id.org/cyberkg/ontology#"
ID = "https://w3id.org/cyberkg/id/"
FAULT_GRAPH = "https://w3id.org/cyberkg/graph/layer/planted-faults"
STORES = ["oxigraph", "virtuoso", "jena-tdb2", "jena-arq"]


@dataclass
class Store:
    name: str
    remote: RemoteDataset
    stop: list[Any] = field(default_factory=list)
    server: Any = None


def with_auth(remote: RemoteDataset, server: VirtuosoServer) -> RemoteDataset:
    object.__setattr__(remote, "auth", Auth("basic", "environment", f"dba:{server.password}"))
    return remote


def virtuoso_remote(server: VirtuosoServer, explicit: bool = False) -> RemoteDataset:
    """Virtuoso with the dba's credentials; the -auth URLs guessed by publish, or given."""
    if explicit:
        return with_auth(connect(server.query_url, update_url=server.update_url, store_url=server.store_url), server)
    return with_auth(connect(server.query_url), server)


@pytest.fixture(scope="module")
def exports(embedded: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:  # noqa: F811
    folder = tmp_path_factory.mktemp("exports")
    out = {"trig": folder / "kg.trig", "ttl": folder / "kg.ttl"}
    out["trig"].write_bytes(export.serialize(embedded, "trig", "all", derived=True))
    out["ttl"].write_bytes(export.serialize(embedded, "turtle", "all", derived=True))
    return out


@pytest.fixture(scope="module", params=STORES)
def store(request: pytest.FixtureRequest, embedded: Any, exports: dict[str, Path],  # noqa: F811
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    name = request.param
    if name == "oxigraph":
        server = OxigraphServer(tmp_path_factory.mktemp("ox-matrix") / "db")
        publish.publish(embedded, connect(server.query_url), progress=False)
        yield Store(name, connect(server.query_url), server=server)
        server.stop()
    elif name == "virtuoso":
        server = request.getfixturevalue("virtuoso")
        report = publish.publish(embedded, virtuoso_remote(server), progress=False)
        assert report.atomic and report.union_default is True
        yield Store(name, connect(server.query_url), server=server)
    else:
        data = exports["trig" if name == "jena-tdb2" else "ttl"]
        jena = JenaServer(tmp_path_factory.mktemp(name), data)
        yield Store(name, connect(jena.query_url), server=jena)
        jena.stop()


# -- comparing rows ---------------------------------------------------------------------------------


def comparable(rows: queries.Rows) -> list[tuple[Any, ...]]:
    return [tuple("_:b" if isinstance(r.get(v), BNode) else r.get(v) for v in rows.vars) for r in rows.rows]


def order_columns(q: queries.CatalogQuery, columns: list[str]) -> list[str]:
    code = re.sub(r"(?m)(^|\s)#[^\n]*", r"\1", q.text)
    m = re.search(r"(?is)ORDER\s+BY\s+(.*?)(?:LIMIT|OFFSET|$)", code)
    out = []
    for k in re.findall(r"\?(\w+)", m.group(1)) if m else []:
        if k not in columns:
            break
        out.append(k)
    return out


def difference(q: queries.CatalogQuery, here: queries.Rows, there: queries.Rows) -> str | None:
    """None when the store gave the embedded store's rows (and order, where the query sorts)."""
    if there.vars != here.vars:
        return f"columns {there.vars} instead of {here.vars}"
    a, b = comparable(here), comparable(there)
    if sorted(map(repr, a)) != sorted(map(repr, b)):
        only_here = sorted(set(map(repr, a)) - set(map(repr, b)))[:2]
        only_there = sorted(set(map(repr, b)) - set(map(repr, a)))[:2]
        return f"{len(b)} rows instead of {len(a)}; embedded only: {only_here}; store only: {only_there}"
    keys = [here.vars.index(k) for k in order_columns(q, here.vars)]
    if keys and [tuple(r[i] for i in keys) for r in a] != [tuple(r[i] for i in keys) for r in b]:
        return "same rows, another order"
    return None


def sample(ds: Any, pick: int) -> dict[str, str]:
    """A goal and an incident from the data (the most used, or the next one)."""
    out = {}
    for name, pattern in (("goal", f"?p <{CYBER}pursuedGoal> ?x"), ("incident", f"?i <{CYBER}respondsTo> ?x")):
        rows = list(ds.query(f"SELECT ?x WHERE {{ {pattern} }} GROUP BY ?x ORDER BY DESC(COUNT(*)) ?x LIMIT 2"))
        out[name] = str(rows[min(pick, len(rows) - 1)][0])  # type: ignore[index]
    return out


def set_parameters(q: queries.CatalogQuery, ds: Any) -> dict[str, str]:
    """A value other than the default for every parameter (the sides swapped, an earlier date,
    booleans flipped, another goal or incident)."""
    other = sample(ds, 1)
    params = {}
    for p in q.params.values():
        low = p.name.lower()
        if p.type == "date":
            params[p.name] = "2016-06-30"
        elif p.type == "boolean":
            params[p.name] = "false" if (p.default or "false").lower() in ("true", "1", "yes") else "true"
        elif p.type == "integer":
            params[p.name] = str(int(p.default or "1") + 1)
        elif low == "sidea":
            params[p.name] = f"{ID}side/us"
        elif low == "sideb":
            params[p.name] = f"{ID}side/eu"
        elif "goal" in low and p.type == "iri":
            params[p.name] = other["goal"]
        elif "incident" in low and p.type == "iri":
            params[p.name] = other["incident"]
        elif p.default is not None:
            params[p.name] = p.default  # bound explicitly: the binding itself is exercised
    return params


def run_catalogue(store: Store, embedded: Any, set_params: bool) -> None:  # noqa: F811
    required = sample(embedded, 0)
    problems: list[str] = []
    total = 0
    catalogue = queries.catalogue()
    for q in catalogue:
        params = set_parameters(q, embedded) if set_params else {
            k: v for k, v in required.items() if k in q.params and q.params[k].default is None}
        here = queries.run(q, embedded, params)
        total += len(here.rows)
        try:
            there = queries.run(q, store.remote, params)
        except Exception as exc:  # an engine's error is a finding, listed with the others
            problems.append(f"{q.name}: error: {str(exc)[:300]}")
            continue
        why = difference(q, here, there)
        if why:
            problems.append(f"{q.name}: {why}")
    record(store.name, "set" if set_params else "default", len(catalogue), problems)
    assert total > 100  # the comparison is not vacuous
    assert not problems, f"{store.name}: {len(problems)} of {len(catalogue)} queries differ:\n" + "\n".join(problems)


def record(store: str, mode: str, n: int, problems: list[str]) -> None:
    """The matrix result, for the report (build/store-matrix.json)."""
    path = ROOT / "build" / "store-matrix.json"
    path.parent.mkdir(exist_ok=True)
    data = json.loads(path.read_text()) if path.is_file() else {}
    errors = sum(1 for p in problems if ": error: " in p)
    data[f"{store} {mode}"] = {"queries": n, "same": n - len(problems), "different": len(problems) - errors,
                               "errors": errors, "problems": problems}
    path.write_text(json.dumps(data, indent=1, sort_keys=True))


def test_catalogue_defaults(store: Store, embedded: Any) -> None:  # noqa: F811
    run_catalogue(store, embedded, set_params=False)


def test_catalogue_set_parameters(store: Store, embedded: Any) -> None:  # noqa: F811
    run_catalogue(store, embedded, set_params=True)


# -- every check fires on a planted fault, on every engine -------------------------------------------

US = f"<{ID}actor/united-states>"
EU = f"<{ID}actor/european-union>"
FAULTS = {
    "checks/dangling-reference-violation": "f:dangling-1 a cyber:PolicyInstrument ; cyber:party f:dangling-nobody .",
    "checks/duplicate-entity-violation": """f:duplicate-1 a cyber:Incident ;
        rdfs:label "Planted duplicate incident"@en .
        f:duplicate-2 a cyber:Incident ; rdfs:label "planted DUPLICATE incident"@en .""",
    "checks/duplicate-source-warning": """f:dupsource-1 a cyber:SourceDocument ; dcterms:identifier "PLANTED 42" .
        f:dupsource-2 a cyber:SourceDocument ; dcterms:identifier "planted42" .""",
    "checks/instrument-date-contradicts-sources-warning": """f:late-1 a cyber:PolicyInstrument ;
        cyber:adopted "2021-05-01"^^xsd:date ; prov:wasDerivedFrom f:late-source .
        f:late-source a cyber:SourceDocument ; dcterms:issued "2020-03-01"^^xsd:date .""",
    "checks/instrument-ends-before-start-violation": """f:ends-1 cyber:effectiveStart "2020-01-01"^^xsd:date ;
        cyber:effectiveEnd "2019-01-01"^^xsd:date .""",
    "checks/instrument-without-date-or-party-violation": f"""f:undated-1 a cyber:PolicyInstrument ;
        cyber:party {EU} ; cyber:instrumentType <https://w3id.org/cyberkg/vocab/instrument-type/agreement> .""",
    "checks/news-report-issuer-not-publisher-warning": """f:news-1 a cyber:SourceDocument ;
        cyber:sourceType stype:news-report ; cyber:issuer f:news-issuer . f:news-issuer a cyber:Actor .""",
    "checks/policy-fact-without-source-violation": "f:unsourced-1 a cyber:Incident .",
    "checks/source-is-a-reproduction-info": """f:copy-1 a cyber:SourceDocument ;
        cyber:officialCopyUnavailable "planted: no official copy" ; schema:url <http://example.com/copy> .""",
    "checks/source-url-not-official-warning": f"""f:offsite-1 a cyber:SourceDocument ;
        schema:url <http://evil.example.com/x> ; cyber:issuer {US} .""",
    "checks/source-without-url-violation": f"""f:nourl-1 a cyber:SourceDocument ; dcterms:title "planted" ;
        cyber:issuer {US} ; dcterms:issued "2020-01-01"^^xsd:date .""",
}
PREFIXES = """@prefix cyber: <https://w3id.org/cyberkg/ontology#> . @prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix stype: <https://w3id.org/cyberkg/vocab/source-type/> . @prefix f: <urn:fault:> .
"""


def faults_nt() -> bytes:
    g = Graph()
    g.parse(data=PREFIXES + "\n".join(FAULTS.values()), format="turtle")
    return g.serialize(format="nt", encoding="utf-8")


def test_every_check_has_a_planted_fault() -> None:
    checks = {q.name for q in queries.catalogue() if q.name.startswith("checks/")}
    assert set(FAULTS) == checks, "plant a fault for each check in FAULTS (and only for existing checks)"


def fired(rows: queries.Rows, check: str) -> bool:
    tag = FAULTS[check].split()[0].removeprefix("f:").rsplit("-", 1)[0]
    return any(str(v).startswith(f"urn:fault:{tag}") for r in rows.rows for v in r.values() if v is not None)


@pytest.fixture
def planted(embedded: Any) -> Iterator[Any]:  # noqa: F811
    from cyberkg import store as kgstore
    from cyberkg.store import adapter

    g = Graph()
    g.parse(data=faults_nt(), format="nt")
    kgstore.add_graph(embedded, URIRef(FAULT_GRAPH), g)
    yield embedded
    adapter.of(embedded).clear_graph(FAULT_GRAPH)


def test_checks_fire_on_planted_faults(store: Store, planted: Any, exports: dict[str, Path],
                                       tmp_path: Path) -> None:
    checks = [q for q in queries.catalogue() if q.name.startswith("checks/")]
    here = {q.name: queries.run(q, planted, {}) for q in checks}
    silent = [name for name, rows in here.items() if not fired(rows, name)]
    assert not silent, f"embedded: these checks do not fire on their planted fault: {silent}"
    jena = None
    if store.name == "oxigraph":
        target = connect(store.server.query_url, update_url=f"{store.server.base}/update")
        publish.put_graph(target, f"{store.server.base}/store", FAULT_GRAPH, faults_nt())
        remote = store.remote
    elif store.name == "virtuoso":
        target = virtuoso_remote(store.server, explicit=True)
        publish.put_graph(target, store.server.store_url, FAULT_GRAPH, faults_nt())
        remote = store.remote
    else:
        data = tmp_path / ("kg.trig" if store.name == "jena-tdb2" else "kg.ttl")
        if store.name == "jena-tdb2":
            data.write_bytes(exports["trig"].read_bytes() + f"\n<{FAULT_GRAPH}> {{\n".encode() + faults_nt() + b"}\n")
        else:
            data.write_bytes(exports["ttl"].read_bytes() + b"\n" + faults_nt())
        jena = JenaServer(tmp_path / "jena", data)
        remote = connect(jena.query_url)
    try:
        problems = []
        for q in checks:
            there = queries.run(q, remote, {})
            if not fired(there, q.name):
                problems.append(f"{q.name}: does not fire")
            why = difference(q, here[q.name], there)
            if why:
                problems.append(f"{q.name}: {why}")
        assert not problems, f"{store.name}:\n" + "\n".join(problems)
    finally:
        if jena is not None:
            jena.stop()
        else:
            target.update(f"DROP SILENT GRAPH <{FAULT_GRAPH}>")


# -- Jena's own validator on the exports ------------------------------------------------------------


def test_riot_validates_every_export(exports: dict[str, Path]) -> None:
    cp = jena_classpath()
    for path in exports.values():
        proc = subprocess.run(["java", "-cp", cp.replace("slf4j-nop", "slf4j-simple"), "riotcmd.riot", "--validate",
                               str(path)], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0 and "ERROR" not in proc.stdout + proc.stderr, \
            f"riot --validate {path.name}: {(proc.stdout + proc.stderr)[-1500:]}"


# -- every analysis command with --endpoint, on Oxigraph server and Virtuoso --------------------------

COMMANDS = {
    "gaps": ["gaps", "--as-of", "2020-11-26", "--format", "json"],
    "gaps-today": ["gaps", "--as-of", "today", "--count-dialogues", "--format", "json"],
    "report": ["report", "--as-of", "2020-11-26", "--format", "json", "-o", "{out}"],
    "diff": ["diff", "--from", "2020-11-26", "--to", "2024-06-30", "--format", "json"],
    "metrics": ["metrics", "--as-of", "2020-11-26", "--format", "json"],
    "viz": ["viz", "--gaps", "--as-of", "2020-11-26", "-o", "{out}"],
    "export": ["export", "--format", "nt", "--derived", "-o", "{out}"],
    "export-trig": ["export", "--format", "trig", "-o", "{out}"],
    "validate": ["validate", "--format", "json"],
    "stats": ["stats", "--format", "csv"],
}


@dataclass
class Published:
    build: Path
    home: Path
    urls: dict[str, str]
    env: dict[str, str]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Published]:
    """``cyberkg build``, then ``cyberkg publish`` of that build to Oxigraph server and to Virtuoso
    (Digest credentials from the environment, the -auth URLs guessed)."""
    import shutil

    from conftest import env
    from cyberkg.cli.main import main

    build = tmp_path_factory.mktemp("cli-build")
    # a copy of the record as it is now: the embedded store must not rebuild from a record edited
    # while the test runs (the remote stores hold what was published)
    home = tmp_path_factory.mktemp("cli-home")
    for part in ("graph", "ontology"):
        shutil.copytree(ROOT / part, home / part)
    (home / "queries").symlink_to(ROOT / "queries")
    (home / "pyproject.toml").write_text("")
    runner = CliRunner()
    with env(CYBERKG_BUILD_DIR=str(build), CYBERKG_HOME=str(home)):
        result = runner.invoke(main, ["build"])
        assert result.exit_code == 0, result.output
    ox = OxigraphServer(tmp_path_factory.mktemp("ox-cli") / "db")
    vt: VirtuosoServer = request.getfixturevalue("virtuoso")
    urls = {"oxigraph": ox.query_url, "virtuoso": vt.query_url}
    try:
        with env(CYBERKG_BUILD_DIR=str(build), CYBERKG_HOME=str(home)):
            out = runner.invoke(main, ["publish", "--endpoint", ox.query_url, "--no-progress"])
            assert out.exit_code == 0, out.output
        with env(CYBERKG_BUILD_DIR=str(build), CYBERKG_HOME=str(home), **vt.env()):
            out = runner.invoke(main, ["publish", "--endpoint", vt.query_url, "--no-progress"])
            assert out.exit_code == 0, out.output
            assert "switched in one request" in out.output and vt.password not in out.output
        yield Published(build, home, urls, vt.env())
    finally:
        ox.stop()


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("where", ["oxigraph", "virtuoso"])
def test_analysis_command_with_endpoint(published: Published, where: str, command: str, tmp_path: Path) -> None:
    from conftest import env
    from cyberkg.cli.main import main

    runner = CliRunner()
    outputs = []
    for i, extra in enumerate(([], ["--endpoint", published.urls[where]])):
        out = tmp_path / f"out{i}"
        args = [a.replace("{out}", str(out)) for a in COMMANDS[command]] + extra
        with env(CYBERKG_BUILD_DIR=str(published.build), CYBERKG_HOME=str(published.home)):
            result = runner.invoke(main, args)
        assert result.exit_code in (0, 1) and "Traceback" not in result.output, \
            f"{' '.join(args)}: exit {result.exit_code}\n{result.output[-2000:]}"
        outputs.append((result.exit_code, result.stdout, out.read_bytes() if out.exists() else b""))
    here, there = outputs
    assert there[0] == here[0], f"{command}: exit {there[0]} on {where}, {here[0]} embedded"
    if command == "viz":  # the page names its source; the graph it draws is the same
        strip = re.compile(rb"https?://127\.0\.0\.1:\d+/\w+|embedded store|built store")
        assert strip.sub(b"", there[2]) == strip.sub(b"", here[2]) or _same_viz(here[2], there[2])
        return
    assert there[1] == here[1], f"{command}: stdout differs on {where}"
    assert there[2] == here[2], f"{command}: the written file differs on {where}"


def _same_viz(a: bytes, b: bytes) -> bool:
    def data(page: bytes) -> Any:
        m = re.search(rb'<script[^>]*id="graph-data"[^>]*>(.*?)</script>', page, re.S)
        return json.loads(m.group(1)) if m else None
    return data(a) is not None and data(a) == data(b)


def test_publish_to_virtuoso_with_wrong_password(virtuoso: VirtuosoServer, embedded: Any) -> None:  # noqa: F811
    """Virtuoso's -auth URLs take Digest only; a wrong password is an authentication error that
    says so (not a connection reset), and the password is never shown."""
    remote = connect(virtuoso.query_url)
    object.__setattr__(remote, "auth", Auth("basic", "environment", "dba:not-the-password"))
    with pytest.raises(EndpointAuthError) as info:
        publish.publish(embedded, remote, progress=False)
    assert "refused the credentials" in str(info.value) and "digest" in str(info.value)
    assert "not-the-password" not in str(info.value) and virtuoso.password not in str(info.value)


def test_publish_to_virtuoso_by_update_adapts_chunks(virtuoso: VirtuosoServer) -> None:  # noqa: F811
    """SPARQL Update on stock Virtuoso: a chunk its parser refuses (SP031) is split, the graph
    lands whole, switched in one request."""
    from cyberkg import store as kgstore

    g = Graph()
    for i in range(6000):
        g.add((URIRef(f"http://example.org/s{i}"), URIRef("http://example.org/p"),
               URIRef(f"http://example.org/o{i}")))
    ds = kgstore.new_dataset("oxigraph")
    name = "http://example.org/graph/chunks"
    kgstore.add_graph(ds, URIRef(name), g)
    report = publish.publish(ds, virtuoso_remote(virtuoso), method="update", chunk_size=6000, progress=False)
    assert report.chunk_size is not None and report.chunk_size < 6000  # SP031 at 6,000 triples
    count = connect(virtuoso.query_url).query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")
    assert int(next(iter(count))[0]) == 6000  # type: ignore[index]
    virtuoso_remote(virtuoso, explicit=True).update(f"DROP SILENT GRAPH <{name}>")
