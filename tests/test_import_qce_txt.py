"""QQChatExporter text exports: message blocks, trailing 回复/提及/资源 lines, name-keyed senders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import utc

from grouplens import importers
from grouplens import schema as S
from grouplens.errors import FormatError
from grouplens.importers.base import ParseOptions

SAMPLES = Path(__file__).parent.parent / "sample_logs"
GROUP = SAMPLES / "qce-txt" / "考研英语·每日打卡3群.txt"
PRIVATE = SAMPLES / "qce-txt-ts" / "小鹿同学.txt"
HEADER = ("[QQChatExporter V5 / https://github.com/shuakami/qq-chat-exporter]\n"
          "[本软件是免费的开源项目~ 如果您是买来的，请立即退款！如果有帮助到您，欢迎给我点个Star~]\n\n"
          "===============================================\n           QQ聊天记录导出文件\n"
          "===============================================\n\n"
          "聊天名称: 测试群\n聊天类型: 群聊\n导出时间: 2026-01-03 10:00:00\n\n\n")
FOOTER = ("\n\n===============================================\n              导出完成\n"
          "===============================================\n总计导出 {n} 条消息\n导出时间: 2026-01-03 10:00:00")


def parse(path: Path) -> importers.ParsedConversation:
    (conversation,) = importers.get("qce-txt").parse(path, ParseOptions())
    return conversation


def rows(path: Path) -> list[dict]:
    return parse(path).messages.to_pylist()


def by_text(messages: list[dict], start: str) -> dict:
    return next(m for m in messages if (m[S.TEXT] or "").startswith(start))


def extra(message: dict) -> dict:
    return json.loads(message[S.EXTRA]) if message[S.EXTRA] else {}


def write_export(path: Path, blocks: list[str], *, total: int | None = None) -> Path:
    """A QCE text export holding these message blocks (each 'sender:\\n时间: …\\n内容: …')."""
    path.write_text(HEADER + "\n\n\n".join(blocks) + FOOTER.format(n=len(blocks) if total is None else total),
                    encoding="utf-8")
    return path


# --- detection --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [GROUP, PRIVATE])
def test_both_fixtures_are_detected_as_qce_txt_and_nothing_else(path: Path) -> None:
    assert [i.name for i in importers.sniff(path)] == ["qce-txt"]
    assert importers.detect(path).name == "qce-txt"


# --- the group fixture ----------------------------------------------------------------------------

def test_the_group_export_counts_and_time_range() -> None:
    conversation = parse(GROUP)
    messages = conversation.messages.to_pylist()
    kinds = [m[S.KIND] for m in messages]
    assert (conversation.name, conversation.is_group, conversation.native_id) == ("考研英语·每日打卡3群", True, None)
    assert len(messages) == 21
    assert len({m[S.SENDER_ID] for m in messages if m[S.SENDER_ID]}) == 6
    assert sum(m[S.SENDER_ID] is None for m in messages) == 4
    assert [kinds.count(k) for k in ("join", "leave", "recall", "pat")] == [1, 1, 1, 1]
    assert [kinds.count(k) for k in ("image", "red_packet", "file", "text")] == [1, 1, 1, 14]
    assert sum(m[S.QUOTE_TEXT] is not None for m in messages) == 2
    assert messages[0][S.TS] == utc(2025, 9, 5, 23, 58, 40)  # 2025-09-06 07:58:40 in Asia/Shanghai
    assert messages[-1][S.TS] == utc(2025, 9, 8, 13, 47, 3)


def test_members_are_keyed_by_name_and_the_conversation_warns_about_it() -> None:
    conversation = parse(GROUP)
    senders = {m[S.SENDER_ID] for m in conversation.messages.to_pylist() if m[S.SENDER_ID]}
    assert senders == {"name:林老师", "name:小鹿同学", "name:助教-阿May", "name:二战上岸冲冲冲", "name:考研资料小王",
                       "name:夜猫子-阿哲"}
    assert len(conversation.warnings) == 1
    assert "keyed by display name" in conversation.warnings[0] and "JSON" in conversation.warnings[0]


def test_group_titles_are_moved_out_of_the_name() -> None:
    messages = rows(GROUP)
    owner = by_text(messages, "欢迎新同学")
    assert (owner[S.SENDER_NAME], extra(owner)) == ("林老师", {"title": "群主"})
    assert extra(by_text(messages, "【群公告】")) == {"title": "管理员"}


def test_content_keeps_its_lines_and_the_mention_list_is_read() -> None:
    messages = rows(GROUP)
    welcome = by_text(messages, "欢迎新同学")
    assert welcome[S.TEXT] == "欢迎新同学 @小鹿同学 ！\n入群请改备注：25考研-本科院校-目标院校\n每天晚上9点前在群里打卡"
    assert welcome[S.MENTIONS] == ["小鹿同学"]
    assert by_text(messages, "@林老师 @助教-阿May")[S.MENTIONS] == ["林老师", "助教-阿May"]
    assert by_text(messages, "打卡 Day5")[S.TEXT] == "打卡 Day5：\n1. 单词 Unit7\n2. 长难句 5 句\n3. 真题 2012 Text2"


def test_a_reply_line_gives_the_quoted_sender_text_and_time() -> None:
    answer = by_text(rows(GROUP), "[回复消息]每天3-5句")
    assert answer[S.TEXT] == "[回复消息]每天3-5句就够，关键是拆分结构后自己复述一遍"
    assert (answer[S.QUOTE_SENDER], answer[S.QUOTE_TEXT]) == ("二战上岸冲冲冲", "请问老师，长难句每天练多少句合适？")
    assert answer[S.QUOTE_TS] == utc(2025, 9, 6, 1, 30)  # "09-06 09:30", the year taken from the reply
    assert answer[S.REPLY_TO] is None and answer[S.MSG_ID] is None


def test_resource_lines_give_file_names_and_placeholders_the_kind() -> None:
    messages = rows(GROUP)
    photo = by_text(messages, "[图片:E3B0")
    assert (photo[S.KIND], extra(photo)) == ("image", {"files": ["E3B0C44298FC1C14.jpg"]})
    assert by_text(messages, "[文件:长难句笔记.pdf]")[S.KIND] == "file"
    homework = by_text(messages, "[图片:7F3A")
    assert homework[S.KIND] == "text"  # a picture with words is a text message
    assert extra(homework) == {"files": ["7F3A9C01D2E4B5A6.jpg"], "title": "群主"}


def test_system_blocks_are_notices_naming_their_members() -> None:
    notices = [m for m in rows(GROUP) if m[S.SENDER_ID] is None]
    assert [(m[S.KIND], m[S.EVENT_MEMBERS]) for m in notices] == [
        ("join", ["小鹿同学"]), ("recall", ["考研资料小王"]), ("leave", ["考研资料小王"]),
        ("pat", ["小鹿同学", "林老师"])]
    assert {m[S.SENDER_NAME] for m in notices} == {"系统消息"}


def test_source_lines_point_at_the_sender_line() -> None:
    messages = rows(GROUP)
    assert [m[S.SOURCE_LINE] for m in messages[:4]] == [16, 21, 29, 34]
    lines = GROUP.read_text(encoding="utf-8").split("\n")
    assert all(lines[m[S.SOURCE_LINE] - 1].endswith(":") for m in messages)


# --- the TypeScript exporter's private chat ------------------------------------------------------

def test_a_private_chat_with_the_typescript_exporters_fallbacks() -> None:
    conversation = parse(PRIVATE)
    messages = conversation.messages.to_pylist()
    assert (conversation.name, conversation.is_group, len(messages)) == ("小鹿同学", False, 6)
    assert [m[S.KIND] for m in messages] == ["text", "file", "sticker", "text", "text", "text"]
    assert extra(messages[1]) == {"files": ["作文模板.docx"]}
    assert messages[0][S.TS] == utc(2025, 9, 9, 2, 0, 0)
    assert messages[-1][S.TS] == utc(2025, 9, 9, 2, 10, 0)


def test_a_reply_without_a_time_has_no_quote_time() -> None:
    reply = by_text(rows(PRIVATE), "[回复消息]收到")
    assert (reply[S.QUOTE_SENDER], reply[S.QUOTE_TEXT], reply[S.QUOTE_TS]) == ("林老师", "[文件:作文模板.docx]", None)


def test_blank_lines_inside_content_stay() -> None:
    last = rows(PRIVATE)[-1]
    assert last[S.TEXT] == "我按模板写了一段：\n\nWith the rapid development of technology,\n\n老师帮我看看开头可以吗"


# --- variants written into temporary files ---------------------------------------------------------

def test_a_january_reply_quoting_december_takes_the_year_before(tmp_path: Path) -> None:
    path = write_export(tmp_path / "a.txt", ["甲:\n时间: 2026-01-02 08:00:00\n内容: [回复消息]新年好\n"
                                             "回复: 12-31 23:50 乙 - 跨年啦"])
    (message,) = rows(path)
    assert message[S.QUOTE_TS] == utc(2025, 12, 31, 15, 50)


def test_a_multi_line_quote_and_numbered_messages_with_types(tmp_path: Path) -> None:
    blocks = ["[1]\n甲:\n时间: 2026-01-02 08:00:00\n类型: text\n内容: 第一行\n第二行",
              "[2]\n乙:\n时间: 2026-01-02 08:01:00\n类型: reply\n内容: [回复消息]收到\n"
              "回复: 01-02 08:00 甲 - 第一行\n第二行"]
    path = tmp_path / "a.txt"
    path.write_text(HEADER.rstrip("\n") + "\n\n" + "\n\n\n".join(blocks) + FOOTER.format(n=2), encoding="utf-8")
    first, second = rows(path)
    assert first[S.TEXT] == "第一行\n第二行"
    assert (second[S.TEXT], second[S.QUOTE_TEXT]) == ("[回复消息]收到", "第一行\n第二行")


def test_a_message_count_that_disagrees_is_a_warning(tmp_path: Path) -> None:
    path = write_export(tmp_path / "a.txt", ["甲:\n时间: 2026-01-02 08:00:00\n内容: 早"], total=3)
    assert "says 3 messages but the file holds 1" in parse(path).warnings[-1]


# --- bad input ------------------------------------------------------------------------------------

def test_a_file_without_its_footer_is_truncated(tmp_path: Path) -> None:
    text = GROUP.read_text(encoding="utf-8")
    cut = tmp_path / "cut.txt"
    cut.write_text(text[:text.index("打卡 Day5")], encoding="utf-8")
    with pytest.raises(FormatError, match="truncated") as e:
        parse(cut)
    assert e.value.line == cut.read_text(encoding="utf-8").count("\n") + 1


def test_an_impossible_date_is_an_error_at_its_time_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text(GROUP.read_text(encoding="utf-8").replace("时间: 2025-09-06 08:02:31", "时间: 2025-13-06 08:02:31"),
                   encoding="utf-8")
    with pytest.raises(FormatError, match="impossible time '2025-13-06 08:02:31'") as e:
        parse(bad)
    assert e.value.line == 30


def test_a_relative_time_is_an_error_asking_for_full_times(tmp_path: Path) -> None:
    path = write_export(tmp_path / "a.txt", ["甲:\n时间: 3天前\n内容: 早"])
    with pytest.raises(FormatError, match="full time format"):
        parse(path)


def test_a_block_without_content_is_an_error_at_that_line(tmp_path: Path) -> None:
    path = write_export(tmp_path / "a.txt", ["甲:\n时间: 2026-01-02 08:00:00\n正文: 早"])
    with pytest.raises(FormatError, match="内容") as e:
        parse(path)
    assert e.value.line == 15  # the line where 内容: belongs


def test_a_file_with_another_first_line_is_an_error_on_line_1(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("QQ Chat Exporter Pro V3.0\n导出时间: 2025-08-01 10:00:00\n", encoding="utf-8")
    with pytest.raises(FormatError) as e:
        parse(path)
    assert e.value.line == 1
