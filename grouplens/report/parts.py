"""Page parts several report kinds share: the heatmap, layer moves, key people, the stage
strip, unanswered questions, compliance and check-in blocks.

Each takes parts of a report's JSON dict and gives page blocks or sections (``page``); the
kinds' ``page`` functions (``report.kinds``) put them together.
"""

from __future__ import annotations

import functools
from typing import Any

from ..roles.explain import role_name, tag_name
from . import charts
from .labels import label, stage_label
from .page import (
    Block,
    Cell,
    Chart,
    Fact,
    Facts,
    Names,
    Note,
    Section,
    Table,
    arrow_change,
    bar_cell,
    colon,
    metric_value,
    num,
    one_line,
    pct,
    short_time,
    table,
    weekday_names,
    who,
    word,
)


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
                             unit=word("unit_messages", lang), hour_label=word("hour", lang),
                             axis_label=word("axis_hour", lang))
    busiest = Note(f"{word('busiest', lang)}{colon(lang)}{busiest_hours(h, lang)}")
    return Section(label("heatmap", lang), [busiest, Chart(draw, lines=heat_lines(h["messages"], lang))])


SHADES = " ░▒▓█"
SPARKS = "▁▂▃▄▅▆▇█"


def heat_lines(matrix: list[list[int]], lang: str) -> list[str]:
    """The hour × weekday heatmap in characters: a ruler of hours, one row a weekday."""
    top = max((v for row in matrix for v in row), default=0)
    ruler = list(" " * 24)
    for hour in (0, 6, 12, 18):
        ruler[hour:hour + len(str(hour))] = str(hour)
    days = weekday_names(lang)
    out = [" " * 5 + "".join(ruler)]
    for name, row in zip(days, matrix):
        shades = "".join(SHADES[min(4, int(v / top * 4 + 0.999))] if top and v else "·" for v in row)
        out.append(f"{name:<4} " + shades if lang != "zh" else f"{name} " + shades)
    return out


def weekly_lines(weekly: list[dict[str, Any]], lang: str, width: int = 30) -> list[str]:
    """Messages per week as bars of characters, the latest 16 weeks."""
    top = max((x["messages"] for x in weekly), default=0)
    out = []
    for x in weekly[-16:]:
        n = x["messages"]
        bar = "█" * max(1, round(width * n / top)) if top and n else ""
        out.append(f"{x['week']}  {n:>6}  {bar}")
    return out


def daily_lines(daily: list[dict[str, Any]], lang: str, width: int = 30) -> list[str]:
    """Messages per day as bars of characters (the terminal's daily trend)."""
    top = max((x["messages"] for x in daily), default=0)
    out = []
    for x in daily:
        n = x["messages"]
        bar = "█" * max(1, round(width * n / top)) if top and n else ""
        out.append(f"{x['date'][5:]}  {n:>5}  {x['speakers']:>3} {word('people', lang)}  {bar}")
    return out


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
    names = distinct_names(rows)
    draw = functools.partial(charts.hbars, [(n, float(r["influence"]), num(r["influence"], 2))
                                            for n, r in zip(names, rows)],
                             title=word("influence_chart", lang), color="#7c3aed",
                             axis_label=word("axis_influence", lang))
    return Chart(draw)


def distinct_names(refs: list[dict[str, Any]]) -> list[str]:
    """Each member's name as ``who`` gives it; two members a list would show under the same name
    get their stable key beside it, so one list never seems to name a person twice."""
    names = [who(r) for r in refs]
    keys: dict[str, set[str]] = {}
    for name, r in zip(names, refs):
        keys.setdefault(name, set()).add(str(r.get("member")))
    return [f"{n} · {str(r.get('member'))[:4]}" if len(keys[n]) > 1 else n for n, r in zip(names, refs)]

def role_text(r: dict[str, Any], lang: str) -> str:
    tags = "·".join(tag_name(t, lang) for t in r["tags"])
    return role_name(r["role"], lang) + (f" {tags}" if tags else "")


def influence_table(rows: list[dict[str, Any]], lang: str) -> Table:
    return table([("#", "r"), (word("member", lang), "l", "name"), (label("role", lang), "l"),
                  (label("influence", lang), "r"), (label("reason", lang), "l", "text")],
                 [(r["rank"], name, role_text(r, lang), num(r["influence"], 2), r["reason"])
                  for name, r in zip(distinct_names(rows), rows)])

def names_block(title: str, group: dict[str, Any]) -> Names:
    return Names(f"{title} ({group['count']})", distinct_names(group["members"]),
                 max(0, group["count"] - len(group["members"])))

def stage_strip(weeks: list[dict[str, Any]], lang: str) -> Chart:
    """The stage of each week as coloured cells with the health score, oldest first. ``weeks``
    are lifecycle weeks (``health`` an object) or the weekly review's ``stage_history``
    (``health`` a number)."""
    def score(w: dict[str, Any]) -> int | None:
        h = w.get("health")
        return h["score"] if isinstance(h, dict) else h

    cells = [(w["week"], w["stage"], stage_label(w["stage"], lang) if w["stage"] else label("rule_no_data", lang),
              score(w)) for w in weeks]
    seen = list(dict.fromkeys(w["stage"] for w in weeks if w["stage"]))
    legend = [(stage_label(s, lang), charts.STAGE_COLORS[s][0]) for s in seen if s in charts.STAGE_COLORS]
    draw = functools.partial(charts.stage_strip, cells, title=word("stage_timeline", lang), legend_items=legend)
    fallback = table([(label("week", lang), "l"), (label("stage", lang), "l"), (label("health", lang), "r")],
                     [(c[0], Cell(c[2], stage=c[1]), num(c[3])) for c in cells])
    return Chart(draw, fallback)


def health_note(health: dict[str, Any] | None, lifecycle: dict[str, Any], lang: str) -> Note:
    """What the health score is made of: each part's weight and how much of it the week earned.
    The score does not weigh answering: the answer rate is beside it in the comparison."""
    if not health:
        return Note(f"{label('health', lang)}{colon(lang)}—", "muted")
    parts = ((35, health["volume"], "health_volume", lifecycle["healthy_messages_per_day"]),
             (35, health["participation"], "health_participation", lifecycle["healthy_speaker_share"]),
             (15, health["clean"], "health_clean", lifecycle["ad_share"]), (15, health["level"], "health_level", None))
    shown = " + ".join(f"{word(code, lang).format(target=num(target) if code == 'health_volume' else pct(target))}"
                       f" {weight * share:.0f}/{weight}" for weight, share, code, target in parts)
    return Note(f"{label('health', lang)} {health['score']} = {shown}{word('health_not', lang)}", "muted")


def week_ranges(weeks: list[str]) -> str:
    """ISO weeks as runs: ``2024-W10…2024-W12, 2024-W16``."""
    from datetime import date, timedelta
    mondays = [date.fromisocalendar(int(w[:4]), int(w[6:]), 1) for w in weeks]
    runs: list[list[str]] = []
    previous = None
    for w, m in zip(weeks, mondays):
        if previous is not None and m - previous == timedelta(weeks=1):
            runs[-1].append(w)
        else:
            runs.append([w])
        previous = m
    return ", ".join(r[0] if len(r) == 1 else f"{r[0]}…{r[-1]}" for r in runs)

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


def unanswered_section(u: dict[str, Any], lang: str, every: list[dict[str, Any]] | None = None) -> Section:
    """The latest unanswered questions, and every other one in a list that opens (``every``: all
    of them, latest first, when the report holds them)."""
    title = f"{label('unanswered', lang)} ({u['count']})"
    if not u["count"]:
        return Section(title, [Note(label("none", lang), "good")])
    blocks: list[Block] = [messages_table(u["questions"], lang, word("question", lang))]
    shown = {q["msg_id"] for q in u["questions"]}
    rest = [q for q in every or [] if q["msg_id"] not in shown]
    if rest:
        blocks.append(messages_table(rest, lang, word("question", lang),
                                     caption=word("more", lang).format(n=len(rest)), fold=True))
    elif u["count"] > len(u["questions"]):
        blocks.append(Note(word("more", lang).format(n=u["count"] - len(u["questions"])), "muted"))
    return Section(title, blocks, wide=True)

def messages_table(messages: list[dict[str, Any]], lang: str, text_title: str, caption: str | None = None,
                   fold: bool = False) -> Table:
    return table([(word("time", lang), "l"), (word("member", lang), "l", "name"), (text_title, "l", "text")],
                 [(short_time(m["ts"]), name, one_line(m["text"])) for name, m in zip(distinct_names(messages), messages)],
                 caption=caption, fold=fold)

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
                                 title=word("weekly_trend", lang), x_title=word("axis_week", lang),
                                 y_title=label("messages", lang))
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

