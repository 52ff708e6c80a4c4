"""The store: merging is exact, imports are atomic, and other tools can read it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pytest

from grouplens import import_paths, open_store
from grouplens import schema as S
from grouplens.errors import GroupNotFoundError, StoreBusyError, StoreError
from grouplens.store.store import Transaction

SEP = "=" * 64


def qq_export(path: Path, messages: list[tuple[str, str, str]], group: str = "测试群") -> Path:
    """A classic QQ TXT export of (time, sender, text) messages."""
    lines = ["消息记录（此消息记录为文本格式，不支持重新导入）", "", SEP, "消息分组:我的群聊", SEP,
             f"消息对象:{group}", SEP, ""]
    for when, who, text in messages:
        lines += [f"{when} {who}", text, ""]
    path.write_bytes(("\ufeff" + "\r\n".join(lines)).encode("utf-8"))
    return path


WEEK1 = [("2024-03-04 9:00:00", "张三(10001)", "早上好"), ("2024-03-04 9:01:00", "李四(10002)", "早"),
         ("2024-03-05 20:00:00", "张三(10001)", "明天见")]
WEEK2 = [("2024-03-05 20:00:00", "张三(10001)", "明天见"), ("2024-03-11 9:00:00", "李四(10002)", "新的一周"),
         ("2024-03-11 9:00:05", "王五(10003)", "+1"), ("2024-03-11 9:00:05", "王五(10003)", "+1")]


def test_reimporting_an_export_adds_nothing(tmp_path: Path, store_path: Path) -> None:
    export = qq_export(tmp_path / "w1.txt", WEEK1)
    first = import_paths(store_path, [export])
    again = import_paths(store_path, [export])
    assert first.totals()["added"] == 3
    assert again.totals() == {"parsed": 3, "added": 0, "duplicates": 3, "members": 0, "unaccepted": 0}
    assert again.files[0].status == "unchanged"
    assert len(open_store(store_path).messages()) == 3


def test_overlapping_exports_store_the_exact_union_and_keep_double_posts(tmp_path: Path, store_path: Path) -> None:
    import_paths(store_path, [qq_export(tmp_path / "w1.txt", WEEK1)])
    report = import_paths(store_path, [qq_export(tmp_path / "w2.txt", WEEK2)])
    assert report.files[0].added == 3 and report.files[0].duplicates == 1
    df = open_store(store_path).messages()
    assert df[S.TEXT].tolist() == ["早上好", "早", "明天见", "新的一周", "+1", "+1"]
    assert df[S.MSG_ID].is_unique
    # the double post in one second is kept twice, and re-importing it still adds nothing
    assert import_paths(store_path, [tmp_path / "w2.txt"]).totals()["added"] == 0


def test_message_ids_are_deterministic_across_stores(tmp_path: Path) -> None:
    export = qq_export(tmp_path / "w1.txt", WEEK1)
    import_paths(tmp_path / "a", [export])
    import_paths(tmp_path / "b", [export])
    ids = [open_store(tmp_path / s).messages()[S.MSG_ID].tolist() for s in ("a", "b")]
    assert ids[0] == ids[1]


def test_messages_filters_days_in_the_given_time_zone(tmp_path: Path, store_path: Path) -> None:
    import_paths(store_path, [qq_export(tmp_path / "w2.txt", WEEK2)])
    store = open_store(store_path)
    assert len(store.messages(since="2024-03-11")) == 3
    assert len(store.messages(until="2024-03-05")) == 1
    assert len(store.messages(since="2024-03-06", until="2024-03-10")) == 0


def test_the_store_is_a_hive_partitioned_parquet_dataset(tmp_path: Path, store_path: Path) -> None:
    import_paths(store_path, [qq_export(tmp_path / "w1.txt", WEEK1)])
    table = ds.dataset(store_path / "messages", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 3
    assert set(table.column(S.GROUP_ID).to_pylist()) == {open_store(store_path).group_ids()[0]}


def test_duckdb_reads_the_store_without_grouplens(tmp_path: Path, store_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    import_paths(store_path, [qq_export(tmp_path / "w1.txt", WEEK1)])
    rows = duckdb.sql(f"SELECT sender_name, count(*) AS n FROM read_parquet('{store_path}/messages/*/*.parquet', "
                      "hive_partitioning=true) GROUP BY sender_name ORDER BY n DESC, sender_name").fetchall()
    assert rows == [("张三", 2), ("李四", 1)]


def test_a_bad_file_adds_nothing_and_the_good_ones_are_imported(tmp_path: Path, store_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    qq_export(folder / "good.txt", WEEK1)
    bad = qq_export(folder / "bad.txt", [("2024-03-04 9:00:00", "张三(10001)", "好"),
                                         ("2024-02-30 9:00:00", "李四(10002)", "坏日期")])
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(100))
    (folder / "notes.txt").write_text("just some notes\n", encoding="utf-8")
    report = import_paths(store_path, [folder])
    by_name = {Path(f.path).name: f for f in report.files}
    assert by_name["good.txt"].status == "imported"
    assert by_name["bad.txt"].status == "error" and by_name["bad.txt"].line == 12
    assert by_name["photo.jpg"].status == "skipped"
    assert by_name["notes.txt"].status == "error" and "not a recognised chat export" in by_name["notes.txt"].error
    assert not report.ok
    assert open_store(store_path).messages()[S.TEXT].tolist() == ["早上好", "早", "明天见"]
    assert bad.name in by_name["bad.txt"].error


def test_an_interrupted_import_leaves_the_store_as_it_was(tmp_path: Path, store_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import_paths(store_path, [qq_export(tmp_path / "w1.txt", WEEK1)])
    before = open_store(store_path).messages()

    def boom(self, group_id, table):  # Ctrl-C while files are being written
        raise KeyboardInterrupt

    monkeypatch.setattr(Transaction, "stage_messages", boom)
    with pytest.raises(KeyboardInterrupt):
        import_paths(store_path, [qq_export(tmp_path / "w2.txt", WEEK2)])
    monkeypatch.undo()
    after = open_store(store_path).messages()
    pd.testing.assert_frame_equal(before, after)
    assert not (store_path / ".staging").exists() or not any((store_path / ".staging").iterdir())


def test_a_crash_after_the_commit_point_is_finished_on_next_open(tmp_path: Path, store_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import grouplens.store.store as store_module
    import_paths(store_path, [qq_export(tmp_path / "w1.txt", WEEK1)])
    real_moves = store_module._apply_steps
    monkeypatch.setattr(store_module, "_apply_steps", lambda *a: (_ for _ in ()).throw(SystemExit("power cut")))
    with pytest.raises(SystemExit):
        import_paths(store_path, [qq_export(tmp_path / "w2.txt", WEEK2)])
    monkeypatch.setattr(store_module, "_apply_steps", real_moves)
    assert list((store_path / "imports" / "pending").glob("*.json"))
    df = open_store(store_path).messages()  # opening finishes the committed import
    assert len(df) == 6
    assert not list((store_path / "imports" / "pending").glob("*.json"))


def test_a_second_import_waits_then_fails_clearly(tmp_path: Path, store_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import_paths(store_path, [qq_export(tmp_path / "w1.txt", WEEK1)])
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from filelock import FileLock; l = FileLock(sys.argv[1]); l.acquire(); "
        "print('held', flush=True); time.sleep(30)"), str(store_path / ".lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setenv("GROUPLENS_LOCK_WAIT", "0.5")
        with pytest.raises(StoreBusyError):
            import_paths(store_path, [qq_export(tmp_path / "w2.txt", WEEK2)])
    finally:
        holder.kill()
        holder.wait()
    assert len(open_store(store_path).messages()) == 3


def test_reading_commands_need_an_existing_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        open_store(tmp_path / "nowhere")


def test_a_folder_that_is_not_a_store_is_not_written_into(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(StoreError):
        import_paths(tmp_path / "docs", [tmp_path / "docs" / "a.txt"])


def test_groups_are_found_by_name_or_id_and_ambiguity_is_an_error(tmp_path: Path, store_path: Path) -> None:
    import_paths(store_path, [qq_export(tmp_path / "a.txt", WEEK1, group="甲群"),
                              qq_export(tmp_path / "b.txt", WEEK2, group="乙群")])
    store = open_store(store_path)
    gid = store.resolve_group("甲群")
    assert store.resolve_group(gid) == gid
    with pytest.raises(GroupNotFoundError):
        store.messages()  # two groups: say which
    with pytest.raises(GroupNotFoundError):
        store.messages(group="丙群")


def test_a_name_only_export_joins_the_group_of_that_name(tmp_path: Path, store_path: Path) -> None:
    import_paths(store_path, [qq_export(tmp_path / "a.txt", WEEK1, group="甲群")])
    import_paths(store_path, [qq_export(tmp_path / "b.txt", WEEK2, group="甲群")])
    assert len(open_store(store_path).groups()) == 1


def test_group_option_puts_an_export_into_a_named_group(tmp_path: Path, store_path: Path) -> None:
    import_paths(store_path, [qq_export(tmp_path / "a.txt", WEEK1, group="甲群")])
    import_paths(store_path, [qq_export(tmp_path / "b.txt", WEEK2, group="改名后的甲群")], group="甲群")
    groups = open_store(store_path).groups()
    assert len(groups) == 1 and groups.iloc[0][S.MESSAGE_COUNT] == 6
    assert set(groups.iloc[0][S.NAMES]) == {"甲群", "改名后的甲群"}


def test_members_come_from_speech_notices_and_member_lists(tmp_path: Path, store_path: Path) -> None:
    export = qq_export(tmp_path / "a.txt", [("2024-03-04 8:00:00", "系统消息(10000)", "赵六加入本群。"),
                                            ("2024-03-04 9:00:00", "张三(10001)", "欢迎"),
                                            ("2024-03-05 9:00:00", "张三(10001)", "早"),
                                            ("2024-03-06 9:00:00", "系统消息(10000)", "张三退出了群聊")])
    roster = tmp_path / "members.csv"
    roster.write_text("QQ号,群名片,入群时间,身份\n10001,张三,2024-01-01 10:00:00,群主\n10009,沉默的人,2024-02-01,成员\n",
                      encoding="utf-8")
    import_paths(store_path, [export])
    report = import_paths(store_path, [roster], group="测试群")
    assert report.files[0].format == "member-list" and report.files[0].members == 2
    m = open_store(store_path).members().set_index(S.MEMBER_ID)
    assert set(m.index) == {"10001", "10009", "name:赵六"}
    assert m.loc["10001", S.MESSAGE_COUNT] == 2 and m.loc["10001", S.ROLE] == "owner"
    assert m.loc["10001", S.LEFT_AT] == pd.Timestamp("2024-03-06 01:00:00", tz="UTC")
    assert m.loc["10009", S.MESSAGE_COUNT] == 0 and bool(m.loc["10009", S.IN_ROSTER])
    assert m.loc["name:赵六", S.JOINED_AT] == pd.Timestamp("2024-03-04 00:00:00", tz="UTC")


def test_a_member_list_without_group_needs_one(tmp_path: Path, store_path: Path) -> None:
    import_paths(store_path, [qq_export(tmp_path / "a.txt", WEEK1, group="甲群"),
                              qq_export(tmp_path / "b.txt", WEEK2, group="乙群")])
    roster = tmp_path / "members.csv"
    roster.write_text("member_id,name\n10001,张三\n", encoding="utf-8")
    report = import_paths(store_path, [roster])
    assert report.files[0].status == "error" and "--group" in report.files[0].error


def test_each_import_is_journalled(tmp_path: Path, store_path: Path) -> None:
    report = import_paths(store_path, [qq_export(tmp_path / "a.txt", WEEK1)])
    journal = json.loads((store_path / "imports" / f"{report.import_id}.json").read_text("utf-8"))
    assert journal["status"] == "done" and journal["totals"]["added"] == 3


def test_a_name_only_export_adopts_the_ids_of_members_who_used_those_names(tmp_path: Path, store_path: Path) -> None:
    from datetime import datetime

    from grouplens.importers import ParsedConversation
    from grouplens.importers.base import MessageRows
    from grouplens.store.ingest import import_conversations

    import_paths(store_path, [qq_export(tmp_path / "w1.txt", WEEK1, group="甲群")])
    rows = MessageRows()  # the same week exported by a tool that knows only names, plus a newcomer
    for when, who, text in [(datetime(2024, 3, 4, 1, 0, tzinfo=UTC), "张三", "早上好"),
                            (datetime(2024, 3, 4, 1, 1, tzinfo=UTC), "李四", "早"),
                            (datetime(2024, 3, 4, 1, 2, tzinfo=UTC), "新人", "大家好")]:
        rows.add(ts=when, sender_id=S.name_based_id(who), sender_name=who, kind="text", text=text)
    report = import_conversations(store_path, [ParsedConversation("qq", "甲群", rows.to_table())], source="names")
    assert report.totals()["added"] == 1 and report.totals()["duplicates"] == 2
    df = open_store(store_path).messages()
    assert sorted(df[S.SENDER_ID].unique()) == ["10001", "10002", "name:新人"]


def test_an_export_repeating_its_own_message_id_keeps_the_first_copy(store_path: Path) -> None:
    from datetime import datetime

    from grouplens.importers import ParsedConversation
    from grouplens.importers.base import MessageRows
    from grouplens.store.ingest import import_conversations

    rows = MessageRows()
    for i, (mid, text) in enumerate([("m1", "第一条"), ("m2", "第二条"), ("m1", "第一条（重复块）"), ("m3", "第三条")]):
        rows.add(ts=datetime(2024, 3, 4, 1, i, tzinfo=UTC), sender_id="10001", sender_name="张三",
                 kind="text", text=text, msg_id=mid)
    report = import_conversations(store_path, [ParsedConversation("qq", "甲群", rows.to_table())], source="chunks")
    assert report.totals()["added"] == 3 and report.totals()["duplicates"] == 1
    assert open_store(store_path).messages()[S.TEXT].tolist() == ["第一条", "第二条", "第三条"]


def test_a_table_with_an_unknown_kind_is_refused_whoever_made_it(store_path: Path) -> None:
    from datetime import datetime

    import pyarrow as pa

    from grouplens.errors import GrouplensError
    from grouplens.importers import ParsedConversation
    from grouplens.importers.base import MessageRows
    from grouplens.store.ingest import import_conversations

    rows = MessageRows()
    rows.add(ts=datetime(2024, 3, 4, 1, 0, tzinfo=UTC), sender_id="10001", sender_name="张三", kind="text", text="早")
    table = rows.to_table()
    table = table.set_column(table.schema.get_field_index(S.KIND), S.KIND, pa.array(["photo"]))
    with pytest.raises(GrouplensError, match="unknown message kind 'photo'"):
        import_conversations(store_path, [ParsedConversation("qq", "甲群", table)], source="made-by-hand")
    assert open_store(store_path).groups().empty
