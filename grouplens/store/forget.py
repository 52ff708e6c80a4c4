"""``grouplens forget``: remove a person, or a whole group, from the store (PIPL deletion requests).

``forget_member`` removes, in every group the member is in (or one group):

- their messages, and their rows in member lists (rosters) and the members table;
- their names and id inside what others wrote: ``@name`` mentions and names in message texts,
  the ``mentions`` and ``event_members`` lists of join/leave notices, quotes of them (the quoted
  sender, and the quoted text, which is their words), the names of private chats named after
  them, the export fields kept in ``extra``, source file names; each becomes ``FORGOTTEN``;
- replies to their removed messages lose their ``reply_to`` (it is derived from their text);
- the group's derived caches (``tokens/`` and any other cache folder partitioned by group), which
  are rebuilt when needed, and its recorded weekly to-do lists (``actions/``: they name members;
  a review of a week without one follows it up from the data);
- their names in the import journals (``imports/*.json``).

``forget_group`` removes a group's messages, member lists, members table, caches and its row
of the groups table, and its names in the journals.

Each runs as one atomic change with the same lock and journal as an import: a crash leaves the
store as it was or finishes the deletion on the next open. The journal of the change records
counts only, never whom it removed. ``dry_run`` says what would go and writes nothing.

Names of one character are replaced only where they stand as a whole (after ``@``, a whole
list entry or field), since inside a text they would hit ordinary words; names of two or more
characters are replaced wherever they appear, even inside other words (a name that is also a
common word is replaced there too: look at the dry run's counts first).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .. import schema as S
from ..errors import GroupNotFoundError, UsageError
from .store import (
    DATA_TABLES,
    DERIVED_TABLES,
    MEMBERS_FILE,
    Store,
    Transaction,
    derive_group,
    new_import_id,
    open_store,
)
from .store import _write_json_atomic as write_json_atomic
from .verify import SET_ASIDE

FORGOTTEN = "[已删除成员]"  # what a forgotten member's name becomes in what others wrote
_MIN_FREE_NAME = 2  # shorter names are replaced only where they stand alone
_DERIVED_COLUMNS = [S.MSG_ID, S.TS, S.SENDER_ID, S.SENDER_NAME, S.KIND, S.EVENT_MEMBERS, S.GROUP_NAME]


@dataclass
class GroupForgotten:
    """What was (or, in a dry run, would be) removed from one group."""

    group_id: str
    group: str | None  # the group's name (FORGOTTEN when it was named after the member)
    messages_removed: int = 0
    roster_rows_removed: int = 0
    member_rows_removed: int = 0
    messages_rewritten: int = 0  # others' messages whose text, quote, mentions or notice named the member
    replies_unlinked: int = 0
    caches_dropped: int = 0
    group_removed: bool = False


@dataclass
class ForgetReport:
    dry_run: bool
    groups: list[GroupForgotten] = field(default_factory=list)
    journals_rewritten: int = 0
    # other ids in the same groups that used one of the member's names, or a part of one (小林 of
    # 上海-小林): perhaps the same person seen by an export without ids; they are not touched
    look_alikes: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        keys = ("messages_removed", "roster_rows_removed", "member_rows_removed", "messages_rewritten",
                "replies_unlinked", "caches_dropped")
        return {k: sum(getattr(g, k) for g in self.groups) for k in keys}

    def to_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "totals": self.totals(), "groups": [asdict(g) for g in self.groups],
                "journals_rewritten": self.journals_rewritten, "look_alikes": self.look_alikes,
                "warnings": self.warnings}


class _Replacer:
    """Replaces a member's names and id in strings with FORGOTTEN.

    A name with a character outside ASCII and at least two characters is replaced wherever it
    appears (Chinese has no spaces between words); an ASCII name or the member id only as a whole
    word; any name right after ``@``; and a field that is exactly a name or the id.
    """

    def __init__(self, names: set[str], member_id: str | None):
        self.whole = {n for n in names if n}
        if member_id and not member_id.startswith(S.NAME_ID_PREFIX):
            self.whole.add(member_id)
        by_length = sorted(self.whole, key=len, reverse=True)
        free = [n for n in by_length if len(n) >= _MIN_FREE_NAME and not n.isascii()]
        words = [n for n in by_length if n.isascii() and (len(n) >= 5 if n == member_id else len(n) >= 3)]
        parts = []
        if by_length:  # @name, ended by a blank, punctuation or the end, whatever its length
            parts.append("(?<=@)(?:" + "|".join(map(re.escape, by_length)) + r")(?=[\s\u2005\u3000,，.。!！?？:：]|$)")
        if free:
            parts.append("|".join(map(re.escape, free)))
        if words:
            parts.append(r"(?<![0-9A-Za-z_])(?:" + "|".join(map(re.escape, words)) + r")(?![0-9A-Za-z_])")
        self.rx = re.compile("|".join(parts)) if parts else None

    def text(self, value: str | None) -> str | None:
        if value is None or self.rx is None:
            return value
        return self.rx.sub(FORGOTTEN, value)

    def item(self, value: str | None) -> str | None:
        """A field that holds one name or id: replaced when it is the member, else scanned."""
        if value is None:
            return None
        return FORGOTTEN if value.strip().lstrip("@") in self.whole else self.text(value)

    def names(self, values: list[str] | None) -> list[str] | None:
        if values is None:
            return None
        return [self.item(v) for v in values]

    def json(self, value: str | None) -> str | None:
        if value is None or self.rx is None:
            return value
        try:
            data = json.loads(value)
        except ValueError:
            return self.text(value)
        return json.dumps(_scrub(data, self.item), ensure_ascii=False)


def _scrub(data: Any, fix) -> Any:
    if isinstance(data, str):
        return fix(data)
    if isinstance(data, list):
        return [_scrub(v, fix) for v in data]
    if isinstance(data, dict):
        return {fix(k) if isinstance(k, str) else k: _scrub(v, fix) for k, v in data.items()}
    return data


def forget_member(store: Store | str | Path | None, member_id: str, group: str | None = None, *,
                  dry_run: bool = False) -> ForgetReport:
    """Remove a member's messages, member rows and names from the store (see module docstring).

    Args:
        member_id: the id as ``grouplens members`` shows it (QQ number, wxid, ``name:<name>``).
        group: only this group (name or id); every group the member is in when left out.
        dry_run: say what would be removed and change nothing.
    """
    st = store if isinstance(store, Store) else open_store(store)
    member_id = member_id.strip()
    if not member_id:
        raise UsageError("--member needs the member's id (see 'grouplens members')")
    report = ForgetReport(dry_run)
    with st.lock():
        groups = {r[S.GROUP_ID]: r for r in st.groups_table().to_pylist()}
        gids = [st.resolve_group(group)] if group is not None else sorted(groups)
        found = [gid for gid in gids if _knows(st, gid, member_id)]
        if not found:
            where = "this group" if group is not None else "any group of the store"
            raise GroupNotFoundError(f"no member with that id in {where}; 'grouplens members --group G' lists ids")
        names = _names_of(st, found, member_id)
        fix = _Replacer(names, member_id)
        report.look_alikes = _look_alikes(st, found, names, member_id)
        for gid in found:
            if (groups[gid][S.NATIVE_ID] or "").strip() == member_id:
                report.warnings.append(f"{groups[gid][S.GROUP_NAME] or gid} is a private chat with this member, "
                                       "named after them: remove it with 'grouplens forget --group'")
        if (st.path / SET_ASIDE).exists():
            report.warnings.append(f"{SET_ASIDE}/ holds files grouplens could not read; they may hold this "
                                   "member's messages: delete the folder")
        tx = None if dry_run else Transaction(st, new_import_id(), kind="forget")
        try:
            new_rows = dict(groups)
            for gid in found:
                done, row = _forget_in_group(st, tx, gid, groups[gid], member_id, fix)
                report.groups.append(done)
                new_rows[gid] = row
            report.journals_rewritten = _scrub_journals(st, fix, dry_run)
            if tx is None:
                return report
            tx.stage_groups(pa.Table.from_pylist(list(new_rows.values()), schema=S.GROUPS_SCHEMA))
            tx.commit({"reason": "grouplens forget --member", "totals": report.totals()})
        except BaseException:
            if tx is not None:
                tx.abort()
            raise
    return report


def forget_group(store: Store | str | Path | None, group: str, *, dry_run: bool = False) -> ForgetReport:
    """Remove a whole group: its messages, member lists, members table, caches and groups row."""
    st = store if isinstance(store, Store) else open_store(store)
    report = ForgetReport(dry_run)
    with st.lock():
        gid = st.resolve_group(group)
        rows = {r[S.GROUP_ID]: r for r in st.groups_table().to_pylist()}
        row = rows.pop(gid)
        done = GroupForgotten(gid, row[S.GROUP_NAME], group_removed=True)
        for f in st._files("messages", gid):
            done.messages_removed += st.read_file(f, S.FILE_SCHEMA, [S.MSG_ID]).num_rows
        for f in st._files("rosters", gid):
            done.roster_rows_removed += st.read_file(f, S.ROSTER_FILE_SCHEMA, [S.MEMBER_ID]).num_rows
        done.member_rows_removed = row[S.MEMBER_COUNT] or 0
        caches = derived_folders(st, gid)
        done.caches_dropped = len(caches)
        report.groups.append(done)
        names = {n for n in [row[S.GROUP_NAME], *(row[S.NAMES] or [])] if n}
        report.journals_rewritten = _scrub_journals(st, _Replacer(names, None), dry_run, gid)
        if dry_run:
            return report
        tx = Transaction(st, new_import_id(), kind="forget")
        try:
            for table in (*DATA_TABLES, *DERIVED_TABLES):
                if (st.path / table / f"{S.GROUP_ID}={gid}").exists():
                    tx.delete(f"{table}/{S.GROUP_ID}={gid}")
            for folder in caches:
                tx.delete(folder)
            tx.stage_groups(pa.Table.from_pylist(list(rows.values()), schema=S.GROUPS_SCHEMA))
            tx.commit({"reason": "grouplens forget --group", "totals": report.totals()})
        except BaseException:
            tx.abort()
            raise
    return report


def derived_folders(st: Store, gid: str) -> list[str]:
    """The group's folders in the store's caches: ``tokens/`` and any other top-level folder
    partitioned by group that holds neither data nor the members tables (all rebuilt on demand)."""
    keep = {*DATA_TABLES, *DERIVED_TABLES, "imports", SET_ASIDE}
    out = []
    for top in sorted(st.path.iterdir()):
        if top.name in keep or top.name.startswith(".") or not top.is_dir() or top.is_symlink():
            continue
        if re.fullmatch(r"[a-z][a-z0-9_-]{0,40}", top.name) and (top / f"{S.GROUP_ID}={gid}").is_dir():
            out.append(f"{top.name}/{S.GROUP_ID}={gid}")
    return out


def _knows(st: Store, gid: str, member_id: str) -> bool:
    members = st.members_table(gid)
    if pc.any(pc.equal(members.column(S.MEMBER_ID), member_id)).as_py():
        return True
    senders = st.message_table(gid, [S.SENDER_ID]).column(S.SENDER_ID)
    return bool(pc.any(pc.equal(senders, member_id)).as_py())


def _names_of(st: Store, gids: list[str], member_id: str) -> set[str]:
    """Every name the member was seen with: members tables, member lists, their messages."""
    names: set[str] = set()
    if member_id.startswith(S.NAME_ID_PREFIX):
        names.add(member_id[len(S.NAME_ID_PREFIX):])
    for gid in gids:
        members = st.members_table(gid).to_pylist()
        for m in members:
            if m[S.MEMBER_ID] == member_id:
                names.update(n[S.NAME] for n in (m[S.NAMES_SEEN] or []) if n[S.NAME])
                if m[S.NAME]:
                    names.add(m[S.NAME])
        roster = st.roster_table(gid)
        mine = roster.filter(pc.equal(roster.column(S.MEMBER_ID), member_id))
        names.update(n for n in mine.column(S.NAME).to_pylist() if n)
    names.discard("")
    return {n.strip() for n in names if n and n.strip()}


def _look_alikes(st: Store, gids: list[str], names: set[str], member_id: str) -> list[dict[str, Any]]:
    out = []
    for gid in gids:
        for m in st.members_table(gid).to_pylist():
            if m[S.MEMBER_ID] == member_id:
                continue
            seen = {n[S.NAME] for n in (m[S.NAMES_SEEN] or []) if n[S.NAME]} | ({m[S.NAME]} if m[S.NAME] else set())
            if seen & names or any(len(a) >= 2 and len(b) >= 2 and (a in b or b in a) for a in seen for b in names):
                out.append({"group_id": gid, S.MEMBER_ID: m[S.MEMBER_ID], S.MESSAGE_COUNT: m[S.MESSAGE_COUNT]})
    return out


def _forget_in_group(st: Store, tx: Transaction | None, gid: str, row: dict[str, Any], member_id: str,
                     fix: _Replacer) -> tuple[GroupForgotten, dict[str, Any]]:
    group_name = fix.item(row[S.GROUP_NAME])
    done = GroupForgotten(gid, group_name)
    removed_ids: set[str] = set()
    kept_tables = []
    files = st._files("messages", gid)
    for f in files:
        table = st.read_file(f, S.FILE_SCHEMA)
        mine = pc.fill_null(pc.equal(table.column(S.SENDER_ID), member_id), False)
        removed_ids.update(table.filter(mine).column(S.MSG_ID).to_pylist())
    for f in files:
        table = st.read_file(f, S.FILE_SCHEMA)
        mine = pc.fill_null(pc.equal(table.column(S.SENDER_ID), member_id), False)
        n_mine = pc.sum(mine).as_py() or 0
        others = table.filter(pc.invert(mine))
        rewritten, changed, unlinked = _rewrite(others, fix, removed_ids)
        done.messages_removed += n_mine
        done.messages_rewritten += changed
        done.replies_unlinked += unlinked
        rel = str(f.relative_to(st.path))
        if tx is not None and rewritten.num_rows == 0:
            tx.delete(rel)
        elif tx is not None and (n_mine or changed or unlinked):
            tx.stage_file(rel, rewritten)
        kept_tables.append(rewritten)
    roster_tables = []
    for f in st._files("rosters", gid):
        roster = st.read_file(f, S.ROSTER_FILE_SCHEMA)
        mine = pc.equal(roster.column(S.MEMBER_ID), member_id)
        n_mine = pc.sum(mine).as_py() or 0
        rest = roster.filter(pc.invert(mine))
        sources = rest.column(S.SOURCE_FILE).to_pylist()
        fixed = [fix.text(v) for v in sources]
        rest = rest.set_column(rest.schema.get_field_index(S.SOURCE_FILE), S.SOURCE_FILE, pa.array(fixed, pa.string()))
        done.roster_rows_removed += n_mine
        rel = str(f.relative_to(st.path))
        if tx is not None and rest.num_rows == 0:
            tx.delete(rel)
        elif tx is not None and (n_mine or fixed != sources):
            tx.stage_file(rel, rest)
        roster_tables.append(rest)
    msgs = (pa.concat_tables(kept_tables).select(_DERIVED_COLUMNS) if kept_tables
            else S.FILE_SCHEMA.empty_table().select(_DERIVED_COLUMNS))
    roster = pa.concat_tables(roster_tables) if roster_tables else S.ROSTER_FILE_SCHEMA.empty_table()
    before = st.members_table(gid)
    old = {**row, S.GROUP_NAME: group_name, S.NAMES: fix.names(row[S.NAMES])}
    members, new_row = derive_group(gid, msgs, roster, old)
    done.member_rows_removed = int(pc.sum(pc.equal(before.column(S.MEMBER_ID), member_id)).as_py() or 0)
    caches = derived_folders(st, gid)
    done.caches_dropped = len(caches)
    if tx is not None:
        tx.stage_file(f"members/{S.GROUP_ID}={gid}/{MEMBERS_FILE}", members)
        for folder in caches:
            tx.delete(folder)
    return done, new_row


def _rewrite(table: pa.Table, fix: _Replacer, removed_ids: set[str]) -> tuple[pa.Table, int, int]:
    """Others' messages with the member's names replaced; (table, rows changed, replies unlinked)."""
    if table.num_rows == 0:
        return table, 0, 0
    cols = {name: table.column(name).to_pylist() for name in table.column_names}
    changed = [False] * table.num_rows
    unlinked = 0

    def update(name: str, values: list) -> None:
        for i, (a, b) in enumerate(zip(cols[name], values)):
            if a != b:
                changed[i] = True
        cols[name] = values

    update(S.TEXT, [fix.text(v) for v in cols[S.TEXT]])
    update(S.MENTIONS, [fix.names(v) for v in cols[S.MENTIONS]])
    update(S.EVENT_MEMBERS, [fix.names(v) for v in cols[S.EVENT_MEMBERS]])
    update(S.GROUP_NAME, [fix.item(v) for v in cols[S.GROUP_NAME]])
    update(S.SOURCE_FILE, [fix.text(v) for v in cols[S.SOURCE_FILE]])
    update(S.EXTRA, [fix.json(v) for v in cols[S.EXTRA]])
    quote_sender, quote_text, reply_to = [], [], []
    for sender, text, target in zip(cols[S.QUOTE_SENDER], cols[S.QUOTE_TEXT], cols[S.REPLY_TO]):
        theirs = target in removed_ids or (sender is not None and fix.item(sender) == FORGOTTEN)
        if target in removed_ids:
            target = None
            unlinked += 1
        quote_sender.append(FORGOTTEN if theirs and sender is not None else fix.item(sender))
        quote_text.append(FORGOTTEN if theirs and text is not None else fix.text(text))
        reply_to.append(target)
    update(S.QUOTE_SENDER, quote_sender)
    update(S.QUOTE_TEXT, quote_text)
    update(S.REPLY_TO, reply_to)
    out = pa.table({name: pa.array(cols[name], type=table.schema.field(name).type) for name in table.column_names},
                   schema=table.schema)
    return out, sum(changed), unlinked


def _scrub_journals(st: Store, fix: _Replacer, dry_run: bool, group_id: str | None = None) -> int:
    """Replace the names (and, for a group, its id) in the import journals; how many changed."""
    changed = 0
    for journal in sorted((st.path / "imports").glob("*.json")):
        try:
            record = json.loads(journal.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        scrubbed = _scrub(record, fix.text)
        if group_id is not None:
            scrubbed = _scrub(scrubbed, lambda s: s.replace(group_id, FORGOTTEN))
            groups = scrubbed.get("groups") if isinstance(scrubbed, dict) else None
            if isinstance(groups, dict):
                groups.pop(FORGOTTEN, None)
        if scrubbed != record:
            changed += 1
            if not dry_run:
                write_json_atomic(journal, scrubbed)
    return changed


__all__ = ["FORGOTTEN", "ForgetReport", "GroupForgotten", "forget_group", "forget_member"]
