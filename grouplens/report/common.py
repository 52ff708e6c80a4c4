"""Small measures every report uses: safe ratios, the Gini coefficient, day and week labels,
member rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from .. import schema as S
from .people import People
from .period import week_label


def ratio(numerator: float, denominator: float, digits: int = 4) -> float | None:
    """numerator ÷ denominator rounded, or None when there is nothing to divide by."""
    if not denominator:
        return None
    return round(float(numerator) / float(denominator), digits)


def rounded(value: float | None, digits: int = 2) -> float | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return round(float(value), digits)


def gini(counts: Iterable[float]) -> float | None:
    """How unequal the counts are: 0 when everyone sends as much, towards 1 when one person
    sends everything. None for no one."""
    x = np.sort(np.asarray(list(counts), dtype=np.float64))
    n = len(x)
    if n == 0 or x.sum() == 0:
        return None
    index = np.arange(1, n + 1)
    return round(float(2.0 * (index * x).sum() / (n * x.sum()) - (n + 1) / n), 4)


def day_text(day: pd.Timestamp | date) -> str:
    return pd.Timestamp(day).date().isoformat()


def week_text(monday: pd.Timestamp | date) -> str:
    return week_label(pd.Timestamp(monday).date())


def iso_time(ts: pd.Timestamp, tz) -> str:
    return pd.Timestamp(ts).tz_convert(tz).isoformat()


def member_rows(people: People, ids: Iterable[str], **columns: Iterable[Any]) -> list[dict[str, Any]]:
    """One dict per member id: the member's three reference fields, then ``columns``."""
    ids = list(ids)
    cols = {k: list(v) for k, v in columns.items()}
    rows = []
    for i, mid in enumerate(ids):
        row = people.ref(mid)
        for k, v in cols.items():
            row[k] = _plain(v[i])
        rows.append(row)
    return rows


def message_row(people: People, row: Mapping[str, Any], tz, **extra: Any) -> dict[str, Any]:
    """A message in a report: who, when, what (the text goes through the privacy step)."""
    out = people.ref(row[S.SENDER_ID])
    out[S.MSG_ID] = row[S.MSG_ID]
    out[S.TS] = iso_time(row[S.TS], tz)
    out[S.KIND] = row[S.KIND]
    out[S.TEXT] = _plain(row[S.TEXT])
    out.update({k: _plain(v) for k, v in extra.items()})
    return out


def message_rows(people: People, frame: pd.DataFrame, tz, **columns: Iterable[Any]) -> list[dict[str, Any]]:
    """``message_row`` for each row of ``frame``, with extra per-row ``columns``."""
    cols = {k: list(v) for k, v in columns.items()}
    records = frame[[S.SENDER_ID, S.MSG_ID, S.TS, S.KIND, S.TEXT]].to_dict("records")
    return [message_row(people, r, tz, **{k: v[i] for k, v in cols.items()}) for i, r in enumerate(records)]


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and np.isnan(v):
        return None
    if v is pd.NA or v is pd.NaT:
        return None
    return v
