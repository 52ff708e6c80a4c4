"""The store: a folder of Hive-partitioned Parquet files that any Arrow reader can open.

Layout::

    <store>/grouplens-store.json                      marker: format version, salt for aliases
    <store>/messages/group_id=<id>/part-<import>.parquet   one file per import and group
    <store>/rosters/group_id=<id>/part-<import>.parquet    member lists as imported
    <store>/members/group_id=<id>/members.parquet          derived: everyone known in the group
    <store>/groups.parquet                                  derived: one row per group
    <store>/imports/<import>.json                           what each import did (its journal)

An import writes everything into ``.staging/<import>/`` first. Its commit point is the journal
file, written atomically; then the staged files are renamed into place. A crash before the
journal leaves only a staging folder (removed on next open); a crash after it is finished on
next open. Only one import runs at a time: a lock file serialises writers.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from .. import schema as S
from ..config import zone_or_default
from ..errors import GroupNotFoundError, StoreBusyError, StoreError
from .members import derive_members

STORE_ENV = "GROUPLENS_STORE"
DEFAULT_STORE = "grouplens-store"
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
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f") + "-" + secrets.token_hex(3)  # sorts by time


def _partition(group_id: str) -> str:
    return f"{S.GROUP_ID}={group_id}"


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
    """Open the store at ``path`` (see resolve_store_path); ``create`` makes a new one if none."""
    return Store(resolve_store_path(path), create=create)


class Store:
    """Read access to a store, and the one way to change it (``transaction``)."""

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
            self.path.mkdir(parents=True, exist_ok=True)
            _write_json_atomic(marker, {"format": STORE_FORMAT, "created": datetime.now(UTC).isoformat(),
                                        "salt": secrets.token_hex(16)})
        try:
            self.meta = json.loads(marker.read_text("utf-8"))
        except (OSError, ValueError) as e:
            raise StoreError(f"damaged store marker ({e})", path=marker) from None
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
        path = self.path / "groups.parquet"
        try:
            stat = path.stat()
        except FileNotFoundError:
            return S.GROUPS_SCHEMA.empty_table()
        # Read again only when the file was replaced (a commit renames a new one into place):
        # reports look groups up several times per group.
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        cached = getattr(self, "_groups_cache", None)
        if cached is None or cached[0] != key:
            self._groups_cache = (key, pq.read_table(path, schema=S.GROUPS_SCHEMA))
        return self._groups_cache[1]

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
        d = self.group_dir(table, group_id)
        return sorted(d.glob("*.parquet")) if d.exists() else []

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
            table = pa.concat_tables(
                ds.dataset(str(f), format="parquet", schema=S.FILE_SCHEMA).to_table(columns=file_cols, filter=cond)
                for f in files)
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
        t = ds.dataset([str(f) for f in files], format="parquet", schema=S.FILE_SCHEMA).to_table(columns=[S.MSG_ID])
        return t.column(S.MSG_ID).combine_chunks()

    # --- members --------------------------------------------------------------------------
    def members(self, group: str | None = None) -> pd.DataFrame:
        """Everyone known in a group (schema.MEMBERS_SCHEMA): speakers, listed and joined members."""
        group_id = self.resolve_group(group)
        files = self._files("members", group_id)
        table = pq.read_table(files[0], schema=S.MEMBERS_SCHEMA) if files else S.MEMBERS_SCHEMA.empty_table()
        return table.to_pandas(types_mapper=_types_mapper)

    def roster_table(self, group_id: str, extra_files: list[Path] = ()) -> pa.Table:
        files = [*self._files("rosters", group_id), *extra_files]
        if not files:
            return S.ROSTER_FILE_SCHEMA.empty_table()
        t = ds.dataset([str(f) for f in files], format="parquet", schema=S.ROSTER_FILE_SCHEMA).to_table()
        return t.take(pc.sort_indices(t, [(S.IMPORT_ID, "ascending"), (S.SOURCE_LINE, "ascending")]))

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
        lock = FileLock(str(self.path / ".lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if on_wait:
                on_wait()
            try:
                lock.acquire(timeout=float(os.environ.get(LOCK_WAIT_ENV, "600")) if wait is None else wait)
            except Timeout:
                raise StoreBusyError("another grouplens import is writing to this store; try again when it "
                                     "has finished", path=self.path) from None
        try:
            self._recover()
            yield
        finally:
            lock.release()

    def _recover_if_needed(self) -> None:
        pending = self.path / "imports" / "pending"
        if pending.exists() and any(pending.glob("*.json")):
            with self.lock():
                pass

    def _recover(self) -> None:
        """Finish imports that reached their commit point; drop staging left by ones that did not."""
        pending = self.path / "imports" / "pending"
        for f in sorted(pending.glob("*.json")) if pending.exists() else []:
            record = json.loads(f.read_text("utf-8"))
            _apply_moves(self.path, record["import_id"], record["moves"])
            _finish_journal(self.path, f, record)
        staging = self.path / ".staging"
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)

    def transaction(self, import_id: str | None = None) -> Transaction:
        return Transaction(self, import_id or new_import_id())


_KEPT_COLUMNS = [S.MSG_ID, S.TS, S.SENDER_ID, S.SENDER_NAME, S.KIND, S.EVENT_MEMBERS, S.GROUP_NAME]


class Transaction:
    """One import's changes: staged files, then committed in one step (see module docstring)."""

    def __init__(self, store: Store, import_id: str):
        self.store = store
        self.import_id = import_id
        self.dir = store.path / ".staging" / import_id
        self.groups: dict[str, GroupInfo] = {}
        self._staged: dict[str, list[Path]] = {}  # group_id -> staged message files
        self._staged_rosters: dict[str, list[Path]] = {}
        self._staged_ids: dict[str, list[pa.Array]] = {}
        # The columns later steps need (members, groups, quotes by sender) stay in memory, so
        # staged files need not be read back; the files are written in the background meanwhile.
        self._staged_kept: dict[str, list[pa.Table]] = {}
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

    def _next_file(self, table: str, group_id: str) -> Path:
        self._seq += 1
        d = self.dir / table / _partition(group_id)
        d.mkdir(parents=True, exist_ok=True)
        return d / f"part-{self.import_id}-{self._seq:04d}.parquet"

    def touch_group(self, info: GroupInfo) -> None:
        self.groups[info.group_id] = info

    def stage_messages(self, group_id: str, table: pa.Table) -> None:
        """Stage new messages (FILE_SCHEMA) of one group; ids must already be deduplicated."""
        if table.num_rows == 0:
            return
        path = self._next_file("messages", group_id)
        table = table.cast(S.FILE_SCHEMA)
        self._writes.append(self._writer.submit(pq.write_table, table, path, **_MESSAGE_PARQUET_OPTIONS))
        self._staged.setdefault(group_id, []).append(path)
        self._staged_ids.setdefault(group_id, []).append(table.column(S.MSG_ID).combine_chunks())
        self._staged_kept.setdefault(group_id, []).append(table.select(_KEPT_COLUMNS))

    def stage_roster(self, group_id: str, table: pa.Table) -> None:
        path = self._next_file("rosters", group_id)
        pq.write_table(table.cast(S.ROSTER_FILE_SCHEMA), path, **_PARQUET_OPTIONS)
        self._staged_rosters.setdefault(group_id, []).append(path)

    def _derive(self) -> None:
        """Stage the members tables of touched groups and the new groups table."""
        cols = [S.TS, S.SENDER_ID, S.SENDER_NAME, S.KIND, S.EVENT_MEMBERS, S.GROUP_NAME]
        rows = {r[S.GROUP_ID]: r for r in self.store.groups_table().to_pylist()}
        for gid, info in self.groups.items():
            msgs = self.group_history(gid, cols)
            roster = self.store.roster_table(gid, self._staged_rosters.get(gid, []))
            members = derive_members(gid, msgs, roster.to_pandas(types_mapper=_types_mapper))
            d = self.dir / "members" / _partition(gid)
            d.mkdir(parents=True, exist_ok=True)
            pq.write_table(members, d / "members.parquet", **_PARQUET_OPTIONS)
            old = rows.get(gid, {})
            names = list(dict.fromkeys([*(old.get(S.NAMES) or []), *info.names,
                                        *[n for n in pc.unique(msgs.column(S.GROUP_NAME)).to_pylist() if n]]))
            ts = msgs.column(S.TS)
            senders = pc.drop_null(msgs.column(S.SENDER_ID))
            rows[gid] = {
                S.GROUP_ID: gid, S.GROUP_NAME: old.get(S.GROUP_NAME) or info.name or (names[0] if names else gid),
                S.PLATFORM: info.platform, S.NATIVE_ID: old.get(S.NATIVE_ID) or info.native_id, S.NAMES: names,
                S.MESSAGE_COUNT: msgs.num_rows, S.SENDER_COUNT: len(pc.unique(senders)),
                S.MEMBER_COUNT: members.num_rows,
                S.FIRST_TS: pc.min(ts).as_py() if msgs.num_rows else None,
                S.LAST_TS: pc.max(ts).as_py() if msgs.num_rows else None,
                # a group once any export says so (a private chat is only ever two people)
                S.IS_GROUP: True if True in (old.get(S.IS_GROUP), info.is_group) else
                (info.is_group if info.is_group is not None else old.get(S.IS_GROUP)),
            }
        table = pa.Table.from_pylist(list(rows.values()), schema=S.GROUPS_SCHEMA)
        pq.write_table(table, self.dir / "groups.parquet")

    def commit(self, summary: dict[str, Any]) -> None:
        """Make everything staged visible at once (the caller holds the store's lock)."""
        if not self.groups:
            self.abort()
            return
        self._derive()
        self._wait_for_writes()
        self._writer.shutdown()
        moves = sorted(str(p.relative_to(self.dir)) for p in self.dir.rglob("*.parquet"))
        record = {"import_id": self.import_id, "status": "committing", "moves": moves,
                  "finished": datetime.now(UTC).isoformat(), **summary}
        journal = self.store.path / "imports" / "pending" / f"{self.import_id}.json"
        journal.parent.mkdir(parents=True, exist_ok=True)
        _write_json_atomic(journal, record)  # the commit point
        self.committed = True
        _apply_moves(self.store.path, self.import_id, moves)
        _finish_journal(self.store.path, journal, record)
        shutil.rmtree(self.dir, ignore_errors=True)

    def abort(self) -> None:
        """Drop what was staged, unless the commit point was passed (then recovery finishes it)."""
        self._writer.shutdown(wait=True, cancel_futures=True)
        if not self.committed:
            shutil.rmtree(self.dir, ignore_errors=True)


def _apply_moves(root: Path, import_id: str, moves: list[str]) -> None:
    staging = root / ".staging" / import_id
    for rel in moves:
        src, dst = staging / rel, root / rel
        if src.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)


def _finish_journal(root: Path, pending: Path, record: dict[str, Any]) -> None:
    record["status"] = "done"
    _write_json_atomic(root / "imports" / pending.name, record)
    pending.unlink(missing_ok=True)


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1, default=str)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


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
