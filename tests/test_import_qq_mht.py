"""Classic QQ 消息管理器 MHT exports: MIME wrapper, one-line HTML table, date rows, senders, images."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers import utc

from grouplens import importers
from grouplens import schema as S
from grouplens.errors import FormatError
from grouplens.importers.base import ParseOptions

SAMPLES = Path(__file__).parent.parent / "sample_logs"
MHT = SAMPLES / "qq-mht" / "仁和社区医院.mht"
OLD = SAMPLES / "qq-mht-2012" / "康复科病友交流群.mht"
HTML_LINE = 13  # the fixture's HTML part is line 13 of the file
BOUNDARY = "----=_NextPart_00_TEST"


def parse(path: Path, options: ParseOptions | None = None) -> list[importers.ParsedConversation]:
    return list(importers.get("qq-mht").parse(path, options or ParseOptions()))


def rows_of(path: Path) -> dict[str, list[dict]]:
    return {c.name: c.messages.to_pylist() for c in parse(path)}


def extra(message: dict) -> dict:
    return json.loads(message[S.EXTRA]) if message[S.EXTRA] else {}


def by_text(messages: list[dict], start: str) -> dict:
    return next(m for m in messages if (m[S.TEXT] or "").startswith(start))


# --- a small MHT writer for the edge cases ------------------------------------------------------

def date_row(day: str) -> str:
    return f"<tr><td style=border-bottom-width:1px;color:#3568BB;padding-left:10px;>日期: {day}</td></tr>"


def message_row(who: str, clock: str, body: str) -> str:
    return (f"<tr><td><div style=color:#006EFE;padding-left:10px;><div style=float:left;margin-right:6px;>{who}</div>"
            f"{clock}</div><div style=padding-left:20px;><font color='000000'>{body}</font></div></td></tr>")


def header_rows(name: str, category: str = "我的QQ群") -> list[str]:
    return [f"<tr><td><div style=padding-left:10px;>消息分组:{category}</div></td></tr>",
            f"<tr><td><div style=padding-left:10px;>消息对象:{name}</div></td></tr>"]


def write_mht(path: Path, rows: list[str], *, row_separator: str = "", transfer: str = "7bit",
              after_html: list[str] | None = None, close: bool = True) -> Path:
    html = ("<html><head><title>QQ Message</title></head><body><table width=100% cellspacing=0>"
            + row_separator.join(rows) + "</table></body></html>")
    body = base64.encodebytes(html.encode()).decode().strip() if transfer == "base64" else html
    lines = ["\ufeffFrom: <Save by Tencent MsgMgr>", "Subject: Tencent IM Message", "MIME-Version: 1.0",
             "Content-Type:multipart/related;", '\tcharset="utf-8"', '\ttype="text/html";', f'\tboundary="{BOUNDARY}"',
             "", "--" + BOUNDARY, "Content-Type:text/html", f"Content-Transfer-Encoding:{transfer}", "", body]
    lines += after_html or []
    if close:
        lines.append("--" + BOUNDARY + "--")
    path.write_bytes("\r\n".join(lines).encode("utf-8") + b"\r\n")
    return path


GROUP = [*header_rows("测试群"), date_row("2020-06-01"), message_row("甲(10001)", "9:00:00", "早"),
         message_row("乙&lt;yi@example.com&gt;", "9:01:00", "早上好")]


# --- detection --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [MHT, OLD])
def test_both_fixtures_are_detected_as_qq_mht_and_nothing_else(path: Path) -> None:
    assert [i.name for i in importers.sniff(path)] == ["qq-mht"]
    assert importers.detect(path).name == "qq-mht"


# --- the main fixture ---------------------------------------------------------------------------

def test_each_message_object_row_starts_a_conversation() -> None:
    conversations = parse(MHT)
    assert [c.name for c in conversations] == ["仁和社区医院·慢病管理群", "仁和社区·糖友互助小组"]
    assert all(c.is_group and c.native_id is None and c.platform == "qq" for c in conversations)


def test_counts_and_time_range_of_the_first_group() -> None:
    messages = rows_of(MHT)["仁和社区医院·慢病管理群"]
    kinds = [m[S.KIND] for m in messages]
    assert len(messages) == 17
    assert len({m[S.SENDER_ID] for m in messages if m[S.SENDER_ID]}) == 7
    assert (kinds.count("join"), kinds.count("leave"), kinds.count("recall")) == (1, 1, 1)
    assert (kinds.count("image"), kinds.count("red_packet"), kinds.count("text")) == (2, 1, 11)
    assert sum(m[S.SENDER_ID] is None for m in messages) == 2
    assert messages[0][S.TS] == utc(2019, 3, 2, 0, 4, 5)  # 日期 2019-03-02, 8:04:05 in Asia/Shanghai
    assert messages[-1][S.TS] == utc(2019, 3, 4, 13, 3, 27)


def test_counts_and_time_range_of_the_second_group() -> None:
    messages = rows_of(MHT)["仁和社区·糖友互助小组"]
    assert len(messages) == 6
    assert len({m[S.SENDER_ID] for m in messages if m[S.SENDER_ID]}) == 4
    assert [m[S.KIND] for m in messages].count("join") == 1
    assert messages[0][S.TS] == utc(2019, 3, 5, 11, 0, 0)
    assert messages[-1][S.TS] == utc(2019, 3, 5, 16, 16, 2)  # 日期 2019-03-06, 0:16:02 local


def test_rows_take_the_date_of_the_latest_date_row() -> None:
    messages = rows_of(MHT)["仁和社区医院·慢病管理群"]
    check_in = by_text(messages, "打卡")
    assert check_in[S.TS] == utc(2019, 3, 3, 23, 58, 2)  # 日期 2019-03-04, 7:58:02 local


def test_senders_are_unescaped_and_keyed_by_qq_number_or_email() -> None:
    messages = rows_of(MHT)["仁和社区医院·慢病管理群"]
    senders = {m[S.SENDER_NAME]: m[S.SENDER_ID] for m in messages}
    assert senders["张医生"] == "zhangys@renhe-clinic.cn"
    assert senders["老陈(老年大学)"] == "55667788"
    assert senders["夜猫子 周"] == "13579246"  # &nbsp; inside the name
    assert senders["24681357"] == "24681357"  # "(24681357)": no name, the number stands in


def test_titles_and_the_exporters_own_rows_go_to_extra() -> None:
    messages = rows_of(MHT)["仁和社区医院·慢病管理群"]
    nurse = [m for m in messages if m[S.SENDER_ID] == "123456789"]
    assert {m[S.SENDER_NAME] for m in nurse} == {"李护士"}
    assert all(extra(m) | {"images": None} == {"title": "管理员", "is_sender": True, "images": None} for m in nurse)
    assert not any(extra(m).get("is_sender") for m in messages if m[S.SENDER_ID] != "123456789")


def test_br_becomes_a_line_break_and_entities_are_decoded() -> None:
    messages = rows_of(MHT)["仁和社区医院·慢病管理群"]
    assert by_text(messages, "睡前7.8")[S.TEXT] == ("睡前7.8稍微偏高。\n建议：\n1. 晚饭主食减量\n2. 饭后散步半小时\n\n"
                                                   "下周复测再看")
    assert by_text(messages, "坚持得很好")[S.TEXT] == "坚持得很好！早餐建议：燕麦&鸡蛋&一杯牛奶"
    assert by_text(messages, "纳豆激酶")[S.TEXT].endswith("了解>>")


def test_images_become_placeholders_with_their_file_names_in_extra() -> None:
    messages = rows_of(MHT)["仁和社区医院·慢病管理群"]
    two = by_text(messages, "[图片][图片]")
    assert two[S.KIND] == "image"
    assert extra(two)["images"] == ["{B2E4F6A8-1C3D-4f5e-9A7B-0C2D4E6F8A1B}.dat",
                                    "{C9D1E3F5-7A9B-4c1d-8E2F-3A5B7C9D1E3F}.dat"]
    assert all(len(m[S.EXTRA] or "") < 200 for m in messages)  # the base64 image parts stay out


def test_system_rows_are_events_naming_their_members() -> None:
    messages = rows_of(MHT)["仁和社区医院·慢病管理群"]
    join, leave = [m for m in messages if m[S.SENDER_ID] is None]
    assert (join[S.KIND], join[S.EVENT_MEMBERS], join[S.SENDER_NAME]) == ("join", ["王阿姨"], "系统消息")
    assert (leave[S.KIND], leave[S.EVENT_MEMBERS]) == ("leave", ["保健品小刘"])
    assert extra(join) == {"sender": "系统消息(10000)"}
    recall = next(m for m in messages if m[S.KIND] == "recall")
    assert (recall[S.SENDER_ID], recall[S.EVENT_MEMBERS]) == ("2837465510", ["王阿姨"])


def test_mentions_are_read_from_the_text() -> None:
    conversations = rows_of(MHT)
    assert by_text(conversations["仁和社区医院·慢病管理群"], "@张医生")[S.MENTIONS] == ["张医生"]
    assert by_text(conversations["仁和社区·糖友互助小组"], "欢迎欢迎")[S.MENTIONS] == ["阿芳"]


def test_there_are_no_message_ids_or_source_lines() -> None:
    for messages in rows_of(MHT).values():
        assert all(m[S.MSG_ID] is None and m[S.SOURCE_LINE] is None for m in messages)


def test_times_are_read_in_the_time_zone_given() -> None:
    first = parse(MHT, ParseOptions(tz=ZoneInfo("UTC")))[0].messages.to_pylist()[0]
    assert first[S.TS] == utc(2019, 3, 2, 8, 4, 5)


# --- the 2012 client ----------------------------------------------------------------------------

def test_an_old_export_with_slash_dates_and_unresolved_names() -> None:
    (conversation,) = parse(OLD)
    messages = conversation.messages.to_pylist()
    assert conversation.name == "康复科病友交流群"
    assert len(messages) == 5
    assert messages[0][S.TS] == utc(2012, 4, 11, 1, 2, 11)  # 日期 2012/4/11
    assert messages[-1][S.TS] == utc(2012, 4, 12, 0, 1, 30)
    unresolved = messages[1]
    assert (unresolved[S.SENDER_ID], unresolved[S.SENDER_NAME]) == ("519870018", "519870018")
    assert unresolved[S.KIND] == "image"
    assert messages[2][S.SENDER_ID] == "xiaozhou@163.com"
    rename = messages[3]
    assert (rename[S.KIND], rename[S.EVENT_MEMBERS], rename[S.SENDER_ID]) == ("rename", ["康复科刘医生"], None)


# --- layouts the fixture does not show --------------------------------------------------------

def test_rows_on_separate_lines_read_the_same(tmp_path: Path) -> None:
    one_line = parse(write_mht(tmp_path / "a.mht", GROUP))[0].messages
    split = parse(write_mht(tmp_path / "b.mht", GROUP, row_separator="\r\n"))[0].messages
    assert split.equals(one_line)


def test_a_base64_encoded_html_part_is_decoded(tmp_path: Path) -> None:
    messages = parse(write_mht(tmp_path / "a.mht", GROUP, transfer="base64"))[0].messages.to_pylist()
    assert [m[S.TEXT] for m in messages] == ["早", "早上好"]


def test_a_conversation_repeated_later_in_the_file_is_merged(tmp_path: Path) -> None:
    rows = [*GROUP, *header_rows("另一个群"), date_row("2020-06-01"), message_row("丙(10003)", "10:00:00", "在"),
            *header_rows("测试群"), date_row("2020-06-02"), message_row("甲(10001)", "8:00:00", "又一天")]
    conversations = parse(write_mht(tmp_path / "a.mht", rows))
    assert [(c.name, c.messages.num_rows) for c in conversations] == [("测试群", 3), ("另一个群", 1)]


def test_a_friend_section_without_ids_is_a_private_chat_keyed_by_name(tmp_path: Path) -> None:
    rows = [*header_rows("老王", category="我的好友"), date_row("2020-06-01"),
            message_row("老王", "21:00:00", "在吗"), message_row("我的昵称", "21:01:00", "在")]
    (conversation,) = parse(write_mht(tmp_path / "a.mht", rows))
    assert not conversation.is_group
    assert conversation.messages.column(S.SENDER_ID).to_pylist() == ["name:老王", "name:我的昵称"]


def test_twelve_hour_times_and_anonymous_members(tmp_path: Path) -> None:
    rows = [*header_rows("测试群"), date_row("2020-06-01"), message_row("甲(10001)", "8:15:00 PM", "晚上好"),
            message_row("匿名的小熊(80000000)", "下午 9:00:00", "悄悄说")]
    messages = parse(write_mht(tmp_path / "a.mht", rows))[0].messages.to_pylist()
    assert [m[S.TS] for m in messages] == [utc(2020, 6, 1, 12, 15), utc(2020, 6, 1, 13, 0)]
    assert (messages[1][S.SENDER_ID], extra(messages[1])) == ("name:匿名的小熊", {"anonymous": True})


def test_image_parts_after_the_html_are_never_read(tmp_path: Path) -> None:
    damaged = ["--" + BOUNDARY, "Content-Type:image/jpeg", "Content-Transfer-Encoding:base64",
               "Content-Location:{0000}.dat", "", "this is not base64 @@@"]
    path = write_mht(tmp_path / "a.mht", GROUP, after_html=damaged, close=False)
    assert parse(path)[0].messages.num_rows == 2


# --- bad input ------------------------------------------------------------------------------------

def test_a_file_cut_inside_the_html_is_an_error_at_that_line(tmp_path: Path) -> None:
    data = MHT.read_bytes()
    cut = tmp_path / "cut.mht"
    cut.write_bytes(data[:data.index("下周复测".encode())])
    with pytest.raises(FormatError, match="truncated") as e:
        parse(cut)
    assert e.value.line == HTML_LINE


def test_an_impossible_date_row_is_an_error_naming_its_line_and_row(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mht"
    bad.write_bytes(MHT.read_bytes().replace("日期: 2019-03-04".encode(), "日期: 2019-13-04".encode()))
    with pytest.raises(FormatError, match=r"row 17: impossible date '2019-13-04'") as e:
        parse(bad)
    assert e.value.line == HTML_LINE


def test_errors_on_rows_split_over_lines_name_the_rows_own_line(tmp_path: Path) -> None:
    rows = [*GROUP, date_row("2020-02-30"), message_row("甲(10001)", "9:00:00", "早")]
    with pytest.raises(FormatError, match="impossible date") as e:
        parse(write_mht(tmp_path / "a.mht", rows, row_separator="\r\n"))
    assert e.value.line == HTML_LINE + 5  # the sixth row


def test_a_message_before_any_date_row_is_an_error(tmp_path: Path) -> None:
    rows = [*header_rows("测试群"), message_row("甲(10001)", "9:00:00", "早")]
    with pytest.raises(FormatError, match="row 3: a message before any 日期 row"):
        parse(write_mht(tmp_path / "a.mht", rows))


def test_an_unreadable_time_is_an_error(tmp_path: Path) -> None:
    rows = [*header_rows("测试群"), date_row("2020-06-01"), message_row("甲(10001)", "25:00:00", "早")]
    with pytest.raises(FormatError, match="row 4"):
        parse(write_mht(tmp_path / "a.mht", rows))


def test_a_file_that_is_not_mime_is_an_error_on_line_1(tmp_path: Path) -> None:
    path = tmp_path / "a.mht"
    path.write_text("消息记录\n\n2020-01-01 8:00:00 甲(1)\n早\n", encoding="utf-8")
    with pytest.raises(FormatError, match="not a MIME multipart file") as e:
        parse(path)
    assert e.value.line == 1


def test_an_mht_without_an_html_part_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "a.mht"
    path.write_text(f'Content-Type:multipart/related;\r\n\tboundary="{BOUNDARY}"\r\n\r\n--{BOUNDARY}\r\n'
                    f"Content-Type:image/gif\r\n\r\nR0lGOD==\r\n--{BOUNDARY}--\r\n", encoding="utf-8")
    with pytest.raises(FormatError, match="no text/html part"):
        parse(path)


def test_an_html_part_without_message_rows_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="no <tr> rows"):
        parse(write_mht(tmp_path / "a.mht", []))


def test_a_row_shaped_like_a_message_that_cannot_be_read_is_an_error_not_dropped(tmp_path: Path) -> None:
    odd = ("<tr><td><div style=float:left;margin-right:6px;>丙(10003)</div>9:02:00"
           "<span>没有内容块的一行</span></td></tr>")
    with pytest.raises(FormatError, match="row 6 looks like a message") as err:
        parse(write_mht(tmp_path / "a.mht", [*GROUP, odd]))
    assert "丙(10003)" in err.value.message


def test_qq_notices_and_senders_read_as_in_the_text_export(tmp_path: Path) -> None:
    rows = [*header_rows("测试群"), date_row("2016-07-20"),
            message_row("系统消息(10000)", "17:22:58", '<IMG src="{AB}.dat"> 1200000010 分享文件 15:15:36<br>"岗位.docx" 下载'),
            message_row("【金】15-审计-(1800000013)", "17:23:00", "在"),
            message_row("\u3164(1300000014)", "17:24:00", "看不见我的名字"),
            message_row("小乙&lt;13800000001&gt;", "17:25:00", "手机号登录"),
            message_row("系统消息(10000)", "17:26:00", "管理员阿杰撤回了成员小庚的消息")]
    share, titled, blank, phone, recall = parse(write_mht(tmp_path / "a.mht", rows))[0].messages.to_pylist()
    assert (share[S.KIND], share[S.SENDER_ID], extra(share)["file"]) == ("file", "1200000010", "岗位.docx")
    assert (titled[S.SENDER_NAME], extra(titled)["title"]) == ("15-审计-", "金")
    assert blank[S.SENDER_NAME] == "1300000014" and phone[S.SENDER_ID] == "13800000001"
    assert (recall[S.EVENT_MEMBERS], extra(recall)["recalled_by"]) == (["小庚"], "阿杰")
