"""Message classes: which messages are questions, objections, thanks, greetings, check-ins,
ads, risky health claims, operators' scripted posts or personal attacks.

Each class is a documented rule (``ClassRule``): literal keywords and regular expressions, any
of which puts a message in the class; "weak" words that count only next to a context (an ad
word next to a link or phone number); exclusions, phrases that look like the class but are
not (不同意 is no agreement), which are blanked out before the rule is tried; and the message
kinds the rule reads. A message may be in several classes, or none. Every rule can be
extended, replaced or disabled, and new classes added, from ``[classes.<name>]`` in
``grouplens.toml`` (see ``grouplens.config.ClassConfig``).

Precision comes before recall for ``ad`` and ``risky_claim``: operators warn, mute and remove
members on them, so their weak words need a context and warnings/negations are excluded.

``operator_template`` is different: it looks at the whole group and flags texts that recur
near-identically on several days (morning briefings, knowledge cards, welcome scripts); see
``find_templates``. Its keywords, if configured, flag a message by themselves.

Kinds: platform events (joins, recalls, pats, ...) and media (images, voice, stickers, ...)
get no class. Most classes read only ``text`` messages. ``ad`` also reads shared links,
contact cards, files and forwards, but the kind alone is not enough: a ``link`` or ``card``
makes the weak ad words (优惠, 私聊, 扫码 ...) count, as a URL in the text would.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import schema
from ..config import ClassConfig, Config
from ..errors import UsageError
from ..importers.textutil import INVISIBLE_PATTERN
from .prefilter import arrow_texts, replace_where, search
from .segment import CQ_PATTERN, MENTION_PATTERN, QUOTE_PATTERN, URL_PATTERN

QUESTION = "question"
OBJECTION = "objection"
AGREEMENT = "agreement"
GREETING = "greeting"
CHECKIN = "checkin"
AD = "ad"
RISKY_CLAIM = "risky_claim"
OPERATOR_TEMPLATE = "operator_template"
PERSONAL_ATTACK = "personal_attack"

# The built-in classes, in the column order classify_messages gives them.
CLASS_NAMES: tuple[str, ...] = (
    QUESTION, OBJECTION, AGREEMENT, GREETING, CHECKIN, AD, RISKY_CLAIM, OPERATOR_TEMPLATE,
    PERSONAL_ATTACK,
)

TEMPLATE_ID = "template_id"  # column of find_templates' result

TEXT_KINDS = ("text",)
# Where an ad may hide: a member's text, a shared article or mini program, a contact card,
# a file, a forwarded chat record.
AD_KINDS = ("text", "link", "card", "file", "forward")

_NOT_HAN = r"(?![\u4e00-\u9fff])"  # the word ends here: 吗 but not 吗啡
_WHOLE = r"^[\W_]*{}[\W_]*$"  # the whole message is this, give or take punctuation and emoji


@dataclass(frozen=True)
class ClassRule:
    """One message class as rules over the text; see the module docstring for the parts."""

    name: str
    description: str
    keywords: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    weak_keywords: tuple[str, ...] = ()
    weak_patterns: tuple[str, ...] = ()
    context_patterns: tuple[str, ...] = ()
    context_kinds: tuple[str, ...] = ()
    exclude_keywords: tuple[str, ...] = ()
    exclude_patterns: tuple[str, ...] = ()
    kinds: tuple[str, ...] = TEXT_KINDS

    def merged(self, override: ClassConfig) -> ClassRule:
        """This rule with a ``[classes.<name>]`` table applied: lists extended, or replaced."""
        lists = ("keywords", "patterns", "weak_keywords", "weak_patterns", "context_patterns",
                 "context_kinds", "exclude_keywords", "exclude_patterns")
        changes: dict[str, object] = {}
        for name in lists:
            given = getattr(override, name)
            changes[name] = tuple(given) if override.replace else getattr(self, name) + tuple(given)
        if override.kinds is not None:
            changes["kinds"] = tuple(override.kinds)
        if override.description:
            changes["description"] = override.description
        return replace(self, **changes)

    def match(self, texts: pd.Series, kinds: pd.Series, column: pa.Array | None = None) -> pd.Series:
        """Which of ``texts`` (``own_words`` output) are in the class, given their ``kinds``.

        ``column``: ``texts`` as Arrow (``prefilter.arrow_texts``), when the caller has it
        already; the keywords and patterns are first searched over it with RE2
        (``prefilter.search``)."""
        hit = pd.Series(False, index=texts.index)
        applies = kinds.isin(self.kinds)
        strong = _any_of(self.keywords, self.patterns)
        weak = _any_of(self.weak_keywords, self.weak_patterns)
        if not applies.any() or (strong is None and weak is None):
            return hit
        # Each step reads only the rows still in play: exclusions can only take matches away,
        # and a context only matters where a weak word is present.
        if column is None:
            column = arrow_texts(texts)
        t = texts[applies]
        if column is not None and not applies.all():
            column = column.filter(pa.array(applies.to_numpy(dtype=bool)))
        strong_words, weak_words = _words(self.keywords), _words(self.weak_keywords)
        found = _contains(t, strong, column, strong_words)
        maybe = _contains(t, weak, column, weak_words) & ~found
        exclude = _any_of(self.exclude_keywords, self.exclude_patterns)
        candidates = found | maybe
        if exclude is not None and candidates.any():
            keep = candidates.to_numpy(dtype=bool)
            t = t[candidates]
            if column is not None and not keep.all():
                column = column.filter(pa.array(keep))
            t, column = replace_where(t, exclude, "\x00", column)
            found, maybe = _contains(t, strong, column, strong_words), _contains(t, weak, column, weak_words)
            maybe &= ~found
        if maybe.any():
            in_context = kinds[maybe[maybe].index].isin(self.context_kinds)
            context = _any_of((), self.context_patterns)
            if context is not None:
                if column is not None:
                    column = column.filter(pa.array(maybe.to_numpy(dtype=bool)))
                in_context |= _contains(t[maybe], context, column)
            found[in_context[in_context].index] = True
        hit[found[found].index] = True
        return hit


def _contains(texts: pd.Series, rx: re.Pattern[str] | None, column: pa.Array | None = None,
              words: tuple[str, ...] = ()) -> pd.Series:
    if rx is None:
        return pd.Series(False, index=texts.index)
    return search(texts, rx, column, words)


def _words(keywords: Iterable[str]) -> tuple[str, ...]:
    """Keywords as ``_any_of`` matches them: lower-cased, longest first."""
    return tuple(sorted({k.lower() for k in keywords if k}, key=len, reverse=True))  # 已打卡 before 打卡


def _any_of(keywords: Iterable[str], patterns: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching any keyword (literally) or any pattern, ignoring case, for texts
    that are already lower-cased (``own_words``)."""
    parts = []
    # Keywords are lower-cased and matched case-sensitively behind a lookahead on their first
    # characters: Python's re skips most positions at once then, where an IGNORECASE
    # alternation of literals is tried at every position (several times faster on chat).
    words = _words(keywords)
    if words:
        firsts = "".join(sorted({re.escape(w[0]) for w in words}))
        parts.append(f"(?=[{firsts}])(?:{'|'.join(map(re.escape, words))})")
    parts += [f"(?i:{p})" for p in patterns if p]
    return re.compile("|".join(parts)) if parts else None


# --- the built-in rules -------------------------------------------------------------------------

_PHONE = r"(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)0\d{2,3}-\d{7,8}(?!\d)|(?<!\d)400-?\d{3}-?\d{4}(?!\d)"
_WECHAT_ID = (
    r"(?:(?:微信号?|v信|vx|wx|薇信|威信)\s*[:：]?|(?<![A-Za-z])v\s*[:：])\s*[A-Za-z][A-Za-z0-9_\-]{5,19}(?![A-Za-z0-9_\-])"
)
_QQ_ID = r"(?:qq|扣扣|企鹅)(?:号|群)?\s*[:：]?\s*\d{5,11}(?!\d)"
# Operators' own rules and warnings mention the very words ads use: 禁止发广告、加V、刷单.
_WARNING = r"(?:请勿|不要|禁止|严禁|谨防|警惕|小心|不得|拒绝|防止|举报)[^，。！!？?\n]{0,20}"
# A denial or doubt before a health claim: 没有药能根治, 所谓特效药, 别信包治百病.
_DENIAL = (
    r"(?:不能|不可能|无法|没法|没有(?!(?:任何|什么)?副作用)|没办法|难以|不存在|哪有|哪来|别信|不要信|不信|谨防|警惕|小心"
    r"|所谓的?|号称|声称|宣称|骗人|骗局|虚假|谣言|不会|并非|并不)[^，。！!？?\n]{0,10}"
)
_CLAIMS = r"根治|包治|特效药|神药|秘方|副作用|见效|有效|治愈|复发"

BUILTIN_RULES: dict[str, ClassRule] = {
    QUESTION: ClassRule(
        QUESTION,
        "expects information, help or an opinion: a question mark, 吗/么/咩/嘛 at a clause end, a "
        "question word (怎么, 如何, 为什么, 请问, 有没有, 能不能, 多少, 哪里, 啥 ...), A还是B, a short "
        "X呢 or dialect X不/X没, a request (求…, 同求); not a ping (在吗), a bare ？？？ or 啥？, "
        "surprise (真的假的, 不会吧, 是么, 这么牛), a bare lament (怎么办。。。), quoted speech (“…？”), a rhetorical 难道…/我怎么知道, or a question word inside a "
        "statement (不知道…什么, 什么…都)",
        keywords=(
            "?", "？", "请问", "请教", "求问", "求助", "求推荐", "想问", "问一下", "问下",
            "有没有", "能不能", "可不可以", "是不是", "会不会", "要不要", "行不行", "对不对",
            "为什么", "为啥", "如何", "哪里", "哪儿", "哪个", "哪位", "哪家", "哪些", "多少",
            "多久", "几点", "几号", "什么时候", "啥时候", "什么意思", "咋办", "咋样", "怎么办",
            "谁知道", "有谁", "谁有", "是否", "干嘛", "同求", "求带", "求共享", "求分享", "求资料",
            "求告诉", "求指点", "求解答",
        ),
        patterns=(
            "[吗咩]" + _NOT_HAN,
            r"(?<![什怎这那多要为])么" + _NOT_HAN,
            r"(?<![就是对好行干])嘛(?=[\W_]*$)",
            r"(?:你|您|你们|大家|他|她|他们|别人|其他人|然后|后来|哪|谁|什么|多少|为啥|咋)呢" + _NOT_HAN,
            # A short "and X?": 分呢, 其他校区呢 (not 我在上班呢, which says what one is doing).
            r"^(?![^，,。！!？?\s]*(?:我|在|着|了|正|还|要|没))[^，,。！!？?\s]{1,6}呢[\W_]*$",
            r"(?<![不没])怎么(?![也都]|说呢)",
            r"(?<![没不算])什么(?![都也])",
            r"(?<![没不])啥(?![都也子])",
            # A还是B as a whole short message: 开卷还是闭卷, 填宁波还是杭州.
            r"^[\W_]*[^\s，,。！!？?]{1,8}还是(?!觉得|认为|想|要|算了|挺|很|不|没|会|得|有点)[^\s，,。！!？?]{1,8}"
            r"(?<![吧了的啊])[\W_]*$",
            # Dialect A-not-A at the end of a short message: 耍王者不, 有书没.
            r"^[\W_]*[\u4e00-\u9fff]{2,10}(?<![我你他她也都还就并绝才可决再真太很])[不没][\W_]*$",
            # A short request: 求概统, 近代史，求.
            r"(?:^|[，,\s])求[\W_]*$|^[\W_]*求[\u4e00-\u9fff]{1,6}[\W_]*$",
        ),
        # A ? inside a URL asks nothing; 这就是为什么 and 多少有点 are statements.
        exclude_patterns=(
            URL_PATTERN,
            # An agenda's numbered items name topics ("2. 漏服了怎么办"); a member asking in a
            # list still says 请问 or ends with a question mark outside the items.
            r"(?m:^[ \t]*\d{1,2}\s*[.、．)）][^\n?？]*$)",
            r"(?:这就是|这也是|这正是|不知道|不知|没人知道)为什么",
            r"或多或少|多少(?:有点|有些|会|也|还|都)|多少[^，,。？?]{0,8}多少",
            r"哪里哪里",
            r"无论如何|不管如何",
            # Pings, bare marks and surprise: they expect no information.
            r"^[\W_]*(?:在吗|在么|在不在|有人吗|有人在吗|有人在么|在[?？]+|啥|什么|啊|哈|嗯|哦|what|真的吗|真的啊|真的假的|"
            r"不会吧|认真的吗|我是谁我在哪|是[吗么]|真的[吗么]?|怎么可能[噢哦啊呀]?|这么[\u4e00-\u9fff\d]{1,2}|怎么办|咋办|"
            r"怎么弄|我信了)?[\W_]*$",
            # Reported speech in quotation marks: “这个项目做了多久？” “半年”.
            r"[“「][^”」\n]*[”」]?",
            # Rhetorical: 难道…, 我怎么知道, 凭什么.
            r"难道[^，,。！!\n]*[?？吗么]?|(?:我|你)?(?:怎么|咋|哪)知道[^，,。？?\n]*[?？]?|凭什么",
            # A question word inside a statement: 不知道有没有, 什么人都能来, 没怎么学.
            r"(?:不知道|不清楚|不记得|忘了|天知道)[^，,。？?！!\n]{0,12}?(?:什么|怎么|多少|哪|谁|几|啥|有没有|是不是)",
            r"什么[\u4e00-\u9fff]{1,3}[都也]",
            r"求(?:入群|进群|加群|关注|点赞|赞|抱抱|包养|带飞|购)",
            # Reported speech and confusion: 问我什么叫…, 我说…是什么意思, 你在说什么, 你们干嘛呢.
            r"^[\W_]*(?:问我|我说|他说|她说|他问|她问)[^\n]*",
            r"你(?:在)?说(?:的)?(?:是)?(?:什么|啥)|^[\W_]*(?:你们|你|大家)?(?:在)?干嘛呢[\W_]*$|^[\W_]*怎么[\W_]*$",
            # Banter: opening with a sticker or with laughter or swearing.
            r"^\s*(?:\[[\u4e00-\u9fff]{1,4}\]\s*)*(?:\[表情\]|哈哈+|卧槽|我靠|我擦|笑死)[^\n]*",
        ),
    ),
    OBJECTION: ClassRule(
        OBJECTION,
        "disagrees with what was said: 不同意, 未必, 不一定, 恰恰相反, 不对, 我觉得不是, "
        "或 其实/但是 aimed at someone's point",
        keywords=(
            "不同意", "不赞同", "不认同", "不赞成", "不敢苟同", "我反对", "反对意见", "未必",
            "不见得", "不尽然", "恰恰相反", "正相反", "正好相反", "并非如此", "不是这样",
            "我觉得不是", "我不这么认为", "我不这么看", "我不觉得", "有待商榷", "值得商榷",
            "此言差矣", "你错了", "说错了", "搞错了", "不准确", "不严谨", "以偏概全", "有失偏颇",
            "保留意见", "不完全对", "不全对", "站不住脚", "没有依据", "没有根据",
            "不能一概而论", "这是误区", "是个误区",
        ),
        patterns=(
            r"^[\W_]*(?:那|这|也|倒|还)?不一定",
            r"不一定(?:吧|哦|对|是这样)",
            r"^[\W_]*不对(?![劲称付头])",
            r"不对吧|[说讲]得不对|[这那]样?(?:说)?不对|是不对的",
            r"(?:说法|观点|逻辑|结论|数据|论据|这话|你这)[^，。！？!?]{0,4}有问题",
            r"(?:你|您|楼上|上面|刚才|前面)[^，。！？!?]{0,6}[说讲]的?[^，。！？!?]{0,3}(?:不对|不准确|有问题|不全面|错)",
        ),
        weak_keywords=("其实", "但是", "可是", "不过", "然而"),
        context_patterns=(
            r"(?:你|您|楼上|上面|刚才|前面)[^，。！？!?]{0,4}(?:说|讲|提到)",
            r"说法|观点|看法|这么说|这样说|并不|并非|不代表|不等于|不能说",
        ),
    ),
    AGREEMENT: ClassRule(
        AGREEMENT,
        "agrees, thanks or acknowledges: 同意, 赞, 收到, 谢谢, 感谢, +1, 好的, 对, 支持, 👍",
        keywords=(
            "同意", "赞同", "认同", "赞成", "支持", "点赞", "收到", "谢谢", "多谢", "感谢",
            "谢啦", "谢了", "3q", "thx", "thanks", "thank you", "说得好", "说得对", "说的对",
            "说的好", "讲得好", "有道理", "在理", "没毛病", "正解", "学到了", "学习了", "涨知识",
            "受教", "没错", "是的", "对的", "可以的", "明白", "懂了", "确实", "好滴", "好嘞",
            "👍", "🙏", "👌", "💯", "👏", "[强]", "[赞]", "[OK]", "[抱拳]", "[握手]", "[鼓掌]",
        ),
        patterns=(
            r"(?<!\d)[+＋]1(?!\d)",
            r"(?<![A-Za-z])ok(?![A-Za-z])",
            r"(?:^|[\s，,。！!~～])好的" + _NOT_HAN,
            r"了解(?:了|啦)|^[\W_]*了解",
            _WHOLE.format(r"(?:对|嗯|好|是|行|赞)+"),
            r"^[\W_]*对[，,！!。~～]",
        ),
        exclude_patterns=(
            r"不(?:太|是很|怎么|大|能)?(?:同意|赞同|认同|赞成|支持|明白)",
            r"(?:同意|赞同|认同|赞成|支持|明白|收到)(?:了?吗|么|不|没有|[?？])",
            r"技术支持|是否支持|支不支持|赞助",
            r"收到了?[^，。！!？?\s]{0,6}(?:定金|货|快递|包裹|款|钱|转账|红包|订单)",
        ),
    ),
    GREETING: ClassRule(
        GREETING,
        "greets or welcomes: 早, 早安, 早上好, 晚安, 大家好, 新人报到, 欢迎新朋友",
        keywords=(
            "早安", "早上好", "上午好", "中午好", "午安", "下午好", "晚上好", "晚安", "大家好",
            "各位好", "新人报到", "哈喽", "hello", "你好", "您好",
            "欢迎新人", "欢迎新朋友", "欢迎新同学", "欢迎加入", "欢迎入群", "欢迎进群",
            "good morning", "good night",
        ),
        patterns=(
            _WHOLE.format("早+"),
            r"(?:大家|各位)早(?![点些睡起])",
            r"^[\W_]*早[呀啊哇鸭安~～！!，,。]",
            r"^[\W_]*嗨",
            r"(?<![A-Za-z])(?:hi|hey|morning)(?![A-Za-z])",
            r"新人报到|报到[！!~～]|" + _WHOLE.format("报到"),
        ),
        exclude_patterns=(r"你好(?=像|好|厉害|棒|美|帅|可爱|聪明|牛)",),
    ),
    CHECKIN: ClassRule(
        CHECKIN,
        "checks in on a challenge: 打卡, 已打卡, 签到, 第12天 + 坚持/完成/✅, Day 12",
        keywords=("打卡", "签到", "已打卡", "今日打卡", "#打卡"),
        patterns=(r"^[\W_]*day\s*\d{1,3}(?!\d)",),
        weak_patterns=(
            r"第\s*[0-9一二三四五六七八九十百两〇零]+\s*天",
            r"(?<![A-Za-z])day\s*\d{1,3}(?!\d)",
        ),
        context_patterns=(
            r"坚持|完成|✅|☑|✔|挑战|早睡|早起|运动|跑步|阅读|读书|单词|健身|学习|练习|冥想|喝水|步数|公里|km|分钟",
        ),
        # Sightseeing spots and questions about checking in are not check-ins.
        exclude_patterns=(
            r"网红打卡|打卡(?:地|点|圣地|规则|链接)|签到(?:表|处|台|本)",
            r"(?:怎么|如何|在哪|哪里|忘记|忘了|没)打卡",
            # Reminders and instructions about checking in, not check-ins.
            r"(?:可以|记得|请|别忘了?|提醒)[^，。！!？?\n]{0,8}(?:打卡|签到)",
        ),
        kinds=("text", "link"),
    ),
    AD: ClassRule(
        AD,
        "advertises or solicits: 加V / 微信号 with an id, 招代理, 日赚, 刷单, 扫码进群; or a sales "
        "word (优惠, 低价, 代购, 兼职, 私聊, 扫码 ...) beside a link, QR code, phone number, "
        "WeChat/QQ id, shared link or contact card",
        keywords=(
            "招代理", "诚招", "代理招募", "招募代理", "躺赚", "刷单", "兼职日结", "宝妈兼职",
            "手机兼职", "一件代发", "招商加盟", "零成本创业", "足不出户月入", "足不出户日赚",
            "扫码进群", "扫码入群", "扫码领取", "长按识别二维码", "长按扫码",
        ),
        patterns=(
            r"加\s*[vｖ薇](?![A-Za-z])",
            r"(?:微信号?|v信|vx|wx|薇信|威信)\s*[:：]\s*[A-Za-z0-9_\-]{5,}",
            r"(?<![A-Za-z])(?:vx|wx)\s*[A-Za-z][A-Za-z0-9_\-]{5,19}",
            r"日赚\d*|日入\d+|月入\d*(?:万|w|过万|上万)",
        ),
        weak_keywords=(
            "优惠", "低价", "特价", "折扣", "打折", "促销", "秒杀", "团购", "代购", "兼职", "私聊",
            "私信", "私我", "扫码", "包邮", "福利", "领取", "免费送", "免费领", "返现",
            "佣金", "下单", "限时", "名额有限", "全网最低", "厂家直销", "货源", "批发",
            "微商", "加盟", "代理",
        ),
        context_patterns=(
            URL_PATTERN, r"二维码", _PHONE, _WECHAT_ID, _QQ_ID,
            r"\[(?:链接|小程序|名片|个人名片)", r"加(?:我)?(?:微信|好友)",
        ),
        context_kinds=("link", "card"),
        exclude_patterns=(_WARNING,),
        kinds=AD_KINDS,
    ),
    RISKY_CLAIM: ClassRule(
        RISKY_CLAIM,
        "an absolute health claim: 根治, 100%有效, 包治百病, 无副作用, 祖传秘方, 药到病除, "
        "永不复发, 特效药 (not when denied or asked about)",
        keywords=(
            "包治百病", "药到病除", "永不复发", "绝不复发", "不再复发", "祖传秘方", "祖传偏方",
            "独家秘方", "宫廷秘方", "神药", "特效药", "无副作用", "没有副作用", "零副作用",
            "无任何副作用", "毫无副作用", "彻底治愈", "彻底根除", "彻底治好", "一次见效",
            "一针见效", "立即见效", "立刻见效", "当天见效", "无效退款", "保证治愈", "保证治好",
            "包治", "停药不反弹", "替代化疗", "癌症克星",
        ),
        patterns=(
            r"根治(?![术性])",
            r"(?:100|百)\s*[%％]\s*(?:有效|治愈|见效|康复|痊愈|安全)",
            r"百分之?百\s*(?:有效|治愈|见效|康复|痊愈|安全)",
            r"(?:有效率|治愈率|成功率)\s*(?:高达|达到?)?\s*(?:9\d|100)(?:\.\d+)?\s*[%％]",
            r"[一两三五七十\d]+\s*天(?:见效|治好|痊愈|根治|康复)",
        ),
        exclude_patterns=(
            _DENIAL,
            rf"(?:{_CLAIMS})[^，。！!\n]{{0,8}}(?:吗|么|？|\?)",
            # A claim in quotation marks is being talked about, or debunked afterwards.
            rf"[\"“「『'‘][^\"”」』'’\n]{{0,16}}(?:{_CLAIMS})[^\"”」』'’\n]{{0,16}}[\"”」』'’]",
            rf"(?:{_CLAIMS})[^。！!\n]{{0,16}}(?:不要信|别信|不能信|不可信|骗人|骗局|是假的|谣言|虚假宣传)",
        ),
        kinds=("text", "link", "forward"),
    ),
    OPERATOR_TEMPLATE: ClassRule(
        OPERATOR_TEMPLATE,
        "a scripted post that recurs near-identically on several days (早报, 知识卡片, "
        "welcome scripts); found by find_templates; configured keywords flag a post alone",
        kinds=("text", "link"),
    ),
    PERSONAL_ATTACK: ClassRule(
        PERSONAL_ATTACK,
        "insults a person: 傻逼, 滚, 脑残, 垃圾 (aimed at someone) ...",
        keywords=(
            "傻逼", "傻b", "煞笔", "沙比", "傻叉", "傻x", "脑残", "弱智", "智障", "白痴", "蠢货",
            "蠢猪", "人渣", "贱人", "贱货", "畜生", "狗东西", "去死", "滚蛋", "滚出去", "给我滚",
            "你滚", "闭嘴", "有病吧", "他妈的", "你妈的", "草泥马", "操你",
        ),
        patterns=(
            r"(?<![A-Za-z])(?:sb|nmsl|cnm|tmd|wcnm|rnm)(?![A-Za-z])",
            _WHOLE.format("滚+"),
            r"(?:你|你们|他|她|这人|此人|这种人)(?:个|这个|就是个?|真是个?|是个?|才是)?\s*(?:垃圾|废物|傻[子瓜]|蠢)",
            r"垃圾(?:东西|玩意|人)|神经病(?![学理变院科房人])",
            r"你有病(?![史情人例症])",
        ),
        exclude_patterns=(r"去死皮",),
    ),
}

# Text fed to the rules: the sender's own words. Quotes are someone else's; CQ codes and
# @mentions carry ids and names (a name like 代购小王 is no ad).
_NOT_OWN_WORDS = re.compile("|".join(f"(?:{p})" for p in (QUOTE_PATTERN, CQ_PATTERN, MENTION_PATTERN, INVISIBLE_PATTERN)))


def class_rules(config: Config | None = None) -> dict[str, ClassRule]:
    """The enabled classes and their effective rules: built-ins with the configuration applied,
    then the configuration's own classes, in that order."""
    config = config or Config()
    rules: dict[str, ClassRule] = {}
    for name in CLASS_NAMES:
        override = config.classes.get(name)
        if override is None:
            rules[name] = BUILTIN_RULES[name]
        elif override.enabled:
            rules[name] = BUILTIN_RULES[name].merged(override)
    for name, override in config.classes.items():
        if name in BUILTIN_RULES or not override.enabled:
            continue
        if not (override.keywords or override.patterns or override.weak_keywords or override.weak_patterns):
            raise UsageError(
                f"[classes.{name}] is not a built-in class ({', '.join(CLASS_NAMES)}), so it needs "
                "keywords or patterns",
                path=config.source,
            )
        rules[name] = ClassRule(name, override.description or name).merged(replace(override, replace=True))
    return rules


def classify_messages(messages: pd.DataFrame, config: Config | None = None, *,
                      tz: ZoneInfo | None = None, template_ids: pd.Series | None = None) -> pd.DataFrame:
    """One boolean column per enabled class (``CLASS_NAMES`` order, then configured classes),
    index-aligned with ``messages``. A message may be in several classes or none.

    Needs ``schema.TEXT``; uses ``schema.KIND`` when present (else every row is a text
    message). ``operator_template`` also needs ``schema.TS`` (and uses ``schema.GROUP_ID`` so
    that templates are found per group); see ``find_templates`` (``tz``: the zone of its days
    and hours, by default ``[time] tz``). ``template_ids`` (index-aligned, ``find_templates``'
    result) skips that search when the ids are already known; all <NA> matches the written
    rules alone.
    """
    config = config or Config()
    if schema.TEXT not in messages:
        raise UsageError(f"classify_messages needs a {schema.TEXT!r} column")
    texts = own_words(messages[schema.TEXT])
    column = arrow_texts(texts)  # once for every rule
    kinds = _kinds(messages)
    out = pd.DataFrame(index=messages.index)
    for name, rule in class_rules(config).items():
        hit = rule.match(texts, kinds, column)
        if name == OPERATOR_TEMPLATE:
            ids = find_templates(messages, config, tz=tz) if template_ids is None else template_ids
            hit |= ids.notna().to_numpy() & kinds.isin(rule.kinds)
        out[name] = hit.astype(bool)
    return out


def own_words(texts: pd.Series) -> pd.Series:
    """Texts as the class rules read them: quotes, CQ codes and @mentions removed, lower-cased,
    nulls as ""."""
    t = texts.astype(object).where(texts.notna(), "")
    t, _ = replace_where(t, _NOT_OWN_WORDS, " ", arrow_texts(t))  # RE2 finds the rows to rewrite
    return t.str.lower()


def _kinds(messages: pd.DataFrame) -> pd.Series:
    if schema.KIND not in messages:
        return pd.Series("text", index=messages.index, dtype=object)
    return messages[schema.KIND].astype(object).where(messages[schema.KIND].notna(), "text")


# --- operator templates -------------------------------------------------------------------------

# What varies between two posts of one script: dates, weekdays, issue numbers, digits, links.
_TEMPLATE_VARIABLE = re.compile(
    r"\d{2,4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*[日号]?"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*[日号]"
    r"|(?:星期|周|礼拜)[一二三四五六日天]"
    r"|第\s*[0-9一二三四五六七八九十百零〇两]+\s*[期天周讲课篇章回]"
    r"|" + URL_PATTERN
)
_DIGITS = re.compile(r"\d+")
_NOT_WORD_CHAR = re.compile(r"[\W_]+")

_N_PERM = 64  # MinHash signature length
_BANDS = 16  # LSH bands of _N_PERM // _BANDS rows: pairs above ~0.5 Jaccard meet in a band


def template_key(texts: pd.Series) -> pd.Series:
    """Texts reduced to what a recurring script keeps from day to day: no quotes, mentions,
    dates, weekdays, issue numbers, links, digits, spaces or punctuation; lower-cased."""
    t = own_words(texts)
    t = t.str.replace(_TEMPLATE_VARIABLE, "#", regex=True)
    t = t.str.replace(_DIGITS, "0", regex=True)
    return t.str.replace(_NOT_WORD_CHAR, "", regex=True)


def find_templates(messages: pd.DataFrame, config: Config | None = None, *,
                   tz: ZoneInfo | None = None, keys: pd.Series | None = None) -> pd.Series:
    """For each message, the id of the recurring script it is a post of, else <NA> (a Series
    named ``TEMPLATE_ID``, index-aligned with ``messages``).

    A script is a set of texts, at least ``[templates] min_chars`` long once normalised
    (``template_key``), that are identical after normalising or near-identical (estimated
    Jaccard similarity of character 3-grams at least ``similarity``, by MinHash with LSH),
    posted in one group on at least ``min_days`` local days; with ``max_hour_spread`` set,
    also at similar times of day. Days and hours are those of ``tz`` (by default ``[time] tz``).
    Ids are 0, 1, ... in order of each script's first post. ``keys`` (index-aligned
    ``template_key`` of the texts) skips normalising texts already normalised.
    """
    cfg = (config or Config()).templates
    zone = tz or (config or Config()).time.zone
    for column in (schema.TEXT, schema.TS):
        if column not in messages:
            raise UsageError(f"finding operator templates needs a {column!r} column")
    ids = pd.Series(pd.NA, index=messages.index, dtype="Int64", name=TEMPLATE_ID)
    eligible = _kinds(messages).isin(template_kinds(config)) & messages[schema.TEXT].notna()
    if not eligible.any():
        return ids
    rows = messages.loc[eligible]
    keys = template_key(rows[schema.TEXT]) if keys is None else keys[eligible].astype(object)
    long_enough = keys.str.len() >= cfg.min_chars
    rows, keys = rows[long_enough], keys[long_enough]
    if rows.empty:
        return ids
    groups = rows[schema.GROUP_ID].astype(object).fillna("") if schema.GROUP_ID in rows else pd.Series("", index=rows.index)

    # Identical keys first (one unit each), then near-identical units joined by MinHash.
    units = pd.DataFrame({"group": groups.to_numpy(), "key": keys.to_numpy()})
    unit_codes = units.groupby(["group", "key"], sort=False).ngroup().to_numpy()
    unit_table = units.drop_duplicates()  # first appearances, in ngroup's numbering order
    unit_groups = unit_table["group"].to_numpy()
    unit_keys = unit_table["key"].to_numpy()
    if cfg.similarity < 1.0 and len(unit_keys) > 1:
        cluster_of_unit = _near_duplicate_clusters(unit_keys, unit_groups, cfg.similarity)
    else:
        cluster_of_unit = np.arange(len(unit_keys))
    cluster = pd.Series(cluster_of_unit[unit_codes], index=rows.index)

    ts = pd.to_datetime(rows[schema.TS])
    if ts.dt.tz is None:
        ts = ts.dt.tz_localize("UTC")
    local = ts.dt.tz_convert(zone)
    days = local.dt.normalize().groupby(cluster).nunique()
    recurring = days[days >= cfg.min_days].index
    if cfg.max_hour_spread is not None and len(recurring):
        hours = (local.dt.hour + local.dt.minute / 60.0)[cluster.isin(recurring)]
        spread = hours.groupby(cluster[cluster.isin(recurring)]).agg(_circular_hour_spread)
        recurring = spread[spread <= cfg.max_hour_spread].index
    if not len(recurring):
        return ids
    kept = cluster[cluster.isin(recurring)]
    first_post = ts[kept.index].groupby(kept).min().sort_values(kind="stable")
    numbering = pd.Series(np.arange(len(first_post)), index=first_post.index)
    ids[kept.index] = kept.map(numbering).to_numpy()
    return ids


def template_kinds(config: Config | None = None) -> tuple[str, ...]:
    """The message kinds a recurring script can be posted as (``[classes.operator_template] kinds``)."""
    override = (config or Config()).classes.get(OPERATOR_TEMPLATE)
    if override is not None and override.kinds is not None:
        return tuple(override.kinds)
    return tuple(BUILTIN_RULES[OPERATOR_TEMPLATE].kinds)


def _circular_hour_spread(hours: pd.Series) -> float:
    """The circular standard deviation of times of day, in hours (23:50 and 00:10 are close)."""
    angles = hours.to_numpy() * (2 * math.pi / 24)
    r = math.hypot(np.cos(angles).mean(), np.sin(angles).mean())
    if r >= 1.0:
        return 0.0
    return math.sqrt(-2.0 * math.log(max(r, 1e-12))) * 24 / (2 * math.pi)


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a fast, well-spread 64-bit hash of each uint64 (wrapping)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _minhash_signatures(texts: np.ndarray, chunk: int = 400_000) -> np.ndarray:
    """MinHash signatures (len(texts) x _N_PERM, uint32) over each text's character 3-grams.

    Each 3-gram is packed into one integer (three 21-bit code points) and hashed once to 32
    bits; the _N_PERM hash functions are fixed 32-bit permutations of that (xor a seed,
    multiply by an odd constant, xor-shift), so results are the same in every run (no Python
    hash salt). 32-bit arithmetic is what makes this fast: four times the speed of 64-bit.
    """
    # Two NULs after each text let its last characters start 3-grams of their own.
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    codes = np.frombuffer("".join(t + "\0\0" for t in texts).encode("utf-32-le"), dtype=np.uint32)
    codes = codes.astype(np.uint64)
    packed = (codes[:-2] << np.uint64(42)) | (codes[1:-1] << np.uint64(21)) | codes[2:]
    starts_padded = np.concatenate(([0], np.cumsum(lengths + 2)[:-1]))
    in_text = np.ones(len(packed), dtype=bool)
    pad_start = starts_padded + lengths  # the 3-grams starting on a NUL are not the text's
    in_text[pad_start[pad_start < len(packed)]] = False
    in_text[pad_start[pad_start + 1 < len(packed)] + 1] = False
    shingles = (_mix64(packed[in_text]) >> np.uint64(32)).astype(np.uint32)
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))  # each text's first 3-gram

    mixed = _mix64(np.arange(1, 2 * _N_PERM + 1, dtype=np.uint64)) >> np.uint64(32)
    seeds = mixed[:_N_PERM].astype(np.uint32)
    multipliers = mixed[_N_PERM:].astype(np.uint32) | np.uint32(1)
    signatures = np.empty((len(texts), _N_PERM), dtype=np.uint32)
    first = 0
    while first < len(texts):  # whole texts at a time, so the 3-grams x hashes block stays small
        last = int(np.searchsorted(offsets, offsets[first] + chunk, side="right"))
        last = max(last, first + 1)
        stop = offsets[last] if last < len(texts) else len(shingles)
        # hashes x 3-grams: each hash function's row is contiguous, which reduceat needs to be fast
        with np.errstate(over="ignore"):
            block = (shingles[None, offsets[first]:stop] ^ seeds[:, None]) * multipliers[:, None]
        block ^= block >> np.uint32(15)
        minima = np.minimum.reduceat(block, offsets[first:last] - offsets[first], axis=1)
        signatures[first:last] = minima.T
        first = last
    return signatures


def _near_duplicate_clusters(texts: np.ndarray, groups: np.ndarray, similarity: float) -> np.ndarray:
    """A cluster number per text: texts of one group whose estimated Jaccard similarity is at
    least ``similarity`` share a cluster (connected components of the similar pairs)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(texts)
    signatures = _minhash_signatures(texts)
    group_codes = _mix64(pd.factorize(groups)[0].astype(np.uint64) + np.uint64(1))
    rows_per_band = _N_PERM // _BANDS
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    index = np.arange(n)
    for band in range(_BANDS):
        block = signatures[:, band * rows_per_band:(band + 1) * rows_per_band]
        key = group_codes.copy()
        for column in block.T:
            key = _mix64(key ^ column)
        # Link every text in a bucket to the bucket's first text, if they really are similar.
        first = pd.Series(index).groupby(key).transform("first").to_numpy()
        candidate = first != index
        if candidate.any():
            a, b = first[candidate], index[candidate]
            similar = (signatures[a] == signatures[b]).mean(axis=1) >= similarity
            left.append(a[similar])
            right.append(b[similar])
    if not left or not sum(len(x) for x in left):
        return np.arange(n)
    a, b = np.concatenate(left), np.concatenate(right)
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    return connected_components(graph, directed=False)[1]
