"""WechatBakTool (SuxueCode, C#) TXT exports of Windows PC WeChat 3.x.

The file opens with a header block: ``WechatBakTool``, ``与 <chat> 的聊天记录``, ``导出时间：…`` and a
line of ``=``, then two blank lines. Each message is ``YYYY-MM-DD HH:MM:SS | <name>:<content>``;
content with line breaks continues on the following lines. Names only: the remark, else the
nickname, else the wxid; ``我`` is the exporting user and ``系统消息`` WeChat itself (its notices
are written as messages of that sender, with the recall markup removed).

Content is the message text, ``[图片]``, ``[语音]``, ``[视频]``, ``[文件]`` (files and forwarded
chats), or for other app messages ``<app name>,标题：<title>,链接：<url>``: a transfer's title is
``微信转账`` and a red packet's mentions 红包, and an app message with neither app name nor link is
a quote reply (or similar text) shown by its title, which becomes the message's text. Stickers (and the few other types the tool
does not write, such as locations and cards) have empty content; they are read as stickers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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
from .common import SELF_ID, SELF_NAME, name_sender_id, notice_kind, read_export_text

_TOOL_LINE = "WechatBakTool"
_CHAT_LINE = re.compile(r"与 (?P<chat>.*) 的聊天记录")
_SEPARATOR = re.compile(r"={10,}")
_ROW = re.compile(r"(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \| (?P<name>[^:\n]*):")
_ROW_START = re.compile(r"\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d\d:\d\d \|")  # shaped like a row
# "{appName},标题：{title},链接：{url}" for app messages other than files and forwarded chats.
_APP_MESSAGE = re.compile(r"(?P<app>[^\n]*?),标题：(?P<title>.*),链接：(?P<url>[^\n]*)", re.DOTALL)
_SHARE_ERROR = "[分享链接出错了]"


def content_kind(text: str) -> tuple[str, dict[str, Any]]:
    """The kind of a row's content and what it tells beyond its text (for ``extra``)."""
    if not text:
        return "sticker", {"empty_content": True}
    app = _APP_MESSAGE.fullmatch(text)
    if app is None:
        return ("link" if text == _SHARE_ERROR else kind_from_text(text)), {}
    title, url, name = app["title"].strip(), app["url"].strip(), app["app"].strip()
    extra = {k: v for k, v in (("app", name), ("title", title), ("url", url)) if v}
    if "转账" in title and not url:
        return "transfer", extra
    if "红包" in title and not url:
        return "red_packet", extra
    if not name and not url:
        return "text", extra
    return "link", extra


class WechatBakToolTxt(Importer):
    name = "wechatbaktool-txt"
    platform = "wechat"
    tool = "WechatBakTool (SuxueCode)"
    detection = ("The first line is 'WechatBakTool' (its header block), or the first non-empty line is a row "
                 "'YYYY-MM-DD HH:MM:SS | name:content'.")

    def sniff(self, sample: Sample) -> bool:
        first = sample.first_line[:512].strip()
        return first == _TOOL_LINE or _ROW.match(first) is not None

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        lines = read_export_text(path).split("\n")
        chat, start = self._header(lines, path)
        first = next((i for i in range(start, len(lines)) if lines[i].strip()), None)
        messages: list[dict[str, Any]] = []
        if first is not None and not _ROW.match(lines[first]):
            raise FormatError("expected a row 'YYYY-MM-DD HH:MM:SS | name:content'", path=path, line=first + 1)
        rows = [i for i in range(start, len(lines)) if _ROW.match(lines[i])]
        for n, i in enumerate(rows):
            end = rows[n + 1] if n + 1 < len(rows) else len(lines)
            row = _ROW.match(lines[i])
            assert row is not None
            text = "\n".join([lines[i][row.end():], *lines[i + 1:end]])
            text = strip_trailing_blank_lines(clean_text(text))
            ts = parse_local_time(row["time"], options.tz, path=path, line=i + 1)
            messages.append({"ts": ts, "source_line": i + 1, **self._fields(clean_text(row["name"]).strip(), text)})
        table = MessageRows()
        for m in messages:
            table.add(**m)
        shaped = [i for i in range(start, len(lines)) if _ROW_START.match(lines[i])]
        yield ParsedConversation(platform=self.platform, name=chat or path.stem, messages=table.to_table(),
                                 native_id=None, is_group=guess_is_group(messages),
                                 lines=account_records(lines, rows, shaped))

    @staticmethod
    def _header(lines: list[str], path: Path) -> tuple[str | None, int]:
        """The chat's name and the index of the first line after the header block (0 without one)."""
        if not lines or lines[0].strip() != _TOOL_LINE:
            return None, 0
        chat = _CHAT_LINE.fullmatch(lines[1].strip()) if len(lines) > 1 else None
        if chat is None:
            raise FormatError("expected '与 <chat> 的聊天记录' after 'WechatBakTool'", path=path, line=2)
        separator = next((i for i in range(2, min(len(lines), 6)) if _SEPARATOR.fullmatch(lines[i].strip())), None)
        if separator is None:
            raise FormatError("the header block does not end with a line of '='", path=path, line=3)
        return clean_text(chat["chat"]).strip() or None, separator + 1

    @staticmethod
    def _fields(name: str, text: str) -> dict[str, Any]:
        if name == SYSTEM_NAME:
            kind, members = notice_kind(text, "system")
            return {"sender_id": None, "sender_name": SYSTEM_NAME, "kind": kind, "text": text, "event_members": members}
        kind, extra = content_kind(text)
        if kind == "text" and "title" in extra:
            text = extra.pop("title")  # a reply shown by its title: the title is what was said
            extra["app_message"] = True
        members: list[str] = []
        if kind == "text" and (event := classify_event(text)) and event[0] == "pat":
            kind, members = event
        is_self = name == SELF_NAME
        if is_self:
            extra["is_self"] = True
        return {"sender_id": SELF_ID if is_self else name_sender_id(name), "sender_name": name, "kind": kind,
                "text": text if text else None, "event_members": members,
                "mentions": find_mentions(text), "extra": extra or None}


IMPORTERS = [WechatBakToolTxt()]
