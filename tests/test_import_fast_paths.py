"""The fast paths of an import give exactly what the plain ones give.

A big QQ TXT is read in parts on the cores, its common headers straight from the bytes, its CRLF
line ends left in place; message ids are hashed over whole columns. Each shortcut is checked
here against the path it stands in for, on a small export mixing every layout the importer
reads (so that every part holds some of each), and ids against values fixed once and for all.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import grouplens.importers.base as base
import grouplens.importers.qq.txt as qq_txt
import grouplens.store.ingest as ingest
from grouplens import import_paths, open_store
from grouplens import schema as S
from grouplens.importers import ParseOptions, get
from grouplens.importers.textutil import rows_containing
from grouplens.store.ids import content_ids, occurrences, repeated
from grouplens.store.ingest import adopt_known_ids

SEP = "=" * 64
NAMES = ["阿杰", "老王(队长)", "【管理员】小李", "Tom Lee", "ㅤ", "x<y>", "张三 (李四)", "PM", "老王 "]
IDS = ["123456789", "10000", "80000000", "1234", "12345678901234", "a@b.com", "abc"]
BODIES = ["收到", "[图片]", "[表情][表情]", "@阿杰 你好", "老王撤回了一条消息", "阿杰 拍了拍 老王",
          "2021-05-01 8:05:12 阿杰", "12 点见", "http://x.y/z", "多行\n第二行\n\n第四行",
          "\u200b隐形", "转账：100", "123456", "邀请 张三 加入了群聊", "  "]


def mixed_export(messages: int, seed: int = 5) -> list[str]:
    """Lines of a two-section export: common headers, 12-hour clocks, / dates, titles, e-mails,
    notices, header-shaped text, multi-line texts and blank lines of spaces."""
    rnd = random.Random(seed)
    lines = ["消息记录（此消息记录为文本格式，不支持重新导入）", "", SEP, "消息分组:我的群聊", SEP, "消息对象:甲群", SEP, ""]
    for i in range(messages):
        if i == messages // 2:
            lines += [SEP, "消息分组:我的群聊", SEP, "消息对象:乙群", SEP, ""]
        h, m, s = rnd.randrange(24), rnd.randrange(60), rnd.randrange(60)
        clock = rnd.choice([f"{h}:{m:02d}:{s:02d}", f"{h:02d}:{m:02d}:{s:02d}",
                            f"{(h % 12) or 12}:{m:02d}:{s:02d} {'AM' if h < 12 else 'PM'}",
                            f"{'上午' if h < 12 else '下午'}{(h % 12) or 12}:{m:02d}:{s:02d}"])
        date = rnd.choice(["2021-05-01", "2021/5/2", "2024-02-29"])
        ident = rnd.choice(IDS)
        sender = rnd.choice(NAMES) + rnd.choice([f"({ident})", f"({ident})", f"<{ident}>"])
        lines += [f"{date} {clock} {sender}", *rnd.choice(BODIES).split("\n"), rnd.choice(["", "", " "])]
    return lines


def write(path: Path, lines: list[str], eol: str) -> Path:
    path.write_bytes(("\ufeff" + eol.join(lines) + eol).encode("utf-8"))
    return path


def read(path: Path) -> list[tuple[str | None, pa.Table, dict]]:
    return [(c.name, c.messages, c.lines.to_dict()) for c in get("qq-txt").parse(path, ParseOptions())]


def same(a: list[tuple[str | None, pa.Table, dict]], b: list[tuple[str | None, pa.Table, dict]]) -> None:
    assert [(name, lines) for name, _, lines in a] == [(name, lines) for name, _, lines in b]
    for (_, x, _), (_, y, _) in zip(a, b):
        assert x.equals(y)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write(tmp_path / "mixed.txt", mixed_export(600), "\r\n")


def test_the_mixed_export_holds_every_kind_of_line(export: Path) -> None:
    (_, first, lines), (_, second, _) = read(export)
    assert first.num_rows + second.num_rows == 600
    assert lines["unaccepted"] > 0  # "2021-05-01 8:05:12 阿杰" as a message's text
    kinds = set(first.column("kind").to_pylist()) | set(second.column("kind").to_pylist())
    assert {"text", "image", "recall", "pat", "join"} <= kinds


def test_reading_in_parts_on_several_threads_gives_what_one_pass_gives(export: Path, monkeypatch) -> None:
    whole = read(export)
    monkeypatch.setattr(base, "PART_ROWS", 37)
    monkeypatch.setattr(base, "cores", lambda: 3)
    same(read(export), whole)


def test_common_headers_read_from_the_bytes_match_the_regex_reading(export: Path, monkeypatch) -> None:
    fast = read(export)

    def nothing_fast(buf, starts, ends, lines):
        head, ok = original(buf, starts, ends, lines)
        return qq_txt._no_headers(), np.zeros_like(ok)

    original = qq_txt._fast_headers
    monkeypatch.setattr(qq_txt, "_fast_headers", nothing_fast)
    same(read(export), fast)


@pytest.mark.parametrize("eol", ["\n", "\r"])
def test_crlf_kept_in_place_reads_like_lf_and_old_mac_line_ends(tmp_path: Path, export: Path, eol: str) -> None:
    other = write(tmp_path / "other.txt", mixed_export(600), eol)
    same(read(export), read(other))


def test_a_file_mixing_crlf_and_lf_reads_like_one_with_lf_only(tmp_path: Path) -> None:
    lines = mixed_export(80, seed=9)
    mixed = tmp_path / "mixed-ends.txt"
    mixed.write_bytes("".join(line + ("\r\n" if i % 3 else "\n") for i, line in enumerate(lines)).encode())
    same(read(mixed), read(write(tmp_path / "lf.txt", lines, "\n")))


def test_derived_message_ids_never_change() -> None:
    """Ids are what makes a re-import add nothing: these were computed before the hashing was
    vectorised further and must stay as they are."""
    ts = pa.array([datetime(2024, 3, 2, 0, 4, 5, tzinfo=UTC)] * 4
                  + [datetime(2021, 5, 1, 0, 5, 12, 250000, tzinfo=UTC)] * 3, pa.timestamp("us", tz="UTC"))
    sender = pa.array(["123456789", "123456789", None, "name:阿杰", "123456789", "123456789", "a@b.com"])
    text = pa.array(["收到", "收到", None, "周六几点开场？😀", "长" * 100, "", "x" * 7 + "y" * 9])
    assert content_ids(ts, sender, text).to_pylist() == [
        "h9e699cc3581914eb", "h9e699cc3581914eb.1", "hf2606de217708d1b", "h9263f8ffd374d2f0",
        "h77049b5884804a15", "h03b6fe0e92a21eb1", "h095185452d6e039f"]


@given(st.lists(st.integers(0, 5), max_size=40))
def test_occurrences_count_earlier_copies_and_repeats_mark_every_copy(values: list[int]) -> None:
    array = np.array(values, dtype=np.uint64)
    expected = [values[:i].count(v) for i, v in enumerate(values)]
    found = occurrences(array)
    assert (found is None and not any(expected)) or list(found) == expected
    assert list(repeated(array)) == [values.count(v) > 1 for v in values]


@settings(max_examples=60)
@given(st.lists(st.one_of(st.none(), st.text(alphabet="ab撤回拍了@\u200b😀\n", max_size=12)), max_size=30),
       st.lists(st.text(alphabet="ab撤回拍了@\u200b😀", min_size=1, max_size=3), min_size=1, max_size=3),
       st.integers(0, 5))
def test_rows_containing_finds_what_python_finds(texts: list[str | None], literals: list[str], skip: int) -> None:
    array = pa.array(texts, pa.string()).slice(min(skip, len(texts)))
    expected = [t is not None and any(lit in t for lit in literals) for t in texts[min(skip, len(texts)):]]
    assert list(rows_containing(array, literals)) == expected


def test_files_parsed_ahead_give_the_store_and_report_files_parsed_one_by_one(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    for k in range(4):
        write(folder / f"{k}-export.txt", mixed_export(60, seed=k), "\r\n")
    (folder / "2-broken.txt").write_text("2021-13-40 8:00:00 阿杰(123456)\n你好\n", encoding="utf-8")
    (folder / "9-members.csv").write_text("QQ号,群名片,群名称\n123456789,阿杰,甲群\n", encoding="utf-8")
    ahead = import_paths(tmp_path / "ahead", [folder])
    monkeypatch.setattr(ingest, "READ_AHEAD_BYTES", -1)  # nothing goes ahead
    alone = import_paths(tmp_path / "alone", [folder])
    summary = [(f.path, f.status, f.parsed, f.added, f.error, f.lines) for f in alone.files]
    assert [(f.path, f.status, f.parsed, f.added, f.error, f.lines) for f in ahead.files] == summary
    assert [f.status for f in alone.files].count("error") == 1
    a, b = open_store(tmp_path / "ahead"), open_store(tmp_path / "alone")
    assert a.group_ids() == b.group_ids() and len(a.group_ids()) == 2
    for gid in a.group_ids():
        assert a.messages(group=gid).drop(columns=["import_id"]).equals(
            b.messages(group=gid).drop(columns=["import_id"]))
        assert a.members(group=gid).equals(b.members(group=gid))


def adopted_one_by_one(parsed: list[tuple[str | None, str | None]],
                       history: list[tuple[str | None, str | None]]) -> list[str | None]:
    """adopt_known_ids's rule, message by message: a ``name:`` sender takes the one id its key's
    name, else its shown name, had among members known by id."""
    ids_by_name: dict[str, set[str]] = {}
    for mid, name in history:
        if mid is not None and not mid.startswith(S.NAME_ID_PREFIX) and name:
            ids_by_name.setdefault(name, set()).add(mid)
    unique = {S.name_based_id(n): next(iter(ids)) for n, ids in ids_by_name.items() if len(ids) == 1}
    return [unique.get(v, unique.get(S.name_based_id(n), v) if n else v) if v and v.startswith(S.NAME_ID_PREFIX)
            else v for v, n in parsed]


SENDERS = st.tuples(st.one_of(st.none(), st.sampled_from(["1", "2", "3", "name:甲", "name:乙", "name:", "name:我"])),
                    st.one_of(st.none(), st.sampled_from(["甲", "乙", "", "我", "丙"])))


@settings(max_examples=200)
@given(st.lists(SENDERS, max_size=12), st.lists(SENDERS, max_size=12))
@example(parsed=[("name:乙", "甲"), ("name:丙", "甲"), ("name:", None)], history=[("1", "甲"), ("2", "乙"), ("3", "乙")])
@example(parsed=[("name:甲", "我"), ("name:我", "甲")], history=[("1", "甲"), ("1", "甲"), ("name:我", "我")])
def test_senders_known_by_name_take_the_one_id_of_that_name_as_a_loop_would(parsed, history) -> None:
    def table(rows: list[tuple[str | None, str | None]]) -> pa.Table:
        return pa.table({S.SENDER_ID: pa.array([r[0] for r in rows], pa.string()),
                         S.SENDER_NAME: pa.array([r[1] for r in rows], pa.string())})

    found = adopt_known_ids(table(parsed), table(history)).column(S.SENDER_ID).to_pylist()
    assert found == adopted_one_by_one(parsed, history)
