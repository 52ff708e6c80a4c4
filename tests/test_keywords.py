"""Keywords on a tiny hand-made corpus whose top terms and scores were worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from grouplens import schema
from grouplens.errors import UsageError
from grouplens.text.keywords import COUNT, METHOD, PERIOD, RANK, SCORE, TERM, iso_week_labels, keywords
from grouplens.text.segment import Segmenter

MON_W14 = pd.Timestamp("2024-04-01 02:00", tz="UTC")  # Monday 10:00 in Shanghai, ISO week 14
MON_W15 = MON_W14 + pd.Timedelta(days=7)

# (sender, time, words): week 14 is about melatonin, week 15 about running; sleep in both.
CORPUS = [
    ("a", MON_W14, ["褪黑素", "睡眠"]),
    ("b", MON_W14 + pd.Timedelta(hours=1), ["褪黑素", "剂量"]),
    ("a", MON_W14 + pd.Timedelta(days=1), ["褪黑素", "睡眠"]),
    ("c", MON_W15, ["跑步", "睡眠"]),
    ("c", MON_W15 + pd.Timedelta(hours=1), ["跑步", "公里"]),
    ("a", MON_W15 + pd.Timedelta(days=2), ["跑步", "睡眠"]),
    ("b", MON_W15 + pd.Timedelta(days=3), ["跑步"]),
]


def corpus(index_offset: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    index = range(index_offset, index_offset + len(CORPUS))
    messages = pd.DataFrame(
        {
            schema.GROUP_ID: "qq-730123456",
            schema.SENDER_ID: [s for s, _, _ in CORPUS],
            schema.TS: [t for _, t, _ in CORPUS],
            schema.KIND: "text",
        },
        index=index,
    )
    tokens = pd.Series([w for _, _, w in CORPUS], index=index, dtype=object)
    return messages, tokens


def sublinear_tf(count: int) -> float:
    return 1 + math.log(count)


def smooth_idf(n_docs: int, df: int) -> float:
    return math.log((1 + n_docs) / (1 + df)) + 1


def terms(table: pd.DataFrame, **unit) -> list[str]:
    rows = table
    for column, value in unit.items():
        rows = rows[rows[column] == value]
    return rows[TERM].tolist()


# --- TF-IDF ----------------------------------------------------------------------------------


def test_tfidf_by_week_puts_each_weeks_distinctive_term_first():
    messages, tokens = corpus()
    table = keywords(messages, tokens, by="week", top=5)
    assert list(table.columns) == [PERIOD, TERM, SCORE, COUNT, RANK, METHOD]
    assert terms(table, **{PERIOD: "2024-W14"}) == ["褪黑素", "睡眠"]  # 剂量 said once
    assert terms(table, **{PERIOD: "2024-W15"}) == ["跑步", "睡眠"]  # 公里 said once
    # Week 14 by hand: two documents; 褪黑素 3 times in one week, 睡眠 2 times in both, 剂量 once.
    w = {"褪黑素": sublinear_tf(3) * smooth_idf(2, 1), "睡眠": sublinear_tf(2) * smooth_idf(2, 2),
         "剂量": sublinear_tf(1) * smooth_idf(2, 1)}
    norm = math.sqrt(sum(v * v for v in w.values()))
    w14 = table[table[PERIOD] == "2024-W14"].set_index(TERM)
    assert w14.loc["褪黑素", SCORE] == pytest.approx(w["褪黑素"] / norm)  # 0.8015
    assert w14.loc["睡眠", SCORE] == pytest.approx(w["睡眠"] / norm)  # 0.4601
    assert w14[COUNT].tolist() == [3, 2]
    assert w14[RANK].tolist() == [1, 2]
    assert set(table[METHOD]) == {"tfidf"}


def test_tfidf_by_member_ranks_the_members_own_words_and_skips_members_without_any():
    messages, tokens = corpus()
    table = keywords(messages, tokens, by="member")
    # a: 睡眠 ×3 and 褪黑素 ×2, both shared with one other member, so counts decide.
    assert terms(table, **{schema.SENDER_ID: "a"}) == ["睡眠", "褪黑素"]
    assert terms(table, **{schema.SENDER_ID: "c"}) == ["跑步"]
    assert "b" not in set(table[schema.SENDER_ID])  # b said every word once


def test_a_single_unit_weighs_terms_against_its_messages():
    messages, tokens = corpus()
    table = keywords(messages, tokens, by=None, top=3)
    # Seven messages: 褪黑素 in 3 of them, 睡眠 and 跑步 in 4 each (a tie, broken by the term).
    assert terms(table) == ["褪黑素", "睡眠", "跑步"]
    assert list(table.columns) == [TERM, SCORE, COUNT, RANK, METHOD]
    assert table[COUNT].tolist() == [3, 4, 4]
    by_group = keywords(messages, tokens, by="group", top=3)
    assert terms(by_group) == terms(table)
    assert set(by_group[schema.GROUP_ID]) == {"qq-730123456"}


def test_top_limits_the_keywords_per_unit():
    messages, tokens = corpus()
    table = keywords(messages, tokens, by="week", top=1)
    assert table[[PERIOD, TERM]].values.tolist() == [["2024-W14", "褪黑素"], ["2024-W15", "跑步"]]


def test_min_count_one_lets_single_mentions_in():
    messages, tokens = corpus()
    table = keywords(messages, tokens, by="week", min_count=1)
    # 剂量 (once, in one week: 1 x 1.41) stays below 睡眠 (twice, in both weeks: 1.69 x 1).
    assert terms(table, **{PERIOD: "2024-W14"}) == ["褪黑素", "睡眠", "剂量"]


def test_groups_and_weeks_together():
    messages, tokens = corpus()
    messages.loc[messages.index[3:], schema.GROUP_ID] = "wechat-9@chatroom"
    table = keywords(messages, tokens, by=("group", "week"), top=1)
    assert table[[schema.GROUP_ID, PERIOD, TERM]].values.tolist() == [
        ["qq-730123456", "2024-W14", "褪黑素"],
        ["wechat-9@chatroom", "2024-W15", "跑步"],
    ]


# --- TextRank ----------------------------------------------------------------------------------


def test_textrank_by_week():
    messages, tokens = corpus()
    table = keywords(messages, tokens, by="week", method="textrank")
    assert terms(table, **{PERIOD: "2024-W14"}) == ["褪黑素", "睡眠"]
    assert terms(table, **{PERIOD: "2024-W15"}) == ["跑步", "睡眠"]
    assert table[COUNT].tolist() == [3, 2, 4, 2]
    assert set(table[METHOD]) == {"textrank"}


def test_textrank_prefers_the_central_word_to_the_frequent_one():
    said = [["跑步", "膝盖"], ["跑步", "公里"], ["跑步", "早起"], ["膝盖"], ["公里"], ["早起"], *[["打卡"]] * 4]
    messages = pd.DataFrame({schema.TS: [MON_W14] * len(said)})
    tokens = pd.Series(said)
    table = keywords(messages, tokens, by=None, method="textrank")
    # 打卡 is said most (4 times) but with nothing else; 跑步 (3) joins every other word.
    assert table[TERM].iloc[0] == "跑步"
    assert table.set_index(TERM).loc["打卡", COUNT] == 4
    assert table.set_index(TERM).loc["打卡", RANK] > 1


def test_textrank_links_words_only_within_the_window():
    messages = pd.DataFrame({schema.TS: [MON_W14]})
    tokens = pd.Series([["失眠", "焦虑", "运动"]])
    # window 2: a path 失眠-焦虑-运动; both ends give all their rank to the middle word.
    path = keywords(messages, tokens, by=None, method="textrank", min_count=1, window=2)
    assert path[TERM].tolist() == ["焦虑", "失眠", "运动"]  # the ends tie, ordered by term
    assert path[SCORE].iloc[1] == pytest.approx(path[SCORE].iloc[2])
    # window 3: a triangle, every word equally central.
    triangle = keywords(messages, tokens, by=None, method="textrank", min_count=1, window=3)
    assert triangle[SCORE].round(12).nunique() == 1


# --- units and input ----------------------------------------------------------------------------


def test_iso_weeks_follow_the_local_calendar():
    ts = pd.Series(pd.to_datetime([
        "2024-03-31 15:59", "2024-03-31 16:00",  # Sunday 23:59 / Monday 00:00 in Shanghai
        "2024-12-29 16:00",  # Monday 30 December 2024 local: ISO week 1 of 2025
    ], utc=True))
    assert iso_week_labels(ts).tolist() == ["2024-W13", "2024-W14", "2025-W01"]
    assert iso_week_labels(ts, tz="UTC").tolist() == ["2024-W13", "2024-W13", "2024-W52"]


def test_tokens_are_matched_by_index_and_empty_messages_ignored():
    messages, tokens = corpus(index_offset=50)
    shuffled = tokens.sample(frac=1.0, random_state=3)
    assert keywords(messages, shuffled, by="week").equals(keywords(messages, tokens, by="week"))
    messages.loc[57] = {schema.GROUP_ID: "qq-730123456", schema.SENDER_ID: "d", schema.TS: MON_W14, schema.KIND: "join"}
    tokens.loc[57] = []
    assert "d" not in set(keywords(messages, tokens, by="member")[schema.SENDER_ID])


def test_members_without_an_id_are_left_out():
    messages, tokens = corpus()
    messages[schema.SENDER_ID] = messages[schema.SENDER_ID].astype(object)
    messages.loc[messages[schema.SENDER_ID] == "c", schema.SENDER_ID] = None
    assert set(keywords(messages, tokens, by="member")[schema.SENDER_ID]) == {"a"}


def test_no_words_gives_an_empty_table_with_the_columns():
    messages, tokens = corpus()
    table = keywords(messages, tokens.map(lambda _: []), by="member")
    assert table.empty
    assert list(table.columns) == [schema.SENDER_ID, TERM, SCORE, COUNT, RANK, METHOD]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"by": "day"}, "cannot take keywords by 'day'"),
    ({"method": "lda"}, "unknown keyword method 'lda'"),
    ({"top": 0}, "at least 1"),
])
def test_bad_arguments_are_usage_errors(kwargs, message):
    messages, tokens = corpus()
    with pytest.raises(UsageError, match=message):
        keywords(messages, tokens, **kwargs)


def test_a_missing_unit_column_is_a_usage_error():
    messages, tokens = corpus()
    with pytest.raises(UsageError, match="'sender_id' column"):
        keywords(messages.drop(columns=[schema.SENDER_ID]), tokens, by="member")


# --- from raw chat text ----------------------------------------------------------------------


def test_keywords_of_raw_chat_lines_through_the_segmenter():
    lines = [
        (MON_W14, "[图片] 褪黑素吃多了会不会依赖？@小林\u2005"),
        (MON_W14, "褪黑素短期吃问题不大[捂脸]"),
        (MON_W14, "我吃褪黑素半年了，睡眠好多了 https://mp.weixin.qq.com/s/abc"),
        (MON_W15, "今天跑步五公里，晚上睡眠特别好👍"),
        (MON_W15, "跑步要循序渐进，别一下跑太多"),
        (MON_W15, "[CQ:at,qq=123456] 一起跑步吧"),
    ]
    messages = pd.DataFrame({schema.TS: [t for t, _ in lines], schema.TEXT: [x for _, x in lines], schema.KIND: "text"})
    tokens = Segmenter().message_tokens(messages)
    table = keywords(messages, tokens, by="week", top=1)
    assert table[[PERIOD, TERM, COUNT]].values.tolist() == [["2024-W14", "褪黑素", 3], ["2024-W15", "跑步", 3]]
