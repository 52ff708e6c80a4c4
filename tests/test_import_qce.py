"""QQChatExporter importers: single-file JSON (V6 one-message-per-line, early V4) and chunked JSONL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import utc

from grouplens import importers
from grouplens import schema as S
from grouplens.errors import FormatError
from grouplens.importers.base import ParseOptions

SAMPLES = Path(__file__).parent.parent / "sample_logs"
V6 = SAMPLES / "qce-json" / "group_周末羽毛球交流群_20250503.json"
V4 = SAMPLES / "qce-json-v4" / "group_Python数据分析训练营·3期_20241203.json"
CHUNKED = SAMPLES / "qce-jsonl" / "内分泌科·控糖打卡群_chunked_jsonl"
QCE_META = {"name": "QQChatExporter", "copyright": "https://github.com/shuakami/qq-chat-exporter", "version": "6.0.4"}


def parse(path: Path, fmt: str | None = None) -> list[importers.ParsedConversation]:
    imp = importers.get(fmt) if fmt else importers.detect(path)
    return list(imp.parse(path, ParseOptions()))


def rows(path: Path, fmt: str | None = None) -> list[dict]:
    (conv,) = parse(path, fmt)
    return conv.messages.to_pylist()


def by_id(messages: list[dict], msg_id: str) -> dict:
    return next(m for m in messages if m[S.MSG_ID] == msg_id)


def write_line_layout(path: Path, messages: list[dict], chat_info: dict | None = None) -> Path:
    """A file laid out as QCE V5/V6 writes it: compact header lines, one message per line."""
    compact = lambda o: json.dumps(o, ensure_ascii=False, separators=(",", ":"))
    info = chat_info or {"name": "测试群", "type": "group", "peerUid": "700000001"}
    lines = ["{", f'  "metadata":{compact(QCE_META)},', f'  "chatInfo":{compact(info)},',
             f'  "statistics":{compact({"totalMessages": len(messages)})},', '  "messages":[']
    lines += ["    " + compact(m) + ("," if i < len(messages) - 1 else "") for i, m in enumerate(messages)]
    lines += ["  ]", "}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def clean_message(msg_id: str, elements: list[dict], *, text: str = "", ts: int = 1746057912000,
                  sender: dict | None = None, **fields) -> dict:
    return {"id": msg_id, "seq": "1", "timestamp": ts, "sender": sender or {"uid": "u_A1", "uin": "10001", "name": "甲"},
            "type": fields.pop("type", "text"),
            "content": {"text": text, "html": "", "elements": elements, "resources": [], "mentions": []},
            "recalled": False, "system": False, **fields}


def fixture_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


# --- detection ------------------------------------------------------------------------------

@pytest.mark.parametrize("path, name", [(V6, "qce-json"), (V4, "qce-json"), (CHUNKED, "qce-jsonl")])
def test_each_fixture_is_detected_by_exactly_its_importer(path, name):
    assert [i.name for i in importers.sniff(path)] == [name]
    assert importers.detect(path).name == name


def test_the_chunked_folder_is_an_export_and_its_manifest_only_a_sidecar():
    assert importers.is_export_dir(CHUNKED).name == "qce-jsonl"
    found = importers.sniff(CHUNKED / "manifest.json")
    assert [i.name for i in found] == ["qce-jsonl-manifest"]
    assert found[0].sidecar and list(found[0].parse(CHUNKED / "manifest.json", ParseOptions())) == []


def test_a_folder_without_a_qce_manifest_is_not_claimed(tmp_path):
    (tmp_path / "chunks").mkdir()
    assert importers.is_export_dir(tmp_path) is None
    (tmp_path / "manifest.json").write_text('{"name": "something else", "chunked": {}}', encoding="utf-8")
    assert importers.is_export_dir(tmp_path) is None


def test_a_json_object_without_qce_metadata_is_not_claimed(tmp_path):
    other = tmp_path / "other.json"
    other.write_text('{"metadata": {"name": "MyExporter"}, "messages": []}', encoding="utf-8")
    assert not importers.get("qce-json").sniff(importers.take_sample(other))


# --- V6 single-file JSON ------------------------------------------------------------------------

def test_v6_conversation_is_the_named_group_with_its_number():
    (conv,) = parse(V6)
    assert (conv.platform, conv.name, conv.native_id, conv.is_group) == ("qq", "周末羽毛球交流群", "731845206", True)
    assert conv.warnings == []


def test_v6_counts_and_time_range():
    messages = rows(V6)
    assert len(messages) == 28
    assert len({m[S.SENDER_ID] for m in messages if m[S.SENDER_ID]}) == 8
    assert messages[0][S.TS] == utc(2025, 4, 19, 1, 0, 5)
    assert messages[-1][S.TS] == utc(2025, 5, 3, 0, 30, 0)
    assert sum(m[S.REPLY_TO] is not None for m in messages) == 2
    assert sum(m[S.SENDER_ID] is None for m in messages) == 3
    assert sum('"recalled": true' in (m[S.EXTRA] or "") for m in messages) == 1


def test_v6_kind_mix_follows_the_elements():
    kinds = [m[S.KIND] for m in rows(V6)]
    assert {k: kinds.count(k) for k in set(kinds)} == {
        "text": 15, "image": 1, "sticker": 2, "red_packet": 1, "file": 1, "video": 1, "forward": 1,
        "link": 1, "location": 1, "voice": 1, "join": 1, "leave": 1, "pat": 1}


def test_v6_system_notices_have_no_sender_and_name_the_members_concerned():
    notices = [m for m in rows(V6) if m[S.SENDER_ID] is None]
    assert [(m[S.KIND], m[S.EVENT_MEMBERS], m[S.SENDER_NAME]) for m in notices] == [
        ("join", ["上海-小林"], "系统消息"),
        ("leave", ["羽球装备低价转让"], "系统消息"),
        ("pat", ["跑不动的老周", "【教练】阿杰"], "系统消息"),
    ]


def test_v6_reply_points_at_the_referenced_message_id_and_keeps_the_quote():
    messages = rows(V6)
    reply = by_id(messages, "7495321876543210298")
    assert reply[S.REPLY_TO] == "7495321876543210251"
    assert reply[S.QUOTE_SENDER] == "跑不动的老周"
    assert reply[S.QUOTE_TEXT] == "上周的战况，大家看看我这反手姿势对不对"
    assert reply[S.QUOTE_TS] == utc(2025, 4, 19, 1, 10, 40)
    assert by_id(messages, "7495321876543210170")[S.REPLY_TO] == "7495321876543210133"


def test_v6_mentions_come_from_content_mentions_including_all_members():
    messages = rows(V6)
    assert by_id(messages, "7495321876543210054")[S.MENTIONS] == ["上海-小林"]
    assert by_id(messages, "7495321876543210534")[S.MENTIONS] == ["全体成员"]
    assert by_id(messages, "7495321876543210097")[S.MENTIONS] == []


def test_v6_sender_ids_are_qq_numbers_with_the_uid_kept_in_extra():
    first = by_id(rows(V6), "7495321876543210054")
    assert (first[S.SENDER_ID], first[S.SENDER_NAME]) == ("123456789", "【教练】阿杰")
    assert json.loads(first[S.EXTRA]) == {"files": ["welcome_card.jpg"], "seq": "3302", "title": "群主",
                                          "type": "text", "uid": "u_K9sd8f7Gh2QwLmN3"}


def test_v6_a_message_without_uin_gets_the_uin_its_uid_has_elsewhere():
    messages = rows(V6)
    assert by_id(messages, "7495321876543210496")[S.SENDER_ID] == "246813579"
    assert sum(m[S.SENDER_ID] == "246813579" for m in messages) == 3


def test_v6_a_member_known_only_by_uid_is_keyed_by_the_uid():
    cat = by_id(rows(V6), "7495698123456780212")
    assert (cat[S.SENDER_ID], cat[S.SENDER_NAME]) == ("u_Zx9Cv8Bn7Mm6Ll5K", "夜跑的猫")


def test_v6_recalled_message_keeps_its_kind_and_text():
    recalled = by_id(rows(V6), "7495698123456780131")
    assert (recalled[S.KIND], recalled[S.TEXT]) == ("text", "周三晚上有人约球吗，我订了场")
    assert json.loads(recalled[S.EXTRA])["recalled"] is True


def test_v6_multi_line_announcement_is_kept_verbatim():
    notice = by_id(rows(V6), "7495321876543210133")
    assert notice[S.TEXT] == ("【群公告】本周活动安排\n1. 周六 14:00-17:00 3号馆 混双练习\n"
                              "2. 周日 09:00-12:00 新手班（自带球拍）\n场地费 AA，每人 35 元，接龙报名～")


def test_v6_messages_record_the_line_they_sit_on():
    messages = rows(V6)
    assert [m[S.SOURCE_LINE] for m in messages] == list(range(6, 34))
    lines = fixture_lines(V6)
    assert all(m[S.MSG_ID] in lines[m[S.SOURCE_LINE] - 1] for m in messages)


def test_v6_ids_stay_exact_strings():
    assert rows(V6)[0][S.MSG_ID] == "7495321876543210011"


def test_pretty_printed_or_minified_files_give_the_same_messages_without_lines(tmp_path):
    document = json.loads(V6.read_text(encoding="utf-8"))
    expected = [(m[S.MSG_ID], m[S.SENDER_ID], m[S.KIND]) for m in rows(V6)]
    for name, text in [("pretty.json", json.dumps(document, ensure_ascii=False, indent=2)),
                       ("minified.json", json.dumps(document, ensure_ascii=False))]:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert importers.detect(path).name == "qce-json"
        messages = rows(path)
        assert [(m[S.MSG_ID], m[S.SENDER_ID], m[S.KIND]) for m in messages] == expected
        assert {m[S.SOURCE_LINE] for m in messages} == {None}


def test_integer_ids_are_written_out_exactly(tmp_path):
    path = write_line_layout(tmp_path / "x.json", [clean_message("0", [{"type": "text", "data": {"text": "hi"}}])])
    path.write_text(path.read_text(encoding="utf-8").replace('"id":"0"', '"id":7495321876543210011'), encoding="utf-8")
    assert rows(path)[0][S.MSG_ID] == "7495321876543210011"


def test_private_chats_are_not_groups(tmp_path):
    path = write_line_layout(tmp_path / "friend.json", [clean_message("1", [{"type": "text", "data": {"text": "在吗"}}])],
                             {"name": "老王", "type": "private", "peerUin": "24681357"})
    (conv,) = parse(path)
    assert (conv.is_group, conv.name, conv.native_id) == (False, "老王", "24681357")


@pytest.mark.parametrize("elements, kind", [
    ([{"type": "image", "data": {"filename": "a.gif", "subType": "sticker"}}], "sticker"),
    ([{"type": "image", "data": {"filename": "a.jpg"}}, {"type": "image", "data": {"filename": "b.jpg"}}], "image"),
    ([{"type": "image", "data": {"filename": "a.jpg"}}, {"type": "text", "data": {"text": "看这个"}}], "text"),
    ([{"type": "wallet", "data": {"title": "[转账]100.00元"}}], "transfer"),
    ([{"type": "json", "data": {"title": "推荐联系人", "appName": "com.tencent.contact.lua"}}], "card"),
    ([{"type": "at", "data": {"uid": "u_B", "uin": "10002", "name": "乙"}},
      {"type": "face", "data": {"name": "[赞]"}}], "text"),
])
def test_kind_of_a_message_is_read_from_its_elements(tmp_path, elements, kind):
    path = write_line_layout(tmp_path / "k.json", [clean_message("1", elements, text="x")])
    assert rows(path)[0][S.KIND] == kind


def test_a_members_call_record_is_the_members_call_not_a_notice(tmp_path):
    call = clean_message("1", [{"type": "av_record", "data": {"text": "通话时长 03:12"}}], text="[语音通话]",
                         system=True)
    (row,) = rows(write_line_layout(tmp_path / "call.json", [call]))
    assert (row[S.SENDER_ID], row[S.KIND]) == ("10001", "call")


def test_an_old_style_gray_tip_with_uin_zero_is_a_platform_notice(tmp_path):
    tip = clean_message("1", [], text="上海-小林 撤回了一条消息", sender={"uid": "", "uin": "0", "name": "系统消息"},
                        type="type_5")
    (row,) = rows(write_line_layout(tmp_path / "tip.json", [tip]))
    assert (row[S.SENDER_ID], row[S.KIND], row[S.EVENT_MEMBERS]) == (None, "recall", ["上海-小林"])


def test_a_statistics_total_that_disagrees_is_a_warning(tmp_path):
    path = write_line_layout(tmp_path / "w.json", [clean_message("1", [], text="hi")])
    path.write_text(path.read_text(encoding="utf-8").replace('"totalMessages":1', '"totalMessages":5'),
                    encoding="utf-8")
    (conv,) = parse(path)
    assert conv.warnings == ["w.json: statistics.totalMessages says 5 but the export holds 1 messages"]


# --- V4 ParsedMessage-shaped JSON -----------------------------------------------------------

def test_v4_counts_time_range_and_group():
    (conv,) = parse(V4)
    messages = conv.messages.to_pylist()
    assert (conv.name, conv.native_id, conv.is_group) == ("Python数据分析训练营·3期", None, True)
    assert len(messages) == 11
    assert len({m[S.SENDER_ID] for m in messages if m[S.SENDER_ID]}) == 5
    assert messages[0][S.TS] == utc(2024, 12, 2, 12, 0, 5)
    assert messages[-1][S.TS] == utc(2024, 12, 2, 13, 5, 0)
    assert {m[S.SOURCE_LINE] for m in messages} == {None}  # pretty-printed: no line per message
    kinds = [m[S.KIND] for m in messages]
    assert {k: kinds.count(k) for k in set(kinds)} == {"join": 1, "text": 7, "image": 1, "sticker": 1, "file": 1}


def test_v4_system_message_reply_and_recall():
    messages = rows(V4)
    join = messages[0]
    assert (join[S.SENDER_ID], join[S.KIND], join[S.EVENT_MEMBERS]) == (None, "join", ["数据小白-阿强"])
    assert by_id(messages, "7443871200000512007")[S.REPLY_TO] == "7443871200000512006"
    assert json.loads(by_id(messages, "7443871200000512010")[S.EXTRA])["recalled"] is True


def test_v4_falls_back_to_raw_message_for_a_missing_uin_or_name():
    messages = rows(V4)
    assert by_id(messages, "7443871200000512003")[S.SENDER_ID] == "3355779911"
    unnamed = by_id(messages, "7443871200000512009")
    assert (unnamed[S.SENDER_ID], unnamed[S.SENDER_NAME]) == ("5577991133", "学员-小雪")


def test_v4_trailing_blank_lines_are_stripped_and_mentions_kept():
    welcome = by_id(rows(V4), "7443871200000512002")
    assert welcome[S.TEXT] == ("@数据小白-阿强 欢迎加入训练营！\n📌 先看群公告里的《学习手册》\n"
                               "📌 作业每周日 22:00 前提交到群文件")
    assert welcome[S.MENTIONS] == ["数据小白-阿强"]


def test_v4_timestamps_may_be_milliseconds_or_iso_text(tmp_path):
    document = json.loads(V4.read_text(encoding="utf-8"))
    document["messages"][1]["timestamp"] = 1733140870000
    document["messages"][2]["timestamp"] = "2024-12-02 20:03:27"  # local wall-clock text, read in Asia/Shanghai
    path = tmp_path / "v4.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    messages = rows(path)
    assert messages[1][S.TS] == utc(2024, 12, 2, 12, 1, 10)
    assert messages[2][S.TS] == utc(2024, 12, 2, 12, 3, 27)


# --- bad single-file input ------------------------------------------------------------------------

def test_a_file_cut_inside_a_message_fails_at_that_line(tmp_path):
    lines = fixture_lines(V6)
    path = tmp_path / "cut.json"
    path.write_text("\n".join(lines[:19]) + "\n" + lines[19][:60], encoding="utf-8")
    with pytest.raises(FormatError, match="malformed JSON") as e:
        rows(path, "qce-json")
    assert e.value.line == 20


def test_a_file_cut_between_messages_fails_at_its_last_line(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text("\n".join(fixture_lines(V6)[:12]) + "\n", encoding="utf-8")
    with pytest.raises(FormatError, match="ends inside the messages array") as e:
        rows(path, "qce-json")
    assert e.value.line == 12


def test_a_file_missing_its_closing_brace_fails(tmp_path):
    text = V6.read_text(encoding="utf-8").rstrip()
    path = tmp_path / "cut.json"
    path.write_text(text[:-1], encoding="utf-8")
    with pytest.raises(FormatError, match="ends early") as e:
        rows(path, "qce-json")
    assert e.value.line == 35


def test_a_message_without_timestamp_fails_at_its_line(tmp_path):
    lines = fixture_lines(V6)
    assert '"timestamp":1745024702000,' in lines[8]
    lines[8] = lines[8].replace('"timestamp":1745024702000,', "")
    path = tmp_path / "no_ts.json"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(FormatError, match="no timestamp") as e:
        rows(path)
    assert e.value.line == 9


def test_an_impossible_iso_time_fails(tmp_path):
    document = json.loads(V4.read_text(encoding="utf-8"))
    document["messages"][4]["timestamp"] = "2024-13-02T12:15:40.000Z"
    path = tmp_path / "bad_time.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    with pytest.raises(FormatError, match="impossible or malformed time"):
        rows(path)


def test_deeply_nested_json_is_a_format_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100000, encoding="utf-8")
    with pytest.raises(FormatError, match="nested too deeply"):
        rows(path, "qce-json")


def test_a_deeply_nested_message_line_fails_at_that_line(tmp_path):
    lines = fixture_lines(V6)
    lines[9] = '    {"id":"1","content":' + "[" * 100000 + ","
    path = tmp_path / "deep_line.json"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(FormatError, match="nested too deeply") as e:
        rows(path, "qce-json")
    assert e.value.line == 10


@pytest.mark.parametrize("text, problem", [
    ("[1, 2, 3]", "expected a JSON object"),
    ('{"metadata": {"name": "QQChatExporter"}, "chatInfo": {}}', "no messages array"),
    ('{"metadata": {"name": "QQChatExporter"}, "messages": [1]}', "expected a message object"),
])
def test_json_of_the_wrong_shape_is_a_format_error(tmp_path, text, problem):
    path = tmp_path / "shape.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError, match=problem):
        rows(path, "qce-json")


def test_a_message_line_that_is_not_an_object_fails_at_its_line(tmp_path):
    lines = fixture_lines(V6)
    lines[14] = "    [1, 2],"
    path = tmp_path / "array_line.json"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(FormatError, match="expected a message object") as e:
        rows(path)
    assert e.value.line == 15


def test_bytes_that_are_not_utf8_fail_at_their_line(tmp_path):
    data = V6.read_bytes().split(b"\n")
    data[9] = data[9][:40] + b"\xff\xfe" + data[9][40:]
    path = tmp_path / "bad_bytes.json"
    path.write_bytes(b"\n".join(data))
    with pytest.raises(FormatError, match="not valid utf-8") as e:
        rows(path, "qce-json")
    assert e.value.line == 10


def test_a_chunked_manifest_given_as_a_file_says_to_import_the_folder():
    with pytest.raises(FormatError, match="import its folder"):
        rows(CHUNKED / "manifest.json", "qce-json")


# --- chunked JSONL --------------------------------------------------------------------------------

def test_chunked_export_reads_both_chunks_in_order():
    (conv,) = parse(CHUNKED)
    messages = conv.messages.to_pylist()
    assert (conv.name, conv.native_id, conv.is_group, conv.warnings) == ("内分泌科·控糖打卡群", "816392047", True, [])
    assert len(messages) == 20
    assert messages[0][S.TS] == utc(2025, 3, 2, 23, 58, 30)
    assert messages[-1][S.TS] == utc(2025, 3, 9, 0, 1, 2)
    chunks = [json.loads(m[S.EXTRA])["chunk"] for m in messages]
    assert chunks == ["chunks/c000001.jsonl"] * 12 + ["chunks/c000002.jsonl"] * 8
    assert [m[S.SOURCE_LINE] for m in messages] == list(range(1, 13)) + list(range(1, 9))


def test_chunked_export_counts_senders_events_replies_and_recalls():
    messages = rows(CHUNKED)
    assert len({m[S.SENDER_ID] for m in messages if m[S.SENDER_ID]}) == 6
    events = [(m[S.KIND], m[S.EVENT_MEMBERS]) for m in messages if m[S.SENDER_ID] is None]
    assert events == [("join", ["小吴家属"]), ("leave", ["健康顾问王姐"]),
                      ("pat", ["老李(2型10年)", "控糖小助手-周护士"])]
    replies = [m for m in messages if m[S.REPLY_TO]]
    assert [(m[S.MSG_ID], m[S.REPLY_TO]) for m in replies] == [("7477001122334450006", "7477001122334450005")]
    assert [m[S.MSG_ID] for m in messages if '"recalled": true' in (m[S.EXTRA] or "")] == ["7477001122334450012"]
    assert by_id(messages, "7477001122334450018")[S.MENTIONS] == ["老李(2型10年)"]
    assert by_id(messages, "7477001122334450014")[S.KIND] == "red_packet"


def copy_chunked(tmp_path: Path) -> Path:
    folder = tmp_path / "export_chunked_jsonl"
    shutil.copytree(CHUNKED, folder)
    return folder


def test_a_chunk_named_by_the_manifest_but_missing_is_a_format_error(tmp_path):
    folder = copy_chunked(tmp_path)
    (folder / "chunks" / "c000002.jsonl").unlink()
    with pytest.raises(FormatError, match="chunks/c000002.jsonl") as e:
        rows(folder)
    assert e.value.path == str(folder / "manifest.json")


def test_a_bad_jsonl_line_fails_with_its_chunk_and_line(tmp_path):
    folder = copy_chunked(tmp_path)
    chunk = folder / "chunks" / "c000002.jsonl"
    lines = chunk.read_text(encoding="utf-8").split("\n")
    lines[4] = lines[4][:50]
    chunk.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(FormatError, match="malformed JSON") as e:
        rows(folder)
    assert (e.value.path, e.value.line) == (str(chunk), 5)


def test_a_chunk_message_without_timestamp_fails_with_its_chunk_and_line(tmp_path):
    folder = copy_chunked(tmp_path)
    chunk = folder / "chunks" / "c000001.jsonl"
    lines = chunk.read_text(encoding="utf-8").split("\n")
    message = json.loads(lines[2])
    del message["timestamp"]
    lines[2] = json.dumps(message, ensure_ascii=False)
    chunk.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(FormatError, match="no timestamp") as e:
        rows(folder)
    assert (e.value.path, e.value.line) == (str(chunk), 3)


def test_without_a_chunk_list_the_chunk_files_are_read_in_natural_order(tmp_path):
    folder = copy_chunked(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del manifest["chunked"]["chunks"]
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    (folder / "chunks" / "c000001.jsonl").rename(folder / "chunks" / "chunk_9.jsonl")
    (folder / "chunks" / "c000002.jsonl").rename(folder / "chunks" / "chunk_10.jsonl")
    assert importers.detect(folder).name == "qce-jsonl"
    messages = rows(folder)
    assert [m[S.MSG_ID] for m in messages] == [m[S.MSG_ID] for m in rows(CHUNKED)]
    assert json.loads(messages[0][S.EXTRA])["chunk"] == "chunks/chunk_9.jsonl"


def test_a_manifest_of_another_chunk_format_is_refused(tmp_path):
    folder = copy_chunked(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["chunked"]["format"] = "parquet"
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(FormatError, match="'parquet' is not supported"):
        rows(folder, "qce-jsonl")


def test_a_truncated_manifest_fails_at_its_line(tmp_path):
    folder = copy_chunked(tmp_path)
    text = (folder / "manifest.json").read_text(encoding="utf-8")
    (folder / "manifest.json").write_text(text[: text.index('"chunked"')], encoding="utf-8")
    with pytest.raises(FormatError, match="malformed JSON") as e:
        rows(folder, "qce-jsonl")
    assert e.value.path == str(folder / "manifest.json") and e.value.line is not None
