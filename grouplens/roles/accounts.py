"""Accounts in several groups, as ``grouplens roles`` shows them: a member whose QQ number or
wxid posts ads in several group chats of the store gets the tag ``cross_group_ads``
(跨群广告号), one who posts the same text at set times in several gets ``cross_group_shill``
(跨群水军); the reason names the groups and the dates (``analysis.accounts``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from .. import schema as S
from ..analysis.accounts import ADS, SCHEDULED, cross_group_accounts
from ..analysis.group import GroupData
from .classifier import OPERATOR, TAGS_COLUMN

CROSS_GROUP_ADS, CROSS_GROUP_SHILL = "cross_group_ads", "cross_group_shill"
CROSS_GROUP_TAGS: dict[str, str] = {ADS: CROSS_GROUP_ADS, SCHEDULED: CROSS_GROUP_SHILL}
REASON = "reason"


def with_cross_group(result: pd.DataFrame, data: GroupData, since: date | datetime | str | None = None,
                     until: date | datetime | str | None = None, lang: str = "zh") -> pd.DataFrame:
    """``result`` (``member_roles`` of ``data``'s group) with the cross-group tags added to the
    members they fit, and a clause saying where and when added to their reason; the accounts
    are judged on the same days as the roles (``since``, ``until``). A member this group's
    roles tag as an operator account is left as it is: operators post the same scripts in all
    their groups."""
    found = cross_group_accounts(data.store, since, until, tz=data.tz, config=data.config,
                                 members=set(result[S.MEMBER_ID].astype(str)))
    found = [a for a in found if a[S.PLATFORM] == data.platform]
    if not found:
        return result
    names = dict(zip(data.store.groups()[S.GROUP_ID], data.store.groups()[S.GROUP_NAME]))
    by_id = {a[S.MEMBER_ID]: a for a in found}
    result = result.copy()
    tags, reasons = list(result[TAGS_COLUMN]), list(result[REASON])
    for i, mid in enumerate(result[S.MEMBER_ID].astype(str)):
        a = by_id.get(mid)
        if a is None or OPERATOR in tags[i]:  # the group's own operator account posts scripts everywhere
            continue
        tags[i] = [*tags[i], *(CROSS_GROUP_TAGS[f] for f in a["flags"])]
        clauses = [cross_group_clause(a, f, names, data.tz, lang) for f in a["flags"]]
        joined = "；".join(clauses) + "。" if lang == "zh" else "; ".join(clauses) + "."
        reasons[i] = reasons[i].rstrip("。.") + ("；" if lang == "zh" else "; ") + joined
    result[TAGS_COLUMN] = tags
    result[REASON] = reasons
    return result


def cross_group_clause(account: dict[str, Any], flag: str, names: dict[str, str], tz, lang: str) -> str:
    """Where and when an account advertised, or posted on a schedule, in Chinese or English:
    ``account`` as ``cross_group_accounts`` gives it (times, read in ``tz``) or as a report
    holds it (dates)."""
    zh = lang == "zh"

    def day(ts: Any) -> str:  # a time, or a report's date (YYYY-MM-DD) already in the report's zone
        return ts[:10] if isinstance(ts, str) else pd.Timestamp(ts).tz_convert(tz).strftime("%Y-%m-%d")

    if flag == ADS:
        spans = {g["group_id"]: day(g["first_ad"]) + (f"…{day(g['last_ad'])}" if day(g["last_ad"]) != day(g["first_ad"])
                                                      else "") for g in account["groups"] if g["ads"]}
        parts = [f"{g['group_name']} {g['ads']}条（{spans[g['group_id']]}）" if zh else
                 f"{g['group_name']}: {g['ads']} ({spans[g['group_id']]})" for g in account["groups"] if g["ads"]]
        return (f"跨群广告号：在{len(parts)}个群发广告（{'；'.join(parts)}）" if zh else
                f"ads in {len(parts)} groups ({'; '.join(parts)})")
    script = account["scripts"][0]
    parts = [f"{names.get(g, g)} {script['times'][g]}" for g in script["groups"]]
    return (f"跨群水军：在{len(parts)}个群定时发同样的话（{'；'.join(parts)}，共{script['days']}天）" if zh else
            f"the same text at set times in {len(parts)} groups ({'; '.join(parts)}; {script['days']} days)")
