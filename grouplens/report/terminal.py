"""The terminal view of a report: rich tables, bars and a heatmap that fit 80 columns.

Reads only the report's JSON dict (``Report.to_dict()``). Every name and chat text is put into
rich ``Text`` objects, never parsed as markup, so ``[图片]`` and ``[强]`` print as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from .labels import label, stage_label

SPARKS = "▁▂▃▄▅▆▇█"
SHADES = " ░▒▓█"
BAR = "█"
STAGE_STYLES = {"new": "cyan", "growing": "green", "active": "bold green", "declining": "yellow",
                "ad-dominated": "red", "help-desk": "magenta", "dead": "bold red"}
SEVERITY_STYLES = {"high": "bold red", "warning": "yellow", "info": "cyan"}
NAME_WIDTH = 16
TEXT_WIDTH = 40


# --- small formatters --------------------------------------------------------------------------

def pct(x: float | None, digits: int = 0) -> str:
    return "—" if x is None else f"{x * 100:.{digits}f}%"


def num(x: Any, digits: int = 1) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:,.{digits}f}" if not x.is_integer() or digits == 0 else f"{x:,.0f}"
    return f"{x:,}" if isinstance(x, int) else str(x)


def bar(value: float | None, top: float, width: int = 20) -> str:
    if not value or not top:
        return ""
    return BAR * max(1, round(width * value / top))


def sparkline(values: list[float]) -> str:
    top = max(values) if values else 0
    if not top:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[min(len(SPARKS) - 1, int(v / top * (len(SPARKS) - 1) + 0.5))] for v in values)


def stage_text(stage: str | None, lang: str) -> Text:
    return Text(stage_label(stage, lang), style=STAGE_STYLES.get(stage or "", ""))


def cell(value: Any) -> Text:
    """A table cell that is never parsed as markup."""
    return value if isinstance(value, Text) else Text("—" if value is None else str(value))


def table(columns: Iterable[tuple[str, str]], rows: Iterable[Iterable[Any]], title: str | None = None,
          header: bool = True) -> Table:
    """A compact table; columns are (header, "l"/"r"/"name"/"text"). Short columns keep their
    width; names and texts are cut with an ellipsis when the terminal is narrow."""
    columns = list(columns)
    rows = [[cell(v) for v in row] for row in rows]
    for row in rows:  # names and texts stay on one line, cut with an ellipsis
        for i, (_, how) in enumerate(columns):
            if how in ("name", "text"):
                row[i].no_wrap, row[i].overflow = True, "ellipsis"
    t = Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, pad_edge=False,
              header_style="bold", show_edge=False, show_header=header)
    for head, how in columns:
        if how in ("name", "text"):  # the columns that give way when the terminal is narrow
            t.add_column(head, max_width=NAME_WIDTH if how == "name" else TEXT_WIDTH, min_width=4,
                         no_wrap=False, overflow="ellipsis")
        else:
            t.add_column(head, justify="right" if how == "r" else "left", no_wrap=True)
    for row in rows:
        t.add_row(*row)
    return t


def facts(pairs: Iterable[tuple[str, Any]], columns: int = 3) -> Table:
    """Label: value pairs laid out in a grid."""
    grid = Table.grid(padding=(0, 2))
    pairs = list(pairs)
    for _ in range(columns):
        grid.add_column(style="dim")
        grid.add_column(justify="right")
    for i in range(0, len(pairs), columns):
        chunk = pairs[i:i + columns] + [("", "")] * (columns - len(pairs[i:i + columns]))
        grid.add_row(*[cell(x) for pair in chunk for x in pair])
    return grid


def one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def name_of(ref: dict[str, Any]) -> str:
    return str(ref.get("name") or ref.get("member") or "?")


def short_time(ts: str | None) -> str:
    return "—" if not ts else ts[5:16].replace("T", " ")


# --- the report ---------------------------------------------------------------------------------

def render_terminal(report: dict[str, Any], console: Console) -> None:
    """Print a report (its ``to_dict()``) to ``console``."""
    lang = report["lang"]
    console.print(header(report))
    for part in KIND_VIEWS[report["kind"]](report["data"], lang, report):
        console.print(part)
        console.print()


def header(report: dict[str, Any]) -> RenderableType:
    lang = report["lang"]
    title = Text(label(report["kind"], lang), style="bold")
    if report["group"]:
        title.append(" · ").append(str(report["group"]["name"]))
    period = report["period"]
    title.append(" · ").append(str(period.get("label")), style="cyan")
    if period.get("first_day") and period.get("label") != f"{period['first_day']}…{period['last_day']}":
        title.append(f" ({period['first_day']}…{period['last_day']})", style="dim")
    p = report["privacy"]
    notes = [n for n, on in ((("已匿名" if lang == "zh" else "pseudonymized"), p["pseudonymized"]),
                             (("已脱敏" if lang == "zh" else "redacted"), p["redacted"])) if on]
    if notes:
        title.append("  [" + ", ".join(notes) + "]", style="dim")
    return Group(title, Text("─" * min(78, max(20, title.cell_len)), style="dim"))


# --- one view per kind ----------------------------------------------------------------------------

def activity_view(d: dict[str, Any], lang: str, report: dict[str, Any]) -> list[RenderableType]:
    t = d["totals"]
    out: list[RenderableType] = [facts([
        (label("messages", lang), num(t["messages"])), (label("speakers", lang), num(t["speakers"])),
        (label("members_count", lang), num(t["members"])),
        (label("messages_per_day", lang), num(t["messages_per_day"])),
        (label("participation_rate", lang), pct(t["participation_rate"], 1)), (label("dau", lang), num(t["dau"])),
        (label("wau", lang), num(t["wau"])), (label("mau", lang), num(t["mau"])),
        (label("joins", lang) + "/" + label("leaves", lang), f"{t['joins']}/{t['leaves']}"),
        (label("top5_share", lang), pct(d["concentration"]["top5_share"])),
        (label("gini", lang), num(d["concentration"]["gini"], 2))])]
    out.append(series_view(d, lang))
    out.append(heatmap_view(d["heatmap"], lang))
    top = max([r["messages"] for r in d["top_talkers"]] or [0])
    out.append(table([("#", "r"), (label("top_talkers", lang), "name"), (label("messages", lang), "r"),
                      (label("share", lang), "r"), ("", "l")],
                     [(i, name_of(r), r["messages"], pct(r["share"]), Text(bar(r["messages"], top, 22), "green"))
                      for i, r in enumerate(d["top_talkers"], 1)]))
    kinds = d["kinds"][:6]
    out.append(Text(label("kinds", lang) + ": ", style="bold").append(
        "  ".join(f"{k['kind']} {pct(k['share'])}" for k in kinds)))
    return out


def series_view(d: dict[str, Any], lang: str) -> RenderableType:
    """Daily messages as bars when the period is short, else weekly."""
    if len(d["daily"]) <= 14:
        top = max([x["messages"] for x in d["daily"]] or [0])
        return table([("", "l"), (label("messages", lang), "r"), (label("speakers", lang), "r"), ("", "l")],
                     [(x["date"][5:], x["messages"], x["speakers"], Text(bar(x["messages"], top, 40), "cyan"))
                      for x in d["daily"]])
    top = max([x["messages"] for x in d["weekly"]] or [0])
    rows = [(x["week"], x["messages"], num(x["messages_per_day"]), pct(x["participation_rate"]),
             Text(bar(x["messages"], top, 30), "cyan")) for x in d["weekly"][-16:]]
    spark = Text(label("messages", lang) + " " + sparkline([x["messages"] for x in d["daily"]][-70:]), "cyan")
    return Group(table([(label("week", lang), "l"), (label("messages", lang), "r"),
                        (label("messages_per_day", lang), "r"), (label("participation_rate", lang), "r"), ("", "l")],
                       rows), spark)


def heatmap_view(h: dict[str, Any], lang: str) -> RenderableType:
    grid = h["messages"]
    top = max(max(r) for r in grid) if grid else 0
    days = ["一", "二", "三", "四", "五", "六", "日"] if lang == "zh" else [w[:2] for w in h["weekdays"]]
    ruler = list(" " * 24)
    for hour in (0, 6, 12, 18):
        ruler[hour:hour + len(str(hour))] = str(hour)
    lines = [Text(label("heatmap", lang), style="bold"), Text(" " * 4 + "".join(ruler), style="dim")]
    for name, row in zip(days, grid):
        shades = "".join(SHADES[min(4, int(v / top * 4 + 0.999))] if top and v else "·" for v in row)
        prefix = Text(name)
        prefix.append(" " * (4 - prefix.cell_len))
        lines.append(prefix.append(shades, style="magenta"))
    return Group(*lines)


def members_view(d: dict[str, Any], lang: str, report: dict[str, Any]) -> list[RenderableType]:
    t = d["totals"]
    top = max([t[name] for name in d["layers"]] or [0])
    layers = table([("", "l"), ("", "r"), ("", "l")],
                   [(label(name, lang), t[name], Text(bar(t[name], top, 40), "green")) for name in d["layers"]],
                   title=f"{label('members_count', lang)} {t['members']}  ·  {label('joins', lang)} {t['joins']}  ·  "
                         f"{label('leaves', lang)} {t['leaves']}  ·  {label('newly_active', lang)} {t['newly_active']}",
                   header=False)
    out: list[RenderableType] = [layers]
    if len(d["weekly"]) > 1:
        out.append(table([(label("week", lang), "l"), *[(label(n, lang), "r") for n in d["layers"]],
                          ("+", "r"), ("-", "r")],
                         [(w["week"][2:], *[w[n] for n in d["layers"]], w["joins"], w["leaves"])
                          for w in d["weekly"][-12:]]))
    last = d["weekly"][-1]["week"]
    moves = [m for m in d["transitions"] if m["week"] == last and m["from"] != m["to"]]
    if moves:
        moves.sort(key=lambda m: -m["members"])
        out.append(Text(label("transitions", lang) + f" ({last}): ", style="bold").append(
            "  ".join(f"{label(m['from'], lang)}→{label(m['to'], lang)} {m['members']}" for m in moves[:10])))
    if d["retention"]:
        ks = [a["weeks"] for a in d["retention"][0]["after"]]
        out.append(table([(label("cohort", lang), "l"), (label("joins", lang), "r"), (label("newly_active", lang), "r"),
                          *[(f"{k}w {label('spoke', lang)}", "r") for k in ks],
                          *[(f"{k}w {label('stayed', lang)}", "r") for k in ks]],
                         [(r["cohort"][2:], r["joined"], pct(r["newly_active_share"]),
                           *[pct(a["spoke"]) for a in r["after"]], *[pct(a["stayed"]) for a in r["after"]])
                          for r in d["retention"][-8:]], title=label("retention", lang)))
    people = d["people"]
    for key in ("core", "churned_core", "returned", "new"):
        group = people[key]
        if group["count"]:
            names = "、".join(name_of(m) for m in group["members"]) if lang == "zh" else \
                ", ".join(name_of(m) for m in group["members"])
            more = f" …(+{group['count'] - len(group['members'])})" if group["count"] > len(group["members"]) else ""
            out.append(Text(f"{label(key, lang)} ({group['count']}): ", style="bold").append(names + more))
    return out


def lifecycle_view(d: dict[str, Any], lang: str, report: dict[str, Any]) -> list[RenderableType]:
    head = Text(label("stage", lang) + ": ", style="bold").append_text(stage_text(d["stage"], lang))
    if d["health"]:
        head.append(f"   {label('health', lang)} {d['health']['score']}/100")
    out: list[RenderableType] = [head]
    weeks = [w for w in d["weekly"] if w["stage"]]
    out.append(table([(label("week", lang), "l"), (label("stage", lang), "l"), (label("messages_per_day", lang), "r"),
                      (label("speaker_share", lang), "r"), (label("ad_share", lang), "r"),
                      (label("level_ratio", lang), "r"), (label("health", lang), "r")],
                     [(w["week"][2:], stage_text(w["stage"], lang), num(w["metrics"]["messages_per_day"]),
                       pct(w["metrics"]["speaker_share"]), pct(w["metrics"]["ad_share"]),
                       pct(w["metrics"]["level_ratio"]), w["health"]["score"] if w["health"] else "—")
                      for w in weeks[-16:]]))
    if weeks:
        last = weeks[-1]
        checks = "; ".join(f"{label(c['metric'], lang)} {_fmt_metric(c['metric'], c['value'])} {c['op']} "
                           f"{_fmt_metric(c['metric'], c['threshold'])}" for c in last["checks"])
        out.append(Text(f"{label('rule', lang)} ({last['week']}): ", style="bold").append(
            label("rule_" + last["rule"], lang) + (f" — {checks}" if checks else "")))
    if d["changes"]:
        out.append(Text("  ".join(f"{c['week'][2:]} {stage_label(c['from'], lang)}→{stage_label(c['to'], lang)}"
                                  for c in d["changes"][-8:]), style="dim"))
    return out


def _fmt_metric(metric: str, value: Any) -> str:
    if value is None:
        return "—"
    if metric.endswith(("share", "ratio", "rest", "rate")):
        return pct(value, 1)
    return num(value)


def questions_view(d: dict[str, Any], lang: str, report: dict[str, Any]) -> list[RenderableType]:
    t = d["totals"]
    out: list[RenderableType] = [facts([
        (label("questions_count", lang), num(t["questions"])), (label("answered", lang), num(t["answered"])),
        (label("unanswered", lang), num(t["unanswered"])), (label("answered_share", lang), pct(t["answered_share"])),
        (label("within_target_share", lang), pct(t["within_target_share"])),
        (label("median_minutes", lang), num(t["median_minutes"])),
        (label("staff_answered", lang), num(t["staff_answered"])), (label("pending", lang), num(t["pending"]))], 2)]
    if d["answerers"]:
        out.append(table([(label("answerers", lang), "name"), (label("answers", lang), "r"),
                          (label("within_target", lang), "r"), (label("median_minutes", lang), "r"),
                          (label("staff", lang), "l")],
                         [(name_of(r), r["answers"], r["within_target"], num(r["median_minutes"]),
                           "✓" if r["staff"] else "") for r in d["answerers"]]))
    out.append(unanswered_view(d["unanswered"], lang))
    return out


def unanswered_view(u: dict[str, Any], lang: str) -> RenderableType:
    if not u["count"]:
        return Text(f"{label('unanswered', lang)}: {label('none', lang)}", style="green")
    return table([("", "l"), ("", "name"), (f"{label('unanswered', lang)} ({u['count']})", "text")],
                 [(short_time(q["ts"]), name_of(q), one_line(q["text"])) for q in u["questions"]])


def checkins_view(d: dict[str, Any], lang: str, report: dict[str, Any]) -> list[RenderableType]:
    t = d["totals"]
    out: list[RenderableType] = [facts([
        (label("checkins_count", lang), num(t["checkins"])), (label("participants", lang), num(t["participants"])),
        (label("completion_rate", lang) + f" ({d['challenge_days']})", pct(t["completion_rate"])),
        (label("completed", lang), num(t["completed"])), (label("in_progress", lang), num(t["in_progress"])),
        (label("dropped", lang), num(t["dropped"]))])]
    if d["daily"]:
        out.append(Text(label("checkins_count", lang) + " " + sparkline([x["members"] for x in d["daily"]][-70:]),
                        style="cyan"))
    if d["members"]:
        out.append(table([("", "name"), (label("days", lang), "r"), (label("current_streak", lang), "r"),
                          (label("longest_streak", lang), "r"), (label("status", lang), "l")],
                         [(name_of(m), m["days"], m["current_streak"], m["longest_streak"], label(m["status"], lang))
                          for m in d["members"][:report["settings"]["report"]["top"]]]))
    return out


def compliance_view(d: dict[str, Any], lang: str, report: dict[str, Any]) -> list[RenderableType]:
    cats = d["categories"]
    out: list[RenderableType] = [table(
        [("", "l"), (label("messages", lang), "r"), (label("members_count", lang), "r"), (label("share", lang), "r")],
        [(label(c["category"], lang), c["messages"], c["members"], pct(c["share"], 1)) for c in cats])]
    t = d["totals"]
    out.append(Text(f"{label('heavy_days', lang)}: {t['heavy_days']} ({t['heavy_day_members']})", style="dim"))
    if d["offenders"]:
        cols = [c["category"] for c in cats]
        out.append(table([(label("offenders", lang), "name"), *[(label(c, lang), "r") for c in cols],
                          (label("staff", lang), "l")],
                         [(name_of(o), *[o[c] for c in cols], "✓" if o["staff"] else "") for o in d["offenders"]]))
    for category, examples in d["examples"].items():
        if examples:
            out.append(table([("", "l"), ("", "name"), (f"{label(category, lang)}: {label('examples', lang)}", "text")],
                             [(short_time(e["ts"]), name_of(e), one_line(e["text"])) for e in examples]))
    return out


def kol_view(d: dict[str, Any], lang: str, report: dict[str, Any]) -> list[RenderableType]:
    from ..roles.explain import role_name

    out: list[RenderableType] = [influence_table(d["influence"], lang, role_name, label("influence", lang))]
    out.append(table([("#", "r"), ("", "name"), (label("messages", lang), "r"), (label("active_days", lang), "r")],
                     [(r["rank"], name_of(r), r["messages"], r["active_days"]) for r in d["activity_ranking"]],
                     title=label("activity_ranking", lang)))
    out.append(table([("#", "r"), ("", "name"), (label("score", lang), "r"), (label("content_posts", lang), "r"),
                      (label("answers", lang), "r"), (label("replies_drawn", lang), "r")],
                     [(r["rank"], name_of(r), r["score"], r["content_posts"], r["answers"], r["replies_drawn"])
                      for r in d["contribution_ranking"]], title=label("contribution_ranking", lang)))
    return out


def influence_table(rows: list[dict[str, Any]], lang: str, role_name: Callable[[str, str], str],
                    title: str | None = None) -> Table:
    from ..roles.explain import tag_name

    def role_cell(r: dict[str, Any]) -> str:
        tags = "·".join(tag_name(t, lang) for t in r["tags"])
        return role_name(r["role"], lang) + (f" {tags}" if tags else "")

    return table([("#", "r"), ("", "name"), (label("role", lang), "l"), (label("influence", lang), "r"),
                  (label("reason", lang), "text")],
                 [(r["rank"], name_of(r), role_cell(r), num(r["influence"], 2), r["reason"]) for r in rows], title=title)


def weekly_view(d: dict[str, Any], lang: str, report: dict[str, Any]) -> list[RenderableType]:
    from ..roles.explain import role_name

    head = Text(label("stage", lang) + ": ", style="bold").append_text(stage_text(d["stage"], lang))
    head.append(f"  ({label('last_week', lang)}: ").append_text(stage_text(d["previous_stage"], lang)).append(")")
    health = d["current"]["lifecycle"]["health"]
    if health:
        head.append(f"   {label('health', lang)} {health['score']}/100")
    out: list[RenderableType] = [head, alerts_view(d["alerts"], lang)]
    out.append(table([(label("metric", lang), "l"), (label("this_week", lang), "r"), (label("last_week", lang), "r"),
                      (label("change", lang), "r")],
                     [(label(r["metric"] if r["metric"] not in ("members", "questions", "checkins") else
                             r["metric"] + "_count", lang), _fmt_metric(r["metric"], r["current"]),
                       _fmt_metric(r["metric"], r["previous"]), change_text(r)) for r in d["comparison"]],
                     title=label("comparison", lang) + f" ({d['week']} / {d['previous_week']})"))
    if d["key_people"]:
        out.append(influence_table(d["key_people"], lang, role_name, label("key_people", lang)))
    core = d["core"]
    if core["count"]:
        sep = "、" if lang == "zh" else ", "
        out.append(Text(f"{label('core', lang)} ({core['count']}): ", style="bold").append(
            sep.join(name_of(m) for m in core["members"])))
    if d["engaging_messages"]:
        out.append(table([("", "name"), (label("distinct_repliers", lang), "r"),
                          (label("engaging_messages", lang), "text")],
                         [(name_of(m), m["distinct_repliers"], one_line(m["text"])) for m in d["engaging_messages"]]))
    out.append(unanswered_view(d["unanswered"], lang))
    return out


def change_text(row: dict[str, Any]) -> Text:
    if row["direction"] is None:
        return Text("")
    arrow = {"up": "↑", "down": "↓", "same": "→"}[row["direction"]]
    style = {"better": "green", "worse": "red"}.get(row["verdict"] or "", "dim")
    amount = pct(abs(row["change"])) if row["change"] is not None else _fmt_metric(row["metric"], abs(row["delta"]))
    return Text(f"{arrow} {amount}" if row["direction"] != "same" else arrow, style=style)


def alerts_view(alerts: list[dict[str, Any]], lang: str) -> RenderableType:
    if not alerts:
        return Text(label("no_alerts", lang), style="green")
    lines = [Text(label("alerts", lang), style="bold")]
    for a in alerts:
        lines.append(Text("● ", style=SEVERITY_STYLES.get(a["severity"], "")).append(a["message"]))
    return Group(*lines)


def groups_view(d: dict[str, Any], lang: str, report: dict[str, Any]) -> list[RenderableType]:
    t = d["totals"]
    summary = Text(f"{label('groups_count', lang)} {t['groups']}  ").append(
        "  ".join(f"{stage_label(s, lang)} {n}" for s, n in t["by_stage"].items()))
    rows = []
    for g in d["groups"]:
        trend = Text("")
        if g["change"] is not None:
            trend = Text(("↑ " if g["change"] > 0 else "↓ " if g["change"] < 0 else "→ ") + pct(abs(g["change"])),
                         style="green" if g["change"] > 0 else "red" if g["change"] < 0 else "dim")
        rows.append((g["rank"], str(g["name"]), stage_text(g["stage"], lang), g["health"] if g["health"] is not None else "—",
                     num(g["messages_per_day"]), trend, pct(g["speaker_share"]), (g["week"] or "")[2:]))
    return [summary, table([("#", "r"), (label("group", lang), "text"), (label("stage", lang), "l"),
                            (label("health", lang), "r"), (label("messages_per_day", lang), "r"),
                            (label("trend", lang), "r"), (label("speaker_share", lang), "r"),
                            (label("week", lang), "l")], rows)]


KIND_VIEWS: dict[str, Callable[[dict[str, Any], str, dict[str, Any]], list[RenderableType]]] = {
    "weekly": weekly_view, "activity": activity_view, "members": members_view, "lifecycle": lifecycle_view,
    "questions": questions_view, "checkins": checkins_view, "compliance": compliance_view, "kol": kol_view,
    "groups": groups_view,
}
