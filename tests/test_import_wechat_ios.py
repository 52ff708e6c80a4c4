"""WechatExporter's iOS TXT: what the importer reads from the fixture (quirks included), and what it rejects."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from helpers import rows_of, utc

from grouplens import schema as S
from grouplens.errors import FormatError
from grouplens.importers import detect, sniff, take_sample
from grouplens.importers.base import ParseOptions
from grouplens.importers.wechat import ios as wechat_ios

SAMPLES = Path(__file__).parent.parent / "sample_logs"
TXT_FILE = SAMPLES / "wechatexporter-txt" / "社区团购·阳光花园3期" / "index.txt"


def parse(path: Path) -> list:
    return list(wechat_ios.WechatExporterTxt().parse(path, ParseOptions()))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "index.txt"
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    (conversation,) = parse(TXT_FILE)
    return rows_of(conversation)


# --- detection ---------------------------------------------------------------------------------

def test_fixture_is_detected_by_exactly_one_importer():
    assert detect(TXT_FILE).name == "wechatexporter-txt"
    assert len(sniff(TXT_FILE)) == 1


def test_a_title_without_message_lines_is_not_claimed(tmp_path):
    path = write(tmp_path, "周报 - 微信聊天记录\n\n本周完成了三件事\n")
    assert not wechat_ios.WechatExporterTxt().sniff(take_sample(path))


def test_a_chatlog_text_answer_is_not_claimed(tmp_path):
    path = write(tmp_path, "老张(wxid_a) 09:12:03\n早上好\n\n")
    assert not wechat_ios.WechatExporterTxt().sniff(take_sample(path))


# --- the fixture ---------------------------------------------------------------------------------

def test_title_names_the_group():
    (conversation,) = parse(TXT_FILE)
    assert (conversation.platform, conversation.name, conversation.native_id, conversation.is_group) == \
        ("wechat", "社区团购·阳光花园3期", None, True)
    assert conversation.messages.schema == S.PARSED_SCHEMA


def test_counts_messages_senders_notices_and_times(rows):
    assert len(rows) == 24
    assert len({r[S.SENDER_ID] for r in rows if r[S.SENDER_ID]}) == 6
    assert [(r[S.KIND], r[S.EVENT_MEMBERS]) for r in rows if r[S.SENDER_NAME] == "系统消息"] == [
        ("join", ["302-小赵"]), ("recall", ["外卖小哥接单"]), ("leave", ["外卖小哥接单"]), ("pat", ["302-小赵", "团长-阿芳"])]
    assert rows[0][S.TS] == utc(2024, 9, 2, 0, 0, 5)
    assert rows[-1][S.TS] == utc(2024, 9, 2, 12, 5, 0)


def test_kinds_come_from_the_exporters_placeholders(rows):
    assert Counter(r[S.KIND] for r in rows) == Counter(
        text=10, sticker=1, image=1, voice=1, location=1, transfer=2, red_packet=1, video=1, card=1, file=1,
        join=1, recall=1, leave=1, pat=1)


def test_bare_notice_lines_take_the_time_of_the_message_before(rows):
    join = rows[1]
    assert (join[S.TS], join[S.SOURCE_LINE], join[S.EXTRA]) == (utc(2024, 9, 2, 0, 0, 5), 7, {"ts_inferred": True})
    assert rows[0][S.TEXT].split("\n") == ["【今日团购】", "1. 山东烟台红富士 29.9元/5斤", "2. 内蒙古羔羊肉卷 45元/2斤",
                                           "截单时间：今晚8点，明天下午自提"]


def test_quote_block_becomes_a_reply_with_unknown_sender(rows):
    (reply,) = [r for r in rows if r[S.QUOTE_TEXT]]
    assert (reply[S.SENDER_ID], reply[S.SENDER_NAME], reply[S.TEXT]) == (None, None, "拍照发我就行，明天自提时给您补两个")
    assert (reply[S.QUOTE_SENDER], reply[S.QUOTE_TEXT]) == ("601李叔", "上次买的苹果有两个坏的，能换吗？")
    assert (reply[S.TS], reply[S.SOURCE_LINE]) == (utc(2024, 9, 2, 0, 25, 30), 16)
    assert reply[S.EXTRA] == {"sender_unknown": True, "ts_inferred": True}
    assert rows[rows.index(reply) + 1][S.SOURCE_LINE] == 19


def test_records_glued_onto_a_transfer_line_are_split(rows):
    glued = [(r[S.SENDER_NAME], r[S.KIND], r[S.TEXT], r[S.TS]) for r in rows if r[S.SOURCE_LINE] == 25]
    assert glued == [("601李叔", "transfer", "微信转账 向团长-阿芳转账", utc(2024, 9, 2, 4, 0, 0)),
                     ("团长-阿芳", "transfer", "微信转账 来自601李叔的转账 - 已收款", utc(2024, 9, 2, 4, 1, 10)),
                     ("302-小赵", "red_packet", "[红包]", utc(2024, 9, 2, 4, 30, 0))]


def test_names_are_ids_and_a_wxid_shown_as_name_is_the_id(rows):
    assert rows[0][S.SENDER_ID] == "name:团长-阿芳"
    asker = next(r for r in rows if r[S.SENDER_NAME] == "wxid_m3k8p2q9z1")
    assert (asker[S.SENDER_ID], asker[S.MENTIONS]) == ("wxid_m3k8p2q9z1", ["团长-阿芳"])
    assert all(r[S.MSG_ID] is None for r in rows)


def test_english_exports_system_prefix_and_a_notice_before_any_message(tmp_path):
    path = write(tmp_path, "Book Club - WeChat Chat History\n\n"
                           "\"Alice\" invited \"Bob\" to the group chat\n"
                           "Alice (2024-01-06 10:00:00):[Photo]\n"
                           "Bob (2024-01-06 10:01:00):[Emoji]\n"
                           "系统消息：\"Bob\"修改群名为“读书会”\n"
                           "Bob (2024-01-06 10:02:00):Weixin Transfer 已收款\n")
    assert detect(path).name == "wechatexporter-txt"
    (conversation,) = parse(path)
    got = [(r[S.SENDER_NAME], r[S.KIND], r[S.TS]) for r in rows_of(conversation)]
    assert got == [("系统消息", "system", utc(2024, 1, 6, 2, 0, 0)), ("Alice", "image", utc(2024, 1, 6, 2, 0, 0)),
                   ("Bob", "sticker", utc(2024, 1, 6, 2, 1, 0)), ("系统消息", "rename", utc(2024, 1, 6, 2, 1, 0)),
                   ("Bob", "transfer", utc(2024, 1, 6, 2, 2, 0))]
    assert conversation.name == "Book Club"


# --- bad input -----------------------------------------------------------------------------------

def test_impossible_date_names_its_line(tmp_path):
    path = write(tmp_path, "群 - 微信聊天记录\n\n阿芳 (2024-09-02 08:00:05):早\n阿芳 (2024-09-31 08:00:05):早\n")
    with pytest.raises(FormatError) as e:
        parse(path)
    assert e.value.line == 4


def test_impossible_date_in_a_glued_record_names_the_physical_line(tmp_path):
    path = write(tmp_path, "群 - 微信聊天记录\n\n阿芳 (2024-09-02 08:00:05):微信转账 已收款小赵 (2024-02-30 08:01:00):[红包]\n")
    with pytest.raises(FormatError) as e:
        parse(path)
    assert e.value.line == 3


def test_file_without_the_title_is_rejected_at_its_first_line(tmp_path):
    path = write(tmp_path, "\n阿芳 (2024-09-02 08:00:05):早\n")
    with pytest.raises(FormatError, match="微信聊天记录") as e:
        parse(path)
    assert e.value.line == 2


def test_file_without_any_timed_message_is_rejected(tmp_path):
    path = write(tmp_path, "群 - 微信聊天记录\n\n\"阿芳\"邀请\"小赵\"加入了群聊\n")
    with pytest.raises(FormatError, match="no message"):
        parse(path)


def test_truncated_inside_a_character_names_its_line(tmp_path):
    data = TXT_FILE.read_bytes()
    path = tmp_path / "index.txt"
    path.write_bytes(data[:data.index("附近30分钟".encode()) + 1])  # line 20
    with pytest.raises(FormatError) as e:
        parse(path)
    assert e.value.line == 20
