"""WechatBakTool's TXT: what the importer reads from the fixture, and what it rejects."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from helpers import rows_of, utc

from grouplens import schema as S
from grouplens.errors import FormatError
from grouplens.importers import detect, sniff, take_sample
from grouplens.importers.base import ParseOptions
from grouplens.importers.wechat import wechatbaktool

SAMPLES = Path(__file__).parent.parent / "sample_logs"
TXT_FILE = SAMPLES / "wechatbaktool-txt" / "摄影入门网课·周末班.txt"
HEADER = "WechatBakTool\n与 摄影入门网课·周末班 的聊天记录\n导出时间：2024-10-20 21:15:32\n" + "=" * 65 + "\n\n\n"


def parse(path: Path) -> list:
    return list(wechatbaktool.WechatBakToolTxt().parse(path, ParseOptions()))


def write(tmp_path: Path, text: str, name: str = "班.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    (conversation,) = parse(TXT_FILE)
    return rows_of(conversation)


# --- detection ---------------------------------------------------------------------------------

def test_fixture_is_detected_by_exactly_one_importer():
    assert detect(TXT_FILE).name == "wechatbaktool-txt"
    assert len(sniff(TXT_FILE)) == 1


def test_rows_without_the_header_block_are_detected(tmp_path):
    path = write(tmp_path, "2024-10-19 09:00:00 | 助教小美:早上好\n")
    assert detect(path).name == "wechatbaktool-txt"
    assert len(sniff(path)) == 1


def test_a_memotrace_txt_is_not_taken_for_wechatbaktool(tmp_path):
    path = write(tmp_path, "2024-10-19 09:00:00 助教小美\n早上好\n\n")
    assert not wechatbaktool.WechatBakToolTxt().sniff(take_sample(path))


# --- the fixture ---------------------------------------------------------------------------------

def test_header_names_the_group():
    (conversation,) = parse(TXT_FILE)
    assert (conversation.platform, conversation.name, conversation.native_id, conversation.is_group) == \
        ("wechat", "摄影入门网课·周末班", None, True)
    assert conversation.messages.schema == S.PARSED_SCHEMA


def test_counts_messages_senders_notices_and_times(rows):
    assert len(rows) == 20
    assert len({r[S.SENDER_ID] for r in rows if r[S.SENDER_ID]}) == 6
    assert [(r[S.KIND], r[S.EVENT_MEMBERS]) for r in rows if r[S.SENDER_ID] is None] == [
        ("join", ["阿华"]), ("recall", ["器材推广-大鹏"]), ("leave", ["器材推广-大鹏"]), ("pat", ["小刘", "摄影-林老师"])]
    assert {r[S.SENDER_NAME] for r in rows if r[S.SENDER_ID] is None} == {"系统消息"}
    assert rows[0][S.TS] == utc(2024, 10, 19, 1, 0, 0)
    assert rows[-1][S.TS] == utc(2024, 10, 19, 8, 0, 0)


def test_kinds_come_from_placeholders_and_app_message_titles(rows):
    assert Counter(r[S.KIND] for r in rows) == Counter(
        text=9, image=1, sticker=1, link=1, voice=1, file=1, transfer=1, video=1, join=1, recall=1, leave=1, pat=1)


def test_rows_start_after_the_header_block_and_continue_on_later_lines(rows):
    assert [r[S.SOURCE_LINE] for r in rows[:6]] == [7, 8, 9, 10, 11, 16]
    assert rows[4][S.TEXT].split("\n") == ["完全可以，微单单反都行。", "课前准备：", "1. 相机充满电", "2. 带一支标准变焦镜头",
                                           "3. 准备三脚架（可选）"]


def test_app_messages(rows):
    link = next(r for r in rows if r[S.KIND] == "link")
    assert link[S.EXTRA] == {"app": "腾讯会议", "title": "第3课直播：构图的9种方法",
                             "url": "https://meeting.tencent.com/dm/Xk3Pq9Lm2R"}
    transfer = next(r for r in rows if r[S.KIND] == "transfer")
    assert (transfer[S.SENDER_ID], transfer[S.TEXT]) == ("name:我", ",标题：微信转账,链接：")
    reply = rows[7]
    assert (reply[S.SENDER_NAME], reply[S.KIND], reply[S.TEXT], reply[S.EXTRA]) == \
        ("摄影-林老师", "text", "主体放在三分线上，前景加点东西就有层次了", {"app_message": True})


def test_empty_content_is_a_sticker_without_text(rows):
    sticker = next(r for r in rows if r[S.KIND] == "sticker")
    assert (sticker[S.SENDER_NAME], sticker[S.TEXT], sticker[S.EXTRA]) == ("阿华", None, {"empty_content": True})


def test_me_is_the_exporting_user_and_mentions_are_found(rows):
    assert [r[S.KIND] for r in rows if r[S.EXTRA].get("is_self")] == ["text", "file", "transfer"]
    assert [r[S.MENTIONS] for r in rows if r[S.MENTIONS]] == [["摄影-林老师"]]
    assert all(r[S.MSG_ID] is None for r in rows)


def test_a_file_of_rows_only_is_named_after_the_file(tmp_path):
    path = write(tmp_path, "2024-10-19 09:00:00 | 小刘:老师好\n2024-10-19 09:01:00 | 我:你好\n", "小刘.txt")
    (conversation,) = parse(path)
    assert (conversation.name, conversation.is_group, conversation.messages.num_rows) == ("小刘", False, 2)


# --- bad input -----------------------------------------------------------------------------------

def test_impossible_date_names_its_line(tmp_path):
    path = write(tmp_path, HEADER + "2024-10-19 09:00:00 | 小刘:早\n2024-10-32 09:00:00 | 小刘:早\n")
    with pytest.raises(FormatError) as e:
        parse(path)
    assert e.value.line == 8


def test_header_without_the_chat_line_is_rejected_at_line_two(tmp_path):
    path = write(tmp_path, "WechatBakTool\n导出时间：2024-10-20 21:15:32\n" + "=" * 65 + "\n")
    with pytest.raises(FormatError) as e:
        parse(path)
    assert e.value.line == 2


def test_text_where_rows_should_start_is_rejected_at_that_line(tmp_path):
    path = write(tmp_path, HEADER + "聊天记录如下\n2024-10-19 09:00:00 | 小刘:早\n")
    with pytest.raises(FormatError, match="row") as e:
        parse(path)
    assert e.value.line == 7


def test_truncated_inside_a_character_names_its_line(tmp_path):
    data = TXT_FILE.read_bytes()
    path = tmp_path / TXT_FILE.name
    path.write_bytes(data[:data.index("二手镜头".encode()) + 1])  # line 20
    with pytest.raises(FormatError) as e:
        parse(path)
    assert e.value.line == 20
