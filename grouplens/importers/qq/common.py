"""What the QQ importers share: QQ's own accounts, how a sender is written, group titles,
QQ's notices, and the message model QQ NT tools (QCE, OneBot/NapCat) write.

The classic 消息管理器 exports (TXT and MHT) write a sender as ``name(QQ号)``; accounts logged
in by e-mail or phone show ``name<someone@qq.com>``, ``name(someone@qq.com)`` or
``name<13800000001>``: whatever stands in the last ``()`` or ``<>`` of the line is the id.
QQ shows a group's titles in front of the name (``【管理员】``, level titles such as ``【冒泡】``
or ``【LV5】``, activity ranks such as ``【金】``); those go to ``extra["title"]``. A group card
may itself start with brackets (``【金融】陈晓``), so only QQ's own titles are taken off, and
a bracket a member is also seen without (a title given to them later).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ... import schema as S
from ...errors import FormatError
from ..base import SYSTEM_NAME, from_epoch_millis, from_epoch_seconds, parse_iso_time
from ..textutil import classify_notice, is_blank_name

QCE_TOOL = "QQChatExporter (shuakami/qq-chat-exporter, NapCat/QQNT)"
MENTION_ALL = "全体成员"  # how QQ names @全体成员 in mentions

# --- QQ's own accounts ------------------------------------------------------------------------

SYSTEM_UINS = ("10000", "1000000")  # the platform's notices (系统消息)
ANONYMOUS_UIN = "80000000"  # 群匿名: members are told apart only by their anonymous name
MEMBER_EVENTS = ("recall", "pat")  # notices QQ may show under a member's own name

# --- a classic export's header --------------------------------------------------------------------

DATE_RE = r"^(?P<y>\d{4})[-/](?P<mo>\d{1,2})[-/](?P<d>\d{1,2})$"
TIME_RE = r"^(?P<h>\d{1,2}):(?P<mi>\d{2}):(?P<s>\d{2})(?P<ap>AM|PM|am|pm|上午|下午)?$"
CLOCK_MARKS = ("AM", "PM", "am", "pm", "上午", "下午")
# The id at the end of a sender: the last (…) or <…>. RE2-compatible, for Arrow's kernels too.
SENDER_ID_RE = r"(?:\((?P<paren>[^()]*)\)|<(?P<angle>[^<>]*)>)\s*$"
# An id that is unmistakably an account: a QQ number (or the phone number of an account logged
# in by phone) or an e-mail address. Only such an id makes a header of a line that directly
# follows a text line (a file whose blank lines between messages were removed).
ACCOUNT_ID_RE = r"^(?:\d{5,13}|[^\s@()<>]+@[^\s@()<>]+\.[A-Za-z]{2,})$"
_SENDER_ID = re.compile(SENDER_ID_RE)
_ACCOUNT_ID = re.compile(ACCOUNT_ID_RE)


def split_sender(who: str) -> tuple[str, str | None]:
    """A sender as written in a header (``阿杰(123456789)``, ``球球<qiu@example.com>``) as
    (name, id); the id is None when the sender carries none (a private chat)."""
    m = _SENDER_ID.search(who)
    if m is None:
        return who.strip(), None
    ident = (m["paren"] if m["paren"] is not None else m["angle"]).strip()
    return who[:m.start()].strip(), ident or None


def is_account_id(ident: str | None) -> bool:
    return bool(ident) and _ACCOUNT_ID.match(ident) is not None


# --- titles in front of a name ----------------------------------------------------------------------

# QQ's own titles: roles, the default level titles (LV1–LV6), activity ranks and honours.
QQ_TITLES = frozenset({
    "群主", "管理员", "潜水", "冒泡", "吐槽", "活跃", "话唠", "传说", "龙王", "新人", "萌新",
    "铜", "银", "金", "白金", "钻石", "青铜", "白银", "黄金", "铂金", "星耀", "王者", "大师", "宗师",
    "群聊之火", "群聊炽焰", "快乐源泉", "善财福禄寿", "学术新星", "顶级学霸", "至尊学神", "一笔当先",
})
_LEVEL = re.compile(r"(?i)lv\.?\s*\d{1,3}")
_BRACKET = re.compile(r"【([^】]*)】\s*")


def is_qq_title(word: str) -> bool:
    w = word.strip()
    return w in QQ_TITLES or _LEVEL.fullmatch(w) is not None


def leading_brackets(name: str) -> tuple[list[str], str]:
    """The ``【…】`` groups at the start of a name and what follows them."""
    found: list[str] = []
    pos = 0
    while m := _BRACKET.match(name, pos):
        found.append(m[1])
        pos = m.end()
    return found, name[pos:]


def split_titles(name: str) -> tuple[list[str], str]:
    """QQ's titles in front of a name, and the name without them (``【管理员】阿杰`` gives
    ``(["管理员"], "阿杰")``); brackets that are not QQ titles stay in the name (``【金融】陈晓``).
    A name that is only titles comes back empty (the caller falls back to the id)."""
    titles: list[str] = []
    pos = 0
    while (m := _BRACKET.match(name, pos)) and is_qq_title(m[1]):
        titles.append(m[1].strip())
        pos = m.end()
    return titles, name[pos:].strip()


# --- QQ's notices -----------------------------------------------------------------------------------

# textutil's pat pattern cuts a target without a suffix to one character ("拍了拍 阿杰" gives
# "阿") and splits names holding 的. QQ separates the names and a custom suffix with spaces
# ("X 拍了拍 Y 的肩膀"), so the target is the first word after 拍了拍.
_PAT = re.compile(r"^(.+?)\s*拍了拍\s*(\S+)(?:\s.*)?$", re.S)
# A group file, as the classic export shows it under 系统消息(10000): an icon, who shared it and
# when, then the file's name and a 下载 (download) link.
_FILE_SHARE = re.compile(r"^(?:\[图片\])?\s*(?P<who>\S.*?)\s+分享文件\s+(?P<clock>\d{1,2}:\d{2}(?::\d{2})?)\s*\n"
                         r"\s*[\"“](?P<file>.*)[\"”]\s*下载\s*$")


def notice_of(text: str | None, *, by_member: bool = False) -> tuple[str, list[str], dict[str, str]] | None:
    """A QQ notice's kind, members and details (see ``textutil.classify_notice``), or None.

    ``by_member``: the text stands under a member's own name, where only a plain recall or pat
    is a notice (a recall with a custom suffix there is more likely a member's own words).
    """
    found = classify_notice(text)
    if found is None:
        return None
    kind, members, extra = found
    if by_member and (kind not in MEMBER_EVENTS or "recall_suffix" in extra):
        return None
    if kind == "pat" and text and (m := _PAT.match(text.strip())):
        members = [n.strip().strip("\"“”'") for n in m.groups()]
    return kind, members, extra


def event_of(text: str | None) -> tuple[str, list[str], dict[str, str]]:
    """A platform notice's kind, the members it concerns and its details for ``extra``
    (``system``, none and none when the notice is not one ``notice_of`` knows)."""
    return notice_of(text) or ("system", [], {})


def file_share(text: str | None) -> tuple[str, str, str] | None:
    """(who shared it, the clock time shown, the file name) of a group-file notice, if ``text`` is one."""
    m = _FILE_SHARE.match(text.strip()) if text and "分享文件" in text else None
    return (m["who"], m["clock"], m["file"]) if m else None


# --- QQ NT tools: QCE and OneBot/NapCat -------------------------------------------------------------

# QCE writes metadata compactly near the top: {"name":"QQChatExporter", ...}; V4 wrote
# "QQChatExporter V4 / https://...". Pretty-printed V4 files put the keys on separate lines.
_QCE_METADATA = re.compile(r'"metadata"\s*:\s*\{[^{}]*?"name"\s*:\s*"[^"]*QQChatExporter')
_CHUNKED_KEY = re.compile(r'"chunked"\s*:')


def is_qce_object(text: str) -> bool:
    """Whether the start of a JSON text is a QCE export's (or its chunked manifest's) object."""
    return text.lstrip().startswith("{") and _QCE_METADATA.search(text) is not None


def has_chunked_section(text: str) -> bool:
    """Whether a QCE object is the manifest of a chunked export."""
    return _CHUNKED_KEY.search(text) is not None


# Epoch values below this are seconds, above it milliseconds (1e11 s is the year 5138).
_MS_THRESHOLD = 10**11


def epoch_time(value: int | float) -> datetime:
    """An epoch number as UTC: QCE writes milliseconds, older builds and reply previews seconds."""
    return from_epoch_millis(int(value)) if abs(value) >= _MS_THRESHOLD else from_epoch_seconds(value)


def message_time(value: Any, tz: ZoneInfo, *, path: Path, line: int | None) -> datetime:
    """A message's ``timestamp`` (ms number, digit string or ISO text) as an aware UTC datetime."""
    if value is None:
        raise FormatError("message has no timestamp", path=path, line=line)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return epoch_time(value)
    except (OverflowError, OSError, ValueError):
        raise FormatError(f"timestamp {value!r} is out of range", path=path, line=line) from None
    if isinstance(value, str):
        return parse_iso_time(value, tz, path=path, line=line)
    raise FormatError(f"timestamp {value!r} is neither a number nor a time string", path=path, line=line)


_ELEMENT_KINDS = {
    "image": "image", "face": "sticker", "market_face": "sticker", "giphy": "sticker",
    "audio": "voice", "video": "video", "file": "file", "forward": "forward",
    "location": "location", "wallet": "red_packet", "av_record": "call",
}
_CARD_HINTS = ("contact", "名片", "推荐群聊", "推荐好友", "推荐联系人")


def _json_card_kind(data: dict[str, Any]) -> str:
    """An ark (json) element is a shared link unless it recommends a contact or group."""
    hints = " ".join(str(data.get(k) or "") for k in ("app", "appName", "title", "prompt", "description"))
    return "card" if any(h in hints for h in _CARD_HINTS) else "link"


def element_kind(etype: str, data: dict[str, Any]) -> str:
    """The kind a message made only of this QQ NT element has (``text`` when it has no kind of its own)."""
    if etype == "image":
        sub = data.get("subType")
        return "sticker" if sub in ("sticker", 1) or data.get("summary") == "[动画表情]" else "image"
    if etype == "json":
        return _json_card_kind(data)
    if etype == "wallet" and "转账" in json.dumps(data, ensure_ascii=False):
        return "transfer"
    return _ELEMENT_KINDS.get(etype, "text")


# --- a classic export's message, from its sender and text ----------------------------------------------

class SenderBook:
    """Who sent what in one conversation of a classic export: the names each id used.

    It settles what the header alone cannot: a ``【…】`` that is not one of QQ's titles is a title
    all the same when the member is also seen without it, and a group-file notice names its
    sharer only by name, which a member of the conversation may have used.
    """

    def __init__(self, pairs: Iterable[tuple[str | None, str | None]]) -> None:
        self.names: dict[str, set[str]] = {}
        self.ids: dict[str, set[str]] = {}
        for ident, name in pairs:
            if ident and name:
                self.names.setdefault(ident, set()).add(name)
                self.ids.setdefault(name, set()).add(ident)

    def settle(self, ident: str | None, name: str) -> tuple[list[str], str]:
        """Brackets in front of ``name`` that its member also goes without, and the name without them."""
        brackets, rest = leading_brackets(name)
        if brackets and rest and ident and rest.strip() in self.names.get(ident, ()):
            return [b.strip() for b in brackets], rest.strip()
        return [], name

    def id_of(self, name: str) -> str | None:
        """The one id that used ``name`` in the conversation, if exactly one did."""
        found = self.ids.get(name, set())
        return next(iter(found)) if len(found) == 1 else None


def classic_message(name: str, ident: str | None, text: str, book: SenderBook, *,
                    keyed_by_name: bool) -> dict[str, Any]:
    """The sender and notice columns of one message of a classic export (TXT or MHT).

    ``name`` is the sender as written without its id; ``ident`` the id (None in a private chat,
    where ``keyed_by_name`` is true). Returns ``sender_id``, ``sender_name``, ``kind`` (None
    when only the text's placeholders can tell), ``event_members`` and ``extra``:

    * ``10000``/``1000000`` are QQ's notices: no sender, kind from the notice (join, leave,
      recall, …, else ``system``); a group-file notice (``[图片] X 分享文件 hh:mm:ss`` then
      ``"file" 下载``) is a ``file`` message by X.
    * ``80000000`` is an anonymous member, keyed by name.
    * QQ's titles in front of the name go to ``extra["title"]``; a name that shows nothing
      (empty, or only invisible characters) is replaced by the id.
    """
    extra: dict[str, Any] = {}
    if ident in SYSTEM_UINS:
        extra["sender"] = f"{name}({ident})"
        share = file_share(text)
        if share is not None:
            return _shared_file(share, book, extra)
        notice = notice_of(text)
        kind, members, details = notice if notice else ("system", [], {})
        return {"sender_id": None, "sender_name": SYSTEM_NAME, "kind": kind, "event_members": members,
                "extra": {**extra, **details}}
    titles, name = split_titles(name)
    more, name = book.settle(ident, name)
    if titles or more:
        extra["title"] = "".join(titles + more)
    if is_blank_name(name):
        name = ident or name
    if ident == ANONYMOUS_UIN:
        sender_id: str | None = S.name_based_id(name)
        extra["anonymous"] = True
    elif keyed_by_name or not ident:
        sender_id = S.name_based_id(name) if name else None
    else:
        sender_id = ident
    notice = notice_of(text, by_member=True) if _MEMBER_EVENT_HINT.search(text or "") else None
    kind, members, details = notice if notice else (None, [], {})
    return {"sender_id": sender_id, "sender_name": name, "kind": kind, "event_members": members,
            "extra": {**extra, **details}}


_MEMBER_EVENT_HINT = re.compile("撤回|拍了拍|戳了戳")


def _shared_file(share: tuple[str, str, str], book: SenderBook, extra: dict[str, Any]) -> dict[str, Any]:
    who, clock, file = share
    titles, name = split_titles(who)
    if titles:
        extra["title"] = "".join(titles)
    sender_id = book.id_of(name) or (name if name.isdigit() else S.name_based_id(name))
    return {"sender_id": sender_id, "sender_name": name, "kind": "file", "event_members": [],
            "extra": {**extra, "file": file, "shared_at": clock}}
