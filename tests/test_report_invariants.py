"""Rates never above 1 and counts that add up, in every report kind's JSON (tests/invariants.py
lists the rules): on the store of the sample exports, and on a simulated group whose seed is
drawn here and was never looked at while the rules were written. ``python bench/invariants.py``
runs the same rules over many more seeds and every week."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest
from conftest import SAMPLES
from invariants import all_reports, violations

from grouplens.report import build_report
from grouplens.simulate import SCENARIOS, SimParams, simulate_group, write_simulation
from grouplens.store.ingest import import_paths
from grouplens.store.store import Store, open_store

UNSEEN = random.Random("report invariants").randrange(100_000)


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = tmp_path_factory.mktemp("samples") / "store"
    import_paths(path, [SAMPLES / "qq-txt", SAMPLES / "qce-json", SAMPLES / "weflow-json", SAMPLES / "chatlog-csv"])
    return open_store(path)


def test_every_report_of_a_sample_group_keeps_its_rates_and_counts(samples: Store) -> None:
    busiest = samples.groups().sort_values("message_count", ascending=False)["group_id"].iloc[0]
    assert [p for r in all_reports(samples, busiest) for p in violations(r)] == []


def test_the_weekly_review_of_sample_groups_keeps_its_rates_and_counts(samples: Store) -> None:
    problems = [p for gid in samples.group_ids() for p in violations(build_report(samples, "weekly", gid).to_dict())]
    assert problems == []


def test_every_report_of_a_simulated_group_keeps_its_rates_and_counts(tmp_path: Path) -> None:
    scenario = random.Random(UNSEEN).choice(SCENARIOS)
    group = simulate_group(members=50, weeks=4, seed=UNSEEN, params=SimParams(scenario=scenario))
    written = write_simulation(tmp_path / "export", group)
    import_paths(tmp_path / "store", [written["txt"], written["members"]])
    reports = all_reports(open_store(tmp_path / "store"), None)
    assert {r["kind"] for r in reports} >= {"weekly", "activity", "members", "questions", "lifecycle"}
    assert [p for r in reports for p in violations(r)] == []
    # and the rules do catch a count that does not add up, or a rate above 1
    weekly = copy.deepcopy(next(r for r in reports if r["kind"] == "weekly"))
    weekly["data"]["current"]["questions"]["totals"]["answered"] += 1
    weekly["data"]["current"]["activity"]["totals"]["participation_rate"] = 1.25
    found = violations(weekly)
    assert any("answered" in p and "questions" in p for p in found)
    assert any("participation_rate" in p and "1.25" in p for p in found)
