"""One typed snapshot of the analysis for a date and two sides, read in a few set-based queries.

DESIGN 2b: the analysis reads what a date needs once, for every goal at once, instead of one
query per goal. :func:`read` runs five catalogue queries — the headline gap query, the covered
goals with their joint instruments, and three set-based ``report/*-on-date`` queries (running
pursuits, one-side instruments, joint instruments on related goals) — and groups their rows:

``Snapshot``
    ``as_of`` (ISO date), ``sides`` (two codes), the model options (``event_window`` years,
    ``min_commitment``, ``bilateral_only``, ``count_dialogues``) and, per goal IRI:
    ``gaps`` {goal: label} (shared, no joint coverage), ``covered`` [:class:`Covered`]
    (shared, with joint instrument rows and the strongest ``coverage``), ``pursuers``
    {goal: {side: [pursuer row]}}, ``alone`` / ``with_partners`` {goal: {side: [instrument row]}}
    and ``related`` {goal: [related joint row]}.

Row shapes (plain JSON values): a pursuer row has ``actor, actorLabel, since, source,
sourceTitle, url, inferredFrom, inferredLabel`` (``source`` None and ``inferredFrom`` set for a
pursuit inferred from a standing instrument); an instrument row has ``instrument, label, type,
start, lifecycle, commitment, scope, partners`` (issue #15's interface); a related row has
``relation, relatedGoal, relatedLabel, instrument, label, type, start``. The rules themselves are
derived at build time (:mod:`cyberkg.store.derive`); nothing here restates them.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import cyberkg.store.adapter as adapter
from cyberkg.analysis import catalogue as queries
from cyberkg.core.errors import QueryError
from cyberkg.core.output import plain

SCOPES = ("bilateral", "plurilateral", "multilateral")  # closest partnership first
HEADLINE = "gaps/shared-goals-without-joint-instrument"
COVERED = "gaps/shared-goals-with-joint-instrument"
ONE_SIDE = "report/one-side-instruments-on-date"
PURSUERS = "report/pursuers-on-date"
RELATED = "report/related-joint-on-date"
WORKERS = 2  # queries evaluated at once on the embedded store (Oxigraph lets the GIL go while it works)


@dataclass
class Covered:
    """A shared goal with joint coverage on the date: the joint instrument rows (lifecycle,
    commitment, scope, partners) and the strongest of them as ``coverage`` {commitment, scope}."""

    goal: str
    label: str
    joint: list[dict[str, Any]]

    @property
    def coverage(self) -> dict[str, Any]:
        def rank(j: dict[str, Any]) -> tuple[int, int, str]:
            return int(j.get("strength") or 0), -SCOPES.index(j.get("scope") or "multilateral"), str(j["instrument"])

        best = max(self.joint, key=rank)
        return {"commitment": best.get("commitment"), "scope": best.get("scope"), "instrument": best["instrument"],
                "label": best["label"]}


def _one_side_rows(rows: list[Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """single-side-instruments-for-goal rows (one per third partner) -> one row per instrument with
    its partners' labels ("Germany (EU member state, not the EU)")."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        key = (str(r["side"]), str(r["instrument"]))
        row = out.setdefault(key, {**{k: plain(r.get(k)) for k in ("instrument", "label", "type", "start",
                                                                   "lifecycle", "commitment")},
                                   "scope": plain(r.get("scope")) or None, "partners": []})
        if r.get("partner") is not None:
            label = str(plain(r.get("partnerLabel")) or r["partner"])
            member = plain(r.get("memberOf"))
            text = f"{label} ({member} member state, not the {member})" if member else label
            if text not in row["partners"]:
                row["partners"].append(text)
                row["partners"].sort()
    return out


def _covered(rows: list[Any]) -> list[Covered]:
    """shared-goals-with-joint-instrument rows -> the covered goals, each with its joint instruments."""
    by_goal: dict[str, Covered] = {}
    for r in rows:
        c = by_goal.setdefault(str(r["goal"]), Covered(str(r["goal"]), str(r["label"]), []))
        if any(j["instrument"] == str(r["instrument"]) for j in c.joint):
            continue
        c.joint.append({"instrument": str(r["instrument"]), "label": str(r["instrumentLabel"]),
                        "type": plain(r["type"]), "start": plain(r["start"]), "lifecycle": plain(r.get("lifecycle")),
                        "commitment": plain(r.get("commitment")), "strength": int(plain(r.get("strength")) or 0),
                        "scope": plain(r.get("scope")), "partners": []})
    return sorted(by_goal.values(), key=lambda c: (c.label, c.goal))

def _rows(q: Any, ds: Any, params: dict[str, str]) -> list[dict[str, Any]]:
    """The rows of a catalogue query, in its order. On the embedded store as plain values through
    the store adapter (no rdflib term per cell: at 240k triples converting the terms cost 1.2 s of
    the snapshot's 8 s); anywhere else (an endpoint, rdflib's memory store) through the catalogue,
    each cell made :func:`plain` (the same values: IRIs and lexical forms; no query here projects a
    number or a boolean)."""
    if getattr(ds, "default_union", False):  # the embedded store (as facts._rows decides)
        queries.refuse_service(q.text, q.name)
        text = queries.bind_values(q.text, queries.bindings(q, params))
        try:
            names, values = adapter.of(ds).select_values(text)
        except Exception as exc:  # parser/evaluation errors from the engine
            raise QueryError(queries.failure_message(q, exc, queries.where_brace(q.text))) from exc
        return [dict(zip(names, v, strict=True)) for v in values]
    return [{k: plain(v) for k, v in r.items()} for r in queries.run(q, ds, params).rows]


def concurrent(ds: Any) -> bool:
    """Whether queries on ``ds`` run on several threads at once: on an Oxigraph store behind the
    store adapter (Oxigraph evaluates with the GIL released, so two queries take about the time of
    the longer on two cores); rdflib's own engine (the memory store) is pure Python and gains
    nothing, and an endpoint is asked one query at a time, as before."""
    return adapter.of(ds).parallel


def on_thread(ds: Any, prefix: str, fn: Callable[..., Any], *args: Any) -> Future[Any] | None:
    """``fn(*args)`` started on a thread of its own (named ``prefix``…) where queries on ``ds`` run
    at once (:func:`concurrent`), for a caller with other queries to run meanwhile; None elsewhere
    (the caller runs it itself)."""
    if not concurrent(ds):
        return None
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=prefix)
    pending = pool.submit(fn, *args)
    pool.shutdown(wait=False)  # the thread ends with its one task
    return pending


def run_all(ds: Any, jobs: dict[str, dict[str, str]]) -> dict[str, list[dict[str, Any]]]:
    """The rows of each catalogue query of ``jobs`` (name -> parameters; those a query does not
    take are left out), each in its own order: on the embedded store :data:`WORKERS` at a time, the
    rows of each collected apart (the same answers as one after the other)."""
    def one(name: str) -> list[dict[str, Any]]:
        q = queries.find(name)
        return _rows(q, ds, {k: v for k, v in jobs[name].items() if k in q.params})

    if not concurrent(ds) or len(jobs) < 2:
        return {name: one(name) for name in jobs}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="cyberkg-snapshot") as pool:
        futures = {name: pool.submit(one, name) for name in jobs}
        return {name: f.result() for name, f in futures.items()}


PURSUER_KEYS = ("actor", "actorLabel", "since", "source", "sourceTitle", "url", "inferredFrom", "inferredLabel")
RELATED_KEYS = ("relation", "relatedGoal", "relatedLabel", "instrument", "label", "type", "start")


@dataclass
class Snapshot:
    as_of: str
    sides: tuple[str, str]
    event_window: int
    min_commitment: str | None
    bilateral_only: bool
    count_dialogues: bool
    gaps: dict[str, str] = field(default_factory=dict)
    covered: list[Any] = field(default_factory=list)  # Covered
    pursuers: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    alone: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    with_partners: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    related: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def read(ds: Any, as_of: str, sides: tuple[str, str], params: dict[str, str], flags: dict[str, str],
         event_window: int, min_commitment: str | None, bilateral_only: bool, details: bool = True) -> Snapshot:
    """The snapshot for ``params`` (sideA, sideB, asOf, eventWindow) and ``flags`` (countDialogues,
    minCommitment, bilateralOnly), as :func:`cyberkg.analysis.gaps.find_gaps` binds them. Without
    ``details`` only the gaps and the covered goals are read (two queries)."""
    snap = Snapshot(as_of, sides, event_window, min_commitment, bilateral_only,
                    flags.get("countDialogues") == "true")
    jobs = {COVERED: {**params, **flags}, HEADLINE: {**params, **flags}}
    if details:  # the longest first (at 240k: one-side 1.3 s, covered 1.7, pursuers 1.0, the others 0.2-0.3)
        jobs = {ONE_SIDE: params, **jobs, PURSUERS: params,
                RELATED: {**params, "countDialogues": flags.get("countDialogues", "false")}}
    answers = run_all(ds, jobs)
    for r in answers[HEADLINE]:
        snap.gaps[str(r["goal"])] = str(r["label"])
    snap.covered = _covered(answers[COVERED])
    if not details:
        return snap
    shared = set(snap.gaps) | {c.goal for c in snap.covered}
    for r in answers[PURSUERS]:
        goal = str(r["goal"])
        if goal in shared:
            snap.pursuers.setdefault(goal, {}).setdefault(str(r["side"]), []).append(
                {k: plain(r.get(k)) for k in PURSUER_KEYS})
    by_goal: dict[str, list[Any]] = {}
    for r in answers[ONE_SIDE]:
        if str(r["goal"]) in shared:
            by_goal.setdefault(str(r["goal"]), []).append(r)
    for goal, rows in by_goal.items():
        grouped = _one_side_rows(rows)
        for (side, _), row in sorted(grouped.items(), key=lambda kv: (kv[0][0], str(kv[1]["start"]), kv[0][1])):
            target = snap.with_partners if row["partners"] else snap.alone
            target.setdefault(goal, {}).setdefault(side, []).append(row)
    for r in answers[RELATED]:
        goal = str(r["goal"])
        if goal in snap.gaps:
            snap.related.setdefault(goal, []).append({k: plain(r.get(k)) for k in RELATED_KEYS})
    return snap


__all__ = ["PURSUER_KEYS", "RELATED_KEYS", "Snapshot", "read"]
