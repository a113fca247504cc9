"""Layers are independent and re-imports idempotent (issue 19, item 5): a layer's triples depend only
on its file and options, so removing any layer leaves the others valid; RDF with blank nodes re-imports
as "unchanged"; the CSV reader never guesses quoting from the first 4 kB."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cyberkg.cli.main import main
from import_fixtures import setup_env


@pytest.fixture
def kg_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return setup_env(tmp_path, monkeypatch)


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.stdout, r.stderr


def bundle(objects: list[dict[str, object]]) -> str:
    return json.dumps({"type": "bundle", "id": "bundle--" + "0" * 7 + "1-0000-4000-8000-000000000000",
                       "objects": objects})


IDENTITY = {"type": "identity", "spec_version": "2.1", "id": "identity--11111111-1111-4111-8111-111111111111",
            "created": "2021-01-01T00:00:00Z", "modified": "2021-01-01T00:00:00Z", "name": "Agency X",
            "identity_class": "organization"}


def stix_file(path: Path, actor_id: str, actor_name: str) -> Path:
    actor = {"type": "intrusion-set", "spec_version": "2.1", "id": actor_id, "created": "2021-02-01T00:00:00Z",
             "modified": "2021-02-01T00:00:00Z", "name": actor_name, "created_by_ref": IDENTITY["id"]}
    report = {"type": "report", "spec_version": "2.1", "id": actor_id.replace("intrusion-set", "report"),
              "created": "2021-02-02T00:00:00Z", "modified": "2021-02-02T00:00:00Z", "name": f"On {actor_name}",
              "published": "2021-02-02T00:00:00Z", "created_by_ref": IDENTITY["id"], "object_refs": [actor_id]}
    path.write_text(bundle([IDENTITY, actor, report]))
    return path


def test_removing_either_stix_layer_leaves_the_other_valid(kg_env: Path, tmp_path: Path) -> None:
    a = stix_file(tmp_path / "a.json", "intrusion-set--22222222-2222-4222-8222-222222222222", "Group A")
    b = stix_file(tmp_path / "b.json", "intrusion-set--33333333-3333-4333-8333-333333333333", "Group B")
    assert run("import", str(a))[0] == 0
    assert run("import", str(b))[0] == 0
    b_alone = (kg_env / "layers" / "b.nt").read_bytes()
    assert run("remove", "a")[0] == 0
    code, _, err = run("validate", "--no-warnings")
    assert code == 0, err
    # the layer is the same bytes whichever layers exist when it is imported
    assert run("remove", "b")[0] == 0
    assert run("import", str(b))[0] == 0
    assert (kg_env / "layers" / "b.nt").read_bytes() == b_alone
    assert run("import", str(a))[0] == 0
    assert run("remove", "b")[0] == 0
    code, _, err = run("validate", "--no-warnings")
    assert code == 0, err


def test_rdf_with_blank_nodes_reimports_unchanged(kg_env: Path, tmp_path: Path) -> None:
    ttl = tmp_path / "bn.ttl"
    ttl.write_text(
        "@prefix cyber: <https://w3id.org/cyberkg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "<https://example.org/a> rdfs:seeAlso [ rdfs:label \"one\" ; rdfs:seeAlso [ rdfs:label \"deep\" ] ] ,\n"
        "    [ rdfs:label \"two\" ] ; dcterms:date \"2020-01-01\" .\n")
    code, out, err = run("import", "--date", "2020-01-01", str(ttl))
    assert code == 0 and "added" in out, err
    first = (kg_env / "layers" / "bn.nt").read_bytes()
    code, out, err = run("import", "--date", "2020-01-01", str(ttl))
    assert code == 0 and "unchanged" in out, (out, err)
    assert (kg_env / "layers" / "bn.nt").read_bytes() == first


def test_csv_quoting_is_never_guessed_from_the_first_rows(tmp_path: Path) -> None:
    from cyberkg.importers.sheet_read import read_csv

    plain = "".join(f"actor-{i:03d},actor,Plain label number {i} without any quote\n" for i in range(120))
    tricky = ['He said ""no"", then left', 'a ""quoted"" word, and a comma', '""', 'semi; colon']
    rows = "".join(f'late-{i},actor,"{t}"\n' for i, t in enumerate(tricky))
    data = ("id,kind,label\n" + plain + rows).encode()
    assert len(plain) > 4096
    problems: list = []  # type: ignore[type-arg]
    sheet = read_csv(data, "x-elements.csv", "elements", ("id", "kind", "label"), problems)
    assert problems == []
    got = {cells["id"]: cells["label"] for _, cells in sheet.rows}
    assert [got[f"late-{i}"] for i in range(len(tricky))] == [t.replace('""', '"') for t in tricky]
    assert len(got) == 120 + len(tricky)


def test_sheets_round_trip_with_an_instrument_and_source_sharing_a_slug(kg_env: Path, tmp_path: Path) -> None:
    """csv-sheets wrote eo-13636 twice (the order and its source); the importer refused the second."""
    import csv
    import io

    from cyberkg.export.sheets import write_sheets
    from cyberkg.importers import import_files
    from cyberkg.store.built import build
    from cyberkg.store.layers import remove
    from import_fixtures import DATA

    header = (DATA / "system-map-elements.csv").read_text(encoding="utf-8").splitlines()[0]
    els = tmp_path / "twin-elements.csv"
    els.write_text(header + "\n"
                   "eo-x,instrument,Executive Order X,executive-order,,2013-02-12,,,,,,,,,,,,,,eo-x\n"
                   "eo-x,source,Executive Order X (Federal Register),executive-order,,,,,,2013-02-19,,"
                   "united-states,https://example.org/eo-x,78 FR 11739,,,,,,\n", encoding="utf-8")
    cons = tmp_path / "twin-connections.csv"
    cons.write_text("from,relation,to,since,until,sources,confidence,note\n"
                    "eo-x,party,united-states,,,eo-x,,\n", encoding="utf-8")
    ds = build(backend="memory")[0]
    import_files([els, cons], ds=ds, build_dir=kg_env, layer="twin")
    out = tmp_path / "out"
    e1, c1 = write_sheets(ds, out, layer="twin")
    rows = list(csv.DictReader(io.StringIO(e1.read_text(encoding="utf-8"))))
    keys = [(r["kind"], r["id"]) for r in rows]
    assert sorted(keys) == [("instrument", "eo-x"), ("source", "eo-x")] and len(set(keys)) == len(keys)
    remove(ds, "twin", kg_env)
    import_files([e1, c1], ds=ds, build_dir=kg_env, layer="twin")
    e2, c2 = write_sheets(ds, tmp_path / "again", layer="twin")
    assert e2.read_bytes() == e1.read_bytes() and c2.read_bytes() == c1.read_bytes()


def test_the_whole_record_round_trips_through_the_sheets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """csv-sheets of the shipped record, imported into an empty record, exports the same bytes (issuer
    and side lists, slugs shared by an instrument and its source, identifiers holding '; ')."""
    from conftest import ROOT, make_home

    full = make_home(tmp_path / "full", ROOT / "graph")
    empty_graph = tmp_path / "empty-graph"
    (empty_graph / "vocab").mkdir(parents=True)
    empty = make_home(tmp_path / "empty", empty_graph)
    monkeypatch.setenv("CYBERKG_HOME", str(full))
    monkeypatch.setenv("CYBERKG_BUILD_DIR", str(tmp_path / "full-build"))
    code, _, err = run("export", "--format", "csv-sheets", "-o", str(tmp_path / "a"))
    assert code == 0, err[:2000]
    monkeypatch.setenv("CYBERKG_HOME", str(empty))
    monkeypatch.setenv("CYBERKG_BUILD_DIR", str(tmp_path / "empty-build"))
    a = tmp_path / "a"
    code, _, err = run("import", "--date", "2024-01-01", "--layer", "whole", str(a / "elements.csv"),
                       str(a / "connections.csv"))
    assert code == 0, err[:2000]
    assert run("export", "--format", "csv-sheets", "-o", str(tmp_path / "b"))[0] == 0
    for name in ("elements.csv", "connections.csv"):
        assert (tmp_path / "b" / name).read_bytes() == (a / name).read_bytes(), name
