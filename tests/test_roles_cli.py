"""`grouplens roles`, `grouplens engagement` and `grouplens simulate` through the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_roles import CRITIC, NAMES, SILENT, THINKER, build_debate_store
from typer.testing import CliRunner

from grouplens import open_store
from grouplens.analysis.engagement import group_engagement
from grouplens.cli import app
from grouplens.records import records
from grouplens.roles import group_roles, role_records


@pytest.fixture
def debate_store(tmp_path: Path) -> Path:
    return build_debate_store(tmp_path)


def run(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_roles_json_is_the_library_result(debate_store: Path) -> None:
    result = run("roles", "--store", debate_store, "--format", "json", "--lang", "en")
    assert result.exit_code == 0, result.output
    expected = role_records(group_roles(open_store(debate_store), lang="en"), ZoneInfo("Asia/Shanghai"))
    assert json.loads(result.stdout) == json.loads(json.dumps(expected, ensure_ascii=False))
    roles = {r["member_id"]: r["role"] for r in json.loads(result.stdout)}
    assert roles[THINKER] == "thinker" and roles[CRITIC] == "critic" and roles[SILENT] == "silent"


def test_roles_csv_has_a_row_per_member(debate_store: Path) -> None:
    result = run("roles", "--store", debate_store, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(NAMES) and {"member_id", "role", "tags", "influence", "reason"} <= set(rows[0])


def test_roles_table_shows_names_and_roles(debate_store: Path) -> None:
    result = run("roles", "--store", debate_store)
    assert result.exit_code == 0, result.output
    assert NAMES[CRITIC] in result.stdout and "批判者" in result.stdout  # roles in the report language
    result = run("roles", "--store", debate_store, "--lang", "en")
    assert NAMES[CRITIC] in result.stdout and "critic" in result.stdout


def test_explain_tells_why(debate_store: Path) -> None:
    result = run("roles", "--store", debate_store, "--explain", NAMES[CRITIC], "--lang", "en")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{NAMES[CRITIC]} ({CRITIC}): critic"
    assert lines[1].startswith("Critic: disputed others' points 9 times")
    as_json = json.loads(run("roles", "--store", debate_store, "--explain", CRITIC, "--format", "json").stdout)
    assert as_json["member_id"] == CRITIC and as_json["explanation"][0].startswith(NAMES[CRITIC])


def test_explaining_an_unknown_member_fails_with_a_hint(debate_store: Path) -> None:
    result = run("roles", "--store", debate_store, "--explain", "无名氏")
    assert result.exit_code == 1
    assert "no member '无名氏' in this group" in result.stderr


def test_engagement_json_lists_the_top_messages(debate_store: Path) -> None:
    result = run("engagement", "--store", debate_store, "--top", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    report = group_engagement(open_store(debate_store), top=3)
    assert out["messages"] == json.loads(json.dumps(records(report.messages, ZoneInfo("Asia/Shanghai")),
                                                    ensure_ascii=False))
    assert len(out["messages"]) == 3 and out["content"]
    assert out["messages"][0]["name"] == NAMES[THINKER]


def test_simulate_writes_an_export_a_member_list_and_the_truth(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    result = run("simulate", "--members", 40, "--weeks", 1, "--seed", 3, "--scenario", "ad-takeover",
                 "--theme", "retail", "--out", out)
    assert result.exit_code == 0, result.output
    assert (out / "members.csv").is_file() and (out / "truth.json").is_file()
    assert len(list(out.glob("*.txt"))) == 1
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert truth["group"]["members"] == 40 and truth["group"]["scenario"] == "ad-takeover"
    assert truth["group"]["theme"] == "retail"


def test_simulate_rejects_too_few_members(tmp_path: Path) -> None:
    result = run("simulate", "--members", 5, "--out", tmp_path / "sim")
    assert result.exit_code == 1
    assert "--members must be at least" in result.stderr
