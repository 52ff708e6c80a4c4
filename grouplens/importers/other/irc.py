"""IRC channel logs in the Ubuntu/irclogs layout (``[hh:mm] <nick> text``), one channel-day per file.

This is the layout of the Ubuntu IRC logs and of the IRC disentanglement corpus (Kummerfeld et
al., 2019) that grouplens' reply-link model is trained on. Lines:

- ``[hh:mm] <nick> text`` (``[hh:mm:ss]`` also read) — a message;
- ``[hh:mm]  * nick does something`` — a ``/me`` action (``extra.action``);
- ``[hh:mm] -nick:#chan- text`` and ``[hh:mm] (nick/#chan) text`` — a notice (``extra.notice``);
- ``=== ...`` — a server line without a time: joins, parts/quits, kicks, nick changes, modes and
  topics; older logs also write ``/me`` actions as ``=== nick does something``.

The files carry no date: it comes from a ``YYYY-MM-DD`` in the file name (how the logs are named)
or ``--date``, and advances a day whenever the clock goes backwards (midnight). Untimed ``===``
lines take the time of the line before them. IRC addresses people as ``nick: text`` (or
``<nick> text``); a leading nick that belongs to someone in the log is recorded in ``mentions``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from ... import schema as S
from ...errors import FormatError
from ..base import (
    SYSTEM_NAME,
    Importer,
    LineAccount,
    MessageRows,
    ParsedConversation,
    ParseOptions,
    Sample,
    local_to_utc,
    physical_lines,
)
from ..textutil import clean_text, find_mentions, read_text

_TIME = r"\[(\d\d):(\d\d)(?::(\d\d))?\]"
_MESSAGE = re.compile(_TIME + r" <([^>\s]+)>(?: (.*))?$")
_ACTION = re.compile(_TIME + r" +\* (\S+)(?: (.*))?$")
_NOTICE = re.compile(_TIME + r" (?:-([^\s:]+):#\S*-|\(([^\s/]+)/#\S*\)) ?(.*)$")
_TIMED = re.compile(_TIME + " ")
_SNIFF_MESSAGE = re.compile(r"^\[\d\d:\d\d(?::\d\d)?\] <[^>\s]+> ", re.MULTILINE)
_SNIFF_LINE = re.compile(r"^(?:\[\d\d:\d\d(?::\d\d)?\] (?:<[^>\s]+>| +\* |-[^\s:]+:#|\([^\s/]+/#)|=== )")

# Server lines after "=== " (what irssi/xchat-era Ubuntu logs write).
_JOIN = re.compile(r"^(\S+) (?:\[[^\]]*\]\s+)?has joined #")
_LEAVE = re.compile(r"^(\S+) (?:\[[^\]]*\]\s+)?has (?:left|quit)\b")
_KICK = re.compile(r"^(\S+) was kicked (?:off|from) #\S+ by ")
_NICK_CHANGE = re.compile(r"^(\S+) is now known as (\S+)\s*$")
_SERVER = re.compile(r"^(?:mode/#|Topic for #|topic for #|\S+ changed the topic|netjoined:|netsplit|"
                     r"\S+ sets mode|Disconnected|Closing link)")
_NICK = re.compile(r"^[A-Za-z\[\]\\`_^{|}][A-Za-z0-9\[\]\\`_^{|}\-]*$")
_DATE_IN_NAME = re.compile(r"(\d{4})-(\d\d)-(\d\d)")
# "nick: text", "nick, text", "<nick> text": how IRC addresses someone.
_ADDRESSEE = re.compile(r"^\s*(?:<([^>\s]+)>|([^\s:,<>]+)\s*[:,])(?:\s|$)")
_MODE_PREFIX = "@+%~&"


def conversation_name(path: Path) -> str:
    """The channel-day's name: the file's stem without the corpus' ``.ascii`` suffix."""
    return path.stem.removesuffix(".ascii")


def log_date(path: Path, options: ParseOptions) -> date:
    """The day the log starts: ``--date`` if given, else the ``YYYY-MM-DD`` in the file name."""
    if options.date is not None:
        return options.date
    m = _DATE_IN_NAME.search(path.name)
    if not m:
        raise FormatError("IRC logs carry no date and the file name has no YYYY-MM-DD; pass --date", path=path)
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise FormatError(f"impossible date {m[0]!r} in the file name; pass --date", path=path) from None


@dataclass
class _Line:
    """One physical line, classified; ``minute`` is None for untimed ``===`` lines."""

    number: int
    minute: int | None
    second: int
    kind: str
    nick: str | None
    text: str
    members: list[str] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)


def _clock(m: re.Match[str], path: Path, number: int) -> tuple[int, int]:
    hh, mm, ss = int(m[1]), int(m[2]), int(m[3] or 0)
    if hh > 23 or mm > 59 or ss > 59:
        raise FormatError(f"impossible time {m[0]!r}", path=path, line=number)
    return hh * 60 + mm, ss


def _nick(raw: str) -> str:
    return raw.lstrip(_MODE_PREFIX) if len(raw) > 1 else raw


def _server_line(rest: str) -> tuple[str, str | None, list[str], dict[str, object]]:
    """(kind, nick, members, extra) for the text after ``=== ``."""
    if m := _JOIN.match(rest):
        return "join", None, [m[1]], {}
    if m := _LEAVE.match(rest):
        return "leave", None, [m[1]], {}
    if m := _KICK.match(rest):
        return "leave", None, [m[1]], {"event": "kick"}
    if m := _NICK_CHANGE.match(rest):
        # A member's nick change, not a group rename: "rename" means the group's name elsewhere.
        return "system", None, [m[1], m[2]], {"event": "nick_change"}
    if _SERVER.match(rest):
        return "system", None, [], {}
    head, _, tail = rest.partition(" ")
    if tail and _NICK.match(head):
        return "text", head, [], {"action": True}  # an old-style "/me" action
    return "system", None, [], {}


def _classify(raw: str, number: int, path: Path) -> _Line | None:
    """One line of the log as a _Line; None for a blank line; FormatError for anything else."""
    line = clean_text(raw.rstrip())
    if not line.strip():
        return None
    if line.startswith("=== "):
        rest = line[4:].strip()
        kind, nick, members, extra = _server_line(rest)
        said = rest.partition(" ")[2] if nick else rest  # an action's text follows its nick
        return _Line(number, None, 0, kind, nick, said, members, extra)
    for rx, extra in ((_MESSAGE, {}), (_ACTION, {"action": True})):
        if m := rx.match(line):
            minute, second = _clock(m, path, number)
            return _Line(number, minute, second, "text", _nick(m[4]), m[5] or "", extra=dict(extra))
    if m := _NOTICE.match(line):
        minute, second = _clock(m, path, number)
        return _Line(number, minute, second, "text", m[4] or m[5], m[6], extra={"notice": True})
    if m := _TIMED.match(line):
        _clock(m, path, number)
    raise FormatError("not an IRC log line (expected '[hh:mm] <nick> text' or '=== ...')", path=path, line=number)


def _timestamps(lines: list[_Line], start: date, options: ParseOptions) -> list[datetime]:
    """Each line's UTC instant: the day advances when the clock goes back; untimed lines take the
    time of the line before them (or, at the top of the file, of the first timed line)."""
    first = next((ln.minute for ln in lines if ln.minute is not None), 0)
    day, prev, out = start, first, []
    for ln in lines:
        minute, second = (prev, 0) if ln.minute is None else (ln.minute, ln.second)
        if minute < prev:
            day += timedelta(days=1)
        prev = minute
        wall = datetime(day.year, day.month, day.day, minute // 60, minute % 60, second)
        out.append(local_to_utc(wall, options.tz))
    return out


def _mentions(text: str, nicks: dict[str, str]) -> list[str]:
    found = find_mentions(text)
    m = _ADDRESSEE.match(text)
    if m and (nick := nicks.get((m[1] or m[2]).lower())) and nick not in found:
        found.insert(0, nick)
    return found


class IrcLogImporter(Importer):
    name = "irc"
    platform = "irc"
    tool = "IRC channel logs as irclogs.ubuntu.com and the IRC disentanglement corpus write them"
    detection = ("most of the first non-empty lines are '[hh:mm] <nick> text' messages, '[hh:mm]  * nick' "
                 "actions or '=== ' server lines, and at least one is a message")

    def sniff(self, sample: Sample) -> bool:
        lines = [ln for ln in sample.text.split("\n")[:200] if ln.strip()][:50]
        if not lines or not _SNIFF_MESSAGE.search(sample.text):
            return False
        shaped = sum(1 for ln in lines if _SNIFF_LINE.match(ln))
        return shaped >= 0.8 * len(lines)

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        text = read_text(path)
        start = log_date(path, options)
        raw_lines = text.split("\n")
        lines = [ln for n, raw in enumerate(raw_lines, start=1) if (ln := _classify(raw, n, path))]
        # Everyone the log shows in the channel, so "nick: ..." is only read as addressing a real nick.
        nicks: dict[str, str] = {}
        for ln in lines:
            for nick in ([ln.nick] if ln.nick else []) + ln.members:
                nicks.setdefault(nick.lower(), nick)
        rows = MessageRows()
        for ln, ts in zip(lines, _timestamps(lines, start, options), strict=True):
            if ln.nick is None:
                rows.add(ts=ts, sender_id=None, sender_name=SYSTEM_NAME, kind=ln.kind, text=ln.text,
                         event_members=ln.members, source_line=ln.number, extra=ln.extra or None)
            else:
                rows.add(ts=ts, sender_id=S.name_based_id(ln.nick), sender_name=ln.nick, kind=ln.kind,
                         text=ln.text, mentions=_mentions(ln.text, nicks), source_line=ln.number,
                         extra=ln.extra or None)
        # One line, one message: every other line is blank (anything else was an error above).
        account = LineAccount(headers=len(lines), other=physical_lines(raw_lines) - len(lines))
        yield ParsedConversation(platform=self.platform, name=conversation_name(path), messages=rows.to_table(),
                                 lines=account)


IMPORTERS = [IrcLogImporter()]
