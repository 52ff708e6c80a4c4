"""PyWxDump CSV exports of Windows PC WeChat 3.x, and the ``users.json`` written beside them.

PyWxDump writes one chat as pages ``<chat>_<start>_<end>.csv`` (UTF-8, no BOM, CRLF, minimal
quoting). Rows carry the server message id, a Chinese type name, the sender's wxid (``talker``)
and the chat id (``room_name``, ``…@chatroom`` for groups), but no names: those are in
``users.json`` (wxid → {wxid, nickname, remark, …}). Each page is parsed on its own; pages of
one chat share the chat id, so they land in the same group. Releases up to v2.4 (Jan 2024)
wrote a ``content`` column holding ``{"src": …, "msg": …}`` JSON instead of ``msg``/``src``, and
``我`` as the talker of your own messages; both layouts are read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import schema as S
from ..errors import FormatError
from .base import Importer, MessageRows, ParsedConversation, ParseOptions, Sample, parse_local_time
from .wechat_common import SYSTEM_NAME, clean_notice, csv_int, iter_csv_records, notice_kind, read_export_text
from .textutil import find_mentions, kind_from_text

CSV_HEADER = ("id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "msg", "src", "CreateTime")
OLD_CSV_HEADER = ("id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "content", "CreateTime")
_HEADER_LINES = {",".join(CSV_HEADER), ",".join(OLD_CSV_HEADER)}
USERS_FILE = "users.json"

# PyWxDump's type names (pywxdump/db/utils/common_utils.py::type_converter, and the older
# analyzer/utils.py::get_type_name) → kinds. System-ish names are handled apart, below.
_TYPE_KINDS = {
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
}
# Notices WeChat writes itself: no member sends them. Values are the kind when the text is not
# a notice the shared classifier knows.
_NOTICE_KINDS = {"系统通知": "system", "拍一拍": "pat", "邀请加群": "join"}
_RECALL_TYPE = re.compile(r"^消息撤回\d*$")
_QUOTE_TYPES = frozenset({"引用回复", "带有引用的文本消息"})
_UNKNOWN_TYPE = re.compile(r"^未知(?:-.*)?$")
# Talkers that are not a member: a public-account publisher, or a sender PyWxDump could not read.
_NOT_A_MEMBER = {"系统", "未知"}
_SELF_TALKER = "我"
# A quote-reply's msg: "<reply>\n\n[引用](<time>)<name>:<quoted text>".
_QUOTE = re.compile(r"^(?P<reply>.*?)\n\n\[引用\]\((?P<time>[^)]*)\)(?P<rest>.*)$", re.S)
_SRC_LIMIT = 300


class PyWxDumpCsv(Importer):
    name = "pywxdump-csv"
    platform = "wechat"
    tool = "PyWxDump"
    detection = ("The first line is PyWxDump's header id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,"
                 "CreateTime (or the pre-2024-04 one with a JSON content column).")

    def sniff(self, sample: Sample) -> bool:
        return sample.first_line.strip() in _HEADER_LINES

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        users = read_users(path.parent / USERS_FILE)
        text = read_export_text(path)
        chats: dict[str, MessageRows] = {}
        for header, line, record in iter_csv_records(text, path, (CSV_HEADER, OLD_CSV_HEADER)):
            room = record["room_name"].strip()
            if not room:
                raise FormatError("row has no room_name", path=path, line=line)
            msg, src = _msg_and_src(record, header, path, line)
            chats.setdefault(room, MessageRows()).add(**_message(record, msg, src, users, options, path, line))
        for room, rows in chats.items():
            yield ParsedConversation(platform=self.platform, name=_chat_name(room, users), messages=rows.to_table(),
                                     native_id=room, is_group=room.endswith("@chatroom"))


def _msg_and_src(record: dict[str, str], header: tuple[str, ...], path: Path, line: int) -> tuple[str, Any]:
    """The message text and media source of a row, from msg/src or from the old JSON content."""
    if header == CSV_HEADER:
        return record["msg"], record["src"]
    try:
        content = json.loads(record["content"])
    except (json.JSONDecodeError, RecursionError):
        raise FormatError("content is not JSON", path=path, line=line) from None
    if not isinstance(content, dict) or "msg" not in content:
        raise FormatError('content is not a {"src": …, "msg": …} object', path=path, line=line)
    msg = content["msg"]
    return ("" if msg is None else str(msg)), content.get("src")


def _message(record: dict[str, str], msg: str, src: Any, users: dict[str, dict[str, Any]],
             options: ParseOptions, path: Path, line: int) -> dict[str, Any]:
    """The MessageRows.add arguments for one row."""
    type_name = record["type_name"].strip()
    talker = record["talker"].strip()
    is_sender = csv_int(record, "is_sender", path, line)
    svr_id = record["MsgSvrID"].strip()
    extra: dict[str, Any] = {"id": csv_int(record, "id", path, line), "type_name": type_name,
                             "is_sender": is_sender}
    if isinstance(src, str) and src and "\n" not in src and len(src) <= _SRC_LIMIT:
        extra["src"] = src
    message: dict[str, Any] = {
        "msg_id": svr_id if svr_id.strip("0") else None,  # 0 is not an id: rows never sent to the server
        "ts": parse_local_time(record["CreateTime"], options.tz, path=path, line=line),
        "source_line": line, "extra": extra, "text": msg,
    }
    notice_fallback = _notice_fallback(type_name, msg)
    if notice_fallback is not None:
        text = clean_notice(msg)  # PyWxDump keeps a notice's raw StrContent, markup and all
        kind, members = notice_kind(text, notice_fallback)
        extra["talker"] = talker
        message.update(sender_id=None, sender_name=SYSTEM_NAME, kind=kind, text=text, event_members=members)
        return message

    if talker in _NOT_A_MEMBER or not talker:
        extra["talker"] = talker
        message.update(sender_id=None, sender_name=None)
    elif talker == _SELF_TALKER:
        message.update(sender_id=S.name_based_id(talker), sender_name=talker)
    else:
        message.update(sender_id=talker, sender_name=display_name(users.get(talker), talker))
    kind = _TYPE_KINDS.get(type_name) or kind_from_text(msg)
    message["kind"] = kind
    if type_name in _QUOTE_TYPES:
        message.update(_quote_fields(msg, options, path))
    if kind == "text":
        message["mentions"] = find_mentions(message["text"])
    return message


def _notice_fallback(type_name: str, msg: str) -> str | None:
    """The kind a row has as a platform notice, or None when a member sent it.

    Old releases name recalls ``未知``; such rows count as notices when their text is one.
    """
    if type_name in _NOTICE_KINDS:
        return _NOTICE_KINDS[type_name]
    if _RECALL_TYPE.match(type_name):
        return "recall"
    if _UNKNOWN_TYPE.match(type_name) and notice_kind(clean_notice(msg), "")[0]:
        return "system"
    return None


def _quote_fields(msg: str, options: ParseOptions, path: Path) -> dict[str, Any]:
    """The reply text and the quoted sender, text and time of a quote-reply's msg."""
    m = _QUOTE.match(msg)
    if not m:
        return {}
    sender, sep, quoted = m["rest"].partition(":")
    fields: dict[str, Any] = {"text": m["reply"], "quote_sender": (sender or None) if sep else None,
                              "quote_text": quoted if sep else m["rest"]}
    try:
        fields["quote_ts"] = parse_local_time(m["time"], options.tz, path=path)
    except FormatError:
        pass  # the quoted time is informative only; the row's own time is the one that must parse
    return fields


# --- users.json ----------------------------------------------------------------------------------

def read_users(path: Path) -> dict[str, dict[str, Any]]:
    """The wxid → contact map of a ``users.json`` beside a CSV; empty when there is none."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(read_export_text(path))
    except json.JSONDecodeError as e:
        raise FormatError(f"{USERS_FILE} is not valid JSON ({e.msg})", path=path, line=e.lineno) from None
    except RecursionError:
        raise FormatError(f"{USERS_FILE} is nested too deeply", path=path) from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise FormatError(f"{USERS_FILE} is not an object of contact objects", path=path)
    return data


def display_name(user: dict[str, Any] | None, wxid: str) -> str:
    """How a contact is named: remark, else nickname, else the wxid (PyWxDump's own order)."""
    if user:
        for key in ("remark", "nickname"):
            value = user.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return wxid


def _chat_name(room: str, users: dict[str, dict[str, Any]]) -> str:
    return display_name(users.get(room), room)


_USERS_START = re.compile(r'^\s*\{\s*"[^"\\]+"\s*:\s*\{\s*"wxid"\s*:')
_NICKNAME_KEY = re.compile(r'"nickname"\s*:')


class PyWxDumpUsers(Importer):
    """``users.json``: the contacts a PyWxDump CSV's talkers are named from; holds no messages."""

    name = "pywxdump-users"
    platform = "wechat"
    tool = "PyWxDump"
    detection = "A JSON object whose values are objects with wxid and nickname keys (PyWxDump's users.json)."
    sidecar = True

    def sniff(self, sample: Sample) -> bool:
        text = sample.text
        if not _USERS_START.match(text) or not _NICKNAME_KEY.search(text):
            return False
        if len(sample.head) < 64 * 1024:  # the whole file: check every entry
            try:
                data = json.loads(text)
            except (ValueError, RecursionError):
                return False
            return isinstance(data, dict) and all(
                isinstance(v, dict) and "wxid" in v and "nickname" in v for v in data.values())
        return True

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        read_users(path)  # a damaged sidecar is reported when it is read on its own, too
        return iter(())


IMPORTERS = [PyWxDumpCsv()]
SIDECARS = [PyWxDumpUsers()]
