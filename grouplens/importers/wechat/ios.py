"""WechatExporter (BlueMatthew) TXT exports of iOS WeChat, read from iTunes backups (``index.txt``).

The file opens with ``<chat> - 微信聊天记录`` (``- WeChat Chat History`` in English) and a blank
line; then each message is ``<name> (YYYY-MM-DD HH:MM:SS):<content>``, its further lines
following as they are. Names only: the group nickname, else the contact's name, else the wxid.
Three of the exporter's templates print no name and no time, so the importer fills them in:

* WeChat's notices are bare lines (``"王五"邀请"赵六"加入了群聊``, or ``系统消息：…``). A bare line is
  a notice when its text is one (join, leave, rename, recall, pat, a red-packet claim, a
  friend-added line), and otherwise continues the message above it.
* A quote is ``「<quoted name>：<quoted text>」``, a dashed line, then the reply, whose sender the
  export does not say: its sender is unknown (``extra.sender_unknown``).
* Notices and replies get **the time of the message before them** (``extra.ts_inferred``), or of
  the first timed message when nothing precedes them.

The transfer template has no line break at its end, so the next record is glued onto the
transfer's line (``…:微信转账 向李四转账李四 (2024-03-15 09:36:00):[红包]``); the transfer's own text
is one of the exporter's fixed status phrases, which is where the line is split.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from ...errors import FormatError
from ..base import (
    SYSTEM_NAME,
    Importer,
    MessageRows,
    ParsedConversation,
    ParseOptions,
    Sample,
    account_records,
    guess_is_group,
    parse_local_time,
    strip_trailing_blank_lines,
)
from ..textutil import classify_event, clean_text, find_mentions, kind_from_text
from .common import name_sender_id, notice_kind, read_export_text

_TITLE = re.compile(r"(?P<chat>.+) - (?:微信聊天记录|WeChat Chat History)")
_HEADER = re.compile(r"(?P<name>\S.*?) \((?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\):")
_HEADER_ANYWHERE = re.compile(r" \(\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d\d:\d\d\):")
_DASHES = re.compile(r"(?:- ){4,}-")
_QUOTE_LIMIT = 50  # lines a quoted message may span

# The transfer template's text (zh-Hans resources): "微信转账 " and one of these statuses.
_TRANSFER = re.compile(r"(?:微信转账|Weixin Transfer) (?:向.+?转账(?: - 已被(?:接收|退还))?|来自.+?的转账 - 已(?:收款|接收|退还)"
                       r"|转账|已收款|已接收|已退还|已被接收|已被退还|已过期)")
_SYSTEM_PREFIX = "系统消息："
# Notices the shared event patterns do not cover, written by WeChat itself.
_OTHER_NOTICES = re.compile(r"(?:你|\"[^\"]+\")领取了(?:你|\"[^\"]+\")的红包|你已添加了.+，现在可以开始聊天了。"
                            r"|.+与群里其他人都不是(?:微信)?朋友关系，请注意隐私安全|以上是打招呼的内容")
# The exporter's placeholders that textutil.kind_from_text does not know (English resources, 音频).
_PLACEHOLDER_KINDS = [(kind, re.compile(pattern)) for kind, pattern in (
    ("voice", r"\[(?:音频|Audio(?: [^\]]*)?)\]"),
    ("call", r"\[Video/Audio Call\]"),
    ("location", r"\[(?:Location|实时位置共享|Real-time Location)\]"),
    ("red_packet", r"\[Red Packet\]"),
    ("transfer", r"\[Transfer\]|Weixin Transfer "),
    ("file", r"\[File(?:: [^\]]*)?\]"),
    ("link", r"\[Link\]"),
    ("card", r"\[(?:Contact Card|Channel Card)\]"),
)]


def placeholder_kind(text: str) -> str:
    for kind, rx in _PLACEHOLDER_KINDS:
        if rx.match(text):
            return kind
    return kind_from_text(text)


def logical_lines(lines: list[str], first_number: int) -> list[tuple[int, str]]:
    """(line number, text) of each record line, with records glued onto a transfer split apart."""
    out = []
    for number, line in enumerate(lines, first_number):
        while (head := _HEADER.match(line)) and (transfer := _TRANSFER.match(line, head.end())) \
                and transfer.end() < len(line):
            out.append((number, line[:transfer.end()]))
            line = line[transfer.end():]
        out.append((number, line))
    return out


def notice_text(line: str) -> str | None:
    """The notice a bare line holds, or None when the line is not one."""
    if line.startswith(_SYSTEM_PREFIX):
        return line[len(_SYSTEM_PREFIX):].strip()
    text = line.strip()
    if text and (classify_event(text) or _OTHER_NOTICES.fullmatch(text)):
        return text
    return None


def quote_end(lines: list[tuple[int, str]], i: int) -> int | None:
    """Where the quote block starting at ``lines[i]`` ends (the index of its dashed line), if it is one."""
    if not lines[i][1].startswith("「"):
        return None
    for j in range(i, min(i + _QUOTE_LIMIT, len(lines) - 1)):
        if lines[j][1].endswith("」") and _DASHES.fullmatch(lines[j + 1][1].strip()):
            return j + 1
    return None


class _Message:
    """A message being read: its first line's fields and the lines that follow it."""

    def __init__(self, fields: dict[str, Any], first: str | None = None) -> None:
        self.fields = fields
        self.lines = [] if first is None else [first]

    def done(self) -> dict[str, Any]:
        text = strip_trailing_blank_lines(clean_text("\n".join(self.lines)))
        fields = dict(self.fields)
        if fields["sender_name"] == SYSTEM_NAME and fields["sender_id"] is None:
            return {**fields, "text": text}
        kind = placeholder_kind(text)
        fields.update(text=text, kind=kind, mentions=find_mentions(text))
        if kind == "text" and (event := classify_event(text)) and event[0] == "pat":
            fields.update(kind="pat", event_members=event[1])
        return fields


class WechatExporterTxt(Importer):
    name = "wechatexporter-txt"
    platform = "wechat"
    tool = "WechatExporter (BlueMatthew), iOS iTunes backups"
    detection = ("The first non-empty line is '<chat> - 微信聊天记录' (or '- WeChat Chat History') and message lines "
                 "'<name> (YYYY-MM-DD HH:MM:SS):' follow.")

    def sniff(self, sample: Sample) -> bool:
        lines = sample.text.lstrip("\n").split("\n", 200)[:200]
        if not _TITLE.fullmatch(lines[0][:512]):
            return False
        return any(_HEADER.match(line[:512]) for line in lines[1:])

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        raw = read_export_text(path).split("\n")
        first = next((i for i, line in enumerate(raw) if line.strip()), None)
        if first is None:
            raise FormatError("empty file", path=path)
        title = _TITLE.fullmatch(raw[first])
        if title is None:
            raise FormatError("expected the title '<chat> - 微信聊天记录'", path=path, line=first + 1)
        messages = self._messages(logical_lines(raw[first + 1:], first + 2), path, options)
        rows = MessageRows()
        for m in messages:
            rows.add(**m)
        # Every message starts on a line of its own (its header, notice or quote); a line that
        # has a header's "(time):" only further along is reported.
        starts = sorted({m["source_line"] - 1 for m in messages})
        shaped = [i for i, line in enumerate(raw) if i > first and _HEADER_ANYWHERE.search(line)]
        yield ParsedConversation(platform=self.platform, name=clean_text(title["chat"]).strip(),
                                 messages=rows.to_table(), native_id=None, is_group=guess_is_group(messages),
                                 lines=account_records(raw, starts, shaped))

    @staticmethod
    def _messages(lines: list[tuple[int, str]], path: Path, options: ParseOptions) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        current: _Message | None = None
        last_ts: datetime | None = None

        def close() -> None:
            nonlocal current
            if current is not None:
                out.append(current.done())
                current = None

        i = 0
        while i < len(lines):
            number, line = lines[i]
            if head := _HEADER.match(line):
                close()
                last_ts = parse_local_time(head["time"], options.tz, path=path, line=number)
                name = clean_text(head["name"]).strip()
                current = _Message({"ts": last_ts, "sender_id": name_sender_id(name), "sender_name": name,
                                    "source_line": number}, line[head.end():])
            elif (end := quote_end(lines, i)) is not None:
                close()
                block = clean_text("\n".join(text for _, text in lines[i:end]))[1:-1]
                quoted_name, sep, quoted = block.partition("：")
                current = _Message({"ts": last_ts, "sender_id": None, "sender_name": None, "source_line": number,
                                    "quote_sender": quoted_name.strip() if sep else None,
                                    "quote_text": quoted if sep else block,
                                    "extra": {"sender_unknown": True, "ts_inferred": True}})
                i = end
            elif (text := notice_text(line)) is not None or (current is None and line.strip()):
                close()
                text = clean_text(text if text is not None else line.strip())
                kind, members = notice_kind(text, "system")
                out.append({"ts": last_ts, "sender_id": None, "sender_name": SYSTEM_NAME, "kind": kind,
                            "text": text, "event_members": members, "source_line": number,
                            "extra": {"ts_inferred": True}})
            elif current is not None:
                current.lines.append(line)
            i += 1
        close()
        first_ts = next((m["ts"] for m in out if m["ts"] is not None), None)
        if first_ts is None:
            raise FormatError("no message line '<name> (YYYY-MM-DD HH:MM:SS):' in the file", path=path)
        for m in out:
            if m["ts"] is None:
                m["ts"] = first_ts
            else:
                break
        return out


IMPORTERS = [WechatExporterTxt()]
