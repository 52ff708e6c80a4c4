"""The per-group analyses run for every group of a store at once (``roles --all``,
``engagement --all``), one group per engine task (``grouplens.engine``).

Groups come largest first (the order of ``grouplens groups``); private (one-to-one) chats are
left out unless ``private``. Each task reads its own group and returns that group's result, so
a worker holds one group at a time whatever the size of the store.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd

from . import schema as S
from .analysis.engagement import EngagementReport, group_engagement
from .config import Config
from .engine import Engine, Progress, map_groups
from .roles import group_roles
from .store.store import Store

When = date | datetime | str | None


def every_group_roles(store: Store, since: When = None, until: When = None, *, lang: str = "zh",
                      tz: ZoneInfo | None = None, config: Config | None = None, private: bool = False,
                      engine: Engine | None = None, progress: Progress | None = None) -> pd.DataFrame:
    """``group_roles`` of every group, one table: the group's id and name first, then each
    member's row as ``group_roles`` gives it, group after group."""
    groups = store.groups(private=private)
    results = map_groups(_roles_of, store, groups[S.GROUP_ID].tolist(), since, until, lang, tz, config,
                         engine=engine, progress=progress)
    frames = []
    for (gid, name), result in zip(groups[[S.GROUP_ID, S.GROUP_NAME]].itertuples(index=False), results):
        frames.append(result.assign(**{S.GROUP_ID: gid, S.GROUP_NAME: name})[
            [S.GROUP_ID, S.GROUP_NAME, *result.columns]])
    if not frames:
        return pd.DataFrame(columns=[S.GROUP_ID, S.GROUP_NAME])
    return pd.concat(frames, ignore_index=True)


def every_group_engagement(store: Store, since: When = None, until: When = None, *, top: int = 10,
                           tz: ZoneInfo | None = None, config: Config | None = None, private: bool = False,
                           engine: Engine | None = None, progress: Progress | None = None
                           ) -> list[EngagementReport]:
    """``group_engagement`` of every group, in the order of ``grouplens groups``."""
    ids = store.groups(private=private)[S.GROUP_ID].tolist()
    return map_groups(_engagement_of, store, ids, since, until, top, tz, config, engine=engine, progress=progress)


def _roles_of(store: Store, group_id: str, since: When, until: When, lang: str, tz: ZoneInfo | None,
              config: Config | None) -> pd.DataFrame:
    return group_roles(store, group_id, since, until, lang=lang, tz=tz, config=config)


def _engagement_of(store: Store, group_id: str, since: When, until: When, top: int, tz: ZoneInfo | None,
                   config: Config | None) -> EngagementReport:
    return group_engagement(store, group_id, since, until, top=top, tz=tz, config=config)
