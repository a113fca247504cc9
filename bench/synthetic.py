"""A deterministic synthetic *policy* graph, shaped like the curated record, at a target size.

Records are built as a :class:`cyberkg.records.Catalog` and mapped with
:func:`cyberkg.mapping.map_catalog`, so the triples use exactly the terms the real record does:
three sides (EU, US and a third, UK), actors in ``part_of`` chains (and actors placed on a side
directly), goals in a ``broader`` hierarchy with pursuits (``cyber:GoalPursuit`` with pursuer,
goal, since/until and the stating source), instruments of every type (dialogue-forum included)
with parties from one side, two or three, adopted / in-force / ended / struck-down dates (some
with year or month precision), addressed goals, incidents, attributions, divergences, sources
and a reified ``rdf:Statement`` with ``prov:wasDerivedFrom`` on every sourced relationship.

Every goal gets a *role* on purpose, so the answer of the headline gap query (EU vs US as of
2020-11-26) is known by construction, not by re-implementing the query:

* ``covered``: both sides pursue it and a joint (EU+US parties), non-dialogue instrument
  addressing it is in force on the date (it then also serves every broader goal);
* ``gap``: both sides pursue it and nothing joint is in force for it or any narrower goal — only
  single-side instruments, EU+UK or US+UK ones, joint ones that ended, were struck down, are
  adopted later or enter into force later, or (for the ``dialogue_only`` subset) a joint
  dialogue or forum. Below a gap goal no goal gets a joint instrument in force;
* ``one-side``: only one side (maybe with the third) pursues it; only events (which imply no
  pursuit) address it while in force on the date;
* ``lapsed``: one side's pursuit ended before the date or starts after it (events only, likewise).

Under the coverage model (issue #15) a joint instrument that must not cover on the date is
standing (an event would count for two years after its date whatever its end), and an instrument
addressing a second goal picks a covered or gap goal (already pursued by both sides).

Named ``planted-*`` goals pin each trap down so the tests can name them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph

from cyberkg.core.namespaces import iri
from cyberkg.record.schema import Catalog, PartialDate, Record, Ref

AS_OF = dt.date(2020, 11, 26)
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
EARLY, LATE = (dt.date(2001, 1, 1), dt.date(2019, 12, 31)), (dt.date(2021, 1, 1), dt.date(2025, 12, 31))
SIDES = {"eu": ("EU", "european-union", "European Union", "Q458"),
         "us": ("US", "united-states", "United States", "Q30"),
         "uk": ("UK", "united-kingdom", "United Kingdom", "Q145")}
SINGLE_TYPES = ["legislation", "executive-order", "strategy", "policy-framework", "sanctions-regime",
                "sanctions-listing", "attribution-statement", "indictment", "standard-framework"]
JOINT_TYPES = ["agreement", "taskforce", "information-sharing-arrangement", "exercise",
               "capacity-building-programme", "law-enforcement-operation", "attribution-statement"]
# The coverage model (issue #15): events are never in force (they cover for 2 years after their date,
# whatever their end), and a standing instrument in force makes its parties' sides pursue its goals.
EVENT_TYPES = {"exercise", "law-enforcement-operation", "attribution-statement", "sanctions-listing", "indictment",
               "declaration"}
STANDING_JOINT = [t for t in JOINT_TYPES if t not in EVENT_TYPES]
EVENT_JOINT = [t for t in JOINT_TYPES if t in EVENT_TYPES]
EVENT_SINGLE = [t for t in SINGLE_TYPES if t in EVENT_TYPES]
THREATS = ["cybercrime", "ransomware", "botnet", "state-sponsored-operation", "cyber-espionage",
           "destructive-attack", "critical-infrastructure-attack", "election-interference",
           "supply-chain-compromise", "ddos", "data-breach", "disinformation"]
SOURCE_TYPES = ["legal-act", "treaty", "executive-order", "strategy", "council-conclusions", "press-release",
                "joint-statement", "official-report", "official-webpage"]
KINDS = ["institution", "agency", "office"]
# Measured: curated triples ~= A + B * goals (see calibrate()); used to reach a target size.
A_TRIPLES, B_TRIPLES = 2_220.0, 393.0
STATES_NOT_IN_FORCE = ("ended", "struck", "future", "pending")


@dataclass
class Synthetic:
    seed: int
    target: int
    catalog: Catalog
    roles: dict[str, str] = field(default_factory=dict)  # goal slug -> role
    dialogue_only: set[str] = field(default_factory=set)
    parents: dict[str, str | None] = field(default_factory=dict)

    def graph(self) -> Graph:
        from cyberkg.record.mapping import map_catalog

        return map_catalog(self.catalog)

    def expected_gaps(self, count_dialogues: bool = False) -> set[str]:
        """Goal IRIs the gap query must return for EU vs US on :data:`AS_OF`."""
        served_by_dialogue: set[str] = set()  # a dialogue serves its goal and every broader one
        for g in self.dialogue_only if count_dialogues else ():
            cur: str | None = g
            while cur is not None:
                served_by_dialogue.add(cur)
                cur = self.parents.get(cur)
        return {iri("goal", g) for g, role in self.roles.items() if role == "gap" and g not in served_by_dialogue}

    def goals(self, role: str, planted: bool | None = None) -> set[str]:
        return {iri("goal", g) for g, r in self.roles.items()
                if r == role and (planted is None or g.startswith("planted-") == planted)}


def pdate(d: dt.date | str) -> PartialDate:
    return PartialDate(d if isinstance(d, str) else d.isoformat())


class _Gen:
    def __init__(self, seed: int, n_goals: int) -> None:
        self.rng = random.Random(seed)
        self.n = n_goals
        self.cat = Catalog()
        self.side_actors: dict[str, list[str]] = {s: [] for s in SIDES}
        self.others: list[str] = []
        self.threat_actors: list[str] = []
        self.sources: list[str] = []
        self.incidents: list[str] = []
        self.roles: dict[str, str] = {}
        self.dialogue_only: set[str] = set()
        self.parents: dict[str, str | None] = {}
        self.count = 0

    # --- small helpers -----------------------------------------------------------------------
    def add(self, rkind: str, rid: str, /, **values: Any) -> None:
        vals = {k: v for k, v in values.items() if v not in (None, [], "")}
        self.cat.records[rkind][rid] = Record(rkind, rid, "synthetic", 0, {"id": rid, **vals})

    def day(self, lo: dt.date, hi: dt.date) -> dt.date:
        return lo + dt.timedelta(days=self.rng.randrange(max(1, (hi - lo).days + 1)))

    def start(self, d: dt.date) -> PartialDate:
        """A start date, sometimes with year or month precision when that keeps its side of AS_OF."""
        roll = self.rng.random()
        text = d.isoformat()[:4] if roll < 0.1 else d.isoformat()[:7] if roll < 0.2 else d.isoformat()
        cand = PartialDate(text)
        return cand if (cand.first_day() <= AS_OF) == (d <= AS_OF) else pdate(d)

    def src(self) -> Ref:
        return Ref(self.rng.choice(self.sources), 0)

    def srcs(self) -> list[Ref]:
        return [Ref(s, 0) for s in sorted(set(self.rng.sample(self.sources, self.rng.randint(1, 2))))]

    def actor_ref(self, actor: str) -> Ref:
        if self.rng.random() < 0.1:  # a relationship with its own source, confidence and note
            return Ref(actor, 0, (self.rng.choice(self.sources),), "medium", "Synthetic: not re-checked.")
        return Ref(actor, 0)

    # --- records -------------------------------------------------------------------------------
    def actors(self) -> None:
        per_side = max(12, self.n // 8)
        for side, (code, top, label, qid) in SIDES.items():
            self.add("actor", top, label=label, kind=Ref("supranational-union" if side == "eu" else "state", 0),
                     wikidata=qid, aliases=[code])
            self.add("side", side, label=label, code=code, actor=Ref(top, 0))
            levels: list[list[str]] = [[top]]
            for k in range(per_side):
                depth = 1 if k < max(2, per_side // 8) else 2 if k < per_side // 2 else 3
                if k % 10 == 9:  # placed on the side directly, not through part_of
                    aid = f"{side}-body-{k}"
                    self.add("actor", aid, label=f"{code} national body {k}", kind=Ref("agency", 0),
                             side=Ref(side, 0))
                    levels.append([aid])
                else:
                    aid = f"{side}-{KINDS[depth - 1]}-{k}"
                    parent = self.rng.choice(levels[min(depth - 1, len(levels) - 1)])
                    self.add("actor", aid, label=f"{code} {KINDS[depth - 1]} {k}", kind=Ref(KINDS[depth - 1], 0),
                             part_of=Ref(parent, 0), homepage=f"https://example.org/{side}/{k}")
                    while len(levels) <= depth:
                        levels.append([])
                    levels[depth].append(aid)
                self.side_actors[side].append(aid)
        for k in range(3 + self.n // 40):
            self.add("actor", f"intl-org-{k}", label=f"International organisation {k}",
                     kind=Ref("international-organisation", 0))
            self.others.append(f"intl-org-{k}")
        for k in range(3 + self.n // 25):
            self.add("actor", f"threat-actor-{k}", label=f"Threat actor {k}", kind=Ref("threat-actor", 0))
            self.threat_actors.append(f"threat-actor-{k}")

    def make_sources(self) -> None:
        issuers = [a for side in SIDES for a in self.side_actors[side]]
        for k in range(10 + 3 * self.n):
            sid = f"src-{k}"
            self.add("source", sid, title=f"Synthetic source document {k}", issuer=Ref(self.rng.choice(issuers), 0),
                     date=pdate(self.day(EARLY[0], LATE[1])), url=f"https://example.org/source/{k}",
                     identifier=f"SYN/{k}" if k % 2 else None, type=Ref(self.rng.choice(SOURCE_TYPES), 0))
            self.sources.append(sid)
        for k in range(2 + self.n // 3):
            iid = f"incident-{k}"
            self.add("incident", iid, label=f"Synthetic incident {k}", date=pdate(self.day(*EARLY)),
                     threats=[Ref(t, 0) for t in sorted(set(self.rng.sample(THREATS, 2)))],
                     affected=[Ref(SIDES[self.rng.choice(["eu", "us", "uk"])][1], 0)], sources=self.srcs())
            self.incidents.append(iid)

    def pursuit(self, actor: str, since: dt.date, until: dt.date | None = None) -> dict[str, Any]:
        p: dict[str, Any] = {"_line": 0, "actor": Ref(actor, 0), "since": self.start(since), "stated_in": self.src()}
        if until is not None:
            p["until"] = pdate(until)
        return p

    def pursuers(self, side: str, k: int) -> list[str]:
        return self.rng.sample(self.side_actors[side], k)

    def goal(self, gid: str, role: str, broader: str | None, pursuits: list[dict[str, Any]]) -> None:
        self.roles[gid] = role
        self.parents[gid] = broader
        self.add("goal", gid, label=f"Goal {gid}", broader=Ref(broader, 0) if broader else None,
                 pursued_by=pursuits, sources=[self.src()] if self.rng.random() < 0.3 else None)

    def shared_pursuits(self) -> list[dict[str, Any]]:
        out = []
        for side in ("eu", "us"):
            for a in self.pursuers(side, self.rng.randint(1, 2)):
                until = self.day(*LATE) if self.rng.random() < 0.2 else None
                out.append(self.pursuit(a, self.day(*EARLY), until))
        return out

    def instrument(self, goals: list[str], parties: list[str], state: str, itype: str) -> None:
        self.count += 1
        iid = f"instrument-{self.count}"
        adopted = in_force = ended = struck = None
        if state in ("active", "pending"):
            adopted = self.day(EARLY[0], dt.date(2019, 6, 30))
            if state == "pending":
                in_force = self.day(*LATE)
            elif self.rng.random() < 0.4:
                in_force = self.day(adopted, AS_OF)
            if state == "active" and self.rng.random() < 0.3:
                ended = self.day(*LATE)
        elif state in ("ended", "struck"):
            adopted = self.day(EARLY[0], dt.date(2018, 12, 31))
            ended = self.day(adopted + dt.timedelta(days=1), AS_OF)
            struck, ended = (ended, None) if state == "struck" else (None, ended)
        else:  # future
            adopted = self.day(*LATE)
        extra: dict[str, Any] = {}
        if itype in ("sanctions-listing", "attribution-statement", "indictment") and self.rng.random() < 0.6:
            extra = {"responds_to": [Ref(self.rng.choice(self.incidents), 0)],
                     "attributes_to": [Ref(self.rng.choice(self.threat_actors), 0)]}
            if itype != "attribution-statement":
                extra["targets"] = extra["attributes_to"]
        if self.rng.random() < 0.3:
            extra["counters"] = [Ref(self.rng.choice(THREATS), 0)]
        self.add("instrument", iid, label=f"Synthetic {itype} {self.count}", type=Ref(itype, 0),
                 parties=[self.actor_ref(a) for a in parties], adopted=self.start(adopted) if not in_force
                 else pdate(adopted), in_force=pdate(in_force) if in_force else None,
                 ended=pdate(ended) if ended else None, struck_down=pdate(struck) if struck else None,
                 struck_down_by=self.src() if struck else None, addresses=[Ref(g, 0) for g in goals],
                 sources=self.srcs(), **extra)

    def parties(self, pattern: str) -> list[str]:
        out: list[str] = []
        for side in pattern.split("+"):
            out += self.rng.sample(self.side_actors[side], self.rng.randint(1, 2))
        if self.rng.random() < 0.15:
            out.append(self.rng.choice(self.others))
        return out

    def background_instrument(self, goal: str, gap: bool, safe_extra: list[str], any_extra: list[str]) -> None:
        """One instrument for ``goal``; for a gap goal (or one below it), never a joint one in force."""
        roll = self.rng.random()
        if roll < 0.65:
            pattern, itype = self.rng.choice(["eu", "us", "uk"]), self.rng.choice(SINGLE_TYPES)
            state = self.rng.choice(["active", "active", "active", *STATES_NOT_IN_FORCE])
        elif roll < 0.75:
            pattern, itype = self.rng.choice(["eu+uk", "us+uk"]), self.rng.choice(JOINT_TYPES)
            state = self.rng.choice(["active", *STATES_NOT_IN_FORCE])
        else:
            pattern = "eu+us+uk" if self.rng.random() < 0.1 else "eu+us"
            itype = "dialogue-forum" if self.rng.random() < 0.2 else self.rng.choice(JOINT_TYPES)
            state = self.rng.choice(STATES_NOT_IN_FORCE if gap else ["active", "active", *STATES_NOT_IN_FORCE])
        if pattern.startswith("eu+us") and state != "active" and itype in EVENT_TYPES:
            itype = self.rng.choice(STANDING_JOINT)  # not in force on the date, and no event window
        elif state == "active" and self.roles.get(goal) in ("one-side", "lapsed") and itype not in EVENT_TYPES:
            itype = self.rng.choice(EVENT_JOINT if "+" in pattern else EVENT_SINGLE)  # no inferred pursuit
        covering = pattern.startswith("eu+us") and state == "active"
        goals = [goal]
        if self.rng.random() < 0.25:
            goals.append(self.rng.choice(safe_extra if covering else any_extra))
        self.instrument(sorted(set(goals)), self.parties(pattern), state, itype)


def generate(target: int = 10_000, seed: int = 7) -> Synthetic:
    """The synthetic catalogue for about ``target`` curated triples (deterministic in ``seed``)."""
    from .planted import plant

    n_goals = max(12, round((target - A_TRIPLES) / B_TRIPLES))
    g = _Gen(seed * 1_000_003 + target, n_goals)
    g.actors()
    g.make_sources()
    plant(g)
    depth: dict[str, int] = {}
    nocover: dict[str, bool] = {}  # a gap goal or below one: no joint instrument in force may serve it
    background: list[str] = []
    for k in range(n_goals):
        gid = f"goal-{k}"
        parent = g.rng.choice(background) if background and g.rng.random() < 0.8 else None
        if parent is not None and depth[parent] >= 4:
            parent = None
        depth[gid] = 0 if parent is None else depth[parent] + 1
        below_gap = parent is not None and nocover[parent]
        role = g.rng.choices(["covered", "gap", "one-side", "lapsed"], [0 if below_gap else 40, 15, 30, 15])[0]
        nocover[gid] = below_gap or role == "gap"
        if role in ("covered", "gap"):
            pursuits = g.shared_pursuits()
        elif role == "one-side":
            side = g.rng.choice(["eu", "us", "uk"])
            pursuits = [g.pursuit(a, g.day(*EARLY)) for a in g.pursuers(side, g.rng.randint(1, 3))]
            if side != "uk" and g.rng.random() < 0.5:
                pursuits.append(g.pursuit(g.pursuers("uk", 1)[0], g.day(*EARLY)))
        else:
            first, second = g.rng.sample(["eu", "us"], 2)
            since = g.day(EARLY[0], dt.date(2015, 12, 31))
            late = (g.pursuit(g.pursuers(second, 1)[0], since, g.day(since + dt.timedelta(days=1), AS_OF))
                    if g.rng.random() < 0.5 else g.pursuit(g.pursuers(second, 1)[0], g.day(*LATE)))
            pursuits = [g.pursuit(g.pursuers(first, 1)[0], g.day(*EARLY)), late]
        g.goal(gid, role, parent, pursuits)
        background.append(gid)
    shared = [x for x in background if g.roles[x] in ("covered", "gap")]  # a second goal: pursued by both
    safe = [x for x in shared if not nocover[x]]
    for gid in background:
        role = g.roles[gid]
        if role == "covered":
            g.instrument([gid], g.parties("eu+us"), "active", g.rng.choice(STANDING_JOINT))
        if role == "gap" and g.rng.random() < 0.3:
            g.dialogue_only.add(gid)
            g.instrument([gid], g.parties("eu+us"), "active", "dialogue-forum")
        for _ in range(g.rng.randint(4, 14)):
            g.background_instrument(gid, nocover[gid], safe, shared)
    for k in range(2 + n_goals // 15):
        goals = sorted(set(g.rng.sample(background, 2)))
        positions = [{"_line": 0, "side": Ref(s, 0), "summary": f"The {s.upper()} position {k}.", "sources": g.srcs()}
                     for s in ("eu", "us")]
        g.add("divergence", f"divergence-{k}", label=f"Divergence {k}", goals=[Ref(x, 0) for x in goals],
              since=pdate(g.day(*EARLY)), positions=positions, sources=g.srcs())
    return Synthetic(seed, target, g.cat, g.roles, g.dialogue_only, g.parents)


def calibrate(goal_counts: tuple[int, ...] = (100, 1000), seed: int = 7) -> tuple[float, float]:
    """Fit ``triples = A + B * goals`` (to refresh A_TRIPLES, B_TRIPLES after changing the shape)."""
    pts = []
    for n in goal_counts:
        syn = generate(round(A_TRIPLES + B_TRIPLES * n), seed)
        pts.append((sum(1 for r in syn.roles if not r.startswith("planted-")), len(syn.graph())))
    (x0, y0), (x1, y1) = pts
    b = (y1 - y0) / (x1 - x0)
    return y0 - b * x0, b
