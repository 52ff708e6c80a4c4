"""Lifecycle stages: each rule on hand-made weekly figures, and the stages of simulated groups."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from grouplens import import_paths, open_store
from grouplens.config import LifecycleConfig
from grouplens.report import build_report
from grouplens.report.lifecycle import health, stage_of
from grouplens.simulate import SimParams, simulate_group, write_simulation

CONFIG = LifecycleConfig()

# An ordinary active week: 60 messages a day, 30% of 200 members speaking, no ads.
ACTIVE = {"days": 7, "age_weeks": 10, "messages_per_day": 60.0, "speaker_share": 0.3, "ad_share": 0.0,
          "question_share": 0.12, "question_share_of_rest": 0.12, "objection_share": 0.05, "join_share": 0.02,
          "net_growth_share": 0.0, "level_ratio": 0.9}


def week(**changes):
    return {**ACTIVE, **changes}


@pytest.mark.parametrize(("changes", "stage", "rule"), [
    ({}, "active", "no_other_rule"),
    ({"messages_per_day": 2.0}, "dead", "few_messages"),
    ({"age_weeks": 0, "join_share": 0.8}, "new", "first_weeks"),
    ({"age_weeks": 0, "join_share": 0.1}, "active", "no_other_rule"),  # an export that starts mid-life
    ({"ad_share": 0.3}, "ad-dominated", "ads"),
    ({"question_share_of_rest": 0.4, "objection_share": 0.0, "level_ratio": 0.1, "ad_share": 0.2}, "help-desk",
     "questions_left"),
    ({"question_share_of_rest": 0.4, "objection_share": 0.0, "level_ratio": 0.1, "ad_share": 0.6}, "ad-dominated",
     "ads"),  # ads the majority: an ad group, however many questions are left
    ({"question_share_of_rest": 0.4, "objection_share": 0.0, "level_ratio": 0.9}, "active", "no_other_rule"),
    ({"messages_per_day": 8.0, "speaker_share": 0.04, "level_ratio": None}, "declining", "quiet"),
    ({"level_ratio": 0.4}, "declining", "below_peak"),
    ({"net_growth_share": -0.05, "level_ratio": 0.7}, "declining", "shrinking"),
    ({"net_growth_share": 0.08}, "growing", "joins"),
    ({"days": 0}, None, "no_data"),
])
def test_the_first_rule_that_holds_names_the_stage(changes, stage, rule):
    got, why, checks = stage_of(week(**changes), CONFIG)
    assert (got, why) == (stage, rule)
    assert all(c.holds for c in checks)


def test_the_checks_say_which_figure_met_which_threshold():
    _, _, checks = stage_of(week(ad_share=0.4), CONFIG)
    assert [c.to_dict() for c in checks] == [{"metric": "ad_share", "value": 0.4, "op": ">=", "threshold": 0.25,
                                              "holds": True}]


def test_health_weighs_volume_participation_ads_and_level():
    assert health(week(level_ratio=0.8), CONFIG)["score"] == 97  # 35 + 35 + 15 + 15 x 0.8
    quiet = health(week(messages_per_day=15.0, speaker_share=0.1, ad_share=0.125, level_ratio=0.5), CONFIG)
    assert quiet == {"score": 50, "volume": 0.5, "participation": 0.5, "clean": 0.5, "level": 0.5}
    assert health(week(days=0), CONFIG) is None


@pytest.mark.parametrize(("scenario", "weeks", "seed"), [("ad-takeover", 20, 41), ("declining", 16, 42)])
def test_simulated_groups_stages_are_found_week_by_week(tmp_path, scenario, weeks, seed):
    start = date(2024, 1, 1)  # a Monday: simulated weeks are ISO weeks
    group = simulate_group(200, weeks, seed, SimParams(scenario=scenario, start=start))
    paths = write_simulation(tmp_path, group)
    import_paths(tmp_path / "store", [paths["txt"], paths["members"]])
    truth = [s["stage"] for s in json.loads(paths["truth"].read_text("utf-8"))["stages"]]
    report = build_report(open_store(tmp_path / "store"), "lifecycle", since=start.isoformat(),
                          until=(start + timedelta(weeks=weeks, days=-1)).isoformat())
    found = [w["stage"] for w in report.data["weekly"]]
    assert len(found) == weeks
    hits = sum(t == f for t, f in zip(truth, found))
    assert hits / weeks >= 0.85, list(zip(truth, found))
    assert found[0] == "new" and report.data["stage"] == truth[-1] == "dead"
    assert set(report.data["weeks_by_stage"]) <= set(truth) | {"declining"}
