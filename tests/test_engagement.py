"""Engagement on a hand-checked thread: per message, per member and per content type."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from grouplens import import_paths, open_store
from grouplens import schema as S
from grouplens.analysis.engagement import (
    content_engagement,
    content_types,
    group_engagement,
    member_engagement,
    message_engagement,
    reply_structure,
)
from grouplens.analysis.group import GroupData, load_group
from grouplens.config import Config, EngagementConfig
from grouplens.errors import UsageError
from grouplens.store.members import derive_members

SEP = "=" * 64
WANG, ZHOU, QIANG, MILI = "20001", "20002", "20003", "20004"
NAMES = {WANG: "王老师", ZHOU: "小周", QIANG: "阿强", MILI: "米粒"}
# (time, sender, text). With @-addressing, each "@name" message answers that member's latest
# message within two hours:
#   m0 王老师 question            <- m1 小周 <- m2 阿强 (question) <- m3 小周 <- m4 王老师 <- m5 米粒
#   m6 王老师 image (no replies)
#   m7 阿强 link                  <- m8 米粒 (thanks)
#   m9 小周 "@阿强 …" 2.5 hours after 阿强's last message: too late to be a reply, a new thread
THREAD = [
    ("2024-05-06 9:00:00", WANG, "大家觉得早睡打卡活动怎么样？"),
    ("2024-05-06 9:01:00", ZHOU, "@王老师 很好，我已经坚持一周了"),
    ("2024-05-06 9:02:00", QIANG, "@小周 你是怎么坚持下来的？"),
    ("2024-05-06 9:03:00", ZHOU, "@阿强 每天定闹钟"),
    ("2024-05-06 9:04:00", WANG, "@小周 谢谢分享"),
    ("2024-05-06 9:05:00", MILI, "@王老师 同意"),
    ("2024-05-06 9:10:00", WANG, "[图片]"),
    ("2024-05-06 10:00:00", QIANG, "https://example.com/sleep 这篇文章讲得很清楚"),
    ("2024-05-06 10:02:00", MILI, "@阿强 收到，谢谢"),
    ("2024-05-06 12:30:00", ZHOU, "@阿强 还有别的推荐吗"),
]


def write_export(path: Path, rows) -> Path:
    lines = ["消息记录（此消息记录为文本格式，不支持重新导入）", "", SEP, "消息分组:我的群聊", SEP, "消息对象:早睡打卡群", SEP, ""]
    for when, who, text in rows:
        lines += [f"{when} {NAMES[who]}({who})", text, ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def thread_store(tmp_path: Path) -> Path:
    store = tmp_path / "store"
    import_paths(store, [write_export(tmp_path / "chat.txt", THREAD)])
    return store


@pytest.fixture
def structure(thread_store: Path):
    return reply_structure(load_group(open_store(thread_store)), use_model=False)


def test_at_addressing_links_a_reply_to_the_named_members_latest_message(structure) -> None:
    assert structure.parent.tolist() == [-1, 0, 1, 2, 3, 4, -1, -1, 7, -1]
    assert structure.root.tolist() == [0, 0, 0, 0, 0, 0, 6, 7, 7, 9]
    assert structure.depth.tolist() == [0, 1, 2, 3, 4, 5, 0, 0, 1, 0]
    assert not structure.links_inferred


def test_message_engagement_counts_replies_from_others_only(structure) -> None:
    per = message_engagement(structure)
    m0, m1, m3, m6, m7 = (per.iloc[i] for i in (0, 1, 3, 6, 7))
    assert (m0["direct_replies"], m0["thread_replies"], m0["distinct_repliers"]) == (1, 4, 3)  # 王老师's own m4 not counted
    assert (m1["direct_replies"], m1["thread_replies"], m1["distinct_repliers"]) == (1, 3, 3)
    assert (m3["direct_replies"], m3["thread_replies"], m3["distinct_repliers"]) == (1, 2, 2)
    assert m0["mentions_drawn"] == 1 and m0["first_reply_seconds"] == 60.0
    assert m7["acks_drawn"] == 1 and m7["first_reply_seconds"] == 120.0
    assert m6["thread_replies"] == 0 and pd.isna(m6["first_reply_seconds"])
    # engagement = 1·direct + 0.5·(thread − direct) + 1·distinct + 0.5·(mentions + quotes)
    assert m0["engagement"] == pytest.approx(1 + 0.5 * 3 + 3 + 0.5)
    assert per["quotes_drawn"].sum() == 0  # a plain TXT export shows no quotes


def test_engagement_weights_come_from_the_config(structure) -> None:
    per = message_engagement(structure, EngagementConfig(reply_weight=2.0, indirect_weight=0.0,
                                                         replier_weight=0.0, mention_weight=0.0))
    assert per["engagement"].iloc[0] == 2.0


def test_content_types(structure) -> None:
    per = message_engagement(structure)
    assert per["content_type"].tolist() == ["question", "chat", "question", "chat", "acknowledgement",
                                            "acknowledgement", "image", "link", "acknowledgement", "question"]


def test_member_engagement(structure) -> None:
    members = member_engagement(structure).set_index(S.MEMBER_ID)
    wang, qiang = members.loc[WANG], members.loc[QIANG]
    assert (wang["messages"], wang["conversations_started"], wang["conversation_replies"]) == (3, 1, 4)
    assert (wang["people_reached"], wang["replies_drawn"], wang["replies_made"]) == (3, 2, 1)
    assert (qiang["conversations_started"], qiang["largest_conversation"]) == (1, 1)
    assert members.loc[ZHOU, "conversations_started"] == 0  # m9 drew no reply


def test_content_engagement_ranks_the_kinds_of_post_by_the_response_they_draw(structure) -> None:
    table = content_engagement(message_engagement(structure)).set_index("content_type")
    assert table.loc["question", "messages"] == 3
    assert table.loc["question", "reply_rate"] == pytest.approx(2 / 3)
    assert table.loc["image", "reply_rate"] == 0.0
    # chat: m1 (1 + 0.5·2 + 3 + 0.5) and m3 (1 + 0.5 + 2 + 0.5); questions: m0 6, m2 5.5, m9 0
    assert table.loc["chat", "mean_engagement"] == pytest.approx((5.5 + 4.0) / 2)
    assert table.loc["question", "mean_engagement"] == pytest.approx((6.0 + 5.5 + 0.0) / 3)
    assert list(table.index[:2]) == ["chat", "question"]


def test_group_engagement_lists_the_top_messages_with_names(thread_store: Path) -> None:
    report = group_engagement(open_store(thread_store), top=2)
    assert len(report.messages) == 2
    # which message tops depends on the reply model's links; every row is named, best first
    assert set(report.messages[S.NAME]) <= set(NAMES.values())
    scores = report.messages.iloc[:, report.messages.columns.get_loc("engagement")] if "engagement" in \
        report.messages.columns else None
    if scores is not None:
        assert scores.is_monotonic_decreasing
    assert set(report.members[S.MEMBER_ID]) == set(NAMES)
    with pytest.raises(UsageError, match="--top must be at least 1"):
        group_engagement(open_store(thread_store), top=0)


def hand_built_group(rows: list[dict]) -> GroupData:
    """A GroupData built by hand, for links an export states (``reply_to``)."""
    frame = pd.DataFrame([{c: None for c in S.MESSAGE_COLUMNS} | r for r in rows])
    frame[S.TS] = pd.to_datetime(frame[S.TS], utc=True)
    frame[S.MENTIONS] = [[] for _ in range(len(frame))]
    frame[S.EVENT_MEMBERS] = [[] for _ in range(len(frame))]
    frame[S.GROUP_ID] = "qq-1"
    members = derive_members("qq-1", frame).to_pandas()
    return GroupData(store=None, group_id="qq-1", group_name="g", platform="qq", messages=frame,  # type: ignore[arg-type]
                     members=members, start=None, end=None, tz=ZoneInfo("Asia/Shanghai"), config=Config())


def test_explicit_quotes_are_threads_and_count_as_quotes_drawn() -> None:
    t = datetime(2024, 5, 6, 9, 0)
    rows = [
        {S.MSG_ID: "a", S.TS: t, S.SENDER_ID: "1", S.SENDER_NAME: "甲", S.KIND: "text", S.TEXT: "今天讲睡眠卫生"},
        {S.MSG_ID: "b", S.TS: t.replace(minute=1), S.SENDER_ID: "2", S.SENDER_NAME: "乙", S.KIND: "text",
         S.TEXT: "不同意", S.REPLY_TO: "a"},
        {S.MSG_ID: "c", S.TS: t.replace(minute=2), S.SENDER_ID: "1", S.SENDER_NAME: "甲", S.KIND: "text",
         S.TEXT: "为什么", S.REPLY_TO: "b"},
        {S.MSG_ID: "d", S.TS: t.replace(minute=3), S.SENDER_ID: "3", S.SENDER_NAME: "丙", S.KIND: "text",
         S.TEXT: "引用一条不在本期的消息", S.REPLY_TO: "zzz"},
    ]
    rs = reply_structure(hand_built_group(rows), use_model=False)
    assert rs.parent.tolist() == [-1, 0, 1, -1]
    per = message_engagement(rs)
    assert per["quotes_drawn"].tolist() == [1, 1, 0, 0]
    assert per["thread_replies"].tolist() == [1, 1, 0, 0]  # 甲's own answer is no engagement for 甲's post


def test_content_types_from_kinds_and_text() -> None:
    frame = pd.DataFrame({
        S.KIND: ["text", "text", "text", "image", "link", "text", "text"],
        S.TEXT: ["【群公告】本周六线下活动", "【知识卡片】深睡眠占比", "x" * 25, "[图片]", "分享链接", "嗯", "加V：abc123 招代理"],
    })
    frame["ad"] = [False, False, False, False, False, False, True]
    assert content_types(frame).tolist() == ["announcement", "knowledge_card", "opinion", "image", "link", "chat", "ad"]


def test_content_types_accept_messages_without_text() -> None:
    frame = pd.DataFrame({S.KIND: ["image", "file", "text"],
                          S.TEXT: pd.array([pd.NA, None, "请问几点开始？"], dtype="string")})
    frame["question"] = [False, False, True]
    assert content_types(frame).tolist() == ["image", "file", "question"]
