"""A real-world import at scale: a generated STIX 2.1 bundle through ``cyberkg import``.

    .venv/bin/python bench/stix_bench.py [--objects 10000] [--seed 7] [--before REV] [--phases]
                                         [--out build/bench]

:func:`bundle` writes a deterministic STIX 2.1 bundle (identities, threat actors, intrusion sets,
campaigns, malware, reports holding them, and ``attributed-to`` / ``targets`` / ``uses``
relationships). The benchmark builds the store of the last commit's record, then runs
``cyberkg import BUNDLE`` as a subprocess and reports its wall time, CPU time and peak memory
(the subprocess's maximum RSS, ``resource.getrusage(RUSAGE_CHILDREN)`` in a process that starts
nothing else), and the same for ``cyberkg import --replace`` of a second bundle (a new version
of the layer). ``--before REV`` runs the package as it was at commit REV too, turn about with
today's, each on its own build directory; ``--phases`` times each step of the import in one
process. Targets (issue #11): at least 10,000 objects in <= 30 s, peak memory <= 2 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

# Share of each object type in the bundle (relationships: the rest).
MIX = {"identity": 0.02, "threat-actor": 0.07, "intrusion-set": 0.07, "campaign": 0.12, "malware": 0.08,
       "report": 0.04}

MEASURE = """
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - t0
use = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": done.returncode, "wall_s": wall, "cpu_s": use.ru_utime + use.ru_stime,
                  "peak_rss_mib": use.ru_maxrss / 1024,
                  "stdout": done.stdout[-2000:], "stderr": done.stderr[-2000:]}))
"""


def bundle(objects: int = 10_000, seed: int = 7) -> dict[str, Any]:
    """A STIX 2.1 bundle of ``objects`` objects, the same for the same seed."""
    rng = random.Random(seed)
    base = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)

    def sid(typ: str) -> str:
        return f"{typ}--{uuid.UUID(int=rng.getrandbits(128), version=4)}"

    def stamp(days: int = 3650) -> str:
        return (base + dt.timedelta(days=rng.randrange(days), seconds=rng.randrange(86400))).strftime(
            "%Y-%m-%dT%H:%M:%S.000Z")

    counts = {t: max(1, int(objects * share)) for t, share in MIX.items()}
    n_rel = objects - sum(counts.values())
    out: list[dict[str, Any]] = []
    pools: dict[str, list[dict[str, Any]]] = {t: [] for t in MIX}

    def add(obj: dict[str, Any]) -> dict[str, Any]:
        obj.update({"spec_version": "2.1"})
        out.append(obj)
        if obj["type"] in pools:
            pools[obj["type"]].append(obj)
        return obj

    for k in range(counts["identity"]):
        t = stamp()
        add({"type": "identity", "id": sid("identity"), "created": t, "modified": t,
             "name": f"Synthetic CERT {k}", "identity_class": "organization"})
    creators = pools["identity"]
    for typ, label in (("threat-actor", "Synthetic threat actor"), ("intrusion-set", "Synthetic intrusion set")):
        for k in range(counts[typ]):
            t = stamp()
            add({"type": typ, "id": sid(typ), "created": t, "modified": t, "name": f"{label} {k}",
                 "description": f"{label} {k}, generated for the import benchmark.",
                 "aliases": [f"{label} {k} alias {j}" for j in range(rng.randint(0, 3))],
                 "created_by_ref": rng.choice(creators)["id"]})
    for k in range(counts["campaign"]):
        first = stamp()
        obj = {"type": "campaign", "id": sid("campaign"), "created": first, "modified": first,
               "name": f"Synthetic campaign {k}", "first_seen": first,
               "created_by_ref": rng.choice(creators)["id"]}
        if rng.random() < 0.5:  # ISO timestamps sort as text: the later of two is an end after the start
            obj["last_seen"] = max(stamp(), first)
        add(obj)
    for k in range(counts["malware"]):
        t = stamp()
        add({"type": "malware", "id": sid("malware"), "created": t, "modified": t, "name": f"Synthetic malware {k}",
             "is_family": True, "description": f"Malware family {k}."})
    rel_types = [("attributed-to", "campaign", "intrusion-set"), ("attributed-to", "intrusion-set", "threat-actor"),
                 ("attributed-to", "campaign", "threat-actor"), ("targets", "campaign", "identity"),
                 ("uses", "intrusion-set", "malware"), ("uses", "campaign", "malware"),
                 ("uses", "threat-actor", "malware")]
    rels = []
    for _ in range(n_rel):
        rtype, a, b = rng.choice(rel_types)
        t = stamp()
        rel = {"type": "relationship", "id": sid("relationship"), "created": t, "modified": t,
               "relationship_type": rtype, "source_ref": rng.choice(pools[a])["id"],
               "target_ref": rng.choice(pools[b])["id"], "confidence": rng.randrange(101)}
        if rng.random() < 0.5:
            rel["created_by_ref"] = rng.choice(creators)["id"]
        rels.append(rel)
    held = [o for o in out if o["type"] not in ("identity",)] + rels
    rng.shuffle(held)
    per = max(1, len(held) // max(1, counts["report"]))
    for k in range(counts["report"]):
        t = stamp()
        refs = [o["id"] for o in held[k * per:(k + 1) * per]] or [held[0]["id"]]
        add({"type": "report", "id": sid("report"), "created": t, "modified": t, "published": t,
             "name": f"Synthetic report {k}", "object_refs": refs, "created_by_ref": rng.choice(creators)["id"],
             "external_references": [{"source_name": "synthetic", "external_id": f"SYN-{k}",
                                      "url": f"https://example.org/report/{k}"}]})
    out += [{**r, "spec_version": "2.1"} for r in rels]
    return {"type": "bundle", "id": f"bundle--{uuid.UUID(int=rng.getrandbits(128), version=4)}", "objects": out}


def measured(cmd: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Wall time and peak RSS of ``cmd``, run by a fresh Python process that starts nothing else."""
    done = subprocess.run([sys.executable, "-c", MEASURE, *cmd], env=env, capture_output=True, text=True,
                          check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


PHASES = """
import json, sys, time
from pathlib import Path
from rdflib import Graph
from cyberkg import store
from cyberkg.analysis.validate import run_shacl
from cyberkg.importers import base_graph, check_shapes, stix
from cyberkg.importers.base import FileInfo, Known, sha256
from cyberkg.store.layers import canonical_nt
out, t = {}, time.perf_counter()
def step(name):
    global t
    now = time.perf_counter(); out[name] = now - t; t = now
ds = store.open_built()
step("open the built store")
base = base_graph(ds, ["synthetic-stix"])
step(f"base graph: the store's data as an rdflib Graph ({len(base):,} triples)")
data = Path(sys.argv[1]).read_bytes()
info = FileInfo("synthetic-stix", Path(sys.argv[1]).name, "stix", sha256(data))
known = Known.from_graph(base)
layer = stix.to_graph(data, info, known).graph
step(f"read and map the bundle ({len(layer):,} triples)")
check_shapes(layer, base, info.name)
step("check_shapes: violation shapes, in place (now)")
g = Graph(); g += base; g += layer
findings = run_shacl(g, store.ontology_graph())
step(f"the check before: a copy of base + layer, pySHACL with every shape, ontology as ont_graph "
     f"({len(findings):,} findings, {sum(f.severity == 'Violation' for f in findings)} violations)")
canonical_nt(layer)
step("canonical N-Triples of the layer (what is saved)")
print(json.dumps(out))
"""


def phases(bundle_file: Path, env: dict[str, str]) -> dict[str, float]:
    """Each step of an import timed in one process (the store stays as it is)."""
    done = subprocess.run([sys.executable, "-c", PHASES, str(bundle_file)], env=env, capture_output=True,
                          text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--objects", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "bench")
    ap.add_argument("--before", metavar="REV", help="also run the package of this commit, side by side")
    ap.add_argument("--phases", action="store_true", help="also time each step of the import in one process")
    args = ap.parse_args(argv)
    work = args.out / "stix"
    subprocess.run(["rm", "-rf", str(work)], check=True)
    (work / "home").mkdir(parents=True)
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD", "graph", "ontology", "queries"],
                         capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(work / "home")], input=tar, check=True)
    env = {**os.environ, "CYBERKG_HOME": str(work / "home"), "CYBERKG_BUILD_DIR": str(work / "build")}
    exe = str(ROOT / ".venv" / "bin" / "cyberkg")
    t0 = time.perf_counter()
    doc = bundle(args.objects, args.seed)
    first = work / "synthetic-stix.json"
    first.write_text(json.dumps(doc, indent=1))
    second = bundle(args.objects, args.seed + 1)
    (work / "v2").mkdir()
    (work / "v2" / "synthetic-stix.json").write_text(json.dumps(second, indent=1))
    gen_s = time.perf_counter() - t0
    codes: dict[str, tuple[list[str], dict[str, str]]] = {"now": ([exe], env)}
    if args.before:  # the same commands with the package as it was at that commit, side by side
        src = subprocess.run(["git", "-C", str(ROOT), "archive", args.before, "src"], capture_output=True,
                             check=True).stdout
        (work / "before").mkdir()
        subprocess.run(["tar", "-x", "-C", str(work / "before")], input=src, check=True)
        old_env = {**env, "PYTHONPATH": str(work / "before" / "src"), "CYBERKG_BUILD_DIR": str(work / "build-before")}
        codes = {f"before ({args.before})": ([sys.executable, "-c", "from cyberkg.cli import main; main()"], old_env),
                 **codes}
    build = {name: measured([*cmd, "build", "--no-validate"], e) for name, (cmd, e) in codes.items()}
    runs: dict[str, dict[str, Any]] = {}
    for what, extra in (("import", [str(first)]),
                        ("import --replace (another bundle)", ["--replace", str(work / "v2" / first.name)])):
        for name, (cmd, e) in codes.items():
            runs[f"{name}: cyberkg {what}"] = measured([*cmd, "import", *extra], e)
    types: dict[str, int] = {}
    for o in doc["objects"]:
        types[o["type"]] = types.get(o["type"], 0) + 1
    print(f"bundle: {len(doc['objects']):,} objects ({', '.join(f'{n:,} {t}' for t, n in sorted(types.items()))}), "
          f"{first.stat().st_size / 1e6:.1f} MB, generated in {gen_s:.1f} s")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("| run | wall time | CPU time | peak RSS | exit | output |\n|---|---|---|---|---|---|")
    for name, r in runs.items():
        lines = (r["stdout"] or r["stderr"]).strip().splitlines()
        shown = (lines[-1] if r["rc"] == 0 and lines else " / ".join(lines[-3:]))[:160].replace("|", "/")
        print(f"| {name} | {r['wall_s']:.1f} s | {r['cpu_s']:.1f} s | {r['peak_rss_mib']:,.0f} MiB "
              f"| {r['rc']} | {shown} |")
    result = {"objects": types, "build": build, "runs": runs}
    if args.phases:
        result["phases"] = phases(first, env)
        print("| step (in one process) | wall time |\n|---|---|")
        for step, secs in result["phases"].items():
            print(f"| {step} | {secs:.2f} s |")
    from cyberkg.core.atomic import write_atomic

    write_atomic(args.out / "stix.json", (json.dumps(result, indent=1) + "\n").encode())
    return 0 if all(r["rc"] == 0 for r in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
