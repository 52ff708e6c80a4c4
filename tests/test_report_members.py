"""Member layers, their moves and newcomer retention on a six-week group worked out by hand.

Weeks 2024-W10 (03-04) to W15 (04-08). 甲 posts a topic every week; others answer it (explicit
replies). Who speaks when:

    甲 W10-W15   乙 W10 W11 W15   丙 W13 W14   丁 W10   壬 W12 W13 W15   辛 W14 (leaves in W15)
    戊 never (listed)   庚 joins in W14, never speaks   己 joins in W15 and speaks at once

甲's partners in W12-W15 are 壬 丙 辛 己 乙 (5) -> core in W15; in W11-W14 only 4 -> active.
"""

from __future__ import annotations

import pytest
from report_groups import Group, Msg, build_store

from grouplens.report import build_report

NAMES = {"20001": "甲", "20002": "乙", "20003": "丙", "20004": "丁", "20005": "戊", "20006": "己",
         "20007": "庚", "20008": "辛", "20009": "壬"}
LISTED = "2024-01-01 08:00"

SIX_WEEKS = Group("分层测试群", NAMES, [
    Msg("2024-03-04 10:00", "20001", "本周话题：睡眠", id="t10"),
    Msg("2024-03-04 10:05", "20004", "我也关注这个", reply="t10"),
    Msg("2024-03-05 10:00", "20002", "有道理", reply="t10"),
    Msg("2024-03-11 10:00", "20001", "本周话题：运动", id="t11"),
    Msg("2024-03-11 10:05", "20002", "赞同", reply="t11"),
    Msg("2024-03-18 10:00", "20001", "本周话题：饮食", id="t12"),
    Msg("2024-03-18 10:05", "20009", "学习了", reply="t12"),
    Msg("2024-03-25 10:00", "20001", "本周话题：情绪", id="t13"),
    Msg("2024-03-25 10:05", "20003", "说得好", reply="t13"),
    Msg("2024-03-25 10:10", "20009", "同意", reply="t13"),
    Msg("2024-04-01 09:00", None, "庚加入本群", kind="join", event=("庚",)),
    Msg("2024-04-01 10:00", "20001", "本周话题：压力", id="t14"),
    Msg("2024-04-01 10:05", "20003", "我来补充", reply="t14"),
    Msg("2024-04-01 10:10", "20008", "很实用", reply="t14"),
    Msg("2024-04-08 09:00", None, "己加入本群", kind="join", event=("己",)),
    Msg("2024-04-08 10:00", "20001", "本周话题：总结", id="t15"),
    Msg("2024-04-08 10:05", "20006", "新人报到，学习", reply="t15"),
    Msg("2024-04-08 10:10", "20002", "好久不见", reply="t15"),
    Msg("2024-04-08 10:15", "20009", "收到", reply="t15"),
    Msg("2024-04-09 12:00", None, "辛退出了群聊", kind="leave", event=("辛",)),
    Msg("2024-04-14 20:00", "20001", "下周见"),
], roster=[(mid, NAMES[mid], LISTED, "owner" if mid == "20001" else "member")
           for mid in ("20001", "20002", "20003", "20004", "20005", "20008", "20009")])


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("members") / "store", SIX_WEEKS)


@pytest.fixture(scope="module")
def data(store):
    return build_report(store, "members", since="2024-04-01", until="2024-04-14", show_ids=True).to_dict()["data"]


def test_every_member_in_the_group_is_in_one_layer_each_week(data):
    w14, w15 = data["weekly"]
    assert w14 == {"week": "2024-W14", "members": 8, "new": 1, "core": 0, "returned": 0, "active": 4, "churned": 2,
                   "silent": 1, "joins": 1, "leaves": 0, "newly_active": 0}
    assert w15 == {"week": "2024-W15", "members": 8, "new": 1, "core": 1, "returned": 1, "active": 2, "churned": 1,
                   "silent": 2, "joins": 1, "leaves": 1, "newly_active": 1}
    assert data["totals"]["joins"] == 2 and data["totals"]["leaves"] == 1


def test_moves_between_layers_from_one_week_to_the_next(data):
    moves = {(m["from"], m["to"]): m["members"] for m in data["transitions"] if m["week"] == "2024-W15"}
    assert moves == {("joined", "new"): 1, ("new", "silent"): 1, ("active", "core"): 1, ("active", "active"): 2,
                     ("active", "left"): 1, ("churned", "returned"): 1, ("churned", "churned"): 1,
                     ("silent", "silent"): 1}
    # every member present in either week is counted once
    assert sum(moves.values()) == 9


def test_the_people_in_each_layer_of_the_last_week(data):
    people = data["people"]
    assert people["week"] == "2024-W15"
    assert [(m["name"], m["messages"], m["weeks_spoken"], m["partners"]) for m in people["core"]["members"]] == \
        [("甲", 5, 4, 5)]
    assert [m["name"] for m in people["returned"]["members"]] == ["乙"]
    assert [m["name"] for m in people["new"]["members"]] == ["己"]
    assert people["newly_churned"]["count"] == 0 and people["churned_core"]["count"] == 0


def test_newcomers_are_followed_up_one_and_four_weeks_later(data):
    cohorts = {r["cohort"]: r for r in data["retention"]}
    assert set(cohorts) == {"2024-W14", "2024-W15"}
    w14 = cohorts["2024-W14"]  # 庚: still in the group a week later, never spoke
    assert (w14["joined"], w14["newly_active"]) == (1, 0)
    assert w14["after"][0] == {"weeks": 1, "spoke": 0.0, "stayed": 1.0, "spoke_count": 0, "stayed_count": 1}
    assert w14["after"][1]["spoke"] is None  # four weeks later is past the period
    w15 = cohorts["2024-W15"]  # 己 spoke an hour after joining
    assert (w15["joined"], w15["newly_active"], w15["newly_active_share"]) == (1, 1, 1.0)
    assert all(a["spoke"] is None for a in w15["after"])


def test_core_needs_enough_partners_not_just_enough_weeks(store):
    data = build_report(store, "members", week="2024-W15", show_ids=True).to_dict()["data"]
    # 壬 spoke in 3 of the 4 weeks but engaged only 甲: active, not core
    assert data["totals"]["core"] == 1
    assert [m["name"] for m in data["people"]["core"]["members"]] == ["甲"]
