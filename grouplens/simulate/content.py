"""Message texts: turns a theme's templates into what each kind of member says.

Every function draws from the generator it is given, so a seed always yields the same words.
"""

from __future__ import annotations

import random
import string
from datetime import date

from . import themes as T
from .themes import Theme

_WEEKDAYS = "一二三四五六日"
_ALNUM = string.ascii_lowercase + string.digits
# Ad templates: each carries a contact (WeChat id, phone number or link) and a sales word.
_ADS = (
    "【{p}】限时优惠，厂家直供，加V：{v} 了解详情",
    "招代理！{p}一件代发，零成本创业，联系电话{phone}",
    "{p}代购，正品保证，价格优惠，详情点击 {url}",
    "免费领取{p}，名额有限，加微信{v}，备注群友",
    "兼职日结，在家就能做，有意者加V：{v}",
    "{p}清仓特价！！！{url} 手慢无",
    "[图片]\n{p}优惠活动进行中，咨询{phone}（微信同号）",
)
# Absolute claims a health group's operator wants flagged (DOMAIN.md, risk and privacy).
_HEALTH_ADS = (
    "{p}，根治失眠，100%有效，咨询{phone}",
    "祖传配方{p}，包治百病，加V：{v}",
)


class Content:
    """Text builders for one group: its theme, brand and generator."""

    def __init__(self, theme: Theme, brand: str, rng: random.Random):
        self.theme, self.brand, self.rng = theme, brand, rng
        self._ads = _ADS + (_HEALTH_ADS if theme.key == "health" else ())

    # --- discussion ---------------------------------------------------------------------
    def subject(self) -> str:
        return self.rng.choice(self.theme.subjects)

    def topic(self, s: str) -> str:
        rng, th = self.rng, self.theme
        text = rng.choice(th.opinions if rng.random() < 0.7 else th.group_questions).format(s=s)
        if rng.random() < 0.15:
            text += "\n" + rng.choice(("欢迎拍砖。", "大家可以说说不同意见。", "[图片]", "仅代表个人观点。"))
        return text

    def critic_topic(self, s: str) -> str:
        return self.rng.choice(("说个不同看法：", "泼个冷水：")) + self.rng.choice(self.theme.objections).format(s=s)

    def objection(self, s: str) -> str:
        return self.rng.choice(self.theme.objections).format(s=s)

    def defense(self) -> str:
        return self.rng.choice(self.theme.defenses)

    def quarrel(self) -> str:
        return self.rng.choice(T.FIGHT_LINES)

    def agree(self) -> str:
        return self.rng.choice(T.AGREEMENTS)

    def crowd(self) -> str:
        return self.rng.choice(T.CROWD_LINES)

    def ack(self) -> str:
        return self.rng.choice(T.ACKS)

    def follow_up_question(self, s: str) -> str:
        return self.rng.choice(("请问{s}具体怎么做？", "{s}有没有资料推荐？", "想问一下，{s}适合新手吗？")).format(s=s)

    # --- small talk -----------------------------------------------------------------------
    def chat(self, hour: int) -> tuple[str, bool]:
        """Something said in passing at ``hour``, and whether it is a greeting."""
        rng = self.rng
        if 5 <= hour < 10 and rng.random() < 0.7:
            return rng.choice(T.MORNING), True
        if (hour >= 22 or hour < 2) and rng.random() < 0.7:
            return rng.choice(T.NIGHT), True
        if rng.random() < 0.5:
            return rng.choice(self.theme.small_talk), False
        return rng.choice(T.DAYTIME), False

    def newcomer_hello(self) -> str:
        return self.rng.choice(T.NEWCOMER_HELLO)

    # --- questions and answers -----------------------------------------------------------
    def question(self, s: str) -> str:
        return self.rng.choice(self.theme.member_questions).format(s=s)

    def help_request(self, s: str) -> str:
        return self.rng.choice(self.theme.help_requests).format(s=s)

    def _fill(self, templates: tuple[str, ...]) -> str:
        return self.rng.choice(templates).format(a=self.rng.choice(self.theme.advice),
                                                 c=self.rng.choice(self.theme.cautions))

    def answer(self) -> str:
        return self._fill(T.GENERIC_ANSWERS)

    def expert_answer(self) -> str:
        return self._fill(T.EXPERT_ANSWERS)

    def staff_answer(self) -> str:
        return self._fill(T.STAFF_ANSWERS)

    def second_answer(self) -> str:
        return self._fill(T.SECOND_ANSWERS)

    def thanks(self, mention: str) -> str:
        if self.rng.random() < 0.4:
            return self.rng.choice(T.THANKS)
        return self.rng.choice(T.ASKER_THANKS).format(m=mention)

    # --- shills ----------------------------------------------------------------------------
    def shill_burst(self, k: int) -> list[str]:
        """``k`` near-duplicates of one line, as coordinated accounts post them."""
        rng = self.rng
        base = rng.choice(self.theme.shill_lines)
        out = []
        for _ in range(k):
            line = base
            if rng.random() < 0.3:
                line = rng.choice(("真的，", "确实，", "哈哈，", "")) + line
            if rng.random() < 0.3:
                line = line.replace("，", " ", 1)
            out.append(line + rng.choice(T.SHILL_DECOR))
        return out

    def shill_question(self, s: str) -> str:
        th = self.theme
        return self.rng.choice(th.group_questions + th.member_questions).format(s=s)

    def shill_echo(self) -> str:
        return self.rng.choice(T.SHILL_ECHO)

    # --- advertisers -----------------------------------------------------------------------
    def ad(self) -> str:
        rng = self.rng
        v = rng.choice(("vip", "hao", "mei", "wx", "abc", "zz")) + str(rng.randint(1000, 999999))
        phone = "1" + rng.choice("35789") + "".join(rng.choice(string.digits) for _ in range(9))
        url = f"https://{rng.choice(('t.cn', 'u.jd.cc', 'dwz.vip', 'a.b2c.top'))}/" + \
            "".join(rng.choice(_ALNUM) for _ in range(6))
        return rng.choice(self._ads).format(p=rng.choice(self.theme.ad_products), v=v, phone=phone, url=url)

    # --- operators -------------------------------------------------------------------------
    def briefing(self, day: date) -> str:
        rng, th = self.rng, self.theme
        heads = rng.sample(th.headlines, 3)
        return (f"【{self.brand}早报】{day.month}月{day.day}日 星期{_WEEKDAYS[day.weekday()]}\n"
                f"1. {heads[0]}\n2. {heads[1]}\n3. {heads[2]}\n"
                f"今日话题：{rng.choice(th.subjects)}，欢迎大家交流")

    def card(self) -> str:
        title, fact = self.rng.choice(self.theme.cards)
        return f"【知识卡片】{title}\n{fact}\n——{self.brand}，每天进步一点点"

    def notice(self, assistant: str) -> str:
        return (f"【群公告】\n1. 请把群名片改为“{self.theme.name_format}”\n"
                "2. 禁止发广告、刷屏、人身攻击，违者警告、禁言直至请离\n"
                f"3. 有问题可以@{assistant} ，工作时间一小时内回复")

    def welcome(self, names: list[str]) -> str:
        mentions = " ".join("@" + n for n in names)
        return self.rng.choice((
            f"欢迎{mentions} 进群！请先看群公告，把群名片改成“{self.theme.name_format}”～",
            f"欢迎新朋友{mentions} ，有问题随时在群里提问哦[表情]",
            f"热烈欢迎{mentions} ！进群请先改名片：{self.theme.name_format}",
        ))

    def warning(self, name: str) -> str:
        return self.rng.choice((
            f"本群禁止发广告，{name}已处理。大家注意甄别，不要添加陌生人的联系方式。",
            "提醒一下：群内禁止广告和刷屏，违者直接请离，谢谢配合。",
        ))

    def calm_down(self) -> str:
        return self.rng.choice(("大家理性讨论，不要人身攻击哈", "讨论可以，注意措辞，谢谢各位", "@全体成员 请文明交流"))
