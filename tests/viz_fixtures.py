"""A tiny curated record for the network and view tests: two sides, a joint instrument, one
instrument per side, a goal both pursue, an incident, and a label that tries to inject a script."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from rdflib import Dataset

from cyberkg import paths

EVIL = '<img src=x onerror="window.__pwned=1">'
EVIL_DESCRIPTION = "</script><script>window.__pwned=2</script>"

RECORD = {
    "sides.yaml": """
        sides:
          - {id: eu, label: European Union, code: EU, actor: european-union}
          - {id: us, label: United States, code: US, actor: united-states}
        """,
    "actors.yaml": f"""
        actors:
          - {{id: european-union, label: European Union, kind: supranational-union}}
          - {{id: enisa, label: ENISA, kind: agency, part_of: european-union, aliases: [EU cyber agency]}}
          - {{id: united-states, label: United States, kind: state}}
          - {{id: cisa, label: CISA, kind: agency, part_of: united-states, established: 2018-11-16}}
          - id: apt-x
            label: '{EVIL}'
            kind: threat-actor
            description: '{EVIL_DESCRIPTION}'
        """,
    "sources.yaml": """
        sources:
          - {id: eu-strategy, title: EU Cybersecurity Strategy 2013, issuer: european-union, date: 2013-02-07,
             url: "https://example.org/eu-strategy"}
          - {id: us-strategy, title: US National Cyber Strategy 2021, issuer: united-states, date: 2021-06-01,
             url: "https://example.org/us-strategy"}
          - {id: joint-statement, title: Joint statement, issuer: european-union, date: 2015-01-01,
             url: "https://example.org/joint"}
        """,
    "goals.yaml": """
        goals:
          - id: resilience
            label: Cyber resilience
            pursued_by:
              - {actor: european-union, since: 2013-02-07, stated_in: eu-strategy}
              - {actor: united-states, since: 2021-06-01, stated_in: us-strategy}
          - {id: security, label: International security}
          - {id: deterrence, label: Deterrence, broader: security}
        """,
    "instruments.yaml": """
        instruments:
          - {id: joint-taskforce, label: EU-US Taskforce, type: taskforce, parties: [enisa, cisa],
             adopted: 2015-01-01, addresses: [deterrence], sources: [joint-statement]}
          - {id: eu-act, label: EU Cybersecurity Act, type: legislation, parties: [european-union],
             adopted: 2019-04-17, in_force: 2019-06-27, addresses: [resilience], sources: [eu-strategy],
             description: The act that made ENISA permanent.}
          - {id: us-order, label: US Executive Order, type: executive-order, parties: [united-states],
             adopted: 2021-05-12, ended: 2022-01-01, addresses: [resilience], sources: [us-strategy]}
        """,
    "incidents.yaml": """
        incidents:
          - {id: big-hack, label: Big hack, date: 2020-05-01, affected: [united-states],
             sources: [us-strategy]}
        """,
}


def write_record(home: Path) -> Path:
    """A CYBERKG_HOME under ``home`` with the tiny record, the real vocabularies and ontology."""
    graph = home / "graph"
    graph.mkdir(parents=True)
    for name, text in RECORD.items():
        (graph / name).write_text(textwrap.dedent(text), encoding="utf-8")
    shutil.copytree(paths.graph_dir() / "vocab", graph / "vocab")
    shutil.copytree(paths.ontology_dir(), home / "ontology")
    return home


def tiny_dataset(home: Path) -> Dataset:
    """The tiny record mapped, loaded into an in-memory dataset and derived."""
    from cyberkg.record.loaders import load_catalog
    from cyberkg.record.mapping import map_catalog
    from cyberkg.store.backend import new_dataset, read_turtle_dir
    from cyberkg.store.built import populate

    write_record(home)
    ds = new_dataset("memory")
    populate(ds, map_catalog(load_catalog(home / "graph")), None, read_turtle_dir(home / "graph" / "vocab"))
    return ds
