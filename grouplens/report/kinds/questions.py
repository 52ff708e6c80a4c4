"""Questions and answers: how many, who answers, how fast, which are left unanswered."""

from __future__ import annotations

import functools
from typing import Any

from .. import charts
from ..labels import label
from ..page import (
    FOLD_ROWS,
    Cell,
    Chart,
    Fact,
    Facts,
    Page,
    Section,
    num,
    one_line,
    pct,
    short_time,
    table,
    who,
    word,
)
from ..parts import unanswered_section
from ..questions import questions_section
from . import ReportKind


def questions_page(report: dict[str, Any], out: Page) -> None:
    lang, d = report["lang"], report["data"]
    t = d["totals"]
    out.sections.append(Section(label("questions", lang), [Facts([
        Fact(label("questions_count", lang), num(t["questions"])), Fact(label("answered", lang), num(t["answered"])),
        Fact(label("unanswered", lang), num(t["unanswered"])), Fact(label("pending", lang), num(t["pending"])),
        Fact(label("answered_share", lang), pct(t["answered_share"])),
        Fact(label("within_target_share", lang), pct(t["within_target_share"])),
        Fact(label("median_minutes", lang), num(t["median_minutes"])),
        Fact(label("staff_answered", lang), num(t["staff_answered"]))])], wide=True))
    weekly = d["weekly"]
    if len(weekly) > 1:
        series = [(label("within_target", lang), [w["within_target"] for w in weekly], "#16a34a"),
                  (word("answered_later", lang), [w["answered"] - w["within_target"] for w in weekly], "#86efac"),
                  (label("unanswered", lang), [w["unanswered"] for w in weekly], "#f97316"),
                  (label("pending", lang), [w["pending"] for w in weekly], "#cbd5e1")]
        draw = functools.partial(charts.stacked_columns, [w["week"][5:] for w in weekly], series,
                                 title=word("weekly_trend", lang), x_title=word("axis_week", lang),
                                 y_title=label("questions_count", lang))
        fallback = table([(label("week", lang), "l"), (label("questions_count", lang), "r"),
                          (label("answered_share", lang), "r"), (label("within_target_share", lang), "r"),
                          (label("median_minutes", lang), "r"), (label("unanswered", lang), "r")],
                         [(w["week"], w["questions"], pct(w["answered_share"]), pct(w["within_target_share"]),
                           num(w["median_minutes"]), w["unanswered"]) for w in weekly])
        out.sections.append(Section(word("weekly_trend", lang), [Chart(draw, fallback)]))
    if d["answerers"]:
        out.sections.append(Section(label("answerers", lang), [table(
            [(word("member", lang), "l", "name"), (label("answers", lang), "r"), (label("within_target", lang), "r"),
             (label("median_minutes", lang), "r"), (label("staff", lang), "l")],
            [(who(r), r["answers"], r["within_target"], num(r["median_minutes"]), "✓" if r["staff"] else "")
             for r in d["answerers"]])]))
    if d["askers"]:
        out.sections.append(Section(label("askers", lang), [table(
            [(word("member", lang), "l", "name"), (label("questions_count", lang), "r"), (label("answered", lang), "r")],
            [(who(r), r["questions"], r["answered"]) for r in d["askers"]])]))
    unanswered = [q for q in d["questions"] if q["status"] == "unanswered"]
    out.sections.append(unanswered_section(d["unanswered"], lang, every=unanswered[::-1]))
    if d["questions"]:
        tone = {"answered": "good", "unanswered": "bad", "pending": "muted"}
        out.sections.append(Section(word("all_questions", lang), [table(
            [(word("time", lang), "l"), (word("member", lang), "l", "name"), (word("question", lang), "l", "text"),
             (label("status", lang), "l"), (word("answer", lang), "l", "text"), (word("minutes", lang), "r")],
            [(short_time(q["ts"]), who(q), one_line(q["text"]), Cell(label(q["status"], lang), tone[q["status"]]),
              f"{who(q['answer'])}: {one_line(q['answer']['text'])}" if q["answer"] else "",
              num(q["answer"]["minutes"]) if q["answer"] else "") for q in d["questions"]],
            caption=f"{word('all_questions', lang)} ({len(d['questions'])})", fold=len(d["questions"]) > FOLD_ROWS)],
            wide=True))


KIND = ReportKind(
    name="questions", titles=("问答服务", "Questions"),
    summary="questions, who answered, median time to the first answer, share answered within an hour, unanswered questions",
    section=questions_section, page=questions_page, main_table="questions",
)
