"""grouplens search and grouplens sql: asking the store directly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import SAMPLES
from typer.testing import CliRunner

from grouplens import open_store
from grouplens import schema as S
from grouplens.cli import app
from grouplens.errors import UsageError
from grouplens.importers import ParsedConversation
from grouplens.importers.base import MessageRows
from grouplens.query.search import IS_MATCH, MATCH, search_messages
from grouplens.query.sql import run_sql
from grouplens.store.ingest import import_conversations, import_paths

T0 = datetime(2024, 3, 4, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai

CHAT = [  # (sender id, name, text)
    ("1", "王医生", "大家早，今天门诊照常"),
    ("2", "李阿姨", "请问退款怎么申请？"),
    ("3", "老陈", "找客服就行"),
    ("2", "李阿姨", "好的谢谢"),
    ("4", "小周", "我也想问退款的事"),
    ("1", "王医生", "退款请私聊小周"),
    ("3", "老陈", "收到"),
]


def chat_store(store_path: Path, chat=CHAT, group: str = "测试群") -> Path:
    rows = MessageRows()
    for i, (sid, name, text) in enumerate(chat):
        rows.add(ts=T0 + timedelta(minutes=i), sender_id=sid, sender_name=name, kind="text", text=text)
    import_conversations(store_path, [ParsedConversation("qq", group, rows.to_table())], source=group)
    return store_path


def texts(result) -> list[str]:
    return result.rows[S.TEXT].tolist()


def test_search_finds_every_message_containing_the_text_in_time_order(store_path):
    result = search_messages(open_store(chat_store(store_path)), "退款")
    assert texts(result) == ["请问退款怎么申请？", "我也想问退款的事", "退款请私聊小周"]
    assert result.matches == 3 and result.rows[MATCH].tolist() == [1, 2, 3]


def test_context_shows_neighbours_once_even_where_windows_overlap(store_path):
    result = search_messages(open_store(chat_store(store_path)), "退款", context=1)
    assert texts(result) == [m[2] for m in CHAT]  # every message once, in order
    assert result.rows[IS_MATCH].tolist() == [False, True, False, False, True, True, False]
    assert result.rows[MATCH].tolist() == [1, 1, 1, 2, 2, 3, 3]


def test_context_stops_at_the_ends_of_the_group(store_path):
    result = search_messages(open_store(chat_store(store_path)), "大家早", context=3)
    assert texts(result) == [m[2] for m in CHAT[:4]]


def test_member_by_part_of_a_name_and_kinds_and_limit(store_path):
    store = open_store(chat_store(store_path))
    assert texts(search_messages(store, "退款", member="阿姨")) == ["请问退款怎么申请？"]
    assert texts(search_messages(store, "退款", member="3")) == []
    assert texts(search_messages(store, "退款", kinds=["link"])) == []
    assert texts(search_messages(store, "退款", limit=2)) == ["请问退款怎么申请？", "我也想问退款的事"]


def test_an_ambiguous_or_unknown_member_is_a_usage_error(store_path):
    store = open_store(chat_store(store_path, CHAT + [("5", "王老师", "退款")]))
    with pytest.raises(UsageError, match="2 members' names contain '王'"):
        search_messages(store, "退款", member="王")
    with pytest.raises(UsageError, match="no member"):
        search_messages(store, "退款", member="赵")


def test_regex_and_case(store_path):
    store = open_store(chat_store(store_path, [("1", "A", "Refund please"), ("2", "B", "refund?"),
                                               ("3", "C", "请问退款")]))
    assert texts(search_messages(store, "refund")) == ["Refund please", "refund?"]
    assert texts(search_messages(store, "refund", case_sensitive=True)) == ["refund?"]
    assert texts(search_messages(store, r"^请问.{2}$", regex=True)) == ["请问退款"]
    with pytest.raises(UsageError, match="regular expression"):
        search_messages(store, "(", regex=True)


def test_days_are_read_in_the_time_zone(store_path):
    store = open_store(chat_store(store_path))
    assert search_messages(store, "退款", since="2024-03-05").matches == 0
    assert search_messages(store, "退款", since="2024-03-04", until="2024-03-04").matches == 3


def test_search_agrees_with_a_plain_scan_over_the_samples(store_path):
    import_paths(store_path, [SAMPLES])
    store = open_store(store_path)
    found = search_messages(store, "的", all_groups=True)
    expected = sum(int(store.messages(group=g)[S.TEXT].fillna("").str.contains("的", regex=False).sum())
                   for g in store.group_ids())
    assert found.matches == expected > 50 and found.rows[IS_MATCH].all()


def test_sql_views_hold_what_the_store_holds(store_path):
    import_paths(store_path, [SAMPLES])
    store = open_store(store_path)
    counts = run_sql(store, "SELECT group_id, count(*) AS n FROM messages GROUP BY group_id").table.to_pylist()
    groups = store.groups()
    assert {r["group_id"]: r["n"] for r in counts} == dict(zip(groups[S.GROUP_ID], groups[S.MESSAGE_COUNT]))
    members = run_sql(store, "SELECT count(*) AS n FROM members").table.column("n")[0].as_py()
    assert members == sum(len(store.members(g)) for g in store.group_ids())
    assert run_sql(store, "SELECT count(*) AS n FROM groups").table.column("n")[0].as_py() == len(groups)


@pytest.mark.parametrize("statement", ["COPY messages TO 'out.csv'", "CREATE TABLE t AS SELECT 1",
                                       "ATTACH 'other.db'", "INSTALL httpfs", "SET threads = 1",
                                       "SELECT 1; SELECT 2"])
def test_sql_runs_only_one_statement_that_reads(store_path, statement):
    store = open_store(chat_store(store_path))
    with pytest.raises(UsageError):
        run_sql(store, statement)


def test_sql_on_an_empty_store_has_empty_views(store_path):
    store = open_store(store_path, create=True)
    for view in ("messages", "members", "groups", "rosters", "tokens"):
        assert run_sql(store, f"SELECT count(*) AS n FROM {view}").table.column("n")[0].as_py() == 0


def test_sql_errors_are_one_line(store_path):
    with pytest.raises(UsageError, match="^SQL error: "):
        run_sql(open_store(chat_store(store_path)), "SELECT nope FROM messages")


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_cli_search_jsonl_and_sql_formats(store_path, tmp_path):
    chat_store(store_path)
    result = run("search", "退款", "--store", store_path, "--format", "jsonl", "-C", "0")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r[S.TEXT] for r in rows] == ["请问退款怎么申请？", "我也想问退款的事", "退款请私聊小周"]
    assert rows[0][S.TS] == "2024-03-04T09:01:00+08:00"
    out = tmp_path / "n.parquet"
    result = run("sql", "SELECT sender_name, count(*) AS n FROM messages GROUP BY ALL ORDER BY n DESC, sender_name",
                 "--store", store_path, "--format", "parquet", "--output", out)
    assert result.exit_code == 0, result.output
    assert pq.read_table(out).to_pylist()[0] == {"sender_name": "李阿姨", "n": 2}
    result = run("sql", "DROP TABLE messages", "--store", store_path)
    assert result.exit_code == 1 and "only reads" in result.stderr and "Traceback" not in result.output


def test_cli_search_table_fits_80_columns(store_path):
    from rich.console import Console

    from grouplens.cli.output import search_table

    chat_store(store_path)
    console = Console(width=80, record=True, color_system=None)
    console.print(search_table(search_messages(open_store(store_path), "退款", context=1)))
    lines = console.export_text().splitlines()
    assert lines and max(len(line) for line in lines) <= 80
