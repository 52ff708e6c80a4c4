"""JSON-ready values and rows from what analyses return (DataFrames, timestamps, numpy values).

The one conversion every JSON output shares: times as ISO 8601 with the offset of a chosen time
zone, numpy scalars and arrays as Python values, missing values as null.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from . import schema as S

if TYPE_CHECKING:
    import pandas as pd

JSON_COLUMNS = (S.EXTRA,)  # columns holding JSON text, emitted as objects in JSON output


def plain(value: Any, tz: ZoneInfo | None = None) -> Any:
    """A JSON-ready version of one cell: ISO times with offset, lists, None for missing."""
    if value is None:
        return None
    if type(value) in (str, int, bool):
        return value
    # A pandas or numpy value can only come from a loaded pandas or numpy (plain Python values,
    # such as a pyarrow table's rows, need neither).
    pd, np = sys.modules.get("pandas"), sys.modules.get("numpy")
    if pd is not None and (value is pd.NA or value is pd.NaT):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if pd is not None and isinstance(value, pd.Timestamp):
        return (value.tz_convert(tz) if tz and value.tzinfo else value).isoformat()
    if isinstance(value, datetime):
        return (value.astimezone(tz) if tz and value.tzinfo else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if np is not None and isinstance(value, np.ndarray):
        return [plain(v, tz) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [plain(v, tz) for v in value]
    if isinstance(value, dict):
        return {k: plain(v, tz) for k, v in value.items()}
    if np is not None and isinstance(value, np.generic):
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
