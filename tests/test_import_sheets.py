"""Spreadsheet imports: CSV pair and XLSX, row-level errors, layers, idempotence, round trips."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph, URIRef

from cyberkg.core.errors import CyberkgError, DataError
from cyberkg.core.namespaces import CYBER, LAYER, PROV, RDF, iri
from cyberkg.importers import import_files
from cyberkg.importers.base import FileInfo, Known, sha256
from cyberkg.importers.sheets import to_graph
from cyberkg.store.layers import layer_graph, read_index
from import_fixtures import DATA, setup_env

ELEMENTS = DATA / "system-map-elements.csv"
CONNECTIONS = DATA / "system-map-connections.csv"


@pytest.fixture
def kg_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return setup_env(tmp_path, monkeypatch)


def memory_store():  # type: ignore[no-untyped-def]
    from cyberkg.store.built import build

    return build(backend="memory")[0]


def quads(ds) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(
        f"{s.n3()} {p.n3()} {o.n3()} {g.n3()}"
        for s, p, o, g in ds.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    )


def write_xlsx(path: Path, sheets: dict[str, Path]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, src in sheets.items():
        ws = wb.create_sheet(name)
        for row in csv.reader(io.StringIO(src.read_text(encoding="utf-8"))):
            ws.append(row)
    wb.save(path)
    return path


def test_csv_pair_lands_in_a_layer_with_provenance(kg_env: Path) -> None:
    from cyberkg.analysis.validate import validate

    ds = memory_store()
    [out] = import_files([ELEMENTS], ds=ds, build_dir=kg_env)
    assert (out.layer, out.status, out.format) == ("system-map", "added", "csv")
    layer = ds.graph(LAYER["system-map"])
    inst = URIRef(iri("instrument", "eu-us-cyber-dialogue-2016"))
    src = URIRef("https://w3id.org/cyberkg/id/source/import/system-map")
    assert (inst, RDF.type, CYBER.PolicyInstrument) in layer
    assert (inst, PROV.wasDerivedFrom, src) in layer
    assert (inst, CYBER.party, URIRef(iri("actor", "united-states"))) in layer  # a curated id
    statements = list(
        ds.query(
            "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
            "PREFIX prov: <http://www.w3.org/ns/prov#> SELECT ?src WHERE { "
            "?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; prov:wasDerivedFrom ?src }",
            initBindings={"s": inst, "p": CYBER.party, "o": URIRef(iri("actor", "united-states"))},
        )
    )
    assert {str(r[0]) for r in statements} == {str(src), iri("source", "press-release-2016-12-16")}
    assert (src, RDF.type, CYBER.SourceDocument) in layer
    # derivations re-ran: the dialogue is now joint (both sides' actors are parties)
    sides = {str(o) for o in ds.objects(inst, CYBER.partySide)}
    assert sides == {iri("side", "eu"), iri("side", "us")}
    report = validate(ds)
    assert report.violations == [], report.violations
    assert read_index(kg_env)["system-map"].triples == out.triples


def test_xlsx_gives_the_same_layer_as_the_csv_pair(kg_env: Path, tmp_path: Path) -> None:
    from cyberkg.export.sheets import connection_rows, element_rows

    ds, ds2 = memory_store(), memory_store()
    import_files([ELEMENTS], ds=ds, build_dir=kg_env)
    book = write_xlsx(tmp_path / "map.xlsx", {"Elements": ELEMENTS, "connections": CONNECTIONS})
    [out] = import_files([book], ds=ds2, build_dir=tmp_path / "other", layer="from-xlsx")
    assert out.format == "xlsx"
    with pytest.raises(DataError, match="already an instrument in the graph"):  # ids are global
        import_files([book], ds=ds, build_dir=kg_env, layer="from-xlsx")
    a, b = Graph(), Graph()
    a += ds.graph(LAYER["system-map"])
    b += ds2.graph(LAYER["from-xlsx"])
    assert element_rows(a) == element_rows(b) and connection_rows(a) == connection_rows(b)


def _bad_sheets(tmp_path: Path) -> Path:
    els = tmp_path / "bad-elements.csv"
    els.write_text(
        "id,kind,label,type,adopted,sources\n"
        "ok-instrument,instrument,An instrument,agreement,2019-01-01,\n"
        "x-1,actr,Someone,,,\n"
        "y-2,instrument,Another,agreemnt,2019-13-45,\n",
        encoding="utf-8",
    )
    (tmp_path / "bad-connections.csv").write_text(
        "from,relation,to\nok-instrument,party,europen-union\nok-instrument,partie,united-states\n",
        encoding="utf-8",
    )
    return els


def test_row_errors_name_sheet_row_and_column_and_suggest(kg_env: Path, tmp_path: Path) -> None:
    ds = memory_store()
    with pytest.raises(DataError) as err:
        import_files([_bad_sheets(tmp_path)], ds=ds, build_dir=kg_env)
    text = str(err.value)
    assert "sheet 'elements', row 3, column 'kind': unknown kind 'actr' — did you mean 'actor'?" in text
    assert "sheet 'elements', row 4, column 'type'" in text and "'agreement'" in text
    assert "sheet 'elements', row 4, column 'adopted': '2019-13-45' is not a date" in text
    assert "sheet 'connections', row 2, column 'to': unknown actor 'europen-union'" in text
    assert "did you mean 'european-union'?" in text
    assert "sheet 'connections', row 3, column 'relation'" in text and "'party'" in text


def test_a_bad_file_leaves_the_graph_exactly_as_it_was(kg_env: Path, tmp_path: Path) -> None:
    ds = memory_store()
    import_files([ELEMENTS], ds=ds, build_dir=kg_env)
    before, index = quads(ds), (kg_env / "layers" / "index.json").read_bytes()
    bad = _bad_sheets(tmp_path)
    with pytest.raises(DataError):
        import_files(
            [ELEMENTS, bad], ds=ds, build_dir=kg_env, replace=True
        )  # the good one is not written either
    with pytest.raises(DataError):
        import_files([bad], ds=ds, build_dir=kg_env, layer="system-map", replace=True)
    assert quads(ds) == before
    assert (kg_env / "layers" / "index.json").read_bytes() == index
    assert sorted(p.name for p in (kg_env / "layers").iterdir()) == ["index.json", "system-map.nt"]


def test_importing_the_same_file_twice_changes_nothing(kg_env: Path) -> None:
    ds = memory_store()
    import_files([ELEMENTS], ds=ds, build_dir=kg_env)
    before, saved = quads(ds), (kg_env / "layers" / "system-map.nt").read_bytes()
    [again] = import_files([CONNECTIONS], ds=ds, build_dir=kg_env)  # the other file of the same pair
    assert again.status == "unchanged"
    assert quads(ds) == before and (kg_env / "layers" / "system-map.nt").read_bytes() == saved


def test_a_changed_file_needs_replace(kg_env: Path, tmp_path: Path) -> None:
    ds = memory_store()
    import_files([ELEMENTS], ds=ds, build_dir=kg_env)
    changed = tmp_path / "system-map-elements.csv"
    text = ELEMENTS.read_text(encoding="utf-8")
    changed.write_text(text.replace("held in Brussels", "held in Brussels each year"), encoding="utf-8")
    (tmp_path / CONNECTIONS.name).write_bytes(CONNECTIONS.read_bytes())
    with pytest.raises(CyberkgError, match="--replace"):
        import_files([changed], ds=ds, build_dir=kg_env)
    [out] = import_files([changed], ds=ds, build_dir=kg_env, replace=True)
    assert out.status == "replaced"


def _cells(path: Path) -> set[tuple[str, str, str]]:
    """Every non-empty cell as (row key, column, value), multi-valued cells normalised."""
    out = set()
    for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))):
        key = row.get("id") or f"{row['from']} {row['relation']} {row['to']} {row.get('since', '')}"
        for col, value in row.items():
            if value and value.strip():
                out.add((key, col, "; ".join(sorted(x.strip() for x in value.split(";")))))
    return out


def test_round_trip_sheets_graph_sheets_loses_nothing(kg_env: Path, tmp_path: Path) -> None:
    from cyberkg.export.sheets import write_sheets

    ds = memory_store()
    import_files([ELEMENTS], ds=ds, build_dir=kg_env)
    first = tmp_path / "first"
    els, cons = write_sheets(ds, first, layer="system-map")
    assert _cells(els) == _cells(ELEMENTS)
    assert _cells(cons) == _cells(CONNECTIONS)
    # and back again: the exported pair imports into the same layer content, byte for byte
    from cyberkg.store.layers import remove

    remove(ds, "system-map", kg_env)
    import_files([els], ds=ds, build_dir=kg_env, layer="system-map")
    second = tmp_path / "second"
    els2, cons2 = write_sheets(ds, second, layer="system-map")
    assert els2.read_bytes() == els.read_bytes() and cons2.read_bytes() == cons.read_bytes()


def test_layers_survive_a_rebuild_and_can_be_removed(kg_env: Path) -> None:
    from cyberkg import layers, store

    [out] = import_files([ELEMENTS], build_dir=kg_env)  # the on-disk store, built on demand
    ds, result = store.build()
    assert result.triples["layers"] == out.triples
    assert len(layer_graph(ds, "system-map")) == out.triples
    del ds
    store.release()
    with store.writing() as ds:
        with pytest.raises(CyberkgError, match="did you mean 'system-map'"):
            layers.remove(ds, "system-mop")
        layers.remove(ds, "system-map")
        assert len(ds.graph(LAYER["system-map"])) == 0
    assert read_index() == {}
    assert len(layer_graph(store.open_built(), "system-map")) == 0  # the new current version


def test_cli_import_layers_export_remove(kg_env: Path, tmp_path: Path) -> None:
    from cyberkg.cli.main import main

    r = CliRunner()
    res = r.invoke(main, ["import", str(ELEMENTS), str(CONNECTIONS)])
    assert res.exit_code == 0, res.output
    assert "system-map" in res.output and "added" in res.output
    res = r.invoke(main, ["layers", "--format", "csv"])
    assert res.output.splitlines()[0] == "name,file,format,triples,sha256"
    assert res.output.splitlines()[1].startswith("system-map,")
    res = r.invoke(main, ["export", "--format", "csv-sheets", "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "eu-us-cyber-dialogue-2016" in (tmp_path / "out" / "elements.csv").read_text()
    for fmt in ("graphml", "gexf"):
        res = r.invoke(main, ["export", "--format", fmt, "-o", str(tmp_path / f"g.{fmt}")])
        assert res.exit_code == 0, res.output
        import networkx as nx

        net = (nx.read_graphml if fmt == "graphml" else nx.read_gexf)(tmp_path / f"g.{fmt}")
        assert net.has_edge("instrument:eu-us-cyber-dialogue-2016", "actor:united-states")
    res = r.invoke(main, ["import", str(_bad_sheets(tmp_path))])
    assert res.exit_code == 2 and "row 3" in res.output and "Traceback" not in res.output
    res = r.invoke(main, ["remove", "system-map"])
    assert res.exit_code == 0, res.output
    assert r.invoke(main, ["layers", "--format", "csv"]).output.strip() == "name,file,format,triples,sha256"


KNOWN = Known(
    records={"actor": {"european-union"}, "side": {"eu"}, "source": set()},
    concepts={
        "instrument-type": {"agreement"},
        "actor-kind": {"state"},
        "threat": {"botnet"},
        "source-type": {"press-release"},
    },
)
cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "actor",
            "instrument",
            "incident",
            "source",
            "goal",
            "agreement",
            "2019-01-01",
            "2019-02-30",
            "eu",
            "european-union",
            "party",
            "x",
            "high",
            "Q42",
            "https://example.org/a",
            "",
        ]
    ),
)
COLUMNS = [
    "id",
    "kind",
    "label",
    "type",
    "side",
    "adopted",
    "date",
    "issuer",
    "url",
    "sources",
    "wikidata",
    "confidence",
    "from",
    "relation",
    "to",
    "since",
    "bogus",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.lists(st.sampled_from(COLUMNS), min_size=0, max_size=8),
    rows=st.lists(st.lists(cell, max_size=9), max_size=6),
    conns=st.lists(st.lists(cell, max_size=5), max_size=4),
)
def test_malformed_sheets_give_clear_errors_never_a_traceback(
    header: list[str], rows: list[list[str]], conns: list[list[str]]
) -> None:
    def blob(head: list[str], body: list[list[str]]) -> bytes:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(head)
        w.writerows(body)
        return buf.getvalue().encode()

    files = [
        (Path("h-elements.csv"), blob(header, rows)),
        (Path("h-connections.csv"), blob(["from", "relation", "to", "since"], conns)),
    ]
    info = FileInfo("h", "h-elements.csv", "csv", sha256(b"x"), date="2020-01-01")
    try:
        g = to_graph(files, "csv", info, KNOWN)
    except DataError as exc:
        assert exc.problems and all(str(p) for p in exc.problems)
    else:
        assert isinstance(g, Graph)


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=300))
def test_random_bytes_as_xlsx_or_csv_give_clear_errors(data: bytes) -> None:
    info = FileInfo("h", "h.xlsx", "xlsx", sha256(data), date="2020-01-01")
    for fmt, blob in (("xlsx", b"PK\x03\x04" + data), ("csv", data)):
        try:
            to_graph([(Path(f"h.{fmt}"), blob)], fmt, info, KNOWN)
        except DataError as exc:
            assert exc.problems
