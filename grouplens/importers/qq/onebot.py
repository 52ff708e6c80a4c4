"""OneBot 11 message dumps (NapCat, LLOneBot, bot loggers) and QCE V3's records: ``onebot-json``.

Layouts (research/formats-qq.md §F):

* what NapCat's ``get_group_msg_history`` returns, saved as JSON: ``{"status":"ok", "data":
  {"messages":[…]}}``, or just ``{"messages":[…]}``, or a bare array of messages;
* JSON Lines of OneBot events, one per line, as bot loggers write them (``post_type`` message,
  and notices such as ``group_increase``);
* QQChatExporter V3 (Go, 2025) ``{"export_version":"3.0.0", "messages":[…]}`` whose records
  carry NapCat's fields with a ``napcat_`` prefix (``napcat_message_id``, ``napcat_time``,
  ``napcat_user_id``…), the sender as a JSON string ``sender_data``, the segments as a JSON string
  ``message_content`` and the whole NapCat message as ``raw_response``.

A OneBot message: ``message_id``, ``time`` (epoch seconds), ``user_id``, ``group_id``,
``sender{user_id, nickname, card, role, title}``, ``message`` as segments ``[{type, data}]``
(or a CQ-code string when ``message_format`` is ``string``) and ``raw_message`` in CQ codes.

Decisions:

* msg_id is ``message_id`` (NapCat's short id, often negative); a ``reply`` segment's ``id`` is
  the same kind of id, so ``reply_to`` links within a dump. sender_id is ``user_id``; the name is
  the 群名片 (``card``) or else the nickname; ``role``/``title`` go to extra. Anonymous members
  (``sub_type`` anonymous) are keyed by their anonymous name, ``extra["anonymous"]``.
* Each group (``group_id``, the native id; named by ``group_name`` when a record carries it,
  else by the number) and each private peer is a conversation of its own.
* Text renders segments with the placeholders of QQ's own exports: ``[图片]``, ``[动画表情]``,
  ``[表情]``, ``[语音]``, ``[视频]``, ``[文件:name]``, ``[聊天记录]``, ``[位置:title]``,
  ``@name`` (the at segment's name, else the name that QQ number has in the dump, else the number;
  ``@全体成员`` for everyone). The kind comes from the segments (one kind of content → that
  kind, mixed → text); mentions are the at segments' names (else QQ numbers).
* Notices in JSON Lines: ``group_increase`` → join, ``group_decrease`` → leave,
  ``group_recall``/``friend_recall`` → recall (and the recalled message, when in the dump, gets
  ``extra["recalled"]``), ``notify``/``poke`` → pat. They have no text; ``event_members`` holds
  the QQ numbers they concern. Other events (heartbeats, requests) are skipped with a warning.
* source_line: the line a message starts on (JSON Lines, and JSON files that put messages on
  lines of their own); None when the whole file is one line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ... import schema as S
from ...errors import FormatError
from ..base import (
    SNIFF_BYTES,
    SYSTEM_NAME,
    Importer,
    MessageRows,
    ParsedConversation,
    ParseOptions,
    Sample,
    strip_trailing_blank_lines,
)
from ..textutil import clean_text, decode_sample, kind_from_text, load_json_text, numbered_lines, read_text
from .common import MENTION_ALL, element_kind, is_qce_object, message_time

TOOL = "NapCat / LLOneBot (OneBot 11) message history, bot loggers, QQChatExporter V3"

_OB_ID = re.compile(r'"message_id"\s*:')
_OB_USER = re.compile(r'"user_id"\s*:')
_OB_BODY = re.compile(r'"raw_message"\s*:|"message"\s*:\s*\[\s*(?:\{\s*"type"|\])')
_NAPCAT_ID = re.compile(r'"napcat_message_id"\s*:')
_NAPCAT_USER = re.compile(r'"napcat_user_id"\s*:')
_NAPCAT_BODY = re.compile(r'"raw_message"\s*:|"message_content"\s*:')
_MESSAGES_ARRAY = re.compile(r'"messages"\s*:\s*\[')
_CQ_CODE = re.compile(r"\[CQ:([A-Za-z0-9_.-]+)((?:,[^,\]]*)*)\]")

# napcat_<field> of QCE V3 records → the OneBot field it holds
_NAPCAT_FIELDS = ("message_id", "time", "user_id", "self_id", "group_id", "message_seq", "real_id")
_MESSAGE_POSTS = (None, "", "message", "message_sent")
_NO_ID = {"", "0"}

# Segment type → (placeholder text, kind of a message made only of such segments).
_PLACEHOLDERS: dict[str, tuple[str, str]] = {
    "face": ("[表情]", "sticker"), "dice": ("[骰子]", "sticker"), "rps": ("[猜拳]", "sticker"),
    "record": ("[语音]", "voice"), "video": ("[视频]", "video"), "forward": ("[聊天记录]", "forward"),
    "node": ("[聊天记录]", "forward"), "xml": ("[卡片消息]", "link"), "music": ("[音乐]", "link"),
    "contact": ("[名片]", "card"), "poke": ("[拍一拍]", "pat"), "shake": ("[窗口抖动]", "text"),
}
_MEDIA_TYPES = ("image", "record", "video", "file")


class OneBotJsonImporter(Importer):
    name = "onebot-json"
    platform = "qq"
    tool = TOOL
    detection = ("JSON or JSON Lines whose objects carry message_id, user_id and raw_message or a message "
                 "segment array (or QCE V3's napcat_message_id/napcat_user_id), without QCE's metadata")

    def sniff(self, sample: Sample) -> bool:
        text = sample.text.lstrip()
        if not text.startswith(("{", "[")):
            return False
        if is_qce_object(sample.text):
            return False  # QCE's own JSON (metadata.name QQChatExporter) is qce-json
        onebot = _OB_ID.search(text) and _OB_USER.search(text) and _OB_BODY.search(text)
        napcat = _NAPCAT_ID.search(text) and _NAPCAT_USER.search(text) and _NAPCAT_BODY.search(text)
        return bool(onebot or napcat)

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        dump = _Dump(path)
        for line, record in read_records(path):
            dump.add(record, line)
        yield from dump.conversations(options)


# --- reading the file ------------------------------------------------------------------------------

def _first_line(path: Path) -> str:
    try:
        with path.open("rb") as f:
            head = decode_sample(f.read(SNIFF_BYTES))
    except OSError as e:
        raise FormatError(f"cannot read file: {e.strerror}", path=path) from None
    return next((line.strip() for line in head.split("\n") if line.strip()), "")


def _is_event(value: Any) -> bool:
    return isinstance(value, dict) and any(k in value for k in ("message_id", "napcat_message_id", "post_type"))


def read_records(path: Path) -> Iterator[tuple[int | None, Any]]:
    """Each OneBot record in the file with the line it starts on (None when that means nothing)."""
    first = _first_line(path)
    if first.startswith("{"):
        try:
            is_jsonl = _is_event(json.loads(first))
        except (json.JSONDecodeError, RecursionError):
            is_jsonl = False
        if is_jsonl:
            for number, text in numbered_lines(path, "utf-8"):
                if text.strip():
                    yield number, load_json_text(text, path=path, line=number)
            return
    text = read_text(path)
    top = load_json_text(text, path=path, line=None)
    messages = _messages_of(top, path)
    lines = _item_lines(text, len(messages)) if "\n" in text.strip() else None
    for i, message in enumerate(messages):
        yield (lines[i] if lines else None), message


def _messages_of(top: Any, path: Path) -> list[Any]:
    """The message list of a JSON document: a bare array, messages, data.messages or data."""
    if isinstance(top, list):
        return top
    if isinstance(top, dict):
        data = top.get("data")
        for candidate in (top.get("messages"), data.get("messages") if isinstance(data, dict) else None, data):
            if isinstance(candidate, list):
                return candidate
        if _is_event(top):
            return [top]
    raise FormatError("expected a JSON array of OneBot messages, {messages: […]} or {data: {messages: […]}}",
                      path=path, line=1)


def _item_lines(text: str, count: int) -> list[int] | None:
    """The line each element of the messages array starts on, found by decoding the array in place."""
    stripped = text.lstrip()
    if stripped.startswith("["):
        start = len(text) - len(stripped)
    else:
        m = _MESSAGES_ARRAY.search(text)
        if not m:
            return None
        start = m.end() - 1
    decoder = json.JSONDecoder()
    lines: list[int] = []
    pos, line, counted = start + 1, 1 + text.count("\n", 0, start + 1), start + 1
    try:
        while len(lines) < count:
            while text[pos] in " \t\r\n,":
                pos += 1
            line += text.count("\n", counted, pos)
            counted = pos
            lines.append(line)
            _, pos = decoder.raw_decode(text, pos)
    except (json.JSONDecodeError, IndexError, RecursionError):
        return None
    return lines


def _json_text(value: Any) -> Any:
    """A JSON value that QCE V3 stored as a string; None when it is not valid JSON."""
    if not isinstance(value, str):
        return None
    try:
        return json.loads(value)
    except (json.JSONDecodeError, RecursionError):
        return None


def from_napcat_record(record: dict[str, Any]) -> dict[str, Any]:
    """A QCE V3 record (``napcat_`` fields, JSON held in strings) as the OneBot message it stores."""
    base = _json_text(record.get("raw_response"))
    message = dict(base) if isinstance(base, dict) else {}
    for name in _NAPCAT_FIELDS:
        if record.get("napcat_" + name) is not None:
            message[name] = record["napcat_" + name]
    for key in ("message_type", "sub_type", "raw_message", "message_format", "post_type"):
        if record.get(key) not in (None, ""):
            message[key] = record[key]
    sender = _json_text(record.get("sender_data"))
    if not isinstance(sender, dict):
        sender = _obj(message.get("sender")) or {"nickname": record.get("sender_nickname"),
                                                   "card": record.get("sender_card"), "role": record.get("sender_role")}
    message["sender"] = sender
    segments = _json_text(record.get("message_content"))
    if isinstance(segments, list):
        message["message"] = segments
    return message


# --- small readers ------------------------------------------------------------------------------------

def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _id(value: Any) -> str | None:
    """An account or message id as text (JSON numbers exactly); None for missing or 0."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        return None
    return None if text in _NO_ID else text


def _name(value: Any) -> str | None:
    return (clean_text(value).strip() or None) if isinstance(value, str) else None


# --- segments -------------------------------------------------------------------------------------------

def _cq_unescape(text: str) -> str:
    return text.replace("&#91;", "[").replace("&#93;", "]").replace("&#44;", ",").replace("&amp;", "&")


def parse_cq(text: str) -> list[tuple[str, dict[str, Any]]]:
    """A CQ-code string (``[CQ:at,qq=123] 你好``) as OneBot segments."""
    segments: list[tuple[str, dict[str, Any]]] = []
    pos = 0
    for m in _CQ_CODE.finditer(text):
        if m.start() > pos:
            segments.append(("text", {"text": _cq_unescape(text[pos:m.start()])}))
        data: dict[str, Any] = {}
        for param in m.group(2).split(",")[1:]:
            key, _, value = param.partition("=")
            data[key] = _cq_unescape(value)
        segments.append((m.group(1), data))
        pos = m.end()
    if pos < len(text):
        segments.append(("text", {"text": _cq_unescape(text[pos:])}))
    return segments


def segments_of(message: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    body = message.get("message")
    if isinstance(body, list):
        return [(str(s.get("type") or ""), _obj(s.get("data"))) for s in body if isinstance(s, dict)]
    if isinstance(body, str):
        return parse_cq(body)
    raw = message.get("raw_message")
    return parse_cq(raw) if isinstance(raw, str) else []


@dataclass
class Rendered:
    """A message's segments as grouplens columns."""

    text: str
    kind: str
    mentions: list[str]
    reply_to: str | None
    files: list[str]


def _ark(data: dict[str, Any]) -> dict[str, Any]:
    parsed = _json_text(data.get("data"))
    return parsed if isinstance(parsed, dict) else data


def _segment(etype: str, data: dict[str, Any], names: dict[str, str]) -> tuple[str, str | None, str | None]:
    """(text, kind, mentioned name) of one segment; kind None for segments that carry no content."""
    if etype == "text":
        text = str(data.get("text") or "")
        return text, ("text" if text.strip() else None), None
    if etype == "at":
        qq = _id(data.get("qq")) or ""
        shown = MENTION_ALL if qq == "all" else (_name(data.get("name")) or "").lstrip("@") or names.get(qq) or qq
        return "@" + shown, "text", shown
    if etype == "image":
        sticker = str(data.get("sub_type")) == "1" or data.get("summary") == "[动画表情]"
        return ("[动画表情]", "sticker", None) if sticker else ("[图片]", "image", None)
    if etype == "mface":
        summary = _name(data.get("summary"))
        return (summary if summary and summary.startswith("[") else "[表情]"), "sticker", None
    if etype == "file":
        name = _name(data.get("name")) or _name(data.get("file"))
        return (f"[文件:{name}]" if name else "[文件]"), "file", None
    if etype == "json":
        ark = _ark(data)
        prompt = _name(ark.get("prompt"))
        return prompt or "[卡片消息]", element_kind("json", ark), None
    if etype == "share":
        title = _name(data.get("title"))
        return (f"[链接:{title}]" if title else "[链接]"), "link", None
    if etype == "location":
        title = _name(data.get("title")) or _name(data.get("content"))
        return (f"[位置:{title}]" if title else "[位置]"), "location", None
    if etype == "markdown":
        return str(data.get("content") or ""), "text", None
    if etype == "reply":
        return "", None, None
    text, kind = _PLACEHOLDERS.get(etype, (f"[{etype}]", "text"))
    return text, kind, None


def render(segments: list[tuple[str, dict[str, Any]]], names: dict[str, str]) -> Rendered:
    """Text, kind, mentions, reply id and media file names of a message's segments."""
    parts: list[str] = []
    kinds: set[str] = set()
    mentions: list[str] = []
    files: list[str] = []
    reply_to = None
    for etype, data in segments:
        text, kind, mentioned = _segment(etype, data, names)
        parts.append(text)
        if kind:
            kinds.add(kind)
        if mentioned:
            mentions.append(mentioned)
        if etype == "reply" and reply_to is None:
            reply_to = _id(data.get("id"))
        if etype in _MEDIA_TYPES:
            file = _name(data.get("file")) or _name(data.get("name"))
            if file and not file.startswith(("base64://", "http://", "https://")):
                files.append(file)
    text = strip_trailing_blank_lines(clean_text("".join(parts)))
    kind = kinds.pop() if len(kinds) == 1 else ("text" if kinds else kind_from_text(text))
    return Rendered(text=text, kind=kind, mentions=mentions, reply_to=reply_to, files=files)


# --- conversations ------------------------------------------------------------------------------------

@dataclass
class _Conversation:
    """The records of one group or private chat, kept until every sender's name is known."""

    native_id: str | None
    is_group: bool
    name: str | None = None
    records: list[tuple[int | None, dict[str, Any]]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # QQ number → latest display name


class _Dump:
    """Collects a file's records by conversation, then turns them into rows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conversations_by_key: dict[tuple[str, str], _Conversation] = {}
        self.nicknames: dict[str, str] = {}  # QQ number → a name from any conversation
        self.recalled: set[str] = set()
        self.skipped = 0

    def add(self, record: Any, line: int | None) -> None:
        if not isinstance(record, dict):
            raise FormatError("expected a OneBot message object", path=self.path, line=line)
        if "napcat_message_id" in record or "napcat_time" in record:
            record = from_napcat_record(record)
        post = record.get("post_type")
        if post not in _MESSAGE_POSTS and not (post == "notice" and _notice_kind(record)):
            self.skipped += 1
            return
        if "time" not in record:
            raise FormatError("a OneBot record without a time", path=self.path, line=line)
        conversation = self._conversation_of(record)
        conversation.records.append((line, record))
        if post in _MESSAGE_POSTS:
            self._learn_name(conversation, record)
        elif record.get("notice_type") in ("group_recall", "friend_recall"):
            recalled = _id(record.get("message_id"))
            if recalled:
                self.recalled.add(recalled)

    def _conversation_of(self, record: dict[str, Any]) -> _Conversation:
        group = _id(record.get("group_id"))
        private = record.get("message_type") == "private" or record.get("notice_type") == "friend_recall"
        if group and not private:
            key = ("group", group)
        else:
            sender = _id(record.get("user_id"))
            own = _id(record.get("self_id"))
            peer = _id(record.get("target_id")) if sender and sender == own else sender
            key = ("private", peer or "")
        if key not in self.conversations_by_key:
            self.conversations_by_key[key] = _Conversation(native_id=key[1] or None, is_group=key[0] == "group")
        conversation = self.conversations_by_key[key]
        if conversation.name is None:
            conversation.name = _name(record.get("group_name"))
        return conversation

    def _learn_name(self, conversation: _Conversation, record: dict[str, Any]) -> None:
        sender = _obj(record.get("sender"))
        uid = _id(record.get("user_id")) or _id(sender.get("user_id"))
        name = _name(sender.get("card")) or _name(sender.get("nickname"))
        if uid and name and record.get("sub_type") != "anonymous":
            conversation.names[uid] = name
            nickname = _name(sender.get("nickname"))
            if nickname:
                self.nicknames[uid] = nickname

    def conversations(self, options: ParseOptions) -> Iterator[ParsedConversation]:
        for conversation in self.conversations_by_key.values():
            rows = MessageRows()
            names = {**self.nicknames, **conversation.names}
            for line, record in conversation.records:
                if record.get("post_type") == "notice":
                    self._add_notice(rows, record, line, options)
                else:
                    self._add_message(rows, record, line, names, options)
            name = conversation.name
            if name is None and not conversation.is_group and conversation.native_id:
                name = names.get(conversation.native_id)
            parsed = ParsedConversation(platform="qq", name=name or conversation.native_id or self.path.stem,
                                        messages=rows.to_table(), native_id=conversation.native_id,
                                        is_group=conversation.is_group)
            if self.skipped:
                parsed.warnings.append(f"{self.path.name}: skipped {self.skipped} OneBot events that are neither "
                                       "messages nor membership/recall/poke notices")
            yield parsed

    def _add_message(self, rows: MessageRows, msg: dict[str, Any], line: int | None, names: dict[str, str],
                     options: ParseOptions) -> None:
        ts = message_time(msg.get("time"), options.tz, path=self.path, line=line)
        sender = _obj(msg.get("sender"))
        uid = _id(msg.get("user_id")) or _id(sender.get("user_id"))
        name = _name(sender.get("card")) or _name(sender.get("nickname")) or uid
        msg_id = _id(msg.get("message_id"))
        extra: dict[str, Any] = {}
        for key in ("role", "title"):
            if _name(sender.get(key)):
                extra[key] = _name(sender.get(key))
        seq = _id(msg.get("message_seq"))
        if seq:
            extra["seq"] = seq
        anonymous = _obj(msg.get("anonymous"))
        if msg.get("sub_type") == "anonymous" or anonymous:
            name = _name(anonymous.get("name")) or name
            sender_id = S.name_based_id(name) if name else None
            extra["anonymous"] = True
        else:
            sender_id = uid or (S.name_based_id(name) if name else None)
            if uid and uid == _id(msg.get("self_id")):
                extra["is_sender"] = True
        rendered = render(segments_of(msg), names)
        if rendered.files:
            extra["files"] = rendered.files
        if msg_id and msg_id in self.recalled:
            extra["recalled"] = True
        rows.add(ts=ts, msg_id=msg_id, sender_id=sender_id, sender_name=name, kind=rendered.kind, text=rendered.text,
                 reply_to=rendered.reply_to, mentions=rendered.mentions, source_line=line, extra=extra)

    def _add_notice(self, rows: MessageRows, notice: dict[str, Any], line: int | None, options: ParseOptions) -> None:
        kind = _notice_kind(notice)
        assert kind is not None  # add() keeps only notices with a kind
        ts = message_time(notice.get("time"), options.tz, path=self.path, line=line)
        user, operator = _id(notice.get("user_id")), _id(notice.get("operator_id"))
        if kind == "recall":
            members = [operator or user]
        elif kind == "pat":
            members = [user, _id(notice.get("target_id"))]
        else:
            members = [user]
        extra: dict[str, Any] = {"notice_type": notice.get("notice_type")}
        for key in ("sub_type", "operator_id", "message_id", "user_id"):
            value = notice.get(key) if key == "sub_type" else _id(notice.get(key))
            if value:
                extra[key] = value
        rows.add(ts=ts, sender_id=None, sender_name=SYSTEM_NAME, kind=kind, text=None,
                 event_members=[m for m in members if m], source_line=line, extra=extra)


def _notice_kind(notice: dict[str, Any]) -> str | None:
    """The kind of a OneBot notice grouplens keeps (membership, recalls, pokes); None for the rest."""
    notice_type = notice.get("notice_type")
    if notice_type == "group_increase":
        return "join"
    if notice_type == "group_decrease":
        return "leave"
    if notice_type in ("group_recall", "friend_recall"):
        return "recall"
    if notice_type == "notify" and notice.get("sub_type") == "poke":
        return "pat"
    return None


IMPORTERS = [OneBotJsonImporter()]
