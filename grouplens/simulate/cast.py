"""The cast of a simulated group: who is in it, their true role and tags, names, QQ numbers,
and when each joins and (for those who quit of their own accord) leaves.

Roles follow DOMAIN.md's key-person rule: one or two thinkers (often the owner), a few
critics, about 40% onlookers and the rest silent. Role describes how a member takes part in
discussion; function accounts (operator, shill and advertiser) are onlookers, since none of
them leads or disputes a discussion, and carry their function as a tag.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..errors import UsageError
from .model import SimMember
from .params import AD_TAKEOVER_ADVERTISER_FACTOR, STAGE_PROFILES, Rates, SimParams
from .themes import GIVEN, NICKNAMES, SURNAMES, Theme

DAY = 86400
WEEK = 7 * DAY
# When people join (hour of day, relative weight): mostly daytime and evening.
JOIN_HOUR_WEIGHTS = (0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 1.5, 2, 2, 2, 2, 1.5, 1.5, 1.5, 1.5,
                     1.5, 1.5, 2, 2.5, 2.5, 1.5, 0.6)
SPAM_NAMES = ("招代理-小美", "优惠券分享", "兼职日结", "V同号", "正品代购", "福利官", "低价好物", "免费领取",
              "财富自由", "美妆批发")


@dataclass(frozen=True)
class CastSizes:
    """How many of each kind of member the seed drew."""

    thinkers: int
    critics: int
    onlookers: int
    silent: int
    kols: int
    assistants: int
    shills: int
    advertisers: int
    owner_is_thinker: bool


_NICKNAME_ENDINGS = ("", "", "", "", "呀", "🌸", "_", "~", "123", "66", "👍", "宝宝", "酱")


class _Names:
    """Unique group cards in the theme's style."""

    def __init__(self, theme: Theme, rng: random.Random):
        self.theme, self.rng, self.used = theme, rng, set()

    def claim(self, name: str) -> str:
        base, n = name, 2
        while name in self.used:
            name, n = f"{base}{n}", n + 1
        self.used.add(name)
        return name

    def real_name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def base(self) -> str:
        rng = self.rng
        r = rng.random()
        if self.theme.real_names or r < 0.4:
            return self.real_name()
        if r < 0.55:
            return rng.choice(SURNAMES) + rng.choice(("姐", "哥", "阿姨", "叔", "老师"))
        return rng.choice(NICKNAMES) + rng.choice(_NICKNAME_ENDINGS)

    def formatted(self, base: str) -> str:
        return f"{self.rng.choice(self.theme.name_prefixes)}-{base}"


def _qq_numbers(n: int, rng: random.Random) -> list[str]:
    """Distinct QQ numbers: mostly 9-10 digits, some older 6-8 digit accounts."""
    seen: set[int] = set()
    out: list[str] = []
    while len(out) < n:
        low, high = (100_000, 99_999_999) if rng.random() < 0.2 else (100_000_000, 3_999_999_999)
        q = rng.randint(low, high)
        if q not in seen and q not in (1_000_000, 80_000_000):  # system and anonymous uins
            seen.add(q)
            out.append(str(q))
    return out


def _time_in_week(week: int, earliest: int, rng: random.Random) -> int:
    """A daytime-weighted moment in ``week``, no earlier than ``earliest``."""
    for _ in range(20):
        day = rng.randrange(7)
        hour = rng.choices(range(24), weights=JOIN_HOUR_WEIGHTS)[0]
        t = week * WEEK + day * DAY + hour * 3600 + rng.randrange(3600)
        if t >= earliest:
            return t
    return earliest + rng.randrange(3600)


def draw_sizes(members: int, params: SimParams, rates: Rates, rng: random.Random) -> CastSizes:
    """How many thinkers, critics, onlookers and silent members, and how many function accounts."""
    owner_is_thinker = rng.random() < rates.owner_is_thinker
    thinkers = rng.randint(*params.thinkers)
    critics = max(2, round(members * rng.uniform(*params.critic_share)))
    assistants = rng.randint(*params.assistants)
    shills = rng.randint(*params.shills)
    ad_share = rng.uniform(*params.advertiser_share)
    if params.scenario == "ad-takeover":
        ad_share *= AD_TAKEOVER_ADVERTISER_FACTOR
    advertisers = max(1, round(members * ad_share))
    function_accounts = (0 if owner_is_thinker else 1) + assistants + shills + advertisers
    onlookers = max(round(members * rng.uniform(*params.onlooker_share)), function_accounts + 3)
    kols = rng.randint(*params.kols)
    if thinkers + critics + onlookers > members:  # shares set so high that nobody is left to be silent
        onlookers = members - thinkers - critics
        if onlookers < function_accounts:
            raise UsageError(f"{members} members cannot hold {thinkers} thinkers, {critics} critics and "
                             f"{function_accounts} operator, shill and advertiser accounts; raise --members")
    silent = members - thinkers - critics - onlookers
    return CastSizes(thinkers, critics, onlookers, silent, kols, assistants, shills, advertisers,
                     owner_is_thinker)


def build_cast(members: int, sizes: CastSizes, rates: Rates, theme: Theme, brand: str,
               stages: tuple[str, ...], creation_s: int, rng: random.Random) -> list[SimMember]:
    """Every member with role, tags, names, QQ number, join time and voluntary leave time.

    The list is ordered by join time and each member's ``index`` is its position.
    """
    names = _Names(theme, rng)
    qq = iter(_qq_numbers(members, rng))
    weeks = len(stages)
    end_s = weeks * WEEK
    cast: list[SimMember] = []

    def add(role: str, tags: set[str], name: str, list_role: str = "成员", join_s: int = -1) -> SimMember:
        m = SimMember(index=len(cast), member_id=next(qq), names=[names.claim(name)], role=role,
                      tags=tags, list_role=list_role, join_s=join_s)
        cast.append(m)
        return m

    def person_name() -> str:
        base = names.base()
        return names.formatted(base) if rng.random() < rates.formatted_name_share else base

    # The owner, brand assistants and the people the group was built around arrive first.
    thinker_titles = theme.thinker_titles
    if not sizes.owner_is_thinker:
        add("onlooker", {"operator"}, rng.choice((f"{brand}官方", f"{brand}-运营", f"{brand}社群")),
                          "群主", creation_s)
    thinkers = []
    for i in range(sizes.thinkers):
        owner = sizes.owner_is_thinker and i == 0
        name = names.formatted(names.real_name()) + (rng.choice(thinker_titles) if rng.random() < 0.6 else "")
        thinkers.append(add("thinker", set(), name, "群主" if owner else "成员", creation_s if owner else -1))
    for _ in range(sizes.assistants):
        label = rng.choice(("小助手", "客服", "运营", "班长", "小秘书"))
        add("onlooker", {"operator"}, f"{brand}{label}-{rng.choice(('小美', '小雅', '小安', '小悦', '小K'))}",
            "管理员", creation_s + rng.randint(30, 600))
    critics = [add("critic", set(), person_name()) for _ in range(sizes.critics)]
    for _ in range(sizes.shills):
        add("onlooker", {"shill"}, person_name())
    for _ in range(sizes.advertisers):
        add("onlooker", {"advertiser"}, rng.choice(SPAM_NAMES) if rng.random() < 0.5 else names.base())
    function_count = sum(1 for m in cast if m.role == "onlooker")
    onlookers = [add("onlooker", set(), person_name())
                 for _ in range(sizes.onlookers - function_count)]
    for _ in range(sizes.silent):
        add("silent", set(), person_name())

    _pick_kols(sizes.kols, thinkers, critics, onlookers, rng)
    for m in onlookers:
        # Some onlookers speak more than others, but none as much as a thinker or critic; an
        # expert onlooker (a KOL) mostly answers questions, which answer() prefers KOLs for.
        weight = min(3.0, max(0.2, rng.lognormvariate(0.0, 0.6)))
        m.talk_weight = weight * (2.0 if "kol" in m.tags else 1.0)
    if thinkers and rng.random() < 0.4:  # a trusted member helps moderate
        helper = rng.choice([m for m in thinkers + critics if m.list_role == "成员"] or thinkers)
        if helper.list_role == "成员":
            helper.list_role = "管理员"

    _draw_joins(cast, rates, stages, creation_s, rng)
    _draw_quits(cast, rates, stages, end_s, rng)
    _draw_renames(cast, names, rates, end_s, rng)
    cast.sort(key=lambda m: (m.join_s, m.index))
    for i, m in enumerate(cast):
        m.index = i
    return cast


def _pick_kols(k: int, thinkers: list[SimMember], critics: list[SimMember], onlookers: list[SimMember],
               rng: random.Random) -> None:
    """Tag ``k`` opinion leaders: a thinker first, then mostly thinkers and critics, sometimes an
    expert onlooker.

    The first is a thinker whenever the group has one: a group's discussions are the thinkers'
    posts others join, so the member others take up most is a thinker, and the highest-influence
    member who is no operator or advertiser account is a KOL (issue 15, DOMAIN.md). (Drawing the
    first KOL among critics or onlookers too left the group's one thinker, with four to eight
    times anyone else's influence, untagged while a critic was the KOL.) The KOL thinker's posts
    then draw the KOL's larger crowd, so with two thinkers the tagged one leads.
    """
    pools = [list(thinkers), list(critics), list(onlookers)]
    for n in range(k):
        order = rng.choices((0, 1, 2), weights=(0.45, 0.35, 0.2))[0]
        if n == 0 and pools[0]:
            order = 0
        for p in (order, 0, 1, 2):
            if pools[p]:
                m = pools[p].pop(rng.randrange(len(pools[p])))
                m.tags.add("kol")
                break


def _draw_joins(cast: list[SimMember], rates: Rates, stages: tuple[str, ...], creation_s: int,
                rng: random.Random) -> None:
    """Join times: the core cast on the first day, the rest by each week's stage."""
    join_weights = [STAGE_PROFILES[s].joins for s in stages]
    ad_weights = [STAGE_PROFILES[s].ads for s in stages]
    weeks = range(len(stages))
    first_day_end = DAY - 1
    for m in cast:
        if m.join_s >= 0:
            continue
        core = m.role in ("thinker", "critic") or "kol" in m.tags or "shill" in m.tags
        if "advertiser" in m.tags:
            week = rng.choices(weeks, weights=ad_weights)[0]
            m.join_s = _time_in_week(week, creation_s + 3600, rng)
        elif core and rng.random() < 0.85 or rng.random() < rates.founder_share:
            m.join_s = min(first_day_end, creation_s + 60 + int(rng.expovariate(1 / 7200)))
        else:
            week = rng.choices(weeks, weights=join_weights)[0]
            m.join_s = _time_in_week(week, creation_s + 600, rng)


def _draw_quits(cast: list[SimMember], rates: Rates, stages: tuple[str, ...], end_s: int,
                rng: random.Random) -> None:
    """Voluntary leaves: a weekly chance by role (silent members most), scaled by the stage."""
    weekly = {"silent": rates.silent_leave_rate, "onlooker": rates.onlooker_leave_rate,
              "critic": rates.critic_leave_rate}
    for m in cast:
        if "advertiser" in m.tags:  # some advertisers drift off after their burst
            if rng.random() < 0.4:
                t = m.join_s + rng.randint(DAY, 10 * DAY)
                if t < end_s:
                    m.left_s, m.left_how = t, "quit"
            continue
        if m.list_role != "成员" or m.tags & {"kol", "shill", "operator"} or m.role not in weekly:
            continue
        for week in range(m.join_s // WEEK, len(stages)):
            if rng.random() < weekly[m.role] * STAGE_PROFILES[stages[week]].leaves:
                t = max(m.join_s + 3600, week * WEEK + rng.randrange(WEEK))
                if t < end_s:
                    m.left_s, m.left_how = t, "quit"
                break


def _draw_renames(cast: list[SimMember], names: _Names, rates: Rates, end_s: int, rng: random.Random) -> None:
    """Some speaking members adopt the group's card format a while after they join."""
    for m in cast:
        if m.role == "silent" or m.tags or m.list_role != "成员" or "-" in m.names[0]:
            continue
        if rng.random() < rates.rename_share:
            t = m.join_s + rng.randint(600, 2 * DAY)
            if t < end_s and (m.left_s is None or t < m.left_s):
                m.rename_s = t
                m.names.append(names.claim(names.formatted(m.names[0])))
