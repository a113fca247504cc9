"""Gap analysis: shared goals with no joint instrument at a date, and why.

Composes catalogue queries (``queries/gaps/*.rq``); runs unchanged on the embedded store and on
a remote endpoint (anything with ``query(text)`` returning an rdflib-style result). The model
(issue #15; rules derived in :mod:`cyberkg.store.derive`): a standing instrument covers a goal
while in force, an event for ``event_window`` years after its date; ``min_commitment`` and
``bilateral_only`` raise the bar; a covered goal states its strongest joint coverage
(commitment and scope); what a side does without the other is *alone* or *with third partners*.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from rdflib import URIRef

from cyberkg.analysis.facts import STRENGTH
from cyberkg.analysis.snapshot import COVERED, HEADLINE, Covered  # noqa: F401 (HEADLINE, COVERED: the queries, named here too)
from cyberkg.core.errors import QueryError
from cyberkg.core.output import plain

CL = "https://w3id.org/cyberkg/vocab/commitment-level/"


@dataclass
class Gap:
    goal: str
    label: str
    pursuers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    alone: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    with_partners: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # one side with third parties
    related_joint: list[dict[str, Any]] = field(default_factory=list)
    feasible: list[dict[str, Any]] = field(default_factory=list)  # cyberkg.analysis.feasible
    uncertain: list[dict[str, Any]] = field(default_factory=list)  # facts the gap depends on (medium/low)


@dataclass
class PossibleGap:
    """A shared goal covered on the date only through joint instruments that rest on an uncertain fact."""

    goal: str
    label: str
    joint: list[dict[str, Any]]
    uncertain: list[dict[str, Any]]


@dataclass
class GapReport:
    as_of: str
    sides: list[str]
    count_dialogues: bool
    coverage: dict[str, Any]
    gaps: list[Gap]
    possible: list[PossibleGap] = field(default_factory=list)
    covered: list[Covered] = field(default_factory=list)
    event_window: int = 2
    min_commitment: str | None = None
    bilateral_only: bool = False

    @property
    def model(self) -> dict[str, Any]:
        return {"event_window_years": self.event_window, "min_commitment": self.min_commitment or "operational",
                "bilateral_only": self.bilateral_only, "dialogues_counted": self.count_dialogues}

    @property
    def rule(self) -> str:
        dialogues = ("dialogues and fora COUNT as joint instruments" if self.count_dialogues
                     else "dialogues and fora do NOT count as joint instruments (use --count-dialogues)")
        bar = []
        if self.min_commitment and self.min_commitment != "operational":
            bar.append(f"only {self.min_commitment} commitment or stronger counts (--min-commitment)")
        if self.bilateral_only:
            bar.append("only bilateral instruments count (--bilateral-only)")
        return (f"A gap is a goal that {' and '.join(self.sides)} both pursue on {self.as_of} (stated in a strategy, "
                f"or inferred from a standing instrument of the side that addresses it) with no joint instrument "
                f"(parties from both sides) covering it that day in the curated record. A standing instrument covers "
                f"while in force (until it ends, expires, is struck down or is superseded); an event (exercise, "
                f"operation, statement, listing, indictment) is never in force and covers as evidence of practice "
                f"for {self.event_window} year(s) after its date (--event-window); {dialogues}"
                + "".join(f"; {b}" for b in bar) + ".")

    def to_json(self) -> list[dict[str, Any]]:
        common = {"as_of": self.as_of, "sides": self.sides, "dialogues_counted": self.count_dialogues,
                  "model": self.model}
        out = [{
            "goal": g.goal, "label": g.label, "status": "gap", **common,
            "pursuers": g.pursuers, "instruments_alone": g.alone, "instruments_with_partners": g.with_partners,
            "related_joint_instruments": g.related_joint,
            "feasible_actions": g.feasible, "depends_on_uncertain_fact": bool(g.uncertain),
            "uncertain_facts": g.uncertain,
        } for g in self.gaps]
        out += [{"goal": c.goal, "label": c.label, "status": "covered", **common, "coverage": c.coverage,
                 "joint_instruments": c.joint} for c in self.covered]
        return out

    @property
    def uncertainty_rule(self) -> str:
        return ("A gap is marked UNCERTAIN when one side pursues the goal only through facts recorded with medium or "
                "low confidence (the pursuit, or the link that puts the pursuer on the side); a covered goal is a "
                "POSSIBLE GAP when every joint instrument covering it is joint, or serves it, only through such a "
                "fact.")


def side_iris(ds: Any, codes: list[str]) -> dict[str, URIRef]:
    """Side code (EU) -> side IRI, from the data (sides are data, not code)."""
    rows = ds.query("PREFIX cyber: <https://w3id.org/cyberkg/ontology#> "
                    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                    "SELECT ?s ?code WHERE { ?s a cyber:Side ; skos:notation ?code } ORDER BY ?code")
    known = {str(r[1]).upper(): r[0] for r in rows}
    out = {}
    for code in codes:
        if code.upper() not in known:
            raise QueryError(f"unknown side {code!r}; the graph has sides: {', '.join(sorted(known)) or 'none'} "
                             "(add one in graph/sides.yaml)")
        out[code.upper()] = known[code.upper()]
    return out


def coverage(ds: Any) -> dict[str, Any]:
    """What the record covers: how many sources, from when to when."""
    rows = list(ds.query(
        "PREFIX cyber: <https://w3id.org/cyberkg/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/> "
        "SELECT (COUNT(DISTINCT ?s) AS ?n) (MIN(STR(?d)) AS ?first) (MAX(STR(?d)) AS ?last) "
        "WHERE { ?s a cyber:SourceDocument . OPTIONAL { ?s dcterms:issued ?d } }"))
    n, first, last = rows[0] if rows else (0, None, None)
    return {"sources": int(n or 0), "first_source": plain(first), "last_source": plain(last)}


def facts_later(ds: Any) -> Future[Any] | None:
    """The record's facts (:func:`cyberkg.analysis.facts.load_facts`) read on another thread, for a
    caller with other queries to run meanwhile; None where queries run one at a time (an endpoint)."""
    from cyberkg.analysis.facts import load_facts
    from cyberkg.analysis.snapshot import on_thread

    return on_thread(ds, "cyberkg-facts", load_facts, ds)


def find_gaps(ds: Any, as_of: str | dt.date = "2020-11-26", sides: tuple[str, str] | list[str] = ("EU", "US"),
              count_dialogues: bool = False, details: bool = True, lang: str | None = None,
              facts: Any = None, event_window: int = 2, min_commitment: str | None = None,
              bilateral_only: bool = False) -> GapReport:
    """Shared goals of two sides with no joint instrument in force on ``as_of``; labels in ``lang``
    (else ``CYBERKG_LANG``, else English) where the graph has them. With ``details``: who pursues
    each gap, what each side does alone, joint instruments nearby, the feasible joint actions and
    the uncertain facts it depends on (``facts``: a :class:`cyberkg.analysis.facts.Facts` already
    read, else read here; or a future of them, from :func:`facts_later`)."""
    as_of_text = as_of.isoformat() if isinstance(as_of, dt.date) else (
        dt.date.today().isoformat() if as_of == "today" else str(as_of))
    try:
        dt.date.fromisoformat(as_of_text)
    except ValueError as exc:
        raise QueryError(f"--as-of {as_of_text!r} is not a date; write it like 2020-11-26 (or 'today')") from exc
    codes = [s.strip().upper() for s in sides]
    if len(codes) != 2 or codes[0] == codes[1]:
        raise QueryError("gaps compares two different sides, e.g. --sides EU,US")
    if event_window < 0:
        raise QueryError("--event-window is a number of years, 0 or more")
    if min_commitment is not None and min_commitment not in STRENGTH:
        raise QueryError(f"--min-commitment {min_commitment!r} is not one of {', '.join(STRENGTH)}")
    iris = side_iris(ds, codes)
    common = {"sideA": str(iris[codes[0]]), "sideB": str(iris[codes[1]]), "asOf": as_of_text,
              "eventWindow": str(event_window)}
    flag = {"countDialogues": "true" if count_dialogues else "false",
            "minCommitment": CL + (min_commitment or "operational"),
            "bilateralOnly": "true" if bilateral_only else "false"}
    from cyberkg.analysis.snapshot import read as read_snapshot

    # the facts, read on another thread while the snapshot's queries run (the embedded store)
    pending = facts if isinstance(facts, Future) else facts_later(ds) if details and facts is None else None
    if pending is not None:
        facts = None

    # one snapshot for the date: five set-based queries, no query per goal (DESIGN 2b); kept with the
    # facts already read (the report's diff asks again for its date: the detailed snapshot answers)
    key = ("snapshot", as_of_text, tuple(codes), tuple(sorted(common.items())), tuple(sorted(flag.items())))
    cache: dict[Any, Any] = facts.cache if facts is not None else {}
    snap = cache.get((*key, True)) or (None if details else cache.get((*key, False)))
    if snap is None:
        snap = read_snapshot(ds, as_of_text, (codes[0], codes[1]), common, flag, event_window, min_commitment,
                             bilateral_only, details)
        cache[(*key, details)] = snap
    if pending is not None:
        facts = pending.result()
        facts.cache[(*key, details)] = snap
    gaps = []
    for goal_iri, label in snap.gaps.items():
        gap = Gap(goal_iri, label)
        if details:
            gap.pursuers = snap.pursuers.get(goal_iri, {})
            gap.alone = snap.alone.get(goal_iri, {})
            gap.with_partners = snap.with_partners.get(goal_iri, {})
            gap.related_joint = snap.related.get(goal_iri, [])
        gaps.append(gap)
    covered = snap.covered
    possible: list[PossibleGap] = []
    if details:
        possible = _feasible_and_doubts(ds, gaps, facts, as_of_text, (codes[0], codes[1]), covered, event_window)
    _relabel(ds, gaps, lang)
    return GapReport(as_of_text, codes, count_dialogues, coverage(ds), gaps, possible, covered, event_window,
                     min_commitment, bilateral_only)




def _feasible_and_doubts(ds: Any, gaps: list[Gap], facts: Any, as_of: str, sides: tuple[str, str],
                         covered_goals: list[Covered], event_window: int = 2) -> list[PossibleGap]:
    """Fill each gap's feasible actions and uncertain facts; return the possible gaps."""
    from cyberkg.analysis.facts import load_facts
    from cyberkg.analysis.feasible import feasible_actions
    from cyberkg.analysis.uncertainty import Checker, covered_doubts, gap_doubts

    facts = facts if facts is not None else load_facts(ds)
    on = dt.date.fromisoformat(as_of)
    checker = Checker(facts)
    for gap in gaps:
        one_side = {s: gap.alone.get(s, []) + gap.with_partners.get(s, []) for s in sides}
        gap.feasible = feasible_actions(gap.goal, one_side, facts, on, sides, window=event_window)
        gap.uncertain = gap_doubts(checker, gap.goal, gap.pursuers, sides)
    a, b = sides
    for c in covered_goals:  # partners of the joint instruments, from the facts' derived party sides
        for j in c.joint:
            inst = facts.instruments.get(j["instrument"])
            j["partners"] = inst.partner_labels(a, b) if inst is not None else []
    possible = []
    for c in covered_goals:
        doubts = covered_doubts(checker, c.goal, [j["instrument"] for j in c.joint], sides)
        if doubts:
            possible.append(PossibleGap(c.goal, c.label, c.joint, doubts))
    return possible


def _relabel(ds: Any, gaps: list[Gap], lang: str | None) -> None:
    """Put every label of the report in the reader's language (one query for all of them)."""
    from cyberkg.core import labels

    if labels.current(lang) == labels.DEFAULT:
        return
    items = [(g.__dict__, "goal", "label") for g in gaps]
    for g in gaps:
        items += [(p, "actor", "actorLabel") for ps in g.pursuers.values() for p in ps]
        items += [(i, "instrument", "label") for xs in g.alone.values() for i in xs]
        items += [(i, "instrument", "label") for xs in g.with_partners.values() for i in xs]
        items += [(j, "instrument", "label") for j in g.related_joint]
        items += [(j, "relatedGoal", "relatedLabel") for j in g.related_joint]
    names = labels.pick_many(ds, [URIRef(str(d[k])) for d, k, _ in items if d.get(k)], lang)
    for d, key, label_key in items:
        name = names.get(URIRef(str(d.get(key))))
        if name is not None:
            d[label_key] = name


def table_rows(report: GapReport) -> tuple[list[str], list[dict[str, Any]]]:
    """Flat rows for table/csv/md output: one row per gap."""
    a, b = report.sides
    cols = ["goal", "label", f"{a} pursuers", f"{b} pursuers", f"{a} alone", f"{b} alone",
            f"{a} with third partners", f"{b} with third partners", "joint nearby", "feasible actions",
            "uncertain facts"]
    rows = []
    for g in report.gaps:
        def names(items: list[dict[str, Any]], key: str) -> str:
            return "; ".join(sorted({str(i[key]) for i in items}))
        rows.append({
            "goal": URIRef(g.goal), "label": g.label,
            f"{a} pursuers": names(g.pursuers.get(a, []), "actorLabel"),
            f"{b} pursuers": names(g.pursuers.get(b, []), "actorLabel"),
            f"{a} alone": names(g.alone.get(a, []), "label"),
            f"{b} alone": names(g.alone.get(b, []), "label"),
            f"{a} with third partners": "; ".join(sorted({f"{i['label']} (with {', '.join(i['partners'])})"
                                                           for i in g.with_partners.get(a, [])})),
            f"{b} with third partners": "; ".join(sorted({f"{i['label']} (with {', '.join(i['partners'])})"
                                                           for i in g.with_partners.get(b, [])})),
            "joint nearby": "; ".join(sorted({f"{j['label']} ({j['relation']}: {j['relatedLabel']})"
                                               for j in g.related_joint})),
            "feasible actions": "; ".join(a_["action"] for a_ in g.feasible),
            "uncertain facts": "; ".join(f"{f['fact']} (confidence {f['confidence']})" for f in g.uncertain),
        })
    return cols, rows
