"""Classic QQ 消息管理器 TXT exports (PC QQ before NT, 9.7.25): ``qq-txt``.

Layout (formats-qq.md §A)::

    消息记录（此消息记录为文本格式，不支持重新导入）
    <blank>
    ================================================================
    消息分组:我的群聊
    ================================================================
    消息对象:周末羽毛球交流群
    ================================================================
    <blank>
    2021-05-01 8:05:12 【管理员】阿杰(123456789)
    欢迎新人，进群改一下群名片哈
    <blank>

A header line carries the date, the time (hours unpadded; ``AM/PM`` after or ``上午/下午``
before it in 12-hour locales) and the sender: the name, then the id in the last ``()`` or ``<>``
(a QQ number, an e-mail address, or the phone number of an account logged in by phone). A
message runs until the blank line before the next header; blank lines inside a message stay.
An "export all" file repeats the ``消息分组/消息对象`` block once per conversation; a file whose
banner was cut off (a copied part of an export) is one conversation named after the file.

Every line is accounted for (``base.LineAccount``). A line shaped like a header (date, time,
sender) starts a message when it follows a blank line and, in a group, carries an id; one that
directly follows a text line starts a message only when its id is unmistakably an account (QQ
number or e-mail), which reads files whose blank lines between messages were removed. Any other
header-shaped line stays in the text of the message before it and is reported as unaccepted;
a single message swallowing many of them is an error rather than one giant message.

Export files reach millions of lines, so the parser works on Arrow arrays: the file's bytes are
cut into line and message strings without copying, and headers, senders and times are read by
Arrow's regex kernels. Only the few notices, titled or nameless senders and @mentions are
looked at in Python.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ... import schema as S
from ...errors import FormatError
from ..base import Importer, LineAccount, ParsedConversation, ParseOptions, Sample, local_seconds_to_utc
from ..textutil import BLANK_NAME_PATTERN, decode_bytes, detect_encoding, find_mentions, kinds_from_text
from .common import (
    ACCOUNT_ID_RE,
    ANONYMOUS_UIN,
    CLOCK_MARKS,
    DATE_RE,
    SENDER_ID_RE,
    SYSTEM_UINS,
    TIME_RE,
    SenderBook,
    classic_message,
    split_sender,
    split_titles,
)

FIRST_LINE = "消息记录（此消息记录为文本格式，不支持重新导入）"
SEPARATOR = "=" * 64

_CLOCK_MARK = "|".join(CLOCK_MARKS)
# A line shaped like a header: a date, a time (12-hour marks before or after it) and a sender.
HEADER_SHAPE = (r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}\s+(?:(?:上午|下午|AM|PM|am|pm)\s*)?\d{1,2}:\d{2}:\d{2}"
                r"(?:\s*(?:AM|PM|am|pm|上午|下午))?\s+\S")
_HEADER_LINE = re.compile(HEADER_SHAPE + r".*$")
# 12-hour clocks put the marker before (上午 8:00:00) or after (8:00:00 PM) the time: move it to
# the end of the time token so every header splits into date, time and sender at its spaces.
_MOVE_MARK = (r"^(\S+)\s+(?:(上午|下午|AM|PM|am|pm)\s*)?(\d{1,2}:\d{2}:\d{2})"
              r"(?:\s*(AM|PM|am|pm|上午|下午)(\s|$))?", r"\1 \3\2\4\5")
_ID_SUFFIX = r"\s*(?:\([^()]*\)|<[^<>]*>)\s*$"
_MEMBER_HINT = "撤回|拍了拍|戳了戳"
# More unaccepted header-shaped lines than this inside one message (and more than half its
# lines) means the file cannot be split into messages reliably: an error, not one giant message.
_SWALLOWED_LIMIT = 20


class QQTxtImporter(Importer):
    name = "qq-txt"
    platform = "qq"
    tool = "QQ 消息管理器 (PC QQ before 9.7.25), 导出为文本文件"
    detection = ("first line 消息记录（此消息记录为文本格式…, or 消息分组:/消息对象: lines between 64 '=' separators, "
                 "or (a copied part without the banner) first lines that are headers 'YYYY-MM-DD H:MM:SS name(QQ号)'")

    def sniff(self, sample: Sample) -> bool:
        if sample.first_line.startswith("消息记录（此消息记录为文本格式"):
            return True
        lines = sample.lines(12)
        if SEPARATOR in lines and any(line.startswith("消息对象:") for line in lines):
            return True
        return _bannerless(sample)

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        buf = _utf8_bytes(path)
        try:
            lines, starts = _split_lines(buf)
        except _NotUtf8:  # GB18030, as Excel and Notepad save it (or bad bytes, reported at their line)
            buf = _utf8_bytes(path, assume_utf8=False)
            lines, starts = _split_lines(buf)
        account = LineAccount()
        conversations = []
        for section in _sections(lines, path):
            conv = _parse_section(buf, lines, starts, section, path, options, account)
            if conv is not None:
                conversations.append(conv)
        account.other = len(lines) - account.headers - account.body - len(account.unaccepted)
        for conv in conversations:
            conv.lines = account
        yield from conversations


def _bannerless(sample: Sample) -> bool:
    """A QQ TXT body without its banner: the first non-blank line is a header whose sender carries
    an account id (QQ number or e-mail), and so is the next header-shaped line, if the sample has one."""
    lines = [line.rstrip() for line in sample.lines(400)]
    if len(sample.head) >= 64 * 1024:
        lines = lines[:-1]  # the sample may end inside a line
    shaped = [line for line in lines if _HEADER_LINE.match(line)]
    first = next((line for line in lines if line.strip()), None)
    if first is None or not shaped or shaped[0] != first:
        return False
    return all(_has_account(line) for line in shaped[:2])


def _has_account(header: str) -> bool:
    ident = split_sender(header)[1]
    return ident is not None and re.match(ACCOUNT_ID_RE, ident) is not None


def _utf8_bytes(path: Path, *, assume_utf8: bool = True) -> bytes:
    """The file as UTF-8 bytes with LF line ends.

    Without a BOM the bytes are taken as UTF-8 as they are (``_split_lines`` validates them in
    one vectorised pass); ``assume_utf8=False`` decodes them (UTF-8, else GB18030) instead.
    """
    data = path.read_bytes()
    enc, bom = detect_encoding(data[:4096])
    if enc == "utf-8" and assume_utf8:
        raw = data[bom:]
    else:
        raw = decode_bytes(data, path).encode("utf-8")
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n")
        if b"\r" in raw:  # old Mac line ends
            raw = raw.replace(b"\r", b"\n")
    if not raw.endswith(b"\n"):
        raw += b"\n"
    return raw


def _split_lines(buf: bytes) -> tuple[pa.LargeStringArray, np.ndarray]:
    """Every line (with its newline) as a zero-copy Arrow array, and the byte offset of each."""
    arr = np.frombuffer(buf, dtype=np.uint8)
    newlines = np.flatnonzero(arr == 10)
    ends = newlines + 1
    if not len(ends) or ends[-1] != len(buf):
        ends = np.append(ends, len(buf))
    offsets = np.concatenate([[0], ends]).astype(np.int64)
    lines = pa.Array.from_buffers(pa.large_string(), len(offsets) - 1,
                                  [None, pa.py_buffer(offsets), pa.py_buffer(buf)])
    try:
        lines.validate(full=True)
    except pa.ArrowInvalid:
        raise _NotUtf8 from None
    return lines, offsets


class _NotUtf8(Exception):
    """The bytes are not UTF-8 (the caller decodes them another way)."""


class _Section:
    def __init__(self, category: str | None, name: str | None, first: int, end: int):
        self.category, self.name, self.first, self.end = category, name, first, end  # line range [first, end)


def _sections(lines: pa.LargeStringArray, path: Path) -> list[_Section]:
    """The conversations in the file: each 消息对象 block and the lines that follow it; a file
    without one (its banner cut off) is one conversation named after the file."""
    stripped = pc.utf8_rtrim(lines, characters="\n")
    objects = np.flatnonzero(pc.starts_with(stripped, "消息对象:").to_numpy(zero_copy_only=False))
    n = len(lines)
    if not len(objects):
        head = [stripped[i].as_py() or "" for i in range(min(n, 5))]
        first = next((i + 1 for i, h in enumerate(head) if h.startswith("消息记录（")), 0)
        return [_Section(None, path.stem, first, n)]
    sections = []
    for k, o in enumerate(objects):
        name = stripped[int(o)].as_py()[len("消息对象:"):].strip()
        category = None
        if o >= 2 and stripped[int(o) - 2].as_py().startswith("消息分组:"):
            category = stripped[int(o) - 2].as_py()[len("消息分组:"):].strip()
        first = int(o) + 1
        if first < n and stripped[first].as_py() == SEPARATOR:
            first += 1
        end = int(objects[k + 1]) if k + 1 < len(objects) else n
        if k + 1 < len(objects):  # the next block begins with ====, 消息分组:, ==== before its 消息对象:
            for _ in range(3):
                prev = stripped[end - 1].as_py() if end - 1 >= first else None
                if prev is None or not (prev == SEPARATOR or prev.startswith("消息分组:")):
                    break
                end -= 1
        sections.append(_Section(category, name, first, end))
    return sections


def _parse_section(buf: bytes, lines: pa.LargeStringArray, starts: np.ndarray, sec: _Section, path: Path,
                   options: ParseOptions, account: LineAccount) -> ParsedConversation | None:
    """One conversation; its headers, body lines and unaccepted lines are added to ``account``."""
    part = lines.slice(sec.first, sec.end - sec.first)
    if len(part) == 0:
        return None
    blank = pc.equal(pc.utf8_rtrim(part, characters="\n\r\t "), "").to_numpy(zero_copy_only=False)
    if bool(np.all(blank)):
        return None
    shaped = np.flatnonzero(pc.match_substring_regex(part, HEADER_SHAPE).to_numpy(zero_copy_only=False))
    head, rows = _read_headers(buf, starts, part, sec.first, shaped)
    friend = bool(sec.category and "好友" in sec.category)
    keep, ids = _accepted(head, rows, blank, friend=friend)
    head, rows = head.take(np.flatnonzero(keep)), rows[keep]
    first_content = int(np.flatnonzero(~blank)[0])
    if not len(rows) or first_content < rows[0]:
        raise FormatError("expected a message header (YYYY-MM-DD H:MM:SS name(QQ号)) after a blank line",
                          path=path, line=sec.first + first_content + 1)
    stray = np.zeros(len(part), dtype=bool)
    stray[shaped] = True
    stray[rows] = False
    unaccepted = np.flatnonzero(stray)
    _check_swallowed(rows, unaccepted, len(part), sec.first, path)

    line_numbers = rows + sec.first + 1
    ts = _timestamps(head, line_numbers, path, options)
    body, body_lines = _bodies(buf, starts, rows + sec.first, sec.end)
    account.add(LineAccount(headers=len(rows), body=body_lines - len(unaccepted),
                            unaccepted=(unaccepted + sec.first + 1).tolist()))
    table = _assemble(ts, head, body, line_numbers, keyed_by_name=not ids)
    return ParsedConversation(platform="qq", name=sec.name, messages=table, native_id=None,
                              is_group=_is_group(sec.category, ids, head))


def _is_group(category: str | None, ids: bool, head: _Headers) -> bool:
    """A group's senders carry ids; a 讨论组 (多人聊天) has none but more than two speakers; a
    friend (好友) is a private chat whatever it shows."""
    if category and "好友" in category:
        return False
    if ids:
        return True
    return bool(category and ("多人聊天" in category or "讨论组" in category)) or len(pc.unique(head.who)) > 2


def _accepted(head: _Headers, rows: np.ndarray, blank: np.ndarray, *, friend: bool) -> tuple[np.ndarray, bool]:
    """Which header-shaped lines start a message, and whether the senders carry ids.

    In a group every sender carries an id, which keeps a content line that starts with a time
    from being read as a header. A header after a blank line (or at the top) needs an id; one
    right under a text line needs an account id (the blank lines between messages were removed).
    A private chat's senders have bare names (``friend``: a 好友 section, where your own side may
    still show an id): there a header follows a blank line, or carries an account id, or repeats
    a name already seen, or most headers sit right under a text line (no blank lines at all).
    """
    after_blank = np.concatenate([[True], blank[:-1]])[rows] if len(rows) else np.zeros(0, dtype=bool)
    has_id = pc.is_valid(head.ident).to_numpy(zero_copy_only=False)
    account = pc.fill_null(pc.match_substring_regex(head.ident, ACCOUNT_ID_RE), False).to_numpy(zero_copy_only=False)
    if account.any() and not friend:
        return has_id & (after_blank | account), True
    named = pc.not_equal(head.who, "").to_numpy(zero_copy_only=False)
    if (named & ~after_blank).sum() >= (named & after_blank).sum():  # most are glued to the text above:
        return named, bool(account.any())  # the blank lines between messages were removed; every one is a header
    keep = named & (after_blank | account)
    known = pc.is_in(head.who, value_set=pa.array(head.who.filter(pa.array(keep)).unique())).to_numpy(
        zero_copy_only=False)
    return keep | (named & known), bool(account.any())


def _check_swallowed(rows: np.ndarray, unaccepted: np.ndarray, n: int, first: int, path: Path) -> None:
    """A FormatError when one message holds so many header-shaped lines that it is surely many."""
    if not len(unaccepted):
        return
    owner = np.searchsorted(rows, unaccepted, side="right") - 1
    counts = np.bincount(owner[owner >= 0], minlength=len(rows))
    ends = np.append(rows[1:], n)
    worst = int(np.argmax(counts))
    if counts[worst] > _SWALLOWED_LIMIT and counts[worst] * 2 > ends[worst] - rows[worst]:
        inside = unaccepted[owner == worst]
        raise FormatError(
            f"{counts[worst]} lines from line {first + int(inside[0]) + 1} to {first + int(inside[-1]) + 1} look like "
            "message headers (date, time, sender) but their senders carry no QQ number or e-mail and no blank line "
            "separates them; the file seems edited (blank lines between messages removed) and cannot be split "
            "into messages reliably", path=path, line=first + int(inside[0]) + 1)


@dataclass
class _Headers:
    """The fields of one conversation's header lines: numbers as numpy, texts as Arrow."""

    y: np.ndarray
    mo: np.ndarray
    d: np.ndarray
    h: np.ndarray
    mi: np.ndarray
    s: np.ndarray
    pm: np.ndarray  # the clock said PM/下午
    am: np.ndarray  # the clock said AM/上午
    who: pa.Array  # the sender as written, id included
    name: pa.Array  # the sender without its id
    ident: pa.Array  # the id in the last () or <>, null when there is none

    def take(self, index: np.ndarray) -> _Headers:
        arrays = {f.name: getattr(self, f.name) for f in fields(self)}
        return _Headers(**{k: v[index] if isinstance(v, np.ndarray) else v.take(pa.array(index, pa.int64()))
                           for k, v in arrays.items()})

    @staticmethod
    def concat(parts: list[_Headers]) -> _Headers:
        out = {}
        for f in fields(_Headers):
            values = [getattr(p, f.name) for p in parts]
            out[f.name] = (np.concatenate(values) if isinstance(values[0], np.ndarray)
                           else pa.concat_arrays([v.cast(pa.string()) for v in values]))
        return _Headers(**out)


def _read_headers(buf: bytes, starts: np.ndarray, part: pa.Array, first_line: int,
                  candidates: np.ndarray) -> tuple[_Headers, np.ndarray]:
    """Read date, time and sender from the candidate lines (indices into ``part``); returns the
    fields of those that are headers, and their indices.

    Most headers have one layout (``2024-03-02 8:04:05 name(QQ号)``); those are read straight
    from the bytes. The rest (12-hour clocks, ``/`` dates, emails, titles) take the regex path.
    """
    fast, ok = _fast_headers(buf, starts, candidates + first_line)
    if ok.all():
        return fast, candidates
    slow, slow_rows = _regex_headers(part, candidates[~ok])
    if not ok.any():
        return slow, slow_rows
    rows = np.concatenate([candidates[ok], slow_rows])
    order = np.argsort(rows, kind="stable")
    return _Headers.concat([fast, slow]).take(order), rows[order]


_DIGIT_AT = [0, 1, 2, 3, 5, 6, 8, 9]  # YYYY-MM-DD
_LEFT_BRACKET = "【".encode()


def _fast_headers(buf: bytes, starts: np.ndarray, lines: np.ndarray) -> tuple[_Headers, np.ndarray]:
    """Headers in the common layout, read from the bytes with numpy; ``ok`` marks the lines that
    have it (the others must go through ``_regex_headers``)."""
    data = np.frombuffer(buf, dtype=np.uint8)
    n = len(lines)
    begin = starts[lines].astype(np.int64)
    end = starts[lines + 1].astype(np.int64) - 1  # the newline
    windows = np.lib.stride_tricks.as_strided(data, shape=(max(len(data) - 19, 1), 20), strides=(1, 1))
    ok = (begin + 20 <= len(data)) & (end - begin > 21) & (end >= 17)
    m = np.ascontiguousarray(windows[np.where(ok, begin, 0)].T)
    col = list(m)
    val = [(c - np.uint8(48)) for c in col]  # digit values; anything not a digit wraps to >= 10
    dig = [v < 10 for v in val]
    ok &= dig[0] & dig[1] & dig[2] & dig[3] & dig[5] & dig[6] & dig[8] & dig[9]
    ok &= (col[4] == 45) & (col[7] == 45) & (col[10] == 32)  # "-", "-", " "
    one = (col[12] == 58) & dig[11] & dig[13] & dig[14] & (col[15] == 58) & dig[16] & dig[17] & (col[18] == 32)
    two = (col[13] == 58) & dig[11] & dig[12] & dig[14] & dig[15] & (col[16] == 58) & dig[17] & dig[18] \
        & (col[19] == 32)
    ok &= one | two
    who = begin + np.where(one, 19, 20)
    last = len(data) - 1
    # The sender ends in "(digits)": walk back from the ")" over at most 15 digits to the "(".
    ok &= data[np.maximum(end - 1, 0)] == 41
    tails = np.lib.stride_tricks.as_strided(data, shape=(max(len(data) - 15, 1), 16), strides=(1, 1))
    back = tails[np.clip(end - 17, 0, len(data) - 16)][:, ::-1]  # back[:, k] is the byte at end - 2 - k
    k = np.argmin((back - np.uint8(48)) < 10, axis=1)
    paren = end - 2 - k
    ok &= (k >= 1) & (back[np.arange(n), k] == 40) & (paren > who) & (data[np.maximum(paren - 1, 0)] != 32)
    w0, w1, w2 = (data[np.minimum(who + i, last)] for i in range(3))
    ok &= w0 != 32
    ok &= ~((w0 == _LEFT_BRACKET[0]) & (w1 == _LEFT_BRACKET[1]) & (w2 == _LEFT_BRACKET[2]))  # 【title】
    # "8:43:38 PM name": a 12-hour clock marker after the time is the regex path's job
    ok &= ~(np.isin(w0, (65, 80, 97, 112)) & np.isin(w1, (77, 109)) & (w2 == 32))
    v = {i: val[i].astype(np.int32) for i in (0, 1, 2, 3, 5, 6, 8, 9, *range(11, 19))}
    h = np.where(one, v[11], v[11] * 10 + v[12])
    mi = np.where(one, v[13] * 10 + v[14], v[14] * 10 + v[15])
    sec = np.where(one, v[16] * 10 + v[17], v[17] * 10 + v[18])
    rows = np.flatnonzero(ok)
    whole = _string_views(buf, who[rows], end[rows] - who[rows]).cast(pa.string())
    name = _string_views(buf, who[rows], paren[rows] - who[rows]).cast(pa.string())
    uin = _string_views(buf, paren[rows] + 1, end[rows] - 1 - (paren[rows] + 1)).cast(pa.string())
    y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3]
    fields_ = dict(y=y, mo=v[5] * 10 + v[6], d=v[8] * 10 + v[9], h=h, mi=mi, s=sec)
    no = np.zeros(len(rows), dtype=bool)
    head = _Headers(**{k: a[rows].astype(np.int64) for k, a in fields_.items()}, pm=no, am=no, who=whole,
                    name=name, ident=uin)
    return head, ok


def _regex_headers(part: pa.Array, candidates: np.ndarray) -> tuple[_Headers, np.ndarray]:
    """Any header layout, read with Arrow's regex kernels; returns the lines that are headers."""
    text = pc.utf8_rtrim(part.take(pa.array(candidates, pa.int64())), characters="\n\r\t ").cast(pa.string())
    if pc.any(pc.match_substring_regex(text, _CLOCK_MARK)).as_py():
        text = pc.replace_substring_regex(text, *_MOVE_MARK)
    pieces = pc.split_pattern(pc.binary_join_element_wise(text, pa.scalar("  "), pa.scalar("")), " ", max_splits=2)
    date = pc.extract_regex(pc.list_element(pieces, 0), DATE_RE)
    clock = pc.extract_regex(pc.list_element(pieces, 1), TIME_RE)
    ok = pc.and_(date.is_valid(), clock.is_valid()).to_numpy(zero_copy_only=False)
    who = pc.utf8_trim_whitespace(pc.list_element(pieces, 2))
    if not ok.all():
        m = pa.array(ok)
        date, clock, who, candidates = date.filter(m), clock.filter(m), who.filter(m), candidates[ok]
    found = pc.extract_regex(who, SENDER_ID_RE)
    ident = pc.coalesce(_null_if_empty(pc.utf8_trim_whitespace(pc.struct_field(found, "paren"))),
                        _null_if_empty(pc.utf8_trim_whitespace(pc.struct_field(found, "angle"))))
    name = pc.utf8_trim_whitespace(pc.replace_substring_regex(who, _ID_SUFFIX, ""))

    def ints(arr: pa.StructArray, field: str) -> np.ndarray:
        return pc.cast(pc.struct_field(arr, field), pa.int64()).to_numpy(zero_copy_only=False)

    ap = pc.utf8_upper(pc.struct_field(clock, "ap")).to_numpy(zero_copy_only=False)
    head = _Headers(y=ints(date, "y"), mo=ints(date, "mo"), d=ints(date, "d"), h=ints(clock, "h"),
                    mi=ints(clock, "mi"), s=ints(clock, "s"), pm=(ap == "PM") | (ap == "下午"),
                    am=(ap == "AM") | (ap == "上午"), who=who.cast(pa.string()), name=name.cast(pa.string()),
                    ident=ident.cast(pa.string()))
    return head, candidates


def _timestamps(head: _Headers, line_numbers: np.ndarray, path: Path, options: ParseOptions) -> pa.Array:
    """Header dates and clocks as UTC instants; an impossible date is an error at its line."""
    y, mo, d, h, mi, s, pm, am = head.y, head.mo, head.d, head.h, head.mi, head.s, head.pm, head.am
    twelve = pm | am
    bad = (mo < 1) | (mo > 12) | (d < 1) | (d > 31) | (mi > 59) | (s > 59) | (y < 1970) | (y > 2200)
    bad |= np.where(twelve, (h < 1) | (h > 12), h > 23)
    hour = np.where(pm & (h < 12), h + 12, np.where(am & (h == 12), 0, h))
    months = (y - 1970) * 12 + (mo - 1)
    day0 = np.where(bad, 0, months).astype("datetime64[M]").astype("datetime64[D]")
    days = day0 + np.where(bad, 0, d - 1).astype("timedelta64[D]")
    bad |= days.astype("datetime64[M]") != day0  # day beyond the month's end (2月30日)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise FormatError(f"impossible date or time in message header "
                          f"({y[i]}-{mo[i]}-{d[i]} {h[i]}:{mi[i]:02d}:{s[i]:02d})", path=path,
                          line=int(line_numbers[i]))
    local = days.astype("datetime64[s]") + (hour * 3600 + mi * 60 + s).astype("timedelta64[s]")
    return local_seconds_to_utc(local.astype(np.int64), options.tz)


def _assemble(ts: pa.Array, head: _Headers, body: pa.Array, line_numbers: np.ndarray, *,
              keyed_by_name: bool) -> pa.Table:
    """The parsed table. Most rows are a member's message as the header says; the few that are
    notices, anonymous, titled or nameless go through ``common.classic_message`` in Python."""
    n = len(body)
    name = head.who if keyed_by_name else head.name
    ident = pa.nulls(n, pa.string()) if keyed_by_name else head.ident
    by_name = pc.binary_join_element_wise(pa.scalar(S.NAME_ID_PREFIX), name, pa.scalar(""))
    sender_id = by_name if keyed_by_name else pc.coalesce(ident, by_name)  # a friend section may mix both
    special = (_mask(pc.is_in(ident, value_set=pa.array([*SYSTEM_UINS, ANONYMOUS_UIN])))
               | _mask(pc.match_substring_regex(body, _MEMBER_HINT))
               | _mask(pc.starts_with(name, "【")) | _mask(pc.match_substring_regex(name, BLANK_NAME_PATTERN)))
    ids: dict[int, str | None] = {}
    names: dict[int, str] = {}
    kinds: dict[int, str] = {}
    extras: dict[int, str] = {}
    events: dict[int, list[str]] = {}
    rows = np.flatnonzero(special)
    if len(rows):
        book = _sender_book(ident, name)
        for i in map(int, rows):
            fields_ = classic_message(name[i].as_py(), ident[i].as_py(), body[i].as_py(), book,
                                      keyed_by_name=keyed_by_name)
            ids[i], names[i] = fields_["sender_id"], fields_["sender_name"]
            if fields_["kind"]:
                kinds[i] = fields_["kind"]
            if fields_["extra"]:
                extras[i] = json.dumps(fields_["extra"], ensure_ascii=False, sort_keys=True)
            if fields_["event_members"]:
                events[i] = fields_["event_members"]
    at_rows = np.flatnonzero(_mask(pc.match_substring(body, "@")))
    mentions = _list_array(n, {int(i): find_mentions(body[int(i)].as_py()) for i in at_rows})
    nulls = pa.nulls(n, pa.string())
    return pa.table({
        S.MSG_ID: nulls,
        S.TS: ts,
        S.SENDER_ID: _patch(sender_id.cast(pa.string()), ids),
        S.SENDER_NAME: _patch(name.cast(pa.string()), names),
        S.KIND: _patch(kinds_from_text(body), kinds),
        S.TEXT: body.cast(pa.string()),
        S.REPLY_TO: nulls,
        S.MENTIONS: mentions,
        S.EVENT_MEMBERS: _list_array(n, events),
        S.QUOTE_SENDER: nulls,
        S.QUOTE_TEXT: nulls,
        S.QUOTE_TS: pa.nulls(n, S.TS_TYPE),
        S.SOURCE_LINE: pa.array(line_numbers, pa.int64()),
        S.EXTRA: _patch(nulls, extras),
    }, schema=S.PARSED_SCHEMA)


def _mask(arr: pa.Array) -> np.ndarray:
    return pc.fill_null(arr, False).to_numpy(zero_copy_only=False)


def _sender_book(ident: pa.Array, name: pa.Array) -> SenderBook:
    """The conversation's (id, name) pairs, titles taken off, from its distinct pairs only."""
    pairs = pa.table({"i": ident, "n": name.cast(pa.string())}).group_by(["i", "n"]).aggregate([])
    return SenderBook((i, split_titles(n or "")[1]) for i, n in zip(pairs["i"].to_pylist(), pairs["n"].to_pylist()))


def _patch(arr: pa.Array, changes: dict[int, str | None]) -> pa.Array:
    """``arr`` with the given rows replaced (a handful of rows, so no Python pass over all)."""
    if not changes:
        return arr
    rows = sorted(changes)
    mask = np.zeros(len(arr), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(arr, pa.array(mask), pa.array([changes[i] for i in rows], arr.type))


def _bodies(buf: bytes, starts: np.ndarray, header_lines: np.ndarray, end_line: int) -> tuple[pa.Array, int]:
    """The text after each header line up to the next header, trailing newlines dropped, and the
    number of lines those texts span.

    Each body is a range of the file's bytes, so the array is built as Arrow string views onto
    the buffer (no per-message copy) and materialised in one cast.
    """
    begin = starts[header_lines + 1]
    bounds = np.append(header_lines[1:], end_line)
    empty = np.diff(starts) == 1  # a line that is only its newline
    last_filled = np.maximum.accumulate(np.where(empty, -1, np.arange(len(empty))))
    last = np.where(bounds > header_lines + 1, last_filled[np.maximum(bounds - 1, 0)], -1)
    has_text = last > header_lines
    stop = np.where(has_text, starts[np.maximum(last, 0) + 1] - 1, begin).astype(np.int64)
    spanned = np.where(has_text, last - header_lines, 0)
    return _string_views(buf, begin, stop - begin).cast(pa.large_string()), int(spanned.sum())


def _string_views(buf: bytes, offsets: np.ndarray, lengths: np.ndarray) -> pa.Array:
    """Arrow string views of byte ranges of ``buf`` (inline up to 12 bytes, else prefix + offset)."""
    if len(buf) >= 2**31:  # view offsets are 32-bit: copy the ranges instead
        pieces = [buf[o:o + n] for o, n in zip(offsets.tolist(), lengths.tolist())]
        return pa.array([p.decode("utf-8") for p in pieces], pa.large_string())
    n = len(offsets)
    data = np.frombuffer(buf, dtype=np.uint8)
    views = np.empty((n, 16), dtype=np.uint8)
    # the 12 bytes from each offset, through a strided view of overlapping 12-byte windows
    windows = np.lib.stride_tricks.as_strided(data, shape=(max(len(data) - 11, 1), 12), strides=(1, 1))
    near_end = offsets > len(data) - 12
    views[:, 4:16] = windows[np.where(near_end, 0, offsets)]
    for i in np.flatnonzero(near_end):
        tail = data[offsets[i]:offsets[i] + 12]
        views[i, 4:16] = np.pad(tail, (0, 12 - len(tail)))
    short = lengths <= 12
    views[short, 4:16] *= (np.arange(12) < lengths[short, None])  # inline strings are zero-padded
    fields = views.view(np.int32).reshape(n, 4)
    fields[:, 0] = lengths
    fields[~short, 2] = 0  # buffer index
    fields[~short, 3] = offsets[~short]
    return pa.Array.from_buffers(pa.string_view(), n, [None, pa.py_buffer(views), pa.py_buffer(buf)])


def _null_if_empty(arr: pa.Array) -> pa.Array:
    """Regex groups that did not take part in a match come back as "", not null."""
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)


def _list_array(n: int, values: dict[int, list[str]]) -> pa.Array:
    """A list<string> column, empty except at the given rows, built without n Python lists."""
    lengths = np.zeros(n, dtype=np.int32)
    flat: list[str] = []
    for i in sorted(values):
        lengths[i] = len(values[i])
        flat.extend(values[i])
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat, pa.string()))


IMPORTERS = [QQTxtImporter()]
