"""QQChatExporter plain-text exports: ``qce-txt``.

Layout (research/formats-qq.md §E; QCE's ``text_exporter.rs`` and the earlier
``TextExporter.ts``): UTF-8 with LF, a header, messages separated by two blank lines, a footer::

    [QQChatExporter V5 / https://github.com/shuakami/qq-chat-exporter]
    …
    聊天名称: 周末羽毛球交流群
    聊天类型: 群聊
    消息总数: 3
    …

    [群主] 阿杰:
    时间: 2025-05-01 08:05:12
    内容: @上海-小林 欢迎新人[图片:ABCD1234.jpg]
    资源: 1 个文件
      - image: ABCD1234.jpg
    提及: 上海-小林
    回复: 05-01 08:04 上海-小林 - 大家好

    ===============================================
                  导出完成
    ===============================================
    总计导出 3 条消息

Decisions:

* A message starts at a line ending in ``:`` (the sender; ``[title] name`` when QQ shows a group
  title) that follows a blank line and is followed by ``时间: `` (local time, read in the
  chosen time zone). Its content runs from ``内容: `` to the next message (or the footer), so
  content keeps its own line breaks and blank lines; the two separating blank lines are cut.
* The lines QCE appends after the content are read from the end of the block: ``回复:`` (the
  quoted sender, text and ``MM-DD HH:MM`` time; the year is the message's, or the one before
  when that would put the quote after the reply; the TypeScript exporter wrote no time),
  ``提及:`` (the @ list, comma-separated: the message's mentions) and ``资源: N 个文件`` with N
  ``  - type: file`` lines (file names to ``extra["files"]``).
* The file has no QQ numbers: every sender_id is ``name:<name>`` and each conversation carries a
  warning saying so. QCE's JSON export has the numbers.
* ``系统消息`` blocks are platform notices, classified like QCE JSON's (join, leave, recall, pat,
  rename; else ``system``). QCE's fallbacks for empty content (``[表情消息]``,
  ``[image、file消息]``) give the kind; otherwise the placeholders in the text do.
* No message ids (the TXT drops them); ``source_line`` is the sender line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ... import schema as S
from ...errors import FormatError
from ..base import (
    SYSTEM_NAME,
    Importer,
    MessageRows,
    ParsedConversation,
    ParseOptions,
    Sample,
    account_records,
    local_to_utc,
)
from ..textutil import kind_from_text, read_text
from .common import QCE_TOOL, event_of

FIRST_LINE_PREFIX = "[QQChatExporter V"
NAME_KEYED_WARNING = ("{file}: QCE's text export carries no QQ numbers, so members are keyed by display name "
                      "(a renamed member counts as two); QCE's JSON export carries their QQ numbers")
UNKNOWN_CHAT = "未知聊天"
PRIVATE_TYPES = ("私聊", "临时会话")

_STAMP = re.compile(r"^(?P<y>\d{4})[-/](?P<mo>\d{1,2})[-/](?P<d>\d{1,2})[ T](?P<h>\d{1,2}):(?P<mi>\d{2}):(?P<s>\d{2})$")
_TITLED = re.compile(r"^\[(?P<title>[^\[\]]+)\] (?P<name>.+)$")
_RESOURCE_COUNT = re.compile(r"^资源: (\d+) 个文件$")
_RESOURCE = re.compile(r"^  - (?P<type>[^:]*): (?P<file>.*)$")
_REPLY = re.compile(r"^回复: (?:(?P<mo>\d{2})-(?P<d>\d{2}) (?P<h>\d{2}):(?P<mi>\d{2})(?= )\s?)?"
                    r"(?P<who>.*?) - (?P<text>.*)$", re.S)
_RESOURCE_ONLY = re.compile(r"^\[((?:image|video|audio|file)(?:、(?:image|video|audio|file))*)消息\]$")
_MESSAGE_NUMBER = re.compile(r"^\[\d+\]$")  # the optional "show message number" line
_FOOTER_RULE = re.compile(r"^=+$")
_FOOTER_TOTAL = re.compile(r"^总计导出 (\d+) 条消息$")
_RESOURCE_KINDS = {"image": "image", "video": "video", "audio": "voice", "file": "file"}
_STICKER_FALLBACK = "[表情消息]"


class QceTxtImporter(Importer):
    name = "qce-txt"
    platform = "qq"
    tool = QCE_TOOL
    detection = ("first line [QQChatExporter V… (QCE's text export), or (a copied part without it) a first "
                 "message 'name:' / '时间: YYYY-MM-DD HH:MM:SS' / '内容: …'")

    def sniff(self, sample: Sample) -> bool:
        if sample.first_line.startswith(FIRST_LINE_PREFIX):
            return True
        lines = sample.text.lstrip("\n").split("\n", 4)
        return len(lines) > 3 and _is_message_start(lines, 0) and _STAMP.match(lines[1][len("时间: "):].strip()) is not None

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        yield read_export(path, options.tz)


# --- the file -------------------------------------------------------------------------------------

def _footer_start(lines: list[str], path: Path) -> int:
    """The index of the ``====`` rule that opens the 导出完成 footer; a file without one is cut short."""
    for i in range(len(lines) - 1, 0, -1):
        if lines[i].strip() == "导出完成" and _FOOTER_RULE.match(lines[i - 1]):
            return i - 1
    raise FormatError("no 导出完成 footer at the end (truncated export?)", path=path, line=len(lines))


def _is_labelled(lines: list[str], i: int) -> bool:
    """A sender line ("name:") followed by a 时间: line: shaped like the start of a message."""
    line = lines[i]
    return len(line) > 1 and line.endswith(":") and i + 1 < len(lines) and lines[i + 1].startswith("时间: ")


def _is_message_start(lines: list[str], i: int) -> bool:
    """A message starts at a sender line after a blank line (or QCE's "[n]" number line), or
    anywhere when its 时间: line is followed by the 内容: line (a file whose blank lines were removed)."""
    if not _is_labelled(lines, i):
        return False
    if i == 0 or not lines[i - 1].strip() or _MESSAGE_NUMBER.match(lines[i - 1]):
        return True
    j = i + 2 + (i + 2 < len(lines) and lines[i + 2].startswith("类型: "))
    return j < len(lines) and lines[j].startswith("内容:")


def _optional_footer(lines: list[str]) -> int:
    """Where the footer of a copied part starts, or its end when the part has none."""
    for i in range(len(lines) - 1, 0, -1):
        if lines[i].strip() == "导出完成" and _FOOTER_RULE.match(lines[i - 1]):
            return i - 1
    return len(lines)


def _header_fields(lines: list[str]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in lines:
        key, sep, value = line.partition(": ")
        if sep and key and key not in fields:
            fields[key.strip()] = value.strip()
    return fields


def _count(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _footer_total(footer: list[str]) -> int | None:
    """The footer's 总计导出 N 条消息 (the header leaves 消息总数 out of an empty export)."""
    for line in footer:
        m = _FOOTER_TOTAL.match(line)
        if m:
            return int(m.group(1))
    return None


def read_export(path: Path, tz: ZoneInfo) -> ParsedConversation:
    """The one conversation of a QCE text export.

    A whole export opens with QCE's banner and ends with its 导出完成 footer, and one without the
    footer was cut short: an error. A copied part (no banner) is read as far as it goes.
    """
    lines = read_text(path).split("\n")
    whole = lines[0].startswith(FIRST_LINE_PREFIX)
    footer = _footer_start(lines, path) if whole else _optional_footer(lines)
    starts = [i for i in range(footer) if _is_message_start(lines, i)]
    if not whole and (not starts or any(line.strip() for line in lines[:starts[0]])):
        first = next((i for i, line in enumerate(lines) if line.strip()), 0)
        raise FormatError("expected QCE's first line [QQChatExporter V…] or a message 'name:' / '时间: …' / '内容: …'",
                          path=path, line=first + 1)
    header = _header_fields(lines[:starts[0] if starts else footer])
    rows = MessageRows()
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else footer
        _add_message(rows, _read_block(lines, start, end, path), tz, path)
    table = rows.to_table()
    chat_name = header.get("聊天名称")
    shaped = [i for i in range(footer) if _is_labelled(lines, i)]
    conversation = ParsedConversation(
        platform="qq", name=chat_name if chat_name and chat_name != UNKNOWN_CHAT else path.stem, messages=table,
        native_id=None, is_group=header.get("聊天类型") not in PRIVATE_TYPES,
        lines=account_records(lines, starts, shaped, stop=footer))
    conversation.warnings.append(NAME_KEYED_WARNING.format(file=path.name))
    total = _count(header.get("消息总数")) or _footer_total(lines[footer:])
    if total is not None and total != len(table):
        conversation.warnings.append(f"{path.name}: the export says {total} messages but the file holds {len(table)}")
    return conversation


# --- one message ----------------------------------------------------------------------------------

@dataclass
class _Block:
    """One message's lines, split into the parts QCE writes."""

    line: int  # 1-based line of the sender label
    label: str
    stamp: str
    content: str
    files: list[tuple[str, str]]
    mentions: list[str] | None
    reply: re.Match[str] | None


def _strip_blank_tail(body: list[str]) -> list[str]:
    end = len(body)
    while end > 1 and not body[end - 1].strip():
        end -= 1
    # "show message number" puts "[n]" before the next sender, after the separating blank lines
    if end > 2 and _MESSAGE_NUMBER.match(body[end - 1]) and not body[end - 2].strip():
        end -= 1
        while end > 1 and not body[end - 1].strip():
            end -= 1
    return body[:end]


def _read_block(lines: list[str], start: int, end: int, path: Path) -> _Block:
    j = start + 2
    if j < end and lines[j].startswith("类型: "):  # "show message type"
        j += 1
    if j >= end or not lines[j].startswith("内容:"):
        raise FormatError("expected a 内容: line after the message's 时间: line", path=path, line=j + 1)
    body = _strip_blank_tail([lines[j][len("内容:"):].removeprefix(" "), *lines[j + 1:end]])

    reply = None
    for k in range(len(body) - 1, 0, -1):
        if body[k].startswith("回复: "):
            reply = _REPLY.match("\n".join(body[k:]))
            if reply:
                body = body[:k]
            break
    mentions = None
    if len(body) > 1 and body[-1].startswith("提及: "):
        mentions = [n for n in body.pop()[len("提及: "):].split(", ") if n]
    files: list[tuple[str, str]] = []
    for k in range(len(body) - 1, 0, -1):
        count = _RESOURCE_COUNT.match(body[k])
        if count:
            listed = [_RESOURCE.match(line) for line in body[k + 1:]]
            if int(count.group(1)) == len(listed) and all(listed):
                files = [(m["type"], m["file"]) for m in listed if m]
                body = body[:k]
            break
    return _Block(line=start + 1, label=lines[start][:-1], stamp=lines[start + 1][len("时间: "):],
                  content="\n".join(body), files=files, mentions=mentions, reply=reply)


def _local_time(stamp: str, *, path: Path, line: int) -> datetime:
    m = _STAMP.match(stamp.strip())
    if not m:
        raise FormatError(f"time {stamp.strip()!r} is not YYYY-MM-DD HH:MM:SS (export with QCE's full time format)",
                          path=path, line=line)
    try:
        return datetime(*(int(m[k]) for k in ("y", "mo", "d", "h", "mi", "s")))
    except ValueError:
        raise FormatError(f"impossible time {stamp.strip()!r}", path=path, line=line) from None


def quote_time(reply: re.Match[str], sent: datetime, tz: ZoneInfo) -> datetime | None:
    """When the quoted message was sent: its ``MM-DD HH:MM`` in the reply's year, or the year before
    when that would put it after the reply (a January reply quoting December)."""
    if not reply["mo"]:
        return None
    for year in (sent.year, sent.year - 1):
        try:
            quoted = datetime(year, int(reply["mo"]), int(reply["d"]), int(reply["h"]), int(reply["mi"]))
        except ValueError:
            continue
        if quoted <= sent + timedelta(days=1):
            return local_to_utc(quoted, tz)
    return None


def _kind(text: str) -> str:
    if text == _STICKER_FALLBACK:
        return "sticker"
    only = _RESOURCE_ONLY.match(text)
    if only:
        kinds = {_RESOURCE_KINDS[t] for t in only.group(1).split("、")}
        return kinds.pop() if len(kinds) == 1 else "text"
    return kind_from_text(text)


def _add_message(rows: MessageRows, block: _Block, tz: ZoneInfo, path: Path) -> None:
    sent = _local_time(block.stamp, path=path, line=block.line + 1)
    ts = local_to_utc(sent, tz)
    extra: dict[str, Any] = {}
    if block.files:
        extra["files"] = [name for _, name in block.files if name]
    if block.label == SYSTEM_NAME:
        kind, members, details = event_of(block.content)
        extra.update(details)
        rows.add(ts=ts, sender_id=None, sender_name=SYSTEM_NAME, kind=kind, text=block.content,
                 event_members=members, source_line=block.line, extra=extra)
        return
    name = block.label
    titled = _TITLED.match(name)
    if titled:
        name, extra["title"] = titled["name"], titled["title"]
    reply = block.reply
    rows.add(ts=ts, sender_id=S.name_based_id(name), sender_name=name, kind=_kind(block.content),
             text=block.content, mentions=block.mentions or (),
             quote_sender=(reply["who"] or None) if reply else None, quote_text=reply["text"] if reply else None,
             quote_ts=quote_time(reply, sent, tz) if reply else None, source_line=block.line, extra=extra)


IMPORTERS = [QceTxtImporter()]
