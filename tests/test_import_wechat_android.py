"""wechat-dump's Android TXT: what the importer reads from the fixture, and what it rejects."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import rows_of, utc

from grouplens import schema as S
from grouplens.errors import FormatError
from grouplens.importers import detect, sniff, take_sample
from grouplens.importers.base import ParseOptions
from grouplens.importers.wechat import android as wechat_android

SAMPLES = Path(__file__).parent.parent / "sample_logs"
TXT_FILE = SAMPLES / "wechat-dump" / "健身私教学员群.txt"


def parse(path: Path) -> list:
    return list(wechat_android.WechatDumpTxt().parse(path, ParseOptions()))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "学员群.txt"
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    (conversation,) = parse(TXT_FILE)
    return rows_of(conversation)


# --- detection ---------------------------------------------------------------------------------

def test_fixture_is_detected_by_exactly_one_importer():
    assert detect(TXT_FILE).name == "wechat-dump"
    assert len(sniff(TXT_FILE)) == 1


def test_a_line_without_the_type_number_is_not_claimed(tmp_path):
    path = write(tmp_path, "张三:2024-11-05 07:00:00:早上好\n")
    assert not wechat_android.WechatDumpTxt().sniff(take_sample(path))


# --- the fixture ---------------------------------------------------------------------------------

def test_file_is_one_group_named_after_the_file():
    (conversation,) = parse(TXT_FILE)
    assert (conversation.platform, conversation.name, conversation.native_id, conversation.is_group) == \
        ("wechat", "健身私教学员群", None, True)
    assert conversation.messages.schema == S.PARSED_SCHEMA


def test_counts_messages_senders_notices_and_times(rows):
    assert len(rows) == 23
    assert len({r[S.SENDER_ID] for r in rows if r[S.SENDER_ID]}) == 6
    assert [(r[S.KIND], r[S.EVENT_MEMBERS]) for r in rows if r[S.SENDER_ID] is None] == [
        ("join", ["小雅"]), ("recall", ["蛋白粉代理Coco"]), ("leave", ["蛋白粉代理Coco"])]
    assert rows[0][S.TS] == datetime(2024, 11, 4, 23, 0, 0, 120000, tzinfo=UTC)
    assert rows[-1][S.TS] == utc(2024, 11, 5, 13, 30, 0)


def test_kinds_come_from_android_type_codes(rows):
    assert Counter(r[S.KIND] for r in rows) == Counter(
        text=10, image=1, voice=1, sticker=1, link=1, red_packet=1, transfer=1, location=1, video=1, file=1, call=1,
        join=1, recall=1, leave=1)
    by_code = {r[S.EXTRA]["type"]: r[S.KIND] for r in rows if r[S.EXTRA]["type"] not in (1, 49, 10000)}
    assert by_code[436207665] == "red_packet" and by_code[419430449] == "transfer" and by_code[822083633] == "text"
    assert [r[S.KIND] for r in rows if r[S.EXTRA]["type"] == 49] == ["link", "file"]


def test_lines_are_split_at_the_timestamp_so_names_may_hold_colons(rows):
    tom = next(r for r in rows if r[S.SENDER_NAME] == "Tom: Lee")
    assert (tom[S.SENDER_ID], tom[S.TEXT]) == ("name:Tom: Lee", "今天打卡完成✅ 深蹲60kg 5×8")


def test_multiline_content_continues_on_following_lines(rows):
    question = next(r for r in rows if r[S.SOURCE_LINE] == 14)
    assert question[S.TEXT] == "请问教练，练完腿第二天很酸，\n还能继续练吗？"
    red = next(r for r in rows if r[S.KIND] == "red_packet")
    assert (red[S.SOURCE_LINE], red[S.TEXT]) == (17, "[RED ENVELOPE]\n打卡奖励，大家辛苦了")
    assert [r[S.SOURCE_LINE] for r in rows[-3:]] == [24, 25, 26]


def test_thumbnail_paths_go_to_extra(rows):
    image = next(r for r in rows if r[S.KIND] == "image")
    assert (image[S.TEXT], image[S.EXTRA]) == ("Image", {"type": 3, "img": "THUMBNAIL_DIRPATH://th_5f3a9c2e1b7d4e60"})


def test_me_is_the_exporting_user_and_system_rows_are_wechats(rows):
    assert [(r[S.SENDER_ID], r[S.SENDER_NAME], r[S.KIND]) for r in rows if r[S.EXTRA].get("is_self")] == [
        ("name:我", "me", "text"), ("name:我", "me", "red_packet"), ("name:我", "me", "file")]
    join = rows[1]
    assert (join[S.SENDER_ID], join[S.SENDER_NAME], join[S.EXTRA]) == \
        (None, "系统消息", {"type": 10000, "shown_sender": "健身私教学员群"})
    assert [r[S.MENTIONS] for r in rows if r[S.MENTIONS]] == [["小雅"]]
    assert all(r[S.MSG_ID] is None for r in rows)


def test_times_without_a_fraction_and_unknown_codes(tmp_path):
    path = write(tmp_path, "1|大刘:2024-11-05 08:20:00:早\n318767153|微信支付:2024-11-05 08:21:00.5:[图片]\n")
    first, second = rows_of(parse(path)[0])
    assert first[S.TS] == utc(2024, 11, 5, 0, 20, 0)
    assert (second[S.TS], second[S.KIND]) == (datetime(2024, 11, 5, 0, 21, 0, 500000, tzinfo=UTC), "image")


# --- bad input -----------------------------------------------------------------------------------

def test_impossible_date_names_its_line(tmp_path):
    path = write(tmp_path, "1|大刘:2024-11-05 08:20:00:早\n多一行\n1|大刘:2024-11-31 08:20:00:早\n")
    with pytest.raises(FormatError) as e:
        parse(path)
    assert e.value.line == 3


def test_first_line_that_is_not_a_record_is_rejected_at_that_line(tmp_path):
    path = write(tmp_path, "\n\n健身私教学员群\n1|大刘:2024-11-05 08:20:00:早\n")
    with pytest.raises(FormatError) as e:
        parse(path)
    assert e.value.line == 3


def test_truncated_inside_a_character_names_its_line(tmp_path):
    data = TXT_FILE.read_bytes()
    path = tmp_path / TXT_FILE.name
    path.write_bytes(data[:data.index("进口乳清".encode()) + 1])  # line 10
    with pytest.raises(FormatError) as e:
        parse(path)
    assert e.value.line == 10
