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
