"""Inline SVG charts for the HTML report, drawn in Python: no script, no font, no network.

Every function returns ``markupsafe.Markup`` holding one ``<svg>`` element sized by its
``viewBox``, so CSS can scale it to any screen or page. Elements are built only through
``element()``, which escapes every attribute and every text (names and labels come from chat
data): a chart can show ``<script>`` as a name, never run it. Each bar or cell carries a
``<title>`` so hovering (or a long press) shows the exact figure without any script.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

# Every chart's viewBox width. CSS scales the chart to its column: at most about 1.15x on a
# desktop (the page caps charts at 480 px) and about 0.83x on a 390 px phone, so 14-15 unit text
# stays 11.5-17 px on both (readable on a phone: at least 11 px).
WIDTH = 420
FONT = 15
SMALL = 14
INK = "#1f2937"
MUTED = "#6b7280"
GRID = "#e5e7eb"
MESSAGES_COLOR = "#2563eb"
SPEAKERS_COLOR = "#0d9488"
EMPTY_CELL = "#f3f4f6"

# lifecycle stages: fill, and the text colour that reads on it
STAGE_COLORS: dict[str, tuple[str, str]] = {
    "new": ("#7dd3fc", INK), "growing": ("#4ade80", INK), "active": ("#15803d", "#ffffff"),
    "declining": ("#f59e0b", INK), "ad-dominated": ("#dc2626", "#ffffff"), "help-desk": ("#a855f7", "#ffffff"),
    "dead": ("#4b5563", "#ffffff"),
}
NO_STAGE = ("#e5e7eb", MUTED)
LAYER_COLORS: dict[str, str] = {
    "joined": "#0ea5e9", "new": "#7dd3fc", "core": "#7c3aed", "returned": "#14b8a6", "active": "#22c55e",
    "churned": "#f97316", "silent": "#cbd5e1", "left": "#9ca3af",
}
CATEGORY_COLORS: dict[str, str] = {"ad": "#dc2626", "flooding": "#f59e0b", "risky_claim": "#be185d",
                                   "personal_attack": "#7c2d12"}


# --- building blocks -----------------------------------------------------------------------------

def _value(v: Any) -> str:
    """An attribute value: floats to 0.1 unit (enough for a screen, short in the file)."""
    if isinstance(v, float):
        return f"{v:.1f}".removesuffix(".0")
    return str(v)


def element(name: str, content: str | Markup | None = None, /, **attrs: Any) -> Markup:
    """One SVG element. ``content`` that is a plain str is escaped; Markup (child elements) is
    kept. Attribute names use ``_`` for ``-`` (``text_anchor``) and a trailing ``_`` for Python
    keywords (``class_``); ``None`` values are left out."""
    attr_text = Markup("").join(
        Markup(' {}="{}"').format(Markup(k.rstrip("_").replace("_", "-")), _value(v))
        for k, v in attrs.items() if v is not None)
    if content is None:
        return Markup("<{}{}/>").format(Markup(name), attr_text)
    return Markup("<{0}{1}>{2}</{0}>").format(Markup(name), attr_text, content)


def join(parts: Sequence[Markup]) -> Markup:
    return Markup("").join(parts)


def svg(width: float, height: float, title: str, body: Sequence[Markup]) -> Markup:
    """The outer ``<svg>``: scales with its container, named for screen readers."""
    # no xmlns: inline SVG in HTML is in the SVG namespace by the parser's rules, and the page
    # then holds no URL at all besides what members typed
    return element("svg", join([element("title", title), *body]),
                   viewBox=f"0 0 {_value(float(width))} {_value(float(height))}", class_="chart", role="img",
                   aria_label=title, font_size=FONT)


def text(x: float, y: float, content: str, *, anchor: str = "start", size: int = FONT, fill: str = INK,
         weight: str | None = None) -> Markup:
    return element("text", content, x=float(x), y=float(y), text_anchor=anchor, font_size=size, fill=fill,
                   font_weight=weight)


def char_width(ch: str, size: float) -> float:
    """Rough advance of one character: CJK and full-width forms take a full em."""
    return size if ord(ch) >= 0x2E80 else size * 0.58


def text_width(s: str, size: float = FONT) -> float:
    return sum(char_width(ch, size) for ch in s)


def fit(s: str, width: float, size: float = FONT) -> str:
    """``s`` cut with an ellipsis to fit ``width`` (cut before escaping, so no entity is split)."""
    if text_width(s, size) <= width:
        return s
    out, used = "", char_width("…", size)
    for ch in s:
        used += char_width(ch, size)
        if used > width:
            break
        out += ch
    return out + "…"


def nice_ceiling(top: float) -> float:
    """An axis maximum for counts: the smallest 1, 2, 4, 6 or 8 × 10^k at or above ``top`` and
    at least 2, so the half-way gridline is a whole number too."""
    top = max(top, 2)
    base = 10 ** math.floor(math.log10(top))
    return next(step * base for step in (1, 2, 4, 6, 8, 10) if step * base >= top - 1e-9)


def short_number(v: float) -> str:
    if v >= 10_000:
        return f"{v / 1000:.0f}k"
    if v >= 1000:
        return f"{v / 1000:.1f}k".replace(".0k", "k")
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


def legend(items: Sequence[tuple[str, str]], x: float, y: float, width: float) -> tuple[Markup, float]:
    """Colour keys in rows that wrap within ``width``; gives the markup and the height used."""
    parts: list[Markup] = []
    cx, cy = x, y
    for name, color in items:
        w = 16 + text_width(name, SMALL) + 14
        if cx > x and cx + w > x + width:
            cx, cy = x, cy + 18
        parts.append(element("rect", x=cx, y=cy - 9, width=10, height=10, rx=2, fill=color))
        parts.append(text(cx + 14, cy, name, size=SMALL, fill=MUTED))
        cx += w
    return join(parts), (cy - y) + 18 if items else 0


def _y_axis(x0: float, x1: float, y_top: float, y_bottom: float, ceiling: float) -> list[Markup]:
    """Gridlines at 0, half and the top, labelled on the left."""
    out = []
    for frac in (0.0, 0.5, 1.0):
        y = y_bottom - frac * (y_bottom - y_top)
        out.append(element("line", x1=x0, y1=y, x2=x1, y2=y, stroke=GRID, stroke_width=1))
        out.append(text(x0 - 6, y + 4, short_number(ceiling * frac), anchor="end", size=SMALL, fill=MUTED))
    return out


def _x_labels(labels: Sequence[str], x_of: Any, y: float, most: int = 6) -> list[Markup]:
    """Every k-th label under the axis so they never overlap, ending on the last one."""
    n = len(labels)
    step = max(1, math.ceil(n / most))
    shown = list(range(n - 1, -1, -step))  # counted back from the last: the latest day is always named
    return [text(x_of(i), y, labels[i], anchor="middle", size=SMALL, fill=MUTED) for i in sorted(shown)]


# --- the charts -----------------------------------------------------------------------------------

def daily_trend(days: Sequence[str], messages: Sequence[int], speakers: Sequence[int], *, title: str,
                messages_label: str, speakers_label: str, mark_from: int | None = None,
                marks: tuple[str, str] | None = None, axis_label: str | None = None) -> Markup:
    """Messages (bars) and distinct speakers (bars below, own scale) per day.

    Two panels on one time axis rather than two y-axes on one panel, so neither series is read
    against the other's scale. ``mark_from`` is the index where the current period starts:
    earlier days are drawn paler, and ``marks`` names the two sides (e.g. last week, this week).
    """
    n = max(1, len(days))
    left, right = 44, 8
    plot_w = WIDTH - left - right
    slot = plot_w / n
    bar_w = max(1.0, slot * 0.72)
    body: list[Markup] = []
    key, key_h = legend([(messages_label, MESSAGES_COLOR), (speakers_label, SPEAKERS_COLOR)], left, 14, plot_w)
    body.append(key)
    top1 = 14 + key_h + (16 if marks else 0) + 14  # room for the panel's axis title
    h1, gap, h2 = 130.0, 40.0, 70.0
    y1 = top1 + h1
    top2 = y1 + gap
    y2 = top2 + h2

    def x_of(i: int) -> float:
        return left + slot * i + slot / 2

    for values, color, top, bottom, name in ((messages, MESSAGES_COLOR, top1, y1, messages_label),
                                              (speakers, SPEAKERS_COLOR, top2, y2, speakers_label)):
        ceiling = nice_ceiling(max(values, default=0))
        body.append(text(4, top - 10, name, size=SMALL, fill=MUTED))  # the y axis's title
        body.extend(_y_axis(left, WIDTH - right, top, bottom, ceiling))
        for i, v in enumerate(values):
            h = (bottom - top) * v / ceiling
            earlier = mark_from is not None and i < mark_from
            body.append(element("rect", element("title", f"{days[i]} · {name} {v}"), x=x_of(i) - bar_w / 2,
                                y=bottom - h, width=bar_w, height=max(h, 0.0), fill=color,
                                fill_opacity=0.4 if earlier else None))
    if mark_from is not None and 0 < mark_from < n:
        xm = left + slot * mark_from
        body.append(element("line", x1=xm, y1=top1 - 26, x2=xm, y2=y2, stroke=MUTED, stroke_dasharray="3 3"))
        if marks:
            body.append(text(xm - 6, top1 - 16, marks[0], anchor="end", size=SMALL, fill=MUTED))
            body.append(text(xm + 6, top1 - 16, marks[1], anchor="start", size=SMALL, fill=INK, weight="bold"))
    body.extend(_x_labels([d[5:] if len(d) == 10 else d for d in days], x_of, y2 + 18))
    bottom = y2 + 26
    if axis_label:
        body.append(text(WIDTH - right, bottom + 14, axis_label, anchor="end", size=SMALL, fill=MUTED))
        bottom += 18
    return svg(WIDTH, bottom, title, body)


def heat_fill(share: float) -> dict[str, Any]:
    """Fill attributes for a cell holding ``share`` of the busiest cell's messages: the square
    root, so quiet hours stay visible next to a peak hour; grey when empty."""
    if share <= 0:
        return {"fill": EMPTY_CELL}
    return {"fill": MESSAGES_COLOR, "fill_opacity": round(0.12 + 0.88 * math.sqrt(share), 3)}


def heatmap(matrix: Sequence[Sequence[int]], row_labels: Sequence[str], *, title: str, unit: str,
            hour_label: str = "{h}:00", axis_label: str | None = None) -> Markup:
    """Messages by weekday (rows) and local hour (24 columns); darker is busier, with a key.
    ``axis_label`` names the hour axis."""
    left, top = 34, 24 + (18 if axis_label else 0)
    body: list[Markup] = []
    if axis_label:
        body.append(text(left, 14, axis_label, size=SMALL, fill=MUTED))
    cell_w = (WIDTH - left - 4) / 24
    cell_h = 22
    busiest = max((v for row in matrix for v in row), default=0)
    for h in range(0, 24, 3):
        body.append(text(left + cell_w * h + cell_w / 2, top - 8, str(h), anchor="middle", size=SMALL, fill=MUTED))
    for r, (name, row) in enumerate(zip(row_labels, matrix)):
        y = top + r * cell_h
        body.append(text(left - 6, y + cell_h / 2 + 4, name, anchor="end", size=SMALL, fill=MUTED))
        for h, v in enumerate(row):
            tip = f"{name} {hour_label.format(h=h)} · {v} {unit}"
            body.append(element("rect", element("title", tip), x=left + h * cell_w + 1, y=y + 1, width=cell_w - 2,
                                height=cell_h - 2, rx=2, **heat_fill(v / busiest if busiest else 0.0)))
    bottom = top + len(row_labels) * cell_h + 18
    for i, share in enumerate((0.0, 0.25, 0.5, 0.75, 1.0)):
        body.append(element("rect", x=left + i * 16, y=bottom - 9, width=14, height=10, rx=2, **heat_fill(share)))
    body.append(text(left + 5 * 16 + 4, bottom, f"0 … {busiest} {unit}", size=SMALL, fill=MUTED))
    return svg(WIDTH, bottom + 8, title, body)


def hbars(items: Sequence[tuple[str, float, str]], *, title: str, color: str = MESSAGES_COLOR,
          colors: Sequence[str] | None = None, label_width: float = 120, axis_label: str | None = None) -> Markup:
    """Horizontal bars, one per (label, value, shown value), longest first as given.

    Labels (member names) are cut to ``label_width``; the full name is in the bar's tooltip.
    ``axis_label`` names what the bars measure (under them).
    """
    row_h, top = 26, 4
    right = 48
    track = WIDTH - label_width - 10 - right
    biggest = max((v for _, v, _ in items), default=0) or 1
    body: list[Markup] = []
    for i, (name, value, shown) in enumerate(items):
        y = top + i * row_h
        w = max(2.0, track * value / biggest) if value else 0.0
        body.append(text(label_width, y + 16, fit(name, label_width - 4), anchor="end"))
        body.append(element("rect", element("title", f"{name}: {shown}"), x=label_width + 8, y=y + 4, width=w,
                            height=row_h - 8, rx=3, fill=colors[i] if colors else color))
        body.append(text(label_width + 8 + w + 6, y + 16, shown, size=SMALL, fill=MUTED))
    bottom = top + len(items) * row_h + 4
    if axis_label:
        body.append(text(label_width + 8, bottom + 12, axis_label + " →", size=SMALL, fill=MUTED))
        bottom += 18
    return svg(WIDTH, bottom, title, body)


def stacked_columns(x_labels: Sequence[str], series: Sequence[tuple[str, Sequence[float], str]], *,
                    title: str, x_title: str | None = None, y_title: str | None = None) -> Markup:
    """One column per x (a week, a day), its series stacked bottom-up in the given order; the
    axes are named by ``x_title`` and ``y_title``."""
    left, right = 44, 8
    plot_w = WIDTH - left - right
    key, key_h = legend([(name, color) for name, _, color in series], left, 14, plot_w)
    top, plot_h = 14 + key_h + 4 + (18 if y_title else 0), 170.0
    bottom = top + plot_h
    n = max(1, len(x_labels))
    slot = plot_w / n
    bar_w = max(1.0, min(slot * 0.72, 48))
    totals = [sum(values[i] for _, values, _ in series) for i in range(len(x_labels))]
    ceiling = nice_ceiling(max(totals, default=0))
    body: list[Markup] = [key, *_y_axis(left, WIDTH - right, top, bottom, ceiling)]
    if y_title:
        body.append(text(4, top - 10, y_title, size=SMALL, fill=MUTED))

    def x_of(i: int) -> float:
        return left + slot * i + slot / 2

    for i, x_label in enumerate(x_labels):
        y = bottom
        for name, values, color in series:
            v = values[i]
            if not v:
                continue
            h = plot_h * v / ceiling
            y -= h
            body.append(element("rect", element("title", f"{x_label} · {name} {short_number(v)}"),
                                x=x_of(i) - bar_w / 2, y=y, width=bar_w, height=h, fill=color))
    body.extend(_x_labels(x_labels, x_of, bottom + 18))
    end = bottom + 26
    if x_title:
        body.append(text(WIDTH - right, end + 14, x_title, anchor="end", size=SMALL, fill=MUTED))
        end += 18
    return svg(WIDTH, end, title, body)


def flow(sources: Sequence[tuple[str, str, str]], targets: Sequence[tuple[str, str, str]],
         links: Sequence[tuple[str, str, int]], *, title: str, left_title: str, right_title: str) -> Markup:
    """Members moving between layers from one week to the next (a two-column Sankey diagram).

    ``sources``/``targets`` are (code, label, colour) in display order; ``links`` are (source
    code, target code, members). Node heights and ribbon widths are proportional to members;
    members who stayed in their layer are drawn paler than those who moved.
    """
    node_w, gap, label_w = 10, 10, 96
    top, height = 40, 300.0
    out_total = {code: sum(v for s, _, v in links if s == code) for code, _, _ in sources}
    in_total = {code: sum(v for _, t, v in links if t == code) for code, _, _ in targets}
    shown_sources = [s for s in sources if out_total[s[0]]]
    shown_targets = [t for t in targets if in_total[t[0]]]
    total = sum(v for *_, v in links) or 1
    gaps = gap * max(len(shown_sources), len(shown_targets))
    scale = (height - gaps) / total
    x_left, x_right = label_w, WIDTH - label_w - node_w
    body: list[Markup] = [text(x_left + node_w, 16, left_title, anchor="middle", size=SMALL, fill=MUTED),
                          text(x_right, 16, right_title, anchor="middle", size=SMALL, fill=MUTED)]
    src_y: dict[str, float] = {}
    tgt_y: dict[str, float] = {}
    bottom = top
    for nodes, totals, x, at, side in ((shown_sources, out_total, x_left, src_y, "left"),
                                       (shown_targets, in_total, x_right, tgt_y, "right")):
        y, centres = top, []
        for code, name, color in nodes:
            h = max(totals[code] * scale, 2.0)
            at[code] = y
            body.append(element("rect", element("title", f"{name} {totals[code]}"), x=x, y=y, width=node_w,
                                height=h, fill=color))
            centres.append(y + h / 2)
            y += h + gap
        bottom = max(bottom, y)
        for (code, name, _), y_label in zip(nodes, spread(centres, SMALL + 6)):
            caption = f"{name} {totals[code]}"
            if side == "left":
                body.append(text(x - 6, y_label + 4, caption, anchor="end", size=SMALL))
            else:
                body.append(text(x + node_w + 6, y_label + 4, caption, size=SMALL))
            bottom = max(bottom, y_label + 8)
    names = {code: name for code, name, _ in [*sources, *targets]}
    colors = {code: color for code, _, color in sources}
    x0, x1 = x_left + node_w, x_right
    mid = (x0 + x1) / 2
    for s, t, v in links:
        if s not in src_y or t not in tgt_y or not v:
            continue
        h = v * scale
        ya, yb = src_y[s], tgt_y[t]
        src_y[s] += h
        tgt_y[t] += h
        path = (f"M{_value(x0)},{_value(ya)} C{_value(mid)},{_value(ya)} {_value(mid)},{_value(yb)} "
                f"{_value(x1)},{_value(yb)} L{_value(x1)},{_value(yb + h)} C{_value(mid)},{_value(yb + h)} "
                f"{_value(mid)},{_value(ya + h)} {_value(x0)},{_value(ya + h)} Z")
        body.append(element("path", element("title", f"{names[s]} → {names[t]}: {v}"), d=path,
                            fill=colors.get(s, MUTED), fill_opacity=0.18 if names[s] == names[t] else 0.5))
    return svg(WIDTH, bottom + 4, title, body)


def spread(centres: Sequence[float], min_gap: float) -> list[float]:
    """Label positions near ``centres`` (ascending) but at least ``min_gap`` apart, pushed down."""
    out: list[float] = []
    for c in centres:
        out.append(max(c, out[-1] + min_gap) if out else c)
    return out


def stage_strip(weeks: Sequence[tuple[str, str | None, str, int | None]], *, title: str,
                legend_items: Sequence[tuple[str, str]] = ()) -> Markup:
    """One coloured cell per week, coloured by lifecycle stage, with the health score inside
    and the week under it; ``weeks`` are (week, stage code, stage name, health)."""
    n = max(1, len(weeks))
    left = 4
    cell_w = min(140.0, (WIDTH - 2 * left) / n)
    cell_h = 40
    top = 4
    body: list[Markup] = []
    step = max(1, math.ceil(n / max(1, int((WIDTH - 2 * left) / 44))))
    for i, (week, stage, stage_name, health) in enumerate(weeks):
        fill, ink = STAGE_COLORS.get(stage or "", NO_STAGE)
        x = left + i * cell_w
        tip = f"{week} · {stage_name}" + (f" · {health}" if health is not None else "")
        body.append(element("rect", element("title", tip), x=x + 1, y=top, width=max(cell_w - 2, 1.0),
                            height=cell_h, rx=3, fill=fill))
        inside = stage_name if cell_w >= text_width(stage_name, SMALL) + 10 else ""
        if inside:
            body.append(text(x + cell_w / 2, top + 17, inside, anchor="middle", size=SMALL, fill=ink, weight="bold"))
        if health is not None and cell_w >= 22:
            body.append(text(x + cell_w / 2, top + (33 if inside else 25), str(health), anchor="middle", size=SMALL,
                             fill=ink))
        if i % step == 0 or i == n - 1:
            short = week[5:] if len(week) == 8 and "-W" in week else week
            body.append(text(x + cell_w / 2, top + cell_h + 15, short, anchor="middle", size=SMALL, fill=MUTED))
    bottom = top + cell_h + 22
    if legend_items:
        key, key_h = legend(legend_items, left, bottom + 10, WIDTH - 2 * left)
        body.append(key)
        bottom += key_h + 4
    return svg(WIDTH, bottom + 6, title, body)
