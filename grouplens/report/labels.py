"""Words reports show, in Chinese and English: titles, metric names, layers, stages, alerts.

The JSON keeps codes (``ad-dominated``, ``within_target_share``); renderers look the words up
here with ``label(code, lang)``, so the terminal, Markdown and HTML views say the same thing.
"""

from __future__ import annotations

from typing import Any

_LABELS: dict[str, tuple[str, str]] = {
    # section headings that share a code with a report kind (a kind's page title is in its record)
    "activity": ("活跃度", "Activity"), "members": ("成员分层", "Member layers"), "lifecycle": ("群生命周期", "Lifecycle"),
    "questions": ("问答服务", "Questions"), "checkins": ("打卡", "Check-ins"), "compliance": ("合规风险", "Compliance"),
    "groups": ("群概览", "Groups overview"),
    # activity
    "messages": ("消息数", "messages"), "speakers": ("发言人数", "speakers"), "members_count": ("成员数", "members"),
    "participation_rate": ("发言率", "participation"), "messages_per_day": ("日均消息", "messages/day"),
    "messages_per_speaker_per_day": ("人均日消息", "msgs/speaker/day"),
    "dau": ("日活(均)", "DAU (mean)"), "wau": ("周活", "WAU"), "mau": ("月活", "MAU"), "joins": ("入群", "joins"),
    "leaves": ("退群", "leaves"), "top_talkers": ("发言榜", "Top talkers"), "heatmap": ("活跃时段", "When they talk"),
    "kinds": ("消息类型", "Message kinds"), "top5_share": ("前5人占比", "top-5 share"), "gini": ("基尼系数", "Gini"),
    "trend": ("趋势", "trend"), "share": ("占比", "share"), "active_days": ("活跃天数", "active days"),
    "days": ("天数", "days"),
    # layers
    "new": ("新人", "new"), "core": ("核心", "core"), "returned": ("回流", "returned"), "active": ("活跃", "active"),
    "churned": ("流失", "churned"), "silent": ("沉默", "silent"), "absent": ("不在群", "absent"),
    "joined": ("新入群", "joined"), "left": ("退群", "left"), "newly_active": ("新人开口", "newly active"),
    "newly_churned": ("本周流失", "newly churned"), "churned_core": ("流失的核心成员", "core members lost"),
    "transitions": ("层级流动", "Moves between layers"), "retention": ("新人留存", "Newcomer retention"),
    "cohort": ("入群周", "cohort"), "spoke": ("发言", "spoke"), "stayed": ("在群", "stayed"),
    "partners": ("互动人数", "partners"), "weeks_spoken": ("发言周数", "weeks spoken"),
    # lifecycle rules (the stage names are in _STAGES)
    "rule_few_messages": ("消息极少", "hardly any messages"), "rule_first_weeks": ("建群初期大量入群",
                                                                                 "first weeks, many joins"),
    "rule_questions_left": ("只剩求助与回答", "only questions and answers left"),
    "rule_ads": ("广告占比过高", "too many ads"), "rule_quiet": ("消息少且发言人少", "few messages, few speakers"),
    "rule_below_peak": ("远低于自身高峰", "far below its own peak"),
    "rule_shrinking": ("成员流失且低于高峰", "losing members, below its peak"),
    "rule_joins": ("成员净增长", "members joining"), "rule_no_other_rule": ("无异常", "nothing unusual"),
    "rule_no_data": ("无数据", "no data"),
    "stage": ("阶段", "stage"), "health": ("健康分", "health"), "rule": ("依据", "rule"),
    "speaker_share": ("发言率", "speaker share"), "ad_share": ("广告占比", "ad share"),
    "question_share": ("提问占比", "question share"), "question_share_of_rest": ("非广告中提问占比", "questions among non-ads"),
    "objection_share": ("反驳占比", "objection share"), "level_ratio": ("相对高峰", "vs own peak"),
    "net_growth_share": ("净增长", "net growth"), "join_share": ("新入群占比", "join share"),
    "age_weeks": ("群龄(周)", "age (weeks)"), "flooding_members": ("刷屏人数", "flooding members"),
    "reference_messages_per_day": ("高峰日均", "peak messages/day"),
    # questions
    "answered": ("已回答", "answered"), "unanswered": ("未回答", "unanswered"), "pending": ("待回答", "pending"),
    "answered_share": ("回答率", "answered"), "within_target": ("达标", "within target"),
    "within_target_share": ("1小时内回答率", "answered within target"), "median_minutes": ("回答中位(分钟)", "median minutes"),
    "staff_answered": ("工作人员回答", "answered by staff"), "answerers": ("答疑者", "Who answers"),
    "askers": ("提问者", "Who asks"), "answers": ("回答数", "answers"), "questions_count": ("提问数", "questions"),
    "staff": ("工作人员", "staff"),
    # check-ins
    "checkins_count": ("打卡次数", "check-ins"), "participants": ("参与人数", "participants"),
    "completed": ("完成", "completed"), "in_progress": ("进行中", "in progress"), "dropped": ("中断", "dropped"),
    "completion_rate": ("完成率", "completion rate"), "current_streak": ("当前连续", "current streak"),
    "longest_streak": ("最长连续", "longest streak"), "status": ("状态", "status"),
    # compliance
    "ad": ("广告", "ads"), "flooding": ("刷屏", "flooding"), "risky_claim": ("风险医疗宣称", "risky claims"),
    "personal_attack": ("人身攻击", "personal attacks"), "offenders": ("涉及成员", "Who"),
    "examples": ("示例", "Examples"), "heavy_days": ("单日超量", "heavy days"), "total": ("合计", "total"),
    # kol
    "influence": ("影响力", "influence"), "role": ("角色", "role"), "reason": ("原因", "reason"),
    "activity_ranking": ("活跃榜", "Activity ranking"), "contribution_ranking": ("贡献榜", "Contribution ranking"),
    "score": ("得分", "score"), "content_posts": ("内容帖", "content posts"), "replies_drawn": ("引发回复", "replies drawn"),
    "kols": ("意见领袖", "KOLs"), "rank": ("名次", "rank"),
    # weekly
    "comparison": ("本周 vs 上周", "This week vs last"), "key_people": ("关键人物", "Key people now"),
    "engaging_messages": ("最受回应的消息", "Messages that drew replies"), "alerts": ("预警", "Alerts"),
    "metric": ("指标", "metric"), "this_week": ("本期", "now"), "last_week": ("上期", "before"), "change": ("变化", "change"),
    "engagement": ("互动分", "engagement"), "distinct_repliers": ("回复人数", "repliers"),
    "no_alerts": ("无预警", "no alerts"), "none": ("无", "none"),
    # groups
    "group": ("群", "group"), "groups_count": ("群数", "groups"), "week": ("周", "week"),
    "previous_stage": ("上周阶段", "last stage"),
    "each_latest_week": ("各群最近的完整一周", "latest complete week of each group"),
    # the to-do list (report.actions): actions, what to do, and what became of them
    "actions": ("本周待办", "To do"), "follow_up": ("上周待办跟进", "Last week's to-do list"),
    "answer_question": ("回答问题", "answer"), "welcome_newcomer": ("欢迎新人", "welcome"),
    "keep_core": ("挽留核心", "keep core"), "check_advertiser": ("核查广告", "check ads"),
    "check_shill": ("核查水军", "check shill"),
    "todo_answer_question": ("可请 {names} 回答", "ask {names} to answer"),
    "todo_answer_anyone": ("请工作人员回答", "have staff answer it"),
    "todo_welcome_newcomer": ("私聊欢迎，邀请自我介绍", "welcome them in private, invite an introduction"),
    "todo_keep_core": ("私聊问候，请TA分享近况", "check in privately, invite them to share"),
    "todo_check_advertiser": ("核实后提醒、禁言或移出", "check, then warn, mute or remove"),
    "todo_check_shill": ("核实是否为水军账号", "check whether it is a shill account"),
    "what_welcome_newcomer": ("{day} 入群，{days} 天未发言", "joined {day}, silent {days} days"),
    "what_keep_core": ("核心 → {to}", "core → {to}"),
    "what_check_advertiser": ("本周广告 {ads} 条：{text}", "{ads} ad(s) this week: {text}"),
    "what_check_shill": ("本周发言 {messages} 条：{text}", "{messages} message(s) this week: {text}"),
    "outcome": ("结果", "outcome"), "todo": ("建议", "what to do"), "what": ("内容", "what"),
    "answered_by": ("已由 {name} 回答 ({when})", "answered by {name} ({when})"),
    "spoke_at": ("已开口 ({when})", "spoke ({when})"), "back": ("回到核心", "core again"),
    "stopped": ("已停止", "stopped"), "continues": ("仍在继续 ({count} 条)", "continues ({count})"),
    "gone": ("消息已不在库中", "message no longer stored"), "quiet": ("仍不活跃", "still quiet"),
    "still_silent": ("仍未发言", "still silent"), "still_unanswered": ("仍未回答", "still unanswered"),
    "still_active": ("在发言，未回核心", "speaks, not core"), "left_group": ("已退群", "left the group"),
    "follow_up_done": ("完成 {done}/{total}", "{done} of {total} done"),
    "source_recorded": ("上周记录的待办", "as recorded last week"),
    "source_recomputed": ("上周未记录，按数据重算", "not recorded last week: recomputed from the data"),
    "recorded_note": ("已记入数据库，下周周报会跟进", "Recorded in the store: next week's review follows them up."),
    "not_recorded_note": ("未记录（非整周，或 --no-record）", "Not recorded (not an ISO week, or --no-record)."),
    "nothing_to_do": ("本周没有待办", "nothing to do this week"),
    # alerts
    "alert_stage_changed": ("阶段变化：{from_label} → {to_label}", "stage changed: {from_label} → {to_label}"),
    "alert_core_churned": ("{count} 位核心成员流失：{names}", "{count} core member(s) churned: {names}"),
    "alert_ads_rising": ("广告占比上升：{previous:.0%} → {current:.0%}", "ad share rising: {previous:.0%} → {current:.0%}"),
    "alert_activity_drop": ("消息量下降 {drop:.0%}", "messages down {drop:.0%}"),
    "alert_unanswered": ("{count} 个问题无人回答", "{count} question(s) unanswered"),
    "alert_risky_claims": ("{count} 条风险医疗宣称", "{count} risky medical claim(s)"),
    "alert_personal_attacks": ("{count} 条人身攻击", "{count} personal attack(s)"),
    "alert_flooding": ("{count} 次刷屏", "{count} flooding burst(s)"),
}


_STAGES: dict[str, tuple[str, str]] = {
    "new": ("新建", "new"), "growing": ("成长", "growing"), "active": ("活跃", "active"),
    "declining": ("衰退", "declining"), "ad-dominated": ("广告群", "ad-dominated"),
    "help-desk": ("互助群", "help-desk"), "dead": ("死群", "dead"),
}


def stage_label(stage: str | None, lang: str = "zh") -> str:
    """A lifecycle stage's name (新建 … 死群)."""
    if stage is None:
        return "—"
    pair = _STAGES.get(stage, (stage, stage))
    return pair[0] if lang == "zh" else pair[1]


def label(code: str | None, lang: str = "zh") -> str:
    """The word for ``code`` in ``lang``; the code itself when there is none."""
    if code is None:
        return "—"
    pair = _LABELS.get(code)
    if pair is None:
        return code
    return pair[0] if lang == "zh" else pair[1]


def sentence(code: str, lang: str = "zh", **params: Any) -> str:
    """A filled-in template, e.g. ``sentence("alert_unanswered", "en", count=3)``."""
    return label(code, lang).format(**params)
