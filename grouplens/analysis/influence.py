"""Influence: who the group listens to, as PageRank over the reply and mention graph.

Every reply from member A to member B is a link A -> B: A's attention went to B. A link weighs
the reply's certainty (1 for a quote the export shows, the reply model's probability for an
inferred one) times one plus the replies that reply drew in turn, so a reply that carried the
conversation on counts more than a "+1". An answer to someone's question turns the link round:
the asker sought the answerer out, which is where credibility (expertise) shows, and it weighs
``[roles] answer_weight``. An @-mention that is not already a reply adds ``mention_weight``;
bulk mentions (welcomes naming five newcomers) are left out. PageRank then gives each member a
share of the group's attention, passed on through whoever pays it.

``influence`` is that share times the number of members: 1.0 is an average member's share,
3.0 three times that. Only the member graph (hundreds of nodes) goes to networkx.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from .. import schema as S
from ..config import RolesConfig
from ..replies.threads import ReplyStructure
from ..text.classes import QUESTION
from .engagement import DIRECT_REPLIES

SOURCE = "source"  # member_id of the one who replies or mentions
TARGET = "target"  # member_id of the one answered or named
WEIGHT = "weight"
REPLIES = "replies"
MENTIONS = "mentions"
INFLUENCE = "influence"
INFLUENCE_RANK = "influence_rank"
IN_WEIGHT = "in_weight"  # the engagement-weighted links a member receives
SOURCES = "sources"  # distinct members who link to them


def interaction_edges(rs: ReplyStructure, per_message: pd.DataFrame, config: RolesConfig | None = None
                      ) -> pd.DataFrame:
    """The member graph's links: source, target (member ids), weight, replies, mentions.

    One row per ordered pair of different members that interacted, sorted by source and target.
    """
    cfg = config or RolesConfig()
    k = np.int64(len(rs.member_ids))
    has = rs.parent >= 0
    child = np.flatnonzero(has)
    src, dst = rs.author[child], rs.author[rs.parent[child]]
    keep = src != dst
    child, src, dst = child[keep], src[keep], dst[keep]
    carried = per_message[DIRECT_REPLIES].to_numpy()[child]
    reply_weight = rs.score[child] * (1.0 + carried)
    question = rs.messages[QUESTION].fillna(False).to_numpy(bool) if QUESTION in rs.messages \
        else np.zeros(len(rs), bool)
    answer = question[rs.parent[child]] & ~question[child]
    src, dst = np.where(answer, dst, src), np.where(answer, src, dst)
    reply_weight = np.where(answer, rs.score[child] * cfg.answer_weight, reply_weight)

    # Mentions: leave out bulk ones and those already counted as the reply they are part of.
    mm, mc = rs.mention_message, rs.mention_member
    per_msg = np.bincount(mm, minlength=len(rs)) if len(mm) else np.zeros(len(rs), np.int64)
    m_src = rs.author[mm] if len(mm) else np.empty(0, np.int64)
    replied = rs.parent_author[mm] if len(mm) else np.empty(0, np.int64)
    keep_m = (per_msg[mm] <= cfg.bulk_mentions) & (m_src != mc) & (replied != mc) if len(mm) else np.empty(0, bool)
    m_src, m_dst = m_src[keep_m], mc[keep_m]

    pair = np.concatenate([src * k + dst, m_src * k + m_dst])
    weight = np.concatenate([reply_weight, np.full(len(m_src), cfg.mention_weight)])
    is_reply = np.concatenate([np.ones(len(src)), np.zeros(len(m_src))])
    if not len(pair):
        return pd.DataFrame({SOURCE: pd.Series(dtype=object), TARGET: pd.Series(dtype=object),
                             WEIGHT: pd.Series(dtype=float), REPLIES: pd.Series(dtype=np.int64),
                             MENTIONS: pd.Series(dtype=np.int64)})
    unique, inverse = np.unique(pair, return_inverse=True)
    w = np.bincount(inverse, weights=weight)
    r = np.bincount(inverse, weights=is_reply).astype(np.int64)
    m = np.bincount(inverse, weights=1 - is_reply).astype(np.int64)
    return pd.DataFrame({SOURCE: rs.member_ids[unique // k], TARGET: rs.member_ids[unique % k],
                         WEIGHT: w, REPLIES: r, MENTIONS: m})


def member_influence(member_ids: np.ndarray | pd.Series, edges: pd.DataFrame, config: RolesConfig | None = None
                     ) -> pd.DataFrame:
    """PageRank influence of every member (those with no links too), most influential first.

    Columns: member_id, influence (PageRank x members: 1.0 = an average share), influence_rank
    (1 = most influential), in_weight (weighted links received), sources (distinct members who
    replied to or named them). Deterministic: ties are ordered by member id.
    """
    cfg = config or RolesConfig()
    ids = [str(m) for m in member_ids]
    graph = nx.DiGraph()
    graph.add_nodes_from(ids)
    for s, t, w in zip(edges[SOURCE].astype(str), edges[TARGET].astype(str), edges[WEIGHT]):
        graph.add_edge(s, t, weight=float(w))
    if not ids:
        return pd.DataFrame({S.MEMBER_ID: [], INFLUENCE: [], INFLUENCE_RANK: [], IN_WEIGHT: [], SOURCES: []})
    rank = nx.pagerank(graph, alpha=cfg.pagerank_alpha, weight="weight", max_iter=1000, tol=1e-10)
    influence = np.array([rank[m] for m in ids]) * len(ids)
    in_weight = edges.groupby(TARGET)[WEIGHT].sum()
    sources = edges.groupby(TARGET)[SOURCE].nunique()
    out = pd.DataFrame({S.MEMBER_ID: ids, INFLUENCE: influence})
    out[IN_WEIGHT] = out[S.MEMBER_ID].map(in_weight).fillna(0.0).to_numpy()
    out[SOURCES] = out[S.MEMBER_ID].map(sources).fillna(0).astype(np.int64).to_numpy()
    out = out.sort_values([INFLUENCE, S.MEMBER_ID], ascending=[False, True], kind="stable").reset_index(drop=True)
    out.insert(2, INFLUENCE_RANK, np.arange(1, len(out) + 1))
    return out
