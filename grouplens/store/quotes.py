"""Resolving quotes that exports carry only as text (WeChat tools) to the quoted message's id.

A quote says who was quoted (a display name or a wxid), what they said (often cut short) and
sometimes when. The quoted message is the latest earlier message in the group whose text
starts with the quoted text, preferring one by the named sender and at the named second.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pandas as pd

from .. import schema as S

_KEY_CHARS = 8
_SPACE = re.compile(r"[\s\u2005\u3000]+")


def _norm(text: object) -> str:
    return _SPACE.sub("", text) if isinstance(text, str) else ""


def _key(norm: str) -> str:
    return norm[:_KEY_CHARS]


def resolve_quotes(quotes: pd.DataFrame, history: pd.DataFrame) -> pd.Series:
    """The msg_id each quote points at (None where no message matches).

    Args:
        quotes: rows with ts, quote_sender, quote_text, quote_ts (the replies), and their msg_id.
        history: the group's messages with msg_id, ts, sender_id, sender_name, text.
    Returns:
        A Series aligned with ``quotes.index``.
    """
    result = pd.Series([None] * len(quotes), index=quotes.index, dtype=object)
    if quotes.empty or history.empty:
        return result
    by_key: dict[str, list[int]] = defaultdict(list)
    norms = [_norm(t) for t in history[S.TEXT].tolist()]
    for i, n in enumerate(norms):
        if n:
            by_key[_key(n)].append(i)
    h_ts = history[S.TS].tolist()
    h_ids = history[S.MSG_ID].tolist()
    h_sid = history[S.SENDER_ID].tolist()
    h_name = history[S.SENDER_NAME].tolist()
    own_ids = quotes[S.MSG_ID].tolist() if S.MSG_ID in quotes else [None] * len(quotes)
    for idx, own, ts, who, text, qts in zip(quotes.index, own_ids, quotes[S.TS], quotes[S.QUOTE_SENDER],
                                            quotes[S.QUOTE_TEXT], quotes[S.QUOTE_TS]):
        q = _norm(text)
        if not q:
            continue
        best, best_score = None, -1
        for i in by_key.get(_key(q), ()):
            if h_ts[i] > ts or h_ids[i] == own or not norms[i].startswith(q):
                continue
            score = 1
            if isinstance(who, str) and who in (h_sid[i], h_name[i]):
                score += 2
            if qts is not None and not pd.isna(qts) and abs((h_ts[i] - qts).total_seconds()) < 1.5:
                score += 2
            if score > best_score or (score == best_score and h_ts[i] >= h_ts[best]):
                best, best_score = i, score
        if best is not None:
            result[idx] = h_ids[best]
    return result
