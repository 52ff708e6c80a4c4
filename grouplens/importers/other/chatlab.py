"""The ChatLab interchange format (chatlab.fun), as JSON and JSONL.

ChatLab, an analysis app, defines a platform-neutral layout that WeFlow and other converters
write for WeChat, QQ and other chats: ``chatlab{version, exportedAt, generator?}``,
``meta{name, platform, type, groupId?, ownerId?}``, ``members[{platformId, accountName,
groupNickname?, roles?}]`` and ``messages[{sender, accountName, groupNickname?, timestamp
(epoch seconds), type, content, platformMessageId?, replyToMessageId?, chatRecords?}]``.
JSONL puts the header, then each member, then each message on a line of its own, tagged by
``_type``; lines starting with ``#`` are comments. Keys this module does not know are ignored,
so files written to later versions of the standard still import.

``members`` lists everyone in the group, including members who never speak; it becomes the
conversation's roster.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from ... import schema as S
from ...errors import FormatError
from ..base import (
    ROSTER_PARSED_SCHEMA,
    SNIFF_BYTES,
    SYSTEM_NAME,
    Importer,
    MessageRows,
    ParsedConversation,
    ParseOptions,
    Sample,
    from_epoch_millis,
    from_epoch_seconds,
    strip_trailing_blank_lines,
)
from ..textutil import classify_event, clean_text, detect_encoding, find_mentions, kind_from_text, load_json

# ChatLab message types (its MESSAGE_TYPE table).
TEXT, IMAGE, VOICE, VIDEO, FILE, EMOJI, LINK, LOCATION = 0, 1, 2, 3, 4, 5, 7, 8
RED_PACKET, TRANSFER, POKE, CALL, SHARE, REPLY, FORWARD, CONTACT = 20, 21, 22, 23, 24, 25, 26, 27
SYSTEM, RECALL, OTHER = 80, 81, 99

_TYPE_KINDS = {TEXT: "text", IMAGE: "image", VOICE: "voice", VIDEO: "video", FILE: "file", EMOJI: "sticker",
               LINK: "link", LOCATION: "location", RED_PACKET: "red_packet", TRANSFER: "transfer", POKE: "pat",
               CALL: "call", SHARE: "link", REPLY: "text", FORWARD: "forward", CONTACT: "card", RECALL: "recall"}
_PLATFORMS = {"wechat": "wechat", "weixin": "wechat", "qq": "qq", "irc": "irc"}
# Above this an epoch value cannot be seconds (it would be after the year 33000): read it as ms.
_MILLIS_FROM = 10**12


# --- one message, one member ---------------------------------------------------------------

def _optional_str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"{key!r} must be a string, found {value!r}")
    return clean_text(str(value)).strip() or None


def _timestamp(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"'timestamp' must be epoch seconds, found {value!r}")
    try:
        return from_epoch_millis(value) if value >= _MILLIS_FROM else from_epoch_seconds(value)
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"'timestamp' {value!r} is out of range") from None


def kind_of(code: int, text: str | None, chat_records: Any) -> str:
    """A message's kind from its ChatLab type; OTHER and unknown types are read from the text."""
    if code == LINK and (chat_records or kind_from_text(text) == "forward"):
        return "forward"  # WeFlow files merged forwards (chat records) under LINK
    return _TYPE_KINDS.get(code) or kind_from_text(text)


def add_message(rows: MessageRows, obj: Any, *, source_line: int | None) -> None:
    """Add one ChatLab message object to ``rows``; a ValueError says what is wrong with it."""
    if not isinstance(obj, dict):
        raise ValueError("a message must be a JSON object")
    code = obj.get("type")
    if isinstance(code, bool) or not isinstance(code, int):
        raise ValueError(f"'type' must be an integer, found {code!r}")
    ts = _timestamp(obj.get("timestamp"))
    content = obj.get("content")
    if content is not None and not isinstance(content, str):
        raise ValueError(f"'content' must be a string or null, found {type(content).__name__}")
    text = strip_trailing_blank_lines(clean_text(content)) if content is not None else None
    sender, account, nickname = (_optional_str(obj, k) for k in ("sender", "accountName", "groupNickname"))
    msg_id, reply_to = _optional_str(obj, "platformMessageId"), _optional_str(obj, "replyToMessageId")
    extra: dict[str, Any] = {"type": code}
    if code == SYSTEM:
        if sender:
            extra["sender"] = sender  # exporters put the group or a placeholder account here
        event = classify_event(text or "")
        kind, members = event if event else ("system", [])
        rows.add(ts=ts, sender_id=None, sender_name=SYSTEM_NAME, kind=kind, text=text, msg_id=msg_id,
                 reply_to=reply_to, event_members=members, source_line=source_line, extra=extra)
        return
    name = nickname or account
    if nickname and account and nickname != account:
        extra["account_name"] = account
    chat_records = obj.get("chatRecords")
    if isinstance(chat_records, list) and chat_records:
        extra["forwarded_messages"] = len(chat_records)
    kind = kind_of(code, text, chat_records)
    event_members: list[str] = []
    if kind in ("recall", "pat"):
        event = classify_event(text or "")
        event_members = event[1] if event else ([name] if name else [])
    rows.add(ts=ts, sender_id=sender or (S.name_based_id(name) if name else None), sender_name=name, kind=kind,
             text=text, msg_id=msg_id, reply_to=reply_to, mentions=find_mentions(text), event_members=event_members,
             source_line=source_line, extra=extra)


class _Roster:
    """The export's member list, as a table with base.ROSTER_PARSED_SCHEMA's columns."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[str | None, str, int | None]] = {}

    def add(self, obj: Any, *, source_line: int | None) -> None:
        if not isinstance(obj, dict):
            raise ValueError("a member must be a JSON object")
        member_id = _optional_str(obj, "platformId")
        if member_id is None:
            raise ValueError("member without a 'platformId'")
        name = _optional_str(obj, "groupNickname") or _optional_str(obj, "accountName")
        roles = obj.get("roles")
        role_ids = {r.get("id") for r in roles if isinstance(r, dict)} if isinstance(roles, list) else set()
        role = "owner" if "owner" in role_ids else "admin" if "admin" in role_ids else "member"
        self._rows.setdefault(member_id, (name, role, source_line))

    def table(self) -> pa.Table | None:
        if not self._rows:
            return None
        names, roles, lines = zip(*self._rows.values())
        return pa.table({
            S.MEMBER_ID: pa.array(list(self._rows), pa.string()),
            S.NAME: pa.array(names, pa.string()),
            S.JOINED_AT: pa.array([None] * len(names), S.TS_TYPE),
            S.ROLE: pa.array(roles, pa.string()),
            S.SOURCE_LINE: pa.array(lines, pa.int64()),
        }, schema=ROSTER_PARSED_SCHEMA)


def _conversation(meta: dict[str, Any], rows: MessageRows, roster: _Roster, path: Path) -> ParsedConversation:
    """The conversation ``meta`` describes: platform from ``meta.platform`` (unknown ones are "other")."""
    platform = _PLATFORMS.get(str(meta.get("platform") or "").strip().lower(), "other")
    try:
        name, native_id = _optional_str(meta, "name"), _optional_str(meta, "groupId")
    except ValueError as e:
        raise FormatError(f"meta: {e}", path=path) from None
    return ParsedConversation(platform=platform, name=name or path.stem, messages=rows.to_table(),
                              native_id=native_id, is_group=meta.get("type") != "private", roster=roster.table())


# --- sniffing ------------------------------------------------------------------------------------

_SPACE = re.compile(r"\s*")


def top_level_entries(text: str) -> dict[str, Any]:
    """The keys of the JSON object ``text`` starts with, and their values where ``text`` holds them whole.

    Sniffing sees only a file's first bytes, so a value cut off there is recorded as ``...`` and
    the scan stops; nothing after the object's end is read.
    """
    decoder = json.JSONDecoder()
    entries: dict[str, Any] = {}
    i = _SPACE.match(text).end()
    if text[i:i + 1] != "{":
        return entries
    i += 1
    while True:
        i = _SPACE.match(text, i).end()
        if text[i:i + 1] != '"':
            return entries
        key, i = decoder.raw_decode(text, i)
        i = _SPACE.match(text, i).end()
        if text[i:i + 1] != ":":
            return entries
        i = _SPACE.match(text, i + 1).end()
        try:
            value, i = decoder.raw_decode(text, i)
        except (ValueError, RecursionError):
            entries[key] = ...
            return entries
        entries[key] = value
        i = _SPACE.match(text, i).end()
        if text[i:i + 1] != ",":
            return entries
        i += 1


def _first_record_line(sample: Sample) -> str:
    for line in sample.text.split("\n"):
        if line.strip() and not line.lstrip().startswith("#"):
            return line
    return ""


# --- the importers -------------------------------------------------------------------------------

class ChatLabJsonImporter(Importer):
    name = "chatlab-json"
    platform = "other"  # each file says its platform in meta.platform (WeChat via WeFlow, QQ, ...)
    tool = "the ChatLab standard format (written by WeFlow and other converters)"
    detection = 'a JSON object with top-level "chatlab" and "meta" (and no "_type", "session" or "weflow")'

    def sniff(self, sample: Sample) -> bool:
        try:
            entries = top_level_entries(sample.text)
        except (ValueError, RecursionError):
            return False
        # WeFlow's own detailed JSON also starts with chatlab + meta but carries a "session".
        return "chatlab" in entries and "meta" in entries and not entries.keys() & {"_type", "session", "weflow"}

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        data = load_json(path)
        if not isinstance(data, dict) or not isinstance(data.get("chatlab"), dict) \
                or not isinstance(data.get("meta"), dict):
            raise FormatError("not a ChatLab export: expected an object with 'chatlab' and 'meta'", path=path, line=1)
        messages, members = data.get("messages", []), data.get("members") or []
        if not isinstance(messages, list) or not isinstance(members, list):
            raise FormatError("'messages' and 'members' must be arrays", path=path)
        roster = _Roster()
        for n, member in enumerate(members):
            try:
                roster.add(member, source_line=None)
            except ValueError as e:
                raise FormatError(f"members[{n}]: {e}", path=path) from None
        rows = MessageRows()
        for n, message in enumerate(messages):
            try:
                add_message(rows, message, source_line=None)
            except ValueError as e:
                raise FormatError(f"messages[{n}]: {e}", path=path) from None
        yield _conversation(data["meta"], rows, roster, path)


class ChatLabJsonlImporter(Importer):
    name = "chatlab-jsonl"
    platform = "other"  # each file says its platform in its header's meta.platform
    tool = "the ChatLab standard format, JSON Lines (written by WeFlow and other converters)"
    detection = ('the first line is a JSON object with "_type": "header" and "chatlab" '
                 '(or WeFlow\'s streamed "_type": "chatlab" line)')

    def sniff(self, sample: Sample) -> bool:
        try:
            entries = top_level_entries(_first_record_line(sample))
        except (ValueError, RecursionError):
            return False
        return (entries.get("_type") == "header" and "chatlab" in entries) or entries.get("_type") == "chatlab"

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        meta: dict[str, Any] | None = None
        header_line = False
        rows, roster = MessageRows(), _Roster()
        for n, line in _numbered_lines(path):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise FormatError(f"invalid JSON ({e.msg})", path=path, line=n) from None
            except RecursionError:
                raise FormatError("JSON nested too deeply", path=path, line=n) from None
            if not isinstance(record, dict):
                raise FormatError("expected one JSON object per line", path=path, line=n)
            line_type = record.get("_type")
            try:
                if line_type == "header":
                    if header_line:
                        raise ValueError("a second header line")
                    header_line, meta = True, record.get("meta")
                    if not isinstance(meta, dict) or not isinstance(record.get("chatlab"), dict):
                        raise ValueError("the header needs 'chatlab' and 'meta' objects")
                elif line_type == "chatlab":  # WeFlow's streamed variant: chatlab, then meta, on lines of their own
                    header_line = True
                elif line_type == "meta":
                    meta = {k: v for k, v in record.items() if k != "_type"}
                elif line_type == "member":
                    roster.add(record, source_line=n)
                elif line_type == "message":
                    if meta is None:
                        raise ValueError("a message before the header line")
                    add_message(rows, record, source_line=n)
                elif line_type is None:
                    raise ValueError("a line without '_type'")
                # other _type values belong to later versions of the standard: skipped
            except ValueError as e:
                raise FormatError(str(e), path=path, line=n) from None
        if meta is None:
            raise FormatError("no ChatLab header line (_type: header)", path=path, line=1)
        yield _conversation(meta, rows, roster, path)


def _numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The file's lines, numbered from 1, decoded as they are read (any BOM removed)."""
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    encoding, _ = detect_encoding(head)
    if not encoding:
        raise FormatError("not a text file (neither UTF-8, UTF-16 nor GB18030)", path=path)
    n = 0
    with path.open("r", encoding=encoding, newline=None) as f:
        try:
            for n, line in enumerate(f, 1):
                yield n, line.lstrip("\ufeff") if n == 1 else line
        except UnicodeDecodeError:
            raise FormatError(f"not valid {encoding} text", path=path, line=n + 1) from None


IMPORTERS = [ChatLabJsonImporter(), ChatLabJsonlImporter()]
