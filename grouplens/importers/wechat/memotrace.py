"""MemoTrace (WeChatMsg / 留痕) exports of Windows PC WeChat 3.x: CSV, TXT and HTML, and the two
exports it writes that cannot be analysed.

* ``memotrace-csv`` (``<remark>_utf8.csv``): the raw ``MSG`` rows, with WeChat's own (Type,
  SubType) codes, epoch-second times and the sender's wxid, remark and nickname.
* ``memotrace-txt`` (``<remark>.txt``): ``YYYY-MM-DD HH:MM:SS <name>`` then the content, then a
  blank line; system notices are a single header-shaped line. Names only, HTML+JS escaped.
* ``memotrace-html`` (``<remark>.html``): the page's ``const chatMessages = [`` array of JS
  object literals, one per message (most written back to back on one line), with epoch-second
  times, the display name and MemoTrace's own type codes. Names only, HTML+JS escaped.
* ``memotrace-ai-txt`` (``<remark>_chat.txt``) and ``memotrace-llm-json`` (``<remark>_train.json``,
  ``<remark>_dev.json``) are recognised only to be refused with the reason and what to export
  instead (formats-wechat.md §2.2, §2.5).

The TXT and CSV do not name the group inside the file, so the group is named after the file, as
MemoTrace names its files after the group; the HTML names it in its <title>. The exporters have
written rows newest-first in some versions, so messages are always sorted by time. Media in the
TXT and HTML read as the same placeholders (``[图片]``), so a group imported from both agrees.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

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
    from_epoch_seconds,
    guess_is_group,
    parse_local_time,
    parse_table_time,
    physical_lines,
)
from ..textutil import find_mentions
from .common import (
    QUOTE_SUBTYPE,
    TYPE_APP,
    TYPE_REVOKE_4X,
    TYPE_SYSTEM,
    TYPE_TEXT,
    clean_notice,
    csv_int,
    iter_csv_records,
    iter_js_objects,
    js_unescape,
    kind_from_type_code,
    notice_kind,
    placeholder_for,
    read_export_text,
    xml_root,
    xml_text,
)

# --- memotrace-csv -------------------------------------------------------------------------------

CSV_HEADER = ("localId", "TalkerId", "Type", "SubType", "IsSender", "CreateTime", "Status", "StrContent",
              "StrTime", "Remark", "NickName", "Sender")
_CSV_HEADER_LINE = ",".join(CSV_HEADER)


class MemoTraceCsv(Importer):
    name = "memotrace-csv"
    platform = "wechat"
    tool = "MemoTrace / WeChatMsg (留痕)"
    detection = ("The first line is MemoTrace's header localId,TalkerId,Type,SubType,IsSender,CreateTime,"
                 "Status,StrContent,StrTime,Remark,NickName,Sender.")

    def sniff(self, sample: Sample) -> bool:
        return sample.first_line.strip() == _CSV_HEADER_LINE

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        text = read_export_text(path)
        messages = [_csv_message(record, line, path, options)
                    for _, line, record in iter_csv_records(text, path, (CSV_HEADER,))]
        messages.sort(key=lambda m: m["ts"])
        rows = MessageRows()
        for m in messages:
            rows.add(**m)
        yield ParsedConversation(platform=self.platform, name=_group_name_from_csv_path(path),
                                 messages=rows.to_table(), native_id=None, is_group=guess_is_group(messages))


def _group_name_from_csv_path(path: Path) -> str:
    stem = path.stem
    return stem[: -len("_utf8")] if stem.endswith("_utf8") and len(stem) > len("_utf8") else stem


def _csv_message(record: dict[str, str], line: int, path: Path, options: ParseOptions) -> dict[str, Any]:
    """The MessageRows.add arguments for one MemoTrace CSV row."""
    type_code = csv_int(record, "Type", path, line)
    sub_type = csv_int(record, "SubType", path, line)
    ts = _csv_time(record, path, line, options)
    extra: dict[str, Any] = {"Type": type_code, "SubType": sub_type}
    for column in ("localId", "TalkerId", "IsSender", "Status"):
        value = record[column].strip()
        extra[column] = int(value) if value.lstrip("-").isdigit() else value
    content = record["StrContent"]
    message: dict[str, Any] = {"ts": ts, "source_line": line, "extra": extra}

    if type_code in (TYPE_SYSTEM, TYPE_REVOKE_4X):
        text = clean_notice(content)
        kind, members = notice_kind(text, kind_from_type_code(type_code, sub_type))
        message.update(sender_id=None, sender_name=SYSTEM_NAME, kind=kind, text=text, event_members=members)
        return message

    wxid = record["Sender"].strip()
    name = record["Remark"].strip() or record["NickName"].strip() or wxid or None
    kind = kind_from_type_code(type_code, sub_type)
    message.update(sender_id=wxid or (S.name_based_id(name) if name else None), sender_name=name, kind=kind)
    if type_code == TYPE_TEXT:
        message["text"] = content
    elif type_code == TYPE_APP:
        message.update(_app_message_fields(content, sub_type))
    else:
        is_markup = content.lstrip().startswith("<")
        message["text"] = placeholder_for(type_code, sub_type) if is_markup or not content.strip() else content
    if kind == "text":
        message["mentions"] = find_mentions(message.get("text"))
    return message


def _csv_time(record: dict[str, str], path: Path, line: int, options: ParseOptions) -> datetime:
    """A row's time: ``CreateTime`` (epoch seconds); a spreadsheet that re-saved the file may have
    turned it into a date or a rounded number, and then ``StrTime`` (local time) says it."""
    epoch = record["CreateTime"].strip()
    if epoch.lstrip("-").isdigit():
        try:
            return from_epoch_seconds(int(epoch))
        except (OverflowError, OSError, ValueError):
            raise FormatError(f"CreateTime out of range: {epoch}", path=path, line=line) from None
    if record["StrTime"].strip():
        return parse_table_time(record["StrTime"], options.tz, path=path, line=line)
    return parse_table_time(epoch, options.tz, path=path, line=line)


def _app_message_fields(content: str, sub_type: int) -> dict[str, Any]:
    """Text (and quote) of a Type 49 row. PC WeChat usually keeps this XML in CompressContent,
    which MemoTrace does not export, so the row often has only its placeholder."""
    placeholder = placeholder_for(TYPE_APP, sub_type)
    root = xml_root(content)
    if root is None:
        if content.strip() and not content.lstrip().startswith("<"):
            return {"text": content}
        return {"text": None if sub_type == QUOTE_SUBTYPE else placeholder}
    title = xml_text(root, ".//appmsg/title") or xml_text(root, ".//title")
    if sub_type == QUOTE_SUBTYPE:
        fields: dict[str, Any] = {"text": title or None}
        refer = root.find(".//refermsg")
        if refer is not None:
            fields["quote_sender"] = xml_text(refer, "displayname") or xml_text(refer, "chatusr") or None
            quoted = xml_text(refer, "content")
            fields["quote_text"] = quoted if quoted and not quoted.startswith("<") else None
            created = xml_text(refer, "createtime")
            if created.isdigit():
                try:
                    fields["quote_ts"] = from_epoch_seconds(int(created))
                except (OverflowError, OSError, ValueError):
                    pass
        fields["mentions"] = find_mentions(title)
        return fields
    url = xml_text(root, ".//appmsg/url") or xml_text(root, ".//url")
    text = (placeholder or "") + title
    if url:
        text = f"{text}\n{url}" if text else url
    return {"text": text or placeholder}


# --- memotrace-txt -------------------------------------------------------------------------------

_TXT_HEADER = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (\S.*)$")
_TXT_HEADER_SHAPE = re.compile(r"^\d{4}[-/]\d{1,2}[-/]\d{1,2} \d{1,2}:\d{2}(?::\d{2})? +\S")  # unpadded too
_LINK_INDENT = " " * 12
_TXT_PLACEHOLDER_KINDS = {"[图片]": "image", "[语音]": "voice", "[视频]": "video", "[表情包]": "sticker",
                          "[文件]": "file", "[音乐分享]": "link"}
_QUOTE_PREFIX = "引用:"
_QUOTE_UNKNOWN = "引用:未知"
# Layouts whose header lines look like MemoTrace's but are someone else's.
_WEFLOW_NAME = re.compile(r"^'.*'$")  # WeFlow TXT quotes the sender: 2024-03-15 09:12:03 '老张'
_BAKTOOL_REST = re.compile(r"^\| ")  # WechatBakTool: 2024-03-15 09:12:03 | 老张:早上好
# classic QQ TXT: 小明(123456789), 小明<someone@qq.com>, 小明(someone@qq.com), 小明<18800000000>
_QQ_SENDER = re.compile(r"[(<](?:\d{5,}|[^()<>\s]+@[^()<>\s]+)[)>]$")


def unescape_display_name(name: str) -> str:
    """A MemoTrace display name without its HTML+JS escaping (``Tom&amp;Jerry``, ``Kelly\\'s``).

    MemoTrace HTML-escapes first and JS-escapes second, so the JS escapes are undone first.
    """
    return html.unescape(js_unescape(name))


class MemoTraceTxt(Importer):
    name = "memotrace-txt"
    platform = "wechat"
    tool = "MemoTrace / WeChatMsg (留痕)"
    detection = ("The first non-empty line is 'YYYY-MM-DD HH:MM:SS <name>' (not WeFlow's quoted 'name', "
                 "not WechatBakTool's '| name:', not a QQ 'name(number)'), and later headers each follow a "
                 "blank line, as MemoTrace's header/content/blank-line records do.")

    def sniff(self, sample: Sample) -> bool:
        lines = sample.text.split("\n")
        if len(sample.head) >= 64 * 1024 and len(lines) > 1:
            lines = lines[:-1]  # the sample may end inside a line
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is None or not _TXT_HEADER.match(lines[first]):
            return False
        starts, stray = [], 0
        for i in range(first, len(lines)):
            if _TXT_HEADER.match(lines[i]):
                if i == first or not lines[i - 1].strip():
                    starts.append(i)
                else:
                    stray += 1
        rests = [_TXT_HEADER.match(lines[i])[2] for i in starts]
        if _WEFLOW_NAME.match(rests[0]) or any(_BAKTOOL_REST.match(r) for r in rests):
            return False
        if sum(1 for r in rests if _QQ_SENDER.search(r)) * 2 > len(rests):
            return False
        # Header-shaped lines right under another line are content; many of them means a
        # one-line-per-message log (IRC and the like), not MemoTrace's records.
        if stray * 5 > len(starts):
            return False
        # The record structure: after a header comes either a content line or the blank line
        # that ends a one-line system notice.
        complete = [i for i in starts if i + 1 < len(lines)]
        return bool(complete) and (len(starts) >= 2 or len(lines) > first + 2)

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        lines = read_export_text(path).split("\n")
        total = physical_lines(lines)
        if lines and lines[-1] == "":
            lines.pop()  # the file's final newline
        starts = _txt_record_starts(lines, path)
        messages = _txt_messages(lines, starts, path, options)
        messages.sort(key=lambda m: m["ts"])
        rows = MessageRows()
        for m in messages:
            rows.add(**m)
        # A header-shaped line right under a text line is content (MemoTrace separates records by
        # a blank line, and a notice is itself one header-shaped line): it is reported, not read.
        shaped = [i for i in range(starts[0], len(lines)) if _TXT_HEADER_SHAPE.match(lines[i])]
        yield ParsedConversation(platform=self.platform, name=path.stem, messages=rows.to_table(),
                                 native_id=None, is_group=guess_is_group(messages),
                                 lines=account_records(lines, starts, shaped, total=total))


def _txt_record_starts(lines: list[str], path: Path) -> list[int]:
    """Indexes of the lines that begin a record: header-shaped, at the start or after a blank line."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise FormatError("empty file", path=path)
    if not _TXT_HEADER.match(lines[first]):
        raise FormatError("expected a 'YYYY-MM-DD HH:MM:SS name' header line", path=path, line=first + 1)
    return [i for i in range(first, len(lines))
            if _TXT_HEADER.match(lines[i]) and (i == first or not lines[i - 1].strip())]


def _txt_messages(lines: list[str], starts: list[int], path: Path, options: ParseOptions) -> list[dict[str, Any]]:
    messages = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        header = _TXT_HEADER.match(lines[start])
        assert header is not None
        ts = parse_local_time(header[1], options.tz, path=path, line=start + 1)
        body = lines[start + 1:end]
        content = list(body)
        while content and not content[-1].strip():
            content.pop()
        is_last = end == len(lines)
        if not content and (len(body) <= 1 or is_last):
            messages.append(_txt_notice(header[2], ts, start + 1))
        else:
            messages.append(_txt_said(unescape_display_name(header[2]), content, ts, start + 1))
    return messages


def _txt_notice(text: str, ts: datetime, line: int) -> dict[str, Any]:
    kind, members = notice_kind(text, "system")
    return {"ts": ts, "sender_id": None, "sender_name": SYSTEM_NAME, "kind": kind, "text": text,
            "event_members": members, "source_line": line}


def _txt_said(name: str, content: list[str], ts: datetime, line: int) -> dict[str, Any]:
    """A member's message: a link card, a quote-reply, a placeholder or plain (multi-line) text."""
    message: dict[str, Any] = {"ts": ts, "sender_id": S.name_based_id(name), "sender_name": name,
                               "source_line": line}
    if content and content[0].startswith(_LINK_INDENT + "[链接]"):
        text = "\n".join(c[len(_LINK_INDENT):] if c.startswith(_LINK_INDENT) else c for c in content)
        message.update(kind="link", text=text)
        return message
    quote_at = next((i for i in range(len(content) - 1, 0, -1) if content[i].startswith(_QUOTE_PREFIX)), None)
    if quote_at is not None:
        reply = "\n".join(content[:quote_at])
        quoted = "\n".join(content[quote_at:])
        if quoted == _QUOTE_UNKNOWN:
            message["extra"] = {"quote": "未知"}
        else:
            sender, sep, quoted_text = quoted[len(_QUOTE_PREFIX):].partition(":")
            message.update(quote_sender=sender if sep else None, quote_text=quoted_text if sep else sender)
        message.update(kind="text", text=reply, mentions=find_mentions(reply))
        return message
    text = "\n".join(content)
    kind = _TXT_PLACEHOLDER_KINDS.get(text.strip(), "text")
    message.update(kind=kind, text=text, mentions=find_mentions(text) if kind == "text" else [])
    return message


# --- memotrace-html ------------------------------------------------------------------------------

_HTML_START = re.compile(r"^\s*(?:<!DOCTYPE html|<html)", re.I)
_HTML_ARRAY = re.compile(r"\bconst\s+chatMessages\s*=\s*\[")
_HTML_TITLE = re.compile(r"<title>(.*?)</title>", re.S | re.I)
_TEMPLATE_TITLE = "出错了"  # the template's title, left when MemoTrace failed to fill in the chat
_HTML_SYSTEM = 0  # MemoTrace's own code for a system notice; the other codes are WeChat's
# Some versions write WeChat's [微笑]-style smileys in the text as <img … id="微笑" class="emoji_img">.
_SMILEY_IMG = re.compile(r'<img\b[^>]*\bclass="emoji_img"[^>]*>')
_IMG_ID = re.compile(r'\bid="([^"]*)"')
_QUOTE_COLON = "："  # refer_text is "<name>：<quoted text>", with a full-width colon
_SRC_LIMIT = 300
_CALL_NAMES = {0: "[视频通话]", 1: "[语音通话]"}  # call_type, as the page's icons show it


class MemoTraceHtml(Importer):
    name = "memotrace-html"
    platform = "wechat"
    tool = "MemoTrace / WeChatMsg (留痕)"
    detection = "An HTML page whose script holds MemoTrace's 'const chatMessages = [' array of message objects."

    def sniff(self, sample: Sample) -> bool:
        return bool(_HTML_START.match(sample.text) and _HTML_ARRAY.search(sample.text))

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        text = read_export_text(path)
        array = _HTML_ARRAY.search(text)
        if array is None:
            raise FormatError("no 'const chatMessages = [' list of messages in this HTML", path=path)
        messages, chatroom_flags = [], set()
        for line, obj in iter_js_objects(text, array.end() - 1, path):
            messages.append(_html_message(obj, line, path))
            chatroom_flags.add(obj.get("is_chatroom"))
        messages.sort(key=lambda m: m["ts"])
        rows = MessageRows()
        for m in messages:
            rows.add(**m)
        yield ParsedConversation(platform=self.platform, name=_html_group_name(text, path), messages=rows.to_table(),
                                 native_id=None, is_group=not chatroom_flags or 1 in chatroom_flags)


def _html_group_name(text: str, path: Path) -> str:
    """The chat's remark from the page title (MemoTrace writes it there and in the file name)."""
    title = _HTML_TITLE.search(text[:64 * 1024])
    name = title[1].strip() if title else ""
    return name if name and name != _TEMPLATE_TITLE else path.stem


def _html_text(value: Any) -> str:
    """A field MemoTrace wrote through escape_js_and_html (already JS-unescaped by the reader),
    as plain text: HTML entities undone, smiley images back to their [微笑] codes."""
    s = "" if value is None else str(value)
    if "emoji_img" in s:
        s = _SMILEY_IMG.sub(_smiley_code, s)
    return html.unescape(s)


def _smiley_code(img: re.Match[str]) -> str:
    """``[微笑]`` for MemoTrace's smiley <img>; its id has stray spaces for some (``白 眼``)."""
    found = _IMG_ID.search(img[0])
    return "[" + "".join(found[1].split()) + "]" if found else ""


def _html_int(obj: dict[str, Any], key: str, path: Path, line: int, default: int | None = None) -> int:
    value = obj.get(key)
    if value is None and default is not None:
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    what = "has no" if value is None else "has a non-numeric"
    raise FormatError(f"message object {what} {key}" + (f": {str(value)[:40]!r}" if value is not None else ""),
                      path=path, line=line)


def _html_message(obj: dict[str, Any], line: int, path: Path) -> dict[str, Any]:
    """The MessageRows.add arguments for one object of the chatMessages array."""
    type_code = _html_int(obj, "type", path, line)
    sub_type = _html_int(obj, "sub_type", path, line, default=0)
    epoch = _html_int(obj, "timestamp", path, line)
    try:
        ts = from_epoch_seconds(epoch)
    except (OverflowError, OSError, ValueError):
        raise FormatError(f"timestamp out of range: {epoch}", path=path, line=line) from None
    extra: dict[str, Any] = {"type": type_code}
    if "sub_type" in obj:
        extra["sub_type"] = sub_type
    message: dict[str, Any] = {"ts": ts, "source_line": line, "extra": extra}
    if type_code == _HTML_SYSTEM:
        text = clean_notice(_html_text(obj.get("text")))
        kind, members = notice_kind(text, "system")
        message.update(sender_id=None, sender_name=SYSTEM_NAME, kind=kind, text=text, event_members=members)
        return message
    name = _html_text(obj.get("displayname")).strip() or None
    if isinstance(obj.get("is_send"), int):
        extra["is_send"] = obj["is_send"]
    message.update(sender_id=S.name_based_id(name) if name else None, sender_name=name)
    message.update(_html_content(type_code, sub_type, obj, extra))
    if message["kind"] == "text":
        message["mentions"] = find_mentions(message["text"])
    return message


def _html_content(type_code: int, sub_type: int, obj: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Kind, text (and quote) of a member's message; media paths and details go to ``extra``.

    Texts match what MemoTrace's TXT writes for the same message (``[图片]``, the link block), so
    a group read from both files agrees; transfers and calls, which the TXT leaves out, say what
    the page shows.
    """
    raw = "" if obj.get("text") is None else str(obj["text"])

    def keep(key: str, value: Any) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool) or (
                isinstance(value, str) and value and value != "None" and len(value) <= _SRC_LIMIT):
            extra[key] = value

    if type_code == TYPE_TEXT:
        return {"kind": "text", "text": _html_text(raw)}
    if type_code == 3:  # images, and stickers, which MemoTrace writes as images of their CDN URL
        keep("src", raw)
        sticker = raw.startswith(("http://", "https://"))
        return {"kind": "sticker" if sticker else "image", "text": "[表情包]" if sticker else "[图片]"}
    if type_code == 34:
        keep("src", raw)
        keep("voice_to_text", _html_text(obj.get("voice_to_text")).strip())
        return {"kind": "voice", "text": "[语音]"}
    if type_code == 43:
        keep("src", raw)
        return {"kind": "video", "text": "[视频]"}
    if type_code == 50:
        keep("call_type", obj.get("call_type"))
        label = _CALL_NAMES.get(obj.get("call_type"), "[语音通话]")
        return {"kind": "call", "text": f"{label} {raw}".strip()}
    if type_code == TYPE_APP and sub_type == QUOTE_SUBTYPE:
        refer = _html_text(obj.get("refer_text"))
        fields: dict[str, Any] = {"kind": "text", "text": _html_text(raw)}
        if refer:
            sender, sep, quoted = refer.partition(_QUOTE_COLON)
            fields.update(quote_sender=(sender or None) if sep else None, quote_text=quoted if sep else refer)
        else:
            extra["quote"] = "未知"  # as the TXT writes 引用:未知
        return fields
    if type_code == TYPE_APP and sub_type == 5:
        card = [f"[链接]:title:{obj.get('title', '')}", f"description:{obj.get('description', '')}",
                f"url:{obj.get('url', '')}", f"name:{obj.get('app_name', '')}"]
        return {"kind": "link", "text": "\n".join(card)}
    if type_code == TYPE_APP and sub_type == 6:
        keep("src", raw)
        for key in ("file_name", "file_size", "app_name"):
            keep(key, obj.get(key))
    elif type_code == TYPE_APP and sub_type == 3:
        for key in ("title", "artist", "link_url"):
            keep(key, obj.get(key))
    elif type_code == TYPE_APP and sub_type == 2000:
        keep("paysubtype", obj.get("paysubtype"))
        keep("status", raw)
        detail = " ".join(str(obj.get(k) or "").strip() for k in ("feedesc", "pay_memo") if obj.get(k))
        return {"kind": "transfer", "text": f"[转账] {detail}".strip()}
    kind = kind_from_type_code(type_code, sub_type)
    placeholder = placeholder_for(type_code, sub_type)
    return {"kind": kind, "text": placeholder if placeholder and kind != "text" else _html_text(raw)}


# --- exports that cannot be analysed ---------------------------------------------------------------

_EXPORT_AGAIN = "Export the chat again with MemoTrace's CSV export (it keeps wxids and message types) or its TXT export."


class _RefusedExport(Importer):
    """An export MemoTrace writes that has no per-member record of a chat. It is recognised so
    that importing it names the file, says why it cannot be used and what to export instead."""

    platform = "wechat"
    rejects: ClassVar[bool] = True  # parse always raises; there is no sample in sample_logs/
    reason: ClassVar[str]
    marker: ClassVar[re.Pattern[str]]  # the text that identifies it; its line is reported

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        text = read_export_text(path)
        found = self.marker.search(text)
        raise FormatError(self.reason, path=path, line=text.count("\n", 0, found.start()) + 1 if found else None)


_DAY_BANNER = re.compile(r"^\*{20}\d{4}-\d{2}-\d{2}\*{20}$", re.M)


class MemoTraceAiTxt(_RefusedExport):
    name = "memotrace-ai-txt"
    tool = "MemoTrace / WeChatMsg (留痕), 'AI对话专用TXT' (<remark>_chat.txt) — refused"
    detection = ("The first non-empty line is a day banner: 20 '*', a date, 20 '*'. Recognised only to be "
                 "refused with the reason.")
    marker = _DAY_BANNER
    reason = ("MemoTrace's 'AI对话专用TXT' export cannot be analysed: it has no message times and writes a "
              "sender's name only when the speaker changes between you and everyone else, so consecutive "
              "messages of different group members are merged under one name. " + _EXPORT_AGAIN)

    def sniff(self, sample: Sample) -> bool:
        return bool(_DAY_BANNER.fullmatch(sample.first_line.strip()))


_LLM_JSON = re.compile(r'^\s*\[\s*\{\s*"conversations"\s*:\s*\[\s*\{\s*"role"\s*:')


class MemoTraceLlmJson(_RefusedExport):
    name = "memotrace-llm-json"
    tool = "MemoTrace / WeChatMsg (留痕), LLM training JSON (<remark>_train.json, _dev.json) — refused"
    detection = ('A JSON list of {"conversations": [{"role": …}]} objects. Recognised only to be refused '
                 "with the reason.")
    marker = re.compile(r'"conversations"\s*:')
    reason = ("This is MemoTrace's LLM training set (<remark>_train.json / _dev.json), not a chat log: its "
              "conversations are shuffled and have no times and no sender names, only 'user'/'assistant' "
              "roles. " + _EXPORT_AGAIN)

    def sniff(self, sample: Sample) -> bool:
        return bool(_LLM_JSON.match(sample.text))


IMPORTERS = [MemoTraceCsv(), MemoTraceTxt(), MemoTraceHtml(), MemoTraceAiTxt(), MemoTraceLlmJson()]
