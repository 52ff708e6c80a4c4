"""EchoTrace's JSON export: what the importer reads from the fixture, and what it rejects."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from helpers import rows_of, utc

from grouplens import schema as S
from grouplens.errors import FormatError
from grouplens.importers import detect, sniff, take_sample
from grouplens.importers.base import ParseOptions
from grouplens.importers.wechat import echotrace

SAMPLES = Path(__file__).parent.parent / "sample_logs"
JSON_FILE = SAMPLES / "echotrace-json" / "糖尿病患者互助群_聊天记录_1723728612345.json"
WEFLOW_FILE = SAMPLES / "weflow-json" / "宝妈育儿交流群（朝阳社区）.json"


def parse(path: Path) -> list:
    return list(echotrace.EchoTraceJson().parse(path, ParseOptions()))


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    (conversation,) = parse(JSON_FILE)
    return rows_of(conversation)


def export(*messages: dict, session: dict | None = None) -> str:
    session = session or {"wxid": "21390047712@chatroom", "nickname": "群", "remark": "", "displayName": "群",
                          "type": "群聊", "lastTimestamp": 1723728600, "messageCount": len(messages)}
    return json.dumps({"session": session, "messages": list(messages), "exportTime": "2024-08-15T21:30:12.345678"},
                      ensure_ascii=False, indent=2)


def message(**changes) -> dict:
    m = {"localId": 7, "createTime": 1723678205, "formattedTime": "2024-08-15 07:30:05", "type": "文本消息",
         "localType": 1, "content": "早", "isSend": 0, "senderUsername": "wxid_a", "source": ""}
    m.update(changes)
    return m


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "群_聊天记录.json"
    path.write_bytes(text.encode("utf-8"))
    return path


# --- detection ---------------------------------------------------------------------------------

def test_fixture_is_detected_by_exactly_one_importer():
    assert detect(JSON_FILE).name == "echotrace-json"
    assert len(sniff(JSON_FILE)) == 1


def test_weflows_detailed_json_is_not_taken_for_echotrace():
    assert not echotrace.EchoTraceJson().sniff(take_sample(WEFLOW_FILE))
    assert detect(WEFLOW_FILE).name == "weflow-json"


def test_an_empty_echotrace_export_is_still_recognised(tmp_path):
    assert echotrace.EchoTraceJson().sniff(take_sample(write(tmp_path, export())))


def test_a_session_object_of_another_program_is_not_taken(tmp_path):
    path = write(tmp_path, json.dumps({"session": {"id": 3, "user": "x"}, "messages": [{"role": "user"}]}))
    assert not echotrace.EchoTraceJson().sniff(take_sample(path))


# --- the fixture ---------------------------------------------------------------------------------

def test_session_gives_the_group_and_its_id():
    (conversation,) = parse(JSON_FILE)
    assert (conversation.platform, conversation.name, conversation.native_id, conversation.is_group) == \
        ("wechat", "糖尿病患者互助群", "21390047712@chatroom", True)
    assert conversation.messages.schema == S.PARSED_SCHEMA


def test_counts_messages_senders_notices_and_times(rows):
    assert len(rows) == 18
    assert len({r[S.SENDER_ID] for r in rows if r[S.SENDER_ID]}) == 6
    assert [(r[S.KIND], r[S.EVENT_MEMBERS]) for r in rows if r[S.SENDER_ID] is None] == [
        ("join", ["老李"]), ("recall", ["控糖茶小妹"]), ("leave", ["控糖茶小妹"])]
    assert rows[0][S.TS] == utc(2024, 8, 14, 23, 30, 5)
    assert rows[-1][S.TS] == utc(2024, 8, 15, 4, 30, 0)


def test_kinds_come_from_packed_local_types(rows):
    assert Counter(r[S.KIND] for r in rows) == Counter(
        text=7, join=1, image=1, voice=1, sticker=1, link=1, recall=1, leave=1, pat=1, transfer=1, file=1, video=1)
    quote = next(r for r in rows if r[S.EXTRA]["local_type"] == 244813135921)
    assert (quote[S.KIND], quote[S.TEXT]) == ("text", "老李空腹偏高，晚上加餐的习惯要改一改")


def test_senders_are_wxids_when_the_export_has_no_display_names(rows):
    checkin = rows[2]
    assert (checkin[S.SENDER_ID], checkin[S.SENDER_NAME], checkin[S.TEXT]) == \
        ("wxid_laoli1958", "wxid_laoli1958", "#打卡 空腹 7.8，餐后2小时 11.2")
    pat = next(r for r in rows if r[S.KIND] == "pat")
    assert (pat[S.SENDER_ID], pat[S.TEXT], pat[S.EVENT_MEMBERS]) == ("wxid_tangmama", "[拍一拍]", ["wxid_tangmama"])


def test_own_messages_multiline_text_and_at_all(rows):
    mine = [r for r in rows if r[S.EXTRA].get("is_self")]
    assert [r[S.KIND] for r in mine] == ["transfer", "file", "text"]
    assert mine[2][S.TEXT].split("\n") == ["@所有人\u2005本周六上午9点，孙主任线上答疑", "1. 胰岛素怎么调", "2. 低血糖怎么处理",
                                           "请提前把问题发群里"]
    assert mine[2][S.MENTIONS] == ["notify@all"]


def test_database_local_ids_are_kept_but_are_not_message_ids(rows):
    assert [r[S.EXTRA]["local_id"] for r in rows[:3]] == [2041, 2042, 2043]
    assert all(r[S.MSG_ID] is None and r[S.SOURCE_LINE] is None for r in rows)


def test_newer_exports_with_display_names_use_them(tmp_path):
    path = write(tmp_path, export(message(senderDisplayName="老李"), message(
        localId=8, localType=10000, type="系统消息", content="你已添加了老李，现在可以开始聊天了。", senderUsername=None)))
    said, notice = rows_of(parse(path)[0])
    assert (said[S.SENDER_ID], said[S.SENDER_NAME]) == ("wxid_a", "老李")
    assert (notice[S.SENDER_ID], notice[S.SENDER_NAME], notice[S.KIND]) == (None, "系统消息", "system")


def test_private_chat_session(tmp_path):
    session = {"wxid": "wxid_laoli1958", "nickname": "老李", "remark": "李叔（控糖）", "displayName": "李叔（控糖）",
               "type": "私聊", "lastTimestamp": 1723678205, "messageCount": 1}
    (conversation,) = parse(write(tmp_path, export(message(), session=session)))
    assert (conversation.name, conversation.native_id, conversation.is_group) == ("李叔（控糖）", "wxid_laoli1958", False)


# --- bad input -----------------------------------------------------------------------------------

def test_message_with_a_string_time_names_its_line(tmp_path):
    path = write(tmp_path, export(message(), message(createTime="2024-08-15 07:30:05")))
    with pytest.raises(FormatError, match="message #2.*createTime") as e:
        parse(path)
    assert e.value.line == 23  # session: lines 2-10; message 1: lines 12-22


def test_message_that_is_not_an_object_names_its_line(tmp_path):
    path = write(tmp_path, export(message(), "早"))
    with pytest.raises(FormatError, match="message #2") as e:
        parse(path)
    assert e.value.line == 23


def test_truncated_file_names_a_line(tmp_path):
    text = JSON_FILE.read_text(encoding="utf-8")
    cut = text[: text.index('"content": "[拍一拍]"')]
    with pytest.raises(FormatError) as e:
        parse(write(tmp_path, cut))
    assert e.value.line == cut.count("\n") + 1


def test_array_instead_of_object_is_rejected(tmp_path):
    with pytest.raises(FormatError, match="session") as e:
        parse(write(tmp_path, json.dumps([message()])))
    assert e.value.line == 1
