"""The founding brief's claims compared with the record (``queries/claims/brief-claims-vs-record.rq``).

A claim (graph/topics/policy-brief-2020.yaml) says what the record should hold for a goal in a period:
``joint`` (the two sides already implement instruments together, optionally of named functions) or
``no-joint`` (no concrete joint step). Dialogues and fora are venues, not concrete steps: they are
listed but never make a claim hold. For each claim: ``verdict`` (agrees / partly / disagrees), the
joint instruments of the period, and what changed after the period (the joint instruments since).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cyberkg.analysis import catalogue as queries
from cyberkg.core.output import plain

QUERY = "claims/brief-claims-vs-record"
VENUE_TYPES = {"dialogue-forum"}


def _slug(value: Any) -> str:
    return str(value).rstrip("/").rsplit("/", 1)[-1]


def check_claims(ds: Any, as_of: str | dt.date = "today", params: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Each claim with its verdict on the record as of ``as_of`` (``params``: sideA, sideB IRIs)."""
    as_of_text = as_of.isoformat() if isinstance(as_of, dt.date) else (
        dt.date.today().isoformat() if as_of == "today" else str(as_of))
    given = {**(params or {}), "asOf": as_of_text}
    given = {k: v for k, v in given.items() if k in ("sideA", "sideB", "asOf")}
    rows = queries.run(queries.find(QUERY), ds, given).rows
    claims: dict[str, dict[str, Any]] = {}
    for r in rows:
        r = {k: plain(v) for k, v in r.items()}
        c = claims.setdefault(str(r["claim"]), {
            "claim": str(r["claim"]), "label": r["label"], "text": r["text"], "expects": r["expects"],
            "period": {"from": r.get("periodStart"), "to": r.get("periodEnd")}, "stated_in": r["source"],
            "goals": {}, "functions": set(), "instruments": {}})
        c["goals"][str(r["goal"])] = r.get("goalLabel") or str(r["goal"])
        if r.get("claimFunction"):
            c["functions"].add(str(r["claimFunction"]))
        if r.get("instrument"):
            i = c["instruments"].setdefault(str(r["instrument"]), {
                "instrument": str(r["instrument"]), "label": r["instrumentLabel"], "type": r["type"],
                "start": r["start"], "when": r["when"], "functions": set(),
                "venue": r["type"] in VENUE_TYPES})
            if r.get("function"):
                i["functions"].add(_slug(r["function"]))
    out = []
    for c in sorted(claims.values(), key=lambda c: c["claim"]):
        insts = sorted(c["instruments"].values(), key=lambda i: (str(i["start"]), i["instrument"]))
        for i in insts:
            i["functions"] = sorted(i["functions"])
        steps = [i for i in insts if i["when"] == "in-period" and not i["venue"]]
        named = [i for i in steps if set(i["functions"]) & c["functions"]]
        if c["expects"] == "joint":
            verdict = ("agrees" if named or (steps and not c["functions"]) else "partly" if steps else "disagrees")
            found = sorted({f for i in named for f in i["functions"] if f in c["functions"]})
            why = (f"{len(steps)} joint instrument(s) in the period, {len(named)} with the named function(s) "
                   f"({', '.join(found) or 'none'})")
        else:
            verdict = "agrees" if not steps else "disagrees"
            why = f"{len(steps)} joint instrument(s) other than dialogues in the period"
        out.append({**{k: c[k] for k in ("claim", "label", "text", "expects", "period", "stated_in")},
                    "goals": [{"goal": g, "label": label} for g, label in sorted(c["goals"].items())],
                    "functions": sorted(c["functions"]), "verdict": verdict, "why": why,
                    "in_period": [i for i in insts if i["when"] == "in-period"],
                    "after": [i for i in insts if i["when"] == "after"]})
    return out


__all__ = ["QUERY", "check_claims"]
