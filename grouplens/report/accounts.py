"""Accounts in several groups, as reports show them: the groups overview and ``roles`` flag
accounts that post ads (跨群广告号) or the same text at set times (跨群水军) in several group
chats of the store, with the groups and dates as evidence (``analysis.accounts``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from .. import schema as S
from ..analysis.accounts import cross_group_accounts
from ..config import Config
from ..store.store import Store
from .common import iso_time
from .people import MEMBER, member_key


def accounts_part(store: Store, tz: ZoneInfo, config: Config, first_day: date | None = None,
                  last_day: date | None = None, *, members: set[str] | None = None) -> dict[str, Any]:
    """The flagged accounts of the days ``first_day`` … ``last_day`` (every day when None), as
    report rows: each is a member object (the privacy step hides ids and names) with its flags,
    groups, dates and examples."""
    found = cross_group_accounts(store, first_day, last_day, tz=tz, config=config, members=members)
    names = dict(zip(store.groups()[S.GROUP_ID], store.groups()[S.GROUP_NAME]))
    rows = []
    for a in found:
        rows.append({
            MEMBER: member_key(store.salt, a[S.MEMBER_ID]), S.MEMBER_ID: a[S.MEMBER_ID], S.NAME: a[S.NAME],
            S.PLATFORM: a[S.PLATFORM], "flags": a["flags"], "group_count": a["group_count"], "ads": a["ads"],
            "ad_groups": a["ad_groups"],
            "groups": [{"group_id": g["group_id"], "group_name": g["group_name"], "messages": g["messages"],
                        "ads": g["ads"], "first_ad": _day(g["first_ad"], tz), "last_ad": _day(g["last_ad"], tz),
                        "scheduled": g["scheduled"]} for g in a["groups"]],
            "scripts": [{S.TEXT: sc[S.TEXT], "groups": sc["groups"], "group_names": [names.get(g, g) for g in sc["groups"]],
                         "times": sc["times"], "posts": sc["posts"], "days": sc["days"],
                         "first_day": _day(sc["first"], tz), "last_day": _day(sc["last"], tz)} for sc in a["scripts"]],
            "ad_example": None if a["ad_example"] is None else {
                S.MSG_ID: a["ad_example"][S.MSG_ID], S.TS: iso_time(a["ad_example"][S.TS], tz),
                S.TEXT: a["ad_example"][S.TEXT], "group_id": a["ad_example"]["group_id"],
                "group_name": names.get(a["ad_example"]["group_id"])},
        })
    return {"first_day": first_day.isoformat() if first_day else None,
            "last_day": last_day.isoformat() if last_day else None,
            "min_groups": config.accounts.min_groups, "accounts": rows}


def overview_days(monday: date | None, config: Config) -> tuple[date | None, date | None]:
    """The days the groups overview looks for accounts in: the ``[members] core_window_weeks``
    weeks up to the chosen week, or every day without one."""
    if monday is None:
        return None, None
    return monday - timedelta(weeks=config.members.core_window_weeks - 1), monday + timedelta(days=6)


def _day(ts: Any, tz: ZoneInfo) -> str | None:
    return None if ts is None or pd.isna(ts) else pd.Timestamp(ts).tz_convert(tz).date().isoformat()
