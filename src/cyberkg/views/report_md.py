"""The report as Markdown that renders on a forge (GitHub, GitLab, Gitea): headings, lists, tables,
and footnotes for the sources (``[^n]``). Every string from the data is escaped, so a label can
neither break a table nor inject a link or HTML. The charts of the HTML page are tables here."""

from __future__ import annotations

import re
from typing import Any

# What can start markup inside a line (data never starts a line: it follows "- ", "| " or "### ")
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(value: Any) -> str:
    """Data as inert Markdown text: specials backslash-escaped, <, > and & as entities, one line."""
    text = " ".join(str(value if value is not None else "").split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def _url(value: Any) -> str | None:
    text = str(value or "")
    return text if re.match(r"^https?://[^\s<>()]+$", text, re.I) else None


class _Doc:
    def __init__(self, report: dict[str, Any]) -> None:
        self.r = report
        self.numbers = {s["source"]: i for i, s in enumerate(report["sources"], start=1)}
        self.lines: list[str] = []

    def cite(self, iris: Any) -> str:
        items = sorted({self.numbers[i] for i in (iris or []) if i in self.numbers})
        return "".join(f"[^{n}]" for n in items)

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        self.add("| " + " | ".join(header) + " |", "|" + "---|" * len(header))
        self.add(*("| " + " | ".join(c or " " for c in row) + " |" for row in rows))
        self.add("")


def render(report: dict[str, Any]) -> str:
    r = report
    a, b = r["sides"]
    d = _Doc(r)
    s = r["summary"]
    d.add(f"# {md(r['title'])}", "", f"As of **{md(r['as_of'])}** · sides {md(a)} and {md(b)} · dialogues and fora "
          f"{'counted' if r['count_dialogues'] else 'not counted'} as joint instruments", "")
    d.add("## Summary", "", f"Method of the brief: {md(r['brief'])}", "",
          f"On {md(r['as_of'])}, {md(a)} and {md(b)} share **{s['shared']}** strategic goal(s): "
          f"**{s['covered']}** covered by a joint instrument in force, **{s['gaps']}** gap(s); "
          f"**{s['feasible_actions']}** feasible joint action(s) for the gaps; {s['uncertain_gaps']} gap(s) rest "
          f"on a medium/low-confidence fact; {s['possible_gaps']} possible gap(s).", "")
    d.table(["shared goal", "status", "feasible joint actions"], [
        [md(g["label"]), ("gap" if g["status"] == "gap" else "covered") + (" · **UNCERTAIN**" if g["uncertain"] else "")
         + (" · **POSSIBLE GAP**" if g["possible_gap"] else ""), "; ".join(md(x["action"]) for x in g["feasible"])]
        for g in r["goals"]])
    d.add("## Rules and what the record covers", "")
    d.add(*(f"- **{md(rule['name'])}.** {md(rule['text'])}" for rule in r["rules"]))
    c = r["coverage"]
    d.add("", f"The record: {c['sources']} sources dated {md(c['first_source'])} to {md(c['last_source'])}, "
          f"{c['instruments']} instruments, {c['incidents']} incidents answered by an instrument, {c['divergences']} "
          "divergences. A gap means “no joint instrument in the curated record”, not that none exists.", "")
    d.add("## Shared goals", "")
    for g in r["goals"]:
        _goal(d, g, a, b)
    _figures(d, r, a, b)
    _diff(d, r)
    _metrics(d, r, a, b)
    d.add("## Sources", "")
    for i, src in enumerate(r["sources"], start=1):
        parts = [md(src["title"])]
        if src.get("identifier"):
            parts.append(f"`{str(src['identifier']).replace('`', '')}`")
        if src.get("issued"):
            parts.append(md(src["issued"]))
        url = _url(src.get("url"))
        parts.append(f"<{url}>" if url else md(src.get("url") or ""))
        d.add(f"[^{i}]: " + " — ".join(p for p in parts if p))
    return "\n".join(d.lines).rstrip() + "\n"


def _goal(d: _Doc, g: dict[str, Any], a: str, b: str) -> None:
    status = "GAP — no joint instrument" if g["status"] == "gap" else "covered by joint instruments"
    flags = (" · **UNCERTAIN**" if g["uncertain"] else "") + (" · **POSSIBLE GAP**" if g["possible_gap"] else "")
    d.add(f"### {md(g['label'])}", "", f"**{status}**{flags}", "")
    if g["uncertain"]:
        d.add("Depends on uncertain facts:", "")
        for f in g["uncertain"]:
            note = f": “{md(f['note'])}”" if f.get("note") else ""
            d.add(f"- {md(f['fact'])} (confidence {md(f['confidence'])}){note} — {md(f['effect'])}."
                  f"{d.cite(f['sources'])}")
        d.add("")
    for side in (a, b):
        items = [f"{md(p['actorLabel'])} since {md(p['since'])}{d.cite([p.get('source')])}"
                 for p in g["pursuers"].get(side, [])]
        d.add(f"- Pursued by {md(side)}: " + ("; ".join(items) or "—"))
    if g["joint"]:
        d.add("- Joint instruments: " + "; ".join(f"{md(i['label'])} ({md(i['type'])}, from {md(i['start'])})"
                                                   f"{d.cite(i['sources'])}" for i in g["joint"]))
    for side in (a, b):
        items = [f"{md(i['label'])} ({md(i['type'])}, from {md(i['start'])}){d.cite(i['sources'])}"
                 for i in g["alone"].get(side, [])]
        d.add(f"- {md(side)} alone: " + ("; ".join(items) or "—"))
    if g["related_joint"]:
        d.add("- Joint instruments nearby: " + "; ".join(
            f"{md(j['label'])} ({md(j['relation'])} goal: {md(j['relatedLabel'])})" for j in g["related_joint"]))
    for div in g["divergences"]:
        pos = "; ".join(f"{md(p['side'])}: {md(p['position'])}{d.cite(p['sources'])}" for p in div["positions"])
        d.add(f"- Divergence: **{md(div['label'])}**{' since ' + md(div['since']) if div.get('since') else ''}"
              f"{d.cite(div['sources'])} — {pos}")
    if g["status"] == "gap":
        if not g["feasible"]:
            d.add("- Feasible joint actions: none in the record")
        for act in g["feasible"]:
            why = "; ".join(md(x["text"]) for x in act["bases"])
            per = "; ".join(f"{md(side)}: " + ", ".join(f"{md(i['label'])}{d.cite(i['sources'])}"
                                                         for i in act["instruments"][side]) for side in (a, b))
            d.add(f"- **Feasible joint action: {md(act['action'])}** — {why} ({per})")
    d.add("")


def _figures(d: _Doc, r: dict[str, Any], a: str, b: str) -> None:
    d.add("## Record-wide figures", "", f"Instrument-type matrix on {md(r['as_of'])} (instruments in force):", "")
    d.table(["type", f"{md(a)} alone", f"{md(b)} alone", "jointly", "class"],
            [[md(t["type"]), str(t[a]), str(t[b]), str(t["joint"]), md(t["class"])]
             for t in r["figures"]["type_matrix"]])
    d.add("Instruments per year they took effect:", "")
    d.table(["year", f"{md(a)} alone", f"{md(b)} alone", "jointly"],
            [[str(y["year"]), str(y[a]), str(y[b]), str(y["joint"])] for y in r["figures"]["per_year"]])
    inc = r["figures"]["incidents"]
    d.add("Incidents answered: " + ", ".join(f"{md(k)} {v}" for k, v in inc["counts"].items()), "")
    d.table(["incident", "date", "answered", "instruments"],
            [[md(i["label"]), md(i.get("date") or ""), md(i["how"]),
              "; ".join(f"{md(x['label'])}{d.cite(x['sources'])}" for k in (a, b, "joint") for x in i["responses"][k])]
             for i in inc["rows"]])


def _diff(d: _Doc, r: dict[str, Any]) -> None:
    ch = r["diff"]
    if ch is None:
        d.add("## What changed", "", "The report's date is before the brief's date: no changes to show.", "")
        return
    d.add(f"## What changed from {md(ch['from'])} to {md(ch['to'])}", "", md(ch["rule"]), "")
    d.table(["change", "date", "goal", "cause"], [[md(c["change"]), md(c["date"] or ""), md(c["goalLabel"] or ""),
                                                   md(c["cause"]) + d.cite(c["sources"])] for c in ch["changes"]])


def _metrics(d: _Doc, r: dict[str, Any], a: str, b: str) -> None:
    m = r["metrics"]
    d.add("## Network: who bridges the sides", "", md(m["rule"]), "")
    d.table(["bridge between the sides", "kind", "side", "share of pairs"],
            [[md(x["label"]), md(x["kind"]), md(x["side"]), f"{x['score']:.3f}"] for x in m["bridges"]])
    d.table(["articulation point", "kind", "side", "pairs cut"],
            [[md(x["label"]), md(x["kind"]), md(x["side"]), str(x["pairs_cut"])] for x in m["articulation_points"]])
    for side in (a, b):
        d.table([f"central {md(side)} actor", "betweenness", "links"],
                [[md(x["label"]), f"{x['betweenness']:.3f}", str(x["degree"])] for x in m["central"][side]])
    d.table(["community", "size", "sides", "main members"],
            [[str(i), str(c["size"]), ", ".join(f"{md(k)} {v}" for k, v in c["sides"].items() if v),
              "; ".join(md(x["label"]) for x in c["members"][:6])] for i, c in enumerate(m["communities"], start=1)])


__all__ = ["md", "render"]
