"""The synthetic policy-graph generator of bench/: deterministic, at size, and its planted gaps are
exactly what the headline gap query finds — on the rdflib and on the Oxigraph backend."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from rdflib.compare import to_isomorphic

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ops import bound_text
from bench.synthetic import generate

from cyberkg import paths, queries, store
from cyberkg.core.namespaces import iri
from cyberkg.record.loaders import read_vocab_notations

HEADLINE = "gaps/shared-goals-without-joint-instrument"


@pytest.fixture(scope="module")
def small():  # type: ignore[no-untyped-def]
    return generate(10_000, seed=7)


@pytest.fixture(scope="module", params=["memory", "oxigraph"])
def loaded(request, small):  # type: ignore[no-untyped-def]
    ds = store.new_dataset(request.param)
    store.populate(ds, small.graph(), store.ontology_graph(), store.read_turtle_dir(paths.graph_dir() / "vocab"))
    return ds


def gap_goals(ds, **params: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {str(r["goal"]) for r in queries.run(queries.find(HEADLINE), ds, params).rows}


def test_same_seed_gives_the_same_graph(small) -> None:  # type: ignore[no-untyped-def]
    again = generate(10_000, seed=7)
    assert set(again.graph()) == set(small.graph())
    assert to_isomorphic(again.graph()) == to_isomorphic(small.graph())
    assert again.roles == small.roles


def test_another_seed_gives_another_graph(small) -> None:  # type: ignore[no-untyped-def]
    assert set(generate(10_000, seed=8).graph()) != set(small.graph())


@pytest.mark.parametrize("target", [10_000, 30_000])
def test_reaches_about_the_target_size(target: int) -> None:
    n = len(generate(target, seed=7).graph())
    assert 0.8 * target <= n <= 1.2 * target


def test_the_records_pass_the_loaders_checks(small) -> None:  # type: ignore[no-untyped-def]
    small.catalog.concepts = read_vocab_notations(paths.graph_dir() / "vocab")
    assert small.catalog.check_references() == []


def test_shaped_like_the_record(small) -> None:  # type: ignore[no-untyped-def]
    g = small.graph()
    text = {str(p) for p in g.predicates()}
    cyber = "https://w3id.org/cyberkg/ontology#"
    for term in ("pursuer", "pursuedGoal", "since", "statedIn", "party", "addresses", "adopted", "inForce",
                 "ended", "struckDown", "partOf", "onSide", "sideActor", "respondsTo", "attributesTo"):
        assert cyber + term in text, term
    assert "http://www.w3.org/ns/prov#wasDerivedFrom" in text
    assert "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject" in text  # reified provenance
    sides = {r.get("code") for r in small.catalog.all("side")}
    assert sides == {"EU", "US", "UK"}
    types = {r.get("type").id for r in small.catalog.all("instrument")}
    assert "dialogue-forum" in types and "agreement" in types


def test_planted_roles_cover_every_rule(small) -> None:  # type: ignore[no-untyped-def]
    planted = {g for g in small.roles if g.startswith("planted-")}
    assert {small.roles[g] for g in planted} == {"covered", "gap", "one-side", "lapsed"}
    assert small.goals("gap", planted=False) and small.goals("covered", planted=False)


def test_gap_query_finds_exactly_the_planted_gaps(small, loaded) -> None:  # type: ignore[no-untyped-def]
    found = gap_goals(loaded)
    assert found == small.expected_gaps()
    for slug in ("gap-single-side-only", "gap-dialogue-only", "gap-joint-ended", "gap-joint-ended-month",
                 "gap-joint-ends-on-the-date", "gap-joint-struck-down", "gap-joint-adopted-later",
                 "gap-joint-in-force-later", "gap-third-side-joint-only", "gap-international-org-party",
                 "gap-child-of-covered"):
        assert iri("goal", f"planted-{slug}") in found, slug
    for slug in ("covered-parent", "covered-deep-actors", "covered-trilateral", "covered-year-precision",
                 "covered-starts-on-the-date", "covered-in-force-before", "covered-through-narrower-goal",
                 "one-side-eu-only", "one-side-eu-and-uk", "lapsed-us-pursuit-ended",
                 "lapsed-us-pursuit-starts-later"):
        assert iri("goal", f"planted-{slug}") not in found, slug


def test_counting_dialogues_closes_the_dialogue_gaps(small, loaded) -> None:  # type: ignore[no-untyped-def]
    found = gap_goals(loaded, countDialogues="true")
    assert found == small.expected_gaps(count_dialogues=True)
    assert iri("goal", "planted-gap-dialogue-only") not in found
    assert found < gap_goals(loaded)


@pytest.mark.parametrize("name", ["nested-not-exists", "minus", "optional-not-bound", "joins-group-by"])
def test_benchmark_formulations_give_the_same_answer(small, loaded, name: str) -> None:  # type: ignore[no-untyped-def]
    rows = loaded.query(bound_text(name))
    assert {str(r[0]) for r in rows} == small.expected_gaps()


def test_the_stix_bundle_is_deterministic_valid_and_self_contained() -> None:
    import json

    from bench.stix_bench import bundle

    from cyberkg.importers.stix import read_bundle

    doc = bundle(600, seed=7)
    assert json.dumps(doc) == json.dumps(bundle(600, seed=7))
    assert json.dumps(doc) != json.dumps(bundle(600, seed=8))
    objects = read_bundle(json.dumps(doc).encode(), "bundle.json")  # the importer's own checks pass
    assert len(objects) == 600
    types = {o["type"] for o in objects}
    assert types == {"identity", "threat-actor", "intrusion-set", "campaign", "malware", "report", "relationship"}
    ids = {o["id"] for o in objects}
    rels = [o for o in objects if o["type"] == "relationship"]
    assert {r["relationship_type"] for r in rels} == {"attributed-to", "targets", "uses"}
    assert all(r["source_ref"] in ids and r["target_ref"] in ids for r in rels)
    assert all(ref in ids for o in objects if o["type"] == "report" for ref in o["object_refs"])
