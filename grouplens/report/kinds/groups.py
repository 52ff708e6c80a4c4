"""The groups overview: every group in the store ranked by health, with its stage and trend."""

from __future__ import annotations

import functools
from typing import Any

from .. import charts
from ..labels import label, stage_label
from ..page import (
    Cell,
    Chart,
    Fact,
    Facts,
    Page,
    Section,
    arrow_change,
    bar_cell,
    bar_lines,
    num,
    pct,
    table,
    word,
)
from ..period import latest_week
from ..portfolio import portfolio_section
from . import ReportKind


def groups_page(report: dict[str, Any], out: Page) -> None:
    lang, d = report["lang"], report["data"]
    t = d["totals"]
    facts = [Fact(label("groups_count", lang), num(t["groups"])), Fact(word("attention", lang), num(t["needing_attention"]))]
    facts += [Fact(stage_label(s, lang), num(n), stage=s) for s, n in t["by_stage"].items()]
    out.sections.append(Section(label("groups", lang), [Facts(facts)]))
    stages = [s for s in d["stages"] if t["by_stage"].get(s)]
    draw = functools.partial(charts.hbars, [(stage_label(s, lang), float(t["by_stage"][s]), str(t["by_stage"][s]))
                                            for s in stages], title=word("by_stage", lang),
                             colors=[charts.STAGE_COLORS[s][0] for s in stages], label_width=90,
                             axis_label=label("groups_count", lang))
    lines = bar_lines([(stage_label(s, lang), t["by_stage"][s]) for s in stages])
    out.sections.append(Section(word("by_stage", lang), [Chart(draw, lines=lines)]))
    rows = []
    for g in d["groups"]:
        change = Cell("")
        if g["change"] is not None:
            direction = "up" if g["change"] > 0 else "down" if g["change"] < 0 else "same"
            change = arrow_change(direction, {"up": "better", "down": "worse"}.get(direction), pct(abs(g["change"])))
        rows.append((g["rank"], str(g["name"]), Cell(stage_label(g["stage"], lang), stage=g["stage"]),
                     bar_cell(g["health"], 100) if g["health"] is not None else "—", num(g["messages_per_day"]),
                     change, pct(g["speaker_share"]), pct(g["ad_share"]), g["week"] or "—",
                     Cell(word("attention", lang), "bad") if g["attention"] else ""))
    out.sections.append(Section(word("health_by_group", lang), [table(
        [("#", "r"), (label("group", lang), "l", "name"), (label("stage", lang), "l"), (label("health", lang), "r"),
         (label("messages_per_day", lang), "r"), (label("trend", lang), "r"), (label("speaker_share", lang), "r"),
         (label("ad_share", lang), "r"), (label("week", lang), "l"), ("", "l")], rows)], wide=True))


KIND = ReportKind(
    name="groups", titles=("群概览", "Groups overview"),
    summary="one row per group chat, healthiest first, with its stage and trend (also what --all shows)",
    overview=portfolio_section, page=groups_page, main_table="groups", default_period=latest_week,
)
