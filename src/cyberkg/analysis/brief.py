"""The brief an analyst forwards: a few pages of argued findings, every sentence generated from the
report's data (no hand-written claim), each citing its most authoritative sources.

:func:`compose` is pure: it reads the report data (:func:`cyberkg.analysis.report.build_report`)
plus what the record says about sides, sources and inputs (:class:`Context`, read by
:func:`cyberkg.analysis.brief_data.read_context`) and returns the brief as plain data — a title
for the chosen pair of sides, warnings for empty answers, and sections of sentences, each with its
sources. The views render it
(:mod:`cyberkg.views.report_html`, :mod:`cyberkg.views.report_md`, :mod:`cyberkg.views.pdf`).

Sources are ranked by authority: a primary source (on an official domain of its issuer, not a news
report) first, then other documents, then news reports; a sentence cites at most
:data:`INLINE_SOURCES` of them inline, the rest stay in the annex.

Longer than 350 lines: one sentence generator per section of the brief, kept in one module so the
wording reads as one text and is reviewed together.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

INLINE_SOURCES = 2
TOP_ACTIONS = 5
TOP_CHANGES = 6
TOP_DIVERGENCES = 10
RANK_TEXT = {0: "primary (official domain of the issuer)", 1: "other document", 2: "news report"}


@dataclass
class Context:
    """What the brief needs beyond the report data."""

    side_labels: dict[str, str] = field(default_factory=dict)  # code -> label
    source_rank: dict[str, int] = field(default_factory=dict)  # source IRI -> 0 primary, 1 other, 2 news
    type_labels: dict[str, str] = field(default_factory=dict)  # instrument type slug -> label
    inputs: dict[str, Any] = field(default_factory=dict)  # what the brief was built from
    layer_changes: list[dict[str, Any]] = field(default_factory=list)  # goals whose status a layer changes
    goals_per_side: dict[str, int] = field(default_factory=dict)  # side code -> goals pursued on the date


def rank_sources(report: dict[str, Any], ctx: Context) -> list[dict[str, Any]]:
    """The report's sources, primary first (then other documents, then news), each marked with its
    authority; within a rank by title. Numbering in every view follows this order."""
    out = []
    for s in report["sources"]:
        rank = ctx.source_rank.get(s["source"], 1)
        out.append({**s, "authority": RANK_TEXT[rank], "official": rank == 0})
    return sorted(out, key=lambda s: (ctx.source_rank.get(s["source"], 1), str(s.get("title") or ""), s["source"]))


def _cite(ctx: Context, *groups: Any) -> list[str]:
    """The most authoritative sources of a claim (at most INLINE_SOURCES), most authoritative first."""
    seen = {str(s) for g in groups for s in (g or [])}
    return sorted(seen, key=lambda s: (ctx.source_rank.get(s, 1), s))[:INLINE_SOURCES]


def _names(items: list[str], limit: int = 6) -> str:
    items = list(items)
    if len(items) > limit:
        return ", ".join(items[:limit]) + f" and {len(items) - limit} more"
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _type_label(ctx: Context, slug: str) -> str:
    return ctx.type_labels.get(slug, slug.replace("-", " "))


def _sentence(text: str, sources: list[str] | None = None) -> dict[str, Any]:
    return {"text": text, "sources": list(sources or [])}


def _side_names(ctx: Context, sides: list[str]) -> tuple[str, str]:
    a, b = sides
    return ctx.side_labels.get(a, a), ctx.side_labels.get(b, b)


def title(report: dict[str, Any], ctx: Context) -> str:
    la, lb = _side_names(ctx, report["sides"])
    return f"{la} and {lb}: cyber policy where they act together, and where not yet"


def _findings(r: dict[str, Any], ctx: Context) -> list[dict[str, Any]]:
    a, b = r["sides"]
    la, lb = _side_names(ctx, r["sides"])
    s = r["summary"]
    goals = r["goals"]
    gaps = [g for g in goals if g["status"] == "gap"]
    covered = [g for g in goals if g["status"] != "gap"]
    out = [_sentence(
        f"As of {r['as_of']}, the record shows {_plural(s['shared'], 'strategic goal')} that both the {la} ({a}) "
        f"and the {lb} ({b}) pursue: {s['covered']} covered by at least one joint instrument in force, "
        f"{s['gaps']} without one (gaps).")]
    m = r.get("model") or {}
    if m:
        rules = [f"an event (exercise, operation, statement, listing, indictment) counts for "
                 f"{_plural(int(m.get('event_window_years', 2)), 'year')} after its date"]
        if m.get("min_commitment") and m["min_commitment"] != "operational":
            rules.append(f"only joint coverage at the {m['min_commitment']} level or stronger counts")
        if m.get("bilateral_only"):
            rules.append("only bilateral joint instruments count")
        rules.append("dialogues and fora count as joint instruments" if m.get("dialogues_counted")
                     else "dialogues and fora do not count as joint instruments")
        out.append(_sentence("Counted here: " + "; ".join(rules) + "."))
    levels = Counter(str((g.get("coverage") or {}).get("commitment") or "") for g in covered)
    levels.pop("", None)
    if levels:
        order = ["binding", "institutional", "political", "operational"]
        parts = [f"{levels[k]} at the {k} level" for k in order if levels.get(k)]
        parts += [f"{n} at the {k} level" for k, n in sorted(levels.items()) if k not in order]
        weakest = [g["label"] for g in covered
                   if str((g.get("coverage") or {}).get("commitment")) in ("political", "operational")]
        text = f"The strongest joint coverage of the covered goals is {_names(parts)}."
        if weakest:
            text += (f" {_plural(len(weakest), 'goal is', 'goals are')} covered only by political statements or "
                     f"one-off operations: {_names(weakest)}.")
        out.append(_sentence(text))
    scopes = Counter(str((g.get("coverage") or {}).get("scope") or "") for g in covered)
    wide = scopes.get("plurilateral", 0) + scopes.get("multilateral", 0)
    if wide:
        out.append(_sentence(f"{_plural(wide, 'covered goal is', 'covered goals are')} joined only through "
                             "instruments with other parties (plurilateral or multilateral), not by a bilateral one."))
    if gaps:
        out.append(_sentence(f"The {_plural(len(gaps), 'gap')}, with what each side does on its own (instruments in "
                             "force, or events within the event window):"))
        for g in gaps:
            alone = g.get("alone") or {}
            partnered = g.get("with_partners") or {}
            counts = []
            for side in (a, b):
                n, m = len(alone.get(side, [])), len(partnered.get(side, []))
                counts.append(f"{side} {n} alone" + (f" + {m} with third partners" if m else ""))
            if not any(alone.get(x) or partnered.get(x) for x in (a, b)):
                why = "both only state it in a strategy"
            else:
                why = "; ".join(counts)
            best = [_cite(ctx, [src for i in alone.get(side, []) + partnered.get(side, [])
                                for src in i.get("sources", [])])[:1] for side in (a, b)]
            out.append(_sentence(f"{g['label']} — {why}.", [x for group in best for x in group]))
    elif goals:
        out.append(_sentence("No shared goal is without a joint instrument in force."))
    doubt = [g["label"] for g in goals if g.get("uncertain")]
    if doubt:
        verb = "rests" if len(doubt) == 1 else "rest"
        out.append(_sentence(f"Uncertain: {_names(doubt)} {verb} on facts recorded with medium or low confidence "
                             "(see the annex)."))
    return out


def _action_text(act: dict[str, Any], goal: str, sides: list[str]) -> str:
    text = f"{act.get('action') or act.get('function')} — for “{goal}”"
    bases = act.get("bases") or []
    names = [str(x.get("basis") or x.get("text") or "") for x in bases]
    names = [n for n in names if n]
    if names:
        text += f"; basis: {_names(sorted(set(names)))}"
    cp = act.get("counterparts") or {}
    if cp:
        text += "; counterparts: " + " ↔ ".join(f"{s}: {_names(list(cp.get(s) or []), 4) or '—'}" for s in sides)
    if act.get("venue"):
        venue = act["venue"]
        text += f"; venue: {venue.get('label') if isinstance(venue, dict) else venue}"
    limits = act.get("limited_by") or []
    if limits:
        text += "; limited by " + _names([str(x.get("label") if isinstance(x, dict) else x) for x in limits], 3)
    return text + "."


def _actions(r: dict[str, Any], ctx: Context) -> list[dict[str, Any]]:
    rows = []
    for g in r["goals"]:
        for i, act in enumerate(g.get("feasible") or []):
            if act.get("blocked"):
                continue
            score = act.get("score")
            value = score.get("total") if isinstance(score, dict) else score
            rows.append((-(float(value) if isinstance(value, int | float) else 0.0), i, g["label"], act))
    rows.sort(key=lambda x: (x[0], x[1], x[2], str(x[3].get("action"))))
    out = []
    for _, _, label, act in rows[:TOP_ACTIONS]:
        out.append(_sentence(_action_text(act, label, r["sides"]), _cite(ctx, act.get("sources"))))
    if len(rows) > TOP_ACTIONS:
        out.append(_sentence(f"{len(rows) - TOP_ACTIONS} further feasible action(s) are in the annex."))
    return out


def _commonalities(r: dict[str, Any], ctx: Context) -> list[dict[str, Any]]:
    """Where both sides act, by function (the annex matrix; by legal form when the report has no
    function matrix)."""
    a, b = r["sides"]
    fig = r.get("figures") or {}
    by_function = fig.get("function_matrix") or []
    rows = by_function or fig.get("type_matrix") or []

    def name(x: dict[str, Any]) -> str:
        return str(x.get("label") or _type_label(ctx, str(x.get("type"))))

    def count(x: dict[str, Any], side: str) -> int:
        counts = x.get("counts")
        if isinstance(counts, dict):
            return int(counts.get(f"{side} alone", 0) or 0) + int(counts.get(f"{side} with third partners", 0) or 0)
        return int(x.get(side, 0) or 0)

    def joint(x: dict[str, Any]) -> int:
        counts = x.get("counts")
        return int((counts.get("jointly", 0) if isinstance(counts, dict) else x.get("joint", 0)) or 0)

    kind = "function" if by_function or any("counts" in x for x in rows) else "instrument type"
    both = [x for x in rows if x.get("class") in ("both separately", "each with third partners")]
    together = [x for x in rows if x.get("class") == "jointly"]
    out = []
    if both:
        items = [f"{name(x)} ({a} {count(x, a)}, {b} {count(x, b)})" for x in both]
        out.append(_sentence(f"Both sides use, each without the other, {_plural(len(both), kind)}: "
                             f"{_names(items, 12)} — the same kind of tool on each side of the Atlantic without a "
                             "joint one: the raw material of a joint action."))
    if together:
        items = [f"{name(x)} ({joint(x)})" for x in together]
        out.append(_sentence(f"They already act jointly in {_plural(len(together), kind)}: {_names(items, 12)}."))
    only_a = [name(x) for x in rows if x.get("class") == f"{a} only"]
    only_b = [name(x) for x in rows if x.get("class") == f"{b} only"]
    if only_a:
        out.append(_sentence(f"Only {a} uses {_names(only_a, 10)}."))
    if only_b:
        out.append(_sentence(f"Only {b} uses {_names(only_b, 10)}."))
    inc = (fig.get("incidents") or {}).get("counts") or {}
    parts = [f"{n} {k}" for k, n in inc.items() if n]
    if parts:
        out.append(_sentence(f"Incidents answered by an instrument by {r['as_of']}: {_names(parts)}."))
    return out


def _divergences(r: dict[str, Any], ctx: Context) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for g in r["goals"]:
        for d in g.get("divergences") or []:
            seen.setdefault(d["divergence"], {**d, "goals": []})["goals"].append(g["label"])
    items = sorted(seen.values(), key=lambda d: (str(d.get("since") or ""), d["label"]))
    out = []
    for d in items[:TOP_DIVERGENCES]:
        pos = "; ".join(f"{p['side']}: {_first_sentence(str(p['position']))}" for p in d.get("positions") or [])
        when = f" (since {d['since']})" if d.get("since") else " (undated)"
        text = f"{d['label']}{when}, bearing on {_names(sorted(set(d['goals'])), 3)}."
        if pos:
            text += f" {pos}"
        srcs = list(d.get("sources") or []) + [s for p in d.get("positions") or [] for s in p.get("sources") or []]
        out.append(_sentence(text, _cite(ctx, srcs)))
    if len(items) > TOP_DIVERGENCES:
        out.append(_sentence(f"{len(items) - TOP_DIVERGENCES} further divergence(s) are in the annex."))
    return out


def _first_sentence(text: str, limit: int = 240) -> str:
    """The first sentence of a curator's text (the annex has it whole)."""
    cut = text.find(". ")
    first = text if cut < 0 else text[: cut + 1]
    return first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"


def _changes(r: dict[str, Any], ctx: Context) -> list[dict[str, Any]]:
    d = r.get("diff")
    if not d:
        return [_sentence(f"The brief's date ({d['from'] if d else '2020-11-26'}) is not before this one: "
                          "no changes to show.")]
    counts = {k: n for k, n in (d.get("counts") or {}).items() if n}
    if not counts:
        return [_sentence(f"Nothing changed between {d['from']} and {d['to']} in the record.")]
    out = [_sentence(f"From {d['from']} to {d['to']}: " + _names([f"{n} {k}" for k, n in sorted(counts.items())], 8)
                     + ".")]
    order = {"gap closed": 0, "gap opened": 1, "became shared": 2, "no longer shared": 3, "divergence appeared": 4}
    rows = [c for c in d.get("changes") or [] if c.get("change") in order]
    rows.sort(key=lambda c: (order[c["change"]], str(c.get("date") or ""), str(c.get("goalLabel") or "")))
    for c in rows[:TOP_CHANGES]:
        out.append(_sentence(f"{c.get('date') or 'undated'} — {c['change']}: {c.get('goalLabel') or ''} "
                             f"({c.get('cause')}).", _cite(ctx, c.get("sources"))))
    if len(rows) > TOP_CHANGES:
        out.append(_sentence(f"{len(rows) - TOP_CHANGES} further change(s) are in the annex."))
    return out


def _inputs(r: dict[str, Any], ctx: Context) -> list[dict[str, Any]]:
    inp = ctx.inputs
    cov = r.get("coverage") or {}
    text = (f"Built from the curated record ({cov.get('sources', '?')} sources dated {cov.get('first_source', '?')} "
            f"to {cov.get('last_source', '?')}; {cov.get('instruments', '?')} instruments")
    if inp.get("record"):
        text += f"; record fingerprint {inp['record']}"
    text += ")"
    layers = inp.get("layers") or []
    if inp.get("curated_only"):
        text += ", imported layers left out (--curated-only)"
    elif layers:
        text += " and the imported layer(s) " + _names(
            [f"{x['name']} ({x.get('file') or 'no file'}, sha256 {str(x.get('sha256') or '?')[:12]}, "
             f"{x.get('triples', '?')} triples)" for x in layers], 8)
    else:
        text += "; no imported layer"
    out = [_sentence(text + ".")]
    for c in ctx.layer_changes:
        out.append(_sentence(f"Imported facts change the status of “{c['label']}”: {c['curated']} in the curated "
                             f"record alone, {c['with_layers']} with the layers."))
    out.append(_sentence("A gap means “no joint instrument in the curated record”, not that none exists; the rules "
                         "applied are listed in the annex."))
    return out


def warnings(r: dict[str, Any], ctx: Context, first_date: str | None = None) -> list[str]:
    """Empty answers said out loud (also printed on stderr by the CLI): :mod:`cyberkg.analysis.empty`."""
    from cyberkg.analysis.empty import pair_warnings

    per_side = ctx.goals_per_side or {s: 1 for s in r["sides"]}
    return pair_warnings(per_side, list(r["sides"]), r["as_of"], len(r["goals"]), first_date, ctx.side_labels)


def compose(report: dict[str, Any], ctx: Context, first_date: str | None = None) -> dict[str, Any]:
    """The brief as data: title, warnings, and the sections (each a heading and sentences)."""
    la, lb = _side_names(ctx, report["sides"])
    sections: list[dict[str, Any]] = [
        {"id": "findings", "heading": "Key findings", "sentences": _findings(report, ctx)},
        {"id": "actions", "heading": "Feasible joint actions, best first", "sentences": _actions(report, ctx)},
        {"id": "commonalities", "heading": "Where both sides act", "sentences": _commonalities(report, ctx)},
        {"id": "divergences", "heading": "Divergences", "sentences": _divergences(report, ctx)},
        {"id": "changes", "heading": "What changed since the brief of 26 November 2020",
         "sentences": _changes(report, ctx)},
        {"id": "inputs", "heading": "What this brief is built from", "sentences": _inputs(report, ctx)},
    ]
    empty = {"actions": "The record suggests no feasible joint action for the gaps on this date.",
             "commonalities": "The record shows no function or instrument type both sides use on this date.",
             "divergences": "The record holds no divergence on the shared goals on this date."}
    for sec in sections:
        if not sec["sentences"]:
            sec["sentences"] = [_sentence(empty.get(str(sec["id"]), "Nothing in the record."))]
    return {"title": title(report, ctx), "pair": f"{la} – {lb}", "warnings": warnings(report, ctx, first_date),
            "sections": sections}


def first_record_date(report: dict[str, Any]) -> str | None:
    first = (report.get("coverage") or {}).get("first_source")
    try:
        return dt.date.fromisoformat(str(first)[:10]).isoformat() if first else None
    except ValueError:
        return None


def inputs_text(inputs: dict[str, Any]) -> str:
    text = "the curated record" + (f" (fingerprint {inputs['record']})" if inputs.get("record") else "")
    if inputs.get("curated_only"):
        return text + ", imported layers left out"
    layers = inputs.get("layers") or []
    if layers:
        return text + " and " + _plural(len(layers), "imported layer") + ": " + _names([x["name"] for x in layers], 6)
    return text


def enrich(report: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """The report with its sources ranked (primary first), vocabulary labels, the inputs and the brief."""
    out = dict(report)
    out["sources"] = rank_sources(report, ctx)
    out["labels"] = {"instrument-type": dict(sorted(ctx.type_labels.items()))}
    out["inputs"] = ctx.inputs
    out["inputs_text"] = inputs_text(ctx.inputs)
    out["executive_brief"] = compose(report, ctx, first_record_date(report))
    return out


def layer_changes(with_layers: dict[str, Any], curated: dict[str, Any]) -> list[dict[str, Any]]:
    """Goals whose status differs between the curated record alone and the record with its layers."""
    def status(r: dict[str, Any]) -> dict[str, tuple[str, str]]:
        return {g["goal"]: (g["label"], g["status"]) for g in r["goals"]}

    a, b = status(with_layers), status(curated)
    out = []
    for goal in sorted(set(a) | set(b)):
        sa = a.get(goal, (b.get(goal, ("", ""))[0], "not shared"))
        sb = b.get(goal, (sa[0], "not shared"))
        if sa[1] != sb[1]:
            out.append({"goal": goal, "label": sa[0] or sb[0], "with_layers": sa[1], "curated": sb[1]})
    return out


__all__ = ["Context", "compose", "enrich", "inputs_text", "layer_changes", "rank_sources", "title",
           "warnings"]
