"""Simulator family B: a QQ group's members and what they say, with the truth.

Written from the behaviours in DOMAIN.md and issue 15, independently of ``grouplens.simulate``
(a different cast, timing, reply patterns and text). The people:

- operators (1-3): the owner (群主 on the member list) and 0-2 assistants (管理员 on the list, or
  an ordinary-looking account); one welcomes newcomers, one may post a daily card or report at a
  fixed clock time, the owner posts notices and rules at irregular times; in a quiet group they
  answer members' questions;
- thinkers (lively groups, 1-3): post views that start discussions; they answer follow-up
  questions and defend their view when disputed (with 其实/但是 now and then: still thinkers);
- KOLs (lively groups, 1-3): the members whose posts others take up. A KOL is either a thinker
  whose discussions draw far more people, agreement and questions than anyone else's, or an expert
  (role onlooker) whom members ask by name and who answers many different people. The first
  thinker is always one (the highest-influence member who is no operator account is a KOL);
- critics (lively groups, 1-3): reply to others' views by disputing them; rarely start anything;
- shills (0-3): ordinary accounts; an asker posts the same kind of question or topic starter at
  nearly the same clock time on most days, answered within minutes by the same one or two accounts
  (its partner shills, or the assistant when it works alone);
- advertisers: join, post ads (links, WeChat ids, QR codes), then leave, are removed or fall
  silent; a few keep posting ads for a while;
- regulars (onlookers): ask questions, answer some, chat, banter, ping, check in; a few are
  very chatty without being taken up;
- lurkers (silent): never speak; some join or leave during the period.

Quiet groups have no real discussion (no thinkers, KOLs or critics): questions, check-ins,
banter, answers by operators. Answers rarely quote or @-mention the asker (a TXT export has no
quotes): they follow the question by a few minutes and share its words.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from .talk import Talk
from .vocab import DECOR, GIVEN, NICKNAMES, SPAM_NAMES, SURNAMES, THEMES

DAY = 86400
WEEK = 7 * DAY
SYSTEM = -1

# Truth roles and tags (the vocabulary of grouplens roles).
THINKER, CRITIC, ONLOOKER, SILENT = "thinker", "critic", "onlooker", "silent"
KOL, OPERATOR, SHILL, ADVERTISER, NEWCOMER, LEFT = "kol", "operator", "shill", "advertiser", "newcomer", "left"
NEWCOMER_DAYS = 14

# Hour-of-day weights of members' talk (lunch and late-evening peaks).
HOURS = (0.25, 0.12, 0.05, 0.02, 0.02, 0.04, 0.2, 0.6, 1.0, 1.2, 1.1, 1.2, 1.7, 1.4, 1.0, 1.0, 1.0, 1.1, 1.2, 1.5,
         2.0, 2.3, 2.0, 1.0)


@dataclass
class Member:
    idx: int
    member_id: str
    names: list[str]
    persona: str
    list_role: str = "成员"
    join_s: int = -DAY  # seconds from the period start; < 0: joined before it
    left_s: int | None = None
    left_how: str | None = None
    rename_s: int | None = None
    chat: float = 1.0
    title: str | None = None
    tags: set[str] = field(default_factory=set)

    def name_at(self, t: float) -> str:
        return self.names[-1] if self.rename_s is not None and t >= self.rename_s else self.names[0]

    def present(self, t: float) -> bool:
        return self.join_s <= t and (self.left_s is None or t < self.left_s)


@dataclass
class Message:
    t: float
    who: int  # member index, SYSTEM for notices
    text: str
    intent: str
    answers: int | None = None  # key of the question this message answers (truth)
    key: int = -1
    parent: int | None = None  # key of the message this one replies to (truth)


@dataclass
class Settings:
    """What varies between groups; ``draw_settings`` draws it from a seed."""

    members: int
    weeks: int
    theme: str
    lively: bool
    kols: int
    thinkers: int
    critics: int
    shills: int
    assistants: int
    start: tuple[int, int, int]  # local date of the first day


def draw_settings(members: int, weeks: int, rng: random.Random, lively: bool | None = None) -> Settings:
    lively = rng.random() < 0.75 if lively is None else lively
    kols = rng.choices((1, 2, 3), weights=(0.45, 0.35, 0.2))[0] if lively else 0
    thinkers = rng.choices((1, 2, 3), weights=(0.5, 0.4, 0.1))[0] if lively else 0
    critics = (1 if members < 150 else rng.randint(1, 3)) if lively else 0
    shills = rng.choices((0, 1, 2, 3), weights=(0.3, 0.3, 0.25, 0.15))[0]
    assistants = rng.choices((0, 1, 2), weights=(0.3, 0.5, 0.2))[0]
    year = rng.randint(2016, 2024)
    return Settings(members=members, weeks=weeks, theme=rng.choice(sorted(THEMES)), lively=lively, kols=kols,
                    thinkers=thinkers, critics=critics, shills=shills, assistants=assistants,
                    start=(year, rng.randint(1, 12), rng.randint(1, 28)))


class GroupB:
    """One simulated group: ``members``, ``messages`` (time order) and ``name``."""

    def __init__(self, seed: int, members: int, weeks: int, lively: bool | None = None):
        if members < 50 or members > 2000:
            raise ValueError("family B groups have 50 to 2,000 members")
        self.seed = seed
        self.rng = random.Random(f"simfamily-b/{seed}/{members}/{weeks}/{lively}")
        self.s = draw_settings(members, weeks, self.rng, lively)
        self.theme = THEMES[self.s.theme]
        self.brand = self.rng.choice(self.theme.brands)
        self.name = self.rng.choice(self.theme.group_patterns).format(brand=self.brand, n=self.rng.randint(1, 12))
        self.talk = Talk(self.theme, self.brand, self.name, self.rng)
        self.end_s = weeks * WEEK
        self.size = min(3.2, max(0.5, math.sqrt(members / 200)))
        self.members: list[Member] = []
        self.messages: list[Message] = []
        self._used_names: set[str] = set()
        self._used_ids: set[str] = set()
        self._cast()
        self._run()
        self.messages.sort(key=lambda m: (m.t, m.key))
        self._tags()

    # -- the cast ---------------------------------------------------------------------------------------
    def _unique_name(self, make) -> str:
        for _ in range(50):
            n = make()
            if n not in self._used_names:
                self._used_names.add(n)
                return n
        n = make() + str(len(self._used_names))
        self._used_names.add(n)
        return n

    def _person_name(self, card_style: bool) -> str:
        rng = self.rng

        def make() -> str:
            base = rng.choice(NICKNAMES) if rng.random() < 0.5 else rng.choice(SURNAMES) + rng.choice(GIVEN)
            base = base + rng.choice(DECOR) if rng.random() < 0.3 else base
            if card_style and rng.random() < 0.7:
                return f"{rng.choice(self.theme.card_names)}-{base}"
            return base
        return self._unique_name(make)

    def _new_id(self, email_ok: bool = True) -> str:
        rng = self.rng
        while True:
            if email_ok and rng.random() < 0.08:
                local = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 9)))
                mid = local + str(rng.randint(1, 999)) + rng.choice(("@qq.com", "@163.com", "@foxmail.com"))
            else:
                mid = str(rng.randint(10**5, 3 * 10**9))
            if mid not in self._used_ids:
                self._used_ids.add(mid)
                return mid

    def _add(self, persona: str, name: str, list_role: str = "成员", join_s: int | None = None,
             chat: float = 1.0) -> Member:
        rng = self.rng
        if join_s is None:
            join_s = -rng.randint(DAY, 300 * DAY)
        m = Member(idx=len(self.members), member_id=self._new_id(persona not in ("owner", "assistant")), names=[name],
                   persona=persona, list_role=list_role, join_s=join_s, chat=chat)
        self.members.append(m)
        return m

    def _cast(self) -> None:
        rng, s = self.rng, self.s
        card_style = rng.random() < 0.45
        brand = self.brand
        owner_name = rng.choice((f"{brand}官方", f"{brand}社群", f"{brand}-群主", f"{brand}运营中心"))
        self.owner = self._add("owner", self._unique_name(lambda: owner_name), "群主", -rng.randint(60, 400) * DAY)
        self.assistants = []
        for _ in range(s.assistants):
            label = rng.choice(("小助手", "客服", "班长", "小秘书", "运营"))
            listed = rng.random() < 0.7
            nm = self._unique_name(lambda label=label: f"{brand}{label}-{rng.choice(('小暖', '小橙', '阿喵', '小鹿', '小七'))}")
            self.assistants.append(self._add("assistant", nm, "管理员" if listed else "成员"))
        ops = [self.owner] + self.assistants
        self.welcomer = self.assistants[0] if self.assistants else self.owner
        # Scheduled posts: a daily card and/or daily report at a fixed clock time.
        self.card_poster = rng.choice(ops) if rng.random() < 0.7 else None
        self.card_time = rng.randint(7 * 3600 + 1800, 9 * 3600 + 1800)
        self.card_title = rng.choice(self.theme.card_titles)
        self.reporter = rng.choice(ops) if rng.random() < 0.3 else None
        self.report_time = rng.randint(21 * 3600, 22 * 3600 + 1800)
        self.owner_silent = rng.random() < 0.15 and self.owner not in (self.welcomer, self.card_poster, self.reporter)

        self.thinkers: list[Member] = []
        self.kols: list[Member] = []
        kol_left = s.kols
        for n in range(s.thinkers):
            # The first thinker is always a KOL in a lively group: the highest-influence member who
            # is no operator or advertiser account is one (issue 15), and a plain thinker starting
            # the group's discussions would be that member. (The coin is drawn all the same, so the
            # rest of a seed's group stays as it was.)
            coin = rng.random()
            is_kol = kol_left > 0 and (n == 0 or coin < 0.65)
            m = self._add("kol_thinker" if is_kol else "thinker", self._person_name(card_style), chat=rng.uniform(2, 4))
            self.thinkers.append(m)
            if is_kol:
                self.kols.append(m)
                kol_left -= 1
        for _ in range(kol_left):
            self.kols.append(self._add("kol_expert", self._person_name(card_style), chat=rng.uniform(1.5, 3)))
        self.experts = [m for m in self.kols if m.persona == "kol_expert"]
        self.critics = [self._add("critic", self._person_name(card_style), chat=rng.uniform(0.8, 1.5))
                        for _ in range(s.critics)]
        # Shill teams: askers post the scheduled starters, partners answer them.
        self.shill_askers: list[Member] = []
        self.shill_partners: dict[int, list[Member]] = {}
        n = s.shills
        if n:
            shills = [self._add("shill", self._person_name(card_style), chat=0.3) for _ in range(n)]
            if n == 1 or (n == 2 and rng.random() < 0.4):
                self.shill_askers = shills
                for a in shills:  # alone: the assistant (or owner) answers its questions
                    self.shill_partners[a.idx] = [self.welcomer]
            elif n == 2:
                self.shill_askers = [shills[0]]
                self.shill_partners[shills[0].idx] = [shills[1]]
            elif rng.random() < 0.5:
                self.shill_askers = [shills[0]]
                self.shill_partners[shills[0].idx] = shills[1:]
            else:
                self.shill_askers = shills[:2]
                for a in shills[:2]:
                    self.shill_partners[a.idx] = [shills[2]]
            for a in self.shill_askers:
                a.chat = 0.4
        self.shill_slot = {a.idx: (rng.randint(9 * 3600, 22 * 3600), rng.uniform(90, 420), rng.uniform(0.55, 0.9),
                                   rng.choice(("早上", "中午", "下午", "晚上")))
                           for a in self.shill_askers}
        # Advertisers.
        ad_count = max(0, round(s.members * rng.uniform(0.002, 0.012) * (1.8 if not s.lively else 1.0)))
        if ad_count == 0 and rng.random() < 0.7:
            ad_count = 1
        self.advertisers = []
        for _ in range(ad_count):
            nm = self._unique_name(lambda: rng.choice(SPAM_NAMES) + (str(rng.randint(1, 99)) if rng.random() < 0.5 else ""))
            persistent = rng.random() < 0.3
            join = rng.randint(0, self.end_s - DAY) if not persistent or rng.random() < 0.5 else None
            a = self._add("advertiser_persistent" if persistent else "advertiser", nm, join_s=join)
            self.advertisers.append(a)
        # Regulars and lurkers fill the rest.
        core = len(self.members)
        rest = s.members - core
        if rest < 10:
            raise ValueError(f"{s.members} members is too few for this cast")
        speak_share = rng.uniform(0.25, 0.45) if s.lively else rng.uniform(0.1, 0.25)
        regulars = max(8, round(rest * speak_share))
        founders_share = rng.uniform(0.45, 0.8)
        for i in range(rest):
            persona = "regular" if i < regulars else "lurker"
            join = None if rng.random() < founders_share else rng.randint(0, self.end_s - 3600)
            chat = min(12.0, rng.lognormvariate(0, 0.9)) if persona == "regular" else 0.0
            m = self._add(persona, self._person_name(card_style), join_s=join, chat=chat)
            if persona == "regular" and rng.random() < 0.12:
                m.rename_s = max(m.join_s, 0) + rng.randint(DAY, 20 * DAY)
                new = self._person_name(True)
                m.names.append(new)
        # Leaves: regulars and lurkers drift off; advertisers are handled when they post.
        for m in self.members:
            if m.persona in ("regular", "lurker"):
                weekly = 0.012 if m.persona == "regular" else 0.03
                start_w = max(0, m.join_s) // WEEK
                for w in range(start_w, self.s.weeks):
                    if rng.random() < weekly:
                        t = max(m.join_s + 3600, w * WEEK + rng.randrange(WEEK))
                        if t < self.end_s - 3600:
                            m.left_s, m.left_how = t, "quit"
                        break
        self.regulars = [m for m in self.members if m.persona == "regular"]
        titles = rng.random() < 0.3
        for m in self.members:
            if m.list_role == "管理员" and rng.random() < 0.5:
                m.title = "管理员"
            elif titles and m.persona not in ("owner",) and rng.random() < 0.3:
                m.title = rng.choice(("活跃", "冒泡", "吐槽", "潜水"))

    # -- what happens -------------------------------------------------------------------------------------
    def _say(self, t: float, who: Member | int, text: str, intent: str, answers: int | None = None,
             parent: int | None = None) -> int:
        idx = who if isinstance(who, int) else who.idx
        if idx != SYSTEM:
            m = self.members[idx]
            if not m.present(t) or t >= self.end_s or t < 0:
                return -1
        key = len(self.messages)
        parent = answers if parent is None else parent
        if parent is not None and parent < 0:
            parent = None
        self.messages.append(Message(t=t, who=idx, text=text, intent=intent, answers=answers, key=key, parent=parent))
        return key

    def _time_of_day(self) -> int:
        hour = self.rng.choices(range(24), weights=HOURS)[0]
        return hour * 3600 + self.rng.randrange(3600)

    def _gap(self, median: float, sigma: float = 0.9, lo: float = 4.0, hi: float = 4 * 3600) -> float:
        return min(hi, max(lo, self.rng.lognormvariate(math.log(median), sigma)))

    def _pick(self, pool: list[Member], t: float, weight=lambda m: m.chat, exclude: tuple[int, ...] = ()) -> Member | None:
        cands = [m for m in pool if m.present(t) and m.idx not in exclude]
        if not cands:
            return None
        ws = [max(1e-6, weight(m)) for m in cands]
        return self.rng.choices(cands, weights=ws)[0]

    def _speakers(self) -> list[Member]:
        return self.regulars + self.thinkers + self.experts + self.critics

    def _run(self) -> None:
        rng, s = self.rng, self.s
        days = s.weeks * 7
        trend = rng.choice((1.0, 1.0, -0.5, 0.4))  # flat, declining or growing over the period
        self._joins()
        if self.owner and not self.owner_silent:
            self._say(rng.randint(9 * 3600, 11 * 3600), self.owner, "【群规】" + self.talk.notice(), "notice")
        card_no = rng.randint(1, 200)
        for d in range(days):
            day0 = d * DAY
            weekday = (d + rng.randint(0, 0)) % 7
            factor = (1 + trend * (d / days - 0.5)) * (1.2 if weekday >= 5 else 1.0) * rng.lognormvariate(0, 0.3)
            factor = max(0.15, factor)
            # Scheduled operator posts.
            if self.card_poster is not None and rng.random() < 0.88:
                card_no += 1
                t = day0 + self.card_time + rng.uniform(-150, 150)
                k = self._say(t, self.card_poster, self.talk.card(self.card_title, card_no), "card")
                self._reactions(k, t, rng.randint(0, 3))
            if self.reporter is not None and rng.random() < 0.85:
                self._say(day0 + self.report_time + rng.uniform(-120, 120), self.reporter,
                          self.talk.report(d + 1, rng.randint(40, 400)), "report")
            if not self.owner_silent and rng.random() < 0.15:
                self._say(day0 + self._time_of_day(), self.owner, self.talk.notice(), "notice")
            for a in self.shill_askers:
                self._shill_day(a, day0)
            lam = factor * self.size
            if s.lively:
                for _ in range(self._poisson(rng.uniform(3, 7) * lam)):
                    self._discussion(day0 + self._time_of_day())
            for _ in range(self._poisson((rng.uniform(2.5, 6) if s.lively else rng.uniform(3, 6)) * lam)):
                self._question(day0 + self._time_of_day())
            for _ in range(self._poisson(rng.uniform(1.5, 4) * lam)):
                self._pseudo(day0 + self._time_of_day())
            for _ in range(self._poisson(rng.uniform(8, 20) * lam * (1.0 if s.lively else 0.5))):
                self._chatter(day0 + self._time_of_day())
        self._advertising()

    def _poisson(self, lam: float) -> int:
        # Knuth for small means, normal approximation for large ones.
        if lam > 30:
            return max(0, round(self.rng.gauss(lam, math.sqrt(lam))))
        L, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= L:
                return k
            k += 1

    def _reactions(self, key: int, t: float, n: int) -> None:
        """A few members acknowledge a post."""
        for _ in range(n):
            t += self._gap(90)
            who = self._pick(self.regulars, t)
            if who is not None:
                self._say(t, who, self.talk.agree(), "agree", parent=key)

    # -- joins, welcomes, leaves -------------------------------------------------------------------------------
    def _joins(self) -> None:
        rng = self.rng
        joins = sorted((m for m in self.members if 0 <= m.join_s < self.end_s), key=lambda m: m.join_s)
        pending: list[Member] = []
        for m in joins:
            self._say(m.join_s, SYSTEM, f"{m.names[0]}加入本群" + ("。" if rng.random() < 0.4 else ""), "join")
            if m.persona == "regular" and rng.random() < 0.5:
                self._say(m.join_s + rng.uniform(5, 600), m, self.talk.greeting_new(), "greeting")
            pending.append(m)
            nxt = next((j for j in joins if j.join_s > m.join_s), None)
            # Welcome the newcomers who arrived within the hour, together.
            if nxt is None or nxt.join_s - m.join_s > 3600 or len(pending) >= 4:
                if rng.random() < 0.85:
                    t = m.join_s + self._gap(240, 0.8, 20, 3 * 3600)
                    names = [p.names[0] for p in pending]
                    self._say(t, self.welcomer, self.talk.welcome(names, at=rng.random() < 0.6), "welcome")
                pending = []
        for m in self.members:
            if m.left_s is not None:
                text = f"{m.name_at(m.left_s)}退出了本群" if m.left_how == "quit" else \
                    f"{m.name_at(m.left_s)}被管理员移出本群"
                self.messages.append(Message(t=m.left_s, who=SYSTEM, text=text, intent="leave", key=len(self.messages)))

    # -- discussions ----------------------------------------------------------------------------------------
    def _discussion(self, t: float) -> None:
        rng = self.rng
        weights = {"kol_thinker": 6.0, "thinker": 4.0, "kol_expert": 0.0, "critic": 0.25}
        starter = self._pick(self._speakers(), t, weight=lambda m: weights.get(m.persona, 0.12 * m.chat))
        if starter is None:
            return
        uptake = {"kol_thinker": 9.0, "thinker": 4.0, "kol_expert": 5.0, "critic": 1.5}.get(starter.persona, 1.0)
        thing, item = self.talk.topic()
        k = self._say(t, starter, self.talk.opinion(thing, item), "opinion")
        if k < 0:
            return
        if rng.random() < 0.4:
            t += self._gap(25, 0.6)
            self._say(t, starter, self.talk.opinion_more(thing), "opinion", parent=k)
        replies = self._poisson(uptake)
        kol = starter.persona.startswith("kol")
        for _ in range(replies):
            t += self._gap(80)

            def w(m: Member) -> float:
                base = m.chat
                if m.persona == "critic":
                    base *= 6 if starter.persona in ("kol_thinker", "thinker") else 2
                return base
            # Critics answer thinkers' points whatever the group's size (they watch for them).
            if starter.persona in ("kol_thinker", "thinker") and self.critics and rng.random() < 0.22:
                who = self._pick(self.critics, t, weight=lambda m: 1.0, exclude=(starter.idx,))
            else:
                who = self._pick(self._speakers(), t, weight=w, exclude=(starter.idx,))
            if who is None:
                continue
            name = starter.name_at(t)
            prefix = f"@{name} " if rng.random() < 0.12 else ""
            if who.persona == "critic":
                intent = "objection" if rng.random() < 0.75 else "view"
            else:
                intent = rng.choices(("agree", "view", "followup", "objection", "banter"),
                                     weights=(0.33 if kol else 0.25, 0.28, 0.3 if kol else 0.17, 0.04, 0.1))[0]
            if intent == "agree":
                text = self.talk.agree(thing)
                if rng.random() < 0.08:
                    text = f"{name}说得对，" + text
            elif intent == "view":
                text = self.talk.own_view(thing, item)
            elif intent == "followup":
                text = self.talk.followup_question(thing, item)
            elif intent == "objection":
                text = self.talk.objection(thing, item)
            else:
                text = self.talk.banter()
            qk = self._say(t, who, prefix + text, "question" if intent == "followup" else intent, parent=k)
            if qk < 0:
                continue
            # The starter answers follow-up questions and defends the view when disputed.
            if intent == "followup" and rng.random() < (0.85 if kol else 0.55):
                t += self._gap(70, 0.7)
                at = f"@{who.name_at(t)} " if rng.random() < 0.15 else ""
                k2 = self._say(t, starter, at + self.talk.answer(thing, item), "answer", answers=qk)
                if rng.random() < 0.4:
                    t += self._gap(50)
                    self._say(t, who, self.talk.thanks(), "thanks", parent=k2)
            elif intent == "objection" and starter.persona in ("kol_thinker", "thinker", "kol_expert") \
                    and rng.random() < 0.7:
                t += self._gap(60, 0.7)
                at = f"@{who.name_at(t)} " if rng.random() < 0.2 else ""
                dk = self._say(t, starter, at + self.talk.defense(thing), "defense", parent=qk)
                if who.persona == "critic" and rng.random() < 0.35:
                    t += self._gap(60, 0.7)
                    self._say(t, who, self.talk.objection(thing, item), "objection", parent=dk)

    # -- questions and answers ------------------------------------------------------------------------------
    def _question(self, t: float) -> None:
        rng, s = self.rng, self.s
        asker = self._pick(self.regulars + self.critics, t,
                           weight=lambda m: m.chat * (3.0 if 0 <= t - m.join_s < 7 * DAY else 1.0))
        if asker is None:
            return
        thing, item = self.talk.topic()
        target = None
        if self.experts and rng.random() < 0.3:
            target = self._pick(self.experts, t)
        if target is not None:
            text = self.talk.addressed_question(target.name_at(t), thing, item, at=rng.random() < 0.6)
        else:
            text = self.talk.question(thing, item)
        qk = self._say(t, asker, text, "question")
        if qk < 0:
            return
        if rng.random() > (0.8 if s.lively else 0.7):
            return  # unanswered
        ops = [self.owner] + self.assistants if not self.owner_silent else list(self.assistants)

        def w(m: Member) -> float:
            if target is not None:
                return 40.0 if m is target else 0.05 * m.chat
            p = m.persona
            if p == "kol_expert":
                return 7.0
            if p == "kol_thinker":
                return 2.5
            if p == "thinker":
                return 1.2
            if p in ("owner", "assistant"):
                return 0.6 if s.lively else 8.0
            if p == "critic":
                return 0.4
            return 0.06 * m.chat
        pool = self._speakers() + ops
        who = self._pick(pool, t, weight=w, exclude=(asker.idx,))
        if who is None:
            return
        t += self._gap(140, 1.0, 15, 3 * 3600)
        at = f"@{asker.name_at(t)} " if rng.random() < 0.1 else ""
        text = self.talk.staff_answer(thing, item) if who.persona in ("owner", "assistant") else \
            self.talk.answer(thing, item)
        ak = self._say(t, who, at + text, "answer", answers=qk)
        if ak < 0:
            return
        if rng.random() < 0.3:
            t2 = t + self._gap(40)
            self._say(t2, who, self.talk.answer_more(thing), "answer", parent=ak)
        if rng.random() < 0.3:
            other = self._pick(pool, t, weight=w, exclude=(asker.idx, who.idx))
            if other is not None:
                self._say(t + self._gap(200), other, self.talk.answer(thing, item), "answer", answers=qk)
        if rng.random() < 0.5:
            self._say(t + self._gap(90), asker, self.talk.thanks(), "thanks", parent=ak)

    def _pseudo(self, t: float) -> None:
        rng = self.rng
        who = self._pick(self._speakers(), t)
        if who is None:
            return
        other = self._pick(self._speakers(), t, exclude=(who.idx,)) if rng.random() < 0.3 else None
        pk = self._say(t, who, self.talk.pseudo(other.name_at(t) if other else None), "pseudo")
        if rng.random() < 0.3:
            replier = other or self._pick(self._speakers(), t, exclude=(who.idx,))
            if replier is not None:
                self._say(t + self._gap(60), replier, rng.choice(("在", "在的", "哈哈哈", "咋了", "来了", "[表情]")),
                          "banter", parent=pk)

    def _chatter(self, t: float) -> None:
        rng = self.rng
        who = self._pick(self._speakers(), t, weight=lambda m: m.chat ** 1.5)
        if who is None:
            return
        bk = self._say(t, who, self.talk.banter(), "banter")
        for _ in range(rng.choice((0, 0, 1, 2))):
            t += self._gap(45)
            other = self._pick(self._speakers(), t, weight=lambda m: m.chat ** 1.5, exclude=(who.idx,))
            if other is not None:
                self._say(t, other, self.talk.banter(), "banter", parent=bk)

    # -- shills -------------------------------------------------------------------------------------------------
    def _shill_day(self, asker: Member, day0: int) -> None:
        rng = self.rng
        slot, jitter, p_day, slot_word = self.shill_slot[asker.idx]
        if rng.random() > p_day:
            if rng.random() < 0.1:
                self._say(day0 + self._time_of_day(), asker, self.talk.banter(), "banter")
            return
        t = day0 + slot + rng.uniform(-jitter, jitter)
        thing, item = self.talk.topic()
        qk = self._say(t, asker, self.talk.shill_starter(thing, item, slot_word), "question")
        if qk < 0:
            return
        for i, partner in enumerate(self.shill_partners.get(asker.idx, [])):
            if rng.random() < (0.92 if i == 0 else 0.7):
                ta = t + rng.uniform(40, 360)
                text = self.talk.staff_answer(thing, item) if partner.persona in ("owner", "assistant") \
                    else self.talk.shill_reply(thing, item)
                self._say(ta, partner, text, "answer", answers=qk)
        # Ordinary members sometimes join in.
        tt = t + 300
        for _ in range(self._poisson(1.0)):
            tt += self._gap(120)
            who = self._pick(self.regulars, tt)
            if who is not None:
                self._say(tt, who, self.talk.own_view(thing, item), "view", parent=qk)
        if rng.random() < 0.3:
            self._say(t + rng.uniform(400, 900), asker, self.talk.thanks(), "thanks")

    # -- advertisers ----------------------------------------------------------------------------------------------
    def _advertising(self) -> None:
        rng = self.rng
        for a in self.advertisers:
            if a.persona == "advertiser":
                t = max(0, a.join_s) + rng.uniform(60, 1800)
                for _ in range(rng.choice((1, 1, 2, 3))):
                    self._say(t, a, self.talk.ad(), "ad")
                    t += rng.uniform(600, 20 * 3600)
                r = rng.random()
                if r < 0.35:
                    a.left_s, a.left_how = int(t + rng.uniform(600, 2 * DAY)), "removed"
                elif r < 0.55:
                    a.left_s, a.left_how = int(t + rng.uniform(600, 2 * DAY)), "quit"
            else:
                t = max(0, a.join_s) + rng.uniform(3600, 3 * DAY)
                for _ in range(rng.randint(4, 12)):
                    self._say(t, a, self.talk.ad(), "ad")
                    t += rng.uniform(0.3 * DAY, 3 * DAY)
                if rng.random() < 0.6:
                    a.left_s, a.left_how = int(t + rng.uniform(600, DAY)), "removed"
            if a.left_s is not None:
                if a.left_s >= self.end_s:
                    a.left_s, a.left_how = None, None
                else:
                    text = f"{a.names[0]}退出了本群" if a.left_how == "quit" else f"{a.names[0]}被管理员移出本群"
                    self.messages.append(Message(t=a.left_s, who=SYSTEM, text=text, intent="leave",
                                                 key=len(self.messages)))
        # Ads posted after a member left were never sent.
        self.messages = [m for m in self.messages if m.who == SYSTEM or self.members[m.who].present(m.t)]

    # -- truth ----------------------------------------------------------------------------------------------------
    def _tags(self) -> None:
        counts = [0] * len(self.members)
        for msg in self.messages:
            if msg.who != SYSTEM:
                counts[msg.who] += 1
        self.counts = counts
        for m in self.members:
            p = m.persona
            if p in ("owner", "assistant"):
                m.tags.add(OPERATOR)
            if p.startswith("kol"):
                m.tags.add(KOL)
            if p == "shill" or any(m in v for v in self.shill_partners.values() if m.persona == "shill"):
                m.tags.add(SHILL)
            if p.startswith("advertiser"):
                m.tags.add(ADVERTISER)
            if m.join_s >= self.end_s - NEWCOMER_DAYS * DAY:
                m.tags.add(NEWCOMER)
            if m.left_s is not None:
                m.tags.add(LEFT)

    def role(self, m: Member) -> str:
        if m.persona in ("thinker", "kol_thinker"):
            return THINKER
        if m.persona == "critic":
            return CRITIC
        if self.counts[m.idx] > 0 or m.list_role in ("群主", "管理员"):
            return ONLOOKER
        return SILENT
