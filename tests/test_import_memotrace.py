"""MemoTrace (WeChatMsg / 留痕) CSV, TXT and HTML exports: what the importers read from the
fixtures; and the two MemoTrace exports that are refused with the reason.

The CSV and TXT fixtures are one Saturday of the same bakery members' group, exported twice. The
CSV has 34 rows; the TXT has 31 records, because MemoTrace's TXT writer skips transfers, red
packets and locations. The HTML fixture is a children's swimming class parents' group: 30
messages, written as MemoTrace writes them, most objects back to back on one line.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from helpers import utc

from grouplens import schema as S
from grouplens.errors import FormatError
from grouplens.importers import detect, sniff
from grouplens.importers.base import ParseOptions
from grouplens.importers.wechat.memotrace import (
    MemoTraceAiTxt,
    MemoTraceCsv,
    MemoTraceHtml,
    MemoTraceLlmJson,
    MemoTraceTxt,
    unescape_display_name,
)

SAMPLES = Path(__file__).parent.parent / "sample_logs"
CSV_FILE = SAMPLES / "memotrace-csv" / "悦享烘焙万达店会员福利群_utf8.csv"
TXT_FILE = SAMPLES / "memotrace-txt" / "悦享烘焙万达店会员福利群.txt"
HTML_GROUP = "浪花少儿游泳馆·春季周六班"
HTML_FILE = SAMPLES / "memotrace-html" / f"{HTML_GROUP}.html"
REJECTED = Path(__file__).parent / "data" / "rejected"
AI_TXT_FILE = REJECTED / "悦享烘焙万达店会员福利群_chat.txt"
LLM_JSON_FILE = REJECTED / "悦享烘焙万达店会员福利群_train.json"
GROUP = "悦享烘焙万达店会员福利群"


def parse_one(importer, path: Path):
    conversations = list(importer.parse(path, ParseOptions()))
    assert len(conversations) == 1
    return conversations[0]


def rows_of(conversation) -> list[dict]:
    return conversation.messages.to_pylist()


@pytest.fixture(scope="module")
def csv_rows():
    return rows_of(parse_one(MemoTraceCsv(), CSV_FILE))


@pytest.fixture(scope="module")
def txt_rows():
    return rows_of(parse_one(MemoTraceTxt(), TXT_FILE))


# --- detection ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path, name", [(CSV_FILE, "memotrace-csv"), (TXT_FILE, "memotrace-txt"),
                                        (HTML_FILE, "memotrace-html"), (AI_TXT_FILE, "memotrace-ai-txt"),
                                        (LLM_JSON_FILE, "memotrace-llm-json")])
def test_fixture_is_detected_by_exactly_one_format(path, name):
    assert detect(path).name == name
    assert len(sniff(path)) == 1


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("text", [
    # WeFlow TXT quotes the sender
    "2026-01-15 09:12:03 '老张'\n早上好\n\n2026-01-15 09:12:40 '李四'\n[图片]\n",
    # WechatBakTool
    "2024-03-15 09:12:03 | 老张:早上好\n2024-03-15 09:12:40 | 李四:[图片]\n",
    # classic QQ TXT, with its preamble
    "消息记录（此消息记录为文本格式，不支持重新导入）\n\n" + "=" * 64 + "\n消息分组:我的群聊\n" + "=" * 64
    + "\n消息对象:周末羽毛球交流群\n" + "=" * 64 + "\n\n2021-05-01 18:04:05 阿杰(123456789)\n欢迎\n\n",
    # QQ-style headers even without the preamble
    "2021-05-01 18:04:05 阿杰(123456789)\n欢迎\n\n2021-05-01 18:05:12 小林(987654321)\n好的\n\n",
    # MemoTrace's AI-TXT: day banners, no per-message headers
    "\n\n" + "*" * 20 + "2024-03-15" + "*" * 20 + "\n\n老张:早上好 带上电脑 \n",
    # one line per message (IRC-like): headers are not separated by blank lines
    "2024-03-15 09:12:03 <alice> hi\n2024-03-15 09:12:05 <bob> hello\n2024-03-15 09:12:09 <alice> ok\n",
])
def test_txt_sniff_leaves_look_alike_layouts_alone(tmp_path, text):
    path = write(tmp_path, "chat.txt", text)
    assert "memotrace-txt" not in [i.name for i in sniff(path)]


def test_csv_sniff_needs_the_exact_header(tmp_path):
    path = write(tmp_path, "x.csv", "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent\n1,2,3\n")
    assert "memotrace-csv" not in [i.name for i in sniff(path)]


# --- memotrace-csv -----------------------------------------------------------------------------

def test_csv_group_is_named_after_the_file_without_utf8_suffix():
    conversation = parse_one(MemoTraceCsv(), CSV_FILE)
    assert conversation.platform == "wechat"
    assert conversation.name == GROUP
    assert conversation.native_id is None
    assert conversation.is_group is True


def test_csv_counts(csv_rows):
    assert len(csv_rows) == 34
    assert len({r[S.SENDER_ID] for r in csv_rows if r[S.SENDER_ID]}) == 12
    kinds = Counter(r[S.KIND] for r in csv_rows)
    assert kinds == {"text": 18, "image": 2, "sticker": 2, "voice": 1, "video": 1, "link": 1, "transfer": 1,
                     "red_packet": 1, "location": 1, "file": 1, "join": 2, "recall": 1, "pat": 1, "leave": 1}
    assert csv_rows[0][S.TS] == utc("2024-05-18T01:00:12")
    assert csv_rows[-1][S.TS] == utc("2024-05-18T12:00:00")
    assert all(r[S.MSG_ID] is None for r in csv_rows)  # MemoTrace exports no server ids


def test_csv_sender_is_the_wxid_named_by_remark(csv_rows):
    first = csv_rows[0]
    assert first[S.SENDER_ID] == "wxid_zhou2023shop"
    assert first[S.SENDER_NAME] == "悦享烘焙-店长小周"
    kelly = next(r for r in csv_rows if r[S.SENDER_ID] == "wxid_kellymom2019")
    assert kelly[S.SENDER_NAME] == "Kelly's_Mom"  # the sanitised remark, not the nickname


def test_csv_keeps_multiline_text_and_physical_start_lines(csv_rows):
    assert csv_rows[0][S.TEXT] == ("各位会员早上好☀️\n本周六会员日活动：\n1. 全场面包第二件半价\n2. 储值满300送50\n"
                                   "活动时间：今天10:00-21:00，欢迎到店～")
    assert csv_rows[0][S.SOURCE_LINE] == 2
    # the image row's XML spans lines 7-13, so the next row starts on line 14
    assert [r[S.SOURCE_LINE] for r in csv_rows[1:3]] == [7, 14]


def test_csv_media_xml_becomes_a_placeholder(csv_rows):
    image, voice = csv_rows[1], next(r for r in csv_rows if r[S.KIND] == "voice")
    assert image[S.TEXT] == "[图片]"
    assert voice[S.TEXT] == "[语音]"
    assert json.loads(image[S.EXTRA]) == {"localId": 2032, "TalkerId": 58, "Type": 3, "SubType": 0,
                                          "IsSender": 0, "Status": 2}


def test_csv_system_rows_have_no_sender_and_name_their_members(csv_rows):
    notices = [r for r in csv_rows if r[S.SENDER_ID] is None]
    assert len(notices) == 5
    assert all(r[S.SENDER_NAME] == "系统消息" for r in notices)
    assert [(r[S.KIND], r[S.EVENT_MEMBERS]) for r in notices] == [
        ("join", ["小鹿"]), ("join", ["晴天"]), ("recall", ["豆豆妈咪"]), ("pat", ["王丽华", "阿May🍞"]),
        ("leave", ["优选好物-小王"])]


def test_csv_quote_with_xml_content_fills_the_quote_columns(csv_rows):
    quotes = [r for r in csv_rows if json.loads(r[S.EXTRA])["SubType"] == 57 and r[S.KIND] == "text"]
    assert len(quotes) == 2
    with_xml, without = quotes
    assert with_xml[S.TEXT] == "10点第一炉，11点半第二炉"
    assert with_xml[S.QUOTE_SENDER] == "Tom&Jerry"
    assert with_xml[S.QUOTE_TEXT] == "今天的牛角包几点出炉？"
    assert with_xml[S.QUOTE_TS] == utc("2024-05-18T01:20:33")
    # PC WeChat keeps most quote XML in CompressContent, which MemoTrace does not export
    assert without[S.TEXT] is None and without[S.QUOTE_SENDER] is None


def test_csv_mentions_end_at_the_four_per_em_space(csv_rows):
    mentioned = [r[S.MENTIONS] for r in csv_rows if r[S.MENTIONS]]
    assert mentioned == [["王丽华"], ["小鹿"], ["阿May🍞"]]


def test_csv_rows_written_newest_first_are_sorted_by_time(tmp_path):
    lines = CSV_FILE.read_bytes().decode("utf-8-sig").split("\r\n")
    simple = [ln for ln in lines[1:] if ln and ln.count(",") == 11 and '"' not in ln]
    path = write(tmp_path, "倒序_utf8.csv", "\ufeff" + "\r\n".join([lines[0], *reversed(simple)]) + "\r\n")
    rows = rows_of(parse_one(MemoTraceCsv(), path))
    assert [r[S.TS] for r in rows] == sorted(r[S.TS] for r in rows)
    assert rows[0][S.SOURCE_LINE] == len(simple) + 1


def test_csv_private_chat_is_not_a_group(tmp_path):
    header = "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender"
    body = ["1,7,1,0,0,1715994000,2,在吗,2024-05-18 09:00:00,老陈,陈建华,wxid_laochen1962",
            "2,7,1,0,1,1715994060,2,在的,2024-05-18 09:01:00,店长小周,店长小周,wxid_zhou2023shop"]
    path = write(tmp_path, "老陈_utf8.csv", "\r\n".join([header, *body]) + "\r\n")
    conversation = parse_one(MemoTraceCsv(), path)
    assert conversation.is_group is False
    assert conversation.name == "老陈"


def test_csv_truncated_inside_a_quoted_field_names_the_row(tmp_path):
    data = CSV_FILE.read_bytes()
    cut = data.index(b"aeskey") + 3  # inside the image row's quoted XML (line 7)
    path = tmp_path / "cut_utf8.csv"
    path.write_bytes(data[:cut])
    with pytest.raises(FormatError) as err:
        parse_one(MemoTraceCsv(), path)
    assert err.value.line == 7


def test_csv_row_with_missing_fields_names_its_line(tmp_path):
    text = CSV_FILE.read_bytes().decode("utf-8-sig")
    text = text.replace(",王姐（3栋）,王丽华,wxid_wj3dong\r\n", ",王姐（3栋）,王丽华\r\n", 1)  # line 14 loses Sender
    path = write(tmp_path, "short_utf8.csv", text)
    with pytest.raises(FormatError) as err:
        parse_one(MemoTraceCsv(), path)
    assert err.value.line == 14
    assert "11 fields" in err.value.message


def test_csv_time_a_spreadsheet_reformatted_is_read_from_strtime(tmp_path):
    text = CSV_FILE.read_bytes().decode("utf-8-sig")
    row = next(line for line in text.split("\r\n") if ",1715994185," in line)
    strtime = row.split(",")[8]
    resaved = text.replace(row, row.replace(",1715994185,", ",2024/5/18 9:3,", 1).replace(strtime, "2024/5/18 9:03"))
    path = write(tmp_path, "resaved_utf8.csv", resaved)
    asked = next(r for r in rows_of(parse_one(MemoTraceCsv(), path)) if r[S.TEXT] == "请问生日蛋糕要提前几天订？")
    assert asked[S.TS] == utc("2024-05-18T01:03:00")  # 09:03 in Shanghai; Excel dropped the seconds


def test_csv_unreadable_times_name_their_line(tmp_path):
    text = CSV_FILE.read_bytes().decode("utf-8-sig")
    row = next(line for line in text.split("\r\n") if ",1715994185," in line)
    broken = row.replace(",1715994185,", ",soon,", 1).replace(row.split(",")[8], "later")
    path = write(tmp_path, "bad_utf8.csv", text.replace(row, broken))
    with pytest.raises(FormatError) as err:
        parse_one(MemoTraceCsv(), path)
    assert err.value.line == 14


def test_csv_with_another_header_is_rejected_on_line_1(tmp_path):
    path = write(tmp_path, "x_utf8.csv", "a,b,c\r\n1,2,3\r\n")
    with pytest.raises(FormatError) as err:
        parse_one(MemoTraceCsv(), path)
    assert err.value.line == 1


# --- memotrace-txt -----------------------------------------------------------------------------

def test_txt_group_is_named_after_the_file():
    conversation = parse_one(MemoTraceTxt(), TXT_FILE)
    assert (conversation.platform, conversation.name, conversation.native_id) == ("wechat", GROUP, None)
    assert conversation.is_group is True


def test_txt_counts(txt_rows):
    assert len(txt_rows) == 31
    assert len({r[S.SENDER_ID] for r in txt_rows if r[S.SENDER_ID]}) == 11
    kinds = Counter(r[S.KIND] for r in txt_rows)
    assert kinds == {"text": 18, "image": 2, "sticker": 2, "voice": 1, "video": 1, "link": 1, "file": 1,
                     "join": 2, "recall": 1, "pat": 1, "leave": 1}
    assert txt_rows[0][S.TS] == utc("2024-05-18T01:00:12")
    assert txt_rows[-1][S.TS] == utc("2024-05-18T12:00:00")


def test_txt_senders_are_unescaped_names_without_ids(txt_rows):
    names = {r[S.SENDER_NAME] for r in txt_rows if r[S.SENDER_ID]}
    assert {"Tom&Jerry", "Kelly's_Mom", "王姐（3栋）", "wxid_k2m9x7p1q8"} <= names
    tom = next(r for r in txt_rows if r[S.SENDER_NAME] == "Tom&Jerry")
    assert tom[S.SENDER_ID] == S.name_based_id("Tom&Jerry")


def test_txt_notices_are_single_lines_without_sender(txt_rows):
    notices = [r for r in txt_rows if r[S.SENDER_ID] is None]
    assert [(r[S.SOURCE_LINE], r[S.KIND], r[S.EVENT_MEMBERS]) for r in notices] == [
        (17, "join", ["小鹿"]), (25, "join", ["晴天"]), (37, "recall", ["豆豆妈咪"]),
        (45, "pat", ["王丽华", "阿May🍞"]), (88, "leave", ["优选好物-小王"])]
    assert notices[0][S.TEXT] == '"阿May🍞"邀请"小鹿"加入了群聊'


def test_txt_quote_line_becomes_quote_columns(txt_rows):
    quotes = [r for r in txt_rows if r[S.QUOTE_TEXT]]
    assert [(r[S.TEXT], r[S.QUOTE_SENDER], r[S.QUOTE_TEXT]) for r in quotes] == [
        ("10点第一炉，11点半第二炉", "Tom&Jerry", "今天的牛角包几点出炉？"),
        ("可以的，到店报您的手机号就行", "Kelly's Mom", "请问储值卡可以给朋友用吗？朋友不在群里")]
    assert all(r[S.QUOTE_TS] is None for r in quotes)


def test_txt_link_card_keeps_title_and_url_without_indentation(txt_rows):
    link = next(r for r in txt_rows if r[S.KIND] == "link")
    assert link[S.TEXT] == ("[链接]:title:悦享烘焙｜五月会员日福利全攻略\ndescription:第二件半价、储值送礼、新品试吃，一文看懂\n"
                            "url:https://mp.weixin.qq.com/s/Yx8kQ2mZ7pLw3VbN\nname:悦享烘焙")
    assert link[S.SOURCE_LINE] == 47


def test_txt_multiline_text_and_mentions(txt_rows):
    assert txt_rows[-1][S.TEXT] == "今天活动到晚上9点结束，没来的姐妹抓紧～\n明天见！"
    assert [r[S.MENTIONS] for r in txt_rows if r[S.MENTIONS]] == [["王丽华"], ["小鹿"], ["阿May🍞"]]


def test_txt_and_csv_of_the_same_group_agree(csv_rows, txt_rows):
    by_ts = {r[S.TS]: r for r in csv_rows}
    for r in txt_rows:
        twin = by_ts[r[S.TS]]
        assert twin[S.KIND] == r[S.KIND]
        assert twin[S.SENDER_NAME] == r[S.SENDER_NAME]
        if r[S.KIND] != "link" and twin[S.TEXT] is not None:
            assert twin[S.TEXT] == r[S.TEXT]


def test_unescape_display_name_undoes_html_then_js_escaping():
    assert unescape_display_name("Tom&amp;Jerry") == "Tom&Jerry"
    assert unescape_display_name("Kelly\\'s_Mom") == "Kelly's_Mom"
    assert unescape_display_name("&lt;小雨&gt; \\\"阿花\\\" a\\\\b") == '<小雨> "阿花" a\\b'


def test_txt_header_shaped_content_line_stays_content(tmp_path):
    text = ("2024-05-18 09:00:00 店长\n取货时间：\n2024-05-18 10:00:00 到店\n2024-13-45 25:00:00 不是时间\n\n"
            "2024-05-18 09:01:00 老陈\n好的\n\n")
    rows = rows_of(parse_one(MemoTraceTxt(), write(tmp_path, "群.txt", text)))
    assert len(rows) == 2
    assert rows[0][S.TEXT] == "取货时间：\n2024-05-18 10:00:00 到店\n2024-13-45 25:00:00 不是时间"


def test_txt_impossible_date_in_a_header_is_an_error_with_its_line(tmp_path):
    text = "2024-05-18 09:00:00 店长\n早\n\n2024-13-45 09:01:00 老陈\n好的\n\n"
    with pytest.raises(FormatError) as err:
        parse_one(MemoTraceTxt(), write(tmp_path, "群.txt", text))
    assert err.value.line == 4


def test_txt_not_starting_with_a_header_is_an_error(tmp_path):
    with pytest.raises(FormatError) as err:
        parse_one(MemoTraceTxt(), write(tmp_path, "群.txt", "\n聊天记录\n2024-05-18 09:00:00 店长\n早\n\n"))
    assert err.value.line == 2


def test_txt_unknown_quote_and_empty_message_and_reverse_order(tmp_path):
    text = ("2024-05-18 09:05:00 老陈\n[图片]\n\n"
            "2024-05-18 09:04:00 &lt;小雨&gt;\n收到\n引用:未知\n\n"
            "2024-05-18 09:03:00 店长\n\n\n"
            "2024-05-18 09:02:00 你撤回了一条消息\n\n")
    rows = rows_of(parse_one(MemoTraceTxt(), write(tmp_path, "群.txt", text)))
    assert [r[S.TS].minute for r in rows] == [2, 3, 4, 5]
    recall, empty, quote, image = rows
    assert (recall[S.KIND], recall[S.EVENT_MEMBERS], recall[S.SENDER_ID]) == ("recall", ["你"], None)
    assert (empty[S.SENDER_NAME], empty[S.TEXT]) == ("店长", "")
    assert (quote[S.SENDER_NAME], quote[S.TEXT], quote[S.QUOTE_TEXT]) == ("<小雨>", "收到", None)
    assert json.loads(quote[S.EXTRA]) == {"quote": "未知"}
    assert image[S.KIND] == "image"


def test_txt_empty_file_is_an_error(tmp_path):
    with pytest.raises(FormatError):
        parse_one(MemoTraceTxt(), write(tmp_path, "群.txt", "\n\n"))


def test_txt_cut_inside_a_character_is_a_format_error_with_its_line(tmp_path):
    data = TXT_FILE.read_bytes()
    cut = data.index("请问生日蛋糕".encode()) + 1  # line 12, inside 请
    path = tmp_path / "群.txt"
    path.write_bytes(data[:cut])
    with pytest.raises(FormatError) as err:
        parse_one(MemoTraceTxt(), path)
    assert err.value.line == 12


def test_csv_notices_stored_as_markup_are_read_as_text(tmp_path):
    header = "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender"
    notices = [
        (57, '<sysmsg type="revokemsg"><revokemsg><session>1@chatroom</session><msgid>1</msgid>'
             '<replacemsg><![CDATA["老张" 撤回了一条消息]]></replacemsg></revokemsg></sysmsg>'),
        (57, '<![CDATA[你撤回了一条消息 <a href="weixin://revoke_edit_click">重新编辑</a>]]>'),
        (4, '<sysmsg type="pat"><pat><fromusername>wxid_a</fromusername><pattedusername>wxid_b</pattedusername>'
            '<template><![CDATA["${wxid_a}" 拍了拍 "${wxid_b}"]]></template></pat></sysmsg>'),
    ]
    rows = [header] + [f'{i},58,10000,{sub},0,{1715994000 + i},4,"{xml.replace(chr(34), chr(34) * 2)}",'
                       f'2024-05-18 09:00:0{i},,,' for i, (sub, xml) in enumerate(notices)]
    path = write(tmp_path, "群_utf8.csv", "\r\n".join(rows) + "\r\n")
    got = [(r[S.KIND], r[S.TEXT], r[S.EVENT_MEMBERS]) for r in rows_of(parse_one(MemoTraceCsv(), path))]
    assert got == [("recall", '"老张" 撤回了一条消息', ["老张"]), ("recall", "你撤回了一条消息", ["你"]),
                   ("pat", '"wxid_a" 拍了拍 "wxid_b"', ["wxid_a", "wxid_b"])]


# --- memotrace-html ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def html_rows():
    return rows_of(parse_one(MemoTraceHtml(), HTML_FILE))


def html_page(tmp_path: Path, objects: str, title: str = "游泳群", name: str = "游泳群.html") -> Path:
    text = (f"<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<title>{title}</title>\n</head>\n<body>\n<script>\n"
            f"const chatMessages = [\n{objects}\n];\n\n</script>\n</body>\n</html>\n")
    return write(tmp_path, name, text)


def test_html_group_is_named_by_the_page_title():
    conversation = parse_one(MemoTraceHtml(), HTML_FILE)
    assert (conversation.platform, conversation.name, conversation.native_id) == ("wechat", HTML_GROUP, None)
    assert conversation.is_group is True


def test_html_counts(html_rows):
    assert len(html_rows) == 30
    assert len({r[S.SENDER_ID] for r in html_rows if r[S.SENDER_ID]}) == 8
    assert Counter(r[S.KIND] for r in html_rows) == {
        "text": 14, "image": 1, "sticker": 1, "voice": 1, "video": 1, "file": 1, "link": 2, "transfer": 2,
        "call": 1, "join": 2, "recall": 1, "pat": 1, "leave": 1, "rename": 1}
    assert html_rows[0][S.TS] == utc("2024-04-13T00:00:05")
    assert html_rows[-1][S.TS] == utc("2024-04-13T10:05:00")
    assert all(r[S.MSG_ID] is None for r in html_rows)  # MemoTrace's page carries no message ids


def test_html_source_line_is_where_each_object_starts(html_rows):
    # MemoTrace writes objects back to back; only link cards, transfers and calls end their line
    lines = [r[S.SOURCE_LINE] for r in html_rows]
    assert lines == [58] * 13 + [59] * 5 + [60] + [61] * 2 + [62] * 9


def test_html_system_notices_are_events_without_a_sender(html_rows):
    notices = [r for r in html_rows if r[S.SENDER_ID] is None]
    assert [(r[S.KIND], r[S.EVENT_MEMBERS]) for r in notices] == [
        ("join", ["乐乐妈"]), ("join", ["晨晨奶奶"]), ("recall", ["Tom&Jerry爸爸"]), ("pat", ["晨晨奶奶", "李教练"]),
        ("leave", ["泳具特价-小陈"]), ("rename", ["王教练-中级班"])]
    assert all(r[S.SENDER_NAME] == "系统消息" for r in notices)
    assert notices[2][S.TEXT] == '"Tom&Jerry爸爸" 撤回了一条消息'  # JS and HTML escapes undone


def test_html_names_are_unescaped_and_keyed_by_name(html_rows):
    names = {r[S.SENDER_NAME] for r in html_rows if r[S.SENDER_ID]}
    assert {"Tom&Jerry爸爸", "Lily's_Mom", "小宇妈妈（周六班）"} <= names
    assert all(r[S.SENDER_ID] == S.name_based_id(r[S.SENDER_NAME]) for r in html_rows if r[S.SENDER_ID])


def test_html_text_keeps_lines_escapes_and_smiley_codes(html_rows):
    assert html_rows[0][S.TEXT] == ("各位家长早上好[太阳]\n今天上午课程安排：\n9:00-10:00 初级班（浅水区）\n"
                                    "10:15-11:15 中级班（深水区）\n请提前15分钟到场热身，记得带泳帽泳镜～")
    question = next(r for r in html_rows if "水温" in (r[S.TEXT] or "") and r[S.SENDER_NAME] == "乐乐妈")
    assert question[S.TEXT] == '请问泳池水温<28℃吗？孩子怕冷，"防寒泳衣"需要买吗'
    assert any(r[S.TEXT] == "发错群了，不好意思[捂脸]" for r in html_rows)
    assert [r[S.MENTIONS] for r in html_rows if r[S.MENTIONS]] == [["李教练"], ["晨晨奶奶"]]


def test_html_quotes_split_refer_text_at_the_full_width_colon(html_rows):
    quotes = [r for r in html_rows if json.loads(r[S.EXTRA]).get("sub_type") == 57]
    assert [(r[S.TEXT], r[S.QUOTE_SENDER], r[S.QUOTE_TEXT]) for r in quotes] == [
        ("泳衣泳帽泳镜、毛巾和拖鞋，再带一瓶温水就行", "乐乐妈", "谢谢李教练拉我进群🙏 乐乐今天第一次上课，需要准备什么吗？"),
        ("可以的，补课在周日下午4点，提前一天在群里说一声就行", "Lily's_Mom", "请问下周六暂停一次可以吗？要出去旅游\n\n能不能补课？"),
        ("收到", None, None)]
    assert json.loads(quotes[2][S.EXTRA])["quote"] == "未知"  # no refer_text, as the TXT's 引用:未知


def test_html_media_become_placeholders_with_their_paths_in_extra(html_rows):
    by_kind = {r[S.KIND]: r for r in html_rows}
    assert (by_kind["image"][S.TEXT], json.loads(by_kind["image"][S.EXTRA])["src"]) == (
        "[图片]", "./image/2024-04/5a1f0c3e9b7d4e21a6c8.jpg")
    assert by_kind["sticker"][S.TEXT] == "[表情包]"  # a type 3 object whose text is the sticker's CDN URL
    voice = json.loads(by_kind["voice"][S.EXTRA])
    assert (by_kind["voice"][S.TEXT], voice["voice_to_text"]) == ("[语音]", "李教练你好，我是晨晨奶奶，今天是我送晨晨过来")
    assert json.loads(by_kind["file"][S.EXTRA])["file_name"] == "春季班课程表.pdf"
    assert by_kind["video"][S.TEXT] == "[视频]"


def test_html_cards_transfers_and_calls(html_rows):
    links = [r[S.TEXT] for r in html_rows if r[S.KIND] == "link"]
    card = ("[链接]:title:春季游泳课常见问题解答｜浪花少儿游泳馆\ndescription:耳朵进水怎么办？多久能学会换气？一文说清\n"
            "url:https://mp.weixin.qq.com/s/Lh7qTz2mPx4KvN9b\nname:浪花少儿游泳馆")
    assert links == [card, "[音乐分享]"]
    transfers = [(r[S.SENDER_NAME], r[S.TEXT], json.loads(r[S.EXTRA])["paysubtype"])
                 for r in html_rows if r[S.KIND] == "transfer"]
    assert transfers == [("乐乐妈", "[转账] ￥680.00 4月课时费", 1), ("李教练", "[转账] ￥680.00 4月课时费", 3)]
    call = next(r for r in html_rows if r[S.KIND] == "call")
    assert call[S.TEXT] == "[语音通话] 通话时长 02:15"


def test_html_and_txt_write_the_same_text_for_the_same_kinds(tmp_path):
    objects = ("{ type:3, text: './image/a.jpg',is_send:0,avatar_path:'',timestamp:1715994000,is_chatroom:1,"
               "displayname:'Tom&amp;Jerry'},{ type:1, text: '好的\\n明天见',is_send:0,avatar_path:'',"
               "timestamp:1715994060,is_chatroom:1,displayname:'Kelly\\'s_Mom'},")
    html_rows_ = rows_of(parse_one(MemoTraceHtml(), html_page(tmp_path, objects)))
    txt = "2024-05-18 09:00:00 Tom&amp;Jerry\n[图片]\n\n2024-05-18 09:01:00 Kelly\\'s_Mom\n好的\n明天见\n\n"
    txt_rows = rows_of(parse_one(MemoTraceTxt(), write(tmp_path, "游泳群.txt", txt)))
    columns = [S.TS, S.SENDER_ID, S.SENDER_NAME, S.KIND, S.TEXT]
    assert [[r[c] for c in columns] for r in html_rows_] == [[r[c] for c in columns] for r in txt_rows]


def test_html_without_a_title_is_named_after_the_file_and_sorted_by_time(tmp_path):
    objects = ("{ type:1, text: '晚',is_send:1,avatar_path:'',timestamp:1715994060,is_chatroom:0,displayname:'我'},"
               "{ type:1, text: '早',is_send:0,avatar_path:'',timestamp:1715994000,is_chatroom:0,displayname:'老陈'},")
    conversation = parse_one(MemoTraceHtml(), html_page(tmp_path, objects, title="出错了", name="老陈.html"))
    assert conversation.name == "老陈"
    assert conversation.is_group is False
    assert [r[S.TEXT] for r in rows_of(conversation)] == ["早", "晚"]


def test_html_truncated_inside_an_object_names_its_line(tmp_path):
    data = HTML_FILE.read_text(encoding="utf-8")
    cut = data.index("请问下周六暂停一次")  # inside the first object on line 62
    with pytest.raises(FormatError) as err:
        parse_one(MemoTraceHtml(), write(tmp_path, "cut.html", data[:cut]))
    assert err.value.line == 62
    assert "truncated" in err.value.message


@pytest.mark.parametrize("objects, line, words", [
    ("{ type:1, text: 'a',is_send:0,avatar_path:'',is_chatroom:1,displayname:'老陈'},", 9, "no timestamp"),
    ("{ type:1, text: 'a',timestamp:1715994000,displayname:'老陈'},\n{ type:'x', text: 'b',timestamp:1715994000},",
     10, "non-numeric type"),
    ("{ type:1, text: 'a',timestamp:99999999999999,displayname:'老陈'},", 9, "out of range"),
    ("{ type:1, text: {nested:1},timestamp:1715994000},", 9, "unsupported value"),
])
def test_html_bad_objects_are_format_errors_naming_their_line(tmp_path, objects, line, words):
    with pytest.raises(FormatError) as err:
        parse_one(MemoTraceHtml(), html_page(tmp_path, objects))
    assert err.value.line == line
    assert words in err.value.message


def test_html_page_without_the_message_list_is_an_error(tmp_path):
    path = write(tmp_path, "x.html", "<!DOCTYPE html>\n<html><body><p>导出失败</p></body></html>\n")
    assert "memotrace-html" not in [i.name for i in sniff(path)]
    with pytest.raises(FormatError):
        parse_one(MemoTraceHtml(), path)


def test_html_sniff_leaves_other_html_alone(tmp_path):
    echotrace = "<!DOCTYPE html>\n<html><script>const messagesData = [{\"date\":\"2025-11-02\"}];</script></html>\n"
    assert "memotrace-html" not in [i.name for i in sniff(write(tmp_path, "e.html", echotrace))]


# --- refused exports ---------------------------------------------------------------------------

def test_ai_txt_is_refused_with_the_reason_and_what_to_export_instead():
    with pytest.raises(FormatError) as err:
        list(MemoTraceAiTxt().parse(AI_TXT_FILE, ParseOptions()))
    assert err.value.path == str(AI_TXT_FILE)
    assert err.value.line == 3  # the first day banner, after the two blank lines MemoTrace starts with
    assert "merged under one name" in err.value.message
    assert "CSV" in err.value.message and "TXT" in err.value.message


def test_llm_json_is_refused_with_the_reason_and_what_to_export_instead():
    with pytest.raises(FormatError) as err:
        list(MemoTraceLlmJson().parse(LLM_JSON_FILE, ParseOptions()))
    assert err.value.line == 3
    assert "no times and no sender names" in err.value.message
    assert "CSV" in err.value.message


def test_importing_a_refused_export_reports_the_file_and_reason(tmp_path):
    from grouplens import import_paths
    report = import_paths(tmp_path / "store", [REJECTED])
    assert sorted((Path(f.path).name, f.format, f.status) for f in report.files) == [
        (AI_TXT_FILE.name, "memotrace-ai-txt", "error"), (LLM_JSON_FILE.name, "memotrace-llm-json", "error")]
    assert all(f.error and "Export the chat again" in f.error for f in report.files)
    assert report.totals()["added"] == 0


def test_refusal_sniffs_need_their_exact_markers(tmp_path):
    near_banner = write(tmp_path, "a.txt", "\n\n" + "*" * 19 + "2024-05-18" + "*" * 20 + "\n老张:早 \n")
    chat_json = write(tmp_path, "b.json", '[{"conversation": [{"role": "user", "content": "x"}]}]')
    assert "memotrace-ai-txt" not in [i.name for i in sniff(near_banner)]
    assert "memotrace-llm-json" not in [i.name for i in sniff(chat_json)]
