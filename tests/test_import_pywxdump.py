"""PyWxDump exports: the paged CSV with users.json, the pre-2024-04 CSV, the JSON export with
users.json, and the HTML export's data.js.

The CSV fixture group is a community clinic's hypertension group: 32 messages on 2024-06-03,
exported in pages of 20 (``…_0_20.csv`` holds ids 1-20, ``…_20_40.csv`` ids 21-32), and an
older export of 16 messages from 2023-12-20 with a JSON ``content`` column and no users.json.
The JSON and data.js fixtures are one day (2024-07-06) of a yoga studio's members group, 26
rows, exported both ways; data.js comes from a release that writes 我 for your own rows.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from helpers import utc

from grouplens import schema as S
from grouplens.errors import FormatError
from grouplens.importers import detect, sniff
from grouplens.importers.base import ParseOptions
from grouplens.importers.wechat.pywxdump import CSV_HEADER, PyWxDumpCsv, PyWxDumpHtml, PyWxDumpJson, PyWxDumpUsers

SAMPLES = Path(__file__).parent.parent / "sample_logs"
ROOM = "20857913364@chatroom"
PAGE_1 = SAMPLES / "pywxdump-csv" / f"{ROOM}_0_20.csv"
PAGE_2 = SAMPLES / "pywxdump-csv" / f"{ROOM}_20_40.csv"
USERS = SAMPLES / "pywxdump-csv" / "users.json"
OLD = SAMPLES / "pywxdump-csv-old" / f"{ROOM}_0_17.csv"
HEADER = "id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime"
YOGA_ROOM = "34617829105@chatroom"
JSON_FILE = SAMPLES / "pywxdump-json" / f"{YOGA_ROOM}_0_27.json"
JSON_USERS = SAMPLES / "pywxdump-json" / "users.json"
DATA_JS = SAMPLES / "pywxdump-html" / "data.js"


def parse_one(path: Path):
    conversations = list(PyWxDumpCsv().parse(path, ParseOptions()))
    assert len(conversations) == 1
    return conversations[0]


def rows_of(path: Path) -> list[dict]:
    return parse_one(path).messages.to_pylist()


@pytest.fixture(scope="module")
def page1():
    return rows_of(PAGE_1)


@pytest.fixture(scope="module")
def page2():
    return rows_of(PAGE_2)


@pytest.fixture(scope="module")
def old():
    return rows_of(OLD)


# --- detection ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path, name", [(PAGE_1, "pywxdump-csv"), (PAGE_2, "pywxdump-csv"), (OLD, "pywxdump-csv"),
                                        (USERS, "pywxdump-users"), (JSON_FILE, "pywxdump-json"),
                                        (JSON_USERS, "pywxdump-users"), (DATA_JS, "pywxdump-html")])
def test_fixture_is_detected_by_exactly_one_format(path, name):
    assert detect(path).name == name
    assert len(sniff(path)) == 1


def test_users_json_is_a_sidecar_without_messages():
    importer = detect(USERS)
    assert importer.sidecar is True
    assert list(importer.parse(USERS, ParseOptions())) == []


@pytest.mark.parametrize("text", [
    "id,MsgSvrID,type_name,is_sender,talker,msg,src,CreateTime\r\n1,1,text,0,老张,早,,2026-01-15T01:12:03.000Z\r\n",
    "Time,SenderName,Sender,TalkerName,Talker,Content\n",
])
def test_csv_sniff_leaves_similar_headers_alone(tmp_path, text):
    path = tmp_path / "x.csv"
    path.write_text(text, encoding="utf-8")
    assert "pywxdump-csv" not in [i.name for i in sniff(path)]


def test_users_sniff_needs_contact_objects(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"a": {"wxid": "a"}, "b": [1]}), encoding="utf-8")
    assert "pywxdump-users" not in [i.name for i in sniff(path)]


# --- current layout ----------------------------------------------------------------------------

def test_pages_land_in_one_group_keyed_by_the_room_id():
    first, second = parse_one(PAGE_1), parse_one(PAGE_2)
    assert first.native_id == second.native_id == ROOM
    # users.json names talkers only, never the room, so the group is named by its id
    assert first.name == second.name == ROOM
    assert first.platform == "wechat" and first.is_group is True


def test_page_counts(page1, page2):
    assert (len(page1), len(page2)) == (20, 12)
    assert len({r[S.SENDER_ID] for r in page1 + page2 if r[S.SENDER_ID]}) == 9
    assert len({r[S.SENDER_ID] for r in page1 if r[S.SENDER_ID]}) == 7
    assert Counter(r[S.KIND] for r in page1) == {"text": 10, "image": 2, "voice": 1, "link": 1, "sticker": 1,
                                                 "join": 2, "leave": 1, "recall": 1, "pat": 1}
    assert Counter(r[S.KIND] for r in page2) == {"text": 6, "transfer": 2, "video": 1, "forward": 1, "file": 1,
                                                 "location": 1}
    assert page1[0][S.TS] == utc("2024-06-03T00:00:05")
    assert page2[-1][S.TS] == utc("2024-06-03T11:35:00")


def test_msg_id_is_msgsvrid(page1, page2):
    assert page1[0][S.MSG_ID] == "7381456210934941905"
    assert page2[0][S.MSG_ID] == "7381456210935100285"
    assert len({r[S.MSG_ID] for r in page1 + page2}) == 32


def test_names_come_from_users_json_remark_then_nickname_then_wxid(page1):
    names = {r[S.SENDER_ID]: r[S.SENDER_NAME] for r in page1 if r[S.SENDER_ID]}
    assert names["wxid_liunurse22"] == "社区护士小刘"  # remark
    assert names["wxid_zhoushu66"] == "周叔"  # empty remark: nickname
    assert names["wxid_drwang1988"] == "王晓峰医生"  # yourself, by nickname
    assert names["wxid_q7t3health"] == "wxid_q7t3health"  # not in users.json


def test_system_rows_have_no_sender_and_name_their_members(page1):
    notices = [r for r in page1 if r[S.SENDER_ID] is None]
    assert [(r[S.SOURCE_LINE], r[S.KIND], r[S.EVENT_MEMBERS]) for r in notices] == [
        (12, "join", ["刘奶奶"]), (14, "join", ["Amy张"]), (23, "leave", ["健康顾问阿强"]),
        (24, "recall", ["李建国"]), (28, "pat", ["开心就好", "王晓峰医生"])]
    assert all(r[S.SENDER_NAME] == "系统消息" for r in notices)
    recall = notices[3]
    assert json.loads(recall[S.EXTRA])["talker"] == "wxid_lijianguo53"
    assert json.loads(recall[S.EXTRA])["type_name"] == "消息撤回1"


def test_quote_reply_is_split_into_reply_and_quote(page1, page2):
    quote = next(r for r in page1 if r[S.QUOTE_TEXT])
    assert quote[S.TEXT] == "偏高一点，先别自己加药，周三来中心我给您看看"
    assert quote[S.QUOTE_SENDER] == "开心就好"
    assert quote[S.QUOTE_TEXT] == "我早上测的是145/92，需要加药吗？"
    assert quote[S.QUOTE_TS] == utc("2024-06-03T00:11:20")
    assert quote[S.SOURCE_LINE] == 9
    assert sum(1 for r in page1 + page2 if r[S.QUOTE_TEXT]) == 1


def test_multiline_text_mentions_and_line_numbers(page1, page2):
    assert page1[0][S.TEXT] == "各位叔叔阿姨早上好！\n本周三上午8:30-11:00社区中心免费测血压、查血糖\n请带好医保卡和近期用药清单"
    assert [r[S.MENTIONS] for r in page1 + page2 if r[S.MENTIONS]] == [["刘奶奶"], ["Sunny"]]
    location = next(r for r in page2 if r[S.KIND] == "location")
    assert location[S.SOURCE_LINE] == 18
    assert location[S.TEXT].startswith("纬度:【31.2304】 经度:【121.4737】\n位置：")


def test_extra_keeps_row_id_type_and_short_media_paths(page1, page2):
    image = page1[1]
    assert json.loads(image[S.EXTRA]) == {
        "id": 2, "type_name": "图片", "is_sender": 0,
        "src": "FileStorage\\MsgAttach\\9a3f5c1e7b2d4f6a8c0e1b3d5f7a9c2e\\Image\\2024-06\\"
               "c5e1a7b9d3f5e7a9c1b3d5f7a9b1c3d5.dat"}
    forward = next(r for r in page2 if r[S.KIND] == "forward")
    assert "src" not in json.loads(forward[S.EXTRA])  # a printed dict of the forwarded items: too big


def test_group_name_comes_from_a_room_entry_in_users_json(tmp_path):
    shutil.copy(PAGE_2, tmp_path / PAGE_2.name)
    users = json.loads(USERS.read_text(encoding="utf-8"))
    users[ROOM] = {"wxid": ROOM, "nickname": "阳光社区高血压患者管理群", "remark": ""}
    (tmp_path / "users.json").write_text(json.dumps(users, ensure_ascii=False), encoding="utf-8")
    assert parse_one(tmp_path / PAGE_2.name).name == "阳光社区高血压患者管理群"


def test_without_users_json_names_are_wxids(tmp_path):
    shutil.copy(PAGE_2, tmp_path / PAGE_2.name)
    rows = rows_of(tmp_path / PAGE_2.name)
    assert all(r[S.SENDER_NAME] == r[S.SENDER_ID] for r in rows)


# --- old layout (content JSON) -----------------------------------------------------------------

def test_old_layout_counts(old):
    conversation = parse_one(OLD)
    assert (conversation.native_id, conversation.name) == (ROOM, ROOM)
    assert len(old) == 16
    assert len({r[S.SENDER_ID] for r in old if r[S.SENDER_ID]}) == 6
    assert Counter(r[S.KIND] for r in old) == {"text": 7, "sticker": 1, "image": 1, "voice": 1, "link": 1,
                                               "transfer": 1, "join": 2, "recall": 1, "pat": 1}
    assert old[0][S.TS] == utc("2023-12-20T01:00:00")
    assert old[-1][S.TS] == utc("2023-12-20T09:00:00")


def test_old_layout_self_is_wo_and_unknown_type_recall_is_an_event(old):
    assert old[0][S.SENDER_ID] == S.name_based_id("我")
    assert old[0][S.TEXT] == "各位好，这是社区高血压患者管理群，我是家庭医生王晓峰。\n群里可以问用药、测压的问题，工作日当天回复。"
    recall = next(r for r in old if r[S.KIND] == "recall")
    assert (recall[S.SENDER_ID], recall[S.EVENT_MEMBERS]) == (None, ["开心就好"])
    assert json.loads(recall[S.EXTRA])["type_name"] == "未知"
    join = old[1]
    assert join[S.EVENT_MEMBERS] == ["李建国", "开心就好", "周叔"]


def test_old_layout_quote_and_media_src(old):
    quote = next(r for r in old if r[S.QUOTE_TEXT])
    assert (quote[S.TEXT], quote[S.QUOTE_SENDER], quote[S.QUOTE_TS]) == (
        "陈伯您好，明天上午来中心，我们调整一下方案", "陈伯", utc("2023-12-20T01:22:10"))
    voice = next(r for r in old if r[S.KIND] == "voice")
    assert json.loads(voice[S.EXTRA])["src"].endswith("_0_7381456210934878553.wav")
    assert [r[S.MENTIONS] for r in old if r[S.MENTIONS]] == [["王晓峰医生"]]


# --- bad input ---------------------------------------------------------------------------------

def write_csv(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / f"{ROOM}_0_9.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def test_impossible_create_time_names_its_line(tmp_path):
    path = write_csv(tmp_path, [HEADER, f"1,71,文本,0,wxid_a,{ROOM},早,,2024-06-03 08:00:00",
                                f"2,72,文本,0,wxid_b,{ROOM},好,,2024-13-45 08:00:00"])
    with pytest.raises(FormatError) as err:
        parse_one(path)
    assert err.value.line == 3


def test_row_with_wrong_field_count_names_its_line(tmp_path):
    path = write_csv(tmp_path, [HEADER, f"1,71,文本,0,wxid_a,{ROOM},早,2024-06-03 08:00:00"])
    with pytest.raises(FormatError) as err:
        parse_one(path)
    assert err.value.line == 2


def test_truncated_page_names_the_cut_row(tmp_path):
    data = PAGE_1.read_bytes()
    cut = data.index("请带好医保卡".encode())  # inside row 1's quoted multi-line text
    path = tmp_path / PAGE_1.name
    path.write_bytes(data[:cut])
    with pytest.raises(FormatError) as err:
        parse_one(path)
    assert err.value.line == 2


def test_old_content_that_is_not_json_names_its_line(tmp_path):
    header = "id,MsgSvrID,type_name,is_sender,talker,room_name,content,CreateTime"
    path = write_csv(tmp_path, [header, f'1,71,文本,1,我,{ROOM},"{{""src"": """", ""msg"": ""早""}}",2023-12-20 09:00:00',
                                f'2,72,文本,0,wxid_a,{ROOM},"{{""src"": """", ""msg"": ""截断",2023-12-20 09:01:00'])
    with pytest.raises(FormatError) as err:
        parse_one(path)
    assert err.value.line == 3


def test_old_content_of_the_wrong_shape_is_an_error(tmp_path):
    header = "id,MsgSvrID,type_name,is_sender,talker,room_name,content,CreateTime"
    path = write_csv(tmp_path, [header, f'1,71,文本,1,我,{ROOM},"[1, 2]",2023-12-20 09:00:00'])
    with pytest.raises(FormatError) as err:
        parse_one(path)
    assert err.value.line == 2


@pytest.mark.parametrize("users_text", ['{"wxid_a": {"wxid": "wxid_a", "nickname": "阿', '["wxid_a"]',
                                        "[" * 100_000 + "]" * 100_000])
def test_damaged_users_json_is_a_format_error_naming_it(tmp_path, users_text):
    shutil.copy(PAGE_2, tmp_path / PAGE_2.name)
    (tmp_path / "users.json").write_text(users_text, encoding="utf-8")
    with pytest.raises(FormatError) as err:
        parse_one(tmp_path / PAGE_2.name)
    assert err.value.path == str(tmp_path / "users.json")
    with pytest.raises(FormatError):
        list(PyWxDumpUsers().parse(tmp_path / "users.json", ParseOptions()))


# --- pywxdump-json and pywxdump-html (data.js) -------------------------------------------------

def parse_with(importer, path: Path):
    conversations = list(importer.parse(path, ParseOptions()))
    assert len(conversations) == 1
    return conversations[0]


@pytest.fixture(scope="module")
def json_rows():
    return parse_with(PyWxDumpJson(), JSON_FILE).messages.to_pylist()


@pytest.fixture(scope="module")
def datajs_rows():
    return parse_with(PyWxDumpHtml(), DATA_JS).messages.to_pylist()


def test_json_group_is_keyed_by_the_room_id():
    conversation = parse_with(PyWxDumpJson(), JSON_FILE)
    assert (conversation.platform, conversation.native_id, conversation.name) == ("wechat", YOGA_ROOM, YOGA_ROOM)
    assert conversation.is_group is True


def test_json_counts(json_rows):
    assert len(json_rows) == 26
    assert len({r[S.SENDER_ID] for r in json_rows if r[S.SENDER_ID]}) == 8
    assert Counter(r[S.KIND] for r in json_rows) == {
        "text": 9, "link": 2, "image": 1, "sticker": 1, "voice": 1, "transfer": 2, "location": 1, "forward": 1,
        "file": 1, "video": 1, "call": 1, "join": 2, "leave": 1, "recall": 1, "pat": 1}
    assert sum(1 for r in json_rows if r[S.SENDER_ID] is None) == 5
    assert json_rows[0][S.TS] == utc("2024-07-05T23:30:00")
    assert json_rows[-1][S.TS] == utc("2024-07-06T13:30:00")
    assert json_rows[0][S.MSG_ID] == "7388216540331215920"
    assert len({r[S.MSG_ID] for r in json_rows}) == 26


def test_json_rows_start_on_their_own_lines(json_rows):
    # indent=4: each row is 12 lines, except the forward whose src is a dict of its items
    assert [r[S.SOURCE_LINE] for r in json_rows[:3]] == [2, 14, 26]
    assert [r[S.SOURCE_LINE] for r in json_rows[21:23]] == [254, 279]


def test_json_names_events_quotes_and_mentions(json_rows):
    names = {r[S.SENDER_ID]: r[S.SENDER_NAME] for r in json_rows if r[S.SENDER_ID]}
    assert names["wxid_linjie0312"] == "林姐-周二晚课"  # remark
    assert names["wxid_m8k2p5q1z3"] == "Momo🌸"  # nickname
    assert names["wxid_a1b2c3d4e5"] == "wxid_a1b2c3d4e5"  # not in users.json
    events = [(r[S.KIND], r[S.EVENT_MEMBERS]) for r in json_rows if r[S.SENDER_ID] is None]
    assert events == [("join", ["Momo🌸"]), ("recall", ["刘洋"]), ("leave", ["瑜伽垫批发-阿辉"]), ("join", ["Coco"]),
                      ("pat", ["林姐-周二晚课", "悦动瑜伽-小雅老师"])]
    quote = next(r for r in json_rows if r[S.QUOTE_TEXT])
    assert (quote[S.TEXT], quote[S.QUOTE_SENDER], quote[S.QUOTE_TS]) == (
        "可以的，流瑜伽有基础和进阶两个级别，建议先上周六上午的基础班", "Momo🌸", utc("2024-07-05T23:46:20"))
    assert [r[S.MENTIONS] for r in json_rows if r[S.MENTIONS]] == [["Coco"]]
    assert json_rows[-1][S.TEXT] == "今天的阴瑜伽太舒服了，睡前做一遍[月亮]\n明天还来！"


def test_json_keeps_short_media_sources_not_forwarded_items(json_rows):
    voice = next(r for r in json_rows if r[S.KIND] == "voice")
    assert json.loads(voice[S.EXTRA])["src"] == f"{YOGA_ROOM}\\2024-07-06_08-30-00_0_7388216540331279272.wav"
    forward = next(r for r in json_rows if r[S.KIND] == "forward")
    assert "src" not in json.loads(forward[S.EXTRA])


def test_datajs_reads_names_from_inside_and_gives_your_rows_your_wxid(datajs_rows):
    conversation = parse_with(PyWxDumpHtml(), DATA_JS)
    assert (conversation.native_id, conversation.name) == (YOGA_ROOM, YOGA_ROOM)
    mine = [r for r in datajs_rows if json.loads(r[S.EXTRA])["is_sender"] == 1]
    assert len(mine) == 9
    assert {(r[S.SENDER_ID], r[S.SENDER_NAME]) for r in mine} == {("wxid_yogaxiaoya", "悦动瑜伽-小雅老师")}
    assert {r[S.SOURCE_LINE] for r in datajs_rows} == {5}  # the whole list is on the fifth line


def without_lines(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != S.SOURCE_LINE} for r in rows]


def test_csv_json_and_datajs_of_the_same_rows_map_identically(tmp_path, json_rows, datajs_rows):
    # Write the JSON export's rows as PyWxDump's CSV writer would, beside the same users.json
    rows = json.loads(JSON_FILE.read_text(encoding="utf-8"))
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_HEADER)
    writer.writerows([[r[c] for c in CSV_HEADER] for r in rows])
    (tmp_path / f"{YOGA_ROOM}_0_27.csv").write_bytes(buffer.getvalue().encode("utf-8"))
    shutil.copy(JSON_USERS, tmp_path / "users.json")
    csv_rows = rows_of(tmp_path / f"{YOGA_ROOM}_0_27.csv")
    assert without_lines(csv_rows) == without_lines(json_rows) == without_lines(datajs_rows)


def test_json_sniff_leaves_chatlog_json_alone(tmp_path):
    path = tmp_path / "chatlog.json"
    path.write_text('[{"seq": 1, "time": "2024-03-20T09:00:00+08:00", "talker": "1@chatroom", "isSelf": false}]',
                    encoding="utf-8")
    assert "pywxdump-json" not in [i.name for i in sniff(path)]


def write_json_rows(tmp_path: Path, text: str) -> Path:
    path = tmp_path / f"{YOGA_ROOM}_0_9.json"
    path.write_text(text, encoding="utf-8")
    return path


def json_row(**changes) -> dict:
    row = {"id": 1, "MsgSvrID": "71", "type_name": "文本", "is_sender": 0, "talker": "wxid_a", "room_name": YOGA_ROOM,
           "msg": "早", "src": "", "extra": {}, "CreateTime": "2024-07-06 08:00:00"}
    row.update(changes)
    return row


def test_json_truncated_names_the_cut_row(tmp_path):
    data = JSON_FILE.read_text(encoding="utf-8")
    cut = data.index("打卡第21天💪 体态")  # inside row 7, which starts on line 74
    with pytest.raises(FormatError) as err:
        parse_with(PyWxDumpJson(), write_json_rows(tmp_path, data[:cut]))
    assert err.value.line == 74


@pytest.mark.parametrize("rows, line, words", [
    ([json_row(), json_row(id=2, CreateTime="2024-13-45 08:00:00")], 14, "impossible"),
    ([json_row(), json_row(id=2, is_sender="yes")], 14, "is_sender is not a number"),
    ([json_row(), {k: v for k, v in json_row(id=2).items() if k != "talker"}], 14, "no talker"),
    ([json_row(), json_row(id=2, msg=["早"])], 14, "msg is not text"),
    ([json_row(), [1, 2]], 14, "not an object"),
    ([json_row(room_name="")], 2, "no room_name"),
])
def test_json_bad_rows_are_format_errors_naming_their_line(tmp_path, rows, line, words):
    path = write_json_rows(tmp_path, json.dumps(rows, ensure_ascii=False, indent=4))
    with pytest.raises(FormatError) as err:
        parse_with(PyWxDumpJson(), path)
    assert err.value.line == line
    assert words in err.value.message


def test_json_that_is_not_a_list_or_has_trailing_text_is_an_error(tmp_path):
    with pytest.raises(FormatError) as err:
        parse_with(PyWxDumpJson(), write_json_rows(tmp_path, '{"id": 1}'))
    assert err.value.line == 1
    with pytest.raises(FormatError) as err:
        parse_with(PyWxDumpJson(), write_json_rows(tmp_path, json.dumps([json_row()]) + "\n]"))
    assert err.value.line == 2


def write_datajs(tmp_path: Path, users: str, msgs: str) -> Path:
    path = tmp_path / "data.js"
    path.write_text("localStorage.setItem('isUseLocalData', 't')  //  't' : 'f' \nconst local_msg_count = 1\n"
                    f"const local_mywxid = 'wxid_me' \nconst local_user_list = {users} \n"
                    f"const local_msg_list = {msgs} \n", encoding="utf-8")
    return path


def test_datajs_damaged_parts_name_their_line(tmp_path):
    good_rows = json.dumps([json_row()], ensure_ascii=False)
    with pytest.raises(FormatError) as err:
        parse_with(PyWxDumpHtml(), write_datajs(tmp_path, '{"wxid_a": {"wxid": "wxid_a", "nick', good_rows))
    assert err.value.line == 4
    with pytest.raises(FormatError) as err:
        parse_with(PyWxDumpHtml(), write_datajs(tmp_path, '["wxid_a"]', good_rows))
    assert err.value.line == 4
    with pytest.raises(FormatError) as err:
        parse_with(PyWxDumpHtml(), write_datajs(tmp_path, "{}", good_rows[:-5]))
    assert err.value.line == 5


def test_datajs_without_its_message_list_is_an_error(tmp_path):
    path = tmp_path / "data.js"
    path.write_text("const local_msg_count = 1\nconst local_mywxid = 'wxid_me'\n", encoding="utf-8")
    assert detect(path).name == "pywxdump-html"
    with pytest.raises(FormatError) as err:
        parse_with(PyWxDumpHtml(), path)
    assert "local_msg_list" in err.value.message
