"""networkx -> pyvis -> ONE self-contained HTML file that opens from disk with no network at all.

pyvis holds the nodes, edges and vis options; the page is our own template (``templates/view.html``)
with vis-network's JS and CSS — shipped inside the pyvis package — inlined, so no CDN link, no
bootstrap, no tom-select and no ``lib/`` folder (DESIGN §5). Strings from the data travel as JSON
in a ``<script type="application/json">`` block with ``<``, ``>`` and ``&`` escaped, and the page
shows them with ``textContent`` only (tooltips and the details panel are DOM elements, never
HTML strings); links are drawn only for http(s) URLs. A Content-Security-Policy forbids every
request. The written page is checked for external references before it is moved into place.

Small views run vis physics from precomputed positions until stabilised, then switch it off; views
above ``PHYSICS_LIMIT`` nodes get a layout computed here (:mod:`cyberkg.views.layout`) and no physics.

Longer than 350 lines: the page writer, its offline checks (no external reference, inlined
vis-network) and the physics/layout settings belong together.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cyberkg.core.errors import CyberkgError

# How to open a view in Debian's headless Chromium on a closed network (the browser tests and the
# view benchmark use it): without the background-networking flags Chromium keeps dialling out.
HEADLESS_CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PHYSICS_LIMIT = 500
VIS_DIR = "lib/vis-9.1.2"
TEMPLATE = Path(__file__).resolve().parent / "templates" / "view.html"

# kind -> (fill colour, vis shape, legend glyph)
KIND_STYLE: dict[str, tuple[str, str, str]] = {
    "actor": ("#5b8fd1", "dot", "●"),
    "threat-actor": ("#c0392b", "triangle", "▲"),
    "goal": ("#f4c430", "star", "★"),
    "instrument": ("#2fa36b", "square", "■"),
    "incident": ("#e67e22", "diamond", "◆"),
    "source": ("#a3acb3", "triangleDown", "▼"),
    "side": ("#d7dde8", "ellipse", "⬭"),
    "divergence": ("#b07cc6", "hexagon", "⬢"),
    "action": ("#fff3b0", "box", "▭"),
}
OTHER_KIND = ("#cccccc", "dot", "●")
BOX_FILL = {"goal": "#fff0b3", "instrument": "#d5f0e2", "actor": "#dde8f7", "action": "#fff8d6"}
SIDE_COLOURS = {"EU": "#003399", "US": "#b22234", "joint": "#7b2cbf", "none": "#555555"}
EXTRA_SIDE_COLOURS = ["#138d75", "#d35400", "#2c3e50", "#b7950b", "#6e2c00"]
RELATION_COLOURS = [
    "#7f8c8d",
    "#2980b9",
    "#27ae60",
    "#8e44ad",
    "#d35400",
    "#16a085",
    "#c0392b",
    "#2c3e50",
    "#b7950b",
    "#1abc9c",
    "#9b59b6",
    "#e67e22",
    "#34495e",
    "#7d6608",
    "#a93226",
]
HIGHLIGHT = {"gap": "#ff1493", "focus": "#000000", "covered": "#7b2cbf", "blocked": "#888888"}
BASE_FONT = 14  # node labels, canvas units
BIG_FONT = 18  # gaps, the focus, groups
MIN_LABEL_PX = 9.5  # a label is drawn only when it is at least this big on screen (and free)
LABEL_WIDTH = 24  # characters per label line; the full label is in the tooltip and details
FEW_EDGES = 40  # up to this many edges, edge labels are drawn; above, on hover
FOLD_VIEW_MIN = 150  # a view with more records than this opens folded …
FOLD_KIND_MIN = 30  # … each kind with more records than this, by side
OVERVIEW_MAX = 200  # a folded view of at most this many nodes is laid out in rings (layout.radial_layout)
FIELD_NAMES = {
    "feasibleActions": "Feasible joint actions",
    "jointNearby": "Joint instruments for related goals",
    "instrumentType": "Type",
    "inForce": "In force",
    "altLabel": "Also known as",
    "sameAs": "Same as",
    "struckDown": "Struck down",
    "endDate": "End date",
    "divergentSince": "Divergent since",
    "editorialNote": "Editorial note",
    "threatCategory": "Threat category",
    "pursuedBy": "Pursued by",
    "limitedBy": "Limited by",
    "blockedBy": "Blocked by",
    "gap": "Gap",
    "uncertain": "Uncertain facts",
    "coverage": "Coverage (commitment, scope)",
    "covered": "Covered",
    "rowLabel": "Goal",
    "url": "URL",
    "iri": "IRI",
}
DETAIL_SKIP = {
    "iri",
    "prefLabel",
    "slug",
    "kind",
    "label",
    "side",
    "sides",
    "start",
    "end",
    "highlight",
    "description",
    "x",
    "y",
    "rowLabel",
    "shape",
    "must",
    "wrap",
}


class ViewError(CyberkgError):
    """A view cannot be drawn or written."""


@dataclass
class ViewInfo:
    path: Path
    nodes: int
    edges: int
    bytes: int
    layout: str


def side_colour(side: str | None, codes: list[str]) -> str:
    if side is None:
        return SIDE_COLOURS["none"]
    if side in SIDE_COLOURS:
        return SIDE_COLOURS[side]
    extra = [c for c in codes if c not in SIDE_COLOURS]
    return EXTRA_SIDE_COLOURS[extra.index(side) % len(EXTRA_SIDE_COLOURS)] if side in extra else "#555555"


def _text(value: Any) -> str:
    return "\n".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)


def _url(value: Any) -> str | None:
    text = str(value or "")
    return text if re.match(r"^https?://", text, re.I) else None


def _short(label: str, limit: int = 42) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _source_index(graph: Any, used: set[str]) -> dict[str, dict[str, str | None]]:
    """Title and (http/https only) URL of every source the page cites, once."""
    index = graph.graph.get("sources", {})
    out: dict[str, dict[str, str | None]] = {}
    for iri in sorted(used):
        s = index.get(iri) or graph.nodes.get(iri) or {}
        out[iri] = {"title": str(s.get("title") or s.get("label") or iri), "url": _url(s.get("url"))}
    return out


def human(key: str) -> str:
    """A field name for people: ``feasibleActions`` -> "Feasible joint actions"."""
    if key in FIELD_NAMES:
        return FIELD_NAMES[key]
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key).replace("_", " ").split()
    return " ".join(words).capitalize() if words else key


def wrap_label(label: str, width: int = LABEL_WIDTH, lines: int = 2) -> str:
    """At most ``lines`` lines of about ``width`` characters, cut with an ellipsis (full text on hover)."""
    words, out, cur = label.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            out.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    if cur:
        out.append(cur)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return "\n".join(x if len(x) <= width + 4 else x[: width - 1] + "…" for x in out) or label[:width]


def fold_groups(graph: Any) -> dict[str, dict[str, Any]]:
    """Groups that a big view opens folded into: each kind with more than ``FOLD_KIND_MIN`` records
    in a view of more than ``FOLD_VIEW_MIN``, split by side. A focus view keeps its centre and the
    records next to it unfolded; highlighted records (gaps, the focus) are never folded."""
    if graph.number_of_nodes() <= FOLD_VIEW_MIN:
        return {}
    keep = {n for n, d in graph.nodes(data=True) if d.get("highlight")}
    centre = graph.graph.get("focus")
    if centre in graph:
        keep |= set(graph.successors(centre)) | set(graph.predecessors(centre))
    by_kind: dict[str, list[Any]] = {}
    for n, d in graph.nodes(data=True):
        if n not in keep:
            by_kind.setdefault(str(d.get("kind") or "other"), []).append(n)
    clusters: dict[str, dict[str, Any]] = {}
    for kind, members in sorted(by_kind.items()):
        if len(members) <= FOLD_KIND_MIN:
            continue
        by_side: dict[str, list[Any]] = {}
        for n in members:
            by_side.setdefault(str(graph.nodes[n].get("side") or "none"), []).append(n)
        for side, ms in sorted(by_side.items()):
            what = plural_kind(kind, len(ms))
            who = {"none": "no side", "joint": "joint"}.get(side, side)
            clusters[f"fold:{kind}:{side}"] = {
                "label": f"{len(ms)} {what} ({who})",
                "kind": kind,
                "side": None if side == "none" else side,
                "members": sorted(ms, key=str),
            }
    return clusters


def plural_kind(kind: str, n: int) -> str:
    word = kind.replace("-", " ")
    return word if n == 1 else (word[:-1] + "ies" if word.endswith("y") else word + "s")


def _positions(
    graph: Any, clusters: dict[str, dict[str, Any]], view: dict[str, Any]
) -> dict[Any, tuple[float, float]]:
    """Given positions (``x``/``y`` on every node), else a force layout of the folded graph with each
    group's records on a spiral around the group."""
    import networkx as nx

    from cyberkg.views.layout import force_layout

    if graph.graph.get("positions") == "given":
        return {n: (float(d.get("x", 0.0)), float(d.get("y", 0.0))) for n, d in graph.nodes(data=True)}
    member_of = {m: cid for cid, c in clusters.items() for m in c["members"]}
    folded = nx.Graph()
    folded.add_nodes_from(sorted({member_of.get(n, n) for n in graph}, key=str))
    pairs = ((member_of.get(u, u), member_of.get(v, v)) for u, v in graph.edges())
    folded.add_edges_from((a, b) for a, b in pairs if a != b)
    n = folded.number_of_nodes()
    # an overview (no focus): the two sides' columns, goals between, the rest below
    if clusters and n <= OVERVIEW_MAX and graph.graph.get("focus") is None:
        from cyberkg.views.layout import overview_layout

        for v in folded:
            src = clusters[v] if v in clusters else graph.nodes[v]
            folded.nodes[v].update(kind=src.get("kind"), side=src.get("side"), label=src.get("label"))
        codes = [c for c in graph.graph.get("side_codes") or [] if c]
        pair = (codes[0], codes[1]) if len(codes) >= 2 else ("EU", "US")
        pos = overview_layout(folded, ("EU", "US") if {"EU", "US"} <= set(codes) else pair)
        view["overview"] = True
    else:
        scale = 45.0 if n > 300 else 45.0 + 75.0 * (1 - n / 300)  # small views: room for their labels
        pos = force_layout(folded, scale=scale)
    out = {v: pos[v] for v in graph if v in pos}
    for cid, c in clusters.items():
        cx, cy = pos.get(cid, (0.0, 0.0))
        c.setdefault("x", cx)
        c.setdefault("y", cy)
        for i, m in enumerate(c["members"]):
            r, t = 34.0 * (i + 1) ** 0.5, i * 2.399963
            out[m] = (round(cx + r * math.cos(t), 1), round(cy + r * math.sin(t), 1))
    return out


def view_data(graph: Any, layout: str = "auto") -> dict[str, Any]:
    """Everything the page needs: vis nodes, edges and options (through pyvis), details, legend,
    folded groups and how the view opens."""
    from pyvis.network import Network

    given = graph.graph.get("positions") == "given"
    clusters = {k: dict(v) for k, v in (graph.graph.get("clusters") or fold_groups(graph)).items()}
    big = graph.number_of_nodes() > PHYSICS_LIMIT
    physics = not given and not clusters and (layout == "physics" or (layout == "auto" and not big))
    codes = list(graph.graph.get("side_codes") or [])
    view: dict[str, Any] = {}  # what the layout decided about the view (an overview opens at the top)
    positions = _positions(graph, clusters, view) if graph.number_of_nodes() else {}
    member_of = {m: cid for cid, c in clusters.items() for m in c["members"]}
    overview = bool(view.get("overview"))
    ids = {n: str(n) for n in graph}
    relations = sorted({str(e.get("relation") or k) for _, _, k, e in graph.edges(keys=True, data=True)})
    rel_colour = {r: RELATION_COLOURS[i % len(RELATION_COLOURS)] for i, r in enumerate(relations)}
    net = Network(directed=True, cdn_resources="in_line")
    details: dict[str, Any] = {}
    order = sorted(
        graph.nodes(data=True),
        key=lambda nd: (
            0 if nd[1].get("highlight") in ("gap", "focus") else 1 if nd[1].get("highlight") else 2,
            {"goal": 0, "action": 1, "side": 2}.get(str(nd[1].get("kind")), 3),
            -graph.degree(nd[0]),
            str(nd[1].get("label") or nd[0]),
            str(nd[0]),
        ),
    )
    rank = {n: i for i, (n, _) in enumerate(order)}
    for n, d in graph.nodes(data=True):
        kind = str(d.get("kind") or "other")
        fill, shape, _ = KIND_STYLE.get(kind, OTHER_KIND)
        if d.get("shape") == "box":  # the gap view draws boxes, label inside, in a lighter fill
            fill, shape = BOX_FILL.get(kind, "#eeeeee"), "box"
        side = d.get("side")
        label = str(d.get("label") or n)
        hl = d.get("highlight")
        x, y = positions.get(n, (0.0, 0.0))
        border = HIGHLIGHT.get(str(hl), side_colour(side, codes))
        node = {
            "id": ids[n],
            "label": wrap_label(label, int(d.get("wrap") or LABEL_WIDTH)),
            "full": label,
            "rank": rank[n],
            "shape": shape,
            "kind": kind,
            "side": side or "none",
            "size": 22 if hl in ("gap", "focus") else 16 if hl or overview
            else min(10 + 1.5 * graph.degree(n) ** 0.5, 20),
            "x": x,
            "y": y,
            "borderWidth": 6 if hl in ("gap", "focus") else 3,
            "borderWidthSelected": 8 if hl in ("gap", "focus") else 5,
            "physics": physics,
            "color": {
                "background": fill,
                "border": border,
                # a selected gap keeps its pink mark (only the border's width changes)
                "highlight": {"background": fill, "border": border if hl else "#000000"},
                "hover": {"background": fill, "border": border},
            },
        }
        if hl in ("gap", "focus"):
            node["font"] = {"size": BIG_FONT}
            node["must"] = True  # labelled first, whatever is near
        if shape == "box":
            node["margin"] = 6
        if member_of.get(n):
            node["cluster"] = member_of[n]
        net.nodes.append(node)
        net.node_ids.append(ids[n])
        net.node_map[ids[n]] = node
        src = {t for _, t, e in graph.out_edges(n, data=True) if e.get("relation") == "wasDerivedFrom"}
        src |= {s for *_, e in graph.edges(n, data=True) for s in e.get("sources", ())}
        src |= {s for *_, e in graph.in_edges(n, data=True) for s in e.get("sources", ())}
        if kind == "source":
            src.add(str(n))
        details[ids[n]] = {
            "label": str(d.get("rowLabel") or label),
            "kind": kind,
            "side": side,
            "sides": list(d.get("sides") or []),
            "iri": str(d["iri"]) if "iri" in d else str(n),  # "" for drawn-only nodes (actions)
            "slug": str(d.get("slug") or ""),
            "start": d.get("start"),
            "end": d.get("end"),
            "description": str(d.get("description") or ""),
            "highlight": hl,
            "cluster": member_of.get(n),
            "aliases": [str(a) for a in d.get("altLabel", [])] if isinstance(d.get("altLabel"), list) else [],
            "attrs": [
                [human(k), _text(v)]
                for k, v in sorted(d.items())
                if k not in DETAIL_SKIP and v not in (None, "", [])
            ],
            "sources": sorted(src),
        }
    few = graph.number_of_edges() <= FEW_EDGES
    for i, (u, v, k, e) in enumerate(
        sorted(graph.edges(keys=True, data=True), key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
    ):
        rel = str(e.get("relation") or k)
        net.edges.append(
            {
                "id": f"e{i}",
                "from": ids[u],
                "to": ids[v],
                "label": rel if few else "",
                "relation": rel,
                "color": {"color": rel_colour[rel], "opacity": 0.8},
                "arrows": "to",
                "sources": sorted(set(e.get("sources") or ())),
                "since": e.get("since"),
            }
        )
    group_nodes = []
    for cid, c in sorted(clusters.items()):
        fill, shape, _ = KIND_STYLE.get(str(c["kind"]), OTHER_KIND)
        if c.get("shape") == "box":
            fill, shape = BOX_FILL.get(str(c["kind"]), "#eeeeee"), "box"
        colour = side_colour(c.get("side"), codes)
        group_nodes.append(
            {
                "id": cid,
                "label": wrap_label(str(c["label"])),
                "full": str(c["label"]),
                "rank": -1,
                "shape": shape,
                "kind": str(c["kind"]),
                "side": c.get("side") or "none",
                "size": 20,
                "x": round(float(c.get("x", 0.0)), 1),
                "y": round(float(c.get("y", 0.0)), 1),
                "borderWidth": 4,
                "borderWidthSelected": 6,
                "shapeProperties": {"borderDashes": [5, 3]},
                "physics": False,
                "isCluster": True,
                "members": [ids[m] for m in c["members"]],
                "font": {"size": BASE_FONT if c.get("shape") == "box" else BIG_FONT - 2},
                "margin": 6,
                "color": {
                    "background": fill,
                    "border": colour,
                    "highlight": {"background": fill, "border": colour},
                    "hover": {"background": fill, "border": colour},
                },
            }
        )
    net.set_options(json.dumps(_options(big, physics, few)))
    nodes, edges, _, _, _, options = net.get_network_data()
    kinds = sorted(
        {d["kind"] for d in details.values()},
        key=lambda k: (list(KIND_STYLE).index(k) if k in KIND_STYLE else 99, k),
    )
    sides = sorted({n["side"] for n in nodes}, key=lambda s: ({"EU": 0, "US": 1, "joint": 2}.get(s, 3), s))
    legend = {
        "kinds": [
            {
                "name": k,
                "colour": KIND_STYLE.get(k, OTHER_KIND)[0],
                "glyph": KIND_STYLE.get(k, OTHER_KIND)[2],
                "count": sum(1 for n in nodes if n["kind"] == k),
            }
            for k in kinds
        ],
        "sides": [
            {
                "name": s,
                "colour": side_colour(None if s == "none" else s, codes),
                "count": sum(1 for n in nodes if n["side"] == s),
            }
            for s in sides
        ],
        "relations": [
            {"name": r, "colour": rel_colour[r], "count": sum(1 for e in edges if e["relation"] == r)}
            for r in relations
        ],
        "highlights": sorted({str(d["highlight"]) for d in details.values() if d["highlight"]}),
    }
    cited = {s for d in details.values() for s in d["sources"]} | {s for e in edges for s in e["sources"]}
    opening = dict(graph.graph.get("opening") or ({"anchor": "top"} if overview else {}))
    opening.setdefault("minScale", MIN_LABEL_PX / BASE_FONT)
    if graph.graph.get("focus") in graph:
        opening.setdefault("anchor", ids[graph.graph["focus"]])
    return {
        "nodes": nodes,
        "edges": edges,
        "groups": group_nodes,
        "options": json.loads(options),
        "details": details,
        "sources": _source_index(graph, cited),
        "legend": legend,
        "physics": physics,
        "layout": "given" if given else "physics" if physics else "precomputed",
        "opening": opening,
        "minLabelPx": MIN_LABEL_PX,
        "notes": list(graph.graph.get("notes") or []),
        "columns": list(graph.graph.get("columns") or []),
        "folded": _folded_summary(clusters),
        "fewEdges": few,
    }


def _folded_summary(clusters: dict[str, dict[str, Any]]) -> str:
    """What the view folds, by kind: "Folded: 425 sources, 299 instruments … in 15 groups"."""
    if not clusters:
        return ""
    by_kind: dict[str, int] = {}
    for c in clusters.values():
        by_kind[str(c["kind"])] = by_kind.get(str(c["kind"]), 0) + len(c["members"])
    parts = [f"{n} {plural_kind(k, n)}" for k, n in sorted(by_kind.items(), key=lambda kv: (-kv[1], kv[0]))]
    return f"Folded: {', '.join(parts)} in {len(clusters)} groups — click a group to open it."


def _options(big: bool, physics: bool, few: bool = False) -> dict[str, Any]:
    opts: dict[str, Any] = {
        "nodes": {
            "font": {"size": BASE_FONT, "face": "sans-serif", "strokeWidth": 3, "strokeColor": "#ffffff"},
        },
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
            "width": 1,
            "selectionWidth": 2,
            "font": {"size": 11, "align": "middle", "color": "#444444", "strokeWidth": 2},
            "smooth": False if big else {"enabled": True, "type": "continuous", "roundness": 0.4},
        },
        "layout": {"randomSeed": 7, "improvedLayout": False},
        "interaction": {
            "hover": True,
            "tooltipDelay": 150,
            "hideEdgesOnDrag": big,
            "hideEdgesOnZoom": big,
            "navigationButtons": False,
            "keyboard": False,
        },
        "physics": {"enabled": False},
    }
    if physics:
        opts["physics"] = {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {
                "gravitationalConstant": -60,
                "centralGravity": 0.01,
                "springLength": 110,
                "springConstant": 0.06,
                "damping": 0.6,
                "avoidOverlap": 0.2,
            },
            "maxVelocity": 60,
            "minVelocity": 1.0,
            "timestep": 0.4,
            "stabilization": {"enabled": True, "iterations": 150, "updateInterval": 25, "fit": True},
        }
    return opts


def _json_for_script(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


_NOT_DATA = r"\s*(?!['\"]?\s*data:)"
_EXTERNAL = [
    re.compile(
        r"<(?:script|img|iframe|embed|source|audio|video|object)\b[^>]*\s(?:src|data)\s*=" + _NOT_DATA, re.I
    ),
    re.compile(r"<link\b[^>]*\shref\s*=" + _NOT_DATA, re.I),
    re.compile(r"@import\b", re.I),
    re.compile(r"url\(" + _NOT_DATA, re.I),
]


def external_references(html: str) -> list[str]:
    """Anything in the page's markup or styles that would make the browser fetch a resource."""
    markup = re.sub(r"(?is)<script\b[^>]*>.*?</script>", "<script></script>", html)
    styles = " ".join(re.findall(r"(?is)<style\b[^>]*>(.*?)</style>", html))
    hits = [m.group(0) for rx in _EXTERNAL[:2] for m in rx.finditer(markup)]
    hits += [m.group(0) for rx in _EXTERNAL[2:] for m in rx.finditer(styles)]
    return hits


def render(
    graph: Any, title: str = "cyberkg", as_of: str | None = None, description: str = "", layout: str = "auto"
) -> str:
    """The page as a string."""
    return _render(graph, title, as_of, description, layout)[0]


def _render(
    graph: Any, title: str, as_of: str | None, description: str, layout: str
) -> tuple[str, dict[str, Any]]:
    import importlib.resources

    import jinja2

    if layout not in ("auto", "physics", "precomputed"):
        raise ViewError(f"unknown layout {layout!r}; choose auto, physics or precomputed")
    lib = importlib.resources.files("pyvis") / "templates" / VIS_DIR
    data = view_data(graph, layout)
    as_of = as_of if as_of is not None else graph.graph.get("as_of")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    page = env.from_string(TEMPLATE.read_text(encoding="utf-8")).render(
        title=title,
        description=description,
        as_of_text=f"As of {as_of}" if as_of else "All dates (no --as-of)",
        as_of=as_of or "",
        layout=data["layout"],
        vis_css=_markup((lib / "vis-network.css").read_text(encoding="utf-8")),
        vis_js=_markup((lib / "vis-network.min.js").read_text(encoding="utf-8")),
        data_json=_markup(_json_for_script(data)),
    )
    found = external_references(page)
    if found:
        raise ViewError(f"the page would load external resources ({found[:3]}); nothing was written")
    return page, data


def _markup(text: str) -> Any:
    from markupsafe import Markup

    return Markup(text)


def write_view(
    graph: Any,
    path: str | Path,
    title: str = "cyberkg",
    as_of: str | None = None,
    description: str = "",
    layout: str = "auto",
) -> ViewInfo:
    """Write ``graph`` as one self-contained HTML page at ``path`` (atomically: a temporary file in
    the same folder, then renamed). Nothing else is written anywhere."""
    from cyberkg.core.atomic import write_atomic

    text, data = _render(graph, title, as_of, description, layout)
    page = text.encode("utf-8")
    path = Path(path)
    write_atomic(path, page)
    return ViewInfo(path, graph.number_of_nodes(), graph.number_of_edges(), len(page), str(data["layout"]))


__all__ = [
    "KIND_STYLE",
    "PHYSICS_LIMIT",
    "SIDE_COLOURS",
    "ViewError",
    "ViewInfo",
    "external_references",
    "render",
    "view_data",
    "write_view",
]
