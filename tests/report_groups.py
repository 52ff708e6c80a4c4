"""Tiny hand-made groups for the report tests, imported through the library like any export.

A message is ``(local time, sender id, text)`` plus keywords (``kind``, ``id``, ``reply``,
``mentions``, ``event``); a sender id of ``None`` is the platform (join/leave notices). Names
come from the ``names`` mapping. Each test module builds the group it needs and states the
hand-checked figures next to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa

from grouplens import schema as S
from grouplens.importers.base import ROSTER_PARSED_SCHEMA, MessageRows, ParsedConversation
from grouplens.store.ingest import import_conversations
from grouplens.store.store import Store, open_store

TZ = ZoneInfo("Asia/Shanghai")


@dataclass
class Msg:
    when: str  # "2024-03-04 09:00" (local)
    who: str | None
    text: str
    kind: str = "text"
    id: str | None = None
    reply: str | None = None
    mentions: tuple[str, ...] = ()
    event: tuple[str, ...] = ()
    name: str | None = None  # the name the export shows on this message (default: ``names[who]``)


@dataclass
class Group:
    name: str
    names: dict[str, str]
    messages: list[Msg]
    roster: list[tuple[str, str, str | None, str]] = field(default_factory=list)  # id, name, joined, role
    platform: str = "qq"


def local(when: str) -> datetime:
    fmt = "%Y-%m-%d %H:%M:%S" if when.count(":") == 2 else "%Y-%m-%d %H:%M"
    return datetime.strptime(when, fmt).replace(tzinfo=TZ)


def conversation(group: Group) -> ParsedConversation:
    rows = MessageRows()
    for i, m in enumerate(group.messages):
        rows.add(ts=local(m.when), sender_id=m.who, sender_name=m.name or group.names.get(m.who, "系统消息") if m.who
                 else "系统消息", kind=m.kind, text=m.text, msg_id=m.id or f"m{i:04d}", reply_to=m.reply,
                 mentions=list(m.mentions), event_members=list(m.event))
    roster = None
    if group.roster:
        roster = pa.table({
            S.MEMBER_ID: [r[0] for r in group.roster], S.NAME: [r[1] for r in group.roster],
            S.JOINED_AT: [local(r[2]) if r[2] else None for r in group.roster],
            S.ROLE: [r[3] for r in group.roster], S.SOURCE_LINE: list(range(2, len(group.roster) + 2)),
        }, schema=ROSTER_PARSED_SCHEMA)
    return ParsedConversation(platform=group.platform, name=group.name, messages=rows.to_table(), roster=roster)


def build_store(path: Path, *groups: Group) -> Store:
    """A new store at ``path`` holding ``groups``."""
    import_conversations(path, [conversation(g) for g in groups], source="report-tests")
    return open_store(path)


FADING_NAMES = {"60001": "老郑", "60002": "一号", "60003": "二号", "60004": "三号", "60005": "四号", "60006": "五号",
                "60007": "广告号"}


def fading_group() -> Group:
    """A group that dies in 2024-W14 after its core member goes silent.

    W10-W12 (03-04 to 03-24): every day 老郑 posts a topic at 10:00 and four of 一号…五号 reply
    to it (day k: members k..k+3 mod 5): 35 messages a week; 老郑 engages all five, so he is
    core from W12. W13: 老郑 is silent; 一号…五号 chat once a day Monday to Friday (25
    messages). W14: two ads, one question nobody answers, one risky claim, one remark (5
    messages from 4 members). Everyone is on the member list since 2024-01-01.
    """
    others = ["60002", "60003", "60004", "60005", "60006"]
    messages: list[Msg] = []
    for k in range(21):
        day = datetime(2024, 3, 4) + timedelta(days=k)
        stamp = day.strftime("%Y-%m-%d")
        messages.append(Msg(f"{stamp} 10:00", "60001", f"今天分享第{k + 1}个健康小知识", id=f"t{k}"))
        for j in range(4):
            messages.append(Msg(f"{stamp} 10:{5 * (j + 1):02d}", others[(k + j) % 5], "收到", reply=f"t{k}"))
    for k in range(5):
        stamp = (datetime(2024, 3, 25) + timedelta(days=k)).strftime("%Y-%m-%d")
        for i, who in enumerate(others):
            messages.append(Msg(f"{stamp} {12 + i}:00", who, "今天天气不错"))
    messages += [
        Msg("2024-04-01 10:00", "60007", "加V：sale8888 低价代购"),
        Msg("2024-04-02 10:00", "60002", "请问还有活动吗？"),
        Msg("2024-04-03 10:00", "60003", "这个秘方包治百病"),
        Msg("2024-04-05 10:00", "60007", "加V：sale8888 低价代购"),
        Msg("2024-04-07 20:00", "60004", "好久没人说话了"),
    ]
    roster = [(mid, name, "2024-01-01 08:00", "member") for mid, name in FADING_NAMES.items()]
    return Group("渐冷群", FADING_NAMES, messages, roster)
