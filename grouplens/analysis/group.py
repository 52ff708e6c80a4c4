"""One group's data for a period, prepared once for every analysis: messages, members, words.

Roles, engagement, lifecycle and the reports all start from ``load_group``; it reads the store,
and each ``with_*`` step adds columns computed from the messages (words from the token cache,
message classes, reply links), so an analysis asks for what it needs and nothing is computed
twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from .. import schema as S
from ..config import Config, load_config, zone_or_default
from ..progress import phase
from ..store.store import Store, day_bounds
from ..text.classes import classify_messages


@dataclass
class GroupData:
    """A group's messages in a period (ts ascending) and everyone known in the group."""

    store: Store
    group_id: str
    group_name: str
    platform: str
    messages: pd.DataFrame
    members: pd.DataFrame
    start: datetime | None  # UTC bounds of the period, [start, end); None = open
    end: datetime | None
    tz: ZoneInfo
    config: Config
    class_names: list[str] = field(default_factory=list)
    stored: bool = False  # the messages are the store's rows: derived data comes from its cache

    @property
    def speech(self) -> pd.DataFrame:
        """Messages members said (platform notices, joins, recalls and pats left out)."""
        m = self.messages
        return m[m[S.SENDER_ID].notna() & ~m[S.KIND].isin(S.EVENT_KINDS)]


def load_group(store: Store, group: str | None = None, since: date | datetime | str | None = None,
               until: date | datetime | str | None = None, *, tz: ZoneInfo | None = None,
               config: Config | None = None) -> GroupData:
    """Read a group's messages for a period (inclusive days in ``tz``, default ``[time] tz``)
    and its members."""
    config = config or load_config()
    zone = zone_or_default(tz, config)
    phase("reading messages")
    group_id = store.resolve_group(group)
    row = store.groups().set_index(S.GROUP_ID).loc[group_id]
    start, end = day_bounds(since, until, zone)
    return GroupData(store=store, group_id=group_id, group_name=row[S.GROUP_NAME], platform=row[S.PLATFORM],
                     messages=read_messages(store, group_id, start, end), members=store.members(group_id),
                     start=start, end=end, tz=zone, config=config, stored=True)


def read_messages(store: Store, group_id: str, start: datetime | None, end: datetime | None) -> pd.DataFrame:
    """A stored group's messages with ``start <= ts < end`` (UTC; None = open), ts ascending."""
    return store.message_table(group_id, None, start, end).to_pandas(types_mapper=_strings).reset_index(drop=True)


def with_tokens(data: GroupData) -> GroupData:
    """Add each message's words (``schema.TOKENS``), segmenting only what the cache lacks."""
    if S.TOKENS not in data.messages:
        phase("words")
        from ..text.segment import Segmenter
        from ..text.tokens import message_tokens
        segmenter = Segmenter(data.config)
        data.messages[S.TOKENS] = message_tokens(data.store, data.group_id, data.messages, segmenter)
    return data


def with_classes(data: GroupData) -> GroupData:
    """Add one boolean column per message class (question, objection, ad, …): for stored
    messages from the store's cache (``analysis.derived``), else worked out here."""
    if not data.class_names:
        phase("message classes")
        if data.stored:
            from .derived import group_classes
            classes = group_classes(data.store, data.group_id, data.messages, data.config, data.tz)
        else:
            classes = classify_messages(data.messages, data.config, tz=data.tz)
        data.class_names = list(classes.columns)
        for name in data.class_names:
            data.messages[name] = classes[name]
    return data


def with_replies(data: GroupData) -> GroupData:
    """Resolve whom each message answers: explicit quotes kept, the rest inferred by the reply
    model (``schema.REPLY_TO``, ``schema.REPLY_SOURCE``, ``schema.REPLY_SCORE``). For stored
    messages this comes from the store's cache (``analysis.derived``) with each question's
    answer (``schema.ASKS``, ``schema.ANSWERED_BY`` …) and the answers linked to their questions."""
    if S.REPLY_SOURCE not in data.messages:
        phase("reply links")
        if data.stored:
            from .derived import group_replies
            with_classes(data)
            found = group_replies(data.store, data.group_id, data.messages, data.members, data.config, data.tz,
                                  data.class_names)
            data.messages = data.messages.assign(**{c: found[c] for c in found.columns})
        else:
            from ..replies.links import infer_reply_links
            data.messages = drop_stale_inferred_links(infer_reply_links(data.messages))
    return data


# An inferred link to a message this much older is not believed: the reply model learnt from
# live chat, where answers come within minutes; a group post a day later starts a new topic.
MAX_INFERRED_GAP = pd.Timedelta(hours=3)


def drop_stale_inferred_links(messages: pd.DataFrame, max_gap: pd.Timedelta = MAX_INFERRED_GAP) -> pd.DataFrame:
    """Remove inferred (never explicit) reply links that reach further back than ``max_gap``."""
    inferred = (messages[S.REPLY_SOURCE].astype(object) == S.REPLY_SOURCES[1]).to_numpy()
    if not inferred.any():
        return messages
    when = pd.Series(messages[S.TS].to_numpy(), index=messages[S.MSG_ID].astype(object))
    when = when[~when.index.duplicated()]
    parent_ts = messages[S.REPLY_TO].astype(object).map(when)
    stale = inferred & ((pd.to_datetime(messages[S.TS]) - pd.to_datetime(parent_ts)) > max_gap).to_numpy()
    if stale.any():
        messages = messages.copy()
        messages.loc[stale, S.REPLY_TO] = pd.NA
        messages.loc[stale, S.REPLY_SOURCE] = pd.NA
        messages.loc[stale, S.REPLY_SCORE] = np.nan
    return messages


def messages_with_replies(store: Store, group: str | None = None, since: date | datetime | str | None = None,
                          until: date | datetime | str | None = None, *,
                          tz: ZoneInfo | None = None) -> pd.DataFrame:
    """A group's messages (the store's columns) with every reply link resolved: the export's own
    quotes kept, the others inferred by the reply model, with ``reply_source`` and ``reply_score``."""
    from ..replies.links import infer_reply_links
    return drop_stale_inferred_links(infer_reply_links(store.messages(group=group, since=since, until=until, tz=tz)))


def group_keywords(store: Store, group: str | None = None, since: date | datetime | str | None = None,
                   until: date | datetime | str | None = None, *, by: str | None = "group", top: int = 10,
                   method: str = "tfidf", tz: ZoneInfo | None = None, config: Config | None = None) -> pd.DataFrame:
    """A group's keywords for a period, per week, per member or for the whole period.

    Rows: the unit (``period`` for weeks, ``sender_id`` and ``name`` for members), then term,
    score, count, rank and method. The library function behind ``grouplens keywords``.
    """
    from ..text.keywords import keywords  # scikit-learn: only for keywords
    data = with_tokens(load_group(store, group, since, until, tz=tz, config=config))
    speech = data.speech
    unit = None if by in (None, "group") else by
    result = keywords(speech, speech[S.TOKENS], by=unit, top=top, method=method, tz=data.tz)
    if unit == "member" and not result.empty:
        names = data.members.set_index(S.MEMBER_ID)[S.NAME]
        result.insert(result.columns.get_loc(S.SENDER_ID) + 1, S.NAME, result[S.SENDER_ID].map(names))
    return result


def _strings(t):
    import pyarrow as pa
    return pd.StringDtype() if pa.types.is_string(t) or pa.types.is_large_string(t) else None
