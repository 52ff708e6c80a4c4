"""WeFlow's TXT, WeClone CSV and detailed JSON: what the importers read from the fixtures, and what they reject."""

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
from grouplens.importers.wechat import weflow

SAMPLES = Path(__file__).parent.parent / "sample_logs"
TXT_FILE = SAMPLES / "weflow-txt" / "鲜果坊·滨江店会员群.txt"
CSV_FILE = SAMPLES / "weflow-csv" / "英语口语21天打卡营·第5期.csv"
JSON_FILE = SAMPLES / "weflow-json" / "宝妈育儿交流群（朝阳社区）.json"
CSV_HEADER = "\ufeffid,MsgSvrID,type_name,is_sender,talker,msg,src,CreateTime\r\n"


def parse(path: Path, importer) -> list:
    return list(importer.parse(path, ParseOptions()))


def only_rows(path: Path, importer) -> list[dict]:
    (conversation,) = parse(path, importer)
    return rows_of(conversation)


def write(tmp_path: Path, text: str, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def notices(rows: list[dict]) -> list[tuple[str, list[str]]]:
    return [(r[S.KIND], r[S.EVENT_MEMBERS]) for r in rows if r[S.SENDER_ID] is None]


# --- detection ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path, fmt", [(TXT_FILE, "weflow-txt"), (CSV_FILE, "weflow-csv"), (JSON_FILE, "weflow-json")])
def test_fixtures_are_detected_by_exactly_one_importer(path, fmt):
    assert detect(path).name == fmt
    assert len(sniff(path)) == 1


def test_a_pywxdump_csv_header_is_not_taken_for_weclone(tmp_path):
    path = write(tmp_path, "id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime\n", "x.csv")
    assert not weflow.WeFlowCsv().sniff(take_sample(path))


def test_a_memotrace_txt_is_not_taken_for_weflow_txt(tmp_path):
    path = write(tmp_path, "2024-03-15 09:12:03 老张\n早上好\n", "x.txt")
    assert not weflow.WeFlowTxt().sniff(take_sample(path))


def test_an_echotrace_json_is_not_taken_for_weflow_json(tmp_path):
    path = write(tmp_path, json.dumps({"session": {"wxid": "1@chatroom", "messageCount": 0}, "messages": []}), "x.json")
    assert not weflow.WeFlowJson().sniff(take_sample(path))


# --- TXT -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def txt_rows() -> list[dict]:
    return only_rows(TXT_FILE, weflow.WeFlowTxt())


def test_txt_is_one_group_named_after_the_file():
    (conversation,) = parse(TXT_FILE, weflow.WeFlowTxt())
    assert (conversation.platform, conversation.name, conversation.native_id, conversation.is_group) == \
        ("wechat", "鲜果坊·滨江店会员群", None, True)
    assert conversation.messages.schema == S.PARSED_SCHEMA


def test_txt_counts_messages_senders_notices_and_times(txt_rows):
    assert len(txt_rows) == 23
    assert len({r[S.SENDER_ID] for r in txt_rows if r[S.SENDER_ID]}) == 8
    assert notices(txt_rows) == [("join", ["王姐（滨江花园）"]), ("recall", ["水果批发老周"]), ("leave", ["水果批发老周"])]
    assert txt_rows[0][S.TS] == utc(2024, 5, 10, 0, 30, 0)
    assert txt_rows[-1][S.TS] == utc(2024, 5, 10, 10, 2, 11)


def test_txt_notices_signed_with_the_group_name_are_wechats_own(txt_rows):
    join = txt_rows[1]
    assert (join[S.SENDER_ID], join[S.SENDER_NAME], join[S.EXTRA]) == \
        (None, "系统消息", {"shown_sender": "鲜果坊·滨江店会员群"})


def test_txt_kinds_come_from_weflow_placeholders(txt_rows):
    assert Counter(r[S.KIND] for r in txt_rows) == Counter(
        text=11, image=1, sticker=1, join=1, recall=1, leave=1, transfer=1, link=1, video=1, location=1,
        red_packet=1, pat=1, file=1)
    assert next(r for r in txt_rows if r[S.TEXT] == "[其他消息]")[S.KIND] == "sticker"


def test_txt_names_become_ids_and_me_is_self(txt_rows):
    ids = {r[S.SENDER_NAME]: r[S.SENDER_ID] for r in txt_rows if r[S.SENDER_ID]}
    assert ids["店员小林"] == "name:店员小林"
    assert ids["wxid_8f3k2m9x1p"] == "wxid_8f3k2m9x1p"
    mine = [r[S.KIND] for r in txt_rows if r[S.EXTRA].get("is_self")]
    assert mine == ["image", "text", "red_packet"]
    assert ids["我"] == "name:我"


def test_txt_multiline_record_and_its_line(txt_rows):
    offer = txt_rows[6]
    assert offer[S.SOURCE_LINE] == 19
    assert offer[S.TEXT].split("\n")[1:4] == ["1. 丹东草莓 39.9元/3斤", "2. 海南金煌芒 12.8元/斤", "3. 智利车厘子 J级 89元/2斤"]
    assert txt_rows[7][S.SOURCE_LINE] == 26


def test_txt_pat_keeps_the_member_who_patted(txt_rows):
    pat = next(r for r in txt_rows if r[S.KIND] == "pat")
    assert (pat[S.SENDER_ID], pat[S.EVENT_MEMBERS]) == ("name:李哥", ["李哥", "鲜果坊-店长阿杰"])


def test_txt_mentions_and_announcement(txt_rows):
    assert [r[S.MENTIONS] for r in txt_rows if r[S.MENTIONS]] == [["王姐（滨江花园）"]]
    assert txt_rows[0][S.EXTRA] == {"announcement": True}
    assert all(r[S.MSG_ID] is None and r[S.QUOTE_TEXT] is None for r in txt_rows)


def test_txt_impossible_date_names_its_line(tmp_path):
    path = write(tmp_path, "2024-05-10 08:30:00 '阿杰'\n早\n\n2024-05-32 08:31:00 '阿杰'\n早\n", "群.txt")
    with pytest.raises(FormatError) as e:
        parse(path, weflow.WeFlowTxt())
    assert e.value.line == 4


def test_txt_not_starting_with_a_header_is_rejected_at_that_line(tmp_path):
    path = write(tmp_path, "\n会员群聊天记录\n2024-05-10 08:30:00 '阿杰'\n早\n", "群.txt")
    with pytest.raises(FormatError) as e:
        parse(path, weflow.WeFlowTxt())
    assert e.value.line == 2


def test_txt_truncated_inside_a_character_names_its_line(tmp_path):
    data = TXT_FILE.read_bytes()
    path = tmp_path / TXT_FILE.name
    path.write_bytes(data[:data.index("低价批发".encode()) + 2])  # line 33
    with pytest.raises(FormatError) as e:
        parse(path, weflow.WeFlowTxt())
    assert e.value.line == 33


# --- WeClone CSV ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def csv_rows() -> list[dict]:
    return only_rows(CSV_FILE, weflow.WeFlowCsv())


def test_csv_counts_messages_senders_notices_and_utc_times(csv_rows):
    assert len(csv_rows) == 20
    assert len({r[S.SENDER_ID] for r in csv_rows if r[S.SENDER_ID]}) == 6
    assert notices(csv_rows) == [("join", ["Kevin张", "Lily"]), ("recall", ["课程顾问Tina"]), ("rename", ["班主任-小雨"])]
    assert csv_rows[0][S.TS] == utc(2024, 6, 3, 0, 30, 0)
    assert csv_rows[-1][S.TS] == utc(2024, 6, 4, 13, 0, 0)


def test_csv_kinds_come_from_type_name_then_placeholders(csv_rows):
    assert Counter(r[S.KIND] for r in csv_rows) == Counter(
        text=9, voice=1, image=1, file=1, sticker=1, link=1, transfer=1, video=1, location=1, join=1, recall=1,
        rename=1)
    transfer = next(r for r in csv_rows if r[S.KIND] == "transfer")
    assert (transfer[S.TEXT], transfer[S.EXTRA]) == ("[转账] ￥50.00 第4期返学费", {"type_name": "text"})


def test_csv_row_numbers_are_not_message_ids_and_lines_count_quoted_newlines(csv_rows):
    assert all(r[S.MSG_ID] is None for r in csv_rows)
    assert [r[S.SOURCE_LINE] for r in csv_rows[4:8]] == [6, 7, 10, 11]
    assert csv_rows[5][S.TEXT] == ("Day 1 打卡✅\nI'd like to book a table for two, please.\n"
                                   "Could we have a seat by the window?")
    assert csv_rows[7][S.TEXT] == 'Great job Lily! Remember: "book a table", not "order a table".'


def test_csv_is_sender_marks_self_and_src_is_kept(csv_rows):
    mine = [(r[S.SENDER_ID], r[S.SENDER_NAME], r[S.KIND]) for r in csv_rows if r[S.EXTRA].get("is_self")]
    assert mine == [("name:我", "班主任-小雨", "text"), ("name:我", "班主任-小雨", "file")]
    assert csv_rows[4][S.EXTRA] == {"type_name": "voice", "src": "voices/2024-06/voice_1205.wav"}
    assert [r[S.MENTIONS] for r in csv_rows if r[S.MENTIONS]] == [["Kevin张", "Lily"]]


def test_csv_row_with_the_wrong_number_of_fields_names_its_line(tmp_path):
    path = write(tmp_path, CSV_HEADER + "1,1,text,0,阿杰,早,,2024-06-03T00:30:00.000Z\r\n"
                                        "2,2,text,0,阿杰,早,2024-06-03T00:31:00.000Z\r\n", "群.csv")
    with pytest.raises(FormatError) as e:
        parse(path, weflow.WeFlowCsv())
    assert e.value.line == 3


def test_csv_impossible_time_names_its_line(tmp_path):
    path = write(tmp_path, CSV_HEADER + "1,1,text,0,阿杰,早,,2024-06-31T00:30:00.000Z\r\n", "群.csv")
    with pytest.raises(FormatError) as e:
        parse(path, weflow.WeFlowCsv())
    assert e.value.line == 2


def test_csv_non_numeric_is_sender_names_its_line(tmp_path):
    path = write(tmp_path, CSV_HEADER + "1,1,text,yes,阿杰,早,,2024-06-03T00:30:00.000Z\r\n", "群.csv")
    with pytest.raises(FormatError, match="is_sender") as e:
        parse(path, weflow.WeFlowCsv())
    assert e.value.line == 2


def test_csv_truncated_inside_a_quoted_field_names_the_record_start(tmp_path):
    text = CSV_FILE.read_text(encoding="utf-8-sig")
    path = write(tmp_path, "\ufeff" + text[:text.index("I'd like")], "群.csv")
    with pytest.raises(FormatError) as e:
        parse(path, weflow.WeFlowCsv())
    assert e.value.line == 7


# --- detailed JSON -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def json_rows() -> list[dict]:
    return only_rows(JSON_FILE, weflow.WeFlowJson())


def test_json_session_gives_the_group_and_its_id():
    (conversation,) = parse(JSON_FILE, weflow.WeFlowJson())
    assert (conversation.name, conversation.native_id, conversation.is_group) == \
        ("宝妈育儿交流群（朝阳社区）", "48120039517@chatroom", True)


def test_json_counts_messages_senders_notices_and_times(json_rows):
    assert len(json_rows) == 21
    assert len({r[S.SENDER_ID] for r in json_rows if r[S.SENDER_ID]}) == 7
    assert notices(json_rows) == [("join", ["豆豆妈"]), ("recall", ["奶粉代购Linda"]), ("leave", ["奶粉代购Linda"])]
    assert json_rows[0][S.TS] == utc(2024, 7, 6, 0, 0, 12)
    assert json_rows[-1][S.TS] == utc(2024, 7, 6, 5, 0, 6)


def test_json_kinds_come_from_packed_local_types(json_rows):
    assert Counter(r[S.KIND] for r in json_rows) == Counter(
        text=8, join=1, image=1, voice=1, sticker=1, link=1, file=1, recall=1, leave=1, pat=1, transfer=1,
        red_packet=1, video=1, location=1)
    by_type = {r[S.EXTRA]["local_type"]: r[S.KIND] for r in json_rows}
    assert by_type[25769803825] == "file" and by_type[8594229559345] == "red_packet"
    assert by_type[244813135921] == "text"


def test_json_mentions_come_from_the_source_atuserlist(json_rows):
    assert [r[S.MENTIONS] for r in json_rows if r[S.MENTIONS]] == [
        ["wxid_doudouma2021"], ["wxid_xiaoyu_mom", "wxid_lele_baba"]]


def test_json_senders_are_wxids_with_display_names(json_rows):
    pat = next(r for r in json_rows if r[S.KIND] == "pat")
    assert (pat[S.SENDER_ID], pat[S.SENDER_NAME], pat[S.EVENT_MEMBERS]) == \
        ("wxid_lele_baba", "乐乐爸", ["乐乐爸", "儿科-刘医生"])
    mine = {(r[S.SENDER_ID], r[S.SENDER_NAME]) for r in json_rows if r[S.EXTRA].get("is_self")}
    assert mine == {("wxid_sq_yunying", "社区运营-小周")}


def test_json_running_numbers_are_not_kept_and_lines_are_not_given(json_rows):
    assert all(r[S.MSG_ID] is None and r[S.SOURCE_LINE] is None for r in json_rows)
    assert all("local_id" not in r[S.EXTRA] for r in json_rows)
    assert json_rows[7][S.TEXT].split("\n")[0] == "夜醒频繁常见原因："


def _json_export(*messages: dict) -> str:
    return json.dumps({"weflow": {"version": "1.0.3", "exportedAt": 1720252800, "generator": "WeFlow"},
                       "session": {"wxid": "1@chatroom", "displayName": "群", "type": "群聊"},
                       "messages": list(messages)}, ensure_ascii=False, indent=2)


def _message(**changes) -> dict:
    message = {"localId": 1, "createTime": 1720224012, "formattedTime": "2024-07-06 08:00:12", "type": "文本消息",
               "localType": 1, "content": "早", "isSend": 0, "senderUsername": "wxid_a", "senderDisplayName": "阿",
               "source": ""}
    message.update(changes)
    return message


def test_json_message_without_create_time_names_its_line(tmp_path):
    path = write(tmp_path, _json_export(_message(), _message(createTime=None)), "群.json")
    with pytest.raises(FormatError, match="message #2") as e:
        parse(path, weflow.WeFlowJson())
    assert e.value.line == 25  # message 1 spans lines 13-24


def test_json_local_type_of_the_wrong_type_is_rejected(tmp_path):
    path = write(tmp_path, _json_export(_message(localType="1")), "群.json")
    with pytest.raises(FormatError, match="localType") as e:
        parse(path, weflow.WeFlowJson())
    assert e.value.line == 13


def test_json_truncated_file_names_a_line(tmp_path):
    text = JSON_FILE.read_text(encoding="utf-8")
    path = write(tmp_path, text[: len(text) // 2], "群.json")
    with pytest.raises(FormatError) as e:
        parse(path, weflow.WeFlowJson())
    assert e.value.line == text[: len(text) // 2].count("\n") + 1


def test_json_of_the_wrong_shape_is_rejected(tmp_path):
    path = write(tmp_path, json.dumps({"weflow": {}, "session": {}, "messages": {"1": {}}}), "群.json")
    with pytest.raises(FormatError, match="messages"):
        parse(path, weflow.WeFlowJson())


def test_json_nested_too_deeply_is_a_format_error(tmp_path):
    path = write(tmp_path, '{"weflow": ' + "[" * 100_000 + "]" * 100_000 + "}", "群.json")
    with pytest.raises(FormatError):
        parse(path, weflow.WeFlowJson())
