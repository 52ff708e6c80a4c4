"""One page model for every report: sections of facts, tables, alerts, names, notes and charts.

``build_page(report)`` turns a report's JSON dict (``docs/report-json.md``) into a ``Page``;
what a kind shows is decided once, by the ``page`` function of its record (``report.kinds``).
The writers render that same page: ``terminal`` (rich, 80 columns), ``markdown`` and ``html``
(charts as inline SVG). Cells hold display strings; chat text is escaped by each writer, never
here. Nothing in this module imports rich or writes markup.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup

from ..config import parse_zone
from ..errors import UsageError
from .labels import label

# --- the blocks a section is made of ------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A table cell: its text, and how a writer may dress it.

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
    kind: str = "plain"  # plain, name (one line, gives way), text (chat text: wraps, or gives way in a terminal)


@dataclass
class Table:
    columns: list[Column]
    rows: list[list[Cell]]
    caption: str | None = None
    fold: bool = False  # long: the HTML view shows it collapsed, the terminal its first (or latest) rows
    latest_last: bool = False  # rows run oldest to newest: a shortened view keeps the latest


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
    """A chart: ``draw`` gives the SVG the HTML view shows; ``lines`` a drawing in plain
    characters for the terminal; ``fallback`` the table shown where neither is drawn."""

    draw: Callable[[], Markup]
    fallback: Table | None = None
    lines: list[str] | None = None


Block = Table | Facts | Alerts | Names | Note | Chart
FOLD_ROWS = 16  # longer tables are collapsed in the HTML view and shortened in the terminal


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


# --- words pages need beyond labels.py --------------------------------------------------------

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
    "no_messages_title": ("本周没有消息", "No messages this week"),
    "axis_day": ("日期", "day"), "axis_hour": ("时（当地时间）", "hour (local time)"),
    "axis_week": ("周", "week"), "axis_messages": ("消息数", "messages"),
    "axis_influence": ("影响力", "influence"), "axis_count": ("数量", "count"),
    "people": ("人", "people"), "from": ("从", "from"), "to": ("到", "to"),
    "health_volume": ("消息量(满分≥{target}/天)", "volume (full at {target}/day)"),
    "health_participation": ("发言率(满分≥{target})", "participation (full at {target})"),
    "health_clean": ("无广告(广告≥{target}为0)", "no ads (0 at {target} ads)"),
    "health_level": ("相对自身高峰", "vs its own peak"),
    "health_not": ("；不含回答率（见回答率）", "; answering is not part of it (see the answer rate)"),
    "rows_left_out": ("另有 {n} 行未显示（--format csv/json/html 显示全部）",
                      "{n} more rows not shown (--format csv/json/html shows them all)"),
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


def listing(names: Iterable[str], lang: str) -> str:
    """Names joined the way the language lists them."""
    return ("、" if lang == "zh" else ", ").join(names)


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
    """``MM-DD HH:MM`` of an ISO time (already in the report's zone)."""
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
          caption: str | None = None, fold: bool = False, latest_last: bool = False) -> Table:
    """A Table from (title, align[, kind]) columns and rows of Cells or plain values."""
    cols = [Column(*c) for c in columns]
    body = [[v if isinstance(v, Cell) else Cell("—" if v is None else str(v)) for v in row] for row in rows]
    return Table(cols, body, caption, fold, latest_last)


def cells(text: str) -> int:
    """The width of ``text`` in a terminal: CJK and full-width characters take two cells."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def bar_lines(items: Sequence[tuple[str, float]], width: int = 30) -> list[str]:
    """Labelled bars of characters, one a line: ``成长   7 ███████``."""
    top = max((v for _, v in items), default=0)
    pad = max((cells(name) for name, _ in items), default=0)
    return [f"{name}{' ' * (pad - cells(name))} {num(v):>5} " + ("█" * max(1, round(width * v / top)) if top and v else "")
            for name, v in items]


def weekday_names(lang: str) -> list[str]:
    return word("weekdays", lang).split()


def local_time(utc_text: str, tz: str | None) -> str:
    """A UTC ISO time shown in the report's zone, ``YYYY-MM-DD HH:MM (zone)``."""
    try:
        when = datetime.fromisoformat(utc_text)
        zone = parse_zone(tz) if tz else None
    except (ValueError, UsageError):
        return utc_text
    if zone is not None:
        when = when.astimezone(zone)
    return when.strftime("%Y-%m-%d %H:%M") + (f" ({tz})" if tz else "")


# --- the page -------------------------------------------------------------------------------------

def build_page(report: dict[str, Any]) -> Page:
    """The page for any registered report kind (its ``to_dict()``)."""
    from .kinds import get_kind

    lang = report["lang"]
    period = report["period"]
    kind = get_kind(report["kind"])
    lines: list[str] = []
    if period.get("first_day") and period["label"] != f"{period['first_day']}…{period['last_day']}":
        lines.append(f"{period['first_day']} … {period['last_day']}")
    lines.append(f"{word('timezone', lang)} {period['tz']}")
    badges = [word(key, lang) for key in ("pseudonymized", "redacted") if report["privacy"].get(key)]
    if report["privacy"].get("ids_shown"):
        badges.append(word("ids_shown", lang))
    group = report.get("group")
    generated = local_time(report["generated_at"], period.get("tz"))
    out = Page(title=kind.title(lang), group=str(group["name"]) if group else None,
               period=str(period["label"]), lines=lines, sections=[], lang=lang,
               footer=f"grouplens · {word('generated', lang)} {generated}", badges=badges)
    kind.page(report, out)
    for section in out.sections:
        section.title = heading(section.title, lang)
    return out
