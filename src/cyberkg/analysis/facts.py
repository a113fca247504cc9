"""The record as plain Python data, read once with the ``queries/report/*.rq`` catalogue queries:
instruments (type, dates, parties and their sides, goals served, incidents answered, sources),
actors (part of, side), sources (title, identifier, URL), divergences and the facts recorded with
medium or low confidence. The report, the diff, the feasible actions and the metrics read from it
so that two dates cost one set of queries. Runs on the embedded store and on a remote endpoint.

The coverage model's rules (lifecycle, effective end, commitment, multilateral, sides, inferred
pursuits) are derived at build time (:mod:`cyberkg.store.derive`); the facts carry their results
and Python only compares dates with them: an instrument *covers* a date when it is standing and
in force then, or an event within the event window before it (:func:`events_from`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import Any

from cyberkg.analysis import catalogue as queries
from cyberkg.core.errors import QueryError
from cyberkg.core.output import plain
from cyberkg.store import answers


def day(value: Any) -> dt.date | None:
    """A date from an xsd:date / gYearMonth / gYear text (a partial date counts from its first day)."""
    if value is None:
        return None
    text = str(value)[:10]
    for size, suffix in ((10, ""), (7, "-01"), (4, "-01-01")):
        if len(text) >= size and text[:size].replace("-", "").isdigit():
            try:
                return dt.date.fromisoformat(text[:size] + suffix)
            except ValueError:
                continue
    return None


EVENT_WINDOW = 2  # years an event counts as evidence of practice after its date (--event-window)
COMMITMENTS = ("binding", "institutional", "political", "operational")  # strongest first
STRENGTH = {"binding": 4, "institutional": 3, "political": 2, "operational": 1}


def events_from(on: dt.date, years: int = EVENT_WINDOW) -> dt.date:
    """The first day before which an event no longer counts on ``on``: ``on`` minus ``years``
    (29 February -> 28), as the catalogue queries compute ``?eventsFrom``; an event counts while
    ``events_from < date <= on``."""
    day_ = 28 if (on.month, on.day) == (2, 29) else on.day
    return dt.date(on.year - years, on.month, day_)


@dataclass
class Instrument:
    iri: str
    label: str
    type: str
    start: dt.date | None
    end: dt.date | None
    dates: dict[str, str | None] = field(default_factory=dict)  # adopted, inForce, ended, struckDown
    struck_down_by: str | None = None
    parties: dict[str, str] = field(default_factory=dict)  # party IRI -> label
    party_sides: dict[str, set[str]] = field(default_factory=dict)  # party IRI -> side codes
    serves: set[str] = field(default_factory=set)
    addresses: set[str] = field(default_factory=set)
    responds: set[str] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)
    functions: set[str] = field(default_factory=set)  # what it does: instrument-function slugs (#16)
    lifecycle: str = "standing"  # derived: standing | event
    commitment: str | None = None  # derived: binding | institutional | political | operational
    multilateral: bool = False  # derived: a UN text or 10+ parties on no side
    member_of: dict[str, set[str]] = field(default_factory=dict)  # partner IRI -> sides it is a member of
    tops: dict[str, tuple[str, str]] = field(default_factory=dict)  # party IRI -> its top actor (IRI, label)

    @functools.cached_property
    def sides(self) -> set[str]:
        """The sides of the parties (read once the record is loaded; the parties do not change after)."""
        return {s for codes in self.party_sides.values() for s in codes}

    def in_force(self, on: dt.date) -> bool:
        """Standing, started and not ended (the derived end: ended, expired, struck down, superseded)."""
        return (self.lifecycle == "standing" and self.start is not None and self.start <= on
                and (self.end is None or self.end > on))

    def covers(self, on: dt.date, window: int = EVENT_WINDOW) -> bool:
        """In force on ``on``, or an event within ``window`` years before it (evidence of practice)."""
        if self.lifecycle == "event":
            return self.start is not None and events_from(on, window) < self.start <= on
        return self.in_force(on)

    def partners(self, a: str, b: str) -> list[str]:
        """Third partners: the top actors of the parties on neither side, sorted IRIs."""
        return sorted({self.tops.get(p, (p, ""))[0] for p, codes in self.party_sides.items()
                       if a not in codes and b not in codes})

    def scope(self, a: str, b: str) -> str | None:
        """multilateral, plurilateral (third partners), bilateral (a joint instrument with none), or
        None (one side alone) — as the catalogue's gap queries answer."""
        if self.multilateral:
            return "multilateral"
        if self.partners(a, b):
            return "plurilateral"
        return "bilateral" if self.side_class(a, b) == "joint" else None

    def partner_labels(self, a: str, b: str) -> list[str]:
        """Third partners' labels; an EU member state reads "France (EU member state, not the EU)"."""
        labels = {top: label for top, label in self.tops.values()}
        out = []
        for p in self.partners(a, b):
            label = labels.get(p) or self.parties.get(p, p)
            member = sorted(self.member_of.get(p, set()) & {a, b})
            out.append(f"{label} ({member[0]} member state, not the {member[0]})" if member else label)
        return sorted(out)

    def started(self, on: dt.date) -> bool:
        return self.start is not None and self.start <= on

    def side_class(self, a: str, b: str) -> str | None:
        """``joint`` (parties on both sides), the one side's code, or None (neither)."""
        s = self.sides
        if a in s and b in s:
            return "joint"
        return a if a in s else b if b in s else None

    def brief(self) -> dict[str, Any]:
        return {"instrument": self.iri, "label": self.label, "type": self.type,
                "start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None, "lifecycle": self.lifecycle,
                "commitment": self.commitment, "sources": list(self.sources)}

    def row(self, a: str, b: str) -> dict[str, Any]:
        """:meth:`brief` with the pair-dependent fields of issue #15: scope and third partners."""
        return {**self.brief(), "scope": self.scope(a, b), "partners": self.partner_labels(a, b)}


@dataclass
class Facts:
    instruments: dict[str, Instrument]
    sources: dict[str, dict[str, Any]]
    incidents: dict[str, dict[str, Any]]  # IRI -> label, date
    goal_labels: dict[str, str]
    ancestors: dict[str, set[str]]  # goal IRI -> broader goals (transitively)
    actors: dict[str, dict[str, Any]]  # IRI -> label, kind, part_of, on_side, sides, side_of (side actor)
    divergences: dict[str, dict[str, Any]]  # IRI -> label, since, goals
    uncertain: list[dict[str, Any]]
    pursuits: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # goal IRI -> pursuit rows
    cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)  # indexes built on first use

    def serving(self, goal: str) -> list[Instrument]:
        """The instruments that serve ``goal``, by start date (an index built once)."""
        if "serving" not in self.cache:
            index: dict[str, list[Instrument]] = {}
            for inst in sorted(self.instruments.values(), key=lambda i: (i.start or dt.date.min, i.iri)):
                for g in inst.serves:
                    index.setdefault(g, []).append(inst)
            self.cache["serving"] = index
        return list(self.cache["serving"].get(goal, []))

    def responding(self, incident: str) -> list[Instrument]:
        """The instruments that respond to ``incident``, by start date (an index built once)."""
        if "responding" not in self.cache:
            index: dict[str, list[Instrument]] = {}
            for inst in sorted(self.instruments.values(), key=lambda i: (i.start or dt.date.min, i.iri)):
                for inc in inst.responds:
                    index.setdefault(inc, []).append(inst)
            self.cache["responding"] = index
        return list(self.cache["responding"].get(incident, []))

    def pursuers(self, goal: str, on: dt.date, codes: list[str]) -> dict[str, list[dict[str, Any]]]:
        """Who pursues ``goal`` on ``on``, by side (as the catalogue's gaps/goal-pursuers answers)."""
        out: dict[str, list[dict[str, Any]]] = {}
        for p in self.pursuits.get(goal, []):
            start, end = day(p["start"]), day(p.get("end"))
            if p.get("side") in codes and start is not None and start <= on and (end is None or end > on):
                out.setdefault(str(p["side"]), []).append(
                    {k: p.get(k) for k in ("actor", "actorLabel", "since", "source", "inferredFrom")})
        for items in out.values():
            items.sort(key=lambda x: (str(x["since"]), str(x["actor"]), str(x["source"])))
        return out

    def cite(self, source: str) -> dict[str, Any]:
        """Title, identifier and URL of a source (its IRI when the record has nothing else)."""
        s = self.sources.get(source, {})
        return {"source": source, "title": s.get("title") or source, "identifier": s.get("identifier"),
                "url": s.get("url"), "issued": s.get("issued")}


def _rows(ds: Any, name: str) -> list[dict[str, Any]]:
    """The rows of ``report/<name>`` as plain values, sorted by their text (so the facts are the
    same whatever the engine's order). On the embedded Oxigraph store the values are read straight
    from Oxigraph's terms (no rdflib term objects for thousands of rows) and the query's ORDER BY is
    left to the sort here: Oxigraph sorting IRIs took 0.17 of the 0.2 s of report/instrument-links
    on the shipped record. Anywhere else the catalogue runs the query as it is."""
    import cyberkg.store.adapter as adapter

    q = queries.find(f"report/{name}")
    queries.refuse_service(q.text, q.name)  # no federation from an analysis
    if getattr(ds, "default_union", False):  # the embedded store: plain values through the store adapter
        text = _embedded_text(name)  # kept with the built store's version (store/answers.py)
        try:
            names, values = adapter.of(ds).select_values(text)
        except Exception as exc:  # parser/evaluation errors from the engine
            raise QueryError(f"{q.name}: the query failed: {exc}") from exc
        rows = [dict(zip(names, v, strict=True)) for v in values]
    else:
        result = queries.run(q, ds)
        names = result.vars
        rows = [{k: plain(v) for k, v in r.items()} for r in result.rows]
    rows.sort(key=lambda r: tuple("" if r.get(n) is None else str(r[n]) for n in names))
    return rows


_ORDER_BY = re.compile(r"(?is)\bORDER\s+BY\b[^{}]*$")  # the final ORDER BY clause, after the last group
FACT_QUERIES = ("instrument-records", "instrument-parties", "instrument-links", "sources", "actor-structure",
                "divergences-with-dates", "function-links", "goal-ancestors", "goal-pursuits", "uncertain-facts")


def _embedded_text(name: str) -> str:
    """The text :func:`_rows` runs on the embedded store for ``report/<name>``."""
    q = queries.find(f"report/{name}")
    return _ORDER_BY.sub("", queries.bind_values(q.text, queries.bindings(q, {})))


def _kept_texts() -> list[str]:
    """The fact queries' texts for this home; one its catalogue lacks (a home of a test or an old
    copy) is left out — the analysis would report it, the build need not."""
    out = []
    for name in FACT_QUERIES:
        try:
            out.append(_embedded_text(name))
        except QueryError:
            continue
    return out


answers.keep(_kept_texts)  # every built version keeps these rows: no date, no option in them


def load_facts(ds: Any) -> Facts:
    """Read the record once (nine catalogue queries)."""
    instruments: dict[str, Instrument] = {}
    for r in _rows(ds, "instrument-records"):
        if r["instrument"] in instruments:
            continue
        instruments[r["instrument"]] = Instrument(
            r["instrument"], r["label"], r["type"], day(r.get("start")), day(r.get("end")),
            {k: r.get(k) for k in ("adopted", "inForce", "ended", "struckDown", "expires")}, r.get("struckDownBy"),
            lifecycle=r.get("lifecycle") or "standing", commitment=r.get("commitment"),
            multilateral=str(r.get("multilateral")).lower() == "true")
    for r in _rows(ds, "instrument-parties"):
        inst = instruments.get(r["instrument"])
        if inst is None:
            continue
        inst.parties[r["party"]] = r.get("partyLabel") or r["party"]
        codes = inst.party_sides.setdefault(r["party"], set())
        if r.get("side"):
            codes.add(str(r["side"]).upper())
        if r.get("top"):
            inst.tops[r["party"]] = (r["top"], r.get("topLabel") or r["top"])
        if r.get("memberOf"):
            inst.member_of.setdefault(r.get("top") or r["party"], set()).add(str(r["memberOf"]).upper())
    incidents: dict[str, dict[str, Any]] = {}
    goal_labels: dict[str, str] = {}
    for r in _rows(ds, "instrument-links"):
        inst = instruments.get(r["instrument"])
        if inst is None:
            continue
        link, target = r["link"], r["target"]
        if link == "serves":
            inst.serves.add(target)
            goal_labels.setdefault(target, r.get("targetLabel") or target)
        elif link == "addresses":
            inst.addresses.add(target)
        elif link == "responds":
            inst.responds.add(target)
            incidents.setdefault(target, {"incident": target, "label": r.get("targetLabel") or target,
                                          "date": r.get("targetDate")})
        elif link == "source" and target not in inst.sources:
            inst.sources.append(target)
    for inst in instruments.values():
        inst.sources.sort()
    sources: dict[str, dict[str, Any]] = {}
    for r in _rows(ds, "sources"):
        s = sources.setdefault(r["source"], {})
        for k in ("title", "identifier", "url", "issued"):
            if r.get(k) is not None and s.get(k) is None:
                s[k] = r[k]
    actors: dict[str, dict[str, Any]] = {}
    for r in _rows(ds, "actor-structure"):
        a = actors.setdefault(r["actor"], {"label": r.get("label") or r["actor"], "kind": r.get("kind"),
                                           "part_of": [], "on_side": [], "sides": [], "side_of": []})
        key = {"partOf": "part_of", "onSide": "on_side", "hasSide": "sides", "sideActor": "side_of"}[r["link"]]
        value = str(r["target"]).upper() if key == "sides" else r["target"]
        if value not in a[key]:
            a[key].append(value)
    divergences: dict[str, dict[str, Any]] = {}
    for r in _rows(ds, "divergences-with-dates"):
        d = divergences.setdefault(r["divergence"], {"divergence": r["divergence"], "label": r["label"],
                                                      "since": r.get("since"), "goals": [], "sources": []})
        for key, value in (("goals", r.get("goal")), ("sources", r.get("source"))):
            if value and value not in d[key]:
                d[key].append(value)
    ancestors: dict[str, set[str]] = {}
    for r in _rows(ds, "function-links"):  # instrument functions, divergences' limits and rules_out (#16)
        if r["link"] == "function" and r["subject"] in instruments:
            instruments[r["subject"]].functions.add(r["function"])
        elif r["subject"] in divergences:
            items = divergences[r["subject"]].setdefault("limits" if r["link"] == "limits" else "rules_out", [])
            if r["function"] not in items:
                items.append(r["function"])
    for r in _rows(ds, "goal-ancestors"):
        goal_labels[r["goal"]] = r["label"]
        ancestors.setdefault(r["goal"], set())
        if r.get("ancestor"):
            ancestors[r["goal"]].add(r["ancestor"])
    pursuits: dict[str, list[dict[str, Any]]] = {}
    for r in _rows(ds, "goal-pursuits"):
        pursuits.setdefault(r["goal"], []).append(r)
    return Facts(instruments, sources, incidents, goal_labels, ancestors, actors, divergences,
                 _rows(ds, "uncertain-facts"), pursuits)


__all__ = ["COMMITMENTS", "EVENT_WINDOW", "STRENGTH", "Facts", "Instrument", "day", "events_from", "load_facts"]
