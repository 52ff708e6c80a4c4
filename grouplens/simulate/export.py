"""Writing a simulated group to disk: the classic QQ 消息管理器 TXT export, a member list CSV,
and ``truth.json`` with what the files do not say (roles, tags, lifecycle stages, rates).

The TXT follows research/formats-qq.md §A exactly: UTF-8 with a BOM, CRLF line ends, the
64-``=`` section header, ``YYYY-MM-DD H:MM:SS name(QQ号)`` headers with the hour not
zero-padded, content lines, and a blank line after each message. Notices come from
``系统消息(10000)``.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from .. import schema as S
from .model import INTENT, LIST_ROLES, SYSTEM, TIMEZONE, SimulatedGroup

SEPARATOR = "=" * 64
TITLE = "消息记录（此消息记录为文本格式，不支持重新导入）"
CATEGORY = "我的群聊"
SYSTEM_SENDER = "系统消息(10000)"
MEMBER_LIST_HEADER = ("QQ号", "群名片", "入群时间", "身份", "群名")  # 群名: the group it lists
TRUTH_FORMAT = "grouplens-simulation"
TRUTH_VERSION = 1
_CHUNK = 50_000  # messages rendered per write, so a million-message file never sits in memory twice
_UTC_OFFSET = "+08:00"  # Asia/Shanghai has had no daylight saving time since 1991


def txt_file_name(group: SimulatedGroup) -> str:
    return f"{group.name}.txt"


def write_simulation(out_dir: Path, group: SimulatedGroup) -> dict[str, Path]:
    """Write the export, the member list and the truth into ``out_dir`` (created if missing).

    Returns the paths by kind: ``{"txt": …, "members": …, "truth": …}``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"txt": out_dir / txt_file_name(group), "members": out_dir / "members.csv",
             "truth": out_dir / "truth.json"}
    write_qq_txt(paths["txt"], group)
    paths["members"].write_bytes(member_list_csv(group).encode("utf-8-sig"))
    paths["truth"].write_text(json.dumps(truth(group), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return paths


def write_qq_txt(path: Path, group: SimulatedGroup) -> None:
    """Stream the classic QQ TXT export of ``group`` to ``path``, a chunk of messages at a time."""
    msgs = group.messages
    headers = _header_tags(group)
    days: dict[int, str] = {}
    clock = [f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]
    with path.open("wb") as f:
        head = ["\ufeff" + TITLE, "", SEPARATOR, f"消息分组:{CATEGORY}", SEPARATOR, f"消息对象:{group.name}",
                SEPARATOR, ""]
        f.write(("\r\n".join(head) + "\r\n").encode("utf-8"))
        for lo in range(0, len(msgs), _CHUNK):
            parts: list[str] = []
            for i in range(lo, min(lo + _CHUNK, len(msgs))):
                t, who = msgs.ts[i], msgs.sender[i]
                day = t // 86400
                if day not in days:
                    days[day] = (group.start + timedelta(days=day)).strftime("%Y-%m-%d")
                if who == SYSTEM:
                    tag = SYSTEM_SENDER
                else:
                    before, after, rename = headers[who]
                    tag = after if t >= rename else before
                parts.append(f"{days[day]} {clock[t % 86400]} {tag}\n{msgs.text[i]}\n\n")
            # Texts hold LF; the export's line end is CRLF, applied to the whole chunk at once.
            f.write("".join(parts).replace("\n", "\r\n").encode("utf-8"))
        f.write(b"\r\n")


def _header_tags(group: SimulatedGroup) -> list[tuple[str, str, float]]:
    """Each member's ``name(QQ号)`` before and after a rename, and when the rename happened."""
    out = []
    for m in group.members:
        rename = float("inf") if m.rename_s is None else m.rename_s
        out.append((f"{m.names[0]}({m.member_id})", f"{m.names[-1]}({m.member_id})", rename))
    return out


def member_list_csv(group: SimulatedGroup) -> str:
    """The member list at export time (QQ 群成员管理 style): owner, admins, then by join time."""
    order = {role: rank for rank, role in enumerate(LIST_ROLES)}
    current = sorted(group.current_members(), key=lambda m: (order[m.list_role], m.join_s))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(MEMBER_LIST_HEADER)
    for m in current:
        w.writerow((m.member_id, m.name, _local(group, m.join_s, sep=" ", offset=False), m.list_role, group.name))
    return buf.getvalue()


def _local(group: SimulatedGroup, t: int | None, *, sep: str = "T", offset: bool = True) -> str | None:
    if t is None:
        return None
    text = group.at(t).isoformat(sep=sep)
    return text + _UTC_OFFSET if offset else text


def truth(group: SimulatedGroup) -> dict[str, Any]:
    """What the simulation knows and the files do not say, as a JSON-ready dict."""
    counts = group.message_counts()
    members = []
    for m in group.members:
        members.append({
            S.MEMBER_ID: m.member_id,
            S.NAME: m.name,
            "names": list(m.names),
            S.ROLE: m.role,
            "tags": sorted(m.tags),
            "list_role": m.list_role,
            S.JOINED_AT: _local(group, m.join_s),
            S.LEFT_AT: _local(group, m.left_s),
            "left_how": m.left_how,
            "renamed_at": _local(group, m.rename_s),
            "talk_weight": round(m.talk_weight, 4),
            S.MESSAGE_COUNT: counts[m.index],
        })
    return {
        "format": TRUTH_FORMAT,
        "version": TRUTH_VERSION,
        "seed": group.seed,
        "group": {"name": group.name, "theme": group.theme, "brand": group.brand, "scenario": group.scenario,
                  "timezone": TIMEZONE, "start": _local(group, 0), "end": _local(group, group.end_s),
                  "weeks": group.weeks, "members": len(group.members)},
        "params": group.params.to_dict(),
        "rates": group.rates.to_dict(),
        "stages": [{"week": w, "start": _local(group, w * 7 * 86400), "stage": s} for w, s in enumerate(group.stages)],
        "weekly": weekly_summary(group),
        "messages": message_summary(group),
        "members": members,
    }


def message_summary(group: SimulatedGroup) -> dict[str, Any]:
    msgs = group.messages
    answered = [q for q in group.questions if q.answer >= 0]
    within_hour = sum(1 for q in answered if msgs.ts[q.answer] - msgs.ts[q.message] <= 3600)
    system = sum(1 for s in msgs.sender if s == SYSTEM)
    return {
        "total": len(msgs),
        "from_members": len(msgs) - system,
        "system": system,
        "by_intent": group.intent_counts(),
        "replies": sum(1 for r in msgs.reply_to if r >= 0),
        "questions": len(group.questions),
        "answered": len(answered),
        "answered_within_hour": within_hour,
        "unanswered": len(group.questions) - len(answered),
    }


def weekly_summary(group: SimulatedGroup) -> list[dict[str, Any]]:
    """Per week: the true stage and the activity an analysis of that week should see."""
    week_s = 7 * 86400
    rows = [{"week": w, "stage": s, "messages": 0, "member_messages": 0, "ads": 0, "senders": set(),
             "joins": 0, "leaves": 0} for w, s in enumerate(group.stages)]
    msgs, ad = group.messages, INTENT["ad"]
    for t, who, intent in zip(msgs.ts, msgs.sender, msgs.intent):
        row = rows[t // week_s]
        row["messages"] += 1
        if who != SYSTEM:
            row["member_messages"] += 1
            row["senders"].add(who)
        row["ads"] += intent == ad
    for m in group.members:
        if m.list_role != "群主":
            rows[m.join_s // week_s]["joins"] += 1
        if m.left_s is not None:
            rows[m.left_s // week_s]["leaves"] += 1
    for row in rows:
        row["senders"] = len(row["senders"])
    return rows
