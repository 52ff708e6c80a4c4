"""QQChatExporter (QCE, shuakami/qq-chat-exporter) exports: single-file JSON and chunked JSONL.

Formats (see research/formats-qq.md §C, §C', §D):

* ``qce-json``: one JSON object ``{metadata, chatInfo, statistics, messages, ...}``. V5/V6 write
  every message as one compact line (``CleanMessage``: ``id``, ``timestamp`` in ms, ``sender``,
  ``type``, ``content``, ``recalled``, ``system``); such files are streamed line by line and
  each message gets its ``source_line``. Early V4 builds pretty-printed ``ParsedMessage``
  objects (``messageId``, ISO ``timestamp``, ``isSystemMessage``, ``isRecalled``,
  ``rawMessage``); files without the one-line layout are read whole and get no source lines.
* ``qce-jsonl``: a folder with ``manifest.json`` (``chunked.format == "jsonl"``) and
  ``chunks/*.jsonl``, one CleanMessage per line; ``source_line`` is the line in its chunk,
  whose file name is kept in ``extra["chunk"]``.

Decisions:

* sender_id: ``sender.uin`` (QQ number) unless missing or "0", else the NT ``uid``, else
  ``rawMessage.senderUin``/``senderUid``. A uid-only message is given the uin that the same uid
  carries elsewhere in the export, so one member keeps one id.
* Platform notices (``system``/``isSystemMessage``, a ``system`` element, type ``system``, or a
  sender named 系统消息 without an id) have no sender_id; their text is classified with
  ``textutil.classify_event`` (join, leave, rename, recall, pat), otherwise kind ``system``.
  QCE also flags a member's call record (``av_record``) as system; that stays the member's ``call``.
* kind, from ``content.elements`` (``reply`` and blank text ignored): a message made only of
  images is ``image`` (``subType`` sticker: ``sticker``); only faces/market faces ``sticker``;
  ``audio`` ``voice``; ``video``; ``file``; ``forward``; ``location``; ``wallet`` ``red_packet``
  (``transfer`` when it says 转账); ``json`` ark cards ``link``, or ``card`` for contact/group
  recommendations; ``av_record`` ``call``. Anything mixed with text or @ is ``text``. Without
  elements: the message ``type`` (file/video/audio/forward/json), the NT ``messageType`` code,
  then the placeholder text.
* reply_to: the reply element's ``referencedMessageId`` (else its ``messageId``). The quoted
  sender, text and time are also kept in the quote columns: the quoted message may predate the
  export, and then they are its only trace.
* mentions: ``content.mentions`` names as given, including ``全体成员`` for @全体成员 (an
  announcement to everyone is worth counting); else the ``at`` elements; else the text.
* extra: ``seq``, the raw ``type``/``messageType``, ``recalled`` (only when true), the sender's
  ``title``, the NT ``uid`` whenever there is one, resource ``files`` names, ``chunk``.
* The 19-digit ids stay strings; JSON integers are turned into their exact decimal text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ... import schema as S
from ...errors import FormatError
from ..base import (
    SNIFF_BYTES,
    SYSTEM_NAME,
    Importer,
    MessageRows,
    ParsedConversation,
    ParseOptions,
    Sample,
    strip_trailing_blank_lines,
)
from ..textutil import (
    clean_text,
    decode_sample,
    find_mentions,
    kind_from_text,
    line_encoding,
    load_json,
    load_json_text,
    numbered_lines,
)
from .common import (
    MENTION_ALL,
    QCE_TOOL,
    element_kind,
    event_of,
    has_chunked_section,
    is_qce_object,
    message_time,
)

TOOL = QCE_TOOL
_MESSAGES_OPEN = re.compile(r'^\s*"messages"\s*:\s*\[\s*$')

# Sender ids QCE writes when it has none: uin "0" for gray tips, uid "未知" for anonymous tips.
_NO_ID = {"", "0", "未知", "all"}
_TYPE_KINDS = {"file": "file", "video": "video", "audio": "voice", "forward": "forward", "json": "link"}
# Raw QQNT NTMsgType codes (V4's ``messageType``): 3 file, 6 ptt, 7 video, 8 multi-forward,
# 10 wallet, 11 ark, 25 shared location.
_NT_TYPE_KINDS = {3: "file", 6: "voice", 7: "video", 8: "forward", 10: "red_packet", 11: "link", 25: "location"}
_NT_GRAY_TIP = 5


# --- small readers for loosely typed JSON ---------------------------------------------------

def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _id_text(value: Any) -> str | None:
    """An id as exact text: strings as given, JSON integers in decimal (never via float)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _real_id(value: Any) -> str | None:
    """An account id, or None for QCE's stand-ins for "no account" ("0", "未知")."""
    text = _id_text(value)
    return None if text is None or text in _NO_ID else text


def _name(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return clean_text(value).strip() or None


# --- one message --------------------------------------------------------------------------------

def quote_time(value: Any, tz: ZoneInfo) -> datetime | None:
    """When a quoted message was sent (reply previews give seconds); unknown when absent or odd."""
    if value in (None, "", 0):
        return None
    try:
        return message_time(value, tz, path=Path("."), line=None)
    except FormatError:
        return None


def _elements(content: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(str(e.get("type") or ""), _obj(e.get("data"))) for e in _list(content.get("elements"))
            if isinstance(e, dict)]


def message_kind(msg_type: Any, nt_type: Any, elements: list[tuple[str, dict[str, Any]]],
                 text: str | None) -> str:
    """The kind of an ordinary (non-notice) message, from its structure first, its text last."""
    meaningful = [(t, d) for t, d in elements
                  if t != "reply" and not (t == "text" and not str(d.get("text") or "").strip())]
    if meaningful:
        kinds = {element_kind(t, d) for t, d in meaningful}
        return kinds.pop() if len(kinds) == 1 else "text"
    if msg_type in _TYPE_KINDS:
        return _TYPE_KINDS[msg_type]
    if isinstance(nt_type, int) and nt_type in _NT_TYPE_KINDS:
        return _NT_TYPE_KINDS[nt_type]
    return kind_from_text(text)


def _mentions(content: dict[str, Any], elements: list[tuple[str, dict[str, Any]]], text: str | None) -> list[str]:
    if isinstance(content.get("mentions"), list):
        names = []
        for m in content["mentions"]:
            m = _obj(m)
            name = _name(m.get("name")) or (MENTION_ALL if m.get("type") == "all" else _real_id(m.get("uid")))
            if name:
                names.append(name.lstrip("@"))
        return names
    at_names = [_name(d.get("name")) or _real_id(d.get("uin")) for t, d in elements if t == "at"]
    if at_names:
        return [n.lstrip("@") for n in at_names if n]
    return find_mentions(text)


def _reply(content: dict[str, Any], elements: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    for etype, data in elements:
        if etype == "reply":
            return data
    return _obj(content.get("reply"))  # V4 ParsedMessage keeps it beside the elements


def is_platform_notice(msg: dict[str, Any], element_types: set[str], sender_name: str | None,
                       has_account: bool) -> bool:
    """Whether QQ itself wrote the message (a gray tip) rather than a member."""
    if sender_name == SYSTEM_NAME and not has_account:
        return True
    flagged = (msg.get("system") is True or msg.get("isSystemMessage") is True or msg.get("type") == "system"
               or msg.get("messageType") == _NT_GRAY_TIP or "system" in element_types)
    # QCE also flags a member's call record (av_record) as system; that one stays the member's.
    return flagged and not ("av_record" in element_types and has_account)


def message_extra(msg: dict[str, Any], raw: dict[str, Any], resources: list[Any]) -> dict[str, Any]:
    """The export's fields that have no column: seq, raw type, recalled, resource file names."""
    info: dict[str, Any] = {}
    seq = _id_text(msg.get("seq")) or _id_text(msg.get("messageSeq")) or _id_text(raw.get("msgSeq"))
    if seq:
        info["seq"] = seq
    if msg.get("type") is not None:
        info["type"] = msg["type"]
    elif msg.get("messageType") is not None:
        info["messageType"] = msg["messageType"]
    if msg.get("recalled") is True or msg.get("isRecalled") is True:
        info["recalled"] = True
    files = [f for r in resources if isinstance(r, dict)
             for f in [r.get("filename") or r.get("fileName")] if isinstance(f, str) and f]
    if files:
        info["files"] = files
    return info


class _Conversation:
    """Turns QCE message objects into rows, remembering which uin each NT uid belongs to."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.rows = MessageRows()
        self.uid_to_uin: dict[str, str] = {}

    def _learn(self, uid: Any, uin: Any) -> None:
        uid, uin = _real_id(uid), _real_id(uin)
        if uid and uin and not uid.isdigit():
            self.uid_to_uin.setdefault(uid, uin)

    def add(self, msg: Any, *, path: Path, line: int | None, extra: dict[str, Any] | None = None) -> None:
        """Add one CleanMessage or ParsedMessage; FormatError when it is not a usable message."""
        if not isinstance(msg, dict):
            raise FormatError("expected a message object", path=path, line=line)
        sender, raw, content = _obj(msg.get("sender")), _obj(msg.get("rawMessage")), _obj(msg.get("content"))
        elements = _elements(content)
        ts = message_time(msg.get("timestamp"), self.tz, path=path, line=line)
        msg_id = _id_text(msg.get("id")) or _id_text(msg.get("messageId"))
        info = {**(extra or {}), **message_extra(msg, raw, _list(content.get("resources")))}

        uin = _real_id(sender.get("uin")) or _real_id(raw.get("senderUin"))
        uid = _real_id(sender.get("uid")) or _real_id(raw.get("senderUid"))
        self._learn(uid, uin)
        for etype, data in elements:
            if etype == "at":
                self._learn(data.get("uid"), data.get("uin"))
        name = (_name(sender.get("name")) or _name(sender.get("groupCard")) or _name(raw.get("sendMemberName"))
                or _name(sender.get("nickname")) or _name(raw.get("sendNickName")))
        text = content.get("text") if isinstance(content.get("text"), str) else None
        if text is not None:
            text = strip_trailing_blank_lines(clean_text(text))

        if is_platform_notice(msg, {t for t, _ in elements}, name, uin is not None or uid is not None):
            if not text:
                tip = next((d for t, d in elements if t == "system"), {})
                tip_text = tip.get("text") or tip.get("summary")
                text = clean_text(tip_text) if isinstance(tip_text, str) else text
            kind, members, details = event_of(text)
            info.update(details)
            self.rows.add(ts=ts, msg_id=msg_id, sender_id=None, sender_name=SYSTEM_NAME, kind=kind, text=text,
                          event_members=members, source_line=line, extra=info)
            return
        if uid:
            info["uid"] = uid
        title = _name(sender.get("title"))
        if title:
            info["title"] = title
        reply = _reply(content, elements)
        self.rows.add(
            ts=ts, msg_id=msg_id, sender_id=uin or uid or (S.name_based_id(name) if name else None),
            sender_name=name, kind=message_kind(msg.get("type"), msg.get("messageType"), elements, text),
            text=text, mentions=_mentions(content, elements, text),
            reply_to=_id_text(reply.get("referencedMessageId")) or _id_text(reply.get("messageId")),
            quote_sender=_name(reply.get("senderName")) or _real_id(reply.get("senderUin")),
            quote_text=clean_text(reply["content"]) if isinstance(reply.get("content"), str) else None,
            quote_ts=quote_time(reply.get("timestamp"), self.tz), source_line=line, extra=info)

    def finish(self, top: dict[str, Any], *, path: Path) -> ParsedConversation:
        """The conversation named by the export's chatInfo, senders' uids folded onto their uins."""
        table = self.rows.to_table()
        if self.uid_to_uin and len(table):
            ids = [self.uid_to_uin.get(v, v) if v else v for v in table.column(S.SENDER_ID).to_pylist()]
            index = table.schema.get_field_index(S.SENDER_ID)
            table = table.set_column(index, S.PARSED_SCHEMA.field(S.SENDER_ID), [ids])
        info = _obj(top.get("chatInfo"))
        native_id = next((v for v in (_id_text(info.get("peerUin")), _id_text(info.get("peerUid")),
                                      _id_text(info.get("groupCode"))) if v and v.isdigit()), None)
        chat_type = info.get("type")
        conversation = ParsedConversation(
            platform="qq", name=_name(info.get("name")), messages=table, native_id=native_id,
            is_group=chat_type not in ("private", "temp", "friend", 1, 100))
        total = _obj(top.get("statistics")).get("totalMessages")
        if isinstance(total, int) and not isinstance(total, bool) and total != len(table):
            conversation.warnings.append(
                f"{path.name}: statistics.totalMessages says {total} but the export holds {len(table)} messages")
        return conversation


# --- reading files line by line -------------------------------------------------------------

def _line_encoding(path: Path) -> str | None:
    """The encoding to read ``path`` line by line in, or None when only a whole read will do."""
    try:
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError as e:
        raise FormatError(f"cannot read file: {e.strerror}", path=path) from None
    return line_encoding(head)


def _whole_top(path: Path) -> dict[str, Any]:
    top = load_json(path)
    if not isinstance(top, dict):
        raise FormatError("expected a JSON object with metadata, chatInfo and messages", path=path, line=1)
    return top


def _messages_of(top: dict[str, Any], path: Path) -> list[Any]:
    """The messages of a whole-file export (V4's optional ``chunks`` split included)."""
    if isinstance(top.get("messages"), list):
        return top["messages"]
    if "chunked" in top:
        raise FormatError("this is the manifest of a chunked QCE export; import its folder", path=path)
    chunks = [c for c in _list(top.get("chunks")) if isinstance(c, dict) and isinstance(c.get("messages"), list)]
    if chunks:
        top.setdefault("chatInfo", chunks[0].get("chatInfo"))
        return [m for c in chunks for m in c["messages"]]
    raise FormatError("no messages array in the export", path=path)


class QceJsonReader:
    """Reads a QCE single-file JSON export, streaming it when messages sit one per line.

    ``messages()`` yields ``(line, message)``; afterwards ``top`` holds the object's other keys.
    The lines outside the messages array (the "skeleton") are parsed as JSON with an empty
    array in its place, which checks the file is complete without holding the messages.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.top: dict[str, Any] = {}

    def _whole(self) -> Iterator[tuple[int | None, Any]]:
        self.top = _whole_top(self.path)
        for message in _messages_of(self.top, self.path):
            yield None, message

    def messages(self) -> Iterator[tuple[int | None, Any]]:
        encoding = _line_encoding(self.path)
        if encoding is None:
            yield from self._whole()
            return
        lines = numbered_lines(self.path, encoding)
        skeleton: list[str] = []
        skeleton_lines: list[int] = []
        for number, text in lines:
            skeleton.append(text)
            skeleton_lines.append(number)
            if _MESSAGES_OPEN.match(text):
                break
        else:  # no one-per-line messages array: the file is the skeleton
            yield from self._whole()
            return
        last, first, closed = skeleton_lines[-1], True, False
        for number, text in lines:
            last, body = number, text.strip()
            if not body:
                continue
            if body.startswith("]"):
                skeleton.append(text)
                skeleton_lines.append(number)
                closed = True
                break
            body = body[:-1] if body.endswith(",") else body
            if first and not (body.startswith("{") and body.endswith("}")):
                lines.close()
                yield from self._whole()  # pretty-printed messages: no line of their own
                return
            first = False
            yield number, load_json_text(body, path=self.path, line=number)
        if not closed:
            raise FormatError("file ends inside the messages array (truncated export?)", path=self.path, line=last)
        for number, text in lines:
            skeleton.append(text)
            skeleton_lines.append(number)
        self.top = self._load_skeleton(skeleton, skeleton_lines)

    def _load_skeleton(self, skeleton: list[str], numbers: list[int]) -> dict[str, Any]:
        document = "\n".join(skeleton)
        try:
            top = json.loads(document)
        except json.JSONDecodeError as e:
            line = numbers[min(e.lineno, len(numbers)) - 1]
            ended = e.pos >= len(document.rstrip())
            problem = "file ends early (truncated export?)" if ended else f"malformed JSON ({e.msg})"
            raise FormatError(problem, path=self.path, line=line) from None
        except RecursionError:
            raise FormatError("JSON nested too deeply", path=self.path) from None
        if not isinstance(top, dict):
            raise FormatError("expected a JSON object with metadata, chatInfo and messages", path=self.path, line=1)
        return top


# --- importers ------------------------------------------------------------------------------------

class QceJsonImporter(Importer):
    name = "qce-json"
    platform = "qq"
    tool = TOOL
    detection = ("a JSON object whose metadata.name contains QQChatExporter (V4 to V6), "
                 "without the chunked section of a chunked export's manifest")

    def sniff(self, sample: Sample) -> bool:
        return is_qce_object(sample.text) and not has_chunked_section(sample.text)

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        reader = QceJsonReader(path)
        conversation = _Conversation(options.tz)
        for line, message in reader.messages():
            conversation.add(message, path=path, line=line)
        yield conversation.finish(reader.top, path=path)


def _natural_key(path: Path) -> list[Any]:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", path.name)]


def chunk_files(folder: Path, manifest_path: Path, chunked: dict[str, Any]) -> list[Path]:
    """The chunk files in manifest order; without a chunk list, the folder's ``*.jsonl`` sorted."""
    chunks_dir = chunked.get("chunksDir") if isinstance(chunked.get("chunksDir"), str) else "chunks"
    if isinstance(chunked.get("chunks"), list):
        root = folder.resolve()
        files = []
        for entry in chunked["chunks"]:
            entry_obj = _obj(entry)
            relative = (entry if isinstance(entry, str) else entry_obj.get("relativePath")
                        or (f"{chunks_dir}/{entry_obj['fileName']}" if isinstance(entry_obj.get("fileName"), str)
                            else None))
            if not isinstance(relative, str) or not relative:
                raise FormatError("a chunk entry in the manifest names no file", path=manifest_path)
            chunk = folder / relative
            if not chunk.resolve().is_relative_to(root):
                raise FormatError(f"chunk {relative} lies outside the export folder", path=manifest_path)
            if not chunk.is_file():
                raise FormatError(f"chunk file {relative} named by the manifest is missing", path=manifest_path)
            files.append(chunk)
        return files
    for directory in (folder / chunks_dir, folder):
        found = sorted((p for p in directory.glob("*.jsonl") if p.is_file()), key=_natural_key)
        if found:
            return found
    raise FormatError(f"no chunk files (*.jsonl) in {chunks_dir}/", path=manifest_path)


class QceChunkedJsonlImporter(Importer):
    name = "qce-jsonl"
    platform = "qq"
    tool = TOOL
    detection = ("a folder whose manifest.json carries QQChatExporter metadata and a chunked "
                 "section (or a chunks/ folder beside it)")
    directory = True

    def sniff(self, sample: Sample) -> bool:
        if not sample.is_dir:
            return False
        try:
            with (sample.path / "manifest.json").open("rb") as f:
                text = decode_sample(f.read(SNIFF_BYTES))
            if not is_qce_object(text):
                return False
            return has_chunked_section(text) or (sample.path / "chunks").is_dir()
        except (OSError, ValueError):
            return False

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        manifest_path = path / "manifest.json"
        if not manifest_path.is_file():
            raise FormatError("no manifest.json in the chunked export folder", path=path)
        top = load_json(manifest_path)
        if not isinstance(top, dict):
            raise FormatError("manifest.json is not a JSON object", path=manifest_path, line=1)
        chunked = _obj(top.get("chunked"))
        if chunked.get("format") not in (None, "jsonl"):
            raise FormatError(f"chunked format {chunked.get('format')!r} is not supported (expected jsonl)",
                              path=manifest_path)
        conversation = _Conversation(options.tz)
        for chunk in chunk_files(path, manifest_path, chunked):
            encoding = _line_encoding(chunk) or "utf-8"
            label = chunk.relative_to(path).as_posix()
            for number, text in numbered_lines(chunk, encoding):
                if text.strip():
                    message = load_json_text(text, path=chunk, line=number)
                    conversation.add(message, path=chunk, line=number, extra={"chunk": label})
        yield conversation.finish(top, path=manifest_path)


class QceManifestSidecar(Importer):
    """The manifest.json inside a chunked export: read by qce-jsonl, no messages of its own."""

    name = "qce-jsonl-manifest"
    platform = "qq"
    tool = TOOL
    detection = "a JSON object with QQChatExporter metadata and a chunked section (manifest.json)"
    sidecar = True

    def sniff(self, sample: Sample) -> bool:
        return is_qce_object(sample.text) and has_chunked_section(sample.text)

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        return iter(())


IMPORTERS = [QceJsonImporter(), QceChunkedJsonlImporter()]
SIDECARS = [QceManifestSidecar()]
