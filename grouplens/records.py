"""JSON-ready values and rows from what analyses return (DataFrames, timestamps, numpy values).

The one conversion every JSON output shares: times as ISO 8601 with the offset of a chosen time
zone, numpy scalars and arrays as Python values, missing values as null.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from . import schema as S

JSON_COLUMNS = (S.EXTRA,)  # columns holding JSON text, emitted as objects in JSON output


def plain(value: Any, tz: ZoneInfo | None = None) -> Any:
    """A JSON-ready version of one cell: ISO times with offset, lists, None for missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return (value.tz_convert(tz) if tz and value.tzinfo else value).isoformat()
    if isinstance(value, datetime):
        return (value.astimezone(tz) if tz and value.tzinfo else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        return [plain(v, tz) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [plain(v, tz) for v in value]
    if isinstance(value, dict):
        return {k: plain(v, tz) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def records(df: pd.DataFrame, tz: ZoneInfo | None = None, json_columns: Sequence[str] = JSON_COLUMNS
            ) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts, in the frame's column order."""
    out = []
    cols = list(df.columns)
    for row in df.itertuples(index=False, name=None):
        rec = {}
        for col, value in zip(cols, row):
            v = plain(value, tz)
            if col in json_columns and isinstance(v, str):
                try:
                    v = json.loads(v)
                except ValueError:
                    pass
            rec[col] = v
        out.append(rec)
    return out
