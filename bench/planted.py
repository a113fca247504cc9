"""Named goals planted in every synthetic graph, each pinning down one rule of the gap query.

As of 2020-11-26, EU vs US, dialogues not counted: every ``planted-gap-*`` goal is a gap and
every ``planted-covered-*``, ``planted-one-side-*`` and ``planted-lapsed-*`` goal is not.
``planted-gap-dialogue-only`` stops being a gap when dialogues count.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from cyberkg.record.schema import Ref

if TYPE_CHECKING:
    from .synthetic import _Gen

D = dt.date


def plant(g: _Gen) -> None:
    from .synthetic import pdate

    def joint(side: str = "eu+us") -> list[str]:
        return [g.rng.choice(g.side_actors[s]) for s in side.split("+")]

    def shared(us_until: str | None = None) -> list[dict[str, Any]]:
        eu, us = joint()
        p = [g.pursuit(eu, D(2013, 2, 7)), g.pursuit(us, D(2011, 5, 16))]
        if us_until:
            p[1]["until"] = pdate(us_until)
        return p

    def goal(slug: str, role: str, pursuits: list[dict[str, Any]], broader: str | None = None) -> str:
        g.goal(f"planted-{slug}", role, broader, pursuits)
        return f"planted-{slug}"

    def instrument(goal_id: str, parties: list[str], itype: str = "agreement", adopted: str = "2016-07-06",
                   **dates: str) -> None:
        g.count += 1
        iid = f"planted-instrument-{g.count}"
        extra: dict[str, Any] = {k: pdate(v) for k, v in dates.items()}
        if "struck_down" in dates:
            extra["struck_down_by"] = g.src()
        g.add("instrument", iid, label=f"Planted {itype} for {goal_id}", type=Ref(itype, 0),
              parties=[Ref(a, 0) for a in parties], adopted=pdate(adopted), addresses=[Ref(goal_id, 0)],
              sources=g.srcs(), **extra)

    deepest = {s: max(g.side_actors[s], key=lambda a: (a.count("office"), a)) for s in ("eu", "us")}
    on_side = {s: next(a for a in g.side_actors[s] if "-body-" in a) for s in ("eu", "us")}

    parent = goal("covered-parent", "covered", shared())
    instrument(parent, joint())
    instrument(goal("gap-child-of-covered", "gap", shared(), parent), joint("eu"), "legislation")
    instrument(goal("covered-deep-actors", "covered", shared()), [deepest["eu"], on_side["us"]])
    instrument(goal("covered-trilateral", "covered", shared()), joint("eu+us+uk"), "taskforce")
    instrument(goal("covered-year-precision", "covered", shared()), joint(), adopted="2020", ended="2020-12")
    instrument(goal("covered-starts-on-the-date", "covered", shared()), joint(), adopted="2020-11-26")
    instrument(goal("covered-in-force-before", "covered", shared()), joint(), adopted="2019-05", in_force="2020-02-01")
    broad = goal("covered-through-narrower-goal", "covered", shared())  # served via a narrower goal
    instrument(goal("one-side-narrower-of-covered", "one-side", [g.pursuit(joint("eu")[0], D(2014, 1, 1))], broad),
               joint())

    single = goal("gap-single-side-only", "gap", shared(us_until="2023-01-01"))
    instrument(single, joint("eu"), "legislation")
    instrument(single, joint("us"), "executive-order")
    dialogue = goal("gap-dialogue-only", "gap", shared())
    g.dialogue_only.add(dialogue)
    instrument(dialogue, joint(), "dialogue-forum")
    instrument(goal("gap-joint-ended", "gap", shared()), joint(), adopted="2015-03-01", ended="2019-06-30")
    instrument(goal("gap-joint-ended-month", "gap", shared()), joint(), adopted="2016", ended="2020-11")
    instrument(goal("gap-joint-ends-on-the-date", "gap", shared()), joint(), ended="2020-11-26")
    instrument(goal("gap-joint-struck-down", "gap", shared()), joint(), struck_down="2020-07-16")
    instrument(goal("gap-joint-adopted-later", "gap", shared()), joint(), adopted="2021-03-01")
    instrument(goal("gap-joint-in-force-later", "gap", shared()), joint(), adopted="2019-01-01",
               in_force="2021-01-01")
    third = goal("gap-third-side-joint-only", "gap", shared())
    instrument(third, joint("eu+uk"))
    instrument(third, joint("us+uk"))
    instrument(goal("gap-international-org-party", "gap", shared()), [*joint("eu"), g.others[0]])

    eu_only = goal("one-side-eu-only", "one-side", [g.pursuit(joint("eu")[0], D(2013, 2, 7))])
    instrument(eu_only, joint())
    eu_uk = goal("one-side-eu-and-uk", "one-side", [g.pursuit(a, D(2016, 1, 1)) for a in joint("eu+uk")])
    instrument(eu_uk, joint("eu+uk"))
    goal("lapsed-us-pursuit-ended", "lapsed", shared(us_until="2018-01-20"))
    eu, us = joint()
    goal("lapsed-us-pursuit-starts-later", "lapsed", [g.pursuit(eu, D(2013, 2, 7)), g.pursuit(us, D(2021, 5, 12))])
