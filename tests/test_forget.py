"""grouplens forget: a person (or a whole group) leaves no trace in the store — not in their own
messages, not in others' quotes, mentions and notices, not in member lists, caches or journals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import SAMPLES
from exports import WEEK1, WEEK2, qq_txt
from typer.testing import CliRunner

from grouplens import import_paths, open_store
from grouplens import schema as S
from grouplens.cli import app
from grouplens.errors import GroupNotFoundError
from grouplens.store.forget import FORGOTTEN, forget_member
from grouplens.store.verify import verify_store

runner = CliRunner()
QCE_GROUP = "周末羽毛球交流群"
LAYOUTS = ["qce-json", "qq-txt", "chatlab-jsonl", "weflow-json"]
OLD_ZHOU = "3141592653"  # 跑不动的老周 in the QQChatExporter sample: quoted by the coach
XIAOLIN = "987654321"  # 上海-小林: @-mentioned by the coach, and welcomed by a join notice


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("forget") / "store"
    assert import_paths(store, [SAMPLES / layout for layout in LAYOUTS]).ok
    return store


@pytest.fixture
def store(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(pristine, copy)
    return copy


def every_string(store: Path) -> str:
    """All text of every file in the store, read without grouplens."""
    out = []
    for f in store.rglob("*.parquet"):
        for column in pq.read_table(f).columns:
            out.extend(str(v) for v in column.to_pylist() if v is not None)
    for f in store.rglob("*.json"):
        out.append(f.read_text("utf-8"))
    return "\n".join(out)


def snapshot(store: Path) -> dict[str, bytes]:
    return {str(p.relative_to(store)): p.read_bytes() for p in sorted(store.rglob("*")) if p.is_file()}


def member_names(store: Path, member_id: str, group: str = QCE_GROUP) -> set[str]:
    members = open_store(store).members(group=group)
    row = members[members[S.MEMBER_ID] == member_id].iloc[0]
    return {n[S.NAME] for n in row[S.NAMES_SEEN]}


def test_a_member_leaves_no_trace_anywhere_in_the_store(store: Path) -> None:
    names = member_names(store, OLD_ZHOU)
    assert names == {"跑不动的老周"} and "跑不动的老周" in every_string(store)
    before = len(open_store(store).messages(group=QCE_GROUP))
    report = forget_member(store, OLD_ZHOU)
    [group] = report.groups
    assert group.messages_removed == 4 and group.member_rows_removed == 1
    assert group.replies_unlinked == 1 and group.messages_rewritten >= 1
    text = every_string(store)
    assert "跑不动的老周" not in text and OLD_ZHOU not in text
    assert "上周的战况" not in text  # their words, quoted by someone else
    df = open_store(store).messages(group=QCE_GROUP)
    assert len(df) == before - 4 and OLD_ZHOU not in set(df[S.SENDER_ID].dropna())
    quote = df[df[S.QUOTE_SENDER] == FORGOTTEN]
    assert len(quote) == 1 and quote.iloc[0][S.QUOTE_TEXT] == FORGOTTEN and quote.iloc[0][S.REPLY_TO] is pd_na()
    assert OLD_ZHOU not in set(open_store(store).members(group=QCE_GROUP)[S.MEMBER_ID])
    assert verify_store(store).findings == []


def pd_na():
    import pandas as pd
    return pd.NA


def test_mentions_and_notices_that_name_the_member_get_the_marker(store: Path) -> None:
    forget_member(store, XIAOLIN)
    df = open_store(store).messages(group=QCE_GROUP)
    coach = df[df[S.SENDER_ID] == "123456789"]
    welcome = coach[coach[S.TEXT].str.contains("欢迎新人") & coach[S.TEXT].str.startswith("@")].iloc[0]
    assert welcome[S.TEXT].startswith(f"@{FORGOTTEN} ") and list(welcome[S.MENTIONS]) == [FORGOTTEN]
    notice = df[(df[S.KIND] == "join") & df[S.TEXT].str.contains("邀请")].iloc[0]
    assert FORGOTTEN in notice[S.TEXT] and FORGOTTEN in list(notice[S.EVENT_MEMBERS])
    assert "上海-小林" not in every_string(store)


def test_a_dry_run_changes_nothing_and_counts_what_the_real_run_removes(store: Path) -> None:
    before = snapshot(store)
    result = runner.invoke(app, ["forget", "--member", OLD_ZHOU, "--dry-run", "--store", str(store), "--json"])
    assert result.exit_code == 0
    assert snapshot(store) == before
    dry = json.loads(result.stdout)
    real = forget_member(store, OLD_ZHOU).to_dict()
    assert dry["dry_run"] and dry["totals"] == real["totals"] and dry["totals"]["messages_removed"] == 4


def test_the_command_prints_what_was_removed_and_no_message_text(store: Path) -> None:
    result = runner.invoke(app, ["forget", "--member", OLD_ZHOU, "--store", str(store)])
    assert result.exit_code == 0
    assert "removed 4 message(s)" in " ".join(result.stderr.split())
    assert "上周的战况" not in result.output and "跑不动的老周" not in result.output


def test_group_option_limits_the_deletion_to_one_group(tmp_path: Path, store_path: Path) -> None:
    import_paths(store_path, [qq_txt(tmp_path / "all.txt", {"甲群": WEEK1, "乙群": WEEK2})])
    report = forget_member(store_path, "10001", "甲群")
    assert [g.group for g in report.groups] == ["甲群"] and report.groups[0].messages_removed == 2
    st = open_store(store_path)
    assert "10001" not in set(st.messages(group="甲群")[S.SENDER_ID])
    assert "10001" in set(st.messages(group="乙群")[S.SENDER_ID])


def test_a_member_list_row_goes_too(tmp_path: Path, store_path: Path) -> None:
    import_paths(store_path, [qq_txt(tmp_path / "a.txt", {"甲群": WEEK1})])
    roster = tmp_path / "members.csv"
    roster.write_text("QQ号,群名片,身份\n10001,张三,群主\n10009,沉默的人,成员\n", encoding="utf-8")
    import_paths(store_path, [roster], group="甲群")
    report = forget_member(store_path, "10009")  # a member who never spoke: only in the member list
    assert report.groups[0].roster_rows_removed == 1 and report.groups[0].member_rows_removed == 1
    assert "沉默的人" not in every_string(store_path) and "10009" not in every_string(store_path)
    assert set(open_store(store_path).members()[S.MEMBER_ID]) == {"10001", "10002"}


def test_a_one_character_name_is_replaced_as_a_mention_only(tmp_path: Path, store_path: Path) -> None:
    export = qq_txt(tmp_path / "a.txt", {"甲群": [("2024-03-04 9:00:00", "甲(10007)", "我是甲"),
                                                 ("2024-03-04 9:01:00", "李四(10002)", "@甲 甲级联赛明天开始")]})
    import_paths(store_path, [export])
    forget_member(store_path, "10007")
    assert open_store(store_path).messages()[S.TEXT].tolist() == [f"@{FORGOTTEN} 甲级联赛明天开始"]


def test_derived_caches_are_dropped(store: Path) -> None:
    assert runner.invoke(app, ["keywords", "--group", QCE_GROUP, "--store", str(store)]).exit_code == 0
    cache = next((store / "tokens").iterdir())
    forget_member(store, OLD_ZHOU)
    assert not cache.exists()
    assert runner.invoke(app, ["keywords", "--group", QCE_GROUP, "--store", str(store)]).exit_code == 0


def test_any_other_cache_folder_of_the_group_is_dropped_too(store: Path) -> None:
    gid = open_store(store).resolve_group(QCE_GROUP)
    other = store / "embeddings" / f"group_id={gid}"  # a cache some later version might keep
    other.mkdir(parents=True)
    (other / "part-0.parquet").write_bytes(b"cached words of everyone")
    report = forget_member(store, OLD_ZHOU)
    assert report.groups[0].caches_dropped == 1 and not other.exists()


def test_an_unknown_member_is_an_error_that_does_not_echo_the_id(store: Path) -> None:
    with pytest.raises(GroupNotFoundError) as e:
        forget_member(store, "55555555555")
    assert "55555555555" not in str(e.value)


def test_forgetting_a_whole_group_removes_its_files_row_and_names(store: Path) -> None:
    st = open_store(store)
    gid = st.resolve_group(QCE_GROUP)
    others = st.groups()[lambda d: d[S.GROUP_ID] != gid].reset_index(drop=True)
    result = runner.invoke(app, ["forget", "--group", QCE_GROUP, "--store", str(store)])
    assert result.exit_code == 0, result.output
    for table in ("messages", "rosters", "members", "tokens"):
        assert not (store / table / f"{S.GROUP_ID}={gid}").exists()
    st = open_store(store)
    assert gid not in st.group_ids()
    assert st.groups().reset_index(drop=True).equals(others)
    assert QCE_GROUP not in every_string(store) and gid not in every_string(store)
    assert verify_store(store).findings == []


def test_forgetting_needs_a_member_or_a_group(store: Path) -> None:
    result = runner.invoke(app, ["forget", "--store", str(store)])
    assert result.exit_code == 1 and "--member" in result.stderr


def test_a_private_chat_named_after_the_member_is_pointed_out(tmp_path: Path, store_path: Path) -> None:
    from exports import chatlab_jsonl
    export = chatlab_jsonl(tmp_path / "p.jsonl", "wxid_laowang", "老王",
                           [(1710000000, "wxid_laowang", "老王", "在吗"), (1710000060, "wxid_me", "我", "在")],
                           kind="private")
    import_paths(store_path, [export])
    report = forget_member(store_path, "wxid_laowang")
    assert report.groups[0].group == FORGOTTEN
    assert any("forget --group" in w for w in report.warnings)
    assert "老王" not in every_string(store_path)


def test_the_change_is_journalled_without_saying_whom_it_removed(store: Path) -> None:
    forget_member(store, OLD_ZHOU)
    journals = [json.loads(p.read_text("utf-8")) for p in (store / "imports").glob("*.json")]
    [record] = [j for j in journals if j.get("kind") == "forget"]
    assert record["status"] == "done" and record["totals"]["messages_removed"] == 4
    assert OLD_ZHOU not in json.dumps(record, ensure_ascii=False)
