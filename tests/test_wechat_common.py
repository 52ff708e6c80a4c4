"""What every WeChat importer shares: one type-code table for PC 3.x, WeChat 4.x and Android, the
exporters' type names, system notices, and the readers for JavaScript and JSON arrays."""

from __future__ import annotations

from pathlib import Path

import pytest

from grouplens.errors import FormatError
from grouplens.importers.wechat.common import (
    clean_notice,
    iter_js_objects,
    iter_json_array,
    js_unescape,
    kind_from_type_code,
    kind_from_type_name,
    normalize_type_code,
    notice_kind,
    placeholder_for,
)

HERE = Path("page.html")

# (what it is, raw code as an exporter writes it, sub-type column if any, PC pair, kind)
TYPE_CODES = [
    # PC 3.x (Type, SubType) pairs pass through unchanged
    ("PC text", 1, 0, (1, 0), "text"),
    ("PC image", 3, 0, (3, 0), "image"),
    ("PC voice", 34, 0, (34, 0), "voice"),
    ("PC card", 42, 0, (42, 0), "card"),
    ("PC video", 43, 0, (43, 0), "video"),
    ("PC sticker", 47, 0, (47, 0), "sticker"),
    ("PC location", 48, 0, (48, 0), "location"),
    ("PC quote", 49, 57, (49, 57), "text"),
    ("PC link", 49, 5, (49, 5), "link"),
    ("PC file", 49, 6, (49, 6), "file"),
    ("PC forward", 49, 19, (49, 19), "forward"),
    ("PC transfer", 49, 2000, (49, 2000), "transfer"),
    ("PC red packet", 49, 2001, (49, 2001), "red_packet"),
    ("PC unknown app card", 49, 9999, (49, 9999), "link"),
    ("PC call", 50, 0, (50, 0), "call"),
    ("PC notice", 10000, 0, (10000, 0), "system"),
    ("PC recall notice", 10000, 57, (10000, 57), "recall"),
    ("PC pat notice", 10000, 4, (10000, 4), "pat"),
    ("PC invitation notice", 10000, 8000, (10000, 8000), "join"),
    # WeChat 4.x packed local_type = (SubType << 32) | Type
    ("4.x quote", 244813135921, 0, (49, 57), "text"),
    ("4.x card link", 17179869233, 0, (49, 4), "link"),
    ("4.x article", 21474836529, 0, (49, 5), "link"),
    ("4.x mini program", 154618822705, 0, (49, 36), "link"),
    ("4.x music", 12884901937, 0, (49, 3), "link"),
    ("4.x red packet", 8594229559345, 0, (49, 2001), "red_packet"),
    ("4.x forward", 81604378673, 0, (49, 19), "forward"),
    ("4.x pat", 266287972401, 0, (49, 62), "pat"),
    ("4.x transfer", 8589934592049, 0, (49, 2000), "transfer"),
    ("4.x channels live", 270582939697, 0, (49, 63), "link"),
    ("4.x file", 25769803825, 0, (49, 6), "file"),
    ("4.x recall", 10002, 0, (10002, 0), "recall"),
    ("4.x plain text", 1, 0, (1, 0), "text"),
    # Android EnMicroMsg types (wechat-dump)
    ("Android red envelope", 436207665, 0, (49, 2001), "red_packet"),
    ("Android transfer", 419430449, 0, (49, 2000), "transfer"),
    ("Android reply", 822083633, 0, (49, 57), "text"),
    ("Android file", 1090519089, 0, (49, 6), "file"),
    ("Android app message", 16777265, 0, (49, 5), "link"),
    ("Android custom emoji", 1048625, 0, (47, 0), "sticker"),
    ("Android WeChat video", 62, 0, (43, 0), "video"),
    ("Android QQ music", 1040187441, 0, (49, 3), "link"),
    ("Android location sharing (signed)", -1879048186, 0, (49, 17), "location"),
    ("Android location sharing (unsigned)", 2415919110, 0, (49, 17), "location"),
    ("Android pat", 922746929, 0, (49, 62), "pat"),
    ("Android invitation", 570425393, 0, (10000, 8000), "join"),
    ("Android system", 10000, 0, (10000, 0), "system"),
    # codes nobody documents stay as they are and read as text
    ("unknown", 12345, 0, (12345, 0), "text"),
]


@pytest.mark.parametrize("what, code, sub, pair, kind", TYPE_CODES, ids=[row[0] for row in TYPE_CODES])
def test_every_numbering_maps_to_the_pc_pair_and_its_kind(what, code, sub, pair, kind):
    assert normalize_type_code(code, sub) == pair
    assert kind_from_type_code(code, sub) == kind


@pytest.mark.parametrize("pc, packed, android", [
    ((49, 57), 244813135921, 822083633),  # quote
    ((49, 2001), 8594229559345, 436207665),  # red packet
    ((49, 2000), 8589934592049, 419430449),  # transfer
    ((49, 62), 266287972401, 922746929),  # pat
    ((49, 6), 25769803825, 1090519089),  # file
    ((49, 3), 12884901937, 1040187441),  # music
])
def test_the_same_message_is_the_same_kind_whichever_client_stored_it(pc, packed, android):
    assert kind_from_type_code(*pc) == kind_from_type_code(packed) == kind_from_type_code(android)
    assert placeholder_for(*pc) == placeholder_for(packed) == placeholder_for(android)


def test_a_sub_type_given_beside_a_packed_code_does_not_override_it():
    assert normalize_type_code(244813135921, 57) == (49, 57)
    assert normalize_type_code(436207665, 5) == (436207665, 5)  # an Android code never has a sub-type column


def test_placeholders_follow_memotrace():
    assert placeholder_for(3) == "[图片]"
    assert placeholder_for(49, 3) == "[音乐分享]"
    assert placeholder_for(12884901937) == "[音乐分享]"
    assert placeholder_for(1) is None


TYPE_NAMES = [
    # PyWxDump type_name
    ("文本", "text"), ("图片", "image"), ("动画表情", "sticker"), ("引用回复", "text"), ("(分享)卡片式链接", "link"),
    ("合并转发的聊天记录", "forward"), ("转账", "transfer"), ("语音通话", "call"), ("系统通知", "system"),
    ("拍一拍", "pat"), ("邀请加群", "join"), ("消息撤回1", "recall"), ("消息撤回57", "recall"), ("位置", "location"),
    # WeFlow detailed JSON and EchoTrace labels
    ("文本消息", "text"), ("图片消息", "image"), ("语音消息", "voice"), ("视频消息", "video"), ("名片消息", "card"),
    ("位置消息", "location"), ("链接消息", "link"), ("通话消息", "call"), ("系统消息", "system"), ("群公告", "text"),
    ("转账消息", "transfer"), ("文件消息", "file"), ("聊天记录", "forward"), ("小程序消息", "link"),
    ("引用消息", "text"), ("撤回消息", "recall"), ("红包卡片", "red_packet"), ("拍一拍消息", "pat"),
    ("聊天记录合并转发", "forward"), ("转账卡片", "transfer"), ("视频号直播卡片", "link"),
    # WeFlow's WeClone CSV
    ("image", "image"), ("sticker", "sticker"), ("voice", "voice"), ("file", "file"), ("Video", "video"),
    # names that say nothing reliable: the caller reads the text instead
    ("text", None), ("未知", None), ("其他消息", None), ("", None), (None, None),
]


@pytest.mark.parametrize("name, kind", TYPE_NAMES, ids=[repr(n) for n, _ in TYPE_NAMES])
def test_exporters_type_names_give_kinds(name, kind):
    assert kind_from_type_name(name) == kind


# --- system notices ------------------------------------------------------------------------------

NOTICES = [
    ('"王五"邀请"赵六"加入了群聊', "join", ["赵六"]),
    ('"王五"邀请"赵六、钱七"加入了群聊', "join", ["赵六", "钱七"]),
    ('你邀请"赵六"加入了群聊', "join", ["赵六"]),
    ('"王五"邀请你和"赵六"加入了群聊', "join", ["你", "赵六"]),
    ('"王五"邀请你加入了群聊，群聊参与人还有：小桔、桔小秘', "join", ["你"]),
    ('"赵六"通过扫描"王五"分享的二维码加入群聊', "join", ["赵六"]),
    ('" 赵六"通过扫描你分享的二维码加入群聊', "join", ["赵六"]),
    ("你通过扫描二维码加入群聊，群聊参与人还有：小桔、桔小秘", "join", ["你"]),
    ('你将"赵六"移出了群聊', "leave", ["赵六"]),
    ('"王五"将"赵六"移出了群聊', "leave", ["赵六"]),
    ('"老张"修改群名为“周末羽毛球群”', "rename", ["老张"]),
    ("你修改群名为“周末羽毛球群”", "rename", ["你"]),
    ('"老张" 撤回了一条消息', "recall", ["老张"]),
    ("你撤回了一条消息", "recall", ["你"]),
    ('"老张" 拍了拍 "李四"', "pat", ["老张", "李四"]),
    ('我拍了拍"老张"', "pat", ["我", "老张"]),
    ('"老张" 拍了拍 "李四" 的肩膀', "pat", ["老张", "李四"]),
    ("收到红包，请在手机上查看", "system", []),
    ('"赵六"与群里其他人都不是微信朋友关系，请注意隐私安全', "system", []),
]


@pytest.mark.parametrize("text, kind, members", NOTICES, ids=[t for t, _, _ in NOTICES])
def test_wechat_notices_become_events_with_their_members(text, kind, members):
    assert notice_kind(clean_notice(text), "system") == (kind, members)


def test_recall_markup_is_removed():
    raw = '<![CDATA["老张" 撤回了一条消息 <a href="weixin://revoke_edit_click">重新编辑</a>]]>'
    assert clean_notice(raw) == '"老张" 撤回了一条消息'


def sysmsgtemplate(template: str, links: str) -> str:
    return (f'<sysmsg type="sysmsgtemplate"><sysmsgtemplate><content_template type="tmpl_type_profile">'
            f"<plain><![CDATA[]]></plain><template><![CDATA[{template}]]></template><link_list>{links}</link_list>"
            f"</content_template></sysmsgtemplate></sysmsg>")


def member_link(name: str, *nicknames: str) -> str:
    members = "".join(f"<member><username><![CDATA[wxid_{i}]]></username><nickname><![CDATA[{n}]]></nickname>"
                      f"</member>" for i, n in enumerate(nicknames))
    return f'<link name="{name}" type="link_profile"><memberlist>{members}</memberlist><separator><![CDATA[、]]></separator></link>'


def test_an_invitation_stored_as_a_template_names_its_members():
    raw = sysmsgtemplate('"$username$"邀请"$names$"加入了群聊',
                         member_link("username", "王五") + member_link("names", "赵六", "钱七"))
    assert clean_notice(raw) == '"王五"邀请"赵六、钱七"加入了群聊'
    assert notice_kind(clean_notice(raw), "system") == ("join", ["赵六", "钱七"])


def test_your_own_invitation_drops_the_revoke_button():
    revoke = ('<link name="revoke" type="link_revoke" hidden="1"><title><![CDATA[撤销]]></title>'
              "<usernamelist><username><![CDATA[wxid_0]]></username></usernamelist></link>")
    raw = sysmsgtemplate('你邀请"$names$"加入了群聊  $revoke$', member_link("names", "赵六") + revoke)
    assert clean_notice(raw) == '你邀请"赵六"加入了群聊'
    assert notice_kind(clean_notice(raw), "system") == ("join", ["赵六"])


def test_a_qr_code_join_stored_as_a_template():
    raw = sysmsgtemplate('" $adder$"通过扫描"$from$"分享的二维码加入群聊',
                         member_link("adder", "晨晨奶奶") + member_link("from", "李教练"))
    assert notice_kind(clean_notice(raw), "system") == ("join", ["晨晨奶奶"])


# --- JavaScript literals ---------------------------------------------------------------------------

def js_objects(text: str) -> list[tuple[int, dict]]:
    return list(iter_js_objects(text, text.index("["), HERE))


def test_js_unescape_undoes_memotraces_escapes():
    assert js_unescape(r"Kelly\'s \"Mom\" a\\b\nc\td") == "Kelly's \"Mom\" a\\b\nc\td"
    assert js_unescape(r"\u4e2d\x41\u{1F600}\ud83d\ude00") == "中A😀😀"
    assert js_unescape(r"\q") == "q"


def test_js_objects_with_unquoted_keys_trailing_commas_and_shared_lines():
    text = ("x\nconst chatMessages = [\n"
            "{ type:1, text: 'a\\'b',is_send:0,timestamp:1710465123,},{ type:49,sub_type:2000,text:'已收款',"
            "paysubtype:3,f:-1.5,n:None,t:true,},\n"
            "{ 'quoted key': \"x\" , /* note */ \"k\" : 2 }\n];")
    assert js_objects(text) == [
        (3, {"type": 1, "text": "a'b", "is_send": 0, "timestamp": 1710465123}),
        (3, {"type": 49, "sub_type": 2000, "text": "已收款", "paysubtype": 3, "f": -1.5, "n": None, "t": True}),
        (4, {"quoted key": "x", "k": 2}),
    ]


def test_an_unescaped_quote_inside_a_string_is_kept_as_text():
    # MemoTrace writes link titles and transfer notes without escaping them
    assert js_objects("[{title:'Kelly's shop',url:'a'}]") == [(1, {"title": "Kelly's shop", "url": "a"})]


def test_an_empty_list_has_no_objects():
    assert js_objects("const chatMessages = [\n\n];") == []


@pytest.mark.parametrize("text, line, words", [
    ("[\n{type:1,\ntext:'a'},\n{type:1, text:'cut", 4, "ends inside"),
    ("[\n{type:1}\n{type:2}]", 3, "expected ','"),
    ("[\n{a:1},{x:'abc}]", 2, "ends inside"),
    ("[\n{type:{a:1}}]", 2, "unsupported value"),
    ("[\n{type:window.x}]", 2, "variable"),
    ("[\n{type:1},\n", 1, "no closing ]"),
    ("[\n{type 1}]", 2, "expected ':'"),
    ("[\n  7]", 2, "expected a message object"),
])
def test_malformed_js_is_a_format_error_naming_its_line(text, line, words):
    with pytest.raises(FormatError) as err:
        js_objects(text)
    assert err.value.line == line
    assert words in err.value.message


# --- JSON arrays ------------------------------------------------------------------------------------

def json_items(text: str) -> tuple[list, int]:
    items = iter_json_array(text, text.index("["), HERE)
    found = []
    while True:
        try:
            found.append(next(items))
        except StopIteration as stop:
            return found, stop.value


def test_json_items_come_with_their_start_lines_and_the_end_offset():
    text = '[\n    {"a": 1},\n    {"b": [1,\n 2]}\n] tail'
    items, end = json_items(text)
    assert items == [(2, {"a": 1}), (3, {"b": [1, 2]})]
    assert text[end:] == " tail"


@pytest.mark.parametrize("text, line, words", [
    ('[\n{"a": 1},\n{"b": "cut', 3, "ends inside"),
    ('[\n{"a": 1}\n{"b": 2}]', 3, "expected ','"),
    ('[\n{"a": 1},\n{"b": tru}]', 3, "invalid JSON"),
    ("[" * 100_000 + "]" * 100_000, 1, "nested too deeply"),
])
def test_malformed_json_is_a_format_error_naming_its_line(text, line, words):
    with pytest.raises(FormatError) as err:
        json_items(text)
    assert err.value.line == line
    assert words in err.value.message
