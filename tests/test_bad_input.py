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


# --- inputs that are not plain files: bad bytes after a BOM, FIFOs, link loops ------------------------

def test_invalid_utf8_in_the_middle_of_a_qq_txt_with_bom_names_file_and_line(seeded: Path, tmp_path: Path) -> None:
    body = GOOD.replace("早上好", "早上好\n第二行").encode("utf-8")
    bad = b"\xef\xbb\xbf" + body.replace("第二行".encode(), b"\xff\xfe\xfd bad bytes")
    path = tmp_path / "bad-bytes.txt"
    path.write_bytes(bad)
    result = CliRunner().invoke(app, ["import", str(path), "--store", str(seeded)])
    assert result.exit_code == 1 and "Traceback" not in result.output and "internal error" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "bad-bytes.txt:14:" in errors[0], result.stderr


def _import_in_thread(args: list[str]):
    import threading
    box: dict = {}
    thread = threading.Thread(target=lambda: box.setdefault("result", CliRunner().invoke(app, args)), daemon=True)
    thread.start()
    return thread, box


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("named", [True, False])
def test_a_fifo_is_skipped_not_read_while_the_store_is_locked(seeded: Path, tmp_path: Path, named: bool) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "week2.txt").write_text(GOOD.replace("早上好", "周末愉快"), encoding="utf-8")
    fifo = folder / "pipe.txt"
    os.mkfifo(fifo)
    thread, box = _import_in_thread(["import", str(fifo if named else folder), "--store", str(seeded), "--json"])
    thread.join(30)
    if thread.is_alive():  # blocked on the FIFO: unblock it so the test run can end, then fail
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        thread.join(30)
        pytest.fail("the import blocked on a FIFO")
    import json
    files = {Path(f["path"]).name: f for f in json.loads(box["result"].stdout)["files"]}
    assert files["pipe.txt"]["status"] == "skipped" and "FIFO" in files["pipe.txt"]["error"]


def test_a_folder_with_a_symlink_loop_is_walked_once(seeded: Path, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "week2.txt").write_text(GOOD.replace("早上好", "周末愉快"), encoding="utf-8")
    (folder / "a" / "loop").symlink_to(folder)  # exports/a/loop -> exports
    (folder / "self").symlink_to(".")  # exports/self -> exports
    (folder / "again.txt").symlink_to(folder / "a" / "week2.txt")  # the same file twice
    from grouplens.store.ingest import walk_inputs
    read = [p for p, _, skip in walk_inputs([folder]) if skip is None]
    assert [p.name for p in read] == ["week2.txt"] or [p.name for p in read] == ["again.txt"]
    report = import_paths(seeded, [folder])
    assert report.ok and report.totals()["parsed"] == 2 and report.totals()["added"] == 1


def test_no_link_is_followed_out_of_the_folder_given(seeded: Path, tmp_path: Path) -> None:
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "diary.txt").write_text(GOOD.replace("早上好", "不该导入"), encoding="utf-8")
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "diary.txt").symlink_to(outside / "diary.txt")
    (folder / "elsewhere").symlink_to(outside)
    report = import_paths(seeded, [folder])
    assert report.totals()["added"] == 0
    assert {f.status for f in report.files} == {"skipped"}
    assert all("out of the folder" in (f.error or "") for f in report.files)
    assert "不该导入" not in open_store(seeded).messages()[S.TEXT].tolist()
