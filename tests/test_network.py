"""RDF -> networkx on a tiny record: kinds, sides, as-of filtering, literals as attributes, views."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef

from cyberkg import network
from cyberkg.analysis.catalogue import parse_query, run
from cyberkg.core.errors import QueryError
from cyberkg.core.namespaces import CYBER, RDFS, iri
from viz_fixtures import EVIL, tiny_dataset


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return tiny_dataset(tmp_path_factory.mktemp("home") / "home")


@pytest.fixture(scope="module")
def g(ds):
    return network.to_networkx(ds)


def node(kind: str, slug: str) -> str:
    return iri(kind, slug)


def test_nodes_are_records_with_their_kind(g):
    kinds = {g.nodes[n]["slug"]: g.nodes[n]["kind"] for n in g}
    assert kinds == {
        "european-union": "actor",
        "enisa": "actor",
        "united-states": "actor",
        "cisa": "actor",
        "apt-x": "threat-actor",
        "eu": "side",
        "us": "side",
        "resilience": "goal",
        "deterrence": "goal",
        "security": "goal",
        "joint-taskforce": "instrument",
        "eu-act": "instrument",
        "us-order": "instrument",
        "big-hack": "incident",
        "eu-strategy": "source",
        "us-strategy": "source",
        "joint-statement": "source",
    }


def test_literals_are_attributes_never_nodes(g):
    assert all(isinstance(n, str) and n.startswith("https://w3id.org/cyberkg/id/") for n in g)
    assert not any("/statement/" in n or "/pursuit/" in n for n in g)  # reification and pursuits fold away
    act = g.nodes[node("instrument", "eu-act")]
    assert act["label"] == "EU Cybersecurity Act"
    assert act["description"] == "The act that made ENISA permanent."
    assert act["adopted"] == "2019-04-17" and act["inForce"] == "2019-06-27"
    assert act["instrumentType"] == "Legislation"  # a vocabulary concept shown by its label
    assert g.nodes[node("actor", "enisa")]["altLabel"] == ["EU cyber agency"]
    assert g.nodes[node("source", "eu-strategy")]["url"] == "https://example.org/eu-strategy"
    assert g.nodes[node("actor", "apt-x")]["label"] == EVIL  # kept as data; the page escapes it


def test_edges_carry_relation_and_provenance_and_no_derived_triples(g):
    rel = {(g.nodes[u]["slug"], k, g.nodes[v]["slug"]) for u, v, k in g.edges(keys=True)}
    assert ("joint-taskforce", "party", "enisa") in rel
    assert ("deterrence", "broader", "security") in rel
    assert ("european-union", "pursues", "resilience") in rel
    derived = {"hasSide", "partySide", "pursuitSide", "ancestorGoal", "servesGoal", "effectiveStart"}
    assert not {k for *_, k in g.edges(keys=True)} & derived
    e = g.get_edge_data(node("instrument", "eu-act"), node("goal", "resilience"))["addresses"]
    assert e["sources"] == [node("source", "eu-strategy")]
    pursuit = g.get_edge_data(node("actor", "united-states"), node("goal", "resilience"))["pursues"]
    assert pursuit["since"] == "2021-06-01" and pursuit["sources"] == [node("source", "us-strategy")]


def test_sides_joint_is_detected_from_parties_of_both_sides(g):
    side = {g.nodes[n]["slug"]: g.nodes[n]["side"] for n in g}
    assert side["joint-taskforce"] == "joint"  # parties ENISA (EU) and CISA (US)
    assert g.nodes[node("instrument", "joint-taskforce")]["sides"] == ["EU", "US"]
    assert side["eu-act"] == "EU" and side["us-order"] == "US"
    assert side["enisa"] == "EU" and side["cisa"] == "US"  # through part_of
    assert side["resilience"] == "joint"  # pursued by both sides
    assert side["us-strategy"] == "US"  # by issuer
    assert side["apt-x"] is None and side["big-hack"] is None
    assert g.graph["side_codes"] == ["EU", "US"]


def test_as_of_leaves_out_instruments_not_in_force_and_pursuits_not_started(ds):
    on = network.to_networkx(ds, as_of="2020-11-26")
    assert on.graph["as_of"] == "2020-11-26"
    assert node("instrument", "eu-act") in on and node("instrument", "joint-taskforce") in on
    assert node("instrument", "us-order") not in on  # adopted 2021
    assert on.has_edge(node("actor", "european-union"), node("goal", "resilience"))
    assert not on.has_edge(node("actor", "united-states"), node("goal", "resilience"))  # pursued from 2021
    assert on.nodes[node("goal", "resilience")]["side"] == "EU"
    assert node("source", "us-strategy") not in on  # issued later
    later = network.to_networkx(ds, as_of="2022-06-01")
    assert node("instrument", "us-order") not in later  # ended 2022-01-01
    assert node("instrument", "us-order") in network.to_networkx(ds, as_of="2021-12-31")
    assert node("actor", "cisa") not in network.to_networkx(ds, as_of="2018-01-01")  # not yet established
    with pytest.raises(QueryError, match="not a date"):
        network.to_networkx(ds, as_of="26/11/2020")


def test_focus_by_slug_kind_slug_or_iri_and_depth(g):
    one = network.focus(g, "enisa", 1)
    assert {one.nodes[n]["slug"] for n in one} == {"enisa", "european-union", "joint-taskforce"}
    assert one.nodes[node("actor", "enisa")]["highlight"] == "focus"
    two = network.focus(g, node("actor", "enisa"), 2)
    assert {"cisa", "deterrence", "joint-statement", "eu", "eu-act"} <= {two.nodes[n]["slug"] for n in two}
    assert set(network.focus(g, "actor/enisa", 0)) == {node("actor", "enisa")}
    with pytest.raises(QueryError, match="did you mean"):
        network.focus(g, "enisaa", 1)


def test_query_subgraph_from_construct_and_select(ds, g, tmp_path):
    construct = tmp_path / "parties.rq"
    construct.write_text(
        "#+ summary: Parties\nPREFIX cyber: <https://w3id.org/cyberkg/ontology#>\n"
        "CONSTRUCT { ?i cyber:party ?a } WHERE { ?i cyber:party ?a } ORDER BY ?i"
    )
    rows = run(parse_query(construct), ds)
    sub = network.query_subgraph(g, [(r["s"], r["p"], r["o"]) for r in rows.rows])
    assert {k for *_, k in sub.edges(keys=True)} == {"party"}
    assert sub.number_of_edges() == 4
    assert {sub.nodes[n]["kind"] for n in sub} == {"instrument", "actor"}
    assert (
        sub.nodes[node("instrument", "joint-taskforce")]["side"] == "joint"
    )  # attributes from the full graph
    triples = [
        (URIRef(node("actor", "enisa")), RDFS.label, Literal("ENISA")),
        (URIRef(node("actor", "enisa")), CYBER.worksWith, URIRef(node("actor", "cisa"))),
    ]
    made_up = network.query_subgraph(g, triples)
    assert set(made_up) == {node("actor", "enisa"), node("actor", "cisa")}
    assert list(made_up.edges(keys=True)) == [(node("actor", "enisa"), node("actor", "cisa"), "worksWith")]


def test_gap_subgraph_highlights_gap_goals(ds):
    from cyberkg.analysis.gaps import find_gaps

    report = find_gaps(ds, "2021-07-01")
    full = network.to_networkx(ds, as_of="2021-07-01")
    sub = network.gap_subgraph(full, report)
    gaps = {sub.nodes[n]["slug"] for n in sub if sub.nodes[n].get("highlight") == "gap"}
    assert [gap.goal for gap in report.gaps] == [node("goal", "resilience")]
    assert gaps == {"resilience"}
    slugs = {sub.nodes[n]["slug"] for n in sub}
    assert {"european-union", "united-states", "eu-act", "us-order"} <= slugs
    assert "joint-taskforce" not in slugs  # joint, and for another goal
    assert sub.nodes[node("instrument", "us-order")]["side"] == "US"


def test_focus_takes_a_label_an_alias_or_an_identifier_and_lists_candidates_when_ambiguous(g):
    enisa = node("actor", "enisa")
    assert network.resolve(g, "ENISA") == enisa  # the label, any case
    assert network.resolve(g, "eu cyber agency") == enisa  # an alias
    assert network.focus(g, "EU Cybersecurity Act", 0).graph["focus"] == node("instrument", "eu-act")
    h = g.copy()
    h.add_node("c", kind="actor", slug="solarwinds", label="SolarWinds")
    h.add_node("i", kind="incident", slug="solarwinds-compromise", label="SolarWinds compromise",
               altLabel=["SUNBURST"], sameAs=["https://attack.example/campaigns/C0024"])
    with pytest.raises(QueryError, match=r"names several records: actor/solarwinds \(SolarWinds\); "
                                         r"incident/solarwinds-compromise"):
        network.resolve(h, "solarwinds")
    assert network.resolve(h, "actor/solarwinds") == "c"
    assert network.resolve(h, "SUNBURST") == "i" and network.resolve(h, "C0024") == "i"  # external id
    assert network.resolve(g, "enisa") == enisa  # an instrument named after ENISA does not make it ambiguous


def test_lang_without_labels_is_said(ds, g):
    from cyberkg.cli.viz import lang_note

    h = g.copy()
    assert lang_note(ds, h, "xx") == "no labels in language 'xx' in this graph: labels shown in English"
    assert h.graph["notes"][-1].startswith("no labels in language 'xx'")
    assert lang_note(ds, g.copy(), "en") is None


def test_gap_picture_sides_goals_groups_and_a_byte_identical_page(ds):
    from cyberkg.analysis.gaps import find_gaps
    from cyberkg.views.gap_view import gap_picture
    from cyberkg.views.viz import render

    report = find_gaps(ds, "2021-07-01")
    full = network.to_networkx(ds, as_of="2021-07-01")
    pic = gap_picture(full, report, ds)
    goal = node("goal", "resilience")
    assert pic.nodes[goal]["highlight"] == "gap" and (pic.nodes[goal]["x"], pic.nodes[goal]["y"]) == (0.0, 0.0)
    assert pic.nodes[goal]["label"].startswith("GAP: ")
    groups = pic.graph["clusters"]
    eu = [c for c in groups.values() if c["side"] == "EU"]
    us = [c for c in groups.values() if c["side"] == "US"]
    assert eu and us and all(c["x"] < 0 for c in eu) and all(c["x"] > 0 for c in us)
    assert [m for c in eu for m in c["members"]] == [node("instrument", "eu-act")]
    assert (eu[0]["label"], us[0]["label"]) == ("EU: 1 legislation", "US: 1 executive order")  # by type here
    assert pic.graph["positions"] == "given"
    once, twice = render(pic, "gaps"), render(gap_picture(full, report, ds), "gaps")
    assert once == twice  # the same input gives the same page, byte for byte
    assert render(full, "all") == render(network.to_networkx(ds, as_of="2021-07-01"), "all")
