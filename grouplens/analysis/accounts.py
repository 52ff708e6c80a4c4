"""The same account in several groups of the store.

A QQ number or a wxid is the same in every group its owner joins, so the members tables of all
groups, read together, show who is where. Accounts are matched on platform and id; members an
export names without an id (``schema.NAME_ID_PREFIX``) are left out, because two people may
share a name and one person may use several.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import schema as S
from ..store.store import Store

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
