"""KOL report: influence with the evidence, the activity and contribution rankings of a month."""

from __future__ import annotations

import pytest
from report_groups import build_store, fading_group

from grouplens.report import build_report


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    store = build_store(tmp_path_factory.mktemp("kol") / "store", fading_group())
    return build_report(store, "kol", month="2024-03", show_ids=True).to_dict()["data"]


def test_the_default_period_is_the_latest_complete_month(tmp_path):
    store = build_store(tmp_path / "store", fading_group())
    report = build_report(store, "kol")
    assert report.period["month"] == "2024-03"  # the data ends on 7 April


def test_influence_ranks_speakers_with_their_role_and_evidence(data):
    top = data["influence"][0]
    assert (top["rank"], top["name"]) == (1, "老郑")
    assert top["evidence"]["replies_drawn"] == 84 and top["evidence"]["sources"] == 5
    assert top["role"] in ("thinker", "critic", "onlooker") and isinstance(top["reason"], str) and top["reason"]
    assert [r["rank"] for r in data["influence"]] == list(range(1, len(data["influence"]) + 1))


def test_the_activity_ranking_counts_march_messages(data):
    # 一号…四号: 17 replies + 5 chats; 老郑 21 topics; 五号 16 replies + 5 chats
    assert [(r["rank"], r["name"], r["messages"], r["active_days"]) for r in data["activity_ranking"]] == [
        (1, "一号", 22, 22), (2, "二号", 22, 22), (3, "三号", 22, 22), (4, "四号", 22, 22), (5, "老郑", 21, 21),
        (6, "五号", 21, 21)]


def test_the_contribution_ranking_weighs_replies_drawn(data):
    first = data["contribution_ranking"][0]
    assert (first["name"], first["score"], first["content_posts"], first["answers"], first["replies_drawn"]) == \
        ("老郑", 84, 0, 0, 84)
