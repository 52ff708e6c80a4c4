"""The store: a folder of Hive-partitioned Parquet files that any Arrow reader can open.

Layout::

    <store>/grouplens-store.json                      marker: format version, salt for aliases
    <store>/messages/group_id=<id>/part-<import>.parquet   one file per import and group
    <store>/rosters/group_id=<id>/part-<import>.parquet    member lists as imported
    <store>/members/group_id=<id>/members.parquet          derived: everyone known in the group
    <store>/groups.parquet                                  derived: one row per group
    <store>/imports/<import>.json                           what each import did (its journal)

An import writes everything into ``.staging/<import>/`` first: one messages file (and at most
one roster file) per group, then the derived members and groups tables. Its commit point is the
journal ``imports/pending/<import>.json``, written atomically; then the staged files are renamed
into place, the data first and the derived files last, so a reader that does not know grouplens
(pyarrow, DuckDB) sees each group's messages all old or all new and never a derived table
describing data that is not there yet. A crash before the journal leaves only a staging folder
(removed on next open); a crash after it is finished on next open. Only one writer runs at a
time: a lock file serialises them. Folders are created readable by their owner only (0700),
files 0600.

A change that rewrites a whole group folder (``grouplens compact``) stages the folder's new
contents and swaps the two folders in one step (``exchange``: renameat2's RENAME_EXCHANGE on
Linux, RENAME_SWAP on macOS), so a plain reader sees the group's old files or its new ones.
Where the filesystem has no such swap the old folder is renamed away and the new one into its
place: a plain reader may then miss the group for that moment (grouplens readers finish the
change before they read).

Readers check what they read: a file that cannot be decoded, or whose columns are not the ones
its place says, is named in a ``StoreDamagedError`` that says how to rebuild it (derived tables)
or set it aside (``grouplens verify --repair``). Only files named as grouplens names them
(``part-*.parquet``, ``members.parquet``) are read, so a foreign file in a folder is ignored.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq

from .. import schema as S
from ..config import DEFAULT_STORE, STORE_ENV, zone_or_default
from ..errors import (
    DiskFullError,
    GroupNotFoundError,
    Interrupted,
    StoreBusyError,
    StoreDamagedError,
    StoreError,
)
from ..lazy import lazy

if TYPE_CHECKING:
    from concurrent.futures import Future

# Loaded when first used: `grouplens groups` reads groups.parquet with pyarrow.parquet alone.
pd = lazy("pandas")
pc = lazy("pyarrow.compute")
ds = lazy("pyarrow.dataset")
filelock = lazy("filelock")

MARKER = "grouplens-store.json"
STORE_FORMAT = 1
LOCK_WAIT_ENV = "GROUPLENS_LOCK_WAIT"  # seconds an import waits for another one (default 600)
_PARQUET_OPTIONS = {"compression": "zstd", "row_group_size": 256 * 1024}
# Messages: dictionary-encode the repetitive columns only, and keep min/max statistics for ts
# (what period filters use); both choices make writing a third faster at the same size.
_MESSAGE_PARQUET_OPTIONS = {**_PARQUET_OPTIONS, "write_statistics": [S.TS],
                            "use_dictionary": [S.GROUP_NAME, S.PLATFORM, S.SENDER_ID, S.SENDER_NAME, S.KIND,
                                               S.SOURCE_FILE, S.IMPORT_ID]}


def resolve_store_path(path: str | Path | None) -> Path:
    """--store, else $GROUPLENS_STORE, else ./grouplens-store."""
    if path:
        return Path(path)
    return Path(os.environ.get(STORE_ENV) or DEFAULT_STORE)


def new_import_id() -> str:
    import secrets  # only writers need it (a reader starts faster without)
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f") + "-" + secrets.token_hex(3)  # sorts by time


GROUPS_FILE = "groups.parquet"
MEMBERS_FILE = "members.parquet"
PART_GLOB = "part-*.parquet"
DATA_TABLES = ("messages", "rosters")  # what was imported: cannot be rebuilt
DERIVED_TABLES = ("members",)  # rebuilt from the data (with groups.parquet)
CACHE_DIRS = ("tokens", "derived")  # caches that readers add to (words; analysis.derived); safe to delete
RECORD_DIRS = ("actions",)  # JSON records reports keep per group and week (the to-do lists); not rebuilt
TABLE_SCHEMAS = {"messages": S.FILE_SCHEMA, "rosters": S.ROSTER_FILE_SCHEMA, "members": S.MEMBERS_SCHEMA}
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
_DISK_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
# What a journal may name: files and folders of the store's own layout, nothing else.
_STEP_PATH = re.compile(r"(?:(?:messages|rosters)/group_id=[^/\x00]+/part-[^/\x00]+\.parquet"
                        r"|members/group_id=[^/\x00]+/members\.parquet|groups\.parquet"
                        r"|(?!imports/|set-aside/)[a-z][a-z0-9_-]{0,40}/group_id=[^/\x00]+)")
_IMPORT_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,80}")


def _partition(group_id: str) -> str:
    return f"{S.GROUP_ID}={group_id}"


def private_dir(path: Path, root: Path | None = None) -> Path:
    """Create ``path`` and its missing parents (up to ``root``) readable by the owner only."""
    missing = []
    p = Path(path)
    while not p.exists() and p != root and p.parent != p:
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            pass
    return Path(path)


def private_file(path: Path) -> None:
    """Make a file the store wrote readable by its owner only."""
    os.chmod(path, PRIVATE_FILE)


def disk_full(root: Path, needed: int | None = None, committed: bool = False) -> DiskFullError:
    """The one-line error for a full disk: the store, the free space, and what the change needs."""
    try:
        free = f"{shutil.disk_usage(root).free / 1e6:.1f} MB free"
    except OSError:
        free = "no free space"
    need = f"; this import needs up to about {max(needed, 1_000_000) / 1e6:.1f} MB" if needed else \
        "; it needs at least a few MB"
    if committed:
        tail = ("; the import was committed and is finished the next time the store is opened "
                "with enough space")
    else:
        tail = "; nothing was changed: free some space and run it again"
    return DiskFullError(f"the disk holding this store is full ({free}){need}{tail}", path=root)


def is_disk_full(e: BaseException) -> bool:
    return isinstance(e, OSError) and e.errno in _DISK_FULL


_commit_depth = 0
_commits_done = 0


def commits_done() -> int:
    """How many changes this process has committed to a store (a Ctrl-C after one must not be
    reported as "nothing was changed")."""
    return _commits_done


def _count_commit() -> None:
    global _commits_done
    _commits_done += 1


def committing() -> bool:
    """Whether this process is between a change's commit point and its end (a Ctrl-C handler
    waits for that to pass rather than leave the change to the next open)."""
    return _commit_depth > 0


@contextmanager
def _commit_section() -> Iterator[None]:
    global _commit_depth
    _commit_depth += 1
    try:
        yield
    finally:
        _commit_depth -= 1


@dataclass
class GroupInfo:
    """What the store knows of a group before its tables are derived."""

    group_id: str
    name: str | None
    platform: str
    native_id: str | None = None
    names: list[str] = field(default_factory=list)
    is_group: bool | None = None  # what the export says: a group chat, or a private one


def open_store(path: str | Path | None = None, *, create: bool = False) -> Store:
    """Open the store at ``path`` (see resolve_store_path); ``create`` makes a new one if none.
    An fsspec URL (``s3://bucket/prefix``, ``memory://x``) opens a read-only ``RemoteStore``;
    a ``file://`` URL is a local folder."""
    location = str(path) if path else os.environ.get(STORE_ENV)
    if location and "://" in location:
        from .remote import RemoteStore, is_url, local_path_of
        if is_url(location):
            local = local_path_of(location)
            if local is None:
                return RemoteStore(location, create=create)
            path = local
    return Store(resolve_store_path(path), create=create)


class Store:
    """Read access to a store, and the one way to change it (``transaction``)."""

    writable = True  # a RemoteStore (store/remote.py) is read-only
    _filesystem: Any = None  # where pyarrow reads the files (None: the local filesystem)

    def __init__(self, path: Path, *, create: bool = False):
        self.path = Path(path)
        marker = self.path / MARKER
        if not marker.exists():
            if not create:
                raise StoreError("no grouplens store here; run 'grouplens import PATH' first or pass --store",
                                 path=self.path)
            if self.path.exists() and any(self.path.iterdir()):
                raise StoreError("folder is not empty and not a grouplens store; choose another --store",
                                 path=self.path)
            if not self.path.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            private_dir(self.path)
            os.chmod(self.path, PRIVATE_DIR)
            import secrets
            try:
                _write_json_atomic(marker, {"format": STORE_FORMAT, "created": datetime.now(UTC).isoformat(),
                                            "salt": secrets.token_hex(16)})
            except OSError as e:
                if is_disk_full(e):
                    raise disk_full(self.path) from None
                raise
        try:
            self.meta = json.loads(marker.read_text("utf-8"))
            if not isinstance(self.meta, dict) or not isinstance(self.meta.get("salt"), str):
                raise ValueError("not a grouplens store marker")
        except (OSError, ValueError) as e:
            raise StoreDamagedError(f"damaged store marker ({e}); it holds the salt of member keys, so "
                                    "restore it from a backup", path=marker) from None
        if self.meta.get("format") != STORE_FORMAT:
            raise StoreError(f"store format {self.meta.get('format')} is not supported by this grouplens",
                             path=marker)
        self._recover_if_needed()

    # --- paths ---------------------------------------------------------------------------
    @property
    def messages_dir(self) -> Path:
        return self.path / "messages"

    @property
    def salt(self) -> str:
        return self.meta["salt"]

    def group_dir(self, table: str, group_id: str) -> Path:
        return self.path / table / _partition(group_id)

    # --- groups ----------------------------------------------------------------------------
    def groups(self, private: bool = True) -> pd.DataFrame:
        """One row per group (schema.GROUPS_SCHEMA), largest first; without the private
        (one-to-one) chats exports held when ``private`` is false."""
        table = self.groups_table()
        df = table.to_pandas()
        if not private:
            df = df[df[S.IS_GROUP].astype(object).ne(False)]
        return df.sort_values([S.MESSAGE_COUNT, S.GROUP_ID], ascending=[False, True]).reset_index(drop=True)

    def groups_table(self) -> pa.Table:
        path = self.path / GROUPS_FILE
        try:
            stat = path.stat()
        except FileNotFoundError:
            folders = self.partition_ids("messages") | self.partition_ids("rosters")
            if folders:
                raise StoreDamagedError(f"{GROUPS_FILE} is missing but the store holds {len(folders)} group "
                                        "folder(s); it is derived from the messages: run 'grouplens verify "
                                        "--repair' to rebuild it", path=path) from None
            return S.GROUPS_SCHEMA.empty_table()
        # Read again only when the file was replaced (a commit renames a new one into place):
        # reports look groups up several times per group.
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        cached = getattr(self, "_groups_cache", None)
        if cached is None or cached[0] != key:
            self._groups_cache = (key, self._read_exact(path, S.GROUPS_SCHEMA))
        return self._groups_cache[1]

    def _read_exact(self, path: Path, schema: pa.Schema) -> pa.Table:
        """A whole file that holds exactly ``schema`` (as grouplens writes it), read with
        pyarrow.parquet alone; any other file goes through ``read_file``'s checks and casts."""
        try:
            parquet = pq.ParquetFile(path)
            if parquet.schema_arrow.equals(schema, check_metadata=False):
                return parquet.read()
        except (pa.ArrowException, OSError, ValueError):
            pass  # read_file names the problem
        return self.read_file(path, schema)

    def group_listing(self, private: bool = True) -> pa.Table:
        """``groups()`` as an Arrow table, without pandas (``grouplens groups``): largest first,
        without the private chats unless ``private``."""
        table = self.groups_table()
        counts = table.column(S.MESSAGE_COUNT).to_pylist()
        ids = table.column(S.GROUP_ID).to_pylist()
        shown = table.column(S.IS_GROUP).to_pylist()
        order = sorted((i for i in range(table.num_rows) if private or shown[i] is not False),
                       key=lambda i: (-(counts[i] or 0), ids[i]))
        # Row slices, not take(): pyarrow imports pandas to read a list of indices.
        return pa.concat_tables([table.slice(i, 1) for i in order]) if order else table.slice(0, 0)

    def partition_ids(self, table: str) -> set[str]:
        """The group ids that have a folder in ``table`` (messages, rosters, members, tokens)."""
        d = self.path / table
        prefix = f"{S.GROUP_ID}="
        if not d.is_dir():
            return set()
        return {p.name[len(prefix):] for p in d.iterdir() if p.name.startswith(prefix) and p.is_dir()}

    def read_text(self, path: Path) -> str:
        """A small UTF-8 file of the store (FileNotFoundError when it is not there)."""
        return Path(path).read_text("utf-8")

    def read_file(self, path: Path, schema: pa.Schema, columns: list[str] | None = None,
                  filter: ds.Expression | None = None) -> pa.Table:
        """One file of the store, checked: StoreDamagedError naming it if it cannot be decoded or
        its columns are not the ones ``schema`` says (a column the file lacks reads as nulls,
        so stores written before a column was added stay readable)."""
        try:
            problem = schema_problem(pq.read_schema(str(path), filesystem=self._filesystem), schema)
            if problem:
                raise StoreDamagedError(f"not a grouplens file here ({problem}); {self.how_to_fix(path)}",
                                        path=path)
            return ds.dataset(str(path), format="parquet", schema=schema, filesystem=self._filesystem).to_table(
                columns=columns, filter=filter)
        except StoreDamagedError:
            raise
        except FileNotFoundError:
            raise StoreDamagedError("the file vanished while it was read (another program is changing the "
                                    "store?); run the command again", path=path) from None
        except (pa.ArrowException, OSError, ValueError) as e:
            reason = " ".join(str(e).split())[:120] or e.__class__.__name__
            raise StoreDamagedError(f"damaged file ({reason}); {self.how_to_fix(path)}", path=path) from None

    def how_to_fix(self, path: Path) -> str:
        """What a user can do about a damaged file of the store, by what the file holds."""
        try:
            rel = path.relative_to(self.path).parts
        except ValueError:
            rel = ()
        if rel[:1] == ("messages",) or rel[:1] == ("rosters",):
            sources = self.sources_of(path)
            again = f"import again {', '.join(sources)}" if sources else "import its export again"
            what = "messages" if rel[0] == "messages" else "member list"
            return (f"this {what} cannot be rebuilt: run 'grouplens verify --repair' to set the file aside, "
                    f"then {again}")
        return "it is derived from the messages: run 'grouplens verify --repair' to rebuild it"

    def sources_of(self, path: Path) -> list[str]:
        """The exports an import wrote a data file from (read from its journal), at most three."""
        m = re.match(r"part-(.+?)(?:-\d{4})?\.parquet$", path.name)
        if not m:
            return []
        try:
            record = json.loads((self.path / "imports" / f"{m.group(1)}.json").read_text("utf-8"))
            gid = path.parent.name.split("=", 1)[-1]
            files = [f["path"] for f in record.get("files", []) if gid in (f.get("group_ids") or [])]
        except (OSError, ValueError, TypeError, AttributeError, KeyError):
            return []
        return files[:3] + (["…"] if len(files) > 3 else [])

    def group_ids(self) -> list[str]:
        return self.groups_table().column(S.GROUP_ID).to_pylist()

    def resolve_group(self, ref: str | None) -> str:
        """The id of the group a user named (by id or name); the only group when ``ref`` is None."""
        groups = self.groups_table().to_pylist()
        if ref is None:
            if len(groups) == 1:
                return groups[0][S.GROUP_ID]
            if not groups:
                raise GroupNotFoundError("the store holds no groups yet; run 'grouplens import PATH' first")
            raise GroupNotFoundError(f"the store holds {len(groups)} groups; pick one with --group "
                                     "(see 'grouplens groups')")
        match = [g for g in groups if g[S.GROUP_ID] == ref]
        if not match:
            match = [g for g in groups if g[S.GROUP_NAME] == ref]
        if not match:
            match = [g for g in groups if ref in (g[S.NAMES] or [])]
        if len(match) == 1:
            return match[0][S.GROUP_ID]
        if len(match) > 1:
            ids = ", ".join(g[S.GROUP_ID] for g in match)
            raise GroupNotFoundError(f"several groups are named {ref!r} ({ids}); pass the group id instead")
        raise GroupNotFoundError(f"no group {ref!r} in the store; see 'grouplens groups'")

    # --- messages -------------------------------------------------------------------------
    def _files(self, table: str, group_id: str) -> list[Path]:
        """The data files of a group grouplens wrote (foreign files in the folder are ignored)."""
        d = self.group_dir(table, group_id)
        return sorted(d.glob(PART_GLOB)) if d.is_dir() else []

    def message_table(self, group_id: str, columns: list[str] | None = None,
                      since: datetime | None = None, until: datetime | None = None,
                      extra_files: list[Path] = ()) -> pa.Table:
        """A group's messages as Arrow (FILE_SCHEMA columns, group_id added), sorted by ts."""
        files = [*self._files("messages", group_id), *extra_files]
        wanted = list(columns) if columns else list(S.FILE_SCHEMA.names)
        file_cols = [c for c in wanted if c != S.GROUP_ID]
        if S.TS not in file_cols:
            file_cols.append(S.TS)
        if not files:
            table = S.FILE_SCHEMA.empty_table().select(file_cols)
        else:
            cond = None
            if since is not None:
                cond = ds.field(S.TS) >= pa.scalar(since, S.TS_TYPE)
            if until is not None:
                c2 = ds.field(S.TS) < pa.scalar(until, S.TS_TYPE)
                cond = c2 if cond is None else cond & c2
            # File by file, in import order, so that a stable sort keeps messages of the same
            # second in the order their exports gave them.
            table = pa.concat_tables(self.read_file(f, S.FILE_SCHEMA, file_cols, cond) for f in files)
        if table.num_rows:
            table = table.take(pc.sort_indices(table, [(S.TS, "ascending")]))
        if not columns or S.GROUP_ID in wanted:
            table = table.append_column(S.GROUP_ID, pa.repeat(pa.scalar(group_id, pa.string()), table.num_rows))
        return table.select(wanted if columns else list(S.MESSAGE_COLUMNS))

    def messages(self, group: str | None = None, since: date | datetime | str | None = None,
                 until: date | datetime | str | None = None, columns: list[str] | None = None,
                 tz: ZoneInfo | None = None) -> pd.DataFrame:
        """A group's messages as a pandas DataFrame in schema.MESSAGE_COLUMNS order.

        Args:
            group: the group's name or id; may be left out when the store holds one group.
            since, until: dates (inclusive, read in ``tz``) or aware datetimes bounding ``ts``.
            columns: a subset of the schema's columns.
            tz: the time zone days are read in (ts itself stays UTC); default ``[time] tz``.
        """
        group_id = self.resolve_group(group)
        start, end = day_bounds(since, until, tz)
        table = self.message_table(group_id, columns, start, end)
        return table.to_pandas(types_mapper=_types_mapper)

    def existing_ids(self, group_id: str) -> pa.Array:
        files = self._files("messages", group_id)
        if not files:
            return pa.array([], pa.string())
        t = pa.concat_tables(self.read_file(f, S.FILE_SCHEMA, [S.MSG_ID]) for f in files)
        return t.column(S.MSG_ID).combine_chunks()

    # --- members --------------------------------------------------------------------------
    def members(self, group: str | None = None) -> pd.DataFrame:
        """Everyone known in a group (schema.MEMBERS_SCHEMA): speakers, listed and joined members."""
        group_id = self.resolve_group(group)
        return self.members_table(group_id).to_pandas(types_mapper=_types_mapper)

    def members_table(self, group_id: str) -> pa.Table:
        path = self.group_dir("members", group_id) / MEMBERS_FILE
        if not path.exists():
            if self._files("messages", group_id) or self._files("rosters", group_id):
                raise StoreDamagedError("the group's members table is missing; it is derived from the messages: "
                                        "run 'grouplens verify --repair' to rebuild it", path=path)
            return S.MEMBERS_SCHEMA.empty_table()
        return self.read_file(path, S.MEMBERS_SCHEMA)

    def roster_table(self, group_id: str, extra_files: list[Path] = ()) -> pa.Table:
        files = [*self._files("rosters", group_id), *extra_files]
        if not files:
            return S.ROSTER_FILE_SCHEMA.empty_table()
        t = pa.concat_tables(self.read_file(f, S.ROSTER_FILE_SCHEMA) for f in files)
        return t.take(pc.sort_indices(t, [(S.IMPORT_ID, "ascending"), (S.SOURCE_LINE, "ascending")]))

    def list_parts(self, folder: Path) -> list[Path]:
        """The ``part-*.parquet`` files of a folder of the store (caches), by name."""
        return sorted(folder.glob(PART_GLOB)) if folder.is_dir() else []

    def read_parquet(self, path: Path, schema: pa.Schema) -> pa.Table:
        """A whole file of the store as ``schema``, unchecked (caches: the caller decides what a
        damaged file means)."""
        return pq.read_table(str(path), schema=schema, filesystem=self._filesystem)

    def imports(self) -> list[dict[str, Any]]:
        d = self.path / "imports"
        out = []
        for f in sorted(d.glob("*.json")) if d.exists() else []:
            try:
                out.append(json.loads(f.read_text("utf-8")))
            except (OSError, ValueError):
                continue
        return out

    # --- writing ----------------------------------------------------------------------------
    @contextmanager
    def lock(self, wait: float | None = None, on_wait=None) -> Iterator[None]:
        """Hold the store's writer lock; waits for another import, then fails clearly."""
        lock = filelock.FileLock(str(self.path / ".lock"), mode=PRIVATE_FILE)
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            if on_wait:
                on_wait()
            try:
                lock.acquire(timeout=float(os.environ.get(LOCK_WAIT_ENV, "600")) if wait is None else wait)
            except filelock.Timeout:
                raise StoreBusyError("another grouplens import is writing to this store; try again when it "
                                     "has finished", path=self.path) from None
        try:
            self._recover()
            yield
        finally:
            lock.release()

    def _recover_if_needed(self) -> None:
        pending = self.path / "imports" / "pending"
        if pending.is_dir() and any(pending.glob("*.json")):
            with self.lock():
                pass

    def _recover(self) -> None:
        """Finish changes that reached their commit point; drop what ones that did not left behind
        (staging folders, temporary journals). A journal that cannot be read is set aside as
        ``<name>.damaged`` (``grouplens verify`` reports it), unless its staged files show what it
        was doing."""
        imports = self.path / "imports"
        pending = imports / "pending"
        for folder in (pending, imports, self.path):
            if folder.is_dir():
                for tmp in folder.glob(".*.tmp"):
                    tmp.unlink(missing_ok=True)
        for f in sorted(pending.glob("*.json")) if pending.is_dir() else []:
            record = self._read_journal(f)
            if record is None:
                continue
            with _commit_section():
                try:
                    _apply_steps(self.path, record["import_id"], record["steps"])
                    _finish_journal(self.path, f, record)
                except OSError as e:
                    if is_disk_full(e):
                        raise disk_full(self.path, committed=True) from None
                    raise
        staging = self.path / ".staging"
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)

    def _read_journal(self, f: Path) -> dict[str, Any] | None:
        """A pending journal, checked: the steps it names stay inside the store's own layout."""
        try:
            record = json.loads(f.read_text("utf-8"))
            if not isinstance(record, dict) or not _IMPORT_ID.fullmatch(str(record.get("import_id"))):
                raise ValueError("no import id")
            steps = record.get("steps")
            if steps is None:  # journals written before steps: moves only, applied data first
                steps = [["move", rel] for rel in _commit_order(record.get("moves") or [])]
            if not all(isinstance(st, list) and len(st) == 2 and st[0] in ("move", "delete", "swap")
                       and isinstance(st[1], str) and _STEP_PATH.fullmatch(st[1]) for st in steps):
                raise ValueError("a step outside the store's layout")
            record["steps"] = steps
            return record
        except (OSError, ValueError, TypeError):
            staged = self.path / ".staging" / f.stem
            # A change that swaps folders cannot be told from its staged files (after a swap they
            # hold the old data): it is set aside, leaving each folder old or new.
            if _IMPORT_ID.fullmatch(f.stem) and staged.is_dir() and not (staged / SWAP_MARKER).exists():
                # The journal is only written once everything is staged: the staging folder says it all.
                moves = [str(p.relative_to(staged)) for p in staged.rglob("*.parquet")]
                if all(_STEP_PATH.fullmatch(m) for m in moves):
                    return {"import_id": f.stem, "status": "committing", "recovered": True,
                            "steps": [["move", m] for m in _commit_order(moves)]}
            try:
                os.replace(f, f.with_name(f.name + ".damaged"))
            except OSError:
                pass
            return None

    def transaction(self, import_id: str | None = None) -> Transaction:
        return Transaction(self, import_id or new_import_id())


def schema_problem(physical: pa.Schema, expected: pa.Schema) -> str | None:
    """Why a file with ``physical`` columns cannot be read as ``expected``, or None."""
    names = set(physical.names)
    missing = [f.name for f in expected if not f.nullable and f.name not in names]
    if missing:
        return f"no {', '.join(missing)} column"
    if not names & set(expected.names):
        return "none of the expected columns"
    for f in expected:
        if f.name in names:
            have = physical.field(f.name).type
            if pa.types.is_dictionary(have):
                have = have.value_type
            if pa.types.is_large_string(have):
                have = pa.string()
            if not have.equals(f.type) and not _compatible(have, f.type):
                return f"column {f.name} is {have}, not {f.type}"
    return None


def _compatible(have: pa.DataType, want: pa.DataType) -> bool:
    if pa.types.is_timestamp(have) and pa.types.is_timestamp(want):
        return have.tz is not None and want.tz is not None
    if pa.types.is_list(have) and pa.types.is_list(want):
        return have.value_type.equals(want.value_type) or _compatible(have.value_type, want.value_type)
    if pa.types.is_integer(have) and pa.types.is_integer(want):
        return True
    return False


_KEPT_COLUMNS = [S.MSG_ID, S.TS, S.SENDER_ID, S.SENDER_NAME, S.KIND, S.EVENT_MEMBERS, S.GROUP_NAME]


class Transaction:
    """One change to the store: staged files, then committed in one step (see module docstring).

    An import stages messages and rosters and lets ``commit`` derive the members and groups
    tables; other changes (``forget``, ``verify --repair``) stage whole files with ``stage_file``,
    name files to remove with ``delete`` and call ``commit`` the same way.
    """

    def __init__(self, store: Store, import_id: str, kind: str = "import"):
        self.store = store
        self.import_id = import_id
        self.kind = kind
        self.dir = store.path / ".staging" / import_id
        self.groups: dict[str, GroupInfo] = {}
        self.space_hint: int | None = None  # bytes the change may need (for the disk-full message)
        self._staged: dict[str, list[Path]] = {}  # group_id -> staged message files
        self._staged_rosters: dict[str, list[Path]] = {}
        self._staged_ids: dict[str, list[pa.Array]] = {}
        # The columns later steps need (members, groups, quotes by sender) stay in memory, so
        # staged files need not be read back; the files are written in the background meanwhile.
        self._staged_kept: dict[str, list[pa.Table]] = {}
        self._files: list[str] = []  # whole files staged with stage_file (relative paths)
        self._deletes: list[str] = []
        self._swaps: list[str] = []  # group folders replaced whole (``stage_folder``)
        self._groups_table: pa.Table | None = None  # a groups table given by stage_groups
        from concurrent.futures import ThreadPoolExecutor  # only writers need it
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="grouplens-write")
        self._writes: list[Future] = []
        self._seq = 0
        self.committed = False  # past the commit point: the staged files must reach the store

    def known_ids(self, group_id: str) -> pa.Array:
        parts = [self.store.existing_ids(group_id), *self._staged_ids.get(group_id, [])]
        return pa.concat_arrays([p.cast(pa.string()) for p in parts])

    def group_history(self, group_id: str, columns: list[str]) -> pa.Table:
        """The group's messages in the store plus those staged so far in this import."""
        stored = self.store.message_table(group_id, columns)
        kept = self._staged_kept.get(group_id, [])
        if not kept:
            return stored
        if set(columns) <= set(_KEPT_COLUMNS):
            return pa.concat_tables([stored, *(t.select(columns) for t in kept)])
        self._wait_for_writes()
        return self.store.message_table(group_id, columns, extra_files=self._staged.get(group_id, []))

    def _wait_for_writes(self) -> None:
        for write in self._writes:
            write.result()  # raises the writer's error here

    def _write(self, table: pa.Table, path: Path, options: dict[str, Any]) -> None:
        """Write one staged Parquet file, owner-only; a full disk becomes DiskFullError."""
        try:
            pq.write_table(table, path, **options)
            private_file(path)
        except OSError as e:
            if is_disk_full(e):
                raise disk_full(self.store.path, self.space_hint) from None
            raise

    def _staging_dir(self, *parts: str) -> Path:
        return private_dir(self.dir.joinpath(*parts), self.store.path)

    def _next_file(self, table: str, group_id: str) -> Path:
        self._seq += 1
        return self._staging_dir(table, _partition(group_id)) / f"part-{self.import_id}-{self._seq:04d}.parquet"

    def touch_group(self, info: GroupInfo) -> None:
        self.groups[info.group_id] = info

    def stage_messages(self, group_id: str, table: pa.Table) -> None:
        """Stage new messages (FILE_SCHEMA) of one group; ids must already be deduplicated."""
        if table.num_rows == 0:
            return
        path = self._next_file("messages", group_id)
        table = table.cast(S.FILE_SCHEMA)
        self._writes.append(self._writer.submit(self._write, table, path, _MESSAGE_PARQUET_OPTIONS))
        self._staged.setdefault(group_id, []).append(path)
        self._staged_ids.setdefault(group_id, []).append(table.column(S.MSG_ID).combine_chunks())
        self._staged_kept.setdefault(group_id, []).append(table.select(_KEPT_COLUMNS))

    def stage_roster(self, group_id: str, table: pa.Table) -> None:
        path = self._next_file("rosters", group_id)
        self._write(table.cast(S.ROSTER_FILE_SCHEMA), path, _PARQUET_OPTIONS)
        self._staged_rosters.setdefault(group_id, []).append(path)

    def stage_file(self, rel: str, table: pa.Table) -> None:
        """Stage a whole file of the store (``messages/group_id=X/part-….parquet``, a members
        table, ``groups.parquet``) that replaces the file of that name when committed."""
        path = self.dir / rel
        self._staging_dir(*Path(rel).parent.parts)
        table_name = Path(rel).parts[0]
        options = _MESSAGE_PARQUET_OPTIONS if table_name == "messages" else _PARQUET_OPTIONS
        self._write(table, path, options)
        self._files.append(rel)

    def delete(self, rel: str) -> None:
        """Remove a file or a group's folder of the store when committed."""
        self._deletes.append(rel)

    def stage_folder(self, rel: str, files: dict[str, pa.Table], keep: list[Path] = ()) -> None:
        """Replace a group's folder (``messages/group_id=X``) whole when committed: its new
        contents are the tables in ``files`` (file name -> table; one must be named after this
        change, ``part-<id>…``, which is how a repeated commit knows the swap was done) and the
        existing files ``keep`` (linked or copied in)."""
        if not any(name.startswith(f"part-{self.import_id}") for name in files):
            raise ValueError("a staged folder needs a file named after its change")
        folder = self._staging_dir(*Path(rel).parts)
        (self.dir / SWAP_MARKER).touch(mode=PRIVATE_FILE)
        options = _MESSAGE_PARQUET_OPTIONS if Path(rel).parts[0] == "messages" else _PARQUET_OPTIONS
        for name, table in files.items():
            self._write(table, folder / name, options)
        for f in keep:
            try:
                os.link(f, folder / f.name)
            except OSError:
                shutil.copy2(f, folder / f.name)
        self._swaps.append(rel)

    def stage_groups(self, table: pa.Table) -> None:
        """Replace the whole groups table when committed (for changes that are not imports)."""
        self._groups_table = table.cast(S.GROUPS_SCHEMA)

    def _derive(self) -> None:
        """Stage the members tables of touched groups and the new groups table."""
        cols = [S.MSG_ID, S.TS, S.SENDER_ID, S.SENDER_NAME, S.KIND, S.EVENT_MEMBERS, S.GROUP_NAME]
        rows = {r[S.GROUP_ID]: r for r in self.store.groups_table().to_pylist()}
        for gid, info in self.groups.items():
            msgs = self.group_history(gid, cols)
            roster = self.store.roster_table(gid, self._staged_rosters.get(gid, []))
            members, rows[gid] = derive_group(gid, msgs, roster, rows.get(gid, {}), info)
            self._write(members, self._staging_dir("members", _partition(gid)) / MEMBERS_FILE, _PARQUET_OPTIONS)
        table = pa.Table.from_pylist(list(rows.values()), schema=S.GROUPS_SCHEMA)
        self._write(table, self._staging_dir() / GROUPS_FILE, {})

    def _consolidate(self) -> None:
        """One messages file and at most one roster file per group and import, so that the move
        of a group's new data is a single rename."""
        for table, staged in (("messages", self._staged), ("rosters", self._staged_rosters)):
            options = _MESSAGE_PARQUET_OPTIONS if table == "messages" else _PARQUET_OPTIONS
            for gid, files in staged.items():
                dest = files[0].with_name(f"part-{self.import_id}.parquet")
                if len(files) == 1:
                    os.replace(files[0], dest)
                else:
                    self._merge(files, dest, TABLE_SCHEMAS[table], options)
                staged[gid] = [dest]

    def _merge(self, files: list[Path], dest: Path, schema: pa.Schema, options: dict[str, Any]) -> None:
        writer_options = {k: v for k, v in options.items() if k != "row_group_size"}
        try:
            with pq.ParquetWriter(dest, schema, **writer_options) as writer:
                for f in files:
                    pf = pq.ParquetFile(f)
                    for i in range(pf.num_row_groups):
                        writer.write_table(pf.read_row_group(i).cast(schema),
                                           row_group_size=options.get("row_group_size"))
            private_file(dest)
        except OSError as e:
            if is_disk_full(e):
                raise disk_full(self.store.path, self.space_hint) from None
            raise
        for f in files:
            f.unlink()

    def commit(self, summary: dict[str, Any]) -> None:
        """Make everything staged visible at once (the caller holds the store's lock)."""
        if (not self.groups and not self._files and not self._deletes and not self._swaps
                and self._groups_table is None):
            self.abort()
            return
        if self.groups:
            self._derive()
        elif self._groups_table is not None:
            self._write(self._groups_table, self._staging_dir() / GROUPS_FILE, {})
        self._wait_for_writes()
        self._writer.shutdown()
        self._consolidate()
        staged = [str(p.relative_to(self.dir)) for p in self.dir.rglob("*.parquet")] if self.dir.exists() else []
        staged = [rel for rel in staged if not any(rel.startswith(f"{folder}/") for folder in self._swaps)]
        steps = [["move", rel] for rel in _commit_order(staged)] + [["swap", rel] for rel in _commit_order(self._swaps)]
        steps.sort(key=lambda st: _rank(st[1]))  # stable: the data first, the derived files last
        # Deleted data goes with the data, deleted derived files and caches after the moves.
        steps = ([st for st in steps if _rank(st[1]) == 0] + [["delete", d] for d in self._deletes if _rank(d) == 0]
                 + [st for st in steps if _rank(st[1]) > 0] + [["delete", d] for d in self._deletes if _rank(d) > 0])
        record = {"import_id": self.import_id, "kind": self.kind, "status": "committing", "steps": steps,
                  "finished": datetime.now(UTC).isoformat(), **summary}
        if self.groups:  # what the groups table would need to be rebuilt without it
            record["groups"] = {gid: {"name": i.name, "platform": i.platform, "native_id": i.native_id,
                                      "is_group": i.is_group} for gid, i in self.groups.items()}
        journal = self._journal_path()
        private_dir(journal.parent, self.store.path)
        with _commit_section():  # a Ctrl-C handler lets this section finish (see committing())
            try:
                _write_json_atomic(journal, record)  # the commit point
            except OSError as e:
                if is_disk_full(e):
                    raise disk_full(self.store.path, self.space_hint) from None
                raise
            self.committed = True
            try:
                _apply_steps(self.store.path, self.import_id, steps)
                _finish_journal(self.store.path, journal, record)
            except KeyboardInterrupt:
                raise Interrupted(committed=True) from None
            except OSError as e:
                if is_disk_full(e):
                    raise disk_full(self.store.path, committed=True) from None
                raise
            shutil.rmtree(self.dir, ignore_errors=True)
            _count_commit()

    def _journal_path(self) -> Path:
        return self.store.path / "imports" / "pending" / f"{self.import_id}.json"

    def abort(self) -> None:
        """Drop what was staged, unless the commit point was passed (then recovery finishes it)."""
        self._writer.shutdown(wait=True, cancel_futures=True)
        if not self.committed and not self._journal_path().exists():
            shutil.rmtree(self.dir, ignore_errors=True)


def derive_group(gid: str, msgs: pa.Table, roster: pa.Table, old: dict[str, Any],
                 info: GroupInfo | None = None) -> tuple[pa.Table, dict[str, Any]]:
    """A group's members table and groups row from its messages and roster rows, in any order
    (both are sorted first, so the same data always give the same tables)."""
    from .members import derive_members

    if msgs.num_rows and S.MSG_ID in msgs.column_names:
        msgs = msgs.take(pc.sort_indices(msgs, [(S.TS, "ascending"), (S.MSG_ID, "ascending")]))
    if roster.num_rows:
        roster = roster.take(pc.sort_indices(roster, [(S.IMPORT_ID, "ascending"), (S.SOURCE_LINE, "ascending")]))
    members = derive_members(gid, msgs, roster.to_pandas(types_mapper=_types_mapper))
    return members, group_row(gid, old, info, msgs, members)


def group_row(gid: str, old: dict[str, Any], info: GroupInfo | None, msgs: pa.Table,
              members: pa.Table) -> dict[str, Any]:
    """A group's row of the groups table from its messages (ts, sender_id, group_name) and members."""
    names = list(dict.fromkeys([*(old.get(S.NAMES) or []), *(info.names if info else []),
                                *[n for n in pc.unique(msgs.column(S.GROUP_NAME)).to_pylist() if n]]))
    ts = msgs.column(S.TS)
    senders = pc.drop_null(msgs.column(S.SENDER_ID))
    said = info.is_group if info else None
    return {
        S.GROUP_ID: gid,
        S.GROUP_NAME: old.get(S.GROUP_NAME) or (info.name if info else None) or (names[0] if names else gid),
        S.PLATFORM: (info.platform if info else None) or old.get(S.PLATFORM),
        S.NATIVE_ID: old.get(S.NATIVE_ID) or (info.native_id if info else None), S.NAMES: names,
        S.MESSAGE_COUNT: msgs.num_rows, S.SENDER_COUNT: len(pc.unique(senders)),
        S.MEMBER_COUNT: members.num_rows,
        S.FIRST_TS: pc.min(ts).as_py() if msgs.num_rows else None,
        S.LAST_TS: pc.max(ts).as_py() if msgs.num_rows else None,
        # a group once any export says so (a private chat is only ever two people)
        S.IS_GROUP: True if True in (old.get(S.IS_GROUP), said) else (said if said is not None else old.get(S.IS_GROUP)),
    }


def _rank(rel: str) -> int:
    """Commit order: the data (0), then the members tables (1), then groups.parquet (2), then caches (3)."""
    top = rel.split("/", 1)[0]
    if top in DATA_TABLES:
        return 0
    if top in DERIVED_TABLES:
        return 1
    if top == GROUPS_FILE:
        return 2
    return 3


def _commit_order(rels: list[str]) -> list[str]:
    return sorted(rels, key=lambda r: (_rank(r), r))


def _apply_steps(root: Path, import_id: str, steps: list[list[str]]) -> None:
    """Carry out a journal's steps in order; each is idempotent, so a crash can repeat them."""
    staging = root / ".staging" / import_id
    for op, rel in steps:
        dst = root / rel
        if op == "move":
            src = staging / rel
            if src.exists():
                private_dir(dst.parent, root)
                os.replace(src, dst)
        elif op == "swap":
            _swap_in(root, staging, rel, import_id)
        elif dst.is_dir() and not dst.is_symlink():
            shutil.rmtree(dst)
        else:
            dst.unlink(missing_ok=True)


SWAP_MARKER = "swaps-folders"  # in a change's staging folder: it replaces whole folders


def _swap_in(root: Path, staging: Path, rel: str, import_id: str) -> None:
    """Put the staged folder ``rel`` in place of the store's, in one step where the filesystem
    can swap two folders; idempotent: done once the live folder holds the change's own file."""
    live, new = root / rel, staging / rel
    if live.is_dir() and any(p.name.startswith(f"part-{import_id}") for p in live.iterdir()):
        return
    if not new.is_dir():
        return
    if not live.exists():
        private_dir(live.parent, root)
        os.replace(new, live)
        return
    try:
        exchange(new, live)  # the old folder is now at ``new`` and leaves with the staging folder
    except OSError as e:
        if e.errno not in _NO_EXCHANGE:
            raise
        old = staging / ".old" / rel
        private_dir(old.parent, root)
        os.replace(live, old)
        os.replace(new, live)


_NO_EXCHANGE = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV}


def exchange(a: Path, b: Path) -> None:
    """Swap two paths atomically (both must exist); OSError with EINVAL/ENOSYS/ENOTSUP where the
    system or filesystem cannot."""
    import ctypes
    import sys

    libc = ctypes.CDLL(None, use_errno=True)
    src, dst = os.fsencode(a), os.fsencode(b)
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        at_fdcwd, rename_exchange = -100, 2
        result = libc.renameat2(at_fdcwd, src, at_fdcwd, dst, rename_exchange)
    elif sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        rename_swap = 2
        result = libc.renamex_np(src, dst, rename_swap)
    else:
        raise OSError(errno.ENOSYS, "no atomic exchange of two paths on this system")
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), str(a), None, str(b))


def _finish_journal(root: Path, pending: Path, record: dict[str, Any]) -> None:
    record["status"] = "done"
    if record.get("kind") == "forget":  # the files it touched would say whose data went
        record.pop("steps", None)
    _write_json_atomic(root / "imports" / pending.name, record)
    pending.unlink(missing_ok=True)


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON under a temporary name, fsync, rename; the temporary file never outlives a failure."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        with open(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1, default=str)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _types_mapper(t: pa.DataType):
    """Keep Arrow strings as pandas' string dtype; everything else as pandas chooses."""
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return pd.StringDtype()
    return None


def day_bounds(since: date | datetime | str | None, until: date | datetime | str | None,
               tz: ZoneInfo | None = None) -> tuple[datetime | None, datetime | None]:
    """UTC bounds [start, end) for inclusive --since/--until days read in ``tz`` (default: the
    configured zone)."""
    zone = zone_or_default(tz)

    def parse(v: date | datetime | str) -> datetime | date:
        if isinstance(v, str):
            try:
                return datetime.fromisoformat(v) if ("T" in v or " " in v.strip()) else date.fromisoformat(v)
            except ValueError:
                raise StoreError(f"cannot read date {v!r}; use YYYY-MM-DD") from None
        return v

    def to_utc(v: datetime | date, end: bool) -> datetime:
        if isinstance(v, datetime):
            aware = v if v.tzinfo else v.replace(tzinfo=zone)
            return aware.astimezone(UTC) + (timedelta(microseconds=1) if end else timedelta(0))
        day = v + timedelta(days=1) if end else v
        return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)

    start = to_utc(parse(since), False) if since is not None else None
    end = to_utc(parse(until), True) if until is not None else None
    return start, end
