"""KOLs and the monthly rankings (活跃榜, 贡献榜)."""

from __future__ import annotations

from typing import Any

from ..kol import kol_section
from ..labels import label
from ..page import (
    Names,
    Note,
    Page,
    Section,
    bar_cell,
    table,
    who,
    word,
)
from ..parts import (
    influence_chart,
    influence_table,
)
from ..period import latest_month
from . import ReportKind


def kol_page(report: dict[str, Any], out: Page) -> None:
    lang, d = report["lang"], report["data"]
    if d["influence"]:
        out.sections.append(Section(label("influence", lang), [
            influence_chart(d["influence"], lang),
            Names(f"{label('kols', lang)} ({len(d['kols'])})", [who(r) for r in d["kols"]])]))
    else:
        out.sections.append(Section(label("influence", lang), [Note(label("none", lang), "muted")]))
    act_top = max((r["messages"] for r in d["activity_ranking"]), default=0)
    out.sections.append(Section(label("activity_ranking", lang), [table(
        [("#", "r"), (word("member", lang), "l", "name"), (label("messages", lang), "r"),
         (label("active_days", lang), "r")],
        [(r["rank"], who(r), bar_cell(r["messages"], act_top), r["active_days"]) for r in d["activity_ranking"]])]))
    con_top = max((r["score"] for r in d["contribution_ranking"]), default=0)
    out.sections.append(Section(label("contribution_ranking", lang), [table(
        [("#", "r"), (word("member", lang), "l", "name"), (label("score", lang), "r"),
         (label("content_posts", lang), "r"), (label("answers", lang), "r"), (label("replies_drawn", lang), "r")],
        [(r["rank"], who(r), bar_cell(r["score"], con_top), r["content_posts"], r["answers"], r["replies_drawn"])
         for r in d["contribution_ranking"]])]))
    if d["influence"]:
        out.sections.append(Section(f"{label('influence', lang)} · {label('reason', lang)}",
                                    [influence_table(d["influence"], lang)], wide=True))


KIND = ReportKind(
    name="kol", titles=("意见领袖与排行", "KOLs and rankings"),
    summary="members by influence with role, reason and evidence; the monthly activity and contribution rankings",
    section=kol_section, page=kol_page, main_table="influence", default_period=latest_month,
)
