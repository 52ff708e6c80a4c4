"""Store integrity under attack: group folders never merge two conversations, a damaged or
foreign file is named in one line, a full disk is reported with the space needed."""

from __future__ import annotations

import errno
import hashlib
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from exports import WEEK1, WEEK2, chatlab_jsonl, qq_txt
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from grouplens import import_paths, open_store
from grouplens import schema as S
from grouplens.cli import app
from grouplens.errors import GrouplensError, StoreError
from grouplens.store import ids
from grouplens.store.ingest import import_conversations

runner = CliRunner()


def one_line_error(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def snapshot(store: Path) -> dict[str, bytes]:
    return {str(p.relative_to(store)): p.read_bytes() for p in sorted(store.rglob("*.parquet"))}


# --- 1. group folders are injective ------------------------------------------------------------

@pytest.mark.parametrize("first, second", [
    ("team/1@chatroom", "team_1@chatroom"),
    ("群甲abc", "群乙abc"),
    ("x" * 120 + "-one", "x" * 120 + "-two"),
    ("Room@chatroom", "room@chatroom"),  # one folder on a case-insensitive file system
    ("name-" + hashlib.sha1("乙队".encode()).hexdigest()[:12], None),  # a name-only group's id
])
def test_two_conversations_whose_ids_look_alike_stay_two_groups(tmp_path: Path, store_path: Path,
                                                                first: str, second: str | None) -> None:
    a = chatlab_jsonl(tmp_path / "a.jsonl", first, "甲队", [(1710000000, "wxid_a", "阿甲", "你好")],
                      platform="wechat" if second else "qq")
    if second is None:  # a name-only conversation whose name hashes to exactly that id
        b = qq_txt(tmp_path / "b.txt", {"乙队": WEEK1})
    else:
        b = chatlab_jsonl(tmp_path / "b.jsonl", second, "乙队", [(1710000100, "wxid_b", "阿乙", "再见")])
    assert import_paths(store_path, [a, b]).ok
    store = open_store(store_path)
    groups = store.groups()
    assert len(groups) == 2
    folders = [p.name.lower() for p in (store_path / "messages").iterdir()]
    assert len(set(folders)) == 2
    assert store.messages(group="甲队")[S.TEXT].tolist() == ["你好"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=300), min_size=2, max_size=2, unique_by=lambda s: s.strip()))
def test_group_folder_names_are_injective_and_safe(native_ids: list[str]) -> None:
    names = [ids.group_id_for("wechat", n, None) for n in native_ids if n.strip()]
    assert len({n.casefold() for n in names}) == len(names)
    for name in names:
        folder = f"{S.GROUP_ID}={name}"
        assert "/" not in folder and "\\" not in folder and "\x00" not in folder
        assert name not in (".", "..") and len(folder.encode("utf-8")) <= 200


def test_a_plain_id_keeps_the_folder_name_it_always_had() -> None:
    assert ids.group_id_for("qq", "730123456", "群") == "qq-730123456"
    assert ids.group_id_for("wechat", "12345678901@chatroom", None) == "wechat-12345678901@chatroom"


def _old_group_id_for(platform: str, native_id: str | None, name: str | None) -> str:
    """How grouplens named group folders before ids were made injective."""
    import hashlib
    import re
    if native_id:
        safe = re.sub(r"[^0-9A-Za-z_.@-]", "_", native_id.strip())
        if safe.strip("_"):
            return f"{platform}-{safe}"[:120]
    return f"{platform}-name-{hashlib.sha1((name or '').encode('utf-8')).hexdigest()[:12]}"


def test_a_store_written_with_old_folder_names_keeps_working(tmp_path: Path, store_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import grouplens.store.ingest as ingest
    export = chatlab_jsonl(tmp_path / "a.jsonl", "Team/1@chatroom", "甲队", [(1710000000, "wxid_a", "阿甲", "你好")])
    monkeypatch.setattr(ingest, "group_id_for", _old_group_id_for)
    import_paths(store_path, [export])
    monkeypatch.undo()
    assert open_store(store_path).group_ids() == ["wechat-Team_1@chatroom"]
    # The same conversation again: found by its native id, so nothing is added and no group appears.
    again = import_paths(store_path, [export])
    assert again.totals()["added"] == 0 and again.files[0].group_ids == ["wechat-Team_1@chatroom"]
    assert open_store(store_path).group_ids() == ["wechat-Team_1@chatroom"]


def test_a_folder_already_holding_another_conversation_is_an_error(tmp_path: Path, store_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import grouplens.store.ingest as ingest
    first = chatlab_jsonl(tmp_path / "a.jsonl", "team/1@chatroom", "甲队", [(1710000000, "wxid_a", "阿甲", "你好")])
    monkeypatch.setattr(ingest, "group_id_for", _old_group_id_for)
    import_paths(store_path, [first])  # an old store: this group's folder is wechat-team_1@chatroom
    monkeypatch.undo()
    before = snapshot(store_path)
    second = chatlab_jsonl(tmp_path / "b.jsonl", "team_1@chatroom", "乙队", [(1710000100, "wxid_b", "阿乙", "再见")])
    report = import_paths(store_path, [second])
    assert report.files[0].status == "error"
    assert "wechat-team_1@chatroom" in report.files[0].error and "different conversation" in report.files[0].error
    assert snapshot(store_path) == before


# --- 2. --group on an export of several conversations ----------------------------------------------

def test_group_option_refuses_an_export_holding_two_conversations(tmp_path: Path, store_path: Path) -> None:
    export = qq_txt(tmp_path / "全部消息记录.txt", {"甲群": WEEK1, "乙群": WEEK2})
    result = runner.invoke(app, ["import", str(export), "--store", str(store_path), "--group", "合并群"])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "2 conversations" in errors[0] and "--group" in errors[0]
    assert "甲群" in errors[0] and "乙群" in errors[0]
    assert not (store_path / "groups.parquet").exists()
    # without --group each conversation is its own group, and --group NAME is never ambiguous
    assert runner.invoke(app, ["import", str(export), "--store", str(store_path)]).exit_code == 0
    assert sorted(open_store(store_path).groups()[S.GROUP_NAME]) == ["乙群", "甲群"]


def test_group_option_still_takes_one_conversation_or_several_files(tmp_path: Path, store_path: Path) -> None:
    a = qq_txt(tmp_path / "a.txt", {"甲群": WEEK1})
    b = qq_txt(tmp_path / "b.txt", {"甲群（改名）": WEEK2})
    assert import_paths(store_path, [a, b], group="甲群").ok
    groups = open_store(store_path).groups()
    assert len(groups) == 1 and groups.iloc[0][S.MESSAGE_COUNT] == 6


# --- 5. a full disk ---------------------------------------------------------------------------------

def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("where", ["staging", "journal"])
def test_a_full_disk_is_one_line_naming_the_store_and_the_space_needed(tmp_path: Path, store_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       where: str) -> None:
    import grouplens.store.store as store_module
    import_paths(store_path, [qq_txt(tmp_path / "w1.txt", {"测试群": WEEK1})])
    before = snapshot(store_path)
    if where == "staging":
        monkeypatch.setattr(store_module.pq, "write_table", _enospc)
    else:
        real_dump = json.dump

        def dump(data, f, **kw):  # the journal's bytes do not fit: the temporary file is left empty
            if isinstance(data, dict) and data.get("status") == "committing":
                _enospc()
            return real_dump(data, f, **kw)
        monkeypatch.setattr(store_module.json, "dump", dump)
    export = qq_txt(tmp_path / "w2.txt", {"测试群": WEEK2})
    result = runner.invoke(app, ["import", str(export), "--store", str(store_path)])
    assert result.exit_code == 1
    line = one_line_error(result)
    assert str(store_path) in line and "full" in line and "MB" in line and "internal error" not in line
    assert "w2.txt" not in line  # the export is not to blame
    monkeypatch.undo()
    assert snapshot(store_path) == before
    pending = store_path / "imports" / "pending"
    assert not pending.exists() or not any(pending.iterdir())  # no temporary journal left behind
    assert not (store_path / ".staging").exists() or not any((store_path / ".staging").iterdir())


# --- 6. damaged and foreign files -----------------------------------------------------------------

@pytest.fixture
def two_weeks(tmp_path: Path, store_path: Path) -> Path:
    import_paths(store_path, [qq_txt(tmp_path / "w1.txt", {"测试群": WEEK1})])
    import_paths(store_path, [qq_txt(tmp_path / "w2.txt", {"测试群": WEEK2})])
    return store_path


def _garble(path: Path, at: int | None = None, n: int = 64) -> None:
    data = bytearray(path.read_bytes())
    start = len(data) // 3 if at is None else at
    data[start:start + n] = bytes((b ^ 0x5A) for b in data[start:start + n])
    path.write_bytes(bytes(data))


def message_files(store: Path) -> list[Path]:
    return sorted((store / "messages").glob("*/part-*.parquet"))


@pytest.mark.parametrize("command", [["messages"], ["report", "activity"], ["roles"], ["keywords"]])
def test_a_garbled_messages_file_is_named_in_one_line_by_every_reader(two_weeks: Path, command: list[str]) -> None:
    damaged = message_files(two_weeks)[0]
    _garble(damaged)
    result = runner.invoke(app, [*command, "--store", str(two_weeks)])
    assert result.exit_code == 1, result.output
    line = one_line_error(result)
    assert damaged.name in line and "verify" in line and "internal error" not in line


def test_a_garbled_members_table_is_named_and_its_rebuild_explained(two_weeks: Path) -> None:
    damaged = next((two_weeks / "members").glob("*/members.parquet"))
    _garble(damaged, at=0)
    result = runner.invoke(app, ["members", "--store", str(two_weeks)])
    assert result.exit_code == 1
    line = one_line_error(result)
    assert "members.parquet" in line and "verify --repair" in line


def test_a_garbled_groups_table_is_named_and_its_rebuild_explained(two_weeks: Path, tmp_path: Path) -> None:
    _garble(two_weeks / "groups.parquet")
    for args in (["groups"], ["import", str(qq_txt(tmp_path / "w3.txt", {"测试群": WEEK1}))]):
        result = runner.invoke(app, [*args, "--store", str(two_weeks)])
        assert result.exit_code == 1
        line = one_line_error(result)
        assert "groups.parquet" in line and "verify --repair" in line and "w3.txt" not in line


def test_a_deleted_groups_table_is_noticed_not_taken_for_an_empty_store(two_weeks: Path) -> None:
    (two_weeks / "groups.parquet").unlink()
    result = runner.invoke(app, ["messages", "--store", str(two_weeks)])
    assert result.exit_code == 1
    line = one_line_error(result)
    assert "groups.parquet" in line and "verify --repair" in line


def test_a_foreign_parquet_file_in_a_partition_is_not_read_as_messages(two_weeks: Path) -> None:
    folder = message_files(two_weeks)[0].parent
    pq.write_table(pa.table({"x": [1, 2]}), folder / "other.parquet")
    df = open_store(two_weeks).messages()
    assert len(df) == 6 and df[S.MSG_ID].notna().all()


def test_a_foreign_file_named_like_a_part_is_refused_not_read_as_nulls(two_weeks: Path) -> None:
    folder = message_files(two_weeks)[0].parent
    pq.write_table(pa.table({"x": [1, 2]}), folder / "part-zzz.parquet")
    with pytest.raises(StoreError, match="part-zzz.parquet"):
        open_store(two_weeks).messages()


def test_a_garbage_journal_does_not_break_listing_groups(two_weeks: Path) -> None:
    pending = two_weeks / "imports" / "pending"
    pending.mkdir(parents=True, exist_ok=True)
    (pending / "20240101T000000.000000-abcdef.json").write_bytes(b"\x00{not json" + os.urandom(32))
    result = runner.invoke(app, ["groups", "--store", str(two_weeks), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0][S.MESSAGE_COUNT] == 6


def test_a_hostile_journal_moves_nothing_outside_the_store(two_weeks: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("mine", encoding="utf-8")
    pending = two_weeks / "imports" / "pending"
    pending.mkdir(parents=True, exist_ok=True)
    (two_weeks / ".staging" / "x").mkdir(parents=True)
    (pending / "evil.json").write_text(json.dumps({"import_id": "x", "moves": ["../../../victim.txt"]}),
                                       encoding="utf-8")
    assert len(open_store(two_weeks).messages()) == 6
    assert victim.read_text(encoding="utf-8") == "mine"


def test_store_errors_are_grouplens_errors() -> None:
    assert issubclass(StoreError, GrouplensError)


def test_conversations_built_in_python_take_the_same_checks(store_path: Path) -> None:
    from datetime import UTC, datetime

    from grouplens.importers import ParsedConversation
    from grouplens.importers.base import MessageRows
    rows = MessageRows()
    rows.add(ts=datetime(2024, 3, 4, 1, 0, tzinfo=UTC), sender_id="1", sender_name="甲", kind="text", text="早")
    conv = [ParsedConversation("qq", "甲", rows.to_table(), native_id="a/b"),
            ParsedConversation("qq", "乙", rows.to_table(), native_id="a_b")]
    import_conversations(store_path, conv, source="python")
    assert len(open_store(store_path).groups()) == 2


# --- safe by default ------------------------------------------------------------------------------

def test_every_file_grouplens_writes_is_private_to_its_owner(tmp_path: Path, store_path: Path) -> None:
    import stat
    old_umask = os.umask(0o022)
    try:
        import_paths(store_path, [qq_txt(tmp_path / "w1.txt", {"测试群": WEEK1})])
        import_paths(store_path, [qq_txt(tmp_path / "w2.txt", {"测试群": WEEK2})])
        assert runner.invoke(app, ["keywords", "--store", str(store_path)]).exit_code == 0  # the tokens cache
    finally:
        os.umask(old_umask)
    assert list((store_path / "tokens").rglob("part-*.parquet"))
    for p in [store_path, *store_path.rglob("*")]:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (0o700 if p.is_dir() else 0o600), (str(p.relative_to(store_path)), oct(mode))


def test_an_unexpected_error_shows_no_message_text_or_ids_unless_debug(two_weeks: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    cli_app = importlib.import_module("grouplens.cli.app")  # (grouplens.cli.app is also the Typer app)

    def broken(*args, **kwargs):
        raise ValueError("张三 said 13812345678 to wxid_abc123")

    monkeypatch.setattr(cli_app, "open_store", broken)
    result = runner.invoke(app, ["groups", "--store", str(two_weeks)])
    assert result.exit_code == 2
    line = one_line_error(result)
    assert line.startswith("internal error: ValueError at grouplens/") and "--debug" in line
    assert "张三" not in result.output and "13812345678" not in result.output and "wxid" not in result.output
    debug = runner.invoke(app, ["--debug", "groups", "--store", str(two_weeks)])
    assert isinstance(debug.exception, ValueError)


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 4 MB file system of its own (tmpfs), where the test has the rights to mount one."""
    import shutil
    import subprocess
    mount = tmp_path / "disk"
    mount.mkdir()
    if not shutil.which("mount") or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                                                   capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small file system here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


N_BIG = 6000


@pytest.mark.parametrize("free_kb", [0, 16, 64])
def test_a_really_full_disk_keeps_the_old_data_and_leaves_nothing_behind(small_disk: Path, tmp_path: Path,
                                                                        free_kb: int) -> None:
    import shutil
    store = small_disk / "store"
    assert import_paths(store, [qq_txt(tmp_path / "w1.txt", {"测试群": WEEK1})]).ok
    before = snapshot(store)
    big = qq_txt(tmp_path / "big.txt", {"测试群": [(f"2024-04-{1 + i // 1000:02d} 9:{i % 60:02d}:{i % 59:02d}",
                                                f"成员{i % 50}({30000 + i % 50})",
                                                f"第{i}条 {i * 7919 % 1000003:07d} {i * 104729 % 999983}")
                                               for i in range(N_BIG)]})
    filler = small_disk / "filler"
    with open(filler, "wb") as f:  # fill the disk up to free_kb
        while shutil.disk_usage(small_disk).free > free_kb * 1024 + 4096:
            f.write(b"\0" * min(65536, shutil.disk_usage(small_disk).free - free_kb * 1024))
            f.flush()
    result = runner.invoke(app, ["import", str(big), "--store", str(store)])
    assert result.exit_code == 1, result.output  # the import needs more than 64 kB
    line = one_line_error(result)
    assert str(store) in line and "full" in line and "MB" in line and "big.txt" not in line
    assert snapshot(store) == before
    assert not [p for p in store.rglob("*") if p.name.endswith(".tmp")]
    assert not (store / ".staging").exists() or not any((store / ".staging").iterdir())
    filler.unlink()
    assert import_paths(store, [big]).ok and len(open_store(store).messages()) == 3 + N_BIG


def test_a_sender_named_without_an_id_in_one_message_is_the_same_member_on_every_import(tmp_path: Path,
                                                                                         store_path: Path) -> None:
    # Found by bench/fuzz.py: a WeFlow JSON whose one message lost its senderUsername was stored
    # under name:<name> the first time and under the member's id the second time (added twice).
    from conftest import SAMPLES
    data = json.loads(next((SAMPLES / "weflow-json").glob("*.json")).read_text("utf-8"))
    by_sender: dict[str, list[dict]] = {}
    for m in data["messages"]:
        by_sender.setdefault(m.get("senderUsername"), []).append(m)
    sender = next(s for s, ms in by_sender.items() if s and not s.endswith("@chatroom") and len(ms) >= 2)
    del by_sender[sender][-1]["senderUsername"]
    export = tmp_path / "weflow.json"
    export.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    first = import_paths(store_path, [export])
    again = import_paths(store_path, [export])
    assert first.totals()["added"] == len(data["messages"]) and again.totals()["added"] == 0
    assert sender in set(open_store(store_path).messages()[S.SENDER_ID])
    assert not any(open_store(store_path).messages()[S.SENDER_ID].fillna("").str.startswith("name:"))
