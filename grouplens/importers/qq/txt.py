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
from ..base import (
    Importer,
    LineAccount,
    ParsedConversation,
    ParseOptions,
    Sample,
    in_parts,
    local_seconds_to_utc,
    part_bounds,
)
from ..textutil import (
    BLANK_NAME_PATTERN,
    decode_bytes,
    detect_encoding,
    find_mentions,
    kinds_from_text,
    rows_containing,
    utf8_buffers,
)
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
_MEMBER_HINTS = ("撤回", "拍了拍", "戳了戳")
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
        try:
            file = _read_file(path, options)
        except _NotUtf8:  # GB18030, as Excel and Notepad save it (or bad bytes, reported at their line)
            file = _read_file(path, options, assume_utf8=False)
        lines = file.lines
        account = LineAccount()
        conversations = []
        for section in _sections(file):
            conv = _parse_section(file, section, account)
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


def _read_file(path: Path, options: ParseOptions, *, assume_utf8: bool = True) -> _File:
    """The export as UTF-8 bytes ending with a newline, split into lines.

    Without a BOM the bytes are taken as UTF-8 as they are and validated in one vectorised pass
    (``_NotUtf8`` if they are not); ``assume_utf8=False`` decodes them (UTF-8, else GB18030)
    instead. CRLF line ends (what QQ writes) stay in the bytes, each line's text ending before
    them; lone CRs (old Mac line ends) become LF, as ``replace("\\r\\n", "\\n").replace("\\r", "\\n")``
    would.
    """
    data = path.read_bytes()
    enc, bom = detect_encoding(data[:4096])
    if enc == "utf-8" and assume_utf8:
        buf = np.frombuffer(data, dtype=np.uint8)[bom:]
    else:
        buf = np.frombuffer(decode_bytes(data, path).encode("utf-8"), dtype=np.uint8)
    newlines = _positions(buf, 10)
    crs = _count(buf, 13)
    crlf = crs > 0 and crs == int(np.count_nonzero(buf[np.maximum(newlines - 1, 0)] == 13))
    if crs and not crlf:
        pair = np.zeros(len(buf), dtype=bool)
        pair[:-1] = (buf[:-1] == 13) & (buf[1:] == 10)
        buf = buf[~pair]
        buf[buf == 13] = 10
        newlines = _positions(buf, 10)
    if not len(buf) or buf[-1] != 10:
        buf = np.append(buf, np.uint8(10))
        newlines = np.append(newlines, len(buf) - 1)
    whole = pa.Array.from_buffers(pa.large_string(), 1, [None, pa.py_buffer(np.array([0, len(buf)], np.int64)),
                                                         pa.py_buffer(buf)])
    try:
        whole.validate(full=True)  # a newline byte never occurs inside a character: each line is valid too
    except pa.ArrowInvalid:
        raise _NotUtf8 from None
    starts = np.empty(len(newlines) + 1, dtype=np.int64)
    starts[0] = 0
    starts[1:] = newlines + 1
    ends = newlines - (buf[np.maximum(newlines - 1, 0)] == 13) if crlf else newlines
    lines = pa.Array.from_buffers(pa.large_string(), len(starts) - 1, [None, pa.py_buffer(starts), pa.py_buffer(buf)])
    return _File(buf, starts, ends, crlf, lines, path, options)


_BLOCK = 1 << 24  # bytes scanned at a time, so that no full-size temporary is made


def _positions(buf: np.ndarray, byte: int) -> np.ndarray:
    """Where ``byte`` occurs in ``buf``."""
    found = [np.flatnonzero(buf[lo:lo + _BLOCK] == byte) + lo for lo in range(0, len(buf), _BLOCK)]
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _count(buf: np.ndarray, byte: int) -> int:
    return sum(int(np.count_nonzero(buf[lo:lo + _BLOCK] == byte)) for lo in range(0, len(buf), _BLOCK))


class _NotUtf8(Exception):
    """The bytes are not UTF-8 (the caller decodes them another way)."""


def _line_text(f: _File, i: int) -> str:
    """Line ``i`` without its line end, as text."""
    return f.buf[f.starts[i]:f.ends[i]].tobytes().decode("utf-8")


def _lines_starting_with(f: _File, prefix: str) -> np.ndarray:
    """Indices of the lines that start with ``prefix``."""
    code = prefix.encode("utf-8")
    lines = np.flatnonzero(f.buf[f.starts[:-1]] == code[0])
    lines = lines[f.ends[lines] - f.starts[lines] >= len(code)]
    for k in range(1, len(code)):
        lines = lines[f.buf[f.starts[lines] + k] == code[k]]
    return lines


class _Section:
    def __init__(self, category: str | None, name: str | None, first: int, end: int):
        self.category, self.name, self.first, self.end = category, name, first, end  # line range [first, end)


def _sections(f: _File) -> list[_Section]:
    """The conversations in the file: each 消息对象 block and the lines that follow it; a file
    without one (its banner cut off) is one conversation named after the file."""
    objects = _lines_starting_with(f, "消息对象:")
    n = len(f.starts) - 1

    def text(i: int) -> str:
        return _line_text(f, i)

    if not len(objects):
        head = [text(i) for i in range(min(n, 5))]
        first = next((i + 1 for i, h in enumerate(head) if h.startswith("消息记录（")), 0)
        return [_Section(None, f.path.stem, first, n)]
    sections = []
    for k, o in enumerate(objects.tolist()):
        name = text(o)[len("消息对象:"):].strip()
        category = None
        if o >= 2 and text(o - 2).startswith("消息分组:"):
            category = text(o - 2)[len("消息分组:"):].strip()
        first = o + 1
        if first < n and text(first) == SEPARATOR:
            first += 1
        end = int(objects[k + 1]) if k + 1 < len(objects) else n
        if k + 1 < len(objects):  # the next block begins with ====, 消息分组:, ==== before its 消息对象:
            for _ in range(3):
                prev = text(end - 1) if end - 1 >= first else None
                if prev is None or not (prev == SEPARATOR or prev.startswith("消息分组:")):
                    break
                end -= 1
        sections.append(_Section(category, name, first, end))
    return sections


@dataclass
class _File:
    """An export's bytes (UTF-8, LF line ends), where each line starts (and the end), the lines
    as an Arrow array, and where it came from."""

    buf: np.ndarray
    starts: np.ndarray  # where each line starts, and the end of the buffer
    ends: np.ndarray  # where each line's text ends (its LF, or the CR of its CRLF)
    crlf: bool  # lines end with CRLF (else LF alone)
    lines: pa.LargeStringArray  # each line with its line end
    path: Path
    options: ParseOptions
    _last_filled: np.ndarray | None = None

    @property
    def last_filled(self) -> np.ndarray:
        """For each line, the last line at or before it that holds more than its line end (-1: none)."""
        if self._last_filled is None:
            last = np.arange(len(self.ends))
            last[self.ends == self.starts[:-1]] = -1
            self._last_filled = np.maximum.accumulate(last, out=last)
        return self._last_filled


def _parse_section(f: _File, sec: _Section, account: LineAccount) -> ParsedConversation | None:
    """One conversation; its headers, body lines and unaccepted lines are added to ``account``.

    A big section is read in parts on the cores: its lines (blank, header-shaped, headers), then,
    once the headers that start messages are known, its messages (times, texts, kinds, mentions).
    """
    n = sec.end - sec.first
    if n == 0:
        return None
    read = in_parts(lambda lo, hi: _read_lines(f, sec.first + lo, sec.first + hi, sec.first), part_bounds(n))
    blank = np.concatenate([r[0] for r in read])
    if bool(np.all(blank)):
        return None
    shaped = np.concatenate([r[1] for r in read])
    head = _Headers.concat([r[2] for r in read]) if len(read) > 1 else read[0][2]
    rows = np.concatenate([r[3] for r in read])
    friend = bool(sec.category and "好友" in sec.category)
    keep, ids = _accepted(head, rows, blank, friend=friend)
    head, rows = head.take(np.flatnonzero(keep)), rows[keep]
    first_content = int(np.flatnonzero(~blank)[0])
    if not len(rows) or first_content < rows[0]:
        raise FormatError("expected a message header (YYYY-MM-DD H:MM:SS name(QQ号)) after a blank line",
                          path=f.path, line=sec.first + first_content + 1)
    stray = np.zeros(n, dtype=bool)
    stray[shaped] = True
    stray[rows] = False
    unaccepted = np.flatnonzero(stray)
    _check_swallowed(rows, unaccepted, n, sec.first, f.path)

    f.last_filled  # noqa: B018  (computed once, before the parts read it)
    header_lines = rows + sec.first
    parts = in_parts(lambda lo, hi: _read_messages(f, head.slice(lo, hi), header_lines, lo, hi, sec.end, not ids),
                     part_bounds(len(rows)))
    body_lines = sum(p.spanned for p in parts)
    account.add(LineAccount(headers=len(rows), body=body_lines - len(unaccepted),
                            unaccepted=(unaccepted + sec.first + 1).tolist()))
    table = _assemble(_Messages.concat(parts), header_lines + 1, keyed_by_name=not ids)
    return ParsedConversation(platform="qq", name=sec.name, messages=table, native_id=None,
                              is_group=_is_group(sec.category, ids, head))


def _read_lines(f: _File, first: int, end: int, origin: int) -> tuple[np.ndarray, np.ndarray, _Headers, np.ndarray]:
    """Lines [first, end) of the file: which are blank, which are header-shaped and the headers
    among those (line indices counted from ``origin``, the section's first line)."""
    part = f.lines.slice(first, end - first)
    blank = _blank_lines(f, part, first, end)
    shaped, head, rows = _read_headers(f, part, first, blank)
    return blank, shaped + (first - origin), head, rows + (first - origin)


_BLANK_FIRST = np.zeros(256, dtype=bool)
_BLANK_FIRST[[9, 13, 32]] = True  # a line of only these (and its newline) is blank


def _blank_lines(f: _File, part: pa.Array, first: int, end: int) -> np.ndarray:
    """Which lines of [first, end) hold nothing but spaces, tabs and line ends."""
    begin = f.starts[first:end]
    blank = f.ends[first:end] == begin  # only the line end
    maybe = np.flatnonzero(~blank & _BLANK_FIRST[f.buf[begin]])
    if len(maybe):
        trimmed = pc.utf8_rtrim(part.take(pa.array(maybe)), characters="\n\r\t ")
        blank[maybe] = _mask(pc.equal(trimmed, ""))
    return blank


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
    account = head.account
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
    account: np.ndarray  # the id is an account (QQ number or e-mail, ``ACCOUNT_ID_RE``)
    name: pa.Array  # the sender without its id
    ident: pa.Array  # the id in the last () or <>, null when there is none
    # The sender as written, id included; None when it is ``name(ident)`` (the common layout),
    # which ``who`` then builds only when asked.
    written: pa.Array | None

    @property
    def who(self) -> pa.Array:
        if self.written is None:
            self.written = pc.binary_join_element_wise(self.name, "(", self.ident, ")", "")
        return self.written

    def take(self, index: np.ndarray) -> _Headers:
        arrays = {f.name: getattr(self, f.name) for f in fields(self)}
        return _Headers(**{k: v if v is None else v[index] if isinstance(v, np.ndarray)
                           else v.take(pa.array(index, pa.int64())) for k, v in arrays.items()})

    def slice(self, lo: int, hi: int) -> _Headers:
        arrays = {f.name: getattr(self, f.name) for f in fields(self)}
        return _Headers(**{k: v if v is None else v[lo:hi] if isinstance(v, np.ndarray) else v.slice(lo, hi - lo)
                           for k, v in arrays.items()})

    @staticmethod
    def concat(parts: list[_Headers]) -> _Headers:
        built = all(p.written is None for p in parts)  # else each part's sender as written
        if not built:
            for p in parts:
                p.written = p.who
        out = {}
        for f in fields(_Headers):
            if f.name == "written" and built:
                out[f.name] = None
                continue
            values = [getattr(p, f.name) for p in parts]
            for part in parts:  # each part's copy goes as soon as the whole is built: one column at a time
                setattr(part, f.name, None)
            out[f.name] = (np.concatenate(values) if isinstance(values[0], np.ndarray)
                           else pa.concat_arrays([v.cast(pa.string()) for v in values]))
            del values
        return _Headers(**out)


def _read_headers(f: _File, part: pa.Array, first_line: int,
                  blank: np.ndarray) -> tuple[np.ndarray, _Headers, np.ndarray]:
    """The lines of ``part`` shaped like a header (``HEADER_SHAPE``), and the date, time and sender
    of those that are headers, with their indices.

    A header shape starts with a digit, so only such lines are looked at. Most headers have one
    layout (``2024-03-02 8:04:05 name(QQ号)``); those are read straight from the bytes (and are
    header-shaped by construction). The rest (12-hour clocks, ``/`` dates, emails, titles) take
    the regex path.
    """
    begin = f.starts[first_line:first_line + len(part)]
    candidates = np.flatnonzero(~blank & (f.buf[begin] - np.uint8(48) < 10))
    fast, ok = _fast_headers(f.buf, f.starts, f.ends, candidates + first_line)
    others = candidates[~ok]
    if len(others):
        others = others[_mask(pc.match_substring_regex(part.take(pa.array(others)), HEADER_SHAPE))]
    if not len(others):
        return candidates[ok], fast, candidates[ok]
    shaped = np.sort(np.concatenate([candidates[ok], others]))
    slow, slow_rows = _regex_headers(part, others)
    if not ok.any():
        return shaped, slow, slow_rows
    rows = np.concatenate([candidates[ok], slow_rows])
    order = np.argsort(rows, kind="stable")
    return shaped, _Headers.concat([fast, slow]).take(order), rows[order]


_LEFT_BRACKET = "【".encode()


class _WordPattern:
    """A pattern of bytes in a little-endian word read from a line: ``d`` a digit, ``.`` any
    byte, anything else that byte. ``match`` tests many words at once with a few integer
    operations (a digit is 0x30-0x39: high nibble 3, and adding 6 keeps it there)."""

    def __init__(self, pattern: str, dtype: type):
        t = np.dtype(dtype).type
        literal = value = digit = 0
        for k, c in enumerate(pattern):
            if c == "d":
                digit |= 0xFF << (8 * k)
            elif c != ".":
                literal |= 0xFF << (8 * k)
                value |= ord(c) << (8 * k)
        self.literal, self.value, self.digit = t(literal), t(value), t(digit)
        self.high, self.threes, self.six = t(digit & 0xF0F0F0F0F0F0F0F0), t(digit & 0x3030303030303030), \
            t(digit & 0x0606060606060606)

    def match(self, words: np.ndarray) -> np.ndarray:
        ok = (words & self.literal) == self.value
        ok &= (words & self.high) == self.threes
        ok &= (((words & self.digit) + self.six) & self.high) == self.threes
        return ok


_DATE = _WordPattern("dddd-dd-", np.uint64)
_CLOCK_ONE = (_WordPattern("dd d:dd:", np.uint64), _WordPattern("dd .", np.uint32))
_CLOCK_TWO = (_WordPattern("dd dd:dd", np.uint64), _WordPattern(":dd ", np.uint32))


def _fast_headers(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, lines: np.ndarray) -> tuple[_Headers, np.ndarray]:
    """Headers in the common layout, read from the bytes with numpy; ``ok`` marks the lines that
    have it (the others must go through ``_regex_headers``)."""
    data = buf
    n = len(lines)
    begin = starts[lines]
    end = ends[lines]  # the line end
    ok = end - begin > 21  # the shortest such header is "YYYY-MM-DD H:MM:SS x(1)", 22 bytes
    if len(data) < 32 or not ok.any():
        return _no_headers(), np.zeros(n, dtype=bool)
    # The first 20 bytes of each line, from three word reads (bytes 0-7, 8-15 and 16-19).
    at = np.where(ok, begin, 0)
    w0, w1, w2 = _words(data, np.uint64)[at], _words(data, np.uint64)[at + 8], _words(data, np.uint32)[at + 16]
    ok &= _DATE.match(w0)
    one = _CLOCK_ONE[0].match(w1) & _CLOCK_ONE[1].match(w2)  # "DD H:MM:" "SS x"
    two = _CLOCK_TWO[0].match(w1) & _CLOCK_TWO[1].match(w2)  # "DD HH:MM" ":SS "
    ok &= one | two
    who = begin + np.where(one, 19, 20)
    last = len(data) - 1
    # The sender ends in "(digits)": walk back from the ")" over at most 15 digits to the "(".
    ok &= data[np.maximum(end - 1, 0)] == 41
    window = _windows(data, 16)[np.clip(end - 17, 0, len(data) - 16)]  # window[:, j] is the byte at end - 17 + j
    not_digit = (window - np.uint8(48)) >= 10
    last_other = (not_digit * np.arange(1, 17, dtype=np.uint8)).max(axis=1).astype(np.int64) - 1  # -1: none
    paren = end - 17 + last_other
    ok &= (last_other >= 0) & (last_other <= 14) & (window[np.arange(n), np.maximum(last_other, 0)] == 40)
    ok &= (paren > who) & (data[np.maximum(paren - 1, 0)] != 32)
    b0, b1, b2 = (data[np.minimum(who + i, last)] for i in range(3))  # the sender's first bytes
    ok &= b0 != 32
    ok &= ~((b0 == _LEFT_BRACKET[0]) & (b1 == _LEFT_BRACKET[1]) & (b2 == _LEFT_BRACKET[2]))  # 【title】
    # "8:43:38 PM name": a 12-hour clock marker after the time is the regex path's job
    ok &= ~(np.isin(b0, (65, 80, 97, 112)) & np.isin(b1, (77, 109)) & (b2 == 32))
    rows = np.flatnonzero(ok)
    w0, w1, w2, one = w0[rows], w1[rows], w2[rows], one[rows]

    def digits(word: np.ndarray, *at: int) -> np.ndarray:  # the number the digits at these bytes spell
        value = np.zeros(len(word), dtype=np.int32)
        for k in at:
            value = value * 10 + ((word >> word.dtype.type(8 * k)) & word.dtype.type(15)).astype(np.int32)
        return value

    y, mo, d = digits(w0, 0, 1, 2, 3), digits(w0, 5, 6), digits(w1, 0, 1)
    h = np.where(one, digits(w1, 3), digits(w1, 3, 4))
    mi = np.where(one, digits(w1, 5, 6), digits(w1, 6, 7))
    sec = np.where(one, digits(w2, 0, 1), digits(w2, 1, 2))
    who, paren, end = who[rows], paren[rows], end[rows]
    name = _string_views(buf, who, paren - who).cast(pa.string())
    uin = _string_views(buf, paren + 1, end - 1 - (paren + 1)).cast(pa.string())
    id_length = end - 1 - (paren + 1)
    no = np.zeros(len(rows), dtype=bool)
    head = _Headers(y=y, mo=mo, d=d, h=h, mi=mi, s=sec, pm=no, am=no,
                    account=(id_length >= 5) & (id_length <= 13), name=name, ident=uin, written=None)
    return head, ok


def _no_headers() -> _Headers:
    none = np.zeros(0, dtype=np.int32)
    empty = pa.array([], pa.string())
    return _Headers(y=none, mo=none, d=none, h=none, mi=none, s=none, pm=none.astype(bool), am=none.astype(bool),
                    account=none.astype(bool), name=empty, ident=empty, written=empty)


def _words(data: np.ndarray, dtype: type) -> np.ndarray:
    """Little-endian words starting at every byte of ``data`` (a strided view, no copy)."""
    size = np.dtype(dtype).itemsize
    return np.ndarray(shape=(max(len(data) - size + 1, 0),), dtype=np.dtype(dtype).newbyteorder("<"),
                      buffer=data, strides=(1,))


def _windows(data: np.ndarray, width: int) -> np.ndarray:
    """The ``width`` bytes starting at every byte of ``data`` (a strided view, no copy)."""
    return np.lib.stride_tricks.as_strided(data, shape=(max(len(data) - width + 1, 1), width), strides=(1, 1))


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
        return pc.cast(pc.struct_field(arr, field), pa.int32()).to_numpy(zero_copy_only=False)

    ap = pc.utf8_upper(pc.struct_field(clock, "ap")).to_numpy(zero_copy_only=False)
    head = _Headers(y=ints(date, "y"), mo=ints(date, "mo"), d=ints(date, "d"), h=ints(clock, "h"),
                    mi=ints(clock, "mi"), s=ints(clock, "s"), pm=(ap == "PM") | (ap == "下午"),
                    am=(ap == "AM") | (ap == "上午"), account=_mask(pc.match_substring_regex(ident, ACCOUNT_ID_RE)),
                    name=name.cast(pa.string()), ident=ident.cast(pa.string()), written=who.cast(pa.string()))
    return head, candidates


def _timestamps(head: _Headers, line_numbers: np.ndarray, path: Path, options: ParseOptions) -> pa.Array:
    """Header dates and clocks as UTC instants; an impossible date is an error at its line."""
    y, mo, d, h, mi, s = (a.astype(np.int64) for a in (head.y, head.mo, head.d, head.h, head.mi, head.s))
    pm, am = head.pm, head.am
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


@dataclass
class _Messages:
    """A run of consecutive messages read in one part: their columns before the few special rows
    (notices, anonymous, titled or nameless senders) are read one by one."""

    ts: pa.Array
    body: pa.Array
    spanned: int  # lines the bodies span
    name: pa.Array  # the sender's name as the header gives it (all of it for senders without ids)
    ident: pa.Array  # the sender's id, null when keyed by name
    sender_id: pa.Array
    kind: pa.Array
    special: np.ndarray
    mentions: pa.Array

    @staticmethod
    def concat(parts: list[_Messages]) -> _Messages:
        if len(parts) == 1:
            return parts[0]
        out = {}
        for f in fields(_Messages):
            values = [getattr(p, f.name) for p in parts]
            for part in parts:  # each part's copy goes as soon as the whole is built: one column at a time
                setattr(part, f.name, None)
            out[f.name] = (sum(values) if isinstance(values[0], int) else np.concatenate(values)
                           if isinstance(values[0], np.ndarray) else pa.concat_arrays(values))
            del values
        return _Messages(**out)


def _read_messages(f: _File, head: _Headers, header_lines: np.ndarray, lo: int, hi: int, section_end: int,
                   keyed_by_name: bool) -> _Messages:
    """Messages [lo, hi) of a section whose messages start at ``header_lines`` (``head`` holds the
    headers of these messages only)."""
    ts = _timestamps(head, header_lines[lo:hi] + 1, f.path, f.options)
    end = int(header_lines[hi]) if hi < len(header_lines) else section_end
    body, spanned = _bodies(f, header_lines[lo:hi], end)
    n = len(body)
    name = head.who if keyed_by_name else head.name
    ident = pa.nulls(n, pa.string()) if keyed_by_name else head.ident
    if keyed_by_name or ident.null_count:  # a friend section may mix both
        by_name = pc.binary_join_element_wise(pa.scalar(S.NAME_ID_PREFIX), name, pa.scalar(""))
        sender_id = by_name if keyed_by_name else pc.coalesce(ident, by_name)
    else:
        sender_id = ident
    special = (_mask(pc.is_in(ident, value_set=pa.array([*SYSTEM_UINS, ANONYMOUS_UIN])))
               | rows_containing(body, _MEMBER_HINTS) | _mask(pc.starts_with(name, "【")) | _blank_names(name))
    at_rows = np.flatnonzero(rows_containing(body, ["@"]))
    at_texts = body.take(pa.array(at_rows, pa.int64())).to_pylist()
    mentions = _list_array(n, {i: find_mentions(text) for i, text in zip(at_rows.tolist(), at_texts)})
    return _Messages(ts=ts, body=body, spanned=spanned, name=name.cast(pa.string()), ident=ident,
                     sender_id=sender_id.cast(pa.string()), kind=kinds_from_text(body), special=special,
                     mentions=mentions)


def _assemble(m: _Messages, line_numbers: np.ndarray, *, keyed_by_name: bool) -> pa.Table:
    """The parsed table. Most rows are a member's message as the header says; the few that are
    notices, anonymous, titled or nameless go through ``common.classic_message`` in Python."""
    n = len(m.body)
    name, ident, body = m.name, m.ident, m.body
    ids: dict[int, str | None] = {}
    names: dict[int, str] = {}
    kinds: dict[int, str] = {}
    extras: dict[int, str] = {}
    events: dict[int, list[str]] = {}
    rows = np.flatnonzero(m.special)
    if len(rows):
        book = _sender_book(ident, name)
        index = pa.array(rows, pa.int64())
        for i, (who, uin, text) in zip(rows.tolist(), zip(name.take(index).to_pylist(), ident.take(index).to_pylist(),
                                                          body.take(index).to_pylist())):
            fields_ = classic_message(who, uin, text, book, keyed_by_name=keyed_by_name)
            ids[i], names[i] = fields_["sender_id"], fields_["sender_name"]
            if fields_["kind"]:
                kinds[i] = fields_["kind"]
            if fields_["extra"]:
                extras[i] = json.dumps(fields_["extra"], ensure_ascii=False, sort_keys=True)
            if fields_["event_members"]:
                events[i] = fields_["event_members"]
    nulls = pa.nulls(n, pa.string())
    return pa.table({
        S.MSG_ID: nulls,
        S.TS: m.ts,
        S.SENDER_ID: _patch(m.sender_id, ids),
        S.SENDER_NAME: _patch(name, names),
        S.KIND: _patch(m.kind, kinds),
        S.TEXT: body.cast(pa.string()),
        S.REPLY_TO: nulls,
        S.MENTIONS: m.mentions,
        S.EVENT_MEMBERS: _list_array(n, events),
        S.QUOTE_SENDER: nulls,
        S.QUOTE_TEXT: nulls,
        S.QUOTE_TS: pa.nulls(n, S.TS_TYPE),
        S.SOURCE_LINE: pa.array(line_numbers, pa.int64()),
        S.EXTRA: _patch(nulls, extras),
    }, schema=S.PARSED_SCHEMA)


def _mask(arr: pa.Array) -> np.ndarray:
    return pc.fill_null(arr, False).to_numpy(zero_copy_only=False)


# The first bytes of the characters BLANK_NAME_PATTERN allows: a name starting with none of them
# (and not empty) is not blank, and only the others go through the regex.
_BLANK_NAME_FIRST = np.zeros(256, dtype=bool)
_BLANK_NAME_FIRST[[9, 10, 12, 13, 32, 0xC2, 0xCD, 0xE1, 0xE2, 0xE3, 0xEF]] = True


def _blank_names(names: pa.Array) -> np.ndarray:
    """Which names ``BLANK_NAME_PATTERN`` matches (nulls are not blank)."""
    data, offsets = utf8_buffers(names)
    maybe = offsets[1:] == offsets[:-1]
    if len(data):
        maybe |= _BLANK_NAME_FIRST[data[np.minimum(offsets[:-1], len(data) - 1)]]
    maybe = np.flatnonzero(maybe)
    blank = np.zeros(len(names), dtype=bool)
    if len(maybe):
        blank[maybe] = _mask(pc.match_substring_regex(names.take(pa.array(maybe)), BLANK_NAME_PATTERN))
    return blank


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


def _bodies(f: _File, header_lines: np.ndarray, end_line: int) -> tuple[pa.Array, int]:
    """The text after each header line up to the next header (the last one's: up to
    ``end_line``), trailing blank lines dropped, and the number of lines those texts span.

    Each body is a range of the file's bytes, so the array is built as Arrow string views onto
    the buffer (no per-message copy) and materialised in one cast.
    """
    buf, starts = f.buf, f.starts
    begin = starts[header_lines + 1]
    bounds = np.append(header_lines[1:], end_line)
    last = np.where(bounds > header_lines + 1, f.last_filled[np.maximum(bounds - 1, 0)], -1)
    has_text = last > header_lines
    stop = np.where(has_text, f.ends[np.maximum(last, 0)], begin).astype(np.int64)
    spanned = np.where(has_text, last - header_lines, 0)
    bodies = _string_views(buf, begin, stop - begin).cast(pa.string() if len(buf) < 2**31 else pa.large_string())
    several = np.flatnonzero(spanned > 1)
    if f.crlf and len(several):  # the line ends inside a text are LF alone, as everywhere else
        mask = np.zeros(len(bodies), dtype=bool)
        mask[several] = True
        joined = pc.replace_substring(bodies.take(pa.array(several)), "\r\n", "\n")
        bodies = pc.replace_with_mask(bodies, pa.array(mask), joined)
    return bodies, int(spanned.sum())


# The bytes a view of k <= 12 bytes keeps of its first eight and of its next four.
_LOW_MASKS = np.array([(1 << (8 * min(k, 8))) - 1 for k in range(13)], dtype=np.uint64)
_HIGH_MASKS = np.array([(1 << (8 * min(max(k - 8, 0), 4))) - 1 for k in range(13)], dtype=np.uint32)


def _string_views(buf: np.ndarray, offsets: np.ndarray, lengths: np.ndarray) -> pa.Array:
    """Arrow string views of byte ranges of ``buf`` (inline up to 12 bytes, else prefix + offset).

    A view is four 32-bit words: the length, then either the bytes zero-padded to 12, or their
    first four bytes, the buffer's index (0) and the offset. Each view's first 12 bytes come from
    two word reads at its offset.
    """
    if len(buf) >= 2**31:  # view offsets are 32-bit: copy the ranges instead
        pieces = [buf[o:o + n].tobytes() for o, n in zip(offsets.tolist(), lengths.tolist())]
        return pa.array([p.decode("utf-8") for p in pieces], pa.large_string())
    n = len(offsets)
    offsets = offsets.astype(np.int64, copy=False)
    lengths = lengths.astype(np.int64, copy=False)
    near_end = offsets > len(buf) - 12
    at = np.where(near_end, 0, offsets)
    low = _words(buf, np.uint64)[at] if len(buf) >= 12 else np.zeros(n, np.uint64)
    high = _words(buf, np.uint32)[at + 8] if len(buf) >= 12 else np.zeros(n, np.uint32)
    for i in np.flatnonzero(near_end):
        tail = np.zeros(16, dtype=np.uint8)
        piece = buf[offsets[i]:offsets[i] + 12]
        tail[:len(piece)] = piece
        low[i], high[i] = tail[:8].view("<u8")[0], tail[8:12].view("<u4")[0]
    kept = np.minimum(lengths, 12)  # inline strings are zero-padded past their length
    low &= _LOW_MASKS[kept]
    high &= _HIGH_MASKS[kept]
    views = np.empty((n, 4), dtype=np.uint32)
    views[:, 0] = lengths
    views[:, 1] = low.astype(np.uint32)
    views[:, 2] = (low >> np.uint64(32)).astype(np.uint32)
    views[:, 3] = high
    long = lengths > 12
    views[long, 2] = 0  # buffer index
    views[long, 3] = offsets[long]
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
