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
    KOL,
    LEFT,
    NEWCOMER,
    ONLOOKER,
    OPERATOR,
    ROLE,
    SHILL,
    SILENT,
    STAFF_ROLES,
    TAGS_COLUMN,
    THINKER,
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


def _ratio(part: Any, whole: Any) -> float:
    return part / whole if whole else 0.0


def _role_clause(r: dict[str, Any], lang: str) -> str:
    role, zh = r[ROLE], lang == "zh"
    if role == THINKER:
        return (f"发起了{r[F.CONVERSATIONS_STARTED]}次有人接话的讨论（占全群{_pct(r[F.CONVERSATION_SHARE])}），"
                f"引来{r[F.OBJECTIONS_DRAWN]}次反驳" if zh else
                f"started {_n(r[F.CONVERSATIONS_STARTED], 'conversation')} others took up "
                f"({_pct(r[F.CONVERSATION_SHARE])} of the group's) and drew {_n(r[F.OBJECTIONS_DRAWN], 'objection')}")
    if role == CRITIC:
        return (f"提出{r[F.OBJECTIONS]}次反对意见（占其发言{_pct(r[F.OBJECTION_SHARE])}），"
                f"自己发起的讨论占全群{_pct(r[F.CONVERSATION_SHARE])}" if zh else
                f"made {_n(r[F.OBJECTIONS], 'objection')} ({_pct(r[F.OBJECTION_SHARE])} of what they said) and "
                f"started {_pct(r[F.CONVERSATION_SHARE])} of the group's conversations")
    if role == ONLOOKER:
        if r[F.MESSAGES] == 0:
            return ("是群主或管理员，负责群务但在此期间没有发言" if zh else
                    "is the owner or an admin, looking after the group without speaking in the period")
        return (f"在{r[F.ACTIVE_DAYS]}天里发言{r[F.MESSAGES]}条，但很少发起或反驳讨论" if zh else
                f"said {_n(r[F.MESSAGES], 'thing')} on {_n(r[F.ACTIVE_DAYS], 'day')} but rarely starts or disputes a "
                "discussion")
    if r[F.MESSAGES] == 0:
        return "在此期间没有发言" if zh else "said nothing in the period"
    return (f"在此期间只发言{r[F.MESSAGES]}条" if zh else f"said only {_n(r[F.MESSAGES], 'thing')} in the period")


def _tag_clause(tag: str, r: dict[str, Any], lang: str, cfg: RolesConfig) -> str:
    zh = lang == "zh"
    if tag == KOL:
        return (f"意见领袖：影响力{r['influence']:.1f}（全群第{r[F.INFLUENCE_RANK]}），{r[F.SOURCES]}人回应或请教过TA，"
                f"解答他人问题{r[F.ANSWERS]}次" if zh else
                f"a KOL: influence {r['influence']:.1f} (#{r[F.INFLUENCE_RANK]} in the group), replied to or sought "
                f"out by {r[F.SOURCES]} people, answered others' questions {r[F.ANSWERS]} times")
    if tag == OPERATOR:
        parts = []
        if r[F.LIST_ROLE] in STAFF_ROLES:
            parts.append(("群主" if r[F.LIST_ROLE] == "owner" else "管理员") if zh else r[F.LIST_ROLE])
        if r[F.WELCOMES] >= max(1, cfg.operator_min_welcomes):
            parts.append(f"欢迎新人{r[F.WELCOMES]}次" if zh else f"welcomed newcomers {r[F.WELCOMES]} times")
        if r[F.TEMPLATE_SHARE] >= cfg.operator_min_template_share and r[F.REGULARITY] >= cfg.scheduled_min_regularity:
            parts.append(f"{_pct(r[F.TEMPLATE_SHARE])}是定时发布的模板内容" if zh else
                         f"{_pct(r[F.TEMPLATE_SHARE])} scripted posts at fixed times")
        return ("运营账号：" if zh else "an operator account: ") + ("，" if zh else ", ").join(parts)
    if tag == SHILL:
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
    clauses = [_role_clause(row, lang)] + [_tag_clause(t, row, lang, cfg) for t in row[TAGS_COLUMN]]
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
    lines.append(check(r[F.CONVERSATIONS_STARTED] >= cfg.thinker_min_conversations
                       and r[F.CONVERSATION_SHARE] >= cfg.thinker_min_share,
                       f"思想者：发起讨论 {r[F.CONVERSATIONS_STARTED]} 次（需 ≥{cfg.thinker_min_conversations}），"
                       f"占全群 {_pct(r[F.CONVERSATION_SHARE])}（需 ≥{_pct(cfg.thinker_min_share)}），"
                       f"引来反驳 {r[F.OBJECTIONS_DRAWN]} 次" if zh else
                       f"thinker: conversations started {r[F.CONVERSATIONS_STARTED]} (needs ≥{cfg.thinker_min_conversations}),"
                       f" {_pct(r[F.CONVERSATION_SHARE])} of the group's (needs ≥{_pct(cfg.thinker_min_share)}), "
                       f"objections drawn {r[F.OBJECTIONS_DRAWN]}"))
    lines.append(check(r[F.OBJECTIONS] >= cfg.critic_min_objections
                       and r[F.OBJECTION_SHARE] >= cfg.critic_min_objection_share,
                       f"批判者：反对意见 {r[F.OBJECTIONS]} 次（需 ≥{cfg.critic_min_objections}），占其发言 "
                       f"{_pct(r[F.OBJECTION_SHARE])}（不计解答，需 ≥{_pct(cfg.critic_min_objection_share)}）" if zh else
                       f"critic: objections {r[F.OBJECTIONS]} (needs ≥{cfg.critic_min_objections}), "
                       f"{_pct(r[F.OBJECTION_SHARE])} of their messages besides answers "
                       f"(needs ≥{_pct(cfg.critic_min_objection_share)})"))
    lines.append(check(KOL in r[TAGS_COLUMN],
                       f"意见领袖：影响力 {r['influence']:.2f}（需 ≥{cfg.kol_min_influence:g}），第 {r[F.INFLUENCE_RANK]} 名，"
                       f"{r[F.SOURCES]} 人回应或请教（需 ≥{cfg.kol_min_sources}），解答问题 {r[F.ANSWERS]} 次"
                       f"（需 ≥{cfg.kol_min_answers}），占其发言 {_pct(r[F.ANSWER_SHARE])}"
                       f"（需 ≥{cfg.kol_min_answer_share:.1%}，且为全群平均的 {cfg.kol_min_answer_ratio:g} 倍；"
                       f"或占全群解答 {_pct(r[F.ANSWERS_OF_GROUP])}，需 ≥{_pct(cfg.kol_min_answers_of_group)}）" if zh else
                       f"KOL: influence {r['influence']:.2f} (needs ≥{cfg.kol_min_influence:g}), rank {r[F.INFLUENCE_RANK]}, "
                       f"{r[F.SOURCES]} people replied or sought them out (needs ≥{cfg.kol_min_sources}), answers "
                       f"{r[F.ANSWERS]} (needs ≥{cfg.kol_min_answers}), {_pct(r[F.ANSWER_SHARE])} of their messages "
                       f"(needs ≥{cfg.kol_min_answer_share:.1%} and {cfg.kol_min_answer_ratio:g}x the group's; "
                       f"or {_pct(r[F.ANSWERS_OF_GROUP])} of the group's answers, needs "
                       f"≥{_pct(cfg.kol_min_answers_of_group)})"))
    lines.append(check(OPERATOR in r[TAGS_COLUMN],
                       f"运营：名单身份 {r[F.LIST_ROLE] or '无'}，欢迎新人 {r[F.WELCOMES]} 次（需 ≥{cfg.operator_min_welcomes}），"
                       f"模板内容 {_pct(r[F.TEMPLATE_SHARE])}（需 ≥{_pct(cfg.operator_min_template_share)}）" if zh else
                       f"operator: member-list role {r[F.LIST_ROLE] or 'none'}, welcomes {r[F.WELCOMES]} "
                       f"(needs ≥{cfg.operator_min_welcomes}), template posts {_pct(r[F.TEMPLATE_SHARE])} "
                       f"(needs ≥{_pct(cfg.operator_min_template_share)})"))
    lines.append(check(SHILL in r[TAGS_COLUMN],
                       f"水军：固定时间发言 {_pct(r[F.REGULARITY])}（需 ≥{_pct(cfg.scheduled_min_regularity)}），"
                       f"与他人同文 {_pct(r[F.COORDINATION])}（需 ≥{_pct(cfg.shill_min_coordination)}）"
                       f"或有人回应的提问 {_pct(_ratio(r[F.QUESTIONS_ANSWERED], r[F.MESSAGES]))}"
                       f"（需 ≥{_pct(cfg.shill_min_answered_questions)}）" if zh else
                       f"shill: posts at fixed times {_pct(r[F.REGULARITY])} (needs ≥{_pct(cfg.scheduled_min_regularity)}), "
                       f"near-duplicates of others {_pct(r[F.COORDINATION])} (needs ≥{_pct(cfg.shill_min_coordination)}) "
                       f"or questions others answered {_pct(_ratio(r[F.QUESTIONS_ANSWERED], r[F.MESSAGES]))} "
                       f"(needs ≥{_pct(cfg.shill_min_answered_questions)})"))
    hit_and_run = "是" if r[F.POST_THEN_SILENCE] else "否"
    lines.append(check(ADVERTISER in r[TAGS_COLUMN],
                       f"广告：广告占比 {_pct(r[F.AD_SHARE])}（需 ≥{_pct(cfg.advertiser_min_ad_share)}），链接占比 "
                       f"{_pct(r[F.LINK_SHARE])}，入群{cfg.burst_days:g}天内发出 {_pct(r[F.BURST_SHARE])}，"
                       f"发完即沉默或退群：{hit_and_run}" if zh else
                       f"advertiser: ads {_pct(r[F.AD_SHARE])} (needs ≥{_pct(cfg.advertiser_min_ad_share)}), links "
                       f"{_pct(r[F.LINK_SHARE])}, {_pct(r[F.BURST_SHARE])} within {cfg.burst_days:g} days of joining, "
                       f"then silent or gone: {'yes' if r[F.POST_THEN_SILENCE] else 'no'}"))
    return lines
