"""``grouplens import`` reports how every line of a text export was read, and ``--strict``."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from grouplens import open_store
from grouplens.cli import app

runner = CliRunner()
SEP = "=" * 64
# Line 11 starts with a time but names no QQ number: it stays in the text of 阿杰's message.
ODD = ["消息记录（此消息记录为文本格式，不支持重新导入）", "", SEP, "消息分组:我的群聊", SEP, "消息对象:测试群", SEP, "",
       "2024-03-02 9:00:00 阿杰(10001)", "会议改到：", "2024-03-05 14:00:00 线上会议", "",
       "2024-03-02 9:01:00 小林(10002)", "收到", ""]


def run(*args: object) -> typer.testing.Result:
    return runner.invoke(app, [str(a) for a in args])


def odd_file(tmp_path: Path) -> Path:
    path = tmp_path / "群.txt"
    path.write_text("\r\n".join(ODD), encoding="utf-8")
    return path


def test_unaccepted_header_lines_are_counted_per_file_and_warned_about(store_path: Path, tmp_path: Path) -> None:
    result = run("import", odd_file(tmp_path), "--store", store_path)
    assert result.exit_code == 0
    assert "unaccepted" in result.stdout
    warning = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and "群.txt" in warning[0] and "(line 11)" in warning[0] and "--strict" in warning[0]
    assert open_store(store_path).messages().shape[0] == 2


def test_the_json_report_and_the_import_journal_carry_the_line_account(store_path: Path, tmp_path: Path) -> None:
    result = run("import", odd_file(tmp_path), "--store", store_path, "--json")
    report = json.loads(result.stdout)
    assert report["totals"]["unaccepted"] == 1
    lines = report["files"][0]["lines"]
    assert lines == {"lines": 14, "headers": 2, "body": 2, "other": 9, "unaccepted": 1, "unaccepted_lines": [11]}
    journal = json.loads((store_path / "imports" / f"{report['import_id']}.json").read_text(encoding="utf-8"))
    assert journal["files"][0]["lines"] == lines


def test_strict_refuses_the_file_and_stores_nothing(store_path: Path, tmp_path: Path) -> None:
    result = run("import", odd_file(tmp_path), "--store", store_path, "--strict")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "群.txt:11" in errors[0] and "--strict" in errors[0]
    assert "the input failed; nothing was imported" in result.stderr
    assert not (store_path / "messages").exists() or not any((store_path / "messages").rglob("*.parquet"))


def test_a_clean_file_passes_strict_with_zero_unaccepted(store_path: Path, qq_txt: Path) -> None:
    result = run("import", qq_txt, "--store", store_path, "--strict", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["files"][0]["lines"]["unaccepted"] == 0
    assert "warning:" not in result.stderr


def test_failure_summary_says_whether_anything_was_imported(store_path: Path, tmp_path: Path, qq_txt: Path) -> None:
    one = run("import", tmp_path / "nope.txt", "--store", store_path)
    assert one.exit_code == 1 and "the input failed; nothing was imported" in one.stderr
    two = run("import", tmp_path / "nope.txt", tmp_path / "gone.txt", "--store", store_path)
    assert "all 2 inputs failed; nothing was imported" in two.stderr
    some = run("import", tmp_path / "nope.txt", qq_txt, "--store", store_path)
    assert some.exit_code == 1 and "1 of 2 inputs failed; the others were imported" in some.stderr


def test_the_parsed_column_counts_messages_even_when_the_export_lists_members(store_path: Path) -> None:
    sample = Path(__file__).resolve().parents[1] / "sample_logs" / "chatlab-json"
    result = run("import", sample, "--store", store_path, "--json")
    (f,) = json.loads(result.stdout)["files"]
    table = run("import", sample, "--store", store_path.parent / "again")
    assert f["members"] > 0 and f"{f['parsed']}" in table.stdout and "members" not in table.stdout


def test_a_bad_time_zone_is_one_line(store_path: Path, qq_txt: Path) -> None:
    result = run("import", qq_txt, "--store", store_path, "--tz", "Bad/Zone")
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "Bad/Zone" in result.output and "internal error" not in result.output


def test_what_an_importer_noticed_is_a_note_on_stderr(store_path: Path) -> None:
    resaved = Path(__file__).resolve().parent / "data" / "excel" / "12345678901@chatroom_0_5.csv"
    result = run("import", resaved, "--store", store_path)
    assert result.exit_code == 0
    assert any(line.startswith("note:") and "rounded by a spreadsheet" in line for line in result.stderr.splitlines())
