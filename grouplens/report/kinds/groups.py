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
    Note,
    Page,
    Section,
    arrow_change,
    bar_cell,
    bar_lines,
    listing,
    num,
    one_line,
    pct,
    table,
    word,
)
from ..parts import distinct_names
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
    out.sections.append(accounts_section(d, lang))


def accounts_section(d: dict[str, Any], lang: str) -> Section:
    """Accounts in several groups that post ads or the same text at set times, with where and when."""
    part = d["accounts"]
    rows = part["accounts"]
    title = f"{_w('accounts', lang)} ({len(rows)})"
    if not rows:
        return Section(title, [Note(_w("no_accounts", lang), "good")])
    out = []
    for name, a in zip(distinct_names(rows), rows):
        flags = " · ".join(_w("flag_" + f, lang) for f in a["flags"])
        where = listing([f"{g['group_name']} ({g['ads']} {_w('ads_unit', lang)}, {_span(g['first_ad'], g['last_ad'])})"
                         if g["ads"] else f"{g['group_name']} ({g['scheduled']} {_w('scheduled_unit', lang)})"
                         if g["scheduled"] else str(g["group_name"]) for g in a["groups"]], lang)
        evidence = []
        if a["ad_example"]:
            evidence.append(one_line(a["ad_example"]["text"]))
        for sc in a["scripts"][:2]:
            times = "/".join(sorted(set(sc["times"].values())))
            evidence.append(f"{times} ×{sc['posts']} ({_span(sc['first_day'], sc['last_day'])}): {one_line(sc['text'])}")
        out.append((name, Cell(flags, "bad"), where, " | ".join(evidence)))
    span = _span(part["first_day"], part["last_day"]) if part["first_day"] else _w("all_days", lang)
    return Section(title, [table([(word("member", lang), "l", "name"), (_w("flag", lang), "l"),
                                  (_w("where", lang), "l", "text"), (_w("evidence", lang), "l", "text")], out),
                           Note(_w("accounts_note", lang).format(n=part["min_groups"], span=span), "muted")],
                   wide=True)


_WORDS: dict[str, tuple[str, str]] = {
    "accounts": ("跨群账号", "Accounts in several groups"),
    "no_accounts": ("没有在多个群发广告或定时发帖的账号", "no account posts ads or scheduled texts in several groups"),
    "flag_ads": ("跨群广告号", "ads in several groups"), "flag_scheduled": ("跨群水军", "scheduled posts in several groups"),
    "flag": ("标记", "flag"), "where": ("所在群", "groups"), "evidence": ("证据", "evidence"), "ads_unit": ("条广告", "ads"),
    "scheduled_unit": ("条定时帖", "scheduled posts"), "all_days": ("全部日期", "every day stored"),
    "accounts_note": ("同一QQ号/微信号在至少 {n} 个群发广告，或在各群固定时间发同样的内容（{span}）；群主和管理员不计。",
                      "The same QQ number / wxid posting ads, or the same text at a set time, in {n} groups or more "
                      "({span}); owners and admins are left out."),
}


def _w(code: str, lang: str) -> str:
    return _WORDS[code][0 if lang == "zh" else 1]


def _span(first: str | None, last: str | None) -> str:
    if not first:
        return "—"
    return first if first == last else f"{first}…{last}"


KIND = ReportKind(
    name="groups", titles=("群概览", "Groups overview"),
    summary="one row per group chat, healthiest first, with its stage and trend (also what --all shows)",
    overview=portfolio_section, page=groups_page, main_table="groups", default_period=latest_week,
)
