"""One way out for every command's result: the output options declared once, and ``emit``.

``@output_options("table", "json", "csv")`` gives a command ``--format/-f`` (the formats it
offers), ``--output/-o``, ``--excel`` and ``--csv-formulas``, and hands it one
``OutputOptions``; the command calls ``emit(result, out, …)`` with whatever the library
returned (a DataFrame, a ``Report``, a JSON-ready list or dict). ``emit`` picks the writer:

- ``table``: rich, fitted to the terminal (80 columns and up: names and texts give way with an
  ellipsis, figures stay whole); to a pipe or a file nothing is cut;
- ``json`` (indented), ``jsonl`` (one object a line); times ISO 8601 with the offset of --tz;
- ``csv``: UTF-8, with a byte-order mark when written to a file or with ``--excel`` (so Excel
  on Windows reads Chinese text); a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return gets a leading ``'`` so that a spreadsheet shows it instead of running it,
  unless ``--csv-formulas`` (for machine use);
- ``md``, ``html``: reports' pages; ``png`` (a long phone-width image to send in a chat) and
  ``pdf`` (A4): the HTML page drawn by a headless Chromium (``report.browser``).

Chat text never reaches the terminal raw: escape sequences and control characters are removed
and rich markup is not parsed (``display.terminal_safe``). JSON keeps every character.
"""

from __future__ import annotations

import functools
import inspect
import io
import json
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from ..display import SafeCsvWriter, terminal_safe
from ..errors import UsageError
from ..records import plain, records

# What only some commands need is imported where it is used: `grouplens groups` renders a
# pyarrow table without pandas, and nothing here loads the report package unless a report is shown.
if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    import pandas as pd
    from rich.console import Console, RenderableType
    from rich.table import Table

FORMAT_HELP = {
    "table": "a table for the terminal", "json": "JSON", "jsonl": "one JSON object a line",
    "csv": "CSV (UTF-8; with a BOM for Excel when written to a file or with --excel)",
    "md": "Markdown", "html": "one self-contained HTML page", "parquet": "a Parquet file",
    "png": "a long phone-width image (needs Chromium)", "pdf": "A4 PDF (needs Chromium)",
}
BOM = "\ufeff"


@dataclass(frozen=True)
class OutputOptions:
    """How a command's result is written: ``--format``, ``--output``, ``--excel``, ``--csv-formulas``."""

    format: str = "table"
    path: Path | None = None
    excel: bool = False
    keep_formulas: bool = False


def output_options(*formats: str, default: str = "table", format_help: str | None = None
                   ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give a command the output options (sqlite-utils' ``output_options``): the command takes
    ``out: OutputOptions`` and typer sees ``--format/-f``, ``--output/-o``, ``--excel`` and
    ``--csv-formulas`` in its place."""
    choices = Enum("Format", {f: f for f in formats}, type=str)  # type: ignore[misc]
    described = format_help or ", ".join(f"{f} ({FORMAT_HELP[f]})" if f in ("csv", "md", "html") else f
                                         for f in formats)
    added = [
        inspect.Parameter("fmt", inspect.Parameter.KEYWORD_ONLY, default=choices(default),
                          annotation=Annotated[choices, typer.Option("--format", "-f", help=f"Output: {described}.",
                                                                     metavar="FORMAT")]),
        inspect.Parameter("output", inspect.Parameter.KEYWORD_ONLY, default=None,
                          annotation=Annotated[Path | None, typer.Option(
                              "--output", "-o", metavar="FILE", show_default=False, dir_okay=False,
                              help="Write to this file instead of standard output.")]),
    ]
    if "csv" in formats:
        added += [
            inspect.Parameter("excel", inspect.Parameter.KEYWORD_ONLY, default=False,
                              annotation=Annotated[bool, typer.Option(
                                  "--excel", help="CSV for Excel: with a byte-order mark even on "
                                  "standard output (a file written with -o always has one).")]),
            inspect.Parameter("csv_formulas", inspect.Parameter.KEYWORD_ONLY, default=False,
                              annotation=Annotated[bool, typer.Option(
                                  "--csv-formulas", help="Keep CSV cells that start with = + - @ "
                                  "as they are (for machine use). By default they get a leading ' so a spreadsheet "
                                  "does not run them as formulas.")]),
        ]

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(fn, eval_str=True)
        params = [p for p in signature.parameters.values() if p.name != "out"]

        @functools.wraps(fn)
        def wrapper(*args: Any, fmt: Any = default, output: Path | None = None, excel: bool = False,
                    csv_formulas: bool = False, **kwargs: Any) -> Any:
            out = OutputOptions(format=str(getattr(fmt, "value", fmt)), path=output, excel=excel,
                                keep_formulas=csv_formulas)
            return fn(*args, out=out, **kwargs)

        wrapper.__signature__ = signature.replace(parameters=[*params, *added])  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in [*params, *added]}
        return wrapper

    return decorate


# --- tables of frames ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Col:
    """A column of a terminal table: the frame's column ``key``, its heading and how it shows.

    ``kind``: ``plain`` and ``num`` (right-aligned) never wrap; ``name`` and ``text`` give way
    with an ellipsis in a terminal (a name beyond ``NAME_WIDTH``); ``wrap`` wraps between words;
    ``time`` is ``MM-DD HH:MM`` and ``date`` ``YYYY-MM-DD`` in the command's time zone.
    ``show`` turns a value into its text (after ``records.plain``).
    """

    key: str
    title: str | None = None
    kind: str = "plain"
    show: Callable[[Any], str] | None = None


NAME_WIDTH = 14


def frame_table(df: pd.DataFrame | Any, columns: Sequence[Col] | None = None, *, title: str | None = None,
                tz: ZoneInfo | None = None, fit: bool = True) -> Table:
    """A compact rich table of ``df`` (no borders, one line a row); ``df`` may also be a pyarrow
    table (``columns`` given)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    if columns:
        cols = list(columns)
    else:
        import pandas as pd
        cols = [Col(c, kind="num" if pd.api.types.is_numeric_dtype(df[c]) else "name") for c in df.columns]
    table = Table(title=terminal_safe(title) if title else None, title_justify="left", title_style="bold",
                  box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, header_style="bold")
    for c in cols:
        heading = terminal_safe(c.title if c.title is not None else c.key)
        if c.kind in ("name", "text"):
            table.add_column(heading, no_wrap=False, overflow="ellipsis", min_width=4,
                             max_width=NAME_WIDTH if fit and c.kind == "name" else None)
        elif c.kind == "wrap":
            table.add_column(heading, no_wrap=False, overflow="fold")
        else:
            table.add_column(heading, no_wrap=True, justify="right" if c.kind == "num" else "left")
    for row in _rows(df, [c.key for c in cols]):
        cells = []
        for c, value in zip(cols, row):
            text = Text(terminal_safe(show_value(value, c, tz)))
            if c.kind in ("name", "text"):
                text.no_wrap, text.overflow = fit, "ellipsis"
            cells.append(text)
        table.add_row(*cells)
    return table


def _rows(df: pd.DataFrame | Any, keys: list[str]) -> Iterable[tuple[Any, ...]]:
    """The cells of ``keys`` row by row, from a DataFrame or a pyarrow table."""
    if _is_frame(df):
        return df[keys].itertuples(index=False, name=None)
    if isinstance(df, list):  # rows as dicts
        return (tuple(row.get(k) for k in keys) for row in df)
    columns = [_values(df.column(k)) for k in keys]
    return zip(*columns) if columns else iter(())


def _values(column: Any) -> list[Any]:
    """A pyarrow column as Python values; zoned times as UTC datetimes, converted here because
    pyarrow's own conversion of them imports pandas."""
    import pyarrow as pa

    kind = column.type
    if not (pa.types.is_timestamp(kind) and kind.tz):
        return column.to_pylist()
    per_second = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[kind.unit]
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    ticks = [v for chunk in column.chunks for v in chunk.view(pa.int64()).to_pylist()]  # view(): no compute
    return [None if v is None else epoch + timedelta(microseconds=v * 1_000_000 // per_second) for v in ticks]


def _is_frame(value: Any) -> bool:
    pd = sys.modules.get("pandas")  # not loaded: it cannot be a DataFrame
    return pd is not None and isinstance(value, pd.DataFrame)


def show_value(value: Any, col: Col, tz: ZoneInfo | None) -> str:
    pd = sys.modules.get("pandas")
    if (pd is not None and isinstance(value, pd.Timestamp)) or (col.kind in ("time", "date") and value is not None):
        if pd is None:  # a pyarrow table's datetime or date
            if isinstance(value, date) and not hasattr(value, "tzinfo"):
                return value.strftime("%Y-%m-%d")
            if tz is not None and value.tzinfo is not None:
                value = value.astimezone(tz)
            return value.strftime("%m-%d %H:%M" if col.kind == "time" else "%Y-%m-%d")
        ts = pd.Timestamp(value) if value is not None and value is not pd.NaT else None
        if ts is None or pd.isna(ts):
            return "—"
        if tz is not None and ts.tzinfo is not None:
            ts = ts.tz_convert(tz)
        return ts.strftime("%m-%d %H:%M" if col.kind == "time" else "%Y-%m-%d")
    v = plain(value, tz)
    if col.show is not None:
        return col.show(v)
    if v is None:
        return "—"
    if isinstance(v, float):
        return "—" if math.isnan(v) else f"{v:,.2f}"
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    return one_line(str(v))


def one_line(text: str) -> str:
    return " ".join(text.split())


# --- writing ----------------------------------------------------------------------------------------

def csv_cell(value: Any, tz: ZoneInfo | None = None) -> str:
    v = plain(value, tz)
    if v is None:
        return ""
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def write_csv(df: pd.DataFrame | Any, out: IO[str], tz: ZoneInfo | None = None, *,
              keep_formulas: bool = False) -> None:
    """CSV with a header (of a DataFrame, a pyarrow table or a list of dicts); lists as JSON
    arrays, times ISO with offset; formulas neutralised."""
    w = SafeCsvWriter(out, keep_formulas=keep_formulas)
    if _is_frame(df):
        keys = list(df.columns)
    elif isinstance(df, list):  # rows as dicts: every key any row has, in the order they first appear
        keys = list(dict.fromkeys(k for row in df for k in row))
    else:
        keys = df.column_names
    w.writerow([str(c) for c in keys])
    for row in _rows(df, keys):
        w.writerow([csv_cell(v, tz) for v in row])


def write_jsonl(df: pd.DataFrame, out: IO[str], tz: ZoneInfo | None = None) -> None:
    for rec in records(df, tz):
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")


def _table_records(table: Any, tz: ZoneInfo | None) -> list[dict[str, Any]]:
    """A pyarrow table's rows as JSON-ready dicts (``records`` of a DataFrame, without pandas)."""
    names = table.column_names
    return [{k: plain(v, tz) for k, v in zip(names, row)} for row in _rows(table, names)]


def write_json(data: Any, out: IO[str]) -> None:
    out.write(json.dumps(plain(data), ensure_ascii=False, indent=2) + "\n")


def emit(result: Any, out: OutputOptions, *, columns: Sequence[Col] | None = None, title: str | None = None,
         tz: ZoneInfo | None = None, table: Callable[[bool], RenderableType | Iterable[RenderableType]] | None = None,
         json_value: Any = None) -> None:
    """Write a command's result in the chosen format, to standard output or ``out.path``.

    Args:
        result: a DataFrame, a pyarrow table, a ``Report``, or JSON-ready data.
        columns, title: the terminal table of a DataFrame (default: every column).
        tz: the zone times are shown in.
        table: for other results, makes the terminal view (given whether it must fit a terminal).
        json_value: what ``json`` writes when it is not ``result`` itself.
    """
    fmt = out.format
    report_model = sys.modules.get("grouplens.report.model")  # a Report was built, so this is loaded
    if report_model is not None and isinstance(result, report_model.Report):
        _emit_report(result, out)
        return
    frame = _is_frame(result)
    arrow = not frame and _is_arrow_table(result)
    if fmt == "json":
        value = json_value if json_value is not None else (records(result, tz) if frame else
                                                           _table_records(result, tz) if arrow else result)
        buffer = io.StringIO()
        write_json(value, buffer)
        _write_text(buffer.getvalue(), out)
    elif fmt == "jsonl":
        buffer = io.StringIO()
        if frame:
            write_jsonl(result, buffer, tz)
        elif arrow:
            for rec in _table_records(result, tz):
                buffer.write(json.dumps(rec, ensure_ascii=False) + "\n")
        else:
            for item in result:
                buffer.write(json.dumps(plain(item, tz), ensure_ascii=False) + "\n")
        _write_text(buffer.getvalue(), out)
    elif fmt == "csv":
        rows = result if frame or arrow else (result if isinstance(result, list) else [result])
        _write_csv_text(lambda buffer: write_csv(rows, buffer, tz, keep_formulas=out.keep_formulas), out)
    elif fmt == "table":
        if table is not None:
            _write_rendered(lambda console, fit: _print_all(console, table(fit)), out)
        else:
            _write_rendered(lambda console, fit: console.print(
                frame_table(result, columns, title=title, tz=tz, fit=fit)), out)
    else:
        raise UsageError(f"this command cannot write {fmt}")


def _emit_report(result: Any, out: OutputOptions) -> None:
    from ..report import render_html, render_markdown
    from ..report.tables import write_report_csv
    from ..report.terminal import render_terminal

    fmt = out.format
    data = result.to_dict()
    if fmt == "table":
        _write_rendered(lambda console, fit: render_terminal(data, console, fit=fit), out)
        return
    if fmt == "json":
        _write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", out)
    elif fmt == "csv":
        _write_csv_text(lambda buffer: write_report_csv(data, buffer, keep_formulas=out.keep_formulas), out)
    elif fmt == "md":
        _write_text(render_markdown(data), out)
    elif fmt == "html":
        _write_text(render_html(data), out)
    elif fmt in ("png", "pdf"):
        from ..report.browser import render_pdf, render_png
        _write_bytes(out, lambda: (render_png if fmt == "png" else render_pdf)(render_html(data)))
    else:
        raise UsageError(f"a report cannot be written as {fmt}")


def _is_arrow_table(value: Any) -> bool:
    pa = sys.modules.get("pyarrow")
    return pa is not None and isinstance(value, pa.Table)


def _print_all(console: Console, shown: RenderableType | Iterable[RenderableType]) -> None:
    from rich.text import Text

    if isinstance(shown, (str, Text)) or not isinstance(shown, Iterable):
        console.print(shown)
        return
    for part in shown:
        console.print(part)


def terminal() -> Console:
    """Standard output as rich sees it (tests replace it)."""
    from .app import stdout
    return stdout


def _write_rendered(draw: Callable[[Console, bool], None], out: OutputOptions) -> None:
    """Draw to the terminal fitted to its width; to a pipe or a file whole, without colours."""
    if out.path is None:
        console = terminal()
        if console.is_terminal:
            draw(console, True)
            return
        buffer = io.StringIO()
        draw(wide_console(buffer), False)
        sys.stdout.write(_trim(buffer.getvalue()))
        return
    buffer = io.StringIO()
    draw(wide_console(buffer), False)
    _write_text(_trim(buffer.getvalue()), out)


def wide_console(file: Any = None) -> Console:
    """A console for a pipe or a file: no colours, and wide enough that nothing is cut."""
    from rich.console import Console
    return Console(file=file, width=10_000, color_system=None, soft_wrap=False, highlight=False,
                   emoji=False, markup=False)


def _trim(text: str) -> str:
    """Trailing spaces off every line (a wide console pads nothing, but tables may)."""
    return "\n".join(line.rstrip() for line in text.split("\n"))


def _write_csv_text(write: Callable[[IO[str]], None], out: OutputOptions) -> None:
    buffer = io.StringIO()
    if out.excel or out.path is not None:
        buffer.write(BOM)
    write(buffer)
    _write_text(buffer.getvalue(), out)


def _write_bytes(out: OutputOptions, draw: Callable[[], bytes]) -> None:
    """An image or a PDF: to ``out.path``, or to standard output when that is not a terminal."""
    if out.path is None and sys.stdout.isatty():
        raise UsageError(f"--format {out.format} writes a file: add -o FILE.{out.format} (or redirect the output)")
    data = draw()
    if out.path is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        out.path.write_bytes(data)
    except OSError as e:
        raise UsageError(f"cannot write the output ({e.strerror})", path=out.path) from None


def _write_text(text: str, out: OutputOptions) -> None:
    if out.path is None:
        sys.stdout.write(text)
        return
    try:
        out.path.write_text(text, encoding="utf-8", newline="")
    except OSError as e:
        raise UsageError(f"cannot write the output ({e.strerror})", path=out.path) from None

# --- search and sql ------------------------------------------------------------------------------

def search_table(result, tz: ZoneInfo | None = None) -> Table:
    """A search result as a table: each match (bold, the text found highlighted) with its context
    (dim) around it, matches separated by a rule; times as local ``MM-DD HH:MM``."""
    import re

    import pandas as pd
    from rich.table import Table
    from rich.text import Text

    from .. import schema as S

    rows = result.rows
    several = rows[S.GROUP_ID].nunique() > 1 if len(rows) else False
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("time", no_wrap=True)
    if several:
        table.add_column("group", max_width=12, overflow="ellipsis", no_wrap=True)
    table.add_column("who", max_width=12, overflow="ellipsis", no_wrap=True)
    table.add_column("message", overflow="fold", ratio=1)
    flags = 0 if result.case_sensitive else re.IGNORECASE
    pattern = re.compile(result.pattern if result.regex else re.escape(result.pattern), flags)
    previous = None
    for row in rows.itertuples(index=False):
        if previous is not None and row.match != previous:
            table.add_row(*([""] * (4 if several else 3)), end_section=False)
        previous = row.match
        when = pd.Timestamp(row.ts).tz_convert(tz) if tz else pd.Timestamp(row.ts)
        text = Text(terminal_safe(str(row.text)) if row.text is not None else f"[{row.kind}]",
                    style="bold" if row.is_match else "dim")
        if row.is_match:
            try:
                text.highlight_regex(pattern, style="bold reverse")
            except re.error:  # an RE2 pattern Python's re does not read: no highlight
                pass
        cells = [when.strftime("%m-%d %H:%M")]
        if several:
            cells.append(terminal_safe(str(row.group_name or row.group_id)))
        cells += [terminal_safe(str(row.sender_name or row.sender_id or "")), text]
        table.add_row(*cells)
    return table


def write_parquet(table, path) -> None:
    """An Arrow table as a Parquet file (zstd)."""
    import pyarrow.parquet as pq

    pq.write_table(table, path, compression="zstd")
