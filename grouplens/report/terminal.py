"""The terminal writer: a report's page (``page.build_page``) as rich tables and text.

The page is the one the Markdown and HTML writers render, so the three always say the same.
In a terminal everything fits its width (80 columns and up): names and chat texts give way
with an ellipsis and every other column keeps its figures whole; charts are drawn in
characters. Written to a pipe or a file (``fit=False``) nothing is cut and long tables are
shown whole. Every text goes into rich ``Text`` objects, never parsed as markup (``[图片]``
prints as it is), after escape sequences and control characters are removed
(``display.terminal_safe``).
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table as RichTable
from rich.text import Text

from ..display import terminal_safe
from .page import (
    FOLD_ROWS,
    Alerts,
    Block,
    Cell,
    Chart,
    Column,
    Facts,
    Names,
    Note,
    Page,
    Table,
    build_page,
    listing,
    word,
)

STAGE_STYLES = {"new": "cyan", "growing": "green", "active": "bold green", "declining": "yellow",
                "ad-dominated": "red", "help-desk": "magenta", "dead": "bold red"}
TONE_STYLES = {"good": "green", "bad": "red", "muted": "dim"}
SEVERITY_STYLES = {"high": "bold red", "warning": "yellow", "info": "cyan"}
NAME_WIDTH = 14  # a name column gives way beyond this many cells in a terminal
TEXT_MIN_WIDTH = 12


def render_terminal(report: dict[str, Any], console: Console, *, fit: bool = True) -> None:
    """Print a report (its ``to_dict()``) to ``console``. ``fit``: the console is a terminal
    whose width must be kept (names and texts give way); else nothing is cut."""
    render_page(build_page(report), console, fit=fit)


def render_page(page: Page, console: Console, *, fit: bool = True) -> None:
    console.print(header(page))
    console.print()
    for section in page.sections:
        shown = [r for r in (renderable(block, page.lang, fit) for block in section.blocks) if r is not None]
        if not shown:  # a chart drawn only on the HTML page
            continue
        console.print(Text(safe(section.title), style="bold underline"))
        for part in shown:
            console.print(part)
        console.print()
    console.print(Text(safe(page.footer), style="dim"))


def safe(text: Any) -> str:
    return terminal_safe(str(text))


def header(page: Page) -> RenderableType:
    title = Text(safe(page.title), style="bold")
    if page.group:
        title.append(" · ").append(safe(page.group))
    title.append(" · ").append(safe(page.period), style="cyan")
    lines: list[RenderableType] = [title]
    meta = Text()
    if page.stage_text:
        meta.append(safe(page.stage_text), style=STAGE_STYLES.get(page.stage or "", "bold"))
        meta.append("  ")
    meta.append("  ".join(safe(x) for x in page.lines), style="dim")
    if page.badges:
        meta.append("  [" + ", ".join(safe(b) for b in page.badges) + "]", style="yellow")
    lines.append(meta)
    return Group(*lines)


def renderable(block: Block, lang: str, fit: bool) -> RenderableType | None:
    if isinstance(block, Table):
        return table_view(block, lang, fit)
    if isinstance(block, Facts):
        return facts_view(block)
    if isinstance(block, Alerts):
        return Group(*[Text("● ", style=SEVERITY_STYLES.get(severity, "")).append(f"{safe(severity_word)} ", style="bold")
                       .append(safe(message)) for severity, severity_word, message in block.items])
    if isinstance(block, Names):
        line = Text(safe(block.title) + ": ", style="bold")
        line.append(listing((safe(n) for n in block.names), lang) or "—")
        if block.more:
            line.append(f" (+{block.more})", style="dim")
        return line
    if isinstance(block, Note):
        return Text(safe(block.text), style=TONE_STYLES.get(block.tone or "", ""))
    if isinstance(block, Chart):
        if block.lines:
            return Text("\n".join(safe(line) for line in block.lines), no_wrap=True, overflow="ellipsis")
        if block.fallback is not None:
            return table_view(block.fallback, lang, fit)
        return None
    raise TypeError(f"no terminal view for {type(block).__name__}")


def cell_text(cell: Cell) -> Text:
    style = STAGE_STYLES.get(cell.stage or "") or TONE_STYLES.get(cell.tone or "", "")
    return Text(safe(cell.text), style=style)


def table_view(t: Table, lang: str, fit: bool) -> RenderableType:
    """A compact table: figures keep their width; names and texts take what is left and give
    way with an ellipsis (in a terminal); a long table shows its first or latest rows."""
    rows = t.rows
    left_out = 0
    if fit and t.fold and len(rows) > FOLD_ROWS:
        left_out = len(rows) - FOLD_ROWS
        rows = rows[-FOLD_ROWS:] if t.latest_last else rows[:FOLD_ROWS]
    out = RichTable(title=safe(t.caption) if t.caption else None, title_justify="left", title_style="bold",
                    box=box.SIMPLE_HEAD, pad_edge=False, header_style="bold", show_edge=False,
                    show_header=any(c.title for c in t.columns))
    for c in t.columns:
        add_column(out, c, fit)
    for row in rows:
        cells = []
        for c, cell in zip(t.columns, row):
            text = cell_text(cell)
            if c.kind in ("name", "text"):
                text.no_wrap, text.overflow = fit, "ellipsis"
            cells.append(text)
        out.add_row(*cells)
    if not left_out:
        return out
    return Group(out, Text(word("rows_left_out", lang).format(n=left_out), style="dim"))


def add_column(table: RichTable, c: Column, fit: bool) -> None:
    justify = "right" if c.align == "r" else "left"
    if c.kind == "name":
        table.add_column(safe(c.title), justify=justify, max_width=NAME_WIDTH if fit else None, min_width=4,
                         overflow="ellipsis", no_wrap=False)
    elif c.kind == "text":
        table.add_column(safe(c.title), justify=justify, min_width=TEXT_MIN_WIDTH if fit else None,
                         overflow="ellipsis", no_wrap=False)
    else:
        table.add_column(safe(c.title), justify=justify, no_wrap=True)


def facts_view(facts: Facts) -> RenderableType:
    """Label, value and change of each fact, three to a row (two when they carry changes)."""
    per_row = 2 if any(f.change and f.change.text for f in facts.items) else 3
    grid = RichTable.grid(padding=(0, 1))
    for i in range(per_row):
        grid.add_column(style="dim", no_wrap=True, overflow="ellipsis")
        grid.add_column(justify="right", no_wrap=True)
        grid.add_column(no_wrap=True)
        if i < per_row - 1:
            grid.add_column(width=1)
    items = list(facts.items)
    for start in range(0, len(items), per_row):
        cells: list[Text] = []
        for j, f in enumerate(items[start:start + per_row]):
            value = Text(safe(f.value), style=STAGE_STYLES.get(f.stage or "", "bold"))
            change = cell_text(f.change) if f.change and f.change.text else Text("")
            cells += [Text(safe(f.label)), value, change]
            if j < per_row - 1:
                cells.append(Text(""))
        grid.add_row(*cells)
    return grid
