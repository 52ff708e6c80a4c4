"""Classic QQ 消息管理器 MHT exports (网页格式, PC QQ before NT 9.7.25): ``qq-mht``.

Layout (research/formats-qq.md §B): a MIME ``multipart/related`` file whose header starts with
a BOM and ``From: <Save by Tencent MsgMgr>`` / ``Subject: Tencent IM Message``. The first part
is ``text/html``: one long line holding a ``<table>`` of ``<tr>`` rows. The image parts that
follow (base64, ``Content-Location: {GUID}.dat``) are skipped unread. Rows::

    <tr><td><div style=padding-left:10px;>消息分组:我的QQ群</div></td></tr>
    <tr><td><div style=padding-left:10px;>消息对象:周末羽毛球交流群</div></td></tr>
    <tr><td style=…color:#3568BB…>日期: 2019-03-02</td></tr>
    <tr><td><div style=color:#006EFE;padding-left:10px;><div style=float:left;margin-right:6px;>
        阿杰(123456789)</div>8:05:12</div><div style=padding-left:20px;><font …>text<br>more</font>
        </div></td></tr>

Decisions:

* Each ``消息对象`` row starts a conversation; rows for the same 分组 and 对象 that repeat later
  in the file are merged into one. Message rows carry only a time (``H:MM:SS``); the date is
  that of the latest ``日期`` row (``2019-03-02`` or the locale's ``2012/4/11``).
* Senders and notices follow the classic export's rules (``common.classic_message``, shared with
  the TXT): HTML-unescaped, ``&nbsp;`` read as a space, whatever stands in the last ``()`` or
  ``<>`` is the id, QQ's own ``【…】`` titles go to ``extra["title"]``, ``10000``/``1000000`` are
  the platform's own notices (a group-file notice is a ``file`` message by its sharer),
  ``80000000`` is an anonymous member keyed by name. A section whose senders carry no id (a
  private chat) is keyed by name; 消息分组 containing 好友 is private.
* A row shaped like a message (a floated sender div, or a time) that is not laid out as the
  exporter writes one is an error naming the row: nothing is dropped silently.
* Content: ``<br>`` is a line break, ``<IMG src="{GUID}.dat">`` becomes ``[图片]`` with the
  file names in ``extra["images"]``, other tags are dropped, entities decoded.
* A row drawn in the "self" colour (#42B475) records ``extra["is_sender"]``. QQ sometimes
  colours the first row of a section wrongly, so treat it as a hint.
* ``msg_id`` is None (the export has no ids). ``source_line`` is None: the whole table is one
  line of the file. Errors name the file line of the row and the row's number in the table.

The file is read line by line; the HTML line is the only large thing held, and its rows are
scanned with regular expressions rather than built into a DOM.
"""

from __future__ import annotations

import base64
import binascii
import html
import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from ...errors import FormatError
from ..base import (
    Importer,
    MessageRows,
    ParsedConversation,
    ParseOptions,
    Sample,
    local_to_utc,
    strip_trailing_blank_lines,
)
from ..textutil import find_mentions, kind_from_text
from .common import DATE_RE, SYSTEM_UINS, TIME_RE, SenderBook, classic_message, split_sender, split_titles

MHT_FROM = "From: <Save by Tencent MsgMgr>"
MHT_SUBJECT = "Subject: Tencent IM Message"
HTML_TITLE = "<title>QQ Message</title>"
SELF_COLOR = "#42b475"
_BOM = b"\xef\xbb\xbf"

_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr\s*>", re.S | re.I)
_TABLE_END = re.compile(r"</table\s*>", re.I)
# A message row: the coloured header div holding the sender div and the time, then the content div.
_MESSAGE_ROW = re.compile(
    r"<div\b[^>]*?color:\s*(?P<color>#?\w+)[^>]*>\s*<div\b[^>]*float:\s*left[^>]*>(?P<who>.*?)</div>"
    r"(?P<clock>[^<]*)</div>\s*<div\b[^>]*>(?P<body>.*)</div>\s*(?:</td>\s*)?$", re.S | re.I)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b([^>]*)>")
# What any message row has, whatever its markup: the floated sender div, or a time after a tag.
_MESSAGE_SHAPED = re.compile(r"float:\s*left|>\s*(?:上午|下午|AM|PM)?\s*\d{1,2}:\d{2}:\d{2}\s*(?:AM|PM)?\s*<", re.I)
_SRC = re.compile(r"""\bsrc\s*=\s*["']?([^"'\s>]+)""", re.I)
_CATEGORY = re.compile(r"^消息分组[:：]\s*(.*)$", re.S)
_OBJECT = re.compile(r"^消息对象[:：]\s*(.*)$", re.S)
_DATE_ROW = re.compile(r"^日期[:：]\s*(.*)$", re.S)
_DATE = re.compile(DATE_RE)
_TIME = re.compile(TIME_RE)
_CLOCK_MARK_FIRST = re.compile(r"^(上午|下午|AM|PM|am|pm)\s*(.+)$")
_PLAIN_FONT = re.compile(r"^<font\b[^>]*>([^<]*)</font>$", re.I)  # the usual content: one run of text


class QQMhtImporter(Importer):
    name = "qq-mht"
    platform = "qq"
    tool = "QQ 消息管理器 (PC QQ before 9.7.25), 导出为网页格式 (*.mht)"
    detection = ("a MIME header 'From: <Save by Tencent MsgMgr>' or 'Subject: Tencent IM Message', or a "
                 "multipart/related file whose HTML is titled 'QQ Message'")

    def sniff(self, sample: Sample) -> bool:
        head = [line.strip() for line in sample.lines(12)]
        if MHT_FROM in head or MHT_SUBJECT in head:
            return True
        return "multipart/related" in sample.text[:2048] and HTML_TITLE in sample.text

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        part = read_html_part(path)
        yield from _conversations(part, path, options)


# --- the MIME wrapper ------------------------------------------------------------------------

@dataclass
class HtmlPart:
    """The text/html part of an MHT file and the file line its body starts on."""

    text: str
    line: int


def _parse_headers(block: bytes) -> Message:
    # compat32 keeps raw header values ("<Save by Tencent MsgMgr>") and QQ's unspaced "Content-Type:x".
    return BytesHeaderParser(policy=policy.compat32).parsebytes(block)


def read_html_part(path: Path) -> HtmlPart:
    """The HTML of an MHT export, read line by line; the image parts after it are never read."""
    try:
        with path.open("rb") as f:
            return _scan_mime(f, path)
    except OSError as e:
        raise FormatError(f"cannot read file: {e.strerror}", path=path) from None


def _scan_mime(f: Any, path: Path) -> HtmlPart:
    lines = enumerate(f, 1)
    header = bytearray()
    number = 0
    for number, raw in lines:
        if number == 1:
            raw = raw.removeprefix(_BOM)
        if not raw.strip():
            break
        header += raw
    if not header:
        raise FormatError("empty file or no MIME header", path=path, line=1)
    top = _parse_headers(bytes(header) + b"\r\n")
    boundary = top.get_boundary()
    if not top.get_content_type().startswith("multipart/") or not boundary:
        raise FormatError("not a MIME multipart file (no boundary in its Content-Type header)", path=path, line=1)
    delimiter = b"--" + boundary.encode("ascii", "replace")

    state = "preamble"
    part_header = bytearray()
    body: list[bytes] = []
    html_part: Message | None = None
    body_line = 0
    for number, raw in lines:
        stripped = raw.rstrip(b"\r\n")
        if stripped.startswith(delimiter) and stripped[len(delimiter):].strip() in (b"", b"--"):
            if html_part is not None:  # the HTML part has ended: the images after it are not needed
                return _decode_part(html_part, body, body_line, path)
            if stripped[len(delimiter):].strip() == b"--":
                break
            state, part_header = "header", bytearray()
            continue
        if state == "header":
            if raw.strip():
                part_header += raw
                continue
            headers = _parse_headers(bytes(part_header) + b"\r\n")
            if headers.get_content_type() == "text/html":
                html_part, body_line = headers, number + 1
                state = "html"
            else:
                state = "skip"
        elif state == "html":
            body.append(raw)
    if html_part is not None:  # no part after the HTML and no closing delimiter
        return _decode_part(html_part, body, body_line, path)
    raise FormatError("no text/html part in the MHT file", path=path, line=number or 1)


def _decode_part(headers: Message, body: list[bytes], line: int, path: Path) -> HtmlPart:
    data = b"".join(body)
    if data.endswith(b"\r\n"):  # the line break before a delimiter belongs to the delimiter
        data = data[:-2]
    elif data.endswith(b"\n"):
        data = data[:-1]
    encoding = (headers.get("Content-Transfer-Encoding") or "7bit").strip().lower()
    try:
        if encoding == "base64":
            data = base64.b64decode(data)
        elif encoding == "quoted-printable":
            data = quopri.decodestring(data)
    except (binascii.Error, ValueError):
        raise FormatError(f"the HTML part is not valid {encoding}", path=path, line=line) from None
    charset = headers.get_content_charset() or "utf-8"
    for enc in dict.fromkeys((charset, "utf-8", "gb18030")):
        try:
            return HtmlPart(data.removeprefix(_BOM).decode(enc), line)
        except (UnicodeDecodeError, LookupError):
            continue
    raise FormatError("the HTML part is neither UTF-8 nor GB18030 text", path=path, line=line)


# --- the rows of the table -----------------------------------------------------------------------

@dataclass
class _Row:
    """One message row as read, before the section it belongs to is known to be a group or not."""

    ts: datetime
    who: str
    text: str
    images: list[str]
    is_self: bool


@dataclass
class _Section:
    category: str | None
    name: str
    rows: list[_Row] = field(default_factory=list)


def _plain(fragment: str) -> str:
    """The text of an HTML fragment: tags dropped, entities decoded, &nbsp; as a space."""
    return html.unescape(_TAG.sub("", fragment)).replace("\xa0", " ")


def content_text(fragment: str) -> tuple[str, list[str]]:
    """A message's text (``<br>`` as newlines, images as ``[图片]``) and the image file names."""
    plain = _PLAIN_FONT.match(fragment)
    if plain:
        return strip_trailing_blank_lines(html.unescape(plain.group(1)).replace("\xa0", " ")), []
    parts: list[str] = []
    images: list[str] = []
    pos = 0
    for m in _TAG.finditer(fragment):
        parts.append(html.unescape(fragment[pos:m.start()]))
        pos = m.end()
        closing, tag = m.group(1), m.group(2).lower()
        if tag == "br":
            parts.append("\n")
        elif tag == "img" and not closing:
            parts.append("[图片]")
            src = _SRC.search(m.group(3))
            if src:
                images.append(src.group(1))
    parts.append(html.unescape(fragment[pos:]))
    text = "".join(parts).replace("\xa0", " ")
    return strip_trailing_blank_lines(text), images


def _row_time(day: tuple[int, int, int], clock: str, *, path: Path, line: int, row: int) -> datetime:
    """The local date of the latest 日期 row joined with a row's H:MM:SS (12-hour marks allowed)."""
    text = clock.replace("\xa0", " ").strip()
    moved = _CLOCK_MARK_FIRST.match(text)
    if moved:
        text = moved.group(2) + moved.group(1)
    m = _TIME.match(text.replace(" ", ""))
    if not m:
        raise FormatError(f"row {row}: message time {clock.strip()!r} is not H:MM:SS", path=path, line=line)
    hour, mark = int(m["h"]), (m["ap"] or "").upper()
    if mark in ("PM", "下午") and hour < 12:
        hour += 12
    elif mark in ("AM", "上午") and hour == 12:
        hour = 0
    try:
        return datetime(*day, hour, int(m["mi"]), int(m["s"]))
    except ValueError:
        raise FormatError(f"row {row}: impossible time {clock.strip()!r}", path=path, line=line) from None


def _row_date(text: str, *, path: Path, line: int, row: int) -> tuple[int, int, int]:
    m = _DATE.match(text.strip())
    if not m:
        raise FormatError(f"row {row}: 日期 {text.strip()!r} is not a YYYY-MM-DD or YYYY/M/D date",
                          path=path, line=line)
    day = (int(m["y"]), int(m["mo"]), int(m["d"]))
    try:
        datetime(*day)
    except ValueError:
        raise FormatError(f"row {row}: impossible date {text.strip()!r}", path=path, line=line) from None
    return day


def _sections(part: HtmlPart, path: Path) -> list[_Section]:
    """The conversations of the table, each with its message rows, in file order."""
    sections: dict[tuple[str | None, str], _Section] = {}
    current: _Section | None = None
    category: str | None = None
    day: tuple[int, int, int] | None = None
    text = part.text
    line, counted, end = part.line, 0, 0
    for number, m in enumerate(_ROW.finditer(text), 1):
        line += text.count("\n", counted, m.start())
        counted, end = m.start(), m.end()
        row = m.group(1)
        message = _MESSAGE_ROW.search(row)
        if message:
            if current is None:
                raise FormatError(f"row {number}: a message before any 消息对象 row", path=path, line=line)
            if day is None:
                raise FormatError(f"row {number}: a message before any 日期 row", path=path, line=line)
            body, images = content_text(message["body"])
            current.rows.append(_Row(
                ts=_row_time(day, message["clock"], path=path, line=line, row=number),
                who=_plain(message["who"]).strip(), text=body, images=images,
                is_self=message["color"].lower() == SELF_COLOR))
            continue
        plain = _plain(row).strip()
        if m_cat := _CATEGORY.match(plain):
            category = m_cat.group(1).strip() or None
        elif m_obj := _OBJECT.match(plain):
            name = m_obj.group(1).strip()
            current = sections.setdefault((category, name), _Section(category, name))
            day = None
        elif m_day := _DATE_ROW.match(plain):
            day = _row_date(m_day.group(1), path=path, line=line, row=number)
        elif _MESSAGE_SHAPED.search(row):  # never drop a message silently: say which row it is
            raise FormatError(f"row {number} looks like a message (a sender and a time) but is not laid out as "
                              f"消息管理器 writes one: {plain[:60]!r}", path=path, line=line)
    if end == 0:
        raise FormatError("the HTML part holds no <tr> rows: not a QQ message table", path=path, line=part.line)
    if not _TABLE_END.search(text, end):
        last_line = part.line + text.count("\n")
        raise FormatError("the message table ends without </table> (truncated export?)", path=path, line=last_line)
    return list(sections.values())


# --- one conversation ----------------------------------------------------------------------------

def _conversation(section: _Section, options: ParseOptions) -> ParsedConversation:
    senders = [split_sender(row.who) for row in section.rows]
    # Group senders carry a QQ number or email; a section without any is a private chat.
    has_ids = any(ident for _, ident in senders)
    book = SenderBook((ident, split_titles(name)[1]) for name, ident in senders)
    rows = MessageRows()
    for row, (name, ident) in zip(section.rows, senders):
        fields = classic_message(name, ident, row.text, book, keyed_by_name=not has_ids)
        extra = fields.pop("extra")
        if ident in SYSTEM_UINS:
            extra["sender"] = row.who
        if row.images:
            extra["images"] = row.images
        if row.is_self:
            extra["is_sender"] = True
        kind = fields.pop("kind") or kind_from_text(row.text)
        mentions = find_mentions(row.text) if fields["sender_id"] is not None else []
        rows.add(ts=local_to_utc(row.ts, options.tz), kind=kind, text=row.text, mentions=mentions, extra=extra,
                 **fields)
    private = bool(section.category and "好友" in section.category) or not has_ids
    return ParsedConversation(platform="qq", name=section.name, messages=rows.to_table(), native_id=None,
                              is_group=not private)


def _conversations(part: HtmlPart, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
    sections = _sections(part, path)
    if not sections:
        raise FormatError("no 消息对象 row: not a QQ 消息管理器 export", path=path, line=part.line)
    for section in sections:
        if section.rows:
            yield _conversation(section, options)


IMPORTERS = [QQMhtImporter()]
