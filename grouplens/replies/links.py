"""Who replies to whom: explicit quotes are kept, every other message gets the parent the
reply-link model finds among the messages before it (or none when it opens a thread).

The model (``reply_model``) was trained on the IRC disentanglement corpus (Kummerfeld et al.,
ACL 2019, CC-BY-4.0) and reads only language-independent features (``reply_features``): who
spoke when, who named whom, shared uncommon words, question marks. It runs in passes: the
first links each message on its own; the next ones also see the threads the previous pass drew.
"""

from __future__ import annotations

import functools
from collections import ChainMap
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema as S
from ..errors import UsageError
from . import features as F
from .model import ReplyModel, Stage, load_model, softmax

EXPLICIT, INFERRED = S.REPLY_SOURCES
CHUNK = 4096  # children scored at once: keeps the (chunk, window) arrays in cache
_REQUIRED = (S.MSG_ID, S.TS, S.TEXT)


@functools.cache
def default_model() -> ReplyModel:
    """The model shipped in ``grouplens/models/``, loaded once."""
    return load_model()


def infer_reply_links(messages: pd.DataFrame, model: ReplyModel | None = None) -> pd.DataFrame:
    """``messages`` with ``reply_to`` filled in, and where each link comes from and how sure it is.

    Args:
        messages: one or several conversations (split by ``group_id`` when the column is there),
            with msg_id, ts, sender_id, sender_name, kind, text, mentions and reply_to columns.
        model: a reply-link model; the shipped one by default.

    Returns:
        A copy with ``reply_to`` (the export's own link if it has one, else the inferred parent's
        msg_id, else null), ``reply_source`` (``"explicit"``, ``"inferred"`` or null) and
        ``reply_score`` (the link's probability under the model, 1.0 for explicit links, NaN for
        none). System lines (``schema.EVENT_KINDS``) neither get nor receive inferred links.
    """
    missing = [c for c in _REQUIRED if c not in messages.columns]
    if missing:
        raise UsageError(f"infer_reply_links needs the columns {', '.join(missing)}")
    model = model or default_model()
    n = len(messages)
    if model.window != F.WINDOW:
        raise UsageError(f"the model looks {model.window} messages back; this grouplens looks {F.WINDOW}")
    explicit = (messages[S.REPLY_TO] if S.REPLY_TO in messages.columns else pd.Series(pd.NA, index=messages.index))
    has_explicit = explicit.notna().to_numpy()
    reply_to = np.where(has_explicit, explicit.to_numpy(dtype=object, na_value=None), None)
    source = np.where(has_explicit, EXPLICIT, None).astype(object)
    score = np.where(has_explicit, 1.0, np.nan)
    msg_ids = messages[S.MSG_ID].to_numpy(dtype=object)
    for rows in _conversations(messages):
        whole = len(rows) == n  # one conversation: no need to copy the frame
        child, parent, prob = _infer_conversation(messages if whole else messages.iloc[rows], model)
        child, parent = rows[child], rows[parent]
        take = ~has_explicit[child]
        reply_to[child[take]] = msg_ids[parent[take]]
        source[child[take]] = INFERRED
        score[child[take]] = prob[take]
    out = messages.copy(deep=False)  # copy-on-write: the caller's frame stays as it was
    out[S.REPLY_TO] = pd.Series(reply_to, index=messages.index, dtype="string")
    out[S.REPLY_SOURCE] = pd.Series(source, index=messages.index, dtype="string")
    out[S.REPLY_SCORE] = pd.Series(score, index=messages.index, dtype="float64")
    return out


def _conversations(messages: pd.DataFrame) -> Iterator[np.ndarray]:
    """Row positions of each conversation: links never cross groups."""
    if S.GROUP_ID not in messages.columns:
        yield np.arange(len(messages))
        return
    for rows in messages.groupby(S.GROUP_ID, sort=False, dropna=False).indices.values():
        yield np.asarray(rows)


def conversation_speech(frame: pd.DataFrame) -> tuple[np.ndarray, F.Speech | None, np.ndarray]:
    """The messages of one conversation that can link, as the features see them.

    Returns ``(rows, speech, explicit)``: the frame row positions of the non-system messages in
    time order, their feature arrays (None when fewer than two), and each one's explicitly quoted
    message as a position among them (``NONE`` if it has none there).
    """
    seconds = pd.to_datetime(frame[S.TS], utc=True).dt.as_unit("ms").astype("int64").to_numpy() / 1000.0
    kinds = frame[S.KIND] if S.KIND in frame.columns else pd.Series("text", index=frame.index)
    speaks = ~kinds.isin(S.EVENT_KINDS).to_numpy()
    order = np.argsort(seconds, kind="stable")
    rows = order[speaks[order]]
    if len(rows) < 2:
        return rows, None, np.full(len(rows), F.NONE, np.int64)
    taken = pa.array(rows)
    sp = F.speech_arrays(seconds[rows], pc.take(_speaker_keys(frame), taken),
                         pc.take(_column(frame, S.SENDER_NAME, pa.string()), taken),
                         pc.take(_column(frame, S.TEXT, pa.string()), taken),
                         pc.take(_column(frame, S.MENTIONS, S.NAMES_TYPE), taken))
    return rows, sp, _explicit_parents(frame, rows)


def _infer_conversation(frame: pd.DataFrame, model: ReplyModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The inferred links of one conversation: (child rows, parent rows, probabilities), in ``frame``'s
    row positions."""
    rows, sp, explicit = conversation_speech(frame)
    if sp is None:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    parent, prob, scores = explicit, np.zeros(len(rows)), None
    for k, stage in enumerate(model.stages):
        threads = F.threads_from(sp, parent) if k else None
        parent, prob, scores = best_parents(sp, stage, threads, scores, keep_scores=k + 1 < len(model.stages))
        # Explicit quotes also steer the next pass: they are the surest links there are.
        parent = np.where(explicit != F.NONE, explicit, parent)
    linked = np.nonzero(parent != F.NONE)[0]
    return rows[linked], rows[parent[linked]], prob[linked]


def best_parents(sp: F.Speech, stage: Stage, threads: F.Threads | None = None, previous: np.ndarray | None = None,
                 keep_scores: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Each message's best parent under one stage (NONE: opens a thread), that choice's
    probability, and (with ``keep_scores``) every option's score for the next stage.

    Stages after the first also read ``threads`` (the previous stage's guess) and ``previous``
    (its scores).
    """
    m = len(sp)
    parent = np.full(m, F.NONE, np.int64)
    prob = np.zeros(m)
    window = F.WINDOW
    kept = np.empty((m, window + 1), np.float32) if keep_scores else None
    for start in range(0, m, CHUNK):
        children = np.arange(start, min(start + CHUNK, m))
        valid, pairs = F.pair_features(sp, children)
        child = F.child_features(sp, children)
        if threads is not None:
            pairs = ChainMap(F.link_features(sp, threads, children), pairs)
            child = ChainMap(F.child_link_features(sp, threads, children), child)
        scores = stage.scores(pairs, child, valid, None if previous is None else previous[children])
        best = scores.argmax(axis=1)
        parent[children] = np.where(best < window, children - best - 1, F.NONE)
        prob[children] = softmax(scores)[np.arange(len(children)), best]
        if kept is not None:
            kept[children] = scores
    return parent, prob, kept


def _column(frame: pd.DataFrame, name: str, type_: pa.DataType) -> pa.Array:
    if name not in frame.columns:
        return pa.nulls(len(frame), type_)
    values = frame[name]
    if pa.types.is_list(type_):
        values = values.astype(object)
    arr = pa.array(values, type=type_, from_pandas=True)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _speaker_keys(frame: pd.DataFrame) -> pa.Array:
    """Who said each message: the sender id, else the name (one member, many names, one id)."""
    key = _column(frame, S.SENDER_ID, pa.string())
    name = _column(frame, S.SENDER_NAME, pa.string())
    return pc.fill_null(pc.coalesce(key, name), "?")


def _explicit_parents(frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """For the messages at ``rows`` (in time order), the position among them of each one's explicitly
    quoted message; NONE if it is not there (or not earlier, which no thread can hold)."""
    m = len(rows)
    if S.REPLY_TO not in frame.columns or not frame[S.REPLY_TO].notna().any():
        return np.full(m, F.NONE, np.int64)
    quoted = frame[S.REPLY_TO].to_numpy(dtype=object, na_value=None)[rows]
    ids = pd.Series(np.arange(m), index=frame[S.MSG_ID].to_numpy(dtype=object)[rows])
    ids = ids[~ids.index.duplicated()]
    pos = ids.reindex(quoted).to_numpy()
    pos = np.where(np.isnan(pos), F.NONE, pos).astype(np.int64)
    return np.where(pos < np.arange(m), pos, F.NONE)
