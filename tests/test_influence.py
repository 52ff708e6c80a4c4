"""Influence: PageRank over the reply and mention graph, links weighted by engagement."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest
from test_engagement import hand_built_group

from grouplens import schema as S
from grouplens.analysis.engagement import message_engagement, reply_structure
from grouplens.analysis.influence import interaction_edges, member_influence
from grouplens.config import RolesConfig

T0 = datetime(2024, 5, 6, 9, 0)


def msg(i: int, sender: str, text: str, reply_to: str | None = None, mentions: list[str] | None = None) -> dict:
    return {S.MSG_ID: f"m{i}", S.TS: T0 + timedelta(minutes=i), S.SENDER_ID: sender, S.SENDER_NAME: f"n{sender}",
            S.KIND: "text", S.TEXT: text, S.REPLY_TO: reply_to, "_mentions": mentions or []}


def build(rows: list[dict]):
    mentions = [r.pop("_mentions") for r in rows]
    data = hand_built_group(rows)
    data.messages[S.MENTIONS] = mentions
    rs = reply_structure(data, use_model=False)
    per = message_engagement(rs)
    return rs, per


def edges_of(rows: list[dict]) -> dict[tuple[str, str], float]:
    rs, per = build(rows)
    e = interaction_edges(rs, per)
    return {(s, t): w for s, t, w in zip(e["source"], e["target"], e["weight"])}


def test_a_reply_links_the_replier_to_the_author_weighted_by_the_replies_it_drew() -> None:
    edges = edges_of([
        msg(0, "1", "我觉得周末补觉没用"),
        msg(1, "2", "我觉得有点用", reply_to="m0"),
        msg(2, "3", "我也觉得", reply_to="m1"),
        msg(3, "3", "自己补充一句", reply_to="m2"),  # a reply to oneself is no link
    ])
    # 2 -> 1 carried the conversation on (one reply to it): 1 + 1; 3 -> 2 drew none from others.
    assert edges == {("2", "1"): 2.0, ("3", "2"): 1.0}


def test_an_answer_links_the_asker_to_the_one_who_answered() -> None:
    edges = edges_of([
        msg(0, "1", "请问褪黑素能长期吃吗？"),
        msg(1, "2", "不建议长期吃", reply_to="m0"),
    ])
    assert edges == {("1", "2"): RolesConfig().answer_weight}


def test_mentions_add_links_but_bulk_mentions_do_not() -> None:
    edges = edges_of([
        msg(0, "1", "@n2 你看看这个", mentions=["n2"]),
        msg(1, "2", "欢迎@n1 @n3 @n4 @n5 进群", mentions=["n1", "n3", "n4", "n5"]),
        msg(2, "3", "hi"), msg(3, "4", "hi"), msg(4, "5", "hi"),
    ])
    assert edges == {("1", "2"): RolesConfig().mention_weight}


def test_the_member_many_reply_to_is_the_most_influential() -> None:
    rows = [msg(0, "hub", "今天聊聊睡眠")]
    rows += [msg(i, str(i), "同意", reply_to="m0") for i in range(1, 6)]
    rows += [msg(6, "quiet", "路过")]
    rs, per = build(rows)
    table = member_influence(rs.member_ids, interaction_edges(rs, per))
    assert table[S.MEMBER_ID].iloc[0] == "hub" and table["influence_rank"].iloc[0] == 1
    assert table["sources"].iloc[0] == 5
    assert table["influence"].sum() == pytest.approx(len(table))  # shares of 1, times the members
    quiet = table.set_index(S.MEMBER_ID).loc["quiet", "influence"]
    assert quiet < 1.0  # no one's attention reached them


def test_without_links_everyone_has_an_average_share_and_ties_go_by_member_id() -> None:
    edges = interaction_edges(*build([msg(0, "a", "hi")]))
    assert edges.empty
    table = member_influence(np.array(["b", "a", "c"], dtype=object), edges)
    assert table[S.MEMBER_ID].tolist() == ["a", "b", "c"]
    assert table["influence"].tolist() == pytest.approx([1.0, 1.0, 1.0])
