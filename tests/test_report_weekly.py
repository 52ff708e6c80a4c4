"""The weekly review of the week a group died (``report_groups.fading_group``): this week beside
the last, alerts, key people."""

from __future__ import annotations

from datetime import date

import pytest
from report_groups import TZ, build_store, fading_group

from grouplens.report import build_report
from grouplens.report.period import month_period, week_period
from grouplens.report.weekly import previous_period


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    store = build_store(tmp_path_factory.mktemp("weekly") / "store", fading_group())
    return build_report(store, "weekly", week="2024-W14", show_ids=True).to_dict()["data"]


def test_the_previous_period_is_the_week_before_or_as_many_days_before():
    assert previous_period(week_period(date(2024, 4, 1), TZ)).week == "2024-W13"
    before = previous_period(month_period("2024-03", TZ))
    assert (before.first_day, before.last_day) == (date(2024, 1, 30), date(2024, 2, 29))


def test_stages_this_week_and_last(data):
    assert (data["week"], data["previous_week"]) == ("2024-W14", "2024-W13")
    assert (data["stage"], data["previous_stage"]) == ("dead", "active")
    assert data["current"]["lifecycle"]["rule"] == "few_messages"


def test_the_comparison_gives_deltas_and_whether_they_are_better(data):
    rows = {r["metric"]: r for r in data["comparison"]}
    assert rows["messages"] == {"metric": "messages", "section": "activity", "current": 5, "previous": 25,
                                "delta": -20, "change": -0.8, "direction": "down", "better": "up",
                                "verdict": "worse"}
    assert (rows["speakers"]["current"], rows["speakers"]["previous"]) == (4, 5)
    assert (rows["core"]["current"], rows["core"]["previous"]) == (0, 1)
    assert (rows["newly_churned"]["current"], rows["newly_churned"]["verdict"]) == (1, "worse")
    assert (rows["ad"]["current"], rows["ad"]["previous"], rows["ad"]["verdict"]) == (2, 0, "worse")
    assert rows["leaves"]["direction"] == "same" and rows["leaves"]["verdict"] == "same"
    assert rows["questions"]["verdict"] is None  # more questions is neither better nor worse


def test_alerts_name_what_changed(data):
    alerts = {a["code"]: a for a in data["alerts"]}
    assert list(alerts) == ["stage_changed", "core_churned", "ads_rising", "activity_drop", "unanswered",
                            "risky_claims"]
    assert (alerts["stage_changed"]["from"], alerts["stage_changed"]["to"]) == ("active", "dead")
    assert alerts["stage_changed"]["message"] == "阶段变化：活跃 → 死群"
    assert [m["name"] for m in alerts["core_churned"]["members"]] == ["老郑"]
    assert alerts["core_churned"]["message"] == "1 位核心成员流失：老郑"
    assert (alerts["ads_rising"]["current"], alerts["ads_rising"]["previous"]) == (0.4, 0.0)
    assert alerts["activity_drop"]["drop"] == 0.8011  # 0.71 messages a day against 3.57
    assert alerts["unanswered"]["count"] == 1 and alerts["risky_claims"]["count"] == 1
    assert {a["severity"] for a in data["alerts"] if a["code"] in ("stage_changed", "core_churned")} == {"high"}


def test_key_people_unanswered_questions_and_engaging_messages(data):
    assert data["key_people"][0]["name"] == "老郑"  # the last four weeks, not just this one
    assert [q["text"] for q in data["unanswered"]["questions"]] == ["请问还有活动吗？"]
    assert data["engaging_messages"] == []  # nothing in W14 drew a reply
    assert set(data["current"]) == {"activity", "members", "lifecycle", "questions", "checkins", "compliance"}
