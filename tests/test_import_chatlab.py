"""The ChatLab interchange format, JSON (WeFlow) and JSONL: what the importers read, and what they reject."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import rows_of, utc

from grouplens import schema as S
from grouplens.errors import FormatError
from grouplens.importers import detect, sniff, take_sample
from grouplens.importers.base import ParseOptions
from grouplens.importers.other import chatlab

SAMPLES = Path(__file__).parent.parent / "sample_logs"
JSON_FILE = SAMPLES / "chatlab-json" / "数据分析实战营·第3期.json"
JSONL_FILE = SAMPLES / "chatlab-jsonl" / "徒步登山爱好者交流群.jsonl"

HEADER = {"_type": "header", "chatlab": {"version": "0.0.2", "exportedAt": 1760227200},
          "meta": {"name": "测试群", "platform": "qq", "type": "group", "groupId": "738201456"}}


def message(**changes) -> dict:
    record = {"_type": "message", "sender": "1190023478", "accountName": "大熊", "timestamp": 1760144400,
              "type": 0, "content": "早"}
    record.update(changes)
    return record


def only(importer, path: Path):
    (conversation,) = importer.parse(path, ParseOptions())
    return conversation


def write_jsonl(tmp_path: Path, records: list, raw_lines: tuple[str, ...] = ()) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path = tmp_path / "chat.jsonl"
    path.write_text("\n".join([*raw_lines, *lines]), encoding="utf-8")
    return path


def write_json(tmp_path: Path, value) -> Path:
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def chatlab_document(messages: list, **meta) -> dict:
    return {"chatlab": {"version": "0.0.2", "exportedAt": 1768266000, "generator": "WeFlow"},
            "meta": {"name": "测试群", "platform": "wechat", "type": "group", **meta},
            "members": [{"platformId": "wxid_a", "accountName": "阿一"}], "messages": messages}


@pytest.fixture(scope="module")
def course():
    return only(chatlab.ChatLabJsonImporter(), JSON_FILE)


@pytest.fixture(scope="module")
def hiking():
    return only(chatlab.ChatLabJsonlImporter(), JSONL_FILE)


# --- detection ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path, fmt", [(JSON_FILE, "chatlab-json"), (JSONL_FILE, "chatlab-jsonl")])
def test_fixtures_are_detected_by_exactly_one_importer(path, fmt):
    assert detect(path).name == fmt
    assert len(sniff(path)) == 1


def test_weflow_detailed_json_with_a_session_is_not_taken_for_chatlab(tmp_path):
    path = write_json(tmp_path, {"chatlab": {"version": "0.0.2"}, "meta": {"name": "群"},
                                 "session": {"wxid": "1@chatroom"}, "messages": [{"localId": 1, "createTime": 1}]})
    assert not chatlab.ChatLabJsonImporter().sniff(take_sample(path))


def test_a_minified_chatlab_json_on_one_line_is_still_json_not_jsonl(tmp_path):
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(chatlab_document([])), encoding="utf-8")
    assert [i.name for i in sniff(path)] == ["chatlab-json"]


def test_json_whose_members_run_past_the_sniffed_bytes_is_still_detected(tmp_path):
    members = [{"platformId": f"wxid_{i}", "accountName": "成员", "avatar": "data:image/jpeg;base64," + "A" * 400}
               for i in range(400)]
    document = chatlab_document([]) | {"members": members}
    assert [i.name for i in sniff(write_json(tmp_path, document))] == ["chatlab-json"]


# --- ChatLab JSON (WeFlow) ---------------------------------------------------------------------

def test_json_conversation_comes_from_meta(course):
    assert (course.platform, course.name, course.native_id, course.is_group) == \
        ("wechat", "数据分析实战营·第3期", "39127755104@chatroom", True)
    assert course.messages.schema == S.PARSED_SCHEMA


def test_json_counts_messages_senders_notices_and_times(course):
    rows = rows_of(course)
    assert len(rows) == 22
    assert len({r[S.SENDER_ID] for r in rows if r[S.SENDER_ID]}) == 8
    assert [(r[S.KIND], r[S.EVENT_MEMBERS]) for r in rows if r[S.SENDER_ID] is None] == [
        ("join", ["苏苏"]), ("recall", ["周周"])]
    assert rows[0][S.TS] == utc(2026, 1, 12, 11, 0, 0)
    assert rows[-1][S.TS] == utc(2026, 1, 12, 14, 0, 0)


def test_json_system_messages_keep_the_exporters_sender_in_extra(course):
    notice = rows_of(course)[1]
    assert (notice[S.SENDER_NAME], notice[S.EXTRA]) == ("系统消息", {"type": 80, "sender": "39127755104@chatroom"})


def test_json_kinds_come_from_chatlab_types_and_other_from_text(course):
    rows = rows_of(course)
    assert Counter(r[S.KIND] for r in rows) == Counter(
        text=9, link=2, join=1, recall=1, image=1, sticker=1, file=1, voice=1, transfer=1, red_packet=1,
        forward=1, location=1, card=1)
    forward = next(r for r in rows if r[S.KIND] == "forward")
    assert forward[S.EXTRA] == {"type": 7, "forwarded_messages": 2, "account_name": "何小舟"}


def test_json_sender_name_is_the_group_nickname_with_the_account_name_kept(course):
    first = rows_of(course)[0]
    assert (first[S.SENDER_ID], first[S.SENDER_NAME], first[S.EXTRA]["account_name"]) == \
        ("wxid_amy_edu", "班主任-Amy", "Amy")


def test_json_without_platform_ids_has_no_message_ids(course):
    rows = rows_of(course)
    assert all(r[S.MSG_ID] is None and r[S.REPLY_TO] is None and r[S.SOURCE_LINE] is None for r in rows)


def test_json_mentions_and_multiline_text(course):
    rows = rows_of(course)
    assert [r[S.MENTIONS] for r in rows if r[S.MENTIONS]] == [["苏苏"], ["数据小白"]]
    assert rows[0][S.TEXT] == "各位同学晚上好！今晚8点第3课：pandas 分组与聚合\n上课前请先完成预习作业，腾讯会议号见群公告"


def test_json_members_become_the_roster_including_the_silent_ones(course):
    roster = course.roster.to_pylist()
    assert len(roster) == 10
    speakers = set(course.messages.column(S.SENDER_ID).to_pylist())
    assert sorted(r[S.MEMBER_ID] for r in roster if r[S.MEMBER_ID] not in speakers) == ["wxid_li_tx", "wxid_qsdm"]
    assert {r[S.MEMBER_ID]: r[S.NAME] for r in roster}["wxid_li_tx"] == "李同学-北京"
    assert {r[S.ROLE] for r in roster} == {"member"}


def test_json_private_chat_unknown_platform_and_unknown_keys(tmp_path):
    document = chatlab_document([{"sender": "u1", "accountName": "Ann", "timestamp": 1768266000, "type": 0,
                                  "content": "hi", "reactions": [{"emoji": "👍"}]}],
                                type="private", platform="telegram", sources=[{"filename": "a.json"}])
    document["chatlab"]["description"] = "merged"
    conversation = only(chatlab.ChatLabJsonImporter(), write_json(tmp_path, document))
    assert (conversation.platform, conversation.is_group, conversation.native_id) == ("other", False, None)
    assert conversation.messages.column(S.TEXT).to_pylist() == ["hi"]


def test_json_timestamps_in_milliseconds_are_accepted(tmp_path):
    document = chatlab_document([{"sender": "wxid_a", "accountName": "阿一", "timestamp": 1768266000123,
                                  "type": 0, "content": "早"}])
    conversation = only(chatlab.ChatLabJsonImporter(), write_json(tmp_path, document))
    assert conversation.messages.column(S.TS)[0].as_py() == datetime(2026, 1, 13, 1, 0, 0, 123000, tzinfo=UTC)


def test_json_null_content_stays_empty(tmp_path):
    document = chatlab_document([{"sender": "wxid_a", "accountName": "阿一", "timestamp": 1768266000,
                                  "type": 1, "content": None}])
    (row,) = rows_of(only(chatlab.ChatLabJsonImporter(), write_json(tmp_path, document)))
    assert (row[S.KIND], row[S.TEXT]) == ("image", None)


# --- ChatLab JSON errors -------------------------------------------------------------------------

def test_json_truncated_file_names_the_line(tmp_path):
    text = JSON_FILE.read_text(encoding="utf-8")
    lines = text.split("\n")
    path = tmp_path / "chat.json"
    path.write_text("\n".join(lines[:120]), encoding="utf-8")
    with pytest.raises(FormatError) as e:
        only(chatlab.ChatLabJsonImporter(), path)
    assert e.value.line == 120


def test_json_messages_that_are_not_an_array_are_rejected(tmp_path):
    document = chatlab_document([]) | {"messages": {"0": {}}}
    with pytest.raises(FormatError, match="arrays"):
        only(chatlab.ChatLabJsonImporter(), write_json(tmp_path, document))


def test_json_top_level_array_is_rejected(tmp_path):
    with pytest.raises(FormatError, match="chatlab"):
        only(chatlab.ChatLabJsonImporter(), write_json(tmp_path, [chatlab_document([])]))


def test_json_message_without_a_type_names_the_message(tmp_path):
    document = chatlab_document([{"sender": "wxid_a", "accountName": "阿一", "timestamp": 1768266000, "type": 0,
                                  "content": "早"},
                                 {"sender": "wxid_a", "accountName": "阿一", "timestamp": 1768266001, "content": "x"}])
    with pytest.raises(FormatError, match=r"messages\[1\]"):
        only(chatlab.ChatLabJsonImporter(), write_json(tmp_path, document))


def test_json_nested_too_deeply_is_a_format_error(tmp_path):
    path = tmp_path / "chat.json"
    path.write_text('{"chatlab": {}, "meta": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    with pytest.raises(FormatError):
        only(chatlab.ChatLabJsonImporter(), path)


# --- ChatLab JSONL (a QQ group) ----------------------------------------------------------------

def test_jsonl_conversation_comes_from_the_header(hiking):
    assert (hiking.platform, hiking.name, hiking.native_id, hiking.is_group) == \
        ("qq", "徒步登山爱好者交流群", "738201456", True)


def test_jsonl_counts_messages_senders_notices_and_times(hiking):
    rows = rows_of(hiking)
    assert len(rows) == 21
    assert len({r[S.SENDER_ID] for r in rows if r[S.SENDER_ID]}) == 6
    assert [(r[S.KIND], r[S.EVENT_MEMBERS]) for r in rows if r[S.SENDER_ID] is None] == [
        ("join", ["小鹿-新人"]), ("system", [])]
    assert rows[0][S.TS] == utc(2025, 10, 11, 1, 0, 0)
    assert rows[-1][S.TS] == utc(2025, 10, 11, 14, 0, 0)


def test_jsonl_kinds_include_chatlabs_interaction_types(hiking):
    rows = rows_of(hiking)
    assert Counter(r[S.KIND] for r in rows) == Counter(
        text=9, join=1, system=1, sticker=1, image=1, file=1, location=1, pat=1, red_packet=1, recall=1,
        transfer=1, link=1, forward=1)
    recall = next(r for r in rows if r[S.KIND] == "recall")
    assert (recall[S.SENDER_ID], recall[S.EVENT_MEMBERS]) == ("2743390015", ["背包客阿飞"])


def test_jsonl_message_ids_and_reply_links_come_from_the_export(hiking):
    rows = rows_of(hiking)
    assert all(r[S.MSG_ID] for r in rows)
    (reply,) = [r for r in rows if r[S.REPLY_TO]]
    question = next(r for r in rows if r[S.MSG_ID] == reply[S.REPLY_TO])
    assert (reply[S.MSG_ID], reply[S.REPLY_TO]) == ("7559420117000000005", "7559420117000000004")
    assert question[S.TEXT] == "大家好！第一次参加，请问需要带什么装备？"
    assert reply[S.QUOTE_TEXT] is None


def test_jsonl_source_line_is_the_physical_line(hiking):
    lines = [r[S.SOURCE_LINE] for r in rows_of(hiking)]
    assert lines == list(range(9, 30))


def test_jsonl_members_become_the_roster_with_roles(hiking):
    roster = {r[S.MEMBER_ID]: r for r in hiking.roster.to_pylist()}
    assert len(roster) == 7
    assert (roster["1054872213"][S.ROLE], roster["2398761450"][S.ROLE], roster["956102337"][S.ROLE]) == \
        ("owner", "admin", "member")
    assert roster["956102337"][S.SOURCE_LINE] == 8
    assert "956102337" not in set(hiking.messages.column(S.SENDER_ID).to_pylist())


def test_jsonl_multiline_text_and_mentions(hiking):
    rows = rows_of(hiking)
    assert rows[0][S.TEXT].count("\n") == 3
    assert [r[S.MENTIONS] for r in rows if r[S.MENTIONS]] == [["小鹿-新人"]]


def test_jsonl_skips_comments_blank_lines_and_unknown_line_types(tmp_path):
    path = write_jsonl(tmp_path, [HEADER, "", {"_type": "reaction", "emoji": "👍"}, message()],
                       raw_lines=("# exported for the weekly review",))
    conversation = only(chatlab.ChatLabJsonlImporter(), path)
    assert detect(path).name == "chatlab-jsonl"
    assert conversation.messages.column(S.SOURCE_LINE).to_pylist() == [5]
    assert conversation.roster is None


def test_jsonl_weflow_streamed_header_lines_are_accepted(tmp_path):
    path = write_jsonl(tmp_path, [{"_type": "chatlab", "version": "1.0", "generator": "WeFlow"},
                                  {"_type": "meta", "name": "项目群", "platform": "wechat"},
                                  message(sender="wxid_a", platformMessageId="88")])
    assert [i.name for i in sniff(path)] == ["chatlab-jsonl"]
    conversation = only(chatlab.ChatLabJsonlImporter(), path)
    assert (conversation.platform, conversation.name) == ("wechat", "项目群")
    assert conversation.messages.column(S.MSG_ID).to_pylist() == ["88"]


def test_jsonl_with_a_bom_and_crlf_line_ends(tmp_path):
    path = tmp_path / "chat.jsonl"
    text = "\r\n".join(json.dumps(r, ensure_ascii=False) for r in (HEADER, message()))
    path.write_bytes("\ufeff".encode() + text.encode("utf-8"))
    assert detect(path).name == "chatlab-jsonl"
    assert only(chatlab.ChatLabJsonlImporter(), path).messages.num_rows == 1


# --- ChatLab JSONL errors ------------------------------------------------------------------------

def test_jsonl_truncated_last_line_names_it(tmp_path):
    text = JSONL_FILE.read_text(encoding="utf-8")
    path = tmp_path / "chat.jsonl"
    path.write_text(text[:-25], encoding="utf-8")
    with pytest.raises(FormatError) as e:
        only(chatlab.ChatLabJsonlImporter(), path)
    assert e.value.line == 29


def test_jsonl_message_before_the_header_is_an_error(tmp_path):
    with pytest.raises(FormatError) as e:
        only(chatlab.ChatLabJsonlImporter(), write_jsonl(tmp_path, [message(), HEADER]))
    assert e.value.line == 1


def test_jsonl_line_without_type_tag_names_the_line(tmp_path):
    untagged = message()
    del untagged["_type"]
    with pytest.raises(FormatError) as e:
        only(chatlab.ChatLabJsonlImporter(), write_jsonl(tmp_path, [HEADER, message(), untagged]))
    assert e.value.line == 3


def test_jsonl_line_that_is_not_an_object_names_the_line(tmp_path):
    with pytest.raises(FormatError) as e:
        only(chatlab.ChatLabJsonlImporter(), write_jsonl(tmp_path, [HEADER, "[1, 2]"]))
    assert e.value.line == 2


def test_jsonl_bad_timestamp_names_the_line(tmp_path):
    with pytest.raises(FormatError, match="timestamp") as e:
        only(chatlab.ChatLabJsonlImporter(), write_jsonl(tmp_path, [HEADER, message(), message(timestamp="昨天")]))
    assert e.value.line == 3


def test_jsonl_without_a_header_is_an_error(tmp_path):
    member = {"_type": "member", "platformId": "1", "accountName": "甲"}
    with pytest.raises(FormatError, match="header"):
        only(chatlab.ChatLabJsonlImporter(), write_jsonl(tmp_path, [member]))


def test_jsonl_deeply_nested_line_is_a_format_error(tmp_path):
    with pytest.raises(FormatError) as e:
        only(chatlab.ChatLabJsonlImporter(), write_jsonl(tmp_path, [HEADER, "[" * 100_000 + "]" * 100_000]))
    assert e.value.line == 2
