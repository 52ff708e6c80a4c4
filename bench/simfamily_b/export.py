"""Writing a family-B group as a user's files: an old-client QQ 消息管理器 TXT export, a member
list CSV as a group tool writes it, and ``truth.json``.

The TXT follows ../shared/research/formats-qq.md §A and the shapes of real QQ exports published
in public repositories (read, never committed): ``消息分组:我的QQ群`` or ``我的群聊``, CRLF, hours not
zero-padded, ids in ``(…)`` or e-mail ids in ``<…>``, ``【…】`` titles before some names,
``NAME加入本群`` notices with or without ``。``, multi-line bodies. The member list holds the
members at export time (not those who left) under one of three header styles.
"""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .group import SYSTEM, GroupB

TRUTH_FORMAT = "grouplens-simfamily-b"
LIST_ROLES_EN = {"群主": "owner", "管理员": "admin", "成员": "member"}


def write_group(out_dir: Path, g: GroupB) -> dict[str, Path]:
    """Write ``<name>.txt``, ``members.csv`` and ``truth.json`` into ``out_dir``; return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"simfamily-b/{g.seed}/export")
    paths = {"txt": out_dir / f"{g.name}.txt", "members": out_dir / "members.csv", "truth": out_dir / "truth.json"}
    lines_of = _write_txt(paths["txt"], g, rng)
    paths["members"].write_bytes(_member_csv(g, rng).encode("utf-8-sig" if rng.random() < 0.5 else "utf-8"))
    paths["truth"].write_text(json.dumps(_truth(g, lines_of), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return paths


def _start(g: GroupB) -> datetime:
    y, m, d = g.s.start
    return datetime(y, m, d)


def _write_txt(path: Path, g: GroupB, rng: random.Random) -> dict[int, int]:
    """The export; returns message key -> 1-based line number of its header."""
    start = _start(g)
    category = rng.choice(("我的QQ群", "我的群聊"))
    out = ["消息记录（此消息记录为文本格式，不支持重新导入）", "", "=" * 64, f"消息分组:{category}", "=" * 64,
           f"消息对象:{g.name}", "=" * 64, ""]
    lines_of: dict[int, int] = {}
    for msg in g.messages:
        when = start + timedelta(seconds=int(msg.t))
        stamp = f"{when:%Y-%m-%d} {when.hour}:{when:%M:%S}"
        if msg.who == SYSTEM:
            sender = "系统消息(10000)"
        else:
            m = g.members[msg.who]
            name = m.name_at(msg.t)
            if m.title and rng.random() < 0.8:
                name = f"【{m.title}】{name}"
            sender = f"{name}<{m.member_id}>" if "@" in m.member_id else f"{name}({m.member_id})"
        lines_of[msg.key] = len(out) + 1
        out.append(f"{stamp} {sender}")
        out.extend(msg.text.split("\n"))
        out.append("")
    data = "\r\n".join(out) + "\r\n"
    path.write_bytes(("\ufeff" if rng.random() < 0.5 else "").encode("utf-8") + data.encode("utf-8"))
    return lines_of


def _member_csv(g: GroupB, rng: random.Random) -> str:
    start = _start(g)
    style = rng.choice(("zh", "zh2", "en"))
    header = {"zh": ("QQ号", "群名片", "入群时间", "身份"), "zh2": ("成员", "QQ", "加入时间", "角色"),
              "en": ("member_id", "name", "joined_at", "role")}[style]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for m in g.members:
        if m.left_s is not None:
            continue  # the list shows who is in the group when it is exported
        joined = (start + timedelta(seconds=m.join_s)).strftime("%Y-%m-%d %H:%M:%S")
        role = LIST_ROLES_EN[m.list_role] if style == "en" else m.list_role
        name = m.names[-1]
        row = {"zh": (m.member_id, name, joined, role), "zh2": (name, m.member_id, joined, role),
               "en": (m.member_id, name, joined, role)}[style]
        w.writerow(row)
    return buf.getvalue()


def _truth(g: GroupB, lines_of: dict[int, int]) -> dict[str, Any]:
    start = _start(g)
    members = [{"member_id": m.member_id, "name": m.names[-1], "names": m.names, "role": g.role(m),
                "tags": sorted(m.tags), "persona": m.persona, "list_role": m.list_role,
                "joined_at": (start + timedelta(seconds=m.join_s)).isoformat() + "+08:00",
                "messages": g.counts[m.idx]} for m in g.members]
    messages = [{"line": lines_of[msg.key], "intent": msg.intent,
                 "answers_line": lines_of.get(msg.answers) if msg.answers is not None else None,
                 "parent_line": lines_of.get(msg.parent) if msg.parent is not None else None}
                for msg in g.messages if msg.who != SYSTEM]
    s = g.s
    return {"format": TRUTH_FORMAT, "version": 1, "seed": g.seed,
            "group": {"name": g.name, "theme": s.theme, "lively": s.lively, "members": s.members, "weeks": s.weeks,
                      "start": start.isoformat() + "+08:00", "timezone": "Asia/Shanghai"},
            "members": members, "messages": messages}
