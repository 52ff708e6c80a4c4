"""The ``groups`` report: one row per group in the store, ranked by health, with its stage and
trend — the view of an operator who runs many groups.

Groups are read one at a time (only the weeks and message classes the lifecycle rules need),
so memory is bounded by the largest group whatever the number of groups; the rows are computed
on the current engine (``grouplens.engine``: worker processes or a dask cluster), one group per
task, and come back in the same order whichever engine ran them. Without ``--week`` each group is judged on
its own latest complete week (exports of different groups end on different days).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow.compute as pc

from .. import schema as S
from ..config import Config
from ..engine import map_groups
from ..errors import UsageError
from ..store.store import Store
from .common import ratio, rounded, week_text
from .context import load_context
from .labels import label
from .lifecycle import STAGES, lifecycle_config, lifecycle_weeks
from .period import latest_complete_week, parse_week, week_period

ATTENTION_STAGES = frozenset({"declining", "ad-dominated", "help-desk", "dead"})


def portfolio_section(store: Store, tz: ZoneInfo, config: Config, *, week: str | None = None,
                      month: str | None = None, since: str | None = None, until: str | None = None,
                      lang: str = "zh", private: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``groups`` report's data and the period it covers; private (one-to-one) chats are
    left out unless ``private``."""
    if month or since or until:
        raise UsageError("the groups overview compares weeks: pass --week (e.g. 2024-W14) or nothing for "
                         "each group's latest complete week")
    monday = parse_week(week) if week else None
    ids = store.groups(private=private)[S.GROUP_ID].tolist()
    rows = map_groups(overview_row, store, ids, tz, config, monday)
    rows.sort(key=lambda r: (r["health"] is None, -(r["health"] or 0), str(r["name"]), r["group_id"]))
    for rank, r in enumerate(rows, 1):
        r["rank"] = rank
    staged = [r for r in rows if r["stage"]]
    data = {
        "totals": {"groups": len(rows), "with_data": len(staged),
                   "by_stage": {s: n for s, n in Counter(r["stage"] for r in staged).items()},
                   "needing_attention": sum(r["attention"] for r in rows)},
        "stages": list(STAGES),
        "groups": rows,
    }
    if monday:
        period = week_period(monday, tz).to_dict()
    else:
        # Each group has its own week: the period's keys are there, with no dates.
        period = {"label": label("each_latest_week", lang), "first_day": None, "last_day": None,
                  "days": None, "week": None, "month": None, "tz": str(tz), "start": None, "end": None}
    return data, period


def overview_row(store: Store, group_id: str, tz: ZoneInfo, config: Config, monday=None) -> dict[str, Any]:
    """``group_row`` of the group with this id (one engine task)."""
    table = store.groups_table()
    (group,) = table.filter(pc.equal(table.column(S.GROUP_ID), group_id)).to_pandas().to_dict("records")
    return group_row(store, group, tz, config, monday)


def group_row(store: Store, group: dict[str, Any], tz: ZoneInfo, config: Config, monday=None) -> dict[str, Any]:
    """One group's row: its stage and health in the week, last week's stage, the trend."""
    gid = group[S.GROUP_ID]
    row = {"group_id": gid, "name": group[S.GROUP_NAME], "platform": group[S.PLATFORM], "rank": None,
           "week": None, "stage": None, "previous_stage": None, "rule": None, "health": None,
           "messages": None, "messages_per_day": None, "change": None, "speakers": None, "members": None,
           "speaker_share": None, "ad_share": None, "joins": None, "leaves": None, "last_day": None,
           "attention": False}
    if pd.isna(group[S.FIRST_TS]):
        return row
    first_day = pd.Timestamp(group[S.FIRST_TS]).tz_convert(tz).date()
    last_day = pd.Timestamp(group[S.LAST_TS]).tz_convert(tz).date()
    monday = monday or latest_complete_week(first_day, last_day)
    row.update(week=week_text(monday), last_day=last_day.isoformat())
    if monday > last_day or monday + timedelta(days=6) < first_day:
        return row
    ctx = load_context(store, gid, week_period(monday, tz), lifecycle_config(config))
    before, now = lifecycle_weeks(ctx, [monday - timedelta(days=7), monday])
    m = now["metrics"]
    row.update(stage=now["stage"], previous_stage=before["stage"], rule=now["rule"],
               health=now["health"]["score"] if now["health"] else None, messages=m["messages"],
               messages_per_day=m["messages_per_day"], speakers=m["speakers"], members=m["members"],
               speaker_share=m["speaker_share"], ad_share=m["ad_share"], joins=m["joins"], leaves=m["leaves"])
    then = before["metrics"]["messages_per_day"]
    if then and m["messages_per_day"] is not None:
        row["change"] = rounded(ratio(m["messages_per_day"] - then, then), 4)
    row["attention"] = now["stage"] in ATTENTION_STAGES
    return row
