"""A member's page: what they say week by week, their layer and role with the reason, names,
partners, questions asked and answered, answers given, check-ins and compliance flags."""

from __future__ import annotations

import functools
from typing import Any

from ...roles.accounts import cross_group_clause
from .. import charts
from ..labels import label
from ..page import (
    FOLD_ROWS,
    Block,
    Cell,
    Chart,
    Fact,
    Facts,
    Names,
    Note,
    Page,
    Section,
    colon,
    num,
    one_line,
    short_time,
    table,
    who,
    word,
)
from ..parts import distinct_names, role_text
from ..profile import member_section
from . import ReportKind

_WORDS: dict[str, tuple[str, str]] = {
    "member_page": ("成员", "Member"), "list_role": ("群内身份", "list role"), "joined_at": ("入群", "joined"),
    "left_at": ("退群", "left"), "first_message": ("首次发言", "first message"),
    "last_message": ("最近发言", "last message"), "layer_now": ("当前层级", "layer now"),
    "role_now": ("当前角色", "role now"), "names_seen": ("用过的名字", "Names used"),
    "other_groups": ("同一账号也在", "Same account also in"), "weeks": ("每周发言与角色", "Week by week"),
    "weeks_chart": ("每周消息（颜色为当周层级）", "Messages per week (colour: the week's layer)"),
    "replies_to": ("TA回复对方", "they replied"), "replied_by": ("对方回复TA", "replied to them"),
    "replies": ("回复数", "replies"), "partners": ("回复往来", "Reply partners"), "asked": ("TA的提问", "Their questions"),
    "answers_given": ("TA的解答", "Answers they gave"), "asker": ("提问者", "asked by"),
    "their_answer": ("TA的回答", "their answer"), "flags": ("合规标记", "Compliance flags"),
    "no_flags": ("本期没有被标记的消息", "no flagged messages in this period"),
    "no_partners": ("本期没有回复往来", "no replies either way in this period"),
    "weeks_spoken": ("发言周数", "weeks spoken"), "role_weeks_note": (
        "角色按截至当周的 {n} 周计算，只算最近 {k} 周。", "Roles are judged on the {n} weeks up to each week, for the "
        "latest {k} weeks only."),
    "owner": ("群主", "owner"), "admin": ("管理员", "admin"), "member": ("成员", "member"),
}


def _w(code: str, lang: str) -> str:
    pair = _WORDS.get(code)
    return word(code, lang) if pair is None else pair[0 if lang == "zh" else 1]


def _day(ts: str | None) -> str:
    return ts[:10] if ts else "—"


def member_page(report: dict[str, Any], out: Page) -> None:
    lang, d = report["lang"], report["data"]
    p, t, now = d["profile"], d["totals"], d["now"]
    out.lines.insert(0, who(p))
    facts = [Fact(label("messages", lang), num(t["messages"])), Fact(label("active_days", lang), num(t["active_days"])),
             Fact(_w("weeks_spoken", lang), num(t["weeks_spoken"])),
             Fact(label("questions_count", lang), num(t["questions"])),
             Fact(label("answered", lang), num(t["questions_answered"])),
             Fact(label("answers", lang), num(t["answers_given"])),
             Fact(label("checkins_count", lang), num(t["checkins"]))]
    if now:
        facts += [Fact(_w("layer_now", lang), label(now["layer"], lang)),
                  Fact(_w("role_now", lang), role_text(now, lang)),
                  Fact(label("influence", lang), num(now["influence"], 2))]
    dates = [(_w("list_role", lang), _w(p["list_role"], lang) if p["list_role"] else None),
             (_w("joined_at", lang), p["joined_at"]), (_w("left_at", lang), p["left_at"]),
             (_w("first_message", lang), p["first_message"]), (_w("last_message", lang), p["last_message"])]
    blocks: list[Block] = [Facts(facts), Note(" · ".join(f"{name} {value if name == dates[0][0] else _day(value)}"
                                                          for name, value in dates if value))]
    if now and now["reason"]:
        blocks.append(Note(f"{label('reason', lang)} ({now['week']}){colon(lang)}{now['reason']}"))
    names = [f"{name} ({_day(first)}…{_day(last)})" for name, (first, last) in names_shown(d["names_seen"]).items()]
    blocks.append(Names(f"{_w('names_seen', lang)} ({len(names)})", names))
    if d["other_groups"]:
        blocks.append(Names(f"{_w('other_groups', lang)} ({len(d['other_groups'])})",
                            [f"{g['group_name']} ({g['messages']})" for g in d["other_groups"]]))
    if d.get("cross_group"):
        a = d["cross_group"]
        names = {g["group_id"]: g["group_name"] for g in a["groups"]}
        clauses = [cross_group_clause(a, f, names, None, lang) for f in a["flags"]]
        blocks.append(Note(("；" if lang == "zh" else "; ").join(clauses), "bad"))
    out.sections.append(Section(_w("member_page", lang), blocks, wide=True))

    weekly = d["weekly"]
    blocks = []
    if len(weekly) > 1:
        layers = list(dict.fromkeys(w["layer"] or "absent" for w in weekly))
        series = [(label(layer, lang), [w["messages"] if (w["layer"] or "absent") == layer else 0 for w in weekly],
                   charts.LAYER_COLORS.get(layer, "#9ca3af")) for layer in layers]
        blocks.append(Chart(functools.partial(charts.stacked_columns, [w["week"][5:] for w in weekly], series,
                                              title=_w("weeks_chart", lang), x_title=word("axis_week", lang),
                                              y_title=label("messages", lang))))
    shown = [w for w in weekly if w["layer"] not in (None, "absent") or w["messages"]]
    rows = [(w["week"], w["messages"], label(w["layer"], lang) if w["layer"] else "—",
             role_text(w, lang) if w["role"] else "—", w["reason"] or "") for w in shown]
    folded = len(rows) > FOLD_ROWS
    blocks.append(table([(label("week", lang), "l"), (label("messages", lang), "r"), (word("layer", lang), "l"),
                         (label("role", lang), "l"), (label("reason", lang), "l", "text")], rows,
                        caption=f"{label('week', lang)} ({len(rows)})" if folded else None, fold=folded,
                        latest_last=True))
    window = report["settings"]["members"]["core_window_weeks"]
    blocks.append(Note(_w("role_weeks_note", lang).format(n=window, k=d["role_weeks"]), "muted"))
    out.sections.append(Section(_w("weeks", lang), blocks, wide=True))

    out.sections.append(Section(_w("partners", lang), [partners_table(d, lang)]
                                if d["replies_to"] or d["replied_by"] else [Note(_w("no_partners", lang), "muted")]))

    tone = {"answered": "good", "unanswered": "bad", "pending": "muted"}
    if d["questions"]:
        out.sections.append(Section(f"{_w('asked', lang)} ({len(d['questions'])})", [table(
            [(word("time", lang), "l"), (word("question", lang), "l", "text"), (label("status", lang), "l"),
             (word("answer", lang), "l", "text"), (word("minutes", lang), "r")],
            [(short_time(q["ts"]), one_line(q["text"]), Cell(label(q["status"], lang), tone[q["status"]]),
              f"{who(q['answer'])}: {one_line(q['answer']['text'])}" if q["answer"] else "",
              num(q["answer"]["minutes"]) if q["answer"] else "") for q in d["questions"]],
            fold=len(d["questions"]) > FOLD_ROWS)], wide=True))
    if d["answers"]:
        out.sections.append(Section(f"{_w('answers_given', lang)} ({len(d['answers'])})", [table(
            [(word("time", lang), "l"), (_w("asker", lang), "l", "name"), (word("question", lang), "l", "text"),
             (_w("their_answer", lang), "l", "text"), (word("minutes", lang), "r")],
            [(short_time(q["ts"]), name, one_line(q["text"]), one_line(q["answer"]["text"]),
              num(q["answer"]["minutes"])) for name, q in zip(distinct_names(d["answers"]), d["answers"])],
            fold=len(d["answers"]) > FOLD_ROWS)], wide=True))
    c = d["checkins"]
    if c:
        out.sections.append(Section(label("checkins", lang), [Facts([
            Fact(label("checkins_count", lang), num(c["checkins"])), Fact(label("days", lang), num(c["days"])),
            Fact(label("current_streak", lang), num(c["current_streak"])),
            Fact(label("longest_streak", lang), num(c["longest_streak"])),
            Fact(label("status", lang) + f" ({c['challenge_days']})", label(c["status"], lang)),
            Fact(word("date", lang), f"{c['first_day']}…{c['last_day']}")])]))
    flagged = [x for x in d["compliance"]["categories"] if x["messages"]]
    if flagged:
        blocks = [table([(word("category", lang), "l"), (label("messages", lang), "r"), (label("days", lang), "r")],
                        [(label(x["category"], lang), x["messages"], x["days"]) for x in flagged])]
        blocks += [table([(word("time", lang), "l"), (word("message", lang), "l", "text")],
                         [(short_time(e["ts"]), one_line(e["text"])) for e in rows], caption=label(category, lang))
                   for category, rows in d["compliance"]["examples"].items() if rows]
        out.sections.append(Section(_w("flags", lang), blocks, wide=True))
    else:
        out.sections.append(Section(_w("flags", lang), [Note(_w("no_flags", lang), "good")]))


def names_shown(seen: list[dict[str, Any]]) -> dict[str, tuple[str | None, str | None]]:
    """Each name as shown, with the first and last time it was seen: names that show the same
    (every name is the one alias under ``--pseudonymize``) are one entry."""
    out: dict[str, tuple[str | None, str | None]] = {}
    for n in seen:
        first, last = out.get(who(n), (n["first_seen"], n["last_seen"]))
        out[who(n)] = (min((t for t in (first, n["first_seen"]) if t), default=None),
                       max((t for t in (last, n["last_seen"]) if t), default=None))
    return out


def partners_table(d: dict[str, Any], lang: str) -> Block:
    """Everyone the member exchanged replies with: replies each way, the most exchanged first."""
    people: dict[str, list[Any]] = {}
    for column, key in ((0, "replies_to"), (1, "replied_by")):
        for r in d[key]:
            people.setdefault(r["member"], [r, 0, 0])[column + 1] = r["replies"]
    rows = sorted(people.values(), key=lambda p: (-(p[1] + p[2]), -p[1], str(p[0]["member"])))
    return table([(word("member", lang), "l", "name"), (_w("replies_to", lang), "r"), (_w("replied_by", lang), "r")],
                 [(name, p[1], p[2]) for name, p in zip(distinct_names([p[0] for p in rows]), rows)])


KIND = ReportKind(
    name="member", titles=("成员档案", "Member"),
    summary="one member (name, part of a name or id): messages, layer and role week by week with the reason, names "
            "used, reply partners, questions and answers, check-ins, compliance flags, other groups",
    section=member_section, page=member_page, main_table="weekly", takes_member=True,
)
