"""sjzar/chatlog's CSV and JSON exports: what the importers read from the fixtures, and what they reject."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers import rows_of, utc

from grouplens import schema as S
from grouplens.errors import FormatError
from grouplens.importers import detect, sniff, take_sample
from grouplens.importers.base import ParseOptions
from grouplens.importers.wechat import chatlog

SAMPLES = Path(__file__).parent.parent / "sample_logs"
CSV_FILE = SAMPLES / "chatlog-csv" / "45812376901@chatroom_2024-03-18_2024-03-18.csv"
GROUPED_CSV_FILE = SAMPLES / "chatlog-csv" / "all_2024-03-19_2024-03-19.csv"
JSON_FILE = SAMPLES / "chatlog-json" / "chatlog_2024-03-20.json"
TEXT_FILE = SAMPLES / "chatlog-text" / "心内科患者交流群_2024-03-21.txt"
MULTI_TEXT_FILE = SAMPLES / "chatlog-text-multi" / "all_2024-03-22_2024-03-23.txt"
GROUP_ID = "45812376901@chatroom"
CSV_HEADER = "Time,SenderName,Sender,TalkerName,Talker,Content\n"


def parse(path: Path, importer, **options) -> list:
    return list(importer.parse(path, ParseOptions(**options)))


@pytest.fixture(scope="module")
def csv_rows() -> list[dict]:
    (conversation,) = parse(CSV_FILE, chatlog.ChatlogCsvImporter())
    return rows_of(conversation)


@pytest.fixture(scope="module")
def json_conversations() -> list:
    return parse(JSON_FILE, chatlog.ChatlogJsonImporter())


def write(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


# --- detection ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path, fmt", [(CSV_FILE, "chatlog-csv"), (GROUPED_CSV_FILE, "chatlog-csv"),
                                       (JSON_FILE, "chatlog-json"), (TEXT_FILE, "chatlog-text"),
                                       (MULTI_TEXT_FILE, "chatlog-text")])
def test_fixtures_are_detected_by_exactly_one_importer(path, fmt):
    assert detect(path).name == fmt
    assert len(sniff(path)) == 1


def test_a_pywxdump_csv_header_is_not_taken_for_chatlog(tmp_path):
    path = write(tmp_path, "id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime\n"
                           "1,72345,文本,0,wxid_a,123@chatroom,早,,2024-03-15 09:12:03\n")
    assert not chatlog.ChatlogCsvImporter().sniff(take_sample(path))


def test_a_csv_with_an_extra_unknown_column_is_not_taken_for_chatlog(tmp_path):
    path = write(tmp_path, "Time,SenderName,Sender,TalkerName,Talker,Content,Type\n")
    assert not chatlog.ChatlogCsvImporter().sniff(take_sample(path))


def test_a_json_array_of_other_records_is_not_taken_for_chatlog_json(tmp_path):
    path = write(tmp_path, json.dumps([{"id": 1, "MsgSvrID": "7", "type_name": "文本", "talker": "wxid_a",
                                        "room_name": "1@chatroom", "msg": "早", "seq": 3}]), "x.json")
    assert not chatlog.ChatlogJsonImporter().sniff(take_sample(path))


# --- CSV -----------------------------------------------------------------------------------------

def test_csv_is_one_group_conversation_named_by_its_talker():
    (conversation,) = parse(CSV_FILE, chatlog.ChatlogCsvImporter())
    assert (conversation.platform, conversation.name, conversation.native_id, conversation.is_group) == \
        ("wechat", "心内科患者交流群", GROUP_ID, True)
    assert conversation.messages.schema == S.PARSED_SCHEMA


def test_csv_counts_messages_senders_and_notices(csv_rows):
    assert len(csv_rows) == 29
    assert len({r[S.SENDER_ID] for r in csv_rows if r[S.SENDER_ID]}) == 9
    system = [r for r in csv_rows if r[S.SENDER_ID] is None]
    assert len(system) == 4
    assert {r[S.SENDER_NAME] for r in system} == {"系统消息"}


def test_csv_first_and_last_times_are_local_times_read_in_shanghai(csv_rows):
    assert csv_rows[0][S.TS] == utc(2024, 3, 17, 23, 58, 3)
    assert csv_rows[-1][S.TS] == utc(2024, 3, 18, 14, 0, 0)


def test_csv_times_follow_the_timezone_option():
    (conversation,) = parse(CSV_FILE, chatlog.ChatlogCsvImporter(), tz=ZoneInfo("UTC"))
    assert conversation.messages.column(S.TS)[0].as_py() == utc(2024, 3, 18, 7, 58, 3)


def test_csv_kinds_come_from_chatlog_placeholders(csv_rows):
    assert Counter(r[S.KIND] for r in csv_rows) == Counter(
        text=16, transfer=2, join=2, image=1, file=1, link=1, voice=1, sticker=1, forward=1, location=1,
        recall=1, pat=1)
    by_text = {r[S.TEXT]: r[S.KIND] for r in csv_rows}
    assert by_text["[转账|发送 ￥198.00](代购电子血压计)"] == "transfer"
    assert by_text["[语音](http://127.0.0.1:5030/voice/7351280399123456789)"] == "voice"


def test_csv_notices_name_the_members_they_concern(csv_rows):
    events = [(r[S.KIND], r[S.EVENT_MEMBERS]) for r in csv_rows if r[S.SENDER_ID] is None]
    assert events == [("join", ["赵大爷"]), ("recall", ["养生小美"]), ("join", ["孙阿姨"]),
                      ("pat", ["老陈", "心内科-王医生"])]


def test_csv_multiline_message_is_kept_verbatim_with_its_first_physical_line(csv_rows):
    question = next(r for r in csv_rows if r[S.SENDER_ID] == "wxid_liujs2023")
    assert question[S.TEXT] == ("王医生您好，我爸支架术后三个月了，\n现在每天吃阿司匹林和氯吡格雷，\n"
                                "最近刷牙牙龈老出血，要不要停药？")
    assert question[S.SOURCE_LINE] == 11
    assert [r[S.SOURCE_LINE] for r in csv_rows[-4:]] == [41, 44, 45, 46]


def test_csv_quote_becomes_quote_columns_and_text_keeps_only_the_reply(csv_rows):
    quotes = [r for r in csv_rows if r[S.QUOTE_TEXT]]
    assert len(quotes) == 2
    reply = quotes[0]
    assert reply[S.SENDER_ID] == "wxid_wangys_0921"
    assert reply[S.TEXT] == "千万不要自己停药！双抗至少吃满12个月。先换软毛牙刷，周三门诊带他来查个血常规。"
    assert reply[S.QUOTE_SENDER] == "wxid_liujs2023"
    assert reply[S.QUOTE_TEXT].startswith("王医生您好，我爸支架术后三个月了，\n现在每天")
    assert reply[S.QUOTE_TS] == utc(2024, 3, 18, 0, 40, 9)
    assert reply[S.EXTRA] == {"quote_sender_name": "刘先生家属"}
    assert reply[S.REPLY_TO] is None and reply[S.MSG_ID] is None


def test_csv_quote_dated_after_the_reply_is_from_the_year_before(csv_rows):
    reply = [r for r in csv_rows if r[S.QUOTE_TEXT]][1]
    assert reply[S.QUOTE_TEXT] == "春节前大家记得备足两个月的药，门诊初七才开。"
    assert reply[S.QUOTE_TS] == utc(2023, 12, 28, 8, 20, 0)


def test_csv_empty_sender_is_the_exporting_user(csv_rows):
    mine = [r for r in csv_rows if r[S.EXTRA].get("is_self")]
    assert [(r[S.SENDER_ID], r[S.SENDER_NAME], r[S.KIND]) for r in mine] == [
        ("name:我", "我", "text"), ("name:我", "我", "file")]


def test_csv_mentions_end_at_the_four_per_em_space(csv_rows):
    assert [r[S.MENTIONS] for r in csv_rows if r[S.MENTIONS]] == [["赵大爷"], ["心内科-王医生"]]


def test_csv_group_announcement_is_an_admin_text_without_trailing_blank_line(csv_rows):
    first = csv_rows[0]
    assert first[S.TEXT] == "[群公告|本周三下午2点王医生在门诊三楼讲高血压用药，欢迎参加]"
    assert (first[S.KIND], first[S.EXTRA]) == ("text", {"announcement": True})


def test_csv_without_message_ids_leaves_msg_id_empty(csv_rows):
    assert all(r[S.MSG_ID] is None for r in csv_rows)


def test_grouped_csv_yields_one_conversation_per_talker():
    group, private = parse(GROUPED_CSV_FILE, chatlog.ChatlogCsvImporter())
    assert (group.name, group.native_id, group.is_group, group.messages.num_rows) == \
        ("心内科患者交流群（1群）", GROUP_ID, True, 4)
    assert (private.name, private.native_id, private.is_group, private.messages.num_rows) == \
        ("刘先生家属", "wxid_liujs2023", False, 3)
    rename = rows_of(group)[2]
    assert (rename[S.KIND], rename[S.EVENT_MEMBERS]) == ("rename", ["护士长-李静"])
    assert [r[S.SENDER_ID] for r in rows_of(private)] == ["wxid_liujs2023", "name:我", "wxid_liujs2023"]


def test_csv_message_id_column_gives_the_message_id(tmp_path):
    path = write(tmp_path, "MessageID,Time,SenderName,Sender,TalkerName,Talker,Content\n"
                           "1710912600000,2024-03-20 13:30:00,老陈,wxid_chenlao58,心内科患者交流群,1@chatroom,早\n")
    assert detect(path).name == "chatlog-csv"
    (conversation,) = parse(path, chatlog.ChatlogCsvImporter())
    assert conversation.messages.column(S.MSG_ID).to_pylist() == ["1710912600000"]


def test_csv_quote_without_name_shows_the_wxid(tmp_path):
    path = write(tmp_path, CSV_HEADER + '2024-01-02 08:00:00,老陈,wxid_b,群,1@chatroom,"> wxid_a 12-31 23:59:00\n'
                                        '> 新年快乐\n同乐"\n')
    (row,) = rows_of(parse(path, chatlog.ChatlogCsvImporter())[0])
    assert (row[S.QUOTE_SENDER], row[S.QUOTE_TEXT], row[S.TEXT]) == ("wxid_a", "新年快乐", "同乐")
    assert row[S.QUOTE_TS] == utc(2023, 12, 31, 15, 59, 0)


# --- CSV errors ----------------------------------------------------------------------------------

def test_csv_row_with_the_wrong_number_of_fields_names_its_line(tmp_path):
    path = write(tmp_path, CSV_HEADER + "2024-03-18 08:00:00,老陈,wxid_b,群,1@chatroom,早\n"
                                        '2024-03-18 08:01:00,老陈,wxid_b,群,"1@chatroom\n"\n'
                                        "2024-03-18 08:02:00,老陈,wxid_b,群,1@chatroom\n")
    with pytest.raises(FormatError) as e:
        parse(path, chatlog.ChatlogCsvImporter())
    assert e.value.line == 3


def test_csv_impossible_date_names_its_line(tmp_path):
    path = write(tmp_path, CSV_HEADER + "2024-03-18 08:00:00,老陈,wxid_b,群,1@chatroom,早\n"
                                        "2024-13-18 08:01:00,老陈,wxid_b,群,1@chatroom,早\n")
    with pytest.raises(FormatError) as e:
        parse(path, chatlog.ChatlogCsvImporter())
    assert e.value.line == 3


def test_csv_truncated_inside_a_quoted_field_names_the_record_start(tmp_path):
    text = CSV_FILE.read_text(encoding="utf-8")
    cut = text.index("[合并转发|") + 20  # inside the forward, a quoted field beginning on line 35
    path = write(tmp_path, text[:cut])
    with pytest.raises(FormatError) as e:
        parse(path, chatlog.ChatlogCsvImporter())
    assert e.value.line == 35


def test_csv_with_another_header_is_rejected_at_line_one(tmp_path):
    path = write(tmp_path, "Time,Sender,Content\n2024-03-18 08:00:00,wxid_b,早\n")
    with pytest.raises(FormatError) as e:
        parse(path, chatlog.ChatlogCsvImporter())
    assert e.value.line == 1


def test_csv_quote_header_with_an_impossible_date_names_its_line(tmp_path):
    path = write(tmp_path, CSV_HEADER + '2024-03-18 08:00:00,老陈,wxid_b,群,1@chatroom,"> 王(wxid_a) 13-02 08:00:00\n'
                                        '> 原话\n回复"\n')
    with pytest.raises(FormatError) as e:
        parse(path, chatlog.ChatlogCsvImporter())
    assert e.value.line == 2


# --- JSON ----------------------------------------------------------------------------------------

def test_json_yields_a_conversation_per_talker(json_conversations):
    group, private = json_conversations
    assert (group.platform, group.name, group.native_id, group.is_group, group.messages.num_rows) == \
        ("wechat", "心内科患者交流群", GROUP_ID, True, 21)
    assert (private.name, private.native_id, private.is_group, private.messages.num_rows) == \
        ("护士小周", "wxid_zhou_hs", False, 2)


def test_json_counts_senders_notices_and_times(json_conversations):
    rows = rows_of(json_conversations[0])
    assert len({r[S.SENDER_ID] for r in rows if r[S.SENDER_ID]}) == 9
    assert [(r[S.KIND], r[S.EVENT_MEMBERS]) for r in rows if r[S.SENDER_ID] is None] == [
        ("join", ["钱叔叔"]), ("leave", ["养生小美"]), ("recall", ["老陈"])]
    assert rows[0][S.TS] == utc(2024, 3, 20, 5, 30, 0)
    assert rows[-1][S.TS] == utc(2024, 3, 20, 8, 30, 0)


def test_json_message_id_is_the_seq(json_conversations):
    rows = rows_of(json_conversations[0])
    assert rows[0][S.MSG_ID] == "1710912600000"
    assert all(r[S.MSG_ID] for r in rows)
    assert all(r[S.SOURCE_LINE] is None for r in rows)


def test_json_kinds_come_from_type_codes(json_conversations):
    rows = rows_of(json_conversations[0])
    assert Counter(r[S.KIND] for r in rows) == Counter(
        text=10, join=1, leave=1, recall=1, image=1, file=1, transfer=1, red_packet=1, sticker=1, link=1,
        voice=1, pat=1)
    pat = next(r for r in rows if r[S.KIND] == "pat")
    assert (pat[S.SENDER_ID], pat[S.EVENT_MEMBERS]) == ("wxid_chenlao58", ["老陈", "心内科-王医生"])
    assert pat[S.EXTRA] == {"type": 49, "sub_type": 62}


def test_json_media_without_content_get_chatlogs_placeholders(json_conversations):
    rows = rows_of(json_conversations[0])
    texts = {r[S.KIND]: r[S.TEXT] for r in rows if r[S.KIND] not in ("text",)}
    assert texts["image"] == "[图片]"
    assert texts["red_packet"] == "[红包]"
    assert texts["link"] == "[链接|高血压患者家庭血压监测指南](https://mp.weixin.qq.com/s?__biz=MzA5NjQ2&mid=2650&idx=1)"
    announcement = next(r for r in rows if r[S.EXTRA].get("announcement"))
    assert (announcement[S.TEXT], announcement[S.KIND]) == ("[群公告]", "text")


def test_json_quote_comes_from_the_referred_message(json_conversations):
    (reply,) = [r for r in rows_of(json_conversations[0]) if r[S.QUOTE_TEXT]]
    assert reply[S.TEXT] == "可以，氨氯地平作用时间长，每天固定时间吃就行。"
    assert (reply[S.QUOTE_SENDER], reply[S.QUOTE_TEXT]) == ("wxid_zhangay1960", "王医生，我吃的是氨氯地平，晚上吃可以吗？")
    assert reply[S.QUOTE_TS] == utc(2024, 3, 20, 6, 20, 45)
    assert reply[S.REPLY_TO] is None


def test_json_own_messages_keep_the_wxid_and_are_marked(json_conversations):
    group_file = next(r for r in rows_of(json_conversations[0]) if r[S.EXTRA].get("is_self"))
    assert (group_file[S.SENDER_ID], group_file[S.SENDER_NAME], group_file[S.TEXT]) == \
        ("wxid_yyzs_xnk", "运营助手-小安", "[文件|讲座课件-高血压用药.pdf]")
    private_reply = rows_of(json_conversations[1])[1]
    assert (private_reply[S.SENDER_ID], private_reply[S.SENDER_NAME]) == ("wxid_yyzs_xnk", "我")


def test_json_mentions_and_multiline_text(json_conversations):
    rows = rows_of(json_conversations[0])
    assert [r[S.MENTIONS] for r in rows if r[S.MENTIONS]] == [["钱叔叔"], ["心内科-王医生"]]
    assert rows[3][S.TEXT].split("\n") == ["讲座开始了，今天讲三点：", "1. 降压药早上吃还是晚上吃", "2. 漏服了怎么办",
                                           "3. 血压正常了能不能自己停药"]


def _json_message(**changes) -> dict:
    message = {"seq": 1710912600000, "time": "2024-03-20T13:30:00+08:00", "talker": "1@chatroom",
               "talkerName": "群", "isChatRoom": True, "sender": "wxid_a", "senderName": "王", "isSelf": False,
               "type": 1, "subType": 0, "content": "早"}
    message.update(changes)
    return message


def test_json_packed_wechat4_type_is_unpacked(tmp_path):
    packed = (57 << 32) | 49
    refer = {"seq": 0, "time": "2024-03-20T13:00:00+08:00", "sender": "wxid_b", "senderName": "李", "type": 1,
             "subType": 0, "content": "原话"}
    path = write(tmp_path, json.dumps([_json_message(type=packed, content="回复", contents={"refer": refer})]), "c.json")
    (row,) = rows_of(parse(path, chatlog.ChatlogJsonImporter())[0])
    assert (row[S.KIND], row[S.QUOTE_SENDER], row[S.QUOTE_TEXT]) == ("text", "wxid_b", "原话")
    assert row[S.EXTRA]["sub_type"] == 57


# --- JSON errors ---------------------------------------------------------------------------------

def test_json_truncated_file_is_a_format_error_with_its_line(tmp_path):
    text = JSON_FILE.read_text(encoding="utf-8")
    path = write(tmp_path, text[: len(text) // 2], "c.json")
    with pytest.raises(FormatError) as e:
        parse(path, chatlog.ChatlogJsonImporter())
    assert e.value.line == 1


def test_json_object_instead_of_array_is_rejected(tmp_path):
    path = write(tmp_path, json.dumps({"items": [_json_message()]}), "c.json")
    with pytest.raises(FormatError, match="array"):
        parse(path, chatlog.ChatlogJsonImporter())


def test_json_message_without_time_names_the_message(tmp_path):
    path = write(tmp_path, json.dumps([_json_message(), _json_message(time=None)]), "c.json")
    with pytest.raises(FormatError, match="message #2"):
        parse(path, chatlog.ChatlogJsonImporter())


def test_json_impossible_date_is_a_format_error(tmp_path):
    path = write(tmp_path, json.dumps([_json_message(time="2024-13-20T13:30:00+08:00")]), "c.json")
    with pytest.raises(FormatError, match="message #1"):
        parse(path, chatlog.ChatlogJsonImporter())


def test_json_non_integer_type_is_a_format_error(tmp_path):
    path = write(tmp_path, json.dumps([_json_message(type="1")]), "c.json")
    with pytest.raises(FormatError, match="integers"):
        parse(path, chatlog.ChatlogJsonImporter())


def test_json_nested_too_deeply_is_a_format_error(tmp_path):
    path = write(tmp_path, "[" * 100_000 + "]" * 100_000, "c.json")
    with pytest.raises(FormatError):
        parse(path, chatlog.ChatlogJsonImporter())


# --- plain text ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def text_rows() -> list[dict]:
    (conversation,) = parse(TEXT_FILE, chatlog.ChatlogTextImporter())
    return rows_of(conversation)


def test_text_without_talker_marks_is_one_group_named_after_the_file_without_its_date():
    (conversation,) = parse(TEXT_FILE, chatlog.ChatlogTextImporter())
    assert (conversation.platform, conversation.name, conversation.native_id, conversation.is_group) == \
        ("wechat", "心内科患者交流群", None, True)
    assert conversation.messages.schema == S.PARSED_SCHEMA


def test_text_counts_messages_senders_and_notices(text_rows):
    assert len(text_rows) == 23
    assert len({r[S.SENDER_ID] for r in text_rows if r[S.SENDER_ID]}) == 11
    notices = [(r[S.KIND], r[S.EVENT_MEMBERS]) for r in text_rows if r[S.SENDER_ID] is None]
    assert notices == [("join", ["钱叔叔"]), ("recall", ["养生小美"]), ("leave", ["养生小美"]),
                       ("pat", ["钱叔叔", "护士小周"])]
    assert {r[S.SENDER_NAME] for r in text_rows if r[S.SENDER_ID] is None} == {"系统消息"}


def test_text_clock_times_take_their_date_from_the_file_name(text_rows):
    assert text_rows[0][S.TS] == utc(2024, 3, 20, 23, 45, 10)
    assert text_rows[-1][S.TS] == utc(2024, 3, 21, 13, 0, 0)


def test_text_date_option_wins_over_the_file_name():
    (conversation,) = parse(TEXT_FILE, chatlog.ChatlogTextImporter(), date=date(2024, 5, 2))
    assert conversation.messages.column(S.TS)[0].as_py() == utc(2024, 5, 1, 23, 45, 10)


def test_text_kinds_come_from_chatlog_placeholders(text_rows):
    assert Counter(r[S.KIND] for r in text_rows) == Counter(
        text=12, image=1, file=1, voice=1, transfer=1, forward=1, sticker=1, link=1, join=1, recall=1, leave=1, pat=1)


def test_text_records_start_on_their_header_line_and_keep_multiline_content(text_rows):
    assert [r[S.SOURCE_LINE] for r in text_rows[:6]] == [1, 4, 7, 10, 13, 17]
    assert text_rows[4][S.TEXT] == "#打卡 第15天\n血压 126/80，心率 70，药已吃"
    forward = next(r for r in text_rows if r[S.KIND] == "forward")
    assert forward[S.TEXT].split("\n") == ["[合并转发|护士长-李静和心内科-王医生的聊天记录]", "  心内科-王医生 2024-03-20 21:02",
                                           "  义诊需要两台血压计、一台血糖仪", "", "  护士长-李静 2024-03-20 21:05",
                                           "  好的，我找设备科借"]
    assert text_rows[text_rows.index(forward) + 1][S.SOURCE_LINE] == 66


def test_text_quote_becomes_quote_columns_dated_from_the_file(text_rows):
    (reply,) = [r for r in text_rows if r[S.QUOTE_TEXT]]
    assert reply[S.SENDER_ID] == "wxid_wangys_0921"
    assert reply[S.TEXT] == "低压92偏高，先别紧张，连续测一周，每天早晚各一次，下周门诊带记录来。"
    assert (reply[S.QUOTE_SENDER], reply[S.QUOTE_TEXT]) == ("wxid_zhaody77", "这是我今早的血压，低压有点高")
    assert reply[S.QUOTE_TS] == utc(2024, 3, 21, 0, 36, 10)


def test_text_senders_me_and_bare_wxid(text_rows):
    mine = [(r[S.SENDER_ID], r[S.SENDER_NAME], r[S.KIND]) for r in text_rows if r[S.EXTRA].get("is_self")]
    assert mine == [("name:我", "我", "file"), ("name:我", "我", "text")]
    bare = next(r for r in text_rows if r[S.SENDER_ID] == "wxid_k9m2n4p6q8")
    assert bare[S.SENDER_NAME] == "wxid_k9m2n4p6q8"
    named = next(r for r in text_rows if r[S.SENDER_ID] == "wxid_zhangay1960")
    assert named[S.SENDER_NAME] == "张阿姨(高血压)"


def test_text_mentions_and_announcement(text_rows):
    assert [r[S.MENTIONS] for r in text_rows if r[S.MENTIONS]] == [["钱叔叔"], ["wxid_k9m2n4p6q8"]]
    assert (text_rows[0][S.KIND], text_rows[0][S.EXTRA]) == ("text", {"announcement": True})
    assert all(r[S.MSG_ID] is None for r in text_rows)


def test_multi_talker_text_yields_groups_by_mark_and_private_chats_by_sender():
    group, sugar, private = parse(MULTI_TEXT_FILE, chatlog.ChatlogTextImporter())
    assert [(c.name, c.native_id, c.is_group, c.messages.num_rows) for c in (group, sugar, private)] == [
        ("心内科患者交流群", GROUP_ID, True, 4), ("内分泌科·控糖交流群（1群）", "38211904557@chatroom", True, 3),
        ("刘先生家属", "wxid_liujs2023", False, 4)]
    assert [(r[S.SENDER_ID], r[S.SENDER_NAME]) for r in rows_of(private)] == [
        ("wxid_liujs2023", "刘先生家属"), ("name:我", "运营助手-小安"), ("wxid_liujs2023", "刘先生家属"),
        ("wxid_liujs2023", "刘先生家属")]
    assert [(r[S.KIND], r[S.EVENT_MEMBERS]) for r in rows_of(sugar) if r[S.SENDER_ID] is None] == [
        ("rename", ["糖友小王"])]


def test_multi_talker_month_day_times_take_the_year_from_the_file_name():
    group = parse(MULTI_TEXT_FILE, chatlog.ChatlogTextImporter())[0]
    rows = rows_of(group)
    assert [r[S.TS] for r in (rows[0], rows[-1])] == [utc(2024, 3, 22, 0, 0, 0), utc(2024, 3, 23, 1, 15, 0)]
    assert rows[-1][S.QUOTE_TS] == utc(2024, 3, 22, 0, 0, 0)
    assert rows[-1][S.QUOTE_SENDER] == "wxid_lijing88"


def test_text_with_full_dates_needs_no_date(tmp_path):
    path = write(tmp_path, "老陈(wxid_chenlao58) 2023-12-31 23:59:00\n新年快乐\n\n"
                           "张阿姨(wxid_zhangay1960) 2024-01-01 00:00:30\n同乐同乐\n\n", "跨年.txt")
    assert detect(path).name == "chatlog-text"
    (conversation,) = parse(path, chatlog.ChatlogTextImporter())
    assert conversation.messages.column(S.TS).to_pylist() == [utc(2023, 12, 31, 15, 59, 0), utc(2023, 12, 31, 16, 0, 30)]
    assert conversation.is_group is False


def test_text_header_shaped_line_inside_content_needs_a_blank_line_before_it(tmp_path):
    path = write(tmp_path, "老陈(wxid_chenlao58) 2024-03-18 09:00:00\n门诊时间：\n周三 14:00:00\n\n", "x.txt")
    (row,) = rows_of(parse(path, chatlog.ChatlogTextImporter())[0])
    assert row[S.TEXT] == "门诊时间：\n周三 14:00:00"


def test_a_memotrace_or_weflow_txt_is_not_taken_for_chatlog_text(tmp_path):
    for text in ("2024-03-15 09:12:03 老张\n早上好\n\n", "2024-03-15 09:12:03 '老张'\n早上好\n",
                 "老张 (2024-03-15 09:12:03):早上好\n"):
        assert not chatlog.ChatlogTextImporter().sniff(take_sample(write(tmp_path, text, "x.txt")))


# --- plain text errors ----------------------------------------------------------------------------

def test_text_clock_times_without_a_date_ask_for_date(tmp_path):
    path = write(tmp_path, "\n老陈(wxid_chenlao58) 09:00:00\n早\n\n", "心内科患者交流群.txt")
    with pytest.raises(FormatError, match="--date") as e:
        parse(path, chatlog.ChatlogTextImporter())
    assert e.value.line == 2
    (conversation,) = parse(path, chatlog.ChatlogTextImporter(), date=date(2024, 3, 21))
    assert conversation.messages.column(S.TS)[0].as_py() == utc(2024, 3, 21, 1, 0, 0)


def test_text_impossible_header_date_names_its_line(tmp_path):
    path = write(tmp_path, "老陈(wxid_chenlao58) 03-18 09:00:00\n早\n\n老陈(wxid_chenlao58) 02-30 09:00:00\n早\n\n",
                 "群_2024-03-18.txt")
    with pytest.raises(FormatError, match="impossible") as e:
        parse(path, chatlog.ChatlogTextImporter())
    assert e.value.line == 4


def test_text_impossible_date_in_the_file_name_is_rejected(tmp_path):
    path = write(tmp_path, "老陈(wxid_chenlao58) 09:00:00\n早\n\n", "群_2024-13-01.txt")
    with pytest.raises(FormatError, match="file name"):
        parse(path, chatlog.ChatlogTextImporter())


def test_text_that_does_not_start_with_a_header_is_rejected_at_that_line(tmp_path):
    path = write(tmp_path, "\n\n聊天记录\n老陈(wxid_chenlao58) 09:00:00\n早\n", "群_2024-03-18.txt")
    with pytest.raises(FormatError) as e:
        parse(path, chatlog.ChatlogTextImporter())
    assert e.value.line == 3


def test_text_truncated_inside_a_character_names_its_line(tmp_path):
    data = TEXT_FILE.read_bytes()
    cut = data.index("纳豆".encode()) + 1  # inside the first character of line 39
    path = tmp_path / "心内科患者交流群_2024-03-21.txt"
    path.write_bytes(data[:cut])
    with pytest.raises(FormatError) as e:
        parse(path, chatlog.ChatlogTextImporter())
    assert e.value.line == 39
