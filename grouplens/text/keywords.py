"""Keywords: the words that characterise a group, a week or a member.

Two methods over pre-segmented messages (``Segmenter.message_tokens``):

- ``tfidf``: the "documents" are the units being compared (the groups, the weeks, the
  members), each the concatenation of its messages' words. A term scores high for a unit when
  the unit uses it often and few other units use it, so what rises is what is *distinctive*
  of that week or that member, not what every week says. Term frequencies are sublinear
  (1 + log count) so that one member repeating a word forty times does not drown the rest.
  With a single unit (one group, ``by=None``) there is nothing to compare against, so the
  inverse document frequency is taken over the unit's messages instead: words that recur in
  many messages score lower than words concentrated in a few.
- ``textrank``: PageRank over a graph whose nodes are words and whose edges join words that
  occur within ``window`` words of each other in one message (weighted by how often). It finds
  central words of one unit without reference to others.

Either way a term needs at least ``min_count`` occurrences in a unit to be a keyword of it:
a word said once is an accident, not a topic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal
from zoneinfo import ZoneInfo

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from .. import schema
from ..config import DEFAULT_ZONE
from ..errors import UsageError

# Columns of the keywords table (besides the unit's own columns: schema.GROUP_ID,
# schema.SENDER_ID, PERIOD).
PERIOD = "period"  # ISO week label, "2024-W14"
TERM = "term"
SCORE = "score"
COUNT = "count"  # occurrences of the term in the unit
RANK = "rank"  # 1 = the unit's top keyword
METHOD = "method"

TEXTRANK_CANDIDATES = 300  # words per unit in TextRank's graph, most frequent first
Unit = Literal["group", "week", "member"]
Method = Literal["tfidf", "textrank"]
UNITS: dict[str, str] = {"group": schema.GROUP_ID, "week": PERIOD, "member": schema.SENDER_ID}
METHODS: tuple[str, ...] = ("tfidf", "textrank")


def iso_week_labels(ts: pd.Series, tz: ZoneInfo | str = DEFAULT_ZONE) -> pd.Series:
    """ISO week labels like ``2024-W14`` for UTC instants, by the calendar of ``tz``."""
    ts = pd.to_datetime(ts)
    if ts.dt.tz is None:
        ts = ts.dt.tz_localize("UTC")
    iso = ts.dt.tz_convert(tz).dt.isocalendar()
    labels = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    return labels.where(ts.notna())


def keywords(
    messages: pd.DataFrame,
    tokens: pd.Series,
    by: Unit | Sequence[Unit] | None = "group",
    top: int = 10,
    method: Method = "tfidf",
    *,
    tz: ZoneInfo = DEFAULT_ZONE,
    min_count: int = 2,
    window: int = 5,
) -> pd.DataFrame:
    """The ``top`` keywords of each unit, best first.

    Args:
        messages: a messages table; needs the columns ``by`` names (``schema.GROUP_ID``,
            ``schema.SENDER_ID``, or ``schema.TS`` for weeks).
        tokens: each message's words (a Series of lists, index-aligned with ``messages``),
            as ``Segmenter.message_tokens`` gives them.
        by: the unit: ``"group"``, ``"week"`` (ISO week in ``tz``), ``"member"``, several of
            them (``("group", "week")``: each group's weeks), or None for all messages as one.
        top: keywords per unit.
        method: ``"tfidf"`` or ``"textrank"`` (see the module docstring).
        min_count: fewest occurrences of a term in a unit for it to count.
        window: TextRank's co-occurrence window, in words.

    Returns:
        One row per (unit, keyword): the unit's columns (``schema.GROUP_ID``, ``PERIOD``,
        ``schema.SENDER_ID``), then ``TERM``, ``SCORE``, ``COUNT``, ``RANK``, ``METHOD``;
        ordered by unit, then rank. Units without a qualifying term have no rows.
    """
    unit_columns = _unit_columns(by)
    if method not in METHODS:
        raise UsageError(f"unknown keyword method {method!r}; use one of: {', '.join(METHODS)}")
    if top < 1 or min_count < 1 or window < 2:
        raise UsageError("top and min_count must be at least 1, window at least 2")

    units = _unit_keys(messages, unit_columns, tz)
    words = tokens.reindex(messages.index)
    has_words = words.map(lambda w: isinstance(w, list) and len(w) > 0)
    keep = has_words & units.notna().all(axis=1)
    units, words = units[keep], words[keep]
    columns = [*unit_columns, TERM, SCORE, COUNT, RANK, METHOD]
    if len(units) == 0:
        return pd.DataFrame(columns=columns)

    unit_code = units.groupby(unit_columns, sort=True).ngroup() if unit_columns else pd.Series(0, index=units.index)
    unit_table = units.groupby(unit_code).first() if unit_columns else pd.DataFrame(index=[0])
    if method == "tfidf":
        scored = _tfidf(words, unit_code)
    else:
        scored = _textrank(words, unit_code, window, min_count)
    scored = scored[scored[COUNT] >= min_count]
    scored = scored.sort_values(["unit", SCORE, COUNT, TERM], ascending=[True, False, False, True])
    scored = scored.groupby("unit", sort=False).head(top)
    scored[RANK] = scored.groupby("unit", sort=False).cumcount() + 1
    scored[METHOD] = method
    result = unit_table.loc[scored["unit"]].reset_index(drop=True)
    for column in (TERM, SCORE, COUNT, RANK, METHOD):
        result[column] = scored[column].to_numpy()
    result[COUNT] = result[COUNT].astype("int64")
    result[RANK] = result[RANK].astype("int64")
    return result[columns]


def _unit_columns(by: Unit | Sequence[Unit] | None) -> list[str]:
    if by is None:
        return []
    names = [by] if isinstance(by, str) else list(by)
    for name in names:
        if name not in UNITS:
            raise UsageError(f"cannot take keywords by {name!r}; use group, week or member")
    return [UNITS[name] for name in dict.fromkeys(names)]


def _unit_keys(messages: pd.DataFrame, unit_columns: list[str], tz: ZoneInfo) -> pd.DataFrame:
    """Each message's unit, one column per unit dimension."""
    keys = pd.DataFrame(index=messages.index)
    for column in unit_columns:
        source = schema.TS if column == PERIOD else column
        if source not in messages:
            raise UsageError(f"keywords by this unit need a {source!r} column")
        keys[column] = iso_week_labels(messages[schema.TS], tz) if column == PERIOD else messages[column]
    return keys


def _identity(words: list[str]) -> list[str]:
    return words


def _tfidf(words: pd.Series, unit_code: pd.Series) -> pd.DataFrame:
    """Every (unit, term) with its TF-IDF weight and count; see the module docstring."""
    counter = CountVectorizer(analyzer=_identity, lowercase=False)
    per_message = counter.fit_transform(words.tolist())  # messages x terms
    n_units = int(unit_code.max()) + 1
    # Sum message rows into unit rows with one sparse product (units x messages) @ (messages x terms).
    membership = sparse.csr_matrix(
        (np.ones(len(unit_code)), (unit_code.to_numpy(), np.arange(len(unit_code)))),
        shape=(n_units, len(unit_code)),
    )
    counts = (membership @ per_message).tocsr()
    weighting = TfidfTransformer(sublinear_tf=True, smooth_idf=True, norm="l2")
    if n_units >= 2:
        scores = weighting.fit_transform(counts)
    else:  # one unit: document frequencies over its messages
        weighting.fit(per_message)
        scores = weighting.transform(counts)
    # A count of 1 or more always has a positive weight, so both matrices hold the same cells
    # in the same order once their indices are sorted: their data arrays line up.
    counts.sort_indices()
    scores = scores.tocsr()
    scores.sort_indices()
    assert np.array_equal(scores.indices, counts.indices) and np.array_equal(scores.indptr, counts.indptr)
    rows = np.repeat(np.arange(n_units), np.diff(counts.indptr))
    vocabulary = counter.get_feature_names_out()
    return pd.DataFrame({
        "unit": rows,
        TERM: vocabulary[counts.indices],
        SCORE: scores.data,
        COUNT: counts.data.astype(np.int64),
    })


def _textrank(words: pd.Series, unit_code: pd.Series, window: int, min_count: int) -> pd.DataFrame:
    """Every candidate (unit, term) with its PageRank in the unit's co-occurrence graph and
    its count.

    Candidates are the unit's TEXTRANK_CANDIDATES most frequent words said at least
    ``min_count`` times, as classic TextRank keeps only candidate words (it uses parts of
    speech). Rare words cannot be keywords anyway, and leaving them out keeps the graphs
    small enough for networkx: a busy week holds a few hundred thousand co-occurrences.
    """
    # One row per word occurrence, with its message and unit; words as integer ids.
    flat = words.explode()
    term_id, vocabulary = pd.factorize(flat.to_numpy())
    message = pd.factorize(flat.index)[0]
    unit = unit_code.loc[flat.index].to_numpy()
    counts = pd.DataFrame({"unit": unit, "term": term_id}).value_counts().rename(COUNT).reset_index()
    counts = counts[counts[COUNT] >= min_count]
    counts = counts.sort_values(["unit", COUNT, "term"], ascending=[True, False, True])
    counts = counts.groupby("unit", sort=False).head(TEXTRANK_CANDIDATES)
    if counts.empty:
        return pd.DataFrame(columns=["unit", TERM, SCORE, COUNT])
    # Drop the other words' occurrences; their neighbours then meet across the gap, as in a
    # sentence with its stop words removed.
    kept = pd.MultiIndex.from_arrays([unit, term_id]).isin(pd.MultiIndex.from_frame(counts[["unit", "term"]]))
    term_id, message, unit = term_id[kept], message[kept], unit[kept]

    # Co-occurrences: pairs of words at most window - 1 apart within one message.
    pairs = []
    for gap in range(1, window):
        same_message = message[:-gap] == message[gap:]
        a, b = term_id[:-gap][same_message], term_id[gap:][same_message]
        distinct = a != b
        pairs.append(pd.DataFrame({
            "unit": unit[:-gap][same_message][distinct],
            "a": np.minimum(a, b)[distinct],
            "b": np.maximum(a, b)[distinct],
        }))
    edges = pd.concat(pairs, ignore_index=True).value_counts().rename("weight").reset_index()

    frames = []
    edges_by_unit = dict(tuple(edges.groupby("unit", sort=False)))
    for unit_id, unit_counts in counts.groupby("unit", sort=True):
        graph = nx.Graph()
        graph.add_nodes_from(unit_counts["term"].tolist())
        unit_edges = edges_by_unit.get(unit_id)
        if unit_edges is not None:
            graph.add_weighted_edges_from(unit_edges[["a", "b", "weight"]].itertuples(index=False, name=None))
        rank = nx.pagerank(graph, weight="weight")
        frames.append(pd.DataFrame({
            "unit": unit_id,
            TERM: vocabulary[unit_counts["term"].to_numpy()],
            SCORE: unit_counts["term"].map(rank).to_numpy(),
            COUNT: unit_counts[COUNT].to_numpy(),
        }))
    return pd.concat(frames, ignore_index=True)
