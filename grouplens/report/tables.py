"""The CSV view of a report: the main table of each kind, one row per line.

Nested objects become dotted columns (``answer.name``, ``metrics.ad_share``); lists become
JSON text. Everything else a report holds is in its JSON.
"""

from __future__ import annotations

import json
from typing import IO, Any

from ..display import SafeCsvWriter
from .kinds import get_kind


def main_table(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of the report's main table (its kind's ``main_table``), flattened."""
    return [flatten(row) for row in report["data"][get_kind(report["kind"]).main_table]]


def flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = prefix + key
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, list):
            out[name] = json.dumps(value, ensure_ascii=False)
        else:
            out[name] = value
    return out


def write_report_csv(report: dict[str, Any], out: IO[str], *, keep_formulas: bool = False) -> None:
    """The main table as CSV with a header (columns in first-seen order). A cell a spreadsheet
    would run as a formula gets a leading ``'`` unless ``keep_formulas`` (``display``)."""
    rows = main_table(report)
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    writer = SafeCsvWriter(out, keep_formulas=keep_formulas)
    writer.writerow(list(columns))
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
