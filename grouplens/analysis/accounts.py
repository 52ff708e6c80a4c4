"""The same account in several groups of the store.

A QQ number or a wxid is the same in every group its owner joins, so the members tables of all
groups, read together, show who is where. Accounts are matched on platform and id; members an
export names without an id (``schema.NAME_ID_PREFIX``) are left out, because two people may
share a name and one person may use several.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema as S
from ..config import AccountsConfig, Config, load_config, zone_or_default
from ..store.store import Store, day_bounds
from ..text.classes import AD, class_rules, find_templates, own_words

GROUP_COUNT = "group_count"
# The columns of ``account_index``.
INDEX_COLUMNS: tuple[str, ...] = (S.PLATFORM, S.MEMBER_ID, S.GROUP_ID, S.GROUP_NAME, S.NAME, S.ROLE,
                                  S.MESSAGE_COUNT, S.FIRST_MESSAGE, S.LAST_MESSAGE, S.JOINED_AT, S.LEFT_AT)


def account_index(store: Store, *, private: bool = False) -> pd.DataFrame:
    """One row per member of every group chat (``INDEX_COLUMNS``), members known only by name
    left out; private (one-to-one) chats too when ``private``."""
    groups = store.groups(private=private)
    frames = []
    for gid, gname, platform in zip(groups[S.GROUP_ID], groups[S.GROUP_NAME], groups[S.PLATFORM]):
        m = store.members(gid)
        m = m[~m[S.MEMBER_ID].astype(str).str.startswith(S.NAME_ID_PREFIX)]
        if m.empty:
            continue
        frame = m[[S.MEMBER_ID, S.NAME, S.ROLE, S.MESSAGE_COUNT, S.FIRST_MESSAGE, S.LAST_MESSAGE, S.JOINED_AT,
                   S.LEFT_AT]].copy()
        frame[S.MEMBER_ID] = frame[S.MEMBER_ID].astype(str)
        frame[S.GROUP_ID], frame[S.GROUP_NAME], frame[S.PLATFORM] = str(gid), str(gname), str(platform)
        frames.append(frame)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in INDEX_COLUMNS})
    index = pd.concat(frames, ignore_index=True)[list(INDEX_COLUMNS)]
    return index.sort_values([S.PLATFORM, S.MEMBER_ID, S.GROUP_ID], kind="stable").reset_index(drop=True)


def shared_accounts(index: pd.DataFrame, min_groups: int = 2) -> pd.DataFrame:
    """The rows of ``account_index`` whose account is in at least ``min_groups`` groups, with
    ``group_count``."""
    counts = index.groupby([S.PLATFORM, S.MEMBER_ID])[S.GROUP_ID].transform("nunique")
    out = index.assign(**{GROUP_COUNT: counts})
    return out[out[GROUP_COUNT] >= min_groups].reset_index(drop=True)


def account_groups(store: Store, member_id: str, platform: str | None = None) -> list[dict[str, Any]]:
    """Every group chat of the store that knows the account ``member_id`` (on ``platform``):
    group id and name, the member's messages there, first and last message, list role; the
    busiest group first."""
    if str(member_id).startswith(S.NAME_ID_PREFIX):
        return []
    index = account_index(store)
    rows = index[(index[S.MEMBER_ID] == str(member_id))
                 & ((index[S.PLATFORM] == platform) if platform else True)]
    rows = rows.sort_values([S.MESSAGE_COUNT, S.GROUP_ID], ascending=[False, True], kind="stable")
    return [{"group_id": r[S.GROUP_ID], "group_name": r[S.GROUP_NAME], "messages": int(r[S.MESSAGE_COUNT] or 0),
             "first_message": r[S.FIRST_MESSAGE], "last_message": r[S.LAST_MESSAGE],
             "list_role": r[S.ROLE] if isinstance(r[S.ROLE], str) else None} for r in rows.to_dict("records")]


# --- accounts that advertise or post on a schedule in several groups ---------------------------

ADS, SCHEDULED = "ads", "scheduled"  # the flags: 跨群广告号, 跨群水军
FLAGS: tuple[str, ...] = (ADS, SCHEDULED)
STAFF_ROLES = frozenset({"owner", "admin"})
_SPEECH_COLUMNS = [S.MSG_ID, S.TS, S.SENDER_ID, S.KIND, S.TEXT]


def cross_group_accounts(store: Store, since: date | datetime | str | None = None,
                         until: date | datetime | str | None = None, *, tz: ZoneInfo | None = None,
                         config: Config | None = None, members: set[str] | None = None) -> list[dict[str, Any]]:
    """Accounts of several group chats that post ads (the ``ad`` message class) in at least
    ``[accounts] min_groups`` of them, or the same text at set times in that many (a
    near-identical text, as ``find_templates`` matches scripts, posted in each of those groups
    at about one time of day, on ``script_min_days`` days in all): the groups and dates are the
    evidence.

    Owners and admins of any group, and ``[accounts] ignore``, are never flagged. Each result:
    ``platform``, ``member_id``, ``name`` (the latest), ``flags`` (``ads``, ``scheduled``),
    ``groups`` (one dict per group the account is in: ``group_id``, ``group_name``,
    ``messages``, ``ads``, ``first_ad``, ``last_ad``, ``scheduled``), ``scripts`` (each text
    posted on a schedule: ``text`` (the latest post), ``groups`` (ids), ``times`` (group id ->
    local HH:MM), ``posts``, ``days``, ``first``, ``last``) and ``ad_example`` (the latest ad). Ordered by
    the number of groups, then ads; the same data always gives the same list. ``members``: look
    at these member ids only.
    """
    config = config or load_config()
    zone = zone_or_default(tz, config)
    cfg = config.accounts
    start, end = day_bounds(since, until, zone)
    index = shared_accounts(account_index(store), cfg.min_groups)
    if members is not None:
        index = index[index[S.MEMBER_ID].isin({str(m) for m in members})]
    if index.empty:
        return []
    keys = index[S.PLATFORM] + "\x00" + index[S.MEMBER_ID]
    staff = set(keys[index[S.ROLE].isin(STAFF_ROLES)]) | {k for k in keys if k.split("\x00", 1)[1] in cfg.ignore}
    index = index[~keys.isin(staff)].reset_index(drop=True)
    if index.empty:
        return []
    speech = _account_speech(store, index, start, end)
    if speech.empty:
        return []
    speech["key"] = speech[S.PLATFORM] + "\x00" + speech[S.SENDER_ID]
    rule = class_rules(config).get(AD)
    speech["is_ad"] = rule.match(own_words(speech[S.TEXT]), speech[S.KIND].astype(object)).to_numpy() \
        if rule is not None else False
    speech["script"] = _scripts(speech, config, zone)
    local = speech[S.TS].dt.tz_convert(zone)
    speech["day"] = local.dt.date
    names = index.groupby([S.PLATFORM, S.MEMBER_ID], sort=False)
    out = []
    for (platform, mid), rows in names:
        key = f"{platform}\x00{mid}"
        own = speech[speech["key"] == key]
        ads = own[own["is_ad"]]
        ad_groups = ads[S.GROUP_ID].nunique()
        scripts = _script_evidence(own, zone, cfg)
        flags = ([ADS] if ad_groups >= cfg.min_groups else []) + ([SCHEDULED] if scripts else [])
        if not flags:
            continue
        groups = []
        for r in rows.sort_values([S.MESSAGE_COUNT, S.GROUP_ID], ascending=[False, True]).to_dict("records"):
            mine = own[own[S.GROUP_ID] == r[S.GROUP_ID]]
            their_ads = mine[mine["is_ad"]]
            groups.append({"group_id": r[S.GROUP_ID], "group_name": r[S.GROUP_NAME], "messages": len(mine),
                           "ads": len(their_ads),
                           "first_ad": their_ads[S.TS].min() if len(their_ads) else None,
                           "last_ad": their_ads[S.TS].max() if len(their_ads) else None,
                           "scheduled": int(mine["script"].notna().sum())})
        latest = rows.sort_values(S.LAST_MESSAGE, na_position="first", kind="stable").iloc[-1]
        example = ads.sort_values(S.TS, kind="stable").iloc[-1] if len(ads) else None
        out.append({S.PLATFORM: platform, S.MEMBER_ID: mid,
                    S.NAME: latest[S.NAME] if isinstance(latest[S.NAME], str) else None, "flags": flags,
                    "group_count": len(groups), "ads": len(ads), "ad_groups": int(ad_groups), "groups": groups,
                    "scripts": scripts,
                    "ad_example": None if example is None else {S.MSG_ID: example[S.MSG_ID], S.TS: example[S.TS],
                                                                S.TEXT: example[S.TEXT],
                                                                "group_id": example[S.GROUP_ID]}})
    out.sort(key=lambda a: (-a["ad_groups"], -len(a["scripts"]), -a["ads"], a[S.PLATFORM], a[S.MEMBER_ID]))
    return out


def _account_speech(store: Store, index: pd.DataFrame, start: datetime | None, end: datetime | None
                    ) -> pd.DataFrame:
    """The messages of the accounts in ``index`` in each of their groups (notices left out)."""
    frames = []
    for (gid, platform), ids in index.groupby([S.GROUP_ID, S.PLATFORM], sort=True)[S.MEMBER_ID]:
        table = store.message_table(gid, _SPEECH_COLUMNS, start, end)
        table = table.filter(pc.fill_null(pc.is_in(table.column(S.SENDER_ID), value_set=pa.array(sorted(set(ids)))),
                                          False))
        if not table.num_rows:
            continue
        frame = table.to_pandas()
        frame = frame[~frame[S.KIND].isin(S.EVENT_KINDS)]
        frame[S.GROUP_ID], frame[S.PLATFORM] = gid, platform
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=[*_SPEECH_COLUMNS, S.GROUP_ID, S.PLATFORM])
    speech = pd.concat(frames, ignore_index=True)
    speech[S.TS] = pd.to_datetime(speech[S.TS], utc=True)
    return speech.sort_values([S.TS, S.GROUP_ID, S.MSG_ID], kind="stable").reset_index(drop=True)


def _scripts(speech: pd.DataFrame, config: Config, zone: ZoneInfo) -> pd.Series:
    """Per message, the text it is one post of when the account posts it again and again (an
    id): ``find_templates`` with each account as the unit instead of each group, so one text is
    matched across the account's groups."""
    cfg = config.accounts
    templates = replace(config.templates, min_chars=cfg.script_min_chars, min_days=cfg.script_min_days,
                        max_hour_spread=None)
    per_account = speech.assign(**{S.GROUP_ID: speech["key"]})
    return find_templates(per_account, replace(config, templates=templates), tz=zone)


def _script_evidence(own: pd.DataFrame, zone: ZoneInfo, cfg: AccountsConfig) -> list[dict[str, Any]]:
    """Each text one account posts at set times of day in at least ``min_groups`` groups, on
    ``script_min_days`` days in all. Set times, in a group: its posts there fall in at most
    ``MAX_SLOTS`` slots of the day (a slot: posts each within ``script_max_hour_spread`` hours of
    the next, spread no wider); and at least one slot of these groups was used twice or more,
    so the schedule is seen, not assumed from single posts."""
    out = []
    width = cfg.script_max_hour_spread * 60
    for _, posts in own[own["script"].notna()].groupby("script", sort=True):
        if posts[S.GROUP_ID].nunique() < cfg.min_groups or posts["day"].nunique() < cfg.script_min_days:
            continue
        local = posts[S.TS].dt.tz_convert(zone)
        minutes = (local.dt.hour * 60 + local.dt.minute).to_numpy(np.float64)
        times, kept, repeated = {}, np.zeros(len(posts), bool), False
        for gid in sorted(posts[S.GROUP_ID].unique()):
            here = (posts[S.GROUP_ID] == gid).to_numpy()
            slots = _slots(minutes[here], width)
            if slots is None or slots.max() + 1 > MAX_SLOTS:
                continue
            repeated |= bool(np.bincount(slots).max() >= 2)
            times[gid] = "/".join(sorted(_clock(_circular_minutes(minutes[here][slots == k])[1])
                                         for k in range(slots.max() + 1)))
            kept |= here
        chosen = posts[kept]
        if len(times) < cfg.min_groups or not repeated or chosen["day"].nunique() < cfg.script_min_days:
            continue
        out.append({S.TEXT: chosen[S.TEXT].iloc[-1], "groups": sorted(times), "times": times, "posts": len(chosen),
                    "days": int(chosen["day"].nunique()), "first": chosen[S.TS].min(), "last": chosen[S.TS].max()})
    out.sort(key=lambda s: (-len(s["groups"]), -s["posts"], str(s[S.TEXT])))
    return out


MAX_SLOTS = 2  # a scheduled account posts at one or two set times a day


def _slots(minutes: np.ndarray, width: float) -> np.ndarray | None:
    """Each time of day's slot (0, 1, …): times each within ``width`` minutes of the next,
    around the clock; None when a slot spreads wider than ``width``."""
    n = len(minutes)
    order = np.argsort(minutes, kind="stable")
    ordered = minutes[order]
    big = np.diff(np.concatenate([ordered, ordered[:1] + 1440])) > width  # the gap after each time (the last wraps)
    slot = np.zeros(n, np.int64)
    if big.any():
        first = (np.flatnonzero(big)[0] + 1) % n  # a slot starts after a wide gap
        walk = (first + np.arange(n)) % n
        starts = big[(walk - 1) % n]
        starts[0] = False
        slot[order[walk]] = np.cumsum(starts)
    for k in set(slot.tolist()):
        if _circular_minutes(minutes[slot == k])[0] > width:
            return None
    return slot


def _clock(minute: float) -> str:
    m = int(minute) % 1440
    return f"{m // 60:02d}:{m % 60:02d}"


def _circular_minutes(minutes: np.ndarray) -> tuple[float, float]:
    """The spread (circular standard deviation) and the mean of times of day, in minutes
    (23:50 and 00:10 are 20 minutes apart)."""
    angles = minutes * (2 * np.pi / 1440)
    c, s = np.cos(angles).mean(), np.sin(angles).mean()
    r = min(1.0, float(np.hypot(c, s)))
    spread = 0.0 if r >= 1.0 - 1e-12 else float(np.sqrt(-2.0 * np.log(max(r, 1e-12)))) * 1440 / (2 * np.pi)
    return spread, round(float(np.arctan2(s, c) % (2 * np.pi)) * 1440 / (2 * np.pi)) % 1440
