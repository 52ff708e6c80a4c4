"""Importing exports into the store: find files, detect their layout, parse, merge, commit.

Each file is all or nothing: it is parsed completely before any of it is staged, so a bad file
adds nothing. The good files of one run are committed together at the end. Merging is exact:
messages are deduplicated on their id within a group (the export's own id, or one derived from
ts + sender + text + occurrence, see ``ids.content_ids``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import stat
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import importers
from .. import schema as S
from ..config import StoreConfig, zone_or_default
from ..errors import FormatError, GroupConflictError, GrouplensError, StoreError, UsageError
from ..importers import ParsedConversation, ParseOptions
from ..importers.base import LineAccount
from ..importers.other.roster import platform_of_ids
from ..importers.textutil import INVISIBLE_CHARS, clean_array, rows_containing
from .compact import compact_crowded
from .ids import content_ids, group_id_for, hash_strings, repeated, same_native_id
from .quotes import resolve_quotes
from .store import MARKER as STORE_MARKER
from .store import GroupInfo, Store, Transaction, open_store

Progress = Callable[[str, dict[str, Any]], None]  # (event, details): "start", "file", "done"


@dataclass
class FileResult:
    """What happened to one input."""

    path: str
    status: str  # imported | unchanged | skipped | sidecar | error
    format: str | None = None
    groups: list[str] = field(default_factory=list)  # group names
    group_ids: list[str] = field(default_factory=list)
    parsed: int = 0
    added: int = 0
    duplicates: int = 0
    members: int = 0  # for member lists
    first_ts: str | None = None
    last_ts: str | None = None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    line: int | None = None
    # How the file's lines were read (line-oriented layouts): lines, headers, body, other,
    # unaccepted (header-shaped lines not read as headers) and the first unaccepted line numbers.
    lines: dict[str, Any] | None = None

    @property
    def unaccepted(self) -> int:
        return self.lines["unaccepted"] if self.lines else 0


@dataclass
class ImportReport:
    import_id: str
    store: str
    files: list[FileResult]
    compacted: list[str] = field(default_factory=list)  # groups compacted after the import ([store] compact_after)
    compact_problem: str | None = None  # why compacting after the import failed (the import stands)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "error"]

    @property
    def ok(self) -> bool:
        return not self.failed

    def totals(self) -> dict[str, int]:
        return {k: sum(getattr(f, k) for f in self.files)
                for k in ("parsed", "added", "duplicates", "members", "unaccepted")}

    @property
    def unaccepted(self) -> list[FileResult]:
        """Files with header-shaped lines that were not read as message headers."""
        return [f for f in self.files if f.unaccepted]

    def to_dict(self) -> dict[str, Any]:
        return {"import_id": self.import_id, "store": self.store, "ok": self.ok, "totals": self.totals(),
                "files": [asdict(f) for f in self.files]}


def make_options(tz: ZoneInfo | None = None, day: date | str | None = None) -> ParseOptions:
    """What parsing needs from the command line: the zone of local times (default ``config.DEFAULT_TZ``)
    and the date for layouts whose times carry none."""
    zone = zone_or_default(tz)
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError:
            raise UsageError(f"cannot read --date {day!r}; use YYYY-MM-DD") from None
    return ParseOptions(tz=zone, date=day)


def iter_inputs(paths: Iterable[str | Path]) -> Iterator[tuple[Path, bool]]:
    """Each input to try, and whether the user named it (True) or a folder walk found it."""
    for path, named, skip in walk_inputs(paths):
        if skip is None:
            yield path, named


def walk_inputs(paths: Iterable[str | Path]) -> Iterator[tuple[Path, bool, str | None]]:
    """Each input, whether the user named it, and why it is skipped (None: read it).

    Folders are walked recursively, each real folder once (a symbolic-link loop or a link to a
    folder already walked adds nothing), and no link is followed out of the folder the user
    named. A file reached twice (through a link) is read once. Only regular files are read: a
    FIFO, socket or device would block or never end.
    """
    seen: set[tuple[int, int]] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir() and not importers.is_export_dir(path):
            root = path.resolve()
            yield from _walk(path, root, seen)
        else:
            key = _identity(path)
            if key is not None and key in seen:
                continue
            if key is not None:
                seen.add(key)
            yield path, True, None


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _walk(folder: Path, root: Path, seen: set[tuple[int, int]]) -> Iterator[tuple[Path, bool, str | None]]:
    key = _identity(folder)
    if key is None or key in seen:
        return
    seen.add(key)
    try:
        children = sorted(folder.iterdir())
    except OSError as e:
        yield folder, False, f"cannot list folder ({e.strerror or e.__class__.__name__})"
        return
    for child in children:
        if child.name.startswith("."):
            continue
        if child.is_symlink():
            try:
                target = child.resolve(strict=True)
            except (OSError, RuntimeError):  # a dangling link or a loop of links
                yield child, False, "broken or looping symbolic link"
                continue
            if not target.is_relative_to(root):
                yield child, False, "symbolic link out of the folder"
                continue
        if child.is_dir():
            if importers.is_export_dir(child) or (child / STORE_MARKER).exists():  # a store is skipped whole
                if _identity(child) not in seen:
                    seen.add(_identity(child))
                    yield child, False, None
            else:
                yield from _walk(child, root, seen)
        elif child.is_file():
            ident = _identity(child)
            if ident in seen:
                continue
            seen.add(ident)
            yield child, False, None
        else:
            yield child, False, _not_regular(child) or "not a regular file"


def _not_regular(path: Path) -> str | None:
    """Why ``path`` must not be opened (a FIFO would block while the store is locked), or None."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return None
    kind = ("FIFO" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode)
            else "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "special file")
    return f"not a regular file ({kind})"


def _size(path: Path) -> int:
    try:
        if path.is_dir():
            return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        return path.stat().st_size
    except OSError:
        return 0


def import_paths(store: Store | str | Path | None, paths: Iterable[str | Path], *, fmt: str | None = None,
                 group: str | None = None, tz: ZoneInfo | None = None, day: date | str | None = None,
                 strict: bool = False, progress: Progress | None = None, debug: bool = False,
                 compact_after: int = StoreConfig.compact_after) -> ImportReport:
    """Import files and folders into the store; the library function behind ``grouplens import``.

    Args:
        store: a Store or a store path (created if missing).
        paths: files or folders (walked recursively; media files are skipped).
        fmt: force one layout (``grouplens formats`` lists them) instead of detecting it.
        group: put everything into this group (name or id; created if new). Required for
            member lists when the store holds several groups.
        tz: the time zone exports' wall-clock times are read in (default ``[time] tz``).
        day: the date for layouts whose times carry none (IRC, chatlog text).
        strict: refuse a file (import nothing from it) when some of its lines look like message
            headers but were not read as ones; otherwise the file is imported and the report
            lists those lines (``FileResult.lines``).
        compact_after: afterwards, compact the groups the import leaves with more part files
            than this (``[store] compact_after``; 0: never).
    """
    options = make_options(tz, day)
    forced = importers.get(fmt) if fmt else None
    inputs = list(walk_inputs(paths))
    st = store if isinstance(store, Store) else open_store(store, create=True)
    notify = progress or (lambda event, details: None)
    notify("start", {"total": len(inputs)})
    with st.lock(on_wait=lambda: notify("waiting", {})):
        tx = st.transaction()
        tx.space_hint = sum(_size(p) for p, _, skip in inputs if skip is None) + 1_000_000
        ahead = _ReadAhead(forced, options)
        to_read = [path for path, _, skip in inputs if skip is None]
        following = dict(zip(to_read, to_read[1:]))
        results: list[FileResult] = []
        try:
            for path, named, skip in inputs:
                notify("file", {"path": str(path)})
                if skip is not None:
                    result = FileResult(path=str(path), status="skipped", error=skip)
                else:
                    if path in following:
                        ahead.start(path, following[path])
                    result = _import_one(tx, path, named, forced, group, options, debug, notify, strict, ahead)
                results.append(result)
                notify("done", {"result": result})
            report = ImportReport(tx.import_id, str(st.path), results)
            notify("phase", {"phase": "updating members and groups"})
            tx.commit({"files": [asdict(r) for r in results], "totals": report.totals()})
        except BaseException:
            tx.abort()
            raise
        finally:
            ahead.close()
        if compact_after and tx.committed:
            report.compacted, report.compact_problem = compact_crowded(st, list(tx.groups), compact_after)
    return report


# Inputs up to this size are parsed one ahead, in the background, while the one before is merged
# (an import of many exports uses a second core that way); bigger ones are read in parts instead.
READ_AHEAD_BYTES = 32 * 2**20


class _ReadAhead:
    """Parses the next input in a background thread while the current one is merged.

    Only a regular file goes ahead, and only when it and the one being merged are small, so that
    two big files never sit in memory at once. ``_import_one`` takes the result if the file gets
    as far as parsing with the same importer (its own checks come first); otherwise it is dropped.
    """

    def __init__(self, forced: importers.Importer | None, options: ParseOptions):
        self.forced, self.options = forced, options
        self._pool: ThreadPoolExecutor | None = None
        self._pending: dict[Path, Future] = {}

    def start(self, current: Path, following: Path) -> None:
        try:
            if not (_small_file(current) and _small_file(following)):
                return
        except OSError:
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="grouplens-read")
        self._pending[following] = self._pool.submit(self._parse, following)

    def _parse(self, path: Path) -> tuple[importers.Importer | None, list[ParsedConversation] | None,
                                           BaseException | None]:
        try:
            if written_by_grouplens(path):  # skipped where the file is imported
                return None, None, None
            imp = self.forced or importers.detect(path)
        except Exception:  # detection is done again, and reported, where the file is imported
            return None, None, None
        if imp.sidecar or imp.directory or imp is importers.MEMBER_LIST:
            return None, None, None
        try:
            return imp, list(imp.parse(path, self.options)), None
        except Exception as e:  # raised where the file is imported, as if parsed there
            return imp, None, e

    def take(self, path: Path, imp: importers.Importer) -> list[ParsedConversation] | None:
        """The conversations parsed ahead for ``path`` with ``imp`` (its error raised), or None."""
        future = self._pending.pop(path, None)
        if future is None:
            return None
        parsed_with, conversations, error = future.result()
        if parsed_with is not imp:
            return None
        if error is not None:
            raise error
        return conversations

    def close(self) -> None:
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=False)


def _small_file(path: Path) -> bool:
    return path.is_file() and path.stat().st_size <= READ_AHEAD_BYTES


# What grouplens itself writes beside exports, recognised so that importing the folder skips it.
_OWN_JSON = {"grouplens-simulation": "the truth file of `grouplens simulate`, not an export",
             "grouplens-report": "a grouplens report, not an export"}


def written_by_grouplens(path: Path) -> str | None:
    """Why ``path`` is no export, when grouplens wrote it: a store, settings, a simulation's
    truth file or a report; else None."""
    if path.is_dir():
        return "a grouplens store, not an export" if (path / STORE_MARKER).exists() else None
    if path.name in ("grouplens.toml", STORE_MARKER):
        return "grouplens settings, not an export" if path.name == "grouplens.toml" else "a grouplens store file"
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError:
        return None
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \r\n\t")
    if text.startswith("{"):
        for marker, why in _OWN_JSON.items():
            if f'"format": "{marker}"' in text[:200]:
                return why
    if text.startswith("<!DOCTYPE html>") and '<meta name="generator" content="grouplens">' in text:
        return "a grouplens report page, not an export"
    return None


def _import_one(tx: Transaction, path: Path, named: bool, forced, group: str | None,
                options: ParseOptions, debug: bool, notify: Progress, strict: bool = False,
                ahead: _ReadAhead | None = None) -> FileResult:
    result = FileResult(path=str(path), status="error")
    try:
        if not path.exists():
            raise FormatError("no such file or folder", path=path)
        special = _not_regular(path)  # before anything opens it: a FIFO would block
        if special:
            result.status, result.error = "skipped", special
            return result
        written = written_by_grouplens(path)
        if written:
            result.status, result.error = "skipped", written
            return result
        if not named and not path.is_dir():
            sample = importers.take_sample(path)
            if importers.is_media(sample):
                result.status, result.error = "skipped", "media file"
                return result
        imp = forced or importers.detect(path)
        result.format = imp.name
        if imp.sidecar:
            result.status = "sidecar"
            return result
        if imp is importers.MEMBER_LIST:
            _import_member_list(tx, path, imp, group, options, result)
        else:
            notify("phase", {"phase": f"reading {imp.name}"})
            conversations = ahead.take(path, imp) if ahead else None
            if conversations is None:
                conversations = list(imp.parse(path, options))  # the whole file parses before anything is staged
            release_memory()
            account = file_account(conversations)
            if account is not None:
                result.lines = account.to_dict()
                if strict and account.unaccepted:
                    raise FormatError(unaccepted_message(account, imported=False) + "; --strict refuses such files",
                                      path=path, line=account.unaccepted[0])
            if not conversations:
                raise FormatError("no messages found", path=path)
            notify("phase", {"phase": "merging"})
            _stage_conversations(tx, conversations, str(path), group, result)
    except StoreError:
        raise  # the store, not this input, is the problem: the whole import stops
    except GrouplensError as e:
        if e.path is None:
            e.path = str(path)
        result.status, result.error, result.line = "error", str(e), e.line
        if debug:
            result.warnings.append(traceback.format_exc())
    except (OSError, MemoryError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else e.__class__.__name__
        result.status, result.error = "error", f"{path}: cannot read ({reason})"
        if debug:
            result.warnings.append(traceback.format_exc())
    return result


def release_memory() -> None:
    """Give the memory that parsing freed back to the system: Arrow's pool keeps freed blocks,
    and glibc's malloc keeps what numpy's temporaries (many, in several threads) used. Without
    this, a big import's peak is that memory plus everything merging allocates after it."""
    pa.default_memory_pool().release_unused()
    if _trim is not None:
        _trim(0)


try:
    _trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
except (OSError, AttributeError):  # not glibc
    _trim = None


def file_account(conversations: list[ParsedConversation]) -> LineAccount | None:
    """The LineAccount of a file (its conversations share it), or None for layouts without one."""
    accounts = {id(c.lines): c.lines for c in conversations if c.lines is not None}
    if not accounts:
        return None
    total = LineAccount()
    for account in accounts.values():
        total.add(account)
    return total


def unaccepted_message(account: LineAccount | dict[str, Any], *, imported: bool = True) -> str:
    """What a file's unaccepted header-shaped lines are, in one sentence (without the file)."""
    info = account.to_dict() if isinstance(account, LineAccount) else account
    n, shown = info["unaccepted"], info["unaccepted_lines"]
    where = ", ".join(map(str, shown)) + (", …" if n > len(shown) else "")
    said = (f"{n} line looks like a message header but was not read as one (line {where})" if n == 1 else
            f"{n} lines look like message headers but were not read as ones (lines {where})")
    kept = "; its text stays in the message before it" if n == 1 else "; their text stays in the messages before them"
    return said + (kept if imported else "")


def import_conversations(store: Store | str | Path | None, conversations: list[ParsedConversation], *,
                         source: str, group: str | None = None) -> ImportReport:
    """Import already-parsed conversations (e.g. built in Python) as if read from ``source``."""
    st = store if isinstance(store, Store) else open_store(store, create=True)
    with st.lock():
        tx = st.transaction()
        result = FileResult(path=source, status="error", format="python")
        try:
            _stage_conversations(tx, conversations, source, group, result)
            report = ImportReport(tx.import_id, str(st.path), [result])
            tx.commit({"files": [asdict(result)], "totals": report.totals()})
        except BaseException:
            tx.abort()
            raise
    return report


def _stage_conversations(tx: Transaction, conversations: list[ParsedConversation], source: str,
                         group: str | None, result: FileResult) -> None:
    staged: list[tuple[GroupInfo, pa.Table]] = []
    path = source
    if group is not None:
        distinct = list(dict.fromkeys(_conversation_key(c) for c in conversations))
        if len(distinct) > 1:
            names = ", ".join(dict.fromkeys(c.name or c.native_id or "?" for c in conversations))
            raise UsageError(f"this export holds {len(distinct)} conversations ({names}); --group would put them "
                             "all into one group: import it without --group (each conversation becomes its own "
                             "group) or export the one conversation you mean", path=source)
    for conv in conversations:
        info = _resolve_group(tx, conv, group)
        info.is_group = bool(info.is_group) or conv.is_group  # a group once any export says so
        # The export's own messages count as history too: a sender it names without an id in one
        # message and with one in another is one member, now and when the file is imported again.
        history = pa.concat_tables([tx.group_history(info.group_id, [S.SENDER_ID, S.SENDER_NAME]),
                                    conv.messages.select([S.SENDER_ID, S.SENDER_NAME]).cast(
                                        pa.schema([pa.field(S.SENDER_ID, pa.string()),
                                                   pa.field(S.SENDER_NAME, pa.string())]))])
        messages = adopt_known_ids(conv.messages, history)
        table = finalize_messages(messages, group_name=conv.name or info.name, platform=conv.platform,
                                  source_file=str(path), import_id=tx.import_id)
        staged.append((info, table))
        result.warnings.extend(conv.warnings)
    for (info, table), conv in zip(staged, conversations):
        tx.touch_group(info)
        new, dupes = _deduplicate(tx, info.group_id, table)
        new = _resolve_quotes(tx, info.group_id, new)
        tx.stage_messages(info.group_id, new)
        if conv.roster is not None and conv.roster.num_rows:
            tx.stage_roster(info.group_id, _roster_file_table(conv.roster, str(path), tx.import_id))
            result.members += conv.roster.num_rows
        result.parsed += table.num_rows
        result.added += new.num_rows
        result.duplicates += dupes
        if info.name not in result.groups:
            result.groups.append(info.name or info.group_id)
            result.group_ids.append(info.group_id)
        if table.num_rows:
            first, last = pc.min(table[S.TS]).as_py(), pc.max(table[S.TS]).as_py()
            result.first_ts = min(filter(None, [result.first_ts, first.isoformat()]))
            result.last_ts = max(filter(None, [result.last_ts, last.isoformat()]))
    result.status = "imported" if result.added or result.members else "unchanged"


def _import_member_list(tx: Transaction, path: Path, imp, group: str | None, options: ParseOptions,
                        result: FileResult) -> None:
    roster = imp.parse_roster(path, options)
    group = group or imp.group_named(path)
    if group is None:
        known = list(tx.groups) or tx.store.group_ids()
        if len(known) != 1:
            raise UsageError("a member list needs --group NAME (or a group column) to say which group it lists",
                             path=path)
        group = known[0]
    ids = roster.column(S.MEMBER_ID).to_pylist()
    conv = ParsedConversation(platform=platform_of_ids(ids), name=group, messages=pa.table({}))
    info = _resolve_group(tx, conv, group)
    tx.touch_group(info)
    tx.stage_roster(info.group_id, _roster_file_table(roster, str(path), tx.import_id))
    result.members = roster.num_rows
    result.groups, result.group_ids = [info.name or info.group_id], [info.group_id]
    result.status = "imported"


def _roster_file_table(roster: pa.Table, source_file: str, import_id: str) -> pa.Table:
    n = roster.num_rows
    return (roster.append_column(S.SOURCE_FILE, pa.repeat(pa.scalar(source_file, pa.string()), n))
            .append_column(S.IMPORT_ID, pa.repeat(pa.scalar(import_id, pa.string()), n))
            .select(S.ROSTER_FILE_SCHEMA.names).cast(S.ROSTER_FILE_SCHEMA))


def _conversation_key(conv: ParsedConversation) -> tuple[str, str]:
    return (conv.platform, f"id:{conv.native_id.strip()}" if conv.native_id and conv.native_id.strip()
            else f"name:{conv.name or ''}")


def _info(row: dict[str, Any]) -> GroupInfo:
    return GroupInfo(row[S.GROUP_ID], row[S.GROUP_NAME], row[S.PLATFORM], row[S.NATIVE_ID], list(row[S.NAMES] or []))


def _resolve_group(tx: Transaction, conv: ParsedConversation, group: str | None) -> GroupInfo:
    """Which group a conversation goes to: --group, else its own id, else a group of that name."""
    known = {r[S.GROUP_ID]: r for r in tx.store.groups_table().to_pylist()}
    pending = tx.groups
    if group is not None:
        for gid, info in pending.items():
            if group in (gid, info.name):
                return info
        try:
            return _info(known[tx.store.resolve_group(group)])
        except GrouplensError:
            gid = group_id_for(conv.platform, conv.native_id, group)
            if conv.native_id:
                try:
                    found = _group_of_native_id(tx, known, conv.platform, conv.native_id, group)
                    if found.group_id in pending or found.group_id in known:
                        return found
                except GroupConflictError:  # the id's folder is taken: a folder named after --group
                    gid = group_id_for(conv.platform, None, group)
            return GroupInfo(gid, group, conv.platform, conv.native_id, [n for n in (group, conv.name) if n])
    if conv.native_id:
        return _group_of_native_id(tx, known, conv.platform, conv.native_id, conv.name)
    # No id in the export: the same platform's group of that name, if there is exactly one.
    same = [info for info in pending.values() if info.platform == conv.platform and conv.name in info.names]
    same += [_info(r) for r in known.values() if r[S.GROUP_ID] not in pending
             and r[S.PLATFORM] == conv.platform and conv.name in (r[S.NAMES] or [])]
    if len(same) == 1:
        return same[0]
    gid = group_id_for(conv.platform, None, conv.name)
    return pending.get(gid) or GroupInfo(gid, conv.name, conv.platform, None, [conv.name] if conv.name else [])


def _group_of_native_id(tx: Transaction, known: dict[str, dict[str, Any]], platform: str, native_id: str,
                        name: str | None) -> GroupInfo:
    """The group of a conversation the export names by id: the group that already has that id
    (whatever its folder is called: stores written before folder names were made injective keep
    theirs), else a new one, in a folder no other conversation uses."""
    for info in tx.groups.values():
        if info.platform == platform and info.native_id and same_native_id(info.native_id, native_id):
            return info
    for row in known.values():
        if row[S.PLATFORM] == platform and row[S.NATIVE_ID] and same_native_id(row[S.NATIVE_ID], native_id):
            return _info(row)
    gid = group_id_for(platform, native_id, name)
    taken = tx.groups.get(gid) or (_info(known[gid]) if gid in known else None)
    if taken is not None:
        if taken.native_id is None:  # a group made with --group from an export without an id
            return taken
        raise GroupConflictError(f"the group folder {gid} already holds a different conversation (another "
                                 "native id that an older grouplens gave the same folder name); import this "
                                 "export into a group of its own with --group NEW_NAME")
    return GroupInfo(gid, name, platform, native_id, [name] if name else [])


def adopt_known_ids(parsed: pa.Table, history: pa.Table) -> pa.Table:
    """Senders an export knows only by name take the id of the member who used that name.

    A format without ids (MemoTrace TXT, QCE TXT) keys senders as ``name:<name>``. When the group
    already holds messages from a format with ids, and exactly one member id used that name,
    the message is that member's, so both exports describe the same people (and the same
    messages get the same derived ids).
    """
    sender = parsed.column(S.SENDER_ID)
    by_name = pc.fill_null(pc.starts_with(sender, S.NAME_ID_PREFIX), False)
    if history.num_rows == 0 or not pc.any(by_name).as_py():
        return parsed
    # Each name's distinct ids among the members known by id; a name with exactly one is adopted.
    known_id, known_name = history.column(S.SENDER_ID), history.column(S.SENDER_NAME)
    keep = pc.and_(pc.invert(pc.fill_null(pc.starts_with(known_id, S.NAME_ID_PREFIX), True)),
                   pc.fill_null(pc.not_equal(known_name, ""), False))
    pairs = pa.table({"name": known_name, "id": known_id}).filter(keep).group_by(["name", "id"]).aggregate([])
    per_name = pairs.group_by("name").aggregate([("id", "count"), ("id", "min")])
    unique = per_name.filter(pc.equal(per_name.column("id_count"), 1))
    if unique.num_rows == 0:
        return parsed
    keys = pc.binary_join_element_wise(S.NAME_ID_PREFIX, unique.column("name"), "").combine_chunks()
    adopted = unique.column("id_min").cast(sender.type)
    # A sender keyed by one name but shown with another (an export's "我" for its own account,
    # shown with the account's name) is matched on the name shown too.
    shown = pc.binary_join_element_wise(S.NAME_ID_PREFIX, parsed.column(S.SENDER_NAME).cast(pa.string()), "")
    found = pc.coalesce(pc.index_in(sender, value_set=keys), pc.index_in(shown, value_set=keys))
    mapped = pc.if_else(pc.and_(by_name, pc.is_valid(found)), pc.take(adopted, found), sender)
    return parsed.set_column(parsed.schema.get_field_index(S.SENDER_ID), S.SENDER_ID, mapped)


def finalize_messages(parsed: pa.Table, *, group_name: str | None, platform: str, source_file: str,
                      import_id: str) -> pa.Table:
    """Turn an importer's table into the store's FILE_SCHEMA: clean text, ids, sort, provenance."""
    t = parsed if parsed.schema.equals(S.PARSED_SCHEMA) else parsed.cast(S.PARSED_SCHEMA)
    n = t.num_rows
    _check_kinds(t, source_file)
    for col in (S.TEXT, S.SENDER_NAME, S.QUOTE_TEXT, S.QUOTE_SENDER):
        values = t.column(col).combine_chunks()
        if values.null_count < n and rows_containing(values, INVISIBLE_CHARS).any():
            t = t.set_column(t.schema.get_field_index(col), col, clean_array(values))
    ids = t.column(S.MSG_ID).combine_chunks()
    all_derived = ids.null_count == n  # then unique by construction (see ids.content_ids)
    if ids.null_count:
        sender = pc.coalesce(t.column(S.SENDER_ID), t.column(S.SENDER_NAME)).combine_chunks()
        derived = content_ids(t.column(S.TS).combine_chunks(), sender, t.column(S.TEXT).combine_chunks())
        ids = pc.coalesce(ids, derived) if ids.null_count < n else derived
    t = t.set_column(t.schema.get_field_index(S.MSG_ID), S.MSG_ID, ids)
    micros = pc.cast(t.column(S.TS), pa.int64()).to_numpy(zero_copy_only=False)
    if n > 1 and (np.diff(micros) < 0).any():  # exports are usually in order already
        t = t.take(pc.sort_indices(t, [(S.TS, "ascending")]))  # stable: equal times keep export order
    t = (t.append_column(S.GROUP_NAME, pa.repeat(pa.scalar(group_name, pa.string()), n))
          .append_column(S.PLATFORM, pa.repeat(pa.scalar(platform, pa.string()), n))
          .append_column(S.SOURCE_FILE, pa.repeat(pa.scalar(source_file, pa.string()), n))
          .append_column(S.IMPORT_ID, pa.repeat(pa.scalar(import_id, pa.string()), n)))
    t = t.select(S.FILE_SCHEMA.names).cast(S.FILE_SCHEMA)
    return t.replace_schema_metadata({_IDS_KEY: b"derived" if all_derived else b"export"})


_IDS_KEY = b"grouplens.msg_ids"


def _check_kinds(table: pa.Table, source_file: str) -> None:
    """Every message's kind is one of ``schema.KINDS``, whichever importer or library caller made it."""
    kinds = table.column(S.KIND)
    bad = pc.invert(pc.fill_null(pc.is_in(kinds, value_set=pa.array(S.KINDS)), False))
    if pc.any(bad).as_py():
        row = pc.index(bad, True).as_py()
        line = table.column(S.SOURCE_LINE)[row].as_py()
        raise FormatError(f"unknown message kind {kinds[row].as_py()!r}; kinds are: {', '.join(S.KINDS)}",
                          path=source_file, line=line)


def _deduplicate(tx: Transaction, group_id: str, table: pa.Table) -> tuple[pa.Table, int]:
    """Drop messages whose id the group already has (in the store, this import, or this table)."""
    ids = table.column(S.MSG_ID).combine_chunks()
    n = len(ids)
    keep = np.ones(n, dtype=bool)
    seen = tx.known_ids(group_id)
    if len(seen):
        keep &= ~pc.is_in(ids, value_set=seen).to_numpy(zero_copy_only=False)
    # An export repeating its own id (overlapping chunks) keeps the first copy. Hashing the ids
    # finds candidates fast; only rows whose hash repeats are compared as strings.
    derived = (table.schema.metadata or {}).get(_IDS_KEY) == b"derived"
    clash = [] if derived else np.flatnonzero(repeated(hash_strings(ids)))
    if len(clash):
        seen: set[str] = set()
        for i in clash:
            value = ids[int(i)].as_py()
            if value in seen:
                keep[i] = False
            seen.add(value)
    new = table if keep.all() else table.filter(pa.array(keep))
    return new, n - new.num_rows


def _resolve_quotes(tx: Transaction, group_id: str, table: pa.Table) -> pa.Table:
    """Fill reply_to for quotes carried as text, from the group's messages so far."""
    has_quote = pc.and_(pc.is_null(table.column(S.REPLY_TO)),
                        pc.is_valid(table.column(S.QUOTE_TEXT)))
    if not pc.any(has_quote).as_py():
        return table
    cols = [S.MSG_ID, S.TS, S.SENDER_ID, S.SENDER_NAME, S.TEXT]
    history = pa.concat_tables([tx.group_history(group_id, cols).select(cols), table.select(cols)])
    quotes = table.filter(has_quote).select([S.MSG_ID, S.TS, S.QUOTE_SENDER, S.QUOTE_TEXT, S.QUOTE_TS]).to_pandas()
    found = resolve_quotes(quotes, history.to_pandas())
    replies = table.column(S.REPLY_TO).to_pylist()
    positions = [i for i, q in enumerate(has_quote.to_pylist()) if q]
    for pos, target in zip(positions, found.tolist()):
        replies[pos] = target
    return table.set_column(table.schema.get_field_index(S.REPLY_TO), S.REPLY_TO, pa.array(replies, pa.string()))
