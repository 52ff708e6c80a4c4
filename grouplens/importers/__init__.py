"""The registry of export layouts, and detection by content.

Each module below holds the importers for one family of exporters and lists them in its
``IMPORTERS``. ``detect`` reads the start of a file (or a folder, for chunked exports) and
returns the one importer that recognises it; file names and extensions are never consulted.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import FormatError, UnknownFormatError
from .base import SNIFF_BYTES, Importer, ParsedConversation, ParseOptions, Sample
from .other import chatlab, irc, roster
from .qq import mht as qq_mht
from .qq import onebot, qce, qce_txt
from .qq import txt as qq_txt
from .textutil import decode_sample
from .wechat import (
    android as wechat_android,
)
from .wechat import (
    chatlog,
    echotrace,
    memotrace,
    pywxdump,
    wechatbaktool,
    weflow,
)
from .wechat import (
    ios as wechat_ios,
)

_FAMILIES = (qq_txt, qq_mht, qce, qce_txt, onebot, memotrace, pywxdump, chatlog, chatlab, weflow, echotrace,
             wechat_ios, wechatbaktool, wechat_android, irc)
IMPORTERS: tuple[Importer, ...] = tuple(i for m in _FAMILIES for i in m.IMPORTERS)
# Files that hold no messages of their own but are read by an importer (PyWxDump's users.json).
SIDECARS: tuple[Importer, ...] = tuple(i for m in _FAMILIES for i in getattr(m, "SIDECARS", ()))
MEMBER_LIST = roster.MemberListImporter()

ALL_FORMATS: tuple[Importer, ...] = (*IMPORTERS, MEMBER_LIST)

# Magic numbers of media files that exports keep beside the logs; a folder walk skips them.
_MEDIA_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"RIFF", b"ID3", b"#!AMR", b"\x02#!SILK",
                b"OggS", b"fLaC", b"%PDF", b"PK\x03\x04", b"BM")


def format_names() -> list[str]:
    return [i.name for i in ALL_FORMATS]


def get(name: str) -> Importer:
    for imp in ALL_FORMATS:
        if imp.name == name:
            return imp
    raise FormatError(f"unknown format {name!r}; supported: {', '.join(format_names())}")


def take_sample(path: Path) -> Sample:
    if path.is_dir():
        return Sample(path=path, head=b"", text="", is_dir=True)
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    return Sample(path=path, head=head, text=decode_sample(head))


def is_media(sample: Sample) -> bool:
    return not sample.is_dir and sample.head.startswith(_MEDIA_MAGIC) or (
        len(sample.head) > 11 and sample.head[4:8] == b"ftyp")


def sniff(path: Path) -> list[Importer]:
    """Every importer (or sidecar) that recognises ``path``; detection wants exactly one."""
    sample = take_sample(path)
    candidates = [*ALL_FORMATS, *SIDECARS]
    return [i for i in candidates if i.directory == sample.is_dir and i.sniff(sample)]


def detect(path: Path) -> Importer:
    """The importer for ``path``, or UnknownFormatError listing the supported formats."""
    found = sniff(path)
    if not found:
        sample = take_sample(path)
        if not sample.is_dir and not sample.head:
            raise FormatError("empty file", path=path)
        raise UnknownFormatError(
            "not a recognised chat export; supported formats: " + ", ".join(format_names())
            + " (pass --format NAME to force one)", path=path)
    return found[0]


def is_export_dir(path: Path) -> Importer | None:
    """A folder that is itself one export (e.g. QCE's chunked JSONL folder), if it is one."""
    sample = take_sample(path)
    for imp in IMPORTERS:
        if imp.directory and imp.sniff(sample):
            return imp
    return None


__all__ = [
    "ALL_FORMATS", "IMPORTERS", "MEMBER_LIST", "SIDECARS", "Importer", "ParseOptions",
    "ParsedConversation", "Sample", "detect", "format_names", "get", "is_export_dir", "is_media",
    "sniff", "take_sample",
]
