"""The simulator's knobs: scenarios, lifecycle stages, and the ranges its rates are drawn from.

``SimParams`` is what a caller sets. Its ``(low, high)`` pairs are ranges: each seed draws one
value from every range (``draw_rates``), so two seeds give two differently-behaved groups of
the same kind, and ``truth.json`` records both the ranges and the values drawn.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import asdict, dataclass, fields
from datetime import date
from itertools import accumulate
from typing import Any

from ..errors import UsageError
from .themes import THEMES

ROLES: tuple[str, ...] = ("thinker", "critic", "onlooker", "silent")
TAGS: tuple[str, ...] = ("kol", "operator", "shill", "advertiser", "newcomer", "left")
STAGES: tuple[str, ...] = ("new", "growing", "active", "declining", "ad-dominated", "help-desk", "dead")
SCENARIOS: tuple[str, ...] = ("healthy", "declining", "ad-takeover")

# Each scenario is the order of stages after the first week ("new") and the share of the
# remaining weeks each takes; with few weeks, late stages are cut short or dropped.
SCENARIO_STAGES: dict[str, tuple[tuple[str, float], ...]] = {
    "healthy": (("growing", 0.25), ("active", 0.75)),
    "declining": (("growing", 0.15), ("active", 0.3), ("declining", 0.35), ("dead", 0.2)),
    "ad-takeover": (("growing", 0.1), ("active", 0.25), ("declining", 0.15), ("ad-dominated", 0.25),
                    ("help-desk", 0.12), ("dead", 0.13)),
}
# In an ad takeover many more advertisers find the group.
AD_TAKEOVER_ADVERTISER_FACTOR = 6.0


@dataclass(frozen=True)
class StageProfile:
    """How a lifecycle stage scales each behaviour (1.0 = an active group's level)."""

    topics: float  # thinker/critic discussions started
    questions: float  # members' questions and requests
    chats: float  # greetings and small talk
    joins: float  # weight of this stage's weeks when join times are drawn
    leaves: float  # multiplies the weekly chance that a member leaves
    ads: float  # weight of this stage's weeks when advertisers' join times are drawn
    ad_repeat: float  # daily chance that an advertiser still in the group posts again
    operations: float  # chance that each scheduled operator post (早报, 知识卡片, welcome) happens
    moderation: float  # multiplies the chance that an advertiser is removed
    answers: float  # multiplies the chance that a question is answered
    shills: float  # multiplies the chance that the shills run their daily script


STAGE_PROFILES: dict[str, StageProfile] = {
    "new": StageProfile(0.8, 1.0, 1.6, 8.0, 0.3, 0.5, 0.0, 1.0, 1.0, 1.0, 1.0),
    "growing": StageProfile(1.0, 1.0, 1.2, 3.0, 0.6, 0.7, 0.02, 1.0, 1.0, 1.0, 1.0),
    "active": StageProfile(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.03, 1.0, 0.95, 1.0, 0.8),
    "declining": StageProfile(0.35, 0.6, 0.45, 0.35, 2.5, 2.0, 0.08, 0.6, 0.5, 0.75, 0.4),
    "ad-dominated": StageProfile(0.03, 0.25, 0.1, 0.3, 3.0, 12.0, 0.8, 0.1, 0.05, 0.5, 0.0),
    "help-desk": StageProfile(0.02, 0.9, 0.08, 0.1, 2.0, 1.5, 0.15, 0.3, 0.3, 0.55, 0.0),
    "dead": StageProfile(0.0, 0.05, 0.03, 0.0, 1.5, 0.3, 0.05, 0.0, 0.0, 0.25, 0.0),
}

# Enough people for an owner, assistants, thinkers, two critics, shills and a few onlookers.
MIN_MEMBERS = 20

Range = tuple[float, float]
IntRange = tuple[int, int]


@dataclass(frozen=True)
class SimParams:
    """What kind of group to simulate. Pairs are (low, high) ranges a seed draws from.

    Counts of people (thinkers, KOLs, operator assistants, shills) are drawn as integers;
    shares are fractions of ``members``; rates are per day unless named otherwise. ``activity``
    multiplies every conversation rate: ``SimParams(activity=32)`` with ``members=500`` and
    ``weeks=52`` gives about a million messages.
    """

    scenario: str = "healthy"  # one of SCENARIOS: the lifecycle the group goes through
    theme: str | None = None  # "health", "retail" or "course"; None: drawn from the seed
    start: date | None = None  # the group's first day; None: drawn from the seed (2019-2024)
    activity: float = 1.0
    newcomer_days: int = 14  # members who joined this many days before the end are newcomers
    # --- the cast ---
    thinkers: IntRange = (1, 2)
    critic_share: Range = (0.01, 0.03)  # at least two critics whatever the size
    onlooker_share: Range = (0.34, 0.44)  # includes operator, shill and advertiser accounts
    kols: IntRange = (1, 3)
    assistants: IntRange = (1, 2)  # brand assistant accounts (管理员) besides the owner
    shills: IntRange = (2, 4)
    advertiser_share: Range = (0.01, 0.025)  # times AD_TAKEOVER_ADVERTISER_FACTOR in an ad takeover
    owner_is_thinker: Range = (0.5, 0.7)  # chance the owner is a person who leads discussion
    founder_share: Range = (0.3, 0.5)  # members who join on the first day
    rename_share: Range = (0.05, 0.2)  # speaking members who change their group card once
    formatted_name_share: Range = (0.3, 0.6)  # members whose card already follows the group's format
    # --- conversation rates ---
    topics_per_day: Range = (4.0, 9.0)  # discussions thinkers start (critics start a few too)
    questions_per_day: Range = (2.0, 6.0)
    chats_per_day: Range = (3.0, 8.0)
    critic_engagement: Range = (0.5, 0.85)  # chance a critic objects to a thinker's post
    exchange_rounds: Range = (2.0, 3.5)  # mean objection/defence rounds once a critic engages
    crowd_per_topic: Range = (1.0, 3.0)  # mean onlooker replies to a discussion without a debate
    kol_reply_boost: Range = (2.0, 3.5)  # how many times more replies a KOL's post draws
    answer_rate: Range = (0.7, 0.9)  # chance a question is answered at all (an active group)
    staff_answer_share: Range = (0.3, 0.6)  # of answered questions, the share staff answer first
    staff_answer_minutes: Range = (8.0, 40.0)  # mean delay of a staff answer
    reply_minutes: Range = (0.5, 4.0)  # mean delay of an ordinary reply
    mention_rate: Range = (0.25, 0.6)  # chance a reply starts with @name
    weekend_factor: Range = (0.6, 1.3)  # weekend activity relative to weekdays
    knowledge_card_rate: Range = (0.5, 1.0)  # chance of a 知识卡片 on a given day
    shill_day_rate: Range = (0.4, 0.9)  # chance the shills post on a given day
    fight_rate: Range = (0.05, 0.2)  # chance a long thinker-critic exchange becomes a quarrel
    fight_leave_rate: Range = (0.05, 0.15)  # chance each of 3 onlookers leaves after a week's first quarrel
    recall_rate: Range = (0.002, 0.01)  # chance a short message is recalled
    removal_rate: Range = (0.6, 0.95)  # chance an advertiser is removed (an active group)
    # --- weekly chance of leaving, before the stage's multiplier ---
    silent_leave_rate: Range = (0.02, 0.05)
    onlooker_leave_rate: Range = (0.004, 0.012)
    critic_leave_rate: Range = (0.0, 0.01)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["start"] = self.start.isoformat() if self.start else None
        return d


@dataclass(frozen=True)
class Rates:
    """One group's rates: a value drawn from each of SimParams' float ranges of the same name."""

    owner_is_thinker: float
    founder_share: float
    rename_share: float
    formatted_name_share: float
    topics_per_day: float
    questions_per_day: float
    chats_per_day: float
    critic_engagement: float
    exchange_rounds: float
    crowd_per_topic: float
    kol_reply_boost: float
    answer_rate: float
    staff_answer_share: float
    staff_answer_minutes: float
    reply_minutes: float
    mention_rate: float
    weekend_factor: float
    knowledge_card_rate: float
    shill_day_rate: float
    fight_rate: float
    fight_leave_rate: float
    recall_rate: float
    removal_rate: float
    silent_leave_rate: float
    onlooker_leave_rate: float
    critic_leave_rate: float

    def to_dict(self) -> dict[str, float]:
        return {k: round(v, 6) for k, v in asdict(self).items()}


def draw_rates(params: SimParams, rng: random.Random) -> Rates:
    """One value from each range, in field order so a seed always draws the same values."""
    return Rates(**{f.name: rng.uniform(*getattr(params, f.name)) for f in fields(Rates)})


def validate(params: SimParams, members: int, weeks: int) -> None:
    """UsageError naming the first setting that cannot work."""
    if params.scenario not in SCENARIOS:
        raise UsageError(f"unknown scenario {params.scenario!r}; choose one of: {', '.join(SCENARIOS)}")
    if params.theme is not None and params.theme not in THEMES:
        raise UsageError(f"unknown theme {params.theme!r}; choose one of: {', '.join(THEMES)}")
    if members < MIN_MEMBERS:
        raise UsageError(f"--members must be at least {MIN_MEMBERS} (got {members})")
    if weeks < 1:
        raise UsageError(f"--weeks must be at least 1 (got {weeks})")
    if not params.activity > 0:
        raise UsageError(f"activity must be positive (got {params.activity})")
    for f in fields(SimParams):
        value = getattr(params, f.name)
        if isinstance(value, tuple) and not (len(value) == 2 and 0 <= value[0] <= value[1]):
            raise UsageError(f"{f.name} must be a (low, high) pair with 0 <= low <= high (got {value})")



def stage_schedule(scenario: str, weeks: int) -> tuple[str, ...]:
    """The group's true lifecycle stage in each week: "new" first, then the scenario's stages."""
    later = SCENARIO_STAGES[scenario]
    ends = list(accumulate(share for _, share in later))  # where each stage ends, as a share of the rest
    rest = weeks - 1
    stages = ["new"]
    for w in range(rest):
        position = (w + 0.5) / rest  # where this week falls in the rest of the group's life
        stages.append(later[min(bisect(ends, position), len(later) - 1)][0])
    return tuple(stages)
