"""Message generation: a day-by-day simulation of who says what, when and to whom.

Each day has scheduled posts (operators' 早报 at ~8:00, 知识卡片, 群公告 and welcomes; the
shills' fixed-minute scripts), membership notices, advertisers' bursts, and organic sessions
(discussions, questions, small talk) whose number follows the day's lifecycle stage, the
weekday and how many speaking members are present. Messages are generated session by
session and sorted by time at the end.
"""

from __future__ import annotations

import math
import random
from array import array
from bisect import bisect
from datetime import date, timedelta
from itertools import accumulate

import numpy as np

from .content import Content
from .model import INTENT, SYSTEM, Question, SimMember, SimMessages
from .params import STAGE_PROFILES, Rates, SimParams, StageProfile

DAY = 86400
NEVER = 1 << 62
FIRST_SECOND_AFTER_QUARREL = 6 * 3600  # bystanders leave from 6:00 the next day on
ACK_RATE = 0.3  # chance a post's author answers a reply to it: key people keep a thread going
# Relative activity by hour of day: quiet at night, a lunch bump, the evening peak.
WEEKDAY_HOURS = (0.3, 0.15, 0.08, 0.05, 0.05, 0.1, 0.4, 1.0, 1.6, 1.8, 1.7, 1.6, 2.0, 1.6, 1.3, 1.3, 1.4,
                 1.5, 1.8, 2.4, 2.8, 3.0, 2.4, 1.2)
WEEKEND_HOURS = (0.5, 0.3, 0.15, 0.08, 0.05, 0.08, 0.2, 0.5, 1.0, 1.6, 2.0, 2.0, 1.9, 1.7, 1.8, 1.9, 1.9,
                 1.8, 1.9, 2.4, 2.7, 2.8, 2.2, 1.2)
_I = INTENT
_RECALLABLE = frozenset((_I["agree"], _I["chat"], _I["greeting"], _I["crowd"]))


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw: Knuth's method for small means, a rounded normal for large ones."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


class Generator:
    """Generates one group's messages from its cast; ``run`` returns them in time order."""

    def __init__(self, cast: list[SimMember], content: Content, params: SimParams, rates: Rates,
                 stages: tuple[str, ...], start: date, rng: random.Random):
        self.cast, self.content, self.params, self.rates = cast, content, params, rates
        self.stages, self.start, self.rng = stages, start, rng
        self.end_s = len(stages) * 7 * DAY
        self.join = [m.join_s for m in cast]
        self.left = [NEVER if m.left_s is None else m.left_s for m in cast]
        self.left_how = [m.left_how for m in cast]
        self.leave_noticed = [False] * len(cast)
        self.first_name = [m.names[0] for m in cast]
        self.last_name = [m.names[-1] for m in cast]
        self.rename = [NEVER if m.rename_s is None else m.rename_s for m in cast]
        self.kol = [("kol" in m.tags) for m in cast]
        self.staff_all = [m.index for m in cast if "operator" in m.tags]
        self.shills_all = [m.index for m in cast if "shill" in m.tags]
        self.ads_all = [m.index for m in cast if "advertiser" in m.tags]
        self.speakers_all = [m.index for m in cast if m.role != "silent" and not m.tags & {"operator", "shill",
                                                                                            "advertiser"}]
        self.reply_mean = rates.reply_minutes * 60
        self.staff_mean = rates.staff_answer_minutes * 60
        # Shills post at fixed minutes: one or two slots a day, chosen once for the group.
        self.shill_slots = sorted(rng.choice((9, 10, 11, 12, 15, 19, 20, 21)) * 3600 + rng.choice((0, 15, 30, 45)) * 60
                                  for _ in range(rng.randint(1, 2)))
        self.card_slot = rng.choice((12 * 3600, 20 * 3600 + 30 * 60))
        self.notice_weekday = rng.randrange(5)
        self.hour_cum = (list(accumulate(WEEKDAY_HOURS)), list(accumulate(WEEKEND_HOURS)))
        # Generated messages, in the order they were drawn (not yet in time order).
        self.ts = array("q")
        self.sender = array("i")
        self.text: list[str] = []
        self.intent = array("B")
        self.reply = array("i")
        self.questions: list[list[int]] = []  # [question id, first answer id]
        self.quarrel_weeks: set[int] = set()

    # --- recording -----------------------------------------------------------------------
    def emit(self, t: int, who: int, text: str, intent: int, reply: int = -1) -> int:
        """Record a message if ``who`` is in the group at ``t``; its id, or -1 if it was not said."""
        if t >= self.end_s:
            return -1
        if who >= 0:
            if not self.join[who] <= t < self.left[who]:
                return -1
            if intent in _RECALLABLE and self.rng.random() < self.rates.recall_rate:
                text, who, intent, reply = f"{self.name_at(who, t)}撤回了一条消息", SYSTEM, _I["recall"], -1
        self.ts.append(t)
        self.sender.append(who)
        self.text.append(text)
        self.intent.append(intent)
        self.reply.append(reply)
        return len(self.ts) - 1 if intent != _I["recall"] else -1

    def name_at(self, who: int, t: int) -> str:
        return self.last_name[who] if t >= self.rename[who] else self.first_name[who]

    def at(self, who: int, t: int) -> str:
        """``@name `` before a reply some of the time, as people do."""
        return f"@{self.name_at(who, t)} " if self.rng.random() < self.rates.mention_rate else ""

    def delay(self) -> int:
        return 5 + int(self.rng.expovariate(1 / self.reply_mean))

    # --- the simulation ---------------------------------------------------------------------
    def run(self) -> tuple[SimMessages, list[Question]]:
        for d in range(len(self.stages) * 7):
            self.day(d)
        return self.finish()

    def day(self, d: int) -> None:
        rng, rates = self.rng, self.rates
        prof = STAGE_PROFILES[self.stages[d // 7]]
        lo, hi = d * DAY, (d + 1) * DAY
        today = self.start + timedelta(days=d)
        weekend = today.weekday() >= 5
        self.present_pools(lo, hi)
        self.advertisers(lo, hi, prof)
        self.membership(lo, hi, prof)
        self.operators(d, lo, today, prof)
        self.shill_script(lo, prof)
        presence = len(self.p_speakers) / max(1, len(self.speakers_all))
        scale = self.params.activity * (rates.weekend_factor if weekend else 1.0) * presence * \
            rng.lognormvariate(0.0, 0.25)
        cum = self.hour_cum[weekend]
        for _ in range(poisson(rng, rates.topics_per_day * prof.topics * scale)):
            self.discussion(self.session_time(lo, cum), prof)
        help_desk = self.stages[d // 7] == "help-desk"
        for _ in range(poisson(rng, rates.questions_per_day * prof.questions * scale)):
            self.member_question(self.session_time(lo, cum), prof, help_desk)
        for _ in range(poisson(rng, rates.chats_per_day * prof.chats * scale)):
            self.small_talk(self.session_time(lo, cum))

    def session_time(self, day_start: int, cum: list[float]) -> int:
        hour = bisect(cum, self.rng.random() * cum[-1])
        return day_start + min(hour, 23) * 3600 + self.rng.randrange(3600)

    def present_pools(self, lo: int, hi: int) -> None:
        """Who can speak today, by kind; a member's exact presence is checked per message."""
        def here(i: int) -> bool:
            return self.join[i] < hi and self.left[i] > lo
        cast = self.cast
        self.p_speakers = [i for i in self.speakers_all if here(i)]
        self.p_thinkers = [i for i in self.p_speakers if cast[i].role == "thinker"]
        self.p_critics = [i for i in self.p_speakers if cast[i].role == "critic"]
        self.p_key = self.p_thinkers + self.p_critics
        self.p_onlookers = [i for i in self.p_speakers if cast[i].role == "onlooker"]
        self.p_cum = list(accumulate(cast[i].talk_weight for i in self.p_onlookers))
        self.p_kols = [i for i in self.p_speakers if self.kol[i]]
        self.p_staff = [i for i in self.staff_all if here(i)]
        self.p_shills = [i for i in self.shills_all if here(i)]
        self.p_newcomers = [i for i in self.p_onlookers if self.join[i] > lo - 3 * DAY]

    def onlooker(self) -> int:
        if not self.p_onlookers:
            return -1
        return self.p_onlookers[bisect(self.p_cum, self.rng.random() * self.p_cum[-1])]

    def anyone_but(self, who: int) -> int:
        """A speaking member other than ``who``: usually an onlooker, sometimes a thinker or critic."""
        rng = self.rng
        if not self.p_speakers:
            return -1
        for _ in range(4):
            pick = rng.choice(self.p_speakers) if rng.random() < 0.3 else self.onlooker()
            if pick != who:
                return pick
        return -1

    # --- membership -------------------------------------------------------------------------
    def membership(self, lo: int, hi: int, prof: StageProfile) -> None:
        """Join notices (with the operators' welcome) and notices of voluntary leaves."""
        cast = self.cast
        joiners = sorted((m.join_s, m.index) for m in cast if lo <= m.join_s < hi and m.list_role != "群主")
        for t, i in joiners:
            self.emit(t, SYSTEM, f"{self.first_name[i]}加入本群。", _I["join"])
        batch: list[int] = []
        for n, (t, i) in enumerate(joiners):
            batch.append(i)
            closes = n + 1 == len(joiners) or joiners[n + 1][0] - t > 900 or len(batch) == 6
            if closes:
                self.welcome(t, batch, prof)
                batch = []
        for i in range(len(cast)):
            if self.left_how[i] == "quit" and lo <= self.left[i] < hi and not self.leave_noticed[i]:
                self.leave_noticed[i] = True
                self.emit(self.left[i], SYSTEM, f"{self.name_at(i, self.left[i])}退出了本群。", _I["leave"])

    def welcome(self, t: int, newcomers: list[int], prof: StageProfile) -> None:
        rng = self.rng
        if not self.p_staff or rng.random() >= prof.operations:
            return
        tw = t + rng.randint(40, 300)
        names = [self.first_name[i] for i in newcomers
                 if self.join[i] <= tw < self.left[i] and "operator" not in self.cast[i].tags]
        if not names or self.emit(tw, self.p_staff[0], self.content.welcome(names), _I["welcome"]) < 0:
            return
        for i in newcomers:
            if self.cast[i].role != "silent" and not self.cast[i].tags and rng.random() < 0.5:
                self.emit(tw + self.delay(), i, self.content.newcomer_hello(), _I["greeting"])

    def leave_after_quarrel(self, day_end: int, who: int) -> None:
        t = day_end + FIRST_SECOND_AFTER_QUARREL + self.rng.randrange(2 * DAY)
        if t < self.left[who] and t < self.end_s and not self.leave_noticed[who]:
            self.left[who], self.left_how[who] = t, "quit"

    # --- operators, shills, advertisers -----------------------------------------------------
    def operators(self, d: int, lo: int, today: date, prof: StageProfile) -> None:
        """The scheduled posts: 早报 at about 8:00, a 知识卡片 at a fixed slot, a weekly 群公告."""
        if not self.p_staff:
            return
        rng, poster = self.rng, self.p_staff[0]
        if rng.random() < prof.operations:
            self.emit(lo + 8 * 3600 + rng.randint(0, 90), poster, self.content.briefing(today), _I["briefing"])
        if rng.random() < self.rates.knowledge_card_rate * prof.operations:
            self.emit(lo + self.card_slot + rng.randint(0, 60), poster, self.content.card(), _I["card"])
        if d == 0 or today.weekday() == self.notice_weekday and rng.random() < prof.operations:
            t = max(lo + 9 * 3600 + 30 * 60, self.join[poster] + 900) + rng.randint(0, 120)
            self.emit(t, poster, self.content.notice(self.name_at(poster, t)), _I["notice"])

    def shill_script(self, lo: int, prof: StageProfile) -> None:
        """Shills at their fixed minute: a burst of near-duplicates, or a question for others."""
        rng, shills = self.rng, self.p_shills
        if not shills or rng.random() >= self.rates.shill_day_rate * prof.shills:
            return
        t = lo + rng.choice(self.shill_slots) + rng.randint(0, 40)
        if len(shills) >= 2 and rng.random() < 0.5:
            group = rng.sample(shills, rng.randint(2, len(shills)))
            first = -1
            for who, line in zip(group, self.content.shill_burst(len(group))):
                mid = self.emit(t, who, line, _I["shill"])
                first = mid if first < 0 else first
                t += rng.randint(2, 45)
            for _ in range(poisson(rng, 1.5)):
                fan = self.onlooker()
                if fan >= 0:
                    self.emit(t + self.delay(), fan, self.content.agree(), _I["agree"], first)
            return
        asker = rng.choice(shills)
        q = self.emit(t, asker, self.content.shill_question(self.content.subject()), _I["question"])
        if q < 0:
            return
        for other in shills:
            if other != asker and rng.random() < 0.5:
                self.emit(t + rng.randint(5, 90), other, self.content.shill_echo(), _I["shill"], q)
        self.answer(q, t, asker, prof)

    def advertisers(self, lo: int, hi: int, prof: StageProfile) -> None:
        """Advertisers post soon after joining; where nobody removes them they keep posting."""
        rng = self.rng
        for i in self.ads_all:
            if lo <= self.join[i] < hi:
                self.ad_burst(i, self.join[i] + 60 + int(rng.expovariate(1 / 3600)), prof)
            elif self.join[i] < lo and self.left[i] > lo and rng.random() < prof.ad_repeat:
                self.ad_burst(i, lo + 8 * 3600 + rng.randrange(14 * 3600), prof)

    def ad_burst(self, i: int, t: int, prof: StageProfile) -> None:
        rng = self.rng
        times = [t]
        flood = rng.random() < 0.3  # 刷屏: the same account several times within a minute
        for _ in range(poisson(rng, 1.2)):
            times.append(times[-1] + (rng.randint(5, 40) if flood else rng.randint(600, 6 * 3600)))
        if self.staff_all and rng.random() < self.rates.removal_rate * prof.moderation:
            removed = t + 120 + int(rng.expovariate(1 / 1200))
            if removed < self.left[i] and removed < self.end_s:
                self.left[i], self.left_how[i], self.leave_noticed[i] = removed, "removed", True
                self.emit(removed, SYSTEM, f"{self.name_at(i, removed)}被管理员移出了本群。", _I["removal"])
                staff = [s for s in self.staff_all if self.join[s] <= removed < self.left[s]]
                if staff and rng.random() < 0.6:
                    self.emit(removed + rng.randint(20, 180), staff[0],
                              self.content.warning(self.name_at(i, removed)), _I["warning"])
        for ta in times:
            self.emit(ta, i, self.content.ad(), _I["ad"])

    # --- conversation -----------------------------------------------------------------------
    def discussion(self, t: int, prof: StageProfile) -> None:
        """A thinker's post, a critic's objections and the thinker's defence, and the crowd they draw."""
        rng, content, rates = self.rng, self.content, self.rates
        if not self.p_thinkers and not self.p_critics:
            return
        s = content.subject()
        if self.p_critics and (not self.p_thinkers or rng.random() < 0.1):
            author = rng.choice(self.p_critics)  # critics rarely start a topic, and start it with doubt
            root = self.emit(t, author, content.critic_topic(s), _I["topic"])
            opponent = rng.choice(self.p_thinkers) if self.p_thinkers and rng.random() < 0.7 else -1
            thread = [root]
            if root >= 0 and opponent >= 0:
                t2 = t + self.delay()
                reply = self.emit(t2, opponent, self.at(author, t2) + content.defense(), _I["defense"], root)
                if reply >= 0:
                    thread.append(reply)
            self.crowd(root, thread, t, t + 600, author, 0, s, prof)
            return
        author = rng.choice(self.p_thinkers)
        root = self.emit(t, author, content.topic(s), _I["topic"])
        if root < 0:
            return
        thread, cur, rounds = [root], t, 0
        if self.p_critics and rng.random() < rates.critic_engagement:
            critic = rng.choice(self.p_critics)
            n = 1 + poisson(rng, rates.exchange_rounds - 1)
            last = root
            for r in range(n):
                cur += self.delay()
                objection = self.emit(cur, critic, self.at(author, cur) + content.objection(s), _I["objection"], last)
                if objection < 0:
                    break
                rounds += 1
                thread.append(objection)
                if r == n - 1 and rng.random() < 0.4:
                    break  # the critic has the last word
                cur += self.delay()
                last = self.emit(cur, author, self.at(critic, cur) + content.defense(), _I["defense"], objection)
                if last < 0:
                    break
                thread.append(last)
                if len(self.p_critics) > 1 and rng.random() < 0.2:
                    critic = rng.choice(self.p_critics)  # a second critic takes over
            if rounds >= 3 and rng.random() < rates.fight_rate:
                cur = self.quarrel(cur, author, critic, thread)
        self.crowd(root, thread, t, cur + 600, author, rounds, s, prof)

    def quarrel(self, t: int, a: int, b: int, thread: list[int]) -> int:
        """An open fight: sharp words, an operator's call to calm down, bystanders who leave."""
        rng = self.rng
        for k in range(rng.randint(2, 4)):
            t += self.delay()
            mid = self.emit(t, (a, b)[k % 2], self.content.quarrel(), _I["quarrel"], thread[-1])
            if mid >= 0:
                thread.append(mid)
        if self.p_staff:
            t += rng.randint(60, 600)
            self.emit(t, self.p_staff[0], self.content.calm_down(), _I["warning"])
        # Onlookers who follow the group see the fight (silent members do not). Only a week's first
        # quarrel drives people away, so a busier group does not bleed members faster.
        week = t // (7 * DAY)
        if week not in self.quarrel_weeks:
            self.quarrel_weeks.add(week)
            bystanders = [i for i in self.p_onlookers if self.left_how[i] is None and not self.kol[i]]
            for i in rng.sample(bystanders, min(3, len(bystanders))):
                if rng.random() < self.rates.fight_leave_rate:
                    self.leave_after_quarrel((t // DAY + 1) * DAY, i)
        return t

    def crowd(self, root: int, thread: list[int], t0: int, t1: int, author: int, rounds: int, subject: str,
              prof: StageProfile) -> None:
        """Onlookers drawn in by a post: more by a debate, many more and more varied by a KOL's post."""
        if root < 0 or not self.p_onlookers:
            return
        rng, rates, content = self.rng, self.rates, self.content
        kol = self.kol[author]
        lam = rates.crowd_per_topic * (1 + 0.6 * rounds) * (rates.kol_reply_boost if kol else 1.0)
        k = poisson(rng, lam)
        if kol:  # a KOL's post draws many distinct people, not the same regulars
            responders = rng.sample(self.p_onlookers, min(k, len(self.p_onlookers)))
        else:
            responders = [self.onlooker() for _ in range(k)]
        span = max(60, t1 - t0)
        ts = self.ts
        for who in responders:
            tr = t0 + 30 + rng.randrange(span)
            target = root
            if len(thread) > 1 and rng.random() < 0.4:
                target = next((m for m in reversed(thread) if ts[m] < tr), root)
            r = rng.random()
            if r < 0.12:
                q = self.emit(tr, who, content.follow_up_question(subject), _I["question"], target)
                if q >= 0:
                    self.answer(q, tr, who, prof, prefer=author)
                continue
            text = content.crowd() if rounds and r < 0.5 else content.agree()
            said = self.emit(tr, who, self.at(self.sender[target], tr) + text, _I["crowd" if rounds else "agree"],
                             target)
            if said >= 0 and target == root and rng.random() < ACK_RATE:  # the author thanks the support
                ta = tr + self.delay()
                self.emit(ta, author, self.at(who, ta) + content.ack(), _I["ack"], said)

    def member_question(self, t: int, prof: StageProfile, help_desk: bool) -> None:
        rng, content = self.rng, self.content
        if self.p_newcomers and rng.random() < 0.15:
            asker = rng.choice(self.p_newcomers)
        elif self.p_critics and rng.random() < 0.05:
            asker = rng.choice(self.p_critics)
        else:
            asker = self.onlooker()
        if asker < 0:
            return
        s = content.subject()
        text = content.help_request(s) if help_desk and rng.random() < 0.7 else content.question(s)
        q = self.emit(t, asker, text, _I["question"])
        if q >= 0:
            self.answer(q, t, asker, prof)

    def answer(self, q: int, t: int, asker: int, prof: StageProfile, prefer: int = -1) -> None:
        """Whoever answers a question (staff, a KOL, the thread's author or anyone), or nobody."""
        rng, rates, content = self.rng, self.rates, self.content
        record = [q, -1]
        self.questions.append(record)
        if rng.random() >= rates.answer_rate * prof.answers:
            return
        r = rng.random()
        kols = [k for k in self.p_kols if k != asker]
        if self.p_staff and r < rates.staff_answer_share * prof.operations:
            who, ta, text = self.p_staff[0], t + 30 + int(rng.expovariate(1 / self.staff_mean)), content.staff_answer()
        elif kols and r < 0.8:
            who = rng.choice(kols)
            ta, text = t + 20 + int(rng.expovariate(1 / (1.5 * self.reply_mean))), content.expert_answer()
        else:
            who = prefer if prefer >= 0 and prefer != asker and rng.random() < 0.7 else self.anyone_but(asker)
            ta, text = t + self.delay(), content.answer()
        if who < 0:
            return
        a = self.emit(ta, who, self.at(asker, ta) + text, _I["answer"], q)
        if a < 0:
            return
        record[1] = a
        if rng.random() < 0.25:
            other = self.anyone_but(asker)
            if other >= 0 and other != who:
                self.emit(ta + self.delay(), other, content.second_answer(), _I["answer"], q)
        if rng.random() < 0.6:
            tt = ta + self.delay()
            self.emit(tt, asker, content.thanks("@" + self.name_at(who, tt)), _I["thanks"], a)

    def small_talk(self, t: int) -> None:
        rng = self.rng
        prev = -1
        for _ in range(1 + poisson(rng, 1.0)):
            who = rng.choice(self.p_key) if self.p_key and rng.random() < 0.2 else self.onlooker()
            if who < 0:
                return
            text, greeting = self.content.chat((t // 3600) % 24)
            mid = self.emit(t, who, text, _I["greeting" if greeting else "chat"], prev)
            prev = mid if mid >= 0 else prev
            t += self.delay()

    # --- the result ---------------------------------------------------------------------------
    def finish(self) -> tuple[SimMessages, list[Question]]:
        """Messages in time order, without any said outside the speaker's membership (a member
        who left after a quarrel may have had a late reply drawn before the leave was decided)."""
        ts = np.frombuffer(self.ts, dtype=np.int64)
        sender = np.frombuffer(self.sender, dtype=np.int32)
        join = np.array(self.join + [0], dtype=np.int64)  # index -1 (SYSTEM) reads the sentinel
        left = np.array(self.left + [NEVER], dtype=np.int64)
        kept = np.flatnonzero((join[sender] <= ts) & (ts < left[sender]))
        order = kept[np.argsort(ts[kept], kind="stable")]  # ties keep the order they were drawn in
        position = np.full(len(ts) + 1, -1, dtype=np.int64)  # position[-1] == -1 for "no reply"
        position[order] = np.arange(len(order))
        reply = position[np.frombuffer(self.reply, dtype=np.int32)[order]]
        out = SimMessages(ts=array("q", ts[order].tobytes()), sender=array("i", sender[order].tobytes()),
                          text=[self.text[i] for i in order.tolist()],
                          intent=array("B", np.frombuffer(self.intent, dtype=np.uint8)[order].tobytes()),
                          reply_to=array("i", reply.astype(np.int32).tobytes()))
        questions = [Question(int(position[q]), int(position[a])) for q, a in self.questions if position[q] >= 0]
        for m in self.cast:
            m.left_s = None if self.left[m.index] == NEVER else self.left[m.index]
            m.left_how = self.left_how[m.index]
        return out, questions
