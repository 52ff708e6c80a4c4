"""The CSV view of a report: the main table of each kind, one row per line.

Nested objects become dotted columns (``answer.name``, ``metrics.ad_share``); lists become
JSON text. Everything else a report holds is in its JSON.
"""

from __future__ import annotations

import csv
import json
from typing import IO, Any

# The list in ``data`` that is each kind's main table.
MAIN_TABLES: dict[str, str] = {
    "weekly": "comparison", "activity": "daily", "members": "weekly", "lifecycle": "weekly",
    "kol": "influence", "questions": "questions", "checkins": "members", "compliance": "offenders",
    "groups": "groups",
}


def main_table(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of the report's main table, flattened."""
    return [flatten(row) for row in report["data"][MAIN_TABLES[report["kind"]]]]


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


def write_report_csv(report: dict[str, Any], out: IO[str]) -> None:
    """The main table as CSV with a header (columns in first-seen order)."""
    rows = main_table(report)
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(columns))
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
