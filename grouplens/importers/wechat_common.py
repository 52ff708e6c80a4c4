"""What the WeChat importers share: raw type codes, notices, message XML and CSV reading.

WeChat's own database codes a message by (Type, SubType) on PC 3.x (formats-wechat.md §1.1);
several exporters write those codes or their names, and write system notices with markup
around them. Every WeChat importer maps them through here, so the same message is the same
kind whichever tool exported it.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from ..errors import FormatError
from .textutil import classify_event, decode_bytes

SYSTEM_NAME = "系统消息"

# --- WeChat PC 3.x raw type codes (formats-wechat.md §1.1) -----------------------------------

TYPE_TEXT, TYPE_APP, TYPE_SYSTEM = 1, 49, 10000
TYPE_REVOKE_4X = 10002  # how WeChat 4.x tools code a recall
_BASIC_KINDS = {1: "text", 3: "image", 34: "voice", 37: "system", 42: "card", 43: "video", 47: "sticker",
                48: "location", 50: "call", TYPE_REVOKE_4X: "recall"}
# Type 49 ("app message") sub-types; any other sub-type is some kind of shared card.
_APP_KINDS = {0: "file", 1: "text", 3: "link", 4: "link", 5: "link", 6: "file", 8: "sticker", 17: "location",
              19: "forward", 24: "link", 33: "link", 36: "link", 40: "forward", 50: "card", 51: "link",
              53: "text", 57: "text", 62: "pat", 63: "link", 74: "file", 87: "text", 88: "link",
              92: "link", 2000: "transfer", 2001: "red_packet", 2003: "red_packet"}
QUOTE_SUBTYPE = 57
# Type 10000 sub-types: the recall variants, the pat and the invitation.
_SYSTEM_KINDS = {1: "recall", 5: "recall", 6: "recall", 33: "recall", 36: "recall", 57: "recall", 4: "pat",
                 8000: "join"}

# What MemoTrace's TXT writes for media, reused for CSV rows whose content is XML or empty, so a
# group imported from both files reads the same.
_KIND_PLACEHOLDERS = {"image": "[图片]", "voice": "[语音]", "video": "[视频]", "sticker": "[表情包]",
                      "file": "[文件]", "link": "[链接]", "location": "[位置]", "card": "[名片]",
                      "call": "[语音通话]", "forward": "[聊天记录]", "transfer": "[转账]", "red_packet": "[红包]",
                      "pat": "[拍一拍]"}
_APP_PLACEHOLDERS = {3: "[音乐分享]", 33: "[小程序]", 36: "[小程序]", 87: "[群公告]"}


def kind_from_type_code(type_code: int, sub_type: int) -> str:
    """The message kind of a raw WeChat PC 3.x (Type, SubType) pair; unknown codes are text."""
    if type_code == TYPE_APP:
        return _APP_KINDS.get(sub_type, "link")
    if type_code == TYPE_SYSTEM:
        return _SYSTEM_KINDS.get(sub_type, "system")
    return _BASIC_KINDS.get(type_code, "text")


def placeholder_for(type_code: int, sub_type: int) -> str | None:
    """The bracketed placeholder MemoTrace shows for a non-text message, if it has one."""
    if type_code == TYPE_APP and sub_type in _APP_PLACEHOLDERS:
        return _APP_PLACEHOLDERS[sub_type]
    return _KIND_PLACEHOLDERS.get(kind_from_type_code(type_code, sub_type))


# --- message XML ----------------------------------------------------------------------------------

_XML_LIMIT = 256 * 1024


def xml_root(text: str) -> ET.Element | None:
    """The parsed XML of a message's content, or None when it is not (well-formed, small) XML."""
    s = text.strip()
    if not s.startswith("<") or len(s) > _XML_LIMIT:
        return None
    try:
        return ET.fromstring(s)
    except (ET.ParseError, ValueError, RecursionError):
        return None


def xml_text(root: ET.Element, path: str) -> str:
    node = root.find(path)
    return (node.text or "").strip() if node is not None else ""


# --- WeChat system notices ------------------------------------------------------------------

# Markup PC WeChat leaves around notices (MemoTrace strips the same in its own writers).
_NOTICE_MARKUP = re.compile(r'<!\[CDATA\[|\]\]>|\s*<a href="weixin://revoke_edit_click">重新编辑</a>|'
                            r'</?(?:revokemsg|_wc_custom_link_|img|a)\b[^>]*>')
# Newer clients store some notices as <sysmsg> XML whose text is in one of these elements; a
# pat's template names people as ${wxid}.
_NOTICE_TEXT_PATHS = (".//replacemsg", ".//template", ".//plain", ".//content")
_TEMPLATE_VAR = re.compile(r"\$\{([^}]*)\}")


def clean_notice(text: str) -> str:
    """A system notice's readable text: without the CDATA wrapper and link markup WeChat stores
    with it, and taken out of its <sysmsg> XML when it has been stored as XML."""
    s = text.strip()
    root = xml_root(s)
    if root is not None:
        s = next((found for p in _NOTICE_TEXT_PATHS if (found := xml_text(root, p))),
                 "".join(root.itertext()).strip())
        s = _TEMPLATE_VAR.sub(r"\1", s)
    return _NOTICE_MARKUP.sub("", s).strip()


def notice_kind(text: str, fallback: str) -> tuple[str, list[str]]:
    """The kind of a system notice and the members it concerns.

    The text decides when it is a known notice (join, leave, rename, recall, pat); otherwise
    ``fallback`` (the kind the export's type code gives) stands, with no members.
    """
    found = classify_event(text)
    if found is None:
        return fallback, []
    return found


# --- reading files ---------------------------------------------------------------------------------

def read_export_text(path: Path) -> str:
    """A whole export as text; undecodable bytes are a FormatError naming their line."""
    return decode_bytes(path.read_bytes(), path)


# --- CSV reading shared by the WeChat CSV importers --------------------------------------------

def iter_csv_records(text: str, path: Path, headers: tuple[tuple[str, ...], ...]
                     ) -> Iterator[tuple[tuple[str, ...], int, dict[str, str]]]:
    """Rows of a CSV export as ``(header, start_line, {column: value})``.

    The first row must be one of ``headers``. ``start_line`` is the physical 1-based line where
    the row begins (quoted fields may span lines). A row with the wrong number of fields, or a
    quoted field cut off by the end of the file, is a FormatError naming its line.
    """
    reader = csv.reader(io.StringIO(text), strict=True)
    header: tuple[str, ...] | None = None
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise FormatError(f"malformed CSV row ({e})", path=path, line=start) from None
        if not row:
            continue
        if header is None:
            found = tuple(c.strip() for c in row)
            if found not in headers:
                raise FormatError("unexpected CSV header " + ",".join(row)[:120], path=path, line=start)
            header = found
            continue
        if len(row) != len(header):
            raise FormatError(f"CSV row has {len(row)} fields, the header has {len(header)}", path=path,
                              line=start)
        yield header, start, dict(zip(header, row))
    if header is None:
        raise FormatError("empty CSV file (no header)", path=path, line=1)


def csv_int(record: dict[str, str], column: str, path: Path, line: int) -> int:
    """An integer column of a CSV row; anything else is a FormatError naming the line."""
    value = record[column].strip()
    try:
        return int(value)
    except ValueError:
        raise FormatError(f"{column} is not a number: {value[:40]!r}", path=path, line=line) from None
