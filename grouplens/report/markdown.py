"""A report as a page — sections of facts, tables, alerts, notes and charts — and that page in
Markdown (``render_markdown``), ready to paste into a weekly-review document.

``page(report)`` decides what every report kind shows, once, from the report's JSON dict
(``docs/report-json.md``); ``render_markdown`` writes it as headings and tables, and
``html.render_html`` renders the same page with its charts drawn as inline SVG. Cells hold
display strings; chat text is escaped by each renderer, never here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from ..roles.explain import role_name, tag_name
from . import charts
from .labels import label, stage_label

# --- the page ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A table cell: its text, and how the HTML view may dress it.

    ``tone`` is ``good``/``bad``/``muted``; ``stage`` a lifecycle stage code (a coloured badge);
    ``bar`` a fraction 0–1 (a bar beside the number).
    """

    text: str
    tone: str | None = None
    stage: str | None = None
    bar: float | None = None


@dataclass(frozen=True)
class Column:
    title: str
    align: str = "l"  # l, r
    kind: str = "plain"  # plain, name (one line), text (chat text, wraps)


@dataclass
class Table:
    columns: list[Column]
    rows: list[list[Cell]]
    caption: str | None = None
    fold: bool = False  # long: the HTML view shows it collapsed


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    change: Cell | None = None
    stage: str | None = None


@dataclass
class Facts:
    items: list[Fact]


@dataclass
class Alerts:
    items: list[tuple[str, str, str]]  # (severity code, its word, message)


@dataclass
class Names:
    title: str
    names: list[str]
    more: int = 0


@dataclass
class Note:
    text: str
    tone: str | None = None


@dataclass
class Chart:
    """A chart only the HTML view draws (``draw`` gives the SVG); ``fallback`` is the table the
    Markdown view shows in its place."""

    draw: Callable[[], Markup]
    fallback: Table | None = None


Block = Table | Facts | Alerts | Names | Note | Chart
FOLD_ROWS = 16  # longer tables are collapsed in the HTML view (the Markdown view shows every row)


@dataclass
class Section:
    title: str
    blocks: list[Block]
    wide: bool = False  # the HTML view gives it the full width


@dataclass
class Page:
    title: str
    group: str | None
    period: str
    lines: list[str]  # dates, stage, privacy notes
    sections: list[Section]
    lang: str
    footer: str
    stage: str | None = None
    stage_text: str | None = None
    badges: list[str] = field(default_factory=list)


# --- words reports need beyond labels.py --------------------------------------------------------

_WORDS: dict[str, tuple[str, str]] = {
    "member": ("成员", "member"), "time": ("时间", "time"), "message": ("消息", "message"), "date": ("日期", "date"),
    "question": ("问题", "question"), "answer": ("回答", "answer"), "layer": ("层级", "layer"),
    "category": ("类别", "category"), "kind": ("类型", "kind"),
    "daily_trend": ("每日消息与发言人数", "Messages and speakers per day"),
    "weekly_trend": ("每周走势", "Week by week"),
    "busiest": ("最活跃时段", "Busiest hours"), "stage_timeline": ("阶段时间线", "Stage by week"),
    "stage_changes": ("阶段变化", "Stage changes"), "layers_by_week": ("每周成员分层", "Layers by week"),
    "moves": ("本周变动", "Moves this week"),
    "previous_week": ("上周", "last week"),
    "severity_high": ("严重", "high"), "severity_warning": ("注意", "warning"), "severity_info": ("提示", "info"),
    "pseudonymized": ("已匿名", "pseudonymized"), "redacted": ("已脱敏", "redacted"),
    "ids_shown": ("含成员号", "member ids shown"), "generated": ("生成于", "generated"),
    "more": ("另有 {n} 项", "{n} more"), "all_questions": ("全部问题", "All questions"),
    "attention": ("需关注", "needs attention"), "timezone": ("时区", "time zone"),
    "influence_chart": ("影响力（1.0 = 普通成员）", "Influence (1.0 = an average member)"),
    "checkin_members": ("每日打卡人数", "Members checking in per day"),
    "answered_later": ("超时回答", "answered late"), "minutes": ("分钟", "minutes"), "points": ("个百分点", "pp"),
    "by_stage": ("各阶段群数", "Groups by stage"), "health_by_group": ("各群健康分", "Health by group"),
    "weekdays": ("周一 周二 周三 周四 周五 周六 周日", "Mon Tue Wed Thu Fri Sat Sun"),
    "hour": ("{h}时", "{h}:00"), "unit_messages": ("条", "msgs"),
    "no_messages": ("本期没有消息", "no messages in this period"),
    "all_metrics": ("全部指标", "All metrics"),
    "people_now": ("名单", "Who"), "weeks_by_stage": ("各阶段周数", "Weeks by stage"),
    "finished_rate": ("结束者中完成", "completed of finished"), "no_checkins": ("本期没有打卡", "no check-ins in this period"),
}


def word(code: str, lang: str) -> str:
    """A word from ``_WORDS``, else from ``labels.label``."""
    pair = _WORDS.get(code)
    if pair is None:
        return label(code, lang)
    return pair[0] if lang == "zh" else pair[1]


def colon(lang: str) -> str:
    return "：" if lang == "zh" else ": "


def heading(text: str, lang: str) -> str:
    """English labels are lower case for tables; a heading starts with a capital."""
    return text[:1].upper() + text[1:] if lang == "en" else text


def metric_label(metric: str, lang: str) -> str:
    """The comparison's metric names: counts that share a code with a kind get ``_count``."""
    return label(metric + "_count" if metric in ("members", "questions", "checkins") else metric, lang)


# --- formatting -----------------------------------------------------------------------------------

def pct(x: float | None, digits: int = 0) -> str:
    return "—" if x is None else f"{x * 100:.{digits}f}%"


def num(x: Any, digits: int = 1) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:,.0f}" if x.is_integer() else f"{x:,.{digits}f}"
    return f"{x:,}" if isinstance(x, int) else str(x)


def is_share(metric: str) -> bool:
    return metric.endswith(("share", "rate", "ratio", "rest"))


def metric_value(metric: str, value: Any) -> str:
    return pct(value, 1) if is_share(metric) and value is not None else num(value)


def who(ref: dict[str, Any]) -> str:
    """A member's name (the key when there is none), with the id when the report shows ids."""
    name = str(ref.get("name") or ref.get("member") or "?")
    return f"{name} ({ref['member_id']})" if ref.get("member_id") else name


def short_time(ts: str | None) -> str:
    return "—" if not ts else ts[5:16].replace("T", " ")


def one_line(s: str | None) -> str:
    return " ".join((s or "").split())


def arrow_change(direction: str | None, verdict: str | None, amount: str) -> Cell:
    """▲/▼ and the amount, toned by whether the move is better or worse."""
    if direction is None:
        return Cell("")
    tone = {"better": "good", "worse": "bad"}.get(verdict or "", "muted")
    if direction == "same":
        return Cell("＝", "muted")
    return Cell(f"{'▲' if direction == 'up' else '▼'} {amount}", tone)


def comparison_change(row: dict[str, Any], lang: str) -> Cell:
    """The change of one compared metric: points for shares, percent when there was a figure
    before, else the difference."""
    metric, delta = row["metric"], row["delta"]
    if delta is None:
        return Cell("")
    if is_share(metric):
        amount = f"{abs(delta) * 100:.1f} {word('points', lang)}" if lang == "en" else \
            f"{abs(delta) * 100:.1f}{word('points', lang)}"
    elif row["change"] is not None:
        amount = pct(abs(row["change"]))
    else:
        amount = num(abs(delta))
    return arrow_change(row["direction"], row["verdict"], amount)


def bar_cell(value: Any, top: float, shown: str | None = None) -> Cell:
    return Cell(shown if shown is not None else num(value), bar=(value / top) if top and value else 0.0)


def table(columns: Sequence[tuple[str, str, str] | tuple[str, str]], rows: Iterable[Iterable[Any]],
          caption: str | None = None, fold: bool = False) -> Table:
    """A Table from (title, align[, kind]) columns and rows of Cells or plain values."""
    cols = [Column(*c) for c in columns]
    body = [[v if isinstance(v, Cell) else Cell("—" if v is None else str(v)) for v in row] for row in rows]
    return Table(cols, body, caption, fold)


def weekday_names(lang: str) -> list[str]:
    return word("weekdays", lang).split()


# --- pages per kind ------------------------------------------------------------------------------

def page(report: dict[str, Any]) -> Page:
    """The page for any report kind (its ``to_dict()``)."""
    lang = report["lang"]
    period = report["period"]
    lines: list[str] = []
    if period.get("first_day") and period["label"] != f"{period['first_day']}…{period['last_day']}":
        lines.append(f"{period['first_day']} … {period['last_day']}")
    lines.append(f"{word('timezone', lang)} {period['tz']}")
    badges = [word(key, lang) for key in ("pseudonymized", "redacted") if report["privacy"].get(key)]
    if report["privacy"].get("ids_shown"):
        badges.append(word("ids_shown", lang))
    group = report.get("group")
    out = Page(title=label(report["kind"], lang), group=str(group["name"]) if group else None,
               period=str(period["label"]), lines=lines, sections=[], lang=lang,
               footer=f"grouplens · {word('generated', lang)} {report['generated_at']}", badges=badges)
    KIND_PAGES[report["kind"]](report, out)
    for section in out.sections:
        section.title = heading(section.title, lang)
    return out


def weekly_page(report: dict[str, Any], out: Page) -> None:
    lang, d = report["lang"], report["data"]
    cur, prev = d["current"], d["previous"]
    out.stage, out.stage_text = d["stage"], stage_label(d["stage"], lang)
    out.lines.insert(0, f"{label('last_week', lang)} {d['previous_week']}{colon(lang)}"
                        f"{stage_label(d['previous_stage'], lang)}")
    alerts: Block = Alerts([(a["severity"], word("severity_" + a["severity"], lang), a["message"])
                            for a in d["alerts"]]) if d["alerts"] else Note(label("no_alerts", lang), "good")
    out.sections.append(Section(label("alerts", lang), [alerts]))
    weeks = prev["lifecycle"]["weekly"] + cur["lifecycle"]["weekly"]
    out.sections.append(Section(label("lifecycle", lang), [stage_strip(weeks, lang), rule_note(cur["lifecycle"], lang)]))

    rows = {r["metric"]: r for r in d["comparison"]}
    kpis = [m for m in ("messages", "speakers", "participation_rate", "members", "core", "health",
                        "answered_share", "unanswered") if m in rows]
    facts = Facts([Fact(metric_label(m, lang), metric_value(m, rows[m]["current"]), comparison_change(rows[m], lang))
                   for m in kpis])
    comparison = table([(label("metric", lang), "l"), (d["week"], "r"), (d["previous_week"], "r"),
                        (label("change", lang), "r")],
                       [(metric_label(r["metric"], lang), metric_value(r["metric"], r["current"]),
                         metric_value(r["metric"], r["previous"]), comparison_change(r, lang))
                        for r in d["comparison"]], caption=word("all_metrics", lang), fold=True)
    out.sections.append(Section(label("comparison", lang) + f" ({d['week']} / {d['previous_week']})",
                                [facts, comparison], wide=True))

    days = prev["activity"]["daily"] + cur["activity"]["daily"]
    trend = functools.partial(
        charts.daily_trend, [x["date"] for x in days], [x["messages"] for x in days], [x["speakers"] for x in days],
        title=word("daily_trend", lang), messages_label=label("messages", lang), speakers_label=label("speakers", lang),
        mark_from=len(prev["activity"]["daily"]), marks=(label("last_week", lang), label("this_week", lang)))
    out.sections.append(Section(word("daily_trend", lang), [Chart(trend, daily_table(cur["activity"]["daily"], lang))]))
    out.sections.append(heatmap_section(cur["activity"]["heatmap"], lang))
    out.sections += layers_now_sections(cur["members"], prev["members"], lang)

    people: list[Block] = []
    if d["key_people"]:
        people.append(influence_chart(d["key_people"], lang))
        people.append(influence_table(d["key_people"], lang))
    else:
        people.append(Note(label("none", lang), "muted"))
    people.append(names_block(label("core", lang), d["core"]))
    out.sections.append(Section(label("key_people", lang), people, wide=True))

    if d["engaging_messages"]:
        engaging: Block = table([(word("member", lang), "l", "name"), (label("distinct_repliers", lang), "r"),
                                 (word("message", lang), "l", "text")],
                                [(who(m), m["distinct_repliers"], one_line(m["text"])) for m in d["engaging_messages"]])
    else:
        engaging = Note(label("none", lang), "muted")
    out.sections.append(Section(label("engaging_messages", lang), [engaging], wide=True))
    out.sections.append(unanswered_section(d["unanswered"], lang))
    compliance = cur["compliance"]
    if any(c["messages"] for c in compliance["categories"]):
        out.sections += compliance_sections(compliance, lang, weekly=False)
    if cur["checkins"]["totals"]["checkins"]:
        out.sections.append(Section(label("checkins", lang), checkin_blocks(cur["checkins"], report, lang)))


def daily_table(daily: list[dict[str, Any]], lang: str) -> Table:
    return table([(word("date", lang), "l"), (label("messages", lang), "r"), (label("speakers", lang), "r"),
                  (label("joins", lang), "r"), (label("leaves", lang), "r")],
                 [(x["date"], x["messages"], x["speakers"], x["joins"], x["leaves"]) for x in daily])


def busiest_hours(h: dict[str, Any], lang: str, top: int = 3) -> str:
    """The busiest weekday-hours, e.g. ``周二 20时 (45)``."""
    days = weekday_names(lang)
    cells = sorted(((v, r, c) for r, row in enumerate(h["messages"]) for c, v in enumerate(row) if v),
                   key=lambda t: (-t[0], t[1], t[2]))[:top]
    if not cells:
        return word("no_messages", lang)
    hour = word("hour", lang)
    return "; ".join(f"{days[r]} {hour.format(h=c)} ({v})" for v, r, c in cells)


def heatmap_section(h: dict[str, Any], lang: str) -> Section:
    draw = functools.partial(charts.heatmap, h["messages"], weekday_names(lang), title=label("heatmap", lang),
                             unit=word("unit_messages", lang), hour_label=word("hour", lang))
    busiest = Note(f"{word('busiest', lang)}{colon(lang)}{busiest_hours(h, lang)}")
    return Section(label("heatmap", lang), [busiest, Chart(draw)])


def layer_names(lang: str) -> dict[str, str]:
    codes = ("joined", "new", "core", "returned", "active", "churned", "silent", "left")
    return {c: label(c, lang) for c in codes}


def transitions_blocks(transitions: list[dict[str, Any]], layers: list[str], week: str, lang: str) -> list[Block]:
    """The moves between layers into ``week``: a flow chart and a table of the members who moved."""
    moves = [m for m in transitions if m["week"] == week]
    if not moves:
        return []
    names = layer_names(lang)
    sources = [(c, names[c], charts.LAYER_COLORS[c]) for c in ("joined", *layers)]
    targets = [(c, names[c], charts.LAYER_COLORS[c]) for c in (*layers, "left")]
    draw = functools.partial(charts.flow, sources, targets, [(m["from"], m["to"], m["members"]) for m in moves],
                             title=f"{label('transitions', lang)} {week}", left_title=word("previous_week", lang),
                             right_title=week)
    moved = sorted((m for m in moves if m["from"] != m["to"]), key=lambda m: -m["members"])
    top = max((m["members"] for m in moved), default=0)
    moved_table = table([(word("layer", lang), "l"), ("", "l"), (label("members_count", lang), "r")],
                        [(names[m["from"]], f"→ {names[m['to']]}", bar_cell(m["members"], top)) for m in moved],
                        caption=word("moves", lang))
    return [Chart(draw), moved_table] if moved else [Chart(draw)]


def layers_now_sections(cur: dict[str, Any], prev: dict[str, Any], lang: str) -> list[Section]:
    """This week's layers beside last week's, and the moves between them."""
    layers = cur["layers"]
    t, p = cur["totals"], prev["totals"]
    top = max((t[c] for c in layers), default=0)
    rows = []
    for c in ("members", *layers, "joins", "leaves", "newly_active"):
        delta = t[c] - p[c]
        change = arrow_change("up" if delta > 0 else "down" if delta < 0 else "same", None, num(abs(delta)))
        rows.append((label("members_count" if c == "members" else c, lang),
                     bar_cell(t[c], top) if c in layers else Cell(num(t[c])), num(p[c]), change))
    layer_table = table([(word("layer", lang), "l"), (label("this_week", lang), "r"), (label("last_week", lang), "r"),
                         (label("change", lang), "r")], rows)
    out = [Section(label("members", lang), [layer_table])]
    week = cur["weekly"][-1]["week"] if cur["weekly"] else None
    moves = transitions_blocks(cur["transitions"], layers, week, lang) if week else []
    if moves:
        out.append(Section(label("transitions", lang), moves))
    return out


def influence_chart(rows: list[dict[str, Any]], lang: str) -> Chart:
    draw = functools.partial(charts.hbars, [(who(r), float(r["influence"]), num(r["influence"], 2)) for r in rows],
                             title=word("influence_chart", lang), color="#7c3aed")
    return Chart(draw)


def role_text(r: dict[str, Any], lang: str) -> str:
    tags = "·".join(tag_name(t, lang) for t in r["tags"])
    return role_name(r["role"], lang) + (f" {tags}" if tags else "")


def influence_table(rows: list[dict[str, Any]], lang: str) -> Table:
    return table([("#", "r"), (word("member", lang), "l", "name"), (label("role", lang), "l"),
                  (label("influence", lang), "r"), (label("reason", lang), "l", "text")],
                 [(r["rank"], who(r), role_text(r, lang), num(r["influence"], 2), r["reason"]) for r in rows])


def names_block(title: str, group: dict[str, Any]) -> Names:
    return Names(f"{title} ({group['count']})", [who(m) for m in group["members"]],
                 max(0, group["count"] - len(group["members"])))


def stage_strip(weeks: list[dict[str, Any]], lang: str) -> Chart:
    cells = [(w["week"], w["stage"], stage_label(w["stage"], lang) if w["stage"] else label("rule_no_data", lang),
              w["health"]["score"] if w["health"] else None) for w in weeks]
    seen = list(dict.fromkeys(w["stage"] for w in weeks if w["stage"]))
    legend = [(stage_label(s, lang), charts.STAGE_COLORS[s][0]) for s in seen if s in charts.STAGE_COLORS]
    draw = functools.partial(charts.stage_strip, cells, title=word("stage_timeline", lang), legend_items=legend)
    fallback = table([(label("week", lang), "l"), (label("stage", lang), "l"), (label("health", lang), "r")],
                     [(c[0], Cell(c[2], stage=c[1]), num(c[3])) for c in cells])
    return Chart(draw, fallback)


def checks_text(checks: list[dict[str, Any]], lang: str) -> str:
    return "; ".join(f"{label(c['metric'], lang)} {metric_value(c['metric'], c['value'])} {c['op']} "
                     f"{metric_value(c['metric'], c['threshold'])}" for c in checks)


def rule_note(lifecycle: dict[str, Any], lang: str) -> Note:
    """Why the last week got its stage: the rule and its comparisons."""
    weeks = [w for w in lifecycle["weekly"] if w["stage"]]
    if not weeks:
        return Note(label("rule_no_data", lang), "muted")
    last = weeks[-1]
    checks = checks_text(last["checks"], lang)
    return Note(f"{label('rule', lang)} ({last['week']}){colon(lang)}{label('rule_' + last['rule'], lang)}"
                + (f" — {checks}" if checks else ""))


def unanswered_section(u: dict[str, Any], lang: str) -> Section:
    title = f"{label('unanswered', lang)} ({u['count']})"
    if not u["count"]:
        return Section(title, [Note(label("none", lang), "good")])
    blocks: list[Block] = [messages_table(u["questions"], lang, word("question", lang))]
    if u["count"] > len(u["questions"]):
        blocks.append(Note(word("more", lang).format(n=u["count"] - len(u["questions"])), "muted"))
    return Section(title, blocks, wide=True)


def messages_table(messages: list[dict[str, Any]], lang: str, text_title: str) -> Table:
    return table([(word("time", lang), "l", "name"), (word("member", lang), "l", "name"), (text_title, "l", "text")],
                 [(short_time(m["ts"]), who(m), one_line(m["text"])) for m in messages])


def compliance_sections(d: dict[str, Any], lang: str, weekly: bool = True) -> list[Section]:
    """Flagged messages by category, week by week, who sent them, and the latest examples."""
    cats = d["categories"]
    top = max((c["messages"] for c in cats), default=0)
    out = [Section(label("compliance", lang), [table(
        [(word("category", lang), "l"), (label("messages", lang), "r"), (label("members_count", lang), "r"),
         (label("share", lang), "r")],
        [(label(c["category"], lang), bar_cell(c["messages"], top), c["members"], pct(c["share"], 1)) for c in cats])])]
    if weekly and len(d["weekly"]) > 1:
        series = [(label(c, lang), [w[c] for w in d["weekly"]], charts.CATEGORY_COLORS[c])
                  for c in (c["category"] for c in cats) if c in charts.CATEGORY_COLORS]
        draw = functools.partial(charts.stacked_columns, [w["week"][5:] for w in d["weekly"]], series,
                                 title=word("weekly_trend", lang))
        out.append(Section(word("weekly_trend", lang), [Chart(draw)]))
    t = d["totals"]
    out[0].blocks.append(Note(f"{label('heavy_days', lang)}{colon(lang)}{t['heavy_days']} "
                              f"({label('members_count', lang)} {t['heavy_day_members']})", "muted"))
    if d["offenders"]:
        codes = [c["category"] for c in cats]
        out.append(Section(label("offenders", lang), [table(
            [(word("member", lang), "l", "name"), *[(label(c, lang), "r") for c in codes], (label("total", lang), "r"),
             (label("staff", lang), "l")],
            [(who(o), *[o[c] for c in codes], o["total"], "✓" if o["staff"] else "") for o in d["offenders"]])]))
    examples = [table([(word("time", lang), "l", "name"), (word("member", lang), "l", "name"),
                       (word("message", lang), "l", "text")],
                      [(short_time(e["ts"]), who(e), one_line(e["text"])
                        + (f" (×{e['burst_messages']})" if e.get("burst_messages") else "")) for e in rows],
                      caption=label(category, lang)) for category, rows in d["examples"].items() if rows]
    if examples:
        out.append(Section(label("examples", lang), list(examples), wide=True))
    return out


def checkin_blocks(d: dict[str, Any], report: dict[str, Any], lang: str) -> list[Block]:
    t = d["totals"]
    blocks: list[Block] = [Facts([
        Fact(label("checkins_count", lang), num(t["checkins"])), Fact(label("participants", lang), num(t["participants"])),
        Fact(label("completion_rate", lang) + f" ({d['challenge_days']})", pct(t["completion_rate"])),
        Fact(label("completed", lang), num(t["completed"])), Fact(label("in_progress", lang), num(t["in_progress"])),
        Fact(label("dropped", lang), num(t["dropped"])), Fact(word("finished_rate", lang), pct(t["finished_rate"]))])]
    if d["members"]:
        blocks.append(checkin_members_table(d, report, lang))
    return blocks


def checkin_members_table(d: dict[str, Any], report: dict[str, Any], lang: str) -> Table:
    tone = {"completed": "good", "dropped": "bad"}
    return table([(word("member", lang), "l", "name"), (label("days", lang), "r"),
                  (label("current_streak", lang), "r"), (label("longest_streak", lang), "r"),
                  (label("status", lang), "l")],
                 [(who(m), m["days"], m["current_streak"], m["longest_streak"],
                   Cell(label(m["status"], lang), tone.get(m["status"]))) for m in d["members"]],
                 caption=f"{label('participants', lang)} ({len(d['members'])})",
                 fold=len(d["members"]) > report["settings"]["report"]["top"])


def activity_page(report: dict[str, Any], out: Page) -> None:
    lang, d = report["lang"], report["data"]
    t, c = d["totals"], d["concentration"]
    out.sections.append(Section(label("activity", lang), [Facts([
        Fact(label("messages", lang), num(t["messages"])), Fact(label("speakers", lang), num(t["speakers"])),
        Fact(label("members_count", lang), num(t["members"])),
        Fact(label("messages_per_day", lang), num(t["messages_per_day"])),
        Fact(label("participation_rate", lang), pct(t["participation_rate"], 1)), Fact(label("dau", lang), num(t["dau"])),
        Fact(label("wau", lang), num(t["wau"])), Fact(label("mau", lang), num(t["mau"])),
        Fact(label("joins", lang), num(t["joins"])), Fact(label("leaves", lang), num(t["leaves"])),
        Fact(label("top5_share", lang), pct(c["top5_share"])), Fact(label("gini", lang), num(c["gini"], 2))])],
        wide=True))
    daily = d["daily"]
    trend = functools.partial(charts.daily_trend, [x["date"] for x in daily], [x["messages"] for x in daily],
                              [x["speakers"] for x in daily], title=word("daily_trend", lang),
                              messages_label=label("messages", lang), speakers_label=label("speakers", lang))
    out.sections.append(Section(word("daily_trend", lang),
                                [Chart(trend, daily_table(daily, lang) if len(daily) <= 14 else None)]))
    out.sections.append(heatmap_section(d["heatmap"], lang))
    if len(d["weekly"]) > 1:
        top = max((w["messages"] for w in d["weekly"]), default=0)
        out.sections.append(Section(word("weekly_trend", lang), [table(
            [(label("week", lang), "l"), (label("messages", lang), "r"), (label("messages_per_day", lang), "r"),
             (label("speakers", lang), "r"), (label("participation_rate", lang), "r")],
            [(w["week"], bar_cell(w["messages"], top), num(w["messages_per_day"]), w["speakers"],
              pct(w["participation_rate"])) for w in d["weekly"]],
            caption=f"{label('week', lang)} ({len(d['weekly'])})", fold=len(d["weekly"]) > FOLD_ROWS)]))
    top = max((r["messages"] for r in d["top_talkers"]), default=0)
    out.sections.append(Section(label("top_talkers", lang), [table(
        [("#", "r"), (word("member", lang), "l", "name"), (label("messages", lang), "r"), (label("share", lang), "r"),
         (label("active_days", lang), "r")],
        [(i, who(r) + (f" · {label('staff', lang)}" if r["staff"] else ""), bar_cell(r["messages"], top),
          pct(r["share"]), r["active_days"]) for i, r in enumerate(d["top_talkers"], 1)])]))
    kinds_top = max((k["messages"] for k in d["kinds"]), default=0)
    out.sections.append(Section(label("kinds", lang), [table(
        [(word("kind", lang), "l"), (label("messages", lang), "r"), (label("share", lang), "r")],
        [(k["kind"], bar_cell(k["messages"], kinds_top), pct(k["share"], 1)) for k in d["kinds"]])]))


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
                                 title=word("layers_by_week", lang))
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
         for w in weekly], caption=f"{label('week', lang)} ({len(weekly)})", fold=len(weekly) > FOLD_ROWS)], wide=True))
    if d["retention"]:
        ks = [a["weeks"] for a in d["retention"][0]["after"]]
        out.sections.append(Section(label("retention", lang), [table(
            [(label("cohort", lang), "l"), (label("joins", lang), "r"), (label("newly_active", lang), "r"),
             *[(f"{k}w {label('spoke', lang)}", "r") for k in ks], *[(f"{k}w {label('stayed', lang)}", "r") for k in ks]],
            [(r["cohort"], r["joined"], pct(r["newly_active_share"]), *[pct(a["spoke"]) for a in r["after"]],
              *[pct(a["stayed"]) for a in r["after"]]) for r in d["retention"]],
            caption=f"{label('cohort', lang)} ({len(d['retention'])})", fold=len(d["retention"]) > FOLD_ROWS)], wide=True))
    people = d["people"]
    out.sections.append(Section(f"{word('people_now', lang)} · {people['week']}", [
        names_block(label(key, lang), people[key]) for key in ("core", "new", "returned", "newly_churned",
                                                               "churned_core")]))


def lifecycle_page(report: dict[str, Any], out: Page) -> None:
    lang, d = report["lang"], report["data"]
    out.stage, out.stage_text = d["stage"], stage_label(d["stage"], lang)
    facts = [Fact(label("stage", lang), stage_label(d["stage"], lang), stage=d["stage"]),
             Fact(label("week", lang), str(d["week"] or "—")),
             Fact(label("health", lang), f"{d['health']['score']}/100" if d["health"] else "—")]
    by_stage = " · ".join(f"{stage_label(s, lang)} {n}" for s, n in d["weeks_by_stage"].items())
    out.sections.append(Section(label("lifecycle", lang), [
        Facts(facts), rule_note(d, lang), Note(f"{word('weeks_by_stage', lang)}{colon(lang)}{by_stage or '—'}")]))
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
         (label("rule", lang), "l")], rows, caption=f"{label('week', lang)} ({len(rows)})", fold=len(rows) > FOLD_ROWS)],
        wide=True))
    if d["changes"]:
        out.sections.append(Section(word("stage_changes", lang), [table(
            [(label("week", lang), "l"), ("", "l"), ("", "l")],
            [(c["week"], Cell(stage_label(c["from"], lang), stage=c["from"]),
              Cell(stage_label(c["to"], lang), stage=c["to"])) for c in d["changes"]])]))


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
                                 title=word("weekly_trend", lang))
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
    out.sections.append(unanswered_section(d["unanswered"], lang))
    if d["questions"]:
        tone = {"answered": "good", "unanswered": "bad", "pending": "muted"}
        out.sections.append(Section(word("all_questions", lang), [table(
            [(word("time", lang), "l", "name"), (word("member", lang), "l", "name"), (word("question", lang), "l", "text"),
             (label("status", lang), "l"), (word("answer", lang), "l", "text"), (word("minutes", lang), "r")],
            [(short_time(q["ts"]), who(q), one_line(q["text"]), Cell(label(q["status"], lang), tone[q["status"]]),
              f"{who(q['answer'])}: {one_line(q['answer']['text'])}" if q["answer"] else "",
              num(q["answer"]["minutes"]) if q["answer"] else "") for q in d["questions"]],
            caption=f"{word('all_questions', lang)} ({len(d['questions'])})", fold=len(d["questions"]) > FOLD_ROWS)],
            wide=True))


def checkins_page(report: dict[str, Any], out: Page) -> None:
    lang, d = report["lang"], report["data"]
    blocks = checkin_blocks(d, report, lang)
    out.sections.append(Section(label("checkins", lang), blocks[:1], wide=True))
    if not d["totals"]["checkins"]:
        out.sections[-1].blocks.append(Note(word("no_checkins", lang), "muted"))
    elif d["daily"]:
        draw = functools.partial(charts.stacked_columns, [x["date"][5:] for x in d["daily"]],
                                 [(word("checkin_members", lang), [x["members"] for x in d["daily"]],
                                   charts.SPEAKERS_COLOR)], title=word("checkin_members", lang))
        out.sections.append(Section(word("checkin_members", lang), [Chart(draw)]))
    if d["members"]:
        out.sections.append(Section(label("participants", lang), blocks[1:]))


def compliance_page(report: dict[str, Any], out: Page) -> None:
    out.sections += compliance_sections(report["data"], report["lang"])


def groups_page(report: dict[str, Any], out: Page) -> None:
    lang, d = report["lang"], report["data"]
    t = d["totals"]
    facts = [Fact(label("groups_count", lang), num(t["groups"])), Fact(word("attention", lang), num(t["needing_attention"]))]
    facts += [Fact(stage_label(s, lang), num(n), stage=s) for s, n in t["by_stage"].items()]
    out.sections.append(Section(label("groups", lang), [Facts(facts)]))
    stages = [s for s in d["stages"] if t["by_stage"].get(s)]
    draw = functools.partial(charts.hbars, [(stage_label(s, lang), float(t["by_stage"][s]), str(t["by_stage"][s]))
                                            for s in stages], title=word("by_stage", lang),
                             colors=[charts.STAGE_COLORS[s][0] for s in stages], label_width=90)
    out.sections.append(Section(word("by_stage", lang), [Chart(draw)]))
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


KIND_PAGES: dict[str, Callable[[dict[str, Any], Page], None]] = {
    "weekly": weekly_page, "activity": activity_page, "members": members_page, "lifecycle": lifecycle_page,
    "kol": kol_page, "questions": questions_page, "checkins": checkins_page, "compliance": compliance_page,
    "groups": groups_page,
}


# --- Markdown ------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_MD_TAG = re.compile(r"<(?=[A-Za-z/!?])[^<>]*>?")  # what a Markdown renderer could take for raw HTML
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")
_MD_LINE_START = re.compile(r"[#>+=-]|\d+[.)]")
TONE_MARKS = {"good": "🟢 ", "bad": "🔴 "}
SEVERITY_MARKS = {"high": "🔴", "warning": "🟠", "info": "🔵"}


def md_escape(s: str, line_start: bool = False) -> str:
    """Text as Markdown that shows it literally, on one line: no table break, link, emphasis or
    raw HTML (``<script>`` becomes ``&lt;script&gt;``, which Markdown renderers show as text).
    ``line_start``: the text begins a line, so a leading ``#``, ``>``, ``-`` or ``1.`` is escaped
    too (it would make a heading, quote or list)."""
    s = _MD_ENTITY.sub("&amp;", " ".join(s.split()))
    s = _MD_TAG.sub(lambda m: m.group(0).replace("<", "&lt;").replace(">", "&gt;"), s)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    if line_start and _MD_LINE_START.match(s):
        s = "\\" + s if not s[0].isdigit() else re.sub(r"^(\d+)([.)])", r"\1\\\2", s)
    return s


def md_cell(c: Cell) -> str:
    return TONE_MARKS.get(c.tone or "", "") + md_escape(c.text) if c.text else ""


def md_table(t: Table) -> list[str]:
    out = [f"**{md_escape(t.caption)}**", ""] if t.caption else []
    out.append("| " + " | ".join(md_escape(c.title) or " " for c in t.columns) + " |")
    out.append("|" + "|".join("---:" if c.align == "r" else "---" for c in t.columns) + "|")
    out += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in t.rows]
    return out


def md_block(b: Block, lang: str) -> list[str]:
    if isinstance(b, Table):
        return md_table(b)
    if isinstance(b, Facts):
        sep = " · "
        return [sep.join(f"**{md_escape(f.label)}** {md_escape(f.value)}"
                         + (f" {md_cell(f.change)}" if f.change and f.change.text else "") for f in b.items)]
    if isinstance(b, Alerts):
        return [f"- {SEVERITY_MARKS.get(sev, '•')} **{md_escape(word_)}** {md_escape(message)}"
                for sev, word_, message in b.items]
    if isinstance(b, Names):
        sep = "、" if lang == "zh" else ", "
        more = f" …({md_escape(word('more', lang).format(n=b.more))})" if b.more else ""
        return [f"**{md_escape(b.title)}**: " + (sep.join(md_escape(n) for n in b.names) or "—") + more]
    if isinstance(b, Note):
        mark = TONE_MARKS.get(b.tone or "", "")
        return [mark + md_escape(b.text, line_start=not mark)]
    if isinstance(b, Chart):
        return md_table(b.fallback) if b.fallback else []
    raise TypeError(f"no Markdown for {type(b).__name__}")


def render_markdown(report: dict[str, Any]) -> str:
    """The report (its ``to_dict()``) as Markdown: a title, the period, then one ``##`` section
    per part with its tables; weekly changes carry ▲/▼ and 🟢/🔴 for better/worse."""
    p = page(report)
    title = p.title + (f" · {p.group}" if p.group else "") + f" · {p.period}"
    lines = [f"# {md_escape(title)}", ""]
    head = [md_escape(x, line_start=i == 0) for i, x in enumerate(p.lines)]
    if p.stage_text:
        head.insert(0, f"**{md_escape(heading(label('stage', p.lang), p.lang) + colon(p.lang) + p.stage_text)}**")
    head += [f"*{md_escape(b)}*" for b in p.badges]
    lines += [" · ".join(head), ""]
    for section in p.sections:
        lines += [f"## {md_escape(section.title)}", ""]
        for block in section.blocks:
            rendered = md_block(block, p.lang)
            if rendered:
                lines += [*rendered, ""]
    lines += ["---", f"*{md_escape(p.footer)}*", ""]
    return "\n".join(lines)
