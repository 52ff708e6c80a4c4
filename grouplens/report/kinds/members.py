"""Member layers week by week, the moves between them and newcomer retention."""

from __future__ import annotations

import functools
from typing import Any

from .. import charts
from ..labels import label
from ..members import members_section
from ..page import (
    FOLD_ROWS,
    Chart,
    Fact,
    Facts,
    Page,
    Section,
    num,
    pct,
    table,
    word,
)
from ..parts import (
    names_block,
    transitions_blocks,
)
from . import ReportKind


def members_page(report: dict[str, Any], out: Page) -> None:
    lang, d = report["lang"], report["data"]
    t, layers, weekly = d["totals"], d["layers"], d["weekly"]
    out.sections.append(Section(label("members", lang), [Facts(
        [Fact(label("members_count", lang), num(t["members"])), *[Fact(label(c, lang), num(t[c])) for c in layers],
         Fact(label("joins", lang), num(t["joins"])), Fact(label("leaves", lang), num(t["leaves"])),
         Fact(label("newly_active", lang), num(t["newly_active"]))])], wide=True))
    if len(weekly) > 1:
        series = [(label(c, lang), [w[c] for w in weekly], charts.LAYER_COLORS[c]) for c in layers]
        draw = functools.partial(charts.stacked_columns, [w["week"][5:] for w in weekly], series,
                                 title=word("layers_by_week", lang), x_title=word("axis_week", lang),
                                 y_title=label("members_count", lang))
        out.sections.append(Section(word("layers_by_week", lang), [Chart(draw)]))
    if weekly:
        last = weekly[-1]["week"]
        moves = transitions_blocks(d["transitions"], layers, last, lang)
        if moves:
            out.sections.append(Section(f"{label('transitions', lang)} ({last})", moves))
    out.sections.append(Section(word("weekly_trend", lang), [table(
        [(label("week", lang), "l"), (label("members_count", lang), "r"), *[(label(c, lang), "r") for c in layers],
         (label("joins", lang), "r"), (label("leaves", lang), "r"), (label("newly_active", lang), "r")],
        [(w["week"], w["members"], *[w[c] for c in layers], w["joins"], w["leaves"], w["newly_active"])
         for w in weekly], caption=f"{label('week', lang)} ({len(weekly)})", fold=len(weekly) > FOLD_ROWS,
         latest_last=True)], wide=True))
    if d["retention"]:
        ks = [a["weeks"] for a in d["retention"][0]["after"]]
        out.sections.append(Section(label("retention", lang), [table(
            [(label("cohort", lang), "l"), (label("joins", lang), "r"), (label("newly_active", lang), "r"),
             *[(f"{k}w {label('spoke', lang)}", "r") for k in ks], *[(f"{k}w {label('stayed', lang)}", "r") for k in ks]],
            [(r["cohort"], r["joined"], pct(r["newly_active_share"]), *[pct(a["spoke"]) for a in r["after"]],
              *[pct(a["stayed"]) for a in r["after"]]) for r in d["retention"]],
            caption=f"{label('cohort', lang)} ({len(d['retention'])})", fold=len(d["retention"]) > FOLD_ROWS,
            latest_last=True)], wide=True))
    people = d["people"]
    out.sections.append(Section(f"{word('people_now', lang)} · {people['week']}", [
        names_block(label(key, lang), people[key]) for key in ("core", "new", "returned", "newly_churned",
                                                               "churned_core")]))


KIND = ReportKind(
    name="members", titles=("成员分层", "Member layers"),
    summary="layers (new, core, returned, active, churned, silent) week by week, moves between them, joins and leaves, newcomers 1 and 4 weeks later",
    section=members_section, page=members_page, main_table="weekly",
)
