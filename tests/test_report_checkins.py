"""Check-ins, streaks and challenge completion, with a 3-day challenge for a one-week group.

Week 2024-W10 (03-04 to 03-10). 早睡A checks in on 4, 5, 6 and 8 March (a 3-day streak:
completed); 早睡B on 6 and 7 (then stops: dropped); 早睡C on 9 and 10 (still going: in
progress). "怎么打卡？" asks about checking in and is not a check-in.
"""

from __future__ import annotations

import pandas as pd
import pytest
from report_groups import Group, Msg, build_store

from grouplens.config import config_from_dict
from grouplens.report import build_report
from grouplens.report.checkins import streaks

NAMES = {"40001": "早睡A", "40002": "早睡B", "40003": "早睡C"}


def checkin(day: int, who: str) -> Msg:
    return Msg(f"2024-03-{day:02d} 22:30", who, f"早睡打卡第{day}天 ✅")


CHALLENGE = Group("早睡打卡群", NAMES, [
    checkin(4, "40001"), checkin(5, "40001"), Msg("2024-03-05 12:00", "40003", "怎么打卡？"),
    checkin(6, "40001"), checkin(6, "40002"), checkin(7, "40002"), checkin(8, "40001"),
    checkin(9, "40003"), checkin(10, "40003"),
])


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    store = build_store(tmp_path_factory.mktemp("checkins") / "store", CHALLENGE)
    config = config_from_dict({"report": {"challenge_days": 3}})
    return build_report(store, "checkins", week="2024-W10", config=config, show_ids=True).to_dict()["data"]


def test_streaks_are_runs_of_days_with_at_most_the_grace_days_missed():
    days = [pd.Timestamp(f"2024-03-{d:02d}") for d in (1, 2, 3, 5, 6, 9)]
    assert [n for _, _, n in streaks(days, grace=0)] == [3, 2, 1]
    assert [n for _, _, n in streaks(days, grace=1)] == [5, 1]


def test_totals_and_completion(data):
    assert data["challenge_days"] == 3
    assert data["totals"] == {"checkins": 8, "participants": 3, "completed": 1, "in_progress": 1, "dropped": 1,
                              "completion_rate": 0.3333, "finished_rate": 0.5}


def test_each_participant_with_streaks_and_status(data):
    rows = [(m["name"], m["checkins"], m["days"], m["current_streak"], m["longest_streak"], m["status"])
            for m in data["members"]]
    assert rows == [("早睡A", 4, 4, 0, 3, "completed"), ("早睡B", 2, 2, 0, 2, "dropped"),
                    ("早睡C", 2, 2, 2, 2, "in_progress")]


def test_daily_checkins(data):
    assert [(d["date"][-2:], d["checkins"], d["members"]) for d in data["daily"]] == [
        ("04", 1, 1), ("05", 1, 1), ("06", 2, 2), ("07", 1, 1), ("08", 1, 1), ("09", 1, 1), ("10", 1, 1)]
