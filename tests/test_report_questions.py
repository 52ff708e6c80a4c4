"""Questions, first answers and answer times on a week worked out by hand.

Week 2024-W10. 客服 is an admin (staff). Questions: q1 (answered by 客服 after 20 min, then by
热心人), q2 (热心人 after 120 min), q3 (only the asker follows up: unanswered), q4 (客服
answers the next morning, after the week: 600 min). An ad that asks something and a question
from staff are not service questions. q5 on Monday of W11 is asked 15 h before the data ends:
pending.
"""

from __future__ import annotations

import pytest
from report_groups import Group, Msg, build_store

from grouplens.config import config_from_dict
from grouplens.report import build_report

NAMES = {"30001": "客服", "30002": "问者甲", "30003": "热心人", "30004": "问者乙", "30005": "推销员"}
LISTED = "2024-01-01 08:00"

SERVICE = Group("问答测试群", NAMES, [
    Msg("2024-03-04 10:00", "30002", "请问挂号怎么预约？", id="q1"),
    Msg("2024-03-04 10:20", "30001", "公众号里预约", reply="q1"),
    Msg("2024-03-04 10:30", "30003", "我也是这样约的", reply="q1"),
    Msg("2024-03-05 09:00", "30004", "有没有人知道停车场在哪？", id="q2"),
    Msg("2024-03-05 11:00", "30003", "地下二层", reply="q2"),
    Msg("2024-03-06 20:00", "30002", "医生今天出诊吗？", id="q3"),
    Msg("2024-03-06 20:05", "30002", "等回复中", reply="q3"),
    Msg("2024-03-07 12:00", "30005", "加V：shop12345 优惠多多，有需要吗？"),
    Msg("2024-03-08 09:00", "30001", "大家对新排班有意见吗？"),
    Msg("2024-03-10 22:00", "30004", "明天还开放吗？", id="q4"),
    Msg("2024-03-11 08:00", "30001", "开放", reply="q4"),
    Msg("2024-03-11 09:00", "30002", "几点开门？", id="q5"),
], roster=[("30001", "客服", LISTED, "admin"), *[(m, NAMES[m], LISTED, "member") for m in ("30002", "30003", "30004")]])


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("questions") / "store", SERVICE)


@pytest.fixture(scope="module")
def week(store):
    return build_report(store, "questions", week="2024-W10", show_ids=True).to_dict()["data"]


def test_the_week_counts_members_questions_and_their_first_answers(week):
    assert week["totals"] == {
        "questions": 4, "answered": 3, "unanswered": 1, "pending": 0, "answered_share": 0.75,
        "within_target": 1, "within_target_share": 0.25, "median_minutes": 120.0,
        "staff_answered": 2, "staff_within_target": 1,
    }
    assert week["target_minutes"] == 60.0


def test_each_question_carries_its_status_and_first_answer(week):
    rows = {q["msg_id"]: q for q in week["questions"]}
    assert list(rows) == ["q1", "q2", "q3", "q4"]
    assert rows["q1"]["answer"]["name"] == "客服" and rows["q1"]["answer"]["minutes"] == 20.0
    assert rows["q1"]["answer"]["staff"] is True and rows["q1"]["within_target"] is True
    assert rows["q2"]["answer"]["name"] == "热心人" and rows["q2"]["answer"]["minutes"] == 120.0
    assert rows["q3"]["status"] == "unanswered" and rows["q3"]["answer"] is None
    assert rows["q4"]["answer"]["minutes"] == 600.0  # answered after the week ended: still its answer


def test_answerers_askers_and_the_unanswered_list(week):
    assert [(a["name"], a["answers"], a["within_target"], a["median_minutes"], a["staff"])
            for a in week["answerers"]] == [("客服", 2, 1, 310.0, True), ("热心人", 1, 0, 120.0, False)]
    assert [(a["name"], a["questions"], a["answered"]) for a in week["askers"]] == [("问者甲", 2, 1), ("问者乙", 2, 2)]
    assert week["unanswered"]["count"] == 1
    assert [(q["msg_id"], q["text"]) for q in week["unanswered"]["questions"]] == [("q3", "医生今天出诊吗？")]


def test_a_question_asked_shortly_before_the_data_ends_is_pending(store):
    data = build_report(store, "questions").to_dict()["data"]
    t = data["totals"]
    assert (t["questions"], t["answered"], t["unanswered"], t["pending"]) == (5, 3, 1, 1)
    assert t["answered_share"] == 0.75  # pending questions are left out of the shares
    assert [w["week"] for w in data["weekly"]] == ["2024-W10", "2024-W11"]


def test_a_reply_after_the_answer_window_is_too_late_to_count(store):
    config = config_from_dict({"report": {"answer_window_hours": 5}})
    data = build_report(store, "questions", week="2024-W10", config=config).to_dict()["data"]
    t = data["totals"]
    assert (t["answered"], t["unanswered"], t["pending"]) == (2, 2, 0)  # q4's answer came after 10 hours
    assert [q["msg_id"] for q in data["unanswered"]["questions"]] == ["q4", "q3"]
