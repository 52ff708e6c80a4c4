"""Text helpers every importer shares: decoding, reading JSON and lines, placeholder kinds,
system events, @mentions, names."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import FormatError

# --- decoding ------------------------------------------------------------------------------

BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_CONTROL = re.compile(r"[\x01-\x08\x0e-\x1f]")


def detect_encoding(data: bytes) -> tuple[str, int]:
    """The encoding of an export's bytes and the length of its BOM: BOM, else UTF-8, else GB18030."""
    for bom, enc in BOMS:
        if data.startswith(bom):
            return enc, len(bom)
    try:
        data.decode("utf-8")
        return "utf-8", 0
    except UnicodeDecodeError as e:
        if e.start > len(data) - 4:  # a multibyte character cut at the end of a sample
            return "utf-8", 0
    try:
        data.decode("gb18030")
        return "gb18030", 0
    except UnicodeDecodeError:
        return "", 0


def decode_bytes(data: bytes, path: Path | str) -> str:
    """Decode a whole export to text with LF line ends; FormatError if it is not text."""
    enc, bom = detect_encoding(data)
    if not enc:
        raise FormatError("not a text file (neither UTF-8, UTF-16 nor GB18030)", path=path)
    try:
        text = data[bom:].decode(enc)
    except UnicodeDecodeError as e:  # a file cut inside a character, or bad bytes after a BOM
        line = data[bom:bom + e.start].count(b"\n") + 1
        raise FormatError(f"invalid {enc} bytes (a damaged or truncated file)", path=path, line=line) from None
    if looks_binary(text):
        raise FormatError("not a text file (binary content)", path=path)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def decode_sample(data: bytes) -> str:
    """Best-effort text of the first bytes of a file, for sniffing."""
    enc, bom = detect_encoding(data)
    text = data[bom:].decode(enc or "utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\x00", "")


def looks_binary(text: str) -> bool:
    sample = text[:8192]
    if not sample:
        return False
    bad = len(_CONTROL.findall(sample)) + sample.count("\x00") + sample.count("\ufffd")
    return bad > max(8, len(sample) // 50)


def read_text(path: Path) -> str:
    return decode_bytes(path.read_bytes(), path)


def load_json_text(text: str, *, path: Path | str, line: int | None = None) -> Any:
    """One JSON value; malformed or absurdly nested JSON is a FormatError at its line (``line``
    is where ``text`` starts in the file, when it is one line of it)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise FormatError(f"malformed JSON ({e.msg})", path=path,
                          line=(line + e.lineno - 1) if line else e.lineno) from None
    except RecursionError:
        raise FormatError("JSON nested too deeply", path=path, line=line) from None


def load_json(path: Path) -> Any:
    """A whole JSON file (decoded like every export), errors reported at their line."""
    return load_json_text(read_text(path), path=path)


def line_encoding(head: bytes) -> str | None:
    """The encoding to read a file line by line in, from its first bytes; None when only a whole
    read will do (UTF-16). Undecidable bytes are read as UTF-8, so the first bad byte is
    reported at its line."""
    enc, _ = detect_encoding(head)
    if not enc:
        return "utf-8"
    return None if enc.startswith("utf-16") else enc


def numbered_lines(path: Path, encoding: str) -> Iterator[tuple[int, str]]:
    """Each line of a UTF-8/GB18030 file with its 1-based number; bad bytes are a FormatError there."""
    try:
        with path.open("rb") as f:
            for number, raw in enumerate(f, 1):
                if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                try:
                    yield number, raw.decode(encoding).rstrip("\r\n")
                except UnicodeDecodeError:
                    raise FormatError(f"bytes that are not valid {encoding} text", path=path, line=number) from None
    except OSError as e:
        raise FormatError(f"cannot read file: {e.strerror}", path=path) from None


# Zero-width characters, BOMs and NULs are removed from all stored text; CJK punctuation stays.
INVISIBLE_CHARS = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\x00")
INVISIBLE_PATTERN = "[" + "".join(INVISIBLE_CHARS) + "]"
_INVISIBLE = re.compile(INVISIBLE_PATTERN)


def clean_text(s: str) -> str:
    return _INVISIBLE.sub("", s)


def clean_array(arr: pa.Array) -> pa.Array:
    """``clean_text`` over an Arrow string array, vectorised."""
    return pc.replace_substring_regex(arr, INVISIBLE_PATTERN, "")


# Characters that show nothing: people pick names made only of them (the Hangul filler ㅤ, the
# braille blank, zero-width characters) to look nameless. Such a name is no name.
_BLANK_LOOKALIKES = "\u115f\u1160\u3164\uffa0\u2800\u00ad\u034f\u180e"
# The same test as an RE2 pattern, for Arrow's regex kernels.
BLANK_NAME_PATTERN = (r"^[\s\x{00ad}\x{034f}\x{115f}\x{1160}\x{180e}\x{200b}-\x{200f}\x{2028}-\x{202f}"
                      r"\x{205f}-\x{206f}\x{2800}\x{3000}\x{3164}\x{feff}\x{ffa0}]*$")


def is_blank_name(name: str | None) -> bool:
    """Whether a display name shows nothing: empty, spaces, or only invisible characters."""
    return not name or all(c.isspace() or c in _BLANK_LOOKALIKES or unicodedata.category(c) in ("Cf", "Zs", "Cc")
                           for c in name)


# --- message kinds from placeholder text ----------------------------------------------------

# A message made only of these placeholders is that kind (they also appear inside text).
_WHOLE = [
    ("image", r"\[(?:图片|Photo|动画表情\.gif)(?:[:：][^\]]*)?\]|图片"),
    ("sticker", r"\[(?:表情|表情包|动画表情|GIF表情|Emoji|商城表情)(?:[:：][^\]]*)?\]|表情"),
    ("voice", r"\[(?:语音|语音消息)(?:[ :：][^\]]*)?\](?:\S{0,12})|语音时长：[\d.]+秒(?:\n.*)?"),
    ("video", r"\[(?:视频|Video)(?:[ :：][^\]]*)?\](?:\d+s)?|视频"),
]
# A message starting with one of these is that kind; a title may follow.
_PREFIX = [
    ("red_packet", r"\[(?:QQ红包|红包|RED ENVELOPE)\]"),
    ("transfer", r"\[转账\]|微信转账|转账：|已收款："),
    ("file", r"\[文件(?:[:：|][^\]]*)?\]"),
    ("link", r"\[(?:链接|分享|图文|小程序|视频号)(?:[:：|][^\]]*)?\]"),
    ("location", r"\[(?:位置|定位|位置消息)(?:[:：|][^\]]*)?\]"),
    ("call", r"\[(?:语音通话|视频通话|视频/语音通话)\]|语音/视频通话"),
    ("card", r"\[(?:名片|个人名片|卡片消息|视频号名片)\]"),
    ("forward", r"\[(?:聊天记录|合并转发|转发的聊天记录|转发)(?:[:：|][^\]]*)?\]"),
    ("pat", r"\[拍一拍\]"),
]
_URL_ONLY = r"https?://\S+"

_WHOLE_RE = [(k, f"^\\s*(?:(?:{p})\\s*)+$") for k, p in _WHOLE]
_PREFIX_RE = [(k, f"^\\s*(?:{p})") for k, p in _PREFIX]
_URL_RE = f"^\\s*{_URL_ONLY}\\s*$"
_KIND_RULES = [*_WHOLE_RE, *_PREFIX_RE, ("link", _URL_RE)]
_KIND_RULES_COMPILED = [(k, re.compile(p, re.S)) for k, p in _KIND_RULES]


def kind_from_text(text: str | None) -> str:
    """The kind of a message that an export gives only as text: ``[图片]`` is an image, etc."""
    if not text:
        return "text"
    for kind, rx in _KIND_RULES_COMPILED:
        if rx.search(text):
            return kind
    return "text"


# Every kind rule needs one of these; texts without any are plain text (most of a chat).
_KIND_HINT = r"\[|http|图片|表情|语音|视频|转账|已收款"


_KIND_NAMES = pa.array(["text", *dict.fromkeys(kind for kind, _ in _KIND_RULES)], pa.string())
_KIND_CODE = {kind: code for code, kind in enumerate(_KIND_NAMES.to_pylist())}


def kinds_from_text(texts: pa.Array) -> pa.Array:
    """``kind_from_text`` over an Arrow string array, vectorised with Arrow's regex kernels."""
    codes = np.zeros(len(texts), dtype=np.int32)
    hinted = np.flatnonzero(pc.fill_null(pc.match_substring_regex(texts, _KIND_HINT), False)
                            .to_numpy(zero_copy_only=False))
    if len(hinted):
        subset = texts.take(pa.array(hinted))
        undecided = np.ones(len(hinted), dtype=bool)
        for kind, pattern in _KIND_RULES:
            hit = pc.fill_null(pc.match_substring_regex(subset, "(?s)" + pattern), False).to_numpy(zero_copy_only=False)
            hit &= undecided
            codes[hinted[hit]] = _KIND_CODE[kind]
            undecided &= ~hit
    return _KIND_NAMES.take(pa.array(codes))


# --- bytes of Arrow string arrays -------------------------------------------------------------

def utf8_buffers(arr: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """The bytes of a string array and the offsets (int64, one more than strings) of each string
    in them, without copying (a null's range is empty, or whatever Arrow left there)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.large_string())
    _, offsets, data = arr.buffers()
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(offsets, dtype=width)[arr.offset:arr.offset + len(arr) + 1].astype(np.int64)
    return (np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)), offsets


def rows_containing(arr: pa.Array | pa.ChunkedArray, literals: Iterable[str]) -> np.ndarray:
    """Which strings of ``arr`` contain one of ``literals`` (False for nulls), as a numpy mask.

    Found over the array's bytes at once rather than string by string: the positions of each
    literal's first byte, narrowed byte by byte, then mapped to the string holding them. UTF-8
    makes a byte match a character match.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    data, offsets = utf8_buffers(arr)
    found = np.zeros(len(arr), dtype=bool)
    lo, hi = int(offsets[0]), int(offsets[-1])
    if hi <= lo:
        return found
    span = data[lo:hi]
    by_first: dict[int, np.ndarray] = {}
    for literal in literals:
        code = literal.encode("utf-8")
        at = by_first.get(code[0])
        if at is None:
            at = by_first[code[0]] = np.flatnonzero(span == code[0])
        for k in range(1, len(code)):
            at = at[at < len(span) - k]
            at = at[span[at + k] == code[k]]
        if len(at):
            rows = np.searchsorted(offsets, at + lo, side="right") - 1
            found[rows[at + lo + len(code) <= offsets[rows + 1]]] = True
    if arr.null_count:
        found &= arr.is_valid().to_numpy(zero_copy_only=False)
    return found


# --- system events ----------------------------------------------------------------------------

_Q = "[\"“”']"  # WeChat quotes names with ASCII quotes; some tools with curly ones
_NAME = f"{_Q}?(.+?){_Q}?"


def _split_names(s: str) -> list[str]:
    parts = re.split(r"[、，,]|\s*和\s*(?=[\"“])", s)
    return [p.strip().strip("\"“”'").strip() for p in parts if p.strip().strip("\"“”'").strip()]


_EVENTS: list[tuple[str, re.Pattern[str], tuple[int, ...]]] = [
    # (kind, full-match pattern, groups that name the members the event is about)
    ("pat", re.compile(f"^{_NAME}\\s*(?:拍了拍|戳了戳)\\s*{_NAME}(?:\\s+的.*|\\s+\\S{{1,16}})?$"), (1, 2)),
    ("join", re.compile(f"^{_NAME}\\s*通过扫描{_NAME}分享的二维码加入群聊.*$"), (1,)),
    ("join", re.compile(f"^{_NAME}\\s*通过扫描二维码加入群聊.*$"), (1,)),
    ("join", re.compile(f"^{_NAME}\\s*邀请\\s*(.+?)\\s*加入了?(?:本群|群聊)(?:[，,。\\s].*)?$"), (2,)),
    ("join", re.compile(f"^(?:欢迎\\s*)?{_NAME}\\s*(?:已?加入(?:了)?(?:本群|群聊|该群)|入群)[。！!]?(?:[，,].*)?$"), (1,)),
    ("leave", re.compile(f"^{_NAME}\\s*将\\s*(.+?)\\s*移出了?(?:本群|群聊)[。]?$"), (2,)),
    ("leave", re.compile(f"^{_NAME}\\s*被\\s*(?:.+?)?\\s*(?:移出|踢出|请出)了?(?:本群|群聊)?[。]?$"), (1,)),
    ("leave", re.compile(f"^{_NAME}\\s*(?:已)?(?:退出了?(?:本群|群聊|该群)|离开了?(?:本群|群聊|该群))[。]?$"), (1,)),
    ("rename", re.compile(f"^{_NAME}\\s*修改(?:了)?群名(?:称)?为\\s*[“\"]?(.+?)[”\"]?[。]?$"), (1,)),
]
_RENAME = _EVENTS[-1][1]
# Recalls. A member recalling their own message may carry a suffix QQ lets people choose
# ("X撤回了一条消息，因为有错别字。", "…，并对你施了遗忘咒。"). An owner or admin recalling someone
# else's message is "群主X撤回了一条成员消息" or "管理员X撤回了成员Y的消息": X acted, Y's message went.
_ROLE = "群主|管理员"
_OWN_RECALL = re.compile(f"^{_NAME}\\s*撤回了一条消息(?P<suffix>\\s*[，,。；;!！~～(（].*)?$", re.S)
_MEMBER_RECALL = re.compile(f"^(?:(?P<role>{_ROLE})\\s*)?{_NAME}\\s*撤回了(?:成员\\s*)?{_NAME}\\s*的消息[。]?$")
_UNNAMED_RECALL = re.compile(f"^(?:(?P<role>{_ROLE})\\s*)?{_NAME}\\s*撤回了一条成员消息[。]?$")
# WeChat quotes both names of a pat ("老陈" 拍了拍 "心内科 王医生"); a suffix may follow.
_QUOTED_PAT = re.compile(r'^\s*"(?P<actor>[^"]+)"\s*(?:拍了拍|戳了戳)\s*"(?P<target>[^"]+)"')


def classify_notice(text: str | None) -> tuple[str, list[str], dict[str, str]] | None:
    """A platform notice's kind, the members it concerns and what else it tells, or None.

    Kinds are join, leave, rename, recall and pat. For a recall, the members are whose message
    was recalled (none when the notice does not say whose); when someone else recalled it, that
    one is returned as ``recalled_by`` (with ``recalled_by_role``, 群主 or 管理员, when the notice
    gives it), as an invitation's inviter is not among a join's members. A custom suffix after
    撤回了一条消息 is ``recall_suffix``.
    Patterns match the whole text, so an ordinary message that mentions 撤回 is left alone.
    """
    if not text:
        return None
    t = text.strip()
    if len(t) > 300:
        return None
    if m := _OWN_RECALL.match(t):
        return "recall", _split_names(m.group(1)), {"recall_suffix": m["suffix"]} if m["suffix"] else {}
    for rx in (_MEMBER_RECALL, _UNNAMED_RECALL):
        if m := rx.match(t):
            actor = _split_names(m.group(2))
            owners = _split_names(m.group(3)) if rx is _MEMBER_RECALL else []
            extra = {"recalled_by": actor[0]} if actor else {}
            if extra and m["role"]:
                extra["recalled_by_role"] = m["role"]
            return "recall", owners, extra
    if m := _QUOTED_PAT.match(t):
        return "pat", [m["actor"].strip(), m["target"].strip()], {}
    for kind, rx, groups in _EVENTS:
        m = rx.match(t)
        if m:
            names: list[str] = []
            for g in groups:
                names.extend(_split_names(m.group(g)))
            if kind == "pat" and len(names) == 2 and names[1] == "自己":  # 你拍了拍自己
                names[1] = names[0]
            return kind, names, {}
    return None


def classify_event(text: str | None) -> tuple[str, list[str]] | None:
    """Recognise a platform notice (join, leave, rename, recall, pat) and whom it concerns.

    Returns ``(kind, member_names)`` or ``None`` when the text is not such a notice (see
    ``classify_notice``, which also says who recalled someone else's message).
    """
    found = classify_notice(text)
    return (found[0], found[1]) if found else None


def rename_target(text: str) -> str | None:
    """The new group name in a rename notice, if the text is one."""
    m = _RENAME.match(text.strip())
    return m.group(2) if m else None


# --- @mentions -----------------------------------------------------------------------------------

_MENTION = re.compile(r"(?<![A-Za-z0-9._%+\-])@([^\s\u2005\u3000@:：，,。！？!?]{1,32})")


def find_mentions(text: str | None) -> list[str]:
    """Names @-mentioned in plain text (``@阿杰 周六几点?``); WeChat ends them with U+2005."""
    if not text or "@" not in text:
        return []
    return _MENTION.findall(text)
