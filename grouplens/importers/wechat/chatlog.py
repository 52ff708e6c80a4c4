"""sjzar/chatlog exports: the plain-text, CSV and JSON answers of its HTTP API (``/api/v1/chatlog``).

chatlog reads a decrypted WeChat 3.x/4.x database and serves a time range of one or more
talkers (groups or private chats) at once, so one file may hold several conversations; every
importer yields one conversation per talker, in the order the talkers first appear.

Plain text (the default answer, saved by the user): records ``SenderName(wxid) <time>`` (or
``wxid <time>`` without a name, ``我 <time>`` / ``name(我) <time>`` for the exporting user,
``系统消息 <time>`` for WeChat's notices), the content, and a blank line. A query for several
talkers adds ``[TalkerName(Talker)] `` before the time, but only for chat rooms: unmarked records
of such a file are private chats, filed under their sender. The time is ``HH:MM:SS`` for a
one-day query, ``MM-DD HH:MM:SS`` within a year and ``YYYY-MM-DD HH:MM:SS`` otherwise; the
missing date (or year) comes from ``--date`` or from the first ``YYYY-MM-DD`` in the file name.
A file without talker marks is one conversation named after the file, with the dates chatlog
users keep in the name (``<group>_<start>_<end>``) dropped.

CSV (``format=csv``): Go ``encoding/csv`` (UTF-8, LF), header
``Time,SenderName,Sender,TalkerName,Talker,Content``. Some versions write the same columns in
another order (``Talker,TalkerName,Time,…`` for the all-talkers export) or add ``MessageID``
(the message's seq), so columns are found by name. The CSV does not mark the exporting user's
own messages: chatlog leaves their Sender and SenderName empty, so an empty Sender is read as
"me" — sender_id ``name:我`` (the id other WeChat tools that print 我 lead to) and sender_name ``我``.

Both text layouts carry chatlog's plain-text content: media as placeholders (``![图片](url)``,
``[链接|title](url)``, ``[转账|发送 ￥88.00](memo)``…) and a quote as ``> name(wxid) MM-DD hh:mm:ss``
+ ``> text`` lines before the reply.

JSON (``format=json``): one array of chatlog's Message objects
(``seq, time, talker, talkerName, isChatRoom, sender, senderName, isSelf, type, subType,
content, contents``) with RFC 3339 times; ``seq`` is the message id and a quote's original
is in ``contents.refer``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ... import schema as S
from ...errors import FormatError
from ..base import (
    SYSTEM_NAME,
    Importer,
    LineAccount,
    MessageRows,
    ParsedConversation,
    ParseOptions,
    Sample,
    account_records,
    guess_is_group,
    local_to_utc,
    parse_iso_time,
    parse_table_time,
    rounded_by_spreadsheet,
    strip_trailing_blank_lines,
)
from ..textutil import classify_event, clean_text, find_mentions, kind_from_text, load_json, read_text
from .common import SELF_ID, SELF_NAME

SYSTEM_SENDER = SYSTEM_NAME  # chatlog's Sender for messages WeChat itself wrote is the same word

CSV_COLUMNS = ("Time", "SenderName", "Sender", "TalkerName", "Talker", "Content")
CSV_ID_COLUMN = "MessageID"

# Full-text placeholders of chatlog's plain text that textutil.kind_from_text does not know:
# media written as Markdown links to chatlog's own server, and chatlog's "[type|details]" forms.
_PLACEHOLDER_KINDS = [
    ("image", re.compile(r"!\[图片\]\([^\n]*\)")),
    ("video", re.compile(r"!\[视频\]\([^\n]*\)")),
    ("sticker", re.compile(r"!\[动画表情\]\([^\n]*\)")),
    ("voice", re.compile(r"\[语音\](?:\([^\n]*\))?")),
    ("transfer", re.compile(r"\[转账\|[^\]\n]*\](?:\([^\n]*\))?")),
    ("red_packet", re.compile(r"\[红包(?:封面)?\]")),
    ("link", re.compile(r"\[(?:音乐|笔记|视频号)(?:\|[^\n]*)?\](?:\([^\n]*\))?")),
]
# A group announcement (群公告) is posted by an admin, so it stays a member's text message.
_ANNOUNCEMENT = re.compile(r"\[群公告(?:\|[^\n]*)?\]")

# A quote's first line: the quoted message's header, "name(wxid) MM-DD hh:mm:ss", or just
# "wxid MM-DD hh:mm:ss" when chatlog has no name for the sender.
_QUOTE_HEAD = re.compile(r"> (?:(?P<name>.*)\((?P<id>[^()]*)\)|(?P<bare>\S+)) "
                         r"(?P<month>\d\d)-(?P<day>\d\d) (?P<hour>\d\d):(?P<minute>\d\d):(?P<second>\d\d)")
_QUOTE_WITHOUT_ORIGINAL = "> [引用]"  # chatlog's line when the quoted message could not be read

# Raw WeChat type codes (formats-wechat.md §1) and the kinds they are.
_TYPE_KINDS = {1: "text", 3: "image", 34: "voice", 42: "card", 43: "video", 47: "sticker",
               48: "location", 50: "call"}
_APP_KINDS = {1: "text", 3: "link", 4: "link", 5: "link", 6: "file", 8: "sticker", 17: "location",
              19: "forward", 24: "link", 33: "link", 36: "link", 50: "card", 51: "link", 53: "text",
              57: "text", 62: "pat", 63: "link", 87: "text", 88: "link", 2000: "transfer",
              2001: "red_packet", 2003: "red_packet"}
APP_TYPE = 49
QUOTE_SUBTYPE = 57
ANNOUNCEMENT_SUBTYPE = 87
SYSTEM_TYPES = frozenset({10000, 10002})  # 10002: WeChat 4.x's recall notices
_PACKED = 1 << 32  # WeChat 4.x packs (subType << 32) | type into one number


# --- what both layouts share ---------------------------------------------------------------

@dataclass
class _Talker:
    name: str | None
    is_group: bool
    native_id: str | None
    rows: MessageRows = field(default_factory=MessageRows)


class _Conversations:
    """Messages gathered per talker, in the order the talkers first appear in the file."""

    def __init__(self) -> None:
        self._talkers: dict[str, _Talker] = {}

    def rows(self, talker: str, name: str | None, is_group: bool, *, is_native: bool = True) -> MessageRows:
        """The rows of conversation ``talker``; ``is_native`` says the key is the export's own id for it."""
        entry = self._talkers.get(talker)
        if entry is None:
            entry = self._talkers[talker] = _Talker(name or None, is_group, talker if is_native else None)
        elif not entry.name and name:
            entry.name = name
        return entry.rows

    def parsed(self) -> Iterator[ParsedConversation]:
        for talker, entry in self._talkers.items():
            yield ParsedConversation(platform="wechat", name=entry.name or talker, messages=entry.rows.to_table(),
                                     native_id=entry.native_id, is_group=entry.is_group)


def placeholder_kind(text: str) -> str:
    """The kind of a message chatlog gives as plain text (its own placeholders, then the common ones)."""
    for kind, rx in _PLACEHOLDER_KINDS:
        if rx.fullmatch(text):
            return kind
    if _ANNOUNCEMENT.match(text):
        return "text"
    return kind_from_text(text)


def _system_fields(text: str) -> dict[str, Any]:
    """Columns of a notice WeChat wrote: join/leave/recall/pat/rename when recognised, else system."""
    event = classify_event(text)
    kind, members = event if event else ("system", [])
    return {"sender_id": None, "sender_name": SYSTEM_SENDER, "kind": kind, "event_members": members}


def _pat_members(text: str, actor: str | None) -> list[str]:
    """Who a pat concerns: the names in its notice text, else the member who patted."""
    event = classify_event(text)
    if event and event[0] == "pat":
        return event[1]
    return [actor] if actor else []


# --- quotes in plain text --------------------------------------------------------------------

@dataclass(frozen=True)
class _Quote:
    sender: str | None
    sender_name: str | None
    text: str | None
    ts: datetime | None
    reply: str


def split_quote(text: str, sent_local: datetime, tz: ZoneInfo, *, path: Path, line: int | None) -> _Quote | None:
    """The quote at the start of a chatlog plain-text message and the reply after it, if there is one.

    The quoted header shows only month and day; the year is the reply's own, or the one before
    when that would put the quoted message after the reply (a January reply to a December message).
    """
    if not text.startswith("> "):
        return None
    lines = text.split("\n")
    if lines[0] == _QUOTE_WITHOUT_ORIGINAL:
        return _Quote(None, None, None, None, "\n".join(lines[1:]))
    head = _QUOTE_HEAD.fullmatch(lines[0])
    if head is None:
        return None
    quoted = []
    for rest in lines[1:]:
        if not rest.startswith("> "):
            break
        quoted.append(rest[2:])
    reply = "\n".join(lines[1 + len(quoted):])
    if head["bare"] is not None:
        sender, name = head["bare"], None
    else:
        sender, name = head["id"] or None, head["name"] or None
    when = _quote_time(head, sent_local, tz, path=path, line=line)
    return _Quote(sender or name, name, "\n".join(quoted) or None, when, reply)


def _quote_time(head: re.Match[str], sent_local: datetime, tz: ZoneInfo, *, path: Path, line: int | None) -> datetime:
    month, day, hour, minute, second = (int(head[k]) for k in ("month", "day", "hour", "minute", "second"))
    try:
        datetime(2000, month, day, hour, minute, second)  # 2000 is a leap year: any real MM-DD exists in it
    except ValueError:
        raise FormatError(f"impossible time in quote header {head[0][2:]!r}", path=path, line=line) from None
    for year in range(sent_local.year, sent_local.year - 9, -1):  # 02-29 may be up to 8 years back
        try:
            candidate = datetime(year, month, day, hour, minute, second)
        except ValueError:
            continue
        if candidate <= sent_local:
            return local_to_utc(candidate, tz)
    raise FormatError(f"cannot date the quote header {head[0][2:]!r}", path=path, line=line)


# --- CSV ----------------------------------------------------------------------------------------

def csv_columns(header: list[str]) -> dict[str, int] | None:
    """Column positions when ``header`` is a chatlog CSV header (any order, MessageID optional)."""
    names = [h.strip() for h in header]
    if len(set(names)) != len(names):
        return None
    if set(names) not in (set(CSV_COLUMNS), {*CSV_COLUMNS, CSV_ID_COLUMN}):
        return None
    return {n: i for i, n in enumerate(names)}


def _first_csv_row(text: str) -> list[str] | None:
    first = text.lstrip("\n").split("\n", 1)[0]
    try:
        return next(csv.reader([first]), None)
    except csv.Error:
        return None


class ChatlogCsvImporter(Importer):
    name = "chatlog-csv"
    platform = "wechat"
    tool = "sjzar/chatlog (HTTP API /api/v1/chatlog?format=csv)"
    detection = ("a CSV header made of exactly Time, SenderName, Sender, TalkerName, Talker, Content "
                 "(any order, optionally MessageID)")

    def sniff(self, sample: Sample) -> bool:
        header = _first_csv_row(sample.text)
        return header is not None and csv_columns(header) is not None

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        text = read_text(path)
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        try:
            header = next(reader, None)
        except csv.Error as e:
            raise FormatError(f"malformed CSV header ({e})", path=path, line=1) from None
        if header is None:
            raise FormatError("empty file", path=path)
        columns = csv_columns(header)
        if columns is None:
            raise FormatError("not a chatlog CSV: expected the header " + ",".join(CSV_COLUMNS), path=path, line=1)
        conversations = _Conversations()
        end = reader.line_num
        try:
            for row in reader:
                start, end = end + 1, reader.line_num
                if not row:
                    continue
                if len(row) != len(header):
                    raise FormatError(f"expected {len(header)} fields, found {len(row)}", path=path, line=start)
                self._add_row(conversations, row, columns, options, path, start)
        except csv.Error as e:
            raise FormatError(f"malformed CSV ({e})", path=path, line=end + 1) from None
        yield from conversations.parsed()

    @staticmethod
    def _add_row(conversations: _Conversations, row: list[str], columns: dict[str, int], options: ParseOptions,
                 path: Path, line: int) -> None:
        talker = row[columns["Talker"]].strip()
        if not talker:
            raise FormatError("row without a Talker", path=path, line=line)
        ts = parse_table_time(row[columns["Time"]], options.tz, path=path, line=line)
        sender = row[columns["Sender"]].strip()
        sender_name = clean_text(row[columns["SenderName"]]).strip()
        content = strip_trailing_blank_lines(clean_text(row[columns["Content"]]))
        msg_id = (row[columns[CSV_ID_COLUMN]].strip() or None) if CSV_ID_COLUMN in columns else None
        if msg_id and rounded_by_spreadsheet(msg_id):  # 1.71047E+12: a spreadsheet lost the seq
            msg_id = None
        rows = conversations.rows(talker, clean_text(row[columns["TalkerName"]]).strip(), talker.endswith("@chatroom"))
        if sender == SYSTEM_SENDER:
            rows.add(ts=ts, text=content, msg_id=msg_id, source_line=line, **_system_fields(content))
            return
        if sender:
            sender_id, name, is_self = sender, sender_name or sender, False
        else:
            sender_id, name, is_self = SELF_ID, sender_name or SELF_NAME, True
        _add_plain_message(rows, ts=ts, sender_id=sender_id, name=name, is_self=is_self, content=content,
                           msg_id=msg_id, options=options, path=path, line=line)


def _add_plain_message(rows: MessageRows, *, ts: datetime, sender_id: str, name: str, is_self: bool, content: str,
                       msg_id: str | None, options: ParseOptions, path: Path, line: int) -> None:
    """Add a member's message given as chatlog plain text (CSV Content, or a text record's body):
    its quote split off, its kind read from chatlog's placeholders."""
    extra: dict[str, Any] = {"is_self": True} if is_self else {}
    sent_local = ts.astimezone(options.tz).replace(tzinfo=None)
    quote = split_quote(content, sent_local, options.tz, path=path, line=line)
    body = quote.reply if quote else content
    kind = placeholder_kind(body)
    event_members: list[str] = []
    if kind == "text" and (event := classify_event(body)) and event[0] == "pat":
        kind, event_members = event  # WeChat 4.x pats carry the patting member as sender
    if _ANNOUNCEMENT.match(body):
        extra["announcement"] = True
    if quote and quote.sender_name:
        extra["quote_sender_name"] = quote.sender_name
    rows.add(ts=ts, sender_id=sender_id, sender_name=name, kind=kind, text=body, msg_id=msg_id,
             mentions=find_mentions(body), event_members=event_members,
             quote_sender=quote.sender if quote else None, quote_text=quote.text if quote else None,
             quote_ts=quote.ts if quote else None, source_line=line, extra=extra or None)


# --- plain text ----------------------------------------------------------------------------------

# A record's header: "SenderName(wxid) ", or a bare "wxid "/"我 "/"系统消息 ", then the talker when
# several were queried ("[TalkerName(Talker)] "), then the time in the query's format.
_TEXT_HEADER = re.compile(
    r"(?:(?P<name>\S.*?)\((?P<id>[^()\s]+)\)|(?P<bare>[^\s()]+))"
    r" (?:\[(?:(?P<talker_name>.*?)\((?P<talker>[^()\s]+)\)|(?P<talker_bare>[^\[\]()\s]+))\] )?"
    r"(?:(?:(?P<year>\d{4})-)?(?P<month>\d\d)-(?P<day>\d\d) )?(?P<clock>\d\d):(?P<minute>\d\d):(?P<second>\d\d)")
_ENDS_WITH_CLOCK = re.compile(r"\d\d:\d\d:\d\d$")
_DATE_IN_NAME = re.compile(r"(\d{4})-(\d\d)-(\d\d)")
# How chatlog users name saved answers: "<talker or group>_<start>_<end>" (dates dropped from the group name).
_TRAILING_DATES = re.compile(r"(?:[_\- ]\d{4}-\d\d-\d\d)+$")


def text_header(line: str) -> re.Match[str] | None:
    """The header of a chatlog plain-text record, if ``line`` is one (cheap reject first)."""
    if not line or line[0].isspace() or not _ENDS_WITH_CLOCK.search(line):
        return None
    return _TEXT_HEADER.fullmatch(line)


def query_date(path: Path, options: ParseOptions) -> date | None:
    """The day chatlog was asked about: ``--date``, else the first YYYY-MM-DD in the file name."""
    if options.date is not None:
        return options.date
    m = _DATE_IN_NAME.search(path.name)
    if m is None:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise FormatError(f"impossible date {m[0]!r} in the file name; pass --date", path=path) from None


def _record_time(head: re.Match[str], day: date | None, options: ParseOptions, path: Path, line: int) -> datetime:
    """A header's local time as UTC; short forms take the missing date (or year) from ``day``."""
    if head["year"]:
        year, month, dom = int(head["year"]), int(head["month"]), int(head["day"])
    elif day is None:
        raise FormatError("times carry no date (chatlog drops it for a one-day or one-year query); "
                          "pass --date YYYY-MM-DD or keep the date in the file name", path=path, line=line)
    elif head["month"]:
        year, month, dom = day.year, int(head["month"]), int(head["day"])
    else:
        year, month, dom = day.year, day.month, day.day
    try:
        wall = datetime(year, month, dom, int(head["clock"]), int(head["minute"]), int(head["second"]))
    except ValueError:
        raise FormatError(f"impossible time in header {head[0]!r}", path=path, line=line) from None
    return local_to_utc(wall, options.tz)


@dataclass(frozen=True)
class _TextRecord:
    line: int
    head: re.Match[str]
    body: str

    @property
    def talker(self) -> str | None:
        return self.head["talker"] or self.head["talker_bare"]

    @property
    def is_member(self) -> bool:
        """Written by a member other than the exporting user (so their id names a private chat)."""
        h = self.head
        return h["bare"] not in (SYSTEM_SENDER, SELF_NAME) and h["id"] != SELF_NAME


def text_records(text: str, path: Path) -> tuple[list[_TextRecord], LineAccount]:
    """The records of a chatlog plain-text answer: a header line at the start or after a blank
    line, then the content up to the next such header (trailing blank lines dropped); and how
    the lines were read. A header-shaped line right under a text line stays content (a short
    header such as ``阿杰 09:12:03`` is too easily a line of text) and is reported as unaccepted;
    a quote's ``> name(wxid) 03-15 09:12:03`` line is content."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise FormatError("empty file", path=path)
    if text_header(lines[first]) is None:
        raise FormatError("expected a chatlog header 'SenderName(wxid) time'", path=path, line=first + 1)
    starts = [i for i in range(first, len(lines))
              if (i == first or not lines[i - 1].strip()) and text_header(lines[i])]
    records = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        head = text_header(lines[start])
        assert head is not None
        body = strip_trailing_blank_lines(clean_text("\n".join(lines[start + 1:end])))
        records.append(_TextRecord(start + 1, head, body))
    shaped = [i for i in range(first, len(lines)) if not lines[i].startswith(">") and text_header(lines[i])]
    return records, account_records(lines, starts, shaped)


def _talker_keys(records: list[_TextRecord], default: str) -> list[str]:
    """Which conversation each record belongs to.

    A multi-talker answer marks group records with "[TalkerName(Talker)]" but not private ones
    (chatlog prints it only for chat rooms): a private record belongs to the chat with its
    sender, and the exporting user's own private messages to the nearest such chat before them
    (or after them, at the start of the file). Without any marks, everything is ``default``.
    """
    if not any(r.talker for r in records):
        return [default] * len(records)
    keys = [r.talker or ((r.head["id"] or r.head["bare"]) if r.is_member else None) for r in records]
    resolved: list[str | None] = list(keys)
    before: str | None = None
    for i, r in enumerate(records):
        if r.talker is None and keys[i]:
            before = keys[i]
        resolved[i] = resolved[i] or before
    after: str | None = None
    for i in reversed(range(len(records))):
        if records[i].talker is None and keys[i]:
            after = keys[i]
        resolved[i] = resolved[i] or after or default
    return [k or default for k in resolved]


def _looks_like_wechat_id(name: str) -> bool:
    return name.endswith("@chatroom") or name.startswith("wxid_")


class ChatlogTextImporter(Importer):
    name = "chatlog-text"
    platform = "wechat"
    tool = "sjzar/chatlog (HTTP API /api/v1/chatlog, default plain text)"
    detection = ("the first non-empty line is a header 'SenderName(wxid) [Talker] time' (or '我 time' / "
                 "'系统消息 time') ending in HH:MM:SS, MM-DD HH:MM:SS or YYYY-MM-DD HH:MM:SS, with a content line after it")

    def sniff(self, sample: Sample) -> bool:
        lines = sample.text.lstrip("\n").split("\n", 2)
        return len(lines) >= 2 and text_header(lines[0][:512]) is not None and bool(lines[1].strip())

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        records, account = text_records(read_text(path), path)
        day = query_date(path, options)
        stem = _TRAILING_DATES.sub("", path.stem) or path.stem
        keys = _talker_keys(records, stem)
        conversations = _Conversations()
        for key, record in zip(keys, records):
            rows = conversations.rows(key, *self._talker_of(record, key, stem, records),
                                      is_native=key != stem or _looks_like_wechat_id(stem))
            ts = _record_time(record.head, day, options, path, record.line)
            h = record.head
            if h["bare"] == SYSTEM_SENDER:
                rows.add(ts=ts, text=record.body, source_line=record.line, **_system_fields(record.body))
                continue
            is_self = h["bare"] == SELF_NAME or h["id"] == SELF_NAME
            if is_self:
                sender_id, name = SELF_ID, h["name"] or SELF_NAME
            else:
                sender_id = h["id"] or h["bare"]
                name = h["name"] or sender_id
            _add_plain_message(rows, ts=ts, sender_id=sender_id, name=name, is_self=is_self, content=record.body,
                               msg_id=None, options=options, path=path, line=record.line)
        for conversation in conversations.parsed():
            conversation.lines = account
            yield conversation

    @staticmethod
    def _talker_of(record: _TextRecord, key: str, stem: str, records: list[_TextRecord]) -> tuple[str | None, bool]:
        """(name, is_group) of the conversation ``key``: the talker mark's, else a private chat's
        sender, else the file's (a group when it has notices or more than two speakers)."""
        if record.talker:
            return record.head["talker_name"] or record.talker, True
        if key != stem:
            return (record.head["name"] if record.is_member else None), False
        if key.endswith("@chatroom"):
            return key, True
        return key, guess_is_group({"sender_id": None, "sender_name": SYSTEM_NAME} if r.head["bare"] == SYSTEM_SENDER
                                   else {"sender_id": r.head["id"] or r.head["bare"]} for r in records)


# --- JSON ---------------------------------------------------------------------------------------

def type_codes(item: dict[str, Any]) -> tuple[int, int]:
    """(type, subType) of a chatlog message, unpacking WeChat 4.x's packed local_type if present."""
    t, st = item.get("type", 0), item.get("subType", 0)
    if not isinstance(t, int) or not isinstance(st, int) or isinstance(t, bool) or isinstance(st, bool):
        raise ValueError(f"type/subType must be integers, found {t!r}/{st!r}")
    if t >= _PACKED:
        t, st = t & (_PACKED - 1), t >> 32
    return t, st


def kind_from_codes(t: int, st: int, text: str) -> str:
    """The kind of a message from its raw WeChat (type, subType); unknown codes fall back to its text."""
    if t == APP_TYPE:
        return _APP_KINDS.get(st, "link")  # chatlog shows unknown app messages as "[分享]"
    return _TYPE_KINDS.get(t) or placeholder_kind(text)


def _bracket(label: str, title: Any, url: Any = None) -> str:
    title = str(title or "").strip()
    text = f"[{label}|{title}]" if title else f"[{label}]"
    return text + (f"({url})" if url else "")


def media_placeholder(t: int, st: int, contents: dict[str, Any]) -> str:
    """The placeholder chatlog's plain text uses for a message whose JSON content is empty (media)."""
    title, url = contents.get("title"), contents.get("url")
    if t == APP_TYPE:
        forms = {4: ("分享", title, url), 5: ("链接", title, url), 6: ("文件", title, None), 19: ("合并转发", title, None),
                 33: ("小程序", title, url), 36: ("小程序", title, url), 51: ("视频号", title, url),
                 ANNOUNCEMENT_SUBTYPE: ("群公告", None, None), 2001: ("红包", None, None),
                 2003: ("红包封面", None, None), 8: ("GIF表情", None, None)}
        return _bracket(*forms.get(st, ("分享", None, None)))
    if t == 48:
        return _bracket("位置", contents.get("label"))
    labels = {3: "图片", 34: "语音", 43: "视频", 47: "动画表情", 42: "名片", 50: "语音通话"}
    return f"[{labels[t]}]" if t in labels else ""


def _str_field(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string, found {value!r}")
    return value


class ChatlogJsonImporter(Importer):
    name = "chatlog-json"
    platform = "wechat"
    tool = "sjzar/chatlog (HTTP API /api/v1/chatlog?format=json)"
    detection = ('a JSON array whose first object starts with "seq" then "time" and has "talker", '
                 '"senderName" and "isSelf"')

    _HEAD = re.compile(r'\s*\[\s*\{\s*"seq"\s*:\s*\d+\s*,\s*"time"\s*:')

    def sniff(self, sample: Sample) -> bool:
        if not self._HEAD.match(sample.text):
            return False
        start = sample.text[:4096]
        return all(f'"{key}"' in start for key in ("talker", "senderName", "isSelf"))

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        items = load_json(path)
        if not isinstance(items, list):
            raise FormatError("not a chatlog JSON export: expected an array of messages", path=path, line=1)
        conversations = _Conversations()
        for n, item in enumerate(items, 1):
            try:
                self._add_item(conversations, item, options, path)
            except ValueError as e:
                raise FormatError(f"message #{n}: {e}", path=path) from None
        yield from conversations.parsed()

    @staticmethod
    def _add_item(conversations: _Conversations, item: Any, options: ParseOptions, path: Path) -> None:
        """Add one chatlog Message object; a ValueError names what is wrong with it."""
        if not isinstance(item, dict):
            raise ValueError("not a JSON object")
        talker, time_text = _str_field(item, "talker"), _str_field(item, "time")
        if not talker or not time_text:
            raise ValueError("missing 'talker' or 'time'")
        try:
            ts = parse_iso_time(time_text, options.tz, path=path)
        except FormatError as e:
            raise ValueError(e.message) from None
        t, st = type_codes(item)
        seq = item.get("seq")
        msg_id = str(seq) if isinstance(seq, (int, str)) and not isinstance(seq, bool) and seq not in (0, "") else None
        sender, sender_name = _str_field(item, "sender"), clean_text(_str_field(item, "senderName")).strip()
        contents = item.get("contents") if isinstance(item.get("contents"), dict) else {}
        content = strip_trailing_blank_lines(clean_text(_str_field(item, "content")))
        text = content or media_placeholder(t, st, contents)
        is_chat_room = item.get("isChatRoom")
        is_group = is_chat_room if isinstance(is_chat_room, bool) else talker.endswith("@chatroom")
        rows = conversations.rows(talker, clean_text(_str_field(item, "talkerName")).strip(), is_group)
        extra: dict[str, Any] = {"type": t, "sub_type": st}
        if t in SYSTEM_TYPES or sender == SYSTEM_SENDER:
            rows.add(ts=ts, text=text, msg_id=msg_id, extra=extra, **_system_fields(text))
            return
        if item.get("isSelf") is True:
            extra["is_self"] = True
            sender_id, name = sender or SELF_ID, sender_name or SELF_NAME
        elif sender:
            sender_id, name = sender, sender_name or sender
        else:
            sender_id, name = (S.name_based_id(sender_name) if sender_name else None), sender_name or None
        kind = kind_from_codes(t, st, text)
        event_members = _pat_members(text, name) if kind == "pat" else []
        if t == APP_TYPE and st == ANNOUNCEMENT_SUBTYPE:
            extra["announcement"] = True
        if contents.get("title") and t == APP_TYPE and st != QUOTE_SUBTYPE:
            extra["title"] = str(contents["title"])
        quote = _refer_quote(contents, options.tz, path) if t == APP_TYPE and st == QUOTE_SUBTYPE else None
        if quote and quote.sender_name:
            extra["quote_sender_name"] = quote.sender_name
        rows.add(ts=ts, sender_id=sender_id, sender_name=name, kind=kind, text=text, msg_id=msg_id,
                 mentions=find_mentions(text), event_members=event_members,
                 quote_sender=quote.sender if quote else None, quote_text=quote.text if quote else None,
                 quote_ts=quote.ts if quote else None, extra=extra)


def _refer_quote(contents: dict[str, Any], tz: ZoneInfo, path: Path) -> _Quote | None:
    """The quoted message chatlog keeps in ``contents.refer`` (it has no id for it; its seq is 0)."""
    refer = contents.get("refer")
    if not isinstance(refer, dict):
        return None
    sender, name = _str_field(refer, "sender"), clean_text(_str_field(refer, "senderName")).strip()
    t, st = type_codes(refer)
    refer_contents = refer.get("contents") if isinstance(refer.get("contents"), dict) else {}
    content = strip_trailing_blank_lines(clean_text(_str_field(refer, "content")))
    text = content or media_placeholder(t, st, refer_contents)
    when = None
    if time_text := _str_field(refer, "time"):
        try:
            when = parse_iso_time(time_text, tz, path=path)
        except FormatError as e:
            raise ValueError(f"quoted message: {e.message}") from None
        if when <= datetime(1970, 1, 2, tzinfo=UTC):  # chatlog writes Unix 0 when WeChat kept no time
            when = None
    return _Quote(sender or name or None, name or None, text or None, when, "")


IMPORTERS = [ChatlogCsvImporter(), ChatlogJsonImporter(), ChatlogTextImporter()]
