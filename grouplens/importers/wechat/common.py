"""What the WeChat importers share: raw type codes and type names, notices, message XML,
reading CSV, JSON and JavaScript arrays, the exporting user, and the WeChat 4.x message objects
that WeFlow and EchoTrace both write.

WeChat codes a message by (Type, SubType) on PC 3.x (formats-wechat.md §1.1), by a packed
``local_type`` on 4.x and by codes of its own on Android; exporters write those codes or names
for them, and write system notices with markup around them. Every WeChat importer maps them
through here, so the same message is the same kind whichever client stored it and whichever
tool exported it.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

from ... import schema as S
from ...errors import FormatError
from ..base import (
    SYSTEM_NAME,
    MessageRows,
    ParsedConversation,
    from_epoch_seconds,
    strip_trailing_blank_lines,
)
from ..textutil import classify_event, clean_text, decode_bytes, find_mentions, kind_from_text, load_json_text

# The exporting user, as the text layouts show them (我); every tool that prints 我 leads to one id.
SELF_NAME = "我"
SELF_ID = S.name_based_id(SELF_NAME)

# --- raw type codes (formats-wechat.md §1) ------------------------------------------------------
#
# Three numberings exist for the same messages. PC 3.x stores a (Type, SubType) pair (§1.1) and is
# the reference here. WeChat 4.x packs the pair into one ``local_type = (SubType << 32) | Type``
# (§1.2: a quote is 244813135921 = 57 << 32 | 49). Android's EnMicroMsg.db uses single codes of
# its own for the app messages (§1.3: a quote is 822083633). ``normalize_type_code`` turns any of
# them into the PC pair, so every kind below is decided by one table.

TYPE_TEXT, TYPE_APP, TYPE_SYSTEM = 1, 49, 10000
TYPE_REVOKE_4X = 10002  # how WeChat 4.x tools (and Android) code a recall notice
_BASIC_KINDS = {1: "text", 3: "image", 34: "voice", 37: "system", 42: "card", 43: "video", 47: "sticker",
                48: "location", 50: "call", TYPE_REVOKE_4X: "recall"}
# Type 49 ("app message") sub-types; any other sub-type is some kind of shared card.
_APP_KINDS = {0: "file", 1: "text", 3: "link", 4: "link", 5: "link", 6: "file", 8: "sticker", 17: "location",
              19: "forward", 24: "link", 33: "link", 36: "link", 40: "forward", 50: "card", 51: "link",
              53: "text", 57: "text", 62: "pat", 63: "link", 74: "file", 87: "text", 88: "link",
              92: "link", 2000: "transfer", 2001: "red_packet", 2003: "red_packet"}
QUOTE_SUBTYPE = 57
# Type 10000 sub-types: the recall variants, the pat and the invitation.
_SYSTEM_KINDS = {1: "recall", 5: "recall", 6: "recall", 33: "recall", 36: "recall", 57: "recall", 4: "pat",
                 8000: "join"}

# Android message types that are not PC codes, as the PC (Type, SubType) they stand for. The
# first group is ppwwyyxx/wechat-dump's wechat/msg.py; the rest are the Android client's own
# constants as third-party tools list them (e.g. the client maps app sub-type 62 to 922746929).
_ANDROID_TYPES: dict[int, tuple[int, int]] = {
    62: (43, 0),  # TYPE_WX_VIDEO: a video shot inside WeChat
    1048625: (47, 0),  # TYPE_CUSTOM_EMOJI
    16777265: (49, 5),  # TYPE_APP_MSG: a shared link card
    419430449: (49, 2000),  # TYPE_MONEY_TRANSFER
    436207665: (49, 2001),  # TYPE_REDENVELOPE
    822083633: (49, 57),  # TYPE_REPLY
    1040187441: (49, 3),  # TYPE_QQMUSIC
    1090519089: (49, 6),  # TYPE_FILE
    -1879048186: (49, 17),  # TYPE_LOCATION_SHARING, as the signed 32-bit value it is stored as
    2415919110: (49, 17),  # the same, read as unsigned
    268445456: (10000, 1),  # a recall notice in plain text
    469762097: (49, 2001),  # the New Year red packet
    536936497: (49, 2003),  # a red-packet cover
    570425393: (10000, 8000),  # an invitation notice
    754974769: (49, 51),  # a Channels (视频号) video
    771751985: (49, 50),  # a Channels card
    805306417: (49, 53),  # 接龙 (a sign-up chain)
    922746929: (49, 62),  # 拍一拍 (pat)
    973078577: (49, 63),  # a Channels live stream
}
_PACKED_MIN = 1 << 32  # a 4.x local_type with a non-zero SubType is at least this


def normalize_type_code(type_code: int, sub_type: int = 0) -> tuple[int, int]:
    """The PC 3.x (Type, SubType) pair of any raw WeChat message type.

    Accepts a PC pair as it is, a WeChat 4.x packed ``local_type`` (SubType in the high 32 bits)
    and an Android EnMicroMsg type (e.g. 436207665, a red packet, gives ``(49, 2001)``). Codes
    nobody documents are returned unchanged, so callers still see the raw value.
    """
    if type_code >= _PACKED_MIN:
        return type_code & 0xFFFFFFFF, type_code >> 32
    if sub_type == 0 and type_code in _ANDROID_TYPES:
        return _ANDROID_TYPES[type_code]
    return type_code, sub_type


def kind_from_type_code(type_code: int, sub_type: int = 0) -> str:
    """The message kind of a raw WeChat type: a PC 3.x (Type, SubType) pair, a 4.x packed
    ``local_type`` or an Android type (see ``normalize_type_code``); unknown codes are text."""
    type_code, sub_type = normalize_type_code(type_code, sub_type)
    if type_code == TYPE_APP:
        return _APP_KINDS.get(sub_type, "link")
    if type_code == TYPE_SYSTEM:
        return _SYSTEM_KINDS.get(sub_type, "system")
    return _BASIC_KINDS.get(type_code, "text")


# What MemoTrace's TXT writes for media, reused for CSV rows whose content is XML or empty, so a
# group imported from both files reads the same.
_KIND_PLACEHOLDERS = {"image": "[图片]", "voice": "[语音]", "video": "[视频]", "sticker": "[表情包]",
                      "file": "[文件]", "link": "[链接]", "location": "[位置]", "card": "[名片]",
                      "call": "[语音通话]", "forward": "[聊天记录]", "transfer": "[转账]", "red_packet": "[红包]",
                      "pat": "[拍一拍]"}
_APP_PLACEHOLDERS = {3: "[音乐分享]", 33: "[小程序]", 36: "[小程序]", 87: "[群公告]"}


def placeholder_for(type_code: int, sub_type: int = 0) -> str | None:
    """The bracketed placeholder MemoTrace shows for a non-text message, if it has one."""
    type_code, sub_type = normalize_type_code(type_code, sub_type)
    if type_code == TYPE_APP and sub_type in _APP_PLACEHOLDERS:
        return _APP_PLACEHOLDERS[sub_type]
    return _KIND_PLACEHOLDERS.get(kind_from_type_code(type_code, sub_type))


# --- type names that exporters write instead of codes -----------------------------------------------

# PyWxDump's type_name (pywxdump/db/utils/common_utils.py::type_converter and the older
# analyzer/utils.py::get_type_name; formats-wechat.md §1.1).
_PYWXDUMP_TYPE_NAMES = {
    "文本": "text", "图片": "image", "语音": "voice", "视频": "video", "动画表情": "sticker",
    "用户上传的GIF表情": "sticker", "添加好友": "system", "推荐公众号": "card", "位置": "location",
    "地图信息": "location", "位置共享": "location", "文件": "file", "文件(猜)": "file", "粘贴的文本": "text",
    "类似文字消息而不一样的消息": "text", "(分享)音乐": "link", "(分享)卡片式链接": "link", "卡片式链接": "link",
    "游戏相关": "link", "合并转发的聊天记录": "forward", "(分享)笔记": "link", "(分享)小程序": "link",
    "分享的小程序": "link", "(分享)收藏夹": "forward", "分享收藏夹": "forward", "(分享)小说(猜)": "link",
    "(分享)视频号名片": "card", "(分享)视频号视频": "link", "接龙": "text", "引用回复": "text",
    "带有引用的文本消息": "text", "视频号直播或直播回放": "link", "视频号直播或直播回放等": "link", "群公告": "text",
    "转账": "transfer", "转账消息": "transfer", "赠送红包封面": "red_packet", "语音通话": "call",
    "企业微信打招呼(猜)": "system", "企业微信添加好友(猜)": "system",
    "系统通知": "system", "拍一拍": "pat", "邀请加群": "join",
}
# WeFlow's detailed JSON (§5.4) and EchoTrace's JSON (§6) ``type`` labels for WeChat 4.x messages.
_WEFLOW_ECHOTRACE_TYPE_NAMES = {
    "文本消息": "text", "图片消息": "image", "语音消息": "voice", "名片消息": "card", "视频消息": "video",
    "位置消息": "location", "链接消息": "link", "通话消息": "call", "系统消息": "system", "文件消息": "file",
    "聊天记录": "forward", "小程序消息": "link", "引用消息": "text", "撤回消息": "recall",
    "图文消息": "link", "小程序分享": "link", "音乐卡片": "link", "红包卡片": "red_packet",
    "聊天记录合并转发": "forward", "拍一拍消息": "pat", "转账卡片": "transfer", "视频号直播卡片": "link",
}
# WeFlow's WeClone CSV (§5.2) writes English names. Its ``text`` is the catch-all for every other
# message (links, transfers, quotes), so it is left out: the text's placeholder decides those.
_WECLONE_TYPE_NAMES = {"image": "image", "sticker": "sticker", "video": "video", "voice": "voice",
                       "location": "location", "file": "file"}
_TYPE_NAME_KINDS = {**_PYWXDUMP_TYPE_NAMES, **_WEFLOW_ECHOTRACE_TYPE_NAMES, **_WECLONE_TYPE_NAMES}
_RECALL_TYPE_NAME = re.compile(r"^消息撤回\d*$")  # PyWxDump names recalls by their sub-type: 消息撤回57


def kind_from_type_name(type_name: str | None) -> str | None:
    """The kind a WeChat exporter's type name stands for (PyWxDump ``文本``/``消息撤回57``,
    WeFlow/EchoTrace ``文本消息``/``红包卡片``, WeClone ``sticker``); None when the name says
    nothing reliable (``未知``, ``其他消息``, WeClone's catch-all ``text``), so the caller can fall
    back to ``textutil.kind_from_text``."""
    if not type_name:
        return None
    name = type_name.strip()
    kind = _TYPE_NAME_KINDS.get(name) or _TYPE_NAME_KINDS.get(name.lower())
    if kind is None and _RECALL_TYPE_NAME.match(name):
        kind = "recall"
    return kind


# --- message XML ----------------------------------------------------------------------------------

_XML_LIMIT = 256 * 1024


def xml_root(text: str) -> ET.Element | None:
    """The parsed XML of a message's content, or None when it is not (well-formed, small) XML."""
    s = text.strip()
    if not s.startswith("<") or len(s) > _XML_LIMIT:
        return None
    try:
        return ET.fromstring(s)
    except (ET.ParseError, ValueError, RecursionError):
        return None


def xml_text(root: ET.Element, path: str) -> str:
    node = root.find(path)
    return (node.text or "").strip() if node is not None else ""


# --- WeChat system notices ------------------------------------------------------------------

# Markup PC WeChat leaves around notices (MemoTrace strips the same in its own writers).
_NOTICE_MARKUP = re.compile(r'<!\[CDATA\[|\]\]>|\s*<a href="weixin://revoke_edit_click">重新编辑</a>|'
                            r'</?(?:revokemsg|_wc_custom_link_|img|a)\b[^>]*>')
# Newer clients store some notices as <sysmsg> XML whose text is in one of these elements; a
# pat's template names people as ${wxid}; an invitation's <sysmsgtemplate> names them as $names$
# and lists who they are in its <link_list>.
_NOTICE_TEXT_PATHS = (".//replacemsg", ".//template", ".//plain", ".//content")
_TEMPLATE_VAR = re.compile(r"\$\{([^}]*)\}")
_LINK_VAR = re.compile(r"\$([A-Za-z_]\w*)\$")


def clean_notice(text: str) -> str:
    """A system notice's readable text: without the CDATA wrapper and link markup WeChat stores
    with it, and taken out of its <sysmsg> XML when it has been stored as XML."""
    s = text.strip()
    root = xml_root(s)
    if root is not None:
        s = next((found for p in _NOTICE_TEXT_PATHS if (found := xml_text(root, p))),
                 "".join(root.itertext()).strip())
        s = _TEMPLATE_VAR.sub(r"\1", s)
        links = _template_links(root)
        if links:
            s = _LINK_VAR.sub(lambda m: links.get(m[1], m[0]), s)
    return _NOTICE_MARKUP.sub("", s).strip()


def _template_links(root: ET.Element) -> dict[str, str]:
    """What each ``$name$`` of a <sysmsgtemplate> stands for: its members' names joined by its
    separator, or its title. The inviter's own 撤销 (revoke) button is an action, not text."""
    links: dict[str, str] = {}
    for link in root.iter("link"):
        name = link.get("name")
        if not name:
            continue
        if link.get("type") == "link_revoke":
            links[name] = ""
            continue
        members = [xml_text(m, "nickname") or xml_text(m, "username") for m in link.iter("member")]
        members = [m for m in members if m]
        separator = link.find("separator")
        joiner = separator.text if separator is not None and separator.text else "、"
        links[name] = joiner.join(members) if members else (xml_text(link, "title") or xml_text(link, "plain"))
    return links


def notice_kind(text: str, fallback: str) -> tuple[str, list[str]]:
    """The kind of a system notice and the members it concerns.

    The text decides when it is a known notice (join, leave, rename, recall, pat); otherwise
    ``fallback`` (the kind the export's type code gives) stands, with no members.
    """
    found = classify_event(text)
    if found is None:
        return fallback, []
    return found


# --- reading files ---------------------------------------------------------------------------------

def read_export_text(path: Path) -> str:
    """A whole export as text; undecodable bytes are a FormatError naming their line."""
    return decode_bytes(path.read_bytes(), path)


# --- CSV reading shared by the WeChat CSV importers --------------------------------------------

def iter_csv_records(text: str, path: Path, headers: tuple[tuple[str, ...], ...]
                     ) -> Iterator[tuple[tuple[str, ...], int, dict[str, str]]]:
    """Rows of a CSV export as ``(header, start_line, {column: value})``.

    The first row must be one of ``headers``. ``start_line`` is the physical 1-based line where
    the row begins (quoted fields may span lines). A row with the wrong number of fields, or a
    quoted field cut off by the end of the file, is a FormatError naming its line.
    """
    reader = csv.reader(io.StringIO(text), strict=True)
    header: tuple[str, ...] | None = None
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise FormatError(f"malformed CSV row ({e})", path=path, line=start) from None
        if not row:
            continue
        if header is None:
            found = tuple(c.strip() for c in row)
            if found not in headers:
                raise FormatError("unexpected CSV header " + ",".join(row)[:120], path=path, line=start)
            header = found
            continue
        if len(row) != len(header):
            raise FormatError(f"CSV row has {len(row)} fields, the header has {len(header)}", path=path,
                              line=start)
        yield header, start, dict(zip(header, row))
    if header is None:
        raise FormatError("empty CSV file (no header)", path=path, line=1)


def csv_int(record: dict[str, str], column: str, path: Path, line: int) -> int:
    """An integer column of a CSV row; anything else is a FormatError naming the line."""
    value = record[column].strip()
    try:
        return int(value)
    except ValueError:
        raise FormatError(f"{column} is not a number: {value[:40]!r}", path=path, line=line) from None


# --- JavaScript and JSON embedded in exports -----------------------------------------------------------
#
# HTML exports carry their messages as a JavaScript array. MemoTrace writes flat object literals
# (``{ type:1, text: '…',is_send:0, … },``: unquoted keys, single-quoted strings, trailing commas);
# PyWxDump writes JSON after ``const local_msg_list =``. The readers below take exactly that and
# evaluate nothing: values are strings, numbers and a few constants; nesting is an error.

_JS_SPACE_PATTERN = r"(?:\s+|//[^\n]*|/\*.*?\*/)*"
_JS_KEY_PATTERN = r"""([A-Za-z_$][\w$]*)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)\""""
# A quote that is not followed by , } or ] is taken as text: MemoTrace writes some fields (link
# titles, transfer notes) without escaping them. Each alternative inside a string starts with a
# different character, so a long or unterminated string cannot make the match backtrack badly.
_JS_VALUE_PATTERN = (r"""'((?:[^'\\]|\\.|'(?!\s*[,}\]]))*)'"""
                     r'''|"((?:[^"\\]|\\.|"(?!\s*[,}\]]))*)"'''
                     r"|(-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?![\w$])"
                     r"|([A-Za-z_$][\w$]*)")
_JS_SPACE = re.compile(_JS_SPACE_PATTERN, re.S)
_JS_KEY = re.compile(_JS_KEY_PATTERN, re.S)
_JS_VALUE = re.compile(_JS_VALUE_PATTERN, re.S)
# A whole property in one match (key, value, and the ',' / '}' / ',}' after it): the fast path.
# When it does not match, the token patterns above find and name what is wrong.
_JS_PROPERTY = re.compile(f"{_JS_SPACE_PATTERN}(?:{_JS_KEY_PATTERN}){_JS_SPACE_PATTERN}:{_JS_SPACE_PATTERN}"
                          f"(?:{_JS_VALUE_PATTERN}){_JS_SPACE_PATTERN}(,{_JS_SPACE_PATTERN}}}|,|}})", re.S)
_JS_EMPTY_OBJECT_END = re.compile(_JS_SPACE_PATTERN + "}", re.S)
# MemoTrace formats Python values straight into its literals, so None/True/False occur too.
_JS_CONSTANTS: dict[str, Any] = {"true": True, "false": False, "null": None, "undefined": None,
                                 "None": None, "True": True, "False": False}
_JS_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]{1,6}\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[\s\S])")
_JS_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v", "0": "\0",
                      "\n": "", "\r\n": "", "\u2028": "", "\u2029": ""}  # a backslash-newline continues the line
_SURROGATE = re.compile("[\ud800-\udfff]")


def js_unescape(body: str) -> str:
    """The text of a JavaScript string literal's body: ``\\'`` is ``'``, ``\\n`` a newline,
    ``\\u4e2d`` 中; any other escaped character stands for itself."""
    if "\\" not in body:
        return body

    def one(m: re.Match[str]) -> str:
        e = m[1]
        if len(e) > 1 and e[0] in "ux":
            code = int(e[1:].strip("{}"), 16)
            return chr(code) if code <= 0x10FFFF else "\ufffd"
        return _JS_SIMPLE_ESCAPES.get(e, e)

    out = _JS_ESCAPE.sub(one, body)
    if _SURROGATE.search(out):  # \ud83d\ude00 pairs make one character; a lone half becomes U+FFFD
        out = out.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return out


class _LineCounter:
    """1-based line numbers of offsets in a text, cheap when asked in increasing order."""

    def __init__(self, text: str) -> None:
        self.text, self.offset, self.line = text, 0, 1

    def __call__(self, offset: int) -> int:
        if offset < self.offset:  # only error paths go back: start again from the top
            self.offset, self.line = 0, 1
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.line


def iter_js_objects(text: str, start: int, path: Path, what: str = "message"
                    ) -> Iterator[tuple[int, dict[str, Any]]]:
    """The flat object literals of the JavaScript array whose ``[`` is at ``text[start]``.

    Yields ``(line, object)``, the line being the 1-based line of the object's ``{`` (several
    objects may share a line). Nesting, a cut-off file or a missing comma is a FormatError
    naming its line.
    """
    line_of = _LineCounter(text)
    n = len(text)

    def fail(message: str, at: int) -> FormatError:
        return FormatError(message, path=path, line=line_of(min(at, n)))

    pos = _js_skip(text, start + 1)
    while True:
        if pos >= n:
            raise fail(f"the {what} list has no closing ] (a truncated file?)", start)
        if text[pos] == "]":
            return
        if text[pos] != "{":
            raise fail(f"expected a {what} object {{…}} but found {text[pos:pos + 20]!r}", pos)
        begin, obj = pos, {}
        empty = _JS_EMPTY_OBJECT_END.match(text, pos + 1)
        pos = empty.end() if empty else pos + 1
        while not empty:
            prop = _JS_PROPERTY.match(text, pos)
            if prop is None:
                raise _js_property_error(text, pos, begin, what, fail)
            key, single, double, number, name, after = prop.group(1, 4, 5, 6, 7, 8)
            key = key or js_unescape(prop[2] if prop[2] is not None else prop[3])
            obj[key] = _js_value(single, double, number, name, functools.partial(fail, at=prop.start(7)))
            pos = prop.end()
            empty = after != ","  # '}' or ',}' closed the object
        yield line_of(begin), obj
        pos = _js_skip(text, pos)
        if text[pos:pos + 1] == ",":
            pos = _js_skip(text, pos + 1)
        elif pos >= n:
            raise fail(f"the {what} list has no closing ] (a truncated file?)", pos)
        elif text[pos] != "]":
            raise fail(f"expected ',' or ']' after a {what} object", pos)


def _js_skip(text: str, at: int) -> int:
    return _JS_SPACE.match(text, at).end()  # type: ignore[union-attr]  # it matches the empty string


def _js_property_error(text: str, pos: int, begin: int, what: str,
                       fail: Callable[[str, int], FormatError]) -> FormatError:
    """What is wrong with the property at ``pos``, found token by token (the slow path)."""
    n = len(text)

    def broken(message: str, at: int) -> FormatError:
        # running out of text inside an object means the file was cut off: name the object's line
        return fail(f"the file ends inside a {what} object (a truncated file?)", begin) if at >= n else fail(message, at)

    pos = _js_skip(text, pos)
    key = _JS_KEY.match(text, pos)
    if not key:
        return broken(f"expected a property name but found {text[pos:pos + 20]!r}", pos)
    pos = _js_skip(text, key.end())
    if text[pos:pos + 1] != ":":
        return broken(f"expected ':' after {key[0]!r}", pos)
    pos = _js_skip(text, pos + 1)
    value = _JS_VALUE.match(text, pos)
    if not value:
        if pos < n and text[pos] in "'\"":  # a quote never closed runs to the end of the file
            return broken("", n)
        return broken(f"unsupported value for {key[0]!r}: {text[pos:pos + 20]!r}", pos)
    _js_value(*value.groups(), lambda message: fail(message, value.start()))
    pos = _js_skip(text, value.end())
    return broken(f"expected ',' or '}}' after {key[0]!r}", pos)


def _js_value(single: str | None, double: str | None, number: str | None, name: str | None,
              fail: Callable[[str], FormatError]) -> Any:
    if single is not None:
        return js_unescape(single)
    if double is not None:
        return js_unescape(double)
    if number is not None:
        try:
            return int(number)
        except ValueError:
            return float(number)
    if name in _JS_CONSTANTS:
        return _JS_CONSTANTS[name]
    raise fail(f"unsupported value {name!r} (a variable, not data)")


_JSON_SPACE = re.compile(r"[ \t\r\n]*")


def iter_json_array(text: str, start: int, path: Path) -> Generator[tuple[int, Any], None, int]:
    """The items of the JSON array whose ``[`` is at ``text[start]``, as ``(line, item)``, the line
    being where the item starts; the generator returns the offset after the closing ``]``.

    Items are decoded one at a time, so a damaged or cut-off item is reported at its own line.
    """
    decoder = json.JSONDecoder()
    line_of = _LineCounter(text)
    n = len(text)
    pos = _JSON_SPACE.match(text, start + 1).end()  # type: ignore[union-attr]
    if text[pos:pos + 1] == "]":
        return pos + 1
    while True:
        line = line_of(pos)
        try:
            item, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as e:
            cut = e.pos >= n or e.msg.startswith("Unterminated string")  # a string never closed runs to the end
            message = "the file ends inside the JSON list (a truncated file?)" if cut else f"invalid JSON ({e.msg})"
            raise FormatError(message, path=path, line=line if cut else line_of(e.pos)) from None
        except RecursionError:
            raise FormatError("JSON nested too deeply", path=path, line=line) from None
        yield line, item
        pos = _JSON_SPACE.match(text, end).end()  # type: ignore[union-attr]
        if text[pos:pos + 1] == ",":
            pos = _JSON_SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
        elif text[pos:pos + 1] == "]":
            return pos + 1
        else:
            message = ("the file ends inside the JSON list (a truncated file?)" if pos >= n
                       else "expected ',' or ']' between JSON items")
            raise FormatError(message, path=path, line=line_of(min(pos, n)))


# --- what WeFlow's and EchoTrace's layouts share: codes, placeholders, WeChat 4.x message objects ------------------------------------------------

# Placeholders of WeFlow/EchoTrace text that textutil.kind_from_text does not know (matched at the start).
_PLACEHOLDER_KINDS = [(kind, re.compile(pattern)) for kind, pattern in (
    ("link", r"\[(?:音乐|视频号直播)\]"),
    ("video", r"\[视频消息\]"),
    ("call", r"\[通话\]"),
    ("voice", r"\[语音转文字\]"),
    ("sticker", r"\[其他消息\]\s*$"),
    ("recall", r"\[撤回消息\]\s*$"),
    ("system", r"\[系统消息\]\s*$"),
)]
_ANNOUNCEMENT = re.compile(r"\[群公告\]")

# Raw codes that name a kind by themselves; an app message (49) also needs its sub-type.
_PLAIN_CODES = frozenset({TYPE_TEXT, 3, 34, 37, 42, 43, 47, 48, 50, TYPE_SYSTEM, TYPE_REVOKE_4X})
_WXID = re.compile(r"wxid_[A-Za-z0-9_-]+")


def code_kind(code: int) -> str | None:
    """The kind a raw WeChat type code names (PC, 4.x packed or Android), or None when it does not
    say: an app message 49 without its sub-type, or a code nobody documents."""
    t, sub = normalize_type_code(code)
    if (t, sub) == (code, 0) and (t == TYPE_APP or t not in _PLAIN_CODES):
        return None
    return kind_from_type_code(t, sub)


def is_notice_code(code: int) -> bool:
    """Whether a raw type code is one WeChat uses for its own notices (10000, 10002 and their variants)."""
    return normalize_type_code(code)[0] in (TYPE_SYSTEM, TYPE_REVOKE_4X)


def weflow_placeholder_kind(text: str | None) -> str:
    """The kind of a WeFlow/EchoTrace message given as text (``[文件] 报名表.xlsx`` is a file)."""
    if not text:
        return "text"
    if _ANNOUNCEMENT.match(text):
        return "text"
    for kind, rx in _PLACEHOLDER_KINDS:
        if rx.match(text):
            return kind
    return kind_from_text(text)


def name_sender_id(name: str) -> str:
    """The id of a sender a text layout shows only by name; WeChat shows the wxid when it has no name."""
    return name if _WXID.fullmatch(name) else S.name_based_id(name)


def notice_fields(text: str, shown: str | None, fallback: str = "system") -> dict[str, Any]:
    """The columns of a notice WeChat wrote (join/leave/recall/rename/pat when recognised)."""
    kind, members = notice_kind(text, fallback)
    return {"sender_id": None, "sender_name": SYSTEM_NAME, "kind": kind, "event_members": members,
            "extra": {"shown_sender": shown} if shown else None}


def said_fields(sender_id: str | None, name: str | None, text: str | None, kind: str, *, is_self: bool,
          mentions: list[str] | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The columns of a member's message; a pat keeps its sender and names both members."""
    extra = dict(extra or {})
    if is_self:
        extra["is_self"] = True
    if text and _ANNOUNCEMENT.match(text):
        extra["announcement"] = True
    members: list[str] = []
    if kind == "pat":
        event = classify_event(text or "")
        members = event[1] if event and event[0] == "pat" else ([name] if name else [])
    elif kind == "text" and (event := classify_event(text or "")) and event[0] == "pat":
        kind, members = event
    return {"sender_id": sender_id, "sender_name": name, "kind": kind, "text": text, "event_members": members,
            "mentions": find_mentions(text) if mentions is None else mentions, "extra": extra or None}


# --- WeFlow's detailed JSON and EchoTrace's JSON: one session, its message objects --------------------------------------------------------------

def array_item_line(text: str, key: str, index: int) -> int | None:
    """The line where item ``index`` of the array under ``"key"`` starts, to name it in an error."""
    start = re.search(rf'"{re.escape(key)}"\s*:\s*\[', text)
    if start is None:
        return None
    try:
        for n, (line, _) in enumerate(iter_json_array(text, start.end() - 1, Path())):
            if n == index:
                return line
    except FormatError:
        return None
    return None


def _field(item: dict[str, Any], key: str, types: tuple[type, ...], *, required: bool = False) -> Any:
    """A message field of one of ``types`` (None when absent); a ValueError names what is wrong."""
    value = item.get(key)
    if value is None:
        if required:
            raise ValueError(f"missing {key!r}")
        return None
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
        raise ValueError(f"{key!r} has the wrong type: {str(value)[:40]!r}")
    return value


def source_mentions(source: str | None) -> list[str] | None:
    """The wxids a message's source XML lists as @-mentioned, or None when it has no such list."""
    if not source or "atuserlist" not in source:
        return None
    root = xml_root(source)
    if root is None:
        return None
    listed = xml_text(root, ".//atuserlist") if root.tag != "atuserlist" else (root.text or "").strip()
    return [w.strip() for w in listed.split(",") if w.strip()]


def json_message(item: Any, session_id: str, *, keep_local_id: bool) -> dict[str, Any]:
    """The MessageRows.add arguments for one message object of WeFlow's or EchoTrace's JSON.

    ``keep_local_id`` keeps ``localId`` in ``extra`` where it is the database's row id (EchoTrace),
    not a number the exporter counted (WeFlow). A ValueError names what is wrong with the object.
    """
    if not isinstance(item, dict):
        raise ValueError("not a JSON object")
    created = _field(item, "createTime", (int,), required=True)
    try:
        ts = from_epoch_seconds(created)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"createTime out of range: {created}") from None
    local_type = _field(item, "localType", (int,))
    type_name = _field(item, "type", (str,)) or ""
    content = _field(item, "content", (str,))
    text = strip_trailing_blank_lines(clean_text(content)) if content is not None else None
    sender = (_field(item, "senderUsername", (str,)) or "").strip()
    shown = clean_text(_field(item, "senderDisplayName", (str,)) or "").strip()
    is_send = _field(item, "isSend", (int, bool))
    local_id = _field(item, "localId", (int,))
    extra: dict[str, Any] = {"local_type": local_type, "local_id": local_id if keep_local_id else None}
    extra = {k: v for k, v in extra.items() if v is not None}

    base = normalize_type_code(local_type)[0] if local_type is not None else None
    is_notice = (local_type is not None and is_notice_code(local_type)) or type_name == "系统消息" or (
        bool(sender) and sender == session_id and sender.endswith("@chatroom"))
    if is_notice:
        notice_text = clean_notice(text or "")
        fallback = kind_from_type_code(local_type) if local_type is not None else "system"
        fields = notice_fields(notice_text, None, fallback if fallback in S.EVENT_KINDS else "system")
        fields["extra"] = extra or None
        return {"ts": ts, "text": notice_text, **fields}

    kind = code_kind(local_type) if local_type is not None else None
    if kind is None:
        kind = _kind_without_code(base, type_name, text)
    name = shown or sender or None
    sender_id = sender or (S.name_based_id(shown) if shown else None)
    fields = said_fields(sender_id, name, text, kind, is_self=is_send in (1, True), mentions=source_mentions(
        _field(item, "source", (str,))), extra=extra)
    return {"ts": ts, **fields}


def _kind_without_code(base: int | None, type_name: str, text: str | None) -> str:
    """The kind of a message whose code does not say it (an unpacked app message 49, an unknown
    code): its placeholder, else its type name; an app message shown only by its title is the
    text of a quote reply or a solitaire (WeFlow and EchoTrace bracket every other app message)."""
    from_text = weflow_placeholder_kind(text)
    named = kind_from_type_name(type_name)
    if from_text != "text":
        return from_text
    if named and named != "link":
        return named
    if base == TYPE_APP:
        return "text" if text else "link"
    return named or "text"


def session_of(data: Any, path: Path) -> tuple[dict[str, Any], list[Any]]:
    """The ``session`` object and ``messages`` array of a WeFlow/EchoTrace JSON export."""
    if not isinstance(data, dict):
        raise FormatError("expected a JSON object with 'session' and 'messages'", path=path, line=1)
    session, messages = data.get("session"), data.get("messages")
    if not isinstance(session, dict) or not isinstance(messages, list):
        raise FormatError("expected a 'session' object and a 'messages' array", path=path, line=1)
    return session, messages


def parse_session_json(path: Path, platform: str, *, keep_local_id: bool) -> ParsedConversation:
    """One conversation from a WeFlow detailed JSON or an EchoTrace JSON export."""
    text = read_export_text(path)
    session, items = session_of(load_json_text(text, path=path), path)
    session_id = session.get("wxid") if isinstance(session.get("wxid"), str) else ""
    rows = MessageRows()
    for n, item in enumerate(items):
        try:
            rows.add(**json_message(item, session_id, keep_local_id=keep_local_id))
        except ValueError as e:
            raise FormatError(f"message #{n + 1}: {e}", path=path, line=array_item_line(text, "messages", n)) from None
    names = [session.get(k) for k in ("displayName", "remark", "nickname", "wxid")]
    name = next((clean_text(v).strip() for v in names if isinstance(v, str) and v.strip()), None) or path.stem
    is_group = session.get("type") == "群聊" or session_id.endswith("@chatroom")
    return ParsedConversation(platform=platform, name=name, messages=rows.to_table(),
                              native_id=session_id or None, is_group=is_group)
