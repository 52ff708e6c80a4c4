"""wechat-dump (ppwwyyxx) TXT exports of Android WeChat (``EnMicroMsg.db``): ``dump-msg.py``'s ``<chat>.txt``.

One ``str(msg)`` per message: ``<type>|<name>:<YYYY-MM-DD HH:MM:SS[.ffffff]>:<content>``, where
``type`` is Android WeChat's numeric message type, ``name`` the sender's remark or nickname
(``me`` for the exporting user) and the time Python's ``str(datetime)`` of the message's local
time (the fraction is left out when it is zero). Content with line breaks (a multi-line text,
``[RED ENVELOPE]\\n<title>``) continues on the following lines; an image's thumbnail path is
appended as ``|img:<path>`` and kept in ``extra``. A name may itself contain ``:``, so a line is
split at the timestamp, not at the first colon.

Kinds come from the type codes (formats-wechat.md §1.3: Android packs some app-message kinds
into one number, e.g. 436207665 is a red packet and 822083633 a quote reply, shown by its
title), refined by the content for app messages (``URL:…`` is a link, ``FILE:…`` a file). The
exporting user is the member ``name:我``, the id other WeChat tools give "我". The file does not
name the group inside it, so the group is named after the file, as wechat-dump names it.
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
    local_to_utc,
    strip_trailing_blank_lines,
)
from ..textutil import classify_event, clean_text, find_mentions, kind_from_text
from .common import (
    SELF_ID,
    code_kind,
    is_notice_code,
    kind_from_type_code,
    name_sender_id,
    notice_kind,
    read_export_text,
)

_ROW = re.compile(r"(?P<type>-?\d{1,12})\|(?P<name>.*?):(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?):")
_ROW_START = re.compile(r"-?\d{1,12}\|.*?\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d\d:\d\d")  # shaped like a row
_IMG = re.compile(r"\|img:(?P<path>[^\n|]*)\Z")
SELF_NAME = "me"

TYPE_LINK = 49  # wechat-dump's TYPE_LINK: a link, or a file, depending on its XML
TYPE_APP_MSG = 16777265
# wechat-dump's own renderings of an app message.
_APP_CONTENT = [("link", re.compile(r"URL:")), ("file", re.compile(r"FILE:")), ("link", re.compile(r"NOT IMPLEMENTED: "))]


def kind_from_android_type(code: int, text: str) -> str:
    """The kind of an Android message type; app messages by wechat-dump's rendering of them
    (``URL:`` / ``FILE:``), undocumented codes by their text."""
    if code in (TYPE_LINK, TYPE_APP_MSG):
        for kind, rx in _APP_CONTENT:
            if rx.match(text):
                return kind
    return code_kind(code) or kind_from_text(text)


class WechatDumpTxt(Importer):
    name = "wechat-dump"
    platform = "wechat"
    tool = "wechat-dump (ppwwyyxx), Android"
    detection = "The first non-empty line is '<type number>|<name>:YYYY-MM-DD HH:MM:SS[.ffffff]:<content>'."

    def sniff(self, sample: Sample) -> bool:
        return _ROW.match(sample.first_line[:1024]) is not None

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        lines = read_export_text(path).split("\n")
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is None:
            raise FormatError("empty file", path=path)
        if not _ROW.match(lines[first]):
            raise FormatError("expected '<type>|<name>:<time>:<content>'", path=path, line=first + 1)
        starts = [i for i in range(first, len(lines)) if _ROW.match(lines[i])]
        messages = []
        for n, i in enumerate(starts):
            end = starts[n + 1] if n + 1 < len(starts) else len(lines)
            row = _ROW.match(lines[i])
            assert row is not None
            text = strip_trailing_blank_lines("\n".join([lines[i][row.end():], *lines[i + 1:end]]))
            messages.append({"ts": self._time(row["time"], options, path, i + 1), "source_line": i + 1,
                             **self._fields(int(row["type"]), clean_text(row["name"]).strip(), clean_text(text))})
        rows = MessageRows()
        for m in messages:
            rows.add(**m)
        shaped = [i for i in range(first, len(lines)) if _ROW_START.match(lines[i])]
        yield ParsedConversation(platform=self.platform, name=path.stem, messages=rows.to_table(), native_id=None,
                                 is_group=guess_is_group(messages), lines=account_records(lines, starts, shaped))

    @staticmethod
    def _time(text: str, options: ParseOptions, path: Path, line: int) -> datetime:
        try:
            wall = datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f" if "." in text else "%Y-%m-%d %H:%M:%S")
        except ValueError:
            raise FormatError(f"impossible or malformed time {text!r}", path=path, line=line) from None
        return local_to_utc(wall, options.tz)

    @staticmethod
    def _fields(code: int, name: str, text: str) -> dict[str, Any]:
        extra: dict[str, Any] = {"type": code}
        if code != 1 and (img := _IMG.search(text)):
            extra["img"] = img["path"]
            text = text[:img.start()]
        if is_notice_code(code):
            kind, members = notice_kind(text, kind_from_type_code(code))
            if name:
                extra["shown_sender"] = name
            return {"sender_id": None, "sender_name": SYSTEM_NAME, "kind": kind, "text": text,
                    "event_members": members, "extra": extra}
        kind = kind_from_android_type(code, text)
        members: list[str] = []
        if kind == "text" and (event := classify_event(text)) and event[0] == "pat":
            kind, members = event
        is_self = name == SELF_NAME
        if is_self:
            extra["is_self"] = True
        return {"sender_id": SELF_ID if is_self else name_sender_id(name), "sender_name": name, "kind": kind,
                "text": text, "event_members": members, "mentions": find_mentions(text), "extra": extra}


IMPORTERS = [WechatDumpTxt()]
