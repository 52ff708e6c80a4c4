"""Hypothesis strategies for fuzzing the importers: valid exports, and mutations of them.

- ``generated_exports()`` writes valid exports of the line-oriented and JSON layouts from drawn
  messages (names and texts with CJK, emoji, RTL overrides, control characters, blank lines,
  very long fields): classic QQ TXT, ChatLab JSON and JSONL, IRC, WeFlow TXT.
- ``sample_exports()`` takes the small export of each layout in ``sample_logs/`` (every layout
  grouplens reads) as it is.
- ``mutations()`` damages an export's bytes the ways real files get damaged: cut short, saved
  in another encoding, lines shuffled, dropped or repeated, random bytes, a huge field, RTL
  overrides and control characters, line ends changed.

``check_parse`` states the properties: reading any of these either works or fails with a
grouplens error naming the file (never another exception), and reading the same bytes twice
gives identical rows, with every line of a text export accounted for. Used by tests/test_fuzz.py (a small share in CI) and bench/fuzz.py
(long runs).
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
from hypothesis import strategies as st

from grouplens import importers
from grouplens.errors import GrouplensError
from grouplens.store.ingest import make_options

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"
OPTIONS = make_options(ZoneInfo("Asia/Shanghai"), "2024-03-05")

_tricky = st.sampled_from(["\u202e", "\u202d", "\u200b", "\ufeff", "\x00", "\x1b[2J", "\r", "\t", "\u2028",
                           "\x07", "😀", "👨\u200d👩\u200d👧", "@", "(", ")", "【", "】", ":", "：", "'", '"', "\\",
                           "\n", "\n\n", "=" * 64])
_cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
_piece = st.one_of(_cjk, _cjk, st.characters(blacklist_categories=("Cs",)), _tricky)
names = st.lists(_piece, min_size=1, max_size=10).map(lambda p: "".join(p).replace("\n", " ") or "名")
texts = st.one_of(st.lists(_piece, max_size=40).map("".join),
                  st.builds(lambda c, n: c * n, _cjk, st.integers(1000, 20_000)))  # a huge field


@dataclass
class Export:
    """An export to fuzz: a file (or folder) name and its content."""

    name: str
    files: dict[str, bytes]  # relative path -> bytes; one entry for single-file exports

    def __repr__(self) -> str:  # a failing case names its export without megabytes of bytes
        sizes = ", ".join(f"{rel}: {len(data)} bytes" for rel, data in self.files.items())
        return f"Export({self.name!r}; {sizes})"

    def write(self, folder: Path) -> Path:
        for rel, data in self.files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return folder / self.name


@st.composite
def _messages(draw, max_size: int = 8) -> list[tuple[int, str, str, str]]:
    n = draw(st.integers(1, max_size))
    start = draw(st.integers(1_500_000_000, 1_800_000_000))
    gaps = draw(st.lists(st.integers(0, 90_000), min_size=n, max_size=n))
    out, ts = [], start
    for gap in gaps:
        ts += gap
        out.append((ts, str(draw(st.integers(10_000, 10_020))), draw(names), draw(texts)))
    return out


def _qq_txt(messages, group: str) -> bytes:
    from datetime import datetime, timedelta, timezone
    tz = timezone(timedelta(hours=8))
    lines = ["消息记录（此消息记录为文本格式，不支持重新导入）", "", "=" * 64, "消息分组:我的群聊", "=" * 64,
             f"消息对象:{group}", "=" * 64, ""]
    for ts, uid, name, text in messages:
        when = datetime.fromtimestamp(ts, tz)
        lines += [f"{when:%Y-%m-%d} {when.hour}:{when:%M:%S} {name}({uid})", text, ""]
    return ("\ufeff" + "\r\n".join(lines)).encode("utf-8", "surrogatepass")


def _chatlab(messages, group: str, jsonl: bool) -> bytes:
    meta = {"name": group, "platform": "qq", "type": "group", "groupId": "738201456"}
    msgs = [{"platformMessageId": f"m{i}", "sender": uid, "accountName": name, "timestamp": ts, "type": 0,
             "content": text} for i, (ts, uid, name, text) in enumerate(messages)]
    if jsonl:
        rows = [{"_type": "header", "chatlab": {"version": "0.0.2", "exportedAt": 1760227200}, "meta": meta},
                *({"_type": "message", **m} for m in msgs)]
        return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode("utf-8", "surrogatepass")
    return json.dumps({"chatlab": {"version": "0.0.2", "exportedAt": 1760227200}, "meta": meta, "members": [],
                       "messages": msgs}, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _irc(messages, group: str) -> bytes:
    lines = []
    for ts, _uid, name, text in messages:
        nick = "".join(c for c in name if c.isalnum() and c.isascii()) or "nick"
        lines.append(f"[{(ts // 3600) % 24:02d}:{(ts // 60) % 60:02d}] <{nick}> {text.splitlines()[0] if text else ''}")
    return "\n".join(lines).encode("utf-8", "surrogatepass")


def _weflow_txt(messages, group: str) -> bytes:
    from datetime import datetime, timedelta, timezone
    tz = timezone(timedelta(hours=8))
    blocks = [f"{datetime.fromtimestamp(ts, tz):%Y-%m-%d %H:%M:%S} '{name}'\n{text or '[图片]'}"
              for ts, _uid, name, text in messages]
    return "\n\n".join(blocks).encode("utf-8", "surrogatepass")


_WRITERS = {
    "qq-txt": lambda m, g: ("全部消息记录.txt", _qq_txt(m, g)),
    "chatlab-json": lambda m, g: ("export.json", _chatlab(m, g, jsonl=False)),
    "chatlab-jsonl": lambda m, g: ("export.jsonl", _chatlab(m, g, jsonl=True)),
    "irc": lambda m, g: ("2024-03-05_fuzz.txt", _irc(m, g)),
    "weflow-txt": lambda m, g: ("群.txt", _weflow_txt(m, g)),
}


@st.composite
def generated_exports(draw) -> Export:
    """A valid export of one of the layouts above, from drawn messages."""
    layout = draw(st.sampled_from(sorted(_WRITERS)))
    name, data = _WRITERS[layout](draw(_messages()), draw(names))
    return Export(name, {name: data})


def sample_paths() -> list[Path]:
    """Every sample export: single files, and the folders that are one export each."""
    folders = [p for p in SAMPLES.iterdir() if p.is_dir()]
    out = []
    for folder in sorted(folders):
        for child in sorted(folder.iterdir()):
            if child.name != "users.json":  # a sidecar, written beside the messages it names
                out.append(child)
    return out


def sample_export(path: Path) -> Export:
    if path.is_dir():
        return Export(path.name, {str(p.relative_to(path.parent)): p.read_bytes()
                                  for p in sorted(path.rglob("*")) if p.is_file()})
    files = {path.name: path.read_bytes()}
    for sidecar in ("users.json",):  # PyWxDump reads its contact list beside the messages
        if (path.parent / sidecar).exists() and path.name != sidecar:
            files[sidecar] = (path.parent / sidecar).read_bytes()
    return Export(path.name, files)


def sample_exports() -> st.SearchStrategy[Export]:
    return st.sampled_from(sample_paths()).map(sample_export)


# --- mutations ------------------------------------------------------------------------------

def _truncate(data: bytes, r: random.Random) -> bytes:
    return data[: r.randrange(len(data) + 1)]


def _reencode(data: bytes, r: random.Random) -> bytes:
    text = data.decode("utf-8", "replace").lstrip("\ufeff")
    enc = r.choice(["gb18030", "utf-16", "utf-16-le", "utf-8-sig", "latin-1", "big5", "shift_jis"])
    return text.encode(enc, "replace")


def _lines(data: bytes, r: random.Random) -> bytes:
    lines = data.split(b"\n")
    op = r.choice(["shuffle", "duplicate", "drop", "reverse"])
    if op == "shuffle":
        r.shuffle(lines)
    elif op == "duplicate" and lines:
        i = r.randrange(len(lines))
        lines[i:i] = lines[i: i + r.randint(1, 5)]
    elif op == "drop" and lines:
        del lines[r.randrange(len(lines))]
    else:
        lines.reverse()
    return b"\n".join(lines)


def _random_bytes(data: bytes, r: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(r.randint(1, 8)):
        i = r.randrange(len(buf) + 1)
        op = r.choice(["insert", "replace", "delete"])
        chunk = bytes(r.randrange(256) for _ in range(r.randint(1, 16)))
        if op == "insert" or not buf:
            buf[i:i] = chunk
        elif op == "replace":
            buf[i: i + len(chunk)] = chunk
        else:
            del buf[i: i + len(chunk)]
    return bytes(buf)


def _huge_field(data: bytes, r: random.Random) -> bytes:
    i = r.randrange(len(data) + 1)
    filler = r.choice(["啊", "x", "\u202e", " ", "\\", '"', "{"]).encode("utf-8") * r.randint(10_000, 200_000)
    return data[:i] + filler + data[i:]


def _specials(data: bytes, r: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(r.randint(1, 20)):
        i = r.randrange(len(buf) + 1)
        buf[i:i] = r.choice(["\u202e", "\u202d\u2066", "\x1b[2J", "\x00", "\x1b]8;;http://x\x07", "\r", "\u2028",
                             "\ufeff", "\x7f"]).encode("utf-8")
    return bytes(buf)


def _line_ends(data: bytes, r: random.Random) -> bytes:
    if b"\r\n" in data and r.random() < 0.5:
        return data.replace(b"\r\n", b"\n")
    return data.replace(b"\n", r.choice([b"\r\n", b"\r", b"\n\n"]))


MUTATIONS = {"truncate": _truncate, "reencode": _reencode, "lines": _lines, "random_bytes": _random_bytes,
             "huge_field": _huge_field, "specials": _specials, "line_ends": _line_ends}


@st.composite
def mutated(draw, exports: st.SearchStrategy[Export]) -> tuple[Export, list[str]]:
    """An export with one to three mutations applied to one of its files."""
    export = draw(exports)
    ops = draw(st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=1, max_size=3))
    r = random.Random(draw(st.integers(0, 2**32 - 1)))
    files = dict(export.files)
    target = r.choice(sorted(files))
    for op in ops:
        files[target] = MUTATIONS[op](files[target], r)
    return Export(export.name, files), ops


# --- the properties ---------------------------------------------------------------------------

def parse(path: Path) -> list[tuple[str | None, str | None, pa.Table]]:
    """Detect and read ``path`` as grouplens does; each conversation's name, id and rows. For a
    line-oriented layout, every line is accounted for: one header per message, and (for UTF-8
    text) as many lines in the account as the file has."""
    imp = importers.detect(path)
    if imp.sidecar or imp is importers.MEMBER_LIST:
        return []
    conversations = list(imp.parse(path, OPTIONS))
    accounts = {id(c.lines): c.lines for c in conversations if c.lines is not None}
    if accounts and path.is_file():
        headers = sum(a.headers for a in accounts.values())
        assert headers == sum(c.messages.num_rows for c in conversations), "a message without a header line"
        try:
            text = path.read_bytes().decode("utf-8").lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
            text = None
        if text is not None:
            lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
            total = sum(a.lines for a in accounts.values())
            assert total == lines, f"{total} lines accounted for, the file has {lines}"
    return [(c.name, c.native_id, c.messages) for c in conversations]


def check_parse(export: Export, folder: Path) -> str:
    """Read an export twice: either both fail with a GrouplensError naming the file, or both give
    identical rows. Returns "ok" or "refused" (any other exception propagates: a bug)."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        path = export.write(folder)
        try:
            first = parse(path)
        except GrouplensError as e:
            assert e.path is None or Path(e.path).name in (path.name, *[Path(f).name for f in export.files]) \
                or str(folder) in e.path, e.path
            try:
                parse(path)
            except GrouplensError:
                return "refused"
            raise AssertionError("the second read of the same bytes did not fail") from None
        second = parse(path)
        assert len(first) == len(second)
        for (n1, i1, t1), (n2, i2, t2) in zip(first, second):
            assert (n1, i1) == (n2, i2) and t1.equals(t2), "two reads of the same bytes differ"
        return "ok"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def check_import(export: Export, folder: Path) -> str:
    """Import an export with the command line, twice: never a traceback or an internal error
    (exit 0, or 1 with one error line per bad file), and the second import adds nothing."""
    from typer.testing import CliRunner

    from grouplens.cli import app

    folder.mkdir(parents=True, exist_ok=True)
    try:
        path = export.write(folder / "in")
        store = folder / "store"
        outcomes = []
        for _ in range(2):
            result = CliRunner().invoke(app, ["import", str(path), "--store", str(store), "--json",
                                              "--date", "2024-03-05"])
            assert result.exit_code in (0, 1), (result.exit_code, result.output[-2000:], result.exception)
            assert "Traceback" not in result.output and "internal error" not in result.output, result.output[-2000:]
            if result.exit_code == 1:  # one line per bad file, notes and warnings, and the summary
                assert all(line.startswith(("error:", "note:", "warning:", " ")) or "failed" in line
                           or not line.strip() for line in result.stderr.splitlines()), result.stderr[-2000:]
            outcomes.append(json.loads(result.stdout) if result.stdout.strip() else None)
        first, second = outcomes
        if first is not None and second is not None:
            assert second["totals"]["added"] == 0, "importing the same bytes again added messages"
            assert second["totals"]["parsed"] == first["totals"]["parsed"]
        return "imported" if first and first["totals"]["added"] else "refused"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
