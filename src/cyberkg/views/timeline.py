"""``cyberkg viz --timeline``: the instruments over time, one self-contained offline HTML page.

Rows: each side (EU, US, joint, others) with one nested row per function (what the instrument does;
its legal form where the record gives no function). Standing instruments are spans from their
effective start to their effective end (ended, struck down, expired or superseded), open to the
page's last date while in force; events (exercises, listings, statements, …) are points. The
lifecycle, ends and commitment come from the coverage model's derived triples
(``cyber:instrumentLifecycle``, ``effectiveStart``, ``effectiveEnd``, ``commitmentLevel``); where a
store has none, a fallback from the instrument type (:data:`EVENT_TYPES`) is used and the page says so.
Joint instruments (parties from both sides) and instruments with third partners are marked.

vis-timeline (Apache-2.0 OR MIT, vendored by ``tools/vendor-vis-timeline.sh``) is inlined; the
data travels as escaped JSON and the page builds every text with ``textContent``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from cyberkg.views.network import day, local_name, to_networkx
from cyberkg.views.viz import ViewError, ViewInfo, _json_for_script, _markup, external_references

STATIC = Path(__file__).resolve().parent / "static" / "vis-timeline"
TEMPLATE = Path(__file__).resolve().parent / "templates" / "timeline.html"
# Fallback lifecycle by legal form when the store has no cyber:instrumentLifecycle (issue 15's list).
EVENT_TYPES = ("exercise", "operation", "statement", "declaration", "listing", "indictment", "meeting",
               "designation", "attribution", "sanction")
Q_MODEL = """SELECT ?i ?lc ?start ?end ?level WHERE { ?i a cyber:PolicyInstrument .
  OPTIONAL { ?i cyber:instrumentLifecycle ?lc } OPTIONAL { ?i cyber:effectiveStart ?start }
  OPTIONAL { ?i cyber:effectiveEnd ?end } OPTIONAL { ?i cyber:commitmentLevel ?level } }"""


def _model(ds: Any) -> dict[str, dict[str, str]]:
    from cyberkg.views.network import _query

    out: dict[str, dict[str, str]] = {}
    for i, lc, start, end, level in _query(ds, Q_MODEL):
        row = out.setdefault(str(i), {})
        for k, v in (("lifecycle", lc), ("start", start), ("end", end), ("commitment", level)):
            if v is not None:
                row[k] = local_name(str(v)) if k in ("lifecycle", "commitment") else str(v)[:10]
    return out


def timeline_data(ds: Any, as_of: str | None = None, sides: tuple[str, ...] = ("EU", "US"),
                  lang: str | None = None) -> dict[str, Any]:
    """Groups and items for the page (no instrument that starts after ``as_of``)."""
    g = to_networkx(ds, lang=lang)
    on = day(as_of) if as_of else None
    model = _model(ds)
    fallback = False
    items, groups_seen, last = [], {}, dt.date(1970, 1, 1)
    for n, d in sorted(g.nodes(data=True)):
        if d["kind"] != "instrument":
            continue
        m = model.get(n, {})
        start = day(m.get("start") or d.get("start"))
        if start is None or (on and start > on):
            continue
        itype = str(d.get("instrumentType") or "instrument")
        lifecycle = m.get("lifecycle")
        if lifecycle not in ("standing", "event"):
            fallback = True
            lifecycle = "event" if any(w in itype.lower() for w in EVENT_TYPES) else "standing"
        end = day(m.get("end") or d.get("end")) if lifecycle == "standing" else None
        if on and end and end > on:
            end = None
        functions = sorted(d.get("function") or []) if isinstance(d.get("function"), list) else []
        row = functions[0] if functions else itype
        codes = list(d.get("sides") or [])
        side = "joint" if all(s in codes for s in sides[:2]) else next((s for s in codes if s in sides), None)
        side = side or (codes[0] if codes else "none")
        partners = sorted({
            str(g.nodes[p]["label"])
            for _, p, e in g.out_edges(n, data=True)
            if e.get("relation") == "party" and not set(g.nodes[p].get("sides") or []) & set(sides)
        })
        gid = f"{side}|{row}"
        groups_seen[gid] = (side, row)
        last = max(last, start, end or start)
        items.append({
            "id": n,
            "group": gid,
            "label": str(d["label"]),
            "start": start.isoformat(),
            "end": end.isoformat() if end else None,
            "open": lifecycle == "standing" and end is None,
            "lifecycle": lifecycle,
            "side": side,
            "function": row,
            "functions": functions,
            "type": itype,
            "commitment": m.get("commitment"),
            "partners": partners,
            "joint": side == "joint",
        })
    order = {s: i for i, s in enumerate([*sides[:2], "joint"])}
    side_ids = sorted({s for s, _ in groups_seen.values()}, key=lambda s: (order.get(s, 9), s))
    groups = [{"id": s, "label": {"joint": "Joint (" + " + ".join(sides[:2]) + ")", "none": "No side"}.get(s, s),
               "nested": sorted(k for k, (ss, _) in groups_seen.items() if ss == s)} for s in side_ids]
    groups += [{"id": k, "label": row, "side": s} for k, (s, row) in sorted(groups_seen.items())]
    until = on or last
    return {
        "items": items,
        "groups": groups,
        "until": until.isoformat(),
        "asOf": on.isoformat() if on else None,
        "notes": (["lifecycle (span or point) from the instrument type: the store has no derived lifecycle"]
                  if fallback else []),
        "functions": sorted({i["function"] for i in items}),
        "sides": side_ids,
    }


def render_timeline(data: dict[str, Any], title: str) -> str:
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    page = env.from_string(TEMPLATE.read_text(encoding="utf-8")).render(
        title=title,
        as_of_text=f"As of {data['asOf']}" if data["asOf"] else "All dates (no --as-of)",
        css=_markup((STATIC / "vis-timeline-graph2d.min.css").read_text(encoding="utf-8")),
        js=_markup((STATIC / "vis-timeline-graph2d.min.js").read_text(encoding="utf-8")),
        data_json=_markup(_json_for_script(data)),
    )
    found = external_references(page)
    if found:
        raise ViewError(f"the timeline would load external resources ({found[:3]}); nothing was written")
    return page


def write_timeline(ds: Any, path: str | Path, as_of: str | None = None, sides: tuple[str, ...] = ("EU", "US"),
                   lang: str | None = None, title: str | None = None) -> ViewInfo:
    from cyberkg.core.atomic import write_atomic

    data = timeline_data(ds, as_of, sides, lang)
    page = render_timeline(data, title or f"Instruments over time ({' · '.join(sides)})").encode("utf-8")
    write_atomic(Path(path), page)
    return ViewInfo(Path(path), len(data["items"]), 0, len(page), "timeline")


__all__ = ["EVENT_TYPES", "render_timeline", "timeline_data", "write_timeline"]
