"""Small invented exports in real layouts, written by tests (classic QQ TXT, ChatLab JSONL).

Every name and number here is made up.
"""

from __future__ import annotations

import json
from pathlib import Path

SEP = "=" * 64
QQ_TITLE = "消息记录（此消息记录为文本格式，不支持重新导入）"

Message = tuple[str, str, str]  # (local time "YYYY-MM-DD H:MM:SS", "name(QQ号)", text)


def qq_txt(path: Path, sections: dict[str, list[Message]], category: str = "我的群聊") -> Path:
    """A classic QQ 消息管理器 TXT export (UTF-8 with BOM, CRLF), one section per conversation."""
    lines = [QQ_TITLE, ""]
    for name, messages in sections.items():
        lines += [SEP, f"消息分组:{category}", SEP, f"消息对象:{name}", SEP, ""]
        for when, who, text in messages:
            lines += [f"{when} {who}", text, ""]
    path.write_bytes(("\ufeff" + "\r\n".join(lines)).encode("utf-8"))
    return path


def chatlab_jsonl(path: Path, group_id: str, name: str, messages: list[tuple[int, str, str, str]],
                  platform: str = "wechat", kind: str = "group", members: dict[str, str] | None = None) -> Path:
    """A ChatLab JSONL export: a header naming the group's own id, its member list (id -> name),
    then (epoch seconds, sender id, sender name, text) messages."""
    rows = [{"_type": "header", "chatlab": {"version": "0.0.2", "exportedAt": 1760227200},
             "meta": {"name": name, "platform": platform, "type": kind, "groupId": group_id}}]
    rows += [{"_type": "member", "platformId": mid, "accountName": n} for mid, n in (members or {}).items()]
    for i, (ts, sender, sender_name, text) in enumerate(messages):
        rows.append({"_type": "message", "platformMessageId": f"m{ts}-{i}", "sender": sender,
                     "accountName": sender_name, "timestamp": ts, "type": 0, "content": text})
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


WEEK1: list[Message] = [("2024-03-04 9:00:00", "张三(10001)", "早上好"), ("2024-03-04 9:01:00", "李四(10002)", "早"),
                        ("2024-03-05 20:00:00", "张三(10001)", "明天见")]
WEEK2: list[Message] = [("2024-03-05 20:00:00", "张三(10001)", "明天见"),
                        ("2024-03-11 9:00:00", "李四(10002)", "新的一周"),
                        ("2024-03-11 9:00:05", "王五(10003)", "+1"), ("2024-03-11 9:00:05", "王五(10003)", "+1")]
