"""Shapes that real exports have, imported exactly (issue 9).

Each fixture in ``tests/data/real-shapes`` and ``tests/data/excel`` reproduces, with invented
names and numbers, a pattern seen in exports taken from public repositories: ids in odd
brackets, a cut-off banner, blank lines removed between messages, QQ's notices as they really
read, and CSVs that a spreadsheet re-saved. Structural line breaks are CRLF and a message's own
line breaks bare LF, as in the real QQ files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import utc

from grouplens import schema as S
from grouplens.errors import FormatError
from grouplens.importers import MEMBER_LIST, ParseOptions, detect, get, sniff

DATA = Path(__file__).resolve().parent / "data"
SHAPES = DATA / "real-shapes"
EXCEL = DATA / "excel"


def rows(path: Path, layout: str | None = None) -> list[dict]:
    importer = get(layout) if layout else detect(path)
    return [r for c in importer.parse(path, ParseOptions()) for r in c.messages.to_pylist()]


def extra(row: dict) -> dict:
    return json.loads(row[S.EXTRA]) if row[S.EXTRA] else {}


def account(path: Path, layout: str = "qq-txt") -> dict:
    conversations = list(get(layout).parse(path, ParseOptions()))
    return conversations[0].lines.to_dict()


# --- 1. sender ids --------------------------------------------------------------------------------

def test_any_id_in_parentheses_or_angle_brackets_at_the_end_of_a_header_is_the_sender_id() -> None:
    got = [(r[S.SENDER_ID], r[S.SENDER_NAME]) for r in rows(SHAPES / "qq-ids.txt")]
    assert got[:3] == [("xiaojia.li@qq.com", "16-护理-小甲"),  # e-mail in (), also on the first header
                       ("13800000001", "大数据 - 小乙"),  # a phone-number account in <>
                       ("bing_2016@163.com", "小丙")]
    assert len(got) == 12 and all(sender for sender, _ in got)


def test_names_keep_spaces_inner_brackets_dashes_colons_and_emoji() -> None:
    names = {r[S.SENDER_ID]: r[S.SENDER_NAME] for r in rows(SHAPES / "qq-ids.txt")}
    assert names["1100000012"] == "16  材料成型  小丁（♂）"
    assert names["1400000015"] == "15-临床-学长：3.5km"
    assert names["1800000013"] == "15-审计-"
    assert names["500000005"] == "-松果"


def test_a_name_that_shows_nothing_falls_back_to_the_id() -> None:
    names = {r[S.SENDER_ID]: r[S.SENDER_NAME] for r in rows(SHAPES / "qq-ids.txt")}
    assert names["700000001"] == "700000001"  # "(700000001)": no name at all
    assert names["1300000014"] == "1300000014"  # "ㅤ(1300000014)": only the Hangul filler


def test_bodies_keep_a_leading_blank_line_a_lone_space_tabs_and_emptiness() -> None:
    texts = {r[S.SENDER_ID]: r[S.TEXT] for r in rows(SHAPES / "qq-ids.txt")}
    assert texts["1600000017"] == "\n考试带计算器吗"
    assert texts["500000005"] == " "
    assert texts["1400000015"] == "第一行\n\t带制表符的第二行"
    assert texts["1500000016"] == ""


# --- 2. every line accounted for -----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["qq-ids.txt", "qq-bannerless.txt", "qq-no-blank-lines.txt", "qq-notices.txt"])
def test_every_line_of_the_fixtures_is_accounted_for(name: str) -> None:
    path = SHAPES / name
    info = account(path)
    assert info["lines"] == path.read_bytes().count(b"\n")
    assert info["headers"] == len(rows(path)) and info["unaccepted"] == 0


# --- 3. a cut-off banner ------------------------------------------------------------------------------

def test_a_qq_body_without_its_banner_is_detected_and_named_after_the_file() -> None:
    path = SHAPES / "qq-bannerless.txt"
    assert [i.name for i in sniff(path)] == ["qq-txt"]
    [conversation] = get("qq-txt").parse(path, ParseOptions())
    assert conversation.name == "qq-bannerless" and conversation.is_group
    assert conversation.messages.num_rows == 8


def test_a_qce_text_part_without_banner_or_footer_imports() -> None:
    path = SHAPES / "qce-part.txt"
    assert detect(path).name == "qce-txt"
    got = [(r[S.SENDER_NAME], r[S.TEXT]) for r in rows(path)]
    assert got == [("阿杰", "周六几点开场？"), ("上海-小林", "下午两点\n老地方")]


# --- 4. blank lines removed ---------------------------------------------------------------------------

def test_headers_directly_under_a_text_line_are_read_when_their_id_is_an_account() -> None:
    got = [(r[S.SENDER_ID], r[S.TEXT]) for r in rows(SHAPES / "qq-no-blank-lines.txt")]
    assert got == [("13800000001", "第一条"), ("bing_2016@163.com", "第二条\n还有一行"),
                   ("271100005", "第三条"), ("xiaojia.li@qq.com", "第四条")]


# --- 6. QQ notices as they really read -------------------------------------------------------------------

@pytest.fixture(scope="module")
def notices() -> list[dict]:
    return rows(SHAPES / "qq-notices.txt")


def test_a_join_without_a_full_stop_is_a_join(notices: list[dict]) -> None:
    assert (notices[0][S.KIND], notices[0][S.EVENT_MEMBERS]) == ("join", ["小庚"])


def test_a_group_file_notice_is_a_file_message_by_the_sharer(notices: list[dict]) -> None:
    shares = [r for r in notices if r[S.KIND] == "file"]
    assert [(r[S.SENDER_ID], r[S.SENDER_NAME]) for r in shares] == [
        ("1200000010", "1200000010"),  # shown by number
        ("271100005", "移动-小丁"),  # shown by card: the id of the member who used it
        ("1800000013", "15-审计-")]  # shown with its title, which is taken off
    assert [extra(r)["file"] for r in shares] == ["实习岗位说明.docx", "内推方法.txt", "考纲.docx"]
    assert extra(shares[0])["shared_at"] == "15:15:36"


def test_recalls_with_custom_suffixes_are_recalls(notices: list[dict]) -> None:
    suffixed = [r for r in notices if "recall_suffix" in extra(r)]
    assert [(r[S.KIND], r[S.EVENT_MEMBERS]) for r in suffixed] == [("recall", ["小庚"]), ("recall", ["小庚"])]
    assert extra(suffixed[1])["recall_suffix"] == "，并对你施了遗忘咒。"


def test_an_owner_or_admin_recall_names_whose_message_went_and_who_acted_apart(notices: list[dict]) -> None:
    by_owner, by_admin = [r for r in notices if "recalled_by" in extra(r)]
    assert by_owner[S.EVENT_MEMBERS] == []  # QQ does not say whose message the owner recalled
    assert extra(by_owner) | {"sender": ""} == {"recalled_by": "阿杰", "recalled_by_role": "群主", "sender": ""}
    assert by_admin[S.EVENT_MEMBERS] == ["小庚"]
    assert (extra(by_admin)["recalled_by"], extra(by_admin)["recalled_by_role"]) == ("阿杰", "管理员")


def test_a_member_saying_they_recalled_something_is_not_a_notice(notices: list[dict]) -> None:
    said = notices[-1]
    assert (said[S.SENDER_ID], said[S.KIND]) == ("1900000020", "text")


def test_a_group_feed_post_stays_a_platform_notice_with_its_text(notices: list[dict]) -> None:
    post = next(r for r in notices if "发表动态" in r[S.TEXT])
    assert (post[S.SENDER_ID], post[S.KIND]) == (None, "system")


def test_qq_titles_are_taken_off_but_a_card_that_starts_with_brackets_stays() -> None:
    got = [(r[S.SENDER_NAME], extra(r).get("title")) for r in rows(SHAPES / "qq-bannerless.txt")]
    assert got == [("16-编导-小周", "管理员"), ("16-环境-阿诺", "白金"), ("16-环境-阿诺", None),
                   ("阿树🚲", "老司机"),  # a custom title: the member is also seen without it
                   ("阿树🚲", None), ("【金融】陈晓", None),  # a card: never seen without, and @-mentioned so
                   ("潜水员", "LV5"), ("16   环境工程 某某", "金")]


# --- 5. CSVs re-saved by a spreadsheet ------------------------------------------------------------------

def test_pywxdump_csv_resaved_by_excel_reads_its_times_and_forgets_its_rounded_ids() -> None:
    path = EXCEL / "12345678901@chatroom_0_5.csv"
    assert detect(path).name == "pywxdump-csv"
    [conversation] = get("pywxdump-csv").parse(path, ParseOptions())
    got = conversation.messages.to_pylist()
    assert [r[S.TS] for r in got] == [utc(2024, 10, 4, 0, 5), utc(2024, 10, 4, 0, 6), utc(2024, 10, 4, 0, 6),
                                      utc(2024, 10, 4, 3, 42, 5), utc(2024, 10, 4, 8, 30)]
    assert all(r[S.MSG_ID] is None for r in got)  # 7.38146E+18 five times: not ids
    assert extra(got[0])["MsgSvrID"] == "7.38146E+18"
    assert any("rounded by a spreadsheet" in w for w in conversation.warnings)


def test_memotrace_csv_resaved_reads_strtime_where_createtime_was_turned_into_a_date() -> None:
    got = rows(EXCEL / "烘焙会员群_utf8.csv")
    assert [r[S.TS] for r in got] == [utc(2024, 5, 18, 1, 0, 12), utc(2024, 5, 18, 1, 3)]  # epoch, then 09:03 local


def test_chatlog_csv_resaved_reads_unpadded_and_slashed_times() -> None:
    assert [r[S.TS] for r in rows(EXCEL / "chatlog_2024-03-18.csv")] == [utc(2024, 3, 18, 1, 6),
                                                                           utc(2024, 3, 18, 1, 7, 30)]


def test_weclone_csv_resaved_reads_day_serials_and_short_dates_as_local_time() -> None:
    assert [r[S.TS] for r in rows(EXCEL / "口语打卡营.csv", "weflow-csv")] == [utc(2024, 6, 3, 0, 30),
                                                                             utc(2024, 6, 3, 0, 31)]


def test_a_member_list_typed_in_a_spreadsheet_reads_serials_slashes_and_dates() -> None:
    path = EXCEL / "members.csv"
    assert detect(path) is MEMBER_LIST
    table = MEMBER_LIST.parse_roster(path, ParseOptions())
    assert table.column(S.JOINED_AT).to_pylist() == [utc(2024, 3, 1, 1, 0), utc(2024, 3, 1, 1, 30),
                                                     utc(2024, 3, 1, 16, 0)]


def test_a_member_id_a_spreadsheet_rounded_is_an_error_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_text("QQ号,群名片\r\n10001,阿杰\r\n1.23457E+11,小林\r\n", encoding="utf-8")
    with pytest.raises(FormatError, match="rounded by a spreadsheet") as err:
        MEMBER_LIST.parse_roster(path, ParseOptions())
    assert err.value.line == 3


def test_a_chatlog_message_id_a_spreadsheet_rounded_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "chatlog.csv"
    path.write_text("Time,SenderName,Sender,TalkerName,Talker,Content,MessageID\n"
                    "2024/3/18 9:06,老陈,wxid_chenlao58,群,1@chatroom,早,1.71047E+12\n"
                    "2024/3/18 9:07,老陈,wxid_chenlao58,群,1@chatroom,好,1.71047E+12\n", encoding="utf-8")
    assert [r[S.MSG_ID] for r in rows(path)] == [None, None]


def test_bad_bytes_in_a_qq_text_with_a_bom_are_an_error_at_their_line(tmp_path: Path) -> None:
    path = tmp_path / "damaged.txt"
    path.write_bytes(b"\xef\xbb\xbf" + "消息记录（此消息记录为文本格式，不支持重新导入）\r\n\r\n2024-01-01 9:00:00 阿杰(10001)\r\n好".encode()
                     + b"\xff\xfe\x80\r\n\r\n")
    with pytest.raises(FormatError, match="invalid utf-8") as err:
        rows(path, "qq-txt")
    assert err.value.line == 4
