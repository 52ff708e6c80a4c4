"""OneBot 11 dumps: bot-logger JSON Lines, NapCat history responses, QCE V3 napcat_ records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import utc

from grouplens import importers
from grouplens import schema as S
from grouplens.errors import FormatError
from grouplens.importers.base import ParseOptions
from grouplens.importers.qq.onebot import parse_cq

SAMPLES = Path(__file__).parent.parent / "sample_logs"
JSONL = SAMPLES / "onebot-json" / "napcat_873214560_20250614.jsonl"
HISTORY = SAMPLES / "onebot-json-history" / "get_group_msg_history_596310248.json"
NAPCAT = SAMPLES / "onebot-json-napcat" / "group_640028117_20250815_103512.json"


def parse(path: Path) -> list[importers.ParsedConversation]:
    return list(importers.get("onebot-json").parse(path, ParseOptions()))


def rows(path: Path) -> list[dict]:
    (conversation,) = parse(path)
    return conversation.messages.to_pylist()


def by_id(messages: list[dict], msg_id: str) -> dict:
    return next(m for m in messages if m[S.MSG_ID] == msg_id)


def extra(message: dict) -> dict:
    return json.loads(message[S.EXTRA]) if message[S.EXTRA] else {}


def ob_message(message_id: int, user_id: int, text: str, *, time: int = 1749866400, group_id: int | None = 700100200,
               **fields) -> dict:
    """A OneBot group message as NapCat reports it, with an array of segments."""
    message = {"self_id": 10000001, "user_id": user_id, "time": time, "message_id": message_id,
               "message_type": "group" if group_id else "private",
               "sender": {"user_id": user_id, "nickname": f"用户{user_id}", "card": "", "role": "member"},
               "raw_message": text, "sub_type": "normal", "message": [{"type": "text", "data": {"text": text}}],
               "message_format": "array", "post_type": "message"}
    if group_id:
        message["group_id"] = group_id
    return message | fields


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


# --- detection --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [JSONL, HISTORY, NAPCAT])
def test_every_fixture_is_detected_as_onebot_json_and_nothing_else(path: Path) -> None:
    assert [i.name for i in importers.sniff(path)] == ["onebot-json"]
    assert importers.detect(path).name == "onebot-json"


def test_qce_json_exports_are_left_to_the_qce_importer() -> None:
    for path in (SAMPLES / "qce-json").iterdir():
        assert [i.name for i in importers.sniff(path)] == ["qce-json"]


# --- a bot logger's JSON Lines -----------------------------------------------------------------------

def test_the_bot_log_counts_and_time_range() -> None:
    (conversation,) = parse(JSONL)
    messages = conversation.messages.to_pylist()
    kinds = [m[S.KIND] for m in messages]
    assert (conversation.name, conversation.native_id) == ("鲜果园水果店·会员福利群", "873214560")
    assert conversation.is_group
    assert len(messages) == 21
    assert sum(m[S.MSG_ID] is not None for m in messages) == 17
    assert len({m[S.SENDER_ID] for m in messages if m[S.SENDER_ID]}) == 7
    assert [kinds.count(k) for k in ("join", "leave", "recall", "pat")] == [1, 1, 1, 1]
    assert [kinds.count(k) for k in ("text", "sticker", "voice", "link", "file", "video")] == [10, 3, 1, 1, 1, 1]
    assert sum(m[S.REPLY_TO] is not None for m in messages) == 1
    assert messages[0][S.TS] == utc(2025, 6, 14, 1, 58, 12)
    assert messages[-1][S.TS] == utc(2025, 6, 14, 10, 2, 47)


def test_heartbeats_and_lifecycle_events_are_skipped_with_a_warning() -> None:
    (conversation,) = parse(JSONL)
    assert conversation.warnings == [
        "napcat_873214560_20250614.jsonl: skipped 2 OneBot events that are neither messages nor "
        "membership/recall/poke notices"]


def test_source_lines_are_the_jsonl_lines() -> None:
    messages = rows(JSONL)
    assert [m[S.SOURCE_LINE] for m in messages[:3]] == [2, 3, 4]
    assert messages[-1][S.SOURCE_LINE] == 23


def test_names_are_the_group_card_else_the_nickname() -> None:
    messages = rows(JSONL)
    assert by_id(messages, "1846502771")[S.SENDER_NAME] == "店长-阿芬"
    assert by_id(messages, "-2104567890")[S.SENDER_NAME] == "橙子妈妈"  # empty card


def test_at_segments_render_as_names_known_in_the_dump_and_become_mentions() -> None:
    messages = rows(JSONL)
    welcome = by_id(messages, "1846502771")
    assert welcome[S.TEXT] == "@橙子妈妈 欢迎新朋友～进群请先看群公告，每天上午10点发当日特价🍓"
    assert welcome[S.MENTIONS] == ["橙子妈妈"]
    assert by_id(messages, "-388120574")[S.MENTIONS] == ["全体成员"]


def test_a_reply_segment_points_at_the_quoted_message_id() -> None:
    messages = rows(JSONL)
    reply = by_id(messages, "1390872255")
    assert (reply[S.REPLY_TO], reply[S.TEXT]) == ("-2104567890", "在群里接龙就行，下午4点统一配送")
    assert by_id(messages, reply[S.REPLY_TO])[S.SENDER_NAME] == "橙子妈妈"


def test_segments_render_with_qq_placeholders_and_file_names() -> None:
    messages = rows(JSONL)
    offer = by_id(messages, "622139084")
    assert offer[S.TEXT] == "[图片]今日特价：阳光玫瑰 29.9/斤，丹东草莓 39.9/盒\n数量有限，先到先得"
    assert (offer[S.KIND], extra(offer)["files"]) == ("text", ["8F2C6A1D4B3E5F70.jpg"])
    assert [(by_id(messages, i)[S.TEXT], by_id(messages, i)[S.KIND]) for i in
            ("-1530299147", "-67340219", "918273645", "745120336", "-1765409312", "1654028837")] == [
        ("[表情]", "sticker"), ("[比心]", "sticker"), ("[动画表情]", "sticker"), ("[语音]", "voice"),
        ("[文件:配送地址表.xlsx]", "file"), ("[QQ小程序]鲜果园下单", "link")]


def test_notices_become_events_naming_qq_numbers() -> None:
    notices = [m for m in rows(JSONL) if m[S.MSG_ID] is None]
    assert [(m[S.KIND], m[S.EVENT_MEMBERS]) for m in notices] == [
        ("join", ["2233445566"]), ("recall", ["1357924680"]), ("leave", ["9988776655"]),
        ("pat", ["2233445566", "1357924680"])]
    assert all(m[S.SENDER_ID] is None and m[S.SENDER_NAME] == "系统消息" and m[S.TEXT] is None for m in notices)


def test_a_recalled_message_keeps_its_text_and_is_marked() -> None:
    ad = by_id(rows(JSONL), "483920517")
    assert (ad[S.KIND], extra(ad)["recalled"]) == ("text", True)
    assert ad[S.TEXT].startswith("进口车厘子批发")


def test_anonymous_members_are_keyed_by_their_anonymous_name() -> None:
    anonymous = by_id(rows(JSONL), "1022840093")
    assert (anonymous[S.SENDER_ID], anonymous[S.SENDER_NAME]) == ("name:匿名的西瓜", "匿名的西瓜")
    assert extra(anonymous)["anonymous"] is True


def test_roles_and_the_accounts_own_messages_go_to_extra() -> None:
    messages = rows(JSONL)
    assert extra(by_id(messages, "1390872255"))["role"] == "admin"
    own = by_id(messages, "-1201443658")
    assert (own[S.SENDER_ID], extra(own)["is_sender"]) == ("3141592653", True)
    assert sum("is_sender" in extra(m) for m in messages) == 1


# --- a saved get_group_msg_history response (CQ-code strings) --------------------------------------

def test_a_history_response_with_cq_code_strings() -> None:
    (conversation,) = parse(HISTORY)
    messages = conversation.messages.to_pylist()
    assert (conversation.name, conversation.native_id) == ("少儿编程·周末班家长群", "596310248")
    assert len(messages) == 8
    assert len({m[S.SENDER_ID] for m in messages}) == 4
    assert messages[0][S.TS] == utc(2025, 3, 8, 0, 30, 0)
    assert messages[-1][S.TS] == utc(2025, 3, 8, 2, 40, 0)
    question = by_id(messages, "860215579")
    assert question[S.TEXT] == "@林老师(助教) 林老师，朵朵上周的作业[Scratch]文件提交到哪里？"  # &#91; &#93; decoded
    assert question[S.MENTIONS] == ["林老师(助教)"]
    answer = by_id(messages, "-402956118")
    assert answer[S.REPLY_TO] == "860215579"
    assert answer[S.TEXT] == "传到班级群文件“第5课作业”文件夹，文件名写孩子名字&课次"  # &amp; decoded
    assert by_id(messages, "-1129874465")[S.TEXT] == "小宇的作品，老师帮忙看看[表情]"


def test_pretty_printed_messages_get_the_line_they_start_on() -> None:
    lines = HISTORY.read_text(encoding="utf-8").split("\n")
    messages = rows(HISTORY)
    assert [m[S.SOURCE_LINE] for m in messages[:2]] == [6, 30]
    assert all(lines[m[S.SOURCE_LINE] - 1].strip() == "{" for m in messages)
    assert all(f'"message_id": {m[S.MSG_ID]},' in lines[m[S.SOURCE_LINE] + 3] for m in messages)


# --- QQChatExporter V3 (napcat_ fields) ------------------------------------------------------------

def test_qce_v3_records_are_read_through_their_napcat_fields() -> None:
    (conversation,) = parse(NAPCAT)
    messages = conversation.messages.to_pylist()
    assert (conversation.name, conversation.native_id) == ("安心宠物医院·猫咪健康交流群", "640028117")
    assert len(messages) == 7
    assert len({m[S.SENDER_ID] for m in messages}) == 4
    assert messages[0][S.TS] == utc(2025, 8, 12, 12, 0, 5)
    assert messages[-1][S.TS] == utc(2025, 8, 13, 1, 0, 0)
    assert by_id(messages, "1516024907")[S.TEXT] == "报名+橘子 <2岁>"  # Go's \u003c escapes
    assert by_id(messages, "1516024907")[S.SENDER_NAME] == "橘座"
    advice = by_id(messages, "385506674")
    assert advice[S.REPLY_TO] == "-1940662213"
    assert advice[S.MENTIONS] == ["布偶-咪咪"]
    assert advice[S.TEXT].split("\n") == ["@布偶-咪咪 夏秋换毛季掉毛多是正常的", "每天梳毛，多补充点卵磷脂",
                                          "如果有秃斑或者皮屑再带来看看"]
    assert extra(messages[-1])["is_sender"] is True


def test_a_qce_v3_record_without_raw_response_still_reads(tmp_path: Path) -> None:
    record = {"id": 1, "napcat_self_id": 5, "napcat_user_id": 42, "napcat_time": 1755000005, "napcat_message_id": 99,
              "napcat_group_id": 640028117, "message_type": "group", "raw_message": "[CQ:face,id=66]",
              "sender_data": json.dumps({"user_id": 42, "nickname": "阿猫", "card": ""}), "message_content": ""}
    path = tmp_path / "v3.json"
    path.write_text(json.dumps({"export_version": "3.0.0", "messages": [record]}), encoding="utf-8")
    (message,) = rows(path)
    assert (message[S.MSG_ID], message[S.SENDER_ID], message[S.SENDER_NAME], message[S.TEXT], message[S.KIND]) == (
        "99", "42", "阿猫", "[表情]", "sticker")


# --- shapes and variants ----------------------------------------------------------------------------

@pytest.mark.parametrize("wrap", [lambda ms: ms, lambda ms: {"messages": ms}, lambda ms: {"data": {"messages": ms}},
                                  lambda ms: {"status": "ok", "data": ms}])
def test_every_wrapper_shape_reads_the_same_messages(tmp_path: Path, wrap) -> None:
    path = tmp_path / "dump.json"
    path.write_text(json.dumps(wrap([ob_message(1, 11, "早"), ob_message(2, 12, "早上好")]), ensure_ascii=False),
                    encoding="utf-8")
    messages = rows(path)
    assert [(m[S.MSG_ID], m[S.TEXT]) for m in messages] == [("1", "早"), ("2", "早上好")]
    assert all(m[S.SOURCE_LINE] is None for m in messages)  # a one-line file


def test_groups_and_private_chats_in_one_log_are_separate_conversations(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "log.jsonl", [
        ob_message(1, 11, "群一", group_id=700100200, group_name="一群"), ob_message(2, 12, "群二", group_id=700100300),
        ob_message(3, 11, "私聊", group_id=None), ob_message(4, 10000001, "回你", group_id=None, target_id=11)])
    conversations = parse(path)
    assert [(c.native_id, c.name, c.is_group, c.messages.num_rows) for c in conversations] == [
        ("700100200", "一群", True, 1), ("700100300", "700100300", True, 1), ("11", "用户11", False, 2)]


def test_cq_codes_are_split_into_segments_with_their_escapes_undone() -> None:
    assert parse_cq("[CQ:reply,id=-12]看这个[CQ:image,file=a.jpg,url=https://x/y?a=1&#44;2]&#91;旧&#93;&amp;") == [
        ("reply", {"id": "-12"}), ("text", {"text": "看这个"}), ("image", {"file": "a.jpg", "url": "https://x/y?a=1,2"}),
        ("text", {"text": "[旧]&"})]


def test_cards_locations_and_forwards_have_their_kinds(tmp_path: Path) -> None:
    contact = json.dumps({"app": "com.tencent.contact.lua", "prompt": "推荐联系人：阿杰"}, ensure_ascii=False)
    records = [ob_message(1, 11, "", message=[{"type": "json", "data": {"data": contact}}]),
               ob_message(2, 11, "", message=[{"type": "location", "data": {"lat": "31.2", "lon": "121.4",
                                                                            "title": "人民广场"}}]),
               ob_message(3, 11, "", message=[{"type": "forward", "data": {"id": "7301"}}])]
    messages = rows(write_jsonl(tmp_path / "log.jsonl", records))
    assert [(m[S.TEXT], m[S.KIND]) for m in messages] == [
        ("推荐联系人：阿杰", "card"), ("[位置:人民广场]", "location"), ("[聊天记录]", "forward")]


# --- bad input ------------------------------------------------------------------------------------

def test_a_truncated_jsonl_line_is_an_error_at_that_line(tmp_path: Path) -> None:
    lines = JSONL.read_text(encoding="utf-8").split("\n")
    cut = tmp_path / "cut.jsonl"
    cut.write_text("\n".join(lines[:6]) + "\n" + lines[6][:40], encoding="utf-8")
    with pytest.raises(FormatError, match="malformed JSON") as e:
        parse(cut)
    assert e.value.line == 7


def test_a_truncated_json_document_is_an_error_with_its_line(tmp_path: Path) -> None:
    text = HISTORY.read_text(encoding="utf-8")
    cut = tmp_path / "cut.json"
    cut.write_text(text[:text.index('"message_id": 557301846')], encoding="utf-8")
    with pytest.raises(FormatError, match="malformed JSON") as e:
        parse(cut)
    assert e.value.line == cut.read_text(encoding="utf-8").count("\n") + 1


def test_a_json_value_of_the_wrong_shape_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('{"status": "ok", "data": {"count": 3}}', encoding="utf-8")
    with pytest.raises(FormatError, match="expected a JSON array of OneBot messages") as e:
        parse(path)
    assert e.value.line == 1


def test_a_record_that_is_not_an_object_is_an_error_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('[\n  {"message_id": 1, "user_id": 2, "time": 1749866400, "raw_message": "早"},\n  [1, 2]\n]',
                    encoding="utf-8")
    with pytest.raises(FormatError, match="expected a OneBot message object") as e:
        parse(path)
    assert e.value.line == 3


def test_a_message_without_a_time_is_an_error_at_its_line(tmp_path: Path) -> None:
    broken = ob_message(2, 12, "早上好")
    del broken["time"]
    path = write_jsonl(tmp_path / "log.jsonl", [ob_message(1, 11, "早"), broken])
    with pytest.raises(FormatError, match="without a time") as e:
        parse(path)
    assert e.value.line == 2


def test_an_unreadable_time_is_an_error(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "log.jsonl", [ob_message(1, 11, "早", time="下午三点")])
    with pytest.raises(FormatError) as e:
        parse(path)
    assert e.value.line == 1


def test_absurdly_nested_json_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(FormatError, match="nested"):
        parse(path)
