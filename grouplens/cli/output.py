"""Turning library results (DataFrames, dataclasses) into JSON, JSON Lines, CSV and rich tables.

Nothing here computes anything; every function takes what an analysis returned. Chat text is
escaped before rich prints it (``[图片]`` would otherwise read as markup).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable
from typing import IO, Any
from zoneinfo import ZoneInfo

import pandas as pd
from rich.markup import escape
from rich.table import Table

from .. import schema as S
from ..records import plain, records


def write_jsonl(df: pd.DataFrame, out: IO[str], tz: ZoneInfo | None = None) -> None:
    for rec in records(df, tz):
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")


def write_json(data: Any, out: IO[str]) -> None:
    out.write(json.dumps(plain(data), ensure_ascii=False, indent=2) + "\n")


def csv_cell(value: Any, tz: ZoneInfo | None = None) -> str:
    v = plain(value, tz)
    if v is None:
        return ""
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def write_csv(df: pd.DataFrame, out: IO[str], tz: ZoneInfo | None = None) -> None:
    """CSV with a header; lists as JSON arrays, times ISO with offset."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(list(df.columns))
    for row in df.itertuples(index=False, name=None):
        w.writerow([csv_cell(v, tz) for v in row])


def to_csv_text(df: pd.DataFrame, tz: ZoneInfo | None = None) -> str:
    buf = io.StringIO()
    write_csv(df, buf, tz)
    return buf.getvalue()


def rich_table(df: pd.DataFrame, columns: Iterable[str] | None = None, title: str | None = None,
               tz: ZoneInfo | None = None, max_width: int = 60, no_wrap: Iterable[str] = ()) -> Table:
    """A rich Table of a frame; cells are escaped and long texts cut to ``max_width``; the
    ``no_wrap`` columns (dates, counts) keep their width and the others fold."""
    cols = list(columns) if columns else list(df.columns)
    keep = set(no_wrap)
    table = Table(title=title, show_lines=False, header_style="bold")
    for c in cols:
        table.add_column(c, overflow="fold", max_width=max_width, no_wrap=c in keep, min_width=None)
    for row in df[cols].itertuples(index=False, name=None):
        cells = []
        for v in row:
            text = f"{v:.3f}" if isinstance(v, float) and not math.isnan(v) else csv_cell(v, tz)
            if len(text) > max_width:
                text = text[: max_width - 1] + "…"
            cells.append(escape(text))
        table.add_row(*cells)
    return table


# --- search and sql ------------------------------------------------------------------------------

def search_table(result, tz: ZoneInfo | None = None) -> Table:
    """A search result as a table: each match (bold, the text found highlighted) with its context
    (dim) around it, matches separated by a rule; times as local ``MM-DD HH:MM``."""
    import re

    from rich.text import Text

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
        text = Text(str(row.text) if row.text is not None else f"[{row.kind}]",
                    style="bold" if row.is_match else "dim")
        if row.is_match:
            try:
                text.highlight_regex(pattern, style="bold reverse")
            except re.error:  # an RE2 pattern Python's re does not read: no highlight
                pass
        cells = [when.strftime("%m-%d %H:%M")]
        if several:
            cells.append(str(row.group_name or row.group_id))
        cells += [str(row.sender_name or row.sender_id or ""), text]
        table.add_row(*cells)
    return table


def write_parquet(table, path) -> None:
    """An Arrow table as a Parquet file (zstd)."""
    import pyarrow.parquet as pq

    pq.write_table(table, path, compression="zstd")


class opened:
    """``with opened(path) as sink``: the file at ``path`` (UTF-8) or stdout when ``path`` is None."""

    def __init__(self, path) -> None:
        self.path, self.file = path, None

    def __enter__(self) -> IO[str]:
        import sys

        if self.path is None:
            return sys.stdout
        self.file = open(self.path, "w", encoding="utf-8", newline="")
        return self.file

    def __exit__(self, *exc) -> None:
        if self.file is not None:
            self.file.close()


def write_table_text(df: pd.DataFrame, out: IO[str], tz: ZoneInfo | None = None) -> None:
    """A frame as a plain-text table into a file (no colours, not cut to the terminal's width)."""
    from rich.console import Console

    Console(file=out, width=200, color_system=None, soft_wrap=True).print(rich_table(df, tz=tz))
