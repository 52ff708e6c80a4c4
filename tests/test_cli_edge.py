"""The command line's edge: --store, --config and --tz parsed once (also before the command),
help that reads well, `grouplens config`, and `simulate` output that `import` takes as it is."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from report_groups import Group, Msg, conversation
from typer.testing import CliRunner

from grouplens import schema as S
from grouplens.analysis.group import load_group, with_classes
from grouplens.cli import app
from grouplens.config import Config, config_from_dict, example_config, load_config
from grouplens.store.ingest import import_conversations
from grouplens.store.store import open_store

runner = CliRunner()
TZ_COMMANDS = [["import", "."], ["groups"], ["messages"], ["members"], ["roles"], ["engagement"], ["keywords"],
               ["report"]]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("edge") / "store"
    names = {"55667788": "羽球老王(队长)", "1": "老王头", "2": "小林"}
    messages = [Msg("2024-03-04 09:00", "55667788", "周六打球"), Msg("2024-03-04 09:05", "2", "好"),
                Msg("2024-03-05 21:00", "1", "我也来"), Msg("2024-03-06 07:30", "2", "几点？")]
    import_conversations(path, [conversation(Group("羽毛球群", names, messages))], source="edge")
    return path


def run(*args: str, **kwargs):
    return runner.invoke(app, [str(a) for a in args], **kwargs)


@pytest.mark.parametrize("command", TZ_COMMANDS, ids=lambda c: c[0])
def test_a_bad_time_zone_is_one_line_and_exit_1_for_every_command(store, command):
    result = run(*command, "--store", store, "--tz", "Mars/Base")
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().splitlines() == [
        "error: unknown time zone 'Mars/Base'; use an IANA name such as Asia/Shanghai, Europe/Berlin or UTC"]
    before = run("--tz", "Mars/Base", *command, "--store", store)
    assert before.exit_code == 1 and "unknown time zone 'Mars/Base'" in before.stderr


def test_the_time_zone_comes_from_tz_before_or_after_the_command_else_the_settings(store, tmp_path, monkeypatch):
    def first_time(*args: str) -> str:
        return json.loads(run(*args).stdout.splitlines()[0])[S.TS]

    assert first_time("messages", "--store", store, "--format", "jsonl") == "2024-03-04T09:00:00+08:00"
    assert first_time("--tz", "UTC", "messages", "--store", store, "--format", "jsonl") == "2024-03-04T01:00:00+00:00"
    assert first_time("--tz", "UTC", "messages", "--store", store, "--format", "jsonl", "--tz", "Europe/Berlin") \
        == "2024-03-04T02:00:00+01:00"
    (tmp_path / "grouplens.toml").write_text('[time]\ntz = "UTC"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert first_time("messages", "--store", store, "--format", "jsonl") == "2024-03-04T01:00:00+00:00"


def test_finding_scripted_posts_counts_days_in_the_time_zone_given(tmp_path):
    """The same script at 07:00, 09:00 and the next day 09:00 in Shanghai falls on two local days
    there, and on three in UTC (23:00, 01:00, 01:00): a template only by UTC's calendar."""
    script = "【早报】今日要闻：社区义诊周六上午九点开始，请大家带好医保卡和病历"
    names = {"1": "小助手", "2": "甲"}
    messages = [Msg("2024-03-04 07:00", "1", script), Msg("2024-03-04 09:00", "1", script),
                Msg("2024-03-05 09:00", "1", script), Msg("2024-03-05 10:00", "2", "收到")]
    import_conversations(tmp_path / "s", [conversation(Group("早报群", names, messages))], source="t")
    store = open_store(tmp_path / "s")

    def templates(zone: str) -> int:
        data = with_classes(load_group(store, tz=ZoneInfo(zone), config=Config()))
        return int(data.messages["operator_template"].sum())

    assert (templates("Asia/Shanghai"), templates("UTC")) == (0, 3)


def test_the_store_can_be_named_before_the_command_or_in_the_environment(store, monkeypatch):
    assert json.loads(run("--store", store, "groups", "--format", "json").stdout)[0][S.GROUP_NAME] == "羽毛球群"
    monkeypatch.setenv("GROUPLENS_STORE", str(store))
    assert json.loads(run("groups", "--format", "json").stdout)[0][S.GROUP_NAME] == "羽毛球群"


def test_explain_finds_a_member_by_part_of_a_name_or_names_the_close_ones(store):
    result = run("roles", "--store", store, "--explain", "老王", "--lang", "en")
    assert result.exit_code == 1 and "2 members match '老王'" in result.stderr  # 羽球老王(队长) and 老王头
    result = run("roles", "--store", store, "--explain", "队长", "--lang", "en")
    assert result.exit_code == 0 and result.stdout.startswith("羽球老王(队长) (55667788): ")
    result = run("roles", "--store", store, "--explain", "小琳")
    assert result.exit_code == 1 and "close names: 小林" in result.stderr


def help_text(*args: str) -> str:
    return run(*args, "--help", env={"COLUMNS": "200", "TERM": "dumb"}).stdout


def test_help_shows_no_type_names_for_flags_and_keeps_brackets_and_sentences(store):
    commands = ["import", "groups", "messages", "members", "formats", "roles", "engagement", "keywords", "report",
                "simulate", "config", "search", "sql"]
    for command in [[], *[[c] for c in commands]]:
        text = help_text(*command)
        assert "<bool>" not in text and "<str>" not in text, command
    report = help_text("report")
    assert "[report] lang" in report
    assert "Member ids are never shown unless --show-ids; --pseudonymize and --redact make a report safe to share." \
        in re.sub(r"\s+", " ", report)  # wrapped by the terminal, not mid-sentence by the source
    assert re.search(r"questions, who answered, median time to the first answer, share answered within an hour",
                     report)
    root = help_text()
    assert "--install-completion" in root and "--store" in root and "--tz" in root


def test_config_prints_the_settings_in_force_and_the_documented_template(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shown = run("config").stdout
    assert config_from_dict(tomllib.loads(shown)) == Config()
    (tmp_path / "grouplens.toml").write_text('[time]\ntz = "Europe/Berlin"\n[report]\ntop = 5\n', encoding="utf-8")
    shown = run("config").stdout
    assert shown.startswith(f"# settings in force: {tmp_path / 'grouplens.toml'}")
    parsed = config_from_dict(tomllib.loads(shown))
    assert (parsed.time.tz, parsed.report.top) == ("Europe/Berlin", 5)
    example = run("config", "--example").stdout
    assert example == example_config() and "[time]" in example and "[report]" in example
    (tmp_path / "copy.toml").write_text(example, encoding="utf-8")
    assert load_config(tmp_path / "copy.toml").report.top == Config().report.top


def test_import_takes_what_simulate_writes_in_one_go(tmp_path):
    assert run("simulate", "--out", tmp_path / "sim", "--members", "40", "--weeks", "3", "--seed", "5").exit_code == 0
    result = run("import", tmp_path / "sim", "--store", tmp_path / "store", "--json")
    assert result.exit_code == 0, result.output
    files = {Path(f["path"]).name: f for f in json.loads(result.stdout)["files"]}
    assert files["truth.json"]["status"] == "skipped" and "grouplens simulate" in files["truth.json"]["error"]
    assert files["members.csv"]["status"] == "imported" and files["members.csv"]["members"] > 0
    store = open_store(tmp_path / "store")
    (group,) = store.groups()[S.GROUP_NAME]
    truth = json.loads((tmp_path / "sim" / "truth.json").read_text(encoding="utf-8"))
    assert group == truth["group"]["name"]
    members = store.members()
    assert members[S.IN_ROSTER].sum() == files["members.csv"]["members"]
    assert pd.notna(members[S.ROLE]).sum() > 0
