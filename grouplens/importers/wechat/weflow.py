"""WeFlow exports of WeChat 4.x (hicccc77/WeFlow): the TXT, the WeClone CSV and the detailed JSON.

* ``weflow-txt``: ``YYYY-MM-DD HH:MM:SS '<name>'``, the content, a blank line (UTF-8, LF, no blank
  line after the last record). Names only: the remark, else the nickname, else the wxid; the
  exporting user is ``'我'``. WeChat's notices are signed with the conversation's own name (WeFlow
  falls back to the chat when a row has no sender), so a row signed with the file's name, or
  whose text is a join/leave/recall/rename notice, is a notice.
* ``weflow-csv`` (the "WeClone" CSV): ``id,MsgSvrID,type_name,is_sender,talker,msg,src,CreateTime``
  with a BOM, CRLF and UTC ISO times (``…Z``). ``id`` and ``MsgSvrID`` are only row numbers, so
  they are not message ids; ``talker`` is a display name.
* ``weflow-json``: ``{weflow, session, messages}`` with epoch-second ``createTime``, the raw
  ``localType`` (WeChat 4.x packs ``(SubType << 32) | Type`` into it), ``senderUsername`` (the
  wxid; the chat id itself for notices) and the message source XML, whose ``<atuserlist>`` gives
  the @-mentioned wxids. ``localId`` is a running number WeFlow assigns, not an id. EchoTrace
  writes the same message objects without the ``weflow`` header (see echotrace.py).

Neither text layout names the group inside it, so the group is named after the file, as WeFlow
names its files after the chat. WeFlow's text placeholders: ``[图片]``, ``[视频]12s``, ``[定位]…``,
``[名片]…``, ``[链接]…``, ``[文件]…``, ``[红包]…``, ``[转账]…``, ``[转发的聊天记录]…``; a quote keeps only
the reply. ``[其他消息]`` is what WeFlow writes for stickers (and for voice, unless transcribed):
it is read as a sticker.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...errors import FormatError
from ..base import (
    Importer,
    MessageRows,
    ParsedConversation,
    ParseOptions,
    Sample,
    account_records,
    guess_is_group,
    parse_local_time,
    parse_table_time,
    strip_trailing_blank_lines,
)
from ..textutil import classify_event, clean_text
from .common import (
    SELF_ID,
    SELF_NAME,
    csv_int,
    iter_csv_records,
    kind_from_type_name,
    name_sender_id,
    notice_fields,
    parse_session_json,
    read_export_text,
    said_fields,
    weflow_placeholder_kind,
)

# --- what the text layouts share -------------------------------------------------------------

def _shown_message(name: str, text: str, conversation: str, *, is_self: bool,
                   kind: str | None = None) -> dict[str, Any]:
    """Columns of a text-layout message signed with a display name (``name``).

    Notices carry the chat's own name, or are recognised by their text (a pat is a member's act
    and keeps its sender)."""
    event = classify_event(text)
    if not is_self and (name == conversation or (event and event[0] != "pat")):
        return {**notice_fields(text, name), "text": text}
    if is_self:
        return said_fields(SELF_ID, name or SELF_NAME, text, kind or weflow_placeholder_kind(text), is_self=True)
    return said_fields(name_sender_id(name), name, text, kind or weflow_placeholder_kind(text), is_self=False)


def _conversation(platform: str, name: str, messages: list[dict[str, Any]]) -> ParsedConversation:
    rows = MessageRows()
    for m in messages:
        rows.add(**m)
    return ParsedConversation(platform=platform, name=name, messages=rows.to_table(), native_id=None,
                              is_group=guess_is_group(messages))


# --- weflow-txt ----------------------------------------------------------------------------------

_TXT_HEADER = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) '(.*)'")
_TXT_HEADER_START = re.compile(r"\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d\d:\d\d '")


class WeFlowTxt(Importer):
    name = "weflow-txt"
    platform = "wechat"
    tool = "WeFlow (WeChat 4.x)"
    detection = "The first non-empty line is 'YYYY-MM-DD HH:MM:SS 'name'' with the name in ASCII single quotes."

    def sniff(self, sample: Sample) -> bool:
        return _TXT_HEADER.fullmatch(sample.first_line[:512]) is not None

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        lines = read_export_text(path).split("\n")
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is None:
            raise FormatError("empty file", path=path)
        if not _TXT_HEADER.fullmatch(lines[first]):
            raise FormatError("expected a 'YYYY-MM-DD HH:MM:SS 'name'' header", path=path, line=first + 1)
        # WeFlow ends each record with a blank line, but a whole header line right under a text line
        # (a file whose blank lines were removed) is read as a header too: the quoted name is
        # distinctive. A line that only starts like one is reported as unaccepted.
        starts = [i for i in range(first, len(lines)) if _TXT_HEADER.fullmatch(lines[i])]
        shaped = [i for i in range(first, len(lines)) if _TXT_HEADER_START.match(lines[i])]
        messages = []
        for n, start in enumerate(starts):
            end = starts[n + 1] if n + 1 < len(starts) else len(lines)
            header = _TXT_HEADER.fullmatch(lines[start])
            assert header is not None
            ts = parse_local_time(header[1], options.tz, path=path, line=start + 1)
            name = clean_text(header[2]).strip()
            text = strip_trailing_blank_lines(clean_text("\n".join(lines[start + 1:end])))
            fields = _shown_message(name, text, path.stem, is_self=name == SELF_NAME)
            messages.append({"ts": ts, "text": text, "source_line": start + 1, **fields})
        conversation = _conversation(self.platform, path.stem, messages)
        conversation.lines = account_records(lines, starts, shaped)
        yield conversation


# --- weflow-csv (WeClone) ---------------------------------------------------------------------------

CSV_HEADER = ("id", "MsgSvrID", "type_name", "is_sender", "talker", "msg", "src", "CreateTime")
_CSV_HEADER_LINE = ",".join(CSV_HEADER)


class WeFlowCsv(Importer):
    name = "weflow-csv"
    platform = "wechat"
    tool = "WeFlow (WeChat 4.x), WeClone CSV"
    detection = ("The first line is the WeClone header id,MsgSvrID,type_name,is_sender,talker,msg,src,CreateTime "
                 "(PyWxDump's has room_name).")

    def sniff(self, sample: Sample) -> bool:
        return sample.first_line.strip() == _CSV_HEADER_LINE

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        text = read_export_text(path)
        messages = [self._message(record, line, path, options)
                    for _, line, record in iter_csv_records(text, path, (CSV_HEADER,))]
        yield _conversation(self.platform, path.stem, messages)

    @staticmethod
    def _message(record: dict[str, str], line: int, path: Path, options: ParseOptions) -> dict[str, Any]:
        ts = parse_table_time(record["CreateTime"], options.tz, path=path, line=line)
        is_self = csv_int(record, "is_sender", path, line) == 1
        type_name = record["type_name"].strip()
        text = strip_trailing_blank_lines(clean_text(record["msg"]))
        name = clean_text(record["talker"]).strip()
        kind = kind_from_type_name(type_name) or weflow_placeholder_kind(text)
        fields = _shown_message(name, text, path.stem, is_self=is_self, kind=kind)
        extra = dict(fields.pop("extra") or {})
        extra["type_name"] = type_name
        if src := record["src"].strip():
            extra["src"] = src
        return {"ts": ts, "text": text, "source_line": line, "extra": extra, **fields}


class WeFlowJson(Importer):
    name = "weflow-json"
    platform = "wechat"
    tool = "WeFlow (WeChat 4.x), detailed JSON"
    detection = 'A JSON object whose first key is "weflow", followed by "session" and "messages".'

    _HEAD = re.compile(r'\s*\{\s*"weflow"\s*:\s*\{')

    def sniff(self, sample: Sample) -> bool:
        return bool(self._HEAD.match(sample.text)) and '"session"' in sample.text

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        yield parse_session_json(path, self.platform, keep_local_id=False)


IMPORTERS = [WeFlowTxt(), WeFlowCsv(), WeFlowJson()]
