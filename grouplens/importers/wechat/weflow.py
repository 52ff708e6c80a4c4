"""WeFlow exports of WeChat 4.x (hicccc77/WeFlow): the TXT, the WeClone CSV and the detailed JSON.

* ``weflow-txt``: ``YYYY-MM-DD HH:MM:SS '<name>'``, the content, a blank line (UTF-8, LF, no blank
  line after the last record). Names only: the remark, else the nickname, else the wxid; the
  exporting user is ``'我'``. WeChat's notices are signed with the conversation's own name (WeFlow
  falls back to the chat when a row has no sender), so a row signed with the file's name, or
  whose text is a join/leave/recall/rename notice, is a notice.
* ``weflow-csv`` (the "WeClone" CSV): ``id,MsgSvrID,type_name,is_sender,talker,msg,src,CreateTime``
  with a BOM, CRLF and UTC ISO times (``…Z``). ``id`` and ``MsgSvrID`` are only row numbers, so
  they are not message ids; ``talker`` is a display name.
* ``weflow-json``: ``{weflow, session, messages}`` with epoch-second ``createTime``, the raw
  ``localType`` (WeChat 4.x packs ``(SubType << 32) | Type`` into it), ``senderUsername`` (the
  wxid; the chat id itself for notices) and the message source XML, whose ``<atuserlist>`` gives
  the @-mentioned wxids. ``localId`` is a running number WeFlow assigns, not an id. EchoTrace
  writes the same message objects without the ``weflow`` header (see echotrace.py).

Neither text layout names the group inside it, so the group is named after the file, as WeFlow
names its files after the chat. WeFlow's text placeholders: ``[图片]``, ``[视频]12s``, ``[定位]…``,
``[名片]…``, ``[链接]…``, ``[文件]…``, ``[红包]…``, ``[转账]…``, ``[转发的聊天记录]…``; a quote keeps only
the reply. ``[其他消息]`` is what WeFlow writes for stickers (and for voice, unless transcribed):
it is read as a sticker.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
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
    from_epoch_seconds,
    parse_iso_time,
    parse_local_time,
)
from ..textutil import classify_event, clean_text, find_mentions, kind_from_text
from .chatlog import SELF_ID, SELF_NAME
from .common import (
    SYSTEM_NAME,
    TYPE_APP,
    TYPE_REVOKE_4X,
    TYPE_SYSTEM,
    TYPE_TEXT,
    clean_notice,
    csv_int,
    iter_csv_records,
    iter_json_array,
    kind_from_type_code,
    kind_from_type_name,
    normalize_type_code,
    notice_kind,
    read_export_text,
    xml_root,
    xml_text,
)

# --- what WeFlow's and EchoTrace's layouts share ------------------------------------------------

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


def placeholder_kind(text: str | None) -> str:
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


def _strip_trailing_blank_lines(text: str) -> str:
    return re.sub(r"(?:\n[ \t\u3000]*)+\Z", "", text)


def _notice(text: str, shown: str | None, fallback: str = "system") -> dict[str, Any]:
    """The columns of a notice WeChat wrote (join/leave/recall/rename/pat when recognised)."""
    kind, members = notice_kind(text, fallback)
    return {"sender_id": None, "sender_name": SYSTEM_NAME, "kind": kind, "event_members": members,
            "extra": {"shown_sender": shown} if shown else None}


def _said(sender_id: str | None, name: str | None, text: str | None, kind: str, *, is_self: bool,
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


def _shown_message(name: str, text: str, conversation: str, *, is_self: bool,
                   kind: str | None = None) -> dict[str, Any]:
    """Columns of a text-layout message signed with a display name (``name``).

    Notices carry the chat's own name, or are recognised by their text (a pat is a member's act
    and keeps its sender)."""
    event = classify_event(text)
    if not is_self and (name == conversation or (event and event[0] != "pat")):
        return {**_notice(text, name), "text": text}
    if is_self:
        return _said(SELF_ID, name or SELF_NAME, text, kind or placeholder_kind(text), is_self=True)
    return _said(name_sender_id(name), name, text, kind or placeholder_kind(text), is_self=False)


def _is_group(messages: list[dict[str, Any]]) -> bool:
    """A private chat has every message signed by one of its two parties; a group has more, or notices."""
    senders = {m["sender_id"] for m in messages}
    return None in senders or len(senders) > 2


def _conversation(platform: str, name: str, messages: list[dict[str, Any]]) -> ParsedConversation:
    rows = MessageRows()
    for m in messages:
        rows.add(**m)
    return ParsedConversation(platform=platform, name=name, messages=rows.to_table(), native_id=None,
                              is_group=_is_group(messages))


# --- weflow-txt ----------------------------------------------------------------------------------

_TXT_HEADER = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) '(.*)'")


class WeFlowTxt(Importer):
    name = "weflow-txt"
    platform = "wechat"
    tool = "WeFlow (WeChat 4.x)"
    detection = "The first non-empty line is 'YYYY-MM-DD HH:MM:SS 'name'' with the name in ASCII single quotes."

    def sniff(self, sample: Sample) -> bool:
        return _TXT_HEADER.fullmatch(sample.first_line[:512]) is not None

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        lines = read_export_text(path).split("\n")
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is None:
            raise FormatError("empty file", path=path)
        if not _TXT_HEADER.fullmatch(lines[first]):
            raise FormatError("expected a 'YYYY-MM-DD HH:MM:SS 'name'' header", path=path, line=first + 1)
        starts = [i for i in range(first, len(lines))
                  if (i == first or not lines[i - 1].strip()) and _TXT_HEADER.fullmatch(lines[i])]
        messages = []
        for n, start in enumerate(starts):
            end = starts[n + 1] if n + 1 < len(starts) else len(lines)
            header = _TXT_HEADER.fullmatch(lines[start])
            assert header is not None
            ts = parse_local_time(header[1], options.tz, path=path, line=start + 1)
            name = clean_text(header[2]).strip()
            text = _strip_trailing_blank_lines(clean_text("\n".join(lines[start + 1:end])))
            fields = _shown_message(name, text, path.stem, is_self=name == SELF_NAME)
            messages.append({"ts": ts, "text": text, "source_line": start + 1, **fields})
        yield _conversation(self.platform, path.stem, messages)


# --- weflow-csv (WeClone) ---------------------------------------------------------------------------

CSV_HEADER = ("id", "MsgSvrID", "type_name", "is_sender", "talker", "msg", "src", "CreateTime")
_CSV_HEADER_LINE = ",".join(CSV_HEADER)


class WeFlowCsv(Importer):
    name = "weflow-csv"
    platform = "wechat"
    tool = "WeFlow (WeChat 4.x), WeClone CSV"
    detection = ("The first line is the WeClone header id,MsgSvrID,type_name,is_sender,talker,msg,src,CreateTime "
                 "(PyWxDump's has room_name).")

    def sniff(self, sample: Sample) -> bool:
        return sample.first_line.strip() == _CSV_HEADER_LINE

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        text = read_export_text(path)
        messages = [self._message(record, line, path, options)
                    for _, line, record in iter_csv_records(text, path, (CSV_HEADER,))]
        yield _conversation(self.platform, path.stem, messages)

    @staticmethod
    def _message(record: dict[str, str], line: int, path: Path, options: ParseOptions) -> dict[str, Any]:
        ts = parse_iso_time(record["CreateTime"], options.tz, path=path, line=line)
        is_self = csv_int(record, "is_sender", path, line) == 1
        type_name = record["type_name"].strip()
        text = _strip_trailing_blank_lines(clean_text(record["msg"]))
        name = clean_text(record["talker"]).strip()
        kind = kind_from_type_name(type_name) or placeholder_kind(text)
        fields = _shown_message(name, text, path.stem, is_self=is_self, kind=kind)
        extra = dict(fields.pop("extra") or {})
        extra["type_name"] = type_name
        if src := record["src"].strip():
            extra["src"] = src
        return {"ts": ts, "text": text, "source_line": line, "extra": extra, **fields}


# --- weflow-json (and EchoTrace's JSON) --------------------------------------------------------------

def load_json_text(text: str, path: Path) -> Any:
    """The value of a JSON export; bad or too deeply nested JSON is a FormatError naming the line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise FormatError(f"invalid JSON ({e.msg})", path=path, line=e.lineno) from None
    except RecursionError:
        raise FormatError("JSON nested too deeply", path=path) from None


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
    text = _strip_trailing_blank_lines(clean_text(content)) if content is not None else None
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
        fields = _notice(notice_text, None, fallback if fallback in S.EVENT_KINDS else "system")
        fields["extra"] = extra or None
        return {"ts": ts, "text": notice_text, **fields}

    kind = code_kind(local_type) if local_type is not None else None
    if kind is None:
        kind = _kind_without_code(base, type_name, text)
    name = shown or sender or None
    sender_id = sender or (S.name_based_id(shown) if shown else None)
    fields = _said(sender_id, name, text, kind, is_self=is_send in (1, True), mentions=source_mentions(
        _field(item, "source", (str,))), extra=extra)
    return {"ts": ts, **fields}


def _kind_without_code(base: int | None, type_name: str, text: str | None) -> str:
    """The kind of a message whose code does not say it (an unpacked app message 49, an unknown
    code): its placeholder, else its type name; an app message shown only by its title is the
    text of a quote reply or a solitaire (WeFlow and EchoTrace bracket every other app message)."""
    from_text = placeholder_kind(text)
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
    session, items = session_of(load_json_text(text, path), path)
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


class WeFlowJson(Importer):
    name = "weflow-json"
    platform = "wechat"
    tool = "WeFlow (WeChat 4.x), detailed JSON"
    detection = 'A JSON object whose first key is "weflow", followed by "session" and "messages".'

    _HEAD = re.compile(r'\s*\{\s*"weflow"\s*:\s*\{')

    def sniff(self, sample: Sample) -> bool:
        return bool(self._HEAD.match(sample.text)) and '"session"' in sample.text

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        yield parse_session_json(path, self.platform, keep_local_id=False)


IMPORTERS = [WeFlowTxt(), WeFlowCsv(), WeFlowJson()]
