"""What every importer shares: the options it is given, what it returns, and a row builder.

An importer is a small class with a name, a ``sniff`` that recognises its layout from the
start of a file (never from the file name's extension), and a ``parse`` that yields one
``ParsedConversation`` per conversation in the file. Parsed tables follow
``schema.PARSED_SCHEMA``; the ingest step adds group ids, message ids and the store's columns.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, TypeVar
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa

from .. import schema as S
from ..config import DEFAULT_ZONE
from ..errors import FormatError

SNIFF_BYTES = 64 * 1024

# --- conventions every platform shares ------------------------------------------------------------

SYSTEM_NAME = "系统消息"  # sender_name of the platform's own notices (they have no sender_id)
# The blank lines (spaces, tabs, ideographic spaces) that end a record before the next one.
_TRAILING_BLANK_LINES = re.compile(r"(?:\n[ \t\r\u3000]*)+\Z")
# The members a conversation's member list (roster) gives; ingest adds the source file and import id.
ROSTER_PARSED_SCHEMA = pa.schema([f for f in S.ROSTER_FILE_SCHEMA if f.name not in (S.SOURCE_FILE, S.IMPORT_ID)])


def strip_trailing_blank_lines(text: str) -> str:
    """A message's text without the blank lines after it (blank lines inside it stay)."""
    return _TRAILING_BLANK_LINES.sub("", text)


def guess_is_group(messages: Iterable[Mapping[str, Any]]) -> bool:
    """Whether a conversation an export does not label is a group chat.

    A private chat has every message signed by one of its two parties; a group has more
    speakers, or the platform's own notices (no sender_id, sender_name SYSTEM_NAME).
    """
    speakers: set[str] = set()
    for m in messages:
        sender = m.get("sender_id")
        if sender is None:
            if m.get("sender_name") == SYSTEM_NAME:
                return True
            continue
        speakers.add(sender)
        if len(speakers) > 2:
            return True
    return False


@dataclass(frozen=True)
class ParseOptions:
    """Settings a user gives on the command line that parsing needs."""

    tz: ZoneInfo = DEFAULT_ZONE
    date: date | None = None  # for layouts whose times carry no date (chatlog text, IRC)


UNACCEPTED_SHOWN = 5  # line numbers of unaccepted header-shaped lines that reports list


@dataclass
class LineAccount:
    """How every line of a line-oriented export was read.

    Each physical line of the file is exactly one of: a **header** (a line that starts a
    message), a **body** line (the message's further lines, blank lines inside it included),
    an **other** line (banners, separators, the blank lines between messages), or an
    **unaccepted** line: shaped like a message header but not read as one, so its text stayed
    in the message before it. Unaccepted lines are what a reader should look at: a layout
    the importer does not know, or a message that quotes a header.
    """

    headers: int = 0
    body: int = 0
    other: int = 0
    unaccepted: list[int] = field(default_factory=list)  # 1-based line numbers, ascending

    @property
    def lines(self) -> int:
        return self.headers + self.body + self.other + len(self.unaccepted)

    def add(self, other: LineAccount) -> None:
        self.headers += other.headers
        self.body += other.body
        self.other += other.other
        self.unaccepted = sorted([*self.unaccepted, *other.unaccepted])

    def to_dict(self) -> dict[str, Any]:
        """The account as reports show it: counts and the first few unaccepted line numbers."""
        return {"lines": self.lines, "headers": self.headers, "body": self.body, "other": self.other,
                "unaccepted": len(self.unaccepted), "unaccepted_lines": self.unaccepted[:UNACCEPTED_SHOWN]}


def physical_lines(lines: Sequence[str]) -> int:
    """The number of lines of a text split at "\n" (the empty piece after a final newline is none)."""
    return len(lines) - 1 if lines and lines[-1] == "" else len(lines)


def account_records(lines: Sequence[str], starts: Sequence[int], header_shaped: Iterable[int] = (),
                    *, total: int | None = None, stop: int | None = None) -> LineAccount:
    """The LineAccount of a text whose messages start at ``starts`` (0-based line indices).

    A message runs from its header to the next start; its blank lines at the end are "other"
    (the gap before the next message), as is every line outside a message. ``header_shaped``
    are the indices of lines shaped like a header; those that do not start a message are
    unaccepted (they are inside the message before them). ``total`` overrides the line count
    when ``lines`` is not the whole file; ``stop`` is where the last message ends when a footer
    follows it.
    """
    n = physical_lines(lines) if total is None else total
    starts = sorted(starts)
    accepted = set(starts)
    unaccepted = sorted(i for i in set(header_shaped) if i not in accepted and i < n)
    body = 0
    for k, start in enumerate(starts):
        end = min(starts[k + 1] if k + 1 < len(starts) else (len(lines) if stop is None else stop), n)
        last = end - 1
        while last > start and not lines[last].strip():
            last -= 1
        body += last - start
    inside = sum(1 for i in unaccepted if starts and i > starts[0])  # the rest lie before any message
    return LineAccount(headers=len(starts), body=body - inside,
                       other=n - len(starts) - body - (len(unaccepted) - inside),
                       unaccepted=[i + 1 for i in unaccepted])


@dataclass
class ParsedConversation:
    """One conversation read from an export: who it is and its messages (PARSED_SCHEMA)."""

    platform: str
    name: str | None
    messages: pa.Table
    native_id: str | None = None  # the export's id for the group (group number, chatroom id)
    is_group: bool = True
    warnings: list[str] = field(default_factory=list)
    roster: pa.Table | None = None  # members the export lists (ROSTER_PARSED_SCHEMA), if it does
    # How the lines of the file were read, for line-oriented layouts: one object shared by every
    # conversation of the file (a file may hold several), None for other layouts.
    lines: LineAccount | None = None


@dataclass(frozen=True)
class Sample:
    """The start of an input, for sniffing: its first bytes and their text."""

    path: Path
    head: bytes  # first SNIFF_BYTES bytes ("" for a directory)
    text: str  # head decoded (best effort), BOM removed, CRLF folded to LF
    is_dir: bool = False

    @property
    def first_line(self) -> str:
        return self.text.lstrip("\n").split("\n", 1)[0]

    def lines(self, n: int = 20) -> list[str]:
        return self.text.split("\n")[:n]


class Importer:
    """Base class: subclasses set the class attributes and implement sniff and parse."""

    name: ClassVar[str]  # the --format value, e.g. "qq-txt"
    platform: ClassVar[str]
    tool: ClassVar[str]  # the program that writes this layout
    detection: ClassVar[str]  # how sniff recognises it, in a sentence
    directory: ClassVar[bool] = False  # the input is a folder (e.g. a chunked export)
    sidecar: ClassVar[bool] = False  # a file another importer reads beside the export; holds no messages
    rejects: ClassVar[bool] = False  # a layout recognised only to refuse it with the reason (no usable data)

    def sniff(self, sample: Sample) -> bool:
        raise NotImplementedError

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        raise NotImplementedError


# --- work split over the cores --------------------------------------------------------------

# Rows (or lines) per part when vectorised work over a big export is split over the cores. numpy
# and Arrow release the GIL in their kernels, so threads run the parts side by side.
PART_ROWS = 250_000
_PART_THREAD = "grouplens-part"
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def part_bounds(n: int, rows: int | None = None) -> list[tuple[int, int]]:
    """Consecutive ranges covering [0, n) of about ``rows`` (``PART_ROWS``) each: as many as the
    cores run at once bound the memory their work takes."""
    k = max(1, -(-n // (rows or PART_ROWS)))
    edges = [n * i // k for i in range(k + 1)]
    return list(zip(edges[:-1], edges[1:]))


T = TypeVar("T")


def in_parts(work: Callable[[int, int], T], bounds: Sequence[tuple[int, int]]) -> list[T]:
    """``work(lo, hi)`` for each range, on the cores, results in order; the first range (in order)
    that fails raises its error. Runs in the calling thread when there is one range, or when
    called from a part already (no nesting on the pool)."""
    global _pool
    if len(bounds) <= 1 or threading.current_thread().name.startswith(_PART_THREAD):
        return [work(lo, hi) for lo, hi in bounds]
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=cores(), thread_name_prefix=_PART_THREAD)
    futures = [_pool.submit(work, lo, hi) for lo, hi in bounds]
    return [f.result() for f in futures]


# --- time helpers --------------------------------------------------------------------------

def local_to_utc(dt: datetime, tz: ZoneInfo) -> datetime:
    """A naive local wall-clock time, read in ``tz``, as an aware UTC datetime."""
    return dt.replace(tzinfo=tz).astimezone(UTC)


def local_seconds_to_utc(local: np.ndarray, tz: ZoneInfo) -> pa.Array:
    """Wall-clock times (seconds since 1970-01-01 00:00 on the local clock) read in ``tz``, as UTC.

    The zone's offset is looked up once per distinct local hour, so millions of messages cost a
    few thousand look-ups; a time in a daylight-saving gap or overlap takes the offset before it.
    """
    hours = local // 3600
    distinct, inverse = np.unique(hours, return_inverse=True)
    epoch = datetime(1970, 1, 1)
    offsets = np.array([int((epoch + timedelta(hours=int(h))).replace(tzinfo=tz).utcoffset().total_seconds())
                        for h in distinct], dtype=np.int64)
    micros = (local - offsets[inverse]) * 1_000_000
    return pa.array(micros, pa.int64()).cast(S.TS_TYPE)


def from_epoch_seconds(value: float | int | str) -> datetime:
    return datetime.fromtimestamp(float(value), tz=UTC)


def from_epoch_millis(value: float | int | str) -> datetime:
    v = int(value)
    return datetime.fromtimestamp(v // 1000, tz=UTC).replace(microsecond=(v % 1000) * 1000)


def parse_local_time(text: str, tz: ZoneInfo, *, path: Path | str, line: int | None = None,
                     fmt: str = "%Y-%m-%d %H:%M:%S") -> datetime:
    """Read a local ``YYYY-MM-DD HH:MM:SS`` string; an impossible date is a FormatError."""
    try:
        return local_to_utc(datetime.strptime(text.strip(), fmt), tz)
    except ValueError:
        raise FormatError(f"impossible or malformed time {text.strip()!r}", path=path, line=line) from None


def parse_iso_time(text: str, tz: ZoneInfo, *, path: Path | str, line: int | None = None) -> datetime:
    """An ISO-8601 time; one without an offset is local time in ``tz``; 'Z' means UTC."""
    s = text.strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        raise FormatError(f"impossible or malformed time {text.strip()!r}", path=path, line=line) from None
    if dt.tzinfo is None:
        return local_to_utc(dt, tz)
    return dt.astimezone(UTC)


# Times as spreadsheets write them. Excel re-saves a CSV with the locale's short date and no
# zero padding ("2024/10/4 11:42", "2024-10-4 11:42", "2024/10/04 11:42:05"), sometimes with a
# 12-hour clock, and a cell formatted as a number holds the day serial (45569.4875).
_TABLE_TIME = re.compile(
    r"(?P<y>\d{4})(?:[-/.](?P<mo>\d{1,2})[-/.](?P<d>\d{1,2})|年(?P<mo2>\d{1,2})月(?P<d2>\d{1,2})日)"
    r"(?:(?:[ T]+|\s*)(?:(?P<ap1>上午|下午|AM|PM|am|pm)\s*)?(?P<h>\d{1,2})[:：](?P<mi>\d{2})"
    r"(?:[:：](?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?(?:\s*(?P<ap2>上午|下午|AM|PM|am|pm))?)?"
    r"\s*(?P<zone>Z|[+-]\d{2}:?\d{2})?")
_EXCEL_SERIAL = re.compile(r"(?P<days>\d{5})(?:\.(?P<frac>\d+))?")
_EXCEL_EPOCH = datetime(1899, 12, 30)  # day 0 of Excel's 1900 date system, as every day after 1900-03-01 counts
_EXCEL_DAYS = (20000, 80000)  # serials read as dates: 1954-10-03 to 2119-01-10


def parse_table_time(text: str, tz: ZoneInfo, *, path: Path | str, line: int | None = None) -> datetime:
    """A time cell of a CSV (or a JSON time string) as an aware UTC datetime.

    Reads what exporters write (``2024-10-04 11:42:05``, ISO 8601 with ``T``, ``Z`` or an
    offset) and what a spreadsheet writes when it re-saves the file: ``/`` or ``-`` dates
    without zero padding, minutes without seconds, 上午/下午 or AM/PM clocks, ``2024年10月4日``,
    and Excel's day serial numbers. A time without an offset is local time in ``tz``.
    """
    s = text.strip()
    wall = _excel_serial(s)
    zone = None
    if wall is None:
        m = _TABLE_TIME.fullmatch(s)
        if m is None:
            raise FormatError(f"cannot read the time {s[:40]!r} (expected YYYY-MM-DD HH:MM:SS)", path=path, line=line)
        wall, zone = _table_wall_time(m), m["zone"]
        if wall is None:
            raise FormatError(f"impossible time {s[:40]!r}", path=path, line=line)
    if zone:
        offset = 0 if zone == "Z" else (1 if zone[0] == "+" else -1) * (int(zone[1:3]) * 60 + int(zone[-2:]))
        return (wall - timedelta(minutes=offset)).replace(tzinfo=UTC)
    return local_to_utc(wall, tz)


_ROUNDED_NUMBER = re.compile(r"[+-]?\d(?:[.,]\d+)?[Ee][+]?\d+")


def rounded_by_spreadsheet(value: str) -> bool:
    """Whether an id cell holds what a spreadsheet writes for a long number it rounded
    (``7.23457E+18``): the id is lost, and many messages would share the rounded value."""
    return _ROUNDED_NUMBER.fullmatch(value.strip()) is not None


def _excel_serial(s: str) -> datetime | None:
    m = _EXCEL_SERIAL.fullmatch(s)
    if m is None or not _EXCEL_DAYS[0] <= int(m["days"]) <= _EXCEL_DAYS[1]:
        return None
    seconds = round(float(f"0.{m['frac'] or 0}") * 86400)
    return _EXCEL_EPOCH + timedelta(days=int(m["days"]), seconds=seconds)


def _table_wall_time(m: re.Match[str]) -> datetime | None:
    """The naive local time a _TABLE_TIME match spells, or None when no such time exists."""
    hour = int(m["h"] or 0)
    mark = (m["ap1"] or m["ap2"] or "").upper()
    if mark and not 1 <= hour <= 12:
        return None
    if mark in ("PM", "下午") and hour < 12:
        hour += 12
    elif mark in ("AM", "上午") and hour == 12:
        hour = 0
    micro = int((m["f"] or "0")[:6].ljust(6, "0"))
    try:
        return datetime(int(m["y"]), int(m["mo"] or m["mo2"]), int(m["d"] or m["d2"]), hour, int(m["mi"] or 0),
                        int(m["s"] or 0), micro)
    except ValueError:
        return None


# --- building a parsed table row by row ---------------------------------------------------

class MessageRows:
    """Collects messages one at a time and turns them into a PARSED_SCHEMA table."""

    def __init__(self) -> None:
        self._cols: dict[str, list[Any]] = {c: [] for c in S.PARSED_COLUMNS}

    def __len__(self) -> int:
        return len(self._cols[S.TS])

    def add(self, *, ts: datetime, sender_id: str | None, sender_name: str | None, kind: str,
            text: str | None, msg_id: str | None = None, reply_to: str | None = None,
            mentions: list[str] | tuple[str, ...] = (), event_members: list[str] | tuple[str, ...] = (),
            quote_sender: str | None = None, quote_text: str | None = None,
            quote_ts: datetime | None = None, source_line: int | None = None,
            extra: dict[str, Any] | None = None) -> None:
        if kind not in S.KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        c = self._cols
        c[S.MSG_ID].append(msg_id)
        c[S.TS].append(ts)
        c[S.SENDER_ID].append(sender_id)
        c[S.SENDER_NAME].append(sender_name)
        c[S.KIND].append(kind)
        c[S.TEXT].append(text)
        c[S.REPLY_TO].append(reply_to)
        c[S.MENTIONS].append(list(mentions))
        c[S.EVENT_MEMBERS].append(list(event_members))
        c[S.QUOTE_SENDER].append(quote_sender)
        c[S.QUOTE_TEXT].append(quote_text)
        c[S.QUOTE_TS].append(quote_ts)
        c[S.SOURCE_LINE].append(source_line)
        c[S.EXTRA].append(json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else None)

    def to_table(self) -> pa.Table:
        return pa.table({c: pa.array(v, type=S.PARSED_SCHEMA.field(c).type) for c, v in self._cols.items()},
                        schema=S.PARSED_SCHEMA)


def empty_parsed_table() -> pa.Table:
    return MessageRows().to_table()
