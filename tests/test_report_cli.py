"""``grouplens report``: output equals the library's report, formats, options and errors."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from report_groups import build_store, fading_group
from test_report_activity import WEEK
from typer.testing import CliRunner

from grouplens import report as reports
from grouplens.cli import app
from grouplens.report import build_report

runner = CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("cli") / "store", WEEK, fading_group())


def run(store, *args: str):
    return runner.invoke(app, ["report", *args, "--store", str(store.path)])


def without_generated_at(page: str) -> str:
    """A rendered page without the report's build time: the UTC time in the data and the footer's
    local minute (two renders a minute apart differ there and nowhere else)."""
    page = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", "", page)
    return re.sub(r"(generated|生成于) \d{4}-\d\d-\d\d \d\d:\d\d", r"\1", page)


def without_time(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != "generated_at"}


def test_json_output_is_the_library_report(store):
    result = run(store, "activity", "--group", "活跃测试群", "--format", "json", "--week", "2024-W10")
    assert result.exit_code == 0, result.output
    expected = build_report(store, "activity", "活跃测试群", week="2024-W10").to_dict()
    assert without_time(json.loads(result.stdout)) == without_time(json.loads(json.dumps(expected)))


def test_csv_output_is_the_main_table(store):
    result = run(store, "activity", "--group", "活跃测试群", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["date", "messages", "speakers", "joins", "leaves"]
    assert [r["messages"] for r in rows] == ["3", "2", "1", "0", "0", "2", "1"]


def test_the_terminal_review_names_the_stage_alerts_and_unanswered_questions(store):
    result = run(store, "--group", "渐冷群", "--week", "2024-W14", "--lang", "en")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Weekly review" in out and "渐冷群" in out and "dead" in out
    assert "core member(s) churned" in out and "请问还有活动吗？" in out


def test_without_a_group_several_groups_need_group_or_all(store):
    result = run(store)
    assert result.exit_code == 1
    assert "--group" in result.stderr and "--all" in result.stderr
    result = run(store, "weekly", "--all")
    assert result.exit_code == 1 and "groups overview" in result.stderr


def test_all_gives_the_groups_overview_ranked_by_health(store):
    result = run(store, "--all", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kind"] == "groups" and data["group"] is None
    rows = [(g["rank"], g["name"], g["week"], g["stage"], g["health"]) for g in data["data"]["groups"]]
    assert rows[1] == (2, "渐冷群", "2024-W14", "dead", 38)
    assert rows[0][:3] == (1, "活跃测试群", "2024-W10") and rows[0][4] > 38
    assert data["data"]["totals"]["groups"] == 2 and data["data"]["totals"]["needing_attention"] == 2


def test_a_common_week_for_every_group(store):
    data = build_report(store, "groups", week="2024-W10").to_dict()["data"]
    stages = {g["name"]: (g["week"], g["stage"]) for g in data["groups"]}
    assert stages == {"活跃测试群": ("2024-W10", "dead"), "渐冷群": ("2024-W10", "active")}


def test_output_goes_to_a_file(store, tmp_path):
    target = tmp_path / "week.json"
    result = run(store, "--group", "渐冷群", "--week", "2024-W14", "--format", "json", "--output", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text("utf-8"))["data"]["stage"] == "dead"


@pytest.mark.parametrize(("fmt", "function"), [("md", "render_markdown"), ("html", "render_html")])
def test_markdown_and_html_use_their_renderers(store, fmt, function):
    result = run(store, "--group", "渐冷群", "--week", "2024-W14", "--format", fmt)
    assert result.exit_code == 0, result.output
    expected = getattr(reports, function)(build_report(store, "weekly", "渐冷群", week="2024-W14").to_dict())
    assert without_generated_at(result.stdout) == without_generated_at(expected)


def test_a_week_without_messages_is_a_usage_error(store):
    result = run(store, "--group", "渐冷群", "--week", "2023-W10")
    assert result.exit_code == 1 and "holds no messages" in result.stderr
