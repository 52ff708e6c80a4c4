"""Why a member got their role and tags, in Chinese or English.

``member_reason`` gives the one sentence every row of ``grouplens roles`` carries;
``explain_member`` gives the longer account behind ``grouplens roles --explain MEMBER``: each
role and tag test with the member's figure beside the threshold it was held to.
"""

from __future__ import annotations

import difflib
import math
from typing import Any

import pandas as pd

from .. import schema as S
from ..config import RolesConfig
from ..errors import UsageError
from . import features as F
from .classifier import (
    ACTIVITY_TIER,
    ADVERTISER,
    CRITIC,
    GROUP_DISCUSSIONS,
    KOL,
    KOL_ASKERS_OUTLIER,
    KOL_ASKERS_RATIO,
    KOL_BASIS,
    KOL_OUTLIER,
    KOL_TOP_RATIO,
    LEFT,
    NEWCOMER,
    ONLOOKER,
    OPERATOR,
    OPERATOR_BASIS,
    ROLE,
    SHILL,
    SHILL_BASIS,
    SILENT,
    TAGS_COLUMN,
    THINKER,
    THINKER_OUTLIER,
)

LANGUAGES = S.LANGS

_ROLE_NAMES = {
    "zh": {THINKER: "思想者", CRITIC: "批判者", ONLOOKER: "围观者", SILENT: "沉默者"},
    "en": {THINKER: "thinker", CRITIC: "critic", ONLOOKER: "onlooker", SILENT: "silent"},
}
_TAG_NAMES = {
    "zh": {KOL: "意见领袖", OPERATOR: "运营", SHILL: "水军", ADVERTISER: "广告", NEWCOMER: "新人", LEFT: "已退群",
           "cross_group_ads": "跨群广告号", "cross_group_shill": "跨群水军"},
    "en": {KOL: "KOL", OPERATOR: "operator", SHILL: "shill", ADVERTISER: "advertiser", NEWCOMER: "newcomer",
           LEFT: "left", "cross_group_ads": "cross-group ads", "cross_group_shill": "cross-group shill"},
}


def role_name(role: str, lang: str = "zh") -> str:
    return _ROLE_NAMES[lang][role]


def tag_name(tag: str, lang: str = "zh") -> str:
    return _TAG_NAMES[lang][tag]


def _pct(x: Any) -> str:
    return f"{0 if x is None or (isinstance(x, float) and math.isnan(x)) else x:.0%}"


def _n(count: Any, word: str) -> str:
    """``1 thing``, ``2 things``: English counts with their noun."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _q(cfg: RolesConfig) -> str:
    return f"{cfg.outlier_quantile * 100:.0f}"


def _times(x: Any) -> str:
    return f"{0 if x is None or (isinstance(x, float) and math.isnan(x)) else x:.1f}"


def _role_clause(r: dict[str, Any], lang: str, cfg: RolesConfig) -> str:
    role, zh = r[ROLE], lang == "zh"
    if role == THINKER:
        return (f"发表的观点引起讨论{r[F.DISCUSSIONS]}次（至少两人接话，为普通成员第{_q(cfg)}百分位的{_times(r[THINKER_OUTLIER])}倍），"
                f"引来{r[F.OBJECTIONS_DRAWN]}次反驳" if zh else
                f"{_n(r[F.DISCUSSIONS], 'post')} of theirs drew two or more others into discussion "
                f"({_times(r[THINKER_OUTLIER])}x the group's {_q(cfg)}th-percentile member) and drew "
                f"{_n(r[F.OBJECTIONS_DRAWN], 'objection')}")
    if role == CRITIC:
        return (f"在他人的讨论中提出{r[F.OBJECTIONS]}次反对意见（占其发言{_pct(r[F.OBJECTION_SHARE])}），"
                f"自己引起的讨论{r[F.DISCUSSIONS]}次" if zh else
                f"disputed others' points {_n(r[F.OBJECTIONS], 'time')} ({_pct(r[F.OBJECTION_SHARE])} of what they "
                f"said) and started {_n(r[F.DISCUSSIONS], 'discussion')} of their own")
    if role == ONLOOKER:
        if r[F.MESSAGES] == 0:
            return ("是群主或管理员，负责群务但在此期间没有发言" if zh else
                    "is the owner or an admin, looking after the group without speaking in the period")
        return (f"在{r[F.ACTIVE_DAYS]}天里发言{r[F.MESSAGES]}条，引起讨论{r[F.DISCUSSIONS]}次、反驳他人{r[F.OBJECTIONS]}次，"
                "不足以算作思想者或批判者" if zh else
                f"said {_n(r[F.MESSAGES], 'thing')} on {_n(r[F.ACTIVE_DAYS], 'day')}, started "
                f"{_n(r[F.DISCUSSIONS], 'discussion')} and disputed others {_n(r[F.OBJECTIONS], 'time')}: not "
                "enough to lead or dispute discussions")
    if r[F.MESSAGES] == 0:
        return "在此期间没有发言" if zh else "said nothing in the period"
    return (f"在此期间只发言{r[F.MESSAGES]}条" if zh else f"said only {_n(r[F.MESSAGES], 'thing')} in the period")


def kol_uptake(r: dict[str, Any], lang: str = "zh") -> str:
    """What of a member's others took up, in a phrase: discussions joined, agreement, questions,
    @-mentions drawn and the people they answered."""
    if lang == "zh":
        return (f"{r[F.SOURCES]}人回应、请教或@过TA；观点引起讨论{r[F.DISCUSSIONS]}次，获赞同{r[F.AGREEMENT_DRAWN]}次、"
                f"被提问{r[F.QUESTIONS_DRAWN]}次、被@{r[F.MENTIONS_DRAWN]}次，为{r[F.ASKERS_ANSWERED]}人解答过问题")
    return (f"{r[F.SOURCES]} people replied to, asked or @-named them; {_n(r[F.DISCUSSIONS], 'discussion')} started, "
            f"{_n(r[F.AGREEMENT_DRAWN], 'agreement')}, {_n(r[F.QUESTIONS_DRAWN], 'question')} and "
            f"{_n(r[F.MENTIONS_DRAWN], '@-mention')} drawn, answered {r[F.ASKERS_ANSWERED]} people's questions")


def _tag_clause(tag: str, r: dict[str, Any], lang: str, cfg: RolesConfig) -> str:
    zh = lang == "zh"
    if tag == KOL:
        basis = (("非运营成员中影响力最高" if zh else "the most influential member besides operator accounts")
                 if r.get(KOL_BASIS) == "top" else
                 (f"影响力达到非运营成员最高者的{_pct(r[KOL_TOP_RATIO])}" if zh else
                  f"influence {_pct(r[KOL_TOP_RATIO])} of the highest besides operator accounts")
                 if r.get(KOL_BASIS) == "near_top" else
                 (f"找TA的人数为普通成员第{_q(cfg)}百分位的{_times(r[KOL_OUTLIER])}倍" if zh else
                  f"turned to by {_times(r[KOL_OUTLIER])}x as many people as the group's {_q(cfg)}th-percentile "
                  "member")
                 if r.get(KOL_BASIS) == "outlier" else
                 (f"{r[F.ASKERS_SOUGHT]}人向TA求解答（不计TA自己话题下的追问），为普通成员第{_q(cfg)}百分位的"
                  f"{_times(r[KOL_ASKERS_OUTLIER])}倍、最多者的{_pct(r[KOL_ASKERS_RATIO])}" if zh else
                  f"answered the questions of {r[F.ASKERS_SOUGHT]} different people (follow-ups on their own threads "
                  f"left out), {_times(r[KOL_ASKERS_OUTLIER])}x the "
                  f"group's {_q(cfg)}th-percentile member and {_pct(r[KOL_ASKERS_RATIO])} of the most anyone answered"))
        return (f"意见领袖（{basis}）：影响力{r['influence']:.1f}（全群第{r[F.INFLUENCE_RANK]}），{kol_uptake(r, lang)}" if zh
                else f"a KOL ({basis}): influence {r['influence']:.1f} (#{r[F.INFLUENCE_RANK]} in the group), "
                f"{kol_uptake(r, lang)}")
    if tag == OPERATOR:
        parts = []
        basis = r.get(OPERATOR_BASIS) or []
        if "list" in basis:
            parts.append(("群主" if r[F.LIST_ROLE] == "owner" else "管理员") if zh else r[F.LIST_ROLE])
        if "welcomes" in basis:
            parts.append(f"欢迎新人{r[F.WELCOMES]}次" if zh else f"welcomed newcomers {r[F.WELCOMES]} times")
        if "notices" in basis:
            regular = r[F.NOTICE_REGULARITY] >= cfg.scheduled_min_regularity
            parts.append((f"发布公告、知识卡片等{r[F.NOTICES]}条" + (f"，{_pct(r[F.NOTICE_REGULARITY])}在固定时间（定时发布）"
                                                         if regular else "")) if zh else
                         f"posted {_n(r[F.NOTICES], 'notice')}, cards or briefings"
                         + (f", {_pct(r[F.NOTICE_REGULARITY])} at a fixed time of day" if regular else ""))
        if "scripted" in basis:
            parts.append(f"{r[F.TEMPLATE_POSTS]}条模板内容，{_pct(r[F.TEMPLATE_REGULARITY])}在固定时间（定时发布）" if zh else
                         f"{_n(r[F.TEMPLATE_POSTS], 'scripted post')}, {_pct(r[F.TEMPLATE_REGULARITY])} at a fixed "
                         "time of day")
        return ("运营账号：" if zh else "an operator account: ") + ("，" if zh else ", ").join(parts)
    if tag == SHILL:
        basis = r.get(SHILL_BASIS)
        if basis == "scheduled":
            return (f"水军迹象：{r[F.SCHEDULED_DAYS]}天在同一时刻（±{cfg.regularity_window_minutes:g}分钟）发起提问或话题"
                    f"（占其话题{_pct(r[F.SCHEDULED_SHARE])}），其中{_pct(r[F.QUICK_ANSWERED])}在"
                    f"{cfg.shill_answer_minutes:g}分钟内有人回应，{_pct(r[F.ANSWERER_CONCENTRATION])}由同样的一两个账号先回应"
                    if zh else
                    f"shill signs: questions or topic starters at one clock time (±{cfg.regularity_window_minutes:g} "
                    f"minutes) on {_n(r[F.SCHEDULED_DAYS], 'day')} ({_pct(r[F.SCHEDULED_SHARE])} of their starters), "
                    f"{_pct(r[F.QUICK_ANSWERED])} answered within {cfg.shill_answer_minutes:g} minutes, "
                    f"{_pct(r[F.ANSWERER_CONCENTRATION])} first by the same one or two accounts")
        if basis == "partner":
            return (f"水军迹象：{r[F.PARTNER_DAYS]}天在几分钟内回应另一水军账号的定时提问，占其发言{_pct(r[F.PARTNER_SHARE])}"
                    if zh else
                    f"shill signs: answered another shill account's scheduled starters within minutes on "
                    f"{_n(r[F.PARTNER_DAYS], 'day')}, {_pct(r[F.PARTNER_SHARE])} of what they said")
        return (f"水军迹象：{_pct(r[F.REGULARITY])}的发言在固定时间，{_pct(r[F.COORDINATION])}与其他账号几乎同时同文" if zh
                else f"shill signs: {_pct(r[F.REGULARITY])} of posts at fixed times, {_pct(r[F.COORDINATION])} "
                f"near-duplicates of other accounts' posts")
    if tag == ADVERTISER:
        return (f"{_pct(r[F.AD_SHARE])}的发言是广告" if zh else f"{_pct(r[F.AD_SHARE])} of their messages are ads")
    if tag == NEWCOMER:
        return f"近{cfg.newcomer_days}天内入群" if zh else f"joined in the last {cfg.newcomer_days} days"
    return "已退群或被移出" if zh else "has left or was removed"


def member_reason(row: dict[str, Any], lang: str = "zh", config: RolesConfig | None = None) -> str:
    """One sentence saying why the member has their role and tags."""
    cfg = config or RolesConfig()
    zh = lang == "zh"
    # A KOL's reason opens with what of theirs others took up: the part a narrow table still shows.
    tags = sorted(row[TAGS_COLUMN], key=lambda t: t != KOL)
    role_first = KOL not in tags
    clauses = ([_role_clause(row, lang, cfg)] if role_first else []) + [_tag_clause(t, row, lang, cfg) for t in tags]
    if not role_first:
        clauses.insert(1, _role_clause(row, lang, cfg))
    head = f"{role_name(row[ROLE], lang)}：" if zh else f"{role_name(row[ROLE], lang).capitalize()}: "
    return head + ("；".join(clauses) + "。" if zh else "; ".join(clauses) + ".")


def find_member(result: pd.DataFrame, member: str) -> dict[str, Any]:
    """The row of ``result`` whose member id or name is ``member``; else the one member whose
    name contains it (``老王`` finds ``羽球老王(队长)``). A UsageError lists the candidates when
    several match, or the closest names when none does."""
    ids, names = result[S.MEMBER_ID].astype(str), result[S.NAME].astype(object).fillna("").astype(str)
    query = member.strip()
    for hit in (result[ids == query], result[names == query],
                result[names.str.casefold().str.contains(query.casefold(), regex=False)] if query else result.iloc[0:0]):
        if len(hit) == 1:
            return hit.iloc[0].to_dict()
        if len(hit) > 1:
            listed = ", ".join(f"{n} ({i})" for n, i in zip(hit[S.NAME].astype(str), hit[S.MEMBER_ID].astype(str)))
            raise UsageError(f"{len(hit)} members match {member!r}: {listed}; give the full name or the member id")
    close = difflib.get_close_matches(query, list(dict.fromkeys(names)), n=5, cutoff=0.3)
    hint = f"; close names: {', '.join(close)}" if close else ""
    raise UsageError(f"no member {member!r} in this group{hint} (give a member id or a name as "
                     "`grouplens roles` lists them)")


def explain_member(result: pd.DataFrame, member: str, lang: str = "zh", config: RolesConfig | None = None
                   ) -> list[str]:
    """Lines saying why ``member`` (id or name) got their role and tags: each test with the
    member's figure and the threshold from ``[roles]``."""
    cfg = config or RolesConfig()
    r = find_member(result, member)
    zh = lang == "zh"
    tags = "、".join(tag_name(t, lang) for t in r[TAGS_COLUMN]) if zh else ", ".join(r[TAGS_COLUMN])
    lines = [f"{r[S.NAME]} ({r[S.MEMBER_ID]}): {role_name(r[ROLE], lang)}" + (f" [{tags}]" if tags else ""),
             r["reason"]]

    def check(ok: bool, text: str) -> str:
        return ("✓ " if ok else "✗ ") + text

    tier = r[ACTIVITY_TIER]
    lines.append(check(r[F.MESSAGES] > cfg.silent_max_messages,
                       f"发言 {r[F.MESSAGES]} 条（沉默者至多 {cfg.silent_max_messages} 条）" if zh else
                       f"messages {r[F.MESSAGES]} (silent: at most {cfg.silent_max_messages})"))
    lines.append(check(tier > 0, (f"活跃度分层 {tier}（0 最低，-1 未发言；只有高于最低层的人才可能是思想者）" if zh else
                                  f"activity tier {tier} (0 lowest, -1 silent; thinkers come from above the "
                                  "lowest tier)")))
    lines.append(check(r[ROLE] == THINKER,
                       f"思想者：引起讨论 {r[F.DISCUSSIONS]} 次（需 ≥{cfg.thinker_min_discussions}），为普通成员第"
                       f"{cfg.outlier_quantile:.0%}百分位的 {_times(r[THINKER_OUTLIER])} 倍（需 ≥{cfg.thinker_min_outlier:g}，"
                       f"或占普通成员讨论的 ≥{_pct(cfg.thinker_min_share)}），引来反驳 {r[F.OBJECTIONS_DRAWN]} 次"
                       f"（多于自己的反驳 {r[F.OBJECTIONS]} 次时，批判者的条件让位于思想者）" if zh else
                       f"thinker: discussions started {r[F.DISCUSSIONS]} (needs ≥{cfg.thinker_min_discussions}), "
                       f"{_times(r[THINKER_OUTLIER])}x the group's {_q(cfg)}th-percentile member (needs "
                       f"≥{cfg.thinker_min_outlier:g}, or ≥{_pct(cfg.thinker_min_share)} of ordinary members' "
                       f"discussions), objections drawn {r[F.OBJECTIONS_DRAWN]} (drawing more than they make keeps "
                       f"them a thinker; they made {r[F.OBJECTIONS]})"))
    lines.append(check(r[ROLE] == CRITIC,
                       f"批判者：在他人的讨论中反对 {r[F.OBJECTIONS]} 次（需 ≥{cfg.critic_min_objections}；在自己发起的"
                       f"讨论里为观点辩护不算），占其发言 {_pct(r[F.OBJECTION_SHARE])}（不计解答，需 "
                       f"≥{_pct(cfg.critic_min_objection_share)}）" if zh else
                       f"critic: objections to others {r[F.OBJECTIONS]} (needs ≥{cfg.critic_min_objections}; defending "
                       f"one's view in one's own thread does not count), {_pct(r[F.OBJECTION_SHARE])} of their messages "
                       f"besides answers (needs ≥{_pct(cfg.critic_min_objection_share)})"))
    lines.append(check(KOL in r[TAGS_COLUMN],
                       f"意见领袖：{kol_uptake(r, lang)}；人数为普通成员第{_q(cfg)}百分位的 "
                       f"{_times(r[KOL_OUTLIER])} 倍（需 ≥{cfg.kol_min_outlier:g}）且影响力为非运营成员最高者的 "
                       f"{_pct(r[KOL_TOP_RATIO])}（需 ≥{_pct(cfg.kol_min_top_ratio)}），或本身最高、或达到最高者的 "
                       f"{_pct(cfg.kol_near_top_ratio)}，或 {r[F.ASKERS_SOUGHT]} 人向TA求解答（不计自己话题下的追问）、为普通成员第{_q(cfg)}"
                       f"百分位的 {_times(r[KOL_ASKERS_OUTLIER])} 倍（需 ≥{cfg.kol_min_askers_outlier:g}）且为最多者的 "
                       f"{_pct(r[KOL_ASKERS_RATIO])}（需 ≥{_pct(cfg.kol_min_askers_ratio)}）；至少 {cfg.kol_min_sources} "
                       f"人；全群须有真正的讨论（{r[GROUP_DISCUSSIONS]} 次，需 ≥{cfg.kol_min_discussions}）；"
                       f"运营、水军和广告账号不算" if zh else
                       f"KOL: {kol_uptake(r, lang)}; {_times(r[KOL_OUTLIER])}x as many people as the group's "
                       f"{_q(cfg)}th-percentile member (needs ≥{cfg.kol_min_outlier:g}) and influence "
                       f"{_pct(r[KOL_TOP_RATIO])} of the highest ordinary member's (needs ≥{_pct(cfg.kol_min_top_ratio)}), "
                       f"or the highest itself or within {_pct(cfg.kol_near_top_ratio)} of it, or answered "
                       f"the questions of {r[F.ASKERS_SOUGHT]} different people (not follow-ups on their own threads), "
                       f"{_times(r[KOL_ASKERS_OUTLIER])}x the "
                       f"{_q(cfg)}th-percentile member (needs ≥{cfg.kol_min_askers_outlier:g}) and "
                       f"{_pct(r[KOL_ASKERS_RATIO])} of the most anyone answered (needs "
                       f"≥{_pct(cfg.kol_min_askers_ratio)}); at least {cfg.kol_min_sources} people; the group needs real discussion "
                       f"({r[GROUP_DISCUSSIONS]} discussions, needs ≥{cfg.kol_min_discussions}); operator, shill and "
                       "advertiser accounts are never KOLs"))
    lines.append(check(OPERATOR in r[TAGS_COLUMN],
                       f"运营：名单身份 {r[F.LIST_ROLE] or '无'}（群主/管理员且非思想者、批判者即是），欢迎新人 {r[F.WELCOMES]} 次"
                       f"（需 ≥{cfg.operator_min_welcomes}），公告/卡片/早报 {r[F.NOTICES]} 条（需 ≥{cfg.operator_min_notices}，"
                       f"且 {_pct(r[F.NOTICE_REGULARITY])} 在固定时间需 ≥{_pct(cfg.scheduled_min_regularity)} 或占发言 "
                       f"≥{_pct(cfg.operator_min_notice_share)}），模板内容 {r[F.TEMPLATE_POSTS]} 条（需在固定时间 "
                       f"{_pct(r[F.TEMPLATE_REGULARITY])} ≥{_pct(cfg.scheduled_min_regularity)}；仅措辞相近不算）" if zh else
                       f"operator: member-list role {r[F.LIST_ROLE] or 'none'} (an owner or admin who is no thinker or "
                       f"critic is one), welcomes {r[F.WELCOMES]} (needs ≥{cfg.operator_min_welcomes}), notices, cards or "
                       f"briefings {r[F.NOTICES]} (needs ≥{cfg.operator_min_notices}, with "
                       f"{_pct(r[F.NOTICE_REGULARITY])} at a fixed time ≥{_pct(cfg.scheduled_min_regularity)} or "
                       f"≥{_pct(cfg.operator_min_notice_share)} of their messages), scripted posts {r[F.TEMPLATE_POSTS]} "
                       f"(needs {_pct(r[F.TEMPLATE_REGULARITY])} at a fixed time ≥{_pct(cfg.scheduled_min_regularity)}; "
                       "similar wording alone is no evidence)"))
    lines.append(check(SHILL in r[TAGS_COLUMN],
                       f"水军：同一时刻发起提问或话题 {r[F.SCHEDULED_DAYS]} 天（需 ≥{cfg.shill_min_days}），占其话题 "
                       f"{_pct(r[F.SCHEDULED_SHARE])}（需 ≥{_pct(cfg.shill_min_scheduled_share)}），{cfg.shill_answer_minutes:g} "
                       f"分钟内有人回应 {_pct(r[F.QUICK_ANSWERED])}（需 ≥{_pct(cfg.shill_min_quick_answers)}），由同样一两个账号"
                       f"先回应 {_pct(r[F.ANSWERER_CONCENTRATION])}（需 ≥{_pct(cfg.shill_min_concentration)}）；或作为搭档账号"
                       f"回应定时提问 {r[F.PARTNER_DAYS]} 天、占发言 {_pct(r[F.PARTNER_SHARE])}（需 ≥{_pct(cfg.shill_partner_min_share)}）；"
                       f"或固定时间发言 {_pct(r[F.REGULARITY])}、与他人同文 {_pct(r[F.COORDINATION])}"
                       f"（需 ≥{_pct(cfg.scheduled_min_regularity)} 与 ≥{_pct(cfg.shill_min_coordination)}）；群主、管理员"
                       "和运营账号不算" if zh else
                       f"shill: starters at one clock time on {_n(r[F.SCHEDULED_DAYS], 'day')} (needs ≥{cfg.shill_min_days}), "
                       f"{_pct(r[F.SCHEDULED_SHARE])} of their starters (needs ≥{_pct(cfg.shill_min_scheduled_share)}), "
                       f"{_pct(r[F.QUICK_ANSWERED])} answered within {cfg.shill_answer_minutes:g} minutes (needs "
                       f"≥{_pct(cfg.shill_min_quick_answers)}), {_pct(r[F.ANSWERER_CONCENTRATION])} first by the same one "
                       f"or two accounts (needs ≥{_pct(cfg.shill_min_concentration)}); or a partner answering scheduled "
                       f"starters on {_n(r[F.PARTNER_DAYS], 'day')}, {_pct(r[F.PARTNER_SHARE])} of their messages (needs "
                       f"≥{_pct(cfg.shill_partner_min_share)}); or posts at fixed times {_pct(r[F.REGULARITY])} with "
                       f"near-duplicates of others {_pct(r[F.COORDINATION])} (needs ≥{_pct(cfg.scheduled_min_regularity)} "
                       f"and ≥{_pct(cfg.shill_min_coordination)}); owners, admins and operator accounts are never shills"))
    hit_and_run = "是" if r[F.POST_THEN_SILENCE] else "否"
    lines.append(check(ADVERTISER in r[TAGS_COLUMN],
                       f"广告：广告占比 {_pct(r[F.AD_SHARE])}（需 ≥{_pct(cfg.advertiser_min_ad_share)}），链接占比 "
                       f"{_pct(r[F.LINK_SHARE])}，入群{cfg.burst_days:g}天内发出 {_pct(r[F.BURST_SHARE])}，"
                       f"发完即沉默或退群：{hit_and_run}" if zh else
                       f"advertiser: ads {_pct(r[F.AD_SHARE])} (needs ≥{_pct(cfg.advertiser_min_ad_share)}), links "
                       f"{_pct(r[F.LINK_SHARE])}, {_pct(r[F.BURST_SHARE])} within {cfg.burst_days:g} days of joining, "
                       f"then silent or gone: {'yes' if r[F.POST_THEN_SILENCE] else 'no'}"))
    return lines
