"""What every importer shares: the options it is given, what it returns, and a row builder.

An importer is a small class with a name, a ``sniff`` that recognises its layout from the
start of a file (never from the file name's extension), and a ``parse`` that yields one
``ParsedConversation`` per conversation in the file. Parsed tables follow
``schema.PARSED_SCHEMA``; the ingest step adds group ids, message ids and the store's columns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa

from .. import schema as S
from ..config import DEFAULT_ZONE
from ..errors import FormatError

SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class ParseOptions:
    """Settings a user gives on the command line that parsing needs."""

    tz: ZoneInfo = DEFAULT_ZONE
    date: date | None = None  # for layouts whose times carry no date (chatlog text, IRC)


@dataclass
class ParsedConversation:
    """One conversation read from an export: who it is and its messages (PARSED_SCHEMA)."""

    platform: str
    name: str | None
    messages: pa.Table
    native_id: str | None = None  # the export's id for the group (group number, chatroom id)
    is_group: bool = True
    warnings: list[str] = field(default_factory=list)
    roster: pa.Table | None = None  # members the export lists (roster.ROSTER_PARSED_SCHEMA), if it does


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
