"""``cyberkg metrics``: bridges between the sides, articulation points, central actors, communities
on the actor–instrument graph; the one-pass Brandes is checked against networkx's own."""

from __future__ import annotations

import datetime as dt
import json

import networkx as nx
import pytest
from click.testing import CliRunner

from cyberkg.analysis.facts import load_facts
from cyberkg.analysis.metrics import _brandes, actor_instrument_graph, metrics
from cyberkg.core.namespaces import iri
from report_fixtures import build_report_ds, make_report_home

ON = "2022-06-01"


@pytest.fixture(scope="module")
def facts(tmp_path_factory):  # type: ignore[no-untyped-def]
    return load_facts(build_report_ds(tmp_path_factory.mktemp("metrics")))


def test_the_graph_holds_instruments_in_force_and_their_parties(facts) -> None:  # type: ignore[no-untyped-def]
    g = actor_instrument_graph(facts, dt.date.fromisoformat(ON), ("EU", "US"))
    assert g.nodes[iri("instrument", "mla")]["side"] == "joint"
    assert iri("instrument", "struck-deal") not in g  # struck down in 2020
    assert iri("instrument", "evidence-deal") not in g  # only from 2024
    assert g.has_edge(iri("actor", "fbi"), iri("actor", "doj"))  # part_of links join the hierarchy
    assert g.nodes[iri("actor", "germany")]["side"] == "other"


def test_bridges_and_central_actors_agree_with_networkx(facts) -> None:  # type: ignore[no-untyped-def]
    g = actor_instrument_graph(facts, dt.date.fromisoformat(ON), ("EU", "US"))
    eu = sorted(n for n, d in g.nodes(data=True) if d["kind"] == "actor" and d["side"] == "EU")
    us = sorted(n for n, d in g.nodes(data=True) if d["kind"] == "actor" and d["side"] == "US")
    adj = {n: sorted(g.neighbors(n)) for n in sorted(g)}
    through, bridge = _brandes(adj, eu + us, set(eu), set(us))
    expected = nx.betweenness_centrality_subset(g, eu, us, normalized=False)
    assert {n: round(v, 9) for n, v in bridge.items()} == {n: round(2 * v, 9) for n, v in expected.items()}
    expected_all = nx.betweenness_centrality_subset(g, eu + us, list(g), normalized=False)
    assert {n: round(v, 9) for n, v in through.items()} == {n: round(2 * v, 9) for n, v in expected_all.items()}


def test_metrics_of_the_tiny_record(facts) -> None:  # type: ignore[no-untyped-def]
    m = metrics(as_of=ON, facts=facts)
    assert m["side_pairs_connected"] == 8  # 2 EU actors x 4 US actors (Cyber agency, DOJ, FBI, US) in one piece
    arts = {x["label"]: x["pairs_cut"] for x in m["articulation_points"]}
    # removing the EU cuts its Council from every US actor; removing DOJ cuts the FBI from both EU actors
    assert arts == {"European Union": 4, "United States": 4, "Department of Justice": 2}
    assert {x["label"] for x in m["bridges"][:2]} == {"European Union", "United States"}
    assert m["central"]["EU"][0]["label"] == "European Union"
    assert all(c["size"] for c in m["communities"]) and sum(c["size"] for c in m["communities"]) == m["nodes"]
    assert metrics(as_of=ON, facts=facts) == m  # the same answer every run


def test_cli_metrics(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cyberkg.cli.main import main

    monkeypatch.setenv("CYBERKG_HOME", str(make_report_home(tmp_path)))
    monkeypatch.setenv("CYBERKG_BUILD_DIR", str(tmp_path / "build"))
    r = CliRunner().invoke(main, ["metrics", "--as-of", ON, "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["articulation_points"][0]["pairs_cut"] == 4
    r = CliRunner().invoke(main, ["metrics", "--as-of", ON])
    assert "articulation point" in r.stdout and "Rule:" in r.stdout
    r = CliRunner().invoke(main, ["metrics", "--as-of", "2022-13-01"])
    assert r.exit_code == 2 and "is not a date" in r.stderr


def _brute_force_pairs_cut(g: nx.Graph, side_of: dict[str, str | None]) -> dict[str, int]:
    def pairs(h: nx.Graph) -> int:
        return sum(sum(1 for n in c if side_of[n] == "EU") * sum(1 for n in c if side_of[n] == "US")
                   for c in nx.connected_components(h))

    out = {}
    for n in nx.articulation_points(g):
        comp = nx.node_connected_component(g, n)
        own = sum(1 for x in comp if side_of[x] == ("US" if side_of[n] == "EU" else "EU")) if side_of[n] else 0
        rest = g.subgraph(comp - {n})
        out[n] = pairs(g.subgraph(comp)) - own - pairs(rest)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_the_one_pass_cut_count_equals_removing_each_point(seed) -> None:  # type: ignore[no-untyped-def]
    from cyberkg.analysis.metrics import pairs_cut

    g = nx.gnm_random_graph(60, 70, seed=seed)
    g = nx.relabel_nodes(g, {n: f"n{n:02d}" for n in g})
    side_of = {n: ("EU", "US", None)[i % 3] for i, n in enumerate(sorted(g))}
    adj = {n: sorted(g.neighbors(n)) for n in sorted(g)}
    got = pairs_cut(adj, side_of, "EU", "US")
    assert got == _brute_force_pairs_cut(g, side_of)


def test_big_graphs_sample_fewer_sources_and_say_so() -> None:
    from cyberkg.analysis.metrics import PIVOTS, pivots

    assert pivots(331, 643) == PIVOTS  # the shipped record: every actor is a source
    assert pivots(1_000, 2_000) == 100 and pivots(2_000, 4_000) == 50 and pivots(10_000, 30_000) == 10
