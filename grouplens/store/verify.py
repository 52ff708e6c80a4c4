"""``grouplens verify [--repair]``: check every file of a store, and rebuild what can be rebuilt.

What is checked:

- every Parquet file decodes completely and has the columns its place says (messages, rosters,
  members, groups.parquet, the tokens and derived caches);
- files grouplens did not write (a foreign ``other.parquet`` in a partition, stray files),
  leftover temporary files and staging folders, journals that cannot be read, data files no
  journal knows;
- the groups table against the partitions (a group folder without a row, a row without data,
  counts and dates that do not match the messages);
- duplicate ``msg_id``s within a group;
- each members table against the one the messages and rosters give;
- owner-only permissions (folders 0700, files 0600).

``--repair`` rebuilds the derived tables (members, groups.parquet) and drops damaged caches in
one atomic change (the same journal and lock as an import), removes duplicate messages
(keeping the first copy), moves damaged data files and foreign files to
``set-aside/<time>/`` (they cannot be rebuilt: the finding says which exports to import again),
removes temporary files and fixes permissions.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import schema as S
from ..errors import StoreDamagedError
from . import ids
from .store import (
    CACHE_DIRS,
    GROUPS_FILE,
    MARKER,
    MEMBERS_FILE,
    PRIVATE_DIR,
    PRIVATE_FILE,
    RECORD_DIRS,
    GroupInfo,
    Store,
    Transaction,
    derive_group,
    new_import_id,
    open_store,
    private_dir,
    schema_problem,
)

SET_ASIDE = "set-aside"
_CACHE_SCHEMA = pa.schema([pa.field(S.MSG_ID, pa.string()), pa.field(S.TOKENS, pa.list_(pa.string()))])
_PART = re.compile(r"part-[^/]+\.parquet")
_PARTITION = re.compile(re.escape(S.GROUP_ID) + r"=(.+)")
_JOURNAL = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]*\.json")
_IMPORT_OF_PART = re.compile(r"part-(.+?)(?:-\d{4})?\.parquet$")
_DERIVED_COLUMNS = [S.TS, S.SENDER_ID, S.SENDER_NAME, S.KIND, S.EVENT_MEMBERS, S.GROUP_NAME, S.PLATFORM]

ERROR, WARNING = "error", "warning"


@dataclass
class Finding:
    """One thing wrong with the store."""

    severity: str  # error: data are wrong or unreadable; warning: untidy, unsafe or needs attention
    code: str  # damaged-file, wrong-schema, foreign-file, missing-groups, stale-groups, stale-members, ...
    path: str  # relative to the store
    message: str
    fix: str  # what --repair does about it (or what the user must do)
    repaired: bool = False


@dataclass
class VerifyReport:
    store: str
    findings: list[Finding] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=lambda: {"files": 0, "groups": 0, "messages": 0})
    repair: bool = False

    @property
    def ok(self) -> bool:
        """No errors left (after repair, if one ran)."""
        return not any(f.severity == ERROR and not f.repaired for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {"store": self.store, "ok": self.ok, "repair": self.repair, "checked": self.checked,
                "findings": [asdict(f) for f in self.findings]}


def verify_store(path: str | Path | None = None, *, repair: bool = False) -> VerifyReport:
    """Check a store (see the module docstring); with ``repair``, fix what can be fixed."""
    store = open_store(path)
    with store.lock():
        checker = _Checker(store, repair)
        checker.run()
        if repair:
            checker.repair()
    return checker.report


class _Checker:
    def __init__(self, store: Store, repair: bool):
        self.store = store
        self.root = store.path
        self.report = VerifyReport(str(store.path), repair=repair)
        self.readable: dict[str, dict[str, list[Path]]] = {"messages": {}, "rosters": {}}  # table -> gid -> files
        self.aside: list[Path] = []  # files --repair moves to set-aside/
        self.remove: list[Path] = []  # temporary files --repair deletes
        self.caches: set[str] = set()  # tokens/group_id=X folders to drop
        self.rebuild = False
        self.duplicates: dict[str, int] = {}
        self.groups: dict[str, dict[str, Any]] | None = None

    def add(self, severity: str, code: str, path: Path | str, message: str, fix: str) -> Finding:
        rel = str(Path(path).relative_to(self.root)) if Path(path).is_absolute() else str(path)
        finding = Finding(severity, code, rel, message, fix)
        self.report.findings.append(finding)
        return finding

    # --- checking ---------------------------------------------------------------------------
    def run(self) -> None:
        self.walk()
        self.check_groups_table()
        self.check_groups()
        self.check_permissions()

    def walk(self) -> None:
        """Every entry of the store, classified by where it is."""
        for entry in sorted(self.root.iterdir()):
            name = entry.name
            if name in (MARKER, ".lock"):
                continue
            if name in ("messages", "rosters", "members") and entry.is_dir() and not entry.is_symlink():
                self.walk_table(name, entry)
            elif name in CACHE_DIRS and entry.is_dir() and not entry.is_symlink():
                self.walk_cache(entry)
            elif name in RECORD_DIRS and entry.is_dir() and not entry.is_symlink():
                self.walk_records(entry)
            elif name == "imports" and entry.is_dir() and not entry.is_symlink():
                self.walk_journals(entry)
            elif name == GROUPS_FILE and entry.is_file():
                continue  # check_groups_table reads it
            elif name == SET_ASIDE and entry.is_dir():
                self.add(WARNING, "set-aside", entry, "files an earlier repair set aside are still here (they "
                         "may hold personal data)", "look at them, then delete the folder")
            elif name == ".staging":
                self.add(WARNING, "staging-left", entry, "a staging folder left by an interrupted change",
                         "removed (nothing in it was committed)")
                self.remove.append(entry)
            elif name.startswith(".") and name.endswith(".tmp"):
                self.add(WARNING, "temp-file", entry, "a temporary file left by an interrupted write", "removed")
                self.remove.append(entry)
            else:
                self.foreign(entry)

    def foreign(self, entry: Path) -> None:
        self.add(WARNING, "foreign-file", entry, "not written by grouplens (ignored by grouplens, but seen by "
                 "other readers of the folder)", f"moved to {SET_ASIDE}/")
        self.aside.append(entry)

    def walk_table(self, table: str, folder: Path) -> None:
        for part in sorted(folder.iterdir()):
            m = _PARTITION.fullmatch(part.name)
            if not m or not part.is_dir() or part.is_symlink():
                self.foreign(part)
                continue
            gid = m.group(1)
            for f in sorted(part.iterdir()):
                wanted = (f.name == MEMBERS_FILE) if table == "members" else bool(_PART.fullmatch(f.name))
                if f.name.startswith(".") and f.name.endswith(".tmp"):
                    self.add(WARNING, "temp-file", f, "a temporary file left by an interrupted write", "removed")
                    self.remove.append(f)
                elif not wanted or not f.is_file() or f.is_symlink():
                    self.foreign(f)
                elif self.check_file(f, table) and table != "members":
                    self.readable[table].setdefault(gid, []).append(f)
                    self.check_journal_knows(f)

    def check_file(self, f: Path, table: str) -> bool:
        """Decode a whole file; False (and a finding) if it cannot be read as ``table``."""
        self.report.checked["files"] += 1
        schema = {"messages": S.FILE_SCHEMA, "rosters": S.ROSTER_FILE_SCHEMA, "members": S.MEMBERS_SCHEMA,
                  "groups": S.GROUPS_SCHEMA}[table]
        derived = table in ("members", "groups")
        try:
            self.store.read_file(f, schema)
            return True
        except StoreDamagedError as e:
            code = "wrong-schema" if "not a grouplens file" in e.message else "damaged-file"
            if derived:
                self.add(ERROR, code, f, e.message.split(";")[0], "rebuilt from the messages")
                self.rebuild = True
            else:
                sources = self.store.sources_of(f)
                again = ("import again: " + ", ".join(sources)) if sources else "import its export again"
                self.add(ERROR, code, f, e.message.split(";")[0], f"moved to {SET_ASIDE}/; then {again}")
                self.aside.append(f)
                self.rebuild = True
            return False

    def check_journal_knows(self, f: Path) -> None:
        m = _IMPORT_OF_PART.match(f.name)
        if m and not (self.root / "imports" / f"{m.group(1)}.json").exists():
            self.add(WARNING, "unknown-import", f, "no journal in imports/ names the import that wrote this file "
                     "(copied in from elsewhere?)", "none: check where it came from")

    def walk_cache(self, folder: Path) -> None:
        for part in sorted(folder.iterdir()):
            m = _PARTITION.fullmatch(part.name)
            if not m or not part.is_dir():
                self.foreign(part)
                continue
            for f in sorted(part.rglob("*")):
                if f.is_dir():
                    continue
                if f.name.startswith(".") and f.name.endswith(".tmp"):
                    self.remove.append(f)
                    continue
                problem = None
                try:
                    if f.suffix == ".json":  # derived/: which weeks were last found current
                        if not isinstance(json.loads(f.read_text(encoding="utf-8")), dict):
                            problem = "not a JSON object"
                    else:
                        if folder.name == "tokens":
                            problem = schema_problem(pq.read_schema(f), _CACHE_SCHEMA)
                        if problem is None:
                            pq.read_table(f)
                except (pa.ArrowException, OSError, ValueError) as e:
                    problem = " ".join(str(e).split())[:100]
                if problem:
                    self.add(WARNING, "damaged-cache", f, f"damaged cache file ({problem})",
                             "the group's cache is dropped (it is rebuilt when needed)")
                    self.caches.add(str(part.relative_to(self.root)))

    def walk_records(self, folder: Path) -> None:
        """Records reports keep (``actions/group_id=X/<week>.json``): each must be a JSON object
        naming its ``format``; a damaged one is set aside (the report recomputes its week)."""
        for part in sorted(folder.iterdir()):
            if not _PARTITION.fullmatch(part.name) or not part.is_dir() or part.is_symlink():
                self.foreign(part)
                continue
            for f in sorted(part.iterdir()):
                if f.name.startswith(".") and f.name.endswith(".tmp"):
                    self.add(WARNING, "temp-file", f, "a temporary file left by an interrupted write", "removed")
                    self.remove.append(f)
                    continue
                if not f.name.endswith(".json") or not f.is_file() or f.is_symlink():
                    self.foreign(f)
                    continue
                try:
                    record = json.loads(f.read_text("utf-8"))
                    ok = isinstance(record, dict) and isinstance(record.get("format"), str)
                except (OSError, ValueError):
                    ok = False
                if not ok:
                    self.add(WARNING, "damaged-record", f, "a record that cannot be read (a week's to-do list)",
                             f"moved to {SET_ASIDE}/ (the week's list is recomputed from the data)")
                    self.aside.append(f)

    def walk_journals(self, folder: Path) -> None:
        for entry in sorted(folder.iterdir()):
            if entry.name == "pending" and entry.is_dir():
                for p in sorted(entry.iterdir()):
                    if p.name.endswith(".damaged"):
                        self.add(WARNING, "damaged-journal", p, "a journal of an unfinished change that could not "
                                 "be read was set aside when the store was opened", f"moved to {SET_ASIDE}/")
                        self.aside.append(p)
                    elif p.name.startswith(".") and p.name.endswith(".tmp"):
                        self.add(WARNING, "temp-file", p, "a temporary journal left by a failed write", "removed")
                        self.remove.append(p)
                    else:
                        self.add(WARNING, "pending-journal", p, "a change that is not finished (another process "
                                 "is writing, or the store could not be recovered)", "none: run verify again")
            elif entry.name.startswith(".") and entry.name.endswith(".tmp"):
                self.add(WARNING, "temp-file", entry, "a temporary journal left by a failed write", "removed")
                self.remove.append(entry)
            elif _JOURNAL.fullmatch(entry.name) and entry.is_file():
                try:
                    record = json.loads(entry.read_text("utf-8"))
                    if not isinstance(record, dict):
                        raise ValueError("not an object")
                except (OSError, ValueError):
                    self.add(WARNING, "damaged-journal", entry, "a journal that cannot be read (the record of "
                             "what an import did; the data do not depend on it)", f"moved to {SET_ASIDE}/")
                    self.aside.append(entry)
            else:
                self.foreign(entry)

    def check_groups_table(self) -> None:
        path = self.root / GROUPS_FILE
        has_data = bool(self.readable["messages"] or self.readable["rosters"])
        if not path.exists():
            if has_data or any(f.code in ("damaged-file", "wrong-schema") for f in self.report.findings):
                self.add(ERROR, "missing-groups", GROUPS_FILE, "the groups table is missing",
                         "rebuilt from the messages")
                self.rebuild = True
            self.groups = None
            return
        if not self.check_file(path, "groups"):
            self.groups = None
            return
        table = pq.read_table(path, schema=S.GROUPS_SCHEMA)
        self.groups = {r[S.GROUP_ID]: r for r in table.to_pylist()}
        if len(self.groups) != table.num_rows:
            self.add(ERROR, "stale-groups", GROUPS_FILE, "a group appears twice in the groups table",
                     "rebuilt from the messages")
            self.rebuild = True

    def check_groups(self) -> None:
        """Each group's data against its members table and groups row."""
        gids = sorted(set(self.readable["messages"]) | set(self.readable["rosters"]) | set(self.groups or {}))
        self.report.checked["groups"] = len(gids)
        for gid in gids:
            msgs = self.messages_of(gid, [S.MSG_ID, *_DERIVED_COLUMNS])
            self.report.checked["messages"] += msgs.num_rows
            ids_ = msgs.column(S.MSG_ID)
            dupes = msgs.num_rows - len(pc.unique(ids_))
            if dupes:
                self.duplicates[gid] = dupes
                self.add(ERROR, "duplicate-ids", f"messages/{S.GROUP_ID}={gid}", f"{dupes} message(s) stored twice "
                         "(the same msg_id)", "the later copies are removed")
                self.rebuild = True
            if self.groups is not None and gid not in self.groups:
                self.add(ERROR, "missing-group-row", f"messages/{S.GROUP_ID}={gid}", "a group folder the groups "
                         "table does not list", "rebuilt from the messages")
                self.rebuild = True
                continue
            if self.groups is not None and not self.readable["messages"].get(gid) and \
                    not self.readable["rosters"].get(gid) and (self.groups[gid][S.MESSAGE_COUNT] or 0) > 0:
                self.add(ERROR, "group-without-data", GROUPS_FILE, f"the groups table lists group {gid} but no "
                         "data of it is readable", "rebuilt from the messages (the row goes)")
                self.rebuild = True
                continue
            members, row = derive_group(gid, msgs, self.roster_of(gid), self.groups.get(gid, {}) if self.groups else {})
            self.check_members(gid, members)
            if self.groups is not None and not _same_row(self.groups[gid], row):
                self.add(ERROR, "stale-groups", GROUPS_FILE, f"the row of group {gid} does not match its messages "
                         "(counts or dates)", "rebuilt from the messages")
                self.rebuild = True

    def check_members(self, gid: str, expected: pa.Table) -> None:
        path = self.root / "members" / f"{S.GROUP_ID}={gid}" / MEMBERS_FILE
        if not path.exists():
            if expected.num_rows:
                self.add(ERROR, "missing-members", path, "the group's members table is missing",
                         "rebuilt from the messages")
                self.rebuild = True
            return
        try:
            stored = self.store.read_file(path, S.MEMBERS_SCHEMA)
        except StoreDamagedError:
            return  # reported by the walk
        if _sorted_rows(stored) != _sorted_rows(expected):
            self.add(ERROR, "stale-members", path, "the members table does not match the messages and member lists",
                     "rebuilt from the messages")
            self.rebuild = True

    def check_permissions(self) -> None:
        loose = []
        for p in [self.root, *self.root.rglob("*")]:
            if p.is_symlink() or SET_ASIDE in p.relative_to(self.root).parts[:1]:
                continue
            try:
                mode = p.stat().st_mode
            except OSError:
                continue
            if mode & 0o077:
                loose.append(p)
        if loose:
            self.loose = loose
            self.add(WARNING, "permissions", loose[0] if loose[0] != self.root else ".",
                     f"{len(loose)} file(s) or folder(s) readable by other users of this computer",
                     "folders set to 0700 and files to 0600")
        else:
            self.loose = []

    # --- reading ----------------------------------------------------------------------------
    def messages_of(self, gid: str, columns: list[str]) -> pa.Table:
        files = self.readable["messages"].get(gid, [])
        if not files:
            return S.FILE_SCHEMA.empty_table().select(columns)
        return pa.concat_tables(self.store.read_file(f, S.FILE_SCHEMA, columns) for f in files)

    def roster_of(self, gid: str) -> pa.Table:
        files = self.readable["rosters"].get(gid, [])
        if not files:
            return S.ROSTER_FILE_SCHEMA.empty_table()
        return pa.concat_tables(self.store.read_file(f, S.ROSTER_FILE_SCHEMA) for f in files)

    # --- repairing --------------------------------------------------------------------------
    def repair(self) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        for f in self.aside:
            if f.exists():
                dest = self.root / SET_ASIDE / stamp / f.relative_to(self.root)
                private_dir(dest.parent, self.root)
                os.replace(f, dest)
        for f in self.remove:
            if f.is_dir():
                shutil.rmtree(f, ignore_errors=True)
            else:
                f.unlink(missing_ok=True)
        if self.rebuild or self.caches:
            self.rebuild_derived()
        for p in getattr(self, "loose", []):
            if p.exists() and not p.is_symlink():
                os.chmod(p, PRIVATE_DIR if p.is_dir() else PRIVATE_FILE)
        for f in self.report.findings:
            f.repaired = f.code not in ("pending-journal", "unknown-import", "set-aside")

    def rebuild_derived(self) -> None:
        """One atomic change: duplicates removed, every members table and the groups table
        rebuilt from the readable data, damaged caches dropped."""
        tx = Transaction(self.store, new_import_id(), kind="repair")
        try:
            for gid in self.duplicates:
                self.stage_without_duplicates(tx, gid)
            infos = self.group_infos()
            # Groups the table listed stay, with what is left of them (nothing, if every file of
            # theirs was set aside: importing their exports again fills them).
            gids = sorted(set(self.readable["messages"]) | set(self.readable["rosters"]) | set(self.groups or {}))
            rows = []
            for gid in gids:
                msgs = self.messages_of(gid, [S.MSG_ID, *_DERIVED_COLUMNS])
                if gid in self.duplicates:
                    msgs = _first_copies(msgs)
                old = (self.groups or {}).get(gid, {})
                members, row = derive_group(gid, msgs, self.roster_of(gid), old, infos.get(gid))
                tx.stage_file(f"members/{S.GROUP_ID}={gid}/{MEMBERS_FILE}", members)
                rows.append(row)
            for part in sorted(self.store.partition_ids("members")):
                if part not in gids:
                    tx.delete(f"members/{S.GROUP_ID}={part}")
            for cache in sorted(self.caches):
                tx.delete(cache)
            tx.stage_groups(pa.Table.from_pylist(rows, schema=S.GROUPS_SCHEMA))
            tx.commit({"reason": "grouplens verify --repair"})
        except BaseException:
            tx.abort()
            raise

    def stage_without_duplicates(self, tx: Transaction, gid: str) -> None:
        seen: set[str] = set()
        for f in self.readable["messages"][gid]:
            table = self.store.read_file(f, S.FILE_SCHEMA)
            keep = []
            for mid in table.column(S.MSG_ID).to_pylist():
                keep.append(mid not in seen)
                seen.add(mid)
            if all(keep):
                continue
            rel = str(f.relative_to(self.root))
            kept = table.filter(pa.array(keep))
            if kept.num_rows:
                tx.stage_file(rel, kept)
            else:
                tx.delete(rel)

    def group_infos(self) -> dict[str, GroupInfo]:
        """What the groups table said of each group, else what the import journals recorded, else
        what the folder name and the messages say."""
        infos: dict[str, GroupInfo] = {}
        for journal in sorted((self.root / "imports").glob("*.json")):
            try:
                record = json.loads(journal.read_text("utf-8"))
                for gid, g in (record.get("groups") or {}).items():
                    info = infos.setdefault(gid, GroupInfo(gid, g.get("name"), g.get("platform"), g.get("native_id")))
                    if g.get("is_group") is not None:  # a group once any import said so
                        info.is_group = bool(info.is_group) or g["is_group"]
            except (OSError, ValueError, AttributeError, TypeError):
                continue
        for gid in set(self.readable["messages"]) | set(self.readable["rosters"]):
            if gid in infos:
                continue
            msgs = self.messages_of(gid, [S.PLATFORM, S.GROUP_NAME])
            platform = next((p for p in msgs.column(S.PLATFORM).to_pylist() if p), gid.split("-", 1)[0])
            native = gid.split("-", 1)[1] if "-" in gid else None
            if native is None or ids.ESCAPE_MARK in native or native.startswith("name-"):
                native = None
            infos[gid] = GroupInfo(gid, None, platform, native)
        return infos


def _first_copies(msgs: pa.Table) -> pa.Table:
    seen: set[str] = set()
    keep = []
    for mid in msgs.column(S.MSG_ID).to_pylist():
        keep.append(mid not in seen)
        seen.add(mid)
    return msgs.filter(pa.array(keep))


def _same_row(stored: dict[str, Any], derived: dict[str, Any]) -> bool:
    keys = (S.MESSAGE_COUNT, S.SENDER_COUNT, S.MEMBER_COUNT, S.FIRST_TS, S.LAST_TS)
    return all(stored.get(k) == derived.get(k) for k in keys)


def _sorted_rows(table: pa.Table) -> list[dict[str, Any]]:
    rows = table.to_pylist()
    for r in rows:
        r[S.NAMES_SEEN] = sorted((tuple(sorted(n.items())) for n in (r[S.NAMES_SEEN] or [])), key=str)
    return sorted(rows, key=lambda r: str(r[S.MEMBER_ID]))


__all__ = ["Finding", "VerifyReport", "verify_store"]
