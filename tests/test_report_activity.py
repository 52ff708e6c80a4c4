"""The activity report on a one-week group whose figures are worked out by hand below."""

from __future__ import annotations

import pytest
from report_groups import Group, Msg, build_store

from grouplens.report import build_report

NAMES = {"10001": "阿明", "10002": "小助手", "10003": "张三", "10004": "李四", "10005": "王五"}

# 2024-W10 runs Monday 03-04 to Sunday 03-10. Speech: 张三 4, 李四 3, 阿明 2 = 9 messages from
# 3 speakers; 赵六 joins on Friday by a notice, so 6 members at the end (5 listed + 赵六).
WEEK = Group("活跃测试群", NAMES, [
    Msg("2024-03-04 09:00", "10001", "大家早上好"),
    Msg("2024-03-04 09:05", "10003", "早"),
    Msg("2024-03-04 21:30", "10003", "[图片]", kind="image"),
    Msg("2024-03-05 10:00", "10004", "请问明天几点开始？", id="q1"),
    Msg("2024-03-05 10:10", "10001", "九点", reply="q1"),
    Msg("2024-03-06 23:15", "10003", "晚安"),
    Msg("2024-03-08 12:00", None, "赵六加入本群", kind="join", event=("赵六",)),
    Msg("2024-03-09 14:00", "10003", "[表情]", kind="sticker"),
    Msg("2024-03-09 14:01", "10004", "周末愉快"),
    Msg("2024-03-10 20:00", "10004", "下周见"),
], roster=[("10001", "阿明", "2024-01-01 08:00", "owner"), ("10002", "小助手", "2024-01-01 08:00", "admin"),
           ("10003", "张三", "2024-01-01 08:00", "member"), ("10004", "李四", "2024-01-01 08:00", "member"),
           ("10005", "王五", "2024-01-01 08:00", "member")])


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    store = build_store(tmp_path_factory.mktemp("activity") / "store", WEEK)
    return build_report(store, "activity", week="2024-W10", show_ids=True).to_dict()["data"]


def test_totals_count_members_speech_and_who_was_in_the_group(data):
    t = data["totals"]
    assert (t["messages"], t["speakers"], t["members"], t["days"]) == (9, 3, 6, 7)
    assert t["participation_rate"] == 0.5
    assert t["messages_per_day"] == 1.29  # 9 / 7
    assert t["messages_per_speaker_per_day"] == 0.43  # 9 / 3 / 7
    assert t["dau"] == 1.14  # daily speakers 2, 2, 1, 0, 0, 2, 1 -> 8 / 7
    assert (t["wau"], t["mau"]) == (3, 3)
    assert (t["joins"], t["leaves"]) == (1, 0)


def test_the_daily_series_covers_every_day_of_the_week(data):
    daily = {d["date"]: d for d in data["daily"]}
    assert list(daily) == [f"2024-03-{d:02d}" for d in range(4, 11)]
    assert [daily[d]["messages"] for d in daily] == [3, 2, 1, 0, 0, 2, 1]
    assert daily["2024-03-08"] == {"date": "2024-03-08", "messages": 0, "speakers": 0, "joins": 1, "leaves": 0}
    assert data["weekly"] == [{"week": "2024-W10", "start": "2024-03-04", "days": 7, "messages": 9, "speakers": 3,
                               "members": 6, "participation_rate": 0.5, "messages_per_day": 1.29}]


def test_the_heatmap_counts_messages_by_local_weekday_and_hour(data):
    grid = data["heatmap"]["messages"]
    assert len(grid) == 7 and all(len(row) == 24 for row in grid)
    assert sum(map(sum, grid)) == 9
    assert (grid[0][9], grid[0][21], grid[1][10], grid[2][23], grid[5][14], grid[6][20]) == (2, 1, 2, 1, 2, 1)
    assert data["heatmap"]["weekdays"][0] == "Mon"


def test_kinds_top_talkers_and_concentration(data):
    assert data["kinds"] == [{"kind": "text", "messages": 7, "share": 0.7778},
                             {"kind": "image", "messages": 1, "share": 0.1111},
                             {"kind": "sticker", "messages": 1, "share": 0.1111}]
    top = [(r["name"], r["messages"], r["share"], r["active_days"], r["staff"]) for r in data["top_talkers"]]
    assert top == [("张三", 4, 0.4444, 3, False), ("李四", 3, 0.3333, 3, False), ("阿明", 2, 0.2222, 2, True)]
    # Gini of (2, 3, 4): 2 x (1x2 + 2x3 + 3x4) / (3 x 9) - 4/3 = 4/27
    assert data["concentration"] == {"top5_share": 1.0, "gini": 0.1481, "speakers": 3}
