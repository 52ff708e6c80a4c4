"""Bad input: one short line naming the file (and line), a non-zero exit, and an untouched store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grouplens import import_paths, open_store
from grouplens import schema as S
from grouplens.cli import app

SEP = "=" * 64
GOOD = "\n".join(["消息记录（此消息记录为文本格式，不支持重新导入）", "", SEP, "消息分组:我的群聊", SEP, "消息对象:好群", SEP, "",
                  "2024-01-02 9:00:00 张三(10001)", "早", "", "2024-01-02 9:01:00 李四(10002)", "早上好", ""])

BAD_FILES: dict[str, bytes] = {
    "empty.txt": b"",
    "garbage.bin": os.urandom(4096) + b"\x00" * 64,
    "truncated.json": ('{"metadata":{"name":"QQChatExporter","version":"6.0.4"},"chatInfo":{"name":"群"},'
                       '"messages":[\n    {"id":"1","timestamp":1746057912000,"sender":{"uin":"1","name":"a"},"ty').encode(),
    "nested.json": b"[" * 200_000 + b"]" * 200_000,
    "unknown.csv": "姓名,年龄,城市\n张三,30,上海\n".encode(),
    "long-line.txt": b"x" * (20 * 1024 * 1024),
    "bad-date.txt": GOOD.replace("2024-01-02 9:01:00", "2024-02-31 9:01:00").encode("utf-8"),
}


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    """A store that already holds one good export."""
    store = tmp_path / "store"
    good = tmp_path / "good.txt"
    good.write_text(GOOD, encoding="utf-8")
    assert import_paths(store, [good]).ok
    return store


def snapshot(store: Path) -> dict[str, bytes]:
    return {str(p.relative_to(store)): p.read_bytes() for p in sorted(store.rglob("*.parquet"))}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_file_is_one_line_exit_1_and_changes_nothing(name: str, seeded: Path, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(BAD_FILES[name])
    before = snapshot(seeded)
    result = CliRunner().invoke(app, ["import", str(path), "--store", str(seeded)])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert name in errors[0] and "Traceback" not in result.output
    assert snapshot(seeded) == before


def test_the_impossible_date_names_its_line(seeded: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad-date.txt"
    path.write_bytes(BAD_FILES["bad-date.txt"])
    report = import_paths(seeded, [path])
    assert report.files[0].line == 12 and "impossible date" in report.files[0].error


def test_the_truncated_json_names_a_line(seeded: Path, tmp_path: Path) -> None:
    path = tmp_path / "truncated.json"
    path.write_bytes(BAD_FILES["truncated.json"])
    report = import_paths(seeded, [path])
    assert report.files[0].status == "error" and report.files[0].line is not None


def test_an_undetectable_file_lists_the_supported_formats(seeded: Path, tmp_path: Path) -> None:
    path = tmp_path / "unknown.csv"
    path.write_bytes(BAD_FILES["unknown.csv"])
    error = import_paths(seeded, [path]).files[0].error
    assert "qq-txt" in error and "--format" in error


def test_forcing_a_format_on_the_wrong_file_is_a_clear_error(seeded: Path, tmp_path: Path) -> None:
    path = tmp_path / "unknown.csv"
    path.write_bytes(BAD_FILES["unknown.csv"])
    report = import_paths(seeded, [path], fmt="qq-txt")
    assert report.files[0].status == "error" and "unknown.csv" in report.files[0].error


def test_an_unknown_format_name_is_rejected_before_anything_runs(seeded: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["import", str(tmp_path), "--store", str(seeded), "--format", "nope"])
    assert result.exit_code == 1 and "supported:" in result.stderr


def test_a_missing_path_among_good_ones(seeded: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_text(GOOD.replace("消息对象:好群", "消息对象:另一个群"), encoding="utf-8")
    result = CliRunner().invoke(app, ["import", str(tmp_path / "missing.txt"), str(other), "--store", str(seeded)])
    assert result.exit_code == 1
    assert "missing.txt" in result.stderr and "no such file" in result.stderr
    assert len(open_store(seeded).groups()) == 2  # the good file was imported


def test_a_folder_mixing_good_and_bad_files_says_what_happened_to_each(seeded: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "week2.txt").write_text(GOOD.replace("早上好", "周末愉快"), encoding="utf-8")
    for name in ("empty.txt", "truncated.json", "unknown.csv"):
        (folder / name).write_bytes(BAD_FILES[name])
    (folder / "avatar.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(64))
    result = CliRunner().invoke(app, ["import", str(folder), "--store", str(seeded), "--json"])
    assert result.exit_code == 1
    import json
    files = {Path(f["path"]).name: f for f in json.loads(result.stdout)["files"]}
    assert files["week2.txt"]["status"] == "imported" and files["week2.txt"]["added"] == 1
    assert files["avatar.png"]["status"] == "skipped"
    assert {files[n]["status"] for n in ("empty.txt", "truncated.json", "unknown.csv")} == {"error"}
    assert sum(line.startswith("error:") for line in result.stderr.splitlines()) == 3
    assert open_store(seeded).messages()[S.TEXT].tolist() == ["早", "早上好", "周末愉快"]


def test_a_bad_tz_is_rejected(seeded: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["import", str(tmp_path), "--store", str(seeded), "--tz", "Mars/Base"])
    assert result.exit_code == 1 and "time zone" in result.stderr


def test_debug_shows_the_traceback(seeded: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--debug", "messages", "--store", str(seeded), "--group", "没有这个群"])
    assert result.exit_code != 0 and result.exception is not None


def test_a_20_mb_message_inside_a_real_export_is_kept_whole(tmp_path: Path) -> None:
    huge = "长" * (7 * 1024 * 1024)  # 21 MB of UTF-8 on one line
    path = tmp_path / "huge.txt"
    path.write_text(GOOD.replace("早上好", huge), encoding="utf-8")
    report = import_paths(tmp_path / "store", [path])
    assert report.ok and report.totals()["added"] == 2
    assert open_store(tmp_path / "store").messages()[S.TEXT].str.len().max() == len(huge)
