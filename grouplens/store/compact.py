"""``grouplens compact``: rewrite a group's many part files into one, atomically.

Every import adds one messages file (and one member-list file when it has one) to each group
it touches, so a year of weekly imports leaves 52 small files per group. Compaction rewrites a
group's ``messages/group_id=X/part-*.parquet`` into one file, ``part-<change>.parquet``,
holding the same rows sorted by time (the order grouplens reads them in, so every analysis
gives the same results byte for byte), and likewise its member-list files. Other groups'
folders are not touched. The import of the next week adds a file beside it again.

It is a change like an import: under the store's lock, staged in ``.staging/``, committed by a
journal, and each group's folder is swapped for its compacted copy in one step (see
``store.exchange``), so a plain Parquet reader sees a group's old files or its new ones, never
both nor neither; the members and groups tables do not change. An import compacts the groups
it leaves with more than ``[store] compact_after`` part files.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .. import schema as S
from ..errors import GrouplensError, GroupNotFoundError
from .store import (
    DATA_TABLES,
    PART_GLOB,
    TABLE_SCHEMAS,
    Store,
    Transaction,
    new_import_id,
    open_store,
)

# Above this many bytes of staged files a compaction commits and goes on in a new change, so
# that it never needs room for more than about this much beside the store.
BATCH_BYTES = 2_000_000_000

Progress = Callable[[int, int], None]


@dataclass
class GroupCompaction:
    """What compaction did to one group's folder of one table."""

    group_id: str
    table: str  # messages | rosters
    files_before: int
    files_after: int
    rows: int
    change: str  # the journal (imports/<change>.json) of the change that compacted it


@dataclass
class CompactReport:
    store: str
    changes: list[str] = field(default_factory=list)  # the journals of the changes it committed
    groups: list[GroupCompaction] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"store": self.store, "changes": self.changes, "groups": [asdict(g) for g in self.groups]}


def compact_store(store: Store | str | Path | None = None, groups: Iterable[str] | None = None, *,
                  min_files: int = 2, progress: Progress | None = None) -> CompactReport:
    """Compact every group (or the groups named, by id or name) that has at least ``min_files``
    part files in messages/ or rosters/: the library call behind ``grouplens compact``."""
    st = store if isinstance(store, Store) else open_store(store)
    with st.lock():
        ids = st.group_ids() if groups is None else [st.resolve_group(g) for g in groups]
        return compact_groups(st, ids, min_files=min_files, progress=progress)


def compact_groups(st: Store, group_ids: Iterable[str], *, min_files: int = 2,
                   progress: Progress | None = None) -> CompactReport:
    """Compact these groups' folders holding at least ``min_files`` part files; the caller
    holds the store's lock (an import calls it after its commit)."""
    report = CompactReport(str(st.path))
    ids = list(dict.fromkeys(group_ids))
    known = set(st.group_ids())
    missing = [g for g in ids if g not in known]
    if missing:
        raise GroupNotFoundError(f"no group {missing[0]!r} in the store; see 'grouplens groups'")
    tx, staged_bytes = None, 0
    try:
        for i, gid in enumerate(ids):
            for table in DATA_TABLES:
                if tx is None:
                    tx = Transaction(st, new_import_id(), kind="compact")
                done = _stage_group(st, tx, table, gid, min_files)
                if done is not None:
                    report.groups.append(done)
                    staged_bytes += sum(f.stat().st_size for f in (tx.dir / table / f"{S.GROUP_ID}={gid}").iterdir())
            if tx is not None and staged_bytes > BATCH_BYTES:
                _commit(st, tx, report)
                tx, staged_bytes = None, 0
            if progress:
                progress(i + 1, len(ids))
        if tx is not None:
            _commit(st, tx, report)
    except BaseException:
        if tx is not None:
            tx.abort()
        raise
    return report


def compact_crowded(st: Store, group_ids: Iterable[str], limit: int) -> tuple[list[str], str | None]:
    """After an import (the caller holds the lock): compact the groups with more than ``limit``
    part files. Returns the groups compacted and, if compacting failed, why: the import
    committed before and stands, and the groups are compacted next time."""
    try:
        crowded = crowded_groups(st, group_ids, limit)
        report = compact_groups(st, crowded) if crowded else CompactReport(str(st.path))
    except (GrouplensError, OSError) as e:
        return [], str(e)
    return sorted({g.group_id for g in report.groups}), None


def crowded_groups(st: Store, group_ids: Iterable[str], limit: int) -> list[str]:
    """The groups with more than ``limit`` part files in messages/ or rosters/."""
    return [gid for gid in group_ids
            if any(len(_parts(st, table, gid)) > limit for table in DATA_TABLES)]


def _parts(st: Store, table: str, gid: str) -> list[Path]:
    folder = st.group_dir(table, gid)
    return sorted(folder.glob(PART_GLOB)) if folder.is_dir() else []


def _stage_group(st: Store, tx: Transaction, table: str, gid: str, min_files: int) -> GroupCompaction | None:
    folder = st.group_dir(table, gid)
    if not folder.is_dir():
        return None
    mine = f"part-{tx.import_id}.parquet"
    # Files are read in name order (import order); only those sorting before this change's own
    # file are merged, so a file the clock put later keeps its place after it.
    parts = [f for f in _parts(st, table, gid) if f.name < mine]
    if len(parts) < max(min_files, 1):
        return None
    schema = TABLE_SCHEMAS[table]
    merged = pa.concat_tables(st.read_file(f, schema) for f in parts)
    if table == "messages" and merged.num_rows:
        # A stable sort by time: what Store.message_table does with the files in import order,
        # so the compacted file reads back exactly as the files did.
        merged = merged.take(pc.sort_indices(merged, [(S.TS, "ascending")]))
    kept = [f for f in sorted(folder.iterdir()) if f not in parts]  # later parts, anything else
    tx.stage_folder(f"{table}/{folder.name}", {mine: merged.cast(schema)}, keep=kept)
    return GroupCompaction(gid, table, len(parts) + len(kept), 1 + len(kept), merged.num_rows, tx.import_id)


def _commit(st: Store, tx: Transaction, report: CompactReport) -> None:
    groups = sorted({g.group_id for g in report.groups if g.change == tx.import_id})
    if not groups:
        tx.abort()
        return
    tx.commit({"groups_compacted": groups, "files": _sources(st, groups)})
    report.changes.append(tx.import_id)


def _sources(st: Store, groups: list[str]) -> list[dict[str, Any]]:
    """The exports the compacted files hold data of (what the import journals say), so that a
    damaged compacted file still names what to import again."""
    wanted, out = set(groups), {}
    folder = st.path / "imports"
    for journal in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            record = json.loads(journal.read_text("utf-8"))
            for f in record.get("files") or []:
                gids = [g for g in (f.get("group_ids") or []) if g in wanted]
                if gids and f.get("path"):
                    entry = out.setdefault(f["path"], {"path": f["path"], "group_ids": []})
                    entry["group_ids"] = sorted(set(entry["group_ids"]) | set(gids))
        except (OSError, ValueError, AttributeError, TypeError):
            continue
    return list(out.values())


__all__ = ["CompactReport", "GroupCompaction", "compact_crowded", "compact_groups", "compact_store", "crowded_groups"]
