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
before it in 12-hour locales) and the sender: the name, then the last ``(QQ号)`` or ``<email>``.
A message runs until the blank line before the next header; blank lines inside a message stay.
An "export all" file repeats the ``消息分组/消息对象`` block once per conversation.

Export files reach millions of lines, so the parser works on Arrow arrays: the file's bytes are
cut into line and message strings without copying, and headers, senders and times are read by
Arrow's regex kernels. Only the few system notices and @mentions are looked at in Python.
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
from ..base import Importer, ParsedConversation, ParseOptions, Sample, local_seconds_to_utc
from ..textutil import classify_event, decode_bytes, detect_encoding, find_mentions, kinds_from_text

FIRST_LINE = "消息记录（此消息记录为文本格式，不支持重新导入）"
SEPARATOR = "=" * 64
SYSTEM_UINS = ("10000", "1000000")
ANONYMOUS_UIN = "80000000"

# A line that may be a header starts with a date; only those lines are looked at closely.
_DATE_START = r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}\s"
DATE_RE = r"^(?P<y>\d{4})[-/](?P<mo>\d{1,2})[-/](?P<d>\d{1,2})$"
TIME_RE = r"^(?P<h>\d{1,2}):(?P<mi>\d{2}):(?P<s>\d{2})(?P<ap>AM|PM|am|pm|上午|下午)?$"
_CLOCK_MARK = "AM|PM|am|pm|上午|下午"
# 12-hour clocks put the marker before (上午 8:00:00) or after (8:00:00 PM) the time: move it to
# the end of the time token so every header splits into date, time and sender at its spaces.
_MOVE_MARK = (r"^(\S+)\s+(?:(上午|下午|AM|PM|am|pm)\s*)?(\d{1,2}:\d{2}:\d{2})"
              r"(?:\s*(AM|PM|am|pm|上午|下午)(\s|$))?", r"\1 \3\2\4\5")
UIN_RE = r"\((?P<uin>\d+)\)$"
EMAIL_RE = r"<(?P<email>[^<>\s]+@[^<>\s]+)>$"
_ID_SUFFIX = r"\s*(?:\(\d+\)|<[^<>\s]+@[^<>\s]+>)$"
TITLE_RE = r"^(?P<title>(?:【[^】]*】\s*)+)(?P<name>.*)$"
_EVENT_HINT = "撤回|拍了拍|加入|退出|移出|踢出|请出|离开|修改|邀请"
MEMBER_EVENTS = ("recall", "pat")  # notices QQ shows under a member's own name


class QQTxtImporter(Importer):
    name = "qq-txt"
    platform = "qq"
    tool = "QQ 消息管理器 (PC QQ before 9.7.25), 导出为文本文件"
    detection = "first line 消息记录（此消息记录为文本格式…, or 消息分组:/消息对象: lines between 64 '=' separators"

    def sniff(self, sample: Sample) -> bool:
        if sample.first_line.startswith("消息记录（此消息记录为文本格式"):
            return True
        lines = sample.lines(12)
        return SEPARATOR in lines and any(line.startswith("消息对象:") for line in lines)

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        buf = _utf8_bytes(path)
        try:
            lines, starts = _split_lines(buf)
        except _NotUtf8:  # GB18030, as Excel and Notepad save it
            buf = _utf8_bytes(path, assume_utf8=False)
            lines, starts = _split_lines(buf)
        for section in _sections(lines, path):
            conv = _parse_section(buf, lines, starts, section, path, options)
            if conv is not None:
                yield conv


def _utf8_bytes(path: Path, *, assume_utf8: bool = True) -> bytes:
    """The file as UTF-8 bytes with LF line ends.

    Without a BOM the bytes are taken as UTF-8 as they are (``_split_lines`` validates them in
    one vectorised pass); ``assume_utf8=False`` decodes them (UTF-8, else GB18030) instead.
    """
    data = path.read_bytes()
    enc, bom = detect_encoding(data[:4096])
    if enc == "utf-8" and assume_utf8:  # else decode_bytes names the line of bytes that are not UTF-8
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
    """The conversations in the file: each 消息对象 block and the lines that follow it."""
    stripped = pc.utf8_rtrim(lines, characters="\n")
    objects = np.flatnonzero(pc.starts_with(stripped, "消息对象:").to_numpy(zero_copy_only=False))
    n = len(lines)
    if not len(objects):
        head = [stripped[i].as_py() for i in range(min(n, 5))]
        if not any(h and h.startswith("消息记录（此消息记录为文本格式") for h in head):
            raise FormatError("no 消息对象: line: not a QQ 消息管理器 text export", path=path)
        first = next(i for i in range(n) if (stripped[i].as_py() or "").startswith("消息记录（")) + 1
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
                   options: ParseOptions) -> ParsedConversation | None:
    part = lines.slice(sec.first, sec.end - sec.first)
    if len(part) == 0:
        return None
    blank = pc.equal(pc.utf8_rtrim(part, characters="\n\t "), "").to_numpy(zero_copy_only=False)
    after_blank = np.concatenate([[True], blank[:-1]])  # a header starts the section or follows a blank line
    maybe = pc.match_substring_regex(part, _DATE_START).to_numpy(zero_copy_only=False) & after_blank
    head, rows = _read_headers(buf, starts, part, sec.first, np.flatnonzero(maybe))
    # In a group every sender carries a QQ number or email: that keeps a content line that
    # starts with a timestamp from being read as a header. Private chats have bare names.
    has_id = pc.is_valid(head.sender_id).to_numpy(zero_copy_only=False)
    ids_in_section = bool(has_id.any())
    keep = has_id if ids_in_section else (pc.not_equal(head.name, "").to_numpy(zero_copy_only=False))
    if not keep.all():
        head = head.take(np.flatnonzero(keep))
        rows = rows[keep]
    if bool(np.all(blank)):
        return None
    first_content = int(np.flatnonzero(~blank)[0])
    if not len(rows) or first_content < rows[0]:
        raise FormatError("expected a message header (YYYY-MM-DD H:MM:SS name(QQ号)) after a blank line",
                          path=path, line=sec.first + first_content + 1)

    line_numbers = rows + sec.first + 1
    ts = _timestamps(head, line_numbers, path, options)

    body = _bodies(buf, starts, rows + sec.first, sec.end)

    sender_id = head.sender_id
    if not ids_in_section:
        sender_id = pc.binary_join_element_wise(pa.scalar(S.NAME_ID_PREFIX), head.name, pa.scalar(""))
    name, title, uin = head.name, head.title, head.uin
    n = len(rows)
    table = _assemble(n, ts, sender_id, name, title, uin, body, line_numbers)
    return ParsedConversation(platform="qq", name=sec.name, messages=table, native_id=None,
                              is_group=not (sec.category and "好友" in sec.category) and ids_in_section)


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
    name: pa.Array
    title: pa.Array
    uin: pa.Array
    sender_id: pa.Array

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
    name = _string_views(buf, who[rows], paren[rows] - who[rows]).cast(pa.string())
    uin = _string_views(buf, paren[rows] + 1, end[rows] - 1 - (paren[rows] + 1)).cast(pa.string())
    y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3]
    fields_ = dict(y=y, mo=v[5] * 10 + v[6], d=v[8] * 10 + v[9], h=h, mi=mi, s=sec)
    no = np.zeros(len(rows), dtype=bool)
    head = _Headers(**{k: a[rows].astype(np.int64) for k, a in fields_.items()}, pm=no, am=no, name=name,
                    title=pa.nulls(len(rows), pa.string()), uin=uin, sender_id=uin)
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
    uin = _null_if_empty(pc.struct_field(pc.extract_regex(who, UIN_RE), "uin"))
    sender_id = uin
    if pc.any(pc.ends_with(who, ">")).as_py():
        email = _null_if_empty(pc.struct_field(pc.extract_regex(who, EMAIL_RE), "email"))
        sender_id = pc.coalesce(uin, email)
    name = pc.utf8_trim_whitespace(pc.replace_substring_regex(who, _ID_SUFFIX, ""))
    title = pa.nulls(len(name), pa.string())
    if pc.any(pc.starts_with(name, "【")).as_py():
        parts = pc.extract_regex(name, TITLE_RE)
        titled = parts.is_valid()
        title = pc.if_else(titled, pc.struct_field(parts, "title"), title)
        name = pc.if_else(titled, pc.utf8_trim_whitespace(pc.struct_field(parts, "name")), name)
    name = pc.if_else(pc.equal(name, ""), pc.fill_null(sender_id, ""), name)  # "(24681357)": the id is the name

    def ints(arr: pa.StructArray, field: str) -> np.ndarray:
        return pc.cast(pc.struct_field(arr, field), pa.int64()).to_numpy(zero_copy_only=False)

    ap = pc.utf8_upper(pc.struct_field(clock, "ap")).to_numpy(zero_copy_only=False)
    head = _Headers(y=ints(date, "y"), mo=ints(date, "mo"), d=ints(date, "d"), h=ints(clock, "h"),
                    mi=ints(clock, "mi"), s=ints(clock, "s"), pm=(ap == "PM") | (ap == "下午"),
                    am=(ap == "AM") | (ap == "上午"), name=name.cast(pa.string()), title=title.cast(pa.string()),
                    uin=uin.cast(pa.string()), sender_id=sender_id.cast(pa.string()))
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


def _assemble(n: int, ts: pa.Array, sender_id: pa.Array, name: pa.Array, title: pa.Array, uin: pa.Array,
              body: pa.Array, line_numbers: np.ndarray) -> pa.Table:
    """The parsed table; the few rows that are notices, anonymous or titled are patched in Python."""
    kinds: dict[int, str] = {}
    ids: dict[int, str | None] = {}
    names: dict[int, str] = {}
    extras: dict[int, str] = {}
    event_rows: dict[int, list[str]] = {}

    system = pc.fill_null(pc.is_in(uin, value_set=pa.array(SYSTEM_UINS)), False).to_numpy(zero_copy_only=False)
    hint = pc.fill_null(pc.match_substring_regex(body, _EVENT_HINT), False).to_numpy(zero_copy_only=False)
    for i in map(int, np.flatnonzero(system | hint)):
        event = classify_event(body[i].as_py())
        if system[i]:
            kinds[i] = event[0] if event else "system"
            extras[i] = json.dumps({"sender": f"{name[i].as_py()}({uin[i].as_py()})"}, ensure_ascii=False)
            ids[i], names[i] = None, "系统消息"
        elif event and event[0] in MEMBER_EVENTS:
            kinds[i] = event[0]
        else:
            continue
        if event:
            event_rows[i] = event[1]
    anonymous = pc.fill_null(pc.equal(uin, ANONYMOUS_UIN), False).to_numpy(zero_copy_only=False)
    for i in map(int, np.flatnonzero(anonymous)):
        ids[i] = S.name_based_id(name[i].as_py())
        extras[i] = '{"anonymous": true}'
    for i in map(int, np.flatnonzero(pc.is_valid(title).to_numpy(zero_copy_only=False))):
        found = re.findall(r"【([^】]*)】", title[i].as_py())
        if found and i not in extras:
            extras[i] = json.dumps({"title": "".join(found)}, ensure_ascii=False)
    at_rows = np.flatnonzero(pc.fill_null(pc.match_substring(body, "@"), False).to_numpy(zero_copy_only=False))
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
        S.EVENT_MEMBERS: _list_array(n, event_rows),
        S.QUOTE_SENDER: nulls,
        S.QUOTE_TEXT: nulls,
        S.QUOTE_TS: pa.nulls(n, S.TS_TYPE),
        S.SOURCE_LINE: pa.array(line_numbers, pa.int64()),
        S.EXTRA: _patch(nulls, extras),
    }, schema=S.PARSED_SCHEMA)


def _patch(arr: pa.Array, changes: dict[int, str | None]) -> pa.Array:
    """``arr`` with the given rows replaced (a handful of rows, so no Python pass over all)."""
    if not changes:
        return arr
    rows = sorted(changes)
    mask = np.zeros(len(arr), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(arr, pa.array(mask), pa.array([changes[i] for i in rows], arr.type))


def _bodies(buf: bytes, starts: np.ndarray, header_lines: np.ndarray, end_line: int) -> pa.Array:
    """The text after each header line up to the next header, trailing newlines dropped.

    Each body is a range of the file's bytes, so the array is built as Arrow string views onto
    the buffer (no per-message copy) and materialised in one cast.
    """
    begin = starts[header_lines + 1]
    stop = np.append(starts[header_lines[1:]], starts[end_line]).astype(np.int64)
    data = np.frombuffer(buf, dtype=np.uint8)
    for _ in range(64):  # strip the blank lines that end each record (rarely more than two)
        more = (stop > begin) & (data[np.maximum(stop - 1, 0)] == 10)
        if not more.any():
            break
        stop = stop - more
    return _string_views(buf, begin, stop - begin).cast(pa.large_string())


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
