"""Member lists (CSV): who is in a group, including members who never speak.

Accepted columns (header names in English or Chinese, any order, extra columns ignored):
an id (``member_id``, ``QQ号``, ``QQ``, ``wxid``, ``微信号``, ``成员ID``), a name (``name``,
``群名片``, ``群昵称``, ``昵称``, ``备注``, ``成员``), and optionally ``joined_at``/``入群时间``,
``role``/``身份``/``角色`` (群主/管理员/成员 or owner/admin/member) and ``group``/``群名``/``群名称``
(the group it lists: ``grouplens import`` then needs no ``--group``).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from ... import schema as S
from ...errors import FormatError
from ..base import ROSTER_PARSED_SCHEMA, Importer, ParseOptions, Sample, parse_table_time, rounded_by_spreadsheet
from ..textutil import clean_text, read_text

ID_COLUMNS = ("member_id", "id", "qq号", "qq", "uin", "wxid", "微信号", "微信id", "成员id", "账号", "user_id")
NAME_COLUMNS = ("name", "群名片", "群昵称", "昵称", "nickname", "备注", "成员", "card", "display_name")
JOINED_COLUMNS = ("joined_at", "入群时间", "加入时间", "join_time", "joined")
ROLE_COLUMNS = ("role", "身份", "角色", "群身份")
GROUP_COLUMNS = ("group", "group_name", "群名", "群名称", "群聊名称")
_ROLE_WORDS = {
    "群主": "owner", "owner": "owner", "创建者": "owner",
    "管理员": "admin", "admin": "admin", "administrator": "admin",
    "成员": "member", "普通成员": "member", "member": "member", "群成员": "member", "": "member",
}
# Columns that only message exports have: a CSV with these is not a member list.
_MESSAGE_COLUMNS = {"strcontent", "msg", "content", "createtime", "time", "talker", "type_name", "消息", "内容"}


def _norm(h: str) -> str:
    return h.strip().strip("\ufeff").lower().replace(" ", "")


def _pick(header: list[str], names: tuple[str, ...]) -> int | None:
    normed = [_norm(h) for h in header]
    for n in names:
        if n in normed:
            return normed.index(n)
    return None


def _header_of(text: str) -> list[str]:
    first = text.lstrip("\n").split("\n", 1)[0]
    try:
        return next(csv.reader([first]))
    except (csv.Error, StopIteration):
        return []


class MemberListImporter(Importer):
    name = "member-list"
    platform = "other"
    tool = "a member list CSV (QQ 群成员管理 export, a spreadsheet, a bot's dump)"
    detection = "CSV header with a member id column (QQ号/wxid/member_id) and a name column (群名片/昵称/name), no message columns"

    def sniff(self, sample: Sample) -> bool:
        header = _header_of(sample.text)
        if len(header) < 2:
            return False
        if {_norm(h) for h in header} & _MESSAGE_COLUMNS:
            return False
        return _pick(header, ID_COLUMNS) is not None and _pick(header, NAME_COLUMNS) is not None

    def parse_roster(self, path: Path, options: ParseOptions) -> pa.Table:
        """The member list as a table with ROSTER_PARSED_SCHEMA's columns."""
        text = read_text(path)
        rows = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(rows)
        except StopIteration:
            raise FormatError("empty member list", path=path) from None
        except csv.Error as e:
            raise FormatError(f"not a CSV file ({e})", path=path, line=1) from None
        id_col, name_col = _pick(header, ID_COLUMNS), _pick(header, NAME_COLUMNS)
        if id_col is None or name_col is None:
            raise FormatError("a member list needs an id column (member_id/QQ号/wxid) and a name column "
                              "(name/群名片/昵称); found: " + ", ".join(header), path=path, line=1)
        joined_col, role_col = _pick(header, JOINED_COLUMNS), _pick(header, ROLE_COLUMNS)
        ids, names, joined, roles, lines = [], [], [], [], []
        try:
            for row in rows:
                line = rows.line_num
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) <= max(id_col, name_col):
                    raise FormatError(f"expected {len(header)} columns, found {len(row)}", path=path, line=line)
                member_id = clean_text(row[id_col]).strip()
                if not member_id:
                    raise FormatError("member without an id", path=path, line=line)
                if rounded_by_spreadsheet(member_id):
                    raise FormatError(f"member id {member_id} was rounded by a spreadsheet; format the id column "
                                      "as text and save the list again", path=path, line=line)
                ids.append(member_id)
                names.append(clean_text(row[name_col]).strip() or None)
                joined.append(self._time(row, joined_col, options, path, line))
                roles.append(self._role(row, role_col, path, line))
                lines.append(line)
        except csv.Error as e:
            raise FormatError(f"malformed CSV ({e})", path=path, line=rows.line_num) from None
        if not ids:
            raise FormatError("the member list has a header but no members", path=path)
        return pa.table({
            S.MEMBER_ID: pa.array(ids, pa.string()),
            S.NAME: pa.array(names, pa.string()),
            S.JOINED_AT: pa.array(joined, S.TS_TYPE),
            S.ROLE: pa.array(roles, pa.string()),
            S.SOURCE_LINE: pa.array(lines, pa.int64()),
        }, schema=ROSTER_PARSED_SCHEMA)

    def group_named(self, path: Path) -> str | None:
        """The group the list names in a group column, when every row names the same one."""
        rows = csv.reader(io.StringIO(read_text(path), newline=""))
        try:
            header = next(rows)
            col = _pick(header, GROUP_COLUMNS)
            if col is None:
                return None
            named = {clean_text(row[col]).strip() for row in rows if len(row) > col and any(c.strip() for c in row)}
        except (StopIteration, csv.Error):
            return None
        named.discard("")
        if len(named) > 1:
            raise FormatError(f"the member list names {len(named)} groups ({', '.join(sorted(named)[:3])}…); "
                              "split it into one file per group", path=path)
        return named.pop() if named else None

    @staticmethod
    def _time(row: list[str], col: int | None, options: ParseOptions, path: Path, line: int) -> datetime | None:
        if col is None or col >= len(row) or not row[col].strip():
            return None
        value = row[col].strip()
        try:
            return parse_table_time(value, options.tz, path=path, line=line)
        except FormatError:
            raise FormatError(f"cannot read join time {value[:40]!r}", path=path, line=line) from None

    @staticmethod
    def _role(row: list[str], col: int | None, path: Path, line: int) -> str:
        if col is None or col >= len(row):
            return "member"
        value = row[col].strip().lower()
        if value not in _ROLE_WORDS:
            raise FormatError(f"unknown role {row[col].strip()!r} (expected 群主/管理员/成员 or owner/admin/member)",
                              path=path, line=line)
        return _ROLE_WORDS[value]


def platform_of_ids(ids: list[str]) -> str:
    """Guess a member list's platform from its ids: numbers are QQ, wxids are WeChat."""
    if ids and all(i.isdigit() or "@" in i for i in ids[:50]):
        return "qq"
    if any(i.startswith("wxid_") for i in ids[:50]):
        return "wechat"
    return "other"
