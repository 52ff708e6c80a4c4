"""The lifecycle stage week by week, with the rule and figures that decided it."""

from __future__ import annotations

from typing import Any

from ..labels import label, stage_label
from ..lifecycle import lifecycle_section
from ..page import (
    FOLD_ROWS,
    Cell,
    Fact,
    Facts,
    Note,
    Page,
    Section,
    colon,
    num,
    pct,
    table,
    word,
)
from ..parts import (
    health_note,
    rule_note,
    stage_strip,
)
from . import ReportKind


def lifecycle_page(report: dict[str, Any], out: Page) -> None:
    lang, d = report["lang"], report["data"]
    out.stage, out.stage_text = d["stage"], stage_label(d["stage"], lang)
    facts = [Fact(label("stage", lang), stage_label(d["stage"], lang), stage=d["stage"]),
             Fact(label("week", lang), str(d["week"] or "—")),
             Fact(label("health", lang), f"{d['health']['score']}/100" if d["health"] else "—")]
    by_stage = " · ".join(f"{stage_label(s, lang)} {n}" for s, n in d["weeks_by_stage"].items())
    out.sections.append(Section(label("lifecycle", lang), [
        Facts(facts), rule_note(d, lang), health_note(d["health"], report["settings"]["lifecycle"], lang),
        Note(f"{word('weeks_by_stage', lang)}{colon(lang)}{by_stage or '—'}")]))
    out.sections.append(Section(word("stage_timeline", lang), [stage_strip(d["weekly"], lang)]))
    rows = []
    for w in d["weekly"]:
        m = w["metrics"]
        rows.append((w["week"], Cell(stage_label(w["stage"], lang), stage=w["stage"]) if w["stage"] else "—",
                     num(m["messages_per_day"]), pct(m["speaker_share"]), pct(m["ad_share"]),
                     pct(m["question_share"]), pct(m["level_ratio"]), num(m["members"]),
                     w["health"]["score"] if w["health"] else "—", label("rule_" + w["rule"], lang)))
    out.sections.append(Section(word("weekly_trend", lang), [table(
        [(label("week", lang), "l"), (label("stage", lang), "l"), (label("messages_per_day", lang), "r"),
         (label("speaker_share", lang), "r"), (label("ad_share", lang), "r"), (label("question_share", lang), "r"),
         (label("level_ratio", lang), "r"), (label("members_count", lang), "r"), (label("health", lang), "r"),
         (label("rule", lang), "l", "text")], rows, caption=f"{label('week', lang)} ({len(rows)})",
        fold=len(rows) > FOLD_ROWS, latest_last=True)],
        wide=True))
    if d["changes"]:
        out.sections.append(Section(word("stage_changes", lang), [table(
            [(label("week", lang), "l"), (word("from", lang), "l"), (word("to", lang), "l")],
            [(c["week"], Cell(stage_label(c["from"], lang), stage=c["from"]),
              Cell(stage_label(c["to"], lang), stage=c["to"])) for c in d["changes"]])]))


KIND = ReportKind(
    name="lifecycle", titles=("群生命周期", "Lifecycle"),
    summary="stage (new, growing, active, declining, ad-dominated, help-desk, dead) week by week, the figures and thresholds that decided it, a 0–100 health score",
    section=lifecycle_section, page=lifecycle_page, main_table="weekly",
)
