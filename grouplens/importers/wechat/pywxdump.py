"""PyWxDump exports of Windows PC WeChat 3.x: CSV pages, JSON, the HTML export's ``data.js``, and
the ``users.json`` written beside the first two.

All three layouts hold the same row dicts (PyWxDump's ``get_msg_detail``): the server message id,
a Chinese type name, the sender's wxid (``talker``), the chat id (``room_name``, ``…@chatroom``
for groups), the text as PyWxDump renders it (``msg``), a media source (``src``) and a local
wall-clock ``CreateTime``. ``row_message`` maps a row the same way whichever file it came from.

* ``pywxdump-csv`` (``<chat>_<start>_<end>.csv``, UTF-8 without BOM, CRLF, minimal quoting):
  rows carry no names; those are in ``users.json`` (wxid → {wxid, nickname, remark, …}). Each
  page is parsed on its own; pages of one chat share the chat id, so they land in the same
  group. Releases up to v2.4 (Jan 2024) wrote a ``content`` column holding ``{"src": …, "msg":
  …}`` JSON instead of ``msg``/``src``, and ``我`` as the talker of your own messages; both
  headers are read.
* ``pywxdump-json`` (``<chat>_0_<n>.json``): ``json.dump(rows, indent=4)``; names from
  ``users.json`` beside it, as for the CSV.
* ``pywxdump-html`` (``data.js`` of the HTML export, which the copied web viewer loads): one
  ``const`` per line: ``local_msg_count``, ``local_mywxid``, ``local_user_list`` (the same
  contacts as ``users.json``) and ``local_msg_list`` (the rows). It is a format of its own
  because it carries its names and your own wxid inside the file; rows whose talker is ``我``
  are given that wxid.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ... import schema as S
from ...errors import FormatError
from ..base import (
    Importer,
    MessageRows,
    ParsedConversation,
    ParseOptions,
    Sample,
    parse_local_time,
    parse_table_time,
    rounded_by_spreadsheet,
)
from ..textutil import find_mentions, kind_from_text
from .common import (
    SYSTEM_NAME,
    clean_notice,
    iter_csv_records,
    iter_json_array,
    kind_from_type_name,
    notice_kind,
    read_export_text,
)

CSV_HEADER = ("id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "msg", "src", "CreateTime")
OLD_CSV_HEADER = ("id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "content", "CreateTime")
_HEADER_LINES = {",".join(CSV_HEADER), ",".join(OLD_CSV_HEADER)}
USERS_FILE = "users.json"

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


# --- the row mapping all three layouts share ---------------------------------------------------------

def row_message(row: Mapping[str, Any], users: Mapping[str, dict[str, Any]], options: ParseOptions, path: Path,
                line: int, *, self_wxid: str | None = None) -> dict[str, Any]:
    """The MessageRows.add arguments for one PyWxDump row, from whichever layout it was read.

    ``row`` has PyWxDump's keys (``id``, ``MsgSvrID``, ``type_name``, ``is_sender``, ``talker``,
    ``msg``, ``src``, ``CreateTime``), with values as CSV text or as JSON numbers and strings.
    ``self_wxid`` (data.js's ``local_mywxid``) replaces the talker ``我`` of your own rows.
    """
    type_name = _row_text(row, "type_name", path, line).strip()
    talker = _row_text(row, "talker", path, line).strip()
    msg = _row_text(row, "msg", path, line)
    src = row.get("src")
    is_sender = _row_int(row, "is_sender", path, line)
    svr_id = _row_text(row, "MsgSvrID", path, line).strip()
    extra: dict[str, Any] = {"id": _row_int(row, "id", path, line), "type_name": type_name, "is_sender": is_sender}
    if _is_media_source(src):
        extra["src"] = src
    if rounded_by_spreadsheet(svr_id):
        extra["MsgSvrID"] = svr_id
        svr_id = ""
    message: dict[str, Any] = {
        "msg_id": svr_id if svr_id.strip("0") else None,  # 0 is not an id: rows never sent to the server
        "ts": parse_table_time(_row_text(row, "CreateTime", path, line), options.tz, path=path, line=line),
        "source_line": line, "extra": extra, "text": msg,
    }
    notice_fallback = _notice_fallback(type_name, msg)
    if notice_fallback is not None:
        text = clean_notice(msg)  # PyWxDump keeps a notice's raw StrContent, markup and all
        kind, members = notice_kind(text, notice_fallback)
        extra["talker"] = talker
        message.update(sender_id=None, sender_name=SYSTEM_NAME, kind=kind, text=text, event_members=members)
        return message

    if talker == _SELF_TALKER and self_wxid and self_wxid != _SELF_TALKER:
        talker = self_wxid
    if talker in _NOT_A_MEMBER or not talker:
        extra["talker"] = talker
        message.update(sender_id=None, sender_name=None)
    elif talker == _SELF_TALKER:
        message.update(sender_id=S.name_based_id(talker), sender_name=talker)
    else:
        message.update(sender_id=talker, sender_name=display_name(users.get(talker), talker))
    kind = kind_from_type_name(type_name) or kind_from_text(msg)
    message["kind"] = kind
    if type_name in _QUOTE_TYPES:
        message.update(_quote_fields(msg, options, path))
    if kind == "text":
        message["mentions"] = find_mentions(message["text"])
    return message


def _is_media_source(src: Any) -> bool:
    """Whether ``src`` is a short media path or URL worth keeping. A forwarded chat's src is a dict
    (JSON) or that dict printed (CSV): too big, and the text already summarises it."""
    return (isinstance(src, str) and bool(src) and "\n" not in src and len(src) <= _SRC_LIMIT
            and not src.lstrip().startswith(("{", "[")))


def _row_text(row: Mapping[str, Any], key: str, path: Path, line: int) -> str:
    """A text field of a row; a JSON number is read as its digits, a missing key is an error."""
    if key not in row:
        raise FormatError(f"message has no {key}", path=path, line=line)
    value = row[key]
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise FormatError(f"{key} is not text: {str(value)[:40]!r}", path=path, line=line)


def _row_int(row: Mapping[str, Any], key: str, path: Path, line: int) -> int:
    value = row.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = _row_text(row, key, path, line).strip()
    try:
        return int(text)
    except ValueError:
        raise FormatError(f"{key} is not a number: {text[:40]!r}", path=path, line=line) from None


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


def _conversations(rows: Iterable[tuple[int, Any]], users: Mapping[str, dict[str, Any]], options: ParseOptions,
                   path: Path, *, platform: str, self_wxid: str | None = None) -> list[ParsedConversation]:
    """One conversation per chat id (``room_name``) among ``(line, row)`` pairs, all read first."""
    chats: dict[str, list[dict[str, Any]]] = {}
    for line, row in rows:
        if not isinstance(row, Mapping):
            raise FormatError("a message is not an object of PyWxDump's row fields", path=path, line=line)
        room = _row_text(row, "room_name", path, line).strip()
        if not room:
            raise FormatError("message has no room_name", path=path, line=line)
        chats.setdefault(room, []).append(row_message(row, users, options, path, line, self_wxid=self_wxid))
    conversations = []
    for room, messages in chats.items():
        warnings = _drop_unreliable_ids(messages, path)
        table = MessageRows()
        for m in messages:
            table.add(**m)
        conversations.append(ParsedConversation(platform=platform, name=_chat_name(room, users),
                                                messages=table.to_table(), native_id=room,
                                                is_group=room.endswith("@chatroom"), warnings=warnings))
    return conversations


def _drop_unreliable_ids(messages: list[dict[str, Any]], path: Path) -> list[str]:
    """Forget MsgSvrIDs a spreadsheet rounded (``7.23457E+18``, or 19 digits ending in zeros that
    now repeat on different messages): kept, they would merge different messages into one."""
    rounded = sum(1 for m in messages if "MsgSvrID" in m["extra"])
    seen: dict[str, tuple[Any, Any]] = {}
    clash = False
    for m in messages:
        if m["msg_id"] is not None:
            first = seen.setdefault(m["msg_id"], (m["ts"], m["text"]))
            clash = clash or first != (m["ts"], m["text"])
    if clash:
        for m in messages:
            if m["msg_id"] is not None:
                m["extra"]["MsgSvrID"] = m["msg_id"]
                m["msg_id"] = None
    if not rounded and not clash:
        return []
    return [f"{path.name}: MsgSvrID was rounded by a spreadsheet that re-saved the file; message ids are "
            "derived from time, sender and text instead"]


# --- pywxdump-csv -----------------------------------------------------------------------------------

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
        rows = ((line, _csv_row(record, header, path, line))
                for header, line, record in iter_csv_records(text, path, (CSV_HEADER, OLD_CSV_HEADER)))
        yield from _conversations(rows, users, options, path, platform=self.platform)


def _csv_row(record: dict[str, str], header: tuple[str, ...], path: Path, line: int) -> dict[str, Any]:
    """A CSV record as a row with ``msg`` and ``src``, taken from the old JSON ``content`` if need be."""
    if header == CSV_HEADER:
        return record
    try:
        content = json.loads(record["content"])
    except (json.JSONDecodeError, RecursionError):
        raise FormatError("content is not JSON", path=path, line=line) from None
    if not isinstance(content, dict) or "msg" not in content:
        raise FormatError('content is not a {"src": …, "msg": …} object', path=path, line=line)
    msg = content["msg"]
    return {**record, "msg": "" if msg is None else str(msg), "src": content.get("src")}


# --- pywxdump-json ----------------------------------------------------------------------------------

_JSON_START = re.compile(r'^\s*\[\s*\{\s*"id"\s*:\s*\d+\s*,\s*"MsgSvrID"\s*:')
_JSON_KEYS = ('"type_name"', '"talker"', '"room_name"', '"CreateTime"')


class PyWxDumpJson(Importer):
    name = "pywxdump-json"
    platform = "wechat"
    tool = "PyWxDump"
    detection = ('A JSON list whose first object starts with "id", "MsgSvrID" and has type_name, talker, '
                 "room_name and CreateTime (PyWxDump's JSON export; names from users.json beside it).")

    def sniff(self, sample: Sample) -> bool:
        head = sample.text[:8192]
        return bool(_JSON_START.match(head)) and all(key in head for key in _JSON_KEYS)

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        users = read_users(path.parent / USERS_FILE)
        text = read_export_text(path)
        yield from _conversations(_json_file_rows(text, path), users, options, path, platform=self.platform)


def _json_file_rows(text: str, path: Path) -> Iterator[tuple[int, Any]]:
    start = len(text) - len(text.lstrip())
    if text[start:start + 1] != "[":
        raise FormatError("expected a JSON list of messages", path=path, line=text.count("\n", 0, start) + 1)
    end = yield from iter_json_array(text, start, path)
    rest = text[end:]
    if rest.strip():
        extra_at = end + len(rest) - len(rest.lstrip())
        raise FormatError("unexpected text after the JSON list", path=path, line=text.count("\n", 0, extra_at) + 1)


# --- pywxdump-html (data.js) ------------------------------------------------------------------------

_DATAJS_COUNT = re.compile(r"^const\s+local_msg_count\s*=\s*\d+\s*;?\s*$", re.M)
_DATAJS_MYWXID = re.compile(r"""^const\s+local_mywxid\s*=\s*(['"])(.*?)\1\s*;?\s*$""", re.M)
_DATAJS_USERS = re.compile(r"^const\s+local_user_list\s*=\s*", re.M)
_DATAJS_MSGS = re.compile(r"^const\s+local_msg_list\s*=\s*", re.M)


class PyWxDumpHtml(Importer):
    name = "pywxdump-html"
    platform = "wechat"
    tool = "PyWxDump (HTML export: data.js)"
    detection = ("A script whose first lines declare PyWxDump's const local_msg_count and const local_mywxid "
                 "(the data.js of its HTML export, with local_user_list and local_msg_list).")

    def sniff(self, sample: Sample) -> bool:
        head = "\n".join(sample.lines(6))
        return bool(_DATAJS_COUNT.search(head) and _DATAJS_MYWXID.search(head))

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        text = read_export_text(path)
        mywxid = _DATAJS_MYWXID.search(text)
        users = _datajs_users(text, path)
        msgs = _DATAJS_MSGS.search(text)
        if msgs is None or text[msgs.end():msgs.end() + 1] != "[":
            raise FormatError("no 'const local_msg_list = [' line: not a complete PyWxDump data.js", path=path)
        yield from _conversations(_datajs_rows(text, msgs.end(), path), users, options, path,
                                  platform=self.platform, self_wxid=mywxid[2].strip() if mywxid else None)


def _datajs_users(text: str, path: Path) -> dict[str, dict[str, Any]]:
    found = _DATAJS_USERS.search(text)
    if found is None:
        return {}
    line = text.count("\n", 0, found.start()) + 1
    try:
        data, _ = json.JSONDecoder().raw_decode(text, found.end())
    except json.JSONDecodeError as e:
        raise FormatError(f"local_user_list is not valid JSON ({e.msg})", path=path, line=line) from None
    except RecursionError:
        raise FormatError("local_user_list is nested too deeply", path=path, line=line) from None
    return check_users(data, path, "local_user_list", line)


def _datajs_rows(text: str, start: int, path: Path) -> Iterator[tuple[int, Any]]:
    end = yield from iter_json_array(text, start, path)
    line_end = text.find("\n", end)
    rest = text[end:line_end if line_end >= 0 else len(text)]
    if rest.strip(" \t;"):
        raise FormatError("unexpected text after local_msg_list", path=path, line=text.count("\n", 0, end) + 1)


# --- users.json ----------------------------------------------------------------------------------

def read_users(path: Path) -> dict[str, dict[str, Any]]:
    """The wxid → contact map of a ``users.json`` beside a CSV or JSON export; empty when there is none."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(read_export_text(path))
    except json.JSONDecodeError as e:
        raise FormatError(f"{USERS_FILE} is not valid JSON ({e.msg})", path=path, line=e.lineno) from None
    except RecursionError:
        raise FormatError(f"{USERS_FILE} is nested too deeply", path=path) from None
    return check_users(data, path, USERS_FILE)


def check_users(data: Any, path: Path, what: str, line: int | None = None) -> dict[str, dict[str, Any]]:
    """``data`` if it is PyWxDump's contact map (an object of contact objects), else a FormatError."""
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise FormatError(f"{what} is not an object of contact objects", path=path, line=line)
    return data


def display_name(user: dict[str, Any] | None, wxid: str) -> str:
    """How a contact is named: remark, else nickname, else the wxid (PyWxDump's own order)."""
    if user:
        for key in ("remark", "nickname"):
            value = user.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return wxid


def _chat_name(room: str, users: Mapping[str, dict[str, Any]]) -> str:
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


IMPORTERS = [PyWxDumpCsv(), PyWxDumpJson(), PyWxDumpHtml()]
SIDECARS = [PyWxDumpUsers()]
