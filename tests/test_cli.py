"""The command line: output equals the library's result, errors are one line, help has examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from grouplens import __version__, open_store
from grouplens import schema as S
from grouplens.cli import app, output

runner = CliRunner()


def run(*args: str) -> typer.testing.Result:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def imported(store_path: Path, qq_txt: Path) -> Path:
    result = run("import", qq_txt, "--store", store_path)
    assert result.exit_code == 0, result.output
    return store_path


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"grouplens {__version__}"


def test_every_command_has_help_with_an_example() -> None:
    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        result = run(name, "--help")
        assert result.exit_code == 0, name
        assert "Example:" in (command.help or ""), f"'grouplens {name} --help' has no example"


def test_import_reports_each_file_as_json(store_path: Path, qq_txt: Path) -> None:
    result = run("import", qq_txt, "--store", store_path, "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["ok"] and report["totals"]["added"] == 29
    (f,) = report["files"]
    assert f["format"] == "qq-txt" and f["groups"] == ["周末羽毛球交流群", "TRPG 跑团群", "老王"]


def test_groups_json_lists_what_the_library_returns(imported: Path) -> None:
    result = run("groups", "--store", imported, "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    expected = open_store(imported).groups(private=False)
    assert [r[S.GROUP_ID] for r in rows] == expected[S.GROUP_ID].tolist()
    assert [r[S.MESSAGE_COUNT] for r in rows] == [20, 7]  # the private chat with 老王 is no group


def test_groups_lists_private_chats_when_asked(imported: Path) -> None:
    rows = json.loads(run("groups", "--store", imported, "--format", "json", "--private").stdout)
    assert [(r[S.GROUP_NAME], r[S.MESSAGE_COUNT], r[S.IS_GROUP]) for r in rows] == [
        ("周末羽毛球交流群", 20, True), ("TRPG 跑团群", 7, True), ("老王", 2, False)]


def test_messages_jsonl_equals_the_library_result(imported: Path) -> None:
    result = run("messages", "--store", imported, "--group", "周末羽毛球交流群", "--format", "jsonl")
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    df = open_store(imported).messages(group="周末羽毛球交流群")
    assert lines == json.loads(json.dumps(output.records(df, tz=__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))))
    assert list(lines[0]) == list(S.MESSAGE_COLUMNS)
    assert lines[0][S.TS] == "2024-03-02T08:04:05+08:00"


def test_messages_csv_filters_by_day(imported: Path) -> None:
    result = run("messages", "--store", imported, "-g", "周末羽毛球交流群", "--since", "2024-03-04", "--format", "csv")
    assert result.exit_code == 0
    rows = result.stdout.splitlines()
    assert rows[0].split(",")[:3] == [S.GROUP_ID, S.GROUP_NAME, S.PLATFORM]
    assert len(rows) == 1 + 4


def test_a_missing_path_is_one_line_on_stderr_and_exit_1(store_path: Path, tmp_path: Path) -> None:
    result = run("import", tmp_path / "nope.txt", "--store", store_path)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "nope.txt" in errors[0] and "Traceback" not in result.output


def test_an_unknown_group_is_an_error_naming_it(imported: Path) -> None:
    result = run("messages", "--store", imported, "--group", "不存在的群")
    assert result.exit_code == 1
    assert "不存在的群" in result.stderr and "Traceback" not in result.stderr


def test_several_groups_need_group(imported: Path) -> None:
    result = run("messages", "--store", imported)
    assert result.exit_code == 1 and "--group" in result.stderr


def test_no_store_yet_says_what_to_do(tmp_path: Path) -> None:
    result = run("groups", "--store", tmp_path / "empty")
    assert result.exit_code == 1 and "grouplens import" in result.stderr


def test_formats_lists_every_layout() -> None:
    result = run("formats", "--format", "json")
    names = [r["format"] for r in json.loads(result.stdout)]
    assert {"qq-txt", "member-list"} <= set(names)


def test_store_from_environment(imported: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROUPLENS_STORE", str(imported))
    result = run("groups", "--format", "json")
    assert result.exit_code == 0 and len(json.loads(result.stdout)) == 2


def test_chat_text_with_markup_is_printed_literally(store_path: Path, tmp_path: Path) -> None:
    sep = "=" * 64
    export = tmp_path / "x.txt"
    export.write_text("\n".join(["消息记录（此消息记录为文本格式，不支持重新导入）", "", sep, "消息分组:我的群聊", sep,
                                 "消息对象:测试群", sep, "", "2024-01-02 9:00:00 张三(10001)", "[bold]不是粗体[/bold] [图片]",
                                 ""]), encoding="utf-8")
    run("import", export, "--store", store_path)
    result = run("messages", "--store", store_path)
    assert "[bold]不是粗体[/bold]" in result.stdout
