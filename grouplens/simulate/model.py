"""What a simulation produces: the members with their true roles and tags, and the messages.

Times are whole seconds from local midnight of the group's first day (``SimulatedGroup.start``,
a naive wall-clock datetime in ``TIMEZONE``), which is all the classic QQ export shows.
Messages are held column-wise so a million of them stay small.
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..config import DEFAULT_TZ
from .params import Rates, SimParams

TIMEZONE = DEFAULT_TZ  # the simulated exports are written in this zone's wall-clock time
SYSTEM = -1  # sender of platform notices (系统消息)

# Why a message was said: the generator's own label, kept for measuring detectors.
INTENTS: tuple[str, ...] = (
    "topic", "objection", "defense", "quarrel", "agree", "crowd", "ack", "chat", "greeting", "question",
    "answer", "thanks", "ad", "shill", "briefing", "card", "notice", "welcome", "warning",
    "join", "leave", "removal", "recall",
)
INTENT = {name: code for code, name in enumerate(INTENTS)}

LIST_ROLES = ("群主", "管理员", "成员")  # 身份 in a QQ member list


@dataclass(slots=True)
class SimMember:
    """One member and the truth about them."""

    index: int
    member_id: str  # the QQ number
    names: list[str]  # group cards in the order used; the last is the card at export time
    role: str  # one of params.ROLES
    tags: set[str]  # from params.TAGS
    list_role: str  # one of LIST_ROLES
    join_s: int
    left_s: int | None = None
    left_how: str | None = None  # "quit" or "removed"
    rename_s: int | None = None  # when the member switched from names[0] to names[1]
    talk_weight: float = 1.0  # how readily the member speaks, relative to others of the role

    @property
    def name(self) -> str:
        return self.names[-1]

    def name_at(self, t: int) -> str:
        """The group card the member showed at time ``t``."""
        if self.rename_s is not None and t >= self.rename_s:
            return self.names[-1]
        return self.names[0]

    def present_at(self, t: int) -> bool:
        return self.join_s <= t and (self.left_s is None or t < self.left_s)


@dataclass
class SimMessages:
    """Every message in time order, column-wise."""

    ts: array = field(default_factory=lambda: array("q"))  # seconds from the first day's midnight
    sender: array = field(default_factory=lambda: array("i"))  # member index, SYSTEM for notices
    text: list[str] = field(default_factory=list)
    intent: array = field(default_factory=lambda: array("B"))  # index into INTENTS
    reply_to: array = field(default_factory=lambda: array("i"))  # index of the message answered, -1

    def __len__(self) -> int:
        return len(self.ts)


@dataclass
class Question:
    """A question someone asked and when (if ever) it got its first answer."""

    message: int  # index into SimMessages
    answer: int = -1  # index of the first answer, -1 when unanswered


@dataclass
class SimulatedGroup:
    """A simulated group: its name, lifecycle, members and messages, with the truth about each."""

    name: str
    theme: str
    brand: str
    scenario: str
    seed: int
    start: datetime  # local midnight of the first day
    weeks: int
    params: SimParams
    rates: Rates
    stages: tuple[str, ...]  # the true lifecycle stage of each week
    members: list[SimMember]
    messages: SimMessages
    questions: list[Question]

    @property
    def end_s(self) -> int:
        return self.weeks * 7 * 86400

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.end_s)

    def at(self, t: int) -> datetime:
        return self.start + timedelta(seconds=t)

    def message_counts(self) -> list[int]:
        """Messages each member sent, by member index (platform notices are nobody's)."""
        counts = Counter(self.messages.sender)
        return [counts.get(m.index, 0) for m in self.members]

    def intent_counts(self) -> dict[str, int]:
        counts = Counter(self.messages.intent)
        return {name: counts.get(code, 0) for code, name in enumerate(INTENTS)}

    def current_members(self) -> list[SimMember]:
        """Members still in the group when the export was made."""
        return [m for m in self.members if m.left_s is None]
