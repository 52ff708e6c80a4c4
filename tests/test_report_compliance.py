"""Ads, flooding, risky claims and attacks on a week worked out by hand.

14 messages in 2024-W10: two ads (广告哥), a burst of six messages in 50 seconds plus three more
that afternoon (刷屏侠: nine that day, over the eight-a-day line), one risky claim (神医), one
insult (暴躁哥) and one ordinary message.
"""

from __future__ import annotations

import pandas as pd
import pytest
from report_groups import Group, Msg, build_store

from grouplens.report import build_report
from grouplens.report.compliance import flood_bursts

NAMES = {"50001": "广告哥", "50002": "刷屏侠", "50003": "神医", "50004": "暴躁哥", "50005": "普通人"}

RISKY = Group("合规测试群", NAMES, [
    Msg("2024-03-04 09:00", "50005", "今天天气不错"),
    Msg("2024-03-04 10:00", "50001", "加V：sale8888 低价代购"),
    Msg("2024-03-05 10:00", "50001", "加V：sale8888 低价代购"),
    *[Msg(f"2024-03-06 12:00:{s:02d}", "50002", "哈哈") for s in range(0, 60, 10)],
    *[Msg(f"2024-03-06 {h}:00", "50002", "哈哈") for h in (15, 16, 17)],
    Msg("2024-03-07 10:00", "50003", "这个方子包治百病"),
    Msg("2024-03-08 10:00", "50004", "你就是个傻逼"),
])


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    store = build_store(tmp_path_factory.mktemp("compliance") / "store", RISKY)
    return build_report(store, "compliance", week="2024-W10", show_ids=True).to_dict()["data"]


def test_a_burst_is_enough_messages_from_one_member_within_the_window():
    ts = pd.Series(pd.to_datetime(["2024-03-06 12:00:00", "2024-03-06 12:00:10", "2024-03-06 12:00:20",
                                   "2024-03-06 12:00:30", "2024-03-06 12:05:00", "2024-03-06 12:00:15"], utc=True))
    senders = pd.Series(["a", "a", "a", "a", "a", "b"])
    assert flood_bursts(senders, ts, 4, 60).tolist() == [4, 4, 4, 4, 0, 0]
    assert flood_bursts(senders, ts, 5, 60).tolist() == [0] * 6


def test_categories_count_messages_and_members(data):
    assert data["categories"] == [
        {"category": "ad", "messages": 2, "members": 1, "share": 0.1429},
        {"category": "flooding", "messages": 6, "members": 1, "share": 0.4286},
        {"category": "risky_claim", "messages": 1, "members": 1, "share": 0.0714},
        {"category": "personal_attack", "messages": 1, "members": 1, "share": 0.0714},
    ]
    t = data["totals"]
    assert (t["messages"], t["flooding_bursts"], t["heavy_days"], t["heavy_day_members"]) == (14, 1, 1, 1)


def test_offenders_and_examples(data):
    assert [(o["name"], o["total"]) for o in data["offenders"]] == [("刷屏侠", 6), ("广告哥", 2), ("神医", 1),
                                                                    ("暴躁哥", 1)]
    flood = data["examples"]["flooding"]
    assert len(flood) == 1 and flood[0]["burst_messages"] == 6 and flood[0]["ts"].startswith("2024-03-06T12:00:00")
    assert [e["text"] for e in data["examples"]["risky_claim"]] == ["这个方子包治百病"]
    assert len(data["examples"]["ad"]) == 2
    assert data["weekly"] == [{"week": "2024-W10", "ad": 2, "flooding": 6, "risky_claim": 1, "personal_attack": 1}]
