"""STIX 2.1 bundles: ids kept, relationships become attributions, malformed input gives clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Literal, URIRef

from cyberkg.core.errors import DataError
from cyberkg.core.namespaces import CYBER, DCTERMS, IT, LAYER, OWL, RDF, iri
from cyberkg.importers import import_files
from cyberkg.importers.base import FileInfo, Known, sha256
from cyberkg.importers.stix import to_graph
from import_fixtures import DATA, setup_env

BUNDLE = DATA / "bundestag-2015.stix.json"


@pytest.fixture
def kg_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return setup_env(tmp_path, monkeypatch)


def test_stix_bundle_becomes_actors_incidents_and_attributions(kg_env: Path) -> None:
    from cyberkg.analysis.catalogue import find, run
    from cyberkg.analysis.validate import validate
    from cyberkg.store.built import build

    ds = build(backend="memory")[0]
    [out] = import_files([BUNDLE], ds=ds, build_dir=kg_env, layer="bundestag")
    assert out.format == "stix"
    layer = ds.graph(LAYER["bundestag"])
    objects = {o["id"]: o for o in json.loads(BUNDLE.read_text())["objects"]}
    # every mapped object keeps its STIX id, so it can be matched again
    for sid, obj in objects.items():
        if obj["type"] in ("indicator",) or (
            obj["type"] == "relationship" and obj["relationship_type"] != "attributed-to"
        ):
            continue
        nodes = list(layer.subjects(DCTERMS.identifier, Literal(sid)))
        assert len(nodes) == 1, sid
        assert (nodes[0], OWL.sameAs, URIRef("urn:uuid:" + sid.split("--")[1])) in layer
    # the intrusion set and the Council identity matched the curated actors by label
    assert (
        URIRef(iri("actor", "apt28")),
        DCTERMS.identifier,
        Literal("intrusion-set--bef4c620-0787-42a8-a96d-b7eb6e85917c"),
    ) in layer
    inst = URIRef(iri("instrument", "stix-e5a3c6f1-6c2f-4d7e-9a8d-1c4b2f7e9d10"))
    assert (inst, CYBER.instrumentType, IT["attribution-statement"]) in layer
    assert (inst, CYBER.party, URIRef(iri("actor", "council-of-the-eu"))) in layer
    rows = run(find("incidents/attributions"), ds).rows
    assert [(str(r["incidentLabel"]), str(r["sides"])) for r in rows] == [("German Bundestag hack", "EU")]
    assert "skipped 1 indicator object(s): not mapped" in out.notes
    assert validate(ds).violations == []


def test_reimporting_the_bundle_elsewhere_matches_the_same_nodes(kg_env: Path) -> None:
    from cyberkg.store.built import build

    ds = build(backend="memory")[0]
    import_files([BUNDLE], ds=ds, build_dir=kg_env, layer="first")
    first = {s for s in ds.graph(LAYER["first"]).subjects(RDF.type, None)}
    import_files([BUNDLE], ds=ds, build_dir=kg_env, layer="second")
    second = {s for s in ds.graph(LAYER["second"]).subjects(RDF.type, None)}
    records = {s for s in first if "/source/import/" not in str(s) and "/statement/" not in str(s)}
    assert records and records <= second  # the STIX ids resolved to the same IRIs


def _info() -> FileInfo:
    return FileInfo("h", "h.json", "stix", sha256(b"h"), date="2020-01-01")


KNOWN = Known(records={"actor": {"apt28"}}, labels={"apt28": {URIRef(iri("actor", "apt28"))}})


@pytest.mark.parametrize(
    "text, expected",
    [
        ("{not json", "not JSON"),
        ('{"type": "report"}', "not a STIX 2.1 bundle"),
        ('{"type": "bundle", "objects": {}}', "must be a list"),
        (
            '{"type": "bundle", "objects": [{"type": "campaign", "id": "campaign--nope"}]}',
            "is not 'campaign--<uuid>'",
        ),
        (
            '{"type": "bundle", "objects": [{"type": "campaign", '
            '"id": "campaign--1b6bd4b0-7e2f-4b1a-9d0c-3a52d3e5b7a4", "name": "x", "created": "yesterday"}]}',
            "'created' is not a STIX timestamp",
        ),
    ],
)
def test_malformed_bundles_give_clear_errors(text: str, expected: str) -> None:
    with pytest.raises(DataError, match=expected):
        to_graph(text.encode(), _info(), KNOWN)


UUIDS = [
    "1b6bd4b0-7e2f-4b1a-9d0c-3a52d3e5b7a4",
    "56f3f0db-b5d5-431c-ae56-c18f02caf500",
    "0f7c2b1e-4c3a-4f55-9a3e-2d2a6b1e8c01",
]
TYPES = [
    "campaign",
    "threat-actor",
    "intrusion-set",
    "identity",
    "malware",
    "report",
    "relationship",
    "indicator",
    "x-custom",
]
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
    max_leaves=6,
)
stix_id = st.builds(lambda t, u: f"{t}--{u}", st.sampled_from(TYPES), st.sampled_from(UUIDS)) | st.text(
    max_size=8
)
stix_obj = st.fixed_dictionaries(
    {"type": st.sampled_from(TYPES), "id": stix_id},
    optional={
        "name": st.text(max_size=8) | json_value,
        "created": st.sampled_from(["2020-10-22T09:00:00.000Z", "2020-13-01", "x"]) | json_value,
        "first_seen": st.sampled_from(["2015-04-30T00:00:00Z", ""]),
        "aliases": json_value,
        "relationship_type": st.sampled_from(["attributed-to", "targets", "uses", "x"]) | json_value,
        "source_ref": stix_id,
        "target_ref": stix_id,
        "created_by_ref": stix_id,
        "object_refs": json_value,
        "external_references": json_value,
        "confidence": json_value,
    },
)


@settings(max_examples=200, deadline=None)
@given(objects=st.lists(stix_obj | json_value, max_size=6), wrap=st.booleans())
def test_malformed_stix_gives_clear_errors_never_a_traceback(objects: list[object], wrap: bool) -> None:
    doc = {"type": "bundle", "id": "bundle--" + UUIDS[0], "objects": objects} if wrap else objects
    try:
        result = to_graph(json.dumps(doc).encode(), _info(), KNOWN)
    except DataError as exc:
        assert exc.problems and all(str(p) for p in exc.problems)
    else:
        assert len(result.graph) > 0
